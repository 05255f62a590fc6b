//! N-gram counts and the smoothed models built on them: the part of coinflip that answers "given
//! this context, how likely is each next token?".
//!
//! Documents are padded with `order - 1` start markers `<s>` on the left and one end marker `</s>`
//! on the right; every k-gram (k = 1..=order) that ends on a real token or on `</s>` is counted.
//! The formulas of each smoothing are in `docs/models.md`; every one of them gives, for every
//! context, a distribution over the candidates ([`Vocab::candidates`]) that sums to 1.
//!
//! Counting is written here rather than taken from a crate because it is the subject being taught:
//! a sorted list of n-gram slices, grouped, is the simplest correct way and it is deterministic.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::corpus::TokenizedCorpus;
use crate::tokenize::{BOS, TokenId, Vocab};

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

/// The probability of one token and the length of the context that produced it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scored {
    pub p: f64,
    /// How many tokens of context the model actually used (0 = unigram).
    pub context_len: usize,
}

/// Anything that gives next-token distributions: the n-gram models here, ARPA models, explicit
/// distributions.
pub trait LanguageModel: Send + Sync {
    /// The n of the n-gram: the model looks at the last `order - 1` tokens.
    fn order(&self) -> usize;
    /// The vocabulary numbering the tokens.
    fn vocab(&self) -> &Vocab;
    /// Writes every candidate with a non-zero probability as `(id, p)` in ascending id into `out`
    /// (cleared first) and returns the context length used. `history` is everything so far,
    /// start padding included; only its last `order - 1` tokens matter.
    fn distribution(&self, history: &[TokenId], out: &mut Vec<(TokenId, f64)>) -> usize;
    /// The probability of `token` after `history`.
    fn prob(&self, history: &[TokenId], token: TokenId) -> Scored;
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
pub struct NgramCounts {
    pub order: usize,
    pub raw: Vec<Table>,
    pub continuation: Vec<Table>,
}

impl NgramCounts {
    /// Counts every k-gram of the padded documents.
    pub fn count(corpus: &TokenizedCorpus, order: usize, with_continuation: bool) -> Self {
        let padded: Vec<Vec<TokenId>> = corpus.documents.iter().map(|d| pad(d, order)).collect();
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
        NgramCounts {
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

/// `order - 1` start markers, the document, one end marker.
pub fn pad(doc: &[TokenId], order: usize) -> Vec<TokenId> {
    let mut v = Vec::with_capacity(doc.len() + order);
    v.extend(std::iter::repeat_n(BOS, order - 1));
    v.extend_from_slice(doc);
    v.push(crate::tokenize::EOS);
    v
}

/// The start of a history: `order - 1` start markers followed by `prefix`.
pub fn start_history(prefix: &[TokenId], order: usize) -> Vec<TokenId> {
    let mut v = Vec::with_capacity(prefix.len() + order);
    v.extend(std::iter::repeat_n(BOS, order - 1));
    v.extend_from_slice(prefix);
    v
}

/// An n-gram model: counts plus a smoothing.
#[derive(Debug, Clone)]
pub struct NgramModel {
    pub counts: NgramCounts,
    pub smoothing: Smoothing,
    vocab: Vocab,
}

impl NgramModel {
    /// Counts the corpus and applies the smoothing.
    pub fn train(corpus: &TokenizedCorpus, order: usize, smoothing: Smoothing) -> Self {
        let with_cont = matches!(smoothing, Smoothing::KneserNey { .. });
        NgramModel {
            counts: NgramCounts::count(corpus, order, with_cont),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::{Corpus, TokenizedCorpus};
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
