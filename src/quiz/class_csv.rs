//! A class in one CSV file: header `student,name,q1,q2,…` (the `name` column is optional, the
//! `student` and `name` headers match case-insensitively), one student per row, several choices
//! in a cell separated by `;`. Cells stay untyped ([`Response::Cell`]); the grader reads them by
//! the question's kind.
//!
//! A header without a `student` column, with a column named twice or with an empty column name
//! rejects the whole file (no row can be read safely). A row with the wrong number of cells or an
//! empty student id rejects that row only. A row whose cells are all empty is not a submission
//! (spreadsheets export such rows) and is skipped, like a blank line.

use super::submission::{Origin, Rejection, Response, Submission};
use crate::error::Diagnostic;

/// Reads the class CSV `source` (BOM already removed) of `file`.
pub fn parse(file: &str, source: &str) -> Vec<Result<Submission, Rejection>> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(true)
        .from_reader(source.as_bytes());
    let headers: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|c| c.trim().to_string()).collect(),
        Err(e) => {
            return vec![Err(Rejection::file(
                file,
                format!("cannot read the CSV header: {e}"),
            ))];
        }
    };
    let header_error = |column: usize, message: String| {
        let line_text = source.lines().next().unwrap_or("");
        // Column of the header cell: count the cells before it in the first line (quotes rare here).
        let byte = line_text
            .match_indices(',')
            .nth(column.wrapping_sub(1))
            .map(|(i, _)| i + 1)
            .filter(|_| column > 0)
            .unwrap_or(0);
        vec![Err(Rejection::from_diagnostic(
            Origin {
                file: file.to_string(),
                line: None,
            },
            Diagnostic::at(file, source, Some(byte..byte), None, message),
        ))]
    };
    let mut student_col = None;
    let mut name_col = None;
    for (i, h) in headers.iter().enumerate() {
        if h.is_empty() {
            return header_error(
                i,
                format!(
                    "CSV header: column {} has no name: expected `student`, `name` or a question id",
                    i + 1
                ),
            );
        }
        if let Some(j) = headers[..i].iter().position(|o| o.eq_ignore_ascii_case(h)) {
            return header_error(
                i,
                format!(
                    "CSV header: column `{h}` appears twice (columns {} and {})",
                    j + 1,
                    i + 1
                ),
            );
        }
        if h.eq_ignore_ascii_case("student") {
            student_col = Some(i);
        } else if h.eq_ignore_ascii_case("name") {
            name_col = Some(i);
        }
    }
    let Some(student_col) = student_col else {
        return header_error(
            0,
            format!(
                "CSV header: no `student` column: expected `student,name,q1,q2,…`, found `{}`",
                headers.join(",")
            ),
        );
    };

    let mut out = vec![];
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map(|p| line_of(source, p.byte()));
                let origin = Origin {
                    file: file.to_string(),
                    line,
                };
                let mut d = Diagnostic::file(file, format!("cannot read this CSV row: {e}"));
                d.line = line;
                out.push(Err(Rejection::from_diagnostic(origin, d)));
                continue;
            }
        };
        let line = record.position().map(|p| line_of(source, p.byte()));
        let origin = Origin {
            file: file.to_string(),
            line,
        };
        let at_line = |message: String, key: Option<String>| {
            let mut d = Diagnostic::file(file, message);
            d.line = line;
            d.key = key;
            d.snippet = None;
            Rejection::from_diagnostic(origin.clone(), d)
        };
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        if record.len() != headers.len() {
            out.push(Err(at_line(
                format!(
                    "this row has {} cells but the header has {} columns",
                    record.len(),
                    headers.len()
                ),
                None,
            )));
            continue;
        }
        let student = record[student_col].trim();
        if student.is_empty() {
            out.push(Err(at_line(
                "is empty: every row names its student".into(),
                Some("student".into()),
            )));
            continue;
        }
        let name = name_col.map(|c| record[c].trim()).unwrap_or("");
        let answers = headers
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != student_col && Some(*i) != name_col)
            .filter(|(i, _)| !record[*i].trim().is_empty())
            .map(|(i, h)| (h.clone(), Response::Cell(record[i].trim().to_string())))
            .collect();
        out.push(Ok(Submission {
            origin,
            student: student.to_string(),
            name: name.to_string(),
            answers,
        }));
    }
    out
}

/// The 1-based line where the record at byte offset `byte` starts. Computed from the bytes
/// because the csv crate's own line count skips blank lines and miscounts CRLF; its offset may
/// point at the line end before the record (the `\n` of a CRLF), which is skipped.
fn line_of(source: &str, byte: u64) -> usize {
    let bytes = source.as_bytes();
    let mut at = (byte as usize).min(bytes.len());
    while at < bytes.len() && matches!(bytes[at], b'\r' | b'\n') {
        at += 1;
    }
    bytes[..at].iter().filter(|b| **b == b'\n').count() + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reasons(got: &[Result<Submission, Rejection>]) -> Vec<String> {
        got.iter()
            .map(|r| match r {
                Ok(s) => format!("ok {} {}", s.origin, s.student),
                Err(r) => format!("rejected {}", r.diagnostic.headline()),
            })
            .collect()
    }

    #[test]
    fn reads_rows_with_lines_and_cells() {
        let src = "Student,Name,q1,q2\r\ns1,Ann,b,a;c\r\n\"s2\",\"Li, Wei\",,b\r\n";
        let got = parse("c.csv", src);
        assert_eq!(reasons(&got), ["ok c.csv:2 s1", "ok c.csv:3 s2"]);
        let s1 = got[0].as_ref().unwrap();
        assert_eq!(s1.name, "Ann");
        assert_eq!(
            s1.answers,
            vec![
                ("q1".to_string(), Response::Cell("b".into())),
                ("q2".to_string(), Response::Cell("a;c".into()))
            ]
        );
        let s2 = got[1].as_ref().unwrap();
        assert_eq!(s2.name, "Li, Wei");
        assert_eq!(
            s2.answers,
            vec![("q2".to_string(), Response::Cell("b".into()))]
        );
    }

    #[test]
    fn bad_rows_are_rejected_one_by_one_and_empty_rows_skipped() {
        let src = "student,q1\ns1,a\n,b\ns3,a,extra\n,\ns4,c\n";
        let got = parse("c.csv", src);
        assert_eq!(
            reasons(&got),
            [
                "ok c.csv:2 s1",
                "rejected c.csv:3: `student`: is empty: every row names its student",
                "rejected c.csv:4: this row has 3 cells but the header has 2 columns",
                "ok c.csv:6 s4",
            ]
        );
    }

    #[test]
    fn bad_headers_reject_the_file() {
        let got = parse("c.csv", "id,q1\ns1,a\n");
        assert_eq!(
            reasons(&got),
            [
                "rejected c.csv:1:1: CSV header: no `student` column: expected `student,name,q1,q2,…`, found `id,q1`"
            ]
        );
        let got = parse("c.csv", "student,q1,Q1\n");
        assert_eq!(
            reasons(&got),
            ["rejected c.csv:1:12: CSV header: column `Q1` appears twice (columns 2 and 3)"]
        );
        let got = parse("c.csv", "student,,q1\n");
        assert_eq!(
            reasons(&got),
            [
                "rejected c.csv:1:9: CSV header: column 2 has no name: expected `student`, `name` or a question id"
            ]
        );
    }

    #[test]
    fn line_numbers_count_blank_lines_and_crlf() {
        // The csv crate's own line count would say 2 and 3 here.
        let src = "student,q1\r\n\r\ns1,a\r\n\r\n\r\n,b\r\n";
        let got = parse("c.csv", src);
        assert_eq!(
            reasons(&got),
            [
                "ok c.csv:3 s1",
                "rejected c.csv:6: `student`: is empty: every row names its student"
            ]
        );
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config {
            failure_persistence: None,
            ..proptest::test_runner::Config::default()
        })]

        /// Nothing is lost: every row with a non-empty cell becomes a submission or a rejection.
        #[test]
        fn every_non_empty_row_is_accounted_for(
            rows in proptest::collection::vec(proptest::collection::vec("[a-c ;]{0,3}", 0..6), 0..12),
            crlf in proptest::bool::ANY,
        ) {
            let end = if crlf { "\r\n" } else { "\n" };
            let mut src = format!("student,name,q1,q2{end}");
            for r in &rows {
                src.push_str(&r.join(","));
                src.push_str(end);
            }
            let got = parse("c.csv", &src);
            let non_empty = rows.iter().filter(|r| r.iter().any(|c| !c.trim().is_empty())).count();
            proptest::prop_assert_eq!(got.len(), non_empty);
            // Row i (0-based) is on line i + 2.
            let mut lines = vec![];
            for (i, r) in rows.iter().enumerate() {
                if r.iter().any(|c| !c.trim().is_empty()) {
                    lines.push(Some(i + 2));
                }
            }
            let origins: Vec<_> = got
                .iter()
                .map(|r| match r {
                    Ok(s) => s.origin.line,
                    Err(e) => e.origin.line,
                })
                .collect();
            proptest::prop_assert_eq!(origins, lines);
        }
    }
}
