//! The JSON report: `quiz`, `students[]`, `rejected[]`, `not_counted[]`, `file_notes[]`,
//! `summary` (with `histogram`), `items[]`, `reliability`, and the counts `graded` /
//! `rejected_count` / `not_counted_count`. Numbers are rounded to 4 decimals;
//! an undefined statistic is `null`. Object keys are sorted (question ids and option ids too), so
//! the output is byte-identical for the same inputs.

use std::collections::BTreeMap;

use serde::Serialize;

use super::Report;
use crate::quiz::analysis::{Analysis, ItemStats};
use crate::quiz::gradebook::StudentResult;
use crate::quiz::submission::Rejection;
use crate::quiz::text::Lang;

#[derive(Serialize)]
struct Doc<'a> {
    quiz: QuizInfo<'a>,
    students: Vec<Student<'a>>,
    rejected: Vec<Rejected>,
    not_counted: Vec<NotCounted<'a>>,
    file_notes: &'a [String],
    summary: Summary,
    items: Vec<Item<'a>>,
    reliability: Reliability,
    graded: usize,
    rejected_count: usize,
    not_counted_count: usize,
}

#[derive(Serialize)]
struct NotCounted<'a> {
    student: &'a str,
    name: &'a str,
    file: &'a str,
    line: Option<usize>,
    reason: &'a str,
}

#[derive(Serialize)]
struct QuizInfo<'a> {
    id: &'a str,
    title: &'a str,
    max: f64,
    questions: Vec<&'a str>,
}

#[derive(Serialize)]
struct Student<'a> {
    student: &'a str,
    name: &'a str,
    file: &'a str,
    line: Option<usize>,
    score: f64,
    max: f64,
    percent: f64,
    questions: BTreeMap<&'a str, f64>,
    notes: Vec<String>,
}

#[derive(Serialize)]
struct Rejected {
    file: String,
    line: Option<usize>,
    column: Option<usize>,
    reason: String,
}

#[derive(Serialize)]
struct Summary {
    count: usize,
    mean: Option<f64>,
    median: Option<f64>,
    stdev: Option<f64>,
    min: Option<f64>,
    max: Option<f64>,
    histogram: Vec<Bin>,
}

#[derive(Serialize)]
struct Bin {
    from: u32,
    to: u32,
    count: usize,
}

#[derive(Serialize)]
struct Item<'a> {
    id: &'a str,
    kind: &'static str,
    max: f64,
    facility: Option<f64>,
    discrimination: Option<f64>,
    negative_discrimination: bool,
    unanswered: usize,
    invalid: usize,
    options: &'a BTreeMap<String, usize>,
}

#[derive(Serialize)]
struct Reliability {
    cronbach_alpha: Option<f64>,
}

/// `x` rounded to 4 decimals (never `-0`).
fn r4(x: f64) -> f64 {
    let y = (x * 1e4).round() / 1e4;
    if y == 0.0 { 0.0 } else { y }
}

fn o4(x: Option<f64>) -> Option<f64> {
    x.map(r4)
}

/// The JSON report (pretty-printed, ending with a newline).
pub fn render(r: &Report) -> String {
    let book = r.book;
    let doc = Doc {
        quiz: QuizInfo {
            id: &r.quiz.id,
            title: r.quiz.title.get(r.lang),
            max: r4(book.max),
            questions: r.quiz.questions.iter().map(|q| q.id.as_str()).collect(),
        },
        students: book.students.iter().map(|s| student(r, s)).collect(),
        rejected: book.rejected.iter().map(rejected).collect(),
        not_counted: book
            .not_counted
            .iter()
            .map(|n| NotCounted {
                student: &n.student,
                name: &n.name,
                file: &n.origin.file,
                line: n.origin.line,
                reason: &n.reason,
            })
            .collect(),
        file_notes: &book.file_notes,
        summary: summary(r.analysis),
        items: r.analysis.items.iter().map(item).collect(),
        reliability: Reliability {
            cronbach_alpha: o4(r.analysis.cronbach_alpha),
        },
        graded: book.students.len(),
        rejected_count: book.rejected.len(),
        not_counted_count: book.not_counted.len(),
    };
    // Serializing plain structs of strings and finite numbers cannot fail.
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

fn student<'a>(r: &Report<'a>, s: &'a StudentResult) -> Student<'a> {
    Student {
        student: &s.student,
        name: &s.name,
        file: &s.origin.file,
        line: s.origin.line,
        score: r4(s.score),
        max: r4(r.book.max),
        percent: r4(s.percent),
        questions: r
            .quiz
            .questions
            .iter()
            .zip(&s.outcomes)
            .map(|(q, o)| (q.id.as_str(), r4(o.points)))
            .collect(),
        notes: s.notes.iter().map(|n| n.text(Lang::En)).collect(),
    }
}

fn rejected(x: &Rejection) -> Rejected {
    let d = &x.diagnostic;
    Rejected {
        file: x.origin.file.clone(),
        line: d.line,
        column: d.column,
        reason: match &d.key {
            Some(k) => format!("`{k}`: {}", d.message),
            None => d.message.clone(),
        },
    }
}

fn summary(a: &Analysis) -> Summary {
    Summary {
        count: a.summary.count,
        mean: o4(a.summary.mean),
        median: o4(a.summary.median),
        stdev: o4(a.summary.stdev),
        min: o4(a.summary.min),
        max: o4(a.summary.max),
        histogram: a
            .histogram
            .iter()
            .map(|b| Bin {
                from: b.from,
                to: b.to,
                count: b.count,
            })
            .collect(),
    }
}

fn item(i: &ItemStats) -> Item<'_> {
    Item {
        id: &i.id,
        kind: i.kind.name(),
        max: r4(i.max),
        facility: o4(i.facility),
        discrimination: o4(i.discrimination),
        negative_discrimination: i.negative_discrimination(),
        unanswered: i.unanswered,
        invalid: i.invalid,
        options: &i.options,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_to_four_decimals() {
        assert_eq!(r4(2.0 / 3.0), 0.6667);
        assert_eq!(r4(-0.00001), 0.0);
        assert!(r4(-0.00001).is_sign_positive());
    }
}
