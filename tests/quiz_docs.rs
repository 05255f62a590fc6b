//! docs/quiz.md is real: its worked example's files are written to a folder, every command shown
//! there is run in it, and the standard output (or the written file) must match the block in the
//! doc exactly, with the stated exit code. And every key a user can write is documented.

mod common;

use std::path::Path;

fn doc() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/quiz.md")).unwrap()
}

/// The content of the fenced block that starts on the line after `lines[at]`.
fn block_after(lines: &[&str], at: usize) -> String {
    assert!(
        lines[at + 1].starts_with("```"),
        "a fenced block must follow line {}",
        at + 1
    );
    let body: Vec<&str> = lines[at + 2..]
        .iter()
        .take_while(|l| !l.starts_with("```"))
        .copied()
        .collect();
    let mut s = body.join("\n");
    if !s.is_empty() {
        s.push('\n');
    }
    s
}

fn between<'a>(line: &'a str, start: &str, end: &str) -> Option<&'a str> {
    line.strip_prefix(start)?.strip_suffix(end)
}

#[test]
fn worked_example_matches_the_program() {
    let text = doc();
    let lines: Vec<&str> = text.lines().collect();
    let dir = tempfile::tempdir().unwrap();
    let mut files = 0;
    for (i, line) in lines.iter().enumerate() {
        if let Some(path) = between(line, "<!-- file: ", " -->") {
            let p = dir.path().join(path);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, block_after(&lines, i)).unwrap();
            files += 1;
        }
    }
    assert!(files >= 5, "the example has a quiz and answer files");

    let mut outputs = 0;
    for (i, line) in lines.iter().enumerate() {
        let (code, command, written) =
            if let Some(rest) = between(line, "<!-- output (exit ", " -->") {
                let (code, command) = rest.split_once("): coinflip ").unwrap();
                (code, command, None)
            } else if let Some(rest) = between(line, "<!-- written (exit ", " -->") {
                let (code, rest) = rest.split_once("): ").unwrap();
                let (path, command) = rest.split_once(" by: coinflip ").unwrap();
                (code, command, Some(path))
            } else {
                continue;
            };
        let out = common::coinflip_in(dir.path())
            .args(command.split_whitespace())
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(code.parse().unwrap()),
            "`coinflip {command}`: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let got = match written {
            None => String::from_utf8(out.stdout).unwrap(),
            Some(path) => std::fs::read_to_string(dir.path().join(path)).unwrap(),
        };
        assert_eq!(
            got,
            block_after(&lines, i),
            "docs/quiz.md line {}: `coinflip {command}`",
            i + 1
        );
        outputs += 1;
    }
    assert!(outputs >= 5, "found {outputs} checked outputs");
}

/// The keys serde accepts at some place, read from its "unknown field" message.
fn accepted_keys(quiz_source: &str) -> Vec<String> {
    let err = coinflip::quiz::key::Quiz::parse(Path::new("x.toml"), quiz_source).unwrap_err();
    let message = &err[0].message;
    let expected = message
        .split("expected")
        .nth(1)
        .unwrap_or_else(|| panic!("{message}"));
    expected
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

#[test]
fn every_key_is_documented() {
    let text = doc();
    let top = accepted_keys("zzz = 1\n");
    let question = accepted_keys("[[questions]]\nzzz = 1\n");
    let option = accepted_keys("[[questions]]\noptions = [ { zzz = 1 } ]\n");
    assert!(top.contains(&"questions".to_string()) && question.contains(&"scoring".to_string()));
    assert_eq!(option, ["id", "text", "weight", "feedback"]);
    for key in top.iter().chain(&question).chain(&option) {
        assert!(
            text.contains(&format!("| `{key}` |")),
            "docs/quiz.md has no table row for `{key}`"
        );
    }
    for key in [
        "student",
        "name",
        "answers",
        "value",
        "tolerance",
        "en",
        "zh",
    ] {
        assert!(
            text.contains(&format!("`{key}`")),
            "docs/quiz.md does not mention `{key}`"
        );
    }
    for kind in [
        "single",
        "multiple",
        "true-false",
        "short",
        "numeric",
        "all-or-nothing",
        "partial",
        "weighted",
    ] {
        assert!(
            text.contains(&format!("`{kind}`")),
            "docs/quiz.md does not mention `{kind}`"
        );
    }
}
