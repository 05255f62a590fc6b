//! The end of a ranking that is one run of equal probabilities: add-k's uniform level once the
//! context's followers are read — every remaining candidate, in ascending id, with the same
//! probability (`docs/sampling.md`, "The ranking"). Top-p alone's nucleus often reaches deep into
//! it (0.95 of add-k's mass spans most of the vocabulary), and reading it one token at a time
//! cost a step thousands of merge steps and additions.
//!
//! Here the same numbers come in closed form: which token is the t-th of the run, where a token
//! stands in it, and the running sums that decide the nucleus's end and the draw from it.
//! Those sums add the same value again and again, each addition rounded; within one binade
//! (an interval `[2^e, 2^(e+1))`) such an addition always adds the same multiple of the binade's
//! ulp (unless the value falls exactly halfway, which [`repeat_add`] leaves to plain addition), so
//! many additions are one multiplication, exactly, and only the additions that cross into the
//! next binade are done one by one. The result is bit for bit that of the additions.

use crate::tokenize::{EOS, RESERVED, TokenId};

/// The rest of a ranking when it is one ascending stream of equal keys ([`super::rank::Ranking::tail`]):
/// the candidates from index `pos` on that `listed` (ascending id) does not hold, each with
/// probability `key`.
#[derive(Debug, Clone, Copy)]
pub(super) struct Tail<'a> {
    pub(super) key: f64,
    /// The first candidate index not yet read.
    pub(super) pos: usize,
    /// The number of candidates.
    pub(super) candidates: usize,
    /// The tokens a longer context lists (they are ranked there, not here).
    pub(super) listed: &'a [TokenId],
}

/// The candidate index of a candidate id (`</s>` is 0, then the ids from [`RESERVED`] on).
fn index_of(id: TokenId) -> Option<usize> {
    if id == EOS {
        Some(0)
    } else {
        (id as usize).checked_sub(RESERVED).map(|i| i + 1)
    }
}

fn candidate(i: usize) -> TokenId {
    crate::lm::levels::candidate(i)
}

impl Tail<'_> {
    /// The listed tokens at candidate index `pos` or later.
    fn listed_from_pos(&self) -> &[TokenId] {
        let from = self
            .listed
            .partition_point(|&id| index_of(id).is_none_or(|i| i < self.pos));
        &self.listed[from..]
    }

    /// How many tokens the run has.
    pub(super) fn len(&self) -> usize {
        (self.candidates - self.pos.min(self.candidates)) - self.listed_from_pos().len()
    }

    /// Where `id` stands in the run (0: first), if it is in it.
    pub(super) fn rank_of(&self, id: TokenId) -> Option<usize> {
        let i = index_of(id)?;
        if i < self.pos || i >= self.candidates || self.listed.binary_search(&id).is_ok() {
            return None;
        }
        let after = self.listed_from_pos();
        let before = after.partition_point(|&l| index_of(l).is_some_and(|li| li < i));
        Some(i - self.pos - before)
    }

    /// The t-th token of the run (t < [`Tail::len`]).
    pub(super) fn nth(&self, t: usize) -> TokenId {
        // With l_0 < l_1 < … the listed indices from pos on, the answer is pos + t + r where r
        // counts the l_r below it: the r with l_r − r ≤ pos + t (l_r − r does not decrease).
        let after = self.listed_from_pos();
        let (mut lo, mut hi) = (0, after.len());
        while lo < hi {
            let mid = (lo + hi) / 2;
            if index_of(after[mid]).expect("a candidate") - mid <= self.pos + t {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        candidate(self.pos + t + lo)
    }
}

impl Tail<'_> {
    /// The first `n` tokens of the run (fewer if it is shorter), each as `(id, key, key)`.
    pub(super) fn take_into(&self, n: usize, out: &mut Vec<(TokenId, f64, f64)>) {
        let mut listed = self
            .listed_from_pos()
            .iter()
            .map(|&id| index_of(id))
            .peekable();
        let mut i = self.pos;
        let mut left = n;
        while left > 0 && i < self.candidates {
            // Listed indices below i were passed already.
            while listed.next_if(|l| l.is_none_or(|l| l < i)).is_some() {}
            if listed.next_if_eq(&Some(i)).is_none() {
                out.push((candidate(i), self.key, self.key));
                left -= 1;
            }
            i += 1;
        }
    }
}

/// `s_0 = start`, `s_{i+1} = s_i + a` rounded (as a loop adds): the first i in `1..=n` with
/// `stop(s_i)` and that s_i, or `(n, s_n, false)`. `stop` must be monotone (false, then true) as
/// the sums grow, and `a > 0`.
pub(super) fn repeat_add(
    start: f64,
    a: f64,
    n: usize,
    stop: impl Fn(f64) -> bool,
) -> (usize, f64, bool) {
    let (mut s, mut i) = (start, 0);
    while i < n {
        let (k, jumped) = jump(s, a, n - i, &stop);
        s = jumped;
        i += k;
        if i == n {
            break;
        }
        s += a;
        i += 1;
        if stop(s) {
            return (i, s, true);
        }
    }
    (i, s, false)
}

/// How many of at most `max` additions of `a` to `s` can be taken at once, exactly and with no
/// sum on the way stopping, and the sum after them (0 when none can).
fn jump(s: f64, a: f64, max: usize, stop: &impl Fn(f64) -> bool) -> (usize, f64) {
    if max < 2 || !(a > 0.0 && s.is_normal() && s > 0.0) {
        return (0, s);
    }
    let e = s.to_bits() >> 52;
    if e <= 52 || e >= 2046 {
        return (0, s);
    }
    let ulp = f64::from_bits((e - 52) << 52);
    let top = f64::from_bits((e + 1) << 52);
    // a in units of the binade's ulp: exact (a power-of-two scaling). s + a, a multiple of ulp
    // plus au ulps, rounds to s plus the integer nearest to au — unless au is halfway, where the
    // tie goes to the even neighbour and depends on s.
    let au = a / ulp;
    if au >= (1u64 << 52) as f64 {
        return (0, s);
    }
    let floor = au.floor();
    let frac = au - floor;
    if frac == 0.5 {
        return (0, s);
    }
    let q = if frac < 0.5 { floor } else { floor + 1.0 };
    if q == 0.0 {
        // Each addition rounds back to s.
        return if stop(s) { (0, s) } else { (max, s) };
    }
    let d = q * ulp;
    // Every addition taken must stay below the binade's top: s_{k−1} + a < top.
    let room = ((top - a - s) / d).floor() - 2.0;
    if room < 1.0 {
        return (0, s);
    }
    let mut k = (room as usize).min(max);
    let last = s + (k - 1) as f64 * d;
    if last + a >= top {
        return (0, s);
    }
    debug_assert_eq!(last + a, last + d);
    if stop(s + k as f64 * d) {
        // The last k whose sum does not stop (0: none).
        let (mut lo, mut hi) = (0, k);
        while hi - lo > 1 {
            let mid = (lo + hi) / 2;
            if stop(s + mid as f64 * d) {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        k = lo;
    }
    (k, s + k as f64 * d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_core::{Rng, SeedableRng};

    fn serial(start: f64, a: f64, n: usize, stop: impl Fn(f64) -> bool) -> (usize, f64, bool) {
        let mut s = start;
        for i in 1..=n {
            s += a;
            if stop(s) {
                return (i, s, true);
            }
        }
        (n, s, false)
    }

    /// Against the additions one by one: sums crossing binades, values exactly halfway between
    /// two multiples of the ulp (a with few bits), a below half an ulp, targets out of reach.
    #[test]
    fn repeated_addition_is_the_loop() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(3);
        let mut unit = || (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        for case in 0..3000 {
            let start = match case % 4 {
                0 => 0.0,
                1 => unit() * 0.9,
                2 => 0.25 - unit() * 1e-9,
                _ => unit() * 1e-3,
            };
            let a = match case % 5 {
                0 => 7.3e-5 * (0.5 + unit()),
                1 => (1u64 << (case % 7)) as f64 * 2f64.powi(-20) * 3.0, // few bits: ties
                2 => 1e-17,
                3 => 2f64.powi(-54) * 3.0,
                _ => unit() * 0.01,
            };
            let n = 1 + (unit() * 20_000.0) as usize;
            let target = unit() * 1.2;
            for strict in [false, true] {
                let stop = |s: f64| if strict { s > target } else { s >= target };
                let got = repeat_add(start, a, n, stop);
                let want = serial(start, a, n, stop);
                assert_eq!(
                    (got.0, got.1.to_bits(), got.2),
                    (want.0, want.1.to_bits(), want.2),
                    "start {start:e} a {a:e} n {n} target {target}"
                );
            }
            let never = repeat_add(start, a, n, |_| false);
            let want = serial(start, a, n, |_| false);
            assert_eq!(never.1.to_bits(), want.1.to_bits(), "sum of {n} × {a:e}");
        }
    }

    /// The run's tokens one by one against the candidates without the listed ones.
    #[test]
    fn the_run_is_the_unlisted_candidates() {
        let listed: Vec<TokenId> = vec![1, 3, 4, 9, 10, 11, 30, 31];
        let candidates = 40;
        for pos in [0, 1, 2, 5, 9, 12, 38] {
            let t = Tail {
                key: 0.1,
                pos,
                candidates,
                listed: &listed,
            };
            let want: Vec<TokenId> = (pos..candidates)
                .map(candidate)
                .filter(|id| !listed.contains(id))
                .collect();
            assert_eq!(t.len(), want.len(), "pos {pos}");
            for (r, &id) in want.iter().enumerate() {
                assert_eq!(t.nth(r), id, "pos {pos} rank {r}");
                assert_eq!(t.rank_of(id), Some(r));
            }
            for n in [0, 1, 3, 100] {
                let mut out = Vec::new();
                t.take_into(n, &mut out);
                let ids: Vec<TokenId> = out.iter().map(|o| o.0).collect();
                assert_eq!(ids, want[..n.min(want.len())], "pos {pos}, {n} tokens");
            }
            for id in 0..45 {
                if !want.contains(&id) {
                    assert_eq!(t.rank_of(id), None, "pos {pos} id {id}");
                }
            }
        }
    }
}
