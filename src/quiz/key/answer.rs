//! A question's `answer` checked against its kind: an option id, a list of option ids, a truth
//! value, accepted answers or `{ value, tolerance, unit }`, and, with weighted scoring, agreement
//! with the option weights. Adding a kind means adding its shape here.

use std::collections::BTreeSet;
use std::ops::Range;

use super::model::{Choice, Key, Kind, Scoring};
use super::validate::Problems;

/// What checking an `answer` needs to know about its question.
pub(super) struct AnswerCtx<'a> {
    pub(super) kind: Kind,
    pub(super) key: String,
    pub(super) span: Range<usize>,
    pub(super) options: &'a [Choice],
    pub(super) scoring: Scoring,
    pub(super) exact: bool,
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
pub(super) fn answer_key(p: &mut Problems, ctx: &AnswerCtx, value: &toml::Value) -> Option<Key> {
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
pub(super) fn check_weights(
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
pub(super) fn expected_answer(kind: Kind) -> &'static str {
    match kind {
        Kind::Single => "expected an option id such as `answer = \"b\"`",
        Kind::Multiple => "expected a list of option ids such as `answer = [\"a\", \"c\"]`",
        Kind::TrueFalse => "expected `answer = true` or `answer = false`",
        Kind::Short => "expected a list of accepted answers such as `answer = [\"remix\"]`",
        Kind::Numeric => "expected `answer = { value = 3.0, tolerance = 0.1 }`",
    }
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

#[cfg(test)]
mod tests {
    use super::super::fixtures::{GOOD, parse, problems};
    use super::*;
    use crate::quiz::text::Text;

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
}
