//! End-to-end tests of `coinflip quiz import-gift` and `quiz export-gift` on GIFT files written
//! for these tests in Moodle's documented syntax (tests/fixtures/gift/): the converted quiz passes
//! `quiz check`, grades by the GIFT weights, unsupported questions are reported with their line,
//! and import → export → import is a fixed point.

mod common;

use std::path::Path;

fn run_in(dir: &Path, args: &[&str]) -> (String, String, i32) {
    common::run_in(dir, args).into()
}

fn run(args: &[&str]) -> (String, String, i32) {
    run_in(Path::new(env!("CARGO_MANIFEST_DIR")), args)
}

#[test]
fn chapter_gift_converts_to_a_valid_quiz() {
    let (toml, err, code) = run(&["quiz", "import-gift", "tests/fixtures/gift/chapter6.gift"]);
    assert_eq!(code, 0, "{err}");
    insta::assert_snapshot!("chapter6_toml", toml);
    assert_eq!(
        err,
        "tests/fixtures/gift/chapter6.gift:37: note: question `frozen`: per-answer feedback moved into the explanation (coinflip keeps per-answer feedback on choice options only)\n\
         11 questions converted, 0 skipped\n"
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("quiz.toml"), &toml).unwrap();
    let (out, err, code) = run_in(dir.path(), &["quiz", "check", "quiz.toml"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        "quiz.toml: ok: quiz `chapter-6-the-biased-coin`, 11 questions, 11.00 points\n"
    );
}

#[test]
fn converted_quiz_grades_by_the_gift_weights() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let gift = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/gift/chapter6.gift");
    let (_, err, code) = run_in(
        d,
        &[
            "quiz",
            "import-gift",
            gift.to_str().unwrap(),
            "--out",
            "quiz.toml",
        ],
    );
    assert_eq!(code, 0, "{err}");
    std::fs::create_dir(d.join("answers")).unwrap();
    // loop {~%50% a ~%50% b ~%-100% c}: {a} → 0.5; {a, b, c} → max(0, 0) = 0.
    // temperature {=a ~%50% b ~c}: b → 0.5. context (thirds): {a, b, c} → 1.
    std::fs::write(
        d.join("answers/s1.toml"),
        "student = \"s1\"\n[answers]\nloop = [\"a\"]\ntemperature = \"b\"\ncontext = [\"a\", \"b\", \"c\"]\nthe = 32.4\npi-range = 3.15\nescapes = \"a\"\n",
    )
    .unwrap();
    std::fs::write(
        d.join("answers/s2.toml"),
        "student = \"s2\"\n[answers]\nloop = [\"a\", \"b\", \"c\"]\ntemperature = \"a\"\ncontext = [\"a\", \"d\"]\nthe = 33\npi-range = 3.16\nremix = \"A Remix\"\n",
    )
    .unwrap();
    let (csv, err, code) = run_in(
        d,
        &["quiz", "grade", "quiz.toml", "answers", "--format", "csv"],
    );
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "student,name,score,max,percent,next-token,loop,temperature,context,frozen,q6,seed,remix,the,pi-range,escapes,status,file,line,reason"
    );
    // s1: 0.5 + 0.5 + 1 + 1 (32.4 within 0.5) + 1 (3.15 within 3.145 ± 0.005) + 1 = 5.
    assert_eq!(
        lines[1],
        "s1,,5.00,11.00,45.45,0.00,0.50,0.50,1.00,0.00,0.00,0.00,0.00,1.00,1.00,1.00,graded,answers/s1.toml,,"
    );
    // s2: 0 + 1 + context (33.33333 − 100)/99.99999 → 0 + remix 1 = 2.
    assert_eq!(
        lines[2],
        "s2,,2.00,11.00,18.18,0.00,0.00,1.00,0.00,0.00,0.00,0.00,1.00,0.00,0.00,0.00,graded,answers/s2.toml,,"
    );
    // The feedback of a chosen option reaches the student.
    let (_, err, code) = run_in(
        d,
        &["quiz", "grade", "quiz.toml", "answers", "--feedback", "fb"],
    );
    assert_eq!(code, 0, "{err}");
    let s2 = std::fs::read_to_string(d.join("fb/s2.md")).unwrap();
    assert!(
        s2.contains("- Feedback (c): No: the parameters are frozen during inference.\n"),
        "{s2}"
    );
    // The key shows weights and option feedback.
    let (key, _, code) = run_in(d, &["quiz", "render", "quiz.toml", "--key"]);
    assert_eq!(code, 0);
    insta::assert_snapshot!("chapter6_render_key", key);
}

#[test]
fn unsupported_questions_are_reported_with_their_line_and_skipped() {
    let (toml, err, code) = run(&[
        "quiz",
        "import-gift",
        "tests/fixtures/gift/unsupported.gift",
    ]);
    assert_eq!(code, 1, "{err}");
    let f = "tests/fixtures/gift/unsupported.gift";
    assert_eq!(
        err,
        format!(
            "{f}:3: skipped: a matching question (`=a -> b`): coinflip does not grade this type\n\
             {f}:9: skipped: an essay question (`{{}}`): coinflip does not grade this type\n\
             {f}:11: skipped: a missing-word question (text after the answer `{{…}}`): coinflip does not grade this type\n\
             {f}:13: skipped: a description (text without an answer in `{{…}}`): coinflip grades only questions with answers\n\
             1 question converted, 4 skipped\n"
        )
    );
    assert!(toml.contains("id = \"kept\""), "{toml}");
    assert_eq!(toml.matches("[[questions]]").count(), 1);
}

#[test]
fn lossy_parts_are_noted() {
    let (toml, err, code) = run(&["quiz", "import-gift", "tests/fixtures/gift/lossy.gift"]);
    assert_eq!(code, 0, "{err}");
    insta::assert_snapshot!("lossy_toml", toml);
    insta::assert_snapshot!("lossy_stderr", err);
}

#[test]
fn nothing_convertible_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("essay.gift"), "Why? {}\n").unwrap();
    let (out, err, code) = run_in(
        dir.path(),
        &["quiz", "import-gift", "essay.gift", "--out", "quiz.toml"],
    );
    assert_eq!(code, 1);
    assert_eq!(out, "");
    assert!(
        err.contains("essay.gift:1: skipped: an essay question"),
        "{err}"
    );
    assert!(err.contains("no question could be converted"), "{err}");
    assert!(!dir.path().join("quiz.toml").exists());
}

#[test]
fn out_may_not_be_the_input() {
    let (_, err, code) = run(&[
        "quiz",
        "import-gift",
        "tests/fixtures/gift/chapter6.gift",
        "--out",
        "tests/fixtures/gift/chapter6.gift",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("would write over the input"), "{err}");
    let (_, _, code) = run(&[
        "quiz",
        "export-gift",
        "quizzes/ch06-inference.toml",
        "--out",
        "quizzes/ch06-inference.toml",
    ]);
    assert_eq!(code, 2);
}

/// import → export → import gives the same quiz file, and export → import → export the same GIFT.
#[test]
fn import_export_import_is_a_fixed_point() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/gift");
    for name in ["chapter6", "lossy", "unsupported"] {
        let gift = fixtures.join(format!("{name}.gift"));
        let (toml1, err, _) = run_in(d, &["quiz", "import-gift", gift.to_str().unwrap()]);
        std::fs::write(d.join("one.toml"), &toml1).unwrap();
        let (gift2, err2, code) = run_in(d, &["quiz", "export-gift", "one.toml"]);
        assert_eq!(code, 0, "{name}: {err}{err2}");
        std::fs::write(d.join("two.gift"), &gift2).unwrap();
        let (toml2, err, code) = run_in(d, &["quiz", "import-gift", "two.gift"]);
        assert_eq!(code, 0, "{name}: {err}");
        assert_eq!(
            toml2, toml1,
            "{name}: import → export → import changed the quiz"
        );
        std::fs::write(d.join("two.toml"), &toml2).unwrap();
        let (gift3, _, code) = run_in(d, &["quiz", "export-gift", "two.toml"]);
        assert_eq!(code, 0);
        assert_eq!(gift3, gift2, "{name}: export is not stable");
    }
}

#[test]
fn chapter_gift_exports_as_expected() {
    let dir = tempfile::tempdir().unwrap();
    let gift = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/gift/chapter6.gift");
    let (toml, _, _) = run_in(dir.path(), &["quiz", "import-gift", gift.to_str().unwrap()]);
    std::fs::write(dir.path().join("q.toml"), toml).unwrap();
    let (out, err, code) = run_in(dir.path(), &["quiz", "export-gift", "q.toml"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(err, "");
    insta::assert_snapshot!("chapter6_gift", out);
}

#[test]
fn bundled_quizzes_export_and_come_back_valid() {
    for (quiz, notes) in [
        ("quizzes/ch06-inference.toml", 0),
        ("quizzes/ch06-sampling-lab.toml", 1),
    ] {
        for lang in ["en", "zh"] {
            let (gift, err, code) = run(&["quiz", "export-gift", quiz, "--lang", lang]);
            assert_eq!(code, 0, "{quiz}: {err}");
            assert_eq!(err.lines().count(), notes, "{quiz}: {err}");
            let dir = tempfile::tempdir().unwrap();
            std::fs::write(dir.path().join("q.gift"), &gift).unwrap();
            let (toml, err, code) = run_in(dir.path(), &["quiz", "import-gift", "q.gift"]);
            assert_eq!(code, 0, "{quiz} {lang}: {err}\n{gift}");
            std::fs::write(dir.path().join("q.toml"), toml).unwrap();
            let (_, err, code) = run_in(dir.path(), &["quiz", "check", "q.toml"]);
            assert_eq!(code, 0, "{quiz} {lang}: {err}");
        }
    }
}

/// The fenced block after the first line of docs/quiz.md that contains `marker`.
fn doc_block_after(marker: &str) -> String {
    let doc = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/quiz.md"))
        .unwrap();
    let lines: Vec<&str> = doc.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.contains(marker))
        .unwrap_or_else(|| panic!("docs/quiz.md has no line with {marker}"));
    let start = at
        + lines[at..]
            .iter()
            .position(|l| l.starts_with("```"))
            .unwrap()
        + 1;
    let body: Vec<&str> = lines[start..]
        .iter()
        .take_while(|l| !l.starts_with("```"))
        .copied()
        .collect();
    body.join("\n") + "\n"
}

/// The GIFT example's standard error in docs/quiz.md (its standard output is checked by
/// tests/quiz_docs.rs), and the weighted example of the Options section.
#[test]
fn docs_gift_example_messages_and_weighted_example() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bank.gift"),
        doc_block_after("<!-- file: bank.gift -->"),
    )
    .unwrap();
    let (_, err, code) = run_in(dir.path(), &["quiz", "import-gift", "bank.gift"]);
    assert_eq!(code, 1);
    assert_eq!(err, doc_block_after("Standard error says:"));

    let example = doc_block_after("0.01, so that thirds may be written");
    let quiz = format!("id = \"w\"\ntitle = \"w\"\n{example}");
    let q = coinflip::quiz::key::Quiz::parse(Path::new("w.toml"), &quiz).unwrap();
    assert_eq!(q.questions[0].options[2].weight, Some(-100.0));
}
