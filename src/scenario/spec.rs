//! A validated scenario: what [`super::load`] hands the run. Every value is in range and every
//! default filled in; spans are kept only where an error can still be found while running (a
//! corpus path, a prefix document, an ARPA file).

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::PathBuf;
use std::sync::Arc;

use serde::Deserialize;

use crate::corpus::{CorpusSource, DocumentSplit};
use crate::lm::Estimator;
use crate::sample::SamplerConfig;
use crate::stats::Statistic;
use crate::tokenize::Tokenizer;

/// A validated scenario, ready to run.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub name: String,
    pub description: Option<String>,
    /// The file as the user named it (for reports).
    pub file: PathBuf,
    /// The folder relative paths in the file are resolved against.
    pub dir: PathBuf,
    /// The file's text, for located errors found while running.
    pub source: Arc<str>,
    pub seed: u64,
    pub kind: ScenarioKind,
    pub sampling: SamplerConfig,
    pub checks: Checks,
}

/// What a scenario samples from.
#[derive(Debug, Clone)]
pub enum ScenarioKind {
    /// Train an n-gram model on a corpus and generate from it.
    Model {
        /// The training corpus; optional only for a model read from an ARPA file.
        corpus: Option<CorpusSpec>,
        model: ModelSpec,
        generate: GenerateSpec,
    },
    /// An explicit next-token distribution (the chapter's demo).
    Distribution(DistributionSpec),
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CorpusSpec {
    pub source: CorpusSource,
    pub documents: DocumentSplit,
    /// Where each path (or the text) is written in the scenario file, for located errors.
    pub spans: Vec<Range<usize>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ModelSpec {
    /// The n-gram order (for an ARPA model: 0 here, read from the file).
    pub order: usize,
    pub tokenizer: Tokenizer,
    pub estimator: Estimator,
    /// Where `order` is written (else the `[model]` table; none without either), for the
    /// training memory limit found once the corpus is tokenized.
    pub order_span: Option<Range<usize>>,
}

#[derive(Debug, Clone)]
pub enum Prefix {
    Text(String),
    FromDocument {
        document: usize,
        tokens: usize,
        /// Where `prefix_from` is in the file, for errors found when the corpus is loaded.
        span: Range<usize>,
    },
}

#[derive(Debug, Clone)]
pub struct GenerateSpec {
    pub prefix: Prefix,
    pub max_tokens: usize,
    pub samples: usize,
    pub stop_at_end: bool,
}

#[derive(Debug, Clone)]
pub struct DistributionSpec {
    pub context: String,
    pub tokens: Vec<String>,
    /// Probabilities summing to 1 (normalised already when `normalize = true`).
    pub probs: Vec<f64>,
}

/// The checks a scenario asks for.
#[derive(Debug, Clone, Default)]
pub struct Checks {
    pub output: Option<OutputCheck>,
    pub chi_square: Option<ChiSquareCheck>,
    pub remix: Option<RemixCheck>,
}

#[derive(Debug, Clone, Default)]
pub struct OutputCheck {
    pub expect: Vec<String>,
    pub contains: Vec<String>,
    pub min_distinct: Option<usize>,
    pub max_distinct: Option<usize>,
}

#[derive(Debug, Clone)]
pub struct ChiSquareCheck {
    pub samples: u64,
    pub alpha: f64,
    pub statistic: Statistic,
    pub method: Method,
    pub replicates: u64,
    pub min_expected: f64,
    /// Model scenarios: the contexts to test (None: the generate prefix).
    pub contexts: Option<Vec<String>>,
}

#[derive(Debug, Clone)]
pub struct RemixCheck {
    pub max_verbatim_tokens: Option<usize>,
    /// n → minimal novel n-gram rate.
    pub min_novel: BTreeMap<usize, f64>,
    pub min_divergence_step: Option<usize>,
    pub ngram_orders: Vec<usize>,
    /// None: the tokenizer's default (8 for words, 20 for characters).
    pub copied_min_len: Option<usize>,
}

// How a chi-square p-value is computed (`checks.chi_square.method`). A plain comment: a doc
// comment would become the schema's description of the name list.
#[derive(
    Deserialize, Clone, Copy, PartialEq, Eq, Debug, serde::Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Method {
    Asymptotic,
    MonteCarlo,
}

impl Method {
    pub fn name(self) -> &'static str {
        match self {
            Method::Asymptotic => "asymptotic",
            Method::MonteCarlo => "monte-carlo",
        }
    }
}
