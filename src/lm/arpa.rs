//! ARPA backoff language models: the [`BackoffModel`] (a vocabulary and, per order, a table of
//! n-grams with their log10 probability and log10 backoff weight), scoring with full ARPA backoff
//! semantics, and reading and writing the ARPA text format that KenLM, SRILM and IRSTLM exchange.
//!
//! Hand-written because it is the heart of the interop feature: no maintained Rust crate reads
//! ARPA files with located errors, and the exact scoring rule (longest n-gram, else the context's
//! backoff plus a shorter n-gram) and the exact output layout are what the tests pin down.
//!
//! Storage: values are held at `f32` precision, as KenLM holds them, and handed out as `f64`. Every
//! order is one sorted arena of word ids (`n` ids per n-gram, lexicographic order), so lookup is a
//! binary search without per-n-gram allocations, and all n-grams sharing a context are contiguous
//! (which makes [`BackoffModel::prob_distribution`] a walk over a few ranges). Unigrams are
//! indexed directly by word id: word id `i` is the `i`-th unigram.
//!
//! Output order (deterministic): unigrams in vocabulary (id) order; higher orders in *suffix order*
//! by id — compare the last word, then the one before it, and so on. That is the order `lmplz`
//! writes, so a model estimated here (whose ids are given in first-occurrence order, as lmplz
//! does) or read from a KenLM file is written back in KenLM's own order.

// `Diagnostic` is the crate's one error type for located input errors; errors are rare, so
// returning it unboxed (as every reader of the crate does) costs nothing that matters.
#![allow(clippy::result_large_err)]

use std::cmp::Ordering;
use std::collections::HashMap;
use std::fmt;
use std::ops::Range;
use std::path::Path;

use crate::error::Diagnostic;

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
    /// [`write()`] writes them (unigrams by id; higher orders in suffix order by id).
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

/// Compares two n-grams of the same length from the last word backwards (KenLM's suffix order).
pub fn suffix_cmp(a: &[u32], b: &[u32]) -> Ordering {
    a.iter().rev().cmp(b.iter().rev())
}

/// Formats a stored value: the shortest decimal that reads back as the same `f32` (so a written
/// model reads back identically), `0` for zero.
pub fn format_value(x: f32) -> String {
    if x == 0.0 {
        "0".to_string()
    } else {
        format!("{x}")
    }
}

/// The model as ARPA text: `\data\`, one `ngram N=COUNT` line per order, then each
/// `\N-grams:` section with lines `log10prob<TAB>w1 w2 ... wN<TAB>log10backoff` (no backoff at
/// the highest order; every lower-order line carries one, 0 included, as current lmplz writes),
/// a blank line after each section, and `\end\`. Row order: see the module header.
pub fn write(model: &BackoffModel) -> String {
    use std::fmt::Write as _;
    let order = model.order();
    let mut out = String::with_capacity(model.count(order) * 32);
    out.push_str("\\data\\\n");
    for n in 1..=order {
        let _ = writeln!(out, "ngram {n}={}", model.count(n));
    }
    out.push('\n');
    for n in 1..=order {
        let _ = writeln!(out, "\\{n}-grams:");
        for (gram, p, b) in model.ngrams(n) {
            push_value(&mut out, p as f32);
            out.push('\t');
            for (i, &w) in gram.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                out.push_str(model.word(w));
            }
            if n < order {
                out.push('\t');
                push_value(&mut out, b as f32);
            }
            out.push('\n');
        }
        out.push('\n');
    }
    out.push_str("\\end\\\n");
    out
}

/// Appends [`format_value`] of `x` without an intermediate string.
fn push_value(out: &mut String, x: f32) {
    use std::fmt::Write as _;
    if x == 0.0 {
        out.push('0');
    } else {
        let _ = write!(out, "{x}");
    }
}

/// Reads an ARPA file from disk. A gzip-compressed or non-UTF-8 file gets a clear error.
pub fn read_file(path: &Path) -> Result<BackoffModel, Diagnostic> {
    let bytes = crate::input::read_limited(path, &crate::input::ARPA_LIMIT)
        .map_err(|e| Diagnostic::file(path, format!("cannot read the ARPA file: {e}")))?;
    if bytes.starts_with(&[0x1f, 0x8b]) {
        return Err(Diagnostic::file(
            path,
            "this looks like a gzip-compressed file; decompress it first (gunzip) and name the \
             .arpa file",
        ));
    }
    let text = match std::str::from_utf8(&bytes) {
        Ok(t) => t,
        Err(e) => {
            let good = e.valid_up_to();
            let prefix = std::str::from_utf8(&bytes[..good]).unwrap_or("");
            let (line, column) = crate::error::line_col(prefix, prefix.len());
            let mut d = Diagnostic::file(
                path,
                "the ARPA file is not valid UTF-8 here; coinflip reads UTF-8 text only",
            );
            d.line = Some(line);
            d.column = Some(column);
            return Err(d);
        }
    };
    read(text, path)
}

/// Reads ARPA text; `source` names the file in error messages.
///
/// Accepted: blank lines and `#` comment lines before `\data\`; tabs or spaces (any number)
/// between fields; a missing backoff below the highest order (weight log10 1 = 0); `-inf` and
/// SRILM's `-99`. Rejected with the line and what was expected: a missing `\data\`, a bad
/// `ngram N=COUNT` line, a missing or unknown section, an n-gram line with the wrong number of
/// fields or a bad number, a word not among the unigrams, a duplicate n-gram, a section whose
/// line count differs from its `ngram N=` count, a missing `\end\`.
pub fn read(text: &str, source: impl AsRef<Path>) -> Result<BackoffModel, Diagnostic> {
    Reader::new(text, source.as_ref()).read()
}

/// One line of the source: its byte offset and its text without the line break.
#[derive(Clone, Copy)]
struct Line<'a> {
    start: usize,
    text: &'a str,
}

struct Reader<'a> {
    src: &'a str,
    name: &'a Path,
    pos: usize,
    peeked: Option<Line<'a>>,
}

impl<'a> Reader<'a> {
    fn new(src: &'a str, name: &'a Path) -> Self {
        let pos = if src.starts_with('\u{feff}') { 3 } else { 0 };
        Reader {
            src,
            name,
            pos,
            peeked: None,
        }
    }

    fn next_line(&mut self) -> Option<Line<'a>> {
        if let Some(l) = self.peeked.take() {
            return Some(l);
        }
        if self.pos >= self.src.len() {
            return None;
        }
        let start = self.pos;
        let rest = &self.src[start..];
        let (text, advance) = match rest.find('\n') {
            Some(i) => (&rest[..i], i + 1),
            None => (rest, rest.len()),
        };
        self.pos += advance;
        let text = text.strip_suffix('\r').unwrap_or(text);
        Some(Line { start, text })
    }

    fn peek_line(&mut self) -> Option<Line<'a>> {
        if self.peeked.is_none() {
            self.peeked = self.next_line();
        }
        self.peeked
    }

    /// Skips blank lines; returns the next non-blank one.
    fn next_nonblank(&mut self) -> Option<Line<'a>> {
        loop {
            let l = self.next_line()?;
            if !l.text.trim().is_empty() {
                return Some(l);
            }
        }
    }

    fn err_at(&self, start: usize, msg: impl Into<String>) -> Diagnostic {
        Diagnostic::at(self.name, self.src, Some(start..start), None, msg)
    }

    fn err_token(&self, token: &str, msg: impl Into<String>) -> Diagnostic {
        let offset = token.as_ptr() as usize - self.src.as_ptr() as usize;
        self.err_at(offset, msg)
    }

    /// An error at the end of the file, located on its last line that has text.
    fn err_eof(&self, msg: impl Into<String>) -> Diagnostic {
        let text = self.src.trim_end();
        let mut d = Diagnostic::file(self.name, msg);
        d.line = Some(crate::error::line_col(text, text.len()).0);
        d
    }

    fn read(mut self) -> Result<BackoffModel, Diagnostic> {
        let counts = self.read_header()?;
        let order = counts.len();
        // Reserve what the header announces, but no more than the file could hold (an n-gram
        // line has at least 4 bytes), so a corrupt header cannot exhaust memory.
        let cap = |count: usize| count.min(self.src.len() / 4 + 1);
        let mut vocab: Vec<String> = Vec::with_capacity(cap(counts[0]));
        let mut ids: HashMap<&'a str, u32> = HashMap::with_capacity(cap(counts[0]));
        let mut unigrams: Vec<(f32, f32)> = Vec::with_capacity(cap(counts[0]));
        let mut unigram_lines: Vec<usize> = Vec::with_capacity(cap(counts[0]));
        let mut higher: Vec<NgramTable> = Vec::with_capacity(order.saturating_sub(1));
        let mut higher_lines: Vec<Vec<usize>> = Vec::with_capacity(order.saturating_sub(1));
        let mut gram: Vec<u32> = Vec::with_capacity(order);
        let mut fields: Vec<&'a str> = Vec::with_capacity(order + 2);
        for n in 1..=order {
            let heading = self.expect_section(n, order)?;
            let mut table = (n >= 2).then(|| NgramTable::with_capacity(n, cap(counts[n - 1])));
            let mut lines = Vec::new();
            let mut seen = 0usize;
            while let Some(line) = self.peek_line() {
                let t = line.text.trim();
                if t.is_empty() || t.starts_with('\\') {
                    break;
                }
                self.next_line();
                seen += 1;
                fields.clear();
                fields.extend(line.text.split([' ', '\t']).filter(|s| !s.is_empty()));
                let with_backoff = n < order;
                let ok_len = fields.len() == n + 1 || (with_backoff && fields.len() == n + 2);
                if !ok_len {
                    let expected = if with_backoff {
                        format!(
                            "a log10 probability, {n} word{}, and optionally a backoff ({} or {} fields)",
                            if n == 1 { "" } else { "s" },
                            n + 1,
                            n + 2
                        )
                    } else {
                        format!(
                            "a log10 probability and {n} word{} ({} fields; the highest order has no backoff)",
                            if n == 1 { "" } else { "s" },
                            n + 1
                        )
                    };
                    return Err(self.err_at(
                        line.start,
                        format!(
                            "a line of the \\{n}-grams: section must hold {expected}; found {} field{}",
                            fields.len(),
                            if fields.len() == 1 { "" } else { "s" }
                        ),
                    ));
                }
                let prob = self.parse_value(fields[0], "log10 probability")?;
                if prob > 0.0 {
                    return Err(self.err_token(
                        fields[0],
                        format!(
                            "a log10 probability must be at most 0 (a probability at most 1); found `{}`",
                            fields[0]
                        ),
                    ));
                }
                let backoff = if fields.len() == n + 2 {
                    self.parse_value(fields[n + 1], "log10 backoff")?
                } else {
                    0.0
                };
                if n == 1 {
                    let w = fields[1];
                    if let Some(&first) = ids.get(w) {
                        let (l, _) =
                            crate::error::line_col(self.src, unigram_lines[first as usize]);
                        return Err(self.err_token(
                            w,
                            format!("the word `{w}` is listed twice among the unigrams (first on line {l})"),
                        ));
                    }
                    ids.insert(w, vocab.len() as u32);
                    vocab.push(w.to_string());
                    unigrams.push((prob, backoff));
                    unigram_lines.push(line.start);
                } else {
                    gram.clear();
                    for &w in &fields[1..=n] {
                        match ids.get(w) {
                            Some(&id) => gram.push(id),
                            None => {
                                return Err(self.err_token(
                                    w,
                                    format!(
                                        "the word `{w}` of this {n}-gram is not in the \\1-grams: section"
                                    ),
                                ));
                            }
                        }
                    }
                    if let Some(table) = table.as_mut() {
                        table.push(&gram, prob, backoff);
                    }
                    lines.push(line.start);
                }
            }
            if seen != counts[n - 1] {
                let at = self.peek_line().map(|l| l.start);
                let msg = format!(
                    "the \\data\\ header announces ngram {n}={} but the \\{n}-grams: section has {seen} line{}",
                    counts[n - 1],
                    if seen == 1 { "" } else { "s" }
                );
                return Err(match at {
                    Some(start) => self.err_at(start, msg),
                    None => self.err_at(heading, msg),
                });
            }
            if let Some(table) = table {
                higher.push(table);
                higher_lines.push(lines);
            }
        }
        match self.next_nonblank() {
            Some(l) if l.text.trim() == "\\end\\" => {}
            Some(l) => {
                return Err(self.err_at(
                    l.start,
                    format!(
                        "expected `\\end\\` after the \\{order}-grams: section (the header announces order {order}); found `{}`",
                        l.text.trim()
                    ),
                ));
            }
            None => {
                return Err(self.err_eof(
                    "the file ends without `\\end\\` (truncated?); expected `\\end\\` after the last section",
                ));
            }
        }
        BackoffModel::new(vocab, unigrams, higher).map_err(|e| match e {
            ModelError::DuplicateNgram {
                order,
                first,
                second,
            } => {
                let lines = &higher_lines[order - 2];
                let (first_line, _) = crate::error::line_col(self.src, lines[first]);
                self.err_at(
                    lines[second],
                    format!("{e}: this line repeats line {first_line}"),
                )
            }
            other => Diagnostic::file(self.name, other.to_string()),
        })
    }

    fn parse_value(&self, tok: &str, what: &str) -> Result<f32, Diagnostic> {
        match tok.parse::<f32>() {
            Ok(v) if !v.is_nan() && v != f32::INFINITY => Ok(v),
            _ => Err(self.err_token(
                tok,
                format!("expected a {what} (a decimal number such as -1.2345); found `{tok}`"),
            )),
        }
    }

    /// Reads up to and including the `ngram N=COUNT` lines; returns the counts (index = N - 1).
    fn read_header(&mut self) -> Result<Vec<usize>, Diagnostic> {
        loop {
            let Some(line) = self.next_line() else {
                return Err(self.err_eof(
                    "the file has no `\\data\\` line; an ARPA file starts with `\\data\\`",
                ));
            };
            let t = line.text.trim();
            if t.is_empty() || t.starts_with('#') {
                continue;
            }
            if t == "\\data\\" {
                break;
            }
            return Err(self.err_at(
                line.start,
                format!("expected `\\data\\` (the start of an ARPA file); found `{t}`"),
            ));
        }
        let mut counts: Vec<usize> = Vec::new();
        while let Some(line) = self.peek_line() {
            let t = line.text.trim();
            if t.is_empty() {
                self.next_line();
                if counts.is_empty() {
                    continue;
                }
                break;
            }
            if t.starts_with('\\') {
                break;
            }
            self.next_line();
            let parsed = t.strip_prefix("ngram").and_then(|rest| {
                let (n, c) = rest.split_once('=')?;
                let n: usize = n.trim().parse().ok()?;
                let c: usize = c.trim().parse().ok()?;
                Some((n, c))
            });
            match parsed {
                Some((1, 0)) => {
                    return Err(self.err_at(
                        line.start,
                        "the \\data\\ header announces ngram 1=0; a model needs its unigrams",
                    ));
                }
                Some((n, c)) if n == counts.len() + 1 => counts.push(c),
                Some((n, _)) => {
                    return Err(self.err_at(
                        line.start,
                        format!(
                            "expected `ngram {}=COUNT` (orders listed 1, 2, 3, ... in turn); found order {n}",
                            counts.len() + 1
                        ),
                    ));
                }
                None => {
                    return Err(self.err_at(
                        line.start,
                        format!(
                            "expected `ngram {}=COUNT` in the \\data\\ header; found `{t}`",
                            counts.len() + 1
                        ),
                    ));
                }
            }
        }
        if counts.is_empty() {
            let msg = "the \\data\\ header lists no `ngram 1=COUNT` line";
            return Err(match self.peek_line() {
                Some(l) => self.err_at(l.start, msg),
                None => self.err_eof(msg),
            });
        }
        Ok(counts)
    }

    /// Expects the `\n-grams:` heading (after blank lines); returns its offset.
    fn expect_section(&mut self, n: usize, order: usize) -> Result<usize, Diagnostic> {
        let want = format!("\\{n}-grams:");
        let Some(line) = self.next_nonblank() else {
            return Err(self.err_eof(format!(
                "the file ends before the {want} section (the header announces order {order})"
            )));
        };
        let t = line.text.trim();
        if t == want {
            return Ok(line.start);
        }
        let msg = if t == "\\end\\" {
            format!(
                "expected the {want} section (the header announces order {order}); found `\\end\\`"
            )
        } else if let Some(k) = t
            .strip_prefix('\\')
            .and_then(|r| r.strip_suffix("-grams:"))
            .and_then(|k| k.parse::<usize>().ok())
        {
            format!(
                "expected the {want} section; found the \\{k}-grams: section (sections come in order 1, 2, ... {order})"
            )
        } else if t.starts_with('\\') {
            format!("unknown section `{t}`; expected {want}")
        } else {
            format!("expected the {want} heading; found `{t}`")
        };
        Err(self.err_at(line.start, msg))
    }
}

#[cfg(test)]
// The tests quote values from ARPA files, such as -0.30103; they are file contents, not LOG10_2.
#[allow(clippy::approx_constant)]
mod tests {
    use super::*;

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
    fn accepts_spaces_comments_missing_backoffs_and_srilm_conventions() {
        let text = "# made by hand\n\n\\data\\\nngram 1=4\nngram 2=2\n\n\\1-grams:\n\
                    -99 <s>   -0.5\n-0.5 </s>\n-0.4  a -0.2\n-inf b\n\n\\2-grams:\n\
                    -0.1 <s> a\n-0.2  a   </s>\n\n\\end\\\n";
        let m = read(text, "hand.arpa").unwrap();
        assert_eq!(m.order(), 2);
        // <unk> was missing: appended, as KenLM substitutes it, with log10 p = -100.
        assert_eq!(m.vocab().last().map(String::as_str), Some(UNK));
        assert_eq!(m.get_words(&["<unk>"]), Some((-100.0, 0.0)));
        assert_eq!(m.get_words(&["<s>"]), Some((-99.0, -0.5)));
        assert_eq!(m.get_words(&["b"]), Some((f64::NEG_INFINITY, 0.0)));
        // p(</s> | a): "a </s>" is a bigram.
        assert!(close(score(&m, "a", "</s>"), (-0.2, 2)));
        // p(a | </s>): no "</s> a", backoff(</s>) missing = 0, p(a) = -0.4.
        assert!(close(score(&m, "</s>", "a"), (-0.4, 1)));
        // p(b | a): no "a b", backoff(a) = -0.2, p(b) = -inf.
        assert_eq!(score(&m, "a", "b"), (f64::NEG_INFINITY, 1));
        // Tabs and spaces read alike.
        assert_eq!(read(&text.replace(' ', "\t"), "tabs.arpa").unwrap(), m);
        // Windows line ends too.
        assert_eq!(read(&text.replace('\n', "\r\n"), "crlf.arpa").unwrap(), m);
    }

    #[test]
    fn write_format_is_lmplz_layout() {
        let text = "\\data\\\nngram 1=4\nngram 2=2\n\n\\1-grams:\n-1 <unk>\t0\n0\t<s>\t-0.5\n\
                    -0.5\t</s>\t0\n-0.25\ta\t-0.125\n\n\\2-grams:\n-0.75\ta </s>\n-0.5\t<s> a\n\n\\end\\\n";
        let m = read(text, "x.arpa").unwrap();
        // Rows in suffix order: "a </s>" (last word </s> = id 2) before "<s> a" (a = id 3).
        let expected = text.replace("-1 <unk>", "-1\t<unk>");
        assert_eq!(write(&m), expected);
        assert_eq!(format_value(-0.0), "0");
        assert_eq!(format_value(-0.088179775), "-0.088179775");
    }

    /// Reads `text` and returns the error's one-line form.
    fn error(text: &str) -> String {
        read(text, "bad.arpa").unwrap_err().headline()
    }

    const GOOD: &str = "\\data\\\nngram 1=3\nngram 2=1\n\n\\1-grams:\n-1\t<s>\t-0.5\n\
                        -0.5\t</s>\t0\n-0.4\ta\t-0.2\n\n\\2-grams:\n-0.1\t<s> a\n\n\\end\\\n";

    #[test]
    fn the_good_file_reads() {
        let m = read(GOOD, "good.arpa").unwrap();
        assert_eq!((m.count(1), m.count(2)), (4, 1));
    }

    #[test]
    fn malformed_files_get_located_errors() {
        let cases: &[(String, &str)] = &[
            (
                String::new(),
                "bad.arpa:1: the file has no `\\data\\` line; an ARPA file starts with `\\data\\`",
            ),
            (
                GOOD.replace("\\data\\", "hello"),
                "bad.arpa:1:1: expected `\\data\\` (the start of an ARPA file); found `hello`",
            ),
            (
                GOOD.replace("ngram 2=1", "ngram 2:1"),
                "bad.arpa:3:1: expected `ngram 2=COUNT` in the \\data\\ header; found `ngram 2:1`",
            ),
            (
                GOOD.replace("ngram 2=1", "ngram 3=1"),
                "bad.arpa:3:1: expected `ngram 2=COUNT` (orders listed 1, 2, 3, ... in turn); found order 3",
            ),
            (
                GOOD.replace("ngram 1=3", "ngram 1=4"),
                "bad.arpa:9:1: the \\data\\ header announces ngram 1=4 but the \\1-grams: section has 3 lines",
            ),
            (
                GOOD.replace("-0.4\ta", "-0.4x\ta"),
                "bad.arpa:8:1: expected a log10 probability (a decimal number such as -1.2345); found `-0.4x`",
            ),
            (
                GOOD.replace("a\t-0.2", "a\tnan"),
                "bad.arpa:8:8: expected a log10 backoff (a decimal number such as -1.2345); found `nan`",
            ),
            (
                GOOD.replace("-0.4\ta", "0.4\ta"),
                "bad.arpa:8:1: a log10 probability must be at most 0 (a probability at most 1); found `0.4`",
            ),
            (
                GOOD.replace("-0.4\ta\t-0.2", "-0.4\ta b\t-0.2"),
                "bad.arpa:8:1: a line of the \\1-grams: section must hold a log10 probability, 1 word, and optionally a backoff (2 or 3 fields); found 4 fields",
            ),
            (
                GOOD.replace("-0.1\t<s> a", "-0.1\t<s> a\t-0.3"),
                "bad.arpa:11:1: a line of the \\2-grams: section must hold a log10 probability and 2 words (3 fields; the highest order has no backoff); found 4 fields",
            ),
            (
                GOOD.replace("<s> a", "<s> b"),
                "bad.arpa:11:10: the word `b` of this 2-gram is not in the \\1-grams: section",
            ),
            (
                GOOD.replace("\\2-grams:", "\\foo\\"),
                "bad.arpa:10:1: unknown section `\\foo\\`; expected \\2-grams:",
            ),
            (
                GOOD.replace("\\2-grams:", "\\3-grams:"),
                "bad.arpa:10:1: expected the \\2-grams: section; found the \\3-grams: section (sections come in order 1, 2, ... 2)",
            ),
            (
                GOOD.replace("\\end\\\n", ""),
                "bad.arpa:11: the file ends without `\\end\\` (truncated?); expected `\\end\\` after the last section",
            ),
            (
                GOOD.replace("\n\\end\\", "\\3-grams:\n\\end\\"),
                "bad.arpa:12:1: expected `\\end\\` after the \\2-grams: section (the header announces order 2); found `\\3-grams:`",
            ),
            (
                GOOD.replace("-0.4\ta", "-0.4\t<s>"),
                "bad.arpa:8:6: the word `<s>` is listed twice among the unigrams (first on line 6)",
            ),
            (
                GOOD.replace("ngram 2=1", "ngram 2=2")
                    .replace("-0.1\t<s> a\n", "-0.1\t<s> a\n-0.3\t<s>  a\n"),
                "bad.arpa:12:1: the same 2-gram is listed twice: this line repeats line 11",
            ),
            (
                GOOD.replace("</s>", "b"),
                "bad.arpa: the model has no `</s>` unigram; an ARPA model needs both `<s>` and `</s>`",
            ),
            (
                GOOD.replace("ngram 1=3", "ngram 1=999999999999999"),
                "bad.arpa:9:1: the \\data\\ header announces ngram 1=999999999999999 but the \\1-grams: section has 3 lines",
            ),
            (
                GOOD.replace("ngram 1=3", "ngram 1=0"),
                "bad.arpa:2:1: the \\data\\ header announces ngram 1=0; a model needs its unigrams",
            ),
        ];
        let wrong: Vec<String> = cases
            .iter()
            .filter(|(text, expected)| error(text) != *expected)
            .map(|(text, expected)| format!("{text}\n  got:  {}\n  want: {expected}", error(text)))
            .collect();
        assert!(wrong.is_empty(), "{}", wrong.join("\n\n"));
    }

    #[test]
    fn diagnostics_show_the_offending_line() {
        let d = read(&GOOD.replace("-0.4\ta", "-0.4x\ta"), "bad.arpa").unwrap_err();
        assert_eq!(d.snippet.as_deref(), Some("-0.4x\ta\t-0.2"));
        assert!(d.to_string().contains("8 | -0.4x\ta\t-0.2"));
    }

    #[test]
    fn read_file_refuses_gzip_and_non_utf8() {
        let dir = tempfile::tempdir().unwrap();
        let gz = dir.path().join("m.arpa.gz");
        std::fs::write(&gz, [0x1f, 0x8b, 8, 0, 0]).unwrap();
        assert!(read_file(&gz).unwrap_err().message.contains("gzip"));
        let latin1 = dir.path().join("m.arpa");
        let mut bytes = GOOD.as_bytes().to_vec();
        bytes.splice(60..60, [0xe9]);
        std::fs::write(&latin1, &bytes).unwrap();
        let d = read_file(&latin1).unwrap_err();
        assert!(d.message.contains("UTF-8"), "{d}");
        assert_eq!(d.line, Some(crate::error::line_col(GOOD, 60).0));
        let missing = read_file(&dir.path().join("none.arpa")).unwrap_err();
        assert!(missing.message.starts_with("cannot read the ARPA file"));
        let good = dir.path().join("good.arpa");
        std::fs::write(&good, GOOD).unwrap();
        assert_eq!(read_file(&good).unwrap(), read(GOOD, "x").unwrap());
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
