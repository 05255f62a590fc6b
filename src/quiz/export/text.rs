//! The plain-text report: aligned tables (column widths count display columns, so Chinese names
//! line up), then the closing `N graded, N rejected` line.

use unicode_width::UnicodeWidthStr;

use super::{Report, negative_flag, option_counts, pts, stat};

/// Left- or right-aligned column.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Align {
    Left,
    Right,
}

/// An aligned table: two spaces between columns, no trailing spaces.
fn table(header: &[&str], align: &[Align], rows: &[Vec<String>]) -> String {
    let n = header.len();
    let mut widths: Vec<usize> = header.iter().map(|h| h.width()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            widths[i] = widths[i].max(cell.width());
        }
    }
    let line = |cells: Vec<&str>| {
        let mut s = String::new();
        for (i, cell) in cells.iter().enumerate() {
            let pad = " ".repeat(widths[i] - cell.width());
            if i > 0 {
                s.push_str("  ");
            }
            match align[i] {
                Align::Left => {
                    s.push_str(cell);
                    if i + 1 < n {
                        s.push_str(&pad);
                    }
                }
                Align::Right => {
                    s.push_str(&pad);
                    s.push_str(cell);
                }
            }
        }
        s.trim_end().to_string() + "\n"
    };
    let mut out = line(header.to_vec());
    for row in rows {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    out
}

/// The text report.
pub fn render(r: &Report) -> String {
    let quiz = r.quiz;
    let book = r.book;
    let a = r.analysis;
    let mut out = String::new();
    out.push_str(&format!("Quiz {}: {}\n", quiz.id, quiz.title.get(r.lang)));
    out.push_str(&format!(
        "{} questions, {} points\n\n",
        quiz.questions.len(),
        pts(book.max)
    ));

    out.push_str("Gradebook\n");
    let mut header = vec!["student", "name", "score", "max", "percent"];
    header.extend(quiz.questions.iter().map(|q| q.id.as_str()));
    let mut align = vec![Align::Left, Align::Left];
    align.resize(header.len(), Align::Right);
    let rows: Vec<Vec<String>> = book
        .students
        .iter()
        .map(|s| {
            let mut row = vec![
                s.student.clone(),
                s.name.clone(),
                pts(s.score),
                pts(book.max),
                pts(s.percent),
            ];
            row.extend(s.outcomes.iter().map(|o| pts(o.points)));
            row
        })
        .collect();
    out.push_str(&table(&header, &align, &rows));

    let noted: Vec<_> = book
        .students
        .iter()
        .filter(|s| !s.notes.is_empty())
        .collect();
    if !noted.is_empty() {
        out.push_str("\nNotes\n");
        for s in noted {
            for n in &s.notes {
                out.push_str(&format!("  {} ({}): {n}\n", s.student, s.origin));
            }
        }
    }

    if !book.rejected.is_empty() {
        out.push_str("\nRejected (not graded)\n");
        for rej in &book.rejected {
            out.push_str(&format!("  {}\n", rej.diagnostic.headline()));
        }
    }

    let s = &a.summary;
    out.push_str("\nSummary (points)\n");
    let summary_rows = vec![
        vec!["count".to_string(), s.count.to_string()],
        vec!["mean".to_string(), stat(s.mean)],
        vec!["median".to_string(), stat(s.median)],
        vec!["stdev (sample)".to_string(), stat(s.stdev)],
        vec!["min".to_string(), stat(s.min)],
        vec!["max".to_string(), stat(s.max)],
    ];
    for row in &summary_rows {
        out.push_str(&format!("  {:<15}{:>8}\n", row[0], row[1]));
    }

    out.push_str("\nScore histogram (percent of max)\n");
    for b in &a.histogram {
        let range = format!("{}-{}%", b.from, b.to);
        let bar = "#".repeat(b.count);
        out.push_str(
            format!("  {range:>8}  {:>3}  {bar}", b.count)
                .trim_end()
                .to_string()
                .as_str(),
        );
        out.push('\n');
    }

    out.push_str("\nItems\n");
    let header = [
        "id",
        "kind",
        "max",
        "facility",
        "discrimination",
        "unanswered",
        "invalid",
        "options",
    ];
    let align = [
        Align::Left,
        Align::Left,
        Align::Right,
        Align::Right,
        Align::Right,
        Align::Right,
        Align::Right,
        Align::Left,
    ];
    let rows: Vec<Vec<String>> = a
        .items
        .iter()
        .map(|i| {
            vec![
                i.id.clone(),
                i.kind.name().to_string(),
                pts(i.max),
                stat(i.facility),
                stat(i.discrimination),
                i.unanswered.to_string(),
                i.invalid.to_string(),
                option_counts(&i.options),
            ]
        })
        .collect();
    out.push_str(&table(&header, &align, &rows));
    out.push_str(&format!(
        "\nReliability: Cronbach's alpha {}\n",
        stat(a.cronbach_alpha)
    ));

    let flags: Vec<String> = a
        .items
        .iter()
        .filter(|i| i.negative_discrimination())
        .map(|i| negative_flag(&i.id, i.discrimination.unwrap_or(0.0)))
        .collect();
    if !flags.is_empty() {
        out.push_str("\nFlags\n");
        for f in flags {
            out.push_str(&format!("  {f}\n"));
        }
    }
    out.push_str(&format!("\n{}\n", book.tally()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_aligns_by_display_width() {
        let rows = vec![
            vec!["s1".to_string(), "王小明".to_string(), "1.00".to_string()],
            vec!["s22".to_string(), "Ann".to_string(), "10.00".to_string()],
        ];
        let t = table(
            &["id", "name", "score"],
            &[Align::Left, Align::Left, Align::Right],
            &rows,
        );
        assert_eq!(
            t,
            "id   name    score\ns1   王小明   1.00\ns22  Ann     10.00\n"
        );
    }
}
