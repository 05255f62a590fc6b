//! Validation: from the raw tables of a scenario file ([`super::raw`]) to a [`Scenario`]
//! ([`super::spec`]). Ranges and combinations are checked with the spans the raw tables kept,
//! and *every* problem is reported, each with the file, line, column, key, what was expected and
//! what was found.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use toml::Spanned;

use super::raw::{
    Raw, RawChecks, RawChiSquare, RawCorpus, RawDistribution, RawGenerate, RawModel,
    RawOutputCheck, RawRemix, RawSampling, RawSeed,
};
use super::spec::{
    Checks, ChiSquareCheck, CorpusSpec, DistributionSpec, GenerateSpec, Method, ModelSpec,
    OutputCheck, Prefix, RemixCheck, Scenario, ScenarioKind,
};
use super::{
    BYTES_PER_GENERATED_TOKEN, BYTES_PER_GENERATED_TOKEN_HTML, GENERATED_BUDGET, MAX_DRAWS,
    MAX_ORDER, MAX_SAMPLES, MAX_TOKENS, MONTE_CARLO_BUDGET, SAMPLE_TOKENS,
};
use crate::corpus::CorpusSource;
use crate::error::Diagnostic;
use crate::lm::{Estimator, EstimatorKind};
use crate::sample::SamplerConfig;
use crate::stats::Statistic;
use crate::tokenize::{Tokenizer, TokenizerKind};

/// Divides finite weights ≥ 0 with a positive `sum` (their plain sum) by their sum. When the
/// sum overflows to infinity (weights near f64::MAX, such as two of 1e308), the weights are first
/// divided by the largest, so the sum is at most their number; otherwise the plain division is
/// kept, so every distribution that worked before gives the same bits.
fn normalize_weights(probs: &mut [f64], mut sum: f64) {
    if sum.is_infinite() {
        let max = probs.iter().copied().fold(0.0, f64::max);
        for p in probs.iter_mut() {
            *p /= max;
        }
        sum = probs.iter().sum();
    }
    for p in probs.iter_mut() {
        *p /= sum;
    }
}

/// Validates the raw tables of `file` (whose text is `source`): the scenario, or every problem.
pub(super) fn validate(
    raw: Raw,
    file: &Path,
    source: &str,
    dir: &Path,
    default_name: &str,
) -> Result<Scenario, Vec<Diagnostic>> {
    let mut v = Validator {
        file,
        source,
        errors: Vec::new(),
    };
    let scenario = v.scenario(raw, dir, default_name);
    match scenario {
        Some(s) if v.errors.is_empty() => Ok(s),
        _ => Err(v.errors),
    }
}

/// Collects the problems of one file while turning its tables into values.
struct Validator<'a> {
    file: &'a Path,
    source: &'a str,
    errors: Vec<Diagnostic>,
}

/// Where a table is written, if it is.
fn span_of<T>(table: &Option<Spanned<T>>) -> Option<Range<usize>> {
    table.as_ref().map(|t| t.span())
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

    /// The `seed`: 0 to 2^64 − 1 like `--seed`, an integer or (above 2^63 − 1, which TOML
    /// integers cannot hold) a string of digits; 0 after an error.
    fn seed(&mut self, s: Spanned<RawSeed>) -> u64 {
        let span = s.span();
        let expected = "expected a seed from 0 to 18446744073709551615";
        let found = match s.into_inner() {
            RawSeed::Int(n) if n >= 0 => return n as u64,
            RawSeed::Int(n) => format!("{n}"),
            RawSeed::Text(t) => {
                // Digits only: `parse` alone would take a leading `+`.
                if !t.is_empty()
                    && t.bytes().all(|b| b.is_ascii_digit())
                    && let Ok(n) = t.parse::<u64>()
                {
                    return n;
                }
                format!("{t:?}")
            }
        };
        self.error(
            span,
            "seed",
            format!(
                "{expected} (an integer, or a string of digits such as \"18446744073709551615\" \
                 above 9223372036854775807), found {found}"
            ),
        );
        0
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
        let seed = raw.seed.map_or(0, |s| self.seed(s));
        let sampling = self.sampling(raw.sampling);
        let has_arpa = raw
            .model
            .as_ref()
            .is_some_and(|m| m.get_ref().arpa.is_some());
        let kind = match (raw.distribution, raw.corpus) {
            (Some(dist), corpus) => {
                for (key, span) in [
                    ("corpus", span_of(&corpus)),
                    ("model", span_of(&raw.model)),
                    ("generate", span_of(&raw.generate)),
                ] {
                    self.not_beside_distribution(key, span);
                }
                if raw.checks.as_ref().is_none_or(|c| c.chi_square.is_none()) {
                    self.error(
                        dist.span(),
                        "distribution",
                        "a [distribution] scenario needs a [checks.chi_square] table: it is what \
                         the scenario runs",
                    );
                }
                ScenarioKind::Distribution(self.distribution(dist)?)
            }
            (None, corpus) if corpus.is_some() || has_arpa => ScenarioKind::Model {
                corpus: match corpus {
                    Some(c) => Some(self.corpus(c)?),
                    None => None,
                },
                model: self.model(raw.model),
                generate: self.generate(raw.generate),
            },
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

    /// A table that a `[distribution]` scenario cannot have, if it is there.
    fn not_beside_distribution(&mut self, key: &str, span: Option<Range<usize>>) {
        if let Some(span) = span {
            self.error(
                span,
                key,
                format!(
                    "a [distribution] scenario samples from the distribution it gives: remove \
                     [{key}] (or remove [distribution] to train a model)"
                ),
            );
        }
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
            let found = if given == 0 { "none" } else { "several" };
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
        let table_span = span_of(&raw);
        let mut raw = raw.map(|r| r.into_inner()).unwrap_or_default();
        if let Some(arpa) = raw.arpa.take() {
            return self.arpa_model(arpa, raw);
        }
        let order_span = span_of(&raw.order).or(table_span);
        let order = self.int(raw.order.take(), "model.order", 1, MAX_ORDER, 3) as usize;
        let kind = raw
            .smoothing
            .as_ref()
            .map(|s| *s.get_ref())
            .unwrap_or(EstimatorKind::Mle);
        let wanted = kind.parameter();
        // A parameter of another smoothing is a mistake, not something to ignore.
        let mut given = None;
        for (key, value) in raw.parameters() {
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
            order_span,
        }
    }

    /// A model read from the ARPA file `arpa`: the file says everything about the model but how
    /// to cut text into its words, so every other key but the tokenizer's is a mistake.
    fn arpa_model(&mut self, arpa: Spanned<String>, mut raw: RawModel) -> ModelSpec {
        let parameters = raw.parameters().map(|(key, value)| (key, span_of(&value)));
        let keys = [
            ("order", span_of(&raw.order)),
            ("smoothing", span_of(&raw.smoothing)),
        ];
        for (key, span) in keys.into_iter().chain(parameters) {
            if let Some(span) = span {
                self.error(
                    span,
                    &format!("model.{key}"),
                    format!(
                        "`{key}` comes from the ARPA file named by `arpa`; remove it (or remove \
                         `arpa` to train a model)"
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
        ModelSpec {
            order: 0,
            tokenizer: Tokenizer {
                kind: raw.tokenizer.unwrap_or(TokenizerKind::Whitespace),
                lowercase: raw.lowercase.unwrap_or(false),
            },
            order_span: None,
            estimator: Estimator::Arpa {
                path: PathBuf::from(arpa.into_inner()),
                span,
            },
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
        let table_span = raw.span();
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
        // The budget error points at `max_tokens`, else `samples`, else the table.
        let budget_span = span_of(&raw.max_tokens)
            .or(span_of(&raw.samples))
            .unwrap_or(table_span);
        let max_tokens = self.int(raw.max_tokens, "generate.max_tokens", 1, MAX_TOKENS, 50);
        let samples = self.int(raw.samples, "generate.samples", 1, MAX_SAMPLES, 5);
        self.generated_budget(samples as u64, max_tokens as u64, budget_span);
        GenerateSpec {
            prefix,
            max_tokens: max_tokens as usize,
            samples: samples as usize,
            stop_at_end: raw.stop_at_end.unwrap_or(true),
        }
    }

    fn distribution(&mut self, raw: Spanned<RawDistribution>) -> Option<DistributionSpec> {
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
        self.outcomes(&tokens);
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
        let probs = self.normalized(
            probs.into_iter().map(|p| p.into_inner()).collect(),
            raw.normalize.unwrap_or(false),
            probs_span,
        )?;
        Some(DistributionSpec {
            context: raw.context.unwrap_or_default(),
            tokens: tokens.into_iter().map(|t| t.into_inner()).collect(),
            probs,
        })
    }

    /// Each outcome a non-empty token, listed once.
    fn outcomes(&mut self, tokens: &[Spanned<String>]) {
        let mut seen: BTreeMap<&str, ()> = BTreeMap::new();
        for t in tokens {
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
    }

    /// Probabilities that sum to 1, or weights (`normalize`) divided by their sum.
    fn normalized(
        &mut self,
        mut probs: Vec<f64>,
        normalize: bool,
        span: Range<usize>,
    ) -> Option<Vec<f64>> {
        let sum: f64 = probs.iter().sum();
        if normalize {
            if sum <= 0.0 {
                self.error(
                    span,
                    "distribution.probs",
                    "expected weights with a positive sum, found all zero",
                );
                return None;
            }
            normalize_weights(&mut probs, sum);
        } else if (sum - 1.0).abs() > 1e-9 {
            self.error(
                span,
                "distribution.probs",
                format!(
                    "expected probabilities summing to 1 (within 1e-9), found a sum of {sum}; \
                     fix them or set `normalize = true` to treat them as weights"
                ),
            );
            return None;
        }
        Some(probs)
    }

    fn checks(&mut self, raw: Option<RawChecks>, is_model: bool) -> Checks {
        let Some(raw) = raw else {
            return Checks::default();
        };
        Checks {
            output: raw.output.map(|o| self.output_check(o, is_model)),
            chi_square: raw.chi_square.map(|c| self.chi_square(c, is_model)),
            remix: raw.remix.map(|r| self.remix(r, is_model)),
        }
    }

    fn output_check(&mut self, raw: Spanned<RawOutputCheck>, is_model: bool) -> OutputCheck {
        let span = raw.span();
        let o = raw.into_inner();
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
            min_distinct: o
                .min_distinct
                .map(|m| self.int(Some(m), "checks.output.min_distinct", 1, i64::MAX, 1) as usize),
            max_distinct: o
                .max_distinct
                .map(|m| self.int(Some(m), "checks.output.max_distinct", 1, i64::MAX, 1) as usize),
        }
    }

    fn chi_square(&mut self, raw: Spanned<RawChiSquare>, is_model: bool) -> ChiSquareCheck {
        let table_span = raw.span();
        let c = raw.into_inner();
        let mc_span = span_of(&c.replicates)
            .or(span_of(&c.samples))
            .unwrap_or(table_span);
        let method = c
            .method
            .as_ref()
            .map(|m| *m.get_ref())
            .unwrap_or(Method::Asymptotic);
        self.chi_square_combinations(&c, method, is_model);
        let check = ChiSquareCheck {
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
            replicates: self.int(
                c.replicates,
                "checks.chi_square.replicates",
                1,
                MAX_DRAWS,
                10_000,
            ) as u64,
            min_expected: self.float(
                c.min_expected,
                "checks.chi_square.min_expected",
                |m| m >= 0.0,
                "a count ≥ 0",
                5.0,
            ),
            contexts: c.contexts.map(|c| c.into_inner()),
        };
        if check.method == Method::MonteCarlo {
            self.monte_carlo_budget(&check, mc_span);
        }
        check
    }

    /// Refuses a scenario whose samples would hold more than [`GENERATED_BUDGET`] tokens'
    /// worth of memory, with the estimate.
    fn generated_budget(&mut self, samples: u64, max_tokens: u64, span: Range<usize>) {
        let tokens = samples * (max_tokens + SAMPLE_TOKENS);
        let human = crate::input::human_bytes;
        let found = format!(
            "samples × (max_tokens + {SAMPLE_TOKENS}) = {samples} × ({max_tokens} + \
             {SAMPLE_TOKENS}) = {tokens} generated tokens (a sample holds {SAMPLE_TOKENS} \
             tokens' worth of memory of its own), about {} of memory with a text or JSON report \
             and {} with an HTML one",
            human(tokens * BYTES_PER_GENERATED_TOKEN),
            human(tokens * BYTES_PER_GENERATED_TOKEN_HTML)
        );
        if let Err(why) = GENERATED_BUDGET.check_count(
            tokens,
            &found,
            "lower `samples` or `max_tokens`, or split the scenario",
        ) {
            self.error(span, "generate.max_tokens", why);
        }
    }

    /// Refuses a Monte Carlo check whose `samples × replicates` draws per tested distribution
    /// would run longer than [`MONTE_CARLO_BUDGET`] allows, with the estimated time.
    fn monte_carlo_budget(&mut self, check: &ChiSquareCheck, span: Range<usize>) {
        let draws = check.samples.saturating_mul(check.replicates);
        let found = format!(
            "samples × replicates = {} × {} = {draws} Monte Carlo draws per tested distribution, \
             about {} of computing",
            check.samples,
            check.replicates,
            super::monte_carlo_time(draws)
        );
        if let Err(why) = MONTE_CARLO_BUDGET.check_count(
            draws,
            &found,
            "lower `samples` or `replicates` (or use method = \"asymptotic\")",
        ) {
            self.error(span, "checks.chi_square.replicates", why);
        }
    }

    /// Keys of `[checks.chi_square]` that only apply to one method or one kind of scenario.
    fn chi_square_combinations(&mut self, c: &RawChiSquare, method: Method, is_model: bool) {
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
                "`min_expected` only applies to method = \"asymptotic\" (Monte Carlo needs no \
                 pooling)",
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
    }

    fn remix(&mut self, raw: Spanned<RawRemix>, is_model: bool) -> RemixCheck {
        let span = raw.span();
        let r = raw.into_inner();
        if !is_model {
            self.error(
                span,
                "checks.remix",
                "remix checks compare generated text with a training corpus; a [distribution] \
                 scenario has neither",
            );
        }
        let min_novel = self.min_novel(r.min_novel);
        let ngram_orders = self.ngram_orders(r.ngram_orders);
        RemixCheck {
            max_verbatim_tokens: r.max_verbatim_tokens.map(|m| {
                self.int(Some(m), "checks.remix.max_verbatim_tokens", 0, i64::MAX, 0) as usize
            }),
            min_novel,
            min_divergence_step: r.min_divergence_step.map(|m| {
                self.int(Some(m), "checks.remix.min_divergence_step", 0, i64::MAX, 0) as usize
            }),
            ngram_orders,
            copied_min_len: r
                .copied_min_len
                .map(|m| self.int(Some(m), "checks.remix.copied_min_len", 1, 1_000, 8) as usize),
        }
    }

    /// `min_novel`: n-gram length (1–32, written as a key) → minimal rate in [0, 1].
    fn min_novel(
        &mut self,
        raw: Option<Spanned<BTreeMap<String, Spanned<f64>>>>,
    ) -> BTreeMap<usize, f64> {
        let mut min_novel = BTreeMap::new();
        for (k, v) in raw.map(|m| m.into_inner()).unwrap_or_default() {
            let n = k.parse::<usize>().ok().filter(|n| (1..=32).contains(n));
            let x = *v.get_ref();
            match n {
                None => self.error(
                    v.span(),
                    "checks.remix.min_novel",
                    format!("expected an n-gram length from 1 to 32 as the key, found {k:?}"),
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
        min_novel
    }

    /// `ngram_orders`: n-gram lengths from 1 to 32, sorted, each once (default 1 to 8).
    fn ngram_orders(&mut self, raw: Option<Spanned<Vec<Spanned<i64>>>>) -> Vec<usize> {
        let Some(list) = raw else {
            return (1..=8).collect();
        };
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
}
