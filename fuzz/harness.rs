//! Fuzz harnesses: one function per fuzz target, each taking the raw input bytes and panicking
//! only on a bug (the input is never trusted).
//!
//! This file is shared by the cargo-fuzz targets in `fuzz/fuzz_targets/` and by
//! `tests/fuzz_regressions.rs`, which replays every saved crash input in `tests/fixtures/fuzz/`
//! through the same function on every `cargo test`. So a crash found once stays fixed, and the
//! harnesses keep compiling against the library as it changes. See `docs/fuzzing.md`.

// Not every harness is used by every fuzz target that includes this file.
#![allow(dead_code)]

use std::path::Path;

use coinflip::corpus::{self, Corpus, CorpusSource, DocumentSplit, TokenizedCorpus};
use coinflip::quiz::analysis::Analysis;
use coinflip::quiz::export::{self, Report};
use coinflip::quiz::gradebook::Gradebook;
use coinflip::quiz::key::Quiz;
use coinflip::quiz::submission::{self, Format as AnswerFormat};
use coinflip::quiz::{Format, Lang, class_csv, feedback, render};
use coinflip::scenario::{self, Prefix, ScenarioKind};
use coinflip::tokenize::{Tokenizer, TokenizerKind};

/// A harness: the raw input of one fuzz run.
pub type Harness = fn(&[u8]);

/// The fuzz targets, by name: the folder name under `tests/fixtures/fuzz/` and the target name
/// under `fuzz/fuzz_targets/`.
pub const TARGETS: &[(&str, Harness)] = &[
    ("scenario", scenario),
    ("scenario_run", scenario_run),
    ("quiz_key", quiz_key),
    ("answers", answers),
    ("tokenize", tokenize),
    ("arpa", arpa),
];

/// The bundled lab quiz (every kind of question), which the `answers` harness grades against.
const LAB_QUIZ: &str = include_str!("../quizzes/ch06-sampling-lab.toml");

fn text(data: &[u8]) -> &str {
    // Readers get text that is already UTF-8 (the byte-level check comes first and is tested
    // separately); a lossy conversion would waste the fuzzer's time on U+FFFD.
    match std::str::from_utf8(data) {
        Ok(t) => t,
        Err(e) => std::str::from_utf8(&data[..e.valid_up_to()]).unwrap_or(""),
    }
}

/// Scenario text → `scenario::parse`, then every diagnostic is rendered (line, column, caret).
pub fn scenario(data: &[u8]) {
    let source = text(data);
    match scenario::parse(source, Path::new("fuzz.toml"), Path::new(""), "fuzz") {
        Ok(sc) => {
            let _ = format!("{sc:?}");
        }
        Err(diagnostics) => {
            assert!(!diagnostics.is_empty(), "an error without a diagnostic");
            for d in diagnostics {
                let _ = d.to_string();
            }
        }
    }
}

/// Scenario text → parse → (for scenarios with inline corpus text, with the amounts of work
/// capped) train, generate and check, as `coinflip run` does.
pub fn scenario_run(data: &[u8]) {
    let source = text(data);
    let Ok(mut sc) = scenario::parse(source, Path::new("fuzz.toml"), Path::new(""), "fuzz") else {
        return;
    };
    if let ScenarioKind::Model {
        corpus, generate, ..
    } = &mut sc.kind
    {
        // Files (a corpus or an ARPA model) would be read relative to the working folder: not
        // the parser's business.
        match corpus {
            Some(c) if !matches!(c.source, CorpusSource::Files(_)) => {}
            _ => return,
        }
        generate.max_tokens = generate.max_tokens.min(30);
        generate.samples = generate.samples.min(3);
        if let Prefix::FromDocument { tokens, .. } = &mut generate.prefix {
            *tokens = (*tokens).min(30);
        }
    }
    if let Some(c) = &mut sc.checks.chi_square {
        c.samples = c.samples.min(300);
        c.replicates = c.replicates.min(30);
        if let Some(contexts) = &mut c.contexts {
            contexts.truncate(3);
        }
    }
    let cache = coinflip::pipeline::corpus_cache::CorpusCache::default();
    let result = coinflip::pipeline::run::run_scenario(&sc, &cache);
    let _ = format!("{result:?}");
}

/// Quiz text, optionally followed by a NUL byte and one student's TOML answer file: the quiz is
/// parsed and validated; a valid quiz is rendered (both languages, with and without the key), and
/// the answer file graded against it through every report format and the feedback files.
pub fn quiz_key(data: &[u8]) {
    let (quiz_part, answer_part) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], Some(&data[i + 1..])),
        None => (data, None),
    };
    let quiz = match Quiz::parse(Path::new("quiz.toml"), text(quiz_part)) {
        Ok(q) => q,
        Err(problems) => {
            assert!(!problems.is_empty(), "an invalid quiz without a problem");
            for p in problems {
                let _ = p.to_string();
            }
            return;
        }
    };
    for lang in [Lang::En, Lang::Zh] {
        for key in [false, true] {
            let _ = render::markdown(&quiz, lang, key);
        }
    }
    let mut inputs = vec![];
    if let Some(answer) = answer_part {
        inputs.push(submission::parse_one(
            "a.toml",
            text(answer),
            AnswerFormat::Toml,
        ));
    }
    grade_and_report(&quiz, inputs);
}

/// One answer file: the first byte picks the format (TOML, JSON or a class CSV), the rest is the
/// file. Read as `coinflip quiz grade` reads it (BOM, empty file), then graded against the lab
/// quiz through every report format and the feedback files.
pub fn answers(data: &[u8]) {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let source = text(rest);
    let source = source.strip_prefix('\u{feff}').unwrap_or(source);
    let quiz = Quiz::parse(Path::new("ch06-sampling-lab.toml"), LAB_QUIZ)
        .expect("the bundled quiz is valid");
    let csv = class_csv::Context {
        quiz: &quiz,
        columns: None,
    };
    let inputs = if source.trim().is_empty() {
        vec![]
    } else {
        match selector % 3 {
            0 => vec![submission::parse_one("a.toml", source, AnswerFormat::Toml)],
            1 => vec![submission::parse_one("a.json", source, AnswerFormat::Json)],
            _ => class_csv::parse("class.csv", source, &csv).inputs,
        }
    };
    for r in inputs.iter().filter_map(|r| r.as_ref().err()) {
        let _ = r.reason();
        let _ = r.diagnostic.to_string();
    }
    grade_and_report(&quiz, inputs);
}

fn grade_and_report(
    quiz: &Quiz,
    inputs: Vec<Result<submission::Submission, submission::Rejection>>,
) {
    let book = Gradebook::build(quiz, inputs, Default::default());
    let analysis = Analysis::of(quiz, &book);
    for lang in [Lang::En, Lang::Zh] {
        let report = Report {
            quiz,
            book: &book,
            analysis: &analysis,
            lang,
        };
        for format in [
            Format::Text,
            Format::Csv,
            Format::Json,
            Format::Markdown,
            Format::Html,
            Format::CanvasCsv,
            Format::MoodleCsv,
        ] {
            let _ = export::render(format, &report);
        }
        for f in feedback::files(quiz, &book, lang, Default::default()) {
            assert!(
                !f.name.contains('/') && !f.name.contains('\\') && !f.name.starts_with('.'),
                "feedback file name {:?} could escape its folder",
                f.name
            );
        }
    }
    let _ = book.tally();
}

/// First byte: tokenizer kind (low 2 bits) and lowercase (bit 2) and document split (bits 3-4);
/// the rest is text. Splits, joins and checks the round trips that hold for every input, then
/// builds a tokenized corpus and encodes and decodes the text with it.
pub fn tokenize(data: &[u8]) {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let kind = match selector & 3 {
        0 => TokenizerKind::Char,
        1 => TokenizerKind::Word,
        _ => TokenizerKind::Whitespace,
    };
    let tokenizer = Tokenizer {
        kind,
        lowercase: selector & 4 != 0,
    };
    let text = text(rest);
    let tokens = tokenizer.split(text);
    let joined = tokenizer.join(&tokens);
    match (kind, tokenizer.lowercase) {
        (TokenizerKind::Char, false) => assert_eq!(joined, text, "char round trip"),
        (TokenizerKind::Word, _) => {
            let plain = Tokenizer {
                lowercase: false,
                ..tokenizer
            };
            assert_eq!(plain.split(&joined), tokens, "word re-split");
        }
        (TokenizerKind::Whitespace, _) => {
            assert!(
                tokens.iter().all(|t| !t.is_empty()),
                "empty whitespace token"
            );
            let plain = Tokenizer {
                lowercase: false,
                ..tokenizer
            };
            assert_eq!(plain.split(&joined), tokens, "whitespace re-split");
        }
        _ => {}
    }
    assert!(tokens.iter().all(|t| !t.is_empty()), "empty token");
    let split = match (selector >> 3) & 3 {
        0 => DocumentSplit::File,
        1 => DocumentSplit::Lines,
        _ => DocumentSplit::Paragraphs,
    };
    let documents = corpus::split_documents(&corpus::normalize_text(text), split);
    let tc = TokenizedCorpus::build(&Corpus { documents }, tokenizer);
    let (ids, unknown) = tc.encode(text);
    assert!(
        unknown.is_empty() || ids.contains(&coinflip::tokenize::UNK),
        "unknown tokens listed but none encoded as <unk>"
    );
    let _ = tc.decode(&ids);
}

/// ARPA text → `arpa::read`; a model that reads is written back, and the written text must read
/// again to a model with the same n-gram counts and the same written text.
pub fn arpa(data: &[u8]) {
    let source = text(data);
    let model = match coinflip::lm::arpa::read(source, "fuzz.arpa") {
        Ok(m) => m,
        Err(d) => {
            let _ = d.to_string();
            return;
        }
    };
    let written = coinflip::lm::arpa::write(&model);
    let again = coinflip::lm::arpa::read(&written, "written.arpa")
        .unwrap_or_else(|d| panic!("coinflip cannot read the ARPA file it wrote: {d}"));
    assert_eq!(again.order(), model.order());
    for n in 1..=model.order() {
        assert_eq!(again.count(n), model.count(n), "{n}-gram count changed");
    }
    assert_eq!(
        coinflip::lm::arpa::write(&again),
        written,
        "write is not stable"
    );
    // Score every unigram after a context of the first words, and one distribution.
    let vocab_len = model.vocab().len() as u32;
    let context: Vec<u32> = (0..vocab_len.min(model.order() as u32)).collect();
    for w in 0..vocab_len.min(64) {
        let (lp, _) = model.log10_prob(&context, w);
        assert!(!lp.is_nan(), "NaN log-probability");
    }
    let _ = model.prob_distribution(&context);
}
