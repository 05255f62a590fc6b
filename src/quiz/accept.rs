//! Reading what a student obviously meant: option ids in any case or an option's exact text,
//! several options written `a, b, d` / `a;b;d` / `a b d`, truth values as yes/no, 1/0, 对/错 …,
//! numbers with a decimal comma, full-width digits or a trailing `%`. Each function says whether
//! the answer was written in the documented form (`exact`), so the grader can note every lenient
//! reading for the instructor.

use super::key::{Choice, Question};
use super::normalize::{half_width, short_answer};

/// Words read as `true` and `false` (compared after NFKC and lower-casing).
const TRUE_WORDS: [&str; 8] = ["true", "t", "yes", "y", "1", "对", "是", "正确"];
const FALSE_WORDS: [&str; 8] = ["false", "f", "no", "n", "0", "错", "否", "错误"];

/// `s` as a truth value; `exact` when it is `true` or `false` in some case.
pub fn truth(s: &str) -> Option<(bool, bool)> {
    let t = half_width(s).to_lowercase();
    let exact = t == "true" || t == "false";
    if TRUE_WORDS.contains(&t.as_str()) {
        Some((true, exact))
    } else if FALSE_WORDS.contains(&t.as_str()) {
        Some((false, exact))
    } else {
        None
    }
}

/// `s` as a number: surrounding spaces, full-width digits, a decimal comma (`32,5`, when there is
/// one comma and no `.`), and a trailing `%` when `percent`. `exact` when `s` (trimmed) parses as
/// written. Non-finite values are returned as read; the grader refuses them.
pub fn number(s: &str, percent: bool) -> Option<(f64, bool)> {
    if let Ok(x) = s.trim().parse::<f64>() {
        return Some((x, true));
    }
    let mut t = half_width(s);
    if percent && let Some(rest) = t.strip_suffix('%') {
        t = rest.trim_end().to_string();
    }
    if !t.contains('.') && t.matches(',').count() == 1 {
        t = t.replace(',', ".");
    }
    t.parse::<f64>().ok().map(|x| (x, false))
}

/// The option `s` names: its id exactly (`exact`), its id in another case, or its text in either
/// language (compared as short answers are). Ids win over texts.
pub fn option<'q>(q: &'q Question, s: &str) -> Option<(&'q Choice, bool)> {
    let s = s.trim();
    if let Some(o) = q.option(s) {
        return Some((o, true));
    }
    if let Some(o) = q.options.iter().find(|o| o.id.eq_ignore_ascii_case(s)) {
        return Some((o, false));
    }
    let norm = short_answer(s);
    if norm.is_empty() {
        return None;
    }
    q.options
        .iter()
        .find(|o| {
            [super::text::Lang::En, super::text::Lang::Zh]
                .iter()
                .any(|l| short_answer(o.text.get(*l)) == norm)
        })
        .map(|o| (o, false))
}

/// Options read from one piece of text, and whether it was written in the documented form
/// (option ids separated by `;`).
pub type Chosen<'q> = (Vec<&'q Choice>, bool);

/// The options `s` names, or the first piece that names none. Tried in order: the whole text as
/// one option (an option text may hold commas); pieces separated by `;`; pieces separated by `,`
/// (consecutive pieces joined again where an option's text holds a comma, as forms export
/// checkbox answers joined by `, `); words separated by spaces (ids only).
pub fn options<'q>(q: &'q Question, s: &str) -> Result<Chosen<'q>, String> {
    let s = s.trim();
    if let Some((o, exact)) = option(q, s) {
        return Ok((vec![o], exact));
    }
    if s.contains(';') {
        let pieces: Vec<&str> = s
            .split(';')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .collect();
        return each(q, &pieces);
    }
    if s.contains(',') {
        let pieces: Vec<&str> = s.split(',').collect();
        return match segment(q, &pieces) {
            Some(v) => Ok((v, false)),
            None => Err(first_unknown(q, &pieces)),
        };
    }
    let words: Vec<&str> = s.split_whitespace().collect();
    if words.len() > 1
        && words
            .iter()
            .all(|w| q.options.iter().any(|o| o.id.eq_ignore_ascii_case(w)))
    {
        return each(q, &words).map(|(v, _)| (v, false));
    }
    Err(s.to_string())
}

/// Every piece names an option (`exact` when every piece is an exact id).
fn each<'q>(q: &'q Question, pieces: &[&str]) -> Result<Chosen<'q>, String> {
    let mut out = vec![];
    let mut exact = true;
    for p in pieces {
        match option(q, p) {
            Some((o, e)) => {
                out.push(o);
                exact &= e;
            }
            None => return Err(p.trim().to_string()),
        }
    }
    Ok((out, exact))
}

/// Splits comma pieces into options, joining consecutive pieces with `,` where an option's text
/// holds a comma (dynamic programming over the pieces: linear in pieces × options' comma count).
fn segment<'q>(q: &'q Question, pieces: &[&str]) -> Option<Vec<&'q Choice>> {
    let n = pieces.len();
    // best[i]: the options covering pieces[..i], when they can be covered.
    let mut best: Vec<Option<Vec<&Choice>>> = vec![None; n + 1];
    best[0] = Some(vec![]);
    let longest = 1 + q
        .options
        .iter()
        .map(|o| {
            [super::text::Lang::En, super::text::Lang::Zh]
                .iter()
                .map(|l| o.text.get(*l).matches(',').count())
                .max()
                .unwrap_or(0)
        })
        .max()
        .unwrap_or(0);
    for end in 1..=n {
        for start in end.saturating_sub(longest)..end {
            let Some(prefix) = best[start].clone() else {
                continue;
            };
            let piece = pieces[start..end].join(",");
            if piece.trim().is_empty() && end - start == 1 {
                // `a,,b` or a trailing comma: an empty piece names nothing.
                best[end] = Some(prefix);
                break;
            }
            if let Some((o, _)) = option(q, &piece) {
                let mut v = prefix;
                v.push(o);
                best[end] = Some(v);
                break;
            }
        }
    }
    best[n].take()
}

fn first_unknown(q: &Question, pieces: &[&str]) -> String {
    pieces
        .iter()
        .map(|p| p.trim())
        .find(|p| !p.is_empty() && option(q, p).is_none())
        .unwrap_or("")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quiz::key::Quiz;
    use std::path::Path;

    fn question() -> Question {
        Quiz::parse(
            Path::new("q.toml"),
            r#"id = "t"
title = "t"
[[questions]]
id = "m"
kind = "multiple"
prompt = "p"
options = [
  { id = "a", text = { en = "Feed the tokens, all of them", zh = "喂入 token" } },
  { id = "b", text = "Sample" },
  { id = "c", text = "Retrain" },
  { id = "d", text = "Append" },
]
answer = ["a", "b", "d"]
"#,
        )
        .unwrap()
        .questions
        .remove(0)
    }

    fn ids(r: Result<Chosen, String>) -> Result<(Vec<String>, bool), String> {
        r.map(|(v, e)| (v.iter().map(|o| o.id.clone()).collect(), e))
    }

    fn ok(v: &[&str], exact: bool) -> Result<(Vec<String>, bool), String> {
        Ok((v.iter().map(|s| s.to_string()).collect(), exact))
    }

    #[test]
    fn multiple_answers_in_every_written_form() {
        let q = question();
        assert_eq!(ids(options(&q, "a;b;d")), ok(&["a", "b", "d"], true));
        assert_eq!(ids(options(&q, "a; b ;d")), ok(&["a", "b", "d"], true));
        assert_eq!(ids(options(&q, "A;b")), ok(&["a", "b"], false));
        assert_eq!(ids(options(&q, "a, b, d")), ok(&["a", "b", "d"], false));
        assert_eq!(ids(options(&q, "a b d")), ok(&["a", "b", "d"], false));
        assert_eq!(ids(options(&q, "b")), ok(&["b"], true));
        // Option texts, one holding a comma (a forms export joins with ", ").
        assert_eq!(
            ids(options(&q, "Feed the tokens, all of them, Sample, Append")),
            ok(&["a", "b", "d"], false)
        );
        assert_eq!(
            ids(options(&q, "喂入 token;sample.")),
            ok(&["a", "b"], false)
        );
        assert_eq!(options(&q, "a, x").err(), Some("x".to_string()));
        assert_eq!(options(&q, "a;x").err(), Some("x".to_string()));
        assert_eq!(options(&q, "a x").err(), Some("a x".to_string()));
    }

    #[test]
    fn truth_values() {
        for (s, v, exact) in [
            ("TRUE", true, true),
            ("false", false, true),
            (" Yes ", true, false),
            ("n", false, false),
            ("1", true, false),
            ("０", false, false),
            ("对", true, false),
            ("错误", false, false),
            ("是", true, false),
            ("否", false, false),
        ] {
            assert_eq!(truth(s), Some((v, exact)), "{s}");
        }
        assert_eq!(truth("maybe"), None);
        assert_eq!(truth(""), None);
    }

    #[test]
    fn numbers() {
        assert_eq!(number("32", false), Some((32.0, true)));
        assert_eq!(number(" 32.5 ", false), Some((32.5, true)));
        assert_eq!(number("32,0", false), Some((32.0, false)));
        assert_eq!(number("３２", false), Some((32.0, false)));
        assert_eq!(number("32%", true), Some((32.0, false)));
        assert_eq!(number("32 ％", true), Some((32.0, false)));
        assert_eq!(number("32%", false), None);
        assert_eq!(number("1,000,000", false), None);
        assert_eq!(number("abc", false), None);
    }
}
