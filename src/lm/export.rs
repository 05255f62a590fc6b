//! `coinflip export-arpa`: a scenario's model as an ARPA backoff file that KenLM, SRILM or
//! coinflip itself can load.
//!
//! Modified Kneser–Ney models (and models read from ARPA) are backoff models already and are
//! written as they are; the command writes a modified Kneser–Ney scenario straight from its
//! estimation ([`crate::lm::kenlm::Tables::write_arpa`]), without building the model first. coinflip's interpolated `kneser-ney` is converted exactly: every n-gram
//! seen in training gets its interpolated probability, and every context its backoff weight
//! γ(h) = D·N₁₊(h•)/c(h), so that backing off reproduces the interpolation.
//!
//! One convention differs: coinflip pads a document with `order − 1` start markers, KenLM and
//! SRILM with one. Start-of-document n-grams are written with a single `<s>`; their
//! probabilities are those coinflip gives after the full padding, and the backoff weight of
//! `<s> w₁…w_t` multiplies the weights of every padded level it stands for (`docs/models.md`).
//! Scores then agree whichever convention the reader uses.

use std::collections::BTreeSet;

use crate::lm::backoff::{BackoffModel, NgramTable};
use crate::lm::ngram::NgramModel;
use crate::lm::{Estimator, LanguageModel, Model, pad};
use crate::tokenize::{BOS, EOS, TokenId, UNK};

/// log10 of a probability, as ARPA stores it.
fn log10(p: f64) -> f32 {
    libm::log10(p) as f32
}

/// ARPA word id of a coinflip id: `<unk>` 0, `<s>` 1, `</s>` 2, every other id unchanged.
fn arpa_id(id: TokenId) -> u32 {
    match id {
        UNK => 0,
        BOS => 1,
        EOS => 2,
        other => other,
    }
}

/// γ of `ctx` at its level (1 when the context was not seen at that level).
fn gamma(m: &NgramModel, ctx: &[TokenId]) -> f64 {
    m.kn_gamma(ctx).unwrap_or(1.0)
}

/// A scenario's model (trained on `documents`) as a backoff model, or why it has no ARPA form.
pub fn to_backoff(model: &Model, documents: &[Vec<TokenId>]) -> Result<BackoffModel, String> {
    match model {
        Model::Backoff(lm) => Ok(lm.model.clone()),
        Model::Ngram(m) => match m.estimator() {
            Estimator::KneserNey { .. } => from_kneser_ney(m, documents),
            other => Err(format!(
                "smoothing = \"{}\" is not a backoff model and has no ARPA form; use \
                 \"kneser-ney\" or \"modified-kneser-ney\"",
                other.name()
            )),
        },
    }
}

/// The interpolated Kneser–Ney model of `m` (trained on `documents`) as a backoff model.
pub fn from_kneser_ney(m: &NgramModel, documents: &[Vec<TokenId>]) -> Result<BackoffModel, String> {
    let Estimator::KneserNey { .. } = m.estimator() else {
        return Err("not a Kneser–Ney model".into());
    };
    let n = m.counts.order;
    let vocab_len = m.vocab().len();
    // Every k-gram of the padded documents, with leading start markers collapsed to one.
    let mut grams: Vec<BTreeSet<Vec<TokenId>>> = vec![BTreeSet::new(); n + 1];
    for doc in documents {
        let p = pad(doc, n);
        for j in n - 1..p.len() {
            for k in 2..=n {
                let g = &p[j + 1 - k..=j];
                let lead = g.iter().take_while(|&&t| t == BOS).count();
                let g = if lead > 1 { &g[lead - 1..] } else { g };
                grams[g.len()].insert(g.to_vec());
            }
        }
    }
    // Probability of w after h, with h in ARPA form: a leading <s> stands for the full padding.
    let prob = |h: &[TokenId], w: TokenId| -> f64 {
        if h.first() == Some(&BOS) {
            let t = h.len() - 1;
            let mut history = vec![BOS; n - 1 - t];
            history.extend_from_slice(&h[1..]);
            m.prob(&history, w).p
        } else {
            m.prob(h, w).p
        }
    };
    // Backoff weight of context h (ARPA form).
    let backoff = |h: &[TokenId]| -> f64 {
        if h.first() == Some(&BOS) {
            let t = h.len() - 1;
            (t + 1..n)
                .map(|level| {
                    let mut ctx = vec![BOS; level - t];
                    ctx.extend_from_slice(&h[1..]);
                    gamma(m, &ctx)
                })
                .product()
        } else {
            gamma(m, h)
        }
    };
    let mut vocab: Vec<String> = vec!["<unk>".into(), "<s>".into(), "</s>".into()];
    vocab.extend((3..vocab_len as TokenId).map(|id| m.vocab().token(id).to_string()));
    let mut unigrams = vec![(0f32, 0f32); vocab_len];
    // <unk> is never predicted by coinflip's Kneser–Ney: KenLM's convention for a missing
    // <unk> (-100) says so; <s> is never predicted either (-99, as SRILM writes it).
    unigrams[0] = (crate::lm::backoff::MISSING_UNK_LOG10, 0.0);
    let unigram_backoff = |id: TokenId| if n > 1 { log10(backoff(&[id])) } else { 0.0 };
    unigrams[1] = (-99.0, unigram_backoff(BOS));
    for w in std::iter::once(EOS).chain(3..vocab_len as TokenId) {
        unigrams[arpa_id(w) as usize] = (log10(prob(&[], w)), unigram_backoff(w));
    }
    let mut higher = Vec::new();
    for (k, set) in grams.iter().enumerate().skip(2) {
        let mut table = NgramTable::with_capacity(k, set.len());
        for g in set {
            let (h, w) = g.split_at(k - 1);
            let p = prob(h, w[0]);
            let b = if k < n { log10(backoff(g)) } else { 0.0 };
            let words: Vec<u32> = g.iter().map(|&t| arpa_id(t)).collect();
            table.push(&words, log10(p), b);
        }
        higher.push(table);
    }
    BackoffModel::new(vocab, unigrams, higher).map_err(|e| e.to_string())
}
