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

use counts::{Ctx, counts_from_sums};

use crate::corpus::TokenizedCorpus;
use crate::lm::{
    Candidates, Drawn, Estimator, LanguageModel, Level, LevelKind, Plan, Scored, Scratch, Weights,
};
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
    /// Kneser–Ney: per level c ≥ 2 below the top, per follower position, the position of the
    /// same token in the row of the context's parent at level c − 1 (every suffix of a counted
    /// k-gram was counted). A token found at one level then needs no search at the levels below
    /// (scoring and pricing a drawn token: `kn_prob`, `plan_prob_drawn`). 4 bytes per stored
    /// k-gram, 3 ≤ k < order.
    kn_links: Vec<Vec<u32>>,
    /// Kneser–Ney: p(w | h) of every stored n-gram of the highest order, in row order, computed
    /// at training by `kn_prob`'s operations (`draw::kn_row_probs`): what scoring and generation
    /// read most, one load instead of a walk down every level (KenLM stores the same). 8 bytes
    /// per stored n-gram of the highest order.
    kn_top_p: Vec<f64>,
}

/// The longest context a Kneser–Ney probability walks without allocating (contexts of up to
/// `KN_HELD − 1` tokens; coinflip's scenarios allow order 16). Longer ones take the general walk.
const KN_HELD: usize = 17;

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
            kn_links: Vec::new(),
            kn_top_p: Vec::new(),
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
            m.kn_links = suffix_links(&m.counts);
            m.kn_top_p = draw::top_probs(&m, discount);
        }
        m.draw = draw::DrawIndex::build(&m);
        m
    }

    /// Bytes the model holds on the heap, every array and hash table at its capacity: the
    /// counts ([`NgramCounts::heap_bytes`]), the vocabulary, Kneser–Ney's unigram table, stored
    /// top-order probabilities and suffix links, the draw's tables, and the ranking streams once a
    /// transform has built them.
    pub fn heap_bytes(&self) -> usize {
        self.counts.heap_bytes()
            + self.vocab.heap_bytes()
            + self
                .kn_unigram
                .as_ref()
                .map_or(0, |(_, p)| 8 * p.capacity())
            + self.draw.heap_bytes()
            + self.rank.get().map_or(0, draw::RankIndex::heap_bytes)
            + 8 * self.kn_top_p.capacity()
            + self.kn_links.capacity() * std::mem::size_of::<Vec<u32>>()
            + self
                .kn_links
                .iter()
                .map(|l| 4 * l.capacity())
                .sum::<usize>()
    }

    /// The estimator the model was trained with.
    pub fn estimator(&self) -> &Estimator {
        &self.estimator
    }

    fn is_candidate(&self, w: TokenId) -> bool {
        w == EOS || (RESERVED as TokenId..self.vocab.len() as TokenId).contains(&w)
    }

    /// The level of context length c with the counts Kneser–Ney reads: raw counts at the
    /// highest order, continuation counts below it (what the level keeps there; its totals,
    /// `Level::total`, are theirs).
    fn kn_counts(&self, c: usize) -> &counts::Level {
        assert!(
            c == self.counts.order - 1 || self.counts.continuation,
            "continuation counts were not computed"
        );
        &self.counts.levels[c]
    }

    fn kn_unigram_of(&self, d: f64, w: TokenId) -> f64 {
        let v = self.vocab.candidate_count() as f64;
        let l = &self.counts.levels[0];
        if l.contexts() == 0 {
            return 1.0 / v;
        }
        let l = self.kn_counts(0);
        match l.total(0) {
            0 => 1.0 / v,
            t => {
                let total = t as f64;
                let c = l.find(0, w).map_or(0, |i| l.count(0, i)) as f64;
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
        let total = self.counts.levels[c].total(x.id) as f64;
        let r = self.counts.levels[c].range(x.id);
        Some(d * r.len() as f64 / total)
    }

    fn kn_steps(&self, d: f64, history: &[TokenId], steps: &mut Vec<KnStep>) {
        steps.clear();
        for x in self.counts.suffixes(history, usize::MAX).skip(1) {
            let total = self.counts.levels[x.len].total(x.id) as f64;
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
            let l = self.kn_counts(s.c);
            let r = s.rows.0..s.rows.1;
            for (&w, n) in l.ids[r.clone()].iter().zip(counts_from_sums(&l.sums[r])) {
                p[w as usize] += (n as f64 - d).max(0.0) / s.total;
            }
        }
    }

    /// The context of the history's last `order − 1` tokens when it was seen, it is packed (one
    /// look-up finds it) and `max` allows it: where a walk down its parents can start.
    #[inline]
    fn seen_full(&self, history: &[TokenId], max: usize) -> Option<Ctx> {
        let top = self.counts.order - 1;
        if top == 0 || history.len() < top || max < top {
            return None;
        }
        let id = self.counts.top(&history[history.len() - top..])?;
        Some(Ctx { len: top, id })
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

    /// The longest seen n-gram `c' token`, `c'` a suffix of the history: what the ARPA file of
    /// this model lists (export.rs writes every seen n-gram), so KenLM's `full_scores` on it
    /// gives this length. Start padding counts as one `<s>`, as ARPA files write it.
    fn ngram_length(&self, history: &[TokenId], token: TokenId) -> usize {
        let levels = &self.counts.levels;
        let seen = self
            .counts
            .suffixes(history, self.counts.order - 1)
            .filter(|c| levels[c.len].find(c.id, token).is_some())
            .last();
        match seen {
            None => 1,
            Some(c) => {
                let ctx = &history[history.len() - c.len..];
                let padding = ctx
                    .iter()
                    .take_while(|&&t| t == crate::tokenize::BOS)
                    .count();
                c.len - padding.saturating_sub(1) + 1
            }
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
                        cum: self.mle_sums(x, r.len()),
                        sums: &l.sums[r],
                        total: l.total(x.id) as f64,
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

    fn plan_prob_drawn(
        &self,
        levels: &[Level<'_>],
        history: &[TokenId],
        token: TokenId,
        drawn: Drawn,
    ) -> f64 {
        match self.estimator {
            Estimator::KneserNey { discount } if !self.kn_links.is_empty() => self
                .kn_plan_prob(discount, levels, token, drawn)
                .unwrap_or_else(|| self.plan_prob_in(levels, history, token)),
            Estimator::AddK { k } => {
                let at = (drawn.level == 0).then_some(drawn.index);
                self.add_k_prob_in(k, levels, token, at)
            }
            _ => self.plan_prob_in(levels, history, token),
        }
    }

    fn rank_key(&self, levels: &[Level<'_>], level: usize, v: f64) -> f64 {
        self.rank_key_in(levels, level, v)
    }
}

/// Per level c ≥ 2, per follower position, the position of the same token in the row of the
/// context's parent (see `NgramModel::kn_links`); empty below level 2 and at the top.
fn suffix_links(counts: &NgramCounts) -> Vec<Vec<u32>> {
    let levels = &counts.levels;
    (0..levels.len())
        .map(|c| {
            if c < 2 || c + 1 == levels.len() {
                return Vec::new();
            }
            let (l, below) = (&levels[c], &levels[c - 1]);
            let mut link = Vec::with_capacity(l.ids.len());
            for x in 0..l.contexts() {
                let y = l.parent[x];
                link.extend(
                    l.ids[l.range(x as u32)]
                        .iter()
                        .map(|&w| below.find(y, w).expect("a k-gram's suffix is counted") as u32),
                );
            }
            link
        })
        .collect()
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
        let total = l.total(x.id) as f64;
        out.extend(
            l.ids[r.clone()]
                .iter()
                .zip(counts_from_sums(&l.sums[r]))
                .map(|(&w, n)| (w, n as f64 / total)),
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
        let n = l
            .find(x.id, token)
            .map_or(0, |i| l.count(l.range(x.id).start, i));
        Scored {
            p: n as f64 / l.total(x.id) as f64,
            context_len: x.len,
        }
    }

    /// The followers, the running sums of their counts and the total of the full context of
    /// `history` (nothing when it was not seen), and its length: add-k reads the full context
    /// only.
    fn full_context(&self, history: &[TokenId]) -> (&[TokenId], &[u32], f64, usize) {
        let c = (self.counts.order - 1).min(history.len());
        let l = &self.counts.levels[c];
        match self.counts.suffixes(history, c).last() {
            Some(x) if x.len == c => {
                let r = l.range(x.id);
                (&l.ids[r.clone()], &l.sums[r], l.total(x.id) as f64, c)
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
        let (ids, sums, total, c) = self.full_context(history);
        let v = self.vocab.candidate_count() as f64;
        let denom = total + k * v;
        let mut j = 0;
        for w in self.vocab.candidates() {
            let mut n = 0;
            if j < ids.len() && ids[j] == w {
                n = counts::count_in_row(sums, j);
                j += 1;
            }
            out.push((w, (n as f64 + k) / denom));
        }
        c
    }

    fn add_k_prob(&self, k: f64, history: &[TokenId], token: TokenId) -> Scored {
        let (ids, sums, total, c) = self.full_context(history);
        let n = ids
            .binary_search(&token)
            .map_or(0, |i| counts::count_in_row(sums, i));
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
        match self.seen_full(history, usize::MAX) {
            Some(top) if top.len < KN_HELD && !self.kn_links.is_empty() => Scored {
                p: self.kn_prob_linked(d, top, token, None),
                context_len: top.len,
            },
            _ => self.kn_prob_walk(d, history, token),
        }
    }

    /// Kneser–Ney's probability of `token` after the seen context `top` of the history and its
    /// parents: top down, the first level that lists the token is searched for (or given, as
    /// `found`: a level and the token's position in its rows), the levels below are reached by
    /// `kn_links`; then `p ← γ·p + max(n − D, 0)/N` from the unigram up, the operations of
    /// `kn_prob_walk`, so the bits are the same.
    fn kn_prob_linked(
        &self,
        d: f64,
        top: Ctx,
        token: TokenId,
        found: Option<(usize, usize)>,
    ) -> f64 {
        let mut searched_top = false;
        if top.len + 1 == self.counts.order && !self.kn_top_p.is_empty() {
            let i = match found {
                Some((c, i)) if c == top.len => Some(i),
                _ => self.counts.levels[top.len].find(top.id, token),
            };
            if let Some(i) = i {
                return self.kn_top_p[i];
            }
            searched_top = true;
        }
        // (γ, max(n − D, 0)/N) per context length.
        let mut terms = [(0.0f64, 0.0f64); KN_HELD];
        let mut at = found.filter(|f| f.0 >= top.len).map(|f| f.1);
        let mut x = top;
        while x.len > 0 {
            let l = self.kn_counts(x.len);
            if at.is_none() && !(searched_top && x.len == top.len) {
                at = match found {
                    Some((c, i)) if c == x.len => Some(i),
                    _ => l.find(x.id, token),
                };
            }
            let total = l.total(x.id) as f64;
            let r = l.range(x.id);
            let n = at.map_or(0, |i| l.count(r.start, i));
            terms[x.len] = (d * r.len() as f64 / total, (n as f64 - d).max(0.0) / total);
            if x.len >= 2 {
                at = at.map(|i| self.kn_links[x.len][i] as usize);
            }
            x = Ctx {
                len: x.len - 1,
                id: l.parent[x.id as usize],
            };
        }
        let mut p = self.kn_unigram(d, token);
        for &(gamma, a) in &terms[1..=top.len] {
            p = gamma * p + a;
        }
        p
    }

    /// Kneser–Ney's probability of a token the draw found at `drawn`, from the plan's levels
    /// (longest first, γ as their `pass`): the levels above it are searched, the ones below
    /// reached by `kn_links`, then the operations of `kn_prob_walk`. `None` when the levels are
    /// not one per context length (then the caller searches every level).
    fn kn_plan_prob(
        &self,
        d: f64,
        levels: &[Level<'_>],
        token: TokenId,
        drawn: Drawn,
    ) -> Option<f64> {
        if !self.is_candidate(token) {
            return Some(0.0);
        }
        let seen = levels.iter().take_while(|l| l.context_len > 0).count();
        if seen >= KN_HELD {
            return None;
        }
        // A token the longest context lists: its probability is stored.
        let mut searched_top = false;
        if let Some(l) = levels
            .first()
            .filter(|l| l.context_len + 1 == self.counts.order)
            && !self.kn_top_p.is_empty()
        {
            let i = if drawn.level == 0 {
                Some(drawn.index)
            } else {
                l.ids.binary_search(&token).ok()
            };
            if let Some(i) = i {
                return Some(self.kn_top_p[l.first + i]);
            }
            searched_top = true;
        }
        let mut terms = [(0.0f64, 0.0f64); KN_HELD];
        // The token's position in the model's rows at the level being read.
        let mut at: Option<usize> = None;
        for (k, l) in levels[..seen].iter().enumerate() {
            let LevelKind::Counts { prefix, total, .. } = l.kind else {
                return None;
            };
            // A count is the difference of two running sums; where the draw found the token it
            // has just read them.
            if at.is_none() && drawn.level == k {
                at = Some(l.first + drawn.index);
            } else if at.is_none() && !(searched_top && k == 0) {
                at = l.ids.binary_search(&token).ok().map(|j| l.first + j);
            }
            let n = at.map_or(0, |i| counts::count_in_row(prefix, i - l.first));
            terms[k] = (l.pass, (n as f64 - d).max(0.0) / total as f64);
            let next = levels.get(k + 1).map_or(0, |b| b.context_len);
            if next + 1 != l.context_len {
                return None;
            }
            at = at
                .filter(|_| l.context_len >= 2)
                .map(|i| self.kn_links[l.context_len][i] as usize);
        }
        let mut p = self.kn_unigram(d, token);
        for &(gamma, a) in terms[..seen].iter().rev() {
            p = gamma * p + a;
        }
        Some(p)
    }

    /// Kneser–Ney's probability by the plain walk: every seen context of the history, shortest
    /// first, its count of the token searched for.
    fn kn_prob_walk(&self, d: f64, history: &[TokenId], token: TokenId) -> Scored {
        let mut p = self.kn_unigram(d, token);
        let mut used = 0;
        for x in self.counts.suffixes(history, usize::MAX).skip(1) {
            let l = self.kn_counts(x.len);
            let total = l.total(x.id) as f64;
            let n = l
                .find(x.id, token)
                .map_or(0, |i| l.count(l.range(x.id).start, i));
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
            let crate::lm::LevelKind::Counts { prefix, total, .. } = l.kind else {
                unreachable!("stupid backoff levels are counts")
            };
            for (&w, n) in l.ids.iter().zip(counts::counts_from_sums(prefix)) {
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
mod tests {
    use super::*;
    use crate::corpus::{Corpus, TokenizedCorpus};
    use crate::lm::start_history;
    use crate::tokenize::{BOS, EOS, Tokenizer, TokenizerKind};
    use proptest::prelude::*;

    /// A corpus of generated documents: token x of a document is the word `t{x}`.
    fn generated_corpus(docs: &[Vec<u8>]) -> TokenizedCorpus {
        let texts: Vec<String> = docs
            .iter()
            .map(|d| {
                d.iter()
                    .map(|x| format!("t{x}"))
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        let refs: Vec<&str> = texts.iter().map(|s| s.as_str()).collect();
        corpus(&refs)
    }

    fn corpus(docs: &[&str]) -> TokenizedCorpus {
        TokenizedCorpus::build(
            &Corpus {
                documents: docs.iter().map(|s| s.to_string()).collect(),
            },
            Tokenizer {
                kind: TokenizerKind::Whitespace,
                lowercase: false,
            },
        )
    }

    fn ids(c: &TokenizedCorpus, s: &str) -> Vec<TokenId> {
        s.split_whitespace()
            .map(|t| c.vocab.get(t).unwrap())
            .collect()
    }

    #[test]
    fn mle_counts_and_backoff() {
        // a b a c / a b  → bigrams: <s> a ×2, a b ×2, b a, a c, c </s>, b </s>
        let c = corpus(&["a b a c", "a b"]);
        let m = NgramModel::train(&c, 2, Estimator::Mle);
        let a = ids(&c, "a")[0];
        let b = ids(&c, "b")[0];
        let cc = ids(&c, "c")[0];
        // P(b | a) = 2/3, P(c | a) = 1/3
        assert_eq!(m.prob(&[BOS, a], b).p, 2.0 / 3.0);
        assert_eq!(m.prob(&[BOS, a], cc).p, 1.0 / 3.0);
        // P(</s> | b) = 1/2
        assert_eq!(m.prob(&[a, b], EOS).p, 0.5);
        // unigram counts: a 3, b 2, c 1, </s> 2 → total 8
        let u = m.prob(&[], a);
        assert_eq!((u.p, u.context_len), (3.0 / 8.0, 0));
        assert_eq!(m.counts.types_per_order(), vec![4, 6]);
    }

    #[test]
    fn unseen_context_backs_off_to_longest_seen_suffix() {
        let c = corpus(&["a b c", "x b d"]);
        let m = NgramModel::train(&c, 3, Estimator::Mle);
        let h = [ids(&c, "c")[0], ids(&c, "b")[0]]; // "c b" unseen, "b" seen
        let mut out = Vec::new();
        assert_eq!(m.distribution(&h, &mut out), 1);
        let names: Vec<&str> = out.iter().map(|&(w, _)| c.vocab.token(w)).collect();
        assert_eq!(names, ["c", "d"]);
    }

    #[test]
    fn add_k_is_lidstone_on_full_context() {
        let c = corpus(&["a b a c", "a b"]);
        let m = NgramModel::train(&c, 2, Estimator::AddK { k: 0.5 });
        let a = ids(&c, "a")[0];
        let b = ids(&c, "b")[0];
        // V = 4 candidates (</s>, a, b, c); count(a b) = 2, count(a ·) = 3
        assert_eq!(m.prob(&[a], b).p, (2.0 + 0.5) / (3.0 + 0.5 * 4.0));
    }

    #[test]
    fn kneser_ney_by_hand() {
        // Bigram KN, D = 0.5, corpus "a b a c" / "a b".
        // Continuation counts N1+(• w): a ← {<s>, b} = 2, b ← {a} = 1, c ← {a} = 1,
        // </s> ← {c, b} = 2; total 6 bigram types, 4 distinct continued words.
        // P1(b) = (1 - .5)/6 + .5·4/6·(1/4) = 0.25/3 + 1/12 = 1/6
        // P(b | a) = (2 - .5)/3 + (.5·2/3)·P1(b) = 0.5 + (1/3)(1/6) = 0.5 + 1/18
        let c = corpus(&["a b a c", "a b"]);
        let m = NgramModel::train(&c, 2, Estimator::KneserNey { discount: 0.5 });
        let a = ids(&c, "a")[0];
        let b = ids(&c, "b")[0];
        let got = m.prob(&[a], b).p;
        assert!((got - (0.5 + 1.0 / 18.0)).abs() < 1e-15, "{got}");
        let mut out = Vec::new();
        m.distribution(&[a], &mut out);
        let from_dist = out.iter().find(|&&(w, _)| w == b).unwrap().1;
        assert!((from_dist - got).abs() < 1e-15);
    }

    #[test]
    fn stupid_backoff_normalised() {
        let c = corpus(&["a b a c", "a b"]);
        let m = NgramModel::train(&c, 2, Estimator::StupidBackoff { alpha: 0.4 });
        let a = ids(&c, "a")[0];
        let b = ids(&c, "b")[0];
        // S(b|a) = 2/3, S(c|a) = 1/3, S(a|a) = .4·3/8, S(</s>|a) = .4·2/8 → Z = 1 + .25
        let got = m.prob(&[a], b).p;
        assert!((got - (2.0 / 3.0) / 1.25).abs() < 1e-15, "{got}");
    }

    fn smoothing_strategy() -> impl Strategy<Value = Estimator> {
        prop_oneof![
            Just(Estimator::Mle),
            (0.01f64..3.0).prop_map(|k| Estimator::AddK { k }),
            (0.05f64..1.0).prop_map(|discount| Estimator::KneserNey { discount }),
            (0.05f64..1.0).prop_map(|alpha| Estimator::StupidBackoff { alpha }),
        ]
    }

    /// A model's every output on one history, as bits: distribution, prob of every id (markers and
    /// ids past the vocabulary included) and draws at a few uniforms.
    fn outputs(m: &dyn LanguageModel, h: &[TokenId]) -> Vec<(u32, u64, usize)> {
        let mut v = Vec::new();
        let mut out = Vec::new();
        let used = m.distribution(h, &mut out);
        v.extend(out.iter().map(|&(w, p)| (w, p.to_bits(), used)));
        for w in 0..m.vocab().len() as TokenId + 2 {
            let s = m.prob(h, w);
            v.push((w, s.p.to_bits(), s.context_len));
        }
        let mut scratch = crate::sample::DrawScratch::default();
        for u in [0.0, 0.25, 0.5, 0.999, 1.0 - f64::EPSILON / 2.0] {
            match crate::sample::draw(m, h, u, &mut scratch) {
                Some(d) => v.push((d.token, d.p.to_bits() ^ d.total.to_bits(), d.context_len)),
                None => v.push((u32::MAX, 0, 0)),
            }
        }
        v
    }

    /// Contexts too long to pack in 64 bits (15 tokens of 5 bits) are chained at the top level
    /// too, with the same outputs.
    #[test]
    fn unpacked_top_level_matches_the_reference() {
        let docs: Vec<String> = (0..12)
            .map(|d| {
                (0..25)
                    .map(|i| format!("t{}", (i * 7 + d * 3) % 20 + (i % 3)))
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        let refs: Vec<&str> = docs.iter().map(|s| s.as_str()).collect();
        let c = corpus(&refs);
        assert!(c.vocab.len() > 16);
        for smoothing in [Estimator::Mle, Estimator::KneserNey { discount: 0.6 }] {
            let fast = NgramModel::train(&c, 16, smoothing.clone());
            assert!(fast.counts.top_bits.is_none());
            let slow = reference::RefModel::train(&c, 16, smoothing);
            assert_eq!(fast.counts.types_per_order(), slow.counts.types_per_order());
            let mut history = start_history(&[], 16);
            history.extend_from_slice(&c.documents[3][..20]);
            for cut in 0..=history.len() {
                assert_eq!(
                    outputs(&fast, &history[..cut]),
                    outputs(&slow, &history[..cut])
                );
            }
        }
    }

    /// Stupid backoff's normaliser changed with contract 2 (Z(h) of the longest seen context, by its
    /// recursion, instead of a sum over every candidate): the same distribution, other last bits.
    fn close_outputs(m: &dyn LanguageModel, r: &dyn LanguageModel, h: &[TokenId]) -> bool {
        let (mut a, mut b) = (Vec::new(), Vec::new());
        let same_len = m.distribution(h, &mut a) == r.distribution(h, &mut b);
        let close = |x: f64, y: f64| (x - y).abs() <= 1e-12 * y.abs();
        same_len
            && a.len() == b.len()
            && a.iter().zip(&b).all(|(x, y)| x.0 == y.0 && close(x.1, y.1))
            && (0..m.vocab().len() as TokenId + 2).all(|w| {
                let (x, y) = (m.prob(h, w), r.prob(h, w));
                x.context_len == y.context_len && close(x.p, y.p)
            })
    }

    /// The samplers whose every path the tests walk: none, top-k with temperature and top-p,
    /// temperature alone (rejection), top-p alone, temperature above 1 with top-p (listed), greedy.
    fn samplers() -> [crate::sample::SamplerConfig; 6] {
        use crate::sample::SamplerConfig as S;
        [
            S::default(),
            S {
                temperature: 0.7,
                top_k: 3,
                top_p: 0.9,
            },
            S {
                temperature: 0.6,
                ..S::default()
            },
            S {
                top_p: 0.8,
                ..S::default()
            },
            S {
                temperature: 1.5,
                top_k: 0,
                top_p: 0.85,
            },
            S {
                temperature: 0.0,
                ..S::default()
            },
        ]
    }

    /// Steps equal bit for bit, except that `generate` leaves a rejection step's `p_sampled` NaN.
    fn same_steps(a: &[crate::sample::Step], b: &[crate::sample::Step]) -> bool {
        let bits = |s: &crate::sample::Step| {
            (
                s.u.to_bits(),
                s.uniforms,
                s.token,
                s.p_model.to_bits(),
                s.context_len,
            )
        };
        a.len() == b.len()
            && a.iter().zip(b).all(|(x, y)| {
                bits(x) == bits(y)
                    && (x.p_sampled.is_nan() || x.p_sampled.to_bits() == y.p_sampled.to_bits())
            })
    }

    proptest! {
        /// The fast layout gives exactly the bits of the implementation it replaced: counts,
        /// distributions, probabilities and contract 1's draws (stupid backoff: to 1e-12, see
        /// `close_outputs`), and MLE's whole generated samples. Every model generates the same
        /// samples watched (as `coinflip trace` does) or not, and a watched step lists the picked
        /// token with exactly its `p_sampled`.
        #[test]
        fn same_bits_as_the_reference_implementation(
            docs in proptest::collection::vec(proptest::collection::vec(0u8..8, 1..15), 0..7),
            order in 1usize..6,
            smoothing in smoothing_strategy(),
            probe in proptest::collection::vec(0u8..10, 0..7),
            seed in 0u64..1000,
        ) {
            let c = generated_corpus(&docs);
            let fast = NgramModel::train(&c, order, smoothing.clone());
            let slow = reference::RefModel::train(&c, order, smoothing.clone());
            let sb = matches!(smoothing, Estimator::StupidBackoff { .. });
            prop_assert_eq!(fast.counts.types_per_order(), slow.counts.types_per_order());
            // Histories of seen and unseen tokens, <s>, </s>, <unk> and ids past the vocabulary.
            let mut history = start_history(&[], order);
            history.extend(probe.iter().map(|&x| x as TokenId));
            for cut in 0..=history.len() {
                let h = &history[..cut];
                if sb {
                    prop_assert!(close_outputs(&fast, &slow, h), "history {:?}", h);
                } else {
                    prop_assert_eq!(outputs(&fast, h), outputs(&slow, h), "history {:?}", h);
                }
            }
            for sampler in samplers() {
                let cfg = crate::sample::GenerateConfig { max_tokens: 40, stop_at_end: seed % 2 == 0, sampler };
                let rng = || crate::sample::stream(seed, crate::sample::Domain::Generate, 0);
                let a = crate::sample::generate(&fast, &[], &cfg, &mut rng());
                let mut listed_ok = true;
                let watched = crate::sample::generate_observed(&fast, &[], &cfg, &mut rng(), |v| {
                    let at = v.sampled.binary_search_by_key(&v.step.token, |d| d.0);
                    listed_ok &= at.is_ok_and(|i| v.sampled[i].1.to_bits() == v.step.p_sampled.to_bits());
                });
                prop_assert!(listed_ok, "a watched step lists another p_sampled");
                prop_assert_eq!(&a.tokens, &watched.tokens);
                prop_assert!(same_steps(&a.steps, &watched.steps));
                prop_assert_eq!(a.stopped, watched.stopped);
                if matches!(smoothing, Estimator::Mle) {
                    let b = crate::sample::generate(&slow, &[], &cfg, &mut rng());
                    prop_assert_eq!(&a.tokens, &b.tokens);
                    prop_assert!(same_steps(&a.steps, &b.steps));
                    prop_assert_eq!(a.stopped, b.stopped);
                }
            }
        }
    }

    proptest! {
        /// Kneser–Ney's shortcuts (the stored top-order probabilities, the suffix links, a drawn
        /// token's known position) give the bits of the plain walk over every level, for every
        /// token after every history, and for every position a draw can find a token at.
        #[test]
        fn kneser_ney_shortcuts_give_the_walks_bits(
            docs in proptest::collection::vec(proptest::collection::vec(0u8..8, 1..15), 1..7),
            order in 1usize..6,
            probe in proptest::collection::vec(0u8..10, 0..7),
        ) {
            let c = generated_corpus(&docs);
            let d = 0.75;
            let m = NgramModel::train(&c, order, Estimator::KneserNey { discount: d });
            let mut history = start_history(&[], order);
            history.extend(probe.iter().map(|&x| x as TokenId));
            let mut levels = Vec::new();
            for cut in 0..=history.len() {
                let h = &history[..cut];
                for w in 0..m.vocab.len() as TokenId + 1 {
                    let fast = m.prob(h, w);
                    if m.is_candidate(w) {
                        let walk = m.kn_prob_walk(d, h, w);
                        prop_assert_eq!(fast.p.to_bits(), walk.p.to_bits(), "{:?} {}", h, w);
                        prop_assert_eq!(fast.context_len, walk.context_len);
                    } else {
                        prop_assert_eq!(fast.p, 0.0);
                    }
                }
                m.plan(h, false, &mut levels);
                for (i, l) in levels.iter().enumerate() {
                    for (j, &w) in l.ids.iter().enumerate() {
                        let at = Drawn { level: i, index: j };
                        let p = m.plan_prob_drawn(&levels, h, w, at);
                        prop_assert_eq!(p.to_bits(), m.kn_prob_walk(d, h, w).p.to_bits());
                    }
                }
            }
        }
    }

    proptest! {
        #[test]
        fn every_distribution_sums_to_one(
            docs in proptest::collection::vec(proptest::collection::vec(0u8..5, 1..12), 1..5),
            order in 1usize..5,
            smoothing in smoothing_strategy(),
            probe in proptest::collection::vec(0u8..7, 0..6),
        ) {
            let c = generated_corpus(&docs);
            let m = NgramModel::train(&c, order, smoothing.clone());
            // Probe histories: seen and unseen tokens (ids past the vocabulary act as <unk>).
            let mut history = start_history(&[], order);
            history.extend(probe.iter().map(|&x| (x as TokenId + 1).min(c.vocab.len() as TokenId + 1)));
            for cut in 0..=probe.len() {
                let h = &history[..order - 1 + cut];
                let mut out = Vec::new();
                m.distribution(h, &mut out);
                let sum: f64 = out.iter().map(|&(_, p)| p).sum();
                prop_assert!((sum - 1.0).abs() < 1e-9, "sum {} for {:?}", sum, smoothing);
                prop_assert!(out.windows(2).all(|w| w[0].0 < w[1].0));
                for &(w, p) in &out {
                    let s = m.prob(h, w).p;
                    prop_assert!((s - p).abs() < 1e-12, "prob {} vs distribution {}", s, p);
                }
            }
        }
    }
}
