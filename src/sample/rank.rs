//! Contract 2's ranking (`docs/sampling.md`, "Transforms"): the candidates in descending
//! probability without scoring all of them. Each level of a model's plan contributes a stream —
//! its followers in descending probability at its own context — and a token drawn from a lower
//! stream only counts there if no level above lists it; its key is its probability after the
//! whole history ([`crate::lm::LanguageModel::rank_key`]). Merging the streams by key (ties: the
//! lower id) gives the ranking, one candidate at a time.

use super::tail::Tail;
use crate::lm::levels::candidate;
use crate::lm::{LanguageModel, Level, LevelKind, Stream};
use crate::tokenize::TokenId;

/// One stream's position and its next token with its key. A token is checked against the levels
/// above only when it would be next (so a stream that never gets near the top is never walked:
/// its keys come in descending order, and a token a longer context lists is skipped).
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Head {
    pos: usize,
    item: Option<(TokenId, f64)>,
    /// The last stream value and its key: a key depends on the level and the value only, and
    /// runs of equal values are common (followers seen equally often).
    memo: Option<(f64, f64)>,
}

/// The candidates after a history, most probable first.
pub(super) struct Ranking<'s, 'a> {
    model: &'s dyn LanguageModel,
    levels: &'s [Level<'a>],
    heads: &'s mut Vec<Head>,
    /// The levels' followers are nested (a longer context's followers also follow a shorter one):
    /// a token need only be looked up in the shortest level above its stream.
    nested: bool,
}

impl<'s, 'a> Ranking<'s, 'a> {
    pub(super) fn new(
        model: &'s dyn LanguageModel,
        levels: &'s [Level<'a>],
        nested: bool,
        heads: &'s mut Vec<Head>,
    ) -> Self {
        heads.clear();
        heads.resize(levels.len(), Head::default());
        let mut r = Ranking {
            model,
            levels,
            heads,
            nested,
        };
        for i in 0..levels.len() {
            r.load(i);
        }
        r
    }

    /// The next token of stream `i` (not yet checked) and its key.
    fn load(&mut self, i: usize) {
        let level = &self.levels[i];
        let head = &mut self.heads[i];
        head.item = None;
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
        let key = match head.memo {
            Some((mv, key)) if mv == v => key,
            _ => {
                let key = self.model.rank_key(self.levels, i, v);
                head.memo = Some((v, key));
                key
            }
        };
        // Streams are in descending probability: a zero ends one.
        if key > 0.0 {
            head.item = Some((id, key));
        }
    }

    /// Whether a level above `i` lists `id` (then that level's stream ranks it).
    fn listed_above(&self, i: usize, id: TokenId) -> bool {
        let above = &self.levels[..i];
        let found = |l: &Level| l.ids.binary_search(&id).is_ok();
        match above.last() {
            Some(l) if self.nested => found(l),
            _ => above.iter().any(found),
        }
    }

    /// The rest of the ranking, when it is one ascending stream of equal keys (a uniform level
    /// whose streams above are exhausted, and whose listed tokens are one level's).
    pub(super) fn tail(&self) -> Option<Tail<'a>> {
        let mut live = self
            .heads
            .iter()
            .enumerate()
            .filter(|(_, h)| h.item.is_some());
        let (i, head) = live.next()?;
        if live.next().is_some() {
            return None;
        }
        let level = &self.levels[i];
        let (Stream::Ascending { .. }, LevelKind::Uniform { candidates }) =
            (level.stream, level.kind)
        else {
            return None;
        };
        let listed = match &self.levels[..i] {
            [] => &[][..],
            [.., last] if self.nested => last.ids,
            [only] => only.ids,
            _ => return None,
        };
        Some(Tail {
            key: head.item?.1,
            pos: head.pos,
            candidates,
            listed,
        })
    }

    /// The next candidate and its probability.
    pub(super) fn next(&mut self) -> Option<(TokenId, f64)> {
        loop {
            let mut best: Option<(usize, TokenId, f64)> = None;
            for (i, h) in self.heads.iter().enumerate() {
                if let Some((id, key)) = h.item
                    && best.is_none_or(|(_, bid, bkey)| key > bkey || (key == bkey && id < bid))
                {
                    best = Some((i, id, key));
                }
            }
            let (i, id, key) = best?;
            self.heads[i].pos += 1;
            let listed = self.listed_above(i, id);
            self.load(i);
            if !listed {
                return Some((id, key));
            }
        }
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::corpus::{Corpus, DocumentSplit, TokenizedCorpus, split_documents};
    use crate::lm::backoff::ArpaLm;
    use crate::lm::ngram::NgramModel;
    use crate::lm::{Estimator, kenlm, start_history};
    use crate::tokenize::{Tokenizer, TokenizerKind, UNK};

    const WEATHER: &str = include_str!("../../scenarios/corpora/weather.txt");

    /// Every kind of model with levels, on the weather corpus (orders 1–3, and lmplz's trigram).
    pub(in crate::sample) fn models() -> Vec<Box<dyn LanguageModel>> {
        let c = TokenizedCorpus::build(
            &Corpus {
                documents: split_documents(WEATHER, DocumentSplit::Lines),
            },
            Tokenizer {
                kind: TokenizerKind::Whitespace,
                lowercase: false,
            },
        );
        let sentences = kenlm::sentences_from_text(WEATHER);
        let mkn = kenlm::estimate(&sentences, 3, Some(kenlm::LMPLZ_FALLBACK_DISCOUNTS)).unwrap();
        let mut v: Vec<Box<dyn LanguageModel>> = [
            Estimator::KneserNey { discount: 0.75 },
            Estimator::KneserNey { discount: 1.0 },
            Estimator::AddK { k: 0.3 },
            Estimator::StupidBackoff { alpha: 0.4 },
        ]
        .into_iter()
        .flat_map(|e| {
            [1, 2, 3].map(|order| -> Box<dyn LanguageModel> {
                Box::new(NgramModel::train(&c, order, e.clone()))
            })
        })
        .collect();
        v.push(Box::new(ArpaLm::new(mkn.model, c.vocab.clone())));
        v
    }

    /// The merged ranking is the listed distribution sorted by probability (ties: lower id),
    /// key for key bit for bit, and the probabilities of the plan are `prob`'s.
    #[test]
    fn the_ranking_is_the_sorted_distribution() {
        for m in models() {
            let v = m.vocab();
            let words: Vec<TokenId> = ["the", "sky", "rain", "and", ".", "town"]
                .iter()
                .map(|w| v.get(w).unwrap())
                .chain([UNK])
                .collect();
            let mut histories = vec![start_history(&[], m.order())];
            for &a in &words {
                for &b in &words {
                    histories.push(start_history(&[a, b], m.order()));
                }
            }
            for h in histories {
                let mut levels = Vec::new();
                let mut heads = Vec::new();
                let plan = m.plan(&h, true, &mut levels).expect("a model with levels");
                let mut r = Ranking::new(m.as_ref(), &levels, plan.nested, &mut heads);
                let ranked: Vec<(TokenId, u64)> = std::iter::from_fn(|| r.next())
                    .map(|(w, p)| (w, p.to_bits()))
                    .collect();
                let mut d = Vec::new();
                m.distribution(&h, &mut d);
                for &(w, p) in &d {
                    assert_eq!(m.plan_prob(&levels, &h, w).to_bits(), p.to_bits());
                }
                d.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
                let want: Vec<(TokenId, u64)> = d.iter().map(|&(w, p)| (w, p.to_bits())).collect();
                assert_eq!(ranked, want, "history {h:?}");
            }
        }
    }
}
