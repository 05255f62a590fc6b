//! Shape errors — an unknown key, a value of the wrong type, a name that is not one of a list —
//! all at once. serde stops at the first one, so the file is read again without the entry it
//! stopped at, until it reads: every entry that stopped it is one diagnostic, and validation then
//! checks what is left. An entry is removed by overwriting it with spaces, so every byte offset,
//! line and column of the rest of the file stays what the user sees.

use std::ops::Range;
use std::path::Path;

use serde::de::DeserializeOwned;

use crate::error::{self, Diagnostic};

/// At most this many shape errors are collected from one file (each costs a parse).
const MAX_SHAPE_ERRORS: usize = 50;

/// The file read as `T`, or `None`; and every shape error met on the way (located in `source`).
/// The caller has checked that `source` is valid TOML.
pub(super) fn read<T: DeserializeOwned>(
    source: &str,
    shown: &Path,
) -> (Option<T>, Vec<Diagnostic>) {
    let (t, mut errors) = peel(source, shown);
    // In the order of the file: serde meets the entries in its own order.
    errors.sort_by_key(|d| (d.line.is_none(), d.line, d.column));
    (t, errors)
}

/// [`read`], the errors in the order they were met.
fn peel<T: DeserializeOwned>(source: &str, shown: &Path) -> (Option<T>, Vec<Diagnostic>) {
    let mut text = source.to_string();
    let mut errors: Vec<Diagnostic> = Vec::new();
    let mut removed: Vec<String> = Vec::new();
    // Whether a whole table was set aside: then what is read is not the file, and only its
    // shape errors are worth reporting.
    let mut partial = false;
    for _ in 0..MAX_SHAPE_ERRORS {
        let e = match toml::from_str::<T>(&text) {
            Ok(t) => return (Some(t).filter(|_| !partial), errors),
            Err(e) => e,
        };
        let Some(span) = e.span() else {
            errors.push(error::from_toml(shown, source, &e));
            return (None, errors);
        };
        match missing_field(e.message()) {
            // A required key missing because an earlier error removed it is no news: the
            // table it belongs to is set aside and the rest read on.
            Some(field) if removed.iter().any(|k| k.rsplit('.').next() == Some(field)) => {
                partial = true;
            }
            Some(_) => {
                errors.push(error::from_toml(shown, source, &e));
                return (None, errors);
            }
            None => errors.push(error::from_toml(shown, source, &e)),
        }
        let Some(entry) = entry_lines(&text, span.start) else {
            return (None, errors);
        };
        if let Some(k) = error::key_at(&text, span.start) {
            removed.push(k);
        }
        blank(&mut text, entry);
        // The entry's end was guessed: if the rest no longer reads as TOML, stop here.
        if toml::from_str::<toml::Table>(&text).is_err() {
            return (None, errors);
        }
    }
    (None, errors)
}

/// The key of serde's "missing field `x`".
fn missing_field(message: &str) -> Option<&str> {
    message.strip_prefix("missing field `")?.split('`').next()
}

/// Whether a line starts an entry (`key = value`) rather than continuing a value.
fn starts_entry(line: &str) -> bool {
    let t = line.trim_start();
    let Some((key, _)) = t.split_once('=') else {
        return false;
    };
    let key = key.trim();
    !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '"' | '\'' | ' '))
}

fn is_header(line: &str) -> bool {
    line.trim_start().starts_with('[')
}

/// The byte range of the lines of the entry holding offset `at`: from the `key =` line (or
/// `[table]` header) at or above it to the line before the next entry, header or blank line (a
/// header takes its whole table). `None` when it is blank already.
fn entry_lines(text: &str, at: usize) -> Option<Range<usize>> {
    let mut lines: Vec<Range<usize>> = Vec::new();
    let mut offset = 0;
    for l in text.split_inclusive('\n') {
        lines.push(offset..offset + l.len());
        offset += l.len();
    }
    let here = lines
        .iter()
        .position(|r| r.contains(&at))
        .or(lines.len().checked_sub(1))?;
    let line = |i: usize| &text[lines[i].clone()];
    let first = (0..=here)
        .rev()
        .find(|&i| starts_entry(line(i)) || is_header(line(i)))
        .unwrap_or(here);
    let header = is_header(line(first)) && !starts_entry(line(first));
    let mut last = first;
    while last + 1 < lines.len() {
        let next = line(last + 1);
        let ends = if header {
            is_header(next)
        } else {
            starts_entry(next) || is_header(next) || next.trim().is_empty()
        };
        if ends {
            break;
        }
        last += 1;
    }
    let range = lines[first].start..lines[last].end;
    (!text[range.clone()].trim().is_empty()).then_some(range)
}

/// Overwrites `range` of `text` with spaces, byte for byte, keeping its line feeds.
fn blank(text: &mut String, range: Range<usize>) {
    let blanked: String = text.as_bytes()[range.clone()]
        .iter()
        .map(|&b| if b == b'\n' { '\n' } else { ' ' })
        .collect();
    text.replace_range(range, &blanked);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_runs_from_its_key_to_the_next_entry() {
        let text = "a = 1\nb = [\n  1,\n  2,\n]\nc = 3\n";
        let at = text.find("2,").unwrap();
        assert_eq!(
            &text[entry_lines(text, at).unwrap()],
            "b = [\n  1,\n  2,\n]\n"
        );
        let text = "[x]\na = 1\n\nb = 2\n[y]\nc = 1\n";
        assert_eq!(
            &text[entry_lines(text, 1).unwrap()],
            "[x]\na = 1\n\nb = 2\n"
        );
    }

    #[test]
    fn blanking_keeps_offsets() {
        let mut text = "a = \"中\"\nb = 2\n".to_string();
        let len = text.len();
        blank(&mut text, 0..9);
        assert_eq!(text.len(), len);
        assert!(text.ends_with("\nb = 2\n"));
        assert_eq!(text.find('b'), Some(10));
    }
}
