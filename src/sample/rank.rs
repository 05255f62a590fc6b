//! Contract 2's ranking (`docs/sampling.md`, "Transforms"): the candidates in descending
//! probability without scoring all of them. Each level of a model's plan contributes a stream —
//! its followers in descending probability at its own context — and a token drawn from a lower
//! stream only counts there if no level above lists it; its key is its probability after the
//! whole history ([`crate::lm::LanguageModel::rank_key`]). Merging the streams by key (ties: the
//! lower id) gives the ranking, one candidate at a time.

use crate::lm::levels::candidate;
use crate::lm::{LanguageModel, Level, LevelKind, Stream};
use crate::tokenize::TokenId;

/// One stream's position and current head.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Head {
    pos: usize,
    item: Option<(TokenId, f64)>,
}

/// The candidates after a history, most probable first.
pub(super) struct Ranking<'s, 'a> {
    model: &'s dyn LanguageModel,
    levels: &'s [Level<'a>],
    heads: &'s mut Vec<Head>,
}

impl<'s, 'a> Ranking<'s, 'a> {
    pub(super) fn new(
        model: &'s dyn LanguageModel,
        levels: &'s [Level<'a>],
        heads: &'s mut Vec<Head>,
    ) -> Self {
        heads.clear();
        heads.resize(levels.len(), Head::default());
        let mut r = Ranking {
            model,
            levels,
            heads,
        };
        for i in 0..levels.len() {
            r.load(i);
        }
        r
    }

    /// Moves stream `i` to its next token that no level above lists, with its key.
    fn load(&mut self, i: usize) {
        let level = &self.levels[i];
        let head = &mut self.heads[i];
        head.item = None;
        loop {
            let (id, v) = match level.stream {
                Stream::None => return,
                Stream::Ranked { ids, v } => match ids.get(head.pos) {
                    Some(&id) => (id, v[head.pos]),
                    None => return,
                },
                Stream::Ascending { v } => {
                    let LevelKind::Uniform { candidates } = level.kind else {
                        unreachable!("an ascending stream lists every candidate")
                    };
                    if head.pos >= candidates {
                        return;
                    }
                    (candidate(head.pos), v)
                }
            };
            head.pos += 1;
            let above = &self.levels[..i];
            if above.iter().any(|l| l.ids.binary_search(&id).is_ok()) {
                continue;
            }
            let key = self.model.rank_key(self.levels, i, v);
            // Streams are in descending probability: a zero ends one.
            if key > 0.0 {
                head.item = Some((id, key));
            }
            return;
        }
    }

    /// The next candidate and its probability.
    pub(super) fn next(&mut self) -> Option<(TokenId, f64)> {
        let mut best: Option<(usize, TokenId, f64)> = None;
        for (i, h) in self.heads.iter().enumerate() {
            if let Some((id, key)) = h.item
                && best.is_none_or(|(_, bid, bkey)| key > bkey || (key == bkey && id < bid))
            {
                best = Some((i, id, key));
            }
        }
        let (i, id, key) = best?;
        self.load(i);
        Some((id, key))
    }
}
