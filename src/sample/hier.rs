//! Contract 2's hierarchical draw (`docs/sampling.md`, "The hierarchical draw"): a model's
//! levels ([`crate::lm::LanguageModel::plan`]) are visited top first; each visited level takes
//! one fresh uniform and either draws one of its followers or backs off to the next level. For a
//! backoff model (`Plan::exclusive`), a token drawn below a level that the level itself lists is
//! redrawn from below (an exact rejection step), at most [`MAX_PROPOSALS`] times; then the token
//! is drawn by contract 1 from the lower context's listed distribution without those tokens.

use rand_chacha::ChaCha20Rng;

use super::{Cumulative, uniform};
use crate::lm::levels::candidate;
use crate::lm::{Drawn, LanguageModel, Level, LevelKind};
use crate::tokenize::TokenId;

/// Proposals of a rejection step (and of temperature's rejection) before the exact listed draw.
pub const MAX_PROPOSALS: usize = 64;

/// The uniforms of one step, counted (a step uses as many as its levels and rejections need).
pub(super) struct Uniforms<'r> {
    rng: &'r mut ChaCha20Rng,
    /// The first uniform of the step (what a trace shows).
    pub(super) first: f64,
    pub(super) used: u32,
}

impl<'r> Uniforms<'r> {
    pub(super) fn new(rng: &'r mut ChaCha20Rng) -> Self {
        Uniforms {
            rng,
            first: f64::NAN,
            used: 0,
        }
    }

    pub(super) fn next(&mut self) -> f64 {
        let u = uniform(self.rng);
        if self.used == 0 {
            self.first = u;
        }
        self.used += 1;
        u
    }
}

/// What one level does with its uniform.
enum Pick {
    /// A token, and its index in the level's followers (`None` from a uniform level).
    Token(TokenId, Option<usize>),
    /// Back off to the next level (or pass through a level with no followers, no uniform used).
    Down,
}

/// One level's draw.
fn pick(level: &Level<'_>, src: &mut Uniforms) -> Pick {
    match level.kind {
        LevelKind::Uniform { candidates } => {
            if candidates == 0 {
                return Pick::Down;
            }
            let u = src.next();
            // ⌊u·V⌋ < V for u < 1; the min guards the arithmetic all the same.
            let i = ((u * candidates as f64) as usize).min(candidates - 1);
            Pick::Token(candidate(i), None)
        }
        _ if level.ids.is_empty() => Pick::Down,
        LevelKind::Counts {
            prefix,
            guide,
            total,
            discount,
            extra,
        } => {
            let u = src.next();
            let n = total as f64;
            let x = u * (n + extra);
            if x < n {
                let guide = if extra == 0.0 { guide } else { &[] };
                let (j, start) = bin(prefix, guide, u, x);
                // x − S_{j−1} is exact: both are below 2^53 and x ≥ S_{j−1}.
                if x - start as f64 >= discount {
                    return Pick::Token(level.ids[j], Some(j));
                }
            }
            Pick::Down
        }
        LevelKind::Weighted { cum, total, guide } => {
            let u = src.next();
            let x = u * total;
            let cm = cum[cum.len() - 1];
            if x < cm {
                let j = first_above(cum, guide, total == cm, u, x);
                return Pick::Token(level.ids[j], Some(j));
            }
            Pick::Down
        }
    }
}

/// The j with `S_{j−1} ≤ x < S_j` (S: the running sums `prefix`), and `S_{j−1}`. Needs
/// `x < S_m`.
fn bin(prefix: &[u32], guide: &[u32], u: f64, x: f64) -> (usize, u64) {
    // A short row is read in order (it is on one or two cache lines); a long one searched.
    if prefix.len() > 16 {
        let j = if guide.is_empty() || !(0.0..1.0).contains(&u) {
            // Rows are in id order, which is unrelated to the counts, so the running sums grow
            // roughly linearly: start where x would fall on a straight line, and gallop.
            let guess = (u * prefix.len() as f64) as usize;
            gallop(prefix, x, guess.min(prefix.len() - 1))
        } else {
            let k = (u * (guide.len() - 1) as f64) as usize;
            let (lo, hi) = (
                guide[k] as usize,
                (guide[k + 1] as usize + 1).min(prefix.len()),
            );
            lo + prefix[lo..hi].partition_point(|&s| s as f64 <= x)
        };
        let start = if j == 0 { 0 } else { prefix[j - 1] as u64 };
        return (j, start);
    }
    let mut s = 0u64;
    for (j, &next) in prefix.iter().enumerate() {
        if x < next as f64 {
            return (j, s);
        }
        s = next as u64;
    }
    unreachable!("x is below the total of the counts")
}

/// The first j with `x < S_j` (`prefix` holds the running sums S, ascending), searched outwards
/// from `guess` in steps of 1, 2, 4, … and then by bisection: the same j as a binary search over
/// the whole row, in O(log distance) reads near the guess.
fn gallop(prefix: &[u32], x: f64, guess: usize) -> usize {
    let above = |j: usize| x < prefix[j] as f64;
    let (mut lo, mut hi);
    if above(guess) {
        // The answer is at or before guess: find lo with S_{lo} ≤ x (or lo = 0).
        hi = guess;
        let mut step = 1;
        loop {
            if step > hi {
                lo = 0;
                break;
            }
            if !above(hi - step) {
                lo = hi - step + 1;
                break;
            }
            hi -= step;
            step *= 2;
        }
        // Answer in lo..=hi.
        hi += 1;
    } else {
        lo = guess + 1;
        let mut step = 1;
        loop {
            let probe = lo + step - 1;
            if probe >= prefix.len() {
                hi = prefix.len();
                break;
            }
            if above(probe) {
                hi = probe + 1;
                break;
            }
            lo = probe + 1;
            step *= 2;
        }
    }
    lo + prefix[lo..hi].partition_point(|&s| s as f64 <= x)
}

/// The first j with `x < cum[j]` (needs `x < cum[m − 1]`), through the guide table when there is
/// one and the level never backs off (its total is `C_m`, as the guide assumes).
fn first_above(cum: &[f64], guide: &[u32], guided: bool, u: f64, x: f64) -> usize {
    if guided && !guide.is_empty() && (0.0..1.0).contains(&u) {
        let k = (u * (guide.len() - 1) as f64) as usize;
        let (lo, hi) = (guide[k] as usize, guide[k + 1] as usize);
        return (lo + cum[lo..hi].partition_point(|&c| c <= x)).min(cum.len() - 1);
    }
    cum.partition_point(|&c| c <= x)
}

/// A hierarchical draw over one step's levels.
pub(super) struct Hier<'s, 'a> {
    pub(super) model: &'s dyn LanguageModel,
    pub(super) history: &'s [TokenId],
    pub(super) levels: &'s [Level<'a>],
    pub(super) exclusive: bool,
    /// Scratch for the listed draw that ends a long rejection.
    pub(super) dist: &'s mut Vec<(TokenId, f64)>,
    pub(super) cumulative: &'s mut Cumulative,
}

impl Hier<'_, '_> {
    /// The token drawn from all levels; `None` when there is nothing to draw.
    pub(super) fn draw(&mut self, src: &mut Uniforms) -> Option<TokenId> {
        self.draw_from(0, src).map(|(w, _)| w)
    }

    /// The token drawn from all levels and, when a level's followers gave it, where (so the
    /// model can price it without searching that level again).
    pub(super) fn draw_located(&mut self, src: &mut Uniforms) -> Option<(TokenId, Option<Drawn>)> {
        self.draw_from(0, src)
    }

    fn draw_from(&mut self, i: usize, src: &mut Uniforms) -> Option<(TokenId, Option<Drawn>)> {
        let level = *self.levels.get(i)?;
        if let Pick::Token(w, index) = pick(&level, src) {
            return Some((w, index.map(|index| Drawn { level: i, index })));
        }
        if !self.exclusive || level.ids.is_empty() {
            return self.draw_from(i + 1, src);
        }
        for _ in 0..MAX_PROPOSALS {
            let drawn = self.draw_from(i + 1, src)?;
            if level.ids.binary_search(&drawn.0).is_err() {
                return Some(drawn);
            }
        }
        self.listed_below(i, src).map(|w| (w, None))
    }

    /// After [`MAX_PROPOSALS`] rejections at level `i`: one uniform, contract 1's draw over the
    /// listed distribution of the next level's context without level i's followers — the same
    /// distribution the rejection step draws from, so the draw stays exact.
    fn listed_below(&mut self, i: usize, src: &mut Uniforms) -> Option<TokenId> {
        let below = self.levels.get(i + 1)?;
        let h = &self.history[self.history.len() - below.context_len..];
        self.model.distribution(h, self.dist);
        let excluded = self.levels[i].ids;
        self.dist.retain(|d| excluded.binary_search(&d.0).is_err());
        let u = src.next();
        self.cumulative.rebuild(self.dist.iter().map(|d| d.1));
        self.cumulative.pick(u).map(|j| self.dist[j].0)
    }
}

#[cfg(test)]
mod tests {
    use super::gallop;
    use proptest::prelude::*;

    proptest! {
        /// Galloping from any guess finds the j a binary search over the whole row finds.
        #[test]
        fn gallop_finds_what_bisection_finds(
            counts in proptest::collection::vec(1u32..50, 1..300),
            frac in 0.0f64..1.0,
            guess_frac in 0.0f64..1.0,
        ) {
            let prefix: Vec<u32> = counts
                .iter()
                .scan(0, |s, &n| {
                    *s += n;
                    Some(*s)
                })
                .collect();
            let total = *prefix.last().unwrap() as f64;
            let x = (frac * total).floor();
            let guess = ((guess_frac * prefix.len() as f64) as usize).min(prefix.len() - 1);
            let want = prefix.partition_point(|&s| s as f64 <= x);
            prop_assert_eq!(gallop(&prefix, x, guess), want);
        }
    }
}
