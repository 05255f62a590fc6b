//! The sampling transforms (temperature, top-k, top-p) and contract 1's way of applying them to
//! a listed distribution ([`SamplerConfig::apply`]): what the explicit distributions of
//! `[distribution]` scenarios, MLE, and the dense cases of contract 2 use.

use serde::Serialize;

use crate::tokenize::TokenId;

/// The sampling transforms applied to the model's distribution before each draw.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SamplerConfig {
    /// 1 leaves the distribution alone; 0 is greedy (argmax, ties to the lower id).
    pub temperature: f64,
    /// Keep only the k most probable candidates (0: off).
    pub top_k: usize,
    /// Keep the smallest set of most probable candidates whose probability reaches p (1: off).
    pub top_p: f64,
}

impl Default for SamplerConfig {
    fn default() -> Self {
        SamplerConfig {
            temperature: 1.0,
            top_k: 0,
            top_p: 1.0,
        }
    }
}

impl SamplerConfig {
    /// True when no transform changes the distribution.
    pub fn is_identity(&self) -> bool {
        self.temperature == 1.0 && self.top_k == 0 && self.top_p >= 1.0
    }

    /// Applies temperature, then top-k, then top-p to `dist` (ascending id, p > 0), in place, and
    /// renormalises so the weights sum to 1. Candidates removed are dropped from `dist`.
    ///
    /// - temperature T > 0: `w = exp((ln p − ln p_max) / T)`; T = 0 keeps only the most probable
    ///   candidate (the lowest id among ties) with weight 1.
    /// - top-k: the k candidates with the largest weights survive (ties: lower id first).
    /// - top-p: with weights normalised and sorted by weight descending (ties: lower id first),
    ///   the shortest leading run whose running sum is ≥ p survives.
    pub fn apply(&self, dist: &mut Vec<(TokenId, f64)>) {
        self.apply_with(dist, &mut Vec::new());
    }

    /// [`SamplerConfig::apply`] with a reusable buffer. Top-k alone selects the k best without
    /// sorting the rest: the ranking is a total order (weight, then position), so the k first
    /// are the same either way.
    pub(super) fn apply_with(&self, dist: &mut Vec<(TokenId, f64)>, order: &mut Vec<(u64, u32)>) {
        if dist.is_empty() || self.is_identity() {
            return;
        }
        if self.temperature == 0.0 {
            let best = dist
                .iter()
                .copied()
                .reduce(|a, b| if b.1 > a.1 { b } else { a })
                .expect("non-empty");
            dist.clear();
            dist.push((best.0, 1.0));
            return;
        }
        if self.temperature != 1.0 {
            let pmax = dist.iter().map(|d| d.1).fold(f64::MIN, f64::max);
            let lmax = libm::log(pmax);
            // A context's followers share few distinct probabilities (counts 1, 2, …): a small
            // direct-mapped cache of p → weight saves most of the exp and ln calls.
            let mut memo = [(f64::NAN, 0.0); 64];
            for d in dist.iter_mut() {
                let slot =
                    &mut memo[(d.1.to_bits().wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 58) as usize];
                if slot.0 != d.1 {
                    *slot = (d.1, libm::exp((libm::log(d.1) - lmax) / self.temperature));
                }
                d.1 = slot.1;
            }
            dist.retain(|d| d.1 > 0.0);
        }
        let cut_k = self.top_k > 0 && self.top_k < dist.len();
        if cut_k || self.top_p < 1.0 {
            let keep = self.ranked_keep(dist, order, cut_k);
            // Keep the ranked survivors, in ascending id.
            order.truncate(keep);
            order.sort_unstable_by_key(|o| o.1);
            let mut next = order.iter().map(|o| o.1 as usize).peekable();
            let mut i = 0;
            dist.retain(|_| {
                let kept = next.peek() == Some(&i);
                if kept {
                    next.next();
                }
                i += 1;
                kept
            });
        }
        let total: f64 = dist.iter().map(|d| d.1).sum();
        for d in dist.iter_mut() {
            d.1 /= total;
        }
    }

    /// Ranks `dist` into `order` (weight descending, ties by position) as far as top-k and
    /// top-p need, and returns how many of the first survive. Each entry is `(!bits(w), i)`: for
    /// positive weights the bits order as the values, so the tuples sort into exactly that
    /// ranking without a comparator.
    fn ranked_keep(
        &self,
        dist: &[(TokenId, f64)],
        order: &mut Vec<(u64, u32)>,
        cut_k: bool,
    ) -> usize {
        order.clear();
        order.extend(
            dist.iter()
                .enumerate()
                .map(|(i, d)| (!d.1.to_bits(), i as u32)),
        );
        let mut keep = order.len();
        if cut_k {
            order.select_nth_unstable(self.top_k - 1);
            keep = self.top_k;
        }
        order[..keep].sort_unstable();
        if self.top_p < 1.0 {
            let total: f64 = order[..keep].iter().map(|&(_, i)| dist[i as usize].1).sum();
            let mut run = 0.0;
            for (r, &(_, i)) in order[..keep].iter().enumerate() {
                run += dist[i as usize].1 / total;
                if run >= self.top_p {
                    keep = r + 1;
                    break;
                }
            }
        }
        keep
    }
}
