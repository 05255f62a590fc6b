//! `coinflip flip` for a terminal: the coin as a table with a bar (each token's slice of [0, 1)),
//! one line per flip, the tally with its verdict. Columns line up by display width
//! ([`crate::text::table`]); names and tokens are escaped for the terminal.

use std::fmt::Write;

use super::{flips_word, interval, label, percent, verdict_sentences};
use crate::pipeline::flip::{Flips, Stream};
use crate::text::fixed;
use crate::text::table::{Align, Table};
use crate::text::terminal::escape_line;

/// Columns of the coin's bar: each token's interval of [0, 1) is filled.
const BAR: usize = 40;

/// The text output lists this many flips; the JSON lists them all.
pub const LISTED_FLIPS: usize = 100;

fn shown(token: &str) -> String {
    escape_line(&label(token)).into_owned()
}

/// The interval `[lo, hi)` drawn on a ruler of [`BAR`] columns: the covered columns are full
/// blocks; a slice narrower than half a column is a thin mark, so no token disappears.
fn bar(iv: [f64; 2]) -> String {
    let at = |x: f64| ((x * BAR as f64).round() as usize).min(BAR);
    let (start, end) = (at(iv[0]), at(iv[1]));
    (0..BAR)
        .map(|c| {
            if (start..end).contains(&c) {
                '█'
            } else if start == end && c == start.min(BAR - 1) {
                '▏'
            } else {
                '·'
            }
        })
        .collect()
}

fn stream_words(s: &Stream) -> String {
    format!(
        "seed {}; stream: domain {}, index {}",
        s.seed, s.domain as u8, s.index
    )
}

/// The coin: every candidate in draw order, its probability, interval and bar.
fn coin_table(f: &Flips, out: &mut String) {
    let _ = writeln!(
        out,
        "the coin, in draw order (a flip draws the token whose interval holds u):"
    );
    let mut t = Table::new(&[
        Align::Left,
        Align::Right,
        Align::Right,
        Align::Left,
        Align::Left,
    ]);
    t.row(["token", "id", "p", "interval", "0 … 1"]);
    for face in &f.coin.faces {
        t.row([
            shown(&face.token),
            face.id.to_string(),
            percent(face.p),
            interval(face.interval),
            bar(face.interval),
        ]);
    }
    out.push_str(&t.render("  ", "  "));
}

/// One line per flip (the first [`LISTED_FLIPS`]), headed by `what` ("flip" or "draw").
fn flip_table(f: &Flips, what: &str, out: &mut String) {
    let mut t = Table::new(&[Align::Right, Align::Right, Align::Left, Align::Left]);
    t.row([what, "u", "interval", "token"]);
    for flip in f.flips.iter().take(LISTED_FLIPS) {
        let face = &f.coin.faces[flip.face];
        t.row([
            flip.index.to_string(),
            fixed(flip.u, 6),
            interval(face.interval),
            format!("{} ({})", shown(&face.token), face.id),
        ]);
    }
    out.push_str(&t.render("  ", "  "));
    if f.flips.len() > LISTED_FLIPS {
        let _ = writeln!(
            out,
            "  … {} {} to {} not listed (--format json lists every one)",
            what,
            LISTED_FLIPS + 1,
            f.flips.len()
        );
    }
}

fn header(f: &Flips, what: &str, out: &mut String) {
    let _ = writeln!(
        out,
        "{what}{}: the coin after “{}”",
        escape_line(&f.scenario),
        escape_line(&f.coin.context)
    );
    if !f.sampling.is_identity() {
        let _ = writeln!(
            out,
            "sampling: {} (applied to the probabilities)",
            crate::report::sampling_summary(&f.sampling)
        );
    }
    for n in &f.notes {
        let _ = writeln!(out, "note: {}", escape_line(n));
    }
    out.push('\n');
}

/// `coinflip flip` as text.
pub fn render(f: &Flips) -> String {
    let mut out = String::new();
    header(f, "", &mut out);
    coin_table(f, &mut out);
    out.push('\n');
    let _ = writeln!(
        out,
        "{} ({}):",
        flips_word(f.count()),
        stream_words(&f.stream)
    );
    if !f.flips.is_empty() {
        flip_table(f, "flip", &mut out);
    }
    out.push('\n');
    let _ = writeln!(out, "tally after {}:", flips_word(f.count()));
    let mut t = Table::new(&[
        Align::Left,
        Align::Right,
        Align::Right,
        Align::Right,
        Align::Right,
    ]);
    t.row(["token", "id", "observed", "share", "expected"]);
    let n = f.count().max(1) as f64;
    let total = f.coin.total();
    for (face, &k) in f.coin.faces.iter().zip(&f.observed) {
        t.row([
            shown(&face.token),
            face.id.to_string(),
            k.to_string(),
            percent(k as f64 / n),
            percent(face.p / total),
        ]);
    }
    out.push_str(&t.render("  ", "  "));
    for s in verdict_sentences(f) {
        let _ = writeln!(out, "{s}");
    }
    out
}

/// `coinflip trace` on a `[distribution]` scenario: the coin and the first draws of the
/// chi-square check (`check_draws`: how many the check makes, when it has one).
pub fn render_trace(f: &Flips, check_draws: Option<u64>) -> String {
    let mut out = String::new();
    header(f, "chi-square draws of ", &mut out);
    coin_table(f, &mut out);
    out.push('\n');
    let of = match check_draws {
        Some(total) => format!("the first {} of the check's {total} draws", f.count()),
        None => format!(
            "the first {} draws a chi-square check would make",
            f.count()
        ),
    };
    let _ = writeln!(out, "{of} ({}):", stream_words(&f.stream));
    if !f.flips.is_empty() {
        flip_table(f, "draw", &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_cover_their_interval() {
        assert_eq!(
            bar([0.0, 0.5]),
            format!("{}{}", "█".repeat(20), "·".repeat(20))
        );
        assert_eq!(
            bar([0.94, 1.0]),
            format!("{}{}", "·".repeat(38), "█".repeat(2))
        );
        // A slice thinner than half a column still shows.
        let thin = bar([0.5, 0.501]);
        assert_eq!(thin.chars().filter(|&c| c == '▏').count(), 1);
        assert_eq!(bar([0.999, 1.0]).chars().last(), Some('▏'));
    }
}
