//! One error type for every input coinflip reads: a [`Diagnostic`] names the file, the line and
//! column, the key, what was expected and what was found, so a user can fix the input without guessing.
//!
//! Parsers (scenario, quiz, answers, corpus) turn their failures into diagnostics at the point
//! where they still know the location; nothing downstream has to reconstruct it.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// A problem with one input, located as precisely as the parser could.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The file the problem is in, as the user named it (relative paths stay relative).
    pub file: PathBuf,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// 1-based column in Unicode scalar values, when known.
    pub column: Option<usize>,
    /// The dotted key (`model.order`), when the problem belongs to one.
    pub key: Option<String>,
    /// What is wrong: what was expected and what was found.
    pub message: String,
    /// The offending source line, shown under the message with a caret.
    pub snippet: Option<String>,
}

impl Diagnostic {
    /// A problem with a whole file (missing, unreadable, empty, ...).
    pub fn file(file: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Diagnostic {
            file: file.into(),
            line: None,
            column: None,
            key: None,
            message: message.into(),
            snippet: None,
        }
    }

    /// A problem at a byte span of `source` (the file's text).
    pub fn at(
        file: impl Into<PathBuf>,
        source: &str,
        span: Option<Range<usize>>,
        key: Option<String>,
        message: impl Into<String>,
    ) -> Self {
        let mut d = Diagnostic::file(file, message);
        d.key = key;
        if let Some(span) = span {
            let (line, column) = line_col(source, span.start);
            d.line = Some(line);
            d.column = Some(column);
            d.snippet = source.lines().nth(line - 1).map(|l| l.to_string());
        }
        d
    }

    /// Sets the key if the diagnostic has none yet.
    pub fn with_key(mut self, key: impl Into<String>) -> Self {
        if self.key.is_none() {
            self.key = Some(key.into());
        }
        self
    }

    /// The one-line form: `file:line:col: key: message`.
    pub fn headline(&self) -> String {
        let mut s = crate::text::slashed(&self.file);
        if let Some(line) = self.line {
            s.push_str(&format!(":{line}"));
            if let Some(col) = self.column {
                s.push_str(&format!(":{col}"));
            }
        }
        s.push_str(": ");
        if let Some(key) = &self.key {
            s.push_str(&format!("`{key}`: "));
        }
        s.push_str(&self.message);
        s
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.headline())?;
        if let (Some(snippet), Some(line), Some(col)) = (&self.snippet, self.line, self.column) {
            let gutter = line.to_string().len();
            let (shown, pad) = snippet_window(snippet, col);
            write!(
                f,
                "\n{:g$} |\n{line} | {shown}\n{:g$} | {pad}^",
                "",
                "",
                g = gutter,
            )?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostic {}

/// The source line as shown under a message, and the padding that puts a caret under character
/// column `col`: wide (CJK) characters take two columns, a tab in the line is a tab in the
/// padding (so both expand alike), and a line longer than [`SNIPPET_CHARS`] is cut to a window
/// around the column, with `…` marking the cuts (a minified JSON file is one long line).
fn snippet_window(line: &str, col: usize) -> (String, String) {
    use unicode_width::UnicodeWidthChar;
    let chars: Vec<char> = line.chars().collect();
    let at = col.saturating_sub(1).min(chars.len());
    let (start, end) = if chars.len() <= SNIPPET_CHARS {
        (0, chars.len())
    } else {
        let start = at.saturating_sub(SNIPPET_CHARS * 2 / 3);
        (start, (start + SNIPPET_CHARS).min(chars.len()))
    };
    let mut shown = String::new();
    let mut pad = String::new();
    if start > 0 {
        shown.push('…');
        pad.push(' ');
    }
    shown.extend(&chars[start..end]);
    if end < chars.len() {
        shown.push('…');
    }
    for &c in &chars[start..at] {
        if c == '\t' {
            pad.push('\t');
        } else {
            pad.extend(std::iter::repeat_n(' ', c.width().unwrap_or(0)));
        }
    }
    (shown, pad)
}

/// Longest source line (in characters) shown whole under a message.
pub const SNIPPET_CHARS: usize = 100;

/// 1-based (line, column) of a byte offset; the column counts Unicode scalar values, as editors do.
pub fn line_col(source: &str, byte: usize) -> (usize, usize) {
    let mut byte = byte.min(source.len());
    while !source.is_char_boundary(byte) {
        byte -= 1;
    }
    let before = &source[..byte];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    let column = source[line_start..byte].chars().count() + 1;
    (line, column)
}

/// Turns a `toml` deserialization error into a diagnostic: location from its span, the key from
/// the table headers and `key =` lines above the span, and a "did you mean" for unknown keys.
pub fn from_toml(file: &Path, source: &str, err: &toml::de::Error) -> Diagnostic {
    let span = err.span();
    let key = span.as_ref().and_then(|s| key_at(source, s.start));
    let mut message = plain_types(err.message().trim());
    if let Some(hint) = did_you_mean(&message) {
        message.push_str(&hint);
    }
    Diagnostic::at(file, source, span, key, message)
}

/// serde names Rust types ("expected i64"); users wrote TOML, so name TOML's kinds of value.
fn plain_types(message: &str) -> String {
    message
        .replace("expected i64", "expected an integer")
        .replace("expected u64", "expected an integer ≥ 0")
        .replace("expected f64", "expected a number")
        .replace("expected a boolean", "expected true or false")
        .replace("expected a string", "expected a quoted string")
        .replace("missing field `", "missing required key `")
}

/// Suggests the closest expected key for serde's "unknown field `x`, expected one of `a`, `b`",
/// and the closest name for its "unknown variant `x`, expected …" (`"chars"` → `char`).
fn did_you_mean(message: &str) -> Option<String> {
    let rest = message
        .strip_prefix("unknown field `")
        .or_else(|| message.strip_prefix("unknown variant `"))?;
    let (unknown, rest) = rest.split_once('`')?;
    let expected: Vec<&str> = rest.split('`').skip(1).step_by(2).collect();
    let best = expected
        .iter()
        .map(|e| (strsim::damerau_levenshtein(unknown, e), *e))
        .min()?;
    (best.0 <= 2.max(unknown.len() / 3)).then(|| format!(" (did you mean `{}`?)", best.1))
}

/// The dotted key whose value (or name) covers byte offset `at`, found from the `[table]` headers
/// and `key = value` lines. Good for the flat, hand-written files coinflip reads.
pub fn key_at(source: &str, at: usize) -> Option<String> {
    let at = at.min(source.len());
    let mut table: Option<String> = None;
    let mut key: Option<String> = None;
    let mut offset = 0;
    for line in source.split_inclusive('\n') {
        let end = offset + line.len();
        let trimmed = line.trim();
        if offset > at {
            break;
        }
        if trimmed.starts_with('[') {
            let name = trimmed.trim_start_matches('[');
            let name = name.split(']').next().unwrap_or("").trim();
            table = Some(name.to_string());
            key = None;
        } else if let Some((k, _)) = trimmed.split_once('=')
            && !trimmed.starts_with('#')
            && !k.contains('"')
        {
            key = Some(k.trim().to_string());
        }
        if at < end {
            break;
        }
        offset = end;
    }
    match (table, key) {
        (Some(t), Some(k)) => Some(format!("{t}.{k}")),
        (Some(t), None) => Some(t),
        (None, k) => k,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_chars_not_bytes() {
        let src = "a = 1\nb = \"中文\" x\n";
        let byte = src.find('x').unwrap();
        assert_eq!(line_col(src, byte), (2, 10));
        assert_eq!(line_col(src, 0), (1, 1));
    }

    #[test]
    fn key_at_finds_table_and_key() {
        let src = "name = \"x\"\n[model]\norder = 0\n";
        let byte = src.find('0').unwrap();
        assert_eq!(key_at(src, byte).as_deref(), Some("model.order"));
        assert_eq!(key_at(src, 2).as_deref(), Some("name"));
    }

    #[test]
    fn suggests_closest_key() {
        let m = "unknown field `ordr`, expected one of `order`, `tokenizer`";
        assert_eq!(did_you_mean(m).as_deref(), Some(" (did you mean `order`?)"));
        let m = "unknown field `zzzzzzzz`, expected `order`";
        assert_eq!(did_you_mean(m), None);
        let m = "unknown variant `kneser_ney`, expected one of `mle`, `add-k`, `kneser-ney`";
        assert_eq!(
            did_you_mean(m).as_deref(),
            Some(" (did you mean `kneser-ney`?)")
        );
        let m = "unknown variant `chars`, expected one of `word`, `char`, `whitespace`";
        assert_eq!(did_you_mean(m).as_deref(), Some(" (did you mean `char`?)"));
    }

    #[test]
    fn caret_under_wide_characters_tabs_and_long_lines() {
        // `中文` takes four terminal columns: the caret sits under `x`, not two columns early.
        let src = "name = \"中文\" x\n";
        let d = Diagnostic::at("s.toml", src, src.find('x').map(|i| i..i + 1), None, "m");
        assert_eq!(d.column, Some(13));
        assert_eq!(
            d.to_string(),
            "s.toml:1:13: m\n  |\n1 | name = \"中文\" x\n  |               ^"
        );
        let src = "\tord = 0\n";
        let d = Diagnostic::at("s.toml", src, Some(7..8), None, "m");
        assert_eq!(
            d.to_string(),
            "s.toml:1:8: m\n  |\n1 | \tord = 0\n  | \t      ^"
        );
        // A 10 000-character line shows 100 characters around the column.
        let src = format!("{}X{}", "a".repeat(5000), "b".repeat(4999));
        let d = Diagnostic::at("s.json", &src, Some(5000..5001), None, "m");
        let shown = d.to_string();
        let lines: Vec<&str> = shown.lines().collect();
        assert_eq!(
            lines[2],
            format!("1 | …{}X{}…", "a".repeat(66), "b".repeat(33))
        );
        assert_eq!(lines[3].find('^'), lines[2].find('X').map(|i| i - 2));
    }

    #[test]
    fn display_shows_caret() {
        let src = "[model]\norder = 0\n";
        let d = Diagnostic::at(
            "s.toml",
            src,
            Some(16..17),
            Some("model.order".into()),
            "expected 1..=16, found 0",
        );
        assert_eq!(
            d.to_string(),
            "s.toml:2:9: `model.order`: expected 1..=16, found 0\n  |\n2 | order = 0\n  |         ^"
        );
    }
}
