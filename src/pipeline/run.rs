//! Running a batch: finding scenario files, loading each, training, generating, judging, and
//! collecting one [`ScenarioResult`] per file — in sorted path order, whatever the thread count.
//!
//! One bad file never stops the batch: it becomes a result with status "error". Corpora are
//! loaded and tokenized once per distinct (files or text, document split, tokenizer) and shared
//! between the scenarios of a run.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use rayon::prelude::*;

use crate::remix::CorpusIndex;

use crate::corpus::{Corpus, CorpusSource, TokenizedCorpus};
use crate::error::Diagnostic;
use crate::lm::{LanguageModel, Model, ModelKind, Origin};
use crate::results::{BatchReport, ModelInfo, SampleResult, ScenarioResult, Status};
use crate::sample::{self, Domain, GenerateConfig};
use crate::scenario::{self, CorpusSpec, ModelSpec, Prefix, Scenario, ScenarioKind};
use crate::tokenize::{TokenId, Tokenizer};

/// Order × corpus tokens a model may count: 400 million (about 10 GB at worst), raised with
/// `COINFLIP_MAX_NGRAMS`.
pub const NGRAM_BUDGET: crate::corpus::SizeLimit = crate::corpus::SizeLimit {
    what: "n-gram positions",
    var: "COINFLIP_MAX_NGRAMS",
    default: 400_000_000,
};

/// Options of `coinflip run`.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Overrides every scenario's seed.
    pub seed: Option<u64>,
    /// Runs only scenarios whose name contains this.
    pub filter: Option<String>,
    /// Worker threads (0: one per core).
    pub jobs: usize,
}

/// Scenario files under `paths`: files as given, folders searched recursively for `*.toml`.
/// Sorted by path; a path that does not exist is a usage error.
pub fn discover(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut files = Vec::new();
    for p in paths {
        if p.is_dir() {
            walk(p, &mut files).map_err(|e| format!("cannot read folder {}: {e}", p.display()))?;
        } else if p.exists() {
            files.push(p.clone());
        } else {
            return Err(format!("no such file or folder: {}", p.display()));
        }
    }
    files.sort();
    files.dedup();
    Ok(files)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        // Linked folders are not followed: a link loop would list the same files forever.
        let linked_dir = entry.file_type()?.is_symlink() && path.is_dir();
        if linked_dir {
            continue;
        }
        if path.is_dir() {
            walk(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "toml") {
            out.push(path);
        }
    }
    Ok(())
}

/// The shard (1..=n) of a scenario file: FNV-1a (64-bit) of its path as found — forward
/// slashes, a leading `./` removed — modulo n, plus one. Stable across machines and releases, so
/// every CI job of a sharded suite agrees on who runs what, given the same PATH arguments.
pub fn shard(path: &Path, n: u64) -> u64 {
    let s = shown(path);
    let s = s.strip_prefix("./").unwrap_or(&s);
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h % n + 1
}

/// Display form of a path: as given, with forward slashes.
pub fn shown(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}

/// Loads and runs every scenario file, in order; `done` is called as each scenario finishes (in
/// any order: it is for progress display only).
pub fn run_files(
    files: &[PathBuf],
    opts: &RunOptions,
    done: &(dyn Fn(&ScenarioResult) + Sync),
) -> BatchReport {
    let mut loaded: Vec<(PathBuf, Result<Scenario, Vec<Diagnostic>>)> = files
        .iter()
        .map(|f| (f.clone(), scenario::load(f, f)))
        .collect();
    if let Some(filter) = &opts.filter {
        loaded.retain(|(f, s)| match s {
            Ok(s) => s.name.contains(filter.as_str()),
            Err(_) => stem(f).contains(filter.as_str()),
        });
    }
    // Names identify scenarios in reports and JUnit: a second use of a name is an error.
    let mut first_use: HashMap<String, PathBuf> = HashMap::new();
    for (file, s) in loaded.iter_mut() {
        if let Ok(sc) = s {
            if let Some(first) = first_use.get(&sc.name) {
                let d = Diagnostic::file(
                    file.clone(),
                    format!(
                        "duplicate scenario name `{}`: {} already uses it; names must be unique \
                         in a batch (set `name = \"...\"`)",
                        sc.name,
                        shown(first)
                    ),
                )
                .with_key("name");
                *s = Err(vec![d]);
            } else {
                first_use.insert(sc.name.clone(), file.clone());
            }
        }
    }
    let cache = CorpusCache::default();
    let run_one = |(file, s): &(PathBuf, Result<Scenario, Vec<Diagnostic>>)| {
        let r = match s {
            Err(diags) => ScenarioResult::error(
                stem(file),
                shown(file),
                opts.seed.unwrap_or(0),
                diags.clone(),
            ),
            Ok(sc) => {
                let mut sc = sc.clone();
                if let Some(seed) = opts.seed {
                    sc.seed = seed;
                }
                run_scenario(&sc, &cache)
            }
        };
        done(&r);
        r
    };
    let results: Vec<ScenarioResult> = if opts.jobs == 1 {
        loaded.iter().map(run_one).collect()
    } else {
        match rayon::ThreadPoolBuilder::new()
            .num_threads(opts.jobs)
            .build()
        {
            Ok(pool) => pool.install(|| loaded.par_iter().map(run_one).collect()),
            Err(_) => loaded.iter().map(run_one).collect(),
        }
    };
    BatchReport::new(results)
}

fn stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Tokenized corpora shared by the scenarios of one run.
#[derive(Default)]
pub struct CorpusCache {
    slots: Mutex<HashMap<CorpusKey, Arc<CorpusSlot>>>,
}

/// A corpus loaded once (or the error loading it gave), and its remix index built once.
#[derive(Default)]
struct CorpusSlot {
    corpus: OnceLock<Result<Arc<TokenizedCorpus>, Diagnostic>>,
    index: OnceLock<Result<Arc<CorpusIndex>, String>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct CorpusKey {
    source: CorpusSource,
    documents: crate::corpus::DocumentSplit,
    tokenizer: Tokenizer,
}

impl CorpusCache {
    /// The tokenized corpus of a scenario, loading it on first use.
    pub fn get(
        &self,
        sc: &Scenario,
        spec: &CorpusSpec,
        tokenizer: Tokenizer,
    ) -> Result<Arc<TokenizedCorpus>, Diagnostic> {
        let slot = self.slot(sc, spec, tokenizer);
        slot.corpus
            .get_or_init(|| load_corpus(sc, spec, tokenizer).map(Arc::new))
            .clone()
    }

    /// The remix index of a scenario's corpus (which must have loaded), built on first use and
    /// shared by every scenario with the same corpus and tokenizer.
    pub fn index(
        &self,
        sc: &Scenario,
        spec: &CorpusSpec,
        tokenizer: Tokenizer,
    ) -> Result<Arc<CorpusIndex>, String> {
        let corpus = self.get(sc, spec, tokenizer).map_err(|d| d.message)?;
        let slot = self.slot(sc, spec, tokenizer);
        slot.index
            .get_or_init(|| {
                // Each document ends with </s>, so a sample that ends where a document ends
                // matches it; a match still never runs from one document into the next.
                let docs: Vec<Vec<TokenId>> = corpus
                    .documents
                    .iter()
                    .map(|d| {
                        let mut v = d.clone();
                        v.push(crate::tokenize::EOS);
                        v
                    })
                    .collect();
                CorpusIndex::try_build(&docs)
                    .map(Arc::new)
                    .map_err(|e| format!("cannot index the corpus for remix statistics: {e}"))
            })
            .clone()
    }

    fn slot(&self, sc: &Scenario, spec: &CorpusSpec, tokenizer: Tokenizer) -> Arc<CorpusSlot> {
        let source = match &spec.source {
            CorpusSource::Text(t) => CorpusSource::Text(t.clone()),
            CorpusSource::Files(fs) => CorpusSource::Files(
                fs.iter()
                    .map(|f| {
                        let p = sc.dir.join(f);
                        p.canonicalize().unwrap_or(p)
                    })
                    .collect(),
            ),
        };
        let key = CorpusKey {
            source,
            documents: spec.documents,
            tokenizer,
        };
        let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        slots.entry(key).or_default().clone()
    }
}

/// Reads, splits and tokenizes a scenario's corpus; errors point at the scenario key naming it.
fn load_corpus(
    sc: &Scenario,
    spec: &CorpusSpec,
    tokenizer: Tokenizer,
) -> Result<TokenizedCorpus, Diagnostic> {
    let at = |i: usize, key: &str, msg: String| {
        Diagnostic::at(
            &sc.file,
            &sc.source,
            spec.spans.get(i).cloned(),
            Some(key.to_string()),
            msg,
        )
    };
    let mut documents = Vec::new();
    match &spec.source {
        CorpusSource::Text(t) => {
            documents.extend(crate::corpus::split_documents(
                &crate::corpus::normalize_text(t),
                spec.documents,
            ));
        }
        CorpusSource::Files(files) => {
            let key = if files.len() == 1 && !sc.source.contains("paths") {
                "corpus.path"
            } else {
                "corpus.paths"
            };
            for (i, f) in files.iter().enumerate() {
                let full = sc.dir.join(f);
                let shown_path = PathBuf::from(shown(&full));
                let text = crate::corpus::read_text(&full, &shown_path)
                    .map_err(|d| at(i, key, format!("{}: {}", d.file.display(), d.message)))?;
                let docs = crate::corpus::split_documents(&text, spec.documents);
                if docs.is_empty() {
                    return Err(at(
                        i,
                        key,
                        format!(
                            "{}: the file is empty (no text to train on)",
                            shown_path.display()
                        ),
                    ));
                }
                documents.extend(docs);
            }
        }
    }
    let corpus = TokenizedCorpus::build(&Corpus { documents }, tokenizer);
    if corpus.token_count() == 0 {
        return Err(at(
            0,
            "corpus",
            "the corpus has no tokens to train on".to_string(),
        ));
    }
    Ok(corpus)
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

/// A trained model scenario, ready to generate (shared by `run`, `score` and `trace`).
pub struct Prepared {
    /// The corpus (empty for an ARPA model without one), numbered by the model's vocabulary.
    pub corpus: Arc<TokenizedCorpus>,
    pub model: Model,
    pub info: ModelInfo,
    pub prefix_ids: Vec<TokenId>,
    pub prefix_text: String,
    pub notes: Vec<String>,
}

/// Loads the corpus, trains the model and resolves the prefix of a model scenario.
pub fn prepare(sc: &Scenario, cache: &CorpusCache) -> Result<Prepared, Vec<Diagnostic>> {
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
    let mut notes = Vec::new();
    let corpus = match cspec {
        Some(c) => cache.get(sc, c, mspec.tokenizer).map_err(|d| vec![d])?,
        None => Arc::new(TokenizedCorpus {
            vocab: crate::tokenize::Vocab::new(),
            documents: Vec::new(),
            tokenizer: mspec.tokenizer,
        }),
    };
    // Counting stores one slice per token and order: refuse, up front, what would not fit.
    let grams = corpus.token_count() as u64 * mspec.order as u64;
    let budget = NGRAM_BUDGET
        .bytes()
        .map_err(|e| vec![Diagnostic::file(&sc.file, e)])?;
    if grams > budget {
        return Err(vec![Diagnostic::file(
            &sc.file,
            format!(
                "order {} on {} corpus tokens means {grams} n-gram positions to count, more than \
                 the limit of {budget}: lower `order`, use a smaller corpus, or raise \
                 {} (about 24 bytes of memory each)",
                mspec.order,
                corpus.token_count(),
                NGRAM_BUDGET.var
            ),
        )
        .with_key("model.order")]);
    }
    if cspec.is_some() && corpus.token_count() < mspec.order {
        return Err(vec![Diagnostic::file(
            &sc.file,
            format!(
                "the corpus has {} token(s), fewer than the model order {}: add text or lower `order`",
                corpus.token_count(),
                mspec.order
            ),
        )
        .with_key("model.order")]);
    }
    let origin = Origin {
        file: &sc.file,
        source: &sc.source,
        dir: &sc.dir,
    };
    let built = mspec
        .estimator
        .build(&corpus, mspec.order, &origin)
        .map_err(|d| vec![d])?;
    notes.extend(built.notes);
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
    let mut notes = Vec::new();
    let (prefix_ids, prefix_text) = match &generate.prefix {
        Prefix::Text(t) => {
            let (ids, unknown) = corpus.encode(t);
            if !unknown.is_empty() {
                notes.push(format!(
                    "prefix tokens never seen in training: {}; they are <unk> (id 2), and \
                     contexts containing them back off to the tokens after them",
                    unknown
                        .iter()
                        .map(|u| format!("{u:?}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            (ids, t.clone())
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
                    "expected a document index from 0 to {}, found {document} (the corpus has {} \
                     documents)",
                    corpus.documents.len() - 1,
                    corpus.documents.len()
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
            (ids, text)
        }
    };
    Ok(Prepared {
        corpus,
        model,
        info,
        prefix_ids,
        prefix_text,
        notes,
    })
}

/// An explicit distribution as tested: the `[sampling]` transforms applied, in the order given.
pub fn distribution_tested(
    d: &crate::scenario::DistributionSpec,
    sampler: &crate::sample::SamplerConfig,
) -> crate::pipeline::chisq::Tested {
    // Outcome i is "token id" i here: the transforms work on (id, p) pairs in ascending id.
    let mut dist: Vec<(TokenId, f64)> = d
        .probs
        .iter()
        .enumerate()
        .filter(|(_, p)| **p > 0.0)
        .map(|(i, &p)| (i as TokenId, p))
        .collect();
    sampler.apply(&mut dist);
    let mut probs = vec![0.0; d.tokens.len()];
    for (i, p) in dist {
        probs[i as usize] = p;
    }
    normalize(&mut probs);
    crate::pipeline::chisq::Tested {
        context: d.context.clone(),
        labels: d.tokens.clone(),
        probs,
    }
}

fn normalize(p: &mut [f64]) {
    let total: f64 = p.iter().sum();
    if total > 0.0 {
        for x in p.iter_mut() {
            *x /= total;
        }
    }
}

/// A display label for a token: markers as written, white space made visible.
pub fn token_label(token: &str) -> String {
    match token {
        "\n" => "\\n".to_string(),
        " " => "␠".to_string(),
        "\t" => "\\t".to_string(),
        t => t.to_string(),
    }
}

/// How each of `tokens` reads after `prefix` in [`TokenizedCorpus::decode`]'s text: the token
/// with the separator the tokenizer writes before it; `</s>` reads "\n\n", `<s>` nothing. The
/// pieces concatenated are `decode(prefix + tokens)` without its first `decode(prefix)` bytes.
pub fn token_texts(
    corpus: &TokenizedCorpus,
    prefix: &[TokenId],
    tokens: &[TokenId],
) -> Vec<String> {
    let mut prev: Option<&str> = None;
    let mut piece = |id: TokenId| -> String {
        match id {
            crate::tokenize::EOS => {
                prev = None;
                "\n\n".to_string()
            }
            crate::tokenize::BOS => String::new(),
            _ => {
                let t = corpus.vocab.token(id);
                let s = match prev {
                    Some(p) => corpus.tokenizer.join(&[p, t])[p.len()..].to_string(),
                    None => t.to_string(),
                };
                prev = Some(t);
                s
            }
        }
    };
    for &id in prefix {
        piece(id);
    }
    tokens.iter().map(|&id| piece(id)).collect()
}

/// The next-token distributions a model scenario's chi-square check tests: one per context (the
/// generate prefix by default), each read as the start of a document, after the transforms.
fn model_tested(
    sc: &Scenario,
    p: &Prepared,
    check: &crate::scenario::ChiSquareCheck,
    notes: &mut Vec<String>,
) -> Vec<crate::pipeline::chisq::Tested> {
    let contexts: Vec<(String, Vec<TokenId>)> = match &check.contexts {
        None => vec![(p.prefix_text.clone(), p.prefix_ids.clone())],
        Some(list) => list
            .iter()
            .map(|c| {
                let (ids, unknown) = p.corpus.encode(c);
                if !unknown.is_empty() {
                    notes.push(format!(
                        "chi-square context {c:?} has tokens never seen in training: {}",
                        unknown.join(", ")
                    ));
                }
                (c.clone(), ids)
            })
            .collect(),
    };
    let order = p.model.order();
    contexts
        .into_iter()
        .map(|(text, ids)| {
            let history = crate::lm::start_history(&ids, order);
            let mut dist = Vec::new();
            p.model.distribution(&history, &mut dist);
            sc.sampling.apply(&mut dist);
            let labels = dist
                .iter()
                .map(|&(id, _)| token_label(p.corpus.vocab.token(id)))
                .collect();
            let mut probs: Vec<f64> = dist.iter().map(|d| d.1).collect();
            normalize(&mut probs);
            crate::pipeline::chisq::Tested {
                context: text,
                labels,
                probs,
            }
        })
        .collect()
}

/// The distributions a scenario's chi-square check tests (for `coinflip calibrate`).
pub fn tested_distributions(
    sc: &Scenario,
    cache: &CorpusCache,
) -> Result<Vec<crate::pipeline::chisq::Tested>, Vec<Diagnostic>> {
    let Some(check) = &sc.checks.chi_square else {
        return Err(vec![Diagnostic::file(
            &sc.file,
            "the scenario has no [checks.chi_square] table to calibrate",
        )]);
    };
    match &sc.kind {
        ScenarioKind::Distribution(d) => Ok(vec![distribution_tested(d, &sc.sampling)]),
        ScenarioKind::Model { .. } => {
            let p = prepare(sc, cache)?;
            Ok(model_tested(sc, &p, check, &mut Vec::new()))
        }
    }
}

/// What remix statistics to compute: the scenario's `[checks.remix]` settings, or the defaults
/// for its tokenizer.
fn remix_config(sc: &Scenario, mspec: &ModelSpec) -> crate::remix::RemixConfig {
    use crate::remix::{Granularity, RemixConfig};
    let granularity = match mspec.tokenizer.kind {
        crate::tokenize::TokenizerKind::Char => Granularity::Char,
        _ => Granularity::Word,
    };
    let mut cfg = RemixConfig::new(granularity);
    if let Some(check) = &sc.checks.remix {
        cfg.ngram_orders = check.ngram_orders.clone();
        if let Some(l) = check.copied_min_len {
            cfg.copied_min_len = l as u32;
        }
    }
    cfg
}

/// For a `prefix_from` scenario, what the source document actually says after the prefix
/// (its remaining tokens, then `</s>`).
fn source_continuation(
    generate: &crate::scenario::GenerateSpec,
    p: &Prepared,
) -> Option<Vec<TokenId>> {
    let Prefix::FromDocument {
        document, tokens, ..
    } = &generate.prefix
    else {
        return None;
    };
    let doc = p.corpus.documents.get(*document)?;
    let mut rest = doc[*tokens..].to_vec();
    rest.push(crate::tokenize::EOS);
    Some(rest)
}

/// The reported remix figures of one sample, with its divergence step.
fn sample_remix(
    stats: &crate::remix::RemixStats,
    p: &Prepared,
    source: Option<&[TokenId]>,
    generated: &[TokenId],
) -> crate::results::SampleRemix {
    use crate::results::{ByN, CopiedFraction, Divergence, MaxVerbatim, SampleRemix, TokenAt};
    let longest = &stats.longest;
    let divergence_step = source.map(|src| {
        let step = generated
            .iter()
            .zip(src)
            .position(|(g, s)| g != s)
            .unwrap_or(generated.len().min(src.len()));
        if step >= generated.len() || step >= src.len() {
            return Divergence {
                step: generated.len(),
                expected_token: None,
                sampled_token: None,
            };
        }
        // The model's view at that step: the padded prefix and the tokens before it.
        let mut history = crate::lm::start_history(&p.prefix_ids, p.model.order());
        history.extend_from_slice(&generated[..step]);
        let at = |id: TokenId| TokenAt {
            id: p.corpus.vocab.display_id(id),
            text: token_label(p.corpus.vocab.token(id)),
            p: p.model.prob(&history, id).p,
        };
        Divergence {
            step,
            expected_token: Some(at(src[step])),
            sampled_token: Some(at(generated[step])),
        }
    });
    SampleRemix {
        longest_match: stats.profile.clone(),
        max_verbatim: MaxVerbatim {
            length: longest.length,
            text: p.corpus.decode(&longest.tokens).trim_end().to_string(),
            document: longest.occurrence.map(|o| o.document),
            offset: longest.occurrence.map(|o| o.offset),
        },
        novel_ngram_rate: ByN(stats.novel_ngram_rate.clone()),
        copied_fraction: CopiedFraction {
            min_len: stats.copied_min_len,
            value: stats.copied_fraction,
        },
        divergence_step,
    }
}

/// Remix statistics aggregated over a scenario's samples.
fn remix_summary(
    stats: &[(crate::remix::RemixStats, Option<usize>)],
    cfg: &crate::remix::RemixConfig,
) -> crate::results::RemixSummary {
    use crate::results::{Aggregate, ByN, RemixSummary};
    let agg = |s: Option<crate::remix::Summary>| {
        s.map(|s| Aggregate {
            mean: s.mean,
            median: s.median,
            max: s.max,
        })
    };
    let only: Vec<crate::remix::RemixStats> = stats.iter().map(|(s, _)| s.clone()).collect();
    let sum = crate::remix::RemixSummary::of(&only, cfg);
    let steps: Vec<f64> = stats
        .iter()
        .filter_map(|(_, d)| d.map(|d| d as f64))
        .collect();
    RemixSummary {
        samples: sum.samples,
        max_verbatim: agg(sum.max_verbatim),
        novel_ngram_rate: ByN(sum
            .novel_ngram_rate
            .into_iter()
            .map(|(n, s)| (n, agg(s)))
            .collect()),
        copied_fraction: agg(sum.copied_fraction),
        divergence_step: agg(crate::remix::Summary::of(&steps)),
    }
}

/// Runs one validated scenario.
pub fn run_scenario(sc: &Scenario, cache: &CorpusCache) -> ScenarioResult {
    let mut result = ScenarioResult {
        name: sc.name.clone(),
        file: shown(&sc.file),
        seed: sc.seed,
        status: Status::Pass,
        error: None,
        diagnostics: Vec::new(),
        description: sc.description.clone(),
        notes: Vec::new(),
        model: None,
        sampling: Some(sc.sampling),
        samples: Vec::new(),
        remix_summary: None,
        checks: Vec::new(),
    };
    match &sc.kind {
        ScenarioKind::Model {
            generate,
            corpus: cspec,
            model: mspec,
        } => {
            let prepared = match prepare(sc, cache) {
                Ok(p) => p,
                Err(d) => {
                    let mut e = ScenarioResult::error(sc.name.clone(), shown(&sc.file), sc.seed, d);
                    e.description = sc.description.clone();
                    return e;
                }
            };
            result.notes = prepared.notes.clone();
            result.model = Some(prepared.info.clone());
            let cfg = GenerateConfig {
                max_tokens: generate.max_tokens,
                stop_at_end: generate.stop_at_end,
                sampler: sc.sampling,
            };
            // The remix index of the corpus, shared by the scenarios that train on it.
            let index = match cspec {
                None => {
                    result.notes.push(
                        "no [corpus]: remix statistics need the training text and are left out"
                            .into(),
                    );
                    None
                }
                Some(c) => match cache.index(sc, c, mspec.tokenizer) {
                    Ok(ix) => Some(ix),
                    Err(e) => {
                        result.notes.push(e);
                        None
                    }
                },
            };
            let remix_cfg = remix_config(sc, mspec);
            // Ids as reports show them (GPT's own ids for GPT tokenizers).
            let ids_shown = |ids: &[TokenId]| -> Vec<u32> {
                ids.iter()
                    .map(|&t| prepared.corpus.vocab.display_id(t))
                    .collect()
            };
            let source = source_continuation(generate, &prepared);
            let mut all_stats = Vec::new();
            for i in 0..generate.samples {
                let mut rng = sample::stream(sc.seed, Domain::Generate, i as u64);
                let g = sample::generate(&prepared.model, &prepared.prefix_ids, &cfg, &mut rng);
                let mut all = prepared.prefix_ids.clone();
                all.extend_from_slice(&g.tokens);
                let remix = index.as_ref().map(|ix| {
                    let stats = ix.remix_stats(&prepared.prefix_ids, &g.tokens, &remix_cfg);
                    let r = sample_remix(&stats, &prepared, source.as_deref(), &g.tokens);
                    all_stats.push((stats, r.divergence_step.as_ref().map(|d| d.step)));
                    r
                });
                result.samples.push(SampleResult {
                    index: i,
                    prefix: prepared.prefix_text.clone(),
                    prefix_tokens: ids_shown(&prepared.prefix_ids),
                    text: prepared.corpus.decode(&g.tokens),
                    full_text: prepared.corpus.decode(&all),
                    token_texts: token_texts(&prepared.corpus, &prepared.prefix_ids, &g.tokens),
                    tokens: ids_shown(&g.tokens),
                    stopped: g.stopped,
                    remix,
                });
            }
            if index.is_some() {
                result.remix_summary = Some(remix_summary(&all_stats, &remix_cfg));
            }
            if let Some(check) = &sc.checks.output {
                result
                    .checks
                    .extend(crate::pipeline::check::output(check, &result.samples));
            }
            if let Some(check) = &sc.checks.chi_square {
                let tested = model_tested(sc, &prepared, check, &mut result.notes);
                result.checks.extend(crate::pipeline::check::chi_square(
                    &tested,
                    check,
                    sc.seed,
                    crate::pipeline::chisq::real_draw,
                ));
            }
            if let Some(check) = &sc.checks.remix {
                result.checks.extend(crate::pipeline::check::remix(
                    check,
                    &result.samples,
                    source.is_some(),
                ));
            }
        }
        ScenarioKind::Distribution(d) => {
            result.model = Some(ModelInfo {
                kind: ModelKind::Distribution,
                order: 1,
                tokenizer: None,
                lowercase: false,
                smoothing: None,
                smoothing_parameter: None,
                vocabulary_size: d.tokens.len(),
                documents: 0,
                training_tokens: 0,
                ngram_counts: Vec::new(),
                discounts: None,
            });
            if let Some(check) = &sc.checks.chi_square {
                let tested = [distribution_tested(d, &sc.sampling)];
                result.checks.extend(crate::pipeline::check::chi_square(
                    &tested,
                    check,
                    sc.seed,
                    crate::pipeline::chisq::real_draw,
                ));
            }
        }
    }
    // A check that could not be judged makes the scenario an error; a failed one, a failure.
    if result.checks.iter().any(|c| c.status == Status::Error) {
        result.status = Status::Error;
        result.error = Some(
            result
                .checks
                .iter()
                .filter(|c| c.status == Status::Error)
                .map(|c| format!("{}.{}: {}", c.kind, c.name, c.message))
                .collect::<Vec<_>>()
                .join("\n"),
        );
    } else if result.checks.iter().any(|c| c.status != Status::Pass) {
        result.status = Status::Fail;
    }
    result
}
