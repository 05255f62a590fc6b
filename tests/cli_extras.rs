//! End-to-end tests of the small commands and the command line itself: `man --out` writes a page
//! per subcommand, `completions` and `man` survive a closed pipe, a mistyped subcommand gets a
//! "did you mean".

use std::io::Read;
use std::process::Stdio;

use assert_cmd::Command;

fn coinflip() -> Command {
    Command::cargo_bin("coinflip").unwrap()
}

#[test]
fn man_out_writes_a_page_per_subcommand() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("man");
    coinflip()
        .args(["man", "--out"])
        .arg(&out)
        .assert()
        .code(0)
        .stdout("");
    for page in [
        "coinflip.1",
        "coinflip-run.1",
        "coinflip-score.1",
        "coinflip-trace.1",
        "coinflip-quiz.1",
        "coinflip-quiz-grade.1",
    ] {
        let text =
            std::fs::read_to_string(out.join(page)).unwrap_or_else(|e| panic!("{page}: {e}"));
        assert!(text.starts_with(".ie \\n(.g"), "{page} is not roff");
    }
    let run = std::fs::read_to_string(out.join("coinflip-run.1")).unwrap();
    assert!(run.contains("\\-\\-verbose"), "{run}");
}

/// Runs coinflip with `args`, reads one line of its output and closes the pipe, like `| head -1`.
fn first_line_then_close(args: &[&str]) -> (String, Option<i32>, String) {
    let bin = assert_cmd::cargo::cargo_bin("coinflip");
    let mut child = std::process::Command::new(bin)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 16];
    stdout.read_exact(&mut first).unwrap();
    drop(stdout);
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let status = child.wait().unwrap();
    (
        String::from_utf8_lossy(&first).into_owned(),
        status.code(),
        stderr,
    )
}

#[test]
fn completions_and_man_do_not_panic_on_a_closed_pipe() {
    for args in [
        &["completions", "bash"][..],
        &["completions", "zsh"][..],
        &["man"][..],
    ] {
        let (first, code, stderr) = first_line_then_close(args);
        assert!(!first.is_empty());
        assert_eq!(code, Some(0), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

#[test]
fn a_mistyped_subcommand_gets_a_suggestion() {
    for (typed, meant) in [("rn", "run"), ("trce", "trace"), ("lst", "list")] {
        let out = coinflip().arg(typed).output().unwrap();
        assert_eq!(out.status.code(), Some(2));
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(
            stderr.contains(&format!("a similar subcommand exists: '{meant}'")),
            "{typed}: {stderr}"
        );
    }
    let out = coinflip().arg("xyzzy").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(!String::from_utf8(out.stderr).unwrap().contains("similar"));
}
