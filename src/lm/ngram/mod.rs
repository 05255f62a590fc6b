//! The counting n-gram model: counts ([`NgramCounts`], in [`counts`]) plus one of the counting
//! smoothings (MLE, add-k, Kneser–Ney, stupid backoff) — the part of coinflip that answers "given
//! this context, how likely is each next token?".
//!
//! Documents are padded with `order - 1` start markers `<s>` on the left and one end marker `</s>`
//! on the right; every k-gram (k = 1..=order) that ends on a real token or on `</s>` is counted.
//! The formulas of each smoothing are in `docs/models.md`; every one of them gives, for every
//! context, a distribution over the candidates ([`Vocab::candidates`]) that sums to 1.
//!
//! Counting is written here rather than taken from a crate because it is the subject being taught,
//! and because its layout is what makes training, scoring and generation fast
//! (`docs/performance.md`, and the header of [`counts`]). The implementation it replaced is kept
//! in a test-only `reference` module, as the oracle the fast one must match bit for bit.

mod counts;
mod draw;

pub use counts::NgramCounts;

use counts::Ctx;

use crate::corpus::TokenizedCorpus;
use crate::lm::{Candidates, Estimator, LanguageModel, Level, Plan, Scored, Scratch, Weights};
use crate::tokenize::{EOS, RESERVED, TokenId, Vocab};

/// An n-gram model: counts plus a smoothing.
#[derive(Debug, Clone)]
pub struct NgramModel {
    pub counts: NgramCounts,
    /// One of the counting estimators (see [`NgramModel::train`]).
    estimator: Estimator,
    vocab: Vocab,
    /// Kneser–Ney: the interpolated unigram probability of every id (0 for `<s>` and `<unk>`),
    /// for the discount it was computed with.
    kn_unigram: Option<(f64, Vec<f64>)>,
    /// What the hierarchical draw reads (running sums of counts, normalisers).
    draw: draw::DrawIndex,
    /// The transforms' ranking streams, built on first use.
    rank: draw::LazyRank,
}

/// Per level of a Kneser–Ney walk: γ, the total and the rows of the context's followers.
#[derive(Debug, Clone, Copy)]
pub(super) struct KnStep {
    gamma: f64,
    total: f64,
    rows: (usize, usize),
    /// The level (for the counts it reads).
    c: usize,
}

impl NgramModel {
    /// Counts the corpus and applies the smoothing of a counting estimator (MLE, add-k,
    /// Kneser–Ney, stupid backoff).
    ///
    /// Panics if `estimator` is not one of them ([`Estimator::build`] calls this for exactly
    /// those).
    pub fn train(corpus: &TokenizedCorpus, order: usize, estimator: Estimator) -> Self {
        let with_cont = match estimator {
            Estimator::KneserNey { .. } => true,
            Estimator::Mle | Estimator::AddK { .. } | Estimator::StupidBackoff { .. } => false,
            Estimator::ModifiedKneserNey | Estimator::Arpa { .. } => {
                panic!("{} is not a counting estimator", estimator.name())
            }
        };
        let mut m = NgramModel {
            counts: NgramCounts::count(corpus, order, with_cont),
            estimator,
            vocab: corpus.vocab.clone(),
            kn_unigram: None,
            draw: draw::DrawIndex::default(),
            rank: draw::LazyRank::new(),
        };
        if let Estimator::KneserNey { discount } = m.estimator {
            let p = (0..m.vocab.len() as TokenId)
                .map(|w| {
                    if m.is_candidate(w) {
                        m.kn_unigram_of(discount, w)
                    } else {
                        0.0
                    }
                })
                .collect();
            m.kn_unigram = Some((discount, p));
        }
        m.draw = draw::DrawIndex::build(&m);
        m
    }

    /// The estimator the model was trained with.
    pub fn estimator(&self) -> &Estimator {
        &self.estimator
    }

    fn is_candidate(&self, w: TokenId) -> bool {
        w == EOS || (RESERVED as TokenId..self.vocab.len() as TokenId).contains(&w)
    }

    /// The level Kneser–Ney reads for context length c: raw counts at the highest order,
    /// continuation counts below it. Returns (counts, totals).
    fn kn_counts(&self, c: usize) -> (&[u32], &[u64]) {
        let l = &self.counts.levels[c];
        if c == self.counts.order - 1 {
            (&l.counts, &l.total)
        } else {
            assert!(
                self.counts.continuation,
                "continuation counts were not computed"
            );
            (&l.cont, &l.cont_total)
        }
    }

    fn kn_unigram_of(&self, d: f64, w: TokenId) -> f64 {
        let v = self.vocab.candidate_count() as f64;
        let l = &self.counts.levels[0];
        if l.contexts() == 0 {
            return 1.0 / v;
        }
        let (counts, totals) = self.kn_counts(0);
        match totals[0] {
            0 => 1.0 / v,
            t => {
                let total = t as f64;
                let c = l.find(0, w).map_or(0, |i| counts[i]) as f64;
                let len = l.range(0).len() as f64;
                (c - d).max(0.0) / total + d * len / total / v
            }
        }
    }

    fn kn_unigram(&self, d: f64, w: TokenId) -> f64 {
        match &self.kn_unigram {
            Some((d0, p)) if *d0 == d => p[w as usize],
            _ => self.kn_unigram_of(d, w),
        }
    }

    /// The levels above the unigram that a Kneser–Ney distribution after `history` interpolates,
    /// lowest first, into `steps`.
    /// Kneser–Ney only: the backoff weight γ(h) = D·N₁₊(h •)/c(h) of `context` at its own level
    /// (raw counts at the top level, continuation counts below), as `prob` uses it; `None` when
    /// the context was not seen, is empty or too long, or the model is not Kneser–Ney. For
    /// `coinflip export-arpa`.
    pub fn kn_gamma(&self, context: &[TokenId]) -> Option<f64> {
        let Estimator::KneserNey { discount: d } = self.estimator else {
            return None;
        };
        let c = context.len();
        if c == 0 || c >= self.counts.order {
            return None;
        }
        let x = self
            .counts
            .suffixes(context, c)
            .last()
            .filter(|x| x.len == c)?;
        let (_, totals) = self.kn_counts(c);
        let total = totals[x.id as usize] as f64;
        let r = self.counts.levels[c].range(x.id);
        Some(d * r.len() as f64 / total)
    }

    fn kn_steps(&self, d: f64, history: &[TokenId], steps: &mut Vec<KnStep>) {
        steps.clear();
        for x in self.counts.suffixes(history, usize::MAX).skip(1) {
            let (_, totals) = self.kn_counts(x.len);
            let total = totals[x.id as usize] as f64;
            let r = self.counts.levels[x.len].range(x.id);
            steps.push(KnStep {
                gamma: d * r.len() as f64 / total,
                total,
                rows: (r.start, r.end),
                c: x.len,
            });
        }
    }

    /// The Kneser–Ney weight of every id in `0..len` into `p` (same operations, in the same
    /// order, as [`LanguageModel::prob`]: start from the unigram, then per level `p·γ + a`).
    fn kn_dense(&self, d: f64, steps: &[KnStep], p: &mut Vec<f64>) {
        p.clear();
        match &self.kn_unigram {
            Some((d0, u)) if *d0 == d => p.extend_from_slice(u),
            _ => p.extend((0..self.vocab.len() as TokenId).map(|w| {
                if self.is_candidate(w) {
                    self.kn_unigram_of(d, w)
                } else {
                    0.0
                }
            })),
        }
        for s in steps {
            let gamma = s.gamma;
            for x in p.iter_mut() {
                *x *= gamma;
            }
            let (counts, _) = self.kn_counts(s.c);
            let l = &self.counts.levels[s.c];
            let r = s.rows.0..s.rows.1;
            for (&w, &n) in l.ids[r.clone()].iter().zip(&counts[r]) {
                p[w as usize] += (n as f64 - d).max(0.0) / s.total;
            }
        }
    }

    /// The longest context length c ≤ order - 1 whose suffix of `history` was seen, and its id.
    fn longest_seen(&self, history: &[TokenId]) -> Option<Ctx> {
        // Most often the whole context was seen: one look-up when contexts are packed.
        let top = self.counts.order - 1;
        if top > 0
            && history.len() >= top
            && let Some(id) = self.counts.top(&history[history.len() - top..])
        {
            return Some(Ctx { len: top, id });
        }
        self.counts.suffixes(history, usize::MAX).last()
    }
}

impl LanguageModel for NgramModel {
    fn order(&self) -> usize {
        self.counts.order
    }

    fn vocab(&self) -> &Vocab {
        &self.vocab
    }

    fn distribution(&self, history: &[TokenId], out: &mut Vec<(TokenId, f64)>) -> usize {
        out.clear();
        match self.estimator {
            Estimator::Mle => self.mle_distribution(history, out),
            Estimator::AddK { k } => self.add_k_distribution(k, history, out),
            Estimator::KneserNey { discount } => self.kn_distribution(discount, history, out),
            Estimator::StupidBackoff { alpha } => self.stupid_backoff(alpha, history, out),
            Estimator::ModifiedKneserNey | Estimator::Arpa { .. } => not_counting(&self.estimator),
        }
    }

    fn prob(&self, history: &[TokenId], token: TokenId) -> Scored {
        match self.estimator {
            Estimator::Mle => self.mle_prob(history, token),
            Estimator::AddK { k } => self.add_k_prob(k, history, token),
            Estimator::KneserNey { discount } => self.kn_prob(discount, history, token),
            Estimator::StupidBackoff { alpha } => {
                let mut levels = Vec::new();
                let plan = self.sb_levels(alpha, history, &mut levels);
                Scored {
                    p: Self::sb_prob_in(&levels, token),
                    context_len: plan.context_len,
                }
            }
            Estimator::ModifiedKneserNey | Estimator::Arpa { .. } => not_counting(&self.estimator),
        }
    }

    fn weights<'a>(&'a self, history: &[TokenId], scratch: &'a mut Scratch) -> Weights<'a> {
        match self.estimator {
            // Sparse: the followers of the longest seen context are the candidates.
            Estimator::Mle => {
                let Some(x) = self.longest_seen(history) else {
                    return Weights {
                        candidates: Candidates::Listed(&[]),
                        context_len: 0,
                    };
                };
                let l = &self.counts.levels[x.len];
                let r = l.range(x.id);
                Weights {
                    candidates: Candidates::Counted {
                        ids: &l.ids[r.clone()],
                        counts: &l.counts[r],
                        total: l.total[x.id as usize] as f64,
                    },
                    context_len: x.len,
                }
            }
            // Dense: every candidate has a weight; no (id, p) pairs are built.
            Estimator::KneserNey { discount: d } => {
                self.kn_steps(d, history, &mut scratch.kn);
                self.kn_dense(d, &scratch.kn, &mut scratch.dense);
                let context_len = scratch.kn.last().map_or(0, |s| s.c);
                Weights {
                    candidates: Candidates::Dense(&scratch.dense),
                    context_len,
                }
            }
            _ => crate::lm::listed_weights(self, history, scratch),
        }
    }

    fn plan<'a>(
        &'a self,
        history: &[TokenId],
        ranked: bool,
        levels: &mut Vec<Level<'a>>,
    ) -> Option<Plan> {
        self.plan_levels(history, ranked, levels)
    }

    fn plan_prob(&self, levels: &[Level<'_>], history: &[TokenId], token: TokenId) -> f64 {
        self.plan_prob_in(levels, history, token)
    }

    fn rank_key(&self, levels: &[Level<'_>], level: usize, v: f64) -> f64 {
        self.rank_key_in(levels, level, v)
    }
}

/// [`NgramModel::train`] takes counting estimators only, so no model holds another one.
fn not_counting(estimator: &Estimator) -> ! {
    unreachable!("{} is not a counting estimator", estimator.name())
}

/// The formulas, one smoothing at a time (`docs/models.md`); each `*_distribution` lists the
/// candidates in ascending id and returns the context length used.
impl NgramModel {
    fn mle_distribution(&self, history: &[TokenId], out: &mut Vec<(TokenId, f64)>) -> usize {
        let Some(x) = self.longest_seen(history) else {
            return 0;
        };
        let l = &self.counts.levels[x.len];
        let r = l.range(x.id);
        let total = l.total[x.id as usize] as f64;
        out.extend(
            l.ids[r.clone()]
                .iter()
                .zip(&l.counts[r])
                .map(|(&w, &n)| (w, n as f64 / total)),
        );
        x.len
    }

    fn mle_prob(&self, history: &[TokenId], token: TokenId) -> Scored {
        let Some(x) = self.longest_seen(history) else {
            return Scored {
                p: 0.0,
                context_len: 0,
            };
        };
        let l = &self.counts.levels[x.len];
        let n = l.find(x.id, token).map_or(0, |i| l.counts[i]);
        Scored {
            p: n as f64 / l.total[x.id as usize] as f64,
            context_len: x.len,
        }
    }

    /// The followers, counts and total of the full context of `history` (nothing when it was
    /// not seen), and its length: add-k reads the full context only.
    fn full_context(&self, history: &[TokenId]) -> (&[TokenId], &[u32], f64, usize) {
        let c = (self.counts.order - 1).min(history.len());
        let l = &self.counts.levels[c];
        match self.counts.suffixes(history, c).last() {
            Some(x) if x.len == c => {
                let r = l.range(x.id);
                (
                    &l.ids[r.clone()],
                    &l.counts[r],
                    l.total[x.id as usize] as f64,
                    c,
                )
            }
            _ => (&[], &[], 0.0, c),
        }
    }

    fn add_k_distribution(
        &self,
        k: f64,
        history: &[TokenId],
        out: &mut Vec<(TokenId, f64)>,
    ) -> usize {
        let (ids, counts, total, c) = self.full_context(history);
        let v = self.vocab.candidate_count() as f64;
        let denom = total + k * v;
        let mut j = 0;
        for w in self.vocab.candidates() {
            let mut n = 0;
            if j < ids.len() && ids[j] == w {
                n = counts[j];
                j += 1;
            }
            out.push((w, (n as f64 + k) / denom));
        }
        c
    }

    fn add_k_prob(&self, k: f64, history: &[TokenId], token: TokenId) -> Scored {
        let (ids, counts, total, c) = self.full_context(history);
        let n = ids.binary_search(&token).map_or(0, |i| counts[i]);
        let v = self.vocab.candidate_count() as f64;
        let p = if self.is_candidate(token) {
            (n as f64 + k) / (total + k * v)
        } else {
            0.0
        };
        Scored { p, context_len: c }
    }

    fn kn_distribution(&self, d: f64, history: &[TokenId], out: &mut Vec<(TokenId, f64)>) -> usize {
        let mut steps = Vec::new();
        self.kn_steps(d, history, &mut steps);
        let mut p = Vec::new();
        self.kn_dense(d, &steps, &mut p);
        out.extend(
            self.vocab
                .candidates()
                .map(|w| (w, p[w as usize]))
                .filter(|&(_, x)| x > 0.0),
        );
        steps.last().map_or(0, |s| s.c)
    }

    fn kn_prob(&self, d: f64, history: &[TokenId], token: TokenId) -> Scored {
        if !self.is_candidate(token) {
            return Scored {
                p: 0.0,
                context_len: 0,
            };
        }
        let mut p = self.kn_unigram(d, token);
        let mut used = 0;
        for x in self.counts.suffixes(history, usize::MAX).skip(1) {
            let l = &self.counts.levels[x.len];
            let (counts, totals) = self.kn_counts(x.len);
            let total = totals[x.id as usize] as f64;
            let n = l.find(x.id, token).map_or(0, |i| counts[i]);
            p = d * l.range(x.id).len() as f64 / total * p + (n as f64 - d).max(0.0) / total;
            used = x.len;
        }
        Scored {
            p,
            context_len: used,
        }
    }

    /// Stupid backoff, normalised: the scores of docs/models.md divided by Z(h) of the longest
    /// seen context, computed with the same operations as `prob` (`sb_prob_in`): bottom-up, a
    /// level's followers get `c(h w)/c(h)` and every other score is multiplied by α.
    fn stupid_backoff(
        &self,
        alpha: f64,
        history: &[TokenId],
        out: &mut Vec<(TokenId, f64)>,
    ) -> usize {
        let mut levels = Vec::new();
        let plan = self.sb_levels(alpha, history, &mut levels);
        let Some(top) = levels.first() else {
            return 0;
        };
        let mut score: Vec<f64> = vec![0.0; self.vocab.len()];
        for (i, l) in levels.iter().enumerate().rev() {
            if i + 1 < levels.len() {
                score.iter_mut().for_each(|s| *s *= alpha);
            }
            let crate::lm::LevelKind::Counts { counts, total, .. } = l.kind else {
                unreachable!("stupid backoff levels are counts")
            };
            for (&w, &n) in l.ids.iter().zip(counts) {
                score[w as usize] = n as f64 / total as f64;
            }
        }
        let z = top.z;
        out.extend(
            self.vocab
                .candidates()
                .map(|w| (w, score[w as usize] / z))
                .filter(|&(_, x)| x > 0.0),
        );
        plan.context_len
    }
}

#[cfg(test)]
mod reference;
#[cfg(test)]
mod tests;
