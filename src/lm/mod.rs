//! Language models: everything that, given a context, gives a probability for each next token.
//!
//! This module holds what every model shares: the [`LanguageModel`] trait, what a draw needs from
//! a model ([`LanguageModel::weights`], [`Weights`]), the padding a history starts from
//! ([`start_history`], [`pad`]) and [`Model`], the model a scenario builds. The sampler
//! (`crate::sample`) depends on this module, never the reverse: a model says what the weights
//! are, the sampler alone turns a uniform number into a token (`docs/sampling.md`).
//!
//! - [`estimator`]: the one list of estimation methods ([`Estimator`]: MLE, add-k, Kneser–Ney,
//!   stupid backoff, modified Kneser–Ney, an ARPA file), their names, parameters and labels, and
//!   how each builds its model;
//! - [`ngram`]: the counting n-gram model (MLE, add-k, Kneser–Ney, stupid backoff);
//! - [`arpa`]: backoff models and the ARPA file format; [`backoff`]: a backoff model behind the
//!   trait;
//! - [`kenlm`]: KenLM-exact modified Kneser–Ney estimation; [`export`]: a model as an ARPA file.

pub mod arpa;
pub mod backoff;
pub mod estimator;
pub mod export;
pub mod kenlm;
mod kenlm_float;
pub mod levels;
pub mod ngram;

pub use estimator::{Built, Estimator, EstimatorKind, ModelKind, Origin, Parameter};
pub use levels::{Drawn, Level, LevelKind, Plan, Stream};

use crate::tokenize::{BOS, EOS, TokenId, Vocab};

/// The probability of one token and the length of the context that produced it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scored {
    pub p: f64,
    /// How many tokens of context the model actually used (0 = unigram).
    pub context_len: usize,
}

/// Anything that gives next-token distributions: the n-gram models, ARPA models, explicit
/// distributions.
pub trait LanguageModel: Send + Sync {
    /// The n of the n-gram: the model looks at the last `order - 1` tokens.
    fn order(&self) -> usize;
    /// The vocabulary numbering the tokens.
    fn vocab(&self) -> &Vocab;
    /// Writes every candidate with a non-zero probability as `(id, p)` in ascending id into `out`
    /// (cleared first) and returns the context length used. `history` is everything so far,
    /// start padding included; only its last `order - 1` tokens matter.
    fn distribution(&self, history: &[TokenId], out: &mut Vec<(TokenId, f64)>) -> usize;
    /// The probability of `token` after `history`.
    fn prob(&self, history: &[TokenId], token: TokenId) -> Scored;
    /// KenLM's n-gram length of `token` after `history` (what its `full_scores` reports): the
    /// length of the longest n-gram ending in `token` that the model stores, as a backoff model
    /// (an ARPA file) would list it, with start padding written as one `<s>`; 1 for a token
    /// only the unigrams know (or `<unk>`). The default is the n-gram [`LanguageModel::prob`]
    /// took its probability from, which is that for a backoff model.
    fn ngram_length(&self, history: &[TokenId], token: TokenId) -> usize {
        self.prob(history, token).context_len + 1
    }
    /// What a draw needs: the weight of every candidate after `history`, in ascending id. The
    /// default lists [`LanguageModel::distribution`]. A model may answer in a form that is
    /// cheaper to build ([`Candidates`]), but its non-zero weights, in id order, must be exactly
    /// the bits `distribution` lists: the draw over them is then the same.
    fn weights<'a>(&'a self, history: &[TokenId], scratch: &'a mut Scratch) -> Weights<'a> {
        listed_weights(self, history, scratch)
    }
    /// Randomness contract 2 (`docs/sampling.md`): the levels of a hierarchical draw after
    /// `history`, top first, into `levels` (cleared first), with their ranking streams when
    /// `ranked`. `None` (the default) when the model is drawn flat, by contract 1's cumulative
    /// draw over [`LanguageModel::weights`] (MLE: its candidates are one context's followers).
    fn plan<'a>(
        &'a self,
        _history: &[TokenId],
        _ranked: bool,
        levels: &mut Vec<Level<'a>>,
    ) -> Option<Plan> {
        levels.clear();
        None
    }
    /// The probability of `token` after `history`, bit for bit [`LanguageModel::prob`]'s, given
    /// the levels [`LanguageModel::plan`] gave for that history (so a model can skip looking its
    /// contexts up again).
    fn plan_prob(&self, _levels: &[Level<'_>], history: &[TokenId], token: TokenId) -> f64 {
        self.prob(history, token).p
    }
    /// [`LanguageModel::plan_prob`] of a token the hierarchical draw took from one of the
    /// levels' followers (`drawn`), bit for bit the same number: a model may use where it was
    /// found to skip a search.
    fn plan_prob_drawn(
        &self,
        levels: &[Level<'_>],
        history: &[TokenId],
        token: TokenId,
        _drawn: Drawn,
    ) -> f64 {
        self.plan_prob(levels, history, token)
    }
    /// The ranking key of a token taken from the stream of `levels[level]` with stream value
    /// `v`: its probability after the whole history, bit for bit [`LanguageModel::prob`]'s.
    fn rank_key(&self, _levels: &[Level<'_>], _level: usize, v: f64) -> f64 {
        v
    }
}

/// The weights of [`LanguageModel::distribution`], listed: the default of
/// [`LanguageModel::weights`], for models that override it only in some cases.
pub fn listed_weights<'a, M: LanguageModel + ?Sized>(
    model: &M,
    history: &[TokenId],
    scratch: &'a mut Scratch,
) -> Weights<'a> {
    let context_len = model.distribution(history, &mut scratch.listed);
    Weights {
        candidates: Candidates::Listed(&scratch.listed),
        context_len,
    }
}

/// The candidates of one step and their weights ([`LanguageModel::weights`]).
#[derive(Debug, Clone, Copy)]
pub struct Weights<'a> {
    pub candidates: Candidates<'a>,
    /// Context tokens the model used.
    pub context_len: usize,
}

/// Candidate weights in one of the forms a model can give cheaply. In every form the candidates
/// are in ascending id; the weights are probabilities (they need not sum to exactly 1).
#[derive(Debug, Clone, Copy)]
pub enum Candidates<'a> {
    /// `(id, weight)` pairs, weights > 0 (what [`LanguageModel::distribution`] lists).
    Listed(&'a [(TokenId, f64)]),
    /// The followers of a context with their counts: the weight of `ids[j]` is
    /// `counts[j] / total`, computed as that division (sparse, nothing to allocate).
    Counted {
        ids: &'a [TokenId],
        /// The running sums of the counts (exact integers): count j is `sums[j] − sums[j − 1]`.
        sums: &'a [u32],
        total: f64,
        /// The running sums `C_j` of `count_j / total`, when the model keeps them (long rows):
        /// the same numbers the draw would add up (empty: add them up).
        cum: &'a [f64],
    },
    /// A weight for every id, indexed by id: 0 for `<s>`, `<unk>` and impossible tokens (dense,
    /// no pairs to build).
    Dense(&'a [f64]),
}

/// Buffers a model reuses from one step to the next ([`LanguageModel::weights`]).
#[derive(Debug, Default)]
pub struct Scratch {
    listed: Vec<(TokenId, f64)>,
    dense: Vec<f64>,
    kn: Vec<ngram::KnStep>,
}

/// `order - 1` start markers, the document, one end marker.
pub fn pad(doc: &[TokenId], order: usize) -> Vec<TokenId> {
    let mut v = Vec::with_capacity(doc.len() + order);
    v.extend(std::iter::repeat_n(BOS, order - 1));
    v.extend_from_slice(doc);
    v.push(EOS);
    v
}

/// The start of a history: `order - 1` start markers followed by `prefix` (a prefix is read as
/// the start of a document).
pub fn start_history(prefix: &[TokenId], order: usize) -> Vec<TokenId> {
    let mut v = Vec::with_capacity(prefix.len() + order);
    v.extend(std::iter::repeat_n(BOS, order - 1));
    v.extend_from_slice(prefix);
    v
}

/// The model an [`Estimator`] builds: coinflip's counting n-gram model or a backoff model.
#[derive(Debug, Clone)]
pub enum Model {
    Ngram(ngram::NgramModel),
    Backoff(backoff::ArpaLm),
}

impl Model {
    fn lm(&self) -> &dyn LanguageModel {
        match self {
            Model::Ngram(m) => m,
            Model::Backoff(m) => m,
        }
    }
}

impl LanguageModel for Model {
    fn order(&self) -> usize {
        self.lm().order()
    }

    fn vocab(&self) -> &Vocab {
        self.lm().vocab()
    }

    fn distribution(&self, history: &[TokenId], out: &mut Vec<(TokenId, f64)>) -> usize {
        self.lm().distribution(history, out)
    }

    fn prob(&self, history: &[TokenId], token: TokenId) -> Scored {
        self.lm().prob(history, token)
    }

    fn ngram_length(&self, history: &[TokenId], token: TokenId) -> usize {
        self.lm().ngram_length(history, token)
    }

    fn weights<'a>(&'a self, history: &[TokenId], scratch: &'a mut Scratch) -> Weights<'a> {
        self.lm().weights(history, scratch)
    }

    fn plan<'a>(
        &'a self,
        history: &[TokenId],
        ranked: bool,
        levels: &mut Vec<Level<'a>>,
    ) -> Option<Plan> {
        self.lm().plan(history, ranked, levels)
    }

    fn plan_prob(&self, levels: &[Level<'_>], history: &[TokenId], token: TokenId) -> f64 {
        self.lm().plan_prob(levels, history, token)
    }

    fn plan_prob_drawn(
        &self,
        levels: &[Level<'_>],
        history: &[TokenId],
        token: TokenId,
        drawn: Drawn,
    ) -> f64 {
        self.lm().plan_prob_drawn(levels, history, token, drawn)
    }

    fn rank_key(&self, levels: &[Level<'_>], level: usize, v: f64) -> f64 {
        self.lm().rank_key(levels, level, v)
    }
}
