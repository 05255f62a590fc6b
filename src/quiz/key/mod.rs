//! The quiz key: reading a quiz file (TOML) and validating it into a [`Quiz`] the grader can trust.
//!
//! Reading happens in two steps. Serde reads the file's shape (unknown keys, wrong types and TOML
//! syntax stop it at the first problem, located by `error::from_toml`). Then [`validate`] checks
//! the meaning — unique ids, answers that name existing options, points > 0, every kind has what it
//! needs — and reports *every* problem it finds, each at its line and column, so `quiz check`
//! lists them all at once.
//!
//! The files follow those steps: [`raw`] is the file's shape (serde and the JSON Schema),
//! [`validate`] checks each question's fields and [`answer`] each `answer` against its kind, and
//! [`model`] is the validated [`Quiz`] the rest of `quiz` reads. This file reads a quiz through
//! both steps.

use std::path::Path;

use crate::error::{self, Diagnostic};

mod answer;
mod model;
pub(crate) mod raw;
mod validate;

pub use answer::WEIGHT_SUM_SLACK;
pub use model::{Choice, Key, Kind, Question, Quiz, Scoring};
pub(crate) use raw::RawQuiz;
pub use validate::{RESERVED_IDS, is_plain_id};

impl Quiz {
    /// Reads and validates the quiz at `path`; on failure, every problem found.
    pub fn load(path: &Path) -> Result<Quiz, Vec<Diagnostic>> {
        let bytes = crate::input::read_limited(path, &crate::input::QUIZ_LIMIT)
            .map_err(|e| vec![Diagnostic::file(path, format!("cannot read the quiz: {e}"))])?;
        let source = String::from_utf8(bytes).map_err(|e| {
            vec![Diagnostic::file(
                path,
                format!(
                    "the quiz is not UTF-8 text (invalid byte at offset {})",
                    e.utf8_error().valid_up_to()
                ),
            )]
        })?;
        Quiz::parse(path, &source)
    }

    /// Parses and validates quiz `source` (the text of `path`).
    pub fn parse(path: &Path, source: &str) -> Result<Quiz, Vec<Diagnostic>> {
        let source = source.strip_prefix('\u{feff}').unwrap_or(source);
        let raw: RawQuiz =
            toml::from_str(source).map_err(|e| vec![error::from_toml(path, source, &e)])?;
        validate::validate(path, source, raw)
    }
}

/// What the tests of every file here share: a quiz with one question of each kind, and readers.
#[cfg(test)]
mod fixtures {
    use std::path::Path;

    use super::Quiz;
    use crate::error::Diagnostic;

    pub(super) fn parse(src: &str) -> Result<Quiz, Vec<Diagnostic>> {
        Quiz::parse(Path::new("q.toml"), src)
    }

    pub(super) fn problems(src: &str) -> Vec<String> {
        parse(src)
            .expect_err("expected problems")
            .iter()
            .map(|d| d.headline())
            .collect()
    }

    pub(super) const GOOD: &str = r#"
id = "demo"
title = { en = "Demo", zh = "演示" }

[[questions]]
id = "q1"
kind = "single"
prompt = "Pick b"
options = [ { id = "a", text = "A" }, { id = "b", text = "B" } ]
answer = "b"

[[questions]]
id = "q2"
kind = "multiple"
points = 2
prompt = { en = "Pick a and c", zh = "选 a 和 c" }
options = [ { id = "a", text = "A" }, { id = "b", text = "B" }, { id = "c", text = "C" } ]
answer = ["c", "a"]
scoring = "partial"
explanation = "a and c"

[[questions]]
id = "q3"
kind = "true-false"
prompt = "True?"
answer = true

[[questions]]
id = "q4"
kind = "short"
prompt = "Word?"
answer = ["remix", "a remix"]

[[questions]]
id = "q5"
kind = "numeric"
prompt = "Number?"
answer = { value = 32, tolerance = 0.5 }
"#;
}

#[cfg(test)]
mod tests {
    use super::fixtures::{GOOD, parse};

    #[test]
    fn bom_and_crlf_are_accepted() {
        let src = format!("\u{feff}{}", GOOD.replace('\n', "\r\n"));
        assert_eq!(parse(&src).unwrap(), parse(GOOD).unwrap());
    }
}
