//! The published crate (`cargo package --list`, offline): it is `coinflip-lm` — `coinflip` on
//! crates.io is another project — with the binary and library still named `coinflip`; it holds
//! every file the source embeds (the `coinflip init` templates above all), the licenses and the
//! Cargo.lock that `cargo install --locked` builds with, and none of CI, fuzzing, the end-to-end
//! tests' snapshots, or the build folder. `.ci/run` also runs `cargo publish --dry-run`, which
//! builds the packed crate (it needs the registry).

use std::path::{Component, Path, PathBuf};
use std::process::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The files `cargo package` would pack, as paths relative to the package root.
fn packaged() -> Vec<String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    // --allow-dirty: the list is what matters here, also with uncommitted work.
    let out = Command::new(cargo)
        .args([
            "package",
            "--list",
            "--locked",
            "--offline",
            "--allow-dirty",
        ])
        .current_dir(root())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "cargo package --list failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

/// `a/b/../c` → `a/c`, with `/` separators.
fn normalise(path: &Path) -> String {
    let mut parts: Vec<String> = Vec::new();
    for c in path.components() {
        match c {
            Component::ParentDir => {
                parts.pop();
            }
            Component::Normal(p) => parts.push(p.to_string_lossy().into_owned()),
            _ => {}
        }
    }
    parts.join("/")
}

/// Every `include_str!("…")` / `include_bytes!("…")` in the `.rs` files under `dir`, as a path
/// relative to the package root.
fn embedded(dir: &Path, found: &mut Vec<String>) {
    for entry in std::fs::read_dir(root().join(dir)).unwrap() {
        let name = PathBuf::from(entry.unwrap().file_name());
        let rel = dir.join(&name);
        if root().join(&rel).is_dir() {
            embedded(&rel, found);
            continue;
        }
        if name.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let source = std::fs::read_to_string(root().join(&rel)).unwrap();
        for macro_call in ["include_str!(\"", "include_bytes!(\""] {
            for (at, _) in source.match_indices(macro_call) {
                let rest = &source[at + macro_call.len()..];
                let target = &rest[..rest.find('"').unwrap()];
                found.push(normalise(&dir.join(target)));
            }
        }
    }
}

#[test]
fn the_package_holds_what_the_build_needs_and_nothing_else() {
    let files = packaged();
    let mut needed = vec![
        "Cargo.toml".to_string(),
        "Cargo.lock".into(),
        "README.md".into(),
        "LICENSE-MIT".into(),
        "LICENSE-APACHE".into(),
        "src/lib.rs".into(),
        "src/main.rs".into(),
    ];
    let before = needed.len();
    embedded(Path::new("src"), &mut needed);
    assert!(
        needed.len() > before + 8,
        "the init templates are embedded: {needed:?}"
    );
    assert!(needed.contains(&"templates/init/.github/workflows/coinflip.yml".to_string()));
    let missing: Vec<&String> = needed.iter().filter(|f| !files.contains(f)).collect();
    assert!(missing.is_empty(), "not packaged: {missing:?}");

    for not_wanted in [
        "target/",
        "fuzz/",
        ".ci/",
        "tests/snapshots/",
        ".git/",
        ".github/",
    ] {
        let found: Vec<&String> = files.iter().filter(|f| f.starts_with(not_wanted)).collect();
        assert!(found.is_empty(), "packaged: {found:?}");
    }
    let bytes: u64 = files
        .iter()
        .filter_map(|f| std::fs::metadata(root().join(f)).ok())
        .map(|m| m.len())
        .sum();
    assert!(bytes < 2 << 20, "{bytes} bytes packaged");
}

#[test]
fn the_package_is_ours_and_the_binary_is_coinflip() {
    // crates.io's `coinflip` (another author's "flip a coin" program) must never be what a user or
    // a workflow installs under our name.
    assert_eq!(env!("CARGO_PKG_NAME"), "coinflip-lm");
    let bin = Path::new(env!("CARGO_BIN_EXE_coinflip"));
    let out = Command::new(bin).arg("--version").output().unwrap();
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        format!("coinflip {}\n", env!("CARGO_PKG_VERSION"))
    );
    // What crates.io shows and `cargo publish` asks for.
    let manifest: toml::Table =
        toml::from_str(&std::fs::read_to_string(root().join("Cargo.toml")).unwrap()).unwrap();
    let package = manifest["package"].as_table().unwrap();
    for key in [
        "description",
        "license",
        "repository",
        "rust-version",
        "readme",
    ] {
        assert!(
            package
                .get(key)
                .and_then(|v| v.as_str())
                .is_some_and(|v| !v.is_empty()),
            "Cargo.toml: package.{key}"
        );
    }
    for key in ["keywords", "categories"] {
        let n = package
            .get(key)
            .and_then(|v| v.as_array())
            .map_or(0, Vec::len);
        assert!((1..=5).contains(&n), "Cargo.toml: package.{key} has {n}");
    }
    assert_eq!(manifest["lib"]["name"].as_str(), Some("coinflip"));
}
