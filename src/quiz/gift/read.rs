//! Reading a GIFT file into a quiz file: the file cut into categories and question blocks, each
//! block read by [`super::question`], given an id and written as quiz TOML, checked the way
//! `quiz check` will; [`import`] puts the quiz together.

use std::fmt::Write as _;
use std::path::Path;

use super::escape::{PLACEHOLDERS, protect};
use super::question::{Body, Draft, Opt, parse_question};
use super::{Imported, Note};
use crate::quiz::key::{Quiz, RESERVED_IDS, is_plain_id};

enum Item {
    Category { line: usize, path: String },
    Question { line: usize, text: String },
}

/// Splits GIFT into categories and question blocks (runs of non-blank lines, comments dropped).
fn items(source: &str) -> Vec<Item> {
    let mut out = vec![];
    let mut block: Vec<&str> = vec![];
    let mut start = 0;
    let flush = |block: &mut Vec<&str>, start: usize, out: &mut Vec<Item>| {
        if !block.is_empty() {
            out.push(Item::Question {
                line: start,
                text: block.join("\n"),
            });
            block.clear();
        }
    };
    for (i, raw) in source.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() {
            flush(&mut block, start, &mut out);
        } else if line.starts_with("//") {
            continue;
        } else if block.is_empty() && line.starts_with("$CATEGORY:") {
            out.push(Item::Category {
                line: i + 1,
                path: line["$CATEGORY:".len()..].trim().to_string(),
            });
        } else {
            if block.is_empty() {
                start = i + 1;
            }
            block.push(line);
        }
    }
    flush(&mut block, start, &mut out);
    out
}

/// The last segment of a Moodle category path (`$course$/top/Chapter 6` → `Chapter 6`); `//` is a
/// literal `/`.
fn category_name(path: &str) -> String {
    let mut segments = vec![String::new()];
    let mut chars = path.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '/' {
            if chars.peek() == Some(&'/') {
                chars.next();
                segments.last_mut().expect("one segment").push('/');
            } else {
                segments.push(String::new());
            }
        } else {
            segments.last_mut().expect("one segment").push(c);
        }
    }
    segments
        .into_iter()
        .map(|s| s.trim().to_string())
        .rfind(|s| !s.is_empty())
        .unwrap_or_default()
}

/// A plain id from `s` (`What's 2+2?` → `what-s-2-2`), or `None`.
fn slug(s: &str) -> Option<String> {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out: String = out.trim_end_matches('-').chars().take(40).collect();
    let out = out.trim_end_matches('-').to_string();
    (!out.is_empty()).then_some(out)
}

fn reserved(id: &str) -> bool {
    RESERVED_IDS.iter().any(|r| r.eq_ignore_ascii_case(id))
}

/// The question's id: its title when that is a plain id, else the title's slug, else `q<n>`;
/// made unique with `-2`, `-3`, ….
fn question_id(
    title: Option<&str>,
    n: usize,
    used: &mut std::collections::HashSet<String>,
) -> String {
    let base = title
        .map(str::trim)
        .and_then(|t| {
            if is_plain_id(t) {
                Some(t.to_string())
            } else {
                slug(t)
            }
        })
        .filter(|id| !reserved(id))
        .unwrap_or_else(|| format!("q{n}"));
    let mut id = base.clone();
    let mut k = 2;
    while used.contains(&id.to_ascii_lowercase()) {
        id = format!("{base}-{k}");
        k += 1;
    }
    used.insert(id.to_ascii_lowercase());
    id
}

/// Option ids: `a` … `z`, then `o27`, `o28`, ….
fn option_id(i: usize) -> String {
    if i < 26 {
        ((b'a' + i as u8) as char).to_string()
    } else {
        format!("o{}", i + 1)
    }
}

fn toml_str(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// A number as TOML that reads back as the same `f64`: an integer when it is one (below 10^15,
/// exact in both), else Rust's shortest round-trip form, with an exponent when that is shorter
/// (`6.02e23`, never 24 digits that TOML would read as an integer too large for it).
fn toml_num(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x:?}")
    }
}

/// Converts GIFT `source` into a quiz file. `default_title` names the quiz when the file has no
/// `$CATEGORY` (the file's stem). Errors are file-level: the file cannot be read as GIFT at all.
pub fn import(source: &str, default_title: &str) -> Result<Imported, String> {
    let source = source.strip_prefix('\u{feff}').unwrap_or(source);
    if let Some((i, _)) = source
        .lines()
        .enumerate()
        .find(|(_, l)| l.chars().any(|c| PLACEHOLDERS.iter().any(|(_, p)| *p == c)))
    {
        return Err(format!(
            "line {}: the file contains a Unicode noncharacter (U+FDD0…U+FDD6), which is not text",
            i + 1
        ));
    }
    let mut notes = vec![];
    let mut title: Option<String> = None;
    let mut used = std::collections::HashSet::new();
    let mut body = String::new();
    let mut count = 0;
    for item in items(source) {
        match item {
            Item::Category { line, path } => {
                let name = category_name(&path);
                match &title {
                    None if !name.is_empty() => title = Some(name),
                    Some(t) if *t == name => {}
                    _ => notes.push(Note {
                        line: Some(line),
                        question: None,
                        message: format!(
                            "coinflip quizzes have no categories: `$CATEGORY: {path}` is ignored; the questions below it are imported into this quiz"
                        ),
                        skipped: false,
                    }),
                }
            }
            Item::Question { line, text } => match convert(&text, count + 1, &mut used) {
                Ok((one, id, lossy)) => {
                    count += 1;
                    body.push_str(&one);
                    notes.extend(lossy.into_iter().map(|message| Note {
                        line: Some(line),
                        question: Some(id.clone()),
                        message,
                        skipped: false,
                    }));
                }
                Err(why) => notes.push(Note {
                    line: Some(line),
                    question: None,
                    message: why,
                    skipped: true,
                }),
            },
        }
    }
    let title = title
        .filter(|t| !t.trim().is_empty())
        .unwrap_or_else(|| default_title.to_string());
    let id = slug(&title).unwrap_or_else(|| "gift-quiz".into());
    let toml = format!(
        "# Converted from GIFT by `coinflip quiz import-gift`.\nid = {}\ntitle = {}\n{body}",
        toml_str(&id),
        toml_str(&title)
    );
    Ok(Imported {
        toml,
        questions: count,
        notes,
    })
}

/// One question block as quiz TOML, its id and its lossy parts; `Err` is why it is skipped.
fn convert(
    text: &str,
    n: usize,
    used: &mut std::collections::HashSet<String>,
) -> Result<(String, String, Vec<String>), String> {
    let mut lossy = vec![];
    let draft = parse_question(&protect(text), &mut lossy)?;
    let id = question_id(draft.title.as_deref(), n, used);
    let mut one = String::new();
    write_question(&mut one, &id, &draft);
    check_converted(&one)?;
    Ok((one, id, lossy))
}

/// Checks one converted question the way `quiz check` will, so that a question coinflip cannot
/// represent is skipped with the reason and the good questions are still written.
fn check_converted(question_toml: &str) -> Result<(), String> {
    let quiz = format!("id = \"q\"\ntitle = \"q\"\n{question_toml}");
    match Quiz::parse(Path::new("<question>"), &quiz) {
        Ok(_) => Ok(()),
        Err(problems) => Err(format!(
            "the question cannot be converted: {}",
            problems
                .iter()
                .map(|p| match &p.key {
                    Some(k) => format!("`{k}`: {}", p.message),
                    None => p.message.clone(),
                })
                .collect::<Vec<_>>()
                .join("; ")
        )),
    }
}

fn write_question(out: &mut String, id: &str, d: &Draft) {
    let kind = match d.body {
        Body::Single { .. } => "single",
        Body::Multiple { .. } => "multiple",
        Body::TrueFalse(_) => "true-false",
        Body::Short(_) => "short",
        Body::Numeric { .. } => "numeric",
    };
    let _ = write!(
        out,
        "\n[[questions]]\nid = {}\nkind = \"{kind}\"\nprompt = {}\n",
        toml_str(id),
        toml_str(&d.prompt)
    );
    let options = |out: &mut String, opts: &[Opt], weighted: bool| {
        out.push_str("options = [\n");
        for (i, o) in opts.iter().enumerate() {
            let _ = write!(
                out,
                "  {{ id = \"{}\", text = {}",
                option_id(i),
                toml_str(&o.text)
            );
            if weighted && o.weight != 0.0 {
                let _ = write!(out, ", weight = {}", toml_num(o.weight));
            }
            if let Some(f) = &o.feedback {
                let _ = write!(out, ", feedback = {}", toml_str(f));
            }
            out.push_str(" },\n");
        }
        out.push_str("]\n");
    };
    match &d.body {
        Body::Single {
            options: opts,
            answer,
            weighted,
        } => {
            options(out, opts, *weighted);
            let _ = writeln!(out, "answer = \"{}\"", option_id(*answer));
            if *weighted {
                out.push_str("scoring = \"weighted\"\n");
            }
        }
        Body::Multiple { options: opts } => {
            options(out, opts, true);
            let right: Vec<String> = opts
                .iter()
                .enumerate()
                .filter(|(_, o)| o.weight > 0.0)
                .map(|(i, _)| format!("\"{}\"", option_id(i)))
                .collect();
            let _ = writeln!(out, "answer = [{}]", right.join(", "));
            out.push_str("scoring = \"weighted\"\n");
        }
        Body::TrueFalse(b) => {
            let _ = writeln!(out, "answer = {b}");
        }
        Body::Short(accepted) => {
            let list: Vec<String> = accepted.iter().map(|a| toml_str(a)).collect();
            let _ = writeln!(out, "answer = [{}]", list.join(", "));
        }
        Body::Numeric { value, tolerance } => {
            let _ = writeln!(
                out,
                "answer = {{ value = {}, tolerance = {} }}",
                toml_num(*value),
                toml_num(*tolerance)
            );
        }
    }
    if let Some(e) = &d.explanation {
        let _ = writeln!(out, "explanation = {}", toml_str(e));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn category_names() {
        assert_eq!(category_name("$course$/top/Chapter 6"), "Chapter 6");
        assert_eq!(category_name("a/b//c/"), "b/c");
        assert_eq!(category_name(""), "");
    }

    #[test]
    fn ids_come_from_titles() {
        let mut used = std::collections::HashSet::new();
        assert_eq!(question_id(Some("q1"), 1, &mut used), "q1");
        assert_eq!(question_id(Some("What's 2+2?"), 2, &mut used), "what-s-2-2");
        assert_eq!(question_id(Some("Q1"), 3, &mut used), "Q1-2");
        assert_eq!(question_id(None, 4, &mut used), "q4");
        assert_eq!(question_id(Some("Score"), 5, &mut used), "q5");
        assert_eq!(question_id(Some("!!!"), 6, &mut used), "q6");
    }
}
