//! A real class, end to end (tests/fixtures/quiz/real-class): hand-written TOML and JSON answer
//! files, a Google-Forms-style CSV (BOM, question texts as headers, option texts joined by `, `,
//! a `Score` column, one student who submitted twice, a formula-like name) and a semicolon CSV
//! from a European spreadsheet (decimal commas, `n`/`y`), with upper-case ids, trailing
//! punctuation, yes/no and 对/错/否 answers. Graded as a teacher would (points worked out by hand
//! below), nothing lost, every lenient reading noted, and the Canvas and Moodle exports in their
//! import layouts.

use std::collections::BTreeMap;
use std::path::Path;

use assert_cmd::Command;

const LAB: &str = "quizzes/ch06-sampling-lab.toml";
const CLASS: &str = "tests/fixtures/quiz/real-class";

struct Run {
    stdout: String,
    stderr: String,
    code: i32,
}

fn run(args: &[&str]) -> Run {
    let out = Command::cargo_bin("coinflip")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .unwrap();
    Run {
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
        code: out.status.code().unwrap_or(-1),
    }
}

fn grade(extra: &[&str]) -> Run {
    let mut args = vec!["quiz", "grade", LAB, CLASS, "--duplicates", "latest"];
    args.extend(extra);
    run(&args)
}

fn json() -> serde_json::Value {
    serde_json::from_str(&grade(&["--format", "json"]).stdout).unwrap()
}

/// Inputs counted without the program: one per answer file, one per CSV line after the header.
fn count_inputs() -> usize {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(CLASS);
    let files = std::fs::read_dir(root.join("files")).unwrap().count();
    let rows: usize = ["google.csv", "europe.csv"]
        .iter()
        .map(|f| {
            let text = std::fs::read_to_string(root.join(f)).unwrap();
            text.lines()
                .skip(1)
                .filter(|l| !l.trim().is_empty())
                .count()
        })
        .sum();
    files + rows
}

#[test]
fn graded_as_a_teacher_would_and_nothing_is_lost() {
    let v = json();
    let scores: BTreeMap<String, f64> = v["students"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["student"].as_str().unwrap().to_string(),
                s["score"].as_f64().unwrap(),
            )
        })
        .collect();
    // loop: 3 points, partial (key a, b, d); frozen false; remix; the 32 % ± 0.5; likely a (the).
    let want = [
        // latest of two: a, b, d (3) + FALSE + "Remix." + "32%" + "the" (option a's text)
        ("ann@uni.edu", 7.0),
        // a, b (2) + "No" + "a remix!" + 32 + "article" (option b, wrong)
        ("bo@uni.edu", 5.0),
        // b, c: (1 − 1)/3 → 0; 错 = false (1); copy; 21 %; single (c)
        ("cy@uni.edu", 1.0),
        // a, b, d (3) + 否 + 混合。 + full-width ３２ + the
        ("di@uni.edu", 7.0),
        // "A, B, D" (3) + n + REMIX + 32,0 + A
        ("e01", 7.0),
        // "a b" (2) + y (true: wrong) + re-mix (wrong) + 31,8 (within 0.5) + b (wrong)
        ("e02", 3.0),
        // ["A", "B", "D"] (3) + false + Remix + 32 + "A"
        ("h01", 7.0),
        // "a; b" (2) + JSON "false" + 混合 + JSON "32" + "the"
        ("h02", 6.0),
        // 对 = true (wrong), remix (1), "thirty" and "e" cannot be graded, loop unanswered
        ("h03", 1.0),
        // a formula-like id with no answers
        ("=1+1", 0.0),
    ];
    let want: BTreeMap<String, f64> = want.iter().map(|(k, v)| (k.to_string(), *v)).collect();
    assert_eq!(scores, want);

    let graded = v["graded"].as_u64().unwrap() as usize;
    let rejected = v["rejected_count"].as_u64().unwrap() as usize;
    let not_counted = v["not_counted_count"].as_u64().unwrap() as usize;
    assert_eq!((graded, rejected, not_counted), (10, 1, 1));
    assert_eq!(graded + rejected + not_counted, count_inputs());
    assert_eq!(v["rejected"][0]["line"], 4);
    assert_eq!(v["not_counted"][0]["line"], 2, "Ann's first submission");
    assert_eq!(
        v["file_notes"][0],
        "tests/fixtures/quiz/real-class/google.csv: column `Score` matches no question of the quiz (by id or text); it is not graded"
    );
}

#[test]
fn every_normalisation_is_noted() {
    let v = json();
    let notes_of = |id: &str| -> Vec<String> {
        v["students"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["student"] == id)
            .unwrap()["notes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n.as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        notes_of("e01"),
        [
            "loop: accepted \"A, B, D\" as options a, b, d",
            "frozen: accepted \"n\" as false",
            "remix: accepted \"REMIX\" as \"remix\"",
            "the: accepted \"32,0\" as the number 32",
            "likely: accepted \"A\" as option a",
        ]
    );
    assert_eq!(
        notes_of("di@uni.edu"),
        [
            "loop: accepted \"Feed the current tokens to the network, Sample the next token from the probabilities, Append the sampled token to the sequence\" as options a, b, d",
            "frozen: accepted \"否\" as false",
            "remix: accepted \"混合。\" as \"混合\"",
            "the: accepted \"３２\" as the number 32",
            "likely: accepted \"the\" as option a",
        ]
    );
    // Written exactly as documented: no note.
    assert!(
        !notes_of("h02")
            .iter()
            .any(|n| n.starts_with("loop:") || n.starts_with("remix:"))
    );
}

#[test]
fn the_csv_gradebook_lists_every_input_and_no_formula() {
    let r = grade(&["--format", "csv"]);
    assert_eq!(r.code, 1, "a row was rejected");
    let mut rd = csv::Reader::from_reader(r.stdout.as_bytes());
    let rows: Vec<csv::StringRecord> = rd.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), count_inputs());
    let bo = rows.iter().find(|r| &r[0] == "bo@uni.edu").unwrap();
    assert_eq!(&bo[1], "'=HYPERLINK(\"http://x\",\"y\")");
    let eve = rows.iter().find(|r| &r[1] == "Eve").unwrap();
    assert_eq!(&eve[0], "'=1+1");
    let statuses: Vec<&str> = rows.iter().map(|r| r.get(10).unwrap()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == "not counted").count(), 1);
    assert_eq!(statuses.iter().filter(|s| **s == "rejected").count(), 1);
    // No cell that a spreadsheet would run as a formula.
    for row in &rows {
        for cell in row {
            assert!(!cell.starts_with(['=', '+', '@']), "{cell:?}");
        }
    }
}

#[test]
fn canvas_export_has_canvas_columns() {
    let r = grade(&["--format", "canvas-csv"]);
    let mut rd = csv::Reader::from_reader(r.stdout.as_bytes());
    assert_eq!(
        rd.headers().unwrap().iter().collect::<Vec<_>>(),
        [
            "Student",
            "ID",
            "SIS User ID",
            "SIS Login ID",
            "Section",
            "Chapter 6 lab: the biased coin"
        ]
    );
    let rows: Vec<Vec<String>> = rd
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    assert_eq!(rows.len(), 10, "one row per graded student");
    assert_eq!(rows[0], ["'=1+1", "", "", "", "", "0.00"]);
    assert!(
        rows.contains(
            &["ann@uni.edu", "", "", "", "", "7.00"]
                .map(String::from)
                .to_vec()
        )
    );
}

#[test]
fn moodle_export_has_an_identifier_grade_and_feedback() {
    let r = grade(&["--format", "moodle-csv"]);
    let mut rd = csv::Reader::from_reader(r.stdout.as_bytes());
    assert_eq!(
        rd.headers().unwrap().iter().collect::<Vec<_>>(),
        ["ID number", "Chapter 6 lab: the biased coin", "Feedback"]
    );
    let rows: Vec<csv::StringRecord> = rd.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 10);
    let e02 = rows.iter().find(|r| &r[0] == "e02").unwrap();
    assert_eq!(&e02[1], "3.00");
    assert_eq!(
        &e02[2],
        "Score: 3 / 7 (42.86%). loop 2/3 partly correct; frozen 0/1 wrong; remix 0/1 wrong; the 1/1 correct; likely 0/1 wrong."
    );
    // Only email addresses: the identifier is the email.
    let r = run(&[
        "quiz",
        "grade",
        LAB,
        &format!("{CLASS}/google.csv"),
        "--duplicates",
        "first",
        "--format",
        "moodle-csv",
        "--lang",
        "zh",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let mut rd = csv::Reader::from_reader(r.stdout.as_bytes());
    assert_eq!(&rd.headers().unwrap()[0], "Email address");
    assert_eq!(&rd.headers().unwrap()[1], "第 6 章练习:有偏的硬币");
    let ann = rd
        .records()
        .map(Result::unwrap)
        .find(|r| &r[0] == "ann@uni.edu")
        .unwrap();
    assert_eq!(
        &ann[1], "1.00",
        "--duplicates first keeps Ann's first submission"
    );
}

#[test]
fn duplicates_are_rejected_by_default() {
    let r = run(&["quiz", "grade", LAB, CLASS, "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["rejected_count"], 3);
    assert_eq!(v["not_counted_count"], 0);
}

#[test]
fn feedback_in_chinese_is_entirely_chinese_and_html_pages_are_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let zh = dir.path().join("zh");
    let r = grade(&["--feedback", zh.to_str().unwrap(), "--lang", "zh"]);
    assert_eq!(r.code, 1);
    let h03 = std::fs::read_to_string(zh.join("h03.md")).unwrap();
    assert!(h03.contains("- 说明: 已将 \"对\" 视为对\n"), "{h03}");
    assert!(h03.contains("- 你的答案: thirty (无法评分)\n"), "{h03}");
    assert!(
        h03.contains("`e` 不是选项(应为 `a`、`b`、`c`、`d` 之一);记 0 分"),
        "{h03}"
    );
    for english in ["accepted", "scored", "expected", "Your answer", "could not"] {
        assert!(!h03.contains(english), "{english} in {h03}");
    }
    assert!(
        zh.join("_1_1.md").exists(),
        "the id =1+1 gives a safe file name"
    );

    let html = dir.path().join("html");
    let r = grade(&[
        "--feedback",
        html.to_str().unwrap(),
        "--feedback-format",
        "html",
    ]);
    assert_eq!(r.code, 1);
    let bo = std::fs::read_to_string(html.join("bo@uni.edu.html")).unwrap();
    assert!(bo.starts_with("<!DOCTYPE html>"));
    assert!(
        bo.contains("bo@uni.edu (=HYPERLINK(&quot;http:&#x2f;&#x2f;x&quot;,&quot;y&quot;))")
            || bo.contains("bo@uni.edu (=HYPERLINK(&quot;http://x&quot;,&quot;y&quot;))"),
        "{bo}"
    );
    assert!(bo.contains("accepted &quot;No&quot; as false"), "{bo}");
    assert!(!bo.contains("<script"), "no script");
}

#[test]
fn the_html_report_draws_the_charts_and_keeps_the_numbers() {
    let r = grade(&["--format", "html"]);
    let page = r.stdout;
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert_eq!(page.matches("<svg").count(), 2, "histogram and items chart");
    assert!(!page.contains("<script") && !page.contains("http://") && !page.contains("https://"));
    // The numbers stay in a table beside the chart.
    assert!(
        page.contains("<td class=\"num\">0.882</td>"),
        "loop's discrimination"
    );
    // The formula-like name is text.
    assert!(page.contains("=HYPERLINK(&quot;"));
}

#[test]
fn a_column_map_reads_headers_coinflip_does_not_know() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("map.toml"),
        "student = \"Matrikel\"\ntimestamp = \"Zeitstempel\"\n[questions]\nfrozen = \"Frage 2\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("class.csv"),
        "Zeitstempel;Matrikel;Frage 2;remix\n12.09.2024 10:00;m1;falsch;remix\n12.09.2024 11:00;m1;nein;Remix\n",
    )
    .unwrap();
    let r = run(&[
        "quiz",
        "grade",
        LAB,
        dir.path().join("class.csv").to_str().unwrap(),
        "--columns",
        dir.path().join("map.toml").to_str().unwrap(),
        "--duplicates",
        "latest",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["graded"], 1, "{}", r.stderr);
    assert_eq!(v["students"][0]["line"], 3);
    assert_eq!(v["not_counted_count"], 1);
    // `nein` is not a truth value coinflip knows: scored 0 with a note.
    assert!(
        v["students"][0]["notes"][0]
            .as_str()
            .unwrap()
            .starts_with("frozen: expected true or false")
    );
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "[questions]\nq9 = \"Frage 9\"\n").unwrap();
    let r = run(&[
        "quiz",
        "grade",
        LAB,
        CLASS,
        "--columns",
        bad.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr
            .contains("[questions]: the quiz has no question `q9`"),
        "{}",
        r.stderr
    );
}

#[test]
fn blank_answer_sheets() {
    let r = run(&["quiz", "template", LAB]);
    assert_eq!(r.code, 0);
    assert_eq!(r.stdout, "student,name,loop,frozen,remix,the,likely\n");
    let r = run(&["quiz", "template", LAB, "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["answers"]["loop"], serde_json::json!([]));
    let r = run(&["quiz", "template", LAB, "--format", "toml"]);
    assert!(r.stdout.contains("\n[answers]\n"), "{}", r.stdout);
    assert!(r.stdout.contains("likely = \"\"\n"));
}

#[test]
fn control_characters_never_reach_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("s.json"),
        "{\"student\": \"s1\", \"name\": \"\\u001b[2J\\u202eevil\", \"answers\": {\"remix\": \"\\u001b[31mred\"}}",
    )
    .unwrap();
    let r = run(&["quiz", "grade", LAB, dir.path().to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(!r.stdout.contains('\u{1b}') && !r.stdout.contains('\u{202e}'));
    assert!(r.stdout.contains("\\u{1b}[2J\\u{202e}evil"), "{}", r.stdout);
    let md = run(&[
        "quiz",
        "grade",
        LAB,
        dir.path().to_str().unwrap(),
        "--format",
        "markdown",
    ]);
    assert!(!md.stdout.contains('\u{1b}'));
}
