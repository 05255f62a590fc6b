//! Scoring one answer to one question: the rules per kind, and what happens to an answer that does
//! not fit (wrong type, unknown option). Such an answer scores 0 with a note; it never rejects the
//! submission, so one slip does not cost a student the rest of the quiz. What a student obviously
//! meant is accepted ([`super::accept`]: `A` for option `a`, `yes` for true, `32,0` for 32) and
//! noted ([`Note::Accepted`]), so the instructor can audit every lenient reading.
//!
//! | kind | full points when | otherwise |
//! |---|---|---|
//! | single | the chosen option is the key | 0 |
//! | multiple, all-or-nothing | the chosen set equals the key set | 0 |
//! | multiple, partial | — | `points × max(0, (R − W) / K)`: R chosen keyed options, W chosen others, K keyed |
//! | true-false | the value equals the key | 0 |
//! | short | the normalized answer equals a normalized accepted answer | 0 |
//! | numeric | `|x − value| ≤ tolerance` (plus a 1e-9 relative slack for decimal rounding) | 0 |

use std::collections::BTreeSet;

use super::accept;
use super::key::{Choice, Key, Question, Scoring};
use super::normalize::short_answer;
use super::note::{Expected, Note, Reading};
use super::submission::Response;

/// How an answer fared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Full points.
    Correct,
    /// Some but not all points (multiple, partial scoring).
    Partial,
    /// A gradable answer that earned nothing.
    Wrong,
    /// No answer (missing, empty, `null`, an empty list).
    Unanswered,
    /// An answer that cannot be graded (wrong type, unknown option): 0 points, with a note.
    Invalid,
}

impl Status {
    /// Lower-case name for reports.
    pub fn name(self) -> &'static str {
        match self {
            Status::Correct => "correct",
            Status::Partial => "partial",
            Status::Wrong => "wrong",
            Status::Unanswered => "unanswered",
            Status::Invalid => "invalid",
        }
    }
}

/// A gradable answer, in the question's terms.
#[derive(Debug, Clone, PartialEq)]
pub enum Given {
    /// Chosen option ids (single: one), in the quiz's option order.
    Options(Vec<String>),
    /// A truth value.
    Bool(bool),
    /// Short-answer text as written (trimmed).
    Text(String),
    /// A number.
    Number(f64),
}

/// The result of one question for one student.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// Points earned, in `0..=question.points`.
    pub points: f64,
    /// How the answer fared.
    pub status: Status,
    /// The answer, when it was gradable.
    pub given: Option<Given>,
    /// What the student wrote, as written (`None` when not answered): feedback shows it even when
    /// it could not be graded.
    pub written: Option<String>,
    /// Why an answer was invalid, how a lenient form was read, anything the student should know.
    pub notes: Vec<Note>,
}

impl Outcome {
    fn unanswered() -> Self {
        Outcome {
            points: 0.0,
            status: Status::Unanswered,
            given: None,
            written: None,
            notes: vec![],
        }
    }

    fn invalid(note: Note) -> Self {
        Outcome {
            points: 0.0,
            status: Status::Invalid,
            given: None,
            written: None,
            notes: vec![note],
        }
    }

    fn judged(q: &Question, fraction: f64, given: Given) -> Self {
        let status = if fraction >= 1.0 {
            Status::Correct
        } else if fraction > 0.0 {
            Status::Partial
        } else {
            Status::Wrong
        };
        Outcome {
            points: q.points * fraction.clamp(0.0, 1.0),
            status,
            given: Some(given),
            written: None,
            notes: vec![],
        }
    }

    /// Adds the note that `written` was read as `reading`, unless it was written exactly.
    fn read_as(mut self, exact: bool, written: &str, reading: Reading) -> Self {
        if !exact {
            self.notes.push(Note::Accepted {
                written: written.trim().to_string(),
                reading,
            });
        }
        self
    }
}

/// What the student wrote, for feedback: text as is, a list joined with `, `.
pub fn written(r: &Response) -> Option<String> {
    match r {
        Response::Null => None,
        Response::Text(s) | Response::Cell(s) => Some(s.trim().to_string()),
        Response::List(items) => Some(items.join(", ")),
        Response::Bool(b) => Some(b.to_string()),
        Response::Number(x) => Some(x.to_string()),
        Response::Other(what) => Some(format!("({what})")),
    }
}

/// Grades `response` (`None`: not answered) to `q`.
pub fn grade(q: &Question, response: Option<&Response>) -> Outcome {
    let Some(response) = response else {
        return Outcome::unanswered();
    };
    if is_blank(response) {
        return Outcome::unanswered();
    }
    let mut out = match &q.key {
        Key::Single(right) => single(q, right, response),
        Key::Multiple { answer, scoring } => multiple(q, answer, *scoring, response),
        Key::TrueFalse(right) => true_false(q, *right, response),
        Key::Short { accepted, exact } => short(q, accepted, *exact, response),
        Key::Numeric {
            value,
            tolerance,
            percent,
        } => numeric(q, (*value, *tolerance, *percent), response),
    };
    out.written = written(response);
    out
}

fn wrong_type(expected: Expected, response: &Response) -> Outcome {
    Outcome::invalid(Note::WrongType {
        expected,
        found: response.type_name(),
    })
}

fn single(q: &Question, right: &str, response: &Response) -> Outcome {
    let written = match response {
        Response::Text(s) | Response::Cell(s) => s.as_str(),
        _ => return wrong_type(Expected::OneOption, response),
    };
    let Some((choice, exact)) = accept::option(q, written) else {
        return unknown_option(q, written.trim());
    };
    // Weighted scoring: the chosen option's weight, in percent.
    let fraction = match choice.weight {
        Some(w) => w / 100.0,
        None if choice.id == right => 1.0,
        None => 0.0,
    };
    Outcome::judged(q, fraction, Given::Options(vec![choice.id.clone()])).read_as(
        exact,
        written,
        Reading::Option(choice.id.clone()),
    )
}

fn multiple(q: &Question, key: &BTreeSet<String>, s: Scoring, response: &Response) -> Outcome {
    let (chosen, exact, written): (Vec<&Choice>, bool, String) = match response {
        Response::List(items) => {
            let mut chosen = vec![];
            let mut exact = true;
            for item in items.iter().filter(|i| !i.trim().is_empty()) {
                match accept::option(q, item) {
                    Some((o, e)) => {
                        chosen.push(o);
                        exact &= e;
                    }
                    None => return unknown_option(q, item.trim()),
                }
            }
            (chosen, exact, items.join(", "))
        }
        Response::Text(t) | Response::Cell(t) => match accept::options(q, t) {
            Ok((chosen, exact)) => (chosen, exact, t.clone()),
            Err(bad) => return unknown_option(q, &bad),
        },
        _ => return wrong_type(Expected::OptionList, response),
    };
    let set: BTreeSet<String> = chosen.iter().map(|o| o.id.clone()).collect();
    let twice: Vec<String> = set
        .iter()
        .filter(|id| chosen.iter().filter(|o| o.id == **id).count() > 1)
        .cloned()
        .collect();
    let fraction = multiple_fraction(&set, key, s, &q.options);
    let ordered: Vec<String> = q
        .options
        .iter()
        .filter(|o| set.contains(&o.id))
        .map(|o| o.id.clone())
        .collect();
    let mut out = Outcome::judged(q, fraction, Given::Options(ordered.clone())).read_as(
        exact,
        &written,
        Reading::Options(ordered),
    );
    if !twice.is_empty() {
        out.notes.push(Note::ChosenTwice(twice));
    }
    out
}

fn true_false(q: &Question, right: bool, response: &Response) -> Outcome {
    let (value, exact, written) = match response {
        Response::Bool(b) => (*b, true, b.to_string()),
        Response::Text(s) | Response::Cell(s) => match accept::truth(s) {
            // A CSV cell `TRUE` is the documented form; a JSON or TOML string is not.
            Some((v, exact)) => (v, exact && matches!(response, Response::Cell(_)), s.clone()),
            None => return Outcome::invalid(Note::NotTrueFalse(s.trim().to_string())),
        },
        _ => return wrong_type(Expected::TrueFalse, response),
    };
    let fraction = if value == right { 1.0 } else { 0.0 };
    Outcome::judged(q, fraction, Given::Bool(value)).read_as(exact, &written, Reading::Bool(value))
}

fn short(q: &Question, accepted: &[String], exact_only: bool, response: &Response) -> Outcome {
    let text = match response {
        Response::Text(s) | Response::Cell(s) => s.trim(),
        _ => return wrong_type(Expected::Text, response),
    };
    let given = Given::Text(text.to_string());
    if accepted.iter().any(|a| a.trim() == text) {
        return Outcome::judged(q, 1.0, given);
    }
    if !exact_only {
        let mine = short_answer(text);
        if let Some(a) = accepted.iter().find(|a| short_answer(a) == mine) {
            return Outcome::judged(q, 1.0, given).read_as(false, text, Reading::Text(a.clone()));
        }
    }
    Outcome::judged(q, 0.0, given)
}

fn numeric(q: &Question, (value, tolerance, percent): (f64, f64, bool), r: &Response) -> Outcome {
    let (x, exact, written) = match r {
        Response::Number(x) => (*x, true, x.to_string()),
        Response::Text(s) | Response::Cell(s) => match accept::number(s, percent) {
            Some((x, exact)) => (x, exact && matches!(r, Response::Cell(_)), s.clone()),
            None => return Outcome::invalid(Note::NotANumber(s.trim().to_string())),
        },
        _ => return wrong_type(Expected::Number, r),
    };
    if !x.is_finite() {
        return Outcome::invalid(Note::NotFinite(written.trim().to_string()));
    }
    let fraction = if within(x, value, tolerance) {
        1.0
    } else {
        0.0
    };
    Outcome::judged(q, fraction, Given::Number(x)).read_as(exact, &written, Reading::Number(x))
}

/// True for a response that answers nothing: `null`, empty text, an empty list.
fn is_blank(r: &Response) -> bool {
    match r {
        Response::Null => true,
        Response::Text(s) | Response::Cell(s) => s.trim().is_empty(),
        Response::List(items) => items.iter().all(|s| s.trim().is_empty()),
        _ => false,
    }
}

fn unknown_option(q: &Question, chosen: &str) -> Outcome {
    Outcome::invalid(Note::UnknownOption {
        chosen: chosen.to_string(),
        options: q.options.iter().map(|o| o.id.clone()).collect(),
    })
}

/// The fraction of a multiple question's points earned by choosing `chosen` (before clamping to
/// `0 … 1`); `options` carry the weights of weighted scoring.
pub fn multiple_fraction(
    chosen: &BTreeSet<String>,
    key: &BTreeSet<String>,
    s: Scoring,
    options: &[Choice],
) -> f64 {
    match s {
        Scoring::AllOrNothing => {
            if chosen == key {
                1.0
            } else {
                0.0
            }
        }
        Scoring::Partial => {
            let right = chosen.intersection(key).count() as f64;
            let wrong = chosen.difference(key).count() as f64;
            ((right - wrong) / key.len() as f64).max(0.0)
        }
        Scoring::Weighted => {
            // Σ chosen weights / Σ positive weights: exactly 1 for the right set even when the
            // weights are thirds written as 33.33333.
            let weight = |o: &Choice| o.weight.unwrap_or(0.0);
            let positive: f64 = options.iter().map(weight).filter(|w| *w > 0.0).sum();
            let got: f64 = options
                .iter()
                .filter(|o| chosen.contains(&o.id))
                .map(weight)
                .sum();
            if positive > 0.0 {
                (got / positive).clamp(0.0, 1.0)
            } else {
                0.0
            }
        }
    }
}

/// `|x − value| ≤ tolerance`, with a relative slack of 1e-9 so that 3.1 is within 0.1 of 3.0
/// (in binary floating point |3.1 − 3.0| = 0.10000000000000009).
pub fn within(x: f64, value: f64, tolerance: f64) -> bool {
    let slack = 1e-9 * x.abs().max(value.abs()).max(1.0);
    (x - value).abs() <= tolerance + slack
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quiz::key::Quiz;
    use std::path::Path;

    fn quiz() -> Quiz {
        Quiz::parse(
            Path::new("q.toml"),
            r#"id = "t"
title = "t"
[[questions]]
id = "single"
kind = "single"
points = 2
prompt = "p"
options = [ { id = "a", text = "A" }, { id = "b", text = "B" }, { id = "c", text = "C" } ]
answer = "b"
[[questions]]
id = "all"
kind = "multiple"
points = 3
prompt = "p"
options = [ { id = "a", text = "A" }, { id = "b", text = "B" }, { id = "c", text = "C" }, { id = "d", text = "D" } ]
answer = ["a", "c"]
[[questions]]
id = "part"
kind = "multiple"
scoring = "partial"
points = 3
prompt = "p"
options = [ { id = "a", text = "A" }, { id = "b", text = "B" }, { id = "c", text = "C" }, { id = "d", text = "D" } ]
answer = ["a", "b", "c"]
[[questions]]
id = "tf"
kind = "true-false"
prompt = "p"
answer = false
[[questions]]
id = "short"
kind = "short"
prompt = "p"
answer = ["Remix", "混合"]
[[questions]]
id = "num"
kind = "numeric"
prompt = "p"
answer = { value = 3.0, tolerance = 0.1 }
[[questions]]
id = "wsingle"
kind = "single"
scoring = "weighted"
points = 2
prompt = "p"
options = [ { id = "a", text = "A", weight = 100 }, { id = "b", text = "B", weight = 50 }, { id = "c", text = "C", weight = -50 }, { id = "d", text = "D" } ]
answer = "a"
[[questions]]
id = "wmulti"
kind = "multiple"
scoring = "weighted"
points = 4
prompt = "p"
options = [ { id = "a", text = "A", weight = 50 }, { id = "b", text = "B", weight = 50 }, { id = "c", text = "C", weight = -100 }, { id = "d", text = "D", weight = -25 } ]
answer = ["a", "b"]
[[questions]]
id = "thirds"
kind = "multiple"
scoring = "weighted"
prompt = "p"
options = [ { id = "a", text = "A", weight = 33.33333 }, { id = "b", text = "B", weight = 33.33333 }, { id = "c", text = "C", weight = 33.33333 }, { id = "d", text = "D", weight = -33.33333 } ]
answer = ["a", "b", "c"]
"#,
        )
        .unwrap()
    }

    #[test]
    fn weighted_single_earns_the_chosen_weight_clamped_at_zero() {
        // 2 points × weight / 100.
        assert_eq!(points(6, text("a")), (2.0, Status::Correct));
        assert_eq!(points(6, text("b")), (1.0, Status::Partial));
        assert_eq!(points(6, text("c")), (0.0, Status::Wrong)); // −50 % clamps to 0
        assert_eq!(points(6, text("d")), (0.0, Status::Wrong)); // no weight: 0 %
    }

    #[test]
    fn weighted_multiple_sums_the_chosen_weights() {
        // 4 points × clamp(Σ chosen / Σ positive, 0, 1), Σ positive = 100.
        assert_eq!(points(7, list(&["a", "b"])), (4.0, Status::Correct));
        assert_eq!(points(7, list(&["a"])), (2.0, Status::Partial)); // 50/100
        assert_eq!(points(7, list(&["a", "b", "d"])), (3.0, Status::Partial)); // 75/100
        assert_eq!(points(7, list(&["a", "c"])), (0.0, Status::Wrong)); // −50 → 0
        assert_eq!(points(7, list(&["a", "b", "c", "d"])), (0.0, Status::Wrong));
        // Thirds written as 33.33333 still give full points for the right set.
        assert_eq!(points(8, list(&["a", "b", "c"])), (1.0, Status::Correct));
        // (2 × 33.33333 − 33.33333) / 99.99999 = 1/3.
        let (p, s) = points(8, list(&["a", "b", "d"]));
        assert!((p - 1.0 / 3.0).abs() < 1e-12 && s == Status::Partial, "{p}");
    }

    fn notes(o: &Outcome) -> Vec<String> {
        o.notes
            .iter()
            .map(|n| n.text(crate::quiz::text::Lang::En))
            .collect()
    }

    #[test]
    fn choices_by_case_text_and_separators_are_accepted_and_noted() {
        let o = grade(&quiz().questions[0], Some(&text("B")));
        assert_eq!((o.points, o.status), (2.0, Status::Correct));
        assert_eq!(notes(&o), ["accepted \"B\" as option b"]);
        let o = grade(&quiz().questions[1], Some(&cell("a, c")));
        assert_eq!((o.points, o.status), (3.0, Status::Correct));
        assert_eq!(notes(&o), ["accepted \"a, c\" as options a, c"]);
        let o = grade(&quiz().questions[1], Some(&cell("A C")));
        assert_eq!(o.status, Status::Correct);
        let o = grade(&quiz().questions[1], Some(&list(&["A", "c"])));
        assert_eq!(notes(&o), ["accepted \"A, c\" as options a, c"]);
        // By the option's text.
        let o = grade(&quiz().questions[0], Some(&cell("b")));
        assert!(notes(&o).is_empty());
        let o = grade(&quiz().questions[2], Some(&cell("A;B;C")));
        assert_eq!(o.status, Status::Correct);
    }

    #[test]
    fn short_answers_note_every_lenient_match_and_exact_opts_out() {
        let o = grade(&quiz().questions[4], Some(&text("Remix.")));
        assert_eq!(o.status, Status::Correct);
        assert_eq!(notes(&o), ["accepted \"Remix.\" as \"Remix\""]);
        let o = grade(&quiz().questions[4], Some(&text("Remix")));
        assert!(notes(&o).is_empty());
        let mut q = quiz().questions[4].clone();
        q.key = Key::Short {
            accepted: vec!["Remix".into()],
            exact: true,
        };
        assert_eq!(grade(&q, Some(&text("remix"))).status, Status::Wrong);
        assert_eq!(grade(&q, Some(&text(" Remix "))).status, Status::Correct);
    }

    fn points(q: usize, r: Response) -> (f64, Status) {
        let o = grade(&quiz().questions[q], Some(&r));
        (o.points, o.status)
    }

    fn text(s: &str) -> Response {
        Response::Text(s.into())
    }
    fn cell(s: &str) -> Response {
        Response::Cell(s.into())
    }
    fn list(items: &[&str]) -> Response {
        Response::List(items.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn single_choice() {
        assert_eq!(points(0, text("b")), (2.0, Status::Correct));
        assert_eq!(points(0, cell(" b ")), (2.0, Status::Correct));
        assert_eq!(points(0, text("a")), (0.0, Status::Wrong));
        assert_eq!(points(0, text("z")), (0.0, Status::Invalid));
        assert_eq!(points(0, list(&["b"])), (0.0, Status::Invalid));
        assert_eq!(points(0, text("")), (0.0, Status::Unanswered));
        let o = grade(&quiz().questions[0], Some(&text("z")));
        assert_eq!(
            notes(&o),
            ["`z` is not an option (expected one of `a`, `b`, `c`); scored 0"]
        );
        assert_eq!(o.written.as_deref(), Some("z"));
        assert_eq!(grade(&quiz().questions[0], None).status, Status::Unanswered);
    }

    #[test]
    fn multiple_all_or_nothing() {
        assert_eq!(points(1, list(&["c", "a"])), (3.0, Status::Correct));
        assert_eq!(points(1, cell("a; c")), (3.0, Status::Correct));
        assert_eq!(points(1, list(&["a"])), (0.0, Status::Wrong));
        assert_eq!(points(1, list(&["a", "c", "d"])), (0.0, Status::Wrong));
        assert_eq!(points(1, text("a")), (0.0, Status::Wrong));
        assert_eq!(points(1, list(&["a", "e"])), (0.0, Status::Invalid));
        assert_eq!(points(1, list(&[])), (0.0, Status::Unanswered));
        assert_eq!(points(1, Response::Bool(true)), (0.0, Status::Invalid));
    }

    #[test]
    fn multiple_partial_is_right_minus_wrong_over_keyed_floored_at_zero() {
        // Key {a, b, c}, K = 3, 3 points; points = 3 × max(0, (R − W) / 3).
        // {a, b, c}: R=3 W=0 → 3 × 3/3 = 3
        assert_eq!(points(2, list(&["a", "b", "c"])), (3.0, Status::Correct));
        // {a, b}: R=2 W=0 → 3 × 2/3 = 2
        assert_eq!(points(2, list(&["a", "b"])), (2.0, Status::Partial));
        // {a, b, d}: R=2 W=1 → 3 × 1/3 = 1
        assert_eq!(points(2, list(&["a", "b", "d"])), (1.0, Status::Partial));
        // {a, b, c, d}: R=3 W=1 → 3 × 2/3 = 2 (choosing everything is not full marks)
        assert_eq!(
            points(2, list(&["a", "b", "c", "d"])),
            (2.0, Status::Partial)
        );
        // {a, d}: R=1 W=1 → 0
        assert_eq!(points(2, list(&["a", "d"])), (0.0, Status::Wrong));
        // {d}: R=0 W=1 → max(0, −1/3) = 0
        assert_eq!(points(2, list(&["d"])), (0.0, Status::Wrong));
        // {a}: R=1 → 3 × 1/3 = 1
        let (p, s) = points(2, list(&["a"]));
        assert!((p - 1.0).abs() < 1e-12 && s == Status::Partial);
    }

    #[test]
    fn multiple_counts_a_repeated_choice_once_with_a_note() {
        let o = grade(&quiz().questions[1], Some(&list(&["c", "a", "c"])));
        assert_eq!(o.points, 3.0);
        assert_eq!(o.given, Some(Given::Options(vec!["a".into(), "c".into()])));
        assert_eq!(notes(&o), ["chose `c` more than once; counted once"]);
    }

    #[test]
    fn true_false() {
        assert_eq!(points(3, Response::Bool(false)), (1.0, Status::Correct));
        assert_eq!(points(3, Response::Bool(true)), (0.0, Status::Wrong));
        assert_eq!(points(3, cell("FALSE")), (1.0, Status::Correct));
        assert_eq!(points(3, cell("maybe")), (0.0, Status::Invalid));
        // Every written form of a truth value, noted unless it is a CSV `true`/`false`.
        for (r, note) in [
            (cell("no"), Some("accepted \"no\" as false")),
            (text("false"), Some("accepted \"false\" as false")),
            (cell("错"), Some("accepted \"错\" as false")),
            (text("否"), Some("accepted \"否\" as false")),
            (cell("F"), Some("accepted \"F\" as false")),
            (cell("False"), None),
        ] {
            let o = grade(&quiz().questions[3], Some(&r));
            assert_eq!(o.status, Status::Correct, "{r:?}");
            assert_eq!(notes(&o).first().map(String::as_str), note, "{r:?}");
        }
        assert_eq!(points(3, cell("yes")), (0.0, Status::Wrong));
    }

    #[test]
    fn short_answers_match_after_normalization() {
        assert_eq!(points(4, text("remix")), (1.0, Status::Correct));
        assert_eq!(points(4, text("  ＲＥＭＩＸ ")), (1.0, Status::Correct));
        assert_eq!(points(4, cell("混合")), (1.0, Status::Correct));
        assert_eq!(points(4, text("re mix")), (0.0, Status::Wrong));
        assert_eq!(points(4, Response::Number(3.0)), (0.0, Status::Invalid));
    }

    #[test]
    fn numeric_within_tolerance() {
        assert_eq!(points(5, Response::Number(3.0)), (1.0, Status::Correct));
        assert_eq!(points(5, Response::Number(3.1)), (1.0, Status::Correct));
        assert_eq!(points(5, Response::Number(2.9)), (1.0, Status::Correct));
        assert_eq!(points(5, Response::Number(3.11)), (0.0, Status::Wrong));
        assert_eq!(points(5, cell("3.05")), (1.0, Status::Correct));
        assert_eq!(points(5, cell("3,05")), (1.0, Status::Correct));
        assert_eq!(points(5, cell("NaN")), (0.0, Status::Invalid));
        assert_eq!(points(5, text("3")), (1.0, Status::Correct));
        assert_eq!(points(5, cell("abc")), (0.0, Status::Invalid));
        // Not a percent question: `%` is not accepted.
        assert_eq!(points(5, cell("3%")), (0.0, Status::Invalid));
        let o = grade(&quiz().questions[5], Some(&cell("３,０")));
        assert_eq!(notes(&o), ["accepted \"３,０\" as the number 3"]);
        let o = grade(&quiz().questions[5], Some(&cell("x")));
        assert_eq!(notes(&o), ["expected a number, found \"x\"; scored 0"]);
    }

    #[test]
    fn within_has_only_a_tiny_slack() {
        assert!(within(3.1, 3.0, 0.1));
        assert!(!within(3.1000001, 3.0, 0.1));
        assert!(within(5.0, 5.0, 0.0));
        assert!(!within(5.000001, 5.0, 0.0));
    }

    fn response() -> impl proptest::strategy::Strategy<Value = Response> {
        use proptest::prelude::*;
        let text = "[a-e;,. ＡＢ混合0-9]{0,6}";
        prop_oneof![
            Just(Response::Null),
            text.prop_map(Response::Text),
            text.prop_map(Response::Cell),
            proptest::collection::vec("[a-f]{1,2}", 0..6).prop_map(Response::List),
            any::<bool>().prop_map(Response::Bool),
            any::<f64>().prop_map(Response::Number),
            Just(Response::Other("a table (or a date)")),
        ]
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config {
            failure_persistence: None,
            ..proptest::test_runner::Config::default()
        })]

        #[test]
        fn any_response_scores_within_the_question_and_never_panics(q in 0usize..6, r in response()) {
            let quiz = quiz();
            let question = &quiz.questions[q];
            let o = grade(question, Some(&r));
            proptest::prop_assert!(o.points >= 0.0 && o.points <= question.points);
            match o.status {
                Status::Correct => proptest::prop_assert_eq!(o.points, question.points),
                Status::Partial => proptest::prop_assert!(o.points > 0.0 && o.points < question.points),
                _ => proptest::prop_assert_eq!(o.points, 0.0),
            }
            if o.status == Status::Invalid {
                proptest::prop_assert!(!o.notes.is_empty() && o.given.is_none());
            }
            proptest::prop_assert_eq!(o.written.is_some(), o.status != Status::Unanswered);
        }
    }
}
