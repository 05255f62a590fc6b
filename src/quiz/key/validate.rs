//! The quiz's meaning, checked with the spans serde kept: unique plain ids, points > 0, texts not
//! empty, options and `scoring` only where the kind takes them (each `answer` is checked in
//! [`super::answer`]). Every problem is collected, located, so `quiz check` lists them all.

use std::collections::HashSet;
use std::ops::Range;
use std::path::Path;

use toml::Spanned;

use super::answer::{AnswerCtx, answer_key, check_weights, expected_answer};
use super::model::{Choice, Kind, Question, Quiz, Scoring};
use super::raw::{Defaults, RawChoice, RawQuestion, RawQuiz};
use crate::error::Diagnostic;
use crate::quiz::text::Text;

/// Names a question id may not take: they are gradebook or CSV columns.
pub const RESERVED_IDS: [&str; 10] = [
    "student", "name", "file", "line", "score", "max", "percent", "notes", "status", "reason",
];

/// Collects problems, each located in the quiz source.
pub(super) struct Problems<'a> {
    pub(super) path: &'a Path,
    pub(super) source: &'a str,
    pub(super) list: Vec<Diagnostic>,
}

impl Problems<'_> {
    pub(super) fn add(&mut self, span: Range<usize>, key: String, message: String) {
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

pub(super) fn validate(path: &Path, source: &str, raw: RawQuiz) -> Result<Quiz, Vec<Diagnostic>> {
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

#[cfg(test)]
mod tests {
    use super::super::fixtures::{GOOD, problems};

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
    fn empty_texts_are_problems() {
        let src = GOOD.replace("zh = \"选 a 和 c\"", "zh = \"\"");
        assert!(problems(&src)[0].contains("`questions[q2].prompt`: is empty in `zh`"));
    }
}
