//! `coinflip init` writes a starter project in which the real binary's `run`, `quiz check` and
//! `quiz grade` succeed, and refuses to write over anything.

use std::path::Path;

use assert_cmd::Command;

fn coinflip(dir: &Path, args: &[&str]) -> (String, String, i32) {
    let out = Command::cargo_bin("coinflip")
        .unwrap()
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
        out.status.code().unwrap_or(-1),
    )
}

const FILES: [&str; 11] = [
    "README.md",
    "scenarios/garden.toml",
    "scenarios/corpora/garden.txt",
    "scenarios/viewing-a-single.toml",
    "quizzes/starter.toml",
    "answers/s001.toml",
    "answers/s002.json",
    ".github/workflows/coinflip.yml",
    "schemas/scenario.schema.json",
    "schemas/quiz.schema.json",
    "schemas/answers.schema.json",
];

#[test]
fn init_then_run_and_grade() {
    let tmp = tempfile::tempdir().unwrap();
    let (out, err, code) = coinflip(tmp.path(), &["init", "project"]);
    assert_eq!(code, 0, "{err}");
    let dir = tmp.path().join("project");
    for f in FILES {
        assert!(dir.join(f).is_file(), "{f} missing");
        assert!(out.contains(&format!("created project/{f}\n")), "{out}");
    }

    // The scenarios pass, with the reports the workflow keeps (JUnit here; see below for html).
    let (out, err, code) = coinflip(
        &dir,
        &[
            "run",
            "scenarios/",
            "-q",
            "--format",
            "junit,json",
            "--out",
            "reports/",
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    let junit = std::fs::read_to_string(dir.join("reports/junit.xml")).unwrap();
    assert!(
        junit.contains("garden") && junit.contains("viewing-a-single"),
        "{junit}"
    );
    assert!(junit.contains("failures=\"0\""), "{junit}");

    let (out, err, code) = coinflip(&dir, &["quiz", "check", "quizzes/starter.toml"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        "quizzes/starter.toml: ok: quiz `starter`, 4 questions, 5.00 points\n"
    );
    let (csv, err, code) = coinflip(
        &dir,
        &[
            "quiz",
            "grade",
            "quizzes/starter.toml",
            "answers/",
            "--format",
            "csv",
        ],
    );
    assert_eq!(code, 0, "{err}");
    // s002: choose a (0), likely {a, c} partial: (1 − 1)/2 → 0, the 30 vs 32 ± 1 (0), same (1).
    assert_eq!(
        csv,
        "student,name,score,max,percent,choose,likely,the,same\n\
         s001,Ada Example,5.00,5.00,100.00,1.00,2.00,1.00,1.00\n\
         s002,Bo Example,1.00,5.00,20.00,0.00,0.00,0.00,1.00\n"
    );
    assert!(err.ends_with("2 graded, 0 rejected\n"), "{err}");

    // The workflow runs the scenarios with JUnit and HTML reports and uploads the folder.
    let wf = std::fs::read_to_string(dir.join(".github/workflows/coinflip.yml")).unwrap();
    assert!(wf.contains("run: coinflip run scenarios/ --format junit,html --out reports/"));
    assert!(wf.contains("uses: actions/upload-artifact@v4") && wf.contains("path: reports/"));

    // The schema files are what `coinflip schema` prints, and the TOML files name them.
    for (name, file) in [
        ("scenario", "scenarios/garden.toml"),
        ("quiz", "quizzes/starter.toml"),
        ("answers", "answers/s001.toml"),
    ] {
        let (printed, _, code) = coinflip(&dir, &["schema", name]);
        assert_eq!(code, 0);
        let written =
            std::fs::read_to_string(dir.join(format!("schemas/{name}.schema.json"))).unwrap();
        assert_eq!(written, printed, "{name}");
        let head = std::fs::read_to_string(dir.join(file)).unwrap();
        assert!(
            head.starts_with(&format!("#:schema ../schemas/{name}.schema.json\n")),
            "{file}"
        );
    }
}

#[test]
fn init_refuses_to_overwrite() {
    let tmp = tempfile::tempdir().unwrap();
    let (_, err, code) = coinflip(tmp.path(), &["init"]);
    assert_eq!(code, 0, "{err}");
    std::fs::write(tmp.path().join("quizzes/starter.toml"), "edited").unwrap();
    std::fs::remove_file(tmp.path().join("answers/s002.json")).unwrap();
    let (out, err, code) = coinflip(tmp.path(), &["init", "."]);
    assert_eq!(code, 1);
    assert_eq!(out, "");
    assert!(err.contains("10 of its files already exist:"), "{err}");
    assert!(err.contains("  ./quizzes/starter.toml\n"), "{err}");
    // Nothing was written: the edit stays and the deleted file is not brought back.
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("quizzes/starter.toml")).unwrap(),
        "edited"
    );
    assert!(!tmp.path().join("answers/s002.json").exists());
}

/// The value of `COINFLIP_GIT` in the workflow `init` writes, until the user fills it in.
const PLACEHOLDER: &str = "FILL-IN-coinflip-git-url";

/// Options of `cargo install` that take a value (the next word).
const TAKES_VALUE: [&str; 16] = [
    "--git",
    "--path",
    "--branch",
    "--tag",
    "--rev",
    "--version",
    "--root",
    "--registry",
    "--index",
    "--target-dir",
    "--target",
    "--features",
    "--bin",
    "--profile",
    "--jobs",
    "--config",
];

/// One `cargo install` command line: its options with their values, and the crates it names.
struct Install {
    options: Vec<(String, Option<String>)>,
    crates: Vec<String>,
}

/// Every `cargo install` in a step's shell script, `$VAR`s replaced from `env`.
fn installs(script: &str, env: &[(String, String)]) -> Vec<Install> {
    let mut found = Vec::new();
    for line in script.lines() {
        let line = line.split(" #").next().unwrap(); // a shell comment
        let Some(at) = line.find("cargo install") else {
            continue;
        };
        let mut words = line[at + "cargo install".len()..]
            .split_whitespace()
            .map(|w| {
                let w = w.trim_matches('"').trim_matches('\'');
                match w.strip_prefix('$') {
                    Some(var) => env
                        .iter()
                        .find(|(k, _)| k == var.trim_matches(['{', '}']))
                        .map_or(w.to_string(), |(_, v)| v.clone()),
                    None => w.to_string(),
                }
            });
        let mut install = Install {
            options: vec![],
            crates: vec![],
        };
        while let Some(w) = words.next() {
            if let Some((flag, value)) = w.split_once('=').filter(|_| w.starts_with("--")) {
                install.options.push((flag.into(), Some(value.into())));
            } else if TAKES_VALUE.contains(&w.as_str()) {
                install.options.push((w, words.next()));
            } else if w.starts_with('-') {
                install.options.push((w, None));
            } else {
                install.crates.push(w);
            }
        }
        found.push(install);
    }
    found
}

fn string_map(value: &serde_yaml_ng::Value) -> Vec<(String, String)> {
    value
        .as_mapping()
        .map(|m| {
            m.iter()
                .map(|(k, v)| {
                    let k = k.as_str().unwrap().to_string();
                    (k, v.as_str().unwrap_or_default().to_string())
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The workflow `init` writes is YAML that GitHub can read; it installs coinflip from the git URL
/// the user fills in (`init` says so), never a crate by name from crates.io (where `coinflip` is
/// another project), and caches cargo's registry and build folder.
#[test]
fn the_workflow_installs_coinflip_from_its_source() {
    let tmp = tempfile::tempdir().unwrap();
    let (out, err, code) = coinflip(tmp.path(), &["init", "p"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains(&format!(
            "Fill in before pushing: p/.github/workflows/coinflip.yml installs coinflip from its \
             source in CI; replace {PLACEHOLDER} (COINFLIP_GIT) with the git URL"
        )),
        "{out}"
    );
    let text =
        std::fs::read_to_string(tmp.path().join("p/.github/workflows/coinflip.yml")).unwrap();
    let wf: serde_yaml_ng::Value = serde_yaml_ng::from_str(&text).unwrap();

    let mut env = string_map(&wf["env"]);
    assert!(
        env.contains(&("COINFLIP_GIT".into(), PLACEHOLDER.into())),
        "{env:?}"
    );
    let steps: Vec<&serde_yaml_ng::Value> = wf["jobs"]
        .as_mapping()
        .unwrap()
        .values()
        .flat_map(|job| job["steps"].as_sequence().unwrap())
        .collect();
    let scripts: Vec<&str> = steps.iter().filter_map(|s| s["run"].as_str()).collect();
    assert!(
        scripts
            .iter()
            .any(|s| s.contains("coinflip run scenarios/"))
    );

    // Once the user has filled in the URL, the one install names that source and this package.
    let url = "https://git.example.org/someone/coinflip.git";
    env.iter_mut()
        .filter(|(k, _)| k == "COINFLIP_GIT")
        .for_each(|(_, v)| *v = url.into());
    let all: Vec<Install> = scripts.iter().flat_map(|s| installs(s, &env)).collect();
    assert_eq!(all.len(), 1, "{scripts:?}");
    for install in &all {
        let source: Vec<_> = install
            .options
            .iter()
            .filter(|(flag, _)| flag == "--git" || flag == "--path")
            .collect();
        assert_eq!(source, [&("--git".into(), Some(url.into()))], "{scripts:?}");
        assert!(install.options.contains(&("--locked".into(), None)));
        // Within that repository, the package is picked by its name: this package's.
        assert_eq!(install.crates, [env!("CARGO_PKG_NAME")]);
        assert_ne!(env!("CARGO_PKG_NAME"), "coinflip", "taken on crates.io");
    }
    // Left unfilled, the step stops with an error before cargo is asked for anything.
    let install_step = scripts
        .iter()
        .find(|s| s.contains("cargo install"))
        .unwrap();
    let guard = install_step.find(PLACEHOLDER).unwrap();
    assert!(guard < install_step.find("cargo install").unwrap());
    assert!(install_step[guard..].contains("exit 1"), "{install_step}");

    // cargo's registry and the build folder it installs with are cached.
    let cache = steps
        .iter()
        .find(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("actions/cache@"))
        })
        .expect("a cache step");
    let paths: Vec<&str> = cache["with"]["path"].as_str().unwrap().lines().collect();
    assert!(paths.contains(&"~/.cargo/registry/cache/"), "{paths:?}");
    assert!(paths.contains(&"target/"), "{paths:?}");
    assert!(
        env.contains(&(
            "CARGO_TARGET_DIR".into(),
            "${{ github.workspace }}/target".into()
        )),
        "{env:?}"
    );
}

/// docs/ci.md, docs/editors.md and the README say the same as the workflow: every
/// `cargo install` of coinflip names its source (`--git` or `--path`) and, if any, the package
/// `coinflip-lm`; the CI recipes parse as YAML, have the workflow's placeholder and cache the
/// build folder.
#[test]
fn the_docs_install_coinflip_from_its_source_too() {
    let mut checked = 0;
    for doc in ["docs/ci.md", "docs/editors.md", "README.md"] {
        let text = std::fs::read_to_string(doc).unwrap();
        // Code blocks hold no backticks; inline code is every other piece between backticks.
        let pieces = text.lines().flat_map(|l| l.split('`'));
        for install in pieces.flat_map(|piece| installs(piece, &[])) {
            let names_coinflip = install.crates.iter().any(|c| c.starts_with("coinflip"));
            let prose = install.crates.is_empty() && install.options.is_empty();
            if prose || !(names_coinflip || install.crates.is_empty()) {
                continue; // prose about `cargo install`, or `cargo install cargo-insta`
            }
            checked += 1;
            let from_source = install
                .options
                .iter()
                .any(|(flag, value)| (flag == "--git" || flag == "--path") && value.is_some());
            assert!(from_source, "{doc}: {:?}", install.options);
            assert!(
                install.crates.iter().all(|c| c == env!("CARGO_PKG_NAME")),
                "{doc}: {:?}",
                install.crates
            );
        }
    }
    assert!(checked >= 7, "only {checked} installs of coinflip found");

    let ci = std::fs::read_to_string("docs/ci.md").unwrap();
    let yaml: Vec<serde_yaml_ng::Value> = ci
        .split("```yaml\n")
        .skip(1)
        .map(|block| serde_yaml_ng::from_str(block.split("```").next().unwrap()).unwrap())
        .collect();
    assert_eq!(yaml.len(), 2, "the GitHub Actions and GitLab CI recipes");
    let (github, gitlab) = (&yaml[0], &yaml[1]);
    assert_eq!(github["env"]["COINFLIP_GIT"].as_str(), Some(PLACEHOLDER));
    assert_eq!(
        gitlab["variables"]["COINFLIP_GIT"].as_str(),
        Some(PLACEHOLDER)
    );
    let cache = github["jobs"]["scenarios"]["steps"]
        .as_sequence()
        .unwrap()
        .iter()
        .find(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("actions/cache@"))
        })
        .expect("a cache step");
    assert!(cache["with"]["path"].as_str().unwrap().contains("target/"));
    let paths = gitlab["scenarios"]["cache"]["paths"].as_sequence().unwrap();
    assert!(paths.iter().any(|p| p.as_str() == Some("target/")));
}
