//! The CSV gradebook, for a spreadsheet or an LMS: header `student,name,score,max,percent,` then
//! one column per question id (quiz order); one row per graded student (sorted by student id);
//! numbers with a `.` and 2 decimals; UTF-8 without BOM, LF line ends, fields quoted only when
//! needed. Rejections, notes and statistics are not in this file (they go to stderr; use the
//! text, Markdown or JSON format for them).

use super::{Report, pts};

/// The CSV gradebook.
pub fn render(r: &Report) -> String {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(vec![]);
    let mut header = vec!["student", "name", "score", "max", "percent"];
    header.extend(r.quiz.questions.iter().map(|q| q.id.as_str()));
    // Writing to a Vec cannot fail.
    let _ = w.write_record(&header);
    for s in &r.book.students {
        let mut row = vec![
            s.student.clone(),
            s.name.clone(),
            pts(s.score),
            pts(r.book.max),
            pts(s.percent),
        ];
        row.extend(s.outcomes.iter().map(|o| pts(o.points)));
        let _ = w.write_record(&row);
    }
    let bytes = w.into_inner().unwrap_or_default();
    String::from_utf8(bytes).unwrap_or_default()
}
