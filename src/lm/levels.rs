//! What a model tells the sampler for a hierarchical draw (randomness contract 2,
//! `docs/sampling.md`): the *levels* of the distribution after a history, top (longest context)
//! first, each with the tokens it can draw itself and the mass it leaves to the levels below.
//!
//! Every smoothed model coinflip has is a mixture or a backoff: interpolated Kneser–Ney is
//! `p(w | h) = α(w | h) + γ(h)·p(w | h′)`, add-k mixes the context's counts with the uniform
//! distribution, stupid backoff and ARPA models use the context's seen words, else a backoff
//! weight times the shorter context. A model describes that structure here, as data; the sampler
//! (`crate::sample`) alone turns uniform numbers into a token. Probabilities (what a token's
//! probability is, what a ranking key is) stay the model's: [`crate::lm::LanguageModel::plan_prob`]
//! and [`crate::lm::LanguageModel::rank_key`].

use crate::tokenize::{EOS, RESERVED, TokenId};

/// One level of a hierarchical draw: the followers of one context.
#[derive(Debug, Clone, Copy)]
pub struct Level<'a> {
    /// The length of the level's context (0: the unigram level).
    pub context_len: usize,
    /// The tokens this level draws itself, ascending id: its followers (candidates only). Empty
    /// for [`LevelKind::Uniform`], which draws every candidate.
    pub ids: &'a [TokenId],
    /// A model-defined value per follower, parallel to `ids` (ARPA: the stored log10
    /// probability; empty for the counting models, whose counts are in `kind`).
    pub v: &'a [f64],
    pub kind: LevelKind<'a>,
    /// A number the model's own [`crate::lm::LanguageModel::rank_key`] and
    /// [`crate::lm::LanguageModel::plan_prob`] use for tokens that pass this level to a lower one
    /// (Kneser–Ney: γ; stupid backoff: α; ARPA: the context's log10 backoff).
    pub pass: f64,
    /// A model-defined normaliser of the level's context (stupid backoff and ARPA: the sum of
    /// the context's unnormalised scores, Z(h); 1 otherwise).
    pub z: f64,
    /// The level's ranking stream, for the transforms (top-k, top-p, temperature).
    pub stream: Stream<'a>,
    /// Where `ids[0]` sits in the model's own tables, so that the model's
    /// [`crate::lm::LanguageModel::plan_prob_drawn`] can reach what it stores per follower
    /// without searching (0 when the model does not use it).
    pub first: usize,
}

/// Where a hierarchical draw found its token: `levels[level].ids[index]`. A model can compute
/// the token's probability from it without searching that level's followers
/// ([`crate::lm::LanguageModel::plan_prob_drawn`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Drawn {
    pub level: usize,
    pub index: usize,
}

/// How a level turns one uniform number into one of its followers, or into "back off".
#[derive(Debug, Clone, Copy)]
pub enum LevelKind<'a> {
    /// Integer counts `n_j` of the followers (parallel to `ids`), their total `N = Σ n_j`, a
    /// discount `D` and an extra backoff mass `E`: with `x = u·(N + E)` and `S_j = n_1 + … + n_j`,
    /// back off when `x ≥ N`; else take the j with `S_{j−1} ≤ x < S_j`, and back off when
    /// `x − S_{j−1} < D`. Follower j is drawn with probability `(n_j − D)/(N + E)`.
    Counts {
        /// `S_j` for every j, parallel to `ids`: the counts are their differences.
        prefix: &'a [u32],
        /// Optional guide table over `prefix` for `x = u·N` (valid when `extra` is 0), as in
        /// [`LevelKind::Weighted`].
        guide: &'a [u32],
        total: u64,
        discount: f64,
        extra: f64,
    },
    /// Probability weights `q_j` as their running sums `C_j` (left to right, double precision),
    /// and the level's total `C_m + B` (B: the backoff weight): with `x = u·total`, back off when
    /// `x ≥ C_m`, else take the first j with `x < C_j`.
    Weighted {
        cum: &'a [f64],
        total: f64,
        /// Optional guide table (Chen & Asau) for a level that never backs off (`total = C_m`):
        /// `guide[k]` is the first j with `(k/K)·total < C_j`, K = `guide.len() − 1`.
        guide: &'a [u32],
    },
    /// Every one of `candidates` candidates with the same probability: `i = ⌊u·V⌋`, the i-th
    /// candidate in ascending id (`</s>` first). Never backs off.
    Uniform { candidates: usize },
}

/// A level's tokens in ranking order, for the transforms: descending probability at the level's
/// own context (ties: ascending id), each with a model-defined value that the model's
/// [`crate::lm::LanguageModel::rank_key`] turns into the token's probability after the whole
/// history.
#[derive(Debug, Clone, Copy)]
pub enum Stream<'a> {
    /// The level contributes no tokens to the ranking (they are all in another stream).
    None,
    /// Tokens in ranking order, with their values.
    Ranked { ids: &'a [TokenId], v: &'a [f64] },
    /// Every candidate, ascending id, all with the same value.
    Ascending { v: f64 },
}

/// What the sampler needs besides the levels ([`crate::lm::LanguageModel::plan`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Plan {
    /// Backoff model: a token drawn below a level must not be one of that level's followers (it
    /// is redrawn: an exact rejection step). False for mixtures (Kneser–Ney, add-k).
    pub exclusive: bool,
    /// Every follower of a level also follows the levels below it (the counting models: an
    /// n-gram's suffix was counted too), so "does a longer context list w" is one look-up.
    pub nested: bool,
    /// The sum of the model's probabilities after the history (1 for models that are
    /// normalised; an ARPA model's stored values sum to 1 only up to their rounding).
    pub norm: f64,
    /// Context tokens the model used.
    pub context_len: usize,
}

/// The i-th candidate in ascending id: `</s>`, then the ids from [`RESERVED`] on.
pub fn candidate(i: usize) -> TokenId {
    if i == 0 {
        EOS
    } else {
        (i - 1 + RESERVED) as TokenId
    }
}

/// A guide table for cumulative sums `cum` (see [`LevelKind::Weighted`]); empty when too short
/// to help. `K = 2^⌈log₂ m⌉` buckets; `k · (1/K)` is exact and is rounded once when multiplied
/// by the total, as a draw rounds `u · total`, so a `u` in `[k/K, (k+1)/K)` draws an index
/// between `guide[k]` and `guide[k+1]`.
pub fn guide_table(cum: &[f64]) -> Vec<u32> {
    let m = cum.len();
    let total = cum.last().copied().unwrap_or(0.0);
    if m < 16 || m >= u32::MAX as usize || !(total.is_finite() && total > 0.0) {
        return Vec::new();
    }
    let buckets = m.next_power_of_two();
    let scale = 1.0 / buckets as f64;
    let mut guide = Vec::with_capacity(buckets + 1);
    let mut j = 0;
    for k in 0..=buckets {
        let x = (k as f64 * scale) * total;
        while j < m && cum[j] <= x {
            j += 1;
        }
        guide.push(j as u32);
    }
    guide
}

/// The j-th count of a row given as its running sums (exact: integers).
#[inline]
pub fn count_in_row(sums: &[u32], j: usize) -> u32 {
    if j == 0 {
        sums[0]
    } else {
        sums[j] - sums[j - 1]
    }
}

/// A row's counts from its running sums.
pub fn counts_from_sums(sums: &[u32]) -> impl Iterator<Item = u32> + '_ {
    let mut before = 0;
    sums.iter().map(move |&s| {
        let n = s - before;
        before = s;
        n
    })
}

/// Left-to-right running sums of `weights`.
pub fn running_sums(weights: impl Iterator<Item = f64>) -> Vec<f64> {
    let mut c = 0.0;
    weights
        .map(|w| {
            c += w;
            c
        })
        .collect()
}

/// Running sums of integer counts (`S_j`), for [`LevelKind::Counts`].
pub fn count_prefix(counts: &[u32]) -> Vec<u32> {
    let mut s = 0u32;
    counts
        .iter()
        .map(|&n| {
            s += n;
            s
        })
        .collect()
}
