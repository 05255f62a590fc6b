//! The corpus index: a generalized suffix automaton over the training documents' token ids.
//!
//! It answers the two questions remix statistics need:
//! - "what is the longest run of tokens ending here that occurs in one training document?", in
//!   amortized constant time per token, by walking the automaton and falling back along suffix
//!   links on a mismatch ([`CorpusIndex::profile`]);
//! - "where does this span first occur?" (smallest document index, then smallest offset), in time
//!   linear in the span ([`CorpusIndex::locate`]).
//!
//! Why hand-written: the automaton is the heart of this feature and its constraints are specific —
//! `u32` token alphabets of tens of thousands of symbols, documents kept apart (a match never spans
//! two documents, without separator symbols), first occurrences ordered by (document, offset),
//! compact transitions and a build of a few million tokens in well under a second. The suffix
//! array crates on crates.io index bytes or a single string and would still need LCP/matching-
//! statistics machinery on top; the automaton needs ~300 lines and is checked against a brute-force
//! implementation by property tests (see `super::tests`).
//!
//! Construction is the online generalized algorithm: each document is inserted from the root
//! (`last` reset to the root), and when the state we extend from already has a transition on the
//! token, that transition is reused or split (cloned) instead of creating a new state. Every state
//! records `first_end`, the global position (documents concatenated in order) of the end of its
//! first occurrence; because documents and offsets are inserted in increasing order, the first
//! occurrence recorded at creation is the smallest (document, offset), and clones inherit it from
//! the state they are split from.
//!
//! Layout: one 32-byte record per state (`Node`: length, suffix link, first end, edge count and
//! two edge slots), so a state and its first edges share a cache line — most states have one or
//! two out-edges, and the walk is bound by cache misses. A state with more edges keeps them in a
//! block of one shared arena (sorted by token: linear scan for small blocks, binary search for
//! large ones). Each edge is a `u64` packing `(token << 32) | target`. While building, the top bit
//! of the target marks *primary* edges (`len(target) == len(source) + 1`), which saves loading the
//! target state on every step; blocks double when full, and the arena is compacted at the end.
//! The root's edges are also kept in a dense table indexed by token when token ids are dense,
//! since the root is where every restart lands. Memory is reported by [`CorpusIndex::heap_bytes`]
//! (43–48 bytes per training token on the King James Bible; see docs/performance.md).

/// The root state (the empty string).
const ROOT: u32 = 0;
/// "No state": the root's suffix link.
const NONE: u32 = u32::MAX;
/// Blocks up to this many edges are scanned linearly; larger ones are binary-searched.
const LINEAR_SCAN_MAX: usize = 8;

/// Where a span first occurs in training: the smallest document index, then the smallest offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Occurrence {
    /// Index of the document in the list given to [`CorpusIndex::build`].
    pub document: usize,
    /// Offset of the span's first token inside that document, in tokens (0-based).
    pub offset: usize,
}

/// The corpus is too large for 32-bit state ids (more than `MAX_TOKENS` tokens).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CorpusTooLarge {
    /// Total number of tokens in the documents.
    pub tokens: usize,
}

impl std::fmt::Display for CorpusTooLarge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the training corpus has {} tokens; the remix index holds at most {}",
            self.tokens,
            CorpusIndex::MAX_TOKENS
        )
    }
}

impl std::error::Error for CorpusTooLarge {}

/// One automaton state; see the module header.
#[derive(Debug, Clone, Copy)]
#[repr(C, align(32))]
struct Node {
    /// Length of the longest string this state represents.
    len: u32,
    /// Suffix link (`NONE` for the root).
    link: u32,
    /// Global position (documents concatenated) of the last token of the first occurrence.
    first_end: u32,
    /// Number of out-edges.
    count: u32,
    /// Up to two edges inline, sorted by token; beyond that, `slots[0]` is `(cap << 32) | off` of
    /// a block in the arena.
    slots: [u64; 2],
}

/// Edges kept inline in a [`Node`].
const INLINE: u32 = 2;

/// Marks an edge as *primary* (`len(target) == len(source) + 1`) in the top bit of its target.
const PRIMARY: u32 = 1 << 31;

/// The out-edges of state `v`.
#[inline]
fn edges_of<'a>(nodes: &'a [Node], arena: &'a [u64], v: u32) -> &'a [u64] {
    let s = &nodes[v as usize];
    if s.count <= INLINE {
        &s.slots[..s.count as usize]
    } else {
        let off = s.slots[0] as u32 as usize;
        &arena[off..off + s.count as usize]
    }
}

/// A suffix automaton of the training documents; see the module header.
#[derive(Debug, Clone)]
pub struct CorpusIndex {
    nodes: Vec<Node>,
    /// Edge blocks of the states with more than [`INLINE`] edges, in state order.
    arena: Vec<u64>,
    /// The root's transitions as a dense table (`NONE` = no edge); empty when token ids are
    /// sparse (then the root's edges are binary-searched like any other state's).
    root_dense: Vec<u32>,
    /// Global position of each document's first token (empty documents included).
    doc_starts: Vec<u32>,
    /// Total number of tokens.
    tokens: usize,
    /// Total number of transitions.
    transitions: usize,
}

#[inline]
fn pack(token: u32, target: u32) -> u64 {
    (u64::from(token) << 32) | u64::from(target)
}

#[inline]
fn token_of(edge: u64) -> u32 {
    (edge >> 32) as u32
}

/// The target of an edge, without its `PRIMARY` bit.
#[inline]
fn target_of(edge: u64) -> u32 {
    edge as u32 & !PRIMARY
}

/// Finds `token` in a block sorted by token: `Ok(index)` or `Err(insertion point)`.
#[inline]
fn search(block: &[u64], token: u32) -> Result<usize, usize> {
    if block.len() <= LINEAR_SCAN_MAX {
        for (i, &e) in block.iter().enumerate() {
            let t = token_of(e);
            if t >= token {
                return if t == token { Ok(i) } else { Err(i) };
            }
        }
        Err(block.len())
    } else {
        block.binary_search_by_key(&token, |&e| token_of(e))
    }
}

impl CorpusIndex {
    /// The largest corpus the index accepts, 2^29 tokens: state ids are 31 bits (a corpus of `n`
    /// tokens has at most `2n` states) and edge positions 32 bits (at most `3n` edges, plus the
    /// blocks left unused while building).
    pub const MAX_TOKENS: usize = 1 << 29;

    /// Builds the index of `docs`, each a training document's token ids. A match never spans two
    /// documents; empty documents are allowed (and keep their index).
    ///
    /// # Panics
    /// When the documents hold more than [`CorpusIndex::MAX_TOKENS`] tokens (about 537 million,
    /// which would need over 25 GB); use [`CorpusIndex::try_build`] to get an error instead.
    pub fn build<D: AsRef<[u32]>>(docs: &[D]) -> CorpusIndex {
        match Self::try_build(docs) {
            Ok(index) => index,
            Err(e) => panic!("{e}"),
        }
    }

    /// Like [`CorpusIndex::build`], but returns an error for a corpus larger than
    /// [`CorpusIndex::MAX_TOKENS`] tokens.
    pub fn try_build<D: AsRef<[u32]>>(docs: &[D]) -> Result<CorpusIndex, CorpusTooLarge> {
        let tokens: usize = docs.iter().map(|d| d.as_ref().len()).sum();
        if tokens > Self::MAX_TOKENS {
            return Err(CorpusTooLarge { tokens });
        }
        let mut builder = Builder::with_capacity(tokens);
        let mut doc_starts = Vec::with_capacity(docs.len());
        let mut pos: u32 = 0;
        for doc in docs {
            doc_starts.push(pos);
            let mut last = ROOT;
            for &token in doc.as_ref() {
                last = builder.extend(last, token, pos);
                pos += 1;
            }
        }
        Ok(builder.finish(doc_starts, tokens))
    }

    /// Number of training tokens indexed.
    pub fn token_count(&self) -> usize {
        self.tokens
    }

    /// Number of training documents (empty ones included).
    pub fn document_count(&self) -> usize {
        self.doc_starts.len()
    }

    /// Number of automaton states (at most twice the number of tokens).
    pub fn state_count(&self) -> usize {
        self.nodes.len()
    }

    /// Number of transitions (at most three times the number of tokens).
    pub fn transition_count(&self) -> usize {
        self.transitions
    }

    /// Bytes of heap memory the index holds (its arrays' capacities).
    pub fn heap_bytes(&self) -> usize {
        self.nodes.capacity() * std::mem::size_of::<Node>()
            + self.arena.capacity() * std::mem::size_of::<u64>()
            + self.root_dense.capacity() * std::mem::size_of::<u32>()
            + self.doc_starts.capacity() * std::mem::size_of::<u32>()
    }

    /// The state reached from `state` on `token`, if any.
    #[inline]
    fn next(&self, state: u32, token: u32) -> Option<u32> {
        if state == ROOT && !self.root_dense.is_empty() {
            let t = *self.root_dense.get(token as usize)?;
            return (t != NONE).then_some(t);
        }
        let block = edges_of(&self.nodes, &self.arena, state);
        search(block, token).ok().map(|i| target_of(block[i]))
    }

    /// The longest-match profile: for each position `i` of `generated`, the length of the longest
    /// run of tokens of `context ++ generated` ending at `generated[i]` that occurs inside one
    /// training document. The run may extend back into `context`; there is one entry per
    /// generated token only. Amortized constant time per token (context included).
    pub fn profile(&self, context: &[u32], generated: &[u32]) -> Vec<u32> {
        let mut matcher = Matcher::new(self);
        for &token in context {
            matcher.push(token);
        }
        generated.iter().map(|&token| matcher.push(token)).collect()
    }

    /// [`CorpusIndex::profile`] of each of `generated` after the same `context`, equal to
    /// calling it once per sample, but faster on a large index: the walk is a chain of cache
    /// misses (a state, its edges, its suffix link), so eight samples are walked in turn, one
    /// token each, and each walk's next state is prefetched while the other seven advance.
    pub fn profiles<G: AsRef<[u32]>>(&self, context: &[u32], generated: &[G]) -> Vec<Vec<u32>> {
        const LANES: usize = 8;
        let mut out = Vec::with_capacity(generated.len());
        for group in generated.chunks(LANES) {
            let mut lanes: Vec<(Matcher, Vec<u32>, &[u32])> = group
                .iter()
                .map(|g| {
                    let mut m = Matcher::new(self);
                    for &token in context {
                        m.push(token);
                    }
                    let g = g.as_ref();
                    (m, Vec::with_capacity(g.len()), g)
                })
                .collect();
            let longest = lanes.iter().map(|l| l.2.len()).max().unwrap_or(0);
            for i in 0..longest {
                for (m, profile, g) in &mut lanes {
                    if let Some(&token) = g.get(i) {
                        profile.push(m.push(token));
                        self.prefetch(m.state);
                    }
                }
            }
            out.extend(lanes.into_iter().map(|l| l.1));
        }
        out
    }

    /// Hints the CPU to load state `v` (the next step of a walk reads it first).
    #[inline]
    fn prefetch(&self, v: u32) {
        #[cfg(target_arch = "x86_64")]
        if let Some(node) = self.nodes.get(v as usize) {
            use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
            // SAFETY: a prefetch is only a hint (it never faults, reads nothing the program
            // sees), and SSE, which it needs, is part of every x86_64 CPU.
            unsafe { _mm_prefetch::<_MM_HINT_T0>((node as *const Node).cast::<i8>()) };
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = v;
    }

    /// The first occurrence of `span` in training (smallest document, then smallest offset), or
    /// `None` when `span` is empty or occurs in no document. Time linear in `span.len()`.
    pub fn locate(&self, span: &[u32]) -> Option<Occurrence> {
        if span.is_empty() {
            return None;
        }
        let mut state = ROOT;
        for &token in span {
            state = self.next(state, token)?;
        }
        let end = self.nodes[state as usize].first_end as usize;
        let start = end + 1 - span.len();
        // Documents are stored in order; empty ones share their start with the next document,
        // so the last document starting at or before `start` is the one holding it.
        let document = self.doc_starts.partition_point(|&s| s as usize <= start) - 1;
        Some(Occurrence {
            document,
            offset: start - self.doc_starts[document] as usize,
        })
    }
}

/// Walks the automaton over a token stream, tracking the longest match ending at the last token.
struct Matcher<'a> {
    index: &'a CorpusIndex,
    state: u32,
    len: u32,
}

impl<'a> Matcher<'a> {
    fn new(index: &'a CorpusIndex) -> Self {
        Matcher {
            index,
            state: ROOT,
            len: 0,
        }
    }

    /// Feeds one token; returns the length of the longest match ending at it.
    #[inline]
    fn push(&mut self, token: u32) -> u32 {
        let nodes = &self.index.nodes;
        loop {
            if let Some(next) = self.index.next(self.state, token) {
                self.state = next;
                self.len += 1;
                return self.len;
            }
            if self.state == ROOT {
                self.len = 0;
                return 0;
            }
            self.state = nodes[self.state as usize].link;
            self.len = nodes[self.state as usize].len;
        }
    }
}

/// Asks the kernel to back `v`'s allocation with transparent huge pages. The automaton is walked
/// in random order over hundreds of megabytes, where 4 KiB pages cost a TLB miss and a page fault
/// for almost every access; on Linux with THP in `madvise` mode (the default) this roughly halves
/// the build time. Advice only: it changes no data and is ignored where unsupported.
fn advise_huge_pages<T>(v: &Vec<T>) {
    #[cfg(target_os = "linux")]
    {
        const HUGE: usize = 2 << 20;
        let bytes = v.capacity() * std::mem::size_of::<T>();
        if bytes < 2 * HUGE {
            return;
        }
        let start = v.as_ptr() as usize;
        let aligned = start.next_multiple_of(HUGE);
        let len = (start + bytes - aligned) / HUGE * HUGE;
        // SAFETY: the range lies inside `v`'s allocation, which is live for the call; madvise
        // with MADV_HUGEPAGE only changes how the kernel backs the pages, never their contents.
        unsafe {
            libc::madvise(aligned as *mut libc::c_void, len, libc::MADV_HUGEPAGE);
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = v;
}

struct Builder {
    states: Vec<Node>,
    arena: Vec<u64>,
}

impl Builder {
    fn with_capacity(tokens: usize) -> Self {
        let mut states = Vec::with_capacity(tokens + tokens / 2 + 1);
        states.push(Node {
            len: 0,
            link: NONE,
            first_end: 0,
            count: 0,
            slots: [0; 2],
        });
        let arena = Vec::with_capacity(tokens);
        advise_huge_pages(&states);
        advise_huge_pages(&arena);
        Builder { states, arena }
    }

    #[inline]
    fn edges(&self, v: u32) -> &[u64] {
        edges_of(&self.states, &self.arena, v)
    }

    #[inline]
    fn edges_mut(&mut self, v: u32) -> &mut [u64] {
        let s = &mut self.states[v as usize];
        if s.count <= INLINE {
            &mut s.slots[..s.count as usize]
        } else {
            let off = s.slots[0] as u32 as usize;
            &mut self.arena[off..off + s.count as usize]
        }
    }

    /// The edge `v --token-->`: `Ok((index in v's edges, target with its PRIMARY bit))`, or
    /// `Err(insertion point)`.
    #[inline]
    fn find(&self, v: u32, token: u32) -> Result<(usize, u32), usize> {
        let block = self.edges(v);
        search(block, token).map(|i| (i, block[i] as u32))
    }

    /// Points `v`'s edge number `i` (on `token`) at `target` (with its `PRIMARY` bit).
    #[inline]
    fn redirect(&mut self, v: u32, i: usize, token: u32, target: u32) {
        self.edges_mut(v)[i] = pack(token, target);
    }

    /// Adds an edge `v --token--> target` (with its `PRIMARY` bit) at insertion point `at` of
    /// `v`'s edges, as returned by [`Builder::find`].
    fn insert(&mut self, v: u32, at: usize, token: u32, target: u32) {
        let s = &mut self.states[v as usize];
        let count = s.count as usize;
        if s.count < INLINE {
            s.slots.copy_within(at..count, at + 1);
            s.slots[at] = pack(token, target);
            s.count += 1;
            return;
        }
        if s.count == INLINE {
            // Move the inline edges to an arena block of 4.
            let off = self.arena.len();
            self.arena.extend_from_slice(&s.slots);
            self.arena.extend_from_slice(&[0, 0]);
            s.slots[0] = (4u64 << 32) | off as u64;
        } else if u64::from(s.count) == s.slots[0] >> 32 {
            // Full block: move it to a new one twice as large (the old one is left unused).
            let (off, cap) = (s.slots[0] as u32 as usize, (s.slots[0] >> 32) as usize);
            let new_off = self.arena.len();
            self.arena.extend_from_within(off..off + cap);
            self.arena.resize(new_off + 2 * cap, 0);
            s.slots[0] = ((2 * cap as u64) << 32) | new_off as u64;
        }
        let off = s.slots[0] as u32 as usize;
        s.count += 1;
        self.arena.copy_within(off + at..off + count, off + at + 1);
        self.arena[off + at] = pack(token, target);
    }

    fn new_state(&mut self, len: u32, link: u32, first_end: u32) -> u32 {
        let id = self.states.len() as u32;
        self.states.push(Node {
            len,
            link,
            first_end,
            count: 0,
            slots: [0; 2],
        });
        id
    }

    /// Splits `q`, reached from `p` by its edge number `i` (on `token`, a secondary edge): a clone
    /// of `q` with length `len(p) + 1` takes over the shorter strings of `q`; `p` and its
    /// suffix-link ancestors that went to `q` on `token` now go to the clone. Returns the clone.
    fn split(&mut self, p: u32, i: usize, token: u32, q: u32) -> u32 {
        let src = self.states[q as usize];
        let clone = self.states.len() as u32;
        // The clone's edges are q's, all secondary: each target is longer than len(q) + 1.
        let mut state = Node {
            len: self.states[p as usize].len + 1,
            link: src.link,
            first_end: src.first_end,
            count: src.count,
            slots: src.slots,
        };
        if src.count <= INLINE {
            for e in &mut state.slots {
                *e &= !u64::from(PRIMARY);
            }
        } else {
            let off = src.slots[0] as u32 as usize;
            let count = src.count as usize;
            let new_off = self.arena.len();
            self.arena.extend_from_within(off..off + count);
            for e in &mut self.arena[new_off..] {
                *e &= !u64::from(PRIMARY);
            }
            state.slots[0] = ((count as u64) << 32) | new_off as u64;
        }
        self.states.push(state);
        self.states[q as usize].link = clone;
        self.redirect(p, i, token, clone | PRIMARY);
        let mut p = self.states[p as usize].link;
        while p != NONE {
            match self.find(p, token) {
                Ok((i, target)) if target == q => self.redirect(p, i, token, clone),
                _ => break,
            }
            p = self.states[p as usize].link;
        }
        clone
    }

    /// Appends `token` (at global position `pos`) to the string ending in state `last`; returns
    /// the state of the extended string.
    fn extend(&mut self, last: u32, token: u32, pos: u32) -> u32 {
        let at = match self.find(last, token) {
            Err(at) => at,
            // The extended string already occurs (in an earlier document): reuse or split.
            Ok((_, e)) if e & PRIMARY != 0 => return e & !PRIMARY,
            Ok((i, q)) => return self.split(last, i, token, q),
        };
        let cur = self.new_state(self.states[last as usize].len + 1, ROOT, pos);
        self.insert(last, at, token, cur | PRIMARY);
        let mut p = self.states[last as usize].link;
        while p != NONE {
            match self.find(p, token) {
                Err(at) => {
                    self.insert(p, at, token, cur);
                    p = self.states[p as usize].link;
                }
                Ok((i, e)) => {
                    let link = if e & PRIMARY != 0 {
                        e & !PRIMARY
                    } else {
                        self.split(p, i, token, e)
                    };
                    self.states[cur as usize].link = link;
                    return cur;
                }
            }
        }
        cur // its link stays the root
    }

    /// Compacts the arena (live blocks only, in state order, each exactly full) and sets up the
    /// dense root table.
    fn finish(mut self, doc_starts: Vec<u32>, tokens: usize) -> CorpusIndex {
        let mut transitions = 0;
        let mut live = 0;
        for s in &self.states {
            transitions += s.count as usize;
            if s.count > INLINE {
                live += s.count as usize;
            }
        }
        let mut arena = Vec::with_capacity(live);
        for s in &mut self.states {
            if s.count > INLINE {
                let off = s.slots[0] as u32 as usize;
                let new_off = arena.len();
                arena.extend_from_slice(&self.arena[off..off + s.count as usize]);
                s.slots[0] = (u64::from(s.count) << 32) | new_off as u64;
            }
        }
        let mut nodes = self.states;
        nodes.shrink_to_fit();
        // A dense root table when token ids are dense enough (at most 4 slots per root edge,
        // or a small alphabet): one load instead of a binary search for every restart.
        let root_block = edges_of(&nodes, &arena, ROOT);
        let max_token = root_block.last().map(|&e| token_of(e) as usize);
        let root_dense = match max_token {
            Some(m) if m < 4 * root_block.len() + 1024 => {
                let mut dense = vec![NONE; m + 1];
                for &e in root_block {
                    dense[token_of(e) as usize] = target_of(e);
                }
                dense
            }
            _ => Vec::new(),
        };
        CorpusIndex {
            nodes,
            arena,
            root_dense,
            doc_starts,
            tokens,
            transitions,
        }
    }
}
