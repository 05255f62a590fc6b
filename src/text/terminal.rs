//! Text for a terminal: corpora, scenario names, samples and answers may hold characters that a
//! terminal obeys instead of showing — ESC starts colour, cursor and OSC sequences (window titles,
//! hyperlinks, clipboard writes), CR and backspace overwrite what was printed, NUL and the C1
//! controls confuse some terminals, and the bidirectional controls (U+202E RIGHT-TO-LEFT
//! OVERRIDE and friends) reorder what the reader sees ("Trojan Source"). Text reports pass every
//! such text through [`escape`] (multi-line texts) or [`escape_line`] (names and one-line fields).
//!
//! Each escaped character is written `\u{…}` with its code point in lower-case hex (`\u{1b}` for
//! ESC, `\u{0}` for NUL, `\u{202e}` for U+202E), the notation Rust's `{:?}` uses. Which
//! characters: every C0 control except tab and line feed, DEL, every C1 control (U+0080–U+009F),
//! and the bidi controls U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069. A backslash is left
//! as it is, so `\u{1b}` in a text report may also be those six characters in the input; the JSON
//! report has the exact text.

use std::borrow::Cow;

/// Whether a terminal would act on `c` rather than show it (tab and line feed excepted).
pub fn is_control(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{8}' | '\u{b}'..='\u{1f}' | '\u{7f}'..='\u{9f}'
        | '\u{61c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

fn escape_where(s: &str, escaped: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !s.chars().any(&escaped) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if escaped(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// `s` with control and bidi characters written `\u{…}`; line feeds and tabs kept.
pub fn escape(s: &str) -> Cow<'_, str> {
    escape_where(s, is_control)
}

/// [`escape`], and line feeds written `\u{a}` too: for a name or any field that must stay on one
/// line (so it cannot fake a line of the report).
pub fn escape_line(s: &str) -> Cow<'_, str> {
    escape_where(s, |c| c == '\n' || is_control(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_sequences_are_shown_not_obeyed() {
        assert!(matches!(
            escape("plain, 中文, tab\tand\nnew line"),
            Cow::Borrowed(_)
        ));
        assert_eq!(escape("\u{1b}[31mred\u{1b}[0m"), "\\u{1b}[31mred\\u{1b}[0m");
        assert_eq!(
            escape("\u{1b}]0;title\u{7}"),
            "\\u{1b}]0;title\\u{7}",
            "OSC with BEL"
        );
        assert_eq!(escape("a\u{0}b\rc\u{8}"), "a\\u{0}b\\u{d}c\\u{8}");
        assert_eq!(escape("\u{9b}2J"), "\\u{9b}2J", "8-bit CSI");
    }

    #[test]
    fn bidi_controls_are_shown() {
        assert_eq!(escape("abc\u{202e}fed"), "abc\\u{202e}fed");
        for c in [
            '\u{61c}', '\u{200e}', '\u{200f}', '\u{202a}', '\u{2066}', '\u{2069}',
        ] {
            assert!(is_control(c), "{c:?}");
        }
        // Letters of right-to-left scripts are text, not controls.
        assert!(matches!(escape("שלום مرحبا"), Cow::Borrowed(_)));
    }

    #[test]
    fn one_line_fields_escape_line_feeds() {
        assert_eq!(escape_line("a\nb\tc"), "a\\u{a}b\tc");
    }
}
