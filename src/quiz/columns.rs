//! The `--columns MAP.toml` file: which header of a class CSV is the student, the name, the
//! timestamp, and which header is which question, for exports whose headers coinflip does not
//! recognise by itself (another language, shortened question texts):
//!
//! ```toml
//! student = "Matrikelnummer"
//! name = "Vollständiger Name"
//! timestamp = "Zeitstempel"
//!
//! [questions]
//! q1 = "Wie wird das nächste Token gewählt?"
//! ```
//!
//! Every key is optional; headers are compared ignoring case and surrounding spaces. A question id
//! the quiz does not have is an error, found before any answer is read.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use super::key::Quiz;
use crate::error::{self, Diagnostic};

/// Header names for the roles and the questions of a class CSV.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "a column map: `student`, `name`, `timestamp` and a `[questions]` table"
)]
pub struct ColumnMap {
    /// The student id column.
    pub student: Option<String>,
    /// The name column.
    pub name: Option<String>,
    /// The timestamp column (for `--duplicates latest|first`).
    pub timestamp: Option<String>,
    /// Question id → header.
    #[serde(default)]
    pub questions: BTreeMap<String, String>,
}

impl ColumnMap {
    /// Reads the map at `path` and checks its question ids against `quiz`; every problem found.
    pub fn load(path: &Path, quiz: &Quiz) -> Result<ColumnMap, Vec<Diagnostic>> {
        let source = crate::input::read_limited(path, &crate::input::QUIZ_LIMIT)
            .and_then(|b| String::from_utf8(b).map_err(std::io::Error::other))
            .map_err(|e| {
                vec![Diagnostic::file(
                    path,
                    format!("cannot read the column map: {e}"),
                )]
            })?;
        let source = source.strip_prefix('\u{feff}').unwrap_or(&source);
        let map: ColumnMap =
            toml::from_str(source).map_err(|e| vec![error::from_toml(path, source, &e)])?;
        let problems: Vec<Diagnostic> = map
            .questions
            .keys()
            .filter(|id| !quiz.questions.iter().any(|q| q.id == **id))
            .map(|id| {
                Diagnostic::file(
                    path,
                    format!("[questions]: the quiz has no question `{id}`"),
                )
                .with_key(format!("questions.{id}"))
            })
            .collect();
        if problems.is_empty() {
            Ok(map.trimmed())
        } else {
            Err(problems)
        }
    }

    fn trimmed(self) -> ColumnMap {
        let t = |s: Option<String>| s.map(|s| s.trim().to_string());
        ColumnMap {
            student: t(self.student),
            name: t(self.name),
            timestamp: t(self.timestamp),
            questions: self
                .questions
                .into_iter()
                .map(|(k, v)| (k, v.trim().to_string()))
                .collect(),
        }
    }
}
