//! Characters XML 1.0 cannot hold. Its `Char` production allows tab, line feed, carriage return,
//! U+0020–U+D7FF, U+E000–U+FFFD and U+10000–U+10FFFF; anything else — the other C0 controls
//! (NUL, ESC, …) and the noncharacters U+FFFE and U+FFFF — makes the whole document invalid, even
//! written as a character reference. (Lone surrogates cannot occur in a Rust string.)
//!
//! [`replace_forbidden`] writes each such character as `\u{…}` (its code point in hex, as the
//! text report shows control characters), so a JUnit file stays readable by every CI system and
//! still says what was there. Escaping `<`, `&` and quotes is the XML writer's job.

use std::borrow::Cow;

/// Whether XML 1.0 allows `c` in a document.
pub fn allowed(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// `s` with every character XML 1.0 forbids written as `\u{…}`.
pub fn replace_forbidden(s: &str) -> Cow<'_, str> {
    if s.chars().all(allowed) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if allowed(c) {
            out.push(c);
        } else {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forbidden_characters_are_written_out() {
        assert!(matches!(
            replace_forbidden("tab\there\r\n…"),
            Cow::Borrowed(_)
        ));
        assert_eq!(replace_forbidden("a\u{0}b\u{1b}c"), "a\\u{0}b\\u{1b}c");
        assert_eq!(
            replace_forbidden("\u{fffe}\u{ffff}\u{fffd}"),
            "\\u{fffe}\\u{ffff}\u{fffd}"
        );
        assert_eq!(replace_forbidden("\u{b}\u{c}\u{7f}"), "\\u{b}\\u{c}\u{7f}");
    }

    #[test]
    fn the_boundaries_of_the_char_production() {
        for c in [
            '\u{20}',
            '\u{D7FF}',
            '\u{E000}',
            '\u{FFFD}',
            '\u{10000}',
            '\u{10FFFF}',
        ] {
            assert!(allowed(c), "{c:?}");
        }
        for c in ['\u{0}', '\u{8}', '\u{1f}', '\u{FFFE}', '\u{FFFF}'] {
            assert!(!allowed(c), "{c:?}");
        }
    }
}
