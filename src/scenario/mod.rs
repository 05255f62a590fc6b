//! Scenario files: the TOML schema, strict parsing and validation into a [`Scenario`].
//!
//! Parsing happens in two steps. `toml` + serde read the file into raw structs that reject
//! unknown keys and wrong types (with the span of the offending text); then [`validate`] checks
//! ranges and combinations with the spans it kept, and reports *every* problem it finds, each
//! with the file, line, column, key, what was expected and what was found. `docs/scenarios.md`
//! documents every key with its default and range.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;
use toml::Spanned;

use crate::corpus::{CorpusSource, DocumentSplit};
use crate::error::{self, Diagnostic};
use crate::lm::{Estimator, EstimatorKind};
use crate::sample::SamplerConfig;
pub use crate::stats::Statistic;
use crate::tokenize::{Tokenizer, TokenizerKind};

/// Largest n-gram order.
pub const MAX_ORDER: i64 = 16;
/// Largest `generate.max_tokens`.
pub const MAX_TOKENS: i64 = 1_000_000;
/// Largest `generate.samples`.
pub const MAX_SAMPLES: i64 = 1_000_000;
/// Largest `samples × max_tokens` in one scenario.
pub const MAX_GENERATED: i64 = 50_000_000;
/// Largest `checks.chi_square.samples` and `replicates`.
pub const MAX_DRAWS: i64 = 100_000_000;
/// Scenario files: 1 MiB each (`COINFLIP_MAX_SCENARIO_BYTES`).
pub const SCENARIO_LIMIT: crate::corpus::SizeLimit = crate::corpus::SizeLimit {
    what: "a scenario file",
    var: "COINFLIP_MAX_SCENARIO_BYTES",
    default: 1 << 20,
};

// ---------------------------------------------------------------------------------------------
// Raw schema, as written in the file.

/// A scenario file: train an n-gram model on a corpus (or take an explicit distribution), generate text from a fixed seed, and check it. See docs/scenarios.md.
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct Raw {
    /// Names the scenario in reports; unique within a batch. Default: the file name without `.toml`.
    #[schemars(with = "Option<String>")]
    name: Option<Spanned<String>>,
    /// One line shown under the name. Default: none.
    description: Option<String>,
    /// The seed of every random stream of the scenario (`coinflip run --seed N` overrides it). Default: 0.
    #[schemars(with = "Option<i64>", range(min = 0), extend("default" = 0))]
    seed: Option<Spanned<i64>>,
    /// The training text: exactly one of `text`, `path`, `paths`. Required unless the scenario has a `[distribution]`.
    #[schemars(with = "Option<RawCorpus>")]
    corpus: Option<Spanned<RawCorpus>>,
    /// The n-gram model trained on the corpus. Default: every key at its default.
    #[schemars(with = "Option<RawModel>")]
    model: Option<Spanned<RawModel>>,
    /// How the next token is drawn from the model's probabilities. Default: plain sampling (temperature 1, no top-k, no top-p).
    #[schemars(with = "Option<RawSampling>")]
    sampling: Option<Spanned<RawSampling>>,
    /// What to generate: the prefix, how many samples, how long. Default: every key at its default.
    #[schemars(with = "Option<RawGenerate>")]
    generate: Option<Spanned<RawGenerate>>,
    /// An explicit next-token distribution to sample from instead of a trained model (no `[corpus]`, `[model]` or `[generate]`). Default: none.
    #[schemars(with = "Option<RawDistribution>")]
    distribution: Option<Spanned<RawDistribution>>,
    /// Checks of the output; a failed check makes `coinflip run` exit 1. Default: none.
    checks: Option<RawChecks>,
}

/// The training text (`[corpus]`).
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct RawCorpus {
    /// The corpus inline. Default: none (give one of `text`, `path`, `paths`).
    #[schemars(with = "Option<String>")]
    text: Option<Spanned<String>>,
    /// One UTF-8 text file, relative to the scenario file. Default: none.
    #[schemars(with = "Option<String>")]
    path: Option<Spanned<String>>,
    /// Several UTF-8 text files, read in the order given. Default: none.
    #[schemars(with = "Option<Vec<String>>")]
    paths: Option<Spanned<Vec<Spanned<String>>>>,
    /// How the text splits into training documents: blocks separated by blank lines, each non-blank line, or each file. Default: "paragraphs".
    #[schemars(with = "Option<crate::schema::DocumentSplitSchema>")]
    documents: Option<DocumentSplit>,
}

/// The n-gram model (`[model]`).
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct RawModel {
    /// The n of the n-gram: the model looks at the last `order − 1` tokens (1–16). Default: 3.
    #[schemars(with = "Option<i64>", range(min = 1, max = 16), extend("default" = 3))]
    order: Option<Spanned<i64>>,
    /// How text is cut into tokens. Default: "word" ("whitespace" beside `arpa`).
    #[schemars(with = "Option<crate::schema::TokenizerKindSchema>")]
    tokenizer: Option<TokenizerKind>,
    /// Lowercase the corpus, prefix and scored text before tokenizing. Default: false.
    #[schemars(extend("default" = false))]
    lowercase: Option<bool>,
    /// How counts become probabilities. Default: "mle".
    #[schemars(with = "Option<EstimatorKind>", extend("default" = "mle"))]
    smoothing: Option<Spanned<EstimatorKind>>,
    /// `add-k` only: the k added to every count (> 0; 1 is Laplace). Default: 1.0.
    #[schemars(with = "Option<f64>", extend("exclusiveMinimum" = 0), extend("default" = 1.0))]
    k: Option<Spanned<f64>>,
    /// `kneser-ney` only: the absolute discount D, in (0, 1]. Default: 0.75.
    #[schemars(with = "Option<f64>", extend("exclusiveMinimum" = 0, "maximum" = 1), extend("default" = 0.75))]
    discount: Option<Spanned<f64>>,
    /// `stupid-backoff` only: the back-off factor, in (0, 1]. Default: 0.4.
    #[schemars(with = "Option<f64>", extend("exclusiveMinimum" = 0, "maximum" = 1), extend("default" = 0.4))]
    alpha: Option<Spanned<f64>>,
    /// Use the ARPA backoff model in this file (KenLM, SRILM, `coinflip export-arpa`) instead of
    /// training; then `order`, `smoothing`, `k`, `discount` and `alpha` are errors and `tokenizer`
    /// defaults to "whitespace". Default: none.
    #[schemars(with = "Option<String>")]
    arpa: Option<Spanned<String>>,
}

/// How the next token is drawn (`[sampling]`).
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct RawSampling {
    /// 1 leaves the distribution alone, below 1 sharpens it, above 1 flattens it, 0 is greedy (0–1e6). Default: 1.0.
    #[schemars(with = "Option<f64>", range(min = 0, max = 1e6), extend("default" = 1.0))]
    temperature: Option<Spanned<f64>>,
    /// Keep only the k most probable tokens; 0 is off. Default: 0.
    #[schemars(with = "Option<i64>", range(min = 0), extend("default" = 0))]
    top_k: Option<Spanned<i64>>,
    /// Nucleus sampling: keep the smallest set of most probable tokens whose probability reaches p, in (0, 1]; 1 is off. Default: 1.0.
    #[schemars(with = "Option<f64>", extend("exclusiveMinimum" = 0, "maximum" = 1), extend("default" = 1.0))]
    top_p: Option<Spanned<f64>>,
}

/// A prefix taken from a training document (`prefix_from`).
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct RawPrefixFrom {
    /// The training document (0-based). Required.
    #[schemars(with = "i64", range(min = 0))]
    document: Spanned<i64>,
    /// How many of its first tokens form the prefix. Required.
    #[schemars(with = "i64", range(min = 0))]
    tokens: Spanned<i64>,
}

/// What to generate (`[generate]`).
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct RawGenerate {
    /// The text the samples continue, tokenized like the corpus. Default: "".
    #[schemars(with = "Option<String>", extend("default" = ""))]
    prefix: Option<Spanned<String>>,
    /// Instead of `prefix`: the first `tokens` tokens of training document `document`. Default: none.
    #[schemars(with = "Option<RawPrefixFrom>")]
    prefix_from: Option<Spanned<RawPrefixFrom>>,
    /// Tokens generated per sample at most (1–1,000,000). Default: 50.
    #[schemars(with = "Option<i64>", range(min = 1, max = 1_000_000), extend("default" = 50))]
    max_tokens: Option<Spanned<i64>>,
    /// Independent continuations, each with its own random stream (1–1,000,000). Default: 5.
    #[schemars(with = "Option<i64>", range(min = 1, max = 1_000_000), extend("default" = 5))]
    samples: Option<Spanned<i64>>,
    /// Stop a sample when the model draws the end-of-document token `</s>`. Default: true.
    #[schemars(extend("default" = true))]
    stop_at_end: Option<bool>,
}

/// An explicit next-token distribution (`[distribution]`).
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct RawDistribution {
    /// The context the distribution belongs to (shown in reports). Default: "".
    #[schemars(extend("default" = ""))]
    context: Option<String>,
    /// The outcomes, each listed once, non-empty. Required.
    #[schemars(with = "Vec<String>")]
    tokens: Spanned<Vec<Spanned<String>>>,
    /// One probability per token: finite, ≥ 0, summing to 1 within 1e-9 (or weights with `normalize = true`). Required.
    #[schemars(with = "Vec<f64>")]
    probs: Spanned<Vec<Spanned<f64>>>,
    /// Treat `probs` as weights and divide by their sum. Default: false.
    #[schemars(extend("default" = false))]
    normalize: Option<bool>,
}

/// Checks of the output (`[checks.*]`).
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct RawChecks {
    /// Checks of the generated text. Default: none.
    #[schemars(with = "Option<RawOutputCheck>")]
    output: Option<Spanned<RawOutputCheck>>,
    /// A chi-square goodness-of-fit test of the sampler against the model's probabilities. Default: none.
    #[schemars(with = "Option<RawChiSquare>")]
    chi_square: Option<Spanned<RawChiSquare>>,
    /// Remix statistics: how much of the output is copied from the training text. Default: none.
    #[schemars(with = "Option<RawRemix>")]
    remix: Option<Spanned<RawRemix>>,
}

/// Checks of the generated text (`[checks.output]`).
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct RawOutputCheck {
    /// The exact full text of the first samples, in order (a golden output). Default: [].
    expect: Option<Vec<String>>,
    /// Every sample must contain each string. Default: [].
    contains: Option<Vec<String>>,
    /// At least this many different samples (≥ 1). Default: none.
    #[schemars(with = "Option<i64>", range(min = 1))]
    min_distinct: Option<Spanned<i64>>,
    /// At most this many different samples (≥ 1; 1 for greedy decoding). Default: none.
    #[schemars(with = "Option<i64>", range(min = 1))]
    max_distinct: Option<Spanned<i64>>,
}

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

/// A chi-square goodness-of-fit test (`[checks.chi_square]`).
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct RawChiSquare {
    /// Draws per tested distribution (1–1e8). Default: 10000.
    #[schemars(with = "Option<i64>", range(min = 1, max = 100_000_000), extend("default" = 10000))]
    samples: Option<Spanned<i64>>,
    /// Significance level, in (0, 1); family-wise (Holm) when several contexts are tested. Default: 0.01.
    #[schemars(with = "Option<f64>", extend("exclusiveMinimum" = 0, "exclusiveMaximum" = 1), extend("default" = 0.01))]
    alpha: Option<Spanned<f64>>,
    /// The test statistic. Default: "pearson".
    #[schemars(with = "Option<crate::schema::StatisticSchema>")]
    statistic: Option<Statistic>,
    /// p-value from the chi-square distribution, or by simulation. Default: "asymptotic".
    #[schemars(with = "Option<Method>", extend("default" = "asymptotic"))]
    method: Option<Spanned<Method>>,
    /// `monte-carlo` only: simulated samples (1–1e8). Default: 10000.
    #[schemars(with = "Option<i64>", range(min = 1, max = 100_000_000), extend("default" = 10000))]
    replicates: Option<Spanned<i64>>,
    /// `asymptotic` only: outcomes with a smaller expected count are pooled into one bin (≥ 0). Default: 5.
    #[schemars(with = "Option<f64>", range(min = 0), extend("default" = 5))]
    min_expected: Option<Spanned<f64>>,
    /// Model scenarios only: the contexts whose next-token distributions are tested. Default: the `[generate]` prefix.
    #[schemars(with = "Option<Vec<String>>")]
    contexts: Option<Spanned<Vec<String>>>,
}

/// Remix statistics (`[checks.remix]`).
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct RawRemix {
    /// Fail if a sample copies a longer span of training text (≥ 0). Default: none.
    #[schemars(with = "Option<i64>", range(min = 0))]
    max_verbatim_tokens: Option<Spanned<i64>>,
    /// Fail if fewer than `rate` of a sample's n-grams are novel: a table `{ n = rate }`, n from 1 to 32, rate in [0, 1]. Default: none.
    #[schemars(with = "Option<BTreeMap<String, f64>>")]
    min_novel: Option<Spanned<BTreeMap<String, Spanned<f64>>>>,
    /// `prefix_from` only: fail if a sample leaves the source document earlier than this step (≥ 0). Default: none.
    #[schemars(with = "Option<i64>", range(min = 0))]
    min_divergence_step: Option<Spanned<i64>>,
    /// The n of the novel n-gram rates reported (each 1–32). Default: [1, 2, 3, 4, 5, 6, 7, 8].
    #[schemars(with = "Option<Vec<i64>>", extend("default" = [1, 2, 3, 4, 5, 6, 7, 8]))]
    ngram_orders: Option<Spanned<Vec<Spanned<i64>>>>,
    /// L of the copied fraction (1–1000). Default: 8 for word and whitespace tokens, 20 for char.
    #[schemars(with = "Option<i64>", range(min = 1, max = 1000))]
    copied_min_len: Option<Spanned<i64>>,
}

// ---------------------------------------------------------------------------------------------
// Validated scenario.

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

// ---------------------------------------------------------------------------------------------
// Parsing and validation.

fn has_arpa(model: &Option<Spanned<RawModel>>) -> bool {
    model.as_ref().is_some_and(|m| m.get_ref().arpa.is_some())
}

/// Reads and validates a scenario file (refusing one above [`SCENARIO_LIMIT`]). `shown` is the
/// path as the user named it.
pub fn load(path: &Path, shown: &Path) -> Result<Scenario, Vec<Diagnostic>> {
    let source =
        crate::corpus::read_text_limited(path, shown, &SCENARIO_LIMIT).map_err(|d| vec![d])?;
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    parse(&source, shown, &dir, &stem)
}

/// Parses and validates scenario text.
pub fn parse(
    source: &str,
    shown: &Path,
    dir: &Path,
    default_name: &str,
) -> Result<Scenario, Vec<Diagnostic>> {
    if source.trim().is_empty() {
        return Err(vec![Diagnostic::file(
            shown,
            "the scenario file is empty: expected at least a [corpus] or a [distribution] table",
        )]);
    }
    let raw: Raw = toml::from_str(source).map_err(|e| vec![error::from_toml(shown, source, &e)])?;
    let mut v = Validator {
        file: shown,
        source,
        errors: Vec::new(),
    };
    let scenario = v.scenario(raw, dir, default_name);
    match scenario {
        Some(s) if v.errors.is_empty() => Ok(s),
        _ => Err(v.errors),
    }
}

struct Validator<'a> {
    file: &'a Path,
    source: &'a str,
    errors: Vec<Diagnostic>,
}

impl Validator<'_> {
    fn error(&mut self, span: Range<usize>, key: &str, message: impl Into<String>) {
        self.errors.push(Diagnostic::at(
            self.file,
            self.source,
            Some(span),
            Some(key.to_string()),
            message,
        ));
    }

    /// An integer in `lo..=hi`, or the default.
    fn int(&mut self, v: Option<Spanned<i64>>, key: &str, lo: i64, hi: i64, default: i64) -> i64 {
        match v {
            None => default,
            Some(s) => {
                let x = *s.get_ref();
                if x < lo || x > hi {
                    let range = if hi == i64::MAX {
                        format!("an integer ≥ {lo}")
                    } else {
                        format!("an integer from {lo} to {hi}")
                    };
                    self.error(s.span(), key, format!("expected {range}, found {x}"));
                    default
                } else {
                    x
                }
            }
        }
    }

    /// A finite number accepted by `ok` (described by `expected`), or the default.
    fn float(
        &mut self,
        v: Option<Spanned<f64>>,
        key: &str,
        ok: impl Fn(f64) -> bool,
        expected: &str,
        default: f64,
    ) -> f64 {
        match v {
            None => default,
            Some(s) => {
                let x = *s.get_ref();
                if !x.is_finite() || !ok(x) {
                    self.error(s.span(), key, format!("expected {expected}, found {x}"));
                    default
                } else {
                    x
                }
            }
        }
    }

    fn scenario(&mut self, raw: Raw, dir: &Path, default_name: &str) -> Option<Scenario> {
        let name = match raw.name {
            Some(n) if n.get_ref().trim().is_empty() => {
                self.error(n.span(), "name", "expected a non-empty name, found \"\"");
                default_name.to_string()
            }
            Some(n) => n.into_inner(),
            None => default_name.to_string(),
        };
        let seed = self.int(raw.seed, "seed", 0, i64::MAX, 0) as u64;
        let sampling = self.sampling(raw.sampling);
        let kind = match (raw.distribution, raw.corpus) {
            (Some(dist), corpus) => {
                for (present, key, span) in [
                    (corpus.as_ref().map(|c| c.span()), "corpus", None),
                    (raw.model.as_ref().map(|c| c.span()), "model", None),
                    (
                        raw.generate.as_ref().map(|c| c.span()),
                        "generate",
                        None::<()>,
                    ),
                ]
                .into_iter()
                .map(|(s, k, _)| (s.is_some(), k, s))
                {
                    if present {
                        self.error(
                            span.unwrap_or(0..0),
                            key,
                            format!(
                                "a [distribution] scenario samples from the distribution it gives: \
                                 remove [{key}] (or remove [distribution] to train a model)"
                            ),
                        );
                    }
                }
                if raw.checks.as_ref().is_none_or(|c| c.chi_square.is_none()) {
                    let span = dist.span();
                    self.error(
                        span,
                        "distribution",
                        "a [distribution] scenario needs a [checks.chi_square] table: it is what \
                         the scenario runs",
                    );
                }
                ScenarioKind::Distribution(self.distribution(dist)?)
            }
            (None, corpus) if corpus.is_some() || has_arpa(&raw.model) => {
                let corpus = match corpus {
                    Some(c) => Some(self.corpus(c)?),
                    None => None,
                };
                let model = self.model(raw.model);
                let generate = self.generate(raw.generate);
                ScenarioKind::Model {
                    corpus,
                    model,
                    generate,
                }
            }
            (None, _) => {
                self.errors.push(Diagnostic::file(
                    self.file,
                    "expected a [corpus] table (to train a model), a [model] table with `arpa`, \
                     or a [distribution] table, found none of them",
                ));
                return None;
            }
        };
        let is_model = matches!(kind, ScenarioKind::Model { .. });
        let checks = self.checks(raw.checks, is_model);
        Some(Scenario {
            name,
            description: raw.description,
            file: self.file.to_path_buf(),
            dir: dir.to_path_buf(),
            source: Arc::from(self.source),
            seed,
            kind,
            sampling,
            checks,
        })
    }

    fn sampling(&mut self, raw: Option<Spanned<RawSampling>>) -> SamplerConfig {
        let Some(raw) = raw else {
            return SamplerConfig::default();
        };
        let raw = raw.into_inner();
        SamplerConfig {
            temperature: self.float(
                raw.temperature,
                "sampling.temperature",
                |t| (0.0..=1e6).contains(&t),
                "a number from 0 (greedy) to 1e6",
                1.0,
            ),
            top_k: self.int(raw.top_k, "sampling.top_k", 0, i64::from(u32::MAX), 0) as usize,
            top_p: self.float(
                raw.top_p,
                "sampling.top_p",
                |p| p > 0.0 && p <= 1.0,
                "a number in (0, 1] (1 turns top-p off)",
                1.0,
            ),
        }
    }

    fn corpus(&mut self, raw: Spanned<RawCorpus>) -> Option<CorpusSpec> {
        let span = raw.span();
        let raw = raw.into_inner();
        let given = [raw.text.is_some(), raw.path.is_some(), raw.paths.is_some()]
            .iter()
            .filter(|&&b| b)
            .count();
        if given != 1 {
            let found = if given == 0 {
                "none".to_string()
            } else {
                "several".to_string()
            };
            self.error(
                span,
                "corpus",
                format!("expected exactly one of `text`, `path` or `paths`, found {found}"),
            );
            return None;
        }
        let mut spans = Vec::new();
        let source = if let Some(t) = raw.text {
            if t.get_ref().trim().is_empty() {
                self.error(
                    t.span(),
                    "corpus.text",
                    "expected some text, found an empty string",
                );
                return None;
            }
            spans.push(t.span());
            CorpusSource::Text(t.into_inner())
        } else if let Some(p) = raw.path {
            if p.get_ref().is_empty() {
                self.error(p.span(), "corpus.path", "expected a file path, found \"\"");
                return None;
            }
            spans.push(p.span());
            CorpusSource::Files(vec![PathBuf::from(p.into_inner())])
        } else {
            let paths = raw.paths.expect("one of the three is set");
            if paths.get_ref().is_empty() {
                self.error(
                    paths.span(),
                    "corpus.paths",
                    "expected at least one path, found []",
                );
                return None;
            }
            CorpusSource::Files(
                paths
                    .into_inner()
                    .into_iter()
                    .map(|p| {
                        spans.push(p.span());
                        PathBuf::from(p.into_inner())
                    })
                    .collect(),
            )
        };
        Some(CorpusSpec {
            source,
            documents: raw.documents.unwrap_or_default(),
            spans,
        })
    }

    fn model(&mut self, raw: Option<Spanned<RawModel>>) -> ModelSpec {
        let raw = raw.map(|r| r.into_inner()).unwrap_or(RawModel {
            order: None,
            tokenizer: None,
            lowercase: None,
            smoothing: None,
            k: None,
            discount: None,
            alpha: None,
            arpa: None,
        });
        if let Some(arpa) = raw.arpa {
            // The file says everything about the model but how to cut text into its words.
            for (key, span) in [
                ("order", raw.order.as_ref().map(|s| s.span())),
                ("smoothing", raw.smoothing.as_ref().map(|s| s.span())),
                ("k", raw.k.as_ref().map(|s| s.span())),
                ("discount", raw.discount.as_ref().map(|s| s.span())),
                ("alpha", raw.alpha.as_ref().map(|s| s.span())),
            ] {
                if let Some(span) = span {
                    self.error(
                        span,
                        &format!("model.{key}"),
                        format!(
                            "`{key}` comes from the ARPA file named by `arpa`; remove it (or \
                             remove `arpa` to train a model)"
                        ),
                    );
                }
            }
            if arpa.get_ref().is_empty() {
                self.error(
                    arpa.span(),
                    "model.arpa",
                    "expected a file path, found \"\"",
                );
            }
            let span = arpa.span();
            return ModelSpec {
                order: 0,
                tokenizer: Tokenizer {
                    kind: raw.tokenizer.unwrap_or(TokenizerKind::Whitespace),
                    lowercase: raw.lowercase.unwrap_or(false),
                },
                estimator: Estimator::Arpa {
                    path: PathBuf::from(arpa.into_inner()),
                    span,
                },
            };
        }
        let order = self.int(raw.order, "model.order", 1, MAX_ORDER, 3) as usize;
        let kind = raw
            .smoothing
            .as_ref()
            .map(|s| *s.get_ref())
            .unwrap_or(EstimatorKind::Mle);
        let wanted = kind.parameter();
        // A parameter of another smoothing is a mistake, not something to ignore.
        let mut given = None;
        for (key, value) in [
            ("k", raw.k),
            ("discount", raw.discount),
            ("alpha", raw.alpha),
        ] {
            let Some(value) = value else { continue };
            if wanted.is_some_and(|p| p.key == key) {
                given = Some(value);
                continue;
            }
            let owner = EstimatorKind::owning(key).map_or("", EstimatorKind::name);
            self.error(
                value.span(),
                &format!("model.{key}"),
                format!(
                    "`{key}` only applies to smoothing = \"{owner}\"; remove it or set that \
                     smoothing"
                ),
            );
        }
        let value = wanted.map_or(0.0, |p| {
            let key = format!("model.{}", p.key);
            self.float(given, &key, p.accepts, p.expected, p.default)
        });
        let estimator = Estimator::new(kind, value).expect("`arpa` is not a smoothing name");
        ModelSpec {
            order,
            tokenizer: Tokenizer {
                kind: raw.tokenizer.unwrap_or(TokenizerKind::Word),
                lowercase: raw.lowercase.unwrap_or(false),
            },
            estimator,
        }
    }

    fn generate(&mut self, raw: Option<Spanned<RawGenerate>>) -> GenerateSpec {
        let Some(raw) = raw else {
            return GenerateSpec {
                prefix: Prefix::Text(String::new()),
                max_tokens: 50,
                samples: 5,
                stop_at_end: true,
            };
        };
        let raw = raw.into_inner();
        let prefix = match (raw.prefix, raw.prefix_from) {
            (Some(p), Some(pf)) => {
                self.error(
                    pf.span(),
                    "generate.prefix_from",
                    "expected either `prefix` or `prefix_from`, found both",
                );
                Prefix::Text(p.into_inner())
            }
            (Some(p), None) => Prefix::Text(p.into_inner()),
            (None, Some(pf)) => {
                let span = pf.span();
                let pf = pf.into_inner();
                let document = self.int(
                    Some(pf.document),
                    "generate.prefix_from.document",
                    0,
                    i64::MAX,
                    0,
                );
                let tokens = self.int(Some(pf.tokens), "generate.prefix_from.tokens", 0, 10_000, 0);
                Prefix::FromDocument {
                    document: document as usize,
                    tokens: tokens as usize,
                    span,
                }
            }
            (None, None) => Prefix::Text(String::new()),
        };
        let max_span = raw.max_tokens.as_ref().map(|s| s.span());
        let max_tokens = self.int(raw.max_tokens, "generate.max_tokens", 1, MAX_TOKENS, 50);
        let samples = self.int(raw.samples, "generate.samples", 1, MAX_SAMPLES, 5);
        if samples * max_tokens > MAX_GENERATED {
            self.error(
                max_span.unwrap_or(0..0),
                "generate.max_tokens",
                format!(
                    "samples × max_tokens = {} exceeds the limit of {MAX_GENERATED} generated \
                     tokens per scenario; lower `samples` or `max_tokens`, or split the scenario",
                    samples * max_tokens
                ),
            );
        }
        GenerateSpec {
            prefix,
            max_tokens: max_tokens as usize,
            samples: samples as usize,
            stop_at_end: raw.stop_at_end.unwrap_or(true),
        }
    }

    fn distribution(&mut self, raw: Spanned<RawDistribution>) -> Option<DistributionSpec> {
        let table_span = raw.span();
        let raw = raw.into_inner();
        let (tokens_span, tokens) = (raw.tokens.span(), raw.tokens.into_inner());
        let (probs_span, probs) = (raw.probs.span(), raw.probs.into_inner());
        let before = self.errors.len();
        if tokens.is_empty() {
            self.error(
                tokens_span,
                "distribution.tokens",
                "expected at least one token, found []",
            );
        }
        if tokens.len() != probs.len() {
            self.error(
                probs_span.clone(),
                "distribution.probs",
                format!(
                    "expected one probability per token ({} tokens), found {}",
                    tokens.len(),
                    probs.len()
                ),
            );
        }
        let mut seen: BTreeMap<&str, ()> = BTreeMap::new();
        for t in &tokens {
            if t.get_ref().is_empty() {
                self.error(
                    t.span(),
                    "distribution.tokens",
                    "expected a token, found \"\"",
                );
            } else if seen.insert(t.get_ref(), ()).is_some() {
                self.error(
                    t.span(),
                    "distribution.tokens",
                    format!(
                        "duplicate token {:?}: each outcome must be listed once",
                        t.get_ref()
                    ),
                );
            }
        }
        for p in &probs {
            let x = *p.get_ref();
            if !x.is_finite() || x < 0.0 {
                self.error(
                    p.span(),
                    "distribution.probs",
                    format!("expected a finite probability ≥ 0, found {x}"),
                );
            }
        }
        if self.errors.len() > before {
            return None;
        }
        let mut probs: Vec<f64> = probs.into_iter().map(|p| p.into_inner()).collect();
        let sum: f64 = probs.iter().sum();
        if raw.normalize.unwrap_or(false) {
            if sum <= 0.0 {
                self.error(
                    probs_span,
                    "distribution.probs",
                    "expected weights with a positive sum, found all zero",
                );
                return None;
            }
            for p in probs.iter_mut() {
                *p /= sum;
            }
        } else if (sum - 1.0).abs() > 1e-9 {
            self.error(
                probs_span,
                "distribution.probs",
                format!(
                    "expected probabilities summing to 1 (within 1e-9), found a sum of {sum}; \
                     fix them or set `normalize = true` to treat them as weights"
                ),
            );
            return None;
        }
        let _ = table_span;
        Some(DistributionSpec {
            context: raw.context.unwrap_or_default(),
            tokens: tokens.into_iter().map(|t| t.into_inner()).collect(),
            probs,
        })
    }

    fn checks(&mut self, raw: Option<RawChecks>, is_model: bool) -> Checks {
        let Some(raw) = raw else {
            return Checks::default();
        };
        let output = raw.output.map(|o| {
            let span = o.span();
            let o = o.into_inner();
            if !is_model {
                self.error(
                    span,
                    "checks.output",
                    "output checks need generated samples; a [distribution] scenario has none",
                );
            }
            OutputCheck {
                expect: o.expect.unwrap_or_default(),
                contains: o.contains.unwrap_or_default(),
                min_distinct: o.min_distinct.map(|m| {
                    self.int(Some(m), "checks.output.min_distinct", 1, i64::MAX, 1) as usize
                }),
                max_distinct: o.max_distinct.map(|m| {
                    self.int(Some(m), "checks.output.max_distinct", 1, i64::MAX, 1) as usize
                }),
            }
        });
        let chi_square = raw.chi_square.map(|c| {
            let c = c.into_inner();
            let method = c.method.as_ref().map(|m| *m.get_ref()).unwrap_or(Method::Asymptotic);
            if let (Some(r), Method::Asymptotic) = (&c.replicates, method) {
                self.error(
                    r.span(),
                    "checks.chi_square.replicates",
                    "`replicates` only applies to method = \"monte-carlo\"",
                );
            }
            if let (Some(m), Method::MonteCarlo) = (&c.min_expected, method) {
                self.error(
                    m.span(),
                    "checks.chi_square.min_expected",
                    "`min_expected` only applies to method = \"asymptotic\" (Monte Carlo needs no pooling)",
                );
            }
            if let (Some(ctx), false) = (&c.contexts, is_model) {
                self.error(
                    ctx.span(),
                    "checks.chi_square.contexts",
                    "`contexts` only applies to model scenarios; a [distribution] has one context",
                );
            }
            if let Some(ctx) = &c.contexts
                && ctx.get_ref().is_empty()
            {
                self.error(
                    ctx.span(),
                    "checks.chi_square.contexts",
                    "expected at least one context, found []",
                );
            }
            ChiSquareCheck {
                samples: self.int(c.samples, "checks.chi_square.samples", 1, MAX_DRAWS, 10_000) as u64,
                alpha: self.float(
                    c.alpha,
                    "checks.chi_square.alpha",
                    |a| a > 0.0 && a < 1.0,
                    "a significance level in (0, 1)",
                    0.01,
                ),
                statistic: c.statistic.unwrap_or(Statistic::Pearson),
                method,
                replicates: self.int(c.replicates, "checks.chi_square.replicates", 1, MAX_DRAWS, 10_000)
                    as u64,
                min_expected: self.float(
                    c.min_expected,
                    "checks.chi_square.min_expected",
                    |m| m >= 0.0,
                    "a count ≥ 0",
                    5.0,
                ),
                contexts: c.contexts.map(|c| c.into_inner()),
            }
        });
        let remix = raw.remix.map(|r| {
            let span = r.span();
            let r = r.into_inner();
            if !is_model {
                self.error(
                    span,
                    "checks.remix",
                    "remix checks compare generated text with a training corpus; a \
                     [distribution] scenario has neither",
                );
            }
            let mut min_novel = BTreeMap::new();
            if let Some(m) = r.min_novel {
                for (k, v) in m.into_inner() {
                    let n = k.parse::<usize>().ok().filter(|n| (1..=32).contains(n));
                    let x = *v.get_ref();
                    match n {
                        None => self.error(
                            v.span(),
                            "checks.remix.min_novel",
                            format!(
                                "expected an n-gram length from 1 to 32 as the key, found {k:?}"
                            ),
                        ),
                        Some(_) if !(0.0..=1.0).contains(&x) => self.error(
                            v.span(),
                            "checks.remix.min_novel",
                            format!("expected a rate in [0, 1] for {k}-grams, found {x}"),
                        ),
                        Some(n) => {
                            min_novel.insert(n, x);
                        }
                    }
                }
            }
            let ngram_orders = match r.ngram_orders {
                None => (1..=8).collect(),
                Some(list) => {
                    if list.get_ref().is_empty() {
                        self.error(
                            list.span(),
                            "checks.remix.ngram_orders",
                            "expected at least one n-gram length, found []",
                        );
                    }
                    let mut v: Vec<usize> = list
                        .into_inner()
                        .into_iter()
                        .map(|n| self.int(Some(n), "checks.remix.ngram_orders", 1, 32, 1) as usize)
                        .collect();
                    v.sort_unstable();
                    v.dedup();
                    v
                }
            };
            RemixCheck {
                max_verbatim_tokens: r.max_verbatim_tokens.map(|m| {
                    self.int(Some(m), "checks.remix.max_verbatim_tokens", 0, i64::MAX, 0) as usize
                }),
                min_novel,
                min_divergence_step: r.min_divergence_step.map(|m| {
                    self.int(Some(m), "checks.remix.min_divergence_step", 0, i64::MAX, 0) as usize
                }),
                ngram_orders,
                copied_min_len: r.copied_min_len.map(|m| {
                    self.int(Some(m), "checks.remix.copied_min_len", 1, 1_000, 8) as usize
                }),
            }
        });
        Checks {
            output,
            chi_square,
            remix,
        }
    }
}

/// The JSON Schema of scenario files, generated from the raw structs above (`coinflip schema
/// scenario`).
pub fn scenario_schema() -> serde_json::Value {
    crate::schema::generate::<Raw>()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(src: &str) -> Result<Scenario, Vec<Diagnostic>> {
        parse(src, Path::new("s.toml"), Path::new(""), "s")
    }

    fn first_error(src: &str) -> String {
        parse_str(src).unwrap_err()[0].headline()
    }

    #[test]
    fn defaults() {
        let s = parse_str("[corpus]\ntext = \"a b\"\n").unwrap();
        assert_eq!(s.name, "s");
        assert_eq!(s.seed, 0);
        let ScenarioKind::Model {
            model,
            generate,
            corpus,
        } = s.kind
        else {
            panic!()
        };
        assert_eq!(model.order, 3);
        assert_eq!(model.tokenizer.kind, TokenizerKind::Word);
        assert_eq!(model.estimator, Estimator::Mle);
        assert_eq!((generate.max_tokens, generate.samples), (50, 5));
        assert_eq!(corpus.unwrap().documents, DocumentSplit::Paragraphs);
    }

    #[test]
    fn unknown_key_located_with_suggestion() {
        let e = first_error("[corpus]\ntext = \"a\"\n[model]\nordr = 2\n");
        assert!(
            e.starts_with("s.toml:4:1: `model.ordr`: unknown field `ordr`"),
            "{e}"
        );
        assert!(e.ends_with("(did you mean `order`?)"), "{e}");
    }

    #[test]
    fn out_of_range_values() {
        let e = first_error("[corpus]\ntext = \"a\"\n[model]\norder = 0\n");
        assert_eq!(
            e,
            "s.toml:4:9: `model.order`: expected an integer from 1 to 16, found 0"
        );
        let e = first_error("[corpus]\ntext = \"a\"\n[sampling]\ntop_p = 1.5\n");
        assert!(
            e.contains("`sampling.top_p`: expected a number in (0, 1]"),
            "{e}"
        );
        let e = first_error("[corpus]\ntext = \"a\"\n[sampling]\ntemperature = nan\n");
        assert!(e.contains("found NaN"), "{e}");
    }

    #[test]
    fn every_problem_reported() {
        let errs = parse_str(
            "[corpus]\ntext = \"a\"\n[model]\norder = 0\nsmoothing = \"mle\"\nk = 2.0\n[sampling]\ntop_p = 0\n",
        )
        .unwrap_err();
        assert_eq!(errs.len(), 3, "{errs:?}");
    }

    #[test]
    fn distribution_rules() {
        let ok =
            "[distribution]\ntokens = [\"a\", \"b\"]\nprobs = [0.25, 0.75]\n[checks.chi_square]\n";
        assert!(parse_str(ok).is_ok());
        let e = first_error(
            "[distribution]\ntokens = [\"a\", \"b\"]\nprobs = [0.3, 0.3]\n[checks.chi_square]\n",
        );
        assert!(e.contains("summing to 1"), "{e}");
        let e = first_error(
            "[distribution]\ntokens = [\"a\", \"a\"]\nprobs = [0.5, 0.5]\n[checks.chi_square]\n",
        );
        assert!(e.contains("duplicate token"), "{e}");
        let s = parse_str(
            "[distribution]\ntokens = [\"a\", \"b\"]\nprobs = [1, 3]\nnormalize = true\n[checks.chi_square]\n",
        );
        // integers are accepted where a number is expected
        let ScenarioKind::Distribution(d) = s.unwrap().kind else {
            panic!()
        };
        assert_eq!(d.probs, vec![0.25, 0.75]);
        let s = parse_str("[distribution]\ntokens = [\"a\", \"b\"]\nprobs = [1.0, 3.0]\nnormalize = true\n[checks.chi_square]\n").unwrap();
        let ScenarioKind::Distribution(d) = s.kind else {
            panic!()
        };
        assert_eq!(d.probs, vec![0.25, 0.75]);
    }

    #[test]
    fn corpus_needs_exactly_one_source() {
        let e = first_error("[corpus]\ntext = \"a\"\npath = \"x.txt\"\n");
        assert!(
            e.contains("exactly one of `text`, `path` or `paths`, found several"),
            "{e}"
        );
        let e = first_error("seed = 1\n");
        assert!(e.contains("found none of them"), "{e}");
        let e = first_error("seed = -1\n[corpus]\ntext = \"a\"\n");
        assert!(
            e.contains("`seed`: expected an integer ≥ 0, found -1"),
            "{e}"
        );
    }
}
