//! N-gram counts in a *suffix trie of contexts*: the layout that makes training, scoring and
//! generation fast and the model small (`docs/performance.md`, "Memory": about 20 bytes per
//! stored n-gram for the KJV word trigram Kneser–Ney model, vocabulary and stored probabilities
//! included).
//!
//! - every distinct context of c tokens (c = 0 … order − 1) that precedes a counted token gets a
//!   dense id at level c, numbered in order of first occurrence in the corpus (deterministic);
//! - a context of c + 1 tokens is found from the id of its last c tokens and its first token, one
//!   look-up of a packed `u64` key per level; the contexts of a history's suffixes of length
//!   1, 2, … are therefore found one level after another, and a suffix that was never seen ends
//!   the walk (every suffix of a seen context was seen); when the ids of `order - 1` tokens fit
//!   in 64 bits, the top level is keyed by the whole context packed instead, so a full context
//!   (what MLE generation and scoring need most) is found in one look-up;
//! - the look-up tables ([`CtxIndex`]) store no keys, only ids with a hash tag (4 bytes a slot,
//!   at most 80 % full): a context's key is its parent and first token, which every level keeps
//!   per context (the parent also serves the walk down from the longest context);
//! - the followers of each context sit in compressed rows: ids ascending, with the running sums
//!   of their counts, restarting at every context (what a draw searches; a count is the
//!   difference of two neighbours and a context's total its last one, so neither counts nor
//!   totals are stored). With Kneser–Ney's continuation counts, they replace the raw counts
//!   below the top order (the k-grams counted by continuation are exactly the raw k-grams below
//!   the top order, so they share the follower ids), since Kneser–Ney reads nothing else there.
//!
//! Per stored n-gram that is 8 bytes of rows; per context 4 of row start, 4 of parent, 4 of first
//! token and 5 of table. Counting's scratch (freed before training returns) is one context id and
//! one bucketed token per position, and the table a level is numbered with, which grows by
//! doubling and is rebuilt at its final size.
//!
//! The tables are only ever looked up, never iterated, so the fast non-cryptographic hashes
//! cannot change what coinflip prints.

use crate::corpus::TokenizedCorpus;
pub(super) use crate::lm::levels::{count_in_row, counts_from_sums};
use crate::tokenize::{BOS, EOS, RESERVED, TokenId};

/// The k-grams whose context has c tokens (k = c + 1).
#[derive(Debug, Clone, Default)]
pub(super) struct Level {
    /// Context id of a key (see [`CtxIndex`]): `(id of the context's last c − 1 tokens) << 32 |
    /// its first token`, or at a packed top level the whole context packed. Empty at level 0,
    /// whose only context (the empty one) has id 0.
    index: CtxIndex,
    /// Followers of context x: `ids[start[x]..start[x + 1]]` (one more entry than contexts).
    start: Vec<u32>,
    /// Follower ids, ascending within each context.
    pub(super) ids: Vec<TokenId>,
    /// The counts of the followers while counting, parallel to `ids`: raw counts, except below
    /// the top order of counts made with continuation, where they are the Kneser–Ney
    /// continuation counts N₁₊(• context w) (the only counts Kneser–Ney reads there; the raw ones
    /// are not kept). Emptied once `sums` is built: a count is the difference of two running
    /// sums ([`Level::count`]), so the model keeps 4 bytes per n-gram instead of 8.
    counts: Vec<u32>,
    /// Running sums of the counts, restarting at every context: what a draw searches, the
    /// counts themselves (differences of neighbours), and the context's total (its last one),
    /// so no per-context total is stored.
    pub(super) sums: Vec<u32>,
    /// Per context of c ≥ 1 tokens: the id of its last c − 1 tokens at level c − 1 (its parent),
    /// so a walk from the longest context down needs no look-up. Empty at level 0.
    pub(super) parent: Vec<u32>,
    /// Per context of c ≥ 1 tokens: its first token (c places back). With `parent`, the key of
    /// the context, which the index does not store. Empty at level 0.
    first: Vec<TokenId>,
}

// `#[inline]` on the look-ups below: the model calls them from another module for every token
// it scores or draws (without it, scoring measured 5 % slower).
impl Level {
    #[inline]
    pub(super) fn contexts(&self) -> usize {
        self.start.len().saturating_sub(1)
    }

    #[inline]
    pub(super) fn range(&self, x: u32) -> std::ops::Range<usize> {
        self.start[x as usize] as usize..self.start[x as usize + 1] as usize
    }

    /// Position of follower `w` of context `x` in the rows.
    #[inline]
    pub(super) fn find(&self, x: u32, w: TokenId) -> Option<usize> {
        let r = self.range(x);
        let base = r.start;
        self.ids[r].binary_search(&w).ok().map(|i| base + i)
    }

    /// The count of the follower at position `i`, in a row that starts at position `row`.
    #[inline]
    pub(super) fn count(&self, row: usize, i: usize) -> u32 {
        count_in_row(&self.sums[row..], i - row)
    }

    /// The counts of context `x`'s followers, in row order.
    pub(super) fn counts_of(&self, x: u32) -> impl Iterator<Item = u32> + '_ {
        counts_from_sums(&self.sums[self.range(x)])
    }

    /// Σ counts of context `x`'s followers (the last of its running sums).
    #[inline]
    pub(super) fn total(&self, x: u32) -> u64 {
        let r = self.range(x);
        if r.is_empty() {
            0
        } else {
            self.sums[r.end - 1] as u64
        }
    }

    #[inline]
    fn child(&self, parent: u32, first: TokenId) -> Option<u32> {
        self.index.get(key(parent, first), |x| {
            self.parent[x as usize] == parent && self.first[x as usize] == first
        })
    }

    /// Heap bytes of the level's arrays, at their capacities.
    fn heap_bytes(&self) -> usize {
        4 * (self.index.slots.capacity()
            + self.start.capacity()
            + self.ids.capacity()
            + self.counts.capacity()
            + self.sums.capacity()
            + self.parent.capacity()
            + self.first.capacity())
    }
}

fn key(parent: u32, token: TokenId) -> u64 {
    ((parent as u64) << 32) | token as u64
}

/// A context look-up table that stores no keys (a context's key is rebuilt from its parent and
/// first token, which the level keeps anyway): open addressing with linear probing, one `u32`
/// per slot, slots = contexts × 1.25 + 1 (80 % full at most). A slot holds the context id + 1 (0:
/// empty) in its low `id_bits` bits and, in the bits the ids leave free, a tag from the key's
/// hash, so a probe reads a context's key only when the tags match (1 in 2¹⁴ by chance for
/// 150,000 contexts). 5 bytes per context, where a hash map of `u64 → u32` at its power-of-two
/// capacity took 17 to 34.
#[derive(Debug, Clone, Default)]
struct CtxIndex {
    slots: Vec<u32>,
    /// Mask of the id bits (the rest is the tag).
    id_mask: u32,
}

impl CtxIndex {
    /// The table of contexts `0..len`, context x under key `key_of(x)` (keys distinct).
    fn build(len: usize, key_of: impl Fn(u32) -> u64) -> CtxIndex {
        if len == 0 {
            return CtxIndex::default();
        }
        let mut ix = CtxIndex::with_slots(len + len / 4 + 1, len);
        for x in 0..len as u32 {
            ix.insert(key_of(x), x);
        }
        ix
    }

    /// An empty table of `n` slots for ids below `max_ids`.
    fn with_slots(n: usize, max_ids: usize) -> CtxIndex {
        let max = u32::try_from(max_ids).expect("fewer contexts than counted positions");
        let id_bits = u32::BITS - max.leading_zeros();
        CtxIndex {
            slots: vec![0; n],
            id_mask: if id_bits == 32 {
                u32::MAX
            } else {
                (1 << id_bits) - 1
            },
        }
    }

    /// Puts context `x` under key `k` (not in the table yet; a free slot left).
    fn insert(&mut self, k: u64, x: u32) {
        let n = self.slots.len();
        let h = hash(k);
        let mut i = home(h, n);
        while self.slots[i] != 0 {
            i = if i + 1 == n { 0 } else { i + 1 };
        }
        self.slots[i] = (h as u32 & !self.id_mask) | (x + 1);
    }

    /// The context under key `k`: `is(x)` says whether context x has that key.
    #[inline]
    fn get(&self, k: u64, is: impl Fn(u32) -> bool) -> Option<u32> {
        let n = self.slots.len();
        if n == 0 {
            return None;
        }
        let h = hash(k);
        let tag = h as u32 & !self.id_mask;
        let mut i = home(h, n);
        loop {
            let s = self.slots[i];
            if s == 0 {
                return None;
            }
            if s & !self.id_mask == tag {
                let x = (s & self.id_mask) - 1;
                if is(x) {
                    return Some(x);
                }
            }
            i = if i + 1 == n { 0 } else { i + 1 };
        }
    }
}

/// A 64-bit mix of a key (multiply, then fold the well-mixed high bits into the low ones, which
/// give the tag).
#[inline]
fn hash(k: u64) -> u64 {
    let h = (k ^ (k >> 32)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    h ^ (h >> 29)
}

/// The first slot to probe: the hash scaled to `0..n` by its high bits.
#[inline]
fn home(h: u64, n: usize) -> usize {
    ((h as u128 * n as u128) >> 64) as usize
}

/// One context of a history, as the model stores it.
#[derive(Debug, Clone, Copy)]
pub(super) struct Ctx {
    /// Its length in tokens (the level).
    pub(super) len: usize,
    pub(super) id: u32,
}

/// The contexts of a history's suffixes of length 0, 1, … `max`, as far as they were seen.
pub(super) struct Suffixes<'a> {
    counts: &'a NgramCounts,
    history: &'a [TokenId],
    next: usize,
    max: usize,
    id: u32,
}

impl Iterator for Suffixes<'_> {
    type Item = Ctx;

    #[inline]
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
    pub(super) levels: Vec<Level>,
    pub(super) continuation: bool,
    /// When the ids of `order - 1` tokens fit in 64 bits (b bits each): the top level is keyed by
    /// the whole context packed, newest token lowest, so a full context is found in one look-up
    /// (what MLE generation and scoring need) instead of one per level.
    pub(super) top_bits: Option<u32>,
    /// Ids at or past this are never in a context.
    vocab_len: usize,
}

/// The token `back` places before counted position `o` of document `doc` (padding included).
fn token_before(doc: &[TokenId], o: usize, back: usize) -> TokenId {
    if back > o { BOS } else { doc[o - back] }
}

impl NgramCounts {
    /// Counts every k-gram of the padded documents; with `with_continuation`, also the
    /// Kneser–Ney continuation counts of every order below the top, which then replace the raw
    /// counts there (see [`Level::counts`]).
    ///
    /// Panics if the corpus has 2³² tokens or more (far beyond what fits in memory as ids).
    pub fn count(corpus: &TokenizedCorpus, order: usize, with_continuation: bool) -> Self {
        assert!(order >= 1, "order is at least 1");
        let docs = &corpus.documents;
        // Counted positions: every token of every document, then its </s>.
        let n: usize = docs.iter().map(|d| d.len() + 1).sum();
        assert!(n < u32::MAX as usize, "corpus too large: {n} tokens");
        let vocab_len = corpus.vocab.len().max(RESERVED);
        let bits = u64::BITS - (vocab_len as u64 - 1).leading_zeros();
        let top_bits = (order >= 2 && bits as usize * (order - 1) <= 64).then_some(bits);

        // ctx[i]: the id of the context of counted position i at the current level.
        let mut ctx: Vec<u32> = vec![0; n];
        let mut rows = RowBuilder::new(vocab_len);
        let mut levels: Vec<Level> = Vec::with_capacity(order);
        for c in 0..order {
            let mut level = Level::default();
            let contexts = if c == 0 {
                usize::from(n > 0)
            } else {
                let packed = top_bits.filter(|_| c == order - 1);
                number_contexts(docs, c, packed, &mut ctx, &levels, &mut level)
            };
            rows.bucket_by_context(docs, &ctx, contexts);
            if c == order - 1 {
                // The positions' contexts are not needed past the top level: free them before
                // the rows grow (training's peak).
                ctx = Vec::new();
            }
            rows.count_buckets(contexts, &mut level);
            levels.push(level);
        }
        drop(rows);
        if with_continuation {
            continuation_counts(&mut levels);
        }
        for l in &mut levels {
            l.sums = running_sums(l);
            l.counts = Vec::new();
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

    /// Bytes the counts hold on the heap: every array at its capacity (the look-up tables
    /// included; they are arrays too, see [`CtxIndex`]).
    pub fn heap_bytes(&self) -> usize {
        self.levels.capacity() * std::mem::size_of::<Level>()
            + self.levels.iter().map(Level::heap_bytes).sum::<usize>()
    }

    /// The followers of `context` (its length picks the order) and their counts, ids ascending
    /// (below the top order of counts made with continuation: the continuation counts); `None`
    /// when the context was never seen (or is longer than `order - 1`).
    pub fn followers(&self, context: &[TokenId]) -> Option<(&[TokenId], Vec<u32>)> {
        let c = context.len();
        if c >= self.order {
            return None;
        }
        let x = self.suffixes(context, c).last().filter(|x| x.len == c)?;
        let l = &self.levels[c];
        Some((&l.ids[l.range(x.id)], l.counts_of(x.id).collect()))
    }

    /// The id of a context of `order - 1` tokens, found by its packed key (`None` when unseen or
    /// when contexts are not packed).
    #[inline]
    pub(super) fn top(&self, context: &[TokenId]) -> Option<u32> {
        let b = self.top_bits?;
        let mut k = 0u64;
        for (back, &t) in context.iter().rev().enumerate() {
            if t as usize >= self.vocab_len {
                return None;
            }
            k |= (t as u64) << (b as usize * back);
        }
        let c = context.len();
        self.levels[c]
            .index
            .get(k, |x| self.is_context(c, x, context))
    }

    /// Whether context `x` of level `c` is `context` (c tokens): its first token, then its
    /// parent's, … (what a packed key stands for).
    #[inline]
    fn is_context(&self, c: usize, x: u32, context: &[TokenId]) -> bool {
        let mut y = x as usize;
        for level in (1..=c).rev() {
            let l = &self.levels[level];
            if l.first[y] != context[c - level] {
                return false;
            }
            y = l.parent[y] as usize;
        }
        true
    }

    /// The parent of every context of `c ≥ 1` tokens (the id of its last `c − 1` tokens), by
    /// context id: what the draw's precomputed tables (`ngram::draw`) walk.
    pub(super) fn parents(&self, c: usize) -> &[u32] {
        &self.levels[c].parent
    }

    #[inline]
    pub(super) fn suffixes<'a>(&'a self, history: &'a [TokenId], max: usize) -> Suffixes<'a> {
        Suffixes {
            counts: self,
            history,
            next: 0,
            max: max.min(history.len()).min(self.order - 1),
            id: 0,
        }
    }
}

/// The token at counted position `o` of `doc`: its token, or `</s>` after the last one.
fn token_at(doc: &[TokenId], o: usize) -> TokenId {
    if o == doc.len() { EOS } else { doc[o] }
}

/// Numbers the contexts of c tokens (c ≥ 1) in first-occurrence order, keyed by (the context of
/// the last c - 1 tokens, the token c places back) or, with `packed` bits per token, by the whole
/// context packed. `ctx[i]` goes from the id of position i's context of c - 1 tokens to that of
/// c tokens. Fills `level`'s parents, first tokens and index (`lower`: the levels below) and
/// returns the number of contexts.
fn number_contexts(
    docs: &[Vec<TokenId>],
    c: usize,
    packed: Option<u32>,
    ctx: &mut [u32],
    lower: &[Level],
    level: &mut Level,
) -> usize {
    let mut index = CtxIndex::with_slots(1024, 1024);
    let mut i = 0;
    for d in docs {
        for o in 0..=d.len() {
            let (p, first) = (ctx[i], token_before(d, o, c));
            let k = match packed {
                Some(b) => (1..=c).fold(0, |k, back| {
                    k | (token_before(d, o, back) as u64) << (b as usize * (back - 1))
                }),
                None => key(p, first),
            };
            let found = index.get(k, |x| match packed {
                Some(b) => packed_key(lower, level, x, b) == k,
                None => level.parent[x as usize] == p && level.first[x as usize] == first,
            });
            ctx[i] = found.unwrap_or_else(|| {
                let x = level.parent.len() as u32;
                level.parent.push(p);
                level.first.push(first);
                let len = x as usize + 1;
                if len * 5 > index.slots.len() * 4 {
                    // 80 % full: twice the size, every key again (from the level).
                    let n = 2 * index.slots.len();
                    index = CtxIndex::with_slots(n, n);
                    for y in 0..len as u32 {
                        index.insert(level_key(lower, level, y, packed), y);
                    }
                } else {
                    index.insert(k, x);
                }
                x
            });
            i += 1;
        }
    }
    drop(index);
    level.parent.shrink_to_fit();
    level.first.shrink_to_fit();
    let len = level.parent.len();
    level.index = CtxIndex::build(len, |x| level_key(lower, level, x, packed));
    len
}

/// The key of context `x` of the level being numbered (above `lower`).
fn level_key(lower: &[Level], level: &Level, x: u32, packed: Option<u32>) -> u64 {
    match packed {
        Some(b) => packed_key(lower, level, x, b),
        None => key(level.parent[x as usize], level.first[x as usize]),
    }
}

/// The packed key (`b` bits per token, newest lowest) of context `x` of the level above
/// `lower`: its first token, then its parent's, … down to level 1.
fn packed_key(lower: &[Level], level: &Level, x: u32, b: u32) -> u64 {
    let c = lower.len();
    let mut k = (level.first[x as usize] as u64) << (b as usize * (c - 1));
    let mut y = level.parent[x as usize] as usize;
    for l in (1..c).rev() {
        k |= (lower[l].first[y] as u64) << (b as usize * (l - 1));
        y = lower[l].parent[y] as usize;
    }
    k
}

/// Running sums of a level's counts, restarting at every context.
fn running_sums(l: &Level) -> Vec<u32> {
    let mut sums = Vec::with_capacity(l.counts.len());
    for x in 0..l.contexts() {
        let mut s = 0u32;
        sums.extend(l.counts[l.range(x as u32)].iter().map(|&n| {
            s += n;
            s
        }));
    }
    sums
}
/// Builds the follower rows of a level; its buffers are reused from one level to the next.
struct RowBuilder {
    /// Per token id: how often it follows the context being counted (0 between contexts).
    seen: Vec<u32>,
    distinct: Vec<TokenId>,
    /// The followed tokens of every position, grouped by context (`bucket_start` per context).
    bucket: Vec<TokenId>,
    bucket_start: Vec<u32>,
}

impl RowBuilder {
    fn new(vocab_len: usize) -> Self {
        RowBuilder {
            seen: vec![0; vocab_len],
            distinct: Vec::new(),
            bucket: Vec::new(),
            bucket_start: Vec::new(),
        }
    }

    /// Groups the followed tokens by context (counting sort, stable).
    fn bucket_by_context(&mut self, docs: &[Vec<TokenId>], ctx: &[u32], contexts: usize) {
        let start = &mut self.bucket_start;
        start.clear();
        start.resize(contexts + 1, 0);
        for &x in ctx {
            start[x as usize + 1] += 1;
        }
        for x in 0..contexts {
            start[x + 1] += start[x];
        }
        self.bucket.clear();
        self.bucket.resize(ctx.len(), 0);
        // `start[x]` is the next free place of bucket x, and ends as its end, which is where
        // bucket x + 1 starts: shifted by one, the starts again (no second array).
        let mut i = 0;
        for d in docs {
            for o in 0..=d.len() {
                let slot = &mut start[ctx[i] as usize];
                self.bucket[*slot as usize] = token_at(d, o);
                *slot += 1;
                i += 1;
            }
        }
        if contexts > 0 {
            start.copy_within(0..contexts, 1);
            start[0] = 0;
        }
    }

    /// Counts each bucket's distinct tokens into the rows of `level`, ids ascending.
    fn count_buckets(&mut self, contexts: usize, level: &mut Level) {
        level.start.reserve_exact(contexts + 1);
        level.start.push(0);
        for x in 0..contexts {
            let range = self.bucket_start[x] as usize..self.bucket_start[x + 1] as usize;
            let toks = &self.bucket[range];
            self.distinct.clear();
            for &t in toks {
                let s = &mut self.seen[t as usize];
                if *s == 0 {
                    self.distinct.push(t);
                }
                *s += 1;
            }
            self.distinct.sort_unstable();
            for &t in &self.distinct {
                level.ids.push(t);
                level.counts.push(self.seen[t as usize]);
                self.seen[t as usize] = 0;
            }
            level.start.push(level.ids.len() as u32);
        }
        level.ids.shrink_to_fit();
        level.counts.shrink_to_fit();
    }
}

/// Kneser–Ney continuation counts of every level below the top: each distinct (k+1)-gram
/// (context y of c + 1 tokens, w) adds one to the continuation count of its last k tokens (the
/// parent of y, w). They replace the level's raw counts, which Kneser–Ney does not read there.
fn continuation_counts(levels: &mut [Level]) {
    for c in 0..levels.len().saturating_sub(1) {
        let (lower, higher) = levels.split_at_mut(c + 1);
        let (lower, higher) = (&mut lower[c], &higher[0]);
        let mut cont = vec![0; lower.ids.len()];
        for (y, &x) in higher.parent.iter().enumerate() {
            for &w in &higher.ids[higher.range(y as u32)] {
                let at = lower.find(x, w).expect("a k-gram's suffix is counted");
                cont[at] += 1;
            }
        }
        lower.counts = cont;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::Corpus;
    use crate::tokenize::{Tokenizer, TokenizerKind};

    /// Every key is found under its own id, and keys never inserted are not, whether the tags
    /// tell them apart or only the keys do (`is` compares the keys themselves).
    #[test]
    fn ctx_index_finds_every_key_and_nothing_else() {
        for len in [1usize, 2, 7, 100, 5_000] {
            let keys: Vec<u64> = (0..len as u64).map(|i| i * 0x1_0000_0003 + 11).collect();
            let ix = CtxIndex::build(len, |x| keys[x as usize]);
            assert!(ix.slots.len() * 4 >= len * 5, "at most 80 % full");
            for (x, &k) in keys.iter().enumerate() {
                assert_eq!(ix.get(k, |y| keys[y as usize] == k), Some(x as u32));
            }
            for k in (0..len as u64).map(|i| i * 0x1_0000_0003 + 12) {
                assert_eq!(ix.get(k, |y| keys[y as usize] == k), None);
                // An `is` that accepts anything still sees only slots whose tag matches.
                if let Some(y) = ix.get(k, |_| true) {
                    assert_eq!(hash(keys[y as usize]) as u32 & !ix.id_mask, {
                        hash(k) as u32 & !ix.id_mask
                    });
                }
            }
        }
        assert_eq!(CtxIndex::build(0, |_| 0).get(0, |_| true), None);
    }

    fn counted(docs: &[&str], order: usize, cont: bool) -> (TokenizedCorpus, NgramCounts) {
        let c = TokenizedCorpus::build(
            &Corpus {
                documents: docs.iter().map(|s| s.to_string()).collect(),
            },
            Tokenizer {
                kind: TokenizerKind::Whitespace,
                lowercase: false,
            },
        );
        let n = NgramCounts::count(&c, order, cont);
        (c, n)
    }

    /// "a b a c" / "a b": raw bigram counts after `a`; with continuation, the unigram level keeps
    /// the continuation counts N₁₊(• w) instead (a ← {<s>, b}, b ← {a}, c ← {a}, </s> ← {c, b}),
    /// and every total is the last running sum of its row.
    #[test]
    fn rows_keep_running_sums_and_continuation_counts_below_the_top() {
        let (c, raw) = counted(&["a b a c", "a b"], 2, false);
        let id = |t: &str| c.vocab.get(t).unwrap();
        let (a, b, cc) = (id("a"), id("b"), id("c"));
        assert_eq!(raw.followers(&[a]), Some((&[b, cc][..], vec![2, 1])));
        let (_, kn) = counted(&["a b a c", "a b"], 2, true);
        let (ids, counts) = kn.followers(&[]).unwrap();
        assert_eq!(ids, [EOS, a, b, cc]);
        assert_eq!(counts, [2, 2, 1, 1]);
        assert_eq!(kn.levels[0].sums, [2, 4, 5, 6]);
        assert_eq!((kn.levels[0].total(0), raw.levels[0].total(0)), (6, 8));
        // The counts are kept only as running sums; each is the difference of two.
        assert!(kn.levels.iter().all(|l| l.counts.is_empty()));
        assert_eq!(
            (0..4).map(|i| kn.levels[0].count(0, i)).collect::<Vec<_>>(),
            [2, 2, 1, 1]
        );
        let x = kn.suffixes(&[a], 1).last().unwrap();
        assert_eq!((x.len, kn.levels[1].total(x.id)), (1, 3));
    }

    /// The heap bytes are the arrays' capacities, nothing left out: four bytes per entry of
    /// each array, the index's slots included.
    #[test]
    fn heap_bytes_count_every_array() {
        let (_, n) = counted(&["a b a c", "a b", "c c a"], 3, true);
        let per_level: usize = n
            .levels
            .iter()
            .map(|l| {
                let arrays = [
                    l.index.slots.len(),
                    l.start.len(),
                    l.ids.len(),
                    l.counts.len(),
                    l.sums.len(),
                    l.parent.len(),
                    l.first.len(),
                ];
                4 * arrays.iter().sum::<usize>()
            })
            .sum();
        let structs = n.levels.len() * std::mem::size_of::<Level>();
        assert!(n.heap_bytes() >= per_level + structs);
        assert!(n.heap_bytes() <= 2 * per_level + structs);
    }
}
