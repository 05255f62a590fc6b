//! GIFT, Moodle's plain-text question format: reading a GIFT file into a coinflip quiz file
//! (`quiz import-gift`) and writing a quiz as GIFT (`quiz export-gift`).
//!
//! Hand-written because no maintained Rust crate reads or writes GIFT. The grammar follows
//! Moodle's documentation and its own importer (`question/format/gift/format.php`): questions are
//! separated by blank lines; lines starting with `//` are comments; `\~ \= \# \{ \} \: \\` are
//! escapes and `\n` a line break; `::title::` names a question; the answer is between `{` and `}`,
//! with `=` right answers, `~` other options, `%50%` weights, `#` per-answer feedback and `####`
//! general feedback. The question type is decided the way Moodle decides it: `#` first → numeric,
//! any `~` → multiple choice (single if some answer starts with `=`, multiple answers otherwise),
//! `=` with `->` → matching, `T`/`F`/`TRUE`/`FALSE` → true-false, otherwise short answer.
//!
//! What coinflip cannot grade (matching, essay, missing word, description, several full-credit
//! numeric answers) is skipped and reported with its line; what it cannot keep (partial-credit
//! short or numeric answers, per-answer feedback of non-choice questions, points on export) is
//! reported as a note. Import → export → import gives the same quiz file (tested).

use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;

use super::inputs::display;
use super::key::{Key, Quiz, RESERVED_IDS, Scoring, is_plain_id};
use super::render::weight_text;
use super::text::Lang;
use crate::exit::ExitCode;

/// Something the importer or exporter reports: a skipped question or a lossy conversion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// The GIFT line the question starts on (import), or `None` (export).
    pub line: Option<usize>,
    /// The question it concerns (export), or `None`.
    pub question: Option<String>,
    /// What happened.
    pub message: String,
    /// The question was left out.
    pub skipped: bool,
}

/// The result of [`import`].
#[derive(Debug, Clone, PartialEq)]
pub struct Imported {
    /// The quiz file (TOML).
    pub toml: String,
    /// How many questions it holds.
    pub questions: usize,
    /// Skipped questions and lossy conversions, in file order.
    pub notes: Vec<Note>,
}

/// The result of [`export`].
#[derive(Debug, Clone, PartialEq)]
pub struct Exported {
    /// The GIFT text.
    pub gift: String,
    /// What GIFT cannot say about the quiz (points, all-or-nothing scoring).
    pub notes: Vec<Note>,
}

// ---- escapes ----------------------------------------------------------------------------------

/// Placeholders for escaped characters while the structure is parsed: Unicode noncharacters,
/// which text never contains (a file that does is refused).
const PLACEHOLDERS: [(char, char); 7] = [
    ('\\', '\u{FDD0}'),
    (':', '\u{FDD1}'),
    ('#', '\u{FDD2}'),
    ('=', '\u{FDD3}'),
    ('{', '\u{FDD4}'),
    ('}', '\u{FDD5}'),
    ('~', '\u{FDD6}'),
];

/// Replaces escapes by placeholders (and `\n` by a line break).
fn protect(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.peek().copied() {
            Some('n') => {
                chars.next();
                out.push('\n');
            }
            Some(n) => match PLACEHOLDERS.iter().find(|(ch, _)| *ch == n) {
                Some((_, p)) => {
                    chars.next();
                    out.push(*p);
                }
                None => out.push('\\'),
            },
            None => out.push('\\'),
        }
    }
    out
}

/// Turns placeholders back into the characters they stand for, and trims.
fn restore(s: &str) -> String {
    s.trim()
        .chars()
        .map(|c| {
            PLACEHOLDERS
                .iter()
                .find(|(_, p)| *p == c)
                .map_or(c, |(ch, _)| *ch)
        })
        .collect()
}

/// Escapes text for GIFT.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.trim().chars() {
        match c {
            '\\' | '~' | '=' | '#' | '{' | '}' | ':' => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push_str("\\n"),
            '\r' => {}
            _ => out.push(c),
        }
    }
    out
}

// ---- reading ----------------------------------------------------------------------------------

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

/// One option of a choice question, as read.
#[derive(Debug, Clone, PartialEq)]
struct Opt {
    text: String,
    weight: f64,
    feedback: Option<String>,
}

/// A question as read from GIFT, before it gets an id.
#[derive(Debug, Clone, PartialEq)]
enum Body {
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
struct Draft {
    title: Option<String>,
    prompt: String,
    body: Body,
    explanation: Option<String>,
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
fn parse_question(text: &str, notes: &mut Vec<String>) -> Result<Draft, String> {
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
        if (positive - 100.0).abs() > super::key::WEIGHT_SUM_SLACK {
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

// ---- writing ----------------------------------------------------------------------------------

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
                super::render::points_text(q.points)
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
fn write_answers(out: &mut String, q: &super::key::Question, lang: Lang) {
    let feedback = |o: &super::key::Choice| {
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

// ---- commands ---------------------------------------------------------------------------------

fn print_notes(err: &mut dyn Write, file: &str, notes: &[Note]) {
    for n in notes {
        let what = if n.skipped { "skipped" } else { "note" };
        let _ = match (n.line, &n.question) {
            (Some(l), Some(q)) => {
                writeln!(err, "{file}:{l}: {what}: question `{q}`: {}", n.message)
            }
            (Some(l), None) => writeln!(err, "{file}:{l}: {what}: {}", n.message),
            (None, Some(q)) => writeln!(err, "{file}: {what}: question `{q}`: {}", n.message),
            (None, None) => writeln!(err, "{file}: {what}: {}", n.message),
        };
    }
}

fn emit(path: Option<&Path>, body: &str, out: &mut dyn Write, err: &mut dyn Write) -> bool {
    match path {
        Some(p) => match crate::output::write_atomic(p, body.as_bytes()) {
            Ok(()) => true,
            Err(e) => {
                let _ = writeln!(err, "error: cannot write {}: {e}", display(p));
                false
            }
        },
        None => out
            .write_all(body.as_bytes())
            .and_then(|_| out.flush())
            .is_ok(),
    }
}

fn refuse(flag_out: Option<&Path>, input: &Path, err: &mut dyn Write) -> bool {
    if let Some(o) = flag_out
        && crate::output::is_same_or_inside(o, input)
    {
        let _ = writeln!(
            err,
            "error: --out {} would write over the input {}; choose another path",
            display(o),
            display(input)
        );
        return true;
    }
    false
}

/// `quiz import-gift FILE [--out QUIZ]`: 0 every question converted; 1 a question was skipped (the
/// others are still written), nothing could be converted, or the file is unreadable; 2 `--out` is
/// the input.
pub fn import_command(
    file: &Path,
    out_path: Option<&Path>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> ExitCode {
    if refuse(out_path, file, err) {
        return ExitCode::Usage;
    }
    let shown = display(file);
    let source = match crate::input::read_limited(file, &crate::input::GIFT_LIMIT) {
        Err(e) => {
            let _ = writeln!(err, "error: {shown}: cannot read the GIFT file: {e}");
            return ExitCode::Failed;
        }
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(s) => s,
            Err(e) => {
                let (line, col) = crate::error::line_col(
                    &String::from_utf8_lossy(e.as_bytes()),
                    e.utf8_error().valid_up_to(),
                );
                let _ = writeln!(
                    err,
                    "error: {shown}:{line}:{col}: the GIFT file is not UTF-8 text"
                );
                return ExitCode::Failed;
            }
        },
    };
    let stem = file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "GIFT quiz".into());
    let imported = match import(&source, &stem) {
        Ok(i) => i,
        Err(e) => {
            let _ = writeln!(err, "error: {shown}: {e}");
            return ExitCode::Failed;
        }
    };
    print_notes(err, &shown, &imported.notes);
    let skipped = imported.notes.iter().filter(|n| n.skipped).count();
    if imported.questions == 0 {
        let _ = writeln!(
            err,
            "error: {shown}: no question could be converted ({skipped} skipped); nothing written"
        );
        return ExitCode::Failed;
    }
    // The importer only writes what the quiz reader accepts; say so loudly if it ever does not.
    if let Err(problems) = Quiz::parse(Path::new("<converted quiz>"), &imported.toml) {
        for p in problems {
            let _ = writeln!(err, "error: internal: the converted quiz is invalid: {p}");
        }
        return ExitCode::Failed;
    }
    if !emit(out_path, &imported.toml, out, err) {
        return ExitCode::Failed;
    }
    let _ = writeln!(
        err,
        "{} question{} converted, {skipped} skipped",
        imported.questions,
        if imported.questions == 1 { "" } else { "s" }
    );
    ExitCode::from_passed(skipped == 0)
}

/// `quiz export-gift QUIZ [--out FILE] [--lang]`: 0 written; 1 the quiz is invalid or unwritable;
/// 2 `--out` is the quiz.
pub fn export_command(
    quiz_path: &Path,
    out_path: Option<&Path>,
    lang: Lang,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> ExitCode {
    if refuse(out_path, quiz_path, err) {
        return ExitCode::Usage;
    }
    let Some(quiz) = super::load_quiz(quiz_path, err) else {
        return ExitCode::Failed;
    };
    let exported = export(&quiz, lang);
    print_notes(err, &display(quiz_path), &exported.notes);
    if emit(out_path, &exported.gift, out, err) {
        ExitCode::Ok
    } else {
        ExitCode::Failed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn imp(src: &str) -> Imported {
        import(src, "test").unwrap()
    }

    fn quiz(src: &str) -> Quiz {
        let i = imp(src);
        Quiz::parse(Path::new("q.toml"), &i.toml).unwrap_or_else(|e| panic!("{e:?}\n{}", i.toml))
    }

    #[test]
    fn escapes_round_trip() {
        let text = "a \\ b ~ c = d # e { f } g : h\nnext";
        let e = escape(text);
        assert_eq!(e, "a \\\\ b \\~ c \\= d \\# e \\{ f \\} g \\: h\\nnext");
        assert_eq!(restore(&protect(&e)), text);
        // An unknown escape keeps its backslash, as in Moodle.
        assert_eq!(restore(&protect("C:\\temp")), "C:\\temp");
    }

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
            Some(super::super::text::Text::from("close"))
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
