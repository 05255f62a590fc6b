//! Escaping text that came from a quiz author or a student for the format it is written in:
//!
//! - a terminal (text reports, messages): control characters (ESC, NUL, …, but not the line
//!   breaks the report itself writes) and bidirectional-override characters (U+202E, …) become
//!   visible `\u{…}` escapes, so an answer cannot recolour, hide or reorder what the instructor
//!   reads;
//! - a spreadsheet (every CSV the quiz writes): a text cell starting with `=`, `+`, `-`, `@`, a
//!   tab or a carriage return gets a leading `'` (OWASP's advice against CSV formula injection),
//!   and line breaks inside a cell become spaces;
//! - Markdown: raw HTML (`<`, `>`, `&`) is escaped; code spans and fences are longer than any run
//!   of backticks in their content, so content cannot close them.

/// True for characters that reorder or hide text (bidirectional controls and marks).
fn is_bidi(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// `s` safe to print on a terminal; `\n` is kept (reports are made of lines).
pub fn terminal(s: &str) -> String {
    if !s
        .chars()
        .any(|c| (c.is_control() && c != '\n') || is_bidi(c))
    {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if (c.is_control() && c != '\n') || is_bidi(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// A text cell safe to open in a spreadsheet: never a formula, never several lines.
pub fn spreadsheet(s: &str) -> String {
    let one_line: String = s
        .chars()
        .map(|c| if c == '\n' || c == '\r' { ' ' } else { c })
        .collect();
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{one_line}")
    } else {
        one_line
    }
}

/// Text with raw HTML escaped, for Markdown.
pub fn html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The longest run of backticks in `s`.
fn longest_backticks(s: &str) -> usize {
    let (mut best, mut run) = (0, 0);
    for c in s.chars() {
        if c == '`' {
            run += 1;
            best = best.max(run);
        } else {
            run = 0;
        }
    }
    best
}

/// `s` as a Markdown code span (shown literally, on one line).
pub fn code_span(s: &str) -> String {
    let s = s.replace(['\n', '\r'], " ");
    let ticks = "`".repeat(longest_backticks(&s) + 1);
    let pad = if s.starts_with('`') || s.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{ticks}{pad}{s}{pad}{ticks}")
}

/// `s` as a fenced code block: the fence is longer than any run of backticks in `s`.
pub fn fence(s: &str) -> String {
    let ticks = "`".repeat((longest_backticks(s) + 1).max(3));
    let body = s.trim_end_matches(['\n', '\r']);
    format!("{ticks}text\n{body}\n{ticks}\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_escapes_controls_and_bidi_but_not_line_breaks() {
        assert_eq!(terminal("a\nb"), "a\nb");
        assert_eq!(terminal("\u{1b}[31mred"), "\\u{1b}[31mred");
        assert_eq!(terminal("x\0y\tz\r"), "x\\u{0}y\\u{9}z\\u{d}");
        assert_eq!(terminal("abc\u{202e}fed"), "abc\\u{202e}fed");
        assert_eq!(terminal("王小明"), "王小明");
    }

    #[test]
    fn spreadsheet_cells_are_never_formulas() {
        assert_eq!(
            spreadsheet("=HYPERLINK(\"http://x\",\"y\")"),
            "'=HYPERLINK(\"http://x\",\"y\")"
        );
        for s in ["+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
            assert!(spreadsheet(s).starts_with('\''), "{s:?}");
        }
        assert_eq!(spreadsheet("Ann\nLee"), "Ann Lee");
        assert_eq!(spreadsheet("Diaz, Carla"), "Diaz, Carla");
    }

    #[test]
    fn markdown_cannot_be_broken_out_of() {
        assert_eq!(
            html("<script>a&b</script>"),
            "&lt;script&gt;a&amp;b&lt;/script&gt;"
        );
        assert_eq!(code_span("copy"), "`copy`");
        assert_eq!(code_span("a`b"), "``a`b``");
        assert_eq!(code_span("`x`"), "`` `x` ``");
        let f = fence("one\n```\ntwo");
        assert_eq!(f, "````text\none\n```\ntwo\n````\n");
        // The only line that closes the block is the last one.
        let closing: Vec<_> = f.lines().filter(|l| l.starts_with("````")).collect();
        assert_eq!(closing.len(), 2);
    }
}
