//! Markdown escaping (CommonMark with GitHub's tables), for the run report and the quiz exports.
//!
//! Text from inputs (scenario names and descriptions, check messages, outcome labels, student
//! answers) must read as written and never turn into markup. [`inline`] makes a text safe inside a
//! table cell, a heading or a line of prose:
//!
//! - `\` → `\\`, and `|` → `\|` (a bare `|` would split a table cell);
//! - a line break (`\n`, `\r`) → a space (a cell or heading is one line);
//! - `<` → `\<` where it could open raw HTML or an autolink (before a letter, `/`, `!` or `?`), so
//!   `<script>` or `</s>` shows as text; `a < b` is left alone;
//! - `&` → `\&` where it could start an entity (`&lt;`, `&#60;`), so the text shows as written;
//! - `[` → `\[`, so no link, image or link reference can be made.
//!
//! Emphasis characters (`*`, `_`, backticks) are left as they are: they can change how a text
//! looks, not what the page does, and escaping them would clutter every identifier.
//! [`paragraph`] also neutralises what would start a block (a heading, a quote, a list, a fence)
//! at the start of a line; [`fence`] writes a code block that no line of its content can close;
//! [`code_span`] writes inline code that no backtick in it can end.

use std::borrow::Cow;

/// Whether `c` after a `<` could make raw HTML or an autolink (CommonMark 6.5, 6.6).
fn opens_html(c: char) -> bool {
    c.is_ascii_alphabetic() || matches!(c, '/' | '!' | '?')
}

/// `s` safe inside a table cell, a heading or a line of prose (rules in the module header).
pub fn inline(s: &str) -> Cow<'_, str> {
    if !s.contains(['\\', '|', '\n', '\r', '<', '&', '[']) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        let next = chars.peek().copied();
        match c {
            '\\' | '|' | '[' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            '<' if next.is_some_and(opens_html) => out.push_str("\\<"),
            '&' if next.is_some_and(|n| n.is_ascii_alphanumeric() || n == '#') => {
                out.push_str("\\&")
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// `s` as a paragraph of its own: [`inline`], leading blanks dropped (Markdown would drop up to
/// three and make a code block of four), and a backslash before what would otherwise start a
/// block: `#`, `>`, `-`, `+`, `*`, `_`, `=`, `` ` ``, `~`, or a number followed by `.` or `)`.
pub fn paragraph(s: &str) -> String {
    let text = inline(s.trim_start_matches([' ', '\t']));
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    let after_digits = text[digits..].chars().next();
    if text.starts_with(['#', '>', '-', '+', '*', '_', '=', '`', '~']) {
        format!("\\{text}")
    } else if digits > 0 && matches!(after_digits, Some('.' | ')')) {
        format!("{}\\{}", &text[..digits], &text[digits..])
    } else {
        text.into_owned()
    }
}

/// The longest run of consecutive `c` in `s`.
fn longest_run(s: &str, c: char) -> usize {
    let (mut best, mut run) = (0, 0);
    for x in s.chars() {
        run = if x == c { run + 1 } else { 0 };
        best = best.max(run);
    }
    best
}

/// A fenced code block holding `content` verbatim, with the info string `info` (e.g. `text`).
/// The fence is one backtick longer than the longest backtick run in `content` (at least three),
/// so a line of ```` ``` ```` in a sample cannot close it. No trailing newline.
pub fn fence(info: &str, content: &str) -> String {
    let ticks = "`".repeat((longest_run(content, '`') + 1).max(3));
    format!("{ticks}{info}\n{content}\n{ticks}")
}

/// `s` as inline code inside a table cell: enough backticks that none in `s` ends the span
/// (with a space inside when `s` starts or ends with one), line breaks as spaces, and `|` as
/// `\|` (GitHub splits cells before it reads code spans).
pub fn code_span(s: &str) -> String {
    let text = s.replace(['\n', '\r'], " ").replace('|', "\\|");
    let ticks = "`".repeat(longest_run(&text, '`') + 1);
    if text.starts_with('`') || text.ends_with('`') {
        format!("{ticks} {text} {ticks}")
    } else {
        format!("{ticks}{text}{ticks}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_keeps_plain_text_and_escapes_structure() {
        assert!(matches!(inline("viewing-a-single"), Cow::Borrowed(_)));
        assert_eq!(inline("a|b\nc\r\nd"), "a\\|b c  d");
        assert_eq!(inline("C:\\temp"), "C:\\\\temp");
        assert_eq!(inline("[x](javascript:y)"), "\\[x](javascript:y)");
    }

    #[test]
    fn inline_escapes_what_could_be_html_only() {
        assert_eq!(
            inline("<script>alert(1)</script>"),
            "\\<script>alert(1)\\</script>"
        );
        assert_eq!(
            inline("</s> <!-- x --> <?php"),
            "\\</s> \\<!-- x --> \\<?php"
        );
        assert_eq!(inline("<https://example.com>"), "\\<https://example.com>");
        // Comparisons stay as written.
        assert_eq!(
            inline("p = 0.01 < alpha, a <= b, 1<2"),
            "p = 0.01 < alpha, a <= b, 1<2"
        );
        assert_eq!(inline("&lt; &#60; & b"), "\\&lt; \\&#60; & b");
    }

    #[test]
    fn paragraphs_cannot_start_a_block() {
        assert_eq!(paragraph("# not a heading"), "\\# not a heading");
        assert_eq!(paragraph("> not a quote"), "\\> not a quote");
        assert_eq!(
            paragraph("    - not code, not a list"),
            "\\- not code, not a list"
        );
        assert_eq!(paragraph("```"), "\\```");
        assert_eq!(paragraph("12. not a list"), "12\\. not a list");
        assert_eq!(paragraph("1) no"), "1\\) no");
        assert_eq!(paragraph("2024 was a year."), "2024 was a year.");
        assert_eq!(paragraph("The coin's bias."), "The coin's bias.");
    }

    #[test]
    fn fences_outgrow_the_content() {
        assert_eq!(fence("text", "a b"), "```text\na b\n```");
        assert_eq!(fence("text", "x\n```\ny"), "````text\nx\n```\ny\n````");
        assert_eq!(fence("", "`````"), "``````\n`````\n``````");
    }

    #[test]
    fn code_spans_hold_backticks_and_pipes() {
        assert_eq!(code_span("scenarios/a.toml"), "`scenarios/a.toml`");
        assert_eq!(code_span("a`b"), "``a`b``");
        assert_eq!(code_span("`a"), "`` `a ``");
        assert_eq!(code_span("a|b\nc"), "`a\\|b c`");
    }
}
