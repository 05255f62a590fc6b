//! Text building blocks shared by every writer of output: escaping for each format a report or a
//! quiz export is written in ([`html`], [`markdown`], [`xml`], [`terminal`]), the one number
//! formatter ([`fixed`]), the one way a path is shown ([`slashed`]) and a text table that lines
//! columns up by display width ([`table`]).
//!
//! This module depends on nothing else in the crate (only `std` and `unicode-width`), so the run
//! reports (`report/`), the quiz exports (`quiz/`) and the error messages can all use it without
//! an import cycle. Each escaper returns a `Cow`, borrowed when nothing needed escaping (the usual
//! case), so escaping every field costs little.

use std::path::Path;

pub mod html;
pub mod markdown;
pub mod table;
pub mod terminal;
pub mod xml;

/// `x` with `decimals` decimals, never `-0.0` (a value that rounds to zero prints unsigned).
pub fn fixed(x: f64, decimals: usize) -> String {
    let s = format!("{x:.decimals$}");
    match s.strip_prefix('-') {
        Some(rest) if rest.chars().all(|c| c == '0' || c == '.') => rest.to_string(),
        _ => s,
    }
}

/// A count with its noun: "1 document", "2 documents", "0 errors".
pub fn count(n: usize, singular: &str, plural: &str) -> String {
    if n == 1 {
        format!("1 {singular}")
    } else {
        format!("{n} {plural}")
    }
}

/// A path as reports and messages show it: as given, with `/` separators on every system, so a
/// report written on Windows is byte-identical to one written on Linux.
pub fn slashed(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn count_uses_the_singular_only_for_one() {
        assert_eq!(count(1, "error", "errors"), "1 error");
        assert_eq!(count(0, "error", "errors"), "0 errors");
        assert_eq!(count(2, "scenario", "scenarios"), "2 scenarios");
    }

    #[test]
    fn fixed_rounds_and_never_prints_negative_zero() {
        assert_eq!(fixed(0.12345, 4), "0.1235");
        assert_eq!(fixed(-0.00001, 2), "0.00");
        assert_eq!(fixed(-0.4, 0), "0");
        assert_eq!(fixed(-0.5001, 0), "-1");
        assert_eq!(fixed(-1.25, 1), "-1.2");
        assert_eq!(fixed(3.0, 1), "3.0");
    }

    #[test]
    fn paths_use_forward_slashes() {
        assert_eq!(slashed(Path::new("a\\b/c.toml")), "a/b/c.toml");
        assert_eq!(slashed(Path::new("scenarios/x.toml")), "scenarios/x.toml");
    }
}
