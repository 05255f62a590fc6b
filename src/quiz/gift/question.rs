//! One GIFT question block (escapes protected) read into a [`Draft`]: its title, prompt, answer
//! body and explanation. Moodle's rules decide the type; what coinflip cannot grade is an `Err`
//! with the reason (the question is skipped), what it cannot keep is a note.

use super::escape::restore;
use crate::quiz::render::weight_text;

/// One option of a choice question, as read.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Opt {
    pub(super) text: String,
    pub(super) weight: f64,
    pub(super) feedback: Option<String>,
}

/// A question as read from GIFT, before it gets an id.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Body {
    Single {
        options: Vec<Opt>,
        answer: usize,
        weighted: bool,
    },
    Multiple {
        options: Vec<Opt>,
    },
    TrueFalse(bool),
    Short(Vec<String>),
    Numeric {
        value: f64,
        tolerance: f64,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub(super) struct Draft {
    pub(super) title: Option<String>,
    pub(super) prompt: String,
    pub(super) body: Body,
    pub(super) explanation: Option<String>,
}

/// A weight `%50%` at the start of `s`: the weight (rounded to 5 decimals, as GIFT writes them)
/// and the rest. Anything else is not a weight (Moodle reads it as text).
fn weight_prefix(s: &str) -> Option<(f64, &str)> {
    let rest = s.strip_prefix('%')?;
    let end = rest.find('%')?;
    let w: f64 = rest[..end].trim().parse().ok()?;
    w.is_finite()
        .then(|| ((w * 1e5).round() / 1e5, &rest[end + 1..]))
}

/// `text#feedback` → restored text and feedback (`None` when empty).
fn with_feedback(s: &str) -> (String, Option<String>) {
    match s.split_once('#') {
        Some((t, f)) => {
            let f = restore(f);
            (restore(t), (!f.is_empty()).then_some(f))
        }
        None => (restore(s), None),
    }
}

/// Splits an answer list on `sep` (`~` or `=`), keeping `=` on each part for `~` lists.
fn answer_parts(a: &str, sep: char) -> Vec<String> {
    let text = if sep == '~' {
        a.replace('=', "~=")
    } else {
        a.to_string()
    };
    let mut parts: Vec<String> = text.split(sep).map(|p| p.trim().to_string()).collect();
    if parts.first().is_some_and(|p| p.is_empty()) {
        parts.remove(0);
    }
    parts
}

/// A number rounded to 12 significant digits, so that a range `3.1..3.2` gives 3.15 ± 0.05
/// rather than 3.1500000000000004 ± 0.050000000000000044.
fn tidy(x: f64) -> f64 {
    format!("{x:.11e}").parse().unwrap_or(x)
}

fn number(s: &str) -> Result<f64, String> {
    let t = restore(s);
    t.parse::<f64>()
        .ok()
        .filter(|x| x.is_finite())
        .ok_or_else(|| format!("`{t}` is not a number"))
}

/// A question block cut into its parts: title, prompt, the answer text (between the braces, with
/// the general feedback cut off) and the general feedback.
struct Parts<'a> {
    title: Option<String>,
    prompt: String,
    answer: &'a str,
    explanation: Option<String>,
}

fn split_question(text: &str) -> Result<Parts<'_>, String> {
    let mut text = text.trim();
    let mut title = None;
    if let Some(rest) = text.strip_prefix("::") {
        let Some(end) = rest.find("::") else {
            return Err("the title `::…` is not closed by `::`".into());
        };
        title = Some(restore(&rest[..end]));
        text = rest[end + 2..].trim_start();
    }
    for marker in ["[html]", "[moodle]", "[plain]", "[markdown]"] {
        if let Some(rest) = text.strip_prefix(marker) {
            text = rest;
        }
    }
    let Some(open) = text.find('{') else {
        return Err(
            "a description (text without an answer in `{…}`): coinflip grades only questions with answers"
                .into(),
        );
    };
    let Some(len) = text[open + 1..].find('}') else {
        return Err("the answer `{` is not closed by `}`".into());
    };
    let close = open + 1 + len;
    let prompt = restore(&text[..open]);
    let mut answer = &text[open + 1..close];
    if !text[close + 1..].trim().is_empty() {
        return Err(
            "a missing-word question (text after the answer `{…}`): coinflip does not grade this type"
                .into(),
        );
    }
    let mut explanation = None;
    if let Some(at) = answer.rfind("####") {
        let general = restore(&answer[at + 4..]);
        if !general.is_empty() {
            explanation = Some(general);
        }
        answer = &answer[..at];
    }
    if prompt.is_empty() {
        return Err("the question has no text before `{`".into());
    }
    Ok(Parts {
        title,
        prompt,
        answer,
        explanation,
    })
}

/// Reads one protected question block. `Err` is why it is skipped; `notes` gets lossy parts.
pub(super) fn parse_question(text: &str, notes: &mut Vec<String>) -> Result<Draft, String> {
    let Parts {
        title,
        prompt,
        answer,
        mut explanation,
    } = split_question(text)?;
    let a = answer.trim();
    let mut answer_feedback: Vec<String> = vec![];
    let body = if a.is_empty() {
        return Err("an essay question (`{}`): coinflip does not grade this type".into());
    } else if let Some(numeric) = a.strip_prefix('#') {
        numeric_body(numeric, notes, &mut answer_feedback)?
    } else if a.contains('~') {
        choice_body(a)?
    } else if a.contains('=') && a.contains("->") {
        return Err("a matching question (`=a -> b`): coinflip does not grade this type".into());
    } else {
        match true_false_body(a, &mut answer_feedback) {
            Some(body) => body,
            None => short_body(a, notes, &mut answer_feedback)?,
        }
    };
    if !answer_feedback.is_empty() {
        notes.push(
            "per-answer feedback moved into the explanation (coinflip keeps per-answer feedback on choice options only)"
                .into(),
        );
        let mut all: Vec<String> = explanation.into_iter().collect();
        all.extend(answer_feedback);
        explanation = Some(all.join("\n"));
    }
    Ok(Draft {
        title,
        prompt,
        body,
        explanation,
    })
}

/// `T#wrong#right`: a true-false question, its per-answer feedback into `fb`; `None` otherwise.
fn true_false_body(a: &str, fb: &mut Vec<String>) -> Option<Body> {
    let mut bits = a.splitn(3, '#');
    let t = match bits.next().unwrap_or("").trim() {
        "T" | "TRUE" => true,
        "F" | "FALSE" => false,
        _ => return None,
    };
    let wrong = bits.next().map(restore).filter(|f| !f.is_empty());
    let right = bits.next().map(restore).filter(|f| !f.is_empty());
    let said = |b: bool| if b { "true" } else { "false" };
    if let Some(f) = right {
        fb.push(format!("If you answered {}: {f}", said(t)));
    }
    if let Some(f) = wrong {
        fb.push(format!("If you answered {}: {f}", said(!t)));
    }
    Some(Body::TrueFalse(t))
}

fn choice_body(a: &str) -> Result<Body, String> {
    let single = a.contains('=');
    let mut options = vec![];
    for part in answer_parts(a, '~') {
        let (weight, rest) = if let Some(rest) = part.strip_prefix('=') {
            (100.0, rest)
        } else if let Some((w, rest)) = weight_prefix(&part) {
            (w, rest)
        } else {
            (0.0, part.as_str())
        };
        if !(-100.0..=100.0).contains(&weight) {
            return Err(format!(
                "the weight {weight}% is outside -100 … 100 (`{}`)",
                restore(&part)
            ));
        }
        let (text, feedback) = with_feedback(rest);
        if text.is_empty() {
            return Err("an answer option has no text".into());
        }
        options.push(Opt {
            text,
            weight,
            feedback,
        });
    }
    if options.len() < 2 {
        return Err(format!(
            "a multiple-choice question needs at least 2 answers, found {}",
            options.len()
        ));
    }
    if single {
        let full = options.iter().filter(|o| o.weight == 100.0).count();
        let answer = options
            .iter()
            .position(|o| o.weight == 100.0)
            .ok_or("no answer earns full credit")?;
        let weighted = full > 1 || options.iter().any(|o| o.weight != 0.0 && o.weight != 100.0);
        Ok(Body::Single {
            options,
            answer,
            weighted,
        })
    } else {
        let positive: f64 = options.iter().map(|o| o.weight).filter(|w| *w > 0.0).sum();
        if (positive - 100.0).abs() > crate::quiz::key::WEIGHT_SUM_SLACK {
            return Err(format!(
                "a multiple-answer question (no `=`) needs positive weights adding up to 100%, found {}%",
                weight_text(positive)
            ));
        }
        Ok(Body::Multiple { options })
    }
}

fn short_body(a: &str, notes: &mut Vec<String>, fb: &mut Vec<String>) -> Result<Body, String> {
    let mut accepted = vec![];
    for part in answer_parts(a, '=') {
        let (weight, rest) = weight_prefix(&part).unwrap_or((100.0, part.as_str()));
        let (text, feedback) = with_feedback(rest);
        if text.is_empty() {
            return Err("a short answer is empty".into());
        }
        if weight != 100.0 {
            notes.push(format!(
                "the {}% answer `{text}` was dropped: coinflip's short answers are right or wrong",
                weight_text(weight)
            ));
            continue;
        }
        if text.contains('*') {
            notes.push(format!(
                "`*` is a wildcard in Moodle; coinflip matches `{text}` literally"
            ));
        }
        if let Some(f) = feedback {
            fb.push(format!("If you answered “{text}”: {f}"));
        }
        accepted.push(text);
    }
    if accepted.is_empty() {
        return Err("a short-answer question without a full-credit answer".into());
    }
    Ok(Body::Short(accepted))
}

fn numeric_body(n: &str, notes: &mut Vec<String>, fb: &mut Vec<String>) -> Result<Body, String> {
    let (n, otherwise) = match n.split_once('~') {
        Some((n, wrong)) => (n, with_feedback(wrong).1),
        None => (n, None),
    };
    let mut full = vec![];
    for part in answer_parts(n, '=') {
        let (weight, rest) = weight_prefix(&part).unwrap_or((100.0, part.as_str()));
        let (text, feedback) = with_feedback(rest);
        if text.is_empty() {
            return Err("a numeric answer is empty".into());
        }
        if text == "*" {
            notes.push("the catch-all answer `*` was dropped".into());
            if let Some(f) = feedback {
                fb.push(format!("Otherwise: {f}"));
            }
            continue;
        }
        let (value, tolerance) = if let Some((lo, hi)) = text.split_once("..") {
            let (lo, hi) = (number(lo)?, number(hi)?);
            if hi < lo {
                return Err(format!("the range `{text}` ends below its start"));
            }
            // Halves first: `lo + hi` overflows to infinity near the largest floats.
            let (mid, half) = (tidy(lo / 2.0 + hi / 2.0), tidy(hi / 2.0 - lo / 2.0));
            if !(mid.is_finite() && half.is_finite()) {
                return Err(format!("the range `{text}` is too large"));
            }
            (mid, half)
        } else if let Some((v, t)) = text.split_once(':') {
            (number(v)?, number(t)?)
        } else {
            (number(&text)?, 0.0)
        };
        if tolerance < 0.0 {
            return Err(format!("the tolerance of `{text}` is negative"));
        }
        if weight != 100.0 {
            notes.push(format!(
                "the {}% answer `{text}` was dropped: coinflip's numeric answers are right or wrong",
                weight_text(weight)
            ));
            continue;
        }
        if let Some(f) = feedback {
            fb.push(format!("If you answered {text}: {f}"));
        }
        full.push((value, tolerance));
    }
    if let Some(f) = otherwise {
        fb.push(format!("Otherwise: {f}"));
    }
    match full.as_slice() {
        [] => Err("a numeric question without a full-credit answer".into()),
        [(value, tolerance)] => Ok(Body::Numeric {
            value: *value,
            tolerance: *tolerance,
        }),
        _ => Err(format!(
            "{} full-credit numeric answers: a coinflip numeric question has one value and tolerance",
            full.len()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{imp, quiz};
    use crate::quiz::key::{Key, Quiz};
    use crate::quiz::text::Lang;
    use std::path::Path;

    #[test]
    fn weights_and_types() {
        let q = quiz(
            "Pick two {~%50%a ~%50%b ~%-100%c}\n\nMC {=x ~%25%y#close ~z}\n\nTF {F#no#yes}\n\nN {#1..2}\n\nS {=a =%50%b}",
        );
        let kinds: Vec<&str> = q.questions.iter().map(|q| q.kind().name()).collect();
        assert_eq!(
            kinds,
            ["multiple", "single", "true-false", "numeric", "short"]
        );
        assert_eq!(
            q.questions[0]
                .options
                .iter()
                .map(|o| o.weight)
                .collect::<Vec<_>>(),
            [Some(50.0), Some(50.0), Some(-100.0)]
        );
        assert_eq!(q.questions[1].options[1].weight, Some(25.0));
        assert_eq!(
            q.questions[1].options[1].feedback,
            Some(crate::quiz::text::Text::from("close"))
        );
        assert_eq!(
            q.questions[3].key,
            Key::Numeric {
                value: 1.5,
                tolerance: 0.5,
                percent: false
            }
        );
        assert_eq!(
            q.questions[4].key,
            Key::Short {
                accepted: vec!["a".into()],
                exact: false
            }
        );
        assert_eq!(
            q.questions[2].explanation.as_ref().map(|e| e.get(Lang::En)),
            Some("If you answered false: yes\nIf you answered true: no")
        );
    }

    #[test]
    fn ranges_are_tidy() {
        let q = quiz("N {#3.1..3.2}");
        assert_eq!(
            q.questions[0].key,
            Key::Numeric {
                value: 3.15,
                tolerance: 0.05,
                percent: false
            }
        );
    }

    #[test]
    fn unsupported_types_are_skipped_with_their_line() {
        let i = imp(
            "// c\n\nMatch {=a -> 1 =b -> 2 =c -> 3}\n\nWrite {}\n\nThe {=cat ~dog} sat.\n\nJust text.\n\nOK {T}\n",
        );
        let skipped: Vec<(Option<usize>, &str)> = i
            .notes
            .iter()
            .filter(|n| n.skipped)
            .map(|n| (n.line, n.message.split(' ').nth(1).unwrap_or("")))
            .collect();
        assert_eq!(
            skipped,
            [
                (Some(3), "matching"),
                (Some(5), "essay"),
                (Some(7), "missing-word"),
                (Some(9), "description")
            ]
        );
        assert_eq!(i.questions, 1);
    }

    #[test]
    fn malformed_questions_are_skipped_not_guessed() {
        for (src, want) in [
            ("::t Q {T}", "not closed by `::`"),
            ("Q {=a ~b", "not closed by `}`"),
            ("Q {~a ~b}", "adding up to 100%, found 0%"),
            ("Q {~%50%a ~%40%b}", "found 90%"),
            ("Q {=a}", "short"), // one answer: a short answer, not a choice
            ("Q {~only}", "at least 2 answers"),
            ("Q {#abc}", "`abc` is not a number"),
            ("Q {#=1 =2}", "2 full-credit numeric answers"),
            ("Q {#2..1}", "ends below its start"),
            ("{T}", "no text before"),
        ] {
            let i = imp(src);
            let got = i
                .notes
                .iter()
                .map(|n| n.message.clone())
                .collect::<Vec<_>>()
                .join("\n");
            if want == "short" {
                assert_eq!(i.questions, 1, "{src}");
                assert!(i.toml.contains("kind = \"short\""), "{src}");
            } else {
                assert_eq!(i.questions, 0, "{src}: {}", i.toml);
                assert!(got.contains(want), "{src}: {got}");
            }
        }
    }

    #[test]
    fn a_bad_number_skips_its_question_only() {
        let i = imp("A {#9223372036854775808}\n\nB {#1e308..1.79e308}\n\nC {#1e400}\n\nD {T}\n");
        assert_eq!(i.questions, 3, "{:?}", i.notes);
        let q = Quiz::parse(Path::new("q.toml"), &i.toml).unwrap();
        assert_eq!(
            q.questions[0].key,
            Key::Numeric {
                value: 9_223_372_036_854_775_808.0,
                tolerance: 0.0,
                percent: false
            }
        );
        let Key::Numeric { value, .. } = q.questions[1].key else {
            panic!()
        };
        assert!(value.is_finite() && value > 1e308);
        let skipped: Vec<_> = i.notes.iter().filter(|n| n.skipped).collect();
        assert_eq!(skipped.len(), 1);
        assert_eq!(skipped[0].line, Some(5));
        assert!(skipped[0].message.contains("`1e400` is not a number"));
    }
}
