//! Remix statistics: how far a generated sample departs from the training text, measured on token
//! ids with training documents kept apart (a match never spans two documents).
//!
//! This module owns the statistics computed from one sample — the longest-match profile, the
//! longest verbatim span and where it first occurs in training, novel n-gram rates and the copied
//! fraction — and their aggregation over a scenario's samples (mean, median, max). It computes
//! numbers only: formatting, thresholds and the divergence step (which needs the model) belong to
//! the report and checks. The index that answers "longest match ending here" is in [`index`].
//! Definitions with worked examples: `docs/remix.md` (its examples are checked by the tests below).

mod index;

pub use index::{CorpusIndex, CorpusTooLarge, Occurrence};

/// The n-gram orders whose novel rates are reported unless a scenario says otherwise.
pub const DEFAULT_NGRAM_ORDERS: [usize; 8] = [1, 2, 3, 4, 5, 6, 7, 8];

/// Default `copied_min_len` for word-level tokenizers (`word`, `whitespace`).
pub const DEFAULT_COPIED_MIN_LEN_WORDS: u32 = 8;

/// Default `copied_min_len` for the character tokenizer (`char`): about three to four words.
pub const DEFAULT_COPIED_MIN_LEN_CHARS: u32 = 20;

/// What a token is, as far as remix defaults go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Granularity {
    /// Word-level tokens (the `word` and `whitespace` tokenizers).
    Word,
    /// Character tokens (the `char` tokenizer).
    Char,
}

/// The default `copied_min_len`: 8 tokens for words, 20 for characters.
pub fn default_copied_min_len(granularity: Granularity) -> u32 {
    match granularity {
        Granularity::Word => DEFAULT_COPIED_MIN_LEN_WORDS,
        Granularity::Char => DEFAULT_COPIED_MIN_LEN_CHARS,
    }
}

/// What to compute for each sample.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemixConfig {
    /// The n of each novel n-gram rate, in the order they are reported (default 1..=8).
    pub ngram_orders: Vec<usize>,
    /// `L` of the copied fraction: a token is copied when it lies in a run of at least `L` tokens
    /// that occurs in training (default [`default_copied_min_len`]).
    pub copied_min_len: u32,
}

impl RemixConfig {
    /// The defaults for a tokenizer of this granularity.
    pub fn new(granularity: Granularity) -> Self {
        RemixConfig {
            ngram_orders: DEFAULT_NGRAM_ORDERS.to_vec(),
            copied_min_len: default_copied_min_len(granularity),
        }
    }
}

/// The longest verbatim span of a sample: the maximum of its profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LongestSpan {
    /// Its length in tokens (0 when no generated token occurs in training, or no tokens).
    pub length: u32,
    /// Index in `generated` of its last token: the first position attaining the maximum;
    /// `None` only when nothing was generated.
    pub end: Option<usize>,
    /// Its tokens. The span may start in the context: its first `prefix_tokens` tokens are then
    /// context tokens. Empty when `length` is 0.
    pub tokens: Vec<u32>,
    /// How many of `tokens` come from the context (the prefix), not from the generated text.
    pub prefix_tokens: usize,
    /// Its first occurrence in training; `None` when `length` is 0.
    pub occurrence: Option<Occurrence>,
}

/// The remix statistics of one sample.
#[derive(Debug, Clone, PartialEq)]
pub struct RemixStats {
    /// The longest-match profile, one entry per generated token ([`CorpusIndex::profile`]).
    pub profile: Vec<u32>,
    /// The longest verbatim span.
    pub longest: LongestSpan,
    /// `(n, rate)` for each configured order, in the configured order; `None` when the sample has
    /// no n-gram of that length ([`novel_ngram_rate`]).
    pub novel_ngram_rate: Vec<(usize, Option<f64>)>,
    /// The `L` used for `copied_fraction`.
    pub copied_min_len: u32,
    /// The share of generated tokens that were copied ([`copied_fraction`]); `None` when nothing
    /// was generated.
    pub copied_fraction: Option<f64>,
}

/// The first position of the maximum of `profile` and the maximum, or `None` when it is empty.
pub fn longest_position(profile: &[u32]) -> Option<(usize, u32)> {
    let mut best: Option<(usize, u32)> = None;
    for (i, &m) in profile.iter().enumerate() {
        if best.is_none_or(|(_, b)| m > b) {
            best = Some((i, m));
        }
    }
    best
}

/// The novel n-gram rate of a sample from its profile: among the n-grams ending at a generated
/// position `i` (those with at least `n` tokens of `context ++ generated` up to `i`), the share
/// that occur in no training document, i.e. with `profile[i] < n`. `None` when the sample has no
/// n-gram of that length (too short) or `n` is 0.
pub fn novel_ngram_rate(profile: &[u32], context_len: usize, n: usize) -> Option<f64> {
    if n == 0 {
        return None;
    }
    // Generated position i ends an n-gram when context_len + i + 1 >= n.
    let first = (n - 1).saturating_sub(context_len);
    let ends = profile.get(first..)?;
    if ends.is_empty() {
        return None;
    }
    let novel = ends.iter().filter(|&&m| (m as usize) < n).count();
    Some(novel as f64 / ends.len() as f64)
}

/// The copied fraction of a sample from its profile: the share of generated tokens covered by a
/// run of at least `min_len` tokens that occurs in training. Such runs are exactly the windows
/// `[i - profile[i] + 1, i]` with `profile[i] >= min_len` (and their sub-runs); coverage is
/// clipped to generated positions. A `min_len` of 0 counts as 1. `None` when `profile` is empty.
pub fn copied_fraction(profile: &[u32], min_len: u32) -> Option<f64> {
    if profile.is_empty() {
        return None;
    }
    let min_len = min_len.max(1);
    // Sweep right to left, keeping the smallest window start among windows ending at or after j.
    let mut reach = i64::MAX;
    let mut covered = 0usize;
    for (j, &m) in profile.iter().enumerate().rev() {
        if m >= min_len {
            reach = reach.min(j as i64 - i64::from(m) + 1);
        }
        if reach <= j as i64 {
            covered += 1;
        }
    }
    Some(covered as f64 / profile.len() as f64)
}

impl CorpusIndex {
    /// All remix statistics of one sample: `context` is the prefix the generation started from
    /// (it counts toward match lengths), `generated` the generated tokens.
    pub fn remix_stats(
        &self,
        context: &[u32],
        generated: &[u32],
        config: &RemixConfig,
    ) -> RemixStats {
        self.remix_stats_of(context, generated, self.profile(context, generated), config)
    }

    /// [`CorpusIndex::remix_stats`] when the profile of `generated` after `context` is known
    /// already (from [`CorpusIndex::profiles`], which computes many at once).
    pub fn remix_stats_of(
        &self,
        context: &[u32],
        generated: &[u32],
        profile: Vec<u32>,
        config: &RemixConfig,
    ) -> RemixStats {
        debug_assert_eq!(profile.len(), generated.len());
        let longest = match longest_position(&profile) {
            None => LongestSpan {
                length: 0,
                end: None,
                tokens: Vec::new(),
                prefix_tokens: 0,
                occurrence: None,
            },
            Some((end, length)) => {
                let len = length as usize;
                // The span ends at context.len() + end of context ++ generated.
                let in_generated = len.min(end + 1);
                let prefix_tokens = len - in_generated;
                let mut tokens = context[context.len() - prefix_tokens..].to_vec();
                tokens.extend_from_slice(&generated[end + 1 - in_generated..=end]);
                let occurrence = self.locate(&tokens);
                LongestSpan {
                    length,
                    end: Some(end),
                    tokens,
                    prefix_tokens,
                    occurrence,
                }
            }
        };
        let novel_ngram_rate = config
            .ngram_orders
            .iter()
            .map(|&n| (n, novel_ngram_rate(&profile, context.len(), n)))
            .collect();
        let copied_fraction = copied_fraction(&profile, config.copied_min_len);
        RemixStats {
            profile,
            longest,
            novel_ngram_rate,
            copied_min_len: config.copied_min_len,
            copied_fraction,
        }
    }
}

/// Mean, median and maximum of one statistic over samples.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    /// Arithmetic mean (summed in sample order).
    pub mean: f64,
    /// Middle value; for an even count, the mean of the two middle values.
    pub median: f64,
    /// Largest value.
    pub max: f64,
}

impl Summary {
    /// The summary of `values`, or `None` when there are none.
    pub fn of(values: &[f64]) -> Option<Summary> {
        if values.is_empty() {
            return None;
        }
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        let n = sorted.len();
        let median = if n % 2 == 1 {
            sorted[n / 2]
        } else {
            (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
        };
        Some(Summary {
            mean: values.iter().sum::<f64>() / n as f64,
            median,
            max: sorted[n - 1],
        })
    }
}

/// Remix statistics aggregated over a scenario's samples.
#[derive(Debug, Clone, PartialEq)]
pub struct RemixSummary {
    /// Number of samples aggregated.
    pub samples: usize,
    /// Longest verbatim span length over samples; `None` when there are no samples.
    pub max_verbatim: Option<Summary>,
    /// For each configured n, the summary over the samples that have an n-gram of that length
    /// (`None` when none has).
    pub novel_ngram_rate: Vec<(usize, Option<Summary>)>,
    /// Copied fraction over the samples that generated at least one token.
    pub copied_fraction: Option<Summary>,
}

impl RemixSummary {
    /// Aggregates `stats` (one per sample, all computed with `config`).
    pub fn of(stats: &[RemixStats], config: &RemixConfig) -> RemixSummary {
        let lengths: Vec<f64> = stats.iter().map(|s| f64::from(s.longest.length)).collect();
        let novel_ngram_rate = config
            .ngram_orders
            .iter()
            .enumerate()
            .map(|(k, &n)| {
                let rates: Vec<f64> = stats
                    .iter()
                    .filter_map(|s| s.novel_ngram_rate.get(k).and_then(|&(_, r)| r))
                    .collect();
                (n, Summary::of(&rates))
            })
            .collect();
        let copied: Vec<f64> = stats.iter().filter_map(|s| s.copied_fraction).collect();
        RemixSummary {
            samples: stats.len(),
            max_verbatim: Summary::of(&lengths),
            novel_ngram_rate,
            copied_fraction: Summary::of(&copied),
        }
    }
}

#[cfg(test)]
mod tests;
