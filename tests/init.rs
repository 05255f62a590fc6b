//! `coinflip init` writes a starter project in which the real binary's `run`, `quiz check` and
//! `quiz grade` succeed, and refuses to write over anything.

mod common;

use std::path::Path;

fn coinflip(dir: &Path, args: &[&str]) -> (String, String, i32) {
    common::run_in(dir, args).into()
}

const FILES: [&str; 11] = [
    "README.md",
    "scenarios/garden.toml",
    "scenarios/corpora/garden.txt",
    "scenarios/viewing-a-single.toml",
    "quizzes/starter.toml",
    "answers/s001.toml",
    "answers/s002.json",
    ".github/workflows/coinflip.yml",
    "schemas/scenario.schema.json",
    "schemas/quiz.schema.json",
    "schemas/answers.schema.json",
];

#[test]
fn init_then_run_and_grade() {
    let tmp = tempfile::tempdir().unwrap();
    let (out, err, code) = coinflip(tmp.path(), &["init", "project"]);
    assert_eq!(code, 0, "{err}");
    let dir = tmp.path().join("project");
    for f in FILES {
        assert!(dir.join(f).is_file(), "{f} missing");
        assert!(out.contains(&format!("created project/{f}\n")), "{out}");
    }

    // The scenarios pass, with the reports the workflow keeps (JUnit here; see below for html).
    let (out, err, code) = coinflip(
        &dir,
        &[
            "run",
            "scenarios/",
            "-q",
            "--format",
            "junit,json",
            "--out",
            "reports/",
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    let junit = std::fs::read_to_string(dir.join("reports/junit.xml")).unwrap();
    assert!(
        junit.contains("garden") && junit.contains("viewing-a-single"),
        "{junit}"
    );
    assert!(junit.contains("failures=\"0\""), "{junit}");

    let (out, err, code) = coinflip(&dir, &["quiz", "check", "quizzes/starter.toml"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        "quizzes/starter.toml: ok: quiz `starter`, 4 questions, 5.00 points\n"
    );
    let (csv, err, code) = coinflip(
        &dir,
        &[
            "quiz",
            "grade",
            "quizzes/starter.toml",
            "answers/",
            "--format",
            "csv",
        ],
    );
    assert_eq!(code, 0, "{err}");
    // s002: choose a (0), likely {a, c} partial: (1 − 1)/2 → 0, the 30 vs 32 ± 1 (0), same (1).
    assert_eq!(
        csv,
        "student,name,score,max,percent,choose,likely,the,same\n\
         s001,Ada Example,5.00,5.00,100.00,1.00,2.00,1.00,1.00\n\
         s002,Bo Example,1.00,5.00,20.00,0.00,0.00,0.00,1.00\n"
    );
    assert!(err.ends_with("2 graded, 0 rejected\n"), "{err}");

    // The workflow runs the scenarios with JUnit and HTML reports and uploads the folder.
    let wf = std::fs::read_to_string(dir.join(".github/workflows/coinflip.yml")).unwrap();
    assert!(wf.contains("run: coinflip run scenarios/ --format junit,html --out reports/"));
    assert!(wf.contains("uses: actions/upload-artifact@v4") && wf.contains("path: reports/"));

    // The schema files are what `coinflip schema` prints, and the TOML files name them.
    for (name, file) in [
        ("scenario", "scenarios/garden.toml"),
        ("quiz", "quizzes/starter.toml"),
        ("answers", "answers/s001.toml"),
    ] {
        let (printed, _, code) = coinflip(&dir, &["schema", name]);
        assert_eq!(code, 0);
        let written =
            std::fs::read_to_string(dir.join(format!("schemas/{name}.schema.json"))).unwrap();
        assert_eq!(written, printed, "{name}");
        let head = std::fs::read_to_string(dir.join(file)).unwrap();
        assert!(
            head.starts_with(&format!("#:schema ../schemas/{name}.schema.json\n")),
            "{file}"
        );
    }
}

#[test]
fn init_refuses_to_overwrite() {
    let tmp = tempfile::tempdir().unwrap();
    let (_, err, code) = coinflip(tmp.path(), &["init"]);
    assert_eq!(code, 0, "{err}");
    std::fs::write(tmp.path().join("quizzes/starter.toml"), "edited").unwrap();
    std::fs::remove_file(tmp.path().join("answers/s002.json")).unwrap();
    let (out, err, code) = coinflip(tmp.path(), &["init", "."]);
    assert_eq!(code, 1);
    assert_eq!(out, "");
    assert!(err.contains("10 of its files already exist:"), "{err}");
    assert!(err.contains("  ./quizzes/starter.toml\n"), "{err}");
    // Nothing was written: the edit stays and the deleted file is not brought back.
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("quizzes/starter.toml")).unwrap(),
        "edited"
    );
    assert!(!tmp.path().join("answers/s002.json").exists());
}
