//! N-gram counts and the smoothed models built on them: the part of coinflip that answers "given
//! this context, how likely is each next token?".
//!
//! Documents are padded with `order - 1` start markers `<s>` on the left and one end marker `</s>`
//! on the right; every k-gram (k = 1..=order) that ends on a real token or on `</s>` is counted.
//! The formulas of each smoothing are in `docs/models.md`; every one of them gives, for every
//! context, a distribution over the candidates ([`Vocab::candidates`]) that sums to 1.
//!
//! Counting is written here rather than taken from a crate because it is the subject being taught,
//! and because its layout is what makes training, scoring and generation fast
//! (`docs/performance.md`). The layout is a *suffix trie of contexts*:
//!
//! - every distinct context of c tokens (c = 0 … order − 1) that precedes a counted token gets a
//!   dense id at level c, numbered in order of first occurrence in the corpus (deterministic);
//! - a context of c + 1 tokens is found from the id of its last c tokens and its first token, one
//!   hash look-up of a packed `u64` per level; the contexts of a history's suffixes of length
//!   1, 2, … are therefore found one level after another, and a suffix that was never seen ends
//!   the walk (every suffix of a seen context was seen); when the ids of `order - 1` tokens fit
//!   in 64 bits, the top level is keyed by the whole context packed instead, so a full context
//!   (what MLE generation and scoring need most) is found in one look-up;
//! - the followers of each context sit in compressed rows: ids ascending, with their counts, and
//!   (Kneser–Ney) their continuation counts. The k-grams counted by continuation are exactly the
//!   raw k-grams below the top order, so they share the follower ids.
//!
//! The hash maps are only ever looked up, never iterated, so the fast non-cryptographic hasher
//! cannot change what coinflip prints.

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::corpus::TokenizedCorpus;
use crate::lm::{Candidates, LanguageModel, Scored, Scratch, Weights};
use crate::tokenize::{BOS, EOS, RESERVED, TokenId, Vocab};

/// How counts become probabilities.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "smoothing", rename_all = "kebab-case")]
pub enum Smoothing {
    /// Maximum likelihood: count(context, w) / count(context), backing off to the longest suffix
    /// of the context that was seen.
    Mle,
    /// Add-k (Lidstone; k = 1 is Laplace) on the full context.
    AddK { k: f64 },
    /// Interpolated Kneser–Ney with one absolute discount for every order.
    KneserNey { discount: f64 },
    /// Stupid backoff (Brants et al. 2007), normalised per context so it is a distribution.
    StupidBackoff { alpha: f64 },
}

impl Smoothing {
    /// The name used in scenario files and reports.
    pub fn name(&self) -> &'static str {
        match self {
            Smoothing::Mle => "mle",
            Smoothing::AddK { .. } => "add-k",
            Smoothing::KneserNey { .. } => "kneser-ney",
            Smoothing::StupidBackoff { .. } => "stupid-backoff",
        }
    }
}

/// The k-grams whose context has c tokens (k = c + 1).
#[derive(Debug, Clone, Default)]
struct Level {
    /// `(id of the context's last c − 1 tokens) << 32 | its first token` → context id. Empty at
    /// level 0, whose only context (the empty one) has id 0.
    index: FxHashMap<u64, u32>,
    /// Followers of context x: `ids[start[x]..start[x + 1]]` (one more entry than contexts).
    start: Vec<u32>,
    /// Σ counts per context.
    total: Vec<u64>,
    /// Follower ids, ascending within each context.
    ids: Vec<TokenId>,
    /// Raw counts, parallel to `ids`.
    counts: Vec<u32>,
    /// Kneser–Ney continuation counts N₁₊(• context w), parallel to `ids` (empty when not
    /// computed, and at the top level).
    cont: Vec<u32>,
    /// Σ continuation counts per context.
    cont_total: Vec<u64>,
}

impl Level {
    fn contexts(&self) -> usize {
        self.start.len().saturating_sub(1)
    }

    fn range(&self, x: u32) -> std::ops::Range<usize> {
        self.start[x as usize] as usize..self.start[x as usize + 1] as usize
    }

    /// Position of follower `w` of context `x` in the rows.
    fn find(&self, x: u32, w: TokenId) -> Option<usize> {
        let r = self.range(x);
        let base = r.start;
        self.ids[r].binary_search(&w).ok().map(|i| base + i)
    }

    fn child(&self, parent: u32, first: TokenId) -> Option<u32> {
        self.index.get(&key(parent, first)).copied()
    }
}

fn key(parent: u32, token: TokenId) -> u64 {
    ((parent as u64) << 32) | token as u64
}

/// One context of a history, as the model stores it.
#[derive(Debug, Clone, Copy)]
struct Ctx {
    /// Its length in tokens (the level).
    len: usize,
    id: u32,
}

/// The contexts of a history's suffixes of length 0, 1, … `max`, as far as they were seen.
struct Suffixes<'a> {
    counts: &'a NgramCounts,
    history: &'a [TokenId],
    next: usize,
    max: usize,
    id: u32,
}

impl Iterator for Suffixes<'_> {
    type Item = Ctx;

    fn next(&mut self) -> Option<Ctx> {
        let c = self.next;
        if c > self.max {
            return None;
        }
        let levels = &self.counts.levels;
        let id = if c == 0 {
            (levels[0].contexts() > 0).then_some(0)?
        } else if c == self.counts.order - 1 && self.counts.top_bits.is_some() {
            self.counts.top(&self.history[self.history.len() - c..])?
        } else {
            let first = self.history[self.history.len() - c];
            levels[c].child(self.id, first)?
        };
        self.id = id;
        self.next = c + 1;
        Some(Ctx { len: c, id })
    }
}

/// Counts for every order, in a suffix trie of contexts (see the module header).
#[derive(Debug, Clone)]
pub struct NgramCounts {
    pub order: usize,
    levels: Vec<Level>,
    continuation: bool,
    /// When the ids of `order - 1` tokens fit in 64 bits (b bits each): the top level is keyed by
    /// the whole context packed, newest token lowest, so a full context is found in one look-up
    /// (what MLE generation and scoring need) instead of one per level.
    top_bits: Option<u32>,
    /// Ids at or past this are never in a context.
    vocab_len: usize,
}

/// The token `back` places before counted position `o` of document `doc` (padding included).
fn token_before(doc: &[TokenId], o: usize, back: usize) -> TokenId {
    if back > o { BOS } else { doc[o - back] }
}

impl NgramCounts {
    /// Counts every k-gram of the padded documents; with `with_continuation`, also the
    /// Kneser–Ney continuation counts of every order below the top.
    ///
    /// Panics if the corpus has 2³² tokens or more (far beyond what fits in memory as ids).
    pub fn count(corpus: &TokenizedCorpus, order: usize, with_continuation: bool) -> Self {
        assert!(order >= 1, "order is at least 1");
        let docs = &corpus.documents;
        // Counted positions: every token of every document, then its </s>.
        let n: usize = docs.iter().map(|d| d.len() + 1).sum();
        assert!(n < u32::MAX as usize, "corpus too large: {n} tokens");
        let vocab_len = corpus.vocab.len().max(RESERVED);
        let token_at = |d: &[TokenId], o: usize| if o == d.len() { EOS } else { d[o] };

        // ctx[i]: the id of the context of counted position i at the current level.
        let mut ctx: Vec<u32> = vec![0; n];
        let mut contexts = usize::from(n > 0);
        let mut levels: Vec<Level> = Vec::with_capacity(order);
        // Scratch, reused across levels: per-token counts and the tokens of each bucket.
        let mut seen: Vec<u32> = vec![0; vocab_len];
        let mut distinct: Vec<TokenId> = Vec::new();
        let mut bucket: Vec<TokenId> = Vec::new();
        let mut bucket_start: Vec<u32> = Vec::new();
        let bits = u64::BITS - (vocab_len as u64 - 1).leading_zeros();
        let top_bits = (order >= 2 && bits as usize * (order - 1) <= 64).then_some(bits);
        // parents[c][x]: the id of the last c - 1 tokens of context x of c tokens.
        let mut parents: Vec<Vec<u32>> = vec![Vec::new()];
        for c in 0..order {
            let mut level = Level::default();
            if c > 0 {
                // Number the contexts of c tokens in first-occurrence order, keyed by (context of
                // the last c - 1 tokens, the token c places back) or, at the top, packed whole.
                let index = &mut level.index;
                let mut parent = Vec::new();
                let packed = top_bits.filter(|_| c == order - 1);
                let mut i = 0;
                for d in docs {
                    for o in 0..=d.len() {
                        let k = match packed {
                            Some(b) => (1..=c).fold(0, |k, back| {
                                k | (token_before(d, o, back) as u64) << (b as usize * (back - 1))
                            }),
                            None => key(ctx[i], token_before(d, o, c)),
                        };
                        let next = index.len() as u32;
                        let id = *index.entry(k).or_insert(next);
                        if id == next {
                            parent.push(ctx[i]);
                        }
                        ctx[i] = id;
                        i += 1;
                    }
                }
                contexts = index.len();
                parents.push(parent);
            }
            // Bucket the followed tokens by context (counting sort, stable).
            bucket_start.clear();
            bucket_start.resize(contexts + 1, 0);
            for &x in &ctx {
                bucket_start[x as usize + 1] += 1;
            }
            for x in 0..contexts {
                bucket_start[x + 1] += bucket_start[x];
            }
            bucket.clear();
            bucket.resize(n, 0);
            let mut fill = bucket_start.clone();
            let mut i = 0;
            for d in docs {
                for o in 0..=d.len() {
                    let slot = &mut fill[ctx[i] as usize];
                    bucket[*slot as usize] = token_at(d, o);
                    *slot += 1;
                    i += 1;
                }
            }
            drop(fill);
            // Count each bucket's distinct tokens.
            level.start.reserve_exact(contexts + 1);
            level.total.reserve_exact(contexts);
            level.start.push(0);
            for x in 0..contexts {
                let toks = &bucket[bucket_start[x] as usize..bucket_start[x + 1] as usize];
                distinct.clear();
                for &t in toks {
                    let s = &mut seen[t as usize];
                    if *s == 0 {
                        distinct.push(t);
                    }
                    *s += 1;
                }
                distinct.sort_unstable();
                for &t in &distinct {
                    level.ids.push(t);
                    level.counts.push(seen[t as usize]);
                    seen[t as usize] = 0;
                }
                level.start.push(level.ids.len() as u32);
                level.total.push(toks.len() as u64);
            }
            level.ids.shrink_to_fit();
            level.counts.shrink_to_fit();
            levels.push(level);
        }
        drop(ctx);
        drop(bucket);

        if with_continuation {
            // Each distinct (k+1)-gram (context y of c + 1 tokens, w) adds one to the continuation
            // count of its last k tokens: (the parent of y, w).
            for c in 0..order.saturating_sub(1) {
                let (lower, higher) = levels.split_at_mut(c + 1);
                let (lower, higher) = (&mut lower[c], &higher[0]);
                let parent = &parents[c + 1];
                lower.cont = vec![0; lower.ids.len()];
                for (y, &x) in parent.iter().enumerate() {
                    for &w in &higher.ids[higher.range(y as u32)] {
                        let at = lower.find(x, w).expect("a k-gram's suffix is counted");
                        lower.cont[at] += 1;
                    }
                }
                lower.cont_total = (0..lower.contexts())
                    .map(|x| {
                        let r = lower.range(x as u32);
                        lower.cont[r].iter().map(|&k| k as u64).sum()
                    })
                    .collect();
            }
        }
        NgramCounts {
            order,
            levels,
            continuation: with_continuation,
            top_bits,
            vocab_len,
        }
    }

    /// Distinct k-grams per order (index 0 = unigrams).
    pub fn types_per_order(&self) -> Vec<usize> {
        self.levels.iter().map(|l| l.ids.len()).collect()
    }

    /// Distinct contexts per context length (index 0: the empty context).
    pub fn contexts_per_length(&self) -> Vec<usize> {
        self.levels.iter().map(|l| l.contexts()).collect()
    }

    /// The followers of `context` (its length picks the order) and their counts, ids ascending;
    /// `None` when the context was never seen (or is longer than `order - 1`).
    pub fn followers(&self, context: &[TokenId]) -> Option<(&[TokenId], &[u32])> {
        let c = context.len();
        if c >= self.order {
            return None;
        }
        let x = self.suffixes(context, c).last().filter(|x| x.len == c)?;
        let l = &self.levels[c];
        let r = l.range(x.id);
        Some((&l.ids[r.clone()], &l.counts[r]))
    }

    /// The id of a context of `order - 1` tokens, found by its packed key (`None` when unseen or
    /// when contexts are not packed).
    fn top(&self, context: &[TokenId]) -> Option<u32> {
        let b = self.top_bits?;
        let mut k = 0u64;
        for (back, &t) in context.iter().rev().enumerate() {
            if t as usize >= self.vocab_len {
                return None;
            }
            k |= (t as u64) << (b as usize * back);
        }
        self.levels[context.len()].index.get(&k).copied()
    }

    fn suffixes<'a>(&'a self, history: &'a [TokenId], max: usize) -> Suffixes<'a> {
        Suffixes {
            counts: self,
            history,
            next: 0,
            max: max.min(history.len()).min(self.order - 1),
            id: 0,
        }
    }
}

/// An n-gram model: counts plus a smoothing.
#[derive(Debug, Clone)]
pub struct NgramModel {
    pub counts: NgramCounts,
    pub smoothing: Smoothing,
    vocab: Vocab,
    /// Kneser–Ney: the interpolated unigram probability of every id (0 for `<s>` and `<unk>`),
    /// for the discount it was computed with.
    kn_unigram: Option<(f64, Vec<f64>)>,
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
    /// Counts the corpus and applies the smoothing.
    pub fn train(corpus: &TokenizedCorpus, order: usize, smoothing: Smoothing) -> Self {
        let with_cont = matches!(smoothing, Smoothing::KneserNey { .. });
        let mut m = NgramModel {
            counts: NgramCounts::count(corpus, order, with_cont),
            smoothing,
            vocab: corpus.vocab.clone(),
            kn_unigram: None,
        };
        if let Smoothing::KneserNey { discount } = smoothing {
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
        m
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
        let Smoothing::KneserNey { discount: d } = self.smoothing else {
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
        let n1 = self.counts.order - 1;
        match self.smoothing {
            Smoothing::Mle => {
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
            Smoothing::AddK { k } => {
                let c = n1.min(history.len());
                let l = &self.counts.levels[c];
                let v = self.vocab.candidate_count() as f64;
                let entry = self
                    .counts
                    .suffixes(history, c)
                    .last()
                    .filter(|x| x.len == c);
                let (ids, counts, total) = match entry {
                    Some(x) => {
                        let r = l.range(x.id);
                        (
                            &l.ids[r.clone()],
                            &l.counts[r],
                            l.total[x.id as usize] as f64,
                        )
                    }
                    None => (&[][..], &[][..], 0.0),
                };
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
            Smoothing::KneserNey { discount: d } => {
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
            Smoothing::StupidBackoff { alpha } => {
                let mut score: Vec<f64> = vec![0.0; self.vocab.len()];
                let top = n1.min(history.len());
                let seen: Vec<Ctx> = self.counts.suffixes(history, top).collect();
                for x in seen.iter().rev() {
                    let l = &self.counts.levels[x.len];
                    let mult = libm::pow(alpha, (top - x.len) as f64);
                    let r = l.range(x.id);
                    let total = l.total[x.id as usize] as f64;
                    for (&w, &n) in l.ids[r.clone()].iter().zip(&l.counts[r]) {
                        let s = &mut score[w as usize];
                        if *s == 0.0 {
                            *s = mult * n as f64 / total;
                        }
                    }
                }
                let z: f64 = score.iter().sum();
                if z > 0.0 {
                    out.extend(
                        self.vocab
                            .candidates()
                            .map(|w| (w, score[w as usize] / z))
                            .filter(|&(_, x)| x > 0.0),
                    );
                }
                seen.last().map_or(0, |x| x.len)
            }
        }
    }

    fn prob(&self, history: &[TokenId], token: TokenId) -> Scored {
        let n1 = self.counts.order - 1;
        match self.smoothing {
            Smoothing::Mle => {
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
            Smoothing::KneserNey { discount: d } => {
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
                    p = d * l.range(x.id).len() as f64 / total * p
                        + (n as f64 - d).max(0.0) / total;
                    used = x.len;
                }
                Scored {
                    p,
                    context_len: used,
                }
            }
            Smoothing::AddK { k } => {
                let c = n1.min(history.len());
                let l = &self.counts.levels[c];
                let (n, total) = match self.counts.suffixes(history, c).last() {
                    Some(x) if x.len == c => (
                        l.find(x.id, token).map_or(0, |i| l.counts[i]),
                        l.total[x.id as usize] as f64,
                    ),
                    _ => (0, 0.0),
                };
                let v = self.vocab.candidate_count() as f64;
                let p = if self.is_candidate(token) {
                    (n as f64 + k) / (total + k * v)
                } else {
                    0.0
                };
                Scored { p, context_len: c }
            }
            Smoothing::StupidBackoff { .. } => {
                let mut out = Vec::new();
                let context_len = self.distribution(history, &mut out);
                let p = out
                    .binary_search_by_key(&token, |&(w, _)| w)
                    .map(|i| out[i].1)
                    .unwrap_or(0.0);
                Scored { p, context_len }
            }
        }
    }

    fn weights<'a>(&'a self, history: &[TokenId], scratch: &'a mut Scratch) -> Weights<'a> {
        match self.smoothing {
            // Sparse: the followers of the longest seen context are the candidates.
            Smoothing::Mle => {
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
            Smoothing::KneserNey { discount: d } => {
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
}

/// The implementation this module replaced (a sorted list of n-gram slices, grouped, looked up in
/// a `HashMap<Box<[TokenId]>, _>`; dense O(V) Kneser–Ney), kept verbatim as the oracle that the
/// fast layout must match bit for bit.
#[cfg(test)]
mod reference {
    #![allow(dead_code)]
    use std::collections::HashMap;

    use super::Smoothing;
    use crate::corpus::TokenizedCorpus;
    use crate::lm::{LanguageModel, Scored, pad};
    use crate::tokenize::{TokenId, Vocab};

    #[derive(Debug, Clone)]
    pub struct RefModel {
        pub counts: RefCounts,
        pub smoothing: Smoothing,
        vocab: Vocab,
    }

    /// Counts of every k-gram that shares one context, for one context length.
    #[derive(Debug, Default, Clone)]
    pub struct Table {
        index: HashMap<Box<[TokenId]>, u32>,
        entries: Vec<Entry>,
        ids: Vec<TokenId>,
        counts: Vec<u64>,
    }

    /// One context: its total count and the slice of its followers in the table.
    #[derive(Debug, Clone, Copy)]
    pub struct Entry {
        pub total: u64,
        start: u32,
        len: u32,
    }

    impl Table {
        /// Builds a table from k-gram slices (any order, repeats allowed): each distinct k-gram's
        /// count is its number of repeats, grouped by its first k - 1 tokens.
        fn from_grams(mut grams: Vec<&[TokenId]>) -> Table {
            grams.sort_unstable();
            let mut t = Table::default();
            let mut i = 0;
            while i < grams.len() {
                let g = grams[i];
                let mut j = i + 1;
                while j < grams.len() && grams[j] == g {
                    j += 1;
                }
                let (ctx, w) = g.split_at(g.len() - 1);
                let count = (j - i) as u64;
                let last = t.entries.len().checked_sub(1);
                let same_ctx = last.is_some_and(|_| {
                    let prev = grams[i - 1];
                    prev[..prev.len() - 1] == *ctx
                });
                if !same_ctx {
                    t.index.insert(ctx.into(), t.entries.len() as u32);
                    t.entries.push(Entry {
                        total: 0,
                        start: t.ids.len() as u32,
                        len: 0,
                    });
                }
                let e = t.entries.last_mut().expect("entry pushed above");
                e.total += count;
                e.len += 1;
                t.ids.push(w[0]);
                t.counts.push(count);
                i = j;
            }
            t
        }

        /// The entry of a context, if it was seen.
        pub fn get(&self, ctx: &[TokenId]) -> Option<&Entry> {
            self.index.get(ctx).map(|&i| &self.entries[i as usize])
        }

        /// The followers of an entry: ids ascending, with their counts.
        pub fn followers(&self, e: &Entry) -> (&[TokenId], &[u64]) {
            let r = e.start as usize..(e.start + e.len) as usize;
            (&self.ids[r.clone()], &self.counts[r])
        }

        /// How often `w` follows the context of `e`.
        pub fn count(&self, e: &Entry, w: TokenId) -> u64 {
            let (ids, counts) = self.followers(e);
            ids.binary_search(&w).map(|i| counts[i]).unwrap_or(0)
        }

        /// Number of distinct k-grams in the table.
        pub fn types(&self) -> usize {
            self.ids.len()
        }
    }

    /// Counts for every order: `raw[c]` holds k-grams with c tokens of context (k = c + 1);
    /// `continuation[c]` (Kneser–Ney only, c < order - 1) counts, for each k-gram, how many distinct
    /// tokens precede it.
    #[derive(Debug, Clone)]
    pub struct RefCounts {
        pub order: usize,
        pub raw: Vec<Table>,
        pub continuation: Vec<Table>,
    }

    impl RefCounts {
        /// Counts every k-gram of the padded documents.
        pub fn count(corpus: &TokenizedCorpus, order: usize, with_continuation: bool) -> Self {
            let padded: Vec<Vec<TokenId>> =
                corpus.documents.iter().map(|d| pad(d, order)).collect();
            let mut raw = Vec::with_capacity(order);
            for k in 1..=order {
                let grams: Vec<&[TokenId]> = padded
                    .iter()
                    .flat_map(|d| (order - 1..d.len()).map(move |j| &d[j + 1 - k..=j]))
                    .collect();
                raw.push(Table::from_grams(grams));
            }
            let mut continuation = Vec::new();
            if with_continuation {
                for higher in &raw[1..] {
                    // Each distinct (k+1)-gram contributes one to the continuation count of its last
                    // k tokens.
                    let mut suffixes: Vec<&[TokenId]> = Vec::with_capacity(higher.types());
                    let mut ctxs: Vec<(&[TokenId], u32)> =
                        higher.index.iter().map(|(c, &i)| (&c[..], i)).collect();
                    ctxs.sort_unstable();
                    let mut scratch: Vec<Vec<TokenId>> = Vec::new();
                    for (ctx, i) in ctxs {
                        let (ids, _) = higher.followers(&higher.entries[i as usize]);
                        for &w in ids {
                            let mut g = ctx[1..].to_vec();
                            g.push(w);
                            scratch.push(g);
                        }
                    }
                    suffixes.extend(scratch.iter().map(|g| &g[..]));
                    continuation.push(Table::from_grams(suffixes));
                }
            }
            RefCounts {
                order,
                raw,
                continuation,
            }
        }

        /// Distinct k-grams per order (index 0 = unigrams).
        pub fn types_per_order(&self) -> Vec<usize> {
            self.raw.iter().map(|t| t.types()).collect()
        }
    }

    impl RefModel {
        /// Counts the corpus and applies the smoothing.
        pub fn train(corpus: &TokenizedCorpus, order: usize, smoothing: Smoothing) -> Self {
            let with_cont = matches!(smoothing, Smoothing::KneserNey { .. });
            RefModel {
                counts: RefCounts::count(corpus, order, with_cont),
                smoothing,
                vocab: corpus.vocab.clone(),
            }
        }

        fn suffix<'h>(&self, history: &'h [TokenId], len: usize) -> &'h [TokenId] {
            &history[history.len().saturating_sub(len)..]
        }

        /// The longest context length c ≤ order - 1 whose suffix of `history` was seen in `raw[c]`.
        fn longest_seen(&self, history: &[TokenId]) -> usize {
            let max = (self.counts.order - 1).min(history.len());
            (0..=max)
                .rev()
                .find(|&c| self.counts.raw[c].get(self.suffix(history, c)).is_some())
                .unwrap_or(0)
        }

        /// The table Kneser–Ney reads for context length c: raw counts at the highest order,
        /// continuation counts below it.
        fn kn_table(&self, c: usize) -> &Table {
            if c == self.counts.order - 1 {
                &self.counts.raw[c]
            } else {
                &self.counts.continuation[c]
            }
        }

        fn kn_unigram(&self, d: f64, w: TokenId) -> f64 {
            let t = self.kn_table(0);
            let v = self.vocab.candidate_count() as f64;
            match t.get(&[]) {
                Some(e) if e.total > 0 => {
                    let total = e.total as f64;
                    let c = t.count(e, w) as f64;
                    (c - d).max(0.0) / total + d * e.len as f64 / total / v
                }
                _ => 1.0 / v,
            }
        }
    }

    impl LanguageModel for RefModel {
        fn order(&self) -> usize {
            self.counts.order
        }

        fn vocab(&self) -> &Vocab {
            &self.vocab
        }

        fn distribution(&self, history: &[TokenId], out: &mut Vec<(TokenId, f64)>) -> usize {
            out.clear();
            let n1 = self.counts.order - 1;
            match self.smoothing {
                Smoothing::Mle => {
                    let c = self.longest_seen(history);
                    let t = &self.counts.raw[c];
                    if let Some(e) = t.get(self.suffix(history, c)) {
                        let (ids, counts) = t.followers(e);
                        let total = e.total as f64;
                        out.extend(ids.iter().zip(counts).map(|(&w, &n)| (w, n as f64 / total)));
                    }
                    c
                }
                Smoothing::AddK { k } => {
                    let c = n1.min(history.len());
                    let t = &self.counts.raw[c];
                    let v = self.vocab.candidate_count() as f64;
                    let entry = t.get(self.suffix(history, c));
                    let (ids, counts, total) = match entry {
                        Some(e) => {
                            let (i, n) = t.followers(e);
                            (i, n, e.total as f64)
                        }
                        None => (&[][..], &[][..], 0.0),
                    };
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
                Smoothing::KneserNey { discount: d } => {
                    let mut p: Vec<f64> = vec![0.0; self.vocab.len()];
                    for w in self.vocab.candidates() {
                        p[w as usize] = self.kn_unigram(d, w);
                    }
                    let mut used = 0;
                    for c in 1..=n1.min(history.len()) {
                        let t = self.kn_table(c);
                        if let Some(e) = t.get(self.suffix(history, c)) {
                            let total = e.total as f64;
                            let gamma = d * e.len as f64 / total;
                            for x in p.iter_mut() {
                                *x *= gamma;
                            }
                            let (ids, counts) = t.followers(e);
                            for (&w, &n) in ids.iter().zip(counts) {
                                p[w as usize] += (n as f64 - d).max(0.0) / total;
                            }
                            used = c;
                        }
                    }
                    out.extend(
                        self.vocab
                            .candidates()
                            .map(|w| (w, p[w as usize]))
                            .filter(|&(_, x)| x > 0.0),
                    );
                    used
                }
                Smoothing::StupidBackoff { alpha } => {
                    let mut score: Vec<f64> = vec![0.0; self.vocab.len()];
                    let top = n1.min(history.len());
                    let mut used = None;
                    for c in (0..=top).rev() {
                        let t = &self.counts.raw[c];
                        if let Some(e) = t.get(self.suffix(history, c)) {
                            used.get_or_insert(c);
                            let mult = libm::pow(alpha, (top - c) as f64);
                            let (ids, counts) = t.followers(e);
                            let total = e.total as f64;
                            for (&w, &n) in ids.iter().zip(counts) {
                                let s = &mut score[w as usize];
                                if *s == 0.0 {
                                    *s = mult * n as f64 / total;
                                }
                            }
                        }
                    }
                    let z: f64 = score.iter().sum();
                    if z > 0.0 {
                        out.extend(
                            self.vocab
                                .candidates()
                                .map(|w| (w, score[w as usize] / z))
                                .filter(|&(_, x)| x > 0.0),
                        );
                    }
                    used.unwrap_or(0)
                }
            }
        }

        fn prob(&self, history: &[TokenId], token: TokenId) -> Scored {
            let n1 = self.counts.order - 1;
            match self.smoothing {
                Smoothing::Mle => {
                    let c = self.longest_seen(history);
                    let t = &self.counts.raw[c];
                    let p = t
                        .get(self.suffix(history, c))
                        .map(|e| t.count(e, token) as f64 / e.total as f64)
                        .unwrap_or(0.0);
                    Scored { p, context_len: c }
                }
                Smoothing::KneserNey { discount: d } => {
                    if !self.vocab.candidates().any(|w| w == token) {
                        return Scored {
                            p: 0.0,
                            context_len: 0,
                        };
                    }
                    let mut p = self.kn_unigram(d, token);
                    let mut used = 0;
                    for c in 1..=n1.min(history.len()) {
                        let t = self.kn_table(c);
                        if let Some(e) = t.get(self.suffix(history, c)) {
                            let total = e.total as f64;
                            p = d * e.len as f64 / total * p
                                + (t.count(e, token) as f64 - d).max(0.0) / total;
                            used = c;
                        }
                    }
                    Scored {
                        p,
                        context_len: used,
                    }
                }
                Smoothing::AddK { .. } | Smoothing::StupidBackoff { .. } => {
                    let mut out = Vec::new();
                    let context_len = self.distribution(history, &mut out);
                    let p = out
                        .binary_search_by_key(&token, |&(w, _)| w)
                        .map(|i| out[i].1)
                        .unwrap_or(0.0);
                    Scored { p, context_len }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::{Corpus, TokenizedCorpus};
    use crate::lm::start_history;
    use crate::tokenize::{EOS, Tokenizer, TokenizerKind};
    use proptest::prelude::*;

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
        let m = NgramModel::train(&c, 2, Smoothing::Mle);
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
        let m = NgramModel::train(&c, 3, Smoothing::Mle);
        let h = [ids(&c, "c")[0], ids(&c, "b")[0]]; // "c b" unseen, "b" seen
        let mut out = Vec::new();
        assert_eq!(m.distribution(&h, &mut out), 1);
        let names: Vec<&str> = out.iter().map(|&(w, _)| c.vocab.token(w)).collect();
        assert_eq!(names, ["c", "d"]);
    }

    #[test]
    fn add_k_is_lidstone_on_full_context() {
        let c = corpus(&["a b a c", "a b"]);
        let m = NgramModel::train(&c, 2, Smoothing::AddK { k: 0.5 });
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
        let m = NgramModel::train(&c, 2, Smoothing::KneserNey { discount: 0.5 });
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
        let m = NgramModel::train(&c, 2, Smoothing::StupidBackoff { alpha: 0.4 });
        let a = ids(&c, "a")[0];
        let b = ids(&c, "b")[0];
        // S(b|a) = 2/3, S(c|a) = 1/3, S(a|a) = .4·3/8, S(</s>|a) = .4·2/8 → Z = 1 + .25
        let got = m.prob(&[a], b).p;
        assert!((got - (2.0 / 3.0) / 1.25).abs() < 1e-15, "{got}");
    }

    fn smoothing_strategy() -> impl Strategy<Value = Smoothing> {
        prop_oneof![
            Just(Smoothing::Mle),
            (0.01f64..3.0).prop_map(|k| Smoothing::AddK { k }),
            (0.05f64..1.0).prop_map(|discount| Smoothing::KneserNey { discount }),
            (0.05f64..1.0).prop_map(|alpha| Smoothing::StupidBackoff { alpha }),
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
        for smoothing in [Smoothing::Mle, Smoothing::KneserNey { discount: 0.6 }] {
            let fast = NgramModel::train(&c, 16, smoothing);
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

    proptest! {
        /// The fast layout gives exactly the bits of the implementation it replaced: counts,
        /// distributions, probabilities, draws and whole generated samples.
        #[test]
        fn same_bits_as_the_reference_implementation(
            docs in proptest::collection::vec(proptest::collection::vec(0u8..8, 1..15), 0..7),
            order in 1usize..6,
            smoothing in smoothing_strategy(),
            probe in proptest::collection::vec(0u8..10, 0..7),
            seed in 0u64..1000,
        ) {
            let texts: Vec<String> = docs
                .iter()
                .map(|d| d.iter().map(|x| format!("t{x}")).collect::<Vec<_>>().join(" "))
                .collect();
            let refs: Vec<&str> = texts.iter().map(|s| s.as_str()).collect();
            let c = corpus(&refs);
            let fast = NgramModel::train(&c, order, smoothing);
            let slow = reference::RefModel::train(&c, order, smoothing);
            prop_assert_eq!(fast.counts.types_per_order(), slow.counts.types_per_order());
            // Histories of seen and unseen tokens, <s>, </s>, <unk> and ids past the vocabulary.
            let mut history = start_history(&[], order);
            history.extend(probe.iter().map(|&x| x as TokenId));
            for cut in 0..=history.len() {
                let h = &history[..cut];
                prop_assert_eq!(outputs(&fast, h), outputs(&slow, h), "history {:?}", h);
            }
            for sampler in [
                crate::sample::SamplerConfig::default(),
                crate::sample::SamplerConfig { temperature: 0.7, top_k: 3, top_p: 0.9 },
            ] {
                let cfg = crate::sample::GenerateConfig { max_tokens: 40, stop_at_end: seed % 2 == 0, sampler };
                let mut r1 = crate::sample::stream(seed, crate::sample::Domain::Generate, 0);
                let mut r2 = r1.clone();
                let a = crate::sample::generate(&fast, &[], &cfg, &mut r1);
                let b = crate::sample::generate(&slow, &[], &cfg, &mut r2);
                // The loop that lists every distribution (as `coinflip trace` does).
                let mut r3 = crate::sample::stream(seed, crate::sample::Domain::Generate, 0);
                let c = crate::sample::generate_observed(&slow, &[], &cfg, &mut r3, |_| {});
                for other in [&b, &c] {
                    prop_assert_eq!(&a.tokens, &other.tokens);
                    prop_assert_eq!(&a.steps, &other.steps);
                    prop_assert_eq!(a.stopped, other.stopped);
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
            let texts: Vec<String> = docs
                .iter()
                .map(|d| d.iter().map(|x| format!("t{x}")).collect::<Vec<_>>().join(" "))
                .collect();
            let refs: Vec<&str> = texts.iter().map(|s| s.as_str()).collect();
            let c = corpus(&refs);
            let m = NgramModel::train(&c, order, smoothing);
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
