//! Randomness contract 2 (docs/sampling.md) against its oracle: the dense distribution every
//! model lists (`LanguageModel::distribution`, O(V)), with contract 1's transforms applied to it
//! (`SamplerConfig::apply`). For every smoothing, in many contexts (after `<s>`, seen, unseen,
//! after `<unk>`, with `</s>` among the candidates), the tokens the hierarchical sampler draws
//! must fit the oracle's probabilities: a chi-square test over all candidates and a z-test per
//! candidate with p ≥ 0.01 (|z| < 5). [`PLAIN`] draws per context detect, with 90% power, an error
//! of one percentage point (1% of the mass) in any candidate; the ignored test
//! `one_percent_relative_errors` (run it with `cargo test --release --test contract2 --
//! --ignored`, about a minute) draws enough to detect a 1% *relative* error in any candidate with
//! p ≥ 0.01, after `<s>` and after a seen context, for every model. Also the test vectors of
//! docs/sampling.md.

use std::collections::BTreeMap;

use coinflip::corpus::{Corpus, DocumentSplit, TokenizedCorpus, split_documents};
use coinflip::lm::arpa;
use coinflip::lm::backoff::ArpaLm;
use coinflip::lm::kenlm;
use coinflip::lm::ngram::NgramModel;
use coinflip::lm::{Estimator, LanguageModel, start_history};
use coinflip::sample::{self, Domain, Sampler, SamplerConfig};
use coinflip::tokenize::{TokenId, Tokenizer, TokenizerKind, UNK};
use statrs::distribution::{ChiSquared, ContinuousCDF};

const WEATHER: &str = include_str!("../scenarios/corpora/weather.txt");

fn corpus(text: &str) -> TokenizedCorpus {
    TokenizedCorpus::build(
        &Corpus {
            documents: split_documents(text, DocumentSplit::Lines),
        },
        Tokenizer {
            kind: TokenizerKind::Whitespace,
            lowercase: false,
        },
    )
}

/// Every model with levels, on the weather corpus (trigrams), plus a KenLM-written ARPA file.
fn models() -> Vec<(&'static str, Box<dyn LanguageModel>)> {
    let c = corpus(WEATHER);
    let ngram = |e: Estimator| -> Box<dyn LanguageModel> { Box::new(NgramModel::train(&c, 3, e)) };
    let sentences = kenlm::sentences_from_text(WEATHER);
    let mkn =
        kenlm::estimate(&sentences, 3, Some(kenlm::LMPLZ_FALLBACK_DISCOUNTS)).expect("estimates");
    let toy = arpa::read(
        include_str!("fixtures/kenlm/genesis-1-3.o3.arpa"),
        "genesis-1-3.o3.arpa",
    )
    .expect("reads");
    vec![
        ("kneser-ney", ngram(Estimator::KneserNey { discount: 0.75 })),
        (
            "kneser-ney D=1",
            ngram(Estimator::KneserNey { discount: 1.0 }),
        ),
        ("add-k", ngram(Estimator::AddK { k: 0.3 })),
        (
            "stupid-backoff",
            ngram(Estimator::StupidBackoff { alpha: 0.4 }),
        ),
        (
            "modified-kneser-ney",
            Box::new(ArpaLm::new(mkn.model, c.vocab.clone())),
        ),
        (
            "arpa (genesis)",
            Box::new(ArpaLm::new(toy, c.vocab.clone())),
        ),
    ]
}

/// Histories to test: the start (after `<s>`), seen contexts, an unseen one (never adjacent in
/// training), `<unk>` (never seen in any context) alone and after a seen word.
fn histories(m: &dyn LanguageModel) -> Vec<Vec<TokenId>> {
    let v = m.vocab();
    let ids = |s: &str| -> Vec<TokenId> {
        s.split_whitespace()
            .map(|w| v.get(w).unwrap_or(UNK))
            .collect()
    };
    let order = m.order();
    let mut with_unk = start_history(&ids("the"), order);
    with_unk.push(UNK);
    ["", "the", "town town", "and the", "sun shines", ". the"]
        .iter()
        .map(|p| start_history(&ids(p), order))
        .chain([start_history(&[UNK], order), with_unk])
        .collect()
}

/// Counts of `n` steps of the sampler after `history`.
fn draw_counts(
    m: &dyn LanguageModel,
    history: &[TokenId],
    cfg: SamplerConfig,
    n: u64,
    seed: u64,
) -> BTreeMap<TokenId, u64> {
    let mut s = Sampler::new(m, cfg);
    let mut rng = sample::stream(seed, Domain::Generate, 0);
    let mut counts = vec![0u64; m.vocab().len()];
    for _ in 0..n {
        counts[s.step(history, &mut rng).expect("a candidate").token as usize] += 1;
    }
    (0..counts.len())
        .filter(|&w| counts[w] > 0)
        .map(|w| (w as TokenId, counts[w]))
        .collect()
}

/// The oracle: the listed distribution, contract 1's transforms applied, normalised.
fn oracle(m: &dyn LanguageModel, history: &[TokenId], cfg: SamplerConfig) -> Vec<(TokenId, f64)> {
    let mut d = Vec::new();
    m.distribution(history, &mut d);
    cfg.apply(&mut d);
    let total: f64 = d.iter().map(|x| x.1).sum();
    d.iter().map(|&(w, p)| (w, p / total)).collect()
}

/// The counts fit the probabilities: nothing drawn outside them, |z| < 5 for every candidate
/// with p ≥ 0.01, and the chi-square test (bins of expected count ≥ 5, the rest pooled) has
/// p-value > 1e-6. Returns the smallest relative error at p = 0.01 these draws detect.
fn assert_fits(label: &str, counts: &BTreeMap<TokenId, u64>, expected: &[(TokenId, f64)], n: u64) {
    let nf = n as f64;
    for w in counts.keys() {
        assert!(
            expected.iter().any(|&(e, p)| e == *w && p > 0.0),
            "{label}: drew {w}, which has probability 0"
        );
    }
    let (mut stat, mut bins, mut pooled_o, mut pooled_e) = (0.0, 0usize, 0.0, 0.0);
    for &(w, p) in expected {
        let o = counts.get(&w).copied().unwrap_or(0) as f64;
        let e = nf * p;
        if p >= 0.01 {
            let z = (o - e) / (e * (1.0 - p)).sqrt().max(1e-300);
            assert!(
                z.abs() < 5.0,
                "{label}: token {w}: observed {o}, expected {e:.1} (z = {z:.2})"
            );
        }
        if e >= 5.0 {
            stat += (o - e) * (o - e) / e;
            bins += 1;
        } else {
            pooled_o += o;
            pooled_e += e;
        }
    }
    if pooled_e > 0.0 {
        stat += (pooled_o - pooled_e).powi(2) / pooled_e.max(1e-300);
        bins += 1;
    }
    if bins > 1 {
        let pv = ChiSquared::new((bins - 1) as f64).unwrap().sf(stat);
        assert!(
            pv > 1e-6,
            "{label}: chi-square {stat:.1} on {} df, p = {pv:.2e}",
            bins - 1
        );
    }
}

/// Draws per context: an absolute error δ = 0.01 in a candidate of probability p ≤ 0.5 moves its
/// z-score by `δ·√(N / (p(1 − p)))` ≥ 6.3 = 5 + 1.3 (90% power at the |z| < 5 threshold).
const PLAIN: u64 = 100_000;
/// Draws per context with transforms: an error of 0.016.
const TRANSFORMED: u64 = 40_000;

/// Draws for a relative error `rel` in a candidate of probability p = 0.01 to move its z-score by
/// 6.3: `N = (6.3 / rel)² · (1 − p) / p`.
fn draws_for_relative(rel: f64) -> u64 {
    (((5.0 + 1.3) / rel).powi(2) * 0.99 / 0.01).ceil() as u64
}

fn check_model(name: &str, m: &dyn LanguageModel, cfgs: &[SamplerConfig], n: u64, contexts: usize) {
    for (ci, cfg) in cfgs.iter().enumerate() {
        for (hi, h) in histories(m).iter().enumerate().take(contexts) {
            let label = format!("{name}, {cfg:?}, history {h:?}");
            let counts = draw_counts(m, h, *cfg, n, (hi * 31 + ci) as u64);
            assert_fits(&label, &counts, &oracle(m, h, *cfg), n);
        }
    }
}

fn plain() -> SamplerConfig {
    SamplerConfig::default()
}

#[test]
fn kneser_ney_draws_the_models_distribution() {
    for (name, m) in models()
        .into_iter()
        .filter(|(n, _)| n.starts_with("kneser-ney"))
    {
        check_model(name, m.as_ref(), &[plain()], PLAIN, usize::MAX);
    }
}

#[test]
fn add_k_and_stupid_backoff_draw_the_models_distribution() {
    for (name, m) in models()
        .into_iter()
        .filter(|(n, _)| *n == "add-k" || *n == "stupid-backoff")
    {
        check_model(name, m.as_ref(), &[plain()], PLAIN, usize::MAX);
    }
}

#[test]
fn backoff_models_draw_the_models_distribution() {
    for (name, m) in models()
        .into_iter()
        .filter(|(n, _)| n.contains("arpa") || n.contains("modified"))
    {
        check_model(name, m.as_ref(), &[plain()], PLAIN, usize::MAX);
    }
}

/// Every transform path: top-k with temperature and top-p (the ranking), temperature alone
/// (rejection), top-p alone (the ranking), temperature above 1 with top-p (listed).
#[test]
fn transforms_draw_what_contract_1_transforms_give() {
    let cfgs = [
        SamplerConfig {
            temperature: 0.8,
            top_k: 5,
            top_p: 0.93,
        },
        SamplerConfig {
            temperature: 0.6,
            ..plain()
        },
        SamplerConfig {
            top_p: 0.83,
            ..plain()
        },
        SamplerConfig {
            top_k: 3,
            ..plain()
        },
    ];
    for (name, m) in models() {
        check_model(name, m.as_ref(), &cfgs, TRANSFORMED, 2);
        // The listed path costs O(V) per draw (an ARPA model: a 10^x per candidate): fewer draws.
        let listed = SamplerConfig {
            temperature: 1.7,
            top_k: 0,
            top_p: 0.87,
        };
        check_model(name, m.as_ref(), &[listed], TRANSFORMED / 8, 2);
    }
}

/// A 1% relative error in any candidate with p ≥ 0.01, at the start of a document and after
/// `the`, for every model: about 4·10⁷ draws per context (ignored: a minute in release).
#[test]
#[ignore]
fn one_percent_relative_errors() {
    let n = draws_for_relative(0.01);
    std::thread::scope(|s| {
        for (name, m) in models() {
            s.spawn(move || check_model(name, m.as_ref(), &[plain()], n, 2));
        }
    });
}

/// The test vectors of docs/sampling.md: seed 42, sample 0 (stream `(0 << 56) | 0`), no prefix,
/// `stop_at_end` off, on `scenarios/corpora/weather.txt` (one document per line, split on white
/// space, ids in order of first occurrence), trigrams.
fn vector_table() -> String {
    let c = corpus(WEATHER);
    let sentences = kenlm::sentences_from_text(WEATHER);
    let mkn =
        kenlm::estimate(&sentences, 3, Some(kenlm::LMPLZ_FALLBACK_DISCOUNTS)).expect("estimates");
    let models: Vec<(&str, Box<dyn LanguageModel>)> = vec![
        ("mle", Box::new(NgramModel::train(&c, 3, Estimator::Mle))),
        (
            "add-k, k = 0.3",
            Box::new(NgramModel::train(&c, 3, Estimator::AddK { k: 0.3 })),
        ),
        (
            "kneser-ney, D = 0.75",
            Box::new(NgramModel::train(
                &c,
                3,
                Estimator::KneserNey { discount: 0.75 },
            )),
        ),
        (
            "stupid-backoff, α = 0.4",
            Box::new(NgramModel::train(
                &c,
                3,
                Estimator::StupidBackoff { alpha: 0.4 },
            )),
        ),
        (
            "modified-kneser-ney",
            Box::new(ArpaLm::new(mkn.model, c.vocab.clone())),
        ),
    ];
    let samplers = [
        ("none", plain()),
        (
            "T 0.8, top-k 5, top-p 0.93",
            SamplerConfig {
                temperature: 0.8,
                top_k: 5,
                top_p: 0.93,
            },
        ),
        (
            "T 0.6",
            SamplerConfig {
                temperature: 0.6,
                ..plain()
            },
        ),
    ];
    let mut out =
        String::from("| model | sampler | tokens (uniforms used per step) |\n|---|---|---|\n");
    for (name, m) in &models {
        for (sname, cfg) in samplers {
            let g = sample::generate(
                m.as_ref(),
                &[],
                &sample::GenerateConfig {
                    max_tokens: 10,
                    stop_at_end: false,
                    sampler: cfg,
                },
                &mut sample::stream(42, Domain::Generate, 0),
            );
            let toks: Vec<String> = g
                .steps
                .iter()
                .map(|s| format!("{} ({})", m.vocab().token(s.token), s.uniforms))
                .collect();
            out += &format!("| {name} | {sname} | {} |\n", toks.join(" "));
        }
    }
    out
}

#[test]
fn test_vectors_of_the_contract() {
    let doc = include_str!("../docs/sampling.md");
    let start = "<!-- test vectors: tests/contract2.rs -->\n";
    let table = vector_table();
    let at = doc.find(start).map_or(doc.len(), |i| i + start.len());
    assert!(
        doc[at..].starts_with(&table),
        "docs/sampling.md's test vectors differ from what coinflip draws:\n{table}"
    );
}
