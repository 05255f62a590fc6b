//! End-to-end tests of where `coinflip score` reads its text: `--text`, `--file PATH` and
//! `--text -` (standard input) give the same output; exactly one source; a file must be a regular
//! UTF-8 file within the size limit, and bad bytes are reported with their line and column.

use assert_cmd::Command;

const SCENARIO: &str = "scenarios/greedy.toml";
const TEXT: &str = "the sun shines on the hills";

fn coinflip() -> Command {
    Command::cargo_bin("coinflip").unwrap()
}

fn score(args: &[&str], stdin: &[u8]) -> (i32, String, String) {
    let out = coinflip()
        .args(["score", SCENARIO])
        .args(args)
        .write_stdin(stdin)
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn a_file_and_standard_input_score_as_the_text_does() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("t.txt");
    std::fs::write(&file, format!("{TEXT}\r\n")).unwrap();
    for format in ["text", "json"] {
        let (code, expected, _) = score(&["--text", TEXT, "--format", format], b"");
        assert_eq!(code, 0);
        assert!(expected.contains("hills"), "{expected}");
        let from_file = score(&["--file", file.to_str().unwrap(), "--format", format], b"");
        assert_eq!(from_file, (0, expected.clone(), String::new()));
        let from_stdin = score(&["--text", "-", "--format", format], TEXT.as_bytes());
        assert_eq!(from_stdin, (0, expected, String::new()));
    }
}

#[test]
fn exactly_one_source() {
    let (code, out, err) = score(&[], b"");
    assert_eq!((code, out.as_str()), (2, ""));
    assert!(err.contains("<--text <TEXT>|--file <FILE>>"), "{err}");
    let (code, _, err) = score(&["--text", "a", "--file", "README.md"], b"");
    assert_eq!(code, 2);
    assert!(err.contains("cannot be used with"), "{err}");
}

#[test]
fn bad_bytes_are_located_and_other_inputs_refused() {
    let (code, out, err) = score(&["--text", "-"], b"the sun\nsh\xffines");
    assert_eq!((code, out.as_str()), (1, ""));
    assert_eq!(
        err,
        "coinflip: error: <standard input>:2:3: not valid UTF-8: invalid byte sequence at byte \
         10 (save it as UTF-8)\n  |\n2 | sh\n  |   ^\n"
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("latin1.txt");
    std::fs::write(&file, b"caf\xe9").unwrap();
    let (code, _, err) = score(&["--file", file.to_str().unwrap()], b"");
    assert_eq!(code, 1);
    assert!(err.contains("latin1.txt:1:4: not valid UTF-8"), "{err}");
    let (code, _, err) = score(&["--file", dir.path().to_str().unwrap()], b"");
    assert_eq!(code, 1);
    assert!(err.contains("not a regular file"), "{err}");
}

#[test]
fn the_size_limit_holds_for_a_file_and_standard_input() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("long.txt");
    let long = "the sun ".repeat(100);
    std::fs::write(&file, &long).unwrap();
    // The scenario's own corpus (519 bytes) is under the limit; the 800-byte text is not.
    for args in [vec!["--file", file.to_str().unwrap()], vec!["--text", "-"]] {
        let out = coinflip()
            .args(["score", SCENARIO])
            .args(&args)
            .env("COINFLIP_MAX_CORPUS_BYTES", "600")
            .write_stdin(long.as_bytes())
            .output()
            .unwrap();
        let err = String::from_utf8(out.stderr).unwrap();
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert!(err.contains("COINFLIP_MAX_CORPUS_BYTES"), "{err}");
        assert!(out.stdout.is_empty());
    }
}
