//! Interpolated modified Kneser–Ney estimation exactly as KenLM's `lmplz` does it (Heafield et
//! al. 2013, "Scalable Modified Kneser-Ney Language Model Estimation"), producing a
//! [`BackoffModel`] whose log10 probabilities and backoffs are the ones `lmplz -o N` writes.
//!
//! Hand-written because it is the heart of the feature and must reproduce lmplz number for
//! number: the counting with `<s>` padding, adjusted counts, discounts from counts of counts
//! (including lmplz's treatment of the last n-grams in suffix order), the fallback discounts,
//! interpolation with the uniform distribution, `<unk>`, and single-precision (`f32`)
//! arithmetic in the same order as lmplz, so the values agree to the last printed digit.
//!
//! Pipeline (every step is a sort or a merge over sorted arenas of word ids, no per-n-gram
//! allocation): count padded N-gram windows → adjusted counts per order → counts of counts and
//! discounts → per-context denominators and gammas → interpolated probabilities, lowest order
//! first → backoffs = the gammas of the n-grams used as contexts. docs/models.md gives the formulas.
//!
//! Every order stays in suffix order, the order lmplz writes, so [`Tables::write_arpa`] writes
//! the ARPA file straight from these arrays (`export-arpa`), and [`Tables::into_estimate`] makes
//! the [`BackoffModel`] that scores and generates. Where an n-gram's ids fit in 64 bits (a
//! trigram over up to 2²¹ words), windows and contexts are sorted as integers whose order is the
//! suffix order (`Packing`); otherwise as id arenas. docs/performance.md ("export-arpa") has
//! the measurements.

use std::collections::HashMap;
use std::fmt;

use crate::lm::backoff::{BOS, BackoffModel, EOS, NgramTable, UNK, suffix_cmp};
use crate::tokenize::{TokenId, Vocab};

/// lmplz's `--discount_fallback` default: D1, D2, D3+ used for an order whose discounts cannot
/// be estimated from its counts of counts.
pub const LMPLZ_FALLBACK_DISCOUNTS: [f64; 3] = [0.5, 1.0, 1.5];

const UNK_ID: u32 = 0;
const BOS_ID: u32 = 1;
const EOS_ID: u32 = 2;

/// The discounts of one order: subtracted from adjusted counts 1, 2 and 3 or more.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Discounts {
    /// D1, for n-grams with adjusted count 1.
    pub d1: f64,
    /// D2, for adjusted count 2.
    pub d2: f64,
    /// D3+, for adjusted count 3 or more.
    pub d3_plus: f64,
    /// True when the estimate was invalid and the fallback discounts were used instead.
    pub fallback: bool,
}

/// What the estimation found for one order (lmplz prints the same under "Statistics").
#[derive(Debug, Clone, PartialEq)]
pub struct OrderStats {
    /// The order n.
    pub order: usize,
    /// The number of n-grams of this order in the model.
    pub ngrams: usize,
    /// `[t1, t2, t3, t4]`: the number of n-grams with adjusted count 1, 2, 3, 4, as lmplz
    /// counts them for the discounts.
    pub counts_of_counts: [u64; 4],
    /// The discounts used for this order.
    pub discounts: Discounts,
}

/// The result of [`estimate`].
#[derive(Debug, Clone)]
pub struct Estimate {
    /// The backoff model, as `lmplz` would write it.
    pub model: BackoffModel,
    /// The number of word tokens read (without `</s>`), lmplz's "Unigram tokens".
    pub token_count: u64,
    /// Per order (index n - 1): sizes, counts of counts and discounts.
    pub stats: Vec<OrderStats>,
}

/// Why a corpus could not be estimated.
#[derive(Debug, Clone, PartialEq)]
pub enum EstimateError {
    /// The order must be at least 1.
    Order(usize),
    /// There was no sentence at all.
    NoSentences,
    /// A token that cannot be a word: `<s>`, `</s>`, `<unk>` (reserved, as lmplz refuses them),
    /// an empty token, or one containing a space or tab (an ARPA file could not hold it).
    /// `sentence` and `position` are 1-based.
    Token {
        sentence: usize,
        position: usize,
        token: String,
        problem: &'static str,
    },
    /// The discounts of `order` cannot be estimated from its counts of counts, and no fallback
    /// was given. `message` is lmplz's reason.
    Discount { order: usize, message: String },
}

impl fmt::Display for EstimateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EstimateError::Order(o) => {
                write!(f, "the order must be at least 1 (found {o})")
            }
            EstimateError::NoSentences => write!(f, "there is no sentence to estimate from"),
            EstimateError::Token {
                sentence,
                position,
                token,
                problem,
            } => write!(
                f,
                "sentence {sentence}, token {position} `{token}`: {problem}"
            ),
            EstimateError::Discount { order, message } => write!(
                f,
                "{message} (order {order}); give fallback discounts to use lmplz's \
                 --discount_fallback values D1=0.5 D2=1 D3+=1.5 instead"
            ),
        }
    }
}

impl std::error::Error for EstimateError {}

/// Splits text as `lmplz` reads it: one sentence per line, tokens separated by runs of spaces,
/// tabs, carriage returns or NUL bytes. An empty line is an empty sentence (`<s> </s>`).
pub fn sentences_from_text(text: &str) -> Vec<Vec<&str>> {
    text.lines()
        .map(|line| {
            line.split([' ', '\t', '\r', '\0'])
                .filter(|t| !t.is_empty())
                .collect()
        })
        .collect()
}

/// Estimates an interpolated modified Kneser–Ney model of order `order` from `sentences`
/// (each a list of tokens), as `lmplz -o order` does. `fallback` plays `--discount_fallback`:
/// `Some([d1, d2, d3plus])` replaces the discounts of any order whose estimate is invalid
/// ([`LMPLZ_FALLBACK_DISCOUNTS`] are lmplz's defaults); `None` makes that an error.
///
/// Word ids follow lmplz: `<unk>` = 0, `<s>` = 1, `</s>` = 2, then words in order of first
/// appearance.
pub fn estimate<T, S>(
    sentences: &[T],
    order: usize,
    fallback: Option<[f64; 3]>,
) -> Result<Estimate, EstimateError>
where
    T: AsRef<[S]>,
    S: AsRef<str>,
{
    check_shape(order, sentences.len())?;
    let mut words = Words::new();
    let mut ids: Vec<Vec<u32>> = Vec::with_capacity(sentences.len());
    for (si, sentence) in sentences.iter().enumerate() {
        let mut s = Vec::with_capacity(sentence.as_ref().len());
        for (ti, tok) in sentence.as_ref().iter().enumerate() {
            s.push(words.id(tok.as_ref(), si, ti)?);
        }
        ids.push(s);
    }
    let tables = estimate_ids(words.vocab, &ids, |id| id, order, fallback)?;
    Ok(tables.into_estimate())
}

/// [`estimate`] of the documents of a tokenized corpus (coinflip token ids numbered by
/// `vocab`), without spelling every token out as a string first: the same model, number for
/// number, as `estimate` of the documents' token texts. Returns the [`Tables`], which
/// `export-arpa` writes straight to its file and [`Tables::into_estimate`] turns into a model.
pub fn estimate_corpus(
    documents: &[Vec<TokenId>],
    vocab: &Vocab,
    order: usize,
    fallback: Option<[f64; 3]>,
) -> Result<Tables, EstimateError> {
    check_shape(order, documents.len())?;
    // coinflip id → lmplz id, given at a word's first appearance (lmplz's numbering); two
    // coinflip ids that print the same (GPT tokens) become one word, as their texts would.
    let mut map = vec![UNSEEN; vocab.len()];
    let mut words = Words::new();
    for (si, doc) in documents.iter().enumerate() {
        for (ti, &t) in doc.iter().enumerate() {
            let slot = &mut map[t as usize];
            if *slot == UNSEEN {
                *slot = words.id(vocab.token(t), si, ti)?;
            }
        }
    }
    estimate_ids(words.vocab, documents, |t| map[t as usize], order, fallback)
}

/// A coinflip id not seen yet while numbering words the lmplz way.
const UNSEEN: u32 = u32::MAX;

fn check_shape(order: usize, sentences: usize) -> Result<(), EstimateError> {
    if order == 0 {
        return Err(EstimateError::Order(order));
    }
    if sentences == 0 {
        return Err(EstimateError::NoSentences);
    }
    Ok(())
}

/// The vocabulary in lmplz's numbering: `<unk>`, `<s>`, `</s>`, then first appearance.
struct Words<'a> {
    vocab: Vec<String>,
    ids: HashMap<&'a str, u32>,
}

impl<'a> Words<'a> {
    fn new() -> Self {
        Words {
            vocab: vec![UNK.into(), BOS.into(), EOS.into()],
            ids: HashMap::new(),
        }
    }

    /// The id of token `t`, the `ti`-th of sentence `si` (0-based; for the error), numbering it
    /// if new; an error if it cannot be a word.
    fn id(&mut self, t: &'a str, si: usize, ti: usize) -> Result<u32, EstimateError> {
        if let Some(&id) = self.ids.get(t) {
            return Ok(id);
        }
        if let Some(problem) = token_problem(t) {
            return Err(EstimateError::Token {
                sentence: si + 1,
                position: ti + 1,
                token: t.to_string(),
                problem,
            });
        }
        let id = self.vocab.len() as u32;
        self.vocab.push(t.to_string());
        self.ids.insert(t, id);
        Ok(id)
    }
}

/// The steps of the module header, one function each, on sentences of ids that `lmplz_id`
/// turns into lmplz's (every one of them a word of `vocab`).
fn estimate_ids<S: AsRef<[u32]>>(
    vocab: Vec<String>,
    sentences: &[S],
    lmplz_id: impl Fn(u32) -> u32,
    order: usize,
    fallback: Option<[f64; 3]>,
) -> Result<Tables, EstimateError> {
    let tokens: usize = sentences.iter().map(|s| s.as_ref().len()).sum();
    let windows = tokens + sentences.len();
    let ids = sentences
        .iter()
        .map(|s| s.as_ref().iter().map(|&t| lmplz_id(t)));
    let full = count_windows(ids, windows, order, vocab.len());
    let (mut lists, bos_grams) = split_windows(&full, order);
    let last_raw = last_raw_counts(&full, order);
    drop(full);
    adjust_counts(&mut lists, bos_grams);
    debug_assert_eq!(lists[0].len(), vocab.len());
    let (stats, discounts) = discounts(&lists, &last_raw, fallback)?;
    let initial: Vec<Initial> = lists
        .iter()
        .zip(&discounts)
        .map(|(list, d)| initial_probabilities(list, d, vocab.len()))
        .collect();
    let probs = interpolate(&lists, &initial, vocab.len());
    // The backoff of an n-gram is its gamma as a context one order up; the top order has none.
    let backoffs = (1..lists.len())
        .map(|n| backoffs(&lists[n - 1], &initial[n]))
        .collect();
    Ok(Tables {
        vocab,
        lists,
        probs,
        backoffs,
        token_count: tokens as u64,
        stats,
    })
}

/// An estimated model as `lmplz` writes it: per order, the n-grams in suffix order with their
/// probabilities and backoffs (before the log10). [`Tables::write_arpa`] writes it as lmplz
/// would; [`Tables::into_estimate`] makes it a [`BackoffModel`] to score and generate with.
pub struct Tables {
    vocab: Vec<String>,
    lists: Vec<Grams>,
    probs: Vec<Vec<f32>>,
    /// Orders 1 to N - 1 (the top order's backoffs are 1).
    backoffs: Vec<Vec<f32>>,
    token_count: u64,
    stats: Vec<OrderStats>,
}

/// log10 of a probability as lmplz stores it (rounding may give a log above 0: 0 then).
fn log10_prob(p: f32) -> f32 {
    let l = p.log10();
    if l < 0.0 { l } else { 0.0 }
}

impl Tables {
    /// Per order (index n - 1): sizes, counts of counts and discounts.
    pub fn stats(&self) -> &[OrderStats] {
        &self.stats
    }

    /// Writes the model as an ARPA file, byte for byte what [`crate::lm::arpa::write`] writes
    /// for [`Tables::into_estimate`]'s model (and what `lmplz` writes), in chunks: the text is
    /// never whole in memory.
    pub fn write_arpa(&self, w: &mut dyn std::io::Write) -> std::io::Result<()> {
        let counts: Vec<usize> = self.lists.iter().map(Grams::len).collect();
        let mut out = String::with_capacity(crate::lm::arpa::CHUNK + 4096);
        crate::lm::arpa::push_header(&mut out, &counts);
        let order = self.lists.len();
        for (n, list) in (1..).zip(&self.lists) {
            crate::lm::arpa::push_section(&mut out, n);
            let probs = &self.probs[n - 1];
            let backoffs = self.backoffs.get(n - 1);
            for i in 0..list.len() {
                let words = list
                    .gram(i)
                    .iter()
                    .map(|&w| self.vocab[w as usize].as_str());
                let backoff = backoffs.map(|b| b[i].log10());
                crate::lm::arpa::push_line(&mut out, log10_prob(probs[i]), words, backoff);
                if out.len() >= crate::lm::arpa::CHUNK {
                    w.write_all(out.as_bytes())?;
                    out.clear();
                }
            }
            out.push('\n');
            debug_assert!(n < order || backoffs.is_none());
        }
        out.push_str(crate::lm::arpa::END);
        w.write_all(out.as_bytes())
    }

    /// The backoff model, as `lmplz` would write it, with the estimation's figures.
    pub fn into_estimate(self) -> Estimate {
        let one = Vec::new();
        let mut unigrams: Vec<(f32, f32)> = Vec::with_capacity(self.lists[0].len());
        let mut higher: Vec<NgramTable> = Vec::with_capacity(self.lists.len() - 1);
        for (n, list) in (1..).zip(&self.lists) {
            let probs = &self.probs[n - 1];
            let backoff = self.backoffs.get(n - 1).unwrap_or(&one);
            let log_backoff = |i: usize| backoff.get(i).map_or(0.0, |b| b.log10());
            if n == 1 {
                for (i, &p) in probs.iter().enumerate() {
                    unigrams.push((log10_prob(p), log_backoff(i)));
                }
            } else {
                let mut table = NgramTable::with_capacity(n, list.len());
                for (i, &p) in probs.iter().enumerate() {
                    table.push(list.gram(i), log10_prob(p), log_backoff(i));
                }
                higher.push(table);
            }
        }
        let model = BackoffModel::new(self.vocab, unigrams, higher)
            .expect("estimation builds a well-formed model");
        Estimate {
            model,
            token_count: self.token_count,
            stats: self.stats,
        }
    }
}

/// Step 1: the padded window of `n_max` lmplz ids ending at every token and at every `</s>`
/// (`windows` of them), sorted in suffix order and counted.
fn count_windows<I, S>(sentences: I, windows: usize, n_max: usize, vocab_len: usize) -> Grams
where
    I: Iterator<Item = S>,
    S: Iterator<Item = u32>,
{
    if let Some(p) = Packing::new(n_max, vocab_len, 0) {
        // The common case: a window fits in a u64 whose order is the suffix order.
        let mut keys: Vec<u64> = Vec::with_capacity(windows);
        let start = p.repeat(BOS_ID);
        for sentence in sentences {
            let mut key = start;
            for id in sentence {
                key = p.shift_in(key, id);
                keys.push(key);
            }
            keys.push(p.shift_in(key, EOS_ID));
        }
        keys.sort_unstable();
        let distinct = 1 + keys.windows(2).filter(|w| w[0] != w[1]).count();
        let mut out = Grams::with_capacity(n_max, distinct);
        let mut gram = vec![0u32; n_max];
        let mut i = 0;
        while i < keys.len() {
            let mut j = i + 1;
            while j < keys.len() && keys[j] == keys[i] {
                j += 1;
            }
            p.unpack(keys[i], &mut gram);
            out.push(&gram, (j - i) as u64);
            i = j;
        }
        return out;
    }
    count_windows_unpacked(sentences, windows, n_max)
}

/// [`count_windows`] for windows too long to pack: an arena of ids sorted through a permutation.
fn count_windows_unpacked<I, S>(sentences: I, windows: usize, n_max: usize) -> Grams
where
    I: Iterator<Item = S>,
    S: Iterator<Item = u32>,
{
    let mut records: Vec<u32> = Vec::with_capacity(windows * n_max);
    let mut window = vec![BOS_ID; n_max];
    for sentence in sentences {
        window.fill(BOS_ID);
        for id in sentence {
            window.rotate_left(1);
            window[n_max - 1] = id;
            records.extend_from_slice(&window);
        }
        window.rotate_left(1);
        window[n_max - 1] = EOS_ID;
        records.extend_from_slice(&window);
    }
    sort_and_count(records, n_max)
}

/// n-grams of word ids below `vocab_len` packed in a u64, `bits` a word, the last word highest:
/// the numeric order of keys is the suffix order of n-grams. `low` bits are left free below
/// the words (for an index that makes equal n-grams distinct keys).
#[derive(Debug, Clone, Copy)]
struct Packing {
    n: usize,
    bits: u32,
    low: u32,
}

impl Packing {
    /// The packing of `n`-grams, when they fit with `low` free bits.
    fn new(n: usize, vocab_len: usize, low: u32) -> Option<Packing> {
        let max = vocab_len.saturating_sub(1).max(1) as u64;
        let bits = 64 - max.leading_zeros();
        (n >= 1 && n as u64 * bits as u64 + low as u64 <= 64).then_some(Packing { n, bits, low })
    }

    /// The n-gram of `n` times `id`.
    fn repeat(&self, id: u32) -> u64 {
        (0..self.n).fold(0, |k, _| self.shift_in(k, id))
    }

    /// The window `key` moved one word on: its first word out, `id` in as the last.
    fn shift_in(&self, key: u64, id: u32) -> u64 {
        let top = self.bits * (self.n as u32 - 1);
        (key >> self.bits) | (u64::from(id) << top)
    }

    /// The key of `gram` (its first `n` words), shifted up by `low` bits.
    fn pack(&self, gram: &[u32]) -> u64 {
        gram[..self.n]
            .iter()
            .rev()
            .fold(0u64, |k, &w| (k << self.bits) | u64::from(w))
            << self.low
    }

    /// The words of a key made without `low` bits.
    fn unpack(&self, key: u64, gram: &mut [u32]) {
        let mask = (1u64 << self.bits) - 1;
        for (j, w) in gram.iter_mut().enumerate() {
            *w = ((key >> (self.bits * j as u32)) & mask) as u32;
        }
    }
}

/// Why `t` cannot be a word, if it cannot.
fn token_problem(t: &str) -> Option<&'static str> {
    if t == BOS || t == EOS || t == UNK {
        Some(
            "`<s>`, `</s>` and `<unk>` are reserved and cannot appear in the text (lmplz refuses \
             them too)",
        )
    } else if t.is_empty() {
        Some("an empty token cannot be a word")
    } else if t.contains([' ', '\t', '\n', '\r']) {
        Some("a word cannot contain whitespace (an ARPA file separates words by it)")
    } else {
        None
    }
}

/// Step 2: splits the windows per order (index n - 1). A window starting with two or more `<s>`
/// is the shorter n-gram that starts at its last `<s>`; it keeps its raw count at that order
/// (second list). The others are the n_max-grams.
fn split_windows(full: &Grams, n_max: usize) -> (Vec<Grams>, Vec<Grams>) {
    // Sized first: the top list is the largest table of the estimation, and a doubling vector
    // would hold up to twice it (and copy it) while `full` is still alive.
    let mut sizes = vec![0usize; n_max + 1];
    for i in 0..full.len() {
        let lead = leading_bos(full.gram(i));
        sizes[if lead <= 1 { 0 } else { n_max - lead + 1 }] += 1;
    }
    let mut lists: Vec<Grams> = (1..=n_max)
        .map(|n| Grams::with_capacity(n, if n == n_max { sizes[0] } else { 0 }))
        .collect();
    let mut bos_grams: Vec<Grams> = (1..=n_max)
        .map(|n| Grams::with_capacity(n, sizes[n]))
        .collect();
    for i in 0..full.len() {
        let g = full.gram(i);
        let lead = leading_bos(g);
        if lead <= 1 {
            lists[n_max - 1].push(g, full.counts[i]);
        } else {
            let eff = &g[lead - 1..];
            bos_grams[eff.len() - 1].push(eff, full.counts[i]);
        }
    }
    (lists, bos_grams)
}

/// lmplz quirk: the n-grams still pending when its adjusted-count pass ends (the suffixes of the
/// last window in suffix order) enter the counts of counts with their raw counts. Per order
/// below the top: that n-gram and its raw count.
fn last_raw_counts(full: &Grams, n_max: usize) -> Vec<Option<(Vec<u32>, u64)>> {
    let mut last_raw: Vec<Option<(Vec<u32>, u64)>> = vec![None; n_max];
    if n_max < 2 || full.is_empty() {
        return last_raw;
    }
    let last = full.len() - 1;
    let r = full.gram(last);
    let lead = leading_bos(r);
    let eff_len = if lead <= 1 { n_max } else { n_max - lead + 1 };
    for n in 1..=eff_len.min(n_max - 1) {
        let suffix = &r[n_max - n..];
        let mut raw = 0u64;
        let mut j = last as isize;
        while j >= 0 && &full.gram(j as usize)[n_max - n..] == suffix {
            raw += full.counts[j as usize];
            j -= 1;
        }
        last_raw[n - 1] = Some((suffix.to_vec(), raw));
    }
    last_raw
}

/// Step 3: adjusted counts. Below the top order, an n-gram counts the distinct words seen before
/// it (its distinct left extensions among the (n+1)-grams); n-grams starting with `<s>` keep
/// their raw counts (`bos_grams`). The unigrams get `<unk>` and `<s>` with count 0.
fn adjust_counts(lists: &mut [Grams], bos_grams: Vec<Grams>) {
    let n_max = lists.len();
    for n in (1..n_max).rev() {
        let (lower, upper) = lists.split_at_mut(n);
        let upper = &upper[0];
        let mut derived = Grams::with_capacity(n, upper.len());
        for i in 0..upper.len() {
            let suffix = &upper.gram(i)[1..];
            match derived.last_gram() {
                Some(prev) if prev == suffix => *derived.counts.last_mut().unwrap() += 1,
                _ => derived.push(suffix, 1),
            }
        }
        lower[n - 1] = merge_sorted(&derived, &bos_grams[n - 1]);
    }
    let unigrams = std::mem::replace(&mut lists[0], Grams::new(1));
    let mut with_specials = Grams::with_capacity(1, unigrams.len() + 2);
    with_specials.push(&[UNK_ID], 0);
    with_specials.push(&[BOS_ID], 0);
    with_specials.append(&unigrams);
    lists[0] = with_specials;
}

/// Step 4: counts of counts and discounts per order (the fallback where the estimate is
/// invalid, or an error without one).
fn discounts(
    lists: &[Grams],
    last_raw: &[Option<(Vec<u32>, u64)>],
    fallback: Option<[f64; 3]>,
) -> Result<(Vec<OrderStats>, Vec<[f32; 4]>), EstimateError> {
    let mut stats: Vec<OrderStats> = Vec::with_capacity(lists.len());
    let mut discounts: Vec<[f32; 4]> = Vec::with_capacity(lists.len());
    for (list, (n, last)) in lists.iter().zip((1..).zip(last_raw)) {
        let mut t = [0u64; 5];
        for (i, &c) in list.counts.iter().enumerate() {
            let c = match last {
                Some((gram, raw)) if i + 1 == list.len() && list.gram(i) == gram.as_slice() => *raw,
                _ => c,
            };
            if c < 5 {
                t[c as usize] += 1;
            }
        }
        let (amount, used_fallback) = match lmplz_discounts(n, &t) {
            Ok(a) => (a, false),
            Err(message) => match fallback {
                Some(f) => ([0.0, f[0] as f32, f[1] as f32, f[2] as f32], true),
                None => return Err(EstimateError::Discount { order: n, message }),
            },
        };
        discounts.push(amount);
        stats.push(OrderStats {
            order: n,
            ngrams: list.len(),
            counts_of_counts: [t[1], t[2], t[3], t[4]],
            discounts: Discounts {
                d1: amount[1] as f64,
                d2: amount[2] as f64,
                d3_plus: amount[3] as f64,
                fallback: used_fallback,
            },
        });
    }
    Ok((stats, discounts))
}

/// Step 6: interpolates, lowest order first: p(w|c) = u(c w) + gamma(c) p(w|c minus its first
/// word), and at the bottom the uniform distribution over the vocabulary without `<s>`.
fn interpolate(lists: &[Grams], initial: &[Initial], vocab_len: usize) -> Vec<Vec<f32>> {
    let uniform = (1.0f64 / ((vocab_len - 1) as f32) as f64) as f32;
    let mut probs: Vec<Vec<f32>> = Vec::with_capacity(lists.len());
    for (n, (list, init)) in (1..).zip(lists.iter().zip(initial)) {
        let mut p = Vec::with_capacity(list.len());
        if n == 1 {
            for i in 0..list.len() {
                p.push(init.u[i] + init.gamma[i] * uniform);
            }
        } else {
            let lower = &lists[n - 2];
            let lower_p = &probs[n - 2];
            let mut j = 0usize;
            for i in 0..list.len() {
                let suffix = &list.gram(i)[1..];
                while lower.gram(j) != suffix {
                    j += 1;
                }
                p.push(init.u[i] + init.gamma[i] * lower_p[j]);
            }
        }
        probs.push(p);
    }
    probs
}

/// Step 7: the backoff (gamma, not log) of every n-gram of `list`: its gamma as a context in
/// `above` (the next order's initial values), else 1, and always 1 for n-grams ending in
/// `<unk>` or `</s>`.
fn backoffs(list: &Grams, above: &Initial) -> Vec<f32> {
    let mut backoff = vec![1.0f32; list.len()];
    let (contexts, gammas) = (&above.contexts, &above.context_gamma);
    let n = list.n;
    let mut k = 0usize;
    for (i, b) in backoff.iter_mut().enumerate() {
        let g = list.gram(i);
        let last = g[n - 1];
        if last == UNK_ID || last == EOS_ID {
            continue;
        }
        if k < gammas.len() && contexts.gram(k) == g {
            *b = gammas[k];
            k += 1;
        }
    }
    debug_assert_eq!(k, gammas.len(), "every context is an n-gram");
    backoff
}

/// lmplz's discounts from counts of counts `t[1..=4]` (Chen & Goodman eq. 26, in `f32` as lmplz
/// computes them): Y = t1 / (t1 + 2 t2), Dk = k - (k + 1) Y t(k+1) / tk. Err with lmplz's
/// message when some tk (k = 1, 2, 3) is 0 or some Dk falls outside [0, k].
fn lmplz_discounts(n: usize, t: &[u64; 5]) -> Result<[f32; 4], String> {
    for (j, &tj) in t.iter().enumerate().take(4).skip(1) {
        if tj == 0 {
            return Err(format!(
                "could not calculate Kneser-Ney discounts for {n}-grams with adjusted count {} \
                 because no {n}-gram has adjusted count {j} (is this small or artificial data?)",
                j + 1
            ));
        }
    }
    let mut amount = [0.0f32; 4];
    let y = t[1] as f32 / (t[1] as f64 + 2.0 * t[2] as f64) as f32;
    for j in 1..4 {
        let d = j as f32 - (j + 1) as f32 * y * t[j + 1] as f32 / t[j] as f32;
        if d < 0.0 || d > j as f32 {
            return Err(format!(
                "the {n}-gram discount for adjusted count {j} is out of range [0, {j}]: {d}"
            ));
        }
        amount[j] = d;
    }
    Ok(amount)
}

/// Per n-gram of one order: u = the discounted count over its context's total, the gamma of its
/// context; and the contexts (in suffix order) with their gammas.
struct Initial {
    u: Vec<f32>,
    gamma: Vec<f32>,
    contexts: Grams,
    context_gamma: Vec<f32>,
}

/// Denominator = sum of the adjusted counts after the context; gamma = (D1 N1 + D2 N2 + D3+ N3+)
/// over it; u = (a - D(a)) over it. Unigrams: `<unk>` gets u = 0 (it is a zeroton that the
/// uniform distribution supplies), `<s>` gets probability 1 and gamma 0, as lmplz does.
fn initial_probabilities(list: &Grams, d: &[f32; 4], vocab_len: usize) -> Initial {
    let n = list.n;
    let len = list.len();
    let mut u = vec![0.0f32; len];
    let mut gamma = vec![0.0f32; len];
    let mut contexts = Grams::new(n.saturating_sub(1).max(1));
    let mut context_gamma = Vec::new();
    let perm = by_context(list, vocab_len);
    let mut start = 0usize;
    while start < len {
        let ctx = &list.gram(perm[start] as usize)[..n - 1];
        let mut end = start + 1;
        while end < len && &list.gram(perm[end] as usize)[..n - 1] == ctx {
            end += 1;
        }
        let mut denominator = 0u64;
        let mut by_count = [0u64; 4];
        for &i in &perm[start..end] {
            let c = list.counts[i as usize];
            denominator += c;
            if c > 0 {
                by_count[c.min(3) as usize] += 1;
            }
        }
        let denom = denominator as f32;
        let mut g = 0.0f32;
        for k in 1..=3 {
            g += d[k] * by_count[k] as f32;
        }
        g /= denom;
        for &i in &perm[start..end] {
            let i = i as usize;
            let c = list.counts[i];
            u[i] = (c as f32 - d[c.min(3) as usize]) / denom;
            gamma[i] = g;
        }
        if n > 1 {
            contexts.push(ctx, 0);
            context_gamma.push(g);
        }
        start = end;
    }
    if n == 1 {
        u[UNK_ID as usize] = 0.0;
        u[BOS_ID as usize] = 1.0;
        gamma[BOS_ID as usize] = 0.0;
    }
    Initial {
        u,
        gamma,
        contexts,
        context_gamma,
    }
}

/// The indices of `list`'s n-grams grouped by context: sorted by context (the first n - 1
/// words) in suffix order, stably, so each group keeps the list's order.
fn by_context(list: &Grams, vocab_len: usize) -> Vec<u32> {
    let (n, len) = (list.n, list.len());
    if n == 1 {
        return (0..len as u32).collect();
    }
    let index_bits = 64 - (len.max(1) as u64).leading_zeros();
    match Packing::new(n - 1, vocab_len, index_bits) {
        // Context above, index below: distinct keys whose order is the stable one.
        Some(p) => {
            let mut keys: Vec<u64> = (0..len).map(|i| p.pack(list.gram(i)) | i as u64).collect();
            keys.sort_unstable();
            let mask = (1u64 << index_bits) - 1;
            keys.into_iter().map(|k| (k & mask) as u32).collect()
        }
        None => by_context_unpacked(list),
    }
}

/// [`by_context`] for contexts too long to pack with an index: a stable sort of indices.
fn by_context_unpacked(list: &Grams) -> Vec<u32> {
    let n = list.n;
    let mut perm: Vec<u32> = (0..list.len() as u32).collect();
    perm.sort_by(|&a, &b| {
        suffix_cmp(
            &list.gram(a as usize)[..n - 1],
            &list.gram(b as usize)[..n - 1],
        )
    });
    perm
}

/// n-grams of one order in an arena (`n` ids each) with a count each.
#[derive(Debug, Clone)]
struct Grams {
    n: usize,
    words: Vec<u32>,
    counts: Vec<u64>,
}

impl Grams {
    fn new(n: usize) -> Self {
        Self::with_capacity(n, 0)
    }

    fn with_capacity(n: usize, cap: usize) -> Self {
        Grams {
            n,
            words: Vec::with_capacity(n * cap),
            counts: Vec::with_capacity(cap),
        }
    }

    fn len(&self) -> usize {
        self.counts.len()
    }

    fn is_empty(&self) -> bool {
        self.counts.is_empty()
    }

    fn gram(&self, i: usize) -> &[u32] {
        &self.words[i * self.n..(i + 1) * self.n]
    }

    fn last_gram(&self) -> Option<&[u32]> {
        self.len().checked_sub(1).map(|i| self.gram(i))
    }

    fn push(&mut self, g: &[u32], count: u64) {
        self.words.extend_from_slice(g);
        self.counts.push(count);
    }

    fn append(&mut self, other: &Grams) {
        self.words.extend_from_slice(&other.words);
        self.counts.extend_from_slice(&other.counts);
    }
}

/// The number of `<s>` at the start of a window.
fn leading_bos(g: &[u32]) -> usize {
    g.iter().take_while(|&&w| w == BOS_ID).count()
}

/// Sorts the windows (`n` ids each) in suffix order and merges equal ones into counts.
fn sort_and_count(records: Vec<u32>, n: usize) -> Grams {
    let len = records.len() / n;
    let gram = |i: u32| &records[i as usize * n..(i as usize + 1) * n];
    let mut perm: Vec<u32> = (0..len as u32).collect();
    perm.sort_unstable_by(|&a, &b| suffix_cmp(gram(a), gram(b)));
    let mut out = Grams::with_capacity(n, len / 2);
    for &i in &perm {
        let g = gram(i);
        match out.last_gram() {
            Some(prev) if prev == g => *out.counts.last_mut().unwrap() += 1,
            _ => out.push(g, 1),
        }
    }
    out
}

/// Merges two suffix-sorted lists with no n-gram in common into one suffix-sorted list.
fn merge_sorted(a: &Grams, b: &Grams) -> Grams {
    let mut out = Grams::with_capacity(a.n, a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        let take_a = j >= b.len() || (i < a.len() && suffix_cmp(a.gram(i), b.gram(j)).is_lt());
        if take_a {
            out.push(a.gram(i), a.counts[i]);
            i += 1;
        } else {
            out.push(b.gram(j), b.counts[j]);
            j += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn est(text: &str, order: usize) -> Estimate {
        estimate(
            &sentences_from_text(text),
            order,
            Some(LMPLZ_FALLBACK_DISCOUNTS),
        )
        .unwrap()
    }

    #[test]
    fn discounts_follow_chen_and_goodman() {
        // Genesis 1-3 unigram counts of counts. Reference, in f64 (python3):
        //   t=[0,247,67,24,18]; Y=t[1]/(t[1]+2*t[2]); [k-(k+1)*Y*t[k+1]/t[k] for k in (1,2,3)]
        //   -> [0.6482939632545932, 1.30332589023387, 1.0551181102362204]
        let d = lmplz_discounts(1, &[0, 247, 67, 24, 18]).unwrap();
        let want = [0.6482939632545932, 1.30332589023387, 1.0551181102362204];
        for k in 1..=3 {
            assert!((d[k] as f64 - want[k - 1]).abs() < 1e-6, "D{k}");
        }
        assert_eq!(d[0], 0.0);
        // No n-gram with count 2: the estimate is undefined.
        let e = lmplz_discounts(2, &[0, 5, 0, 1, 1]).unwrap_err();
        assert!(e.contains("2-grams with adjusted count 3"), "{e}");
        // Y = 1/3, D2 = 2 - 3 Y 1/10 = 1.9, but D3+ = 3 - 4 Y 3/1 = -1: out of range.
        let e = lmplz_discounts(3, &[0, 10, 10, 1, 3]).unwrap_err();
        assert!(e.contains("out of range [0, 3]"), "{e}");
    }

    #[test]
    fn lmplz_last_ngram_quirk_issue_427() {
        // kpu/kenlm issue #427: lmplz -o 2 on "r o t / o a r / o a t" counts 0 unigrams with
        // adjusted count 1 and 5 with count 2 (the last unigram, `a`, enters with its raw count
        // 2); with the lines in another order the last unigram is `t` and the counts are 1 and 4.
        let e = est("r o t\no a r\no a t\n", 2);
        assert_eq!(e.stats[0].counts_of_counts, [0, 5, 0, 0]);
        let e = est("o a r\no a t\nr o t\n", 2);
        assert_eq!(e.stats[0].counts_of_counts, [1, 4, 0, 0]);
        // The probabilities use the adjusted counts all the same: `a` (one left context) is
        // less likely than `r` (two).
        let m = &e.model;
        assert!(m.get_words(&["a"]).unwrap().0 < m.get_words(&["r"]).unwrap().0);
    }

    #[test]
    fn vocabulary_is_in_first_occurrence_order() {
        let e = est("b a\na c b\n", 2);
        let v: Vec<&str> = e.model.vocab().iter().map(String::as_str).collect();
        assert_eq!(v, ["<unk>", "<s>", "</s>", "b", "a", "c"]);
        assert_eq!(e.token_count, 5);
    }

    #[test]
    fn adjusted_counts_are_continuation_counts_except_after_bos() {
        // Windows of order 2: <s> x, x y, y </s>, <s> x, x z, z </s>, <s> y, y </s>.
        // Unigram adjusted counts: x has left contexts {<s>} -> 1; y {x, <s>} -> 2; z {x} -> 1;
        // </s> {y, z} -> 2. Bigrams keep raw counts (the top order): "<s> x" 2, "y </s>" 2.
        // Hand check of the unigrams: denominator = 1 + 2 + 1 + 2 = 6; gamma = (D1 * 2 + D2 * 2)
        // / 6; p(w) = (a(w) - D(a(w))) / 6 + gamma / 5 (uniform over the vocabulary without
        // <s>: <unk> </s> x y z); p(<unk>) = gamma / 5.
        let e = est("x y\nx z\ny\n", 2);
        assert_eq!(e.stats[0].counts_of_counts, [2, 2, 0, 0]);
        // The order-1 estimate fails (t3 = 0), so lmplz's fallback applies: D1 0.5, D2 1.
        assert!(e.stats[0].discounts.fallback);
        let (d1, d2) = (0.5f64, 1.0f64);
        let denom = 6.0;
        let gamma = (d1 * 2.0 + d2 * 2.0) / denom;
        let px = (1.0 - d1) / denom + gamma / 5.0;
        let py = (2.0 - d2) / denom + gamma / 5.0;
        let punk = gamma / 5.0;
        let m = &e.model;
        for (w, p) in [("x", px), ("y", py), ("<unk>", punk)] {
            let got = m.get_words(&[w]).unwrap().0;
            assert!(
                (got - p.log10()).abs() < 1e-6,
                "{w}: {got} vs {}",
                p.log10()
            );
        }
        assert_eq!(m.get_words(&["<s>"]).unwrap().0, 0.0);
        assert_eq!(m.get_words(&["<s>", "x"]).map(|_| ()), Some(()));
        assert_eq!(m.count(2), 6);
    }

    #[test]
    fn every_order_gives_normalized_distributions() {
        let text = "a b c a b\nb c a\nc a b c\na a b\n";
        for order in 1..=5 {
            let e = est(text, order);
            let m = &e.model;
            assert_eq!(m.order(), order);
            for ctx in [vec![], vec![m.bos()], vec![m.bos(), 3, 4, 5], vec![5, 3]] {
                let sum: f64 = m.prob_distribution(&ctx).iter().sum();
                assert!((sum - 1.0).abs() < 1e-6, "order {order} {ctx:?}: {sum}");
            }
        }
    }

    #[test]
    fn degenerate_corpora_do_not_break_it() {
        let fb = Some(LMPLZ_FALLBACK_DISCOUNTS);
        let empty: Vec<Vec<&str>> = vec![vec![], vec![]];
        for corpus in [empty, vec![vec!["a"]], vec![vec!["a", "a", "a", "a", "a"]]] {
            for order in 1..=4 {
                let e = estimate(&corpus, order, fb).unwrap();
                let m = &e.model;
                let sum: f64 = m.prob_distribution(&[m.bos()]).iter().sum();
                assert!((sum - 1.0).abs() < 1e-6, "{corpus:?} order {order}: {sum}");
            }
        }
    }

    #[test]
    fn bad_input_is_refused() {
        fn s(t: &str) -> Vec<Vec<&str>> {
            sentences_from_text(t)
        }
        assert_eq!(
            estimate(&s("a"), 0, None).unwrap_err(),
            EstimateError::Order(0)
        );
        let none: Vec<Vec<&str>> = Vec::new();
        assert_eq!(
            estimate(&none, 3, None).unwrap_err(),
            EstimateError::NoSentences
        );
        let e = estimate(&s("a b\nc <s> d\n"), 3, None).unwrap_err();
        assert!(matches!(
            &e,
            EstimateError::Token { sentence: 2, position: 2, token, .. } if token == "<s>"
        ));
        assert!(e.to_string().starts_with("sentence 2, token 2 `<s>`: "));
        let e = estimate(&[vec!["a", ""]], 2, None).unwrap_err();
        assert!(e.to_string().contains("empty token"), "{e}");
        let e = estimate(&[vec!["a b"]], 2, None).unwrap_err();
        assert!(e.to_string().contains("whitespace"), "{e}");
    }

    /// Sentences of `len` random words drawn from `vocab` words (ids from 3), `count` of them.
    fn random_sentences(seed: u64, count: usize, vocab: u32) -> Vec<Vec<u32>> {
        let mut x = seed;
        let mut next = move |m: u64| {
            // xorshift64*: any fixed sequence will do.
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            (x.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 33) % m
        };
        (0..count)
            .map(|_| {
                let len = next(12) as usize;
                (0..len)
                    .map(|_| 3 + next(u64::from(vocab)) as u32)
                    .collect()
            })
            .collect()
    }

    #[test]
    fn packed_keys_sort_and_count_as_the_arena_does() {
        for (order, vocab) in [(1, 5), (2, 40), (3, 7), (3, 3000), (5, 2), (6, 900)] {
            let sentences = random_sentences(order as u64 * 7 + 1, 300, vocab);
            let windows = sentences.iter().map(|s| s.len() + 1).sum();
            let it = || sentences.iter().map(|s| s.iter().copied());
            let vocab_len = vocab as usize + 3;
            assert!(Packing::new(order, vocab_len, 0).is_some());
            let packed = count_windows(it(), windows, order, vocab_len);
            let arena = count_windows_unpacked(it(), windows, order);
            assert_eq!(packed.words, arena.words, "order {order}");
            assert_eq!(packed.counts, arena.counts, "order {order}");
            assert_eq!(packed.counts.iter().sum::<u64>(), windows as u64);
            if order > 1 {
                assert_eq!(
                    by_context(&packed, vocab_len),
                    by_context_unpacked(&packed),
                    "order {order}"
                );
            }
        }
        // 2^20 words need 21 bits: three fit in a u64, four do not.
        assert!(Packing::new(3, (1 << 20) + 1, 0).is_some());
        assert!(Packing::new(4, (1 << 20) + 1, 0).is_none());
        assert!(Packing::new(3, (1 << 20) + 1, 2).is_none());
    }

    #[test]
    fn windows_too_long_to_pack_give_the_same_model() {
        // Order 33 over ids that need 3 bits (6 words with the markers) does not fit a u64:
        // the arena path. It gives a normalised model whose unigrams (adjusted counts from
        // the distinct left neighbours) are those of the packed order-3 model of this text.
        let text = "a b c a b\nb c a\nc a b c\na a b\n";
        assert!(Packing::new(33, 6, 0).is_none());
        let long = est(text, 33);
        assert_eq!(long.model.order(), 33);
        let sum: f64 = long
            .model
            .prob_distribution(&[long.model.bos()])
            .iter()
            .sum();
        assert!((sum - 1.0).abs() < 1e-6, "{sum}");
        let short = est(text, 3);
        for w in ["a", "b", "c", "</s>"] {
            assert_eq!(
                long.model.get_words(&[w]).map(|v| v.0),
                short.model.get_words(&[w]).map(|v| v.0),
                "{w}"
            );
        }
    }

    /// A corpus of `sentences` (coinflip ids from the whitespace tokenizer's vocabulary).
    fn corpus(sentences: &[Vec<&str>]) -> (Vec<Vec<TokenId>>, Vocab) {
        let mut vocab = Vocab::new();
        let docs = sentences
            .iter()
            .map(|s| s.iter().map(|t| vocab.intern(t)).collect())
            .collect();
        (docs, vocab)
    }

    #[test]
    fn the_corpus_path_is_the_text_path() {
        let text = "the cat sat\non the mat\nthe dog sat on the cat\nthe end\n";
        let sentences = sentences_from_text(text);
        let (docs, vocab) = corpus(&sentences);
        for order in 1..=4 {
            let fb = Some(LMPLZ_FALLBACK_DISCOUNTS);
            let by_text = estimate(&sentences, order, fb).unwrap();
            let by_ids = estimate_corpus(&docs, &vocab, order, fb).unwrap();
            assert_eq!(by_ids.stats(), by_text.stats.as_slice());
            let mut written = Vec::new();
            by_ids.write_arpa(&mut written).unwrap();
            let written = String::from_utf8(written).unwrap();
            assert_eq!(
                written,
                crate::lm::arpa::write(&by_text.model),
                "order {order}"
            );
            let model = by_ids.into_estimate().model;
            assert_eq!(model, by_text.model, "order {order}");
        }
        // A reserved word is refused where the text path refuses it, naming the same token.
        let bad = sentences_from_text("a b\nc <s> d\n");
        let (docs, vocab) = corpus(&bad);
        let e = estimate_corpus(&docs, &vocab, 3, None).err().unwrap();
        assert_eq!(e, estimate(&bad, 3, None).unwrap_err());
        assert!(
            e.to_string().starts_with("sentence 2, token 2 `<s>`: "),
            "{e}"
        );
    }

    #[test]
    fn two_ids_that_print_the_same_are_one_word() {
        // GPT vocabularies may give two token ids the same display text; estimated from text,
        // they are one word, and so they are from ids.
        let mut vocab = Vocab::new();
        let x1 = vocab.intern_external(10, "x", 0);
        let y = vocab.intern_external(11, "y", 0);
        let x2 = vocab.intern_external(12, "x", 0);
        assert_ne!(x1, x2);
        let docs = vec![vec![x1, y, x2], vec![y, x2, x1]];
        let texts: Vec<Vec<&str>> = docs
            .iter()
            .map(|d| d.iter().map(|&t| vocab.token(t)).collect())
            .collect();
        let fb = Some(LMPLZ_FALLBACK_DISCOUNTS);
        let by_ids = estimate_corpus(&docs, &vocab, 2, fb)
            .unwrap()
            .into_estimate();
        assert_eq!(by_ids.model, estimate(&texts, 2, fb).unwrap().model);
        assert_eq!(by_ids.model.vocab().len(), 5);
    }

    #[test]
    fn a_file_larger_than_a_chunk_is_written_whole() {
        let sentences: Vec<Vec<String>> = random_sentences(9, 3000, 500)
            .iter()
            .map(|s| s.iter().map(|w| format!("w{w}")).collect())
            .collect();
        let fb = Some(LMPLZ_FALLBACK_DISCOUNTS);
        let e = estimate(&sentences, 3, fb).unwrap();
        let whole = crate::lm::arpa::write(&e.model);
        assert!(whole.len() > 4 * crate::lm::arpa::CHUNK, "{}", whole.len());
        let refs: Vec<Vec<&str>> = sentences
            .iter()
            .map(|s| s.iter().map(String::as_str).collect())
            .collect();
        let (docs, vocab) = corpus(&refs);
        let mut written = Vec::new();
        estimate_corpus(&docs, &vocab, 3, fb)
            .unwrap()
            .write_arpa(&mut written)
            .unwrap();
        assert_eq!(String::from_utf8(written).unwrap(), whole);
    }

    #[test]
    fn text_is_split_as_lmplz_reads_it() {
        let s = sentences_from_text("a  b\tc\r\n\nd \u{0}e\n");
        assert_eq!(s, vec![vec!["a", "b", "c"], vec![], vec!["d", "e"]]);
        // An empty line is the sentence "<s> </s>".
        let e = est("a\n\na\n", 2);
        assert!(e.model.get_words(&["<s>", "</s>"]).is_some());
    }
}
