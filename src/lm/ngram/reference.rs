//! The implementation the counting model replaced (a sorted list of n-gram slices, grouped,
//! looked up in a `HashMap<Box<[TokenId]>, _>`; dense O(V) Kneser–Ney), kept verbatim as the
//! oracle that the fast layout must match bit for bit (test-only).

#![allow(dead_code)]
use std::collections::HashMap;

use crate::corpus::TokenizedCorpus;
use crate::lm::{Estimator, LanguageModel, Scored, pad};
use crate::tokenize::{TokenId, Vocab};

#[derive(Debug, Clone)]
pub struct RefModel {
    pub counts: RefCounts,
    pub estimator: Estimator,
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
    pub fn train(corpus: &TokenizedCorpus, order: usize, estimator: Estimator) -> Self {
        let with_cont = matches!(estimator, Estimator::KneserNey { .. });
        RefModel {
            counts: RefCounts::count(corpus, order, with_cont),
            estimator,
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

    // Long: the replaced implementation, kept verbatim so that it stays an independent oracle.
    fn distribution(&self, history: &[TokenId], out: &mut Vec<(TokenId, f64)>) -> usize {
        out.clear();
        let n1 = self.counts.order - 1;
        match self.estimator {
            Estimator::Mle => {
                let c = self.longest_seen(history);
                let t = &self.counts.raw[c];
                if let Some(e) = t.get(self.suffix(history, c)) {
                    let (ids, counts) = t.followers(e);
                    let total = e.total as f64;
                    out.extend(ids.iter().zip(counts).map(|(&w, &n)| (w, n as f64 / total)));
                }
                c
            }
            Estimator::AddK { k } => {
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
            Estimator::KneserNey { discount: d } => {
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
            Estimator::StupidBackoff { alpha } => {
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
            _ => unreachable!("the reference knows the four original smoothings only"),
        }
    }

    fn prob(&self, history: &[TokenId], token: TokenId) -> Scored {
        let n1 = self.counts.order - 1;
        match self.estimator {
            Estimator::Mle => {
                let c = self.longest_seen(history);
                let t = &self.counts.raw[c];
                let p = t
                    .get(self.suffix(history, c))
                    .map(|e| t.count(e, token) as f64 / e.total as f64)
                    .unwrap_or(0.0);
                Scored { p, context_len: c }
            }
            Estimator::KneserNey { discount: d } => {
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
            Estimator::AddK { .. } | Estimator::StupidBackoff { .. } => {
                let mut out = Vec::new();
                let context_len = self.distribution(history, &mut out);
                let p = out
                    .binary_search_by_key(&token, |&(w, _)| w)
                    .map(|i| out[i].1)
                    .unwrap_or(0.0);
                Scored { p, context_len }
            }
            _ => unreachable!("the reference knows the four original smoothings only"),
        }
    }
}
