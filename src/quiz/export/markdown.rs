//! The Markdown report: the same sections as the text report, as Markdown tables (`|` in names
//! escaped), ending with the `N graded, N rejected` line.

use super::{Report, negative_flag, option_counts, pts, stat};

/// A cell safe inside a Markdown table.
fn cell(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace(['\n', '\r'], " ")
}

fn row(cells: &[String]) -> String {
    format!("| {} |\n", cells.join(" | "))
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
    let quiz = r.quiz;
    let book = r.book;
    let a = r.analysis;
    let mut out = format!(
        "# Quiz {}: {}\n\n{} questions, {} points.\n\n## Gradebook\n\n",
        cell(&quiz.id),
        cell(quiz.title.get(r.lang)),
        quiz.questions.len(),
        pts(book.max)
    );
    let mut header: Vec<String> = ["student", "name", "score", "max", "percent"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    header.extend(quiz.questions.iter().map(|q| q.id.clone()));
    out.push_str(&row(&header));
    let mut aligns = vec![false, false];
    aligns.resize(header.len(), true);
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

    let noted: Vec<_> = book
        .students
        .iter()
        .filter(|s| !s.notes.is_empty())
        .collect();
    if !noted.is_empty() {
        out.push_str("\n## Notes\n\n");
        for s in noted {
            for n in &s.notes {
                out.push_str(&format!(
                    "- `{}` ({}): {}\n",
                    s.student,
                    cell(&s.origin.to_string()),
                    cell(n)
                ));
            }
        }
    }
    if !book.rejected.is_empty() {
        out.push_str("\n## Rejected (not graded)\n\n");
        out.push_str(&row(&["file".into(), "reason".into()]));
        out.push_str(&rule(&[false, false]));
        for x in &book.rejected {
            out.push_str(&row(&[cell(&x.origin.file), cell(&x.reason())]));
        }
    }

    let s = &a.summary;
    out.push_str("\n## Summary (points)\n\n");
    out.push_str(&row(&[
        "count".into(),
        "mean".into(),
        "median".into(),
        "stdev (sample)".into(),
        "min".into(),
        "max".into(),
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
    out.push_str(&row(&["percent".into(), "students".into()]));
    out.push_str(&rule(&[false, true]));
    for b in &a.histogram {
        out.push_str(&row(&[format!("{}-{}", b.from, b.to), b.count.to_string()]));
    }

    out.push_str("\n## Items\n\n");
    out.push_str(&row(&[
        "id".into(),
        "kind".into(),
        "max".into(),
        "facility".into(),
        "discrimination".into(),
        "unanswered".into(),
        "invalid".into(),
        "options".into(),
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
    out.push_str(&format!("\n{}\n", book.tally()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_escape_pipes_and_newlines() {
        assert_eq!(cell("a|b\nc"), "a\\|b c");
    }
}
