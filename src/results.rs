//! What a run produced: plain values (numbers, ids, texts, verdicts) that the exporters in
//! [`crate::report`] format. Nothing here formats; nothing in `report` computes.
//!
//! The types derive `Serialize` because the JSON report *is* this structure (documented in
//! `docs/reports.md`); renaming a field is a schema change and bumps `SCHEMA_VERSION`.

use serde::Serialize;

use crate::error::Diagnostic;
use crate::scenario::Method;
use crate::stats::{BinKind, Statistic};

/// Version of the JSON report's structure.
pub const SCHEMA_VERSION: u32 = 2;

/// The power at which a chi-square check's detectable effect is computed
/// ([`ChiSquareDetail::detectable_w`]): the pipeline computes with it, the reports print it.
pub const DETECTABLE_POWER: f64 = 0.8;

/// At most this many bins are drawn on their own in a chi-square chart; the others are summed
/// into one group ([`ChartBins`]).
pub const MAX_CHART_BINS: usize = 40;

/// Pass, fail or error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Pass,
    Fail,
    Error,
}

impl Status {
    pub fn name(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Error => "error",
        }
    }
}

/// A whole batch, in the order the scenario files were found.
#[derive(Debug, Clone, Serialize)]
pub struct BatchReport {
    /// The version of docs/sampling.md's randomness contract that drew the samples
    /// ([`crate::sample::RANDOMNESS_CONTRACT`]): a saved report says which rules produced it.
    pub randomness_contract: u32,
    pub scenarios: Vec<ScenarioResult>,
    pub summary: Summary,
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
pub struct Summary {
    pub passed: usize,
    pub failed: usize,
    pub errors: usize,
}

impl BatchReport {
    pub fn new(scenarios: Vec<ScenarioResult>) -> Self {
        let count = |s: Status| scenarios.iter().filter(|r| r.status == s).count();
        let summary = Summary {
            passed: count(Status::Pass),
            failed: count(Status::Fail),
            errors: count(Status::Error),
        };
        BatchReport {
            randomness_contract: crate::sample::RANDOMNESS_CONTRACT,
            scenarios,
            summary,
        }
    }

    /// [`ExitCode::Ok`](crate::exit::ExitCode::Ok) when everything passed, `Failed` otherwise.
    pub fn exit_code(&self) -> crate::exit::ExitCode {
        crate::exit::ExitCode::from_passed(self.summary.failed + self.summary.errors == 0)
    }
}

/// One scenario's outcome.
#[derive(Debug, Clone, Serialize)]
pub struct ScenarioResult {
    pub name: String,
    /// The file as found (forward slashes on every system).
    pub file: String,
    pub seed: u64,
    pub status: Status,
    /// Every problem that made the scenario an error, one per line (null when none).
    pub error: Option<String>,
    #[serde(skip)]
    pub diagnostics: Vec<Diagnostic>,
    pub description: Option<String>,
    /// Things the user should know that are not failures (e.g. unknown prefix tokens).
    pub notes: Vec<Note>,
    pub model: Option<ModelInfo>,
    pub sampling: Option<crate::sample::SamplerConfig>,
    pub samples: Vec<SampleResult>,
    /// Remix statistics over the samples (null without a corpus or samples).
    pub remix_summary: Option<RemixSummary>,
    pub checks: Vec<CheckResult>,
}

impl ScenarioResult {
    /// A scenario that could not run.
    pub fn error(name: String, file: String, seed: u64, diagnostics: Vec<Diagnostic>) -> Self {
        ScenarioResult {
            name,
            file,
            seed,
            status: Status::Error,
            error: Some(
                diagnostics
                    .iter()
                    .map(|d| d.headline())
                    .collect::<Vec<_>>()
                    .join("\n"),
            ),
            diagnostics,
            description: None,
            notes: Vec::new(),
            model: None,
            sampling: None,
            samples: Vec::new(),
            remix_summary: None,
            checks: Vec::new(),
        }
    }
}

/// What was trained.
#[derive(Debug, Clone, Serialize)]
pub struct ModelInfo {
    /// "ngram" for trained models, "arpa" for models read from a file, "distribution" for
    /// explicit ones.
    pub kind: crate::lm::ModelKind,
    pub order: usize,
    /// "none" for an explicit distribution.
    #[serde(serialize_with = "name_or_none")]
    pub tokenizer: Option<crate::tokenize::TokenizerKind>,
    pub lowercase: bool,
    /// "none" for an explicit distribution.
    #[serde(serialize_with = "name_or_none")]
    pub smoothing: Option<crate::lm::EstimatorKind>,
    /// k, discount or alpha, when the smoothing has one.
    pub smoothing_parameter: Option<f64>,
    /// Distinct corpus tokens (the markers `<s>`, `</s>`, `<unk>` not included).
    pub vocabulary_size: usize,
    pub documents: usize,
    pub training_tokens: usize,
    /// Distinct n-grams per order, unigrams first (`</s>` counts as a token).
    pub ngram_counts: Vec<usize>,
    /// Modified Kneser–Ney only: the discounts D1, D2, D3+ of each order, unigrams first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub discounts: Option<Vec<[f64; 3]>>,
}

/// A value's own serde name, or "none" for a value the model does not have.
fn name_or_none<T: Serialize, S: serde::Serializer>(
    v: &Option<T>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match v {
        Some(v) => v.serialize(s),
        None => s.serialize_str("none"),
    }
}

/// One generated sample.
#[derive(Debug, Clone, Serialize)]
pub struct SampleResult {
    pub index: usize,
    /// The prefix text as given (or as taken from the training document).
    pub prefix: String,
    pub prefix_tokens: Vec<u32>,
    /// Generated token ids (the prefix not included).
    pub tokens: Vec<u32>,
    /// How each generated token reads in `full_text`: the token with the separator the tokenizer
    /// writes before it (`</s>` reads "\n\n"). For the HTML report; not part of the JSON schema.
    #[serde(skip)]
    pub token_texts: Vec<String>,
    /// The generated continuation as text.
    pub text: String,
    /// Prefix and continuation together, as a reader sees them.
    pub full_text: String,
    pub stopped: crate::sample::StopReason,
    /// How far the sample departs from the training text (null without a corpus).
    pub remix: Option<SampleRemix>,
}

/// The remix statistics of one sample (docs/remix.md).
#[derive(Debug, Clone, Serialize)]
pub struct SampleRemix {
    /// For each generated token, the longest run ending there that occurs in one training
    /// document (the run may reach back into the prefix).
    pub longest_match: Vec<u32>,
    /// For each generated token, the longest copied run that contains it ([`covering_runs`] of
    /// `longest_match`): what the HTML report shades a token by. Not part of the JSON schema.
    #[serde(skip)]
    pub covering_runs: Vec<u32>,
    pub max_verbatim: MaxVerbatim,
    /// n → share of the sample's n-grams (ending at generated tokens) found nowhere in training;
    /// null where the sample has no n-gram of that length.
    pub novel_ngram_rate: NovelRates,
    pub copied_fraction: CopiedFraction,
    /// `prefix_from` only: where the sample left the source document (null for free prefixes).
    pub divergence_step: Option<Divergence>,
}

/// For each generated token, the longest copied run that contains it: the largest
/// `longest_match[j]` over the tokens j at or after it whose run reaches back to it.
pub fn covering_runs(longest_match: &[u32]) -> Vec<u32> {
    let mut cover = vec![0u32; longest_match.len()];
    for (j, &len) in longest_match.iter().enumerate() {
        let start = (j + 1).saturating_sub(len as usize);
        for c in &mut cover[start..=j] {
            *c = (*c).max(len);
        }
    }
    cover
}

/// The longest verbatim span of a sample.
#[derive(Debug, Clone, Serialize)]
pub struct MaxVerbatim {
    pub length: u32,
    pub text: String,
    /// Training document of its first occurrence (null when length is 0).
    pub document: Option<usize>,
    /// Token offset of its first occurrence in that document.
    pub offset: Option<usize>,
}

/// Share of generated tokens inside a copied run of at least `min_len` tokens.
#[derive(Debug, Clone, Serialize)]
pub struct CopiedFraction {
    pub min_len: u32,
    pub value: Option<f64>,
}

/// Values keyed by an n-gram length, written as a JSON object in ascending n (`"1"`, `"2"`, …,
/// `"10"`), which a map keyed by strings would not keep.
#[derive(Debug, Clone, Default)]
pub struct ByN<T>(pub Vec<(usize, T)>);

impl<T: Serialize> Serialize for ByN<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (n, v) in &self.0 {
            m.serialize_entry(&n.to_string(), v)?;
        }
        m.end()
    }
}

/// Novel n-gram rates by n.
pub type NovelRates = ByN<Option<f64>>;

/// A token with the probability the model gave it at a step.
#[derive(Debug, Clone, Serialize)]
pub struct TokenAt {
    pub id: u32,
    pub text: String,
    pub p: f64,
}

/// The first step at which a sample differs from the source document's continuation.
#[derive(Debug, Clone, Serialize)]
pub struct Divergence {
    /// 0-based step; equal to the sample's length when it never diverged.
    pub step: usize,
    /// What the document has there (null if the sample never diverged).
    pub expected_token: Option<TokenAt>,
    /// What the sample drew there (null if the sample never diverged).
    pub sampled_token: Option<TokenAt>,
}

/// Mean, median and max of one statistic over a scenario's samples.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Aggregate {
    pub mean: f64,
    pub median: f64,
    pub max: f64,
}

/// Remix statistics aggregated over a scenario's samples.
#[derive(Debug, Clone, Serialize)]
pub struct RemixSummary {
    pub samples: usize,
    pub max_verbatim: Option<Aggregate>,
    pub novel_ngram_rate: NovelAggregates,
    pub copied_fraction: Option<Aggregate>,
    /// Over the samples of a `prefix_from` scenario (null otherwise).
    pub divergence_step: Option<Aggregate>,
}

/// Aggregated novel n-gram rates by n.
pub type NovelAggregates = ByN<Option<Aggregate>>;

/// Which `[checks.*]` table a check comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckKind {
    /// `[checks.output]`: expected texts, distinct samples, …
    Output,
    /// `[checks.chi_square]`: one result per tested distribution.
    ChiSquare,
    /// `[checks.remix]`: thresholds on the remix statistics.
    Remix,
}

impl CheckKind {
    /// The name reports print (`output`, `chi_square`, `remix`), as in the JSON.
    pub fn name(self) -> &'static str {
        match self {
            CheckKind::Output => "output",
            CheckKind::ChiSquare => "chi_square",
            CheckKind::Remix => "remix",
        }
    }
}

impl std::fmt::Display for CheckKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// One check's verdict.
#[derive(Debug, Clone, Serialize)]
pub struct CheckResult {
    pub kind: CheckKind,
    /// Which part of the check (e.g. "expect", "min_distinct").
    pub name: String,
    pub status: Status,
    /// What was checked and how it came out, in one sentence.
    pub message: String,
    #[serde(flatten)]
    pub detail: CheckDetail,
}

/// Figures behind a check, by kind.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum CheckDetail {
    None {},
    ChiSquare(Box<ChiSquareDetail>),
    Remix(RemixCheckDetail),
}

/// One bin of a chi-square test as reported.
#[derive(Debug, Clone, Serialize)]
pub struct BinReport {
    /// The outcome, or "(pooled: k outcomes)" / "(impossible: k outcomes)".
    pub label: String,
    /// `single`, `pooled` or `impossible`.
    pub kind: BinKind,
    /// The outcomes in the bin (one for a single bin).
    pub outcomes: Vec<String>,
    pub expected_p: f64,
    pub expected: f64,
    pub observed: u64,
    /// (O − E) / √(E (1 − p)); null when infinite.
    pub residual: Option<f64>,
}

/// The figures of one tested distribution.
#[derive(Debug, Clone, Serialize)]
pub struct ChiSquareDetail {
    pub context: String,
    /// `pearson` or `g-test`.
    pub test: Statistic,
    /// `asymptotic` or `monte-carlo`.
    pub method: Method,
    /// Draws tested.
    pub samples: u64,
    /// The statistic (null when infinite: an impossible outcome was drawn).
    pub statistic: Option<f64>,
    pub df: usize,
    pub p_value: f64,
    /// Holm-adjusted p-value when several distributions are tested (else equal to `p_value`).
    pub p_adjusted: f64,
    pub alpha: f64,
    /// Monte Carlo replicates (null for asymptotic).
    pub replicates: Option<u64>,
    /// Cohen's w of the tested bins (after pooling) against their expected probabilities:
    /// √(X²/n), X² the Pearson statistic of those bins.
    pub observed_w: f64,
    /// The smallest w this check detects with power [`DETECTABLE_POWER`] at this alpha, df and
    /// sample size (null when df = 0).
    pub detectable_w: Option<f64>,
    pub bins: Vec<BinReport>,
    /// The bins as a chart groups them. Not part of the JSON schema.
    #[serde(skip)]
    pub chart: ChartBins,
}

/// How a chart shows the bins of a chi-square check: every bin on its own when there are at most
/// [`MAX_CHART_BINS`]; otherwise the `MAX_CHART_BINS − 1` bins with the largest expected counts
/// (in the report's order), and the others summed into one group.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChartBins {
    /// Indices into [`ChiSquareDetail::bins`] of the bins drawn on their own, ascending.
    pub shown: Vec<usize>,
    /// The other bins summed (none when every bin is shown).
    pub rest: Option<RestBins>,
}

/// Bins summed into one chart group.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RestBins {
    /// How many bins.
    pub bins: usize,
    pub expected: f64,
    pub observed: u64,
}

impl ChartBins {
    /// The chart groups of `bins` (rule in the type's description).
    pub fn of(bins: &[BinReport]) -> Self {
        if bins.len() <= MAX_CHART_BINS {
            return ChartBins {
                shown: (0..bins.len()).collect(),
                rest: None,
            };
        }
        let mut order: Vec<usize> = (0..bins.len()).collect();
        order.sort_by(|&a, &b| {
            bins[b]
                .expected
                .total_cmp(&bins[a].expected)
                .then(a.cmp(&b))
        });
        let mut shown = order[..MAX_CHART_BINS - 1].to_vec();
        shown.sort_unstable();
        let mut rest = RestBins {
            bins: 0,
            expected: 0.0,
            observed: 0,
        };
        for (i, b) in bins.iter().enumerate() {
            if shown.binary_search(&i).is_err() {
                rest.bins += 1;
                rest.expected += b.expected;
                rest.observed += b.observed;
            }
        }
        ChartBins {
            shown,
            rest: Some(rest),
        }
    }
}

/// The figures behind a remix threshold: the worst sample and its value.
#[derive(Debug, Clone, Serialize)]
pub struct RemixCheckDetail {
    /// The threshold (`max_verbatim_tokens`, `min_novel.N`, `min_divergence_step`).
    pub threshold: f64,
    /// The worst sample's index (null when no sample had the statistic).
    pub worst_sample: Option<usize>,
    /// Its value.
    pub worst_value: Option<f64>,
}

// ---- notes ---------------------------------------------------------------------------------
// Added with issue 13 (the pipeline used to build these as English sentences). The words each
// note reads as, in every format including JSON, are written in `report::note`.

/// Something a reader should know about a scenario that is neither a failure nor an error. How
/// each reads is [`crate::report::note`]'s business; in the JSON report a note is that sentence.
#[derive(Debug, Clone, PartialEq)]
pub enum Note {
    /// Modified Kneser–Ney: these orders had too little text to estimate their discounts, so
    /// lmplz's fallback discounts (D1, D2, D3+) were used, as `lmplz --discount_fallback` does.
    FallbackDiscounts {
        orders: Vec<usize>,
        discounts: [f64; 3],
    },
    /// Prefix tokens the training text never has: they read as `<unk>`.
    UnknownPrefixTokens { tokens: Vec<String> },
    /// A chi-square context with tokens the training text never has.
    UnknownContextTokens {
        context: String,
        tokens: Vec<String>,
    },
    /// No `[corpus]` (an ARPA model alone): remix statistics are left out.
    NoCorpusForRemix,
    /// The corpus could not be indexed for remix statistics, which are left out; the reason.
    RemixUnavailable { reason: String },
    /// An ARPA model whose probabilities do not sum to 1 in `off` of its `contexts` contexts
    /// (by more than `tolerance`); the worst is `context` (words; empty for the unigrams), whose
    /// probabilities sum to `sum`. The draw divides by the sum (docs/sampling.md, contract 2).
    ArpaSumsOff {
        context: Vec<String>,
        sum: f64,
        off: usize,
        contexts: usize,
        tolerance: f64,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn covering_runs_spread_each_run_over_its_tokens() {
        // Profile of "x a b c d y": the copied run "a b c d" ends at index 4 with length 4.
        assert_eq!(covering_runs(&[1, 1, 2, 3, 4, 1]), vec![1, 4, 4, 4, 4, 1]);
        // A run reaching back into the prefix covers the first generated tokens.
        assert_eq!(covering_runs(&[5, 6, 1]), vec![6, 6, 1]);
        assert_eq!(covering_runs(&[]), Vec::<u32>::new());
        assert_eq!(covering_runs(&[0, 0]), vec![0, 0]);
    }

    fn bin(expected: f64, observed: u64) -> BinReport {
        BinReport {
            label: format!("{expected}"),
            kind: BinKind::Single,
            outcomes: Vec::new(),
            expected_p: 0.0,
            expected,
            observed,
            residual: None,
        }
    }

    #[test]
    fn few_bins_are_all_shown() {
        let bins: Vec<BinReport> = (0..MAX_CHART_BINS).map(|i| bin(i as f64, 1)).collect();
        let chart = ChartBins::of(&bins);
        assert_eq!(chart.shown, (0..MAX_CHART_BINS).collect::<Vec<_>>());
        assert_eq!(chart.rest, None);
    }

    #[test]
    fn many_bins_keep_the_largest_and_sum_the_rest() {
        // 45 bins; expected count 100 − i for bin i, except bin 44 which is the largest.
        let mut bins: Vec<BinReport> = (0..45).map(|i| bin(100.0 - i as f64, 2)).collect();
        bins[44].expected = 1000.0;
        let chart = ChartBins::of(&bins);
        assert_eq!(chart.shown.len(), MAX_CHART_BINS - 1);
        // Bins 0..=37 and 44, in the report's order; 38..=43 are summed.
        let mut want: Vec<usize> = (0..=37).collect();
        want.push(44);
        assert_eq!(chart.shown, want);
        let rest = chart.rest.unwrap();
        assert_eq!(rest.bins, 6);
        assert_eq!(rest.observed, 12);
        assert_eq!(
            rest.expected,
            (38..=43).map(|i| 100.0 - i as f64).sum::<f64>()
        );
        // Ties keep the earlier bin.
        let bins: Vec<BinReport> = (0..41).map(|_| bin(1.0, 1)).collect();
        assert_eq!(ChartBins::of(&bins).shown, (0..39).collect::<Vec<_>>());
    }

    #[test]
    fn check_kinds_serialize_as_before() {
        let names: Vec<String> = [CheckKind::Output, CheckKind::ChiSquare, CheckKind::Remix]
            .iter()
            .map(|k| serde_json::to_string(k).unwrap())
            .collect();
        assert_eq!(names, ["\"output\"", "\"chi_square\"", "\"remix\""]);
        assert_eq!(CheckKind::ChiSquare.to_string(), "chi_square");
        let kinds: Vec<String> = [BinKind::Single, BinKind::Pooled, BinKind::Impossible]
            .iter()
            .map(|k| serde_json::to_string(k).unwrap())
            .collect();
        assert_eq!(kinds, ["\"single\"", "\"pooled\"", "\"impossible\""]);
    }
}
