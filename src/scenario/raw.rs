//! The raw tables of a scenario file, as written: serde structs that reject unknown keys and
//! wrong types (with the span of the offending text) and keep the spans validation needs. Their
//! doc comments and `schemars` attributes are the JSON Schema of scenario files (`coinflip schema
//! scenario`, generated in `crate::schema`): each key's description, default and range.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use super::spec::Method;
use crate::corpus::DocumentSplit;
use crate::lm::EstimatorKind;
use crate::stats::Statistic;
use crate::tokenize::TokenizerKind;

/// A scenario file: train an n-gram model on a corpus (or take an explicit distribution), generate text from a fixed seed, and check it. See docs/scenarios.md.
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Raw {
    /// Names the scenario in reports; unique within a batch. Default: the file name without `.toml`.
    #[schemars(with = "Option<String>")]
    pub(super) name: Option<Spanned<String>>,
    /// One line shown under the name. Default: none.
    pub(super) description: Option<String>,
    /// The seed of every random stream of the scenario (`coinflip run --seed N` overrides it): 0 to 18446744073709551615 (2^64 − 1), as `--seed` takes it; TOML integers stop at 9223372036854775807, so a larger seed is written as a string of digits, `seed = "18446744073709551615"`. Default: 0.
    #[schemars(with = "Option<SeedSchema>", extend("default" = 0))]
    pub(super) seed: Option<Spanned<RawSeed>>,
    /// The training text: exactly one of `text`, `path`, `paths`. Required unless the scenario has a `[distribution]`.
    #[schemars(with = "Option<RawCorpus>")]
    pub(super) corpus: Option<Spanned<RawCorpus>>,
    /// The n-gram model trained on the corpus. Default: every key at its default.
    #[schemars(with = "Option<RawModel>")]
    pub(super) model: Option<Spanned<RawModel>>,
    /// How the next token is drawn from the model's probabilities. Default: plain sampling (temperature 1, no top-k, no top-p).
    #[schemars(with = "Option<RawSampling>")]
    pub(super) sampling: Option<Spanned<RawSampling>>,
    /// What to generate: the prefix, how many samples, how long. Default: every key at its default.
    #[schemars(with = "Option<RawGenerate>")]
    pub(super) generate: Option<Spanned<RawGenerate>>,
    /// An explicit next-token distribution to sample from instead of a trained model (no `[corpus]`, `[model]` or `[generate]`). Default: none.
    #[schemars(with = "Option<RawDistribution>")]
    pub(super) distribution: Option<Spanned<RawDistribution>>,
    /// Checks of the output; a failed check makes `coinflip run` exit 1. Default: none.
    pub(super) checks: Option<RawChecks>,
}

/// `seed` as written: a TOML integer (signed 64-bit, so at most 2^63 − 1), or a string meant to
/// hold the digits of a larger one. Validation checks the range and the digits, with the span.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum RawSeed {
    Int(i64),
    Text(String),
}

impl<'de> Deserialize<'de> for RawSeed {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = RawSeed;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str(
                    "an integer from 0 to 18446744073709551615 (above 9223372036854775807 as a \
                     string of digits, such as \"18446744073709551615\")",
                )
            }
            fn visit_i64<E>(self, v: i64) -> Result<RawSeed, E> {
                Ok(RawSeed::Int(v))
            }
            fn visit_u64<E>(self, v: u64) -> Result<RawSeed, E> {
                Ok(i64::try_from(v).map_or_else(|_| RawSeed::Text(v.to_string()), RawSeed::Int))
            }
            fn visit_str<E>(self, v: &str) -> Result<RawSeed, E> {
                Ok(RawSeed::Text(v.to_string()))
            }
        }
        d.deserialize_any(Visitor)
    }
}

/// The schema of `seed`: a non-negative integer, or a string of decimal digits.
#[derive(schemars::JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)] // a shape for the schema only
enum SeedSchema {
    Integer(#[schemars(range(min = 0))] i64),
    Digits(#[schemars(regex(pattern = r"^[0-9]{1,20}$"))] String),
}

/// The training text (`[corpus]`).
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCorpus {
    /// The corpus inline. Default: none (give one of `text`, `path`, `paths`).
    #[schemars(with = "Option<String>")]
    pub(super) text: Option<Spanned<String>>,
    /// One UTF-8 text file, relative to the scenario file. Default: none.
    #[schemars(with = "Option<String>")]
    pub(super) path: Option<Spanned<String>>,
    /// Several UTF-8 text files, read in the order given. Default: none.
    #[schemars(with = "Option<Vec<String>>")]
    pub(super) paths: Option<Spanned<Vec<Spanned<String>>>>,
    /// How the text splits into training documents: blocks separated by blank lines, each non-blank line, or each file. Default: "paragraphs".
    pub(super) documents: Option<DocumentSplit>,
}

/// The n-gram model (`[model]`).
#[derive(Deserialize, Default, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct RawModel {
    /// The n of the n-gram: the model looks at the last `order − 1` tokens (1–16). Default: 3.
    #[schemars(with = "Option<i64>", range(min = 1, max = 16), extend("default" = 3))]
    pub(super) order: Option<Spanned<i64>>,
    /// How text is cut into tokens. Default: "word" ("whitespace" beside `arpa`).
    pub(super) tokenizer: Option<TokenizerKind>,
    /// Lowercase the corpus, prefix and scored text before tokenizing. Default: false.
    #[schemars(extend("default" = false))]
    pub(super) lowercase: Option<bool>,
    /// How counts become probabilities. Default: "mle".
    #[schemars(with = "Option<EstimatorKind>", extend("default" = "mle"))]
    pub(super) smoothing: Option<Spanned<EstimatorKind>>,
    /// `add-k` only: the k added to every count (> 0; 1 is Laplace). Default: 1.0.
    #[schemars(with = "Option<f64>", extend("exclusiveMinimum" = 0), extend("default" = 1.0))]
    pub(super) k: Option<Spanned<f64>>,
    /// `kneser-ney` only: the absolute discount D, in (0, 1]. Default: 0.75.
    #[schemars(with = "Option<f64>", extend("exclusiveMinimum" = 0, "maximum" = 1), extend("default" = 0.75))]
    pub(super) discount: Option<Spanned<f64>>,
    /// `stupid-backoff` only: the back-off factor, in (0, 1]. Default: 0.4.
    #[schemars(with = "Option<f64>", extend("exclusiveMinimum" = 0, "maximum" = 1), extend("default" = 0.4))]
    pub(super) alpha: Option<Spanned<f64>>,
    /// Use the ARPA backoff model in this file (KenLM, SRILM, `coinflip export-arpa`) instead of
    /// training; then `order`, `smoothing`, `k`, `discount` and `alpha` are errors and `tokenizer`
    /// defaults to "whitespace". Default: none.
    #[schemars(with = "Option<String>")]
    pub(super) arpa: Option<Spanned<String>>,
}

impl RawModel {
    /// The smoothings' parameters by key, taken out of the table, in the order they are checked.
    /// A method with a parameter under a new key adds it here and as a field above; validation
    /// and the method itself (`lm::EstimatorKind::parameter`) need nothing else.
    pub(super) fn parameters(&mut self) -> [(&'static str, Option<Spanned<f64>>); 3] {
        [
            ("k", self.k.take()),
            ("discount", self.discount.take()),
            ("alpha", self.alpha.take()),
        ]
    }
}

/// How the next token is drawn (`[sampling]`).
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSampling {
    /// 1 leaves the distribution alone, below 1 sharpens it, above 1 flattens it, 0 is greedy (0–1e6). Default: 1.0.
    #[schemars(with = "Option<f64>", range(min = 0, max = 1e6), extend("default" = 1.0))]
    pub(super) temperature: Option<Spanned<f64>>,
    /// Keep only the k most probable tokens; 0 is off. Default: 0.
    #[schemars(with = "Option<i64>", range(min = 0), extend("default" = 0))]
    pub(super) top_k: Option<Spanned<i64>>,
    /// Nucleus sampling: keep the smallest set of most probable tokens whose probability reaches p, in (0, 1]; 1 is off. Default: 1.0.
    #[schemars(with = "Option<f64>", extend("exclusiveMinimum" = 0, "maximum" = 1), extend("default" = 1.0))]
    pub(super) top_p: Option<Spanned<f64>>,
}

/// A prefix taken from a training document (`prefix_from`).
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPrefixFrom {
    /// The training document (0-based). Required.
    #[schemars(with = "i64", range(min = 0))]
    pub(super) document: Spanned<i64>,
    /// How many of its first tokens form the prefix. Required.
    #[schemars(with = "i64", range(min = 0))]
    pub(super) tokens: Spanned<i64>,
}

/// What to generate (`[generate]`).
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct RawGenerate {
    /// The text the samples continue, tokenized like the corpus. Default: "".
    #[schemars(with = "Option<String>", extend("default" = ""))]
    pub(super) prefix: Option<Spanned<String>>,
    /// Instead of `prefix`: the first `tokens` tokens of training document `document`. Default: none.
    #[schemars(with = "Option<RawPrefixFrom>")]
    pub(super) prefix_from: Option<Spanned<RawPrefixFrom>>,
    /// Tokens generated per sample at most (1–1,000,000). Default: 50.
    #[schemars(with = "Option<i64>", range(min = 1, max = 1_000_000), extend("default" = 50))]
    pub(super) max_tokens: Option<Spanned<i64>>,
    /// Independent continuations, each with its own random stream (1–1,000,000). Default: 5.
    #[schemars(with = "Option<i64>", range(min = 1, max = 1_000_000), extend("default" = 5))]
    pub(super) samples: Option<Spanned<i64>>,
    /// Stop a sample when the model draws the end-of-document token `</s>`. Default: true.
    #[schemars(extend("default" = true))]
    pub(super) stop_at_end: Option<bool>,
}

/// An explicit next-token distribution (`[distribution]`).
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct RawDistribution {
    /// The context the distribution belongs to (shown in reports). Default: "".
    #[schemars(extend("default" = ""))]
    pub(super) context: Option<String>,
    /// The outcomes, each listed once, non-empty. Required.
    #[schemars(with = "Vec<String>")]
    pub(super) tokens: Spanned<Vec<Spanned<String>>>,
    /// One probability per token: finite, ≥ 0, summing to 1 within 1e-9 (or weights with `normalize = true`). Required.
    #[schemars(with = "Vec<f64>")]
    pub(super) probs: Spanned<Vec<Spanned<f64>>>,
    /// Treat `probs` as weights and divide by their sum. Default: false.
    #[schemars(extend("default" = false))]
    pub(super) normalize: Option<bool>,
}

/// Checks of the output (`[checks.*]`).
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct RawChecks {
    /// Checks of the generated text. Default: none.
    #[schemars(with = "Option<RawOutputCheck>")]
    pub(super) output: Option<Spanned<RawOutputCheck>>,
    /// A chi-square goodness-of-fit test of the sampler against the model's probabilities. Default: none.
    #[schemars(with = "Option<RawChiSquare>")]
    pub(super) chi_square: Option<Spanned<RawChiSquare>>,
    /// Remix statistics: how much of the output is copied from the training text. Default: none.
    #[schemars(with = "Option<RawRemix>")]
    pub(super) remix: Option<Spanned<RawRemix>>,
}

/// Checks of the generated text (`[checks.output]`).
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct RawOutputCheck {
    /// The exact full text of the first samples, in order (a golden output). Default: [].
    pub(super) expect: Option<Vec<String>>,
    /// Every sample must contain each string. Default: [].
    pub(super) contains: Option<Vec<String>>,
    /// At least this many different samples (≥ 1). Default: none.
    #[schemars(with = "Option<i64>", range(min = 1))]
    pub(super) min_distinct: Option<Spanned<i64>>,
    /// At most this many different samples (≥ 1; 1 for greedy decoding). Default: none.
    #[schemars(with = "Option<i64>", range(min = 1))]
    pub(super) max_distinct: Option<Spanned<i64>>,
}

/// A chi-square goodness-of-fit test (`[checks.chi_square]`).
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct RawChiSquare {
    /// Draws per tested distribution (1–1e8). Default: 10000.
    #[schemars(with = "Option<i64>", range(min = 1, max = 100_000_000), extend("default" = 10000))]
    pub(super) samples: Option<Spanned<i64>>,
    /// Significance level, in (0, 1); family-wise (Holm) when several contexts are tested. Default: 0.01.
    #[schemars(with = "Option<f64>", extend("exclusiveMinimum" = 0, "exclusiveMaximum" = 1), extend("default" = 0.01))]
    pub(super) alpha: Option<Spanned<f64>>,
    /// The test statistic. Default: "pearson".
    pub(super) statistic: Option<Statistic>,
    /// p-value from the chi-square distribution, or by simulation. Default: "asymptotic".
    #[schemars(with = "Option<Method>", extend("default" = "asymptotic"))]
    pub(super) method: Option<Spanned<Method>>,
    /// `monte-carlo` only: simulated samples (1–1e8). Default: 10000.
    #[schemars(with = "Option<i64>", range(min = 1, max = 100_000_000), extend("default" = 10000))]
    pub(super) replicates: Option<Spanned<i64>>,
    /// `asymptotic` only: outcomes with a smaller expected count are pooled into one bin (≥ 0). Default: 5.
    #[schemars(with = "Option<f64>", range(min = 0), extend("default" = 5))]
    pub(super) min_expected: Option<Spanned<f64>>,
    /// Model scenarios only: the contexts whose next-token distributions are tested. Default: the `[generate]` prefix.
    #[schemars(with = "Option<Vec<String>>")]
    pub(super) contexts: Option<Spanned<Vec<String>>>,
}

/// Remix statistics (`[checks.remix]`).
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRemix {
    /// Fail if a sample copies a longer span of training text (≥ 0). Default: none.
    #[schemars(with = "Option<i64>", range(min = 0))]
    pub(super) max_verbatim_tokens: Option<Spanned<i64>>,
    /// Fail if fewer than `rate` of a sample's n-grams are novel: a table `{ n = rate }`, n from 1 to 32, rate in [0, 1]. Default: none.
    #[schemars(with = "Option<BTreeMap<String, f64>>")]
    pub(super) min_novel: Option<Spanned<BTreeMap<String, Spanned<f64>>>>,
    /// `prefix_from` only: fail if a sample leaves the source document earlier than this step (≥ 0). Default: none.
    #[schemars(with = "Option<i64>", range(min = 0))]
    pub(super) min_divergence_step: Option<Spanned<i64>>,
    /// The n of the novel n-gram rates reported (each 1–32). Default: [1, 2, 3, 4, 5, 6, 7, 8].
    #[schemars(with = "Option<Vec<i64>>", extend("default" = [1, 2, 3, 4, 5, 6, 7, 8]))]
    pub(super) ngram_orders: Option<Spanned<Vec<Spanned<i64>>>>,
    /// L of the copied fraction (1–1000). Default: 8 for word and whitespace tokens, 20 for char.
    #[schemars(with = "Option<i64>", range(min = 1, max = 1000))]
    pub(super) copied_min_len: Option<Spanned<i64>>,
}
