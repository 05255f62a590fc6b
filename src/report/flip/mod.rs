//! The output of `coinflip flip` (and of `coinflip trace` on a `[distribution]` scenario): the
//! coin, its flips and the tally as text for a terminal ([`text`]), JSON ([`json`]) and one
//! self-contained interactive HTML page ([`html`]) whose Flip button draws the next flips in the
//! browser with the same stream and the same draw (`flip.js`). Only formatting: every figure,
//! interval and verdict was computed by [`crate::pipeline::flip`].

use crate::pipeline::flip::{Flips, Verdict};
use crate::text::fixed;

pub mod html;
pub mod json;
pub mod text;

/// The formats `coinflip flip --format` accepts.
/// (Spelt on the command line by `cli/values.rs`.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlipFormat {
    /// For a terminal: the coin as a table with a bar, the flips, the tally.
    Text,
    /// Every candidate, flip and count (docs/classroom.md describes the fields).
    Json,
    /// One self-contained page: the coin as a bar, the flips as ticks, the tally as bars, and a
    /// Flip button that keeps flipping in the browser.
    Html,
}

/// The bytes of `flips` in `format`.
pub fn render(format: FlipFormat, flips: &Flips) -> String {
    match format {
        FlipFormat::Text => text::render(flips),
        FlipFormat::Json => json::render(flips),
        FlipFormat::Html => html::render(flips),
    }
}

/// A token as the text and HTML outputs show it: line breaks, tabs and spaces made visible (the
/// JSON has the token as it is).
pub fn label(token: &str) -> String {
    match token {
        "\n" => "\\n".to_string(),
        " " => "␠".to_string(),
        "\t" => "\\t".to_string(),
        t => t.to_string(),
    }
}

/// A probability as a percentage: one decimal, more for the rare tokens a smoothed model has.
pub fn percent(p: f64) -> String {
    let pct = 100.0 * p;
    if pct >= 0.1 || pct == 0.0 {
        format!("{}%", fixed(pct, 1))
    } else {
        format!("{}%", fixed(pct, 3))
    }
}

/// `[lo, hi)` with six decimals, as `u` is printed.
pub fn interval(iv: [f64; 2]) -> String {
    format!("[{}, {})", fixed(iv[0], 6), fixed(iv[1], 6))
}

/// "1 flip", "10 flips".
pub fn flips_word(n: u64) -> String {
    if n == 1 {
        "1 flip".to_string()
    } else {
        format!("{n} flips")
    }
}

/// A p-value: fixed decimals, or scientific notation when it is very small.
fn p_value(p: f64) -> String {
    if p >= 0.001 || p == 0.0 {
        fixed(p, 3)
    } else {
        format!("{p:.1e}")
    }
}

/// What the tally says, in plain sentences (one per element).
pub fn verdict_sentences(f: &Flips) -> Vec<String> {
    let n = f.count();
    match f.verdict {
        Verdict::NoFlips => vec!["No flips yet.".to_string()],
        Verdict::OneFace => vec![format!(
            "The coin has one face: every flip draws “{}”, so there is nothing to test.",
            label(&f.coin.faces[0].token)
        )],
        Verdict::TooFew {
            needed,
            needed_unpooled,
        } => vec![
            format!(
                "{} {} too few for a chi-square test (it needs expected counts of at least 5).",
                flips_word(n),
                if n == 1 { "is" } else { "are" }
            ),
            format!(
                "This coin needs {needed} flips with the rarest tokens pooled, {needed_unpooled} \
                 to test each token alone: try --count {needed_unpooled}."
            ),
        ],
        Verdict::Tested {
            statistic,
            df,
            p_value: p,
            pooled,
        } => {
            let pooled = match pooled {
                0 => String::new(),
                k => format!(", the {k} rarest tokens pooled"),
            };
            vec![
                format!(
                    "Chi-square test against the coin (Pearson{pooled}): X² = {}, df = {df}, \
                     p = {}.",
                    fixed(statistic, 3),
                    p_value(p)
                ),
                format!(
                    "Counts at least this far from the coin come up in {} of runs of {} of \
                     this coin.",
                    percent(p),
                    flips_word(n)
                ),
            ]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_well() {
        assert_eq!(percent(0.32), "32.0%");
        assert_eq!(percent(0.0001234), "0.012%");
        assert_eq!(interval([0.0, 0.32]), "[0.000000, 0.320000)");
        assert_eq!(p_value(0.97706), "0.977");
        assert_eq!(p_value(0.0000123), "1.2e-5");
        assert_eq!(flips_word(1), "1 flip");
        assert_eq!(label(" "), "␠");
    }
}
