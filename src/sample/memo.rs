//! A per-context memo of the transforms' work (`docs/sampling.md`, "Transforms"). Every
//! transformed draw is a pure function of the model's distribution after the history, and that
//! depends only on the history's last `order − 1` tokens: so what a step computes from the
//! distribution alone (the kept candidates of top-k with their running sums, contract 1's listed
//! survivors, the nucleus of top-p, p_max of temperature) can be kept per context and reused, and a
//! later step after the same context only looks it up, draws its uniform and searches.
//!
//! The memo stores the very numbers the uncached path produced (it is filled by that path), so a
//! step gives the same token, the same probabilities and uses the same uniforms whether it hits
//! or misses. It is bounded ([`Memo::new`]'s limit in bytes): when full it stops inserting, and
//! since it is a pure memo its size changes no output. It is keyed by the context's tokens and
//! never iterated, so no hash order reaches anything.

use rustc_hash::FxHashMap;

use crate::tokenize::TokenId;

/// The memory one sampler's memos may take together, by the sizes of what they store.
pub(super) const MEMO_BYTES: usize = 48 << 20;

/// Per-context values of one kind, bounded by a byte limit.
pub(super) struct Memo<E> {
    index: FxHashMap<Box<[TokenId]>, u32>,
    entries: Vec<E>,
    bytes: usize,
    limit: usize,
}

impl<E> Memo<E> {
    /// An empty memo that stops inserting once its entries take `limit` bytes (0: never keeps).
    pub(super) fn new(limit: usize) -> Self {
        Memo {
            index: FxHashMap::default(),
            entries: Vec::new(),
            bytes: 0,
            limit,
        }
    }

    /// The entry of `context`, if kept.
    #[inline]
    pub(super) fn get(&self, context: &[TokenId]) -> Option<&E> {
        if self.entries.is_empty() {
            return None;
        }
        self.index.get(context).map(|&i| &self.entries[i as usize])
    }

    /// The entry of `context`, if kept, to complete it (values the entry computes lazily).
    #[inline]
    pub(super) fn get_mut(&mut self, context: &[TokenId]) -> Option<&mut E> {
        if self.entries.is_empty() {
            return None;
        }
        self.index
            .get(context)
            .map(|&i| &mut self.entries[i as usize])
    }

    /// Keeps `entry` for `context` (which must not be kept yet), unless the memo would exceed
    /// its limit; `size` is the entry's heap size in bytes.
    pub(super) fn insert(&mut self, context: &[TokenId], entry: E, size: usize) {
        // The key, the index slot and the entry itself.
        let cost = size + std::mem::size_of_val(context) + 16 + std::mem::size_of::<E>() + 16;
        if self.bytes + cost > self.limit || self.entries.len() >= u32::MAX as usize {
            return;
        }
        debug_assert!(self.get(context).is_none());
        self.bytes += cost;
        self.index.insert(context.into(), self.entries.len() as u32);
        self.entries.push(entry);
    }

    /// How many contexts are kept.
    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.entries.len()
    }
}

/// One kept candidate of a drawn set, in the order of its draw.
#[derive(Debug, Clone, Copy)]
pub(super) struct KeptItem {
    /// `C_j`: the running sum of the weights up to this candidate, as the draw formed it.
    pub(super) cum: f64,
    pub(super) id: TokenId,
    /// The model's probability (NaN: not computed yet, see [`Kept::p_model`]).
    pub(super) p_model: f64,
    /// `w_j / C_m`.
    pub(super) p_sampled: f64,
}

/// The candidates a transformed draw draws from after one context, in the order of the draw, with
/// the running sums `C_j` that the draw searches.
#[derive(Debug, Clone)]
pub(super) struct Kept {
    pub(super) items: Box<[KeptItem]>,
    /// Context tokens the model used (where the step reports it from here).
    pub(super) context_len: usize,
}

impl Kept {
    /// The entry of the candidates `(id, p_model, weight)` and their running sums `cum` (as the
    /// draw built them: `cum[j] = cum[j − 1] + weight_j`).
    pub(super) fn new(
        kept: impl Iterator<Item = (TokenId, f64, f64)>,
        cum: &[f64],
        context_len: usize,
    ) -> (Self, usize) {
        let total = cum.last().copied().unwrap_or(0.0);
        let items: Box<[KeptItem]> = kept
            .zip(cum)
            .map(|((id, p_model, w), &cum)| KeptItem {
                cum,
                id,
                p_model,
                p_sampled: w / total,
            })
            .collect();
        let size = std::mem::size_of_val(&*items);
        (Kept { items, context_len }, size)
    }

    /// The index drawn by `u`, as [`super::Cumulative::pick`] draws it from the same sums: the
    /// first j with `u · C_m < C_j` (the last one if none). `None` when nothing is kept.
    #[inline]
    pub(super) fn pick(&self, u: f64) -> Option<usize> {
        let total = self.items.last()?.cum;
        let x = u * total;
        let j = self.items.partition_point(|k| k.cum <= x);
        Some(j.min(self.items.len() - 1))
    }
}

/// The nucleus of top-p alone after one context (kept when a step had read it whole): which
/// tokens are in it, its last token and its total, and — when it is not too long — its
/// candidates for the draw from it.
#[derive(Debug, Clone)]
pub(super) struct Nucleus {
    pub(super) members: Members,
    /// The nucleus's last token in ranking order.
    pub(super) last: TokenId,
    /// The sum of its probabilities in ranking order (`C_m` of the draw from it).
    pub(super) total: f64,
    /// It ends where the running sum reached top-p (not where the candidates ran out: a step
    /// reading up to its last token then stops there without knowing the normaliser).
    pub(super) reached: bool,
    /// The draw from it, when kept (not for very long nuclei).
    pub(super) draw: Option<Kept>,
}

/// The nucleus kept (at most this many candidates) with its running sums for the draw.
pub(super) const NUCLEUS_DRAW_MAX: usize = 2048;

impl Nucleus {
    /// The entry of the nucleus `kept` (id, p, p), in ranking order, and its size in bytes.
    pub(super) fn new(
        kept: &[(TokenId, f64, f64)],
        cum: Option<&[f64]>,
        reached: bool,
    ) -> (Self, usize) {
        let members = Members::new(kept.iter().map(|k| k.0));
        let mut size = members.size();
        let draw = cum.map(|cum| {
            let (k, s) = Kept::new(kept.iter().copied(), cum, 0);
            size += s;
            k
        });
        let nucleus = Nucleus {
            members,
            last: kept.last().map_or(0, |k| k.0),
            total: kept.iter().map(|k| k.2).fold(0.0, |a, b| a + b),
            reached,
            draw,
        };
        (nucleus, size)
    }
}

/// A set of token ids: a bit per id up to the largest, or the ids sorted, whichever is smaller.
#[derive(Debug, Clone)]
pub(super) enum Members {
    Bits(Box<[u64]>),
    Sorted(Box<[TokenId]>),
}

impl Members {
    pub(super) fn new(ids: impl Iterator<Item = TokenId>) -> Self {
        let mut ids: Vec<TokenId> = ids.collect();
        let words = ids.iter().max().map_or(0, |&m| m as usize / 64 + 1);
        if words * 8 < ids.len() * 4 {
            let mut bits = vec![0u64; words];
            for &id in &ids {
                bits[id as usize / 64] |= 1 << (id % 64);
            }
            return Members::Bits(bits.into());
        }
        ids.sort_unstable();
        Members::Sorted(ids.into())
    }

    #[inline]
    pub(super) fn contains(&self, id: TokenId) -> bool {
        match self {
            Members::Bits(b) => b
                .get(id as usize / 64)
                .is_some_and(|w| w & (1 << (id % 64)) != 0),
            Members::Sorted(s) => s.binary_search(&id).is_ok(),
        }
    }

    fn size(&self) -> usize {
        match self {
            Members::Bits(b) => b.len() * 8,
            Members::Sorted(s) => s.len() * 4,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_either_way() {
        let dense: Vec<TokenId> = (3..500).collect();
        let sparse = [900, 7, 3, 12_000];
        for ids in [&dense[..], &sparse[..]] {
            let m = Members::new(ids.iter().copied());
            for id in 0..13_000 {
                assert_eq!(m.contains(id), ids.contains(&id), "{id}");
            }
        }
        assert!(matches!(
            Members::new(dense.iter().copied()),
            Members::Bits(_)
        ));
        assert!(matches!(
            Members::new(sparse.iter().copied()),
            Members::Sorted(_)
        ));
    }

    #[test]
    fn kept_picks_as_cumulative_does() {
        let w = [0.25, 0.5, 0.125, 0.125];
        let mut c = super::super::Cumulative::default();
        c.rebuild(w.iter().copied());
        let mut sums = Vec::new();
        let mut s = 0.0;
        for x in w {
            s += x;
            sums.push(s);
        }
        let (k, _) = Kept::new(
            w.iter().enumerate().map(|(i, &x)| (i as u32, x, x)),
            &sums,
            0,
        );
        for i in 0..=1000 {
            let u = i as f64 / 1001.0;
            assert_eq!(k.pick(u), c.pick(u));
        }
        let (empty, _) = Kept::new(std::iter::empty(), &[], 0);
        assert_eq!(empty.pick(0.5), None);
    }

    #[test]
    fn the_limit_bounds_the_memo() {
        let mut m: Memo<u64> = Memo::new(200);
        for i in 0..100u32 {
            if m.get(&[i, i]).is_none() {
                m.insert(&[i, i], i as u64, 0);
            }
        }
        assert!(m.len() > 0 && m.len() < 100);
        assert_eq!(m.get(&[0, 0]), Some(&0));
        assert_eq!(m.get(&[99, 99]), None);
        let mut none: Memo<u64> = Memo::new(0);
        none.insert(&[1], 1, 0);
        assert_eq!(none.get(&[1]), None);
    }
}
