//! Submissions: what one student answered, read from a TOML or JSON answer file (one student per
//! file), and the [`Rejection`] that stands in for a submission that cannot be graded.
//!
//! This module only reads; it does not know the quiz. Answers keep the type the file gave them
//! ([`Response`]) and the grader decides whether that type fits the question. A file that cannot be
//! read, is not UTF-8, does not parse, has an unknown top-level key, or has a missing or empty
//! `student` is rejected here, with its location.

use std::fmt;
use std::path::Path;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::error::{self, Diagnostic};
use crate::input::{ReadError, SizeLimit};

/// One student's answers, as read.
#[derive(Debug, Clone, PartialEq)]
pub struct Submission {
    /// Where it came from.
    pub origin: Origin,
    /// The student id (trimmed, never empty).
    pub student: String,
    /// The student's name (trimmed; empty when not given).
    pub name: String,
    /// Question id → response, in file order.
    pub answers: Vec<(String, Response)>,
    /// When it was submitted, as written (the timestamp column of a class CSV); `None` for
    /// one-student files.
    pub timestamp: Option<String>,
}

/// Where a submission came from: a file, and the line for a row of a class CSV.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Origin {
    /// The file as the user named it (or as found under a folder they named), with `/` separators.
    pub file: String,
    /// 1-based line of the CSV row; `None` for one-student files.
    pub line: Option<usize>,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}", self.file),
            None => write!(f, "{}", self.file),
        }
    }
}

/// An input that is not graded, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Rejection {
    /// The file (and CSV line) that was rejected.
    pub origin: Origin,
    /// The reason, located as precisely as possible (boxed: it only travels on the error path).
    pub diagnostic: Box<Diagnostic>,
}

impl Rejection {
    /// A rejection of a whole file for `message`.
    pub fn file(file: &str, message: impl Into<String>) -> Self {
        Rejection {
            origin: Origin {
                file: file.to_string(),
                line: None,
            },
            diagnostic: Box::new(Diagnostic::file(file, message)),
        }
    }

    /// A rejection carrying a diagnostic; the origin's line is the diagnostic's for CSV rows.
    pub fn from_diagnostic(origin: Origin, diagnostic: Diagnostic) -> Self {
        Rejection {
            origin,
            diagnostic: Box::new(diagnostic),
        }
    }

    /// The reason without the file name: `line L, column C: `key`: message`.
    pub fn reason(&self) -> String {
        let d = &self.diagnostic;
        let mut s = String::new();
        match (d.line, d.column) {
            (Some(l), Some(c)) => s.push_str(&format!("line {l}, column {c}: ")),
            (Some(l), None) => s.push_str(&format!("line {l}: ")),
            _ => {}
        }
        if let Some(k) = &d.key {
            s.push_str(&format!("`{k}`: "));
        }
        s.push_str(&d.message);
        s
    }
}

/// An answer as the file wrote it.
#[derive(Debug, Clone, PartialEq)]
pub enum Response {
    /// `null` (JSON).
    Null,
    /// A string.
    Text(String),
    /// A list of strings.
    List(Vec<String>),
    /// `true` or `false`.
    Bool(bool),
    /// A number (integer or float).
    Number(f64),
    /// An untyped CSV cell: its meaning depends on the question's kind.
    Cell(String),
    /// Anything else (a table, a date, a list holding non-strings): named for the note.
    Other(&'static str),
}

impl Response {
    /// How the type is named in notes ("a string", "a list", ...).
    pub fn type_name(&self) -> &'static str {
        match self {
            Response::Null => "null",
            Response::Text(_) | Response::Cell(_) => "a string",
            Response::List(_) => "a list",
            Response::Bool(_) => "a boolean",
            Response::Number(_) => "a number",
            Response::Other(what) => what,
        }
    }
}

impl<'de> Deserialize<'de> for Response {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Response;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an answer")
            }
            fn visit_bool<E>(self, v: bool) -> Result<Response, E> {
                Ok(Response::Bool(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Response, E> {
                Ok(Response::Number(v as f64))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Response, E> {
                Ok(Response::Number(v as f64))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Response, E> {
                Ok(Response::Number(v))
            }
            fn visit_str<E>(self, v: &str) -> Result<Response, E> {
                Ok(Response::Text(v.to_string()))
            }
            fn visit_unit<E>(self) -> Result<Response, E> {
                Ok(Response::Null)
            }
            fn visit_none<E>(self) -> Result<Response, E> {
                Ok(Response::Null)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Response, A::Error> {
                let mut items = vec![];
                let mut all_strings = true;
                while let Some(item) = seq.next_element::<Response>()? {
                    match item {
                        Response::Text(s) => items.push(s),
                        _ => all_strings = false,
                    }
                }
                Ok(if all_strings {
                    Response::List(items)
                } else {
                    Response::Other("a list that holds something other than strings")
                })
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Response, A::Error> {
                while map
                    .next_entry::<de::IgnoredAny, de::IgnoredAny>()?
                    .is_some()
                {}
                Ok(Response::Other("a table (or a date)"))
            }
        }
        d.deserialize_any(V)
    }
}

/// The `answers` table: question id → response, refusing a question answered twice (JSON allows
/// repeated keys; TOML already refuses them).
#[derive(Debug, Default)]
struct Answers(Vec<(String, Response)>);

impl<'de> Deserialize<'de> for Answers {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Answers;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a table mapping question ids to answers")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Answers, A::Error> {
                let mut out: Vec<(String, Response)> = vec![];
                // A set beside the list: one look-up per key, so a file of 100,000 answers is
                // read in linear time.
                let mut seen = std::collections::HashSet::new();
                while let Some(k) = map.next_key::<String>()? {
                    if !seen.insert(k.clone()) {
                        return Err(de::Error::custom(format!(
                            "question `{k}` is answered twice"
                        )));
                    }
                    let v = map.next_value::<Response>()?;
                    out.push((k, v));
                }
                Ok(Answers(out))
            }
        }
        d.deserialize_map(V)
    }
}

/// One student's answers to a quiz (TOML or JSON). See docs/quiz.md.
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "an answer file: `student`, `name` and an `answers` table"
)]
pub(crate) struct RawSubmission {
    /// The student id (surrounding spaces are trimmed; not empty). Required.
    #[schemars(required, regex(pattern = r"\S"))]
    student: Option<String>,
    /// The student's name. Default: "".
    #[schemars(extend("default" = ""))]
    name: Option<String>,
    /// Question id → answer. Default: {} (nothing answered).
    #[schemars(schema_with = "answers_table")]
    answers: Option<Answers>,
}

/// The `answers` table: any question id, each answer a string, number, boolean, list of strings,
/// or (JSON) `null`. Which type a question wants is in the quiz, not here.
fn answers_table(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({
        "description": "Question id → answer: an option id (single), a list of option ids (multiple), true or false (true-false), text (short), a number (numeric). A missing answer, \"\", [] and null mean not answered. Default: {}.",
        "type": "object",
        "additionalProperties": {
            "anyOf": [
                { "type": "string" },
                { "type": "number" },
                { "type": "boolean" },
                { "type": "array", "items": { "type": "string" } },
                { "type": "null" }
            ]
        }
    })
}

/// The file formats an answer file can have, from its extension (case-insensitive).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `.toml`: one student.
    Toml,
    /// `.json`: one student.
    Json,
    /// `.csv`: a class, one student per row.
    Csv,
}

impl Format {
    /// The format of `path`, or `None` for another extension.
    pub fn of(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "toml" => Some(Format::Toml),
            "json" => Some(Format::Json),
            "csv" => Some(Format::Csv),
            _ => None,
        }
    }
}

/// Answer files: 16 MiB each (`COINFLIP_MAX_ANSWER_BYTES`); a class CSV of thousands of students
/// is a few hundred KiB.
pub const ANSWER_LIMIT: SizeLimit = SizeLimit {
    what: "an answer file",
    var: "COINFLIP_MAX_ANSWER_BYTES",
    default: 16 << 20,
};

/// What reading one answer file gave: its submissions and rejections (every input is one or the
/// other), and notes about the whole file (a CSV column that matches no question, …).
#[derive(Debug, Default)]
pub struct FileRead {
    /// One per student (TOML, JSON) or per CSV row.
    pub inputs: Vec<Result<Submission, Rejection>>,
    /// Notes about the file.
    pub notes: Vec<String>,
}

impl From<Vec<Result<Submission, Rejection>>> for FileRead {
    fn from(inputs: Vec<Result<Submission, Rejection>>) -> Self {
        FileRead {
            inputs,
            notes: vec![],
        }
    }
}

/// True for a student id that cannot be one line of a gradebook: a line break, a tab or another
/// control character. Such ids are rejected rather than escaped, so that every output shows the
/// id the instructor typed.
pub fn bad_student_id(id: &str) -> bool {
    id.chars().any(char::is_control)
}

/// The rejection message for [`bad_student_id`].
pub const BAD_STUDENT_ID: &str =
    "contains a line break, tab or other control character: a student id is one line of text";

/// Reads the answer file at `path` (shown as `file`): one submission for TOML and JSON, one per
/// row for CSV (its columns matched to `csv`'s quiz); every input either becomes a submission or
/// a rejection. A file above [`ANSWER_LIMIT`] is rejected without being read.
pub fn read_file(path: &Path, file: &str, csv: &super::class_csv::Context) -> FileRead {
    let Some(format) = Format::of(path) else {
        return vec![Err(Rejection::file(
            file,
            "not an answer file: expected a .toml or .json file (one student) or a .csv file (a class)",
        ))]
        .into();
    };
    let bytes = match ANSWER_LIMIT.read(path) {
        Ok(b) => b,
        Err(ReadError::Io(e)) => {
            return vec![Err(Rejection::file(
                file,
                format!("cannot read the file: {e}"),
            ))]
            .into();
        }
        Err(ReadError::Limit(why)) => return vec![Err(Rejection::file(file, why))].into(),
    };
    let source = match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let prefix = String::from_utf8_lossy(&e.as_bytes()[..at]).into_owned();
            let d = Diagnostic::at(
                file,
                &prefix,
                Some(at..at),
                None,
                if crate::input::starts_utf16(e.as_bytes()) {
                    "the file is not UTF-8 text (it starts with a UTF-16 byte-order mark: it is \
                     UTF-16): save it as UTF-8"
                } else {
                    "the file is not UTF-8 text: save it as UTF-8"
                },
            );
            return vec![Err(Rejection::from_diagnostic(
                Origin {
                    file: file.to_string(),
                    line: None,
                },
                d,
            ))]
            .into();
        }
    };
    let source = source.strip_prefix('\u{feff}').unwrap_or(&source);
    if source.trim().is_empty() {
        return vec![Err(Rejection::file(file, "the file is empty"))].into();
    }
    match format {
        Format::Toml | Format::Json => vec![parse_one(file, source, format)].into(),
        Format::Csv => super::class_csv::parse(file, source, csv),
    }
}

/// Parses one student's TOML or JSON answer file.
pub fn parse_one(file: &str, source: &str, format: Format) -> Result<Submission, Rejection> {
    let origin = Origin {
        file: file.to_string(),
        line: None,
    };
    let reject = |d: Diagnostic| Rejection::from_diagnostic(origin.clone(), d);
    // serde would read a JSON array as the fields in order; an answer file is an object.
    if format == Format::Json
        && let Ok(value) = serde_json::from_str::<serde_json::Value>(source)
        && !value.is_object()
    {
        return Err(reject(Diagnostic::file(
            file,
            "expected a JSON object such as `{\"student\": \"s001\", \"answers\": {…}}`",
        )));
    }
    let raw: RawSubmission = match format {
        Format::Json => {
            serde_json::from_str(source).map_err(|e| reject(json_error(file, source, &e)))?
        }
        _ => toml::from_str(source)
            .map_err(|e| reject(error::from_toml(Path::new(file), source, &e)))?,
    };
    let student = raw.student.as_deref().map(str::trim).unwrap_or("");
    if student.is_empty() || bad_student_id(student) {
        let message = if raw.student.is_none() {
            "is missing: every answer file names its student (`student = \"s001\"`)"
        } else if student.is_empty() {
            "is empty: write the student's id"
        } else {
            BAD_STUDENT_ID
        };
        let span = find_key(source, "student");
        return Err(reject(Diagnostic::at(
            file,
            source,
            span,
            Some("student".into()),
            message,
        )));
    }
    Ok(Submission {
        origin,
        student: student.to_string(),
        name: raw.name.as_deref().unwrap_or("").trim().to_string(),
        answers: raw.answers.unwrap_or_default().0,
        timestamp: None,
    })
}

/// Locates serde_json's (line, byte column) as a diagnostic (columns counted in characters).
fn json_error(file: &str, source: &str, e: &serde_json::Error) -> Diagnostic {
    let message = e.to_string();
    // serde_json appends " at line L column C"; the diagnostic shows the location itself.
    let message = match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message,
    };
    if e.line() == 0 {
        return Diagnostic::file(file, message);
    }
    let line_start: usize = source
        .split_inclusive('\n')
        .take(e.line() - 1)
        .map(str::len)
        .sum();
    let byte = line_start + e.column().saturating_sub(1);
    let key = message
        .strip_prefix("unknown field `")
        .and_then(|r| r.split('`').next())
        .map(str::to_string);
    let mut message = message;
    if let Some(hint) = did_you_mean_field(&message) {
        message.push_str(&hint);
    }
    Diagnostic::at(file, source, Some(byte..byte), key, message)
}

/// "did you mean" for an unknown top-level key of an answer file.
fn did_you_mean_field(message: &str) -> Option<String> {
    let unknown = message.strip_prefix("unknown field `")?.split('`').next()?;
    ["student", "name", "answers"]
        .iter()
        .map(|k| (strsim::damerau_levenshtein(unknown, k), *k))
        .filter(|(d, _)| *d <= 2)
        .min()
        .map(|(_, k)| format!(" (did you mean `{k}`?)"))
}

/// The span of the first `key = …` (TOML) or `"key":` (JSON) at the start of a line.
fn find_key(source: &str, key: &str) -> Option<std::ops::Range<usize>> {
    let mut offset = 0;
    for line in source.split_inclusive('\n') {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        for form in [key.to_string(), format!("\"{key}\"")] {
            if let Some(rest) = trimmed.strip_prefix(&form)
                && matches!(rest.trim_start().chars().next(), Some('=' | ':'))
            {
                let start = offset + indent;
                return Some(start..start + form.len());
            }
        }
        offset += line.len();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toml_one(src: &str) -> Result<Submission, Rejection> {
        parse_one("s.toml", src, Format::Toml)
    }

    fn json_one(src: &str) -> Result<Submission, Rejection> {
        parse_one("s.json", src, Format::Json)
    }

    #[test]
    fn reads_toml_with_every_answer_type() {
        let s = toml_one(
            "student = \" s001 \"\nname = \"王小明\"\n[answers]\nq1 = \"b\"\nq2 = [\"a\", \"c\"]\nq3 = true\nq4 = \"remix\"\nq5 = 2\nq6 = 2.5\nq7 = [1]\nq8 = { x = 1 }\n",
        )
        .unwrap();
        assert_eq!(s.student, "s001");
        assert_eq!(s.name, "王小明");
        assert_eq!(
            s.answers,
            vec![
                ("q1".into(), Response::Text("b".into())),
                ("q2".into(), Response::List(vec!["a".into(), "c".into()])),
                ("q3".into(), Response::Bool(true)),
                ("q4".into(), Response::Text("remix".into())),
                ("q5".into(), Response::Number(2.0)),
                ("q6".into(), Response::Number(2.5)),
                (
                    "q7".into(),
                    Response::Other("a list that holds something other than strings")
                ),
                ("q8".into(), Response::Other("a table (or a date)")),
            ]
        );
    }

    #[test]
    fn reads_json_and_null() {
        let s =
            json_one(r#"{"student": "s002", "answers": {"q1": null, "q2": ["b"], "q3": false}}"#)
                .unwrap();
        assert_eq!(s.name, "");
        assert_eq!(s.answers[0].1, Response::Null);
        assert_eq!(s.answers[2].1, Response::Bool(false));
    }

    #[test]
    fn missing_answers_table_means_nothing_answered() {
        let s = toml_one("student = \"s003\"\n").unwrap();
        assert!(s.answers.is_empty());
    }

    #[test]
    fn rejects_missing_or_empty_student_at_its_line() {
        let r = toml_one("name = \"x\"\n[answers]\nq1 = \"a\"\n").unwrap_err();
        assert_eq!(
            r.diagnostic.headline(),
            "s.toml: `student`: is missing: every answer file names its student (`student = \"s001\"`)"
        );
        let r = toml_one("name = \"x\"\nstudent = \"  \"\n").unwrap_err();
        assert_eq!(
            r.diagnostic.headline(),
            "s.toml:2:1: `student`: is empty: write the student's id"
        );
        assert_eq!(
            r.reason(),
            "line 2, column 1: `student`: is empty: write the student's id"
        );
        let r = json_one("{\n  \"student\": \"\"\n}").unwrap_err();
        assert_eq!(
            r.diagnostic.headline(),
            "s.json:2:3: `student`: is empty: write the student's id"
        );
    }

    #[test]
    fn rejects_a_student_id_of_several_lines() {
        let r = toml_one("student = \"s1\\nEVIL,0,0\"\n").unwrap_err();
        assert_eq!(
            r.reason(),
            "line 1, column 1: `student`: contains a line break, tab or other control character: a student id is one line of text"
        );
    }

    #[test]
    fn rejects_unknown_top_level_keys_with_a_hint() {
        let r = toml_one("studnet = \"s1\"\n").unwrap_err();
        let h = r.diagnostic.headline();
        assert!(
            h.starts_with("s.toml:1:1: `studnet`: unknown field `studnet`"),
            "{h}"
        );
        assert!(h.ends_with("(did you mean `student`?)"), "{h}");
        let r = json_one("{\"student\": \"s1\", \"anwsers\": {}}").unwrap_err();
        let h = r.diagnostic.headline();
        assert!(h.starts_with("s.json:1:"), "{h}");
        assert!(h.ends_with("(did you mean `answers`?)"), "{h}");
    }

    #[test]
    fn json_columns_count_characters() {
        // The error is at the `x` after the Chinese name: byte column 28, character column 22.
        let src = "{\"student\": \"s1\", \"name\": \"王小明\" x}";
        let r = json_one(src).unwrap_err();
        assert_eq!(r.diagnostic.line, Some(1));
        assert_eq!(
            r.diagnostic.column,
            Some(src.chars().position(|c| c == 'x').unwrap() + 1)
        );
    }

    #[test]
    fn a_json_array_is_not_an_answer_file() {
        for src in ["[\"s1\"]", "\"s1\"", "3"] {
            let r = json_one(src).unwrap_err();
            assert_eq!(
                r.diagnostic.message,
                "expected a JSON object such as `{\"student\": \"s001\", \"answers\": {…}}`"
            );
        }
        let r = toml_one("answers = 3\nstudent = \"s1\"\n").unwrap_err();
        assert!(!r.diagnostic.message.contains("Raw"), "{r:?}");
    }

    #[test]
    fn rejects_a_question_answered_twice_in_json() {
        let r = json_one("{\"student\": \"s1\", \"answers\": {\"q1\": \"a\", \"q1\": \"b\"}}")
            .unwrap_err();
        assert!(
            r.diagnostic
                .message
                .contains("question `q1` is answered twice"),
            "{r:?}"
        );
    }

    #[test]
    fn rejects_wrong_types_at_top_level() {
        let r = toml_one("student = 7\n").unwrap_err();
        assert!(
            r.diagnostic
                .headline()
                .starts_with("s.toml:1:11: `student`: invalid type: integer")
        );
        let r = toml_one("student = \"s1\"\nanswers = 3\n").unwrap_err();
        assert!(
            r.diagnostic
                .message
                .contains("a table mapping question ids to answers")
        );
    }

    #[test]
    fn reads_files_by_extension_and_rejects_others() {
        let q = crate::quiz::key::Quiz::parse(
            Path::new("q.toml"),
            "id = \"t\"\ntitle = \"t\"\n[[questions]]\nid = \"q1\"\nkind = \"true-false\"\nprompt = \"p\"\nanswer = true\n",
        )
        .unwrap();
        let ctx = |q| super::super::class_csv::Context {
            quiz: q,
            columns: None,
        };
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, bytes: &[u8]| {
            let p = dir.path().join(name);
            std::fs::write(&p, bytes).unwrap();
            p
        };
        let p = write(
            "a.TOML",
            b"\xef\xbb\xbfstudent = \"s1\"\r\n[answers]\r\nq1 = \"a\"\r\n",
        );
        let got = read_file(&p, "a.TOML", &ctx(&q)).inputs;
        assert_eq!(got[0].as_ref().unwrap().student, "s1");

        let p = write("notes.txt", b"student = \"s1\"");
        assert!(
            read_file(&p, "notes.txt", &ctx(&q)).inputs[0]
                .as_ref()
                .unwrap_err()
                .diagnostic
                .message
                .starts_with("not an answer file")
        );

        let p = write("empty.json", b"  \n");
        assert_eq!(
            read_file(&p, "empty.json", &ctx(&q)).inputs[0]
                .as_ref()
                .unwrap_err()
                .reason(),
            "the file is empty"
        );

        let p = write("latin1.toml", b"student = \"s1\"\nname = \"Ren\xe9\"\n");
        let r = read_file(&p, "latin1.toml", &ctx(&q)).inputs;
        assert_eq!(
            r[0].as_ref().unwrap_err().diagnostic.headline(),
            "latin1.toml:2:12: the file is not UTF-8 text: save it as UTF-8"
        );

        let missing = dir.path().join("gone.toml");
        assert!(
            read_file(&missing, "gone.toml", &ctx(&q)).inputs[0]
                .as_ref()
                .unwrap_err()
                .reason()
                .starts_with("cannot read the file")
        );
    }
}
