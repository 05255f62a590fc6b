//! Licenses: coinflip is `MIT OR Apache-2.0` (LICENSE-MIT, LICENSE-APACHE), and every crate it
//! depends on — on any platform, dev-dependencies included — has a license from a short
//! allow-list of permissive licenses that allow that. The licenses come from `cargo metadata`
//! (each crate's manifest `license` field, an SPDX expression), which reads cargo's local cache
//! and needs the network only for crate sources not downloaded yet.

use std::process::Command;

/// Licenses compatible with distributing coinflip under MIT OR Apache-2.0.
const ALLOWED: [&str; 13] = [
    "MIT",
    "MIT-0",
    "Apache-2.0",
    "Apache-2.0 WITH LLVM-exception",
    "BSD-2-Clause",
    "BSD-3-Clause",
    "ISC",
    "Zlib",
    "BSL-1.0",
    "Unicode-3.0",
    "Unicode-DFS-2016",
    "Unlicense",
    "CC0-1.0",
];

/// Whether an SPDX license expression lets us use the crate: `A OR B` if either is allowed,
/// `A AND B` if both are, parentheses, `X WITH exception` as one license. The old `A/B` form
/// (pre-SPDX, still common) means `A OR B`, as cargo reads it. `Err` for an expression that does
/// not parse.
fn allowed(expr: &str) -> Result<bool, String> {
    let spaced = expr
        .replace('(', " ( ")
        .replace(')', " ) ")
        .replace('/', " OR ");
    let tokens: Vec<&str> = spaced.split_whitespace().collect();
    let mut at = 0;
    let ok = or_expr(&tokens, &mut at)?;
    match tokens.get(at) {
        None => Ok(ok),
        Some(t) => Err(format!("unexpected `{t}` in `{expr}`")),
    }
}

fn or_expr(tokens: &[&str], at: &mut usize) -> Result<bool, String> {
    let mut ok = and_expr(tokens, at)?;
    while tokens.get(*at) == Some(&"OR") {
        *at += 1;
        ok |= and_expr(tokens, at)?;
    }
    Ok(ok)
}

fn and_expr(tokens: &[&str], at: &mut usize) -> Result<bool, String> {
    let mut ok = license(tokens, at)?;
    while tokens.get(*at) == Some(&"AND") {
        *at += 1;
        ok &= license(tokens, at)?;
    }
    Ok(ok)
}

fn license(tokens: &[&str], at: &mut usize) -> Result<bool, String> {
    let Some(&token) = tokens.get(*at) else {
        return Err("a license expression ends early".into());
    };
    *at += 1;
    if token == "(" {
        let ok = or_expr(tokens, at)?;
        if tokens.get(*at) != Some(&")") {
            return Err("a `(` is not closed".into());
        }
        *at += 1;
        return Ok(ok);
    }
    if matches!(token, ")" | "AND" | "OR" | "WITH") {
        return Err(format!("a license expected, found `{token}`"));
    }
    if tokens.get(*at) == Some(&"WITH") {
        let exception = tokens.get(*at + 1).ok_or("`WITH` and no exception")?;
        *at += 2;
        return Ok(ALLOWED.contains(&format!("{token} WITH {exception}").as_str()));
    }
    Ok(ALLOWED.contains(&token))
}

/// `cargo metadata` of the whole dependency graph, for every platform: from cargo's cache alone
/// when it has every crate, else downloading the missing ones from the registry.
fn metadata() -> serde_json::Value {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let run = |offline: bool| {
        let mut cmd = Command::new(&cargo);
        cmd.args(["metadata", "--format-version", "1", "--locked"])
            .current_dir(env!("CARGO_MANIFEST_DIR"));
        if offline {
            cmd.arg("--offline");
        }
        cmd.output().unwrap()
    };
    let mut out = run(true);
    if !out.status.success() {
        out = run(false);
    }
    assert!(
        out.status.success(),
        "cargo metadata failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn every_dependency_has_an_allowed_license() {
    let meta = metadata();
    let ours: Vec<&str> = meta["workspace_members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap())
        .collect();
    let mut checked = 0;
    let mut refused = Vec::new();
    for package in meta["packages"].as_array().unwrap() {
        let name = format!(
            "{} {}",
            package["name"].as_str().unwrap(),
            package["version"].as_str().unwrap()
        );
        if ours.contains(&package["id"].as_str().unwrap()) {
            assert_eq!(package["license"], "MIT OR Apache-2.0", "{name}");
            continue;
        }
        checked += 1;
        match package["license"].as_str().map(allowed) {
            Some(Ok(true)) => {}
            Some(Ok(false)) => refused.push(format!("{name}: {}", package["license"])),
            Some(Err(e)) => refused.push(format!("{name}: {e}")),
            None => refused.push(format!(
                "{name}: no SPDX `license` (license file: {})",
                package["license_file"]
            )),
        }
    }
    // The graph is large (clap, serde, rayon, statrs, criterion, …): a near-empty one means
    // cargo metadata did not list what it should.
    assert!(checked > 100, "only {checked} packages listed");
    assert!(
        refused.is_empty(),
        "licenses outside the allow-list (tests/licenses.rs); check that each is compatible \
         with MIT OR Apache-2.0 before adding it:\n{}",
        refused.join("\n")
    );
}

#[test]
fn the_license_expressions_are_read_as_spdx_says() {
    for ok in [
        "MIT OR Apache-2.0",
        "MIT/Apache-2.0",
        "Apache-2.0 / MIT",
        "(MIT OR Apache-2.0) AND Unicode-3.0",
        "Apache-2.0 WITH LLVM-exception OR Apache-2.0 OR MIT",
        "MIT OR Apache-2.0 OR LGPL-2.1-or-later",
        "Zlib",
    ] {
        assert_eq!(allowed(ok), Ok(true), "{ok}");
    }
    for refused in [
        "GPL-3.0-only",
        "MIT AND GPL-3.0-only",
        "(MIT OR Apache-2.0) AND AGPL-3.0-or-later",
        "GPL-2.0-only WITH Classpath-exception-2.0",
        "LGPL-2.1-or-later/GPL-3.0",
    ] {
        assert_eq!(allowed(refused), Ok(false), "{refused}");
    }
    for broken in ["", "MIT OR", "(MIT", "MIT Apache-2.0", "MIT WITH"] {
        assert!(allowed(broken).is_err(), "{broken}");
    }
}

#[test]
fn the_license_files_are_there() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mit = std::fs::read_to_string(root.join("LICENSE-MIT")).unwrap();
    assert!(mit.starts_with("MIT License\n") && mit.contains("Permission is hereby granted"));
    let apache = std::fs::read_to_string(root.join("LICENSE-APACHE")).unwrap();
    assert!(apache.contains("Apache License") && apache.contains("Version 2.0, January 2004"));
    assert!(apache.contains("END OF TERMS AND CONDITIONS"));
    assert_eq!(env!("CARGO_PKG_LICENSE"), "MIT OR Apache-2.0");
}
