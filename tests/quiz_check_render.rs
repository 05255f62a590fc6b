//! End-to-end tests of `coinflip quiz check` (every problem listed, exit codes) and
//! `coinflip quiz render` (the quiz as Markdown for students and with the key, in both languages;
//! insta snapshots, reviewed by reading them).

mod common;

fn run(args: &[&str]) -> (String, String, i32) {
    common::run(args).into()
}

#[test]
fn bundled_quizzes_are_valid() {
    for (quiz, summary) in [
        (
            "quizzes/ch06-inference.toml",
            "quiz `ch06-inference`, 4 questions, 4.00 points",
        ),
        (
            "quizzes/ch06-sampling-lab.toml",
            "quiz `ch06-sampling-lab`, 5 questions, 7.00 points",
        ),
    ] {
        let (out, err, code) = run(&["quiz", "check", quiz]);
        assert_eq!(code, 0, "{err}");
        assert_eq!(out, format!("{quiz}: ok: {summary}\n"));
    }
}

#[test]
fn check_lists_every_problem_in_file_order() {
    let (out, err, code) = run(&["quiz", "check", "tests/fixtures/quiz/invalid-quiz.toml"]);
    assert_eq!(code, 1);
    assert_eq!(out, "");
    assert!(
        err.ends_with("tests/fixtures/quiz/invalid-quiz.toml: the quiz is invalid (11 problems)\n")
    );
    insta::assert_snapshot!("check_invalid", err);
}

#[test]
fn check_of_an_unreadable_quiz_exits_1() {
    let (_, err, code) = run(&["quiz", "check", "quizzes/nope.toml"]);
    assert_eq!(code, 1);
    assert!(
        err.starts_with("error: quizzes/nope.toml: cannot read the quiz:"),
        "{err}"
    );
    let (_, err, code) = run(&["quiz", "check", "tests/fixtures/quiz/class/bad/latin1.toml"]);
    assert_eq!(code, 1);
    assert!(err.contains("the quiz is not UTF-8 text"), "{err}");
}

#[test]
fn check_stops_at_a_shape_error_with_its_location() {
    let dir = tempfile::tempdir().unwrap();
    let quiz = dir.path().join("q.toml");
    std::fs::write(&quiz, "id = \"x\"\ntitel = \"X\"\n").unwrap();
    let (_, err, code) = run(&["quiz", "check", quiz.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(
        err.contains("q.toml:2:1: `titel`: unknown field `titel`"),
        "{err}"
    );
    assert!(err.contains("(did you mean `title`?)"), "{err}");
}

#[test]
fn render_for_students() {
    for (lang, name) in [("en", "render_ch06_en"), ("zh", "render_ch06_zh")] {
        let (out, err, code) = run(&[
            "quiz",
            "render",
            "quizzes/ch06-inference.toml",
            "--lang",
            lang,
        ]);
        assert_eq!(code, 0, "{err}");
        assert!(
            !out.contains("**Answer**") && !out.contains("**答案**"),
            "no key without --key"
        );
        insta::assert_snapshot!(name, out);
    }
}

#[test]
fn render_with_key() {
    for (quiz, lang, name) in [
        ("quizzes/ch06-inference.toml", "en", "render_ch06_key_en"),
        ("quizzes/ch06-inference.toml", "zh", "render_ch06_key_zh"),
        ("quizzes/ch06-sampling-lab.toml", "en", "render_lab_key_en"),
    ] {
        let (out, err, code) = run(&["quiz", "render", quiz, "--lang", lang, "--key"]);
        assert_eq!(code, 0, "{err}");
        insta::assert_snapshot!(name, out);
    }
}

#[test]
fn render_of_an_invalid_quiz_exits_1() {
    let (out, _, code) = run(&["quiz", "render", "tests/fixtures/quiz/invalid-quiz.toml"]);
    assert_eq!(code, 1);
    assert_eq!(out, "");
}
