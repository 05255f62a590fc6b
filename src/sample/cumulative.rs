//! Contract 1's draw (`docs/sampling.md`): cumulative sums of weights in the order given,
//! `x = u · C_m`, the first j with `x < C_j`. MLE's draws, the chi-square check's draws, the
//! transforms' kept candidates and the dense oracle of the tests all use it.

use crate::lm::levels::guide_table;

/// Cumulative sums of weights, built once and drawn from many times (the chi-square check's inner
/// loop): `C_j = C_{j-1} + w_j`, left to right.
///
/// A table built with [`Cumulative::new`] also keeps a *guide* (Chen & Asau's indexed search):
/// for K = 2^b ≥ m buckets, `guide[k]` is the index drawn by `x = (k / K) · C_m` (rounded as the
/// draw rounds). Rounding is monotone, so a `u` in `[k / K, (k + 1) / K)` draws an index between
/// `guide[k]` and `guide[k + 1]`, and the binary search runs over that short range only — the
/// same index as a search over all sums, in a few steps instead of log₂ m cache misses.
#[derive(Debug, Clone, Default)]
pub struct Cumulative {
    sums: Vec<f64>,
    /// `K + 1` entries when built, else empty.
    guide: Vec<u32>,
}

impl Cumulative {
    /// Cumulative sums of `weights` (in the given order), with a guide for repeated draws.
    pub fn new(weights: &[f64]) -> Self {
        let mut c = Cumulative::default();
        c.rebuild(weights.iter().copied());
        c.build_guide();
        c
    }

    /// Rebuilds in place from `weights`, reusing the allocation (without a guide: for tables
    /// drawn from once, as in generation).
    pub fn rebuild(&mut self, weights: impl Iterator<Item = f64>) {
        self.sums.clear();
        self.guide.clear();
        let mut c = 0.0;
        // `extend` reserves once for the models' slice-backed iterators, so the loop holds no
        // call and the running sum stays in a register; with a `push` per weight the compiler
        // kept it on the stack across the possible reallocation (generation 1.8× slower).
        self.sums.extend(weights.map(|w| {
            c += w;
            c
        }));
    }

    fn build_guide(&mut self) {
        self.guide = guide_table(&self.sums);
    }

    /// The sum of all weights, `C_m`.
    pub fn total(&self) -> f64 {
        self.sums.last().copied().unwrap_or(0.0)
    }

    /// The running sums `C_j` (for the memo of the transforms, which keeps them).
    pub(super) fn sums(&self) -> &[f64] {
        &self.sums
    }

    /// Number of candidates.
    pub fn len(&self) -> usize {
        self.sums.len()
    }

    /// True when there is no candidate.
    pub fn is_empty(&self) -> bool {
        self.sums.is_empty()
    }

    /// The index drawn by `u` in [0, 1): the first j with `u · C_m < C_j` (binary search).
    #[inline]
    pub fn pick(&self, u: f64) -> Option<usize> {
        let total = *self.sums.last()?;
        let x = u * total;
        let buckets = self.guide.len().wrapping_sub(1);
        let j = if !self.guide.is_empty() && (0.0..1.0).contains(&u) {
            // u · K is exact and below K.
            let k = (u * buckets as f64) as usize;
            let (lo, hi) = (self.guide[k] as usize, self.guide[k + 1] as usize);
            lo + self.sums[lo..hi].partition_point(|&cj| cj <= x)
        } else {
            self.sums.partition_point(|&cj| cj <= x)
        };
        Some(j.min(self.sums.len() - 1))
    }
}

/// Index of the candidate drawn by `u` from weights in the given order (see the module header).
/// `cumulative` is scratch space. Returns `None` when there is no candidate.
pub fn draw_index(weights: &[f64], u: f64, cumulative: &mut Cumulative) -> Option<usize> {
    cumulative.rebuild(weights.iter().copied());
    cumulative.pick(u)
}
