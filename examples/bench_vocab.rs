//! Times the vocabulary: building a `TokenizedCorpus` (tokenizing and interning every token) and
//! interning alone (the corpus's word tokens, split beforehand, into a fresh `Vocab`), so a change
//! to `Vocab` can be compared before/after on the same corpus in the same minute.
//!
//! ```text
//! cargo run --release --example bench_vocab -- CORPUS [--reps N]
//! ```
//!
//! The corpus has one document per line. Prints one JSON object per task with the fastest and
//! the median wall time of N repetitions (default 7): on a shared machine the fastest is the
//! steadiest.

use std::time::Instant;

use coinflip::corpus::{Corpus, DocumentSplit, TokenizedCorpus, read_text, split_documents};
use coinflip::tokenize::{Tokenizer, TokenizerKind, Vocab};

/// Fastest and median of `reps` wall times of `f`, in seconds.
fn time<T>(reps: usize, mut f: impl FnMut() -> T) -> (f64, f64) {
    let mut secs: Vec<f64> = (0..reps)
        .map(|_| {
            let t = Instant::now();
            std::hint::black_box(f());
            t.elapsed().as_secs_f64()
        })
        .collect();
    secs.sort_by(f64::total_cmp);
    (secs[0], secs[secs.len() / 2])
}

fn print(task: &str, units: usize, (min, median): (f64, f64), vocab: usize) {
    println!(
        "{{\"task\":\"{task}\",\"units\":{units},\"min_seconds\":{min:.6},\
         \"median_seconds\":{median:.6},\"per_second\":{:.1},\"vocab\":{vocab}}}",
        units as f64 / min
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args.first() else {
        eprintln!("usage: bench_vocab CORPUS [--reps N]");
        std::process::exit(2);
    };
    let reps = args
        .iter()
        .position(|a| a == "--reps")
        .and_then(|i| args.get(i + 1))
        .map_or(7, |r| r.parse().expect("--reps N"));
    let p = std::path::Path::new(path);
    let text = read_text(p, p).unwrap_or_else(|e| {
        eprintln!("{}", e.message);
        std::process::exit(1);
    });
    let corpus = Corpus {
        documents: split_documents(&text, DocumentSplit::Lines),
    };
    for kind in [TokenizerKind::Word, TokenizerKind::Char] {
        let tokenizer = Tokenizer {
            kind,
            lowercase: false,
        };
        let c = TokenizedCorpus::build(&corpus, tokenizer);
        let secs = time(reps, || TokenizedCorpus::build(&corpus, tokenizer));
        let task = format!("build-{}", kind.name());
        print(&task, c.token_count(), secs, c.vocab.len());

        let mut tokens: Vec<String> = Vec::new();
        for d in &corpus.documents {
            tokenizer.each(d, |t| tokens.push(t.to_string()));
        }
        let secs = time(reps, || {
            let mut v = Vocab::new();
            for t in &tokens {
                v.intern(t);
            }
            v
        });
        print(
            &format!("intern-{}", kind.name()),
            tokens.len(),
            secs,
            c.vocab.len(),
        );
    }
}
