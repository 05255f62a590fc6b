//! Backoff models (ARPA files, KenLM-style modified Kneser–Ney estimates) behind the
//! [`LanguageModel`] trait, so they generate, score, trace and get tested like the n-gram models
//! of [`crate::lm::ngram`].
//!
//! An ARPA model numbers its words its own way (`<unk>` 0, `<s>` 1, `</s>` 2, …); coinflip keeps
//! its ids (`<s>` 0, `</s>` 1, `<unk>` 2, then first occurrence) and maps between the two. The
//! model's `<unk>` is never generated: its probability is left out, and the draw normalises by
//! the sum of the rest (see docs/sampling.md). How a backoff model is drawn from (randomness
//! contract 2) is in [`draw`].

mod draw;

use std::sync::OnceLock;

use crate::lm::arpa::BackoffModel;
use crate::lm::{LanguageModel, Level, Plan, Scored};
use crate::tokenize::{BOS, EOS, TokenId, UNK, Vocab};

/// A backoff model with coinflip's vocabulary.
#[derive(Debug, Clone)]
pub struct ArpaLm {
    pub model: BackoffModel,
    vocab: Vocab,
    /// coinflip id → model id (`<unk>` for words the model does not know).
    to_model: Vec<u32>,
    /// Every context's followers and totals, for the draw and for `distribution`.
    draw: draw::DrawIndex,
    /// The transforms' ranking streams, built on first use.
    rank: OnceLock<draw::RankIndex>,
}

impl ArpaLm {
    /// Wraps `model`, extending `vocab` (which may hold a corpus's words already) with the
    /// model's words in the model's order.
    pub fn new(model: BackoffModel, mut vocab: Vocab) -> Self {
        for w in model.vocab() {
            if !matches!(w.as_str(), "<s>" | "</s>" | "<unk>") {
                vocab.intern(w);
            }
        }
        let mut to_model = Vec::with_capacity(vocab.len());
        for id in 0..vocab.len() as TokenId {
            to_model.push(match id {
                BOS => model.bos(),
                EOS => model.eos(),
                UNK => model.unk(),
                _ => model.id_or_unk(vocab.token(id)),
            });
        }
        let from_model = draw::from_model(&to_model, &model);
        let draw = draw::DrawIndex::build(&model, &from_model);
        ArpaLm {
            model,
            vocab,
            to_model,
            draw,
            rank: OnceLock::new(),
        }
    }

    fn map(&self, id: TokenId) -> u32 {
        self.to_model
            .get(id as usize)
            .copied()
            .unwrap_or(self.model.unk())
    }

    fn context(&self, history: &[TokenId]) -> Vec<u32> {
        let k = history.len().min(self.model.order() - 1);
        history[history.len() - k..]
            .iter()
            .map(|&t| self.map(t))
            .collect()
    }
}

impl LanguageModel for ArpaLm {
    fn order(&self) -> usize {
        self.model.order()
    }

    fn vocab(&self) -> &Vocab {
        &self.vocab
    }

    /// Every candidate's probability, with the operations of `prob` (so the listed values are
    /// bit for bit what `prob` gives): a candidate takes its value from the longest context
    /// that lists it, after the log10 backoffs of the contexts above that one.
    fn distribution(&self, history: &[TokenId], out: &mut Vec<(TokenId, f64)>) -> usize {
        out.clear();
        let ctx = self.context(history);
        let mut levels = Vec::new();
        let listed = self.draw.levels(&ctx, None, &mut levels);
        let mut at: Vec<(u32, u32)> = vec![(u32::MAX, 0); self.vocab.len()];
        for (i, l) in levels.iter().enumerate().rev() {
            for (j, &w) in l.ids.iter().enumerate() {
                at[w as usize] = (i as u32, j as u32);
            }
        }
        let mut acc = Vec::with_capacity(levels.len());
        levels.iter().fold(0.0, |a, l| {
            acc.push(a);
            a + l.pass
        });
        for c in self.vocab.candidates() {
            let (i, j) = at[c as usize];
            if i == u32::MAX {
                continue;
            }
            let p = libm::pow(10.0, acc[i as usize] + levels[i as usize].v[j as usize]);
            if p > 0.0 {
                out.push((c, p));
            }
        }
        listed
    }

    fn prob(&self, history: &[TokenId], token: TokenId) -> Scored {
        let ctx = self.context(history);
        let (lp, n) = self.model.log10_prob(&ctx, self.map(token));
        Scored {
            p: libm::pow(10.0, lp),
            context_len: n.saturating_sub(1),
        }
    }

    fn plan<'a>(
        &'a self,
        history: &[TokenId],
        ranked: bool,
        levels: &mut Vec<Level<'a>>,
    ) -> Option<Plan> {
        levels.clear();
        let rank = ranked.then(|| self.rank.get_or_init(|| draw::RankIndex::build(&self.draw)));
        let context_len = self.draw.levels(&self.context(history), rank, levels);
        Some(Plan {
            exclusive: true,
            norm: levels[0].z,
            context_len,
        })
    }

    fn plan_prob(&self, levels: &[Level<'_>], _history: &[TokenId], token: TokenId) -> f64 {
        for (i, l) in levels.iter().enumerate() {
            if let Ok(j) = l.ids.binary_search(&token) {
                return self.rank_key(levels, i, l.v[j]);
            }
        }
        0.0
    }

    /// `10^(Σ log10 b + log10 p*)`, the backoffs of the levels above added longest first, as
    /// [`BackoffModel::log10_prob`] adds them.
    fn rank_key(&self, levels: &[Level<'_>], level: usize, v: f64) -> f64 {
        let backoff = levels[..level].iter().fold(0.0, |a, l| a + l.pass);
        libm::pow(10.0, backoff + v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lm::arpa;
    use crate::lm::start_history;

    fn genesis() -> ArpaLm {
        let text = include_str!("../../tests/fixtures/kenlm/genesis-1-3.o3.arpa");
        ArpaLm::new(arpa::read(text, "genesis-1-3.o3.arpa").unwrap(), Vocab::new())
    }

    /// Histories over the model's first words, `<s>`, `</s>` and `<unk>`, of every length.
    fn histories(m: &ArpaLm) -> Vec<Vec<TokenId>> {
        let words: Vec<TokenId> = m.vocab().candidates().take(40).chain([UNK, BOS]).collect();
        let mut out = vec![start_history(&[], m.order())];
        for (i, &a) in words.iter().enumerate() {
            out.push(start_history(&[a], m.order()));
            out.push(vec![a, words[(i * 7 + 3) % words.len()]]);
            out.push(vec![words[(i * 5 + 1) % words.len()], a, EOS]);
        }
        out
    }

    /// The listed distribution is `prob` bit for bit, and the distribution of the ARPA reader
    /// (summed in another order) to 1e-12; the levels' ranking keys and probabilities too.
    #[test]
    fn distribution_is_prob_and_the_readers_distribution() {
        let m = genesis();
        for h in histories(&m) {
            let mut d = Vec::new();
            m.distribution(&h, &mut d);
            let reader = m.model.prob_distribution(&m.context(&h));
            let mut levels = Vec::new();
            m.plan(&h, false, &mut levels).unwrap();
            for &(w, p) in &d {
                assert_eq!(p.to_bits(), m.prob(&h, w).p.to_bits(), "{h:?} {w}");
                assert_eq!(p.to_bits(), m.plan_prob(&levels, &h, w).to_bits());
                let q = reader[m.map(w) as usize];
                assert!((p - q).abs() <= 1e-12 * q, "{h:?} {w}: {p} vs {q}");
            }
            let listed: usize = reader.len() - 2; // every word but <s> and <unk>
            assert_eq!(d.len(), listed);
        }
    }
}
