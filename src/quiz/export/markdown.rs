//! The Markdown report: the same sections as the text report, as Markdown tables, ending with the
//! `N graded, N rejected` line. Text from the quiz and the answer files is escaped: `|` and line
//! breaks cannot break a table, raw HTML (`<script>`) is shown as text, student ids are code spans
//! longer than any backtick run in them, and control characters are made visible.

use super::{Report, negative_flag, option_counts, pts, stat};
use crate::quiz::escape;
use crate::quiz::text::Lang;

/// A cell safe inside a Markdown table.
fn cell(s: &str) -> String {
    escape::html(s)
        .replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace(['\n', '\r'], " ")
}

fn row(cells: &[String]) -> String {
    format!("| {} |\n", cells.join(" | "))
}

fn header(names: &[&str]) -> String {
    row(&names.iter().map(|s| s.to_string()).collect::<Vec<_>>())
}

fn rule(aligns: &[bool]) -> String {
    let parts: Vec<&str> = aligns
        .iter()
        .map(|right| if *right { "---:" } else { "---" })
        .collect();
    format!("| {} |\n", parts.join(" | "))
}

/// The Markdown report.
pub fn render(r: &Report) -> String {
    let mut out = String::new();
    gradebook(&mut out, r);
    notes(&mut out, r);
    summary(&mut out, r);
    items(&mut out, r);
    out.push_str(&format!("\n{}\n", r.book.tally()));
    escape::terminal(&out)
}

fn gradebook(out: &mut String, r: &Report) {
    let (quiz, book) = (r.quiz, r.book);
    out.push_str(&format!(
        "# Quiz {}: {}\n\n{} questions, {} points.\n\n## Gradebook\n\n",
        cell(&quiz.id),
        cell(quiz.title.get(r.lang)),
        quiz.questions.len(),
        pts(book.max)
    ));
    let mut names = vec!["student", "name", "score", "max", "percent"];
    names.extend(quiz.questions.iter().map(|q| q.id.as_str()));
    out.push_str(&header(&names));
    let mut aligns = vec![false, false];
    aligns.resize(names.len(), true);
    out.push_str(&rule(&aligns));
    for s in &book.students {
        let mut cells = vec![
            cell(&s.student),
            cell(&s.name),
            pts(s.score),
            pts(book.max),
            pts(s.percent),
        ];
        cells.extend(s.outcomes.iter().map(|o| pts(o.points)));
        out.push_str(&row(&cells));
    }
}

fn notes(out: &mut String, r: &Report) {
    let book = r.book;
    let noted: Vec<_> = book
        .students
        .iter()
        .filter(|s| !s.notes.is_empty())
        .collect();
    if !noted.is_empty() || !book.file_notes.is_empty() {
        out.push_str("\n## Notes\n\n");
        for n in &book.file_notes {
            out.push_str(&format!("- {}\n", cell(n)));
        }
        for s in noted {
            for n in &s.notes {
                out.push_str(&format!(
                    "- {} ({}): {}\n",
                    escape::code_span(&s.student),
                    cell(&s.origin.to_string()),
                    cell(&n.text(Lang::En))
                ));
            }
        }
    }
    if !book.rejected.is_empty() {
        out.push_str("\n## Rejected (not graded)\n\n");
        out.push_str(&header(&["file", "reason"]));
        out.push_str(&rule(&[false, false]));
        for x in &book.rejected {
            out.push_str(&row(&[cell(&x.origin.file), cell(&x.reason())]));
        }
    }
    if !book.not_counted.is_empty() {
        out.push_str("\n## Not counted (duplicates)\n\n");
        out.push_str(&header(&["submission", "reason"]));
        out.push_str(&rule(&[false, false]));
        for n in &book.not_counted {
            out.push_str(&row(&[cell(&n.origin.to_string()), cell(&n.reason)]));
        }
    }
}

fn summary(out: &mut String, r: &Report) {
    let s = &r.analysis.summary;
    out.push_str("\n## Summary (points)\n\n");
    out.push_str(&header(&[
        "count",
        "mean",
        "median",
        "stdev (sample)",
        "min",
        "max",
    ]));
    out.push_str(&rule(&[true; 6]));
    out.push_str(&row(&[
        s.count.to_string(),
        stat(s.mean),
        stat(s.median),
        stat(s.stdev),
        stat(s.min),
        stat(s.max),
    ]));
    out.push_str("\n## Score histogram (percent of max)\n\n");
    out.push_str(&header(&["percent", "students"]));
    out.push_str(&rule(&[false, true]));
    for b in &r.analysis.histogram {
        out.push_str(&row(&[format!("{}-{}", b.from, b.to), b.count.to_string()]));
    }
}

fn items(out: &mut String, r: &Report) {
    let a = r.analysis;
    out.push_str("\n## Items\n\n");
    out.push_str(&header(&[
        "id",
        "kind",
        "max",
        "facility",
        "discrimination",
        "unanswered",
        "invalid",
        "options",
    ]));
    out.push_str(&rule(&[false, false, true, true, true, true, true, false]));
    for i in &a.items {
        out.push_str(&row(&[
            cell(&i.id),
            i.kind.name().into(),
            pts(i.max),
            stat(i.facility),
            stat(i.discrimination),
            i.unanswered.to_string(),
            i.invalid.to_string(),
            cell(&option_counts(&i.options)),
        ]));
    }
    out.push_str(&format!(
        "\nReliability: Cronbach's alpha **{}**.\n",
        stat(a.cronbach_alpha)
    ));
    let flags: Vec<_> = a
        .items
        .iter()
        .filter(|i| i.negative_discrimination())
        .collect();
    if !flags.is_empty() {
        out.push_str("\n## Flags\n\n");
        for i in flags {
            out.push_str(&format!(
                "- {}\n",
                negative_flag(&i.id, i.discrimination.unwrap_or(0.0))
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_escape_pipes_newlines_and_html() {
        assert_eq!(cell("a|b\nc"), "a\\|b c");
        assert_eq!(cell("<b>x</b>"), "&lt;b&gt;x&lt;/b&gt;");
    }
}
