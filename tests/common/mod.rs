//! What the end-to-end tests share: the `coinflip` binary `cargo test` built, run from the
//! project's root (or from a given folder), and what it printed.

// Each test file uses some of these.
#![allow(dead_code)]

use std::path::Path;

/// The `coinflip` binary under test, run from the project's root (where `scenarios/`,
/// `quizzes/` and `tests/fixtures/` are).
pub fn coinflip() -> assert_cmd::Command {
    coinflip_in(Path::new(env!("CARGO_MANIFEST_DIR")))
}

/// The `coinflip` binary under test, run in `dir`.
pub fn coinflip_in(dir: &Path) -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("coinflip").expect("cargo test builds coinflip");
    cmd.current_dir(dir);
    cmd
}

/// What one run printed, and its exit code (-1 when a signal ended it).
#[derive(Debug)]
pub struct Run {
    pub stdout: String,
    pub stderr: String,
    pub code: i32,
}

impl Run {
    fn of(out: std::process::Output) -> Run {
        Run {
            stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
            stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
            code: out.status.code().unwrap_or(-1),
        }
    }
}

/// (stdout, stderr, code), for tests that destructure a run.
impl From<Run> for (String, String, i32) {
    fn from(r: Run) -> Self {
        (r.stdout, r.stderr, r.code)
    }
}

/// Runs `coinflip ARGS` from the project's root.
pub fn run(args: &[&str]) -> Run {
    Run::of(coinflip().args(args).output().expect("coinflip runs"))
}

/// Runs `coinflip ARGS` in `dir`.
pub fn run_in(dir: &Path, args: &[&str]) -> Run {
    Run::of(coinflip_in(dir).args(args).output().expect("coinflip runs"))
}

/// Standard output and exit code of `coinflip ARGS`.
pub fn stdout_of(args: &[&str]) -> (String, i32) {
    let r = run(args);
    (r.stdout, r.code)
}

/// The version of the `kenlm` Python module `.ci/run` installs (keep the two in step).
pub const KENLM_PIP: &str = "kenlm==0.3.0";

/// Whether the `kenlm` Python module can be imported, for the oracle tests that compare with it.
/// Where it cannot: in CI (the environment variable `CI` is set) the test fails, since an oracle
/// that silently does not run proves nothing; elsewhere `test` is skipped with a message on the
/// terminal (written past the test harness's capture, so `cargo test` shows it).
pub fn kenlm_python_module(test: &str) -> bool {
    let probe = std::process::Command::new("python3")
        .args(["-c", "import kenlm"])
        .output();
    if probe.is_ok_and(|o| o.status.success()) {
        return true;
    }
    let why = format!("the `kenlm` Python module is missing (python3 -m pip install {KENLM_PIP})");
    if std::env::var_os("CI").is_some_and(|v| !v.is_empty()) {
        panic!("{test}: {why}; CI is set, and an oracle test must not be skipped in CI");
    }
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "SKIPPED {test}: {why}");
    false
}
