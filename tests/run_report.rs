//! End-to-end tests of how `coinflip run` reports: the concise default text report (one line per
//! passing scenario), `--verbose`, the summary printed beside `--out`, the Markdown report's size
//! (a GitHub comment holds at most 65,536 characters) and sample texts that stopped at `</s>`.

use assert_cmd::Command;

fn coinflip() -> Command {
    Command::cargo_bin("coinflip").unwrap()
}

fn run(args: &[&str]) -> (String, i32) {
    let out = coinflip().args(args).output().unwrap();
    (
        String::from_utf8(out.stdout).unwrap(),
        out.status.code().unwrap_or(-1),
    )
}

#[test]
fn bundled_scenarios_print_at_most_three_lines_each_plus_the_summary() {
    let (text, code) = run(&["run", "scenarios/"]);
    assert_eq!(code, 0, "{text}");
    let scenarios = std::fs::read_dir("scenarios")
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "toml")
        })
        .count();
    assert!(scenarios >= 10);
    let lines: Vec<&str> = text.lines().collect();
    // Every scenario passes, so every one is a single line starting with its mark.
    let marked = lines.iter().filter(|l| l.starts_with("✓ ")).count();
    assert_eq!(marked, scenarios, "{text}");
    assert!(
        lines.len() <= 3 * scenarios + 2,
        "{} lines:\n{text}",
        lines.len()
    );
    assert_eq!(
        lines.last(),
        Some(&format!("coinflip: {scenarios} passed, 0 failed").as_str())
    );
    // The one-liner names the key figures.
    let greedy = lines.iter().find(|l| l.contains(" greedy ")).unwrap();
    assert!(
        greedy.ends_with(": 3 samples, 36 tokens, 2/2 checks passed"),
        "{greedy}"
    );
}

#[test]
fn verbose_shows_passing_scenarios_in_full() {
    let (text, code) = run(&["run", "-v", "tests/fixtures/mixed"]);
    assert_eq!(code, 1);
    insta::assert_snapshot!("mixed_verbose", text);
    let (concise, _) = run(&["run", "tests/fixtures/mixed"]);
    assert!(concise.lines().count() < text.lines().count());
    assert!(text.contains("  sample 0 (3 tokens, stopped: end_of_document):\n    a b\n"));
    // The passing scenario's second sample is only in the verbose report.
    assert!(text.contains("    a c a c a\n"));
    assert!(!concise.contains("a c a c a"));
}

#[test]
fn failing_scenarios_keep_their_detail_in_the_concise_report() {
    let (text, code) = run(&["run", "tests/fixtures/mixed"]);
    assert_eq!(code, 1);
    let failing = text
        .split("\n\n")
        .find(|block| block.starts_with("✗ "))
        .expect("a failing scenario");
    assert!(failing.lines().count() > 1, "{failing}");
    assert!(failing.contains("  ✗ "), "{failing}");
}

#[test]
fn out_still_prints_the_concise_summary_unless_quiet() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("reports");
    let out_s = out.to_str().unwrap();
    let (text, code) = run(&[
        "run",
        "tests/fixtures/mixed",
        "--format",
        "json,html",
        "--out",
        out_s,
    ]);
    assert_eq!(code, 1);
    assert!(text.contains("\n✗ "), "{text}");
    assert!(text.contains("coinflip: "), "{text}");
    assert!(
        text.ends_with(&format!("reports in {out_s}: report.json, report.html\n")),
        "{text}"
    );
    assert!(out.join("report.json").is_file());
    let (quiet, _) = run(&[
        "run",
        "tests/fixtures/mixed",
        "--format",
        "json,html",
        "--quiet",
        "--out",
        out_s,
    ]);
    assert_eq!(quiet, "");
    // `--out -` is standard output: the report alone, no summary after it.
    let (json, _) = run(&[
        "run",
        "scenarios/greedy.toml",
        "--format",
        "json",
        "--out",
        "-",
    ]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["summary"]["passed"], 1);
}

#[test]
fn bundled_markdown_report_fits_a_github_comment() {
    let (md, code) = run(&["run", "scenarios/", "--format", "markdown"]);
    assert_eq!(code, 0);
    assert!(
        md.chars().count() < 65_536,
        "{} characters",
        md.chars().count()
    );
    // The large passing chi-square table is cut, and says so.
    assert!(md.contains("more bins not shown (the check passed"), "{md}");
}

#[test]
fn samples_that_stopped_at_end_of_document_end_with_their_text() {
    let (json, _) = run(&["run", "scenarios/", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let mut stopped = 0;
    for s in v["scenarios"].as_array().unwrap() {
        for smp in s["samples"].as_array().into_iter().flatten() {
            if smp["stopped"] == "end_of_document" {
                stopped += 1;
                for key in ["text", "full_text"] {
                    let t = smp[key].as_str().unwrap();
                    assert!(!t.ends_with('\n'), "{key} = {t:?}");
                }
            }
        }
    }
    assert!(stopped > 5);
}
