//! The CSV gradebook, for a spreadsheet: header `student,name,score,max,percent,` then one column
//! per question id (quiz order), then `status,file,line,reason`. One row per input, so the row
//! count equals the number of inputs: graded students first (sorted by student id, status
//! `graded`), then duplicates not counted (`not counted`, with the reason), then rejected inputs
//! (`rejected`, with the reason; their points are empty). Numbers with a `.` and 2 decimals;
//! UTF-8 without BOM, LF line ends, fields quoted only when needed.
//!
//! Every text cell is made safe for a spreadsheet ([`crate::quiz::escape::spreadsheet`]: a cell
//! starting with `=`, `+`, `-`, `@`, tab or CR gets a leading `'`); the numbers coinflip computes
//! are never negative and stay numbers.

use super::{Report, pts};
use crate::quiz::escape::spreadsheet;

/// Writes rows to a CSV string (LF line ends).
pub fn write(rows: &[Vec<String>]) -> String {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(vec![]);
    for row in rows {
        // Writing to a Vec cannot fail.
        let _ = w.write_record(row);
    }
    let bytes = w.into_inner().unwrap_or_default();
    String::from_utf8(bytes).unwrap_or_default()
}

/// The CSV gradebook.
pub fn render(r: &Report) -> String {
    let questions = r.quiz.questions.len();
    let mut header: Vec<String> = ["student", "name", "score", "max", "percent"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    header.extend(r.quiz.questions.iter().map(|q| q.id.clone()));
    header.extend(["status", "file", "line", "reason"].map(String::from));
    let mut rows = vec![header];
    let line = |l: Option<usize>| l.map(|l| l.to_string()).unwrap_or_default();
    for s in &r.book.students {
        let mut row = vec![
            spreadsheet(&s.student),
            spreadsheet(&s.name),
            pts(s.score),
            pts(r.book.max),
            pts(s.percent),
        ];
        row.extend(s.outcomes.iter().map(|o| pts(o.points)));
        row.extend([
            "graded".into(),
            spreadsheet(&s.origin.file),
            line(s.origin.line),
            String::new(),
        ]);
        rows.push(row);
    }
    for n in &r.book.not_counted {
        let mut row = vec![spreadsheet(&n.student), spreadsheet(&n.name)];
        row.resize(5 + questions, String::new());
        row.extend([
            "not counted".into(),
            spreadsheet(&n.origin.file),
            line(n.origin.line),
            spreadsheet(&n.reason),
        ]);
        rows.push(row);
    }
    for x in &r.book.rejected {
        let mut row = vec![String::new(); 5 + questions];
        row.extend([
            "rejected".into(),
            spreadsheet(&x.origin.file),
            line(x.origin.line),
            spreadsheet(&x.reason()),
        ]);
        rows.push(row);
    }
    write(&rows)
}
