//! The quiz file's shape, as serde reads it: unknown keys, wrong types and TOML syntax are
//! refused here, at the first problem. Values keep their spans for [`super::validate`]. The doc
//! comments and `schemars` attributes are the JSON Schema of `coinflip schema quiz`.

use serde::Deserialize;
use toml::Spanned;

use super::model::{Kind, Scoring};
use crate::quiz::text::Text;

/// A quiz file: an id, a title and the questions, in the order students see them. See
/// docs/quiz.md.
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a quiz: `id`, `title` and `[[questions]]`"
)]
pub(crate) struct RawQuiz {
    /// The quiz's id, shown in reports. Required.
    #[schemars(with = "String", required, length(min = 1))]
    pub(super) id: Option<Spanned<String>>,
    /// The quiz's title: a string, or `{ en = "…", zh = "…" }`. Required.
    #[schemars(with = "Text", required)]
    pub(super) title: Option<Spanned<Text>>,
    /// Defaults for every question (`[defaults]`). Default: none.
    #[schemars(with = "Option<Defaults>")]
    pub(super) defaults: Option<Defaults>,
    /// The questions (`[[questions]]`), at least one.
    #[serde(default)]
    #[schemars(with = "Vec<RawQuestion>", required, length(min = 1))]
    pub(super) questions: Vec<Spanned<RawQuestion>>,
}

/// Defaults for every question of the quiz (`[defaults]`).
#[derive(Deserialize, schemars::JsonSchema, Default, Clone, Copy)]
#[serde(deny_unknown_fields, expecting = "a `[defaults]` table (`exact`)")]
pub(super) struct Defaults {
    /// Short questions compare answers as written (trimmed), without normalization, unless a
    /// question says `exact = false`. Default: false.
    #[serde(default)]
    #[schemars(extend("default" = false))]
    pub(super) exact: bool,
}

/// One question (`[[questions]]`).
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a question table (`id`, `kind`, `prompt`, `answer`, …)"
)]
#[schemars(transform = answer_fits_kind)]
pub(super) struct RawQuestion {
    /// Unique within the quiz: ASCII letters, digits, `_`, `-`, `.`, starting with a letter or
    /// digit; not a gradebook column name (`student`, `name`, `file`, `line`, `score`, `max`,
    /// `percent`, `notes`, `status`, `reason`). Required.
    #[schemars(
        with = "String",
        required,
        regex(pattern = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    )]
    pub(super) id: Option<Spanned<String>>,
    /// The kind of question. Required.
    #[schemars(with = "Kind", required)]
    pub(super) kind: Option<Spanned<Kind>>,
    /// Points for a fully right answer (> 0). Default: 1.
    #[schemars(with = "Option<f64>", extend("exclusiveMinimum" = 0, "default" = 1.0))]
    pub(super) points: Option<Spanned<f64>>,
    /// The question's text. Required.
    #[schemars(with = "Text", required)]
    pub(super) prompt: Option<Spanned<Text>>,
    /// `single` and `multiple` only (at least 2): the options. Default: none.
    #[schemars(with = "Option<Vec<RawChoice>>", length(min = 2))]
    pub(super) options: Option<Spanned<Vec<Spanned<RawChoice>>>>,
    /// The right answer: an option id (`single`), a list of option ids (`multiple`), `true` or
    /// `false` (`true-false`), a list of accepted answers (`short`), or
    /// `{ value, tolerance }` (`numeric`). Required.
    #[schemars(schema_with = "answer_schema", required)]
    pub(super) answer: Option<Spanned<toml::Value>>,
    /// `multiple`: "all-or-nothing", "partial" or "weighted"; `single`: only "weighted".
    /// Default: "all-or-nothing".
    #[schemars(with = "Option<Scoring>", extend("default" = "all-or-nothing"))]
    pub(super) scoring: Option<Spanned<Scoring>>,
    /// Shown in feedback and in `render --key`. Default: none.
    #[schemars(with = "Option<Text>")]
    pub(super) explanation: Option<Spanned<Text>>,
    /// `short` only: compare answers as written (trimmed), without normalization (case, width,
    /// spaces, trailing punctuation). Default: the quiz's `[defaults] exact`, else false.
    #[schemars(with = "Option<bool>")]
    pub(super) exact: Option<Spanned<bool>>,
}

/// One option of a `single` or `multiple` question.
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "an option table such as `{ id = \"a\", text = \"…\" }`"
)]
pub(super) struct RawChoice {
    /// What students answer with; the question id rule, unique within the question. Required.
    #[schemars(with = "String", regex(pattern = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"))]
    pub(super) id: Spanned<String>,
    /// The option's text. Required.
    #[schemars(with = "Text")]
    pub(super) text: Spanned<Text>,
    /// With `scoring = "weighted"` only: percent of the question's points (−100 … 100).
    /// Default: 0.
    #[schemars(with = "Option<f64>", range(min = -100, max = 100), extend("default" = 0))]
    pub(super) weight: Option<Spanned<f64>>,
    /// Shown to a student who chose this option. Default: none.
    #[schemars(with = "Option<Text>")]
    pub(super) feedback: Option<Spanned<Text>>,
}

/// The shapes an `answer` can take.
fn answer_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({
        "description": "The right answer: an option id (single), a list of option ids (multiple), true or false (true-false), a list of accepted answers (short), or { value, tolerance } (numeric).",
        "anyOf": [
            { "type": "string", "minLength": 1 },
            { "type": "boolean" },
            { "type": "array", "items": { "type": "string" }, "minItems": 1 },
            {
                "type": "object",
                "properties": {
                    "value": { "type": "number", "description": "The right value. Required." },
                    "tolerance": { "type": "number", "minimum": 0, "default": 0, "description": "The largest accepted distance from `value` (≥ 0). Default: 0." },
                    "unit": { "enum": ["percent"], "description": "`percent`: the answer is a percentage; a trailing `%` is accepted. Default: none." }
                },
                "required": ["value"],
                "additionalProperties": false
            }
        ]
    })
}

/// Ties `answer`, `options` and `scoring` to `kind`, as [`validate`] does.
fn answer_fits_kind(schema: &mut schemars::Schema) {
    let when = |kind: &str, then: serde_json::Value| {
        serde_json::json!({
            "if": { "properties": { "kind": { "const": kind } }, "required": ["kind"] },
            "then": then
        })
    };
    let rules = serde_json::json!([
        when(
            "single",
            serde_json::json!({
                "required": ["options"],
                "properties": { "answer": { "type": "string" }, "scoring": { "const": "weighted" } }
            })
        ),
        when(
            "multiple",
            serde_json::json!({
                "required": ["options"],
                "properties": { "answer": { "type": "array" } }
            })
        ),
        when(
            "true-false",
            serde_json::json!({
                "not": { "anyOf": [{ "required": ["options"] }, { "required": ["scoring"] }] },
                "properties": { "answer": { "type": "boolean" } }
            })
        ),
        when(
            "short",
            serde_json::json!({
                "not": { "anyOf": [{ "required": ["options"] }, { "required": ["scoring"] }] },
                "properties": { "answer": { "type": "array" } }
            })
        ),
        when(
            "numeric",
            serde_json::json!({
                "not": { "anyOf": [{ "required": ["options"] }, { "required": ["scoring"] }] },
                "properties": { "answer": { "type": "object" } }
            })
        ),
    ]);
    schema.insert("allOf".into(), rules);
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{GOOD, problems};

    #[test]
    fn shape_errors_are_located_with_a_hint() {
        let src = GOOD.replace("prompt = \"Pick b\"", "promt = \"Pick b\"");
        let got = problems(&src);
        assert_eq!(got.len(), 1);
        assert!(
            got[0].starts_with("q.toml:8:1: `questions.promt`: unknown field `promt`"),
            "{}",
            got[0]
        );
        assert!(got[0].ends_with("(did you mean `prompt`?)"), "{}", got[0]);

        let src = GOOD.replace("kind = \"short\"", "kind = \"text\"");
        let got = problems(&src);
        assert!(got[0].contains("unknown variant `text`"), "{}", got[0]);

        let src = GOOD.replace("prompt = \"True?\"", "prompt = 3");
        let got = problems(&src);
        assert!(got[0].starts_with("q.toml:"), "{}", got[0]);
        assert!(
            got[0].contains("expected text: a string, or a table with the keys `en` and `zh`"),
            "{}",
            got[0]
        );
    }

    #[test]
    fn options_must_be_tables() {
        let src = GOOD.replace(
            "options = [ { id = \"a\", text = \"A\" }, { id = \"b\", text = \"B\" } ]",
            "options = [\"a\", \"b\"]",
        );
        let got = problems(&src);
        assert!(
            got[0].contains("expected an option table such as `{ id = \"a\", text = \"…\" }`"),
            "{}",
            got[0]
        );
        assert!(!got[0].contains("Raw"), "{}", got[0]);
    }
}
