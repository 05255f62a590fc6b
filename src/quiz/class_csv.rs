//! A class in one CSV file: one student per row. Two layouts are read the same way:
//!
//! - coinflip's own: header `student,name,q1,q2,…`, several choices in a cell separated by `;`;
//! - a forms export (Google Forms, Microsoft Forms, an LMS): a header of question *texts* with
//!   `Timestamp`, `Email Address`/`Email`, `Name`/`Full name` columns, answers given as option
//!   texts, checkbox answers joined by `, `; comma- or semicolon-delimited (European Excel).
//!
//! The student column is `student`, `Student ID`, `Email Address`, `Email`, `Username` or `ID`
//! (the first of these the header has); a question column is named by the question's id or its
//! prompt in either language (compared as short answers are), or by a `--columns` map
//! ([`ColumnMap`]). Columns that match no question and questions with no column are reported as
//! notes on the file, never dropped silently. Cells stay untyped ([`Response::Cell`]); the grader
//! reads them by the question's kind.
//!
//! A header without a student column, with a column named twice or with an empty column name
//! rejects the whole file (no row can be read safely). A row with the wrong number of cells or an
//! empty student id rejects that row only. A row whose cells are all empty is not a submission
//! (spreadsheets export such rows) and is skipped, like a blank line. Reading is linear in the
//! size of the file (line numbers are counted once, as the rows go by).

use std::collections::{BTreeMap, HashMap};

use super::columns::ColumnMap;
use super::key::Quiz;
use super::normalize::short_answer;
use super::submission::{
    BAD_STUDENT_ID, FileRead, Origin, Rejection, Response, Submission, bad_student_id,
};
use super::text::Lang;
use crate::error::Diagnostic;

/// What reading a class CSV needs: the quiz (to match columns to questions) and the `--columns`
/// map, if any.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// The quiz.
    pub quiz: &'a Quiz,
    /// Which header is which.
    pub columns: Option<&'a ColumnMap>,
}

/// Headers taken as the student column, in order of preference (compared ignoring case).
pub const STUDENT_HEADERS: [&str; 7] = [
    "student",
    "student id",
    "email address",
    "email",
    "e-mail",
    "username",
    "id",
];
/// Headers taken as the name column.
pub const NAME_HEADERS: [&str; 3] = ["name", "full name", "student name"];
/// Headers taken as the timestamp column.
pub const TIME_HEADERS: [&str; 4] = [
    "timestamp",
    "completion time",
    "submitted",
    "submission time",
];

/// Which column holds what.
#[derive(Debug, Default)]
struct Layout {
    student: usize,
    name: Option<usize>,
    timestamp: Option<usize>,
    /// (column, question id), in column order.
    questions: Vec<(usize, String)>,
}

/// `;` when the header line holds more semicolons than commas outside quotes, else `,`.
fn delimiter(source: &str) -> u8 {
    let (mut commas, mut semis, mut quoted) = (0, 0, false);
    for c in source.chars() {
        match c {
            '\n' if !quoted => break,
            '"' => quoted = !quoted,
            ',' if !quoted => commas += 1,
            ';' if !quoted => semis += 1,
            _ => {}
        }
    }
    if semis > commas { b';' } else { b',' }
}

/// Reads the class CSV `source` (BOM already removed) of `file`.
pub fn parse(file: &str, source: &str, ctx: &Context) -> FileRead {
    let delim = delimiter(source);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delim)
        .flexible(true)
        .has_headers(true)
        .from_reader(source.as_bytes());
    let headers: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|c| c.trim().to_string()).collect(),
        Err(e) => {
            return vec![Err(Rejection::file(
                file,
                format!("cannot read the CSV header: {e}"),
            ))]
            .into();
        }
    };
    let (layout, notes) = match layout(&headers, ctx) {
        Ok(l) => l,
        Err((column, message)) => return header_error(file, source, delim, column, message),
    };
    let mut lines = LineCounter::new(source);
    let mut inputs = vec![];
    for record in reader.records() {
        let (record, byte) = match record {
            Ok(r) => {
                let byte = r.position().map(|p| p.byte());
                (r, byte)
            }
            Err(e) => {
                let line = e.position().map(|p| lines.line_at(p.byte()));
                let mut d = Diagnostic::file(file, format!("cannot read this CSV row: {e}"));
                d.line = line;
                let origin = Origin {
                    file: file.to_string(),
                    line,
                };
                inputs.push(Err(Rejection::from_diagnostic(origin, d)));
                continue;
            }
        };
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let line = byte.map(|b| lines.line_at(b));
        inputs.push(row(file, line, &record, headers.len(), &layout));
    }
    FileRead { inputs, notes }
}

/// One row as a submission, or its rejection.
fn row(
    file: &str,
    line: Option<usize>,
    record: &csv::StringRecord,
    width: usize,
    layout: &Layout,
) -> Result<Submission, Rejection> {
    let origin = Origin {
        file: file.to_string(),
        line,
    };
    let reject = |message: String, key: Option<String>| {
        let mut d = Diagnostic::file(file, message);
        d.line = line;
        d.key = key;
        d.snippet = None;
        Rejection::from_diagnostic(origin.clone(), d)
    };
    if record.len() != width {
        return Err(reject(
            format!(
                "this row has {} cells but the header has {width} columns",
                record.len()
            ),
            None,
        ));
    }
    let student = record[layout.student].trim();
    if student.is_empty() {
        let message = "is empty: every row names its student".into();
        return Err(reject(message, Some("student".into())));
    }
    if bad_student_id(student) {
        return Err(reject(BAD_STUDENT_ID.into(), Some("student".into())));
    }
    let cell = |c: Option<usize>| c.map(|c| record[c].trim()).unwrap_or("");
    let answers = layout
        .questions
        .iter()
        .filter(|(c, _)| !record[*c].trim().is_empty())
        .map(|(c, q)| (q.clone(), Response::Cell(record[*c].trim().to_string())))
        .collect();
    let timestamp = cell(layout.timestamp);
    Ok(Submission {
        origin,
        student: student.to_string(),
        name: cell(layout.name).to_string(),
        answers,
        timestamp: (!timestamp.is_empty()).then(|| timestamp.to_string()),
    })
}

/// A header problem: (column index, message).
type HeaderError = (usize, String);

/// Which column is what, and the notes on columns and questions that match nothing.
fn layout(headers: &[String], ctx: &Context) -> Result<(Layout, Vec<String>), HeaderError> {
    let seen = check_headers(headers)?;
    let map = ctx.columns;
    let find = |named: Option<&String>, defaults: &[&str]| -> Result<Option<usize>, HeaderError> {
        match named {
            Some(n) => seen
                .get(&n.to_lowercase())
                .copied()
                .map(Some)
                .ok_or_else(|| {
                    (
                        0,
                        format!("CSV header: no column `{n}` (named in the --columns file)"),
                    )
                }),
            None => Ok(defaults.iter().find_map(|d| seen.get(*d).copied())),
        }
    };
    let student = find(map.and_then(|m| m.student.as_ref()), &STUDENT_HEADERS)?.ok_or_else(|| {
        (
            0,
            format!(
                "CSV header: no student column: expected `student` (or `Student ID`, `Email Address`, `Email`, `Username`, `ID`, or a header named by --columns), found `{}`",
                headers.join(",")
            ),
        )
    })?;
    let name = find(map.and_then(|m| m.name.as_ref()), &NAME_HEADERS)?;
    let timestamp = find(map.and_then(|m| m.timestamp.as_ref()), &TIME_HEADERS)?;
    let roles = [Some(student), name, timestamp];
    let mut layout = Layout {
        student,
        name,
        timestamp,
        questions: vec![],
    };
    let mut notes = vec![];
    let matcher = Matcher::new(ctx);
    let mut taken: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, h) in headers.iter().enumerate() {
        if roles.contains(&Some(i)) {
            continue;
        }
        let Some(q) = matcher.question(h) else {
            notes.push(format!(
                "column `{h}` matches no question of the quiz (by id or text); it is not graded"
            ));
            continue;
        };
        if let Some(j) = taken.insert(q, i) {
            return Err((
                i,
                format!(
                    "CSV header: columns `{}` and `{h}` are both question `{q}`",
                    headers[j]
                ),
            ));
        }
        layout.questions.push((i, q.to_string()));
    }
    for q in &ctx.quiz.questions {
        if !taken.contains_key(q.id.as_str()) {
            notes.push(format!(
                "question `{}` has no column in this file: it is unanswered in every row",
                q.id
            ));
        }
    }
    Ok((layout, notes))
}

/// Every header named, and named once (ignoring case): header (lower case) → column.
fn check_headers(headers: &[String]) -> Result<HashMap<String, usize>, HeaderError> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (i, h) in headers.iter().enumerate() {
        if h.is_empty() {
            return Err((
                i,
                format!(
                    "CSV header: column {} has no name: expected `student`, `name` or a question id",
                    i + 1
                ),
            ));
        }
        if let Some(j) = seen.insert(h.to_lowercase(), i) {
            return Err((
                i,
                format!(
                    "CSV header: column `{h}` appears twice (columns {} and {})",
                    j + 1,
                    i + 1
                ),
            ));
        }
    }
    Ok(seen)
}

/// Finds the question a header names: the `--columns` map, an id (exactly, then in any case),
/// then a prompt in either language (compared as short answers are).
struct Matcher<'a> {
    mapped: HashMap<String, &'a str>,
    ids: HashMap<String, &'a str>,
    lower_ids: HashMap<String, &'a str>,
    prompts: HashMap<String, &'a str>,
}

impl<'a> Matcher<'a> {
    fn new(ctx: &Context<'a>) -> Self {
        let mut m = Matcher {
            mapped: HashMap::new(),
            ids: HashMap::new(),
            lower_ids: HashMap::new(),
            prompts: HashMap::new(),
        };
        for q in &ctx.quiz.questions {
            m.ids.insert(q.id.clone(), &q.id);
            m.lower_ids.entry(q.id.to_lowercase()).or_insert(&q.id);
            for lang in [Lang::En, Lang::Zh] {
                m.prompts
                    .entry(short_answer(q.prompt.get(lang)))
                    .or_insert(&q.id);
            }
        }
        if let Some(map) = ctx.columns {
            for (qid, header) in &map.questions {
                if let Some(q) = ctx.quiz.questions.iter().find(|q| q.id == *qid) {
                    m.mapped.insert(header.to_lowercase(), &q.id);
                }
            }
        }
        m
    }

    fn question(&self, header: &str) -> Option<&'a str> {
        self.mapped
            .get(&header.to_lowercase())
            .or_else(|| self.ids.get(header))
            .or_else(|| self.lower_ids.get(&header.to_lowercase()))
            .or_else(|| self.prompts.get(&short_answer(header)))
            .copied()
    }
}

fn header_error(file: &str, source: &str, delim: u8, column: usize, message: String) -> FileRead {
    let line_text = source.lines().next().unwrap_or("");
    // Column of the header cell: count the delimiters before it in the first line.
    let byte = line_text
        .match_indices(delim as char)
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
    .into()
}

/// Line numbers of record offsets, counted from the file's bytes because the csv crate's own line
/// count skips blank lines and miscounts CRLF. Offsets come in increasing order, so each byte is
/// looked at once: reading stays linear however many rows there are.
struct LineCounter<'a> {
    bytes: &'a [u8],
    /// Bytes before `at` were counted.
    at: usize,
    /// Line breaks in `bytes[..at]`.
    breaks: usize,
}

impl<'a> LineCounter<'a> {
    fn new(source: &'a str) -> Self {
        LineCounter {
            bytes: source.as_bytes(),
            at: 0,
            breaks: 0,
        }
    }

    /// The 1-based line where the record at byte offset `byte` starts. The offset may point at
    /// the line end before the record (the `\n` of a CRLF), which is skipped.
    fn line_at(&mut self, byte: u64) -> usize {
        let bytes = self.bytes;
        let mut at = (byte as usize).min(bytes.len());
        while at < bytes.len() && matches!(bytes[at], b'\r' | b'\n') {
            at += 1;
        }
        if at < self.at {
            // Never happens with the csv crate's increasing offsets; recount to stay right.
            self.at = 0;
            self.breaks = 0;
        }
        self.breaks += bytes[self.at..at].iter().filter(|b| **b == b'\n').count();
        self.at = at;
        self.breaks + 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn quiz() -> Quiz {
        Quiz::parse(
            Path::new("q.toml"),
            r#"id = "t"
title = "t"
[[questions]]
id = "q1"
kind = "single"
prompt = { en = "Which token comes next?", zh = "下一个 token 是哪个?" }
options = [ { id = "a", text = "the" }, { id = "b", text = "a" } ]
answer = "a"
[[questions]]
id = "q2"
kind = "multiple"
prompt = "Which steps, in order?"
options = [ { id = "a", text = "sample" }, { id = "b", text = "append" }, { id = "c", text = "retrain" } ]
answer = ["a", "b"]
"#,
        )
        .unwrap()
    }

    fn read(src: &str) -> FileRead {
        let q = quiz();
        parse(
            "c.csv",
            src,
            &Context {
                quiz: &q,
                columns: None,
            },
        )
    }

    fn reasons(got: &FileRead) -> Vec<String> {
        got.inputs
            .iter()
            .map(|r| match r {
                Ok(s) => format!("ok {} {}", s.origin, s.student),
                Err(r) => format!("rejected {}", r.diagnostic.headline()),
            })
            .collect()
    }

    #[test]
    fn reads_rows_with_lines_and_cells() {
        let src = "Student,Name,q1,q2\r\ns1,Ann,b,a;c\r\n\"s2\",\"Li, Wei\",,b\r\n";
        let got = read(src);
        assert_eq!(reasons(&got), ["ok c.csv:2 s1", "ok c.csv:3 s2"]);
        assert!(got.notes.is_empty(), "{:?}", got.notes);
        let s1 = got.inputs[0].as_ref().unwrap();
        assert_eq!(s1.name, "Ann");
        assert_eq!(
            s1.answers,
            vec![
                ("q1".to_string(), Response::Cell("b".into())),
                ("q2".to_string(), Response::Cell("a;c".into()))
            ]
        );
        let s2 = got.inputs[1].as_ref().unwrap();
        assert_eq!(s2.name, "Li, Wei");
        assert_eq!(
            s2.answers,
            vec![("q2".to_string(), Response::Cell("b".into()))]
        );
    }

    #[test]
    fn reads_a_forms_export_by_question_text() {
        let src = "\u{0054}imestamp,Email Address,Full name,Score,Which token comes next?,\"Which steps, in order?\"\n\
                   2024/09/12 10:15:03 AM GMT+2,ann@example.edu,Ann,1 / 2,the,\"sample, append\"\n";
        let got = read(src);
        assert_eq!(reasons(&got), ["ok c.csv:2 ann@example.edu"]);
        let s = got.inputs[0].as_ref().unwrap();
        assert_eq!(s.name, "Ann");
        assert_eq!(s.timestamp.as_deref(), Some("2024/09/12 10:15:03 AM GMT+2"));
        assert_eq!(
            s.answers,
            vec![
                ("q1".to_string(), Response::Cell("the".into())),
                ("q2".to_string(), Response::Cell("sample, append".into()))
            ]
        );
        assert_eq!(
            got.notes,
            ["column `Score` matches no question of the quiz (by id or text); it is not graded"]
        );
    }

    #[test]
    fn semicolons_and_chinese_prompts_and_missing_questions() {
        let src = "Student ID;下一个 token 是哪个?;Extra\ns1;the;x\n";
        let got = read(src);
        assert_eq!(reasons(&got), ["ok c.csv:2 s1"]);
        assert_eq!(
            got.notes,
            [
                "column `Extra` matches no question of the quiz (by id or text); it is not graded",
                "question `q2` has no column in this file: it is unanswered in every row",
            ]
        );
    }

    #[test]
    fn a_column_map_names_what_the_header_does_not() {
        let q = quiz();
        let map: ColumnMap = toml::from_str(
            "student = \"Matrikel\"\n[questions]\nq1 = \"Frage 1\"\nq2 = \"Frage 2\"\n",
        )
        .unwrap();
        let got = parse(
            "c.csv",
            "Matrikel,Frage 1,Frage 2\n123,a,a;b\n",
            &Context {
                quiz: &q,
                columns: Some(&map),
            },
        );
        assert_eq!(reasons(&got), ["ok c.csv:2 123"]);
        assert!(got.notes.is_empty());
        let got = parse(
            "c.csv",
            "Student,Frage 1\ns1,a\n",
            &Context {
                quiz: &q,
                columns: Some(&map),
            },
        );
        assert_eq!(
            reasons(&got),
            ["rejected c.csv:1:1: CSV header: no column `Matrikel` (named in the --columns file)"]
        );
    }

    #[test]
    fn bad_rows_are_rejected_one_by_one_and_empty_rows_skipped() {
        let src = "student,q1\ns1,a\n,b\ns3,a,extra\n,\ns4,c\n\"s\n5\",a\n";
        let got = read(src);
        assert_eq!(
            reasons(&got),
            [
                "ok c.csv:2 s1",
                "rejected c.csv:3: `student`: is empty: every row names its student",
                "rejected c.csv:4: this row has 3 cells but the header has 2 columns",
                "ok c.csv:6 s4",
                "rejected c.csv:7: `student`: contains a line break, tab or other control character: a student id is one line of text",
            ]
        );
    }

    #[test]
    fn bad_headers_reject_the_file() {
        let got = read("number,q1\ns1,a\n");
        assert_eq!(
            reasons(&got),
            [
                "rejected c.csv:1:1: CSV header: no student column: expected `student` (or `Student ID`, `Email Address`, `Email`, `Username`, `ID`, or a header named by --columns), found `number,q1`"
            ]
        );
        let got = read("student,q1,Q1\n");
        assert_eq!(
            reasons(&got),
            ["rejected c.csv:1:12: CSV header: column `Q1` appears twice (columns 2 and 3)"]
        );
        let got = read("student,,q1\n");
        assert_eq!(
            reasons(&got),
            [
                "rejected c.csv:1:9: CSV header: column 2 has no name: expected `student`, `name` or a question id"
            ]
        );
        let got = read("student,q1,Which token comes next?\n");
        assert_eq!(
            reasons(&got),
            [
                "rejected c.csv:1:12: CSV header: columns `q1` and `Which token comes next?` are both question `q1`"
            ]
        );
    }

    #[test]
    fn line_numbers_count_blank_lines_and_crlf() {
        // The csv crate's own line count would say 2 and 3 here.
        let src = "student,q1\r\n\r\ns1,a\r\n\r\n\r\n,b\r\n";
        let got = read(src);
        assert_eq!(
            reasons(&got),
            [
                "ok c.csv:3 s1",
                "rejected c.csv:6: `student`: is empty: every row names its student"
            ]
        );
    }

    #[test]
    fn line_numbers_stay_right_on_a_long_file() {
        let mut src = String::from("student,q1\n");
        for i in 0..20_000 {
            src.push_str(&format!("s{i},a\n"));
            if i % 1000 == 0 {
                src.push('\n');
            }
        }
        let got = read(&src);
        let last = got.inputs.last().unwrap().as_ref().unwrap();
        // 20,000 rows after the header, 20 blank lines among them.
        assert_eq!(last.origin.line, Some(1 + 20_000 + 20));
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
            let got = read(&src);
            let non_empty = rows.iter().filter(|r| r.iter().any(|c| !c.trim().is_empty())).count();
            proptest::prop_assert_eq!(got.inputs.len(), non_empty);
            // Row i (0-based) is on line i + 2.
            let mut lines = vec![];
            for (i, r) in rows.iter().enumerate() {
                if r.iter().any(|c| !c.trim().is_empty()) {
                    lines.push(Some(i + 2));
                }
            }
            let origins: Vec<_> = got
                .inputs
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
