//! Benchmark driver for `benches/compare.sh`: times coinflip's pipeline stages separately by
//! calling the library directly (no report, no scenario file), on a corpus with one document per
//! line.
//!
//! ```text
//! cargo run --release --example bench_pipeline -- CORPUS TASK [--reps N] [--samples N] [--tokens FILE]
//!     [--smoothing kn|mkn|add-k|sb|mle] [--sampler T,K,P]
//! ```
//!
//! TASK is one of
//! - `train-word` / `train-char`: word trigram with Kneser–Ney (D = 0.75) / char 6-gram with MLE;
//! - `generate-word` / `generate-char`: 1,000 samples (`--samples`) × 1,000 tokens (seed 42, no
//!   transforms, `</s>` starts a new document); `generate-word` takes `--smoothing` (`kn`, the
//!   default; `mkn`: modified Kneser–Ney as lmplz estimates it; `add-k` (k = 0.5); `sb` (stupid
//!   backoff, α = 0.4); `mle`) and `--sampler T,K,P` (temperature, top-k, top-p; default
//!   `1,0,1`);
//! - `sample`: 10,000,000 draws from a 10,000-outcome distribution (p_i ∝ 1/(i+1));
//! - `score-word` / `score-char`: per-token probabilities of every document (and `</s>`);
//! - `remix-build`: the remix index (`CorpusIndex::build`) over every word-tokenized document;
//! - `memory-word`: trains the word trigram and reports its model bytes (`heap_bytes`), checked
//!   against the resident memory, and training's peak resident memory;
//! - `digest`: a hash of every generated token, step and probability over a matrix of orders,
//!   smoothings and sampler settings — identical before and after an optimisation, or the
//!   optimisation changed the output;
//! - `dump-tokens`: writes the word tokens, space-separated, one document per line, to
//!   `--tokens FILE` (so NLTK trains on exactly the same tokens).
//!
//! Linux only (`/proc/self/status`, `getrusage`, the thread CPU clock). Each timed task prints one
//! JSON object per repetition: `{"task", "seconds" (CPU time of the
//! thread), "wall_seconds", "units", "per_second" (units per CPU second), ...}`.

use std::hash::Hasher;
use std::time::Instant;

use coinflip::corpus::{Corpus, DocumentSplit, TokenizedCorpus, read_text, split_documents};
use coinflip::lm::Estimator;
use coinflip::lm::backoff::ArpaLm;
use coinflip::lm::kenlm;
use coinflip::lm::ngram::NgramModel;
use coinflip::lm::{LanguageModel, start_history};
use coinflip::remix::CorpusIndex;
use coinflip::sample::{self, Cumulative, Domain, GenerateConfig, SamplerConfig};
use coinflip::tokenize::{EOS, TokenId, Tokenizer, TokenizerKind};

const SEED: u64 = 42;
const KN: Estimator = Estimator::KneserNey { discount: 0.75 };

fn corpus(text: &str, kind: TokenizerKind) -> TokenizedCorpus {
    TokenizedCorpus::build(
        &Corpus {
            documents: split_documents(text, DocumentSplit::Lines),
        },
        Tokenizer {
            kind,
            lowercase: false,
        },
    )
}

fn word(text: &str) -> TokenizedCorpus {
    corpus(text, TokenizerKind::Word)
}

fn char_corpus(text: &str) -> TokenizedCorpus {
    corpus(text, TokenizerKind::Char)
}

fn stored_ngrams(m: &NgramModel) -> usize {
    m.counts.types_per_order().iter().sum()
}

/// CPU time of this thread, in seconds: on a shared machine it is steadier than the wall clock.
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

/// Wall and CPU time of `f`.
fn timed<T>(f: impl FnOnce() -> T) -> (T, f64, f64) {
    let (w, c) = (Instant::now(), cpu_seconds());
    let r = f();
    (r, w.elapsed().as_secs_f64(), cpu_seconds() - c)
}

fn report(task: &str, (wall, cpu): (f64, f64), units: usize, extra: &str) {
    println!(
        "{{\"task\":\"{task}\",\"seconds\":{cpu:.6},\"wall_seconds\":{wall:.6},\"units\":{units},\"per_second\":{:.1}{extra}}}",
        units as f64 / cpu
    );
}

/// Generates `samples` × `len` tokens; returns the token count and a checksum of the tokens.
fn generate_all(
    m: &dyn LanguageModel,
    samples: usize,
    len: usize,
    s: SamplerConfig,
) -> (usize, u64) {
    let cfg = GenerateConfig {
        max_tokens: len,
        stop_at_end: false,
        sampler: s,
    };
    let mut n = 0;
    let mut h = std::hash::DefaultHasher::new();
    // One generator for every sample, as `coinflip run` does.
    let mut generator = sample::Generator::new(m, &cfg);
    for i in 0..samples {
        let mut rng = sample::stream(SEED, Domain::Generate, i as u64);
        let g = generator.generate(&[], &mut rng);
        n += g.tokens.len();
        for st in &g.steps {
            h.write_u32(st.token);
            h.write_u64(st.u.to_bits());
            h.write_u64(st.p_model.to_bits());
            h.write_u64(st.p_sampled.to_bits());
            h.write_usize(st.context_len);
        }
        h.write_u8(g.stopped as u8);
    }
    (n, h.finish())
}

/// Scores every document plus its `</s>`; returns the token count, Σ log p and a checksum.
fn score_all(m: &dyn LanguageModel, c: &TokenizedCorpus) -> (usize, f64, u64) {
    let order = m.order();
    let mut n = 0;
    let mut logp = 0.0;
    let mut h = std::hash::DefaultHasher::new();
    let mut history = Vec::new();
    for d in &c.documents {
        history.clear();
        history.extend(start_history(&[], order));
        for &t in d.iter().chain(std::iter::once(&EOS)) {
            let s = m.prob(&history, t);
            logp += s.p.ln();
            h.write_u64(s.p.to_bits());
            h.write_usize(s.context_len);
            history.push(t);
            n += 1;
        }
    }
    (n, logp, h.finish())
}

fn sample_draws(draws: usize) -> (usize, u64) {
    let outcomes = 10_000;
    let w: Vec<f64> = (0..outcomes).map(|i| 1.0 / (i + 1) as f64).collect();
    let c = Cumulative::new(&w);
    let mut rng = sample::stream(SEED, Domain::ChiSquare, 0);
    let mut counts = vec![0u64; outcomes];
    for _ in 0..draws {
        counts[c.pick(sample::uniform(&mut rng)).expect("outcomes")] += 1;
    }
    let mut h = std::hash::DefaultHasher::new();
    counts.iter().for_each(|&x| h.write_u64(x));
    (draws, h.finish())
}

/// A `kB` field of /proc/self/status (0 where there is none).
fn status_kib(field: &str) -> u64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    s.lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn peak_rss_bytes() -> u64 {
    // SAFETY: getrusage only writes into the struct we pass.
    unsafe {
        let mut u: libc_rusage = std::mem::zeroed();
        getrusage(0, &mut u);
        u.ru_maxrss as u64 * 1024
    }
}

#[repr(C)]
struct libc_rusage {
    ru_utime: [i64; 2],
    ru_stime: [i64; 2],
    ru_maxrss: i64,
    rest: [i64; 13],
}

unsafe extern "C" {
    fn getrusage(who: i32, usage: *mut libc_rusage) -> i32;
}

/// Gives the heap's free memory back to the system (glibc's `malloc_trim`), so the resident
/// memory is what is allocated; false where there is no such call.
fn trim() -> bool {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: malloc_trim only releases free memory of the allocator.
        unsafe { libc::malloc_trim(0) };
        true
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    false
}

/// `memory-word`: the word trigram's model bytes by its own accounting
/// (`NgramModel::heap_bytes`), checked against the resident memory: after a trim, the growth of
/// RSS from training a model and from training a second one while the first is kept (the
/// allocator's page rounding and kept fragments are the difference); and training's peak.
fn memory_word(text: String) {
    // Keep only the token ids, then reset the peak (Linux: clear_refs 5) so the peak measured
    // is the training's own.
    let c = word(&text);
    drop(text);
    let trimmed = trim();
    let rss_before = status_kib("VmRSS") * 1024;
    let reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    let m = NgramModel::train(&c, 3, KN);
    let rss_after = status_kib("VmRSS") * 1024;
    let hwm = status_kib("VmHWM") * 1024;
    trim();
    let rss_model = status_kib("VmRSS") * 1024;
    let second = NgramModel::train(&c, 3, KN);
    trim();
    let rss_second = status_kib("VmRSS") * 1024;
    let n = stored_ngrams(&m);
    let heap = m.heap_bytes();
    let per = |b: u64| b as f64 / n as f64;
    println!(
        "{{\"task\":\"memory-word\",\"ngrams\":{n},\"ngrams_per_order\":{:?},\
         \"contexts\":{},\"contexts_per_length\":{:?},\"vocab\":{},\
         \"peak_reset\":{reset},\"trimmed\":{trimmed},\"rss_before_train\":{rss_before},\
         \"rss_after_train\":{rss_after},\"peak_rss\":{hwm},\"process_peak_rss_getrusage\":{},\
         \"heap_bytes\":{heap},\"counts_heap_bytes\":{},\"vocab_heap_bytes\":{},\
         \"model_bytes_per_ngram\":{:.2},\
         \"rss_growth_first_model_trimmed_per_ngram\":{:.2},\
         \"rss_growth_second_model_trimmed_per_ngram\":{:.2},\
         \"rss_growth_training_per_ngram\":{:.1},\"training_peak_bytes_per_ngram\":{:.1},\
         \"process_peak_bytes_per_ngram\":{:.1}}}",
        m.counts.types_per_order(),
        m.counts.contexts_per_length().iter().sum::<usize>(),
        m.counts.contexts_per_length(),
        c.vocab.len(),
        peak_rss_bytes(),
        m.counts.heap_bytes(),
        c.vocab.heap_bytes(),
        per(heap as u64),
        per(rss_model.saturating_sub(rss_before)),
        per(rss_second.saturating_sub(rss_model)),
        per(rss_after.saturating_sub(rss_before)),
        per(hwm.saturating_sub(rss_before)),
        per(hwm),
    );
    std::hint::black_box((&m, &second));
}

/// Output of every smoothing × order × sampler on both tokenizers, hashed.
fn digest(text: &str) {
    let docs: Vec<&str> = text.lines().collect();
    let small = docs[..3000.min(docs.len())].join("\n");
    let mid = docs[..12000.min(docs.len())].join("\n");
    let samplers = [
        SamplerConfig::default(),
        SamplerConfig {
            temperature: 0.7,
            top_k: 40,
            top_p: 0.9,
        },
        SamplerConfig {
            temperature: 0.0,
            ..Default::default()
        },
    ];
    let smoothings = [
        Estimator::Mle,
        Estimator::AddK { k: 0.5 },
        Estimator::KneserNey { discount: 0.75 },
        Estimator::KneserNey { discount: 0.3 },
        Estimator::StupidBackoff { alpha: 0.4 },
    ];
    for (name, c, orders) in [
        ("word-small", word(&small), &[1usize, 2, 3, 4][..]),
        ("char-small", char_corpus(&small), &[1, 3, 6][..]),
        ("word-mid", word(&mid), &[3][..]),
    ] {
        for &order in orders {
            for s in &smoothings {
                let m = NgramModel::train(&c, order, s.clone());
                let heavy = matches!(s, Estimator::AddK { .. } | Estimator::StupidBackoff { .. })
                    && name.starts_with("word");
                let (samples, len) = if heavy { (4, 100) } else { (20, 300) };
                let mut line = format!(
                    "{name} order={order} {s:?} types={:?}",
                    m.counts.types_per_order()
                );
                for sc in samplers {
                    let (_, g) = generate_all(&m, samples, len, sc);
                    line += &format!(" gen={g:016x}");
                }
                let mut sub = c.clone();
                sub.documents.truncate(if heavy { 50 } else { 2000 });
                let (_, lp, hs) = score_all(&m, &sub);
                // Distributions after some histories, including unseen tokens (<unk>).
                let mut h = std::hash::DefaultHasher::new();
                let mut out = Vec::new();
                for d in sub.documents.iter().take(20) {
                    let mut hist = start_history(&[], order);
                    hist.push(coinflip::tokenize::UNK);
                    for &t in d.iter().take(6) {
                        let used = m.distribution(&hist, &mut out);
                        h.write_usize(used);
                        for &(w, p) in &out {
                            h.write_u32(w);
                            h.write_u64(p.to_bits());
                        }
                        hist.push(t);
                    }
                }
                line += &format!(" score={hs:016x} logp={lp:.6} dist={:016x}", h.finish());
                println!("{line}");
            }
        }
    }
    let (_, hs) = sample_draws(1_000_000);
    println!("sample {hs:016x}");
}

/// `T,K,P` → the sampler configuration.
fn parse_sampler(s: &str) -> SamplerConfig {
    let v: Vec<&str> = s.split(',').collect();
    assert_eq!(v.len(), 3, "--sampler T,K,P");
    SamplerConfig {
        temperature: v[0].parse().expect("temperature"),
        top_k: v[1].parse().expect("top-k"),
        top_p: v[2].parse().expect("top-p"),
    }
}

/// The word trigram of `--smoothing` on the whole text.
fn word_model(text: &str, smoothing: &str) -> Box<dyn LanguageModel> {
    let c = word(text);
    let estimator = match smoothing {
        "kn" => KN,
        "add-k" => Estimator::AddK { k: 0.5 },
        "sb" => Estimator::StupidBackoff { alpha: 0.4 },
        "mle" => Estimator::Mle,
        "mkn" => {
            let sentences: Vec<Vec<&str>> = c
                .documents
                .iter()
                .map(|d| d.iter().map(|&t| c.vocab.token(t)).collect())
                .collect();
            let e = kenlm::estimate(&sentences, 3, Some(kenlm::LMPLZ_FALLBACK_DISCOUNTS))
                .expect("estimates");
            return Box::new(ArpaLm::new(e.model, c.vocab.clone()));
        }
        other => panic!("unknown --smoothing {other}"),
    };
    Box::new(NgramModel::train(&c, 3, estimator))
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: bench_pipeline CORPUS TASK [--reps N] [--samples N] [--tokens FILE]";
    let (Some(path), Some(task)) = (args.first(), args.get(1)) else {
        eprintln!("{usage}");
        std::process::exit(2);
    };
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let reps: usize = flag("--reps").map_or(1, |r| r.parse().expect("--reps N"));
    let samples: usize = flag("--samples").map_or(1000, |r| r.parse().expect("--samples N"));
    let p = std::path::Path::new(path);
    let text = read_text(p, p).unwrap_or_else(|e| {
        eprintln!("{}", e.message);
        std::process::exit(1);
    });
    match task.as_str() {
        "train-word" | "train-char" => {
            let (c, order, s) = if task == "train-word" {
                (word(&text), 3, KN)
            } else {
                (char_corpus(&text), 6, Estimator::Mle)
            };
            for _ in 0..reps {
                let (m, wall, cpu) = timed(|| NgramModel::train(&c, order, s.clone()));
                let secs = (wall, cpu);
                let extra = format!(
                    ",\"corpus_tokens\":{},\"ngrams\":{:?}",
                    c.token_count(),
                    m.counts.types_per_order()
                );
                report(task, secs, c.token_count(), &extra);
            }
        }
        "generate-word" | "generate-char" => {
            let smoothing = flag("--smoothing").unwrap_or_else(|| "kn".into());
            let sampler =
                flag("--sampler").map_or_else(SamplerConfig::default, |s| parse_sampler(&s));
            let m: Box<dyn LanguageModel> = if task == "generate-word" {
                word_model(&text, &smoothing)
            } else {
                Box::new(NgramModel::train(&char_corpus(&text), 6, Estimator::Mle))
            };
            // Without either flag the row keeps its name (benches/compare.sh's table).
            let flagged = flag("--smoothing").is_some() || flag("--sampler").is_some();
            let name = if task == "generate-word" && flagged {
                format!(
                    "generate-word {smoothing} T={} k={} p={}",
                    sampler.temperature, sampler.top_k, sampler.top_p
                )
            } else {
                task.clone()
            };
            for _ in 0..reps {
                let ((n, h), wall, cpu) =
                    timed(|| generate_all(m.as_ref(), samples, 1000, sampler));
                let secs = (wall, cpu);
                report(&name, secs, n, &format!(",\"checksum\":\"{h:016x}\""));
            }
        }
        "score-word" | "score-char" => {
            let (c, m) = if task == "score-word" {
                let c = word(&text);
                let m = NgramModel::train(&c, 3, KN);
                (c, m)
            } else {
                let c = char_corpus(&text);
                let m = NgramModel::train(&c, 6, Estimator::Mle);
                (c, m)
            };
            for _ in 0..reps {
                let ((n, logp, h), wall, cpu) = timed(|| score_all(&m, &c));
                let secs = (wall, cpu);
                let extra = format!(
                    ",\"documents\":{},\"perplexity\":{:.6},\"checksum\":\"{h:016x}\"",
                    c.documents.len(),
                    (-logp / n as f64).exp()
                );
                report(task, secs, n, &extra);
            }
        }
        "sample" => {
            for _ in 0..reps {
                let ((n, h), wall, cpu) = timed(|| sample_draws(10_000_000));
                let secs = (wall, cpu);
                report(task, secs, n, &format!(",\"checksum\":\"{h:016x}\""));
            }
        }
        "remix-build" => {
            let c = word(&text);
            for _ in 0..reps {
                let (index, wall, cpu) = timed(|| CorpusIndex::build(&c.documents));
                let extra = format!(",\"heap_bytes\":{}", index.heap_bytes());
                report(task, (wall, cpu), c.token_count(), &extra);
            }
        }
        "memory-word" => memory_word(text),
        "digest" => digest(&text),
        "dump-tokens" => {
            let out = flag("--tokens").expect("--tokens FILE");
            let c = word(&text);
            let mut s = String::new();
            for d in &c.documents {
                let toks: Vec<&str> = d.iter().map(|&t| c.vocab.token(t as TokenId)).collect();
                s += &toks.join(" ");
                s.push('\n');
            }
            std::fs::write(out, s).expect("write tokens");
        }
        _ => {
            eprintln!("unknown task {task}\n{usage}");
            std::process::exit(2);
        }
    }
}
