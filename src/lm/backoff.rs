//! Backoff language models: the [`BackoffModel`] an ARPA file describes (a vocabulary and, per
//! order, a table of n-grams with their log10 probability and log10 backoff weight), scoring with
//! full ARPA backoff semantics, and [`ArpaLm`], which puts such a model behind the
//! [`LanguageModel`] trait so it generates, scores, traces and gets tested like the n-gram models
//! of [`crate::lm::ngram`]. Models come from ARPA files ([`crate::lm::arpa`]) or from KenLM-style
//! estimation ([`crate::lm::kenlm`]).
//!
//! Hand-written because it is the heart of the interop feature: the exact scoring rule (longest
//! n-gram, else the context's backoff plus a shorter n-gram) is what the tests pin down against
//! KenLM.
//!
//! Storage: values are held at `f32` precision, as KenLM holds them, and handed out as `f64`. Every
//! order is one sorted arena of word ids (`n` ids per n-gram, lexicographic order), so lookup is a
//! binary search without per-n-gram allocations, and all n-grams sharing a context are contiguous
//! (which makes [`BackoffModel::prob_distribution`] a walk over a few ranges). Unigrams are
//! indexed directly by word id: word id `i` is the `i`-th unigram.
//!
//! An ARPA model numbers its words its own way (`<unk>` 0, `<s>` 1, `</s>` 2, …); [`ArpaLm`] keeps
//! coinflip's ids (`<s>` 0, `</s>` 1, `<unk>` 2, then first occurrence) and maps between the two.
//! The model's `<unk>` is never generated: its probability is left out, and the draw normalises by
//! the sum of the rest (see docs/sampling.md). How [`ArpaLm`] is drawn from (randomness contract
//! 2) is in [`draw`].

mod draw;

use std::cmp::Ordering;
use std::collections::HashMap;
use std::fmt;
use std::ops::Range;
use std::sync::OnceLock;

use crate::lm::{LanguageModel, Level, Plan, Scored};
use crate::tokenize::{BOS as BOS_ID, EOS as EOS_ID, TokenId, UNK as UNK_ID, Vocab};

/// The unknown-word token: every word outside the vocabulary is scored as this one.
pub const UNK: &str = "<unk>";
/// The sentence-start token: the context of the first word; never predicted.
pub const BOS: &str = "<s>";
/// The sentence-end token.
pub const EOS: &str = "</s>";
/// log10 probability given to `<unk>` when a file has no `<unk>` unigram (KenLM's substitute).
pub const MISSING_UNK_LOG10: f32 = -100.0;

/// The n-grams of one order `n >= 2`: word ids, log10 probability and log10 backoff of each.
///
/// Built by [`NgramTable::push`] in any order; [`BackoffModel::new`] sorts it.
#[derive(Debug, Clone, PartialEq)]
pub struct NgramTable {
    n: usize,
    words: Vec<u32>,
    prob: Vec<f32>,
    backoff: Vec<f32>,
}

impl NgramTable {
    /// An empty table of `n`-grams.
    pub fn new(n: usize) -> Self {
        Self::with_capacity(n, 0)
    }

    /// An empty table of `n`-grams with room for `capacity` of them.
    pub fn with_capacity(n: usize, capacity: usize) -> Self {
        assert!(n >= 1, "an n-gram has at least one word");
        NgramTable {
            n,
            words: Vec::with_capacity(n * capacity),
            prob: Vec::with_capacity(capacity),
            backoff: Vec::with_capacity(capacity),
        }
    }

    /// The number of words in each n-gram of this table.
    pub fn arity(&self) -> usize {
        self.n
    }

    /// The number of n-grams.
    pub fn len(&self) -> usize {
        self.prob.len()
    }

    /// True when the table holds no n-gram.
    pub fn is_empty(&self) -> bool {
        self.prob.is_empty()
    }

    /// Appends one n-gram. `words.len()` must equal [`NgramTable::arity`] (a programming error
    /// otherwise, so it panics).
    pub fn push(&mut self, words: &[u32], log10_prob: f32, log10_backoff: f32) {
        assert_eq!(words.len(), self.n, "n-gram of the wrong length");
        self.words.extend_from_slice(words);
        self.prob.push(log10_prob);
        self.backoff.push(log10_backoff);
    }

    fn gram(&self, i: usize) -> &[u32] {
        &self.words[i * self.n..(i + 1) * self.n]
    }

    /// Sorts lexicographically by word ids. On a duplicate, returns the two insertion indices.
    fn sort(&mut self) -> Result<(), (usize, usize)> {
        let n = self.n;
        let mut perm: Vec<u32> = (0..self.len() as u32).collect();
        perm.sort_by(|&a, &b| self.gram(a as usize).cmp(self.gram(b as usize)));
        for w in perm.windows(2) {
            if self.gram(w[0] as usize) == self.gram(w[1] as usize) {
                let (a, b) = (w[0].min(w[1]) as usize, w[0].max(w[1]) as usize);
                return Err((a, b));
            }
        }
        let mut words = Vec::with_capacity(self.words.len());
        let mut prob = Vec::with_capacity(self.len());
        let mut backoff = Vec::with_capacity(self.len());
        for &i in &perm {
            let i = i as usize;
            words.extend_from_slice(&self.words[i * n..(i + 1) * n]);
            prob.push(self.prob[i]);
            backoff.push(self.backoff[i]);
        }
        self.words = words;
        self.prob = prob;
        self.backoff = backoff;
        Ok(())
    }

    /// Index of `gram` (of length `n`) in the sorted table.
    fn find(&self, gram: &[u32]) -> Option<usize> {
        let (mut lo, mut hi) = (0, self.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            match self.gram(mid).cmp(gram) {
                Ordering::Less => lo = mid + 1,
                Ordering::Greater => hi = mid,
                Ordering::Equal => return Some(mid),
            }
        }
        None
    }

    /// The range of sorted indices whose n-gram starts with `prefix` (shorter than `n`).
    fn prefix_range(&self, prefix: &[u32]) -> Range<usize> {
        let k = prefix.len();
        let first = partition_point(self.len(), |i| &self.gram(i)[..k] < prefix);
        let end = partition_point(self.len(), |i| &self.gram(i)[..k] <= prefix);
        first..end
    }
}

/// The first index in `0..len` for which `pred` is false (`pred` true then false).
fn partition_point(len: usize, pred: impl Fn(usize) -> bool) -> usize {
    let (mut lo, mut hi) = (0, len);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if pred(mid) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

/// Why a set of tables does not make a model.
#[derive(Debug, Clone, PartialEq)]
pub enum ModelError {
    /// `unigrams.len()` differs from `vocab.len()`.
    VocabLength { vocab: usize, unigrams: usize },
    /// The same word twice in the vocabulary (indices into it).
    DuplicateWord {
        word: String,
        first: usize,
        second: usize,
    },
    /// `<s>` or `</s>` is not in the vocabulary.
    MissingMarker(&'static str),
    /// The table for order `order` holds n-grams of another length.
    Arity { order: usize, found: usize },
    /// A word id outside the vocabulary, in the `index`-th pushed n-gram of order `order`.
    IdOutOfRange { order: usize, index: usize, id: u32 },
    /// The same n-gram pushed twice (insertion indices).
    DuplicateNgram {
        order: usize,
        first: usize,
        second: usize,
    },
}

impl fmt::Display for ModelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ModelError::VocabLength { vocab, unigrams } => write!(
                f,
                "the vocabulary has {vocab} words but {unigrams} unigram values were given"
            ),
            ModelError::DuplicateWord { word, .. } => {
                write!(f, "the word `{word}` is listed twice among the unigrams")
            }
            ModelError::MissingMarker(w) => write!(
                f,
                "the model has no `{w}` unigram; an ARPA model needs both `<s>` and `</s>`"
            ),
            ModelError::Arity { order, found } => write!(
                f,
                "the table for order {order} holds {found}-grams, expected {order}-grams"
            ),
            ModelError::IdOutOfRange { order, index, id } => write!(
                f,
                "{order}-gram number {} uses word id {id}, outside the vocabulary",
                index + 1
            ),
            ModelError::DuplicateNgram { order, .. } => {
                write!(f, "the same {order}-gram is listed twice")
            }
        }
    }
}

impl std::error::Error for ModelError {}

/// A backoff n-gram language model, as an ARPA file describes it.
///
/// `p(w | c)` is the probability of the longest n-gram `c' w` in the model, `c'` a suffix of the
/// context `c`, times the backoff weights of the context suffixes longer than `c'` that are in
/// the model (see [`BackoffModel::log10_prob`]).
#[derive(Debug, Clone, PartialEq)]
pub struct BackoffModel {
    vocab: Vec<String>,
    ids: HashMap<String, u32>,
    unk: u32,
    bos: u32,
    eos: u32,
    /// log10 probability and log10 backoff of unigram `i` (= word id `i`).
    unigrams: Vec<(f32, f32)>,
    /// `[0, 1, ..., V-1]`: the unigram keys handed out by [`BackoffModel::ngrams`].
    unigram_keys: Vec<u32>,
    /// `higher[k]` holds the `(k + 2)`-grams, sorted lexicographically.
    higher: Vec<NgramTable>,
}

impl BackoffModel {
    /// Builds a model from its vocabulary (word id = index), the unigram values `(log10 prob,
    /// log10 backoff)` in the same order, and the tables of orders 2, 3, ... in any row order.
    ///
    /// `<s>` and `</s>` must be in the vocabulary. When `<unk>` is missing it is appended with
    /// log10 probability [`MISSING_UNK_LOG10`] and backoff 0, as KenLM does when loading such a
    /// file. Backoffs of the highest order are ignored (set to 0).
    pub fn new(
        mut vocab: Vec<String>,
        mut unigrams: Vec<(f32, f32)>,
        mut higher: Vec<NgramTable>,
    ) -> Result<Self, ModelError> {
        if vocab.len() != unigrams.len() {
            return Err(ModelError::VocabLength {
                vocab: vocab.len(),
                unigrams: unigrams.len(),
            });
        }
        let mut ids: HashMap<String, u32> = HashMap::with_capacity(vocab.len() + 1);
        for (i, w) in vocab.iter().enumerate() {
            if let Some(&first) = ids.get(w) {
                return Err(ModelError::DuplicateWord {
                    word: w.clone(),
                    first: first as usize,
                    second: i,
                });
            }
            ids.insert(w.clone(), i as u32);
        }
        let bos = *ids.get(BOS).ok_or(ModelError::MissingMarker(BOS))?;
        let eos = *ids.get(EOS).ok_or(ModelError::MissingMarker(EOS))?;
        let unk = match ids.get(UNK) {
            Some(&id) => id,
            None => {
                let id = vocab.len() as u32;
                vocab.push(UNK.to_string());
                ids.insert(UNK.to_string(), id);
                unigrams.push((MISSING_UNK_LOG10, 0.0));
                id
            }
        };
        let v = vocab.len() as u32;
        for (k, table) in higher.iter_mut().enumerate() {
            let order = k + 2;
            if table.n != order {
                return Err(ModelError::Arity {
                    order,
                    found: table.n,
                });
            }
            if let Some(pos) = table.words.iter().position(|&id| id >= v) {
                return Err(ModelError::IdOutOfRange {
                    order,
                    index: pos / order,
                    id: table.words[pos],
                });
            }
            table
                .sort()
                .map_err(|(first, second)| ModelError::DuplicateNgram {
                    order,
                    first,
                    second,
                })?;
        }
        match higher.last_mut() {
            Some(top) => top.backoff.iter_mut().for_each(|b| *b = 0.0),
            None => unigrams.iter_mut().for_each(|u| u.1 = 0.0),
        }
        let unigram_keys = (0..vocab.len() as u32).collect();
        Ok(BackoffModel {
            unigram_keys,
            vocab,
            ids,
            unk,
            bos,
            eos,
            unigrams,
            higher,
        })
    }

    /// The highest n-gram order.
    pub fn order(&self) -> usize {
        self.higher.len() + 1
    }

    /// The vocabulary; a word's id is its index.
    pub fn vocab(&self) -> &[String] {
        &self.vocab
    }

    /// The word of an id (`<unk>` for an id outside the vocabulary).
    pub fn word(&self, id: u32) -> &str {
        self.vocab
            .get(id as usize)
            .map(String::as_str)
            .unwrap_or(UNK)
    }

    /// The id of a word, if it is in the vocabulary.
    pub fn id(&self, word: &str) -> Option<u32> {
        self.ids.get(word).copied()
    }

    /// The id of a word, or `<unk>`'s id for a word outside the vocabulary.
    pub fn id_or_unk(&self, word: &str) -> u32 {
        self.id(word).unwrap_or(self.unk)
    }

    /// The id of `<unk>`.
    pub fn unk(&self) -> u32 {
        self.unk
    }

    /// The id of `<s>`.
    pub fn bos(&self) -> u32 {
        self.bos
    }

    /// The id of `</s>`.
    pub fn eos(&self) -> u32 {
        self.eos
    }

    /// The number of n-grams of order `n` (0 outside `1..=order`).
    pub fn count(&self, n: usize) -> usize {
        match n {
            0 => 0,
            1 => self.unigrams.len(),
            _ => self.higher.get(n - 2).map_or(0, NgramTable::len),
        }
    }

    /// `(log10 prob, log10 backoff)` of an n-gram given by ids, if the model lists it.
    pub fn get(&self, gram: &[u32]) -> Option<(f64, f64)> {
        self.locate(gram).map(|(p, b)| (p as f64, b as f64))
    }

    /// `(log10 prob, log10 backoff)` of an n-gram given by words, if the model lists it.
    pub fn get_words(&self, gram: &[&str]) -> Option<(f64, f64)> {
        let ids: Option<Vec<u32>> = gram.iter().map(|w| self.id(w)).collect();
        self.get(&ids?)
    }

    /// The n-grams of order `n` with their `(log10 prob, log10 backoff)`, in the order
    /// [`crate::lm::arpa::write`] writes them (unigrams by id; higher orders in suffix order by id).
    pub fn ngrams(&self, n: usize) -> Vec<(&[u32], f64, f64)> {
        match n {
            0 => Vec::new(),
            1 => self
                .unigrams
                .iter()
                .enumerate()
                .map(|(i, &(p, b))| (&self.unigram_keys[i..=i], p as f64, b as f64))
                .collect(),
            _ => match self.higher.get(n - 2) {
                None => Vec::new(),
                Some(t) => {
                    let mut perm: Vec<usize> = (0..t.len()).collect();
                    perm.sort_by(|&a, &b| suffix_cmp(t.gram(a), t.gram(b)));
                    perm.into_iter()
                        .map(|i| (t.gram(i), t.prob[i] as f64, t.backoff[i] as f64))
                        .collect()
                }
            },
        }
    }

    fn locate(&self, gram: &[u32]) -> Option<(f32, f32)> {
        match gram.len() {
            0 => None,
            1 => self.unigrams.get(gram[0] as usize).copied(),
            n => {
                let t = self.higher.get(n - 2)?;
                t.find(gram).map(|i| (t.prob[i], t.backoff[i]))
            }
        }
    }

    fn normalize(&self, id: u32) -> u32 {
        if (id as usize) < self.vocab.len() {
            id
        } else {
            self.unk
        }
    }

    /// log10 p(`word` | `context`) and the length of the n-gram that supplied the probability
    /// (as KenLM's `full_scores` reports it: 1 for a unigram, ..., up to the order).
    ///
    /// Only the last `order - 1` context words matter; ids outside the vocabulary count as
    /// `<unk>`. Rule: take the longest n-gram `c' word` in the model, `c'` a suffix of the
    /// context; add the backoff weights of the context suffixes longer than `c'` that the model
    /// lists (a missing one weighs log10 1 = 0). Start a sentence with the context `[<s>]`.
    pub fn log10_prob(&self, context: &[u32], word: u32) -> (f64, usize) {
        let k = context.len().min(self.order() - 1);
        let mut gram: Vec<u32> = context[context.len() - k..]
            .iter()
            .map(|&w| self.normalize(w))
            .collect();
        gram.push(self.normalize(word));
        let mut backoff = 0.0f64;
        for start in 0..=k {
            if let Some((p, _)) = self.locate(&gram[start..]) {
                return (backoff + p as f64, k + 1 - start);
            }
            if let Some((_, b)) = self.locate(&gram[start..k]) {
                backoff += b as f64;
            }
        }
        // Unreachable: every id in the vocabulary is a unigram.
        (f64::NEG_INFINITY, 0)
    }

    /// p(w | `context`) for every word id `w` of the vocabulary (index = id), as probabilities
    /// (not logs). `<s>` gets 0 (it is never predicted); `<unk>` is included with the
    /// probability the model gives it, so for a model estimated by KenLM or by
    /// [`crate::lm::kenlm::estimate`] the values sum to 1 up to the rounding of the stored log10
    /// values (within 1e-5 for values stored at `f32` precision; see docs/models.md).
    pub fn prob_distribution(&self, context: &[u32]) -> Vec<f64> {
        let k = context.len().min(self.order() - 1);
        let ctx: Vec<u32> = context[context.len() - k..]
            .iter()
            .map(|&w| self.normalize(w))
            .collect();
        let mut logp: Vec<f64> = self.unigrams.iter().map(|&(p, _)| p as f64).collect();
        // Layer j: context suffix of length j. After the layer, logp[w] = log10 p(w | suffix).
        for j in 1..=k {
            let suffix = &ctx[k - j..];
            if let Some((_, b)) = self.locate(suffix)
                && b != 0.0
            {
                let b = b as f64;
                logp.iter_mut().for_each(|x| *x += b);
            }
            let t = &self.higher[j - 1];
            for i in t.prefix_range(suffix) {
                logp[t.gram(i)[j] as usize] = t.prob[i] as f64;
            }
        }
        let mut probs: Vec<f64> = logp.into_iter().map(|x| libm::pow(10.0, x)).collect();
        probs[self.bos as usize] = 0.0;
        probs
    }
}

/// How far the probabilities of a model's contexts are from summing to 1
/// ([`BackoffModel::context_sums`]).
#[derive(Debug, Clone, PartialEq)]
pub struct ContextSums {
    /// Contexts checked: the empty one and every stored n-gram below the top order.
    pub contexts: usize,
    /// Contexts whose sum is off by more than the tolerance.
    pub off: usize,
    /// The context whose sum is farthest from 1 (word ids; empty for the unigram distribution)
    /// and its sum.
    pub worst: (Vec<u32>, f64),
}

/// The contexts of an ARPA model whose probabilities do not sum to 1 ([`BackoffModel::sums_off`]).
#[derive(Debug, Clone, PartialEq)]
pub struct SumsOff {
    /// The context farthest from 1, in words (empty: the unigram distribution).
    pub context: Vec<String>,
    /// Its sum.
    pub sum: f64,
    /// How many contexts are off by more than the tolerance, of how many checked.
    pub off: usize,
    pub contexts: usize,
    pub tolerance: f64,
}

/// How far from 1 a context's probabilities may sum before [`BackoffModel::sums_off`] reports
/// it: KenLM's files, their values printed at `f32` precision, sum to 1 within 1e-5.
pub const SUM_TOLERANCE: f64 = 1e-4;

impl BackoffModel {
    /// Σ_w p(w | c) over the vocabulary (`<s>` left out, as [`BackoffModel::prob_distribution`]
    /// leaves it out; `<unk>` in) for the empty context and every stored n-gram c below the top
    /// order, which is what an ARPA file promises to be 1. Computed without walking the
    /// vocabulary: with F(c) the words stored after c, b(c) its backoff and c' = c without its
    /// first word,
    ///
    /// S(c) = Σ_{w∈F(c)} p(c w) + b(c) · (S(c') − Σ_{w∈F(c)} p(w | c')),
    ///
    /// orders ascending, so S(c') is known: one look-up per stored n-gram, O(stored n-grams).
    pub fn context_sums(&self, tolerance: f64) -> ContextSums {
        let empty: f64 = (0..self.vocab.len() as u32)
            .filter(|&w| w != self.bos)
            .map(|w| libm::pow(10.0, self.unigrams[w as usize].0 as f64))
            .sum();
        let mut out = ContextSums {
            contexts: 1,
            off: usize::from((empty - 1.0).abs() > tolerance),
            worst: (Vec::new(), empty),
        };
        // sums[j - 1][i]: S of the i-th stored j-gram (unigrams: word id i).
        let mut sums: Vec<Vec<f64>> = Vec::new();
        for j in 1..self.order() {
            let count = self.count(j);
            let mut level = Vec::with_capacity(count);
            for i in 0..count {
                let c = self.stored(j, i);
                let s = self.context_sum(c, empty, &sums);
                level.push(s);
                out.contexts += 1;
                if (s - 1.0).abs() > tolerance {
                    out.off += 1;
                }
                if (s - 1.0).abs() > (out.worst.1 - 1.0).abs() {
                    out.worst = (c.to_vec(), s);
                }
            }
            sums.push(level);
        }
        out
    }

    /// The contexts of the model whose probabilities do not sum to 1 within `tolerance`, in
    /// words: `None` when every context does ([`BackoffModel::context_sums`]).
    pub fn sums_off(&self, tolerance: f64) -> Option<SumsOff> {
        let sums = self.context_sums(tolerance);
        (sums.off > 0).then(|| SumsOff {
            context: sums
                .worst
                .0
                .iter()
                .map(|&w| self.word(w).to_string())
                .collect(),
            sum: sums.worst.1,
            off: sums.off,
            contexts: sums.contexts,
            tolerance,
        })
    }

    /// The i-th stored n-gram of order `n` (unigrams: word i).
    fn stored(&self, n: usize, i: usize) -> &[u32] {
        if n == 1 {
            &self.unigram_keys[i..i + 1]
        } else {
            self.higher[n - 2].gram(i)
        }
    }

    /// S(c) of [`BackoffModel::context_sums`], the sums of shorter stored contexts known.
    fn context_sum(&self, c: &[u32], empty: f64, sums: &[Vec<f64>]) -> f64 {
        let j = c.len();
        let shorter = &c[1..];
        let s_shorter = if shorter.is_empty() {
            empty
        } else {
            let index = if shorter.len() == 1 {
                Some(shorter[0] as usize)
            } else {
                self.higher[shorter.len() - 2].find(shorter)
            };
            match index {
                Some(i) => sums[shorter.len() - 1][i],
                // A context whose suffix is not stored (an ARPA file should list it): its sum
                // computed on the spot.
                None => self.context_sum(shorter, empty, sums),
            }
        };
        let table = &self.higher[j - 1];
        let (mut direct, mut lower) = (0.0, 0.0);
        for i in table.prefix_range(c) {
            let w = table.gram(i)[j];
            if w == self.bos {
                continue;
            }
            direct += libm::pow(10.0, table.prob[i] as f64);
            lower += libm::pow(10.0, self.log10_prob(shorter, w).0);
        }
        let backoff = self.locate(c).map_or(0.0, |(_, b)| b as f64);
        direct + libm::pow(10.0, backoff) * (s_shorter - lower)
    }
}

/// Compares two n-grams of the same length from the last word backwards (KenLM's suffix order).
pub fn suffix_cmp(a: &[u32], b: &[u32]) -> Ordering {
    a.iter().rev().cmp(b.iter().rev())
}

/// A backoff model with coinflip's vocabulary.
#[derive(Debug, Clone)]
pub struct ArpaLm {
    pub model: BackoffModel,
    vocab: Vocab,
    /// coinflip id → model id (`<unk>` for words the model does not know).
    to_model: Vec<u32>,
    /// Every context's followers and totals, for the draw and for `distribution`: built on
    /// first use, so `export-arpa` and `score` (which never draw) do not pay for it.
    draw: OnceLock<draw::DrawIndex>,
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
                BOS_ID => model.bos(),
                EOS_ID => model.eos(),
                UNK_ID => model.unk(),
                _ => model.id_or_unk(vocab.token(id)),
            });
        }
        ArpaLm {
            model,
            vocab,
            to_model,
            draw: OnceLock::new(),
            rank: OnceLock::new(),
        }
    }

    fn draw(&self) -> &draw::DrawIndex {
        self.draw.get_or_init(|| {
            let from_model = draw::from_model(&self.to_model, &self.model);
            draw::DrawIndex::build(&self.model, &from_model)
        })
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
        let listed = self.draw().levels(&ctx, None, &mut levels);
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
        let rank = ranked.then(|| {
            self.rank
                .get_or_init(|| draw::RankIndex::build(self.draw()))
        });
        let context_len = self.draw().levels(&self.context(history), rank, levels);
        Some(Plan {
            exclusive: true,
            nested: self.draw().nested,
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

// The tests quote values from ARPA files, such as -0.30103; they are file contents, not LOG10_2.
#[allow(clippy::approx_constant)]
#[cfg(test)]
mod tests {
    use super::*;
    use crate::lm::arpa::read;

    /// tests/fixtures/kenlm/toy.o3.fallback.arpa (written by lmplz).
    const TOY: &str = include_str!("../../tests/fixtures/kenlm/toy.o3.fallback.arpa");

    fn toy() -> BackoffModel {
        read(TOY, "toy.arpa").unwrap()
    }

    fn ids(m: &BackoffModel, words: &str) -> Vec<u32> {
        words.split(' ').map(|w| m.id_or_unk(w)).collect()
    }

    fn score(m: &BackoffModel, context: &str, word: &str) -> (f64, usize) {
        let ctx = if context.is_empty() {
            Vec::new()
        } else {
            ids(m, context)
        };
        m.log10_prob(&ctx, m.id_or_unk(word))
    }

    fn close(a: (f64, usize), b: (f64, usize)) -> bool {
        (a.0 - b.0).abs() < 1e-6 && a.1 == b.1
    }

    /// Σ_w p(w | c) by walking the vocabulary: what `context_sums` computes without the walk.
    fn brute_sum(m: &BackoffModel, c: &[u32]) -> f64 {
        m.prob_distribution(c).iter().sum()
    }

    #[test]
    fn context_sums_match_the_walk_over_the_vocabulary() {
        // Read at run time: the package embeds only the toy file (tests/package.rs).
        let genesis = |order: usize| {
            let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/kenlm");
            std::fs::read_to_string(format!("{dir}/genesis-1-3.o{order}.arpa")).unwrap()
        };
        for (name, text) in [
            ("toy", TOY.to_string()),
            ("o3", genesis(3)),
            ("o4", genesis(4)),
        ] {
            let m = read(&text, name).unwrap();
            let sums = m.context_sums(1e-4);
            let mut contexts = 1;
            let mut worst = (brute_sum(&m, &[]) - 1.0).abs();
            for n in 1..m.order() {
                for (c, _, _) in m.ngrams(n) {
                    let s = brute_sum(&m, c);
                    contexts += 1;
                    worst = worst.max((s - 1.0).abs());
                }
            }
            assert_eq!(sums.contexts, contexts, "{name}");
            assert!(
                ((sums.worst.1 - 1.0).abs() - worst).abs() < 1e-12,
                "{name}: {sums:?} vs {worst}"
            );
            // KenLM's files sum to 1 up to the rounding of their printed values.
            assert_eq!(sums.off, 0, "{name}: {sums:?}");
            assert!(worst < 1e-5, "{name}: {worst}");
        }
    }

    #[test]
    fn a_context_that_does_not_sum_to_one_is_found() {
        // "<s> a" of the toy file made twice as likely (log10 2 = 0.30103 more).
        let line = TOY
            .lines()
            .find(|l| l.ends_with("\t<s> a") || l.contains("\t<s> a\t"))
            .unwrap();
        let p: f64 = line.split('\t').next().unwrap().parse().unwrap();
        let changed = line.replacen(
            line.split('\t').next().unwrap(),
            &format!("{}", p + 0.30103),
            1,
        );
        let m = read(&TOY.replace(line, &changed), "bad.arpa").unwrap();
        let sums = m.context_sums(1e-4);
        assert_eq!(sums.off, 1, "{sums:?}");
        assert_eq!(sums.worst.0, ids(&m, "<s>"));
        let extra = libm::pow(10.0, p);
        assert!((sums.worst.1 - (1.0 + extra)).abs() < 1e-5, "{sums:?}");
        assert!((sums.worst.1 - brute_sum(&m, &sums.worst.0)).abs() < 1e-12);
    }

    #[test]
    fn scores_follow_backoff_semantics() {
        let m = toy();
        // Values by hand from the toy file's lines.
        // "<s> a" is a bigram: -0.37712017.
        assert!(close(score(&m, "<s>", "a"), (-0.37712017, 2)));
        // "<s> a a" is a trigram.
        assert!(close(score(&m, "<s> a", "a"), (-0.14885087, 3)));
        // "<s> a b" is not: backoff("<s> a") -0.30103 + p("a b") -0.58682007.
        assert!(close(score(&m, "<s> a", "b"), (-0.30103 - 0.58682007, 2)));
        // "b b" is not a bigram, so its backoff is log10 1 = 0: p("b </s>") = -0.5220179.
        assert!(close(score(&m, "b b", "</s>"), (-0.5220179, 2)));
        // Unknown word: backoff("a") -0.30103 + p(<unk>) -0.90309, a unigram.
        assert!(close(score(&m, "a", "zzz"), (-0.30103 - 0.90309, 1)));
        // Unknown context word: <unk> has backoff 0.
        assert!(close(score(&m, "zzz", "a"), (-0.46943438, 1)));
        // Only the last order-1 context words count.
        assert!(close(score(&m, "b b a", "a"), (-0.33741078, 3)));
        // An id outside the vocabulary is <unk>.
        assert_eq!(m.log10_prob(&[], 999), m.log10_prob(&[], m.unk()));
        assert!(close(score(&m, "", "b"), (-0.5720968, 1)));
    }

    #[test]
    fn distribution_matches_scores_and_sums_to_one() {
        let m = toy();
        for ctx in ["<s>", "<s> a", "a b", "b b", "zzz a"] {
            let c = ids(&m, ctx);
            let d = m.prob_distribution(&c);
            assert_eq!(d[m.bos() as usize], 0.0);
            for w in 0..m.vocab().len() as u32 {
                if w != m.bos() {
                    let (lp, _) = m.log10_prob(&c, w);
                    assert!((d[w as usize] - libm::pow(10.0, lp)).abs() < 1e-12);
                }
            }
            let sum: f64 = d.iter().sum();
            assert!((sum - 1.0).abs() < 1e-6, "{ctx}: {sum}");
        }
    }

    #[test]
    fn model_construction_checks_its_input() {
        let v = |w: &[&str]| w.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let e = BackoffModel::new(v(&["<s>", "</s>"]), vec![(0.0, 0.0)], vec![]).unwrap_err();
        assert!(matches!(e, ModelError::VocabLength { .. }));
        let e = BackoffModel::new(v(&["<s>", "<s>"]), vec![(0.0, 0.0); 2], vec![]).unwrap_err();
        assert!(matches!(
            e,
            ModelError::DuplicateWord {
                first: 0,
                second: 1,
                ..
            }
        ));
        let mut t = NgramTable::new(3);
        t.push(&[0, 1, 1], -1.0, 0.0);
        let e = BackoffModel::new(v(&["<s>", "</s>"]), vec![(0.0, 0.0); 2], vec![t]).unwrap_err();
        assert_eq!(e, ModelError::Arity { order: 2, found: 3 });
        let mut t = NgramTable::new(2);
        t.push(&[0, 7], -1.0, 0.0);
        let e = BackoffModel::new(v(&["<s>", "</s>"]), vec![(0.0, 0.0); 2], vec![t]).unwrap_err();
        assert_eq!(
            e,
            ModelError::IdOutOfRange {
                order: 2,
                index: 0,
                id: 7
            }
        );
    }
}

#[cfg(test)]
mod draw_tests {
    use super::*;
    use crate::lm::arpa;
    use crate::lm::start_history;
    use crate::tokenize::{BOS, EOS, UNK};

    fn genesis() -> ArpaLm {
        // Read at run time, not embedded: the fixture is not part of the published package.
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/kenlm/genesis-1-3.o3.arpa"
        );
        let text = std::fs::read_to_string(path).unwrap();
        ArpaLm::new(
            arpa::read(&text, "genesis-1-3.o3.arpa").unwrap(),
            Vocab::new(),
        )
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
