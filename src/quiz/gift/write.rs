//! Writing a quiz as GIFT ([`export`]): a `$CATEGORY` with the quiz's title, then each question
//! with its answers in Moodle's syntax; what GIFT cannot say (points, all-or-nothing scoring) is a
//! note.

use std::fmt::Write as _;

use super::escape::escape;
use super::{Exported, Note};
use crate::quiz::key::{Key, Quiz, Scoring};
use crate::quiz::render::weight_text;
use crate::quiz::text::Lang;

/// An answer's text for GIFT, protected from being read as a weight when it starts with `%`.
fn answer_text(text: &str, weight: Option<&str>) -> String {
    let t = escape(text);
    match weight {
        Some(w) => format!("%{w}%{t}"),
        None if t.starts_with('%') => format!("%0%{t}"),
        None => t,
    }
}

/// Writes `quiz` as GIFT, with texts in `lang`.
pub fn export(quiz: &Quiz, lang: Lang) -> Exported {
    let mut notes = vec![];
    let title = quiz
        .title
        .get(lang)
        .replace(['\n', '\r'], " ")
        .replace('/', "//");
    let mut out = format!(
        "// Exported by `coinflip quiz export-gift` from the quiz `{}`.\n\n$CATEGORY: {}\n",
        quiz.id,
        title.trim()
    );
    for q in &quiz.questions {
        let mut note = |message: String| {
            notes.push(Note {
                line: None,
                question: Some(q.id.clone()),
                message,
                skipped: false,
            });
        };
        if q.points != 1.0 {
            note(format!(
                "GIFT has no points: worth {} here, it gets Moodle's default mark",
                crate::quiz::render::points_text(q.points)
            ));
        }
        if let Key::Multiple {
            scoring: Scoring::AllOrNothing,
            ..
        } = q.key
        {
            note(
                "GIFT has no all-or-nothing scoring: written with weights (each right option 100/K %, each wrong one -100 %), so Moodle gives credit for some of the right options"
                    .into(),
            );
        }
        let _ = write!(out, "\n::{}::{}{{\n", q.id, escape(q.prompt.get(lang)));
        write_answers(&mut out, q, lang);
        if let Some(e) = &q.explanation {
            let _ = writeln!(out, "####{}", escape(e.get(lang)));
        }
        out.push_str("}\n");
    }
    Exported { gift: out, notes }
}

/// The answer lines of `q` (between the braces).
fn write_answers(out: &mut String, q: &crate::quiz::key::Question, lang: Lang) {
    let feedback = |o: &crate::quiz::key::Choice| {
        o.feedback
            .as_ref()
            .map(|f| format!("#{}", escape(f.get(lang))))
            .unwrap_or_default()
    };
    match &q.key {
        Key::Single(right) => {
            for o in &q.options {
                let line = if &o.id == right {
                    format!("={}", escape(o.text.get(lang)))
                } else {
                    let w = o.weight.filter(|w| *w != 0.0).map(weight_text);
                    format!("~{}", answer_text(o.text.get(lang), w.as_deref()))
                };
                let _ = writeln!(out, "{line}{}", feedback(o));
            }
        }
        Key::Multiple { answer, scoring } => {
            let k = answer.len() as f64;
            for o in &q.options {
                let right = answer.contains(&o.id);
                let w = match scoring {
                    Scoring::Weighted => o.weight.unwrap_or(0.0),
                    _ if right => 100.0 / k,
                    Scoring::Partial => -100.0 / k,
                    Scoring::AllOrNothing => -100.0,
                };
                let w = (w != 0.0).then(|| weight_text(w));
                let text = answer_text(o.text.get(lang), w.as_deref());
                let _ = writeln!(out, "~{text}{}", feedback(o));
            }
        }
        Key::TrueFalse(b) => {
            let _ = writeln!(out, "{}", if *b { "TRUE" } else { "FALSE" });
        }
        Key::Short { accepted, .. } => {
            for a in accepted {
                let _ = writeln!(out, "={}", answer_text(a, None));
            }
        }
        Key::Numeric {
            value, tolerance, ..
        } => {
            if *tolerance == 0.0 {
                let _ = writeln!(out, "#{}", gift_num(*value));
            } else {
                let _ = writeln!(out, "#{}:{}", gift_num(*value), gift_num(*tolerance));
            }
        }
    }
}

/// A number as GIFT writes it: decimal, or with an exponent when the decimal form is long
/// (`6.02e23`, `1e-300`); both read back as the same `f64`.
fn gift_num(x: f64) -> String {
    let plain = format!("{x}");
    if plain.len() > 21 {
        format!("{x:e}")
    } else {
        plain
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::super::fixtures::imp;
    use super::*;

    #[test]
    fn export_then_import_is_a_fixed_point_for_every_kind() {
        let src = r#"id = "k"
title = "All/kinds"
[[questions]]
id = "s"
kind = "single"
points = 2
prompt = "Pick {b}: 50% ~ = # \\ x"
options = [ { id = "x", text = "%a" }, { id = "y", text = "b:c", feedback = "yes#" } ]
answer = "y"
explanation = "two\nlines"
[[questions]]
id = "m"
kind = "multiple"
prompt = "p"
options = [ { id = "a", text = "A" }, { id = "b", text = "B" }, { id = "c", text = "C" }, { id = "d", text = "D" } ]
answer = ["a", "b", "c"]
scoring = "partial"
[[questions]]
id = "all"
kind = "multiple"
prompt = "p"
options = [ { id = "a", text = "A" }, { id = "b", text = "B" } ]
answer = ["a"]
[[questions]]
id = "n"
kind = "numeric"
prompt = "p"
answer = { value = -0.5, tolerance = 0.001 }
"#;
        let original = Quiz::parse(Path::new("k.toml"), src).unwrap();
        let e1 = export(&original, Lang::En);
        assert_eq!(e1.notes.len(), 2, "{:?}", e1.notes); // points, all-or-nothing
        let i1 = imp(&e1.gift);
        assert!(i1.notes.is_empty(), "{:?}", i1.notes);
        let q1 = Quiz::parse(Path::new("q1.toml"), &i1.toml).unwrap();
        assert_eq!(q1.title.get(Lang::En), "All/kinds");
        assert_eq!(q1.questions[0].prompt, original.questions[0].prompt);
        assert_eq!(q1.questions[0].options[0].text.get(Lang::En), "%a");
        assert_eq!(
            q1.questions[0].explanation,
            original.questions[0].explanation
        );
        let e2 = export(&q1, Lang::En);
        let i2 = imp(&e2.gift);
        assert_eq!(i2.toml, i1.toml);
        assert_eq!(
            export(
                &Quiz::parse(Path::new("q2.toml"), &i2.toml).unwrap(),
                Lang::En
            )
            .gift,
            e2.gift
        );
    }

    fn numeric_quiz(value: f64, tolerance: f64) -> Quiz {
        let src = format!(
            "id = \"n\"\ntitle = \"n\"\n[[questions]]\nid = \"x\"\nkind = \"numeric\"\nprompt = \"p\"\nanswer = {{ value = {}, tolerance = {} }}\n",
            toml::Value::Float(value),
            toml::Value::Float(tolerance)
        );
        Quiz::parse(Path::new("n.toml"), &src).unwrap()
    }

    fn round_trip(value: f64, tolerance: f64) -> Key {
        let gift = export(&numeric_quiz(value, tolerance), Lang::En).gift;
        let back = imp(&gift);
        assert!(back.notes.is_empty(), "{gift}: {:?}", back.notes);
        Quiz::parse(Path::new("back.toml"), &back.toml)
            .unwrap_or_else(|e| panic!("{gift}\n{}\n{e:?}", back.toml))
            .questions[0]
            .key
            .clone()
    }

    #[test]
    fn huge_and_tiny_numbers_survive_the_round_trip() {
        for (v, t) in [
            (9_223_372_036_854_775_808.0, 0.0),
            (6.02e23, 1e20),
            (-1.7e308, 0.0),
            (1e-300, 5e-324),
            (123_456_789_012_345_680.0, 0.5),
        ] {
            let want = Key::Numeric {
                value: v,
                tolerance: t,
                percent: false,
            };
            assert_eq!(round_trip(v, t), want, "{v} ± {t}");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config {
            failure_persistence: None,
            ..proptest::test_runner::Config::default()
        })]

        /// Every value and tolerance the quiz format accepts (finite; tolerance ≥ 0) comes back
        /// from GIFT as the same number.
        #[test]
        fn every_accepted_number_round_trips(
            value in proptest::num::f64::NORMAL | proptest::num::f64::SUBNORMAL | proptest::num::f64::ZERO,
            tolerance in proptest::num::f64::POSITIVE | proptest::num::f64::ZERO,
        ) {
            proptest::prop_assume!(tolerance.is_finite());
            let want = Key::Numeric { value, tolerance, percent: false };
            proptest::prop_assert_eq!(round_trip(value, tolerance), want);
        }
    }
}
