//! Backoff models (ARPA files, KenLM-style modified Kneser–Ney estimates) behind the
//! [`LanguageModel`] trait, so they generate, score, trace and get tested like the n-gram models
//! of [`crate::lm::ngram`].
//!
//! An ARPA model numbers its words its own way (`<unk>` 0, `<s>` 1, `</s>` 2, …); coinflip keeps
//! its ids (`<s>` 0, `</s>` 1, `<unk>` 2, then first occurrence) and maps between the two. The
//! model's `<unk>` is never generated: its probability is left out, and the draw normalises by
//! the sum of the rest (see docs/sampling.md).

use crate::lm::arpa::BackoffModel;
use crate::lm::{LanguageModel, Scored};
use crate::tokenize::{BOS, EOS, TokenId, UNK, Vocab};

/// A backoff model with coinflip's vocabulary.
#[derive(Debug, Clone)]
pub struct ArpaLm {
    pub model: BackoffModel,
    vocab: Vocab,
    /// coinflip id → model id (`<unk>` for words the model does not know).
    to_model: Vec<u32>,
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
        ArpaLm {
            model,
            vocab,
            to_model,
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

    fn distribution(&self, history: &[TokenId], out: &mut Vec<(TokenId, f64)>) -> usize {
        out.clear();
        let ctx = self.context(history);
        let probs = self.model.prob_distribution(&ctx);
        let unk = self.model.unk();
        for c in self.vocab.candidates() {
            let m = self.map(c);
            if m == unk {
                continue;
            }
            let p = probs[m as usize];
            if p > 0.0 {
                out.push((c, p));
            }
        }
        // The longest suffix of the context the model lists.
        (1..=ctx.len())
            .rev()
            .find(|&j| self.model.get(&ctx[ctx.len() - j..]).is_some())
            .unwrap_or(0)
    }

    fn prob(&self, history: &[TokenId], token: TokenId) -> Scored {
        let ctx = self.context(history);
        let (lp, n) = self.model.log10_prob(&ctx, self.map(token));
        Scored {
            p: libm::pow(10.0, lp),
            context_len: n.saturating_sub(1),
        }
    }
}
