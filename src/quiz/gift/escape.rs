//! GIFT's escapes: `\~ \= \# \{ \} \: \\` and `\n`. Reading protects escaped characters behind
//! placeholders while the structure is parsed and restores them in the texts; writing escapes them.

/// Placeholders for escaped characters while the structure is parsed: Unicode noncharacters,
/// which text never contains (a file that does is refused).
pub(super) const PLACEHOLDERS: [(char, char); 7] = [
    ('\\', '\u{FDD0}'),
    (':', '\u{FDD1}'),
    ('#', '\u{FDD2}'),
    ('=', '\u{FDD3}'),
    ('{', '\u{FDD4}'),
    ('}', '\u{FDD5}'),
    ('~', '\u{FDD6}'),
];

/// Replaces escapes by placeholders (and `\n` by a line break).
pub(super) fn protect(s: &str) -> String {
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
pub(super) fn restore(s: &str) -> String {
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
pub(super) fn escape(s: &str) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_round_trip() {
        let text = "a \\ b ~ c = d # e { f } g : h\nnext";
        let e = escape(text);
        assert_eq!(e, "a \\\\ b \\~ c \\= d \\# e \\{ f \\} g \\: h\\nnext");
        assert_eq!(restore(&protect(&e)), text);
        // An unknown escape keeps its backslash, as in Moodle.
        assert_eq!(restore(&protect("C:\\temp")), "C:\\temp");
    }
}
