//! The plain-text report: aligned tables (column widths count display columns, so Chinese names
//! line up), then the closing `N graded, N rejected` line. What students wrote reaches a terminal
//! here, so the whole report goes through [`escape::terminal`] (control and bidirectional
//! characters become visible escapes).

use crate::text::table::{Align, Table};

use super::{Report, negative_flag, option_counts, pts, stat};
use crate::quiz::escape;
use crate::quiz::text::Lang;

/// An aligned table ([`crate::text::table`]: widths by display columns): two spaces between
/// columns, no trailing spaces.
fn table(header: &[&str], align: &[Align], rows: &[Vec<String>]) -> String {
    let mut t = Table::new(align);
    t.row(header.iter().copied());
    for row in rows {
        t.row(row.iter().cloned());
    }
    t.render("", "  ")
}

/// The text report.
pub fn render(r: &Report) -> String {
    let mut out = String::new();
    gradebook(&mut out, r);
    notes(&mut out, r);
    summary(&mut out, r);
    items(&mut out, r);
    out.push_str(&format!("\n{}\n", r.book.tally()));
    escape::terminal(&out)
}

/// A cell that came from an input: kept on one line so that it cannot break the table.
fn one_line(s: &str) -> String {
    s.replace(['\n', '\r'], " ")
}

fn gradebook(out: &mut String, r: &Report) {
    let (quiz, book) = (r.quiz, r.book);
    out.push_str(&format!(
        "Quiz {}: {}\n",
        quiz.id,
        one_line(quiz.title.get(r.lang))
    ));
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
                one_line(&s.name),
                pts(s.score),
                pts(book.max),
                pts(s.percent),
            ];
            row.extend(s.outcomes.iter().map(|o| pts(o.points)));
            row
        })
        .collect();
    out.push_str(&table(&header, &align, &rows));
}

/// Notes (files, then students), rejections and duplicates not counted.
fn notes(out: &mut String, r: &Report) {
    let book = r.book;
    let noted: Vec<_> = book
        .students
        .iter()
        .filter(|s| !s.notes.is_empty())
        .collect();
    if !noted.is_empty() || !book.file_notes.is_empty() {
        out.push_str("\nNotes\n");
        for n in &book.file_notes {
            out.push_str(&format!("  {}\n", one_line(n)));
        }
        for s in noted {
            for n in &s.notes {
                let text = one_line(&n.text(Lang::En));
                out.push_str(&format!("  {} ({}): {text}\n", s.student, s.origin));
            }
        }
    }
    if !book.rejected.is_empty() {
        out.push_str("\nRejected (not graded)\n");
        for rej in &book.rejected {
            out.push_str(&format!("  {}\n", rej.diagnostic.headline()));
        }
    }
    if !book.not_counted.is_empty() {
        out.push_str("\nNot counted (duplicates)\n");
        for n in &book.not_counted {
            out.push_str(&format!("  {}: {}\n", n.origin, n.reason));
        }
    }
}

fn summary(out: &mut String, r: &Report) {
    let s = &r.analysis.summary;
    out.push_str("\nSummary (points)\n");
    let rows = [
        ("count", s.count.to_string()),
        ("mean", stat(s.mean)),
        ("median", stat(s.median)),
        ("stdev (sample)", stat(s.stdev)),
        ("min", stat(s.min)),
        ("max", stat(s.max)),
    ];
    for (name, value) in rows {
        out.push_str(&format!("  {name:<15}{value:>8}\n"));
    }
    out.push_str("\nScore histogram (percent of max)\n");
    for b in &r.analysis.histogram {
        let range = format!("{}-{}%", b.from, b.to);
        let bar = "#".repeat(b.count);
        out.push_str(format!("  {range:>8}  {:>3}  {bar}", b.count).trim_end());
        out.push('\n');
    }
}

fn items(out: &mut String, r: &Report) {
    let a = r.analysis;
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
    let mut align = [Align::Right; 8];
    align[0] = Align::Left;
    align[1] = Align::Left;
    align[7] = Align::Left;
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
