//! The counting model as the sampler draws it (randomness contract 2, `docs/sampling.md`): its
//! levels after a history ([`LanguageModel::plan`]), the tables that make a level cheap to draw
//! from (running sums of the counts a draw reads; stupid backoff's normalisers), and the ranking
//! streams of the transforms (each context's followers in descending probability), built the
//! first time a transform needs them.
//!
//! - Kneser–Ney: one level per seen context, longest first, with the counts the formula reads
//!   (raw at the top order, continuation counts below) and the discount; then the unigram level;
//!   then the uniform distribution. Interpolation is a mixture, so nothing is excluded.
//! - add-k: the full context's counts with extra mass k·V, then the uniform distribution.
//! - stupid backoff: one level per seen context with its raw counts and the extra mass that makes
//!   the normalised backoff exact (`N·(Z − 1)`, Z the context's normaliser); a token drawn below a
//!   level is redrawn when that level has it (exclusive).
//! - MLE has no plan: it is drawn flat over its longest context's followers, as in contract 1.

use std::sync::OnceLock;

use super::NgramModel;
use super::counts::{Ctx, count_in_row};
use crate::lm::levels::{Level, LevelKind, Plan, Stream, guide_table, running_sums};
use crate::lm::{Estimator, LanguageModel};
use crate::tokenize::TokenId;

/// Tables built with the model for its draws.
#[derive(Debug, Clone, Default)]
pub(super) struct DrawIndex {
    // The running sums of the counts a draw reads are the levels' own (`Level::sums`).
    /// A guide table over the unigram level's running sums (its row is the longest).
    guide0: Vec<u32>,
    /// Stupid backoff: per level, per context, Z(h) = Σ_w S(w | h).
    sb_z: Vec<Vec<f64>>,
    /// MLE: for contexts with at least [`LONG_ROW`] followers, the running sums of
    /// `count / total` that contract 1's draw forms (so a draw searches them instead of adding
    /// them up again), at `mle_sums[at..at + followers]` for `(level, context) → at`.
    mle_rows: rustc_hash::FxHashMap<(u32, u32), u32>,
    mle_sums: Vec<f64>,
}

/// Rows at least this long keep MLE's running sums: the rows a generation visits most often
/// (after `<s>`, after a comma, …) and the only ones where adding up costs more than a search.
const LONG_ROW: usize = 32;

/// The ranking streams: per level, each context's followers in descending probability at that
/// context (ties: ascending id), parallel to the follower rows, with their stream values.
#[derive(Debug, Clone, Default)]
pub(super) struct RankIndex {
    ids: Vec<Vec<TokenId>>,
    v: Vec<Vec<f64>>,
    /// Kneser–Ney: every candidate by its unigram probability (the bottom stream).
    bottom_ids: Vec<TokenId>,
    bottom_v: Vec<f64>,
}

impl DrawIndex {
    pub(super) fn build(m: &NgramModel) -> DrawIndex {
        let levels = &m.counts.levels;
        let mut ix = DrawIndex::default();
        if matches!(m.estimator, Estimator::Mle) {
            for (c, l) in levels.iter().enumerate() {
                for x in 0..l.contexts() {
                    let r = l.range(x as u32);
                    if r.len() >= LONG_ROW {
                        let total = l.total(x as u32) as f64;
                        ix.mle_rows
                            .insert((c as u32, x as u32), ix.mle_sums.len() as u32);
                        ix.mle_sums.extend(running_sums(
                            l.counts_of(x as u32).map(|n| n as f64 / total),
                        ));
                    }
                }
            }
            ix.mle_sums.shrink_to_fit();
            return ix;
        }
        if let Some(l0) = levels.first() {
            ix.guide0 = guide_table(&l0.sums.iter().map(|&s| s as f64).collect::<Vec<_>>());
        }
        if let Estimator::StupidBackoff { alpha } = m.estimator {
            ix.sb_z = sb_normalisers(m, alpha);
        }
        ix
    }

    /// Heap bytes of the tables, at their capacities (the hash map's as hashbrown lays it out,
    /// see [`crate::tokenize::hash_table_bytes`]).
    pub(super) fn heap_bytes(&self) -> usize {
        4 * self.guide0.capacity()
            + self.sb_z.capacity() * std::mem::size_of::<Vec<f64>>()
            + self.sb_z.iter().map(|z| 8 * z.capacity()).sum::<usize>()
            + crate::tokenize::hash_table_bytes(self.mle_rows.capacity(), 12)
            + 8 * self.mle_sums.capacity()
    }
}

/// Z(h) of every context: `Z(ε) = 1`, `Z(h) = 1 + α·(Z(h′) − M(h)/N(h′))` with
/// `M(h) = Σ_{w follows h} c(h′ w)` (every follower of h follows h′).
fn sb_normalisers(m: &NgramModel, alpha: f64) -> Vec<Vec<f64>> {
    let levels = &m.counts.levels;
    let mut z: Vec<Vec<f64>> = vec![vec![1.0; levels[0].contexts()]];
    for c in 1..levels.len() {
        let (l, lower) = (&levels[c], &levels[c - 1]);
        let parents = m.counts.parents(c);
        let zc = (0..l.contexts())
            .map(|x| {
                let y = parents[x];
                let mass: u64 = l.ids[l.range(x as u32)]
                    .iter()
                    .map(|&w| {
                        let at = lower.find(y, w).expect("a k-gram's suffix is counted");
                        lower.count(lower.range(y).start, at) as u64
                    })
                    .sum();
                let n_parent = lower.total(y) as f64;
                1.0 + alpha * (z[c - 1][y as usize] - mass as f64 / n_parent)
            })
            .collect();
        z.push(zc);
    }
    z
}

impl RankIndex {
    /// Heap bytes of the streams, at their capacities.
    pub(super) fn heap_bytes(&self) -> usize {
        let outer = std::mem::size_of::<Vec<TokenId>>() + std::mem::size_of::<Vec<f64>>();
        self.ids.capacity() * outer
            + self.ids.iter().map(|v| 4 * v.capacity()).sum::<usize>()
            + self.v.iter().map(|v| 8 * v.capacity()).sum::<usize>()
            + 4 * self.bottom_ids.capacity()
            + 8 * self.bottom_v.capacity()
    }

    fn build(m: &NgramModel) -> RankIndex {
        let levels = &m.counts.levels;
        let mut ix = RankIndex::default();
        let mut lower_p: Vec<f64> = Vec::new();
        for (c, l) in levels.iter().enumerate() {
            // Each follower's probability at its own context, in row order.
            let p: Vec<f64> = match m.estimator {
                Estimator::KneserNey { discount } if c > 0 => {
                    kn_row_probs(m, discount, c, &lower_p)
                }
                Estimator::KneserNey { discount } => (0..l.ids.len())
                    .map(|j| m.kn_unigram(discount, l.ids[j]))
                    .collect(),
                Estimator::AddK { .. } => (0..l.contexts())
                    .flat_map(|x| l.counts_of(x as u32).map(|n| n as f64))
                    .collect(),
                _ => (0..l.contexts())
                    .flat_map(|x| {
                        let total = l.total(x as u32) as f64;
                        l.counts_of(x as u32).map(move |n| n as f64 / total)
                    })
                    .collect(),
            };
            let mut ids = Vec::with_capacity(p.len());
            let mut v = Vec::with_capacity(p.len());
            for x in 0..l.contexts() {
                let r = l.range(x as u32);
                let mut order: Vec<usize> = r.collect();
                // Counts rank exactly; Kneser–Ney ranks by the probability itself.
                order.sort_by(|&a, &b| p[b].total_cmp(&p[a]).then(l.ids[a].cmp(&l.ids[b])));
                ids.extend(order.iter().map(|&j| l.ids[j]));
                v.extend(order.iter().map(|&j| p[j]));
            }
            ix.ids.push(ids);
            ix.v.push(v);
            lower_p = p;
        }
        if let Estimator::KneserNey { discount } = m.estimator {
            let mut all: Vec<(TokenId, f64)> = m
                .vocab
                .candidates()
                .map(|w| (w, m.kn_unigram(discount, w)))
                .collect();
            all.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            ix.bottom_ids = all.iter().map(|a| a.0).collect();
            ix.bottom_v = all.iter().map(|a| a.1).collect();
        }
        ix
    }
}

/// Kneser–Ney: p(w | h) of every stored n-gram of the highest order, in row order (by
/// [`kn_row_probs`], level after level from the unigram up); empty for a unigram model.
pub(super) fn top_probs(m: &NgramModel, d: f64) -> Vec<f64> {
    let levels = &m.counts.levels;
    let mut lower: Vec<f64> = Vec::new();
    for c in 1..levels.len() {
        lower = kn_row_probs(m, d, c, &lower);
    }
    if levels.len() < 2 {
        lower.clear();
    }
    lower.shrink_to_fit();
    lower
}

/// Kneser–Ney: p(w | h) of every follower w of every context h of c ≥ 1 tokens, in row order, by
/// the operations of [`NgramModel::kn_prob`] (`γ·p(w | h′) + max(n − D, 0)/total`), from the
/// level below's values `lower` (row order; unused at c = 1, where p(w | h′) is the unigram).
fn kn_row_probs(m: &NgramModel, d: f64, c: usize, lower: &[f64]) -> Vec<f64> {
    let levels = &m.counts.levels;
    let (l, below) = (m.kn_counts(c), &levels[c - 1]);
    let parents = m.counts.parents(c);
    let mut p = vec![0.0; l.ids.len()];
    for x in 0..l.contexts() {
        let r = l.range(x as u32);
        let total = l.total(x as u32) as f64;
        let gamma = d * r.len() as f64 / total;
        for j in r.clone() {
            let w = l.ids[j];
            let lower_p = if c == 1 {
                m.kn_unigram(d, w)
            } else {
                lower[below
                    .find(parents[x], w)
                    .expect("a k-gram's suffix is counted")]
            };
            p[j] = gamma * lower_p + (l.count(r.start, j) as f64 - d).max(0.0) / total;
        }
    }
    p
}

impl NgramModel {
    /// MLE: the running sums of the followers of seen context `x` (`followers` long), if kept.
    pub(super) fn mle_sums(&self, x: Ctx, followers: usize) -> &[f64] {
        if followers < LONG_ROW {
            return &[];
        }
        match self.draw.mle_rows.get(&(x.len as u32, x.id)) {
            Some(&at) => &self.draw.mle_sums[at as usize..at as usize + followers],
            None => &[],
        }
    }

    fn rank_index(&self) -> &RankIndex {
        self.rank.get_or_init(|| RankIndex::build(self))
    }

    /// The level of seen context `x`, drawing with the counts the level keeps.
    fn count_level<'a>(&'a self, x: Ctx, total: u64, rank: Option<&'a RankIndex>) -> Level<'a> {
        let l = &self.counts.levels[x.len];
        let r = l.range(x.id);
        Level {
            context_len: x.len,
            ids: &l.ids[r.clone()],
            v: &[],
            kind: LevelKind::Counts {
                prefix: &l.sums[r.clone()],
                guide: if x.len == 0 { &self.draw.guide0 } else { &[] },
                total,
                discount: 0.0,
                extra: 0.0,
            },
            pass: 0.0,
            z: 1.0,
            first: r.start,
            stream: match rank {
                Some(ix) => Stream::Ranked {
                    ids: &ix.ids[x.len][r.clone()],
                    v: &ix.v[x.len][r],
                },
                None => Stream::None,
            },
        }
    }

    /// Calls `f` with the seen contexts among the suffixes of `history` (at most `max` tokens),
    /// longest first (the suffix walk finds them shortest first; a short buffer turns them round
    /// without moving whole levels).
    fn seen_longest_first(&self, history: &[TokenId], max: usize, mut f: impl FnMut(Ctx)) {
        // Most often the whole context was seen: one look-up, then its parents.
        if let Some(mut x) = self.seen_full(history, max) {
            loop {
                f(x);
                if x.len == 0 {
                    return;
                }
                x = Ctx {
                    len: x.len - 1,
                    id: self.counts.parents(x.len)[x.id as usize],
                };
            }
        }
        const HELD: usize = 17;
        let mut held = [Ctx { len: 0, id: 0 }; HELD];
        let mut n = 0;
        let mut longer = Vec::new();
        for x in self.counts.suffixes(history, max) {
            if n < HELD {
                held[n] = x;
                n += 1;
            } else {
                longer.push(x);
            }
        }
        longer
            .iter()
            .rev()
            .chain(held[..n].iter().rev())
            .for_each(|&x| f(x));
    }

    fn kn_plan<'a>(
        &'a self,
        d: f64,
        history: &[TokenId],
        rank: Option<&'a RankIndex>,
        levels: &mut Vec<Level<'a>>,
    ) -> Plan {
        let mut context_len = None;
        let mut has_unigram = false;
        self.seen_longest_first(history, usize::MAX, |x| {
            let total = self.kn_counts(x.len).total(x.id);
            if total == 0 {
                return;
            }
            let mut level = self.count_level(x, total, rank);
            level.pass = d * level.ids.len() as f64 / total as f64;
            if let LevelKind::Counts { discount, .. } = &mut level.kind {
                *discount = d;
            }
            if x.len == 0 {
                has_unigram = true;
                level.stream = bottom_stream(rank);
            }
            context_len.get_or_insert(x.len);
            levels.push(level);
        });
        levels.push(Level {
            context_len: 0,
            ids: &[],
            v: &[],
            kind: LevelKind::Uniform {
                candidates: self.vocab.candidate_count(),
            },
            pass: 0.0,
            z: 1.0,
            first: 0,
            stream: if has_unigram {
                Stream::None
            } else {
                bottom_stream(rank)
            },
        });
        Plan {
            exclusive: false,
            nested: true,
            norm: 1.0,
            context_len: context_len.unwrap_or(0),
        }
    }

    fn add_k_plan<'a>(
        &'a self,
        k: f64,
        history: &[TokenId],
        rank: Option<&'a RankIndex>,
        levels: &mut Vec<Level<'a>>,
    ) -> Plan {
        let c = (self.counts.order - 1).min(history.len());
        let v = self.vocab.candidate_count();
        if let Some(x) = self
            .counts
            .suffixes(history, c)
            .last()
            .filter(|x| x.len == c)
        {
            let l = &self.counts.levels[c];
            let total = l.total(x.id);
            let mut level = self.count_level(x, total, rank);
            if let LevelKind::Counts { extra, .. } = &mut level.kind {
                *extra = k * v as f64;
            }
            levels.push(level);
        }
        levels.push(Level {
            context_len: 0,
            ids: &[],
            v: &[],
            kind: LevelKind::Uniform { candidates: v },
            pass: 0.0,
            z: 1.0,
            first: 0,
            stream: Stream::Ascending { v: 0.0 },
        });
        Plan {
            exclusive: false,
            nested: true,
            norm: 1.0,
            context_len: c,
        }
    }

    fn sb_plan<'a>(
        &'a self,
        alpha: f64,
        history: &[TokenId],
        rank: Option<&'a RankIndex>,
        levels: &mut Vec<Level<'a>>,
    ) -> Plan {
        let top = (self.counts.order - 1).min(history.len());
        self.seen_longest_first(history, top, |x| {
            let l = &self.counts.levels[x.len];
            let total = l.total(x.id);
            let z = self.draw.sb_z[x.len][x.id as usize];
            let mut level = self.count_level(x, total, rank);
            level.pass = alpha;
            level.z = z;
            if let LevelKind::Counts { extra, .. } = &mut level.kind {
                *extra = total as f64 * (z - 1.0);
            }
            levels.push(level);
        });
        Plan {
            exclusive: true,
            nested: true,
            norm: 1.0,
            context_len: levels.first().map_or(0, |l| l.context_len),
        }
    }

    /// Stupid backoff: `S(w | h)/Z(h)`, where S is `c(g w)/c(g)` at the longest seen context g
    /// that `w` follows, times α for every seen context above it — the same operations for
    /// `prob`, `distribution`, the draw and the ranking.
    pub(super) fn sb_prob_in(levels: &[Level<'_>], token: TokenId) -> f64 {
        for (i, l) in levels.iter().enumerate() {
            if let Ok(j) = l.ids.binary_search(&token) {
                let LevelKind::Counts { prefix, total, .. } = l.kind else {
                    unreachable!("stupid backoff levels are counts")
                };
                return sb_key(levels, i, count_in_row(prefix, j) as f64 / total as f64);
            }
        }
        0.0
    }

    /// The levels of `history` for the formulas that read them (stupid backoff's `prob` and
    /// `distribution`).
    pub(super) fn sb_levels<'a>(
        &'a self,
        alpha: f64,
        history: &[TokenId],
        levels: &mut Vec<Level<'a>>,
    ) -> Plan {
        levels.clear();
        self.sb_plan(alpha, history, None, levels)
    }
}

fn bottom_stream(rank: Option<&RankIndex>) -> Stream<'_> {
    match rank {
        Some(ix) => Stream::Ranked {
            ids: &ix.bottom_ids,
            v: &ix.bottom_v,
        },
        None => Stream::None,
    }
}

/// Stupid backoff's probability of a token first found at `levels[level]` with `S = v` there.
fn sb_key(levels: &[Level<'_>], level: usize, v: f64) -> f64 {
    let s = levels[..level].iter().rev().fold(v, |s, l| l.pass * s);
    s / levels[0].z
}

/// Kneser–Ney's probability of a token first found in the stream of `levels[level]` with
/// `p(w | that level's context) = v`: `γ·p` for every level above it, lowest first, as
/// [`NgramModel::kn_prob`] computes it (its `+ max(0 − D, 0)/total` adds an exact zero).
fn kn_key(levels: &[Level<'_>], level: usize, v: f64) -> f64 {
    levels[..level].iter().rev().fold(v, |p, l| l.pass * p)
}

impl NgramModel {
    pub(super) fn plan_levels<'a>(
        &'a self,
        history: &[TokenId],
        ranked: bool,
        levels: &mut Vec<Level<'a>>,
    ) -> Option<Plan> {
        levels.clear();
        let rank = ranked.then(|| self.rank_index());
        Some(match self.estimator {
            Estimator::Mle => return None,
            Estimator::KneserNey { discount } => self.kn_plan(discount, history, rank, levels),
            Estimator::AddK { k } => self.add_k_plan(k, history, rank, levels),
            Estimator::StupidBackoff { alpha } => self.sb_plan(alpha, history, rank, levels),
            Estimator::ModifiedKneserNey | Estimator::Arpa { .. } => return None,
        })
    }

    pub(super) fn plan_prob_in(
        &self,
        levels: &[Level<'_>],
        history: &[TokenId],
        token: TokenId,
    ) -> f64 {
        match self.estimator {
            Estimator::KneserNey { discount: d } => {
                if !self.is_candidate(token) {
                    return 0.0;
                }
                // kn_prob's loop over the same contexts, lowest first.
                let mut p = self.kn_unigram(d, token);
                for l in levels.iter().rev().filter(|l| l.context_len > 0) {
                    let LevelKind::Counts { prefix, total, .. } = l.kind else {
                        continue;
                    };
                    let n = l
                        .ids
                        .binary_search(&token)
                        .map_or(0, |j| count_in_row(prefix, j));
                    let total = total as f64;
                    p = d * l.ids.len() as f64 / total * p + (n as f64 - d).max(0.0) / total;
                }
                p
            }
            Estimator::StupidBackoff { .. } => Self::sb_prob_in(levels, token),
            Estimator::AddK { k } => self.add_k_prob_in(k, levels, token, None),
            _ => self.prob(history, token).p,
        }
    }

    /// Add-k's probability from the plan (`add_k_prob`'s operations): the full context's level
    /// is the first when it was seen; `drawn`, the token's position in it when the draw took it
    /// from there.
    pub(super) fn add_k_prob_in(
        &self,
        k: f64,
        levels: &[Level<'_>],
        token: TokenId,
        drawn: Option<usize>,
    ) -> f64 {
        if !self.is_candidate(token) {
            return 0.0;
        }
        let (n, total) = match levels.first() {
            Some(&Level {
                ids,
                kind: LevelKind::Counts { prefix, total, .. },
                ..
            }) => {
                let j = drawn.or_else(|| ids.binary_search(&token).ok());
                (j.map_or(0, |j| count_in_row(prefix, j)), total as f64)
            }
            _ => (0, 0.0),
        };
        let v = self.vocab.candidate_count() as f64;
        (n as f64 + k) / (total + k * v)
    }

    pub(super) fn rank_key_in(&self, levels: &[Level<'_>], level: usize, v: f64) -> f64 {
        match self.estimator {
            Estimator::KneserNey { .. } => kn_key(levels, level, v),
            Estimator::StupidBackoff { .. } => sb_key(levels, level, v),
            Estimator::AddK { k } => {
                let total = match levels[0].kind {
                    LevelKind::Counts { total, .. } => total as f64,
                    _ => 0.0,
                };
                (v + k) / (total + k * self.vocab.candidate_count() as f64)
            }
            _ => v,
        }
    }
}

/// The lazily built ranking streams (they cost memory only when a transform is used).
pub(super) type LazyRank = OnceLock<RankIndex>;
