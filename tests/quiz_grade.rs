//! End-to-end tests of `coinflip quiz grade` on the sample class in tests/fixtures/quiz/class
//! (36 graded students in TOML, JSON and a BOM+CRLF class CSV, Chinese names, 10 rejected inputs):
//! every report format (insta snapshots, reviewed by reading them), exit codes, the count of
//! inputs, statistics against numpy, determinism, `--out` and `--feedback`.

mod common;

use std::path::{Path, PathBuf};

const LAB: &str = "quizzes/ch06-sampling-lab.toml";
const CLASS: &str = "tests/fixtures/quiz/class";

use common::{Run, coinflip, run};

fn grade(format: &str) -> Run {
    run(&["quiz", "grade", LAB, CLASS, "--format", format])
}

#[test]
fn class_text_report() {
    let r = grade("text");
    assert_eq!(r.code, 1, "inputs were rejected");
    assert!(r.stdout.ends_with("\n36 graded, 10 rejected\n"));
    insta::assert_snapshot!("class_text", r.stdout);
}

#[test]
fn class_markdown_report() {
    let r = grade("markdown");
    assert_eq!(r.code, 1);
    assert!(r.stdout.ends_with("\n36 graded, 10 rejected\n"));
    insta::assert_snapshot!("class_markdown", r.stdout);
}

#[test]
fn class_csv_gradebook() {
    let r = grade("csv");
    assert_eq!(r.code, 1);
    // Header plus one row per input (36 graded, 10 rejected); the file parses back as CSV.
    let mut rd = csv::Reader::from_reader(r.stdout.as_bytes());
    assert_eq!(
        rd.headers().unwrap().iter().collect::<Vec<_>>(),
        [
            "student", "name", "score", "max", "percent", "loop", "frozen", "remix", "the",
            "likely", "status", "file", "line", "reason"
        ]
    );
    let statuses: Vec<String> = rd.records().map(|r| r.unwrap()[10].to_string()).collect();
    assert_eq!(statuses.len(), 46);
    assert_eq!(statuses.iter().filter(|s| *s == "graded").count(), 36);
    assert_eq!(statuses.iter().filter(|s| *s == "rejected").count(), 10);
    // Notes and the tally go to stderr.
    assert!(r.stderr.ends_with("36 graded, 10 rejected\n"));
    assert!(r.stderr.contains(
        "note: s007 (tests/fixtures/quiz/class/s007.json): the: accepted \"32\" as the number 32"
    ));
    insta::assert_snapshot!("class_csv", r.stdout);
}

#[test]
fn class_json_report() {
    let r = grade("json");
    assert_eq!(r.code, 1);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["graded"], 36);
    assert_eq!(v["rejected_count"], 10);
    assert_eq!(v["students"].as_array().unwrap().len(), 36);
    assert_eq!(v["rejected"].as_array().unwrap().len(), 10);
    insta::assert_snapshot!("class_json", r.stdout);
}

#[test]
fn stderr_names_every_rejection_with_its_location() {
    let r = grade("text");
    insta::assert_snapshot!("class_stderr", r.stderr);
}

/// Counts the submissions in the class folder without the program's help: one per .toml/.json/
/// other non-hidden file, one per CSV row that has any non-empty cell (the CSV files in this
/// fixture hold no quoted line breaks).
fn count_inputs(dir: &Path) -> usize {
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if name.starts_with('.') {
            continue;
        }
        if path.is_dir() {
            n += count_inputs(&path);
        } else if name.ends_with(".csv") {
            let text = std::fs::read_to_string(&path).unwrap();
            n += text
                .lines()
                .skip(1)
                .filter(|l| l.split(',').any(|c| !c.trim().is_empty()))
                .count();
        } else {
            n += 1;
        }
    }
    n
}

#[test]
fn every_input_is_graded_or_rejected() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(CLASS);
    let inputs = count_inputs(&dir);
    assert_eq!(
        inputs, 46,
        "the fixture holds 28 single-student files and 18 CSV rows"
    );
    let v: serde_json::Value = serde_json::from_str(&grade("json").stdout).unwrap();
    let graded = v["students"].as_array().unwrap().len();
    let rejected = v["rejected"].as_array().unwrap().len();
    assert_eq!(inputs, graded + rejected);
    // The gradebook has at least 30 students, as the issue asks of the sample class.
    assert!(graded >= 30);
}

#[test]
fn statistics_match_numpy() {
    // Reference values from numpy 2.4.6 on the points matrix of this report:
    //   X = np.array([[s["questions"][q] for q in qs] for s in d["students"]]); t = X.sum(1)
    //   t.mean() 4.888888888888889, np.median(t) 6.0, t.std(ddof=1) 1.736626907505759
    //   X[:, i].mean() / max_i: 0.7037037037037037 0.75 0.7777777777777778 0.75 0.5
    //   np.corrcoef(X[:, i], t - X[:, i])[0, 1]: 0.4342114159629336 0.3500156690962454
    //                           0.8362258114577569 0.6541361578439276 -0.5704979053851293
    //   k/(k-1) * (1 - X.var(axis=0, ddof=1).sum() / t.var(ddof=1)) = 0.4177631578947365
    // The JSON rounds to 4 decimals.
    let v: serde_json::Value = serde_json::from_str(&grade("json").stdout).unwrap();
    let near = |x: &serde_json::Value, want: f64| {
        let x = x.as_f64().unwrap();
        assert!((x - want).abs() <= 0.00005 + 1e-12, "{x} vs {want}");
    };
    near(&v["summary"]["mean"], 4.888888888888889);
    near(&v["summary"]["median"], 6.0);
    near(&v["summary"]["stdev"], 1.736626907505759);
    near(&v["summary"]["min"], 1.0);
    near(&v["summary"]["max"], 7.0);
    let facility = [0.7037037037037037, 0.75, 0.7777777777777778, 0.75, 0.5];
    let discrimination = [
        0.4342114159629336,
        0.3500156690962454,
        0.8362258114577569,
        0.6541361578439276,
        -0.5704979053851293,
    ];
    for (i, item) in v["items"].as_array().unwrap().iter().enumerate() {
        near(&item["facility"], facility[i]);
        near(&item["discrimination"], discrimination[i]);
        assert_eq!(item["negative_discrimination"], discrimination[i] < 0.0);
    }
    near(&v["reliability"]["cronbach_alpha"], 0.4177631578947365);
}

#[test]
fn the_chapter_quiz_grades_a_clean_class_with_exit_0() {
    let r = run(&[
        "quiz",
        "grade",
        "quizzes/ch06-inference.toml",
        "tests/fixtures/quiz/ch06-class.csv",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.ends_with("\n12 graded, 0 rejected\n"));
    insta::assert_snapshot!("chapter_class_text", r.stdout);
}

#[test]
fn reports_do_not_depend_on_argument_order() {
    let mut files: Vec<PathBuf> =
        std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(CLASS))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_file() && !p.file_name().unwrap().to_string_lossy().starts_with('.'))
            .map(|p| Path::new(CLASS).join(p.file_name().unwrap()))
            .collect();
    files.sort();
    files.reverse();
    let mut args: Vec<String> = vec![
        "quiz".into(),
        "grade".into(),
        LAB.into(),
        format!("{CLASS}/bad"),
    ];
    args.extend(files.iter().map(|p| p.display().to_string()));
    args.extend(["--format".into(), "json".into()]);
    let reversed = coinflip().args(&args).output().unwrap();
    let a = grade("json").stdout;
    assert_eq!(String::from_utf8(reversed.stdout).unwrap(), a);
    // And twice in a row: byte-identical.
    assert_eq!(grade("json").stdout, a);
}

#[test]
fn out_writes_the_same_bytes_atomically() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("reports/grades.csv");
    let r = run(&[
        "quiz",
        "grade",
        LAB,
        CLASS,
        "--format",
        "csv",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 1);
    assert_eq!(r.stdout, "");
    assert_eq!(std::fs::read_to_string(&out).unwrap(), grade("csv").stdout);
    let leftovers = std::fs::read_dir(out.parent().unwrap()).unwrap().count();
    assert_eq!(leftovers, 1, "no temporary file is left behind");
}

#[test]
fn refuses_to_write_over_or_into_inputs() {
    let cases = [
        vec!["--out", "tests/fixtures/quiz/class/report.txt"],
        vec!["--out", LAB],
        vec!["--feedback", "tests/fixtures/quiz/class/feedback"],
        vec!["--feedback", CLASS],
    ];
    for extra in cases {
        let mut args = vec!["quiz", "grade", LAB, CLASS];
        args.extend(&extra);
        let r = run(&args);
        assert_eq!(r.code, 2, "{extra:?}: {}", r.stderr);
        assert!(
            r.stderr.contains("would write over or into the input"),
            "{}",
            r.stderr
        );
        assert_eq!(r.stdout, "");
    }
    assert!(
        !Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(CLASS)
            .join("report.txt")
            .exists()
    );
    assert!(
        !Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(CLASS)
            .join("feedback")
            .exists()
    );
}

#[test]
fn feedback_must_be_a_folder() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("notes.md");
    std::fs::write(&file, "mine").unwrap();
    let r = run(&[
        "quiz",
        "grade",
        LAB,
        CLASS,
        "--feedback",
        file.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("is a file; it must be a folder"),
        "{}",
        r.stderr
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "mine");
}

#[test]
fn feedback_files_one_per_graded_student_in_both_languages() {
    let dir = tempfile::tempdir().unwrap();
    for (lang, sub) in [("en", "en"), ("zh", "zh")] {
        let fb = dir.path().join(sub);
        let r = run(&[
            "quiz",
            "grade",
            LAB,
            CLASS,
            "--feedback",
            fb.to_str().unwrap(),
            "--lang",
            lang,
        ]);
        assert_eq!(r.code, 1);
        let mut names: Vec<String> = std::fs::read_dir(&fb)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .filter(|n| n != coinflip::output::MANIFEST)
            .collect();
        names.sort();
        assert_eq!(names.len(), 36);
        assert_eq!(names[0], "s001.md");
        assert!(
            !names.contains(&"s017.md".to_string()),
            "rejected students get no feedback"
        );
    }
    // s005: BOM + CRLF file, Chinese name, full-width short answer, partial credit.
    insta::assert_snapshot!(
        "feedback_s005_en",
        std::fs::read_to_string(dir.path().join("en/s005.md")).unwrap()
    );
    insta::assert_snapshot!(
        "feedback_s005_zh",
        std::fs::read_to_string(dir.path().join("zh/s005.md")).unwrap()
    );
    // s010: an answer to a question the quiz does not have.
    insta::assert_snapshot!(
        "feedback_s010_en",
        std::fs::read_to_string(dir.path().join("en/s010.md")).unwrap()
    );
    // s033 (CSV row): an unknown option.
    let s033 = std::fs::read_to_string(dir.path().join("en/s033.md")).unwrap();
    assert!(
        s033.contains(
            "- Note: `x` is not an option (expected one of `a`, `b`, `c`, `d`); scored 0"
        ),
        "{s033}"
    );
}

#[test]
fn missing_answer_path_is_rejected_not_ignored() {
    let r = run(&[
        "quiz",
        "grade",
        "quizzes/ch06-inference.toml",
        "tests/fixtures/quiz/ch06-class.csv",
        "no/such/folder",
    ]);
    assert_eq!(r.code, 1);
    assert!(
        r.stdout
            .contains("no/such/folder: cannot read this answer path"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.ends_with("\n12 graded, 1 rejected\n"));
}

#[test]
fn an_empty_folder_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let r = run(&[
        "quiz",
        "grade",
        "quizzes/ch06-inference.toml",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr
            .contains("error: no answer files found in the ANSWERS paths")
    );
    assert!(r.stderr.ends_with("0 graded, 0 rejected\n"));
}

#[test]
fn an_invalid_quiz_grades_nothing() {
    let r = run(&[
        "quiz",
        "grade",
        "tests/fixtures/quiz/invalid-quiz.toml",
        CLASS,
    ]);
    assert_eq!(r.code, 1);
    assert_eq!(r.stdout, "");
    assert!(
        r.stderr.contains("the quiz is invalid (11 problems)"),
        "{}",
        r.stderr
    );
}

#[test]
fn the_quiz_file_inside_an_answer_folder_is_skipped_with_a_note() {
    let dir = tempfile::tempdir().unwrap();
    let quiz = dir.path().join("quiz.toml");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("quizzes/ch06-inference.toml"),
        &quiz,
    )
    .unwrap();
    std::fs::write(
        dir.path().join("s1.json"),
        r#"{"student": "s1", "answers": {"q1": "b", "q2": "c", "q3": "a", "q4": "d"}}"#,
    )
    .unwrap();
    let r = run(&[
        "quiz",
        "grade",
        quiz.to_str().unwrap(),
        dir.path().to_str().unwrap(),
        "--format",
        "csv",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("quiz.toml: skipped: this is the quiz file")
    );
    assert_eq!(
        r.stdout,
        format!(
            "student,name,score,max,percent,q1,q2,q3,q4,status,file,line,reason\ns1,,4.00,4.00,100.00,1.00,1.00,1.00,1.00,graded,{}/s1.json,,\n",
            dir.path().display()
        )
    );
}

#[test]
fn usage_errors_exit_2() {
    let r = run(&["quiz", "grade", LAB]);
    assert_eq!(r.code, 2, "ANSWERS is required");
    let r = run(&["quiz", "grade", LAB, CLASS, "--format", "xml"]);
    assert_eq!(r.code, 2);
    let r = run(&["quiz", "grade", LAB, CLASS, "--lang", "fr"]);
    assert_eq!(r.code, 2);
}
