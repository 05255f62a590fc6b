//! From a model scenario to a model ready to generate: the corpus (shared through the
//! [`CorpusCache`]), the size check, training or estimation or reading the ARPA file, and the
//! prefix resolved to token ids. Shared by `run`, `score`, `trace`, `calibrate` and `export-arpa`.

use std::sync::Arc;

use crate::corpus::TokenizedCorpus;
use crate::error::Diagnostic;
use crate::lm::kenlm::LMPLZ_FALLBACK_DISCOUNTS;
use crate::lm::{LanguageModel, Model, Origin};
use crate::pipeline::corpus_cache::CorpusCache;
use crate::results::{ModelInfo, Note};
use crate::scenario::{CorpusSpec, GenerateSpec, ModelSpec, Prefix, Scenario, ScenarioKind};
use crate::tokenize::TokenId;

/// Memory training a model may take, as [`training_bytes`] estimates it before anything is
/// counted: 10 GiB (`COINFLIP_MAX_TRAINING_BYTES`), so a training at the limit and generation at
/// its own limit (`scenario::GENERATED_BUDGET`, 8.3 GB with an HTML report) fit a 24 GiB machine
/// with room to spare.
pub const TRAINING_MEMORY: crate::input::SizeLimit = crate::input::SizeLimit {
    what: "of memory for training",
    var: "COINFLIP_MAX_TRAINING_BYTES",
    default: 10 << 30,
};

/// Bytes of memory per corpus token whatever the order, measured (maximum resident set, release
/// build, `docs/errors.md`): the text as read, normalised and split into documents, the token
/// ids, the unigram counts and the remix index (a suffix automaton of up to two 32-byte states a
/// token).
pub const BYTES_PER_TOKEN: u64 = 200;

/// Bytes of memory per corpus token for each order above 1 when every n-gram is new (random
/// words: the worst case; text repeats itself and needs less), for the counting estimators (MLE,
/// add-k, Kneser–Ney, stupid backoff): a trie entry (index, row, count, continuation count).
pub const BYTES_PER_ORDER: u64 = 70;

/// [`BYTES_PER_ORDER`] for modified Kneser–Ney as lmplz estimates it (sorted n-gram tables with
/// their adjusted counts and the probabilities and backoffs it computes from them).
pub const BYTES_PER_ORDER_MKN: u64 = 130;

/// Estimated peak memory of training `estimator` of `order` on `tokens` corpus tokens (and of the
/// corpus's remix index): `tokens × (BYTES_PER_TOKEN + (order − 1) × bytes per order)`. An ARPA
/// model is read, not trained (its file's own limit bounds it): only the corpus counts.
pub fn training_bytes(tokens: u64, order: usize, estimator: &crate::lm::Estimator) -> u64 {
    use crate::lm::Estimator;
    let per_order = match estimator {
        Estimator::Arpa { .. } => 0,
        Estimator::ModifiedKneserNey => BYTES_PER_ORDER_MKN,
        _ => BYTES_PER_ORDER,
    };
    let per_token = BYTES_PER_TOKEN + per_order * (order as u64).saturating_sub(1);
    tokens.saturating_mul(per_token)
}

/// A trained model scenario, ready to generate (shared by `run`, `score` and `trace`).
pub struct Prepared {
    /// The corpus (empty for an ARPA model without one), numbered by the model's vocabulary.
    pub corpus: Arc<TokenizedCorpus>,
    pub model: Model,
    pub info: ModelInfo,
    pub prefix_ids: Vec<TokenId>,
    pub prefix_text: String,
    /// What training and the prefix gave the reader to know, in that order.
    pub notes: Vec<Note>,
}

/// Loads the corpus, trains the model and resolves the prefix of a model scenario.
pub fn prepare(sc: &Scenario, cache: &CorpusCache) -> Result<Prepared, Vec<Diagnostic>> {
    let (corpus, mspec, generate) = sized_corpus(sc, cache)?;
    let trained = train(sc, mspec, corpus)?;
    let mut notes = trained.notes;
    let (prefix_ids, prefix_text, note) = resolve_prefix(sc, &generate.prefix, &trained.corpus)?;
    notes.extend(note);
    Ok(Prepared {
        corpus: trained.corpus,
        model: trained.model,
        info: trained.info,
        prefix_ids,
        prefix_text,
        notes,
    })
}

/// What [`prepare`] does and checks, in the same order, with `estimate` in place of training
/// and without building a model: the corpus, its size, `estimate` of it, the prefix. For
/// `export-arpa`, which writes a modified Kneser–Ney estimation straight to its file.
pub fn prepare_with<T>(
    sc: &Scenario,
    cache: &CorpusCache,
    estimate: impl FnOnce(&TokenizedCorpus, &ModelSpec) -> Result<T, Diagnostic>,
) -> Result<T, Vec<Diagnostic>> {
    let (corpus, mspec, generate) = sized_corpus(sc, cache)?;
    let estimated = estimate(&corpus, mspec).map_err(|d| vec![d])?;
    resolve_prefix(sc, &generate.prefix, &corpus)?;
    Ok(estimated)
}

/// The first steps of [`prepare`] and [`prepare_with`]: a model scenario's parts, and its corpus
/// loaded and checked against the training size limit.
fn sized_corpus<'s>(
    sc: &'s Scenario,
    cache: &CorpusCache,
) -> Result<(Arc<TokenizedCorpus>, &'s ModelSpec, &'s GenerateSpec), Vec<Diagnostic>> {
    let ScenarioKind::Model {
        corpus: cspec,
        model: mspec,
        generate,
    } = &sc.kind
    else {
        return Err(vec![Diagnostic::file(
            &sc.file,
            "this is a [distribution] scenario: it has no trained model",
        )]);
    };
    let corpus = corpus_of(sc, cspec.as_ref(), mspec, cache)?;
    check_size(sc, mspec, &corpus, cspec.is_some()).map_err(|d| vec![d])?;
    Ok((corpus, mspec, generate))
}

/// The scenario's tokenized corpus, or an empty one (an ARPA model without `[corpus]`).
fn corpus_of(
    sc: &Scenario,
    cspec: Option<&CorpusSpec>,
    mspec: &ModelSpec,
    cache: &CorpusCache,
) -> Result<Arc<TokenizedCorpus>, Vec<Diagnostic>> {
    match cspec {
        Some(c) => cache.get(sc, c, mspec.tokenizer).map_err(|d| vec![d]),
        None => Ok(Arc::new(TokenizedCorpus {
            vocab: crate::tokenize::Vocab::new(),
            documents: Vec::new(),
            tokenizer: mspec.tokenizer,
        })),
    }
}

/// Refuses, up front, a model whose training would not fit in memory ([`training_bytes`] above
/// [`TRAINING_MEMORY`]) or a corpus shorter than the order.
fn check_size(
    sc: &Scenario,
    mspec: &ModelSpec,
    corpus: &TokenizedCorpus,
    has_corpus: bool,
) -> Result<(), Diagnostic> {
    let tokens = corpus.token_count() as u64;
    let bytes = training_bytes(tokens, mspec.order, &mspec.estimator);
    let found = format!(
        "order {} on {tokens} corpus tokens needs about {} of memory to train ({} bytes a token, \
         when every n-gram is new: docs/errors.md, \"Limits\")",
        mspec.order,
        crate::input::human_bytes(bytes),
        bytes / tokens.max(1)
    );
    TRAINING_MEMORY
        .check_bytes(bytes, &found, "lower `order` or use a smaller corpus")
        .map_err(|why| {
            let span = mspec.order_span.clone();
            Diagnostic::at(&sc.file, &sc.source, span, Some("model.order".into()), why)
        })?;
    if has_corpus && corpus.token_count() < mspec.order {
        return Err(Diagnostic::file(
            &sc.file,
            format!(
                "the corpus has {} token(s), fewer than the model order {}: add text or lower `order`",
                corpus.token_count(),
                mspec.order
            ),
        )
        .with_key("model.order"));
    }
    Ok(())
}

/// A model with the corpus numbered by its vocabulary, its figures, and its notes.
struct Trained {
    model: Model,
    corpus: Arc<TokenizedCorpus>,
    info: ModelInfo,
    notes: Vec<Note>,
}

/// Trains (or estimates, or reads) the scenario's model with its estimator.
fn train(
    sc: &Scenario,
    mspec: &ModelSpec,
    corpus: Arc<TokenizedCorpus>,
) -> Result<Trained, Vec<Diagnostic>> {
    let origin = Origin {
        file: &sc.file,
        source: &sc.source,
        dir: &sc.dir,
    };
    let built = mspec
        .estimator
        .build(&corpus, mspec.order, &origin)
        .map_err(|d| vec![d])?;
    let notes = fallback_note(built.fallback_orders, LMPLZ_FALLBACK_DISCOUNTS)
        .into_iter()
        .chain(built.sums_off.map(|s| Note::ArpaSumsOff {
            context: s.context,
            sum: s.sum,
            off: s.off,
            contexts: s.contexts,
            tolerance: s.tolerance,
        }))
        .collect();
    let mut info = model_info(&built.model, built.ngram_counts, &corpus, mspec);
    info.discounts = built.discounts;
    let model = built.model;
    // A model read or estimated apart from the corpus may know more words than it.
    let corpus = if model.vocab().len() == corpus.vocab.len() {
        corpus
    } else {
        Arc::new(TokenizedCorpus {
            vocab: model.vocab().clone(),
            documents: corpus.documents.clone(),
            tokenizer: corpus.tokenizer,
        })
    };
    Ok(Trained {
        model,
        corpus,
        info,
        notes,
    })
}

/// The note saying which orders used the fallback discounts (none when no order did).
fn fallback_note(orders: Vec<usize>, discounts: [f64; 3]) -> Option<Note> {
    (!orders.is_empty()).then_some(Note::FallbackDiscounts { orders, discounts })
}

/// The figures of a trained model for reports.
fn model_info(
    model: &dyn LanguageModel,
    ngram_counts: Vec<usize>,
    corpus: &TokenizedCorpus,
    spec: &ModelSpec,
) -> ModelInfo {
    ModelInfo {
        kind: spec.estimator.model_kind(),
        order: model.order(),
        tokenizer: Some(spec.tokenizer.kind),
        lowercase: spec.tokenizer.lowercase,
        smoothing: Some(spec.estimator.kind()),
        smoothing_parameter: spec.estimator.parameter(),
        vocabulary_size: model.vocab().len() - crate::tokenize::RESERVED,
        documents: corpus.documents.len(),
        training_tokens: corpus.token_count(),
        ngram_counts,
        discounts: None,
    }
}

/// The prefix as token ids and as text, and a note on tokens the model never saw.
fn resolve_prefix(
    sc: &Scenario,
    prefix: &Prefix,
    corpus: &TokenizedCorpus,
) -> Result<(Vec<TokenId>, String, Option<Note>), Vec<Diagnostic>> {
    match prefix {
        Prefix::Text(t) => {
            let (ids, unknown) = corpus.encode(t);
            let note =
                (!unknown.is_empty()).then_some(Note::UnknownPrefixTokens { tokens: unknown });
            Ok((ids, t.clone(), note))
        }
        Prefix::FromDocument {
            document,
            tokens,
            span,
        } => {
            let at = |msg: String| {
                vec![Diagnostic::at(
                    &sc.file,
                    &sc.source,
                    Some(span.clone()),
                    Some("generate.prefix_from".to_string()),
                    msg,
                )]
            };
            let Some(doc) = corpus.documents.get(*document) else {
                return Err(at(format!(
                    "expected a document index from 0 to {}, found {document} (the corpus has {})",
                    corpus.documents.len() - 1,
                    crate::text::count(corpus.documents.len(), "document", "documents")
                )));
            };
            if *tokens > doc.len() {
                return Err(at(format!(
                    "document {document} has {} tokens, fewer than the {tokens} asked for",
                    doc.len()
                )));
            }
            let ids = doc[..*tokens].to_vec();
            let text = corpus.decode(&ids);
            Ok((ids, text, None))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn scenario(src: &str) -> Scenario {
        crate::scenario::parse(src, Path::new("t.toml"), Path::new("."), "t").unwrap()
    }

    fn prepared(src: &str) -> Result<Prepared, Vec<Diagnostic>> {
        prepare(&scenario(src), &CorpusCache::default())
    }

    const TINY_MKN: &str = "[corpus]\ntext = \"a a b a\\nb a\"\ndocuments = \"lines\"\n\
        [model]\norder = 2\nsmoothing = \"modified-kneser-ney\"\n\
        [generate]\nprefix = \"a zz\"\nsamples = 1\n";

    #[test]
    fn the_fallback_note_is_kept_before_the_prefix_note() {
        // The note was once pushed into a list that was then replaced by an empty one.
        let p = prepared(TINY_MKN).unwrap();
        assert_eq!(
            p.notes,
            [
                Note::FallbackDiscounts {
                    orders: vec![2],
                    discounts: [0.5, 1.0, 1.5]
                },
                Note::UnknownPrefixTokens {
                    tokens: vec!["zz".into()]
                }
            ]
        );
        assert_eq!(
            p.info.discounts.as_ref().map(|d| d[1]),
            Some([0.5, 1.0, 1.5])
        );
        assert_eq!(p.prefix_text, "a zz");
        assert_eq!(p.prefix_ids[1], crate::tokenize::UNK);
    }

    #[test]
    fn the_fallback_note_names_every_order_that_fell_back() {
        let fb = [0.5, 1.0, 1.5];
        assert_eq!(fallback_note(Vec::new(), fb), None);
        assert_eq!(
            fallback_note(vec![1, 3], fb),
            Some(Note::FallbackDiscounts {
                orders: vec![1, 3],
                discounts: fb
            })
        );
    }

    #[test]
    fn a_corpus_shorter_than_the_order_is_refused_at_model_order() {
        let e = prepared("[corpus]\ntext = \"a b\"\n[model]\norder = 3\n[generate]\nsamples = 1\n")
            .err()
            .unwrap();
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].key.as_deref(), Some("model.order"));
        assert!(
            e[0].message
                .starts_with("the corpus has 2 token(s), fewer than the model order 3"),
            "{}",
            e[0].message
        );
    }

    #[test]
    fn a_prefix_from_a_document_is_checked_against_the_corpus() {
        let src = |doc: usize, tokens: usize| {
            format!(
                "[corpus]\ntext = \"a b c\\nd e\"\ndocuments = \"lines\"\n[model]\norder = 2\n\
                 [generate]\nprefix_from = {{ document = {doc}, tokens = {tokens} }}\nsamples = 1\n"
            )
        };
        let p = prepared(&src(1, 1)).unwrap();
        assert_eq!(p.prefix_text, "d");
        assert!(p.notes.is_empty());
        let e = prepared(&src(2, 1)).err().unwrap();
        assert_eq!(e[0].key.as_deref(), Some("generate.prefix_from"));
        assert!(
            e[0].message
                .starts_with("expected a document index from 0 to 1, found 2")
        );
        let e = prepared(&src(1, 5)).err().unwrap();
        assert_eq!(
            e[0].message,
            "document 1 has 2 tokens, fewer than the 5 asked for"
        );
    }

    #[test]
    fn a_distribution_scenario_has_no_model_to_prepare() {
        let sc = scenario(
            "[distribution]\ncontext = \"c\"\ntokens = [\"x\", \"y\"]\nprobs = [0.5, 0.5]\n\
             [checks.chi_square]\nsamples = 10\n",
        );
        let e = prepare(&sc, &CorpusCache::default()).err().unwrap();
        assert!(e[0].message.contains("[distribution] scenario"));
    }
}
