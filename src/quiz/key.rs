//! The quiz key: reading a quiz file (TOML) and validating it into a [`Quiz`] the grader can trust.
//!
//! Reading happens in two steps. Serde reads the file's shape (unknown keys, wrong types and TOML
//! syntax stop it at the first problem, located by `error::from_toml`). Then [`validate`] checks
//! the meaning — unique ids, answers that name existing options, points > 0, every kind has what it
//! needs — and reports *every* problem it finds, each at its line and column, so `quiz check`
//! lists them all at once.

use std::collections::{BTreeSet, HashSet};
use std::ops::Range;
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use super::text::Text;
use crate::error::{self, Diagnostic};

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
        validate(path, source, raw)
    }
}

// ---- the file's shape -------------------------------------------------------------------------

/// Names a question id may not take: they are gradebook or CSV columns.
pub const RESERVED_IDS: [&str; 10] = [
    "student", "name", "file", "line", "score", "max", "percent", "notes", "status", "reason",
];

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
    id: Option<Spanned<String>>,
    /// The quiz's title: a string, or `{ en = "…", zh = "…" }`. Required.
    #[schemars(with = "Text", required)]
    title: Option<Spanned<Text>>,
    /// Defaults for every question (`[defaults]`). Default: none.
    #[schemars(with = "Option<Defaults>")]
    defaults: Option<Defaults>,
    /// The questions (`[[questions]]`), at least one.
    #[serde(default)]
    #[schemars(with = "Vec<RawQuestion>", required, length(min = 1))]
    questions: Vec<Spanned<RawQuestion>>,
}

/// Defaults for every question of the quiz (`[defaults]`).
#[derive(Deserialize, schemars::JsonSchema, Default, Clone, Copy)]
#[serde(deny_unknown_fields, expecting = "a `[defaults]` table (`exact`)")]
struct Defaults {
    /// Short questions compare answers as written (trimmed), without normalization, unless a
    /// question says `exact = false`. Default: false.
    #[serde(default)]
    #[schemars(extend("default" = false))]
    exact: bool,
}

/// One question (`[[questions]]`).
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a question table (`id`, `kind`, `prompt`, `answer`, …)"
)]
#[schemars(transform = answer_fits_kind)]
struct RawQuestion {
    /// Unique within the quiz: ASCII letters, digits, `_`, `-`, `.`, starting with a letter or
    /// digit; not a gradebook column name (`student`, `name`, `file`, `line`, `score`, `max`,
    /// `percent`, `notes`, `status`, `reason`). Required.
    #[schemars(
        with = "String",
        required,
        regex(pattern = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    )]
    id: Option<Spanned<String>>,
    /// The kind of question. Required.
    #[schemars(with = "Kind", required)]
    kind: Option<Spanned<Kind>>,
    /// Points for a fully right answer (> 0). Default: 1.
    #[schemars(with = "Option<f64>", extend("exclusiveMinimum" = 0, "default" = 1.0))]
    points: Option<Spanned<f64>>,
    /// The question's text. Required.
    #[schemars(with = "Text", required)]
    prompt: Option<Spanned<Text>>,
    /// `single` and `multiple` only (at least 2): the options. Default: none.
    #[schemars(with = "Option<Vec<RawChoice>>", length(min = 2))]
    options: Option<Spanned<Vec<Spanned<RawChoice>>>>,
    /// The right answer: an option id (`single`), a list of option ids (`multiple`), `true` or
    /// `false` (`true-false`), a list of accepted answers (`short`), or
    /// `{ value, tolerance }` (`numeric`). Required.
    #[schemars(schema_with = "answer_schema", required)]
    answer: Option<Spanned<toml::Value>>,
    /// `multiple`: "all-or-nothing", "partial" or "weighted"; `single`: only "weighted".
    /// Default: "all-or-nothing".
    #[schemars(with = "Option<Scoring>", extend("default" = "all-or-nothing"))]
    scoring: Option<Spanned<Scoring>>,
    /// Shown in feedback and in `render --key`. Default: none.
    #[schemars(with = "Option<Text>")]
    explanation: Option<Spanned<Text>>,
    /// `short` only: compare answers as written (trimmed), without normalization (case, width,
    /// spaces, trailing punctuation). Default: the quiz's `[defaults] exact`, else false.
    #[schemars(with = "Option<bool>")]
    exact: Option<Spanned<bool>>,
}

/// One option of a `single` or `multiple` question.
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "an option table such as `{ id = \"a\", text = \"…\" }`"
)]
struct RawChoice {
    /// What students answer with; the question id rule, unique within the question. Required.
    #[schemars(with = "String", regex(pattern = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"))]
    id: Spanned<String>,
    /// The option's text. Required.
    #[schemars(with = "Text")]
    text: Spanned<Text>,
    /// With `scoring = "weighted"` only: percent of the question's points (−100 … 100).
    /// Default: 0.
    #[schemars(with = "Option<f64>", range(min = -100, max = 100), extend("default" = 0))]
    weight: Option<Spanned<f64>>,
    /// Shown to a student who chose this option. Default: none.
    #[schemars(with = "Option<Text>")]
    feedback: Option<Spanned<Text>>,
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

// ---- meaning ----------------------------------------------------------------------------------

/// Collects problems, each located in the quiz source.
struct Problems<'a> {
    path: &'a Path,
    source: &'a str,
    list: Vec<Diagnostic>,
}

impl Problems<'_> {
    fn add(&mut self, span: Range<usize>, key: String, message: String) {
        self.list.push(Diagnostic::at(
            self.path,
            self.source,
            Some(span),
            Some(key),
            message,
        ));
    }
}

/// True for ids made of ASCII letters, digits, `_`, `-` and `.`, starting with a letter or digit:
/// safe as a CSV column, a Markdown cell and a file name.
pub fn is_plain_id(id: &str) -> bool {
    let mut chars = id.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

fn value_type(v: &toml::Value) -> &'static str {
    match v {
        toml::Value::String(_) => "a string",
        toml::Value::Integer(_) => "an integer",
        toml::Value::Float(_) => "a float",
        toml::Value::Boolean(_) => "a boolean",
        toml::Value::Datetime(_) => "a date-time",
        toml::Value::Array(_) => "an array",
        toml::Value::Table(_) => "a table",
    }
}

fn check_text(p: &mut Problems, text: &Spanned<Text>, key: &str) {
    for lang in text.get_ref().empty_in() {
        let what = if lang == "text" {
            "is empty".to_string()
        } else {
            format!("is empty in `{lang}`")
        };
        p.add(
            text.span(),
            key.to_string(),
            format!("{what}: write some text"),
        );
    }
}

fn validate(path: &Path, source: &str, raw: RawQuiz) -> Result<Quiz, Vec<Diagnostic>> {
    let mut p = Problems {
        path,
        source,
        list: vec![],
    };
    let whole = 0..source.len().min(1);
    let id = match &raw.id {
        Some(id) if id.get_ref().trim().is_empty() => {
            p.add(id.span(), "id".into(), "is empty: name the quiz".into());
            String::new()
        }
        Some(id) => id.get_ref().clone(),
        None => {
            p.add(
                whole.clone(),
                "id".into(),
                "is missing: add `id = \"…\"`".into(),
            );
            String::new()
        }
    };
    let title = match &raw.title {
        Some(t) => {
            check_text(&mut p, t, "title");
            t.get_ref().clone()
        }
        None => {
            p.add(
                whole.clone(),
                "title".into(),
                "is missing: add `title = \"…\"`".into(),
            );
            Text::from("")
        }
    };
    if raw.questions.is_empty() {
        p.add(
            whole,
            "questions".into(),
            "the quiz has no questions: add at least one `[[questions]]` table".into(),
        );
    }
    let mut seen: HashSet<String> = HashSet::new();
    let mut questions = vec![];
    let defaults = raw.defaults.unwrap_or_default();
    for (i, q) in raw.questions.iter().enumerate() {
        if let Some(q) = validate_question(&mut p, i, q, &mut seen, &defaults) {
            questions.push(q);
        }
    }
    // In file order, so a long list reads top to bottom (stable: same place keeps check order).
    p.list.sort_by_key(|d| (d.line, d.column));
    if p.list.is_empty() {
        Ok(Quiz {
            id,
            title,
            questions,
        })
    } else {
        Err(p.list)
    }
}

fn validate_question(
    p: &mut Problems,
    index: usize,
    raw: &Spanned<RawQuestion>,
    seen: &mut HashSet<String>,
    defaults: &Defaults,
) -> Option<Question> {
    let q = raw.get_ref();
    let start = raw.span();
    let errors_before = p.list.len();
    let id = question_id(p, index, &start, q.id.as_ref(), seen);
    let key = |k: &str| format!("questions[{id}].{k}");
    let points = question_points(p, q, &key("points"));
    let prompt = match &q.prompt {
        Some(t) => {
            check_text(p, t, &key("prompt"));
            t.get_ref().clone()
        }
        None => {
            let message = format!("question `{id}` has no `prompt`");
            p.add(start.clone(), key("prompt"), message);
            Text::from("")
        }
    };
    if let Some(e) = &q.explanation {
        check_text(p, e, &key("explanation"));
    }
    let Some(kind) = &q.kind else {
        p.add(
            start,
            key("kind"),
            format!(
                "question `{id}` has no `kind`: expected one of \"single\", \"multiple\", \"true-false\", \"short\", \"numeric\""
            ),
        );
        return None;
    };
    let kind_v = *kind.get_ref();
    let scoring = q.scoring.as_ref().map(|s| *s.get_ref()).unwrap_or_default();
    let weighted = matches!(kind_v, Kind::Single | Kind::Multiple) && scoring == Scoring::Weighted;
    let options = question_options(p, q, kind, weighted, &id);
    check_scoring(p, q, kind_v, &key("scoring"));
    let exact = question_exact(p, q, kind_v, defaults, &key("exact"));
    let Some(answer) = &q.answer else {
        let message = format!(
            "question `{id}` has no `answer`: {}",
            expected_answer(kind_v)
        );
        p.add(start, key("answer"), message);
        return None;
    };
    let ctx = AnswerCtx {
        kind: kind_v,
        key: key("answer"),
        span: answer.span(),
        options: &options,
        scoring,
        exact,
    };
    let answer_key = answer_key(p, &ctx, answer.get_ref());
    if weighted && p.list.len() == errors_before {
        check_weights(p, ctx.span.clone(), &ctx.key, &options, answer_key.as_ref());
    }
    if p.list.len() > errors_before {
        return None;
    }
    Some(Question {
        id,
        points,
        prompt,
        options,
        key: answer_key?,
        explanation: q.explanation.as_ref().map(|e| e.get_ref().clone()),
    })
}

/// `points`, checked (> 0); 1 when missing.
fn question_points(p: &mut Problems, q: &RawQuestion, key: &str) -> f64 {
    let Some(pts) = &q.points else {
        return 1.0;
    };
    let v = *pts.get_ref();
    if !(v.is_finite() && v > 0.0) {
        let message = format!("expected a number > 0, found {v}");
        p.add(pts.span(), key.to_string(), message);
    }
    v
}

/// `exact`, checked (short questions only); the quiz's default when missing.
fn question_exact(
    p: &mut Problems,
    q: &RawQuestion,
    kind: Kind,
    defaults: &Defaults,
    key: &str,
) -> bool {
    match &q.exact {
        Some(e) if kind != Kind::Short => {
            let message = format!(
                "`exact` applies to short questions only, not to a {} question",
                kind.name()
            );
            p.add(e.span(), key.to_string(), message);
            false
        }
        Some(e) => *e.get_ref(),
        None => defaults.exact,
    }
}

/// The question's id, checked: plain, not reserved, not used before (`#N` when missing).
fn question_id(
    p: &mut Problems,
    index: usize,
    start: &Range<usize>,
    id: Option<&Spanned<String>>,
    seen: &mut HashSet<String>,
) -> String {
    let n = index + 1;
    let Some(id) = id else {
        p.add(
            start.clone(),
            "questions.id".into(),
            format!("question {n} has no `id`"),
        );
        return format!("#{n}");
    };
    let s = id.get_ref();
    let problem = if !is_plain_id(s) {
        Some(format!(
            "expected an id of ASCII letters, digits, `_`, `-` or `.` (starting with a letter or digit), found {s:?}"
        ))
    } else if RESERVED_IDS.iter().any(|r| r.eq_ignore_ascii_case(s)) {
        Some(format!(
            "`{s}` is a gradebook column name; choose another question id"
        ))
    } else if !seen.insert(s.clone()) {
        Some(format!(
            "duplicate question id `{s}`: every question needs its own id"
        ))
    } else {
        None
    };
    if let Some(message) = problem {
        p.add(id.span(), "questions.id".into(), message);
    }
    s.clone()
}

/// The options of a choice question (checked), or a problem when another kind has some.
fn question_options(
    p: &mut Problems,
    q: &RawQuestion,
    kind: &Spanned<Kind>,
    weighted: bool,
    id: &str,
) -> Vec<Choice> {
    let key = |k: &str| format!("questions[{id}].{k}");
    let kind_v = *kind.get_ref();
    let is_choice = matches!(kind_v, Kind::Single | Kind::Multiple);
    let mut options = vec![];
    match (&q.options, is_choice) {
        (Some(opts), true) => {
            let mut ids = HashSet::new();
            for o in opts.get_ref() {
                options.push(choice(p, o.get_ref(), weighted, &mut ids, id));
            }
            if options.len() < 2 {
                let message = format!(
                    "a {} question needs at least 2 options, found {}",
                    kind_v.name(),
                    options.len()
                );
                p.add(opts.span(), key("options"), message);
            }
        }
        (None, true) => p.add(
            kind.span(),
            key("options"),
            format!(
                "a {} question needs `options = [ {{ id = \"a\", text = \"…\" }}, … ]`",
                kind_v.name()
            ),
        ),
        (Some(opts), false) => p.add(
            opts.span(),
            key("options"),
            format!(
                "a {} question takes no `options` (only single and multiple do)",
                kind_v.name()
            ),
        ),
        (None, false) => {}
    }
    options
}

/// One option, checked: a plain unique id, texts, a weight only with weighted scoring.
fn choice(
    p: &mut Problems,
    c: &RawChoice,
    weighted: bool,
    ids: &mut HashSet<String>,
    id: &str,
) -> Choice {
    let key = |k: &str| format!("questions[{id}].{k}");
    let oid = c.id.get_ref();
    if !is_plain_id(oid) {
        let message = format!(
            "expected an option id of ASCII letters, digits, `_`, `-` or `.`, found {oid:?}"
        );
        p.add(c.id.span(), key("options.id"), message);
    } else if !ids.insert(oid.clone()) {
        let message = format!("duplicate option id `{oid}` in question `{id}`");
        p.add(c.id.span(), key("options.id"), message);
    }
    check_text(p, &c.text, &key("options.text"));
    if let Some(f) = &c.feedback {
        check_text(p, f, &key("options.feedback"));
    }
    if let Some(w) = &c.weight {
        let v = *w.get_ref();
        if !weighted {
            p.add(
                w.span(),
                key("options.weight"),
                "an option `weight` needs `scoring = \"weighted\"` on the question".into(),
            );
        } else if !(v.is_finite() && (-100.0..=100.0).contains(&v)) {
            let message = format!("expected a percent between -100 and 100, found {v}");
            p.add(w.span(), key("options.weight"), message);
        }
    }
    Choice {
        id: oid.clone(),
        text: c.text.get_ref().clone(),
        weight: weighted.then(|| c.weight.as_ref().map_or(0.0, |w| *w.get_ref())),
        feedback: c.feedback.as_ref().map(|f| f.get_ref().clone()),
    }
}

/// `scoring` only on choice questions, and only `weighted` on `single`.
fn check_scoring(p: &mut Problems, q: &RawQuestion, kind: Kind, key: &str) {
    let Some(s) = &q.scoring else {
        return;
    };
    let problem = match kind {
        Kind::Multiple => None,
        Kind::Single if *s.get_ref() == Scoring::Weighted => None,
        Kind::Single => Some(format!(
            "a single question takes only `scoring = \"weighted\"`, found \"{}\"",
            s.get_ref().name()
        )),
        other => Some(format!(
            "`scoring` applies to single and multiple questions only, not to a {} question",
            other.name()
        )),
    };
    if let Some(message) = problem {
        p.add(s.span(), key.to_string(), message);
    }
}

/// What checking an `answer` needs to know about its question.
struct AnswerCtx<'a> {
    kind: Kind,
    key: String,
    span: Range<usize>,
    options: &'a [Choice],
    scoring: Scoring,
    exact: bool,
}

impl AnswerCtx<'_> {
    fn add(&self, p: &mut Problems, message: String) {
        p.add(self.span.clone(), self.key.clone(), message);
    }

    /// A problem when `oid` names no option (none when the options themselves are missing).
    fn check_option(&self, p: &mut Problems, oid: &str) {
        if self.options.is_empty() || self.options.iter().any(|o| o.id == oid) {
            return;
        }
        let mut listed: Vec<&str> = vec![];
        for o in self.options {
            if !listed.contains(&o.id.as_str()) {
                listed.push(&o.id);
            }
        }
        let list: Vec<String> = listed.iter().map(|id| format!("`{id}`")).collect();
        self.add(
            p,
            format!("`{oid}` is not one of the options ({})", list.join(", ")),
        );
    }
}

/// The question's key from its `answer`, with a problem for each way it does not fit.
fn answer_key(p: &mut Problems, ctx: &AnswerCtx, value: &toml::Value) -> Option<Key> {
    match (ctx.kind, value) {
        (Kind::Single, toml::Value::String(s)) => {
            ctx.check_option(p, s);
            Some(Key::Single(s.clone()))
        }
        (Kind::Multiple, toml::Value::Array(items)) => multiple_key(p, ctx, items),
        (Kind::TrueFalse, toml::Value::Boolean(b)) => Some(Key::TrueFalse(*b)),
        (Kind::Short, toml::Value::Array(items)) => short_key(p, ctx, items),
        (Kind::Numeric, toml::Value::Table(t)) => numeric_key(p, ctx.span.clone(), &ctx.key, t),
        _ => {
            let message = format!("{}, found {}", expected_answer(ctx.kind), value_type(value));
            ctx.add(p, message);
            None
        }
    }
}

fn multiple_key(p: &mut Problems, ctx: &AnswerCtx, items: &[toml::Value]) -> Option<Key> {
    let mut set = BTreeSet::new();
    let mut ok = true;
    for item in items {
        match item {
            toml::Value::String(s) => {
                ctx.check_option(p, s);
                if !set.insert(s.clone()) {
                    ctx.add(p, format!("option `{s}` is listed twice"));
                }
            }
            other => {
                ok = false;
                let message = format!(
                    "expected a list of option ids (strings), found {} in the list",
                    value_type(other)
                );
                ctx.add(p, message);
            }
        }
    }
    if ok && set.is_empty() {
        ctx.add(
            p,
            "the list of right options is empty: name at least one".into(),
        );
    }
    Some(Key::Multiple {
        answer: set,
        scoring: ctx.scoring,
    })
}

fn short_key(p: &mut Problems, ctx: &AnswerCtx, items: &[toml::Value]) -> Option<Key> {
    let mut accepted = vec![];
    for item in items {
        match item {
            toml::Value::String(s) if s.trim().is_empty() => {
                ctx.add(p, "an accepted answer is empty (or only spaces)".into())
            }
            toml::Value::String(s) => accepted.push(s.clone()),
            other => {
                let message = format!(
                    "expected a list of accepted answers (strings), found {} in the list",
                    value_type(other)
                );
                ctx.add(p, message);
            }
        }
    }
    if items.is_empty() {
        ctx.add(
            p,
            "the list of accepted answers is empty: give at least one".into(),
        );
    }
    Some(Key::Short {
        accepted,
        exact: ctx.exact,
    })
}

/// How far the positive weights of a weighted `multiple` question may be from 100 (GIFT writes
/// thirds as `33.33333`).
pub const WEIGHT_SUM_SLACK: f64 = 0.01;

/// A weighted question's `answer` must agree with its weights: a `single` answer is an option
/// worth 100; a `multiple` answer is exactly the options worth more than 0, whose weights add up
/// to 100.
fn check_weights(
    p: &mut Problems,
    span: Range<usize>,
    key: &str,
    options: &[Choice],
    answer: Option<&Key>,
) {
    let weight = |o: &Choice| o.weight.unwrap_or(0.0);
    match answer {
        Some(Key::Single(id)) => {
            if let Some(o) = options.iter().find(|o| &o.id == id)
                && weight(o) != 100.0
            {
                p.add(
                    span,
                    key.to_string(),
                    format!(
                        "with weighted scoring, the answer `{id}` must have `weight = 100`, found {}",
                        weight(o)
                    ),
                );
            }
        }
        Some(Key::Multiple { answer, .. }) => {
            let positive: Vec<&Choice> = options.iter().filter(|o| weight(o) > 0.0).collect();
            let sum: f64 = positive.iter().map(|o| weight(o)).sum();
            if (sum - 100.0).abs() > WEIGHT_SUM_SLACK {
                p.add(
                    span.clone(),
                    key.to_string(),
                    format!("the positive option weights must add up to 100, found {sum}"),
                );
            }
            let ids: BTreeSet<String> = positive.iter().map(|o| o.id.clone()).collect();
            if &ids != answer {
                let list = |set: &BTreeSet<String>| {
                    set.iter()
                        .map(|s| format!("`{s}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                p.add(
                    span,
                    key.to_string(),
                    format!(
                        "with weighted scoring, the answer must be the options with a positive weight ({}), found {}",
                        list(&ids),
                        list(answer)
                    ),
                );
            }
        }
        _ => {}
    }
}

fn numeric_key(p: &mut Problems, span: Range<usize>, key: &str, t: &toml::Table) -> Option<Key> {
    let mut problem = |message: String| p.add(span.clone(), key.to_string(), message);
    for k in t.keys() {
        if k != "value" && k != "tolerance" && k != "unit" {
            problem(format!(
                "unknown key `{k}` in a numeric answer, expected `value`, `tolerance` or `unit`"
            ));
        }
    }
    let percent = match t.get("unit") {
        None => Some(false),
        Some(toml::Value::String(u)) if u == "percent" => Some(true),
        Some(other) => {
            problem(format!("`unit`: expected \"percent\", found {other}"));
            None
        }
    };
    let value = match t.get("value") {
        None => {
            problem("a numeric answer needs `value`: `{ value = 3.0, tolerance = 0.1 }`".into());
            None
        }
        Some(v) => number_field(&mut problem, "value", v, |x| x.is_finite(), "finite"),
    };
    let tolerance = match t.get("tolerance") {
        None => Some(0.0),
        Some(v) => number_field(
            &mut problem,
            "tolerance",
            v,
            |x| x.is_finite() && x >= 0.0,
            "a finite number >= 0",
        ),
    };
    Some(Key::Numeric {
        value: value?,
        tolerance: tolerance?,
        percent: percent?,
    })
}

/// The number `v` of the numeric answer's `name`, or a problem: not a number, or not `ok` (`what`
/// says what it must be).
fn number_field(
    problem: &mut impl FnMut(String),
    name: &str,
    v: &toml::Value,
    ok: impl Fn(f64) -> bool,
    what: &str,
) -> Option<f64> {
    let x = match v {
        toml::Value::Integer(i) => *i as f64,
        toml::Value::Float(f) => *f,
        _ => {
            problem(format!(
                "`{name}`: expected a number, found {}",
                value_type(v)
            ));
            return None;
        }
    };
    if ok(x) {
        Some(x)
    } else {
        problem(format!("`{name}` must be {what}, found {x}"));
        None
    }
}

/// What the `answer` of a `kind` question must look like.
fn expected_answer(kind: Kind) -> &'static str {
    match kind {
        Kind::Single => "expected an option id such as `answer = \"b\"`",
        Kind::Multiple => "expected a list of option ids such as `answer = [\"a\", \"c\"]`",
        Kind::TrueFalse => "expected `answer = true` or `answer = false`",
        Kind::Short => "expected a list of accepted answers such as `answer = [\"remix\"]`",
        Kind::Numeric => "expected `answer = { value = 3.0, tolerance = 0.1 }`",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quiz::text::Lang;

    fn parse(src: &str) -> Result<Quiz, Vec<Diagnostic>> {
        Quiz::parse(Path::new("q.toml"), src)
    }

    fn problems(src: &str) -> Vec<String> {
        parse(src)
            .expect_err("expected problems")
            .iter()
            .map(|d| d.headline())
            .collect()
    }

    const GOOD: &str = r#"
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

    #[test]
    fn tolerance_defaults_to_zero_and_scoring_to_all_or_nothing() {
        let src = GOOD
            .replace(
                "answer = { value = 32, tolerance = 0.5 }",
                "answer = { value = 32 }",
            )
            .replace("scoring = \"partial\"\n", "");
        let quiz = parse(&src).unwrap();
        assert!(matches!(
            quiz.questions[4].key,
            Key::Numeric { tolerance: 0.0, .. }
        ));
        assert!(matches!(
            quiz.questions[1].key,
            Key::Multiple {
                scoring: Scoring::AllOrNothing,
                ..
            }
        ));
    }

    #[test]
    fn lists_every_problem_with_its_location() {
        let src = r#"id = "bad"
title = "Bad"

[[questions]]
id = "q1"
kind = "single"
points = 0
prompt = "x"
options = [ { id = "a", text = "A" }, { id = "a", text = "B" } ]
answer = "z"

[[questions]]
id = "q1"
kind = "true-false"
prompt = "y"
options = [ { id = "a", text = "A" } ]
answer = "yes"
scoring = "partial"
"#;
        let got = problems(src);
        assert_eq!(
            got,
            [
                "q.toml:7:10: `questions[q1].points`: expected a number > 0, found 0",
                "q.toml:9:46: `questions[q1].options.id`: duplicate option id `a` in question `q1`",
                "q.toml:10:10: `questions[q1].answer`: `z` is not one of the options (`a`)",
                "q.toml:13:6: `questions.id`: duplicate question id `q1`: every question needs its own id",
                "q.toml:16:11: `questions[q1].options`: a true-false question takes no `options` (only single and multiple do)",
                "q.toml:17:10: `questions[q1].answer`: expected `answer = true` or `answer = false`, found a string",
                "q.toml:18:11: `questions[q1].scoring`: `scoring` applies to single and multiple questions only, not to a true-false question",
            ]
        );
    }

    #[test]
    fn missing_parts_are_each_reported() {
        let src = "[[questions]]\nid = \"q1\"\nkind = \"short\"\n\n[[questions]]\nid = \"q2\"\nprompt = \"p\"\n";
        let got = problems(src);
        assert_eq!(
            got,
            [
                "q.toml:1:1: `id`: is missing: add `id = \"…\"`",
                "q.toml:1:1: `title`: is missing: add `title = \"…\"`",
                "q.toml:1:1: `questions[q1].prompt`: question `q1` has no `prompt`",
                "q.toml:1:1: `questions[q1].answer`: question `q1` has no `answer`: expected a list of accepted answers such as `answer = [\"remix\"]`",
                "q.toml:5:1: `questions[q2].kind`: question `q2` has no `kind`: expected one of \"single\", \"multiple\", \"true-false\", \"short\", \"numeric\"",
            ]
        );
    }

    #[test]
    fn answers_must_fit_their_kind() {
        let cases = [
            ("answer = [\"a\", 3]", "found an integer in the list"),
            ("answer = []", "the list of right options is empty"),
            ("answer = [\"a\", \"a\"]", "option `a` is listed twice"),
            ("answer = \"a\"", "expected a list of option ids"),
        ];
        for (answer, want) in cases {
            let src = GOOD.replace("answer = [\"c\", \"a\"]", answer);
            let got = problems(&src).join("\n");
            assert!(got.contains(want), "{answer}: {got}");
        }
        let bad_numeric = [
            ("answer = { value = 1, tol = 2 }", "unknown key `tol`"),
            ("answer = { tolerance = 2 }", "needs `value`"),
            (
                "answer = { value = 1, tolerance = -1 }",
                "must be a finite number >= 0",
            ),
            ("answer = { value = nan }", "`value` must be finite"),
            (
                "answer = 32",
                "expected `answer = { value = 3.0, tolerance = 0.1 }`, found an integer",
            ),
        ];
        for (answer, want) in bad_numeric {
            let src = GOOD.replace("answer = { value = 32, tolerance = 0.5 }", answer);
            let got = problems(&src).join("\n");
            assert!(got.contains(want), "{answer}: {got}");
        }
        let src = GOOD.replace("answer = [\"remix\", \"a remix\"]", "answer = [\" \"]");
        assert!(
            problems(&src)
                .join("\n")
                .contains("an accepted answer is empty")
        );
    }

    #[test]
    fn ids_must_be_plain_and_not_reserved() {
        let src = GOOD.replace("id = \"q3\"", "id = \"Score\"");
        assert!(problems(&src)[0].contains("`Score` is a gradebook column name"));
        let src = GOOD.replace("id = \"q3\"", "id = \"q 3\"");
        assert!(problems(&src)[0].contains("expected an id of ASCII letters"));
        let src = GOOD.replace(
            "{ id = \"b\", text = \"B\" } ]\nanswer = \"b\"",
            "{ id = \"b;c\", text = \"B\" } ]\nanswer = \"b;c\"",
        );
        assert!(problems(&src)[0].contains("expected an option id"));
    }

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

    #[test]
    fn weights_must_agree_with_scoring_and_answer() {
        let q2 = "answer = [\"c\", \"a\"]\nscoring = \"partial\"";
        let weighted = |opts: &str, answer: &str| {
            GOOD.replace(
                "options = [ { id = \"a\", text = \"A\" }, { id = \"b\", text = \"B\" }, { id = \"c\", text = \"C\" } ]",
                opts,
            )
            .replace(q2, &format!("{answer}\nscoring = \"weighted\""))
        };
        let ok = weighted(
            "options = [ { id = \"a\", text = \"A\", weight = 50, feedback = \"yes\" }, { id = \"b\", text = \"B\", weight = -100 }, { id = \"c\", text = \"C\", weight = 50 } ]",
            "answer = [\"a\", \"c\"]",
        );
        let quiz = parse(&ok).unwrap();
        let q = &quiz.questions[1];
        assert_eq!(
            q.options.iter().map(|o| o.weight).collect::<Vec<_>>(),
            [Some(50.0), Some(-100.0), Some(50.0)]
        );
        assert_eq!(q.options[0].feedback, Some(Text::from("yes")));
        // Without weighted scoring, options have no weight.
        assert_eq!(parse(GOOD).unwrap().questions[1].options[0].weight, None);

        let cases = [
            (
                weighted(
                    "options = [ { id = \"a\", text = \"A\", weight = 40 }, { id = \"b\", text = \"B\" }, { id = \"c\", text = \"C\", weight = 50 } ]",
                    "answer = [\"a\", \"c\"]",
                ),
                "the positive option weights must add up to 100, found 90",
            ),
            (
                weighted(
                    "options = [ { id = \"a\", text = \"A\", weight = 50 }, { id = \"b\", text = \"B\", weight = 50 }, { id = \"c\", text = \"C\" } ]",
                    "answer = [\"a\", \"c\"]",
                ),
                "the answer must be the options with a positive weight (`a`, `b`), found `a`, `c`",
            ),
            (
                weighted(
                    "options = [ { id = \"a\", text = \"A\", weight = 150 }, { id = \"b\", text = \"B\" }, { id = \"c\", text = \"C\" } ]",
                    "answer = [\"a\"]",
                ),
                "expected a percent between -100 and 100, found 150",
            ),
            (
                GOOD.replace(
                    "{ id = \"b\", text = \"B\" }, { id = \"c\", text = \"C\" } ]",
                    "{ id = \"b\", text = \"B\", weight = 10 }, { id = \"c\", text = \"C\" } ]",
                ),
                "an option `weight` needs `scoring = \"weighted\"`",
            ),
            (
                GOOD.replace("answer = \"b\"", "answer = \"b\"\nscoring = \"partial\""),
                "a single question takes only `scoring = \"weighted\"`, found \"partial\"",
            ),
            (
                GOOD.replace(
                    "{ id = \"b\", text = \"B\" } ]\nanswer = \"b\"",
                    "{ id = \"b\", text = \"B\", weight = 50 } ]\nanswer = \"b\"\nscoring = \"weighted\"",
                ),
                "the answer `b` must have `weight = 100`, found 50",
            ),
        ];
        for (src, want) in cases {
            let got = problems(&src).join("\n");
            assert!(got.contains(want), "want {want}\ngot {got}");
        }
    }

    #[test]
    fn empty_texts_are_problems() {
        let src = GOOD.replace("zh = \"选 a 和 c\"", "zh = \"\"");
        assert!(problems(&src)[0].contains("`questions[q2].prompt`: is empty in `zh`"));
    }

    #[test]
    fn bom_and_crlf_are_accepted() {
        let src = format!("\u{feff}{}", GOOD.replace('\n', "\r\n"));
        assert_eq!(parse(&src).unwrap(), parse(GOOD).unwrap());
    }
}
