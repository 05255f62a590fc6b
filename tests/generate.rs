//! End-to-end tests of `coinflip generate`: it prints the samples `run` would print for the same
//! scenario, `--save-scenario` writes that scenario (so `coinflip run` on it prints the same
//! samples), and bad options are named as options.

use std::path::Path;

use assert_cmd::Command;

fn coinflip() -> Command {
    Command::cargo_bin("coinflip").unwrap()
}

fn stdout(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{cmd:?}: {out:?}");
    String::from_utf8(out.stdout).unwrap()
}

/// The lines from the first `sample` line on, without the indent they have under a header.
fn sample_lines(text: &str, indent: &str) -> Vec<String> {
    text.lines()
        .skip_while(|l| !l.trim_start().starts_with("sample 0 "))
        .take_while(|l| l.starts_with(indent) && !l.trim().is_empty())
        .map(|l| l[indent.len()..].to_string())
        .collect()
}

/// A corpus in a folder of its own, outside the scenario's folder.
fn corpus(dir: &Path) -> std::path::PathBuf {
    let p = dir.join("data/corpus.txt");
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::copy("scenarios/corpora/weather.txt", &p).unwrap();
    p
}

#[test]
fn the_saved_scenario_runs_to_the_same_samples() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = corpus(dir.path());
    let saved = dir.path().join("ci/scenarios/weather.toml");
    let generated = stdout(
        coinflip()
            .args(["generate", "--corpus"])
            .arg(&corpus)
            .args([
                "--order",
                "3",
                "--smoothing",
                "kneser-ney",
                "--discount",
                "0.6",
            ])
            .args([
                "--prefix",
                "the sun",
                "--samples",
                "4",
                "--max-tokens",
                "15",
            ])
            .args(["--seed", "11", "--temperature", "0.8", "--top-k", "5"])
            .arg("--save-scenario")
            .arg(&saved),
    );
    let text = std::fs::read_to_string(&saved).unwrap();
    // Portable: the corpus is named relative to the saved file.
    assert!(text.contains("path = \"../../data/corpus.txt\""), "{text}");
    assert!(text.contains("discount = 0.6"), "{text}");
    let ran = stdout(coinflip().args(["run", "-v"]).arg(&saved));
    let from_generate = sample_lines(&generated, "");
    assert_eq!(from_generate.len(), 4 * 3 + 1, "{generated}");
    assert_eq!(
        from_generate,
        sample_lines(&ran, "  "),
        "{generated}\n{ran}"
    );
    // The model and sampling lines are run's too.
    for l in [
        "model: 3-gram, word tokens, kneser-ney (discount = 0.6)",
        "sampling: temperature 0.8, top-k 5, top-p off",
    ] {
        assert!(generated.lines().any(|g| g == l), "{l}\n{generated}");
        assert!(ran.lines().any(|r| r == format!("  {l}")), "{l}\n{ran}");
    }
}

#[test]
fn same_seed_same_samples_and_another_seed_others() {
    let run = |seed: &str| {
        stdout(coinflip().args([
            "generate",
            "--corpus",
            "scenarios/corpora/weather.txt",
            "--seed",
            seed,
        ]))
    };
    assert_eq!(run("3"), run("3"));
    assert_ne!(run("3"), run("4"));
}

#[test]
fn bad_options_are_named_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("s.toml");
    coinflip()
        .args(["generate", "--corpus", "scenarios/corpora/weather.txt"])
        .args(["--order", "0", "--alpha", "0.5", "--samples", "0"])
        .arg("--save-scenario")
        .arg(&saved)
        .assert()
        .code(2)
        .stdout("")
        .stderr(
            "coinflip: error: --order: expected an integer from 1 to 16, found 0\n\
             coinflip: error: --alpha: `alpha` only applies to smoothing = \"stupid-backoff\"; \
             remove it or set that smoothing\n\
             coinflip: error: --samples: expected an integer from 1 to 1000000, found 0\n",
        );
    assert!(!saved.exists());
    coinflip()
        .args(["generate", "--corpus", "no/such.txt"])
        .assert()
        .code(2)
        .stderr("coinflip: error: no such file: no/such.txt\n");
    // A corpus found unreadable while running is named by its option too (exit 1: an input).
    coinflip()
        .args(["generate", "--corpus", "tests/fixtures/bad/latin1.txt"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicates::str::starts_with(
            "coinflip: error: --corpus: tests/fixtures/bad/latin1.txt: not valid UTF-8",
        ));
}

#[test]
fn the_corpus_is_never_overwritten_and_a_saved_file_keeps_its_mode() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = corpus(dir.path());
    let before = std::fs::read(&corpus).unwrap();
    coinflip()
        .args(["generate", "--corpus"])
        .arg(&corpus)
        .arg("--save-scenario")
        .arg(&corpus)
        .assert()
        .code(2)
        .stdout("")
        .stderr("coinflip: error: --save-scenario would overwrite the corpus\n");
    assert_eq!(std::fs::read(&corpus).unwrap(), before);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let saved = dir.path().join("data/s.toml");
        std::fs::write(&saved, "old").unwrap();
        std::fs::set_permissions(&saved, std::fs::Permissions::from_mode(0o640)).unwrap();
        coinflip()
            .args(["generate", "--corpus"])
            .arg(&corpus)
            .arg("--save-scenario")
            .arg(&saved)
            .assert()
            .code(0);
        let mode = std::fs::metadata(&saved).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o640);
        let text = std::fs::read_to_string(&saved).unwrap();
        assert!(text.contains("path = \"corpus.txt\""), "{text}");
    }
}
