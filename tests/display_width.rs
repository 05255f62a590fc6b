//! Text tables line up by display width: a Chinese character takes two terminal columns, so a
//! column after a Chinese cell must start (left-aligned) or end (right-aligned) at the same
//! terminal column as in the rows above it. One check per command with a table: score, trace,
//! flip and quiz grade.

use assert_cmd::Command;
use unicode_width::UnicodeWidthStr;

fn stdout(args: &[&str]) -> String {
    let out = Command::cargo_bin("coinflip")
        .unwrap()
        .args(args)
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap()
}

/// The cells of a table line (separated by two spaces or more) with the terminal columns where
/// each starts and ends.
fn cells(line: &str) -> Vec<(String, usize, usize)> {
    let mut out = Vec::new();
    let mut rest = line;
    let mut col = 0;
    loop {
        let trimmed = rest.trim_start_matches(' ');
        col += rest.len() - trimmed.len();
        if trimmed.is_empty() {
            return out;
        }
        let end = trimmed.find("  ").unwrap_or(trimmed.len());
        let cell = &trimmed[..end];
        let w = cell.width();
        out.push((cell.to_string(), col, col + w));
        col += w;
        rest = &trimmed[end..];
    }
}

/// The table under the header line starting with `header` (up to the first line with another
/// number of cells): every row has its cells where the header has them — starting at the same
/// column for `left` columns, ending at the same column for the others. Returns the rows checked.
fn assert_aligned(text: &str, header: &str, left: &[usize]) -> Vec<String> {
    let mut lines = text
        .lines()
        .skip_while(|l| !l.trim_start().starts_with(header));
    let head = cells(
        lines
            .next()
            .unwrap_or_else(|| panic!("no {header:?} in\n{text}")),
    );
    let mut rows = Vec::new();
    for line in lines {
        let row = cells(line);
        if row.len() != head.len() {
            break;
        }
        for (i, (cell, start, end)) in row.iter().enumerate() {
            if left.contains(&i) {
                assert_eq!(*start, head[i].1, "{cell:?} in {line:?}\n{text}");
            } else {
                assert_eq!(*end, head[i].2, "{cell:?} in {line:?}\n{text}");
            }
        }
        rows.push(line.to_string());
    }
    rows
}

fn has_chinese(rows: &[String]) -> bool {
    rows.iter()
        .any(|r| r.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)))
}

#[test]
fn score_lines_up_chinese_tokens() {
    let out = stdout(&[
        "score",
        "scenarios/chinese-chars.toml",
        "--text",
        "模型读到前面的字",
    ]);
    let rows = assert_aligned(&out, "token", &[0, 2, 4]);
    assert_eq!(rows.len(), 8, "{out}");
    assert!(has_chinese(&rows));
}

#[test]
fn trace_lines_up_chinese_tokens() {
    let out = stdout(&["trace", "scenarios/chinese-chars.toml", "--top", "4"]);
    let rows = assert_aligned(&out, "token", &[0]);
    assert!(rows.len() >= 4 && has_chinese(&rows), "{out}");
}

#[test]
fn flip_lines_up_chinese_tokens() {
    let dir = tempfile::tempdir().unwrap();
    let coin = dir.path().join("coin.toml");
    std::fs::write(
        &coin,
        "seed = 3\n[distribution]\ntokens = [\"的\", \"a\", \"文章\", \"single\", \"帖子\"]\n\
         probs = [0.32, 0.21, 0.14, 0.11, 0.22]\n[checks.chi_square]\nsamples = 1000\n",
    )
    .unwrap();
    let out = stdout(&["flip", coin.to_str().unwrap(), "--count", "20"]);
    // The coin (token, id, p, interval, bar), then the tally (token, id, observed, share, expected).
    let rows = assert_aligned(&out, "token   id      p", &[0, 3, 4]);
    assert_eq!(rows.len(), 5, "{out}");
    let rows = assert_aligned(&out, "token   id  observed", &[0]);
    assert!(has_chinese(&rows), "{out}");
    let flips = assert_aligned(&out, "flip", &[2, 3]);
    assert_eq!(flips.len(), 20, "{out}");
    assert!(has_chinese(&flips), "{out}");
}

#[test]
fn quiz_grade_lines_up_chinese_names() {
    let out = stdout(&[
        "quiz",
        "grade",
        "quizzes/ch06-sampling-lab.toml",
        "tests/fixtures/quiz/class",
    ]);
    let rows = assert_aligned(&out, "student  name", &[0, 1]);
    assert!(rows.len() > 10 && has_chinese(&rows), "{out}");
}
