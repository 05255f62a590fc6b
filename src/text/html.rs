//! HTML (and XML) escaping for element content and quoted attribute values.
//!
//! The five characters that can end a text or an attribute are replaced: `&` `<` `>` `"` `'`.
//! `'` becomes `&#39;` (not `&apos;`, which HTML 4 lacks), so the page is also well-formed XML
//! with only the predefined entities. Characters XML 1.0 forbids (NUL, ESC and the other C0
//! controls but tab and line breaks, U+FFFE, U+FFFF), which HTML parsers drop or flag, are
//! written `\u{…}` as in [`super::xml`], so the page stays well-formed XML whatever a corpus holds.
//! Nothing else is touched: `/` and non-ASCII text stay as written (the page is UTF-8). The HTML
//! report's template engine calls [`escape`] for every value it prints, so a template cannot
//! forget it.

use std::borrow::Cow;

use super::xml;

/// `s` with `& < > " '` replaced by entities, and characters XML forbids written `\u{…}`.
pub fn escape(s: &str) -> Cow<'_, str> {
    if !s.contains(['&', '<', '>', '"', '\'']) {
        return xml::replace_forbidden(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if !xml::allowed(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            escape("<a href=\"x\">&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;"
        );
        assert!(matches!(escape("plain ␠ text / ok"), Cow::Borrowed(_)));
        assert_eq!(escape("\u{1b}[1m\u{fffe}"), "\\u{1b}[1m\\u{fffe}");
        assert_eq!(escape("<\u{0}>"), "&lt;\\u{0}&gt;");
    }
}
