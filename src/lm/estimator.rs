//! The estimation methods: how a scenario's model gets its probabilities.
//!
//! [`Estimator`] is the one list of them — MLE, add-k, Kneser–Ney, stupid backoff, modified
//! Kneser–Ney, an ARPA file — with, for each, its name in scenario files and reports
//! ([`EstimatorKind`]), the one number it takes ([`Parameter`]: key, default, range), its label
//! in reports, and [`Estimator::build`], which makes the model from a corpus. Scenario
//! validation, the run and the exporters only go through these types, so adding a method
//! touches this file, the file of `lm/` with its math, and `docs/models.md` ("Adding a smoothing
//! method" there says how).

use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::corpus::TokenizedCorpus;
use crate::error::Diagnostic;
use crate::lm::backoff::ArpaLm;
use crate::lm::ngram::NgramModel;
use crate::lm::{LanguageModel, Model, arpa, kenlm};

/// The name of an estimation method, as scenario files (`smoothing = "…"`) and reports spell it.
///
/// The variants carry plain comments, not doc comments: a documented variant would turn the
/// scenario schema's `enum` of names into a `oneOf`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
#[schemars(
    rename = "SmoothingName",
    description = "How counts become probabilities."
)]
pub enum EstimatorKind {
    // Maximum likelihood with backoff to the longest seen context.
    Mle,
    // Add-k (Lidstone; k = 1 is Laplace).
    AddK,
    // Interpolated Kneser–Ney with one discount.
    KneserNey,
    // Stupid backoff, normalised.
    StupidBackoff,
    // Interpolated modified Kneser–Ney estimated as KenLM's lmplz does.
    ModifiedKneserNey,
    // Read from an ARPA file; chosen with the `arpa` key, never written as a smoothing.
    #[serde(skip_deserializing)]
    #[schemars(skip)]
    Arpa,
}

/// The one number a method takes, as a scenario file gives it.
#[derive(Debug, Clone, Copy)]
pub struct Parameter {
    /// Its key in `[model]`.
    pub key: &'static str,
    /// Its value when the key is left out.
    pub default: f64,
    /// Whether a (finite) value is in range.
    pub accepts: fn(f64) -> bool,
    /// The range in words, for errors: "expected {expected}, found …".
    pub expected: &'static str,
}

impl EstimatorKind {
    /// Every method, in the order of the list above (scenario validation looks parameters up
    /// here).
    pub const ALL: [EstimatorKind; 6] = [
        EstimatorKind::Mle,
        EstimatorKind::AddK,
        EstimatorKind::KneserNey,
        EstimatorKind::StupidBackoff,
        EstimatorKind::ModifiedKneserNey,
        EstimatorKind::Arpa,
    ];

    /// The name used in scenario files and reports.
    pub fn name(self) -> &'static str {
        match self {
            EstimatorKind::Mle => "mle",
            EstimatorKind::AddK => "add-k",
            EstimatorKind::KneserNey => "kneser-ney",
            EstimatorKind::StupidBackoff => "stupid-backoff",
            EstimatorKind::ModifiedKneserNey => "modified-kneser-ney",
            EstimatorKind::Arpa => "arpa",
        }
    }

    /// The number the method takes, if any.
    pub fn parameter(self) -> Option<Parameter> {
        let unit = |x: f64| x > 0.0 && x <= 1.0;
        match self {
            EstimatorKind::AddK => Some(Parameter {
                key: "k",
                default: 1.0,
                accepts: |k| k > 0.0,
                expected: "a number > 0",
            }),
            EstimatorKind::KneserNey => Some(Parameter {
                key: "discount",
                default: 0.75,
                accepts: unit,
                expected: "a number in (0, 1]",
            }),
            EstimatorKind::StupidBackoff => Some(Parameter {
                key: "alpha",
                default: 0.4,
                accepts: unit,
                expected: "a number in (0, 1]",
            }),
            EstimatorKind::Mle | EstimatorKind::ModifiedKneserNey | EstimatorKind::Arpa => None,
        }
    }

    /// The method whose parameter is written `key` in a scenario file.
    pub fn owning(key: &str) -> Option<EstimatorKind> {
        Self::ALL
            .into_iter()
            .find(|k| k.parameter().is_some_and(|p| p.key == key))
    }

    /// The label reports show: the name, and the parameter's value when it has one
    /// (`add-k (k = 0.5)`).
    pub fn label(self, value: Option<f64>) -> String {
        match (self.parameter(), value) {
            (Some(p), Some(v)) => format!("{} ({} = {v})", self.name(), p.key),
            _ => self.name().to_string(),
        }
    }
}

/// What a report calls a model: trained from a corpus, read from a file, or given explicitly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ModelKind {
    /// Estimated from a corpus (every method but an ARPA file).
    Ngram,
    /// Read from an ARPA file.
    Arpa,
    /// An explicit distribution of a `[distribution]` scenario.
    Distribution,
}

impl ModelKind {
    /// The name reports use.
    pub fn name(self) -> &'static str {
        match self {
            ModelKind::Ngram => "ngram",
            ModelKind::Arpa => "arpa",
            ModelKind::Distribution => "distribution",
        }
    }
}

/// How a model gets its probabilities, with the method's parameter. The formulas are in
/// `docs/models.md`.
#[derive(Debug, Clone, PartialEq)]
pub enum Estimator {
    /// Maximum likelihood: count(context, w) / count(context), backing off to the longest suffix
    /// of the context that was seen.
    Mle,
    /// Add-k (Lidstone; k = 1 is Laplace) on the full context.
    AddK { k: f64 },
    /// Interpolated Kneser–Ney with one absolute discount for every order.
    KneserNey { discount: f64 },
    /// Stupid backoff (Brants et al. 2007), normalised per context so it is a distribution.
    StupidBackoff { alpha: f64 },
    /// Interpolated modified Kneser–Ney estimated exactly as KenLM's `lmplz` does.
    ModifiedKneserNey,
    /// Read from an ARPA file: its path as written (relative to the scenario's folder) and where
    /// it is written in the scenario file, for errors about the file.
    Arpa { path: PathBuf, span: Range<usize> },
}

impl Estimator {
    /// The method of `kind` with its parameter (`value`, ignored by a method without one);
    /// `None` for [`EstimatorKind::Arpa`], which needs a path.
    pub fn new(kind: EstimatorKind, value: f64) -> Option<Estimator> {
        Some(match kind {
            EstimatorKind::Mle => Estimator::Mle,
            EstimatorKind::AddK => Estimator::AddK { k: value },
            EstimatorKind::KneserNey => Estimator::KneserNey { discount: value },
            EstimatorKind::StupidBackoff => Estimator::StupidBackoff { alpha: value },
            EstimatorKind::ModifiedKneserNey => Estimator::ModifiedKneserNey,
            EstimatorKind::Arpa => return None,
        })
    }

    /// Which method this is.
    pub fn kind(&self) -> EstimatorKind {
        match self {
            Estimator::Mle => EstimatorKind::Mle,
            Estimator::AddK { .. } => EstimatorKind::AddK,
            Estimator::KneserNey { .. } => EstimatorKind::KneserNey,
            Estimator::StupidBackoff { .. } => EstimatorKind::StupidBackoff,
            Estimator::ModifiedKneserNey => EstimatorKind::ModifiedKneserNey,
            Estimator::Arpa { .. } => EstimatorKind::Arpa,
        }
    }

    /// The name used in scenario files and reports.
    pub fn name(&self) -> &'static str {
        self.kind().name()
    }

    /// The value of the method's parameter (k, discount or alpha), if it has one.
    pub fn parameter(&self) -> Option<f64> {
        match *self {
            Estimator::AddK { k } => Some(k),
            Estimator::KneserNey { discount } => Some(discount),
            Estimator::StupidBackoff { alpha } => Some(alpha),
            Estimator::Mle | Estimator::ModifiedKneserNey | Estimator::Arpa { .. } => None,
        }
    }

    /// The label reports show (`kneser-ney (discount = 0.75)`).
    pub fn label(&self) -> String {
        self.kind().label(self.parameter())
    }

    /// What a report calls the model this builds.
    pub fn model_kind(&self) -> ModelKind {
        match self {
            Estimator::Arpa { .. } => ModelKind::Arpa,
            _ => ModelKind::Ngram,
        }
    }

    /// Makes the model of order `order` from `corpus` (an ARPA file brings its own order and
    /// vocabulary, which extends the corpus's). Errors point at the key of `origin`'s scenario
    /// file that chose the method, or into the model file.
    pub fn build(
        &self,
        corpus: &TokenizedCorpus,
        order: usize,
        origin: &Origin,
    ) -> Result<Built, Diagnostic> {
        match self {
            Estimator::Mle
            | Estimator::AddK { .. }
            | Estimator::KneserNey { .. }
            | Estimator::StupidBackoff { .. } => {
                let m = NgramModel::train(corpus, order, self.clone());
                Ok(Built {
                    ngram_counts: m.counts.types_per_order(),
                    model: Model::Ngram(m),
                    discounts: None,
                    fallback_orders: Vec::new(),
                    sums_off: None,
                })
            }
            Estimator::ModifiedKneserNey => modified_kneser_ney(corpus, order, origin),
            Estimator::Arpa { path, span } => {
                let full = origin.dir.join(path);
                let shown = std::path::PathBuf::from(crate::text::slashed(&full));
                let text = crate::input::read_arpa_text(&full, &shown).map_err(|d| {
                    Diagnostic::at(
                        origin.file,
                        origin.source,
                        Some(span.clone()),
                        Some("model.arpa".into()),
                        format!("{}: {}", d.file.display(), d.message),
                    )
                })?;
                let model = arpa::read(&text, &shown)?;
                let sums_off = model.sums_off(crate::lm::backoff::SUM_TOLERANCE);
                let mut built = Built::backoff(ArpaLm::new(model, corpus.vocab.clone()));
                built.sums_off = sums_off;
                Ok(built)
            }
        }
    }
}

/// The scenario file that names a model, so that an error found while building the model points
/// back into it.
#[derive(Debug, Clone, Copy)]
pub struct Origin<'a> {
    /// The file as the user named it.
    pub file: &'a Path,
    /// Its text.
    pub source: &'a str,
    /// The folder that relative paths in it are resolved against.
    pub dir: &'a Path,
}

/// A built model and what reports say about it.
#[derive(Debug, Clone)]
pub struct Built {
    pub model: Model,
    /// Distinct n-grams per order, unigrams first.
    pub ngram_counts: Vec<usize>,
    /// Modified Kneser–Ney: the discounts D1, D2, D3+ of each order, unigrams first.
    pub discounts: Option<Vec<[f64; 3]>>,
    /// Modified Kneser–Ney: the orders with too little text to estimate their discounts, which
    /// use lmplz's fallback discounts ([`kenlm::LMPLZ_FALLBACK_DISCOUNTS`]); the pipeline notes
    /// them in the report.
    pub fallback_orders: Vec<usize>,
    /// A model read from an ARPA file: its contexts whose probabilities do not sum to 1 (none
    /// when all do); the pipeline notes them in the report.
    pub sums_off: Option<crate::lm::backoff::SumsOff>,
}

impl Built {
    fn backoff(lm: ArpaLm) -> Built {
        Built {
            ngram_counts: (1..=lm.order()).map(|n| lm.model.count(n)).collect(),
            model: Model::Backoff(lm),
            discounts: None,
            fallback_orders: Vec::new(),
            sums_off: None,
        }
    }
}

/// Modified Kneser–Ney as lmplz estimates it, with lmplz's fallback discounts where the counts
/// of counts cannot give any (noted).
fn modified_kneser_ney(
    corpus: &TokenizedCorpus,
    order: usize,
    origin: &Origin,
) -> Result<Built, Diagnostic> {
    let est = estimate_modified_kneser_ney(corpus, order, origin.file)?.into_estimate();
    let fallback: Vec<usize> = est
        .stats
        .iter()
        .filter(|s| s.discounts.fallback)
        .map(|s| s.order)
        .collect();
    let discounts = est
        .stats
        .iter()
        .map(|s| [s.discounts.d1, s.discounts.d2, s.discounts.d3_plus])
        .collect();
    let mut built = Built::backoff(ArpaLm::new(est.model, corpus.vocab.clone()));
    built.discounts = Some(discounts);
    built.fallback_orders = fallback;
    Ok(built)
}

/// The estimation of `modified_kneser_ney` before it becomes a model (`export-arpa` writes
/// it as it is), with lmplz's fallback discounts; its error names the scenario `file`.
pub fn estimate_modified_kneser_ney(
    corpus: &TokenizedCorpus,
    order: usize,
    file: &Path,
) -> Result<kenlm::Tables, Diagnostic> {
    kenlm::estimate_corpus(
        &corpus.documents,
        &corpus.vocab,
        order,
        Some(kenlm::LMPLZ_FALLBACK_DISCOUNTS),
    )
    .map_err(|e| {
        Diagnostic::file(file, format!("cannot estimate modified Kneser–Ney: {e}"))
            .with_key("model.smoothing")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_labels_and_parameters_agree() {
        for kind in EstimatorKind::ALL {
            let json = serde_json::to_value(kind).unwrap();
            assert_eq!(json, kind.name(), "serde name of {kind:?}");
            if let Some(p) = kind.parameter() {
                assert_eq!(EstimatorKind::owning(p.key), Some(kind));
                assert!((p.accepts)(p.default), "{kind:?}: default in range");
                let e = Estimator::new(kind, p.default).unwrap();
                assert_eq!(e.parameter(), Some(p.default));
                assert_eq!(e.kind(), kind);
            }
        }
        assert_eq!(
            Estimator::AddK { k: 0.1 }.label(),
            "add-k (k = 0.1)",
            "the text report's label"
        );
        assert_eq!(Estimator::ModifiedKneserNey.label(), "modified-kneser-ney");
        assert_eq!(EstimatorKind::owning("order"), None);
    }

    #[test]
    fn arpa_is_not_a_smoothing_name() {
        let e = serde_json::from_str::<EstimatorKind>("\"arpa\"").unwrap_err();
        assert!(
            e.to_string().contains(
                "expected one of `mle`, `add-k`, `kneser-ney`, `stupid-backoff`, \
                 `modified-kneser-ney` at"
            ),
            "{e}: every other name is listed"
        );
        assert_eq!(
            serde_json::from_str::<EstimatorKind>("\"modified-kneser-ney\"").unwrap(),
            EstimatorKind::ModifiedKneserNey
        );
    }
}
