//! Inputs that are not regular files (issue 14): a FIFO anywhere among the inputs — a scenario
//! in a folder, a corpus, an ARPA file, an answer file, a quiz, a GIFT file — used to make the
//! whole run wait forever for a writer. Each is now refused by its metadata before it is opened,
//! and the rest of the batch goes on. Every command runs under a timeout: a hang fails the test.
//! Also: the default size limits of quiz and GIFT files are in force without any variable.

use std::path::{Path, PathBuf};
use std::time::Duration;

use assert_cmd::Command;

const FIFO_MESSAGE: &str = "it is a FIFO (named pipe), not a regular file";

fn coinflip() -> Command {
    let mut c = Command::cargo_bin("coinflip").unwrap();
    c.current_dir(env!("CARGO_MANIFEST_DIR"))
        .timeout(Duration::from_secs(60));
    c
}

struct Out {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn run(cmd: &mut Command) -> Out {
    let o = cmd.output().unwrap();
    Out {
        code: o.status.code(),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

#[cfg(unix)]
fn mkfifo(path: &Path) {
    let c = std::ffi::CString::new(path.to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path; mkfifo only creates a file.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0, "mkfifo");
}

const COIN: &str = r#"name = "coin"
seed = 1

[distribution]
tokens = ["heads", "tails"]
probs = [0.5, 0.5]

[checks.chi_square]
samples = 1000
"#;

fn manifest(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(p)
}

#[cfg(unix)]
#[test]
fn a_fifo_scenario_in_a_folder_is_an_error_and_the_batch_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a-coin.toml"), COIN).unwrap();
    mkfifo(&dir.path().join("b-fifo.toml"));
    let r = run(coinflip().arg("run").arg(dir.path()));
    assert_eq!(r.code, Some(1), "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("✓ coin [pass]"), "{}", r.stdout);
    assert!(r.stdout.contains("! b-fifo [error]"), "{}", r.stdout);
    assert!(r.stdout.contains(FIFO_MESSAGE), "{}", r.stdout);
}

#[cfg(unix)]
#[test]
fn a_fifo_corpus_or_arpa_file_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    mkfifo(&dir.path().join("corpus.txt"));
    mkfifo(&dir.path().join("model.arpa"));
    std::fs::write(
        dir.path().join("corpus.toml"),
        "[corpus]\npath = \"corpus.txt\"\n\n[model]\norder = 2\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("arpa.toml"),
        "[model]\narpa = \"model.arpa\"\ntokenizer = \"whitespace\"\n",
    )
    .unwrap();
    let r = run(coinflip().arg("run").arg(dir.path()));
    assert_eq!(r.code, Some(1), "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("coinflip: 0 passed, 0 failed, 2 errors"),
        "{}",
        r.stdout
    );
    for (scenario, key) in [
        ("arpa.toml", "`model.arpa`"),
        ("corpus.toml", "`corpus.path`"),
    ] {
        let line = r
            .stdout
            .lines()
            .find(|l| l.contains(&format!("{scenario}:")) && l.contains(key))
            .unwrap_or_else(|| panic!("{scenario}: {}", r.stdout));
        assert!(line.contains(FIFO_MESSAGE), "{line}");
    }
}

#[cfg(unix)]
#[test]
fn a_fifo_answer_file_is_rejected_and_the_others_are_graded() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        manifest("tests/fixtures/quiz/class/s001.toml"),
        dir.path().join("s001.toml"),
    )
    .unwrap();
    mkfifo(&dir.path().join("s002.toml"));
    let r = run(coinflip()
        .args(["quiz", "grade", "quizzes/ch06-sampling-lab.toml"])
        .arg(dir.path()));
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    assert!(r.stderr.contains(FIFO_MESSAGE), "{}", r.stderr);
    assert!(r.stderr.ends_with("1 graded, 1 rejected\n"), "{}", r.stderr);
}

#[cfg(unix)]
#[test]
fn a_fifo_quiz_or_gift_file_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let quiz = dir.path().join("quiz.toml");
    let gift = dir.path().join("quiz.gift");
    mkfifo(&quiz);
    mkfifo(&gift);
    let answers = manifest("tests/fixtures/quiz/class/s001.toml");
    let cases: [(Vec<&std::ffi::OsStr>, &str); 3] = [
        (
            vec!["quiz".as_ref(), "check".as_ref(), quiz.as_os_str()],
            "cannot read the quiz: ",
        ),
        (
            vec![
                "quiz".as_ref(),
                "grade".as_ref(),
                quiz.as_os_str(),
                answers.as_os_str(),
            ],
            "cannot read the quiz: ",
        ),
        (
            vec!["quiz".as_ref(), "import-gift".as_ref(), gift.as_os_str()],
            "cannot read the GIFT file: ",
        ),
    ];
    for (args, what) in cases {
        let r = run(coinflip().args(&args));
        assert_eq!(r.code, Some(1), "{args:?}: {}", r.stderr);
        assert!(
            r.stderr.contains(&format!("{what}{FIFO_MESSAGE}")),
            "{args:?}: {}",
            r.stderr
        );
    }
}

#[cfg(unix)]
#[test]
fn a_link_to_an_endless_device_is_refused_unread() {
    let dir = tempfile::tempdir().unwrap();
    let quiz = dir.path().join("quiz.toml");
    std::os::unix::fs::symlink("/dev/zero", &quiz).unwrap();
    let r = run(coinflip().args(["quiz", "check"]).arg(&quiz));
    assert_eq!(r.code, Some(1));
    assert!(
        r.stderr
            .contains("cannot read the quiz: it is a character device, not a regular file"),
        "{}",
        r.stderr
    );
}

#[test]
fn quiz_and_gift_files_above_16_mib_are_refused_by_default() {
    let dir = tempfile::tempdir().unwrap();
    for (name, args, what) in [
        ("big.toml", ["quiz", "check"], "a quiz file"),
        ("big.gift", ["quiz", "import-gift"], "a GIFT file"),
    ] {
        let p = dir.path().join(name);
        // A sparse file: the size is refused before a byte is read.
        let f = std::fs::File::create(&p).unwrap();
        f.set_len((16 << 20) + 1).unwrap();
        let r = run(coinflip()
            .args(args)
            .arg(&p)
            .env_remove("COINFLIP_MAX_QUIZ_BYTES")
            .env_remove("COINFLIP_MAX_GIFT_BYTES"));
        assert_eq!(r.code, Some(1), "{}", r.stderr);
        assert!(
            r.stderr.contains(&format!(
                "the file is 16.0 MiB (16777217 bytes), more than the limit of 16.0 MiB \
                 (16777216 bytes) for {what}"
            )),
            "{}",
            r.stderr
        );
    }
}
