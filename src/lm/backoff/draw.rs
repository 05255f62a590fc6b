//! A backoff model as the sampler draws it (randomness contract 2, `docs/sampling.md`).
//!
//! `p(w | h) = p*(h w)` when the model lists `h w`, else `b(h)·p(w | h′)`. Each context's row
//! holds its listed followers (coinflip ids ascending, candidates only: never `<s>` or the
//! model's `<unk>`) with their stored probabilities as running sums, and the context's total
//! `Z(h) = Σ_w p(w | h)` over the candidates, computed once, shortest contexts first:
//!
//! ```text
//! Z(ε) = Σ_w p*(w)        Z(h) = C(h) + B(h)        B(h) = b(h)·(Z(h′) − L(h))
//! C(h) = Σ_{w follows h} p*(h w)                     L(h) = Σ_{w follows h} p(w | h′)
//! ```
//!
//! (sums left to right in ascending id; B is clamped at 0 against rounding). A level draws one
//! of its followers with weight `p*(h w)` or backs off with weight `B(h)`; below it, a token
//! that follows `h` is redrawn (the rejection step), so the backed-off tokens come out in
//! proportion to `b(h)·p(w | h′)`.
//!
//! Probabilities are computed with the operations of [`BackoffModel::log10_prob`] (log10
//! backoffs added from the longest context down, then the n-gram's log10 probability, then
//! `10^x`), so every number here is bit for bit what `prob` (and `coinflip score`) gives.

use rustc_hash::FxHashMap;

use super::BackoffModel;
use crate::lm::levels::{Level, LevelKind, Stream, guide_table, running_sums};
use crate::tokenize::{BOS, TokenId, UNK};

/// The rows of the contexts of one length.
#[derive(Debug, Clone, Default)]
pub(super) struct Rows {
    /// Context (model ids, oldest first, packed when they fit in 64 bits) → row.
    packed: FxHashMap<u64, u32>,
    boxed: FxHashMap<Box<[u32]>, u32>,
    /// Followers of row x: `ids[start[x]..start[x + 1]]`.
    start: Vec<u32>,
    pub(super) ids: Vec<TokenId>,
    /// log10 p*(h w), parallel to `ids`.
    pub(super) lp: Vec<f64>,
    /// Running sums of `10^lp` within each row.
    cum: Vec<f64>,
    /// Z(h) per row.
    z: Vec<f64>,
    /// log10 b(h) per row (0 when the context is not listed).
    logb: Vec<f64>,
    /// Whether the model lists the context itself as an n-gram.
    listed: Vec<bool>,
    /// The unigram row's guide table.
    guide: Vec<u32>,
}

impl Rows {
    fn range(&self, x: u32) -> std::ops::Range<usize> {
        self.start[x as usize] as usize..self.start[x as usize + 1] as usize
    }
}

/// Every context's row, by context length (index 0: the unigram row).
#[derive(Debug, Clone, Default)]
pub(super) struct DrawIndex {
    /// Bits per model id when packing a context.
    bits: u32,
    /// Every follower of a context also follows the context without its first word (as in
    /// every model lmplz writes; an ARPA file need not be so).
    pub(super) nested: bool,
    pub(super) rows: Vec<Rows>,
}

impl DrawIndex {
    /// Builds the rows of `model`; `from_model[m]` is the coinflip id of model word m (`None`
    /// for `<s>` and `<unk>`, which are never drawn).
    pub(super) fn build(model: &BackoffModel, from_model: &[Option<TokenId>]) -> DrawIndex {
        let vocab_len = model.vocab().len().max(2) as u64;
        let mut ix = DrawIndex {
            bits: u64::BITS - (vocab_len - 1).leading_zeros(),
            nested: true,
            rows: Vec::with_capacity(model.order()),
        };
        let unigrams: Vec<(TokenId, f64)> = model
            .ngrams(1)
            .iter()
            .filter_map(|&(g, p, _)| Some((from_model[g[0] as usize]?, p)))
            .collect();
        let mut r0 = one_row(unigrams);
        r0.z = vec![r0.cum.last().copied().unwrap_or(0.0)];
        r0.guide = guide_table(&r0.cum);
        ix.rows.push(r0);
        for c in 1..model.order() {
            let rows = ix.context_rows(model, c, from_model);
            ix.rows.push(rows);
            ix.totals(c);
        }
        ix
    }

    fn key(&self, ctx: &[u32]) -> Option<u64> {
        (self.bits as usize * ctx.len() <= 64)
            .then(|| ctx.iter().fold(0u64, |k, &m| (k << self.bits) | m as u64))
    }

    /// The row of a context (model ids) of length ≥ 1, if the model lists it or a follower of it.
    pub(super) fn find(&self, ctx: &[u32]) -> Option<u32> {
        let rows = self.rows.get(ctx.len())?;
        match self.key(ctx) {
            Some(k) => rows.packed.get(&k).copied(),
            None => rows.boxed.get(ctx).copied(),
        }
    }

    /// The contexts of `c` tokens: listed c-grams (their backoff) and prefixes of listed
    /// (c+1)-grams (their followers), numbered in the model's order.
    fn context_rows(&self, model: &BackoffModel, c: usize, from_model: &[Option<TokenId>]) -> Rows {
        let mut rows = Rows::default();
        let mut followers: Vec<Vec<(TokenId, f64)>> = Vec::new();
        let row_of = |rows: &mut Rows, ctx: &[u32], followers: &mut Vec<Vec<_>>| {
            let next = rows.logb.len() as u32;
            let row = match self.key(ctx) {
                Some(k) => *rows.packed.entry(k).or_insert(next),
                None => *rows.boxed.entry(ctx.into()).or_insert(next),
            };
            if row == next {
                rows.logb.push(0.0);
                rows.listed.push(false);
                followers.push(Vec::new());
            }
            row as usize
        };
        for (g, _, b) in model.ngrams(c) {
            let x = row_of(&mut rows, g, &mut followers);
            rows.logb[x] = b;
            rows.listed[x] = true;
        }
        for (g, p, _) in model.ngrams(c + 1) {
            let x = row_of(&mut rows, &g[..c], &mut followers);
            if let Some(w) = from_model[g[c] as usize] {
                followers[x].push((w, p));
            }
        }
        rows.start.push(0);
        for mut f in followers {
            f.sort_by_key(|a| a.0);
            append_row(&mut rows, f);
        }
        rows
    }

    /// Z(h) of every context of `c` tokens (the rows of shorter contexts are complete).
    fn totals(&mut self, c: usize) {
        let mut ctx_of: Vec<Vec<u32>> = vec![Vec::new(); self.rows[c].logb.len()];
        let rows = &self.rows[c];
        for (k, &x) in &rows.packed {
            ctx_of[x as usize] = (0..c)
                .rev()
                .map(|i| ((k >> (self.bits as usize * i)) & ((1 << self.bits) - 1)) as u32)
                .collect();
        }
        for (ctx, &x) in &rows.boxed {
            ctx_of[x as usize] = ctx.to_vec();
        }
        let mut nested = self.nested;
        let z: Vec<f64> = (0..ctx_of.len())
            .map(|x| {
                let (ctx, r) = (&ctx_of[x], rows.range(x as u32));
                let lower = &ctx[1..];
                nested &= c == 1 || self.follow_all(lower, &rows.ids[r.clone()]);
                let mass: f64 = rows.ids[r.clone()]
                    .iter()
                    .map(|&w| libm::pow(10.0, self.log10_prob(lower, w)))
                    .fold(0.0, |a, b| a + b);
                let c_h = rows.cum[r].last().copied().unwrap_or(0.0);
                let backoff = libm::pow(10.0, rows.logb[x]) * (self.z_of(lower) - mass);
                c_h + backoff.max(0.0)
            })
            .collect();
        self.rows[c].z = z;
        self.nested = nested;
    }

    /// Whether every token of `ids` follows the stored context `ctx` (model ids).
    fn follow_all(&self, ctx: &[u32], ids: &[TokenId]) -> bool {
        match self.find(ctx) {
            Some(x) => {
                let rows = &self.rows[ctx.len()];
                let row = &rows.ids[rows.range(x)];
                ids.iter().all(|w| row.binary_search(w).is_ok())
            }
            None => ids.is_empty(),
        }
    }

    /// Z of a context: its row's, or (a context the model neither lists nor continues passes
    /// its shorter context through unchanged) the longest stored suffix's.
    fn z_of(&self, ctx: &[u32]) -> f64 {
        (0..=ctx.len())
            .find_map(|s| {
                let sub = &ctx[s..];
                if sub.is_empty() {
                    return Some(self.rows[0].z[0]);
                }
                self.find(sub).map(|x| self.rows[sub.len()].z[x as usize])
            })
            .unwrap_or(0.0)
    }

    /// log10 p(w | ctx) for a candidate w, with [`BackoffModel::log10_prob`]'s operations.
    pub(super) fn log10_prob(&self, ctx: &[u32], w: TokenId) -> f64 {
        let mut backoff = 0.0f64;
        for s in 0..ctx.len() {
            let sub = &ctx[s..];
            if let Some(x) = self.find(sub) {
                let rows = &self.rows[sub.len()];
                let r = rows.range(x);
                let base = r.start;
                if let Ok(j) = rows.ids[r].binary_search(&w) {
                    return backoff + rows.lp[base + j];
                }
                if rows.logb[x as usize] != 0.0 {
                    backoff += rows.logb[x as usize];
                }
            }
        }
        let r0 = &self.rows[0];
        match r0.ids.binary_search(&w) {
            Ok(j) => backoff + r0.lp[j],
            Err(_) => f64::NEG_INFINITY,
        }
    }

    /// The levels of the stored contexts among the suffixes of `ctx` (model ids), longest
    /// first, then the unigram level, into `levels`; returns the length of the longest suffix the
    /// model lists as an n-gram.
    pub(super) fn levels<'a>(
        &'a self,
        ctx: &[u32],
        rank: Option<&'a RankIndex>,
        levels: &mut Vec<Level<'a>>,
    ) -> usize {
        let mut listed = 0;
        for s in 0..ctx.len() {
            let sub = &ctx[s..];
            if let Some(row) = self.find(sub) {
                if listed == 0 && self.rows[sub.len()].listed[row as usize] {
                    listed = sub.len();
                }
                levels.push(self.level(sub.len(), row, rank));
            }
        }
        levels.push(self.level(0, 0, rank));
        listed
    }

    fn level<'a>(&'a self, len: usize, row: u32, rank: Option<&'a RankIndex>) -> Level<'a> {
        let rows = &self.rows[len];
        let r = rows.range(row);
        let bottom = len == 0;
        Level {
            context_len: len,
            ids: &rows.ids[r.clone()],
            v: &rows.lp[r.clone()],
            kind: LevelKind::Weighted {
                cum: &rows.cum[r.clone()],
                total: rows.z[row as usize],
                guide: if bottom { &rows.guide } else { &[] },
            },
            pass: rows.logb[row as usize],
            z: rows.z[row as usize],
            first: r.start,
            stream: match rank {
                Some(ix) => Stream::Ranked {
                    ids: &ix.ids[len][r.clone()],
                    v: &ix.v[len][r],
                },
                None => Stream::None,
            },
        }
    }
}

/// A single row (the unigram level).
fn one_row(mut followers: Vec<(TokenId, f64)>) -> Rows {
    followers.sort_by_key(|a| a.0);
    let mut rows = Rows {
        start: vec![0],
        ..Rows::default()
    };
    append_row(&mut rows, followers);
    rows.logb = vec![0.0];
    rows.listed = vec![false];
    rows
}

fn append_row(rows: &mut Rows, followers: Vec<(TokenId, f64)>) {
    rows.cum.extend(running_sums(
        followers.iter().map(|&(_, lp)| libm::pow(10.0, lp)),
    ));
    for (w, lp) in followers {
        rows.ids.push(w);
        rows.lp.push(lp);
    }
    rows.start.push(rows.ids.len() as u32);
}

/// Ranking streams: each row's followers by descending log10 probability (ties: ascending id).
#[derive(Debug, Clone, Default)]
pub(super) struct RankIndex {
    ids: Vec<Vec<TokenId>>,
    v: Vec<Vec<f64>>,
}

impl RankIndex {
    pub(super) fn build(ix: &DrawIndex) -> RankIndex {
        let mut rank = RankIndex::default();
        for rows in &ix.rows {
            let mut ids = Vec::with_capacity(rows.ids.len());
            let mut v = Vec::with_capacity(rows.ids.len());
            for x in 0..rows.start.len() - 1 {
                let mut order: Vec<usize> = rows.range(x as u32).collect();
                order.sort_by(|&a, &b| {
                    rows.lp[b]
                        .total_cmp(&rows.lp[a])
                        .then(rows.ids[a].cmp(&rows.ids[b]))
                });
                ids.extend(order.iter().map(|&j| rows.ids[j]));
                v.extend(order.iter().map(|&j| rows.lp[j]));
            }
            rank.ids.push(ids);
            rank.v.push(v);
        }
        rank
    }
}

/// The coinflip id of every model word (`None` for `<s>` and `<unk>`), from coinflip id → model
/// id.
pub(super) fn from_model(to_model: &[u32], model: &BackoffModel) -> Vec<Option<TokenId>> {
    let mut from = vec![None; model.vocab().len()];
    for (cid, &m) in to_model.iter().enumerate() {
        let cid = cid as TokenId;
        if cid == BOS || cid == UNK || m == model.unk() || m == model.bos() {
            continue;
        }
        from[m as usize] = Some(cid);
    }
    from
}
