//! What a run produced: plain values (numbers, ids, texts, verdicts) that the exporters in
//! [`crate::report`] format. Nothing here formats; nothing in `report` computes.
//!
//! The types derive `Serialize` because the JSON report *is* this structure (documented in
//! `docs/reports.md`); renaming a field is a schema change and bumps `SCHEMA_VERSION`.

use serde::Serialize;

use crate::error::Diagnostic;

/// Version of the JSON report's structure.
pub const SCHEMA_VERSION: u32 = 1;

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
        BatchReport { scenarios, summary }
    }

    /// 0 when everything passed, 1 otherwise.
    pub fn exit_code(&self) -> i32 {
        if self.summary.failed + self.summary.errors == 0 {
            0
        } else {
            1
        }
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
    pub notes: Vec<String>,
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
    pub max_verbatim: MaxVerbatim,
    /// n → share of the sample's n-grams (ending at generated tokens) found nowhere in training;
    /// null where the sample has no n-gram of that length.
    pub novel_ngram_rate: NovelRates,
    pub copied_fraction: CopiedFraction,
    /// `prefix_from` only: where the sample left the source document (null for free prefixes).
    pub divergence_step: Option<Divergence>,
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

/// One check's verdict.
#[derive(Debug, Clone, Serialize)]
pub struct CheckResult {
    /// "output", "chi_square" or "remix".
    pub kind: &'static str,
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
    ChiSquare(Box<crate::pipeline::chisq::ChiSquareDetail>),
    Remix(RemixCheckDetail),
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
