//! Benchmark of the remix index on the whole King James Bible (prepare it with
//! `bash benches/kjv.sh`; set `KJV_PATH` to use another file, one document per line).
//!
//! - `remix_build/{word,char}`: building the suffix automaton of the corpus, one verse per
//!   document; word level = the verse split on white space, char level = its Unicode scalar values.
//! - `remix_profile/{word,char}`: the longest-match profile of pseudo-generated text: random
//!   windows of the corpus (8 context + 200 generated tokens, crossing verse boundaries freely)
//!   with 5% of the tokens (2% at char level) replaced by a random corpus token, so matches have
//!   realistic lengths. Throughput counts generated tokens; context tokens are walked too.
//!
//! Run: `cargo bench --bench remix` (results: docs/performance.md). Criterion measures wall-clock
//! time; with `REMIX_BENCH_CPU_TIME=1` it measures the benchmark thread's CPU time instead
//! (Linux), which is what to compare on a machine shared with other work.

use std::collections::HashMap;
use std::hint::black_box;
use std::time::Duration;

use coinflip::remix::CorpusIndex;
use criterion::{Bencher, Criterion, Throughput, criterion_group, criterion_main};
use rand_chacha::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};

const CONTEXT: usize = 8;
const GENERATED: usize = 200;
const SAMPLES: usize = 5_000;

fn corpus_text() -> String {
    let path = std::env::var("KJV_PATH")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/target/kjv/kjv.txt").to_string());
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {path} ({e}): run `bash benches/kjv.sh` first"))
}

/// Documents of token ids; ids in order of first appearance.
fn tokenize(text: &str, by_words: bool) -> Vec<Vec<u32>> {
    let mut ids: HashMap<&str, u32> = HashMap::new();
    let mut docs = Vec::new();
    for line in text.lines() {
        let pieces: Vec<&str> = if by_words {
            line.split_whitespace().collect()
        } else {
            line.char_indices()
                .map(|(i, c)| &line[i..i + c.len_utf8()])
                .collect()
        };
        let doc = pieces
            .into_iter()
            .map(|t| {
                let next = ids.len() as u32;
                *ids.entry(t).or_insert(next)
            })
            .collect();
        docs.push(doc);
    }
    docs
}

/// `SAMPLES` (context, generated) pairs: corpus windows with random substitutions.
fn workload(docs: &[Vec<u32>], substitution: f64) -> Vec<(Vec<u32>, Vec<u32>)> {
    let flat: Vec<u32> = docs.iter().flatten().copied().collect();
    let mut rng = ChaCha8Rng::seed_from_u64(4);
    let threshold = (substitution * u32::MAX as f64) as u32;
    (0..SAMPLES)
        .map(|_| {
            let start = (rng.next_u64() % (flat.len() - CONTEXT - GENERATED) as u64) as usize;
            let mut window = flat[start..start + CONTEXT + GENERATED].to_vec();
            for t in &mut window[CONTEXT..] {
                if rng.next_u32() < threshold {
                    *t = flat[(rng.next_u64() % flat.len() as u64) as usize];
                }
            }
            let generated = window.split_off(CONTEXT);
            (window, generated)
        })
        .collect()
}

/// CPU time used by this thread so far (user + system), on Linux.
#[cfg(target_os = "linux")]
fn thread_cpu_time() -> Option<Duration> {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `t` is a valid, writable timespec for the duration of the call.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) };
    (rc == 0).then(|| Duration::new(t.tv_sec as u64, t.tv_nsec as u32))
}

#[cfg(not(target_os = "linux"))]
fn thread_cpu_time() -> Option<Duration> {
    None
}

/// Times `f` by wall clock, or by thread CPU time when `REMIX_BENCH_CPU_TIME` is set.
fn run<O>(b: &mut Bencher, mut f: impl FnMut() -> O) {
    if std::env::var_os("REMIX_BENCH_CPU_TIME").is_some() && thread_cpu_time().is_some() {
        b.iter_custom(|iters| {
            let start = thread_cpu_time().unwrap();
            for _ in 0..iters {
                black_box(f());
            }
            thread_cpu_time().unwrap() - start
        });
    } else {
        b.iter(f);
    }
}

fn bench(c: &mut Criterion) {
    let text = corpus_text();
    for (level, by_words, substitution) in [("word", true, 0.05), ("char", false, 0.02)] {
        let docs = tokenize(&text, by_words);
        let index = CorpusIndex::build(&docs);
        let n = index.token_count();
        let work = workload(&docs, substitution);
        let profiled: Vec<Vec<u32>> = work.iter().map(|(c, g)| index.profile(c, g)).collect();
        let mean_match = profiled
            .iter()
            .flatten()
            .map(|&m| f64::from(m))
            .sum::<f64>()
            / (SAMPLES * GENERATED) as f64;
        println!(
            "{level}: {} documents, {n} tokens, {} states, {} transitions, {} bytes ({:.1} bytes/token); \
             workload mean longest match {mean_match:.1} tokens",
            index.document_count(),
            index.state_count(),
            index.transition_count(),
            index.heap_bytes(),
            index.heap_bytes() as f64 / n as f64,
        );

        let mut group = c.benchmark_group("remix_build");
        group
            .sample_size(10)
            .measurement_time(Duration::from_secs(15));
        group.throughput(Throughput::Elements(n as u64));
        group.bench_function(level, |b| run(b, || CorpusIndex::build(black_box(&docs))));
        group.finish();

        let mut group = c.benchmark_group("remix_profile");
        group
            .sample_size(20)
            .measurement_time(Duration::from_secs(10));
        group.throughput(Throughput::Elements((SAMPLES * GENERATED) as u64));
        group.bench_function(level, |b| {
            run(b, || {
                let mut total = 0u64;
                for (context, generated) in &work {
                    total += index
                        .profile(black_box(context), black_box(generated))
                        .iter()
                        .map(|&m| u64::from(m))
                        .sum::<u64>();
                }
                total
            })
        });
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
