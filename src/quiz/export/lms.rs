//! Grades for a learning management system, one row per graded student (rejected and not counted
//! submissions are left out: the LMS would have no grade to give them):
//!
//! - Canvas's gradebook import: `Student,ID,SIS User ID,SIS Login ID,Section,<quiz title>`. coinflip
//!   knows only the student id from the answers, written in `Student`; the other identifier columns
//!   and `Section` are empty. The grade is the score in points.
//! - Moodle's grade import (CSV): an identifier column, `Email address` when every student id is
//!   an email address, else `ID number`; the grade (score in points) under the quiz title; and
//!   `Feedback`, a one-line summary per student in `--lang`.
//!
//! Every text cell is made safe for a spreadsheet, as in the CSV gradebook.

use super::csv::write;
use super::{Report, pts};
use crate::quiz::escape::spreadsheet;
use crate::quiz::render::points_text;
use crate::quiz::text::{Label, Lang};

/// Canvas's gradebook import layout.
pub fn canvas(r: &Report) -> String {
    let title = spreadsheet(r.quiz.title.get(r.lang));
    let header: Vec<String> = [
        "Student",
        "ID",
        "SIS User ID",
        "SIS Login ID",
        "Section",
        &title,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let mut rows = vec![header];
    for s in &r.book.students {
        let mut row = vec![spreadsheet(&s.student)];
        row.extend(std::iter::repeat_n(String::new(), 4));
        row.push(pts(s.score));
        rows.push(row);
    }
    write(&rows)
}

/// The header of Moodle's identifier column for these students.
pub fn moodle_identifier(r: &Report) -> &'static str {
    let all_emails = !r.book.students.is_empty()
        && r.book
            .students
            .iter()
            .all(|s| s.student.contains('@') && !s.student.contains(' '));
    if all_emails {
        "Email address"
    } else {
        "ID number"
    }
}

/// Moodle's grade import layout, with a feedback column.
pub fn moodle(r: &Report) -> String {
    let header = vec![
        moodle_identifier(r).to_string(),
        spreadsheet(r.quiz.title.get(r.lang)),
        "Feedback".to_string(),
    ];
    let mut rows = vec![header];
    for s in &r.book.students {
        rows.push(vec![
            spreadsheet(&s.student),
            pts(s.score),
            spreadsheet(&summary(r, s)),
        ]);
    }
    write(&rows)
}

/// One line of feedback: the score, then each question's points and status.
fn summary(r: &Report, s: &crate::quiz::gradebook::StudentResult) -> String {
    let lang = r.lang;
    let items: Vec<String> = r
        .quiz
        .questions
        .iter()
        .zip(&s.outcomes)
        .map(|(q, o)| {
            format!(
                "{} {}/{} {}",
                q.id,
                points_text(o.points),
                points_text(q.points),
                Label::Status(o.status.name()).get(lang)
            )
        })
        .collect();
    let (sep, end) = match lang {
        Lang::En => ("; ", "."),
        Lang::Zh => (";", "。"),
    };
    format!(
        "{}: {} / {} ({}%). {}{end}",
        Label::Score.get(lang),
        points_text(s.score),
        points_text(r.book.max),
        super::fixed(s.percent, 2),
        items.join(sep)
    )
}
