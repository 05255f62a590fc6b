//! Running a batch: loading each scenario file, training, generating, judging, and collecting
//! one [`ScenarioResult`] per file — in sorted path order, whatever the thread count.
//!
//! One bad file never stops the batch: it becomes a result with status "error". Corpora are
//! loaded and tokenized once per distinct (files or text, document split, tokenizer) and shared
//! between the scenarios of a run ([`CorpusCache`]).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use crate::corpus::TokenizedCorpus;
use crate::error::Diagnostic;
use crate::lm::ModelKind;
use crate::pipeline::corpus_cache::CorpusCache;
use crate::pipeline::discover::shown;
use crate::pipeline::prepare::{Prepared, prepare};
use crate::pipeline::remix_figures::{
    remix_config, remix_summary, sample_remix, source_continuation,
};
use crate::pipeline::tested::{distribution_tested, model_tested};
use crate::remix::{CorpusIndex, RemixConfig, RemixStats};
use crate::results::{BatchReport, ModelInfo, Note, SampleResult, ScenarioResult, Status};
use crate::sample::{self, Domain, GenerateConfig};
use crate::scenario::{
    self, CorpusSpec, DistributionSpec, GenerateSpec, ModelSpec, Scenario, ScenarioKind,
};
use crate::tokenize::TokenId;

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

/// A scenario file and what loading it gave.
type Loaded = (PathBuf, Result<Scenario, Vec<Diagnostic>>);

/// Loads and runs every scenario file, in order; `done` is called as each scenario finishes (in
/// any order: it is for progress display only).
pub fn run_files(
    files: &[PathBuf],
    opts: &RunOptions,
    done: &(dyn Fn(&ScenarioResult) + Sync),
) -> BatchReport {
    run_files_with_progress(files, opts, done, None)
}

/// [`run_files`], the samples and draws of each scenario also reported to `progress` as they
/// are done ([`crate::pipeline::progress`]).
pub fn run_files_with_progress(
    files: &[PathBuf],
    opts: &RunOptions,
    done: &(dyn Fn(&ScenarioResult) + Sync),
    progress: Option<&crate::pipeline::progress::Sink>,
) -> BatchReport {
    let mut loaded: Vec<Loaded> = files
        .iter()
        .map(|f| (f.clone(), scenario::load(f, f)))
        .collect();
    if let Some(filter) = &opts.filter {
        loaded.retain(|(f, s)| match s {
            Ok(s) => s.name.contains(filter.as_str()),
            Err(_) => declared_name(f).contains(filter.as_str()),
        });
    }
    reject_duplicate_names(&mut loaded);
    // A rejected file is shown under the name it declares, unless a scenario of the batch
    // has that name (names identify scenarios in reports).
    let taken: std::collections::BTreeSet<&str> = loaded
        .iter()
        .filter_map(|(_, s)| s.as_ref().ok().map(|s| s.name.as_str()))
        .collect();
    let cache = CorpusCache::default();
    let run_one = |(file, s): &Loaded| {
        let r = match s {
            Err(diags) => {
                let (name, seed) = scenario::declared(file);
                ScenarioResult::error(
                    name.filter(|n| !taken.contains(n.as_str()))
                        .unwrap_or_else(|| stem(file)),
                    shown(file),
                    opts.seed.or(seed).unwrap_or(0),
                    diags.clone(),
                )
            }
            Ok(sc) => {
                let mut sc = sc.clone();
                if let Some(seed) = opts.seed {
                    sc.seed = seed;
                }
                crate::pipeline::progress::with_sink(progress, || run_scenario(&sc, &cache))
            }
        };
        done(&r);
        r
    };
    // Results are collected in file order whatever the thread count: the report is the same
    // for every --jobs.
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

/// Names identify scenarios in reports and JUnit: the second and later files that use a name
/// become errors naming the first.
fn reject_duplicate_names(loaded: &mut [Loaded]) {
    let mut first_use: HashMap<String, PathBuf> = HashMap::new();
    for (file, s) in loaded.iter_mut() {
        let Ok(sc) = s else { continue };
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

/// The name a rejected file declares, or its stem.
fn declared_name(path: &Path) -> String {
    scenario::declared(path).0.unwrap_or_else(|| stem(path))
}

fn stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
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
            corpus,
            model,
        } => {
            let specs = ModelSpecs {
                generate,
                corpus: corpus.as_ref(),
                model,
            };
            if let Err(d) = run_model(sc, &specs, cache, &mut result) {
                let mut e = ScenarioResult::error(sc.name.clone(), shown(&sc.file), sc.seed, d);
                e.description = sc.description.clone();
                return e;
            }
        }
        ScenarioKind::Distribution(d) => run_distribution(sc, d, &mut result),
    }
    judge(&mut result);
    result
}

/// The tables of a model scenario.
struct ModelSpecs<'a> {
    generate: &'a GenerateSpec,
    corpus: Option<&'a CorpusSpec>,
    model: &'a ModelSpec,
}

/// Trains, generates, computes the remix figures and runs the checks of a model scenario.
fn run_model(
    sc: &Scenario,
    specs: &ModelSpecs,
    cache: &CorpusCache,
    result: &mut ScenarioResult,
) -> Result<(), Vec<Diagnostic>> {
    let prepared = prepare(sc, cache)?;
    result.notes = prepared.notes.clone();
    result.model = Some(prepared.info.clone());
    let index = match remix_index(sc, specs, cache) {
        Ok(ix) => Some(ix),
        Err(note) => {
            result.notes.push(note);
            None
        }
    };
    let remix_cfg = remix_config(sc, specs.model);
    let source = source_continuation(specs.generate, &prepared);
    let remix = index.as_deref().map(|ix| Remix {
        index: ix,
        cfg: &remix_cfg,
        source: source.as_deref(),
    });
    let (samples, stats) = generate_samples(sc, specs.generate, &prepared, remix.as_ref());
    result.samples = samples;
    if index.is_some() {
        result.remix_summary = Some(remix_summary(&stats, &remix_cfg));
    }
    model_checks(sc, &prepared, source.is_some(), result);
    Ok(())
}

/// The remix index of the scenario's corpus, shared by the scenarios that train on it; without
/// one, the note saying why the remix statistics are left out.
fn remix_index(
    sc: &Scenario,
    specs: &ModelSpecs,
    cache: &CorpusCache,
) -> Result<Arc<CorpusIndex>, Note> {
    let Some(c) = specs.corpus else {
        return Err(Note::NoCorpusForRemix);
    };
    cache
        .index(sc, c, specs.model.tokenizer)
        .map_err(|reason| Note::RemixUnavailable { reason })
}

/// What the remix statistics of a sample are computed against.
struct Remix<'a> {
    index: &'a CorpusIndex,
    cfg: &'a RemixConfig,
    /// What the source document says after a `prefix_from` prefix.
    source: Option<&'a [TokenId]>,
}

/// The scenario's samples, each from its own stream (so a sample does not depend on how many
/// are drawn), with their remix statistics and divergence steps when there is a corpus.
fn generate_samples(
    sc: &Scenario,
    generate: &GenerateSpec,
    p: &Prepared,
    remix: Option<&Remix>,
) -> (Vec<SampleResult>, Vec<(RemixStats, Option<usize>)>) {
    let cfg = GenerateConfig {
        max_tokens: generate.max_tokens,
        stop_at_end: generate.stop_at_end,
        sampler: sc.sampling,
    };
    // Ids as reports show them (GPT's own ids for GPT tokenizers).
    let ids_shown = |ids: &[TokenId]| -> Vec<u32> {
        ids.iter().map(|&t| p.corpus.vocab.display_id(t)).collect()
    };
    use crate::pipeline::progress::{Event, report};
    let mut samples = Vec::with_capacity(generate.samples);
    let mut generated = Vec::with_capacity(generate.samples);
    report(Event::Planned(generate.samples as u64));
    // One generator for every sample: its per-context memo of the transforms serves them all.
    let mut generator = sample::Generator::new(&p.model, &cfg);
    for i in 0..generate.samples {
        let mut rng = sample::stream(sc.seed, Domain::Generate, i as u64);
        let g = generator.generate(&p.prefix_ids, &mut rng);
        let text = p.corpus.decode(&g.tokens);
        // Without a prefix the full text is the text: decoded once.
        let full_text = if p.prefix_ids.is_empty() {
            text.clone()
        } else {
            p.corpus
                .decode(&[&p.prefix_ids[..], &g.tokens[..]].concat())
        };
        samples.push(SampleResult {
            index: i,
            prefix: p.prefix_text.clone(),
            prefix_tokens: ids_shown(&p.prefix_ids),
            text,
            full_text,
            token_texts: token_texts(&p.corpus, &p.prefix_ids, &g.tokens),
            tokens: ids_shown(&g.tokens),
            stopped: g.stopped,
            remix: None,
        });
        generated.push(g.tokens);
        report(Event::Done(1));
    }
    // The remix statistics after every sample is generated: the profiles of several samples
    // are walked together (CorpusIndex::profiles), the same values as one at a time.
    let mut all_stats = Vec::new();
    if let Some(rx) = remix {
        let profiles = rx.index.profiles(&p.prefix_ids, &generated);
        for ((sample, tokens), profile) in samples.iter_mut().zip(&generated).zip(profiles) {
            let stats = rx
                .index
                .remix_stats_of(&p.prefix_ids, tokens, profile, rx.cfg);
            let r = sample_remix(&stats, p, rx.source, tokens);
            all_stats.push((stats, r.divergence_step.as_ref().map(|d| d.step)));
            sample.remix = Some(r);
        }
    }
    (samples, all_stats)
}

/// The output, chi-square and remix checks of a model scenario, in that order.
fn model_checks(sc: &Scenario, p: &Prepared, has_source: bool, result: &mut ScenarioResult) {
    if let Some(check) = &sc.checks.output {
        result
            .checks
            .extend(crate::pipeline::check::output(check, &result.samples));
    }
    if let Some(check) = &sc.checks.chi_square {
        let tested = model_tested(sc, p, check, &mut result.notes);
        let sampler = crate::pipeline::chisq::SamplerUnderTest {
            model: &p.model,
            config: sc.sampling,
        };
        let outcomes = crate::pipeline::chisq::run_sampler(&tested, check, sc.seed, sampler);
        result
            .checks
            .extend(crate::pipeline::check::chi_square(&tested, outcomes));
    }
    if let Some(check) = &sc.checks.remix {
        result.checks.extend(crate::pipeline::check::remix(
            check,
            &result.samples,
            has_source,
        ));
    }
}

/// An explicit distribution: its figures and its chi-square check.
fn run_distribution(sc: &Scenario, d: &DistributionSpec, result: &mut ScenarioResult) {
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
        let outcomes =
            crate::pipeline::chisq::run(&tested, check, sc.seed, crate::pipeline::chisq::real_draw);
        result
            .checks
            .extend(crate::pipeline::check::chi_square(&tested, outcomes));
    }
}

/// The scenario's status from its checks: a check that could not be judged makes it an error
/// (each such check a line of `error`), a failed one a failure.
fn judge(result: &mut ScenarioResult) {
    let errors: Vec<String> = result
        .checks
        .iter()
        .filter(|c| c.status == Status::Error)
        .map(|c| format!("{}.{}: {}", c.kind, c.name, c.message))
        .collect();
    if !errors.is_empty() {
        result.status = Status::Error;
        result.error = Some(errors.join("\n"));
    } else if result.checks.iter().any(|c| c.status != Status::Pass) {
        result.status = Status::Fail;
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
    // As `decode` writes it: the break between documents belongs to the token after `</s>`, so
    // a sample that stops at `</s>` ends with its text.
    let mut pending_break = false;
    let mut piece = |id: TokenId| -> String {
        match id {
            crate::tokenize::EOS => {
                prev = None;
                pending_break = true;
                String::new()
            }
            crate::tokenize::BOS => String::new(),
            _ => {
                let t = corpus.vocab.token(id);
                let s = match prev {
                    Some(p) => {
                        let sep = corpus.tokenizer.separator(p, t);
                        let mut s = String::with_capacity(sep.len() + t.len());
                        s.push_str(sep);
                        s.push_str(t);
                        s
                    }
                    None => t.to_string(),
                };
                prev = Some(t);
                if std::mem::take(&mut pending_break) {
                    format!("\n\n{s}")
                } else {
                    s
                }
            }
        }
    };
    for &id in prefix {
        piece(id);
    }
    tokens.iter().map(|&id| piece(id)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_counts_every_sample_and_draw_and_changes_nothing() {
        use std::sync::atomic::Ordering;
        let dir = tempfile::tempdir().unwrap();
        let f = write(
            dir.path(),
            "p.toml",
            "seed = 4\n[corpus]\ntext = \"a b a c a b\"\n[generate]\nsamples = 7\n\
             [checks.chi_square]\nsamples = 150000\n",
        );
        let (sink, planned, done) = counting_sink();
        let opts = RunOptions::default();
        let files = [f];
        let with = run_files_with_progress(&files, &opts, &|_| {}, Some(&sink));
        // 7 samples, then 150,000 draws for the one context tested (the empty prefix).
        assert_eq!(planned.load(Ordering::Relaxed), 7 + 150_000);
        assert_eq!(done.load(Ordering::Relaxed), 7 + 150_000);
        let without = run_files(&files, &opts, &|_| {});
        assert_eq!(
            serde_json::to_string(&with).unwrap(),
            serde_json::to_string(&without).unwrap()
        );
    }

    /// A Monte Carlo test's replicates, drawn on rayon's threads, count too.
    #[test]
    fn progress_counts_monte_carlo_replicates() {
        use std::sync::atomic::Ordering;
        let dir = tempfile::tempdir().unwrap();
        let f = write(
            dir.path(),
            "mc.toml",
            "seed = 4\n[corpus]\ntext = \"a b a c a b\"\n[generate]\nsamples = 3\n\
             [checks.chi_square]\nsamples = 2000\nmethod = \"monte-carlo\"\nreplicates = 40\n",
        );
        let (sink, planned, done) = counting_sink();
        let files = [f];
        run_files_with_progress(&files, &RunOptions::default(), &|_| {}, Some(&sink));
        // 3 samples, 2,000 draws of the tested context, 40 replicates of 2,000 draws.
        let want = 3 + 2_000 + 40 * 2_000;
        assert_eq!(planned.load(Ordering::Relaxed), want);
        assert_eq!(done.load(Ordering::Relaxed), want);
    }

    /// A progress sink that adds up what is planned and what is done.
    fn counting_sink() -> (
        crate::pipeline::progress::Sink,
        Arc<std::sync::atomic::AtomicU64>,
        Arc<std::sync::atomic::AtomicU64>,
    ) {
        use crate::pipeline::progress::Event;
        use std::sync::atomic::{AtomicU64, Ordering};
        let (planned, done) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
        let (p, d) = (planned.clone(), done.clone());
        let sink = Arc::new(move |e| {
            let _ = match e {
                Event::Planned(n) => p.fetch_add(n, Ordering::Relaxed),
                Event::Done(n) => d.fetch_add(n, Ordering::Relaxed),
            };
        });
        (sink, planned, done)
    }

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    const GOOD: &str =
        "[corpus]\ntext = \"a b a c\"\n[model]\norder = 2\n[generate]\nsamples = 2\n";

    #[test]
    fn a_second_use_of_a_name_is_an_error_naming_the_first() {
        let dir = tempfile::tempdir().unwrap();
        let named = |n: &str| format!("name = \"{n}\"\n{GOOD}");
        let files = [
            write(dir.path(), "1.toml", &named("same")),
            write(dir.path(), "2.toml", &named("other")),
            write(dir.path(), "3.toml", &named("same")),
            write(dir.path(), "4.toml", "not toml ["),
        ];
        let mut loaded: Vec<Loaded> = files
            .iter()
            .map(|f| (f.clone(), scenario::load(f, f)))
            .collect();
        reject_duplicate_names(&mut loaded);
        let ok: Vec<bool> = loaded.iter().map(|(_, s)| s.is_ok()).collect();
        assert_eq!(ok, [true, true, false, false]);
        let d = &loaded[2].1.as_ref().unwrap_err()[0];
        assert_eq!(d.key.as_deref(), Some("name"));
        assert_eq!(
            d.message,
            format!(
                "duplicate scenario name `same`: {} already uses it; names must be unique in a \
                 batch (set `name = \"...\"`)",
                shown(&files[0])
            )
        );
    }

    #[test]
    fn a_batch_reports_every_file_in_order_whatever_the_thread_count() {
        let dir = tempfile::tempdir().unwrap();
        let files: Vec<PathBuf> = (0..6)
            .map(|i| {
                let text = if i == 3 {
                    "bad".to_string()
                } else {
                    format!("seed = {i}\n{GOOD}")
                };
                write(dir.path(), &format!("s{i}.toml"), &text)
            })
            .collect();
        let names = |jobs: usize| {
            let opts = RunOptions {
                jobs,
                ..RunOptions::default()
            };
            let r = run_files(&files, &opts, &|_| {});
            let out: Vec<(String, Status, Vec<String>)> = r
                .scenarios
                .iter()
                .map(|s| {
                    let texts = s.samples.iter().map(|x| x.full_text.clone()).collect();
                    (s.name.clone(), s.status, texts)
                })
                .collect();
            out
        };
        let one = names(1);
        assert_eq!(
            one.iter().map(|x| x.0.as_str()).collect::<Vec<_>>(),
            ["s0", "s1", "s2", "s3", "s4", "s5"]
        );
        assert_eq!(one[3].1, Status::Error);
        assert_eq!(one, names(3));
        // --filter keeps the scenarios whose name (or, for a broken file, stem) contains it.
        let opts = RunOptions {
            filter: Some("s3".into()),
            jobs: 1,
            ..RunOptions::default()
        };
        let r = run_files(&files, &opts, &|_| {});
        assert_eq!(r.scenarios.len(), 1);
        assert_eq!(r.summary.errors, 1);
    }

    #[test]
    fn an_unjudged_check_outranks_a_failed_one() {
        let dir = tempfile::tempdir().unwrap();
        let run = |checks: &str| {
            let f = write(dir.path(), "s.toml", &format!("{GOOD}{checks}"));
            let sc = scenario::load(&f, &f).unwrap();
            let r = run_scenario(&sc, &CorpusCache::default());
            (r.status, r.error)
        };
        let output = "[checks.output]\nmin_distinct = 1\n";
        assert_eq!(run(output), (Status::Pass, None));
        // Two samples cannot be three distinct ones.
        let failing = "[checks.output]\nmin_distinct = 3\n";
        assert_eq!(run(failing), (Status::Fail, None));
        // min_divergence_step cannot be judged for a free prefix: an error, whatever else failed.
        let (status, error) = run(&format!(
            "{failing}[checks.remix]\nmin_divergence_step = 1\n"
        ));
        assert_eq!(status, Status::Error);
        assert_eq!(
            error.as_deref(),
            Some(
                "remix.min_divergence_step: min_divergence_step needs a prefix taken from a \
                 training document (`prefix_from`); this scenario's prefix is free text"
            )
        );
    }

    #[test]
    fn token_texts_concatenate_to_the_decoded_continuation() {
        let dir = tempfile::tempdir().unwrap();
        let f = write(dir.path(), "s.toml", GOOD);
        let sc = scenario::load(&f, &f).unwrap();
        let p = prepare(&sc, &CorpusCache::default()).unwrap();
        let id = |t: &str| p.corpus.vocab.get(t).unwrap();
        let prefix = [id("a")];
        let tokens = [id("b"), id("a"), crate::tokenize::EOS, id("c")];
        let pieces = token_texts(&p.corpus, &prefix, &tokens);
        assert_eq!(pieces, [" b", " a", "", "\n\nc"]);
        // A sample that stops at </s> ends with its text, as `decode` writes it.
        let stopped = [id("b"), crate::tokenize::EOS];
        assert_eq!(token_texts(&p.corpus, &prefix, &stopped), [" b", ""]);
        for tokens in [&tokens[..], &stopped[..]] {
            let mut all = prefix.to_vec();
            all.extend_from_slice(tokens);
            let whole = p.corpus.decode(&all);
            let pieces = token_texts(&p.corpus, &prefix, tokens);
            assert_eq!(whole[p.corpus.decode(&prefix).len()..], pieces.concat());
        }
    }
}
