//! `mle` and `add-k` give the same probabilities as NLTK's `nltk.lm` `MLE` and `Lidstone` on the
//! same padded text. The expected numbers were printed by `python3 tests/reference/nltk_lm.py`
//! (nltk 3.10.4), which explains how the two paddings and vocabularies line up.

use coinflip::corpus::{Corpus, DocumentSplit, TokenizedCorpus, read_text, split_documents};
use coinflip::lm::Estimator;
use coinflip::lm::ngram::NgramModel;
use coinflip::lm::{LanguageModel, start_history};
use coinflip::tokenize::{Tokenizer, TokenizerKind};
use std::path::Path;

fn weather() -> TokenizedCorpus {
    let p = Path::new("scenarios/corpora/weather.txt");
    let text = read_text(p, p).unwrap();
    TokenizedCorpus::build(
        &Corpus {
            documents: split_documents(&text, DocumentSplit::Lines),
        },
        Tokenizer {
            kind: TokenizerKind::Whitespace,
            lowercase: false,
        },
    )
}

/// (word, context as NLTK writes it, MLE, Lidstone(0.5))
const NLTK: &[(&str, [&str; 2], f64, f64)] = &[
    ("is", ["the", "sky"], 1.0, 0.20454545454545456),
    ("blue", ["sky", "is"], 0.5, 0.11363636363636363),
    ("the", ["<s>", "<s>"], 1.0, 0.375),
    ("sky", ["<s>", "the"], 0.2, 0.08928571428571429),
    (
        "on",
        ["rain", "falls"],
        0.6666666666666666,
        0.11904761904761904,
    ),
    ("</s>", ["town", "."], 1.0, 0.07894736842105263),
    ("hills", ["on", "the"], 0.5, 0.11363636363636363),
    ("river", ["the", "sky"], 0.0, 0.022727272727272728),
];

fn check(smoothing: Estimator, pick: impl Fn(&(&str, [&str; 2], f64, f64)) -> f64) {
    let c = weather();
    // NLTK's len(vocab) is 36 for this corpus: 35 types + <UNK>; coinflip's V is 35 types + </s>.
    assert_eq!(c.vocab.candidate_count(), 36);
    let m = NgramModel::train(&c, 3, smoothing.clone());
    for q in NLTK {
        let history: Vec<u32> = q.1.iter().map(|t| c.vocab.get(t).unwrap()).collect();
        let word = c.vocab.get(q.0).unwrap();
        let got = m.prob(&history, word).p;
        let want = pick(q);
        assert!(
            (got - want).abs() <= 1e-15 * want.max(1.0),
            "{smoothing:?}: P({} | {:?}) = {got}, NLTK says {want}",
            q.0,
            q.1
        );
    }
    // The padded start is the same context NLTK sees as ["<s>", "<s>"].
    assert_eq!(start_history(&[], 3), vec![0, 0]);
}

#[test]
fn mle_matches_nltk() {
    check(Estimator::Mle, |q| q.2);
}

#[test]
fn add_k_matches_nltk_lidstone() {
    check(Estimator::AddK { k: 0.5 }, |q| q.3);
}
