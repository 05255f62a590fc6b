//! HTML (and XML) escaping for element content and quoted attribute values.
//!
//! The five characters that can end a text or an attribute are replaced: `&` `<` `>` `"` `'`.
//! `'` becomes `&#39;` (not `&apos;`, which HTML 4 lacks), so the page is also well-formed XML
//! with only the predefined entities. Nothing else is touched: `/` and non-ASCII text stay as
//! written (the page is UTF-8). The HTML report's template engine calls [`escape`] for every value
//! it prints, so a template cannot forget it.

use std::borrow::Cow;

/// `s` with `& < > " '` replaced by entities.
pub fn escape(s: &str) -> Cow<'_, str> {
    if !s.contains(['&', '<', '>', '"', '\'']) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
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
    }
}
