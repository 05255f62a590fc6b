//! `coinflip run --out` may point inside an input folder (`coinflip run . --out report.html`):
//! it is refused only when an output would overwrite an input file — a scenario, or a corpus a
//! scenario names. `--quiet` leaves standard output empty; without a terminal no progress is
//! drawn on standard error.

use std::path::Path;

use assert_cmd::Command;

/// A folder with two scenarios and the corpus they train on.
fn project(dir: &Path) {
    std::fs::create_dir_all(dir.join("corpora")).unwrap();
    std::fs::copy(
        "scenarios/corpora/weather.txt",
        dir.join("corpora/weather.txt"),
    )
    .unwrap();
    for name in ["greedy", "add-k-weather"] {
        std::fs::copy(
            format!("scenarios/{name}.toml"),
            dir.join(format!("{name}.toml")),
        )
        .unwrap();
    }
}

fn run(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::cargo_bin("coinflip")
        .unwrap()
        .current_dir(dir)
        .arg("run")
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn a_report_may_go_into_the_input_folder() {
    let dir = tempfile::tempdir().unwrap();
    project(dir.path());
    let out = run(
        dir.path(),
        &[".", "--format", "html", "--out", "report.html"],
    );
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.ends_with("coinflip: 2 passed, 0 failed\nreport: report.html\n"),
        "{stdout}"
    );
    assert!(
        std::fs::read_to_string(dir.path().join("report.html"))
            .unwrap()
            .contains("<html")
    );
    // Several formats into the input folder itself; the next run does not take them for inputs.
    let out = run(
        dir.path(),
        &[".", "--format", "json,junit", "--out", ".", "--quiet"],
    );
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(out.stdout.is_empty() && out.stderr.is_empty(), "{out:?}");
    assert!(dir.path().join("report.json").is_file() && dir.path().join("junit.xml").is_file());
    let out = run(dir.path(), &[".", "--out", "report.html", "-q"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(out.stdout.is_empty(), "{out:?}");
}

#[test]
fn an_output_over_an_input_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    project(dir.path());
    let before = std::fs::read(dir.path().join("corpora/weather.txt")).unwrap();
    for (args, input) in [
        (
            &[".", "--out", "corpora/weather.txt"][..],
            "./corpora/weather.txt",
        ),
        (&["greedy.toml", "--out", "greedy.toml"][..], "greedy.toml"),
        (
            &[".", "--out", "./add-k-weather.toml"][..],
            "./add-k-weather.toml",
        ),
    ] {
        let out = run(dir.path(), args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty());
        let err = String::from_utf8(out.stderr).unwrap();
        assert_eq!(
            err,
            format!(
                "coinflip: error: --out {} would overwrite the input {input}\n",
                args[2]
            ),
        );
    }
    assert_eq!(
        std::fs::read(dir.path().join("corpora/weather.txt")).unwrap(),
        before
    );
    assert!(
        std::fs::read_to_string(dir.path().join("greedy.toml"))
            .unwrap()
            .contains("[corpus]")
    );
}

#[test]
fn no_progress_is_drawn_when_standard_error_is_not_a_terminal() {
    // A scenario long enough to report progress (several chunks of chi-square draws).
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("long.toml"),
        "seed = 1\n[distribution]\ntokens = [\"a\", \"b\"]\nprobs = [0.5, 0.5]\n\
         [checks.chi_square]\nsamples = 300000\n",
    )
    .unwrap();
    let out = run(dir.path(), &["long.toml"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(
        out.stderr.is_empty(),
        "{:?}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8(out.stdout)
            .unwrap()
            .ends_with("coinflip: 1 passed, 0 failed\n")
    );
}
