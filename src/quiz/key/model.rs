//! The validated quiz: what the grader, the exporters and `render` read. Every value here has
//! passed [`super::validate`]; nothing in it needs checking again.

use std::collections::BTreeSet;

use serde::Deserialize;

use crate::quiz::text::Text;

/// A validated quiz.
#[derive(Debug, Clone, PartialEq)]
pub struct Quiz {
    /// The quiz's id (`ch06-inference`).
    pub id: String,
    /// Its title.
    pub title: Text,
    /// The questions, in file order.
    pub questions: Vec<Question>,
}

/// One validated question.
#[derive(Debug, Clone, PartialEq)]
pub struct Question {
    /// Unique id, also the gradebook column header and the CSV answer column.
    pub id: String,
    /// Points for a fully right answer (> 0).
    pub points: f64,
    /// What the student reads.
    pub prompt: Text,
    /// Options of a `single` or `multiple` question, in file order; empty for other kinds.
    pub options: Vec<Choice>,
    /// The right answer and how it is scored.
    pub key: Key,
    /// Shown in feedback and in the rendered key.
    pub explanation: Option<Text>,
}

/// One option of a choice question.
#[derive(Debug, Clone, PartialEq)]
pub struct Choice {
    /// The id students answer with (`"a"`).
    pub id: String,
    /// The option's text.
    pub text: Text,
    /// With `scoring = "weighted"`: the percent of the question's points this option is worth
    /// (−100 … 100; an option without a `weight` is worth 0). `None` for other scoring rules.
    pub weight: Option<f64>,
    /// Shown to a student who chose this option (feedback files, `render --key`).
    pub feedback: Option<Text>,
}

/// The kinds of question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// One option is right.
    Single,
    /// A set of options is right.
    Multiple,
    /// `true` or `false`.
    TrueFalse,
    /// Free text matched against accepted answers.
    Short,
    /// A number within a tolerance.
    Numeric,
}

impl Kind {
    /// The name used in quiz files and reports.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Single => "single",
            Kind::Multiple => "multiple",
            Kind::TrueFalse => "true-false",
            Kind::Short => "short",
            Kind::Numeric => "numeric",
        }
    }
}

/// How a `multiple` question is scored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Scoring {
    /// Full points only for exactly the right set of options.
    #[default]
    AllOrNothing,
    /// `points × max(0, (right − wrong) / keyed)`.
    Partial,
    /// Each option carries a `weight` in percent (Moodle's GIFT weights): a `single` question
    /// earns the chosen option's weight, a `multiple` one the sum of the chosen options' weights
    /// over the sum of the positive weights; either is clamped to `0 … points`.
    Weighted,
}

impl Scoring {
    /// The name used in quiz files.
    pub fn name(self) -> &'static str {
        match self {
            Scoring::AllOrNothing => "all-or-nothing",
            Scoring::Partial => "partial",
            Scoring::Weighted => "weighted",
        }
    }
}

/// The right answer of a question.
#[derive(Debug, Clone, PartialEq)]
pub enum Key {
    /// The id of the right option.
    Single(String),
    /// The ids of the right options, and the scoring rule.
    Multiple {
        answer: BTreeSet<String>,
        scoring: Scoring,
    },
    /// The right truth value.
    TrueFalse(bool),
    /// Accepted answers as written in the quiz, compared after `normalize::short_answer` unless
    /// `exact` (then as written, trimmed).
    Short { accepted: Vec<String>, exact: bool },
    /// The right value and the largest accepted distance from it; `percent` when the answer is in
    /// percent (`unit = "percent"`: a trailing `%` is accepted).
    Numeric {
        value: f64,
        tolerance: f64,
        percent: bool,
    },
}

impl Question {
    /// The question's kind.
    pub fn kind(&self) -> Kind {
        match self.key {
            Key::Single(_) => Kind::Single,
            Key::Multiple { .. } => Kind::Multiple,
            Key::TrueFalse(_) => Kind::TrueFalse,
            Key::Short { .. } => Kind::Short,
            Key::Numeric { .. } => Kind::Numeric,
        }
    }

    /// The option with id `id`.
    pub fn option(&self, id: &str) -> Option<&Choice> {
        self.options.iter().find(|o| o.id == id)
    }
}

impl Quiz {
    /// The most points a student can get.
    pub fn max_points(&self) -> f64 {
        self.questions.iter().map(|q| q.points).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{GOOD, parse};
    use super::*;
    use crate::quiz::text::Lang;

    #[test]
    fn reads_every_kind_with_defaults() {
        let quiz = parse(GOOD).unwrap();
        assert_eq!(quiz.id, "demo");
        assert_eq!(quiz.title.get(Lang::Zh), "演示");
        let kinds: Vec<_> = quiz.questions.iter().map(|q| q.kind()).collect();
        assert_eq!(
            kinds,
            [
                Kind::Single,
                Kind::Multiple,
                Kind::TrueFalse,
                Kind::Short,
                Kind::Numeric
            ]
        );
        assert_eq!(quiz.questions[0].points, 1.0, "points default to 1");
        assert_eq!(quiz.max_points(), 6.0);
        assert_eq!(
            quiz.questions[1].key,
            Key::Multiple {
                answer: ["a".to_string(), "c".to_string()].into(),
                scoring: Scoring::Partial
            }
        );
        assert_eq!(
            quiz.questions[4].key,
            Key::Numeric {
                value: 32.0,
                tolerance: 0.5,
                percent: false
            }
        );
        assert_eq!(quiz.questions[0].explanation, None);
    }
}
