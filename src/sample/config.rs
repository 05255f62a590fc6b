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
    pub(super) fn apply_with(&self, dist: &mut Vec<(TokenId, f64)>, order: &mut Vec<usize>) {
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
            for d in dist.iter_mut() {
                d.1 = libm::exp((libm::log(d.1) - lmax) / self.temperature);
            }
            dist.retain(|d| d.1 > 0.0);
        }
        let cut_k = self.top_k > 0 && self.top_k < dist.len();
        if cut_k || self.top_p < 1.0 {
            let keep = self.ranked_keep(dist, order, cut_k);
            // Keep the ranked survivors, in ascending id.
            order.truncate(keep);
            order.sort_unstable();
            let mut next = order.iter().peekable();
            let mut i = 0;
            dist.retain(|_| {
                let kept = next.peek() == Some(&&i);
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
    /// top-p need, and returns how many of the first survive.
    fn ranked_keep(&self, dist: &[(TokenId, f64)], order: &mut Vec<usize>, cut_k: bool) -> usize {
        let rank = |&a: &usize, &b: &usize| dist[b].1.total_cmp(&dist[a].1).then(a.cmp(&b));
        order.clear();
        order.extend(0..dist.len());
        let mut keep = order.len();
        if cut_k {
            order.select_nth_unstable_by(self.top_k - 1, rank);
            keep = self.top_k;
        }
        order[..keep].sort_unstable_by(rank);
        if self.top_p < 1.0 {
            let total: f64 = order[..keep].iter().map(|&i| dist[i].1).sum();
            let mut run = 0.0;
            for (r, &i) in order[..keep].iter().enumerate() {
                run += dist[i].1 / total;
                if run >= self.top_p {
                    keep = r + 1;
                    break;
                }
            }
        }
        keep
    }
}
