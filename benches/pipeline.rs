//! Micro-benchmarks of the pipeline's hot paths: counting, `distribution()` per smoothing, the
//! draw (`Cumulative::pick` + `uniform`), generation and `prob`. The corpus is synthetic
//! (Zipf-like words from a fixed linear congruential generator), so `cargo bench` needs no
//! network and gives the same corpus everywhere. The whole-book comparison with NLTK and numpy is
//! `benches/compare.sh`.

use std::hint::black_box;

use coinflip::corpus::{Corpus, TokenizedCorpus};
use coinflip::lm::Estimator;
use coinflip::lm::ngram::{NgramCounts, NgramModel};
use coinflip::lm::{LanguageModel, start_history};
use coinflip::sample::{self, Cumulative, Domain, GenerateConfig, SamplerConfig};
use coinflip::tokenize::{EOS, Tokenizer, TokenizerKind};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};

/// `docs` documents of 5 to 35 words drawn from `vocab` words with p(rank r) roughly ∝ 1/r.
fn synthetic_text(docs: usize, vocab: u64) -> Vec<String> {
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) as f64 / (1u64 << 31) as f64
    };
    (0..docs)
        .map(|_| {
            let len = 5 + (next() * 30.0) as usize;
            (0..len)
                .map(|_| format!("w{}", (vocab as f64).powf(next()) as u64))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

fn corpus(kind: TokenizerKind) -> TokenizedCorpus {
    TokenizedCorpus::build(
        &Corpus {
            documents: synthetic_text(10_000, 5_000),
        },
        Tokenizer {
            kind,
            lowercase: false,
        },
    )
}

const SMOOTHINGS: [Estimator; 4] = [
    Estimator::Mle,
    Estimator::AddK { k: 0.5 },
    Estimator::KneserNey { discount: 0.75 },
    Estimator::StupidBackoff { alpha: 0.4 },
];

fn counting(c: &mut Criterion) {
    let words = corpus(TokenizerKind::Whitespace);
    let chars = corpus(TokenizerKind::Char);
    let mut g = c.benchmark_group("count");
    g.sample_size(10);
    g.throughput(Throughput::Elements(words.token_count() as u64));
    g.bench_function("word trigram + continuation", |b| {
        b.iter(|| NgramCounts::count(black_box(&words), 3, true))
    });
    g.throughput(Throughput::Elements(chars.token_count() as u64));
    g.bench_function("char 6-gram", |b| {
        b.iter(|| NgramCounts::count(black_box(&chars), 6, false))
    });
    g.finish();
}

fn distributions(c: &mut Criterion) {
    let words = corpus(TokenizerKind::Whitespace);
    let doc = &words.documents[7];
    let mut history = start_history(&[], 3);
    history.extend_from_slice(&doc[..2]);
    let mut g = c.benchmark_group("distribution");
    for s in SMOOTHINGS {
        let m = NgramModel::train(&words, 3, s.clone());
        let mut out = Vec::new();
        g.bench_function(s.name(), |b| {
            b.iter(|| m.distribution(black_box(&history), &mut out))
        });
    }
    g.finish();
}

fn draws(c: &mut Criterion) {
    let w: Vec<f64> = (0..10_000).map(|i| 1.0 / (i + 1) as f64).collect();
    let table = Cumulative::new(&w);
    let mut g = c.benchmark_group("draw");
    g.throughput(Throughput::Elements(1));
    let mut rng = sample::stream(1, Domain::ChiSquare, 0);
    g.bench_function("uniform", |b| b.iter(|| sample::uniform(&mut rng)));
    g.bench_function("uniform + pick, 10,000 outcomes", |b| {
        b.iter(|| table.pick(sample::uniform(&mut rng)))
    });
    g.bench_function("Cumulative::new, 10,000 outcomes", |b| {
        b.iter(|| Cumulative::new(black_box(&w)))
    });
    g.finish();
}

fn generation(c: &mut Criterion) {
    let cfg = GenerateConfig {
        max_tokens: 200,
        stop_at_end: false,
        sampler: SamplerConfig::default(),
    };
    let mut g = c.benchmark_group("generate 200 tokens");
    g.throughput(Throughput::Elements(cfg.max_tokens as u64));
    let chars = corpus(TokenizerKind::Char);
    let words = corpus(TokenizerKind::Whitespace);
    for (name, m) in [
        (
            "char 6-gram mle",
            NgramModel::train(&chars, 6, Estimator::Mle),
        ),
        (
            "word trigram mle",
            NgramModel::train(&words, 3, Estimator::Mle),
        ),
        (
            "word trigram kneser-ney",
            NgramModel::train(&words, 3, Estimator::KneserNey { discount: 0.75 }),
        ),
    ] {
        g.bench_function(name, |b| {
            b.iter_batched(
                || sample::stream(42, Domain::Generate, 0),
                |mut rng| sample::generate(&m, &[], &cfg, &mut rng),
                BatchSize::SmallInput,
            )
        });
    }
    let m = NgramModel::train(&words, 3, Estimator::Mle);
    let top_k = GenerateConfig {
        sampler: SamplerConfig {
            temperature: 0.8,
            top_k: 20,
            top_p: 0.95,
        },
        ..cfg
    };
    g.bench_function("word trigram mle, T 0.8 top-k 20 top-p 0.95", |b| {
        b.iter_batched(
            || sample::stream(42, Domain::Generate, 0),
            |mut rng| sample::generate(&m, &[], &top_k, &mut rng),
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

fn scoring(c: &mut Criterion) {
    let words = corpus(TokenizerKind::Whitespace);
    let docs = &words.documents[..500];
    let n: usize = docs.iter().map(|d| d.len() + 1).sum();
    let mut g = c.benchmark_group("prob");
    g.throughput(Throughput::Elements(n as u64));
    for s in [Estimator::Mle, Estimator::KneserNey { discount: 0.75 }] {
        let m = NgramModel::train(&words, 3, s.clone());
        g.bench_function(format!("word trigram {}, 500 documents", s.name()), |b| {
            b.iter(|| {
                let mut log_p = 0.0;
                for d in docs {
                    let mut h = start_history(&[], 3);
                    for &t in d.iter().chain([EOS].iter()) {
                        log_p += m.prob(&h, t).p.ln();
                        h.push(t);
                    }
                }
                log_p
            })
        });
    }
    g.finish();
}

criterion_group!(benches, counting, distributions, draws, generation, scoring);
criterion_main!(benches);
