//! Benchmark driver for `benches/issue17.sh`: the library's share of `coinflip run` on the word
//! trigram (Kneser–Ney) of a corpus with one document per line — 1,000 × 1,000 tokens generated
//! (seed 42, no transforms), then their remix profiles one sample at a time
//! (`CorpusIndex::profile`) and eight at a time (`CorpusIndex::profiles`, as `run` does), each
//! timed by the thread's CPU clock, one JSON object per row and repetition (the format of
//! `examples/bench_pipeline.rs`). Kept apart from that driver because `benches/issue17.sh` builds
//! bench_pipeline on older checkouts, which have no `CorpusIndex::profiles`.
//!
//! ```text
//! cargo run --release --example bench_run_share -- CORPUS [--reps N]
//! ```

use std::time::Instant;

use coinflip::corpus::{Corpus, DocumentSplit, TokenizedCorpus, read_text, split_documents};
use coinflip::lm::Estimator;
use coinflip::lm::ngram::NgramModel;
use coinflip::remix::CorpusIndex;
use coinflip::sample::{self, Domain, GenerateConfig, SamplerConfig};
use coinflip::tokenize::{Tokenizer, TokenizerKind};

/// CPU time of this thread, in seconds.
fn cpu_seconds() -> f64 {
    #[repr(C)]
    struct Timespec {
        sec: i64,
        nsec: i64,
    }
    unsafe extern "C" {
        fn clock_gettime(clock: i32, tp: *mut Timespec) -> i32;
    }
    const CLOCK_THREAD_CPUTIME_ID: i32 = 3;
    let mut t = Timespec { sec: 0, nsec: 0 };
    // SAFETY: clock_gettime only writes into the struct we pass.
    unsafe { clock_gettime(CLOCK_THREAD_CPUTIME_ID, &mut t) };
    t.sec as f64 + t.nsec as f64 * 1e-9
}

fn timed<T>(task: &str, units: impl Fn(&T) -> usize, f: impl FnOnce() -> T) -> T {
    let (w, c) = (Instant::now(), cpu_seconds());
    let r = f();
    let (wall, cpu) = (w.elapsed().as_secs_f64(), cpu_seconds() - c);
    let n = units(&r);
    println!(
        "{{\"task\":\"{task}\",\"seconds\":{cpu:.6},\"wall_seconds\":{wall:.6},\"units\":{n},\"per_second\":{:.1}}}",
        n as f64 / cpu
    );
    r
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args.first() else {
        eprintln!("usage: bench_run_share CORPUS [--reps N]");
        std::process::exit(2);
    };
    let reps: usize = args
        .iter()
        .position(|a| a == "--reps")
        .and_then(|i| args.get(i + 1))
        .map_or(1, |r| r.parse().expect("--reps N"));
    let p = std::path::Path::new(path);
    let text = read_text(p, p).unwrap_or_else(|e| {
        eprintln!("{}", e.message);
        std::process::exit(1);
    });
    let c = TokenizedCorpus::build(
        &Corpus {
            documents: split_documents(&text, DocumentSplit::Lines),
        },
        Tokenizer {
            kind: TokenizerKind::Word,
            lowercase: false,
        },
    );
    let m = NgramModel::train(&c, 3, Estimator::KneserNey { discount: 0.75 });
    let index = CorpusIndex::build(&c.documents);
    let cfg = GenerateConfig {
        max_tokens: 1000,
        stop_at_end: false,
        sampler: SamplerConfig::default(),
    };
    let total = |v: &Vec<Vec<u32>>| v.iter().map(Vec::len).sum();
    for _ in 0..reps {
        let generated = timed("library-generate-kn", total, || {
            (0..1000u64)
                .map(|i| {
                    let mut rng = sample::stream(42, Domain::Generate, i);
                    sample::generate(&m, &[], &cfg, &mut rng).tokens
                })
                .collect::<Vec<_>>()
        });
        let one = timed("library-remix-profile", total, || {
            generated
                .iter()
                .map(|g| index.profile(&[], g))
                .collect::<Vec<_>>()
        });
        let many = timed("library-remix-profiles", total, || {
            index.profiles(&[], &generated)
        });
        assert_eq!(one, many, "profiles = profile of each sample");
    }
}
