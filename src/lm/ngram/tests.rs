//! The counting model by hand, and property tests against the reference implementation.

use super::*;
use crate::corpus::{Corpus, TokenizedCorpus};
use crate::lm::start_history;
use crate::tokenize::{BOS, EOS, Tokenizer, TokenizerKind};
use proptest::prelude::*;

fn corpus(docs: &[&str]) -> TokenizedCorpus {
    TokenizedCorpus::build(
        &Corpus {
            documents: docs.iter().map(|s| s.to_string()).collect(),
        },
        Tokenizer {
            kind: TokenizerKind::Whitespace,
            lowercase: false,
        },
    )
}

fn ids(c: &TokenizedCorpus, s: &str) -> Vec<TokenId> {
    s.split_whitespace()
        .map(|t| c.vocab.get(t).unwrap())
        .collect()
}

#[test]
fn mle_counts_and_backoff() {
    // a b a c / a b  → bigrams: <s> a ×2, a b ×2, b a, a c, c </s>, b </s>
    let c = corpus(&["a b a c", "a b"]);
    let m = NgramModel::train(&c, 2, Estimator::Mle);
    let a = ids(&c, "a")[0];
    let b = ids(&c, "b")[0];
    let cc = ids(&c, "c")[0];
    // P(b | a) = 2/3, P(c | a) = 1/3
    assert_eq!(m.prob(&[BOS, a], b).p, 2.0 / 3.0);
    assert_eq!(m.prob(&[BOS, a], cc).p, 1.0 / 3.0);
    // P(</s> | b) = 1/2
    assert_eq!(m.prob(&[a, b], EOS).p, 0.5);
    // unigram counts: a 3, b 2, c 1, </s> 2 → total 8
    let u = m.prob(&[], a);
    assert_eq!((u.p, u.context_len), (3.0 / 8.0, 0));
    assert_eq!(m.counts.types_per_order(), vec![4, 6]);
}

#[test]
fn unseen_context_backs_off_to_longest_seen_suffix() {
    let c = corpus(&["a b c", "x b d"]);
    let m = NgramModel::train(&c, 3, Estimator::Mle);
    let h = [ids(&c, "c")[0], ids(&c, "b")[0]]; // "c b" unseen, "b" seen
    let mut out = Vec::new();
    assert_eq!(m.distribution(&h, &mut out), 1);
    let names: Vec<&str> = out.iter().map(|&(w, _)| c.vocab.token(w)).collect();
    assert_eq!(names, ["c", "d"]);
}

#[test]
fn add_k_is_lidstone_on_full_context() {
    let c = corpus(&["a b a c", "a b"]);
    let m = NgramModel::train(&c, 2, Estimator::AddK { k: 0.5 });
    let a = ids(&c, "a")[0];
    let b = ids(&c, "b")[0];
    // V = 4 candidates (</s>, a, b, c); count(a b) = 2, count(a ·) = 3
    assert_eq!(m.prob(&[a], b).p, (2.0 + 0.5) / (3.0 + 0.5 * 4.0));
}

#[test]
fn kneser_ney_by_hand() {
    // Bigram KN, D = 0.5, corpus "a b a c" / "a b".
    // Continuation counts N1+(• w): a ← {<s>, b} = 2, b ← {a} = 1, c ← {a} = 1,
    // </s> ← {c, b} = 2; total 6 bigram types, 4 distinct continued words.
    // P1(b) = (1 - .5)/6 + .5·4/6·(1/4) = 0.25/3 + 1/12 = 1/6
    // P(b | a) = (2 - .5)/3 + (.5·2/3)·P1(b) = 0.5 + (1/3)(1/6) = 0.5 + 1/18
    let c = corpus(&["a b a c", "a b"]);
    let m = NgramModel::train(&c, 2, Estimator::KneserNey { discount: 0.5 });
    let a = ids(&c, "a")[0];
    let b = ids(&c, "b")[0];
    let got = m.prob(&[a], b).p;
    assert!((got - (0.5 + 1.0 / 18.0)).abs() < 1e-15, "{got}");
    let mut out = Vec::new();
    m.distribution(&[a], &mut out);
    let from_dist = out.iter().find(|&&(w, _)| w == b).unwrap().1;
    assert!((from_dist - got).abs() < 1e-15);
}

#[test]
fn stupid_backoff_normalised() {
    let c = corpus(&["a b a c", "a b"]);
    let m = NgramModel::train(&c, 2, Estimator::StupidBackoff { alpha: 0.4 });
    let a = ids(&c, "a")[0];
    let b = ids(&c, "b")[0];
    // S(b|a) = 2/3, S(c|a) = 1/3, S(a|a) = .4·3/8, S(</s>|a) = .4·2/8 → Z = 1 + .25
    let got = m.prob(&[a], b).p;
    assert!((got - (2.0 / 3.0) / 1.25).abs() < 1e-15, "{got}");
}

fn smoothing_strategy() -> impl Strategy<Value = Estimator> {
    prop_oneof![
        Just(Estimator::Mle),
        (0.01f64..3.0).prop_map(|k| Estimator::AddK { k }),
        (0.05f64..1.0).prop_map(|discount| Estimator::KneserNey { discount }),
        (0.05f64..1.0).prop_map(|alpha| Estimator::StupidBackoff { alpha }),
    ]
}

/// A model's every output on one history, as bits: distribution, prob of every id (markers and
/// ids past the vocabulary included) and draws at a few uniforms.
fn outputs(m: &dyn LanguageModel, h: &[TokenId]) -> Vec<(u32, u64, usize)> {
    let mut v = Vec::new();
    let mut out = Vec::new();
    let used = m.distribution(h, &mut out);
    v.extend(out.iter().map(|&(w, p)| (w, p.to_bits(), used)));
    for w in 0..m.vocab().len() as TokenId + 2 {
        let s = m.prob(h, w);
        v.push((w, s.p.to_bits(), s.context_len));
    }
    let mut scratch = crate::sample::DrawScratch::default();
    for u in [0.0, 0.25, 0.5, 0.999, 1.0 - f64::EPSILON / 2.0] {
        match crate::sample::draw(m, h, u, &mut scratch) {
            Some(d) => v.push((d.token, d.p.to_bits() ^ d.total.to_bits(), d.context_len)),
            None => v.push((u32::MAX, 0, 0)),
        }
    }
    v
}

/// Contexts too long to pack in 64 bits (15 tokens of 5 bits) are chained at the top level
/// too, with the same outputs.
#[test]
fn unpacked_top_level_matches_the_reference() {
    let docs: Vec<String> = (0..12)
        .map(|d| {
            (0..25)
                .map(|i| format!("t{}", (i * 7 + d * 3) % 20 + (i % 3)))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    let refs: Vec<&str> = docs.iter().map(|s| s.as_str()).collect();
    let c = corpus(&refs);
    assert!(c.vocab.len() > 16);
    for smoothing in [Estimator::Mle, Estimator::KneserNey { discount: 0.6 }] {
        let fast = NgramModel::train(&c, 16, smoothing.clone());
        assert!(fast.counts.top_bits.is_none());
        let slow = reference::RefModel::train(&c, 16, smoothing);
        assert_eq!(fast.counts.types_per_order(), slow.counts.types_per_order());
        let mut history = start_history(&[], 16);
        history.extend_from_slice(&c.documents[3][..20]);
        for cut in 0..=history.len() {
            assert_eq!(
                outputs(&fast, &history[..cut]),
                outputs(&slow, &history[..cut])
            );
        }
    }
}

/// Stupid backoff's normaliser changed with contract 2 (Z(h) of the longest seen context, by its
/// recursion, instead of a sum over every candidate): the same distribution, other last bits.
fn close_outputs(m: &dyn LanguageModel, r: &dyn LanguageModel, h: &[TokenId]) -> bool {
    let (mut a, mut b) = (Vec::new(), Vec::new());
    let same_len = m.distribution(h, &mut a) == r.distribution(h, &mut b);
    let close = |x: f64, y: f64| (x - y).abs() <= 1e-12 * y.abs();
    same_len
        && a.len() == b.len()
        && a.iter().zip(&b).all(|(x, y)| x.0 == y.0 && close(x.1, y.1))
        && (0..m.vocab().len() as TokenId + 2).all(|w| {
            let (x, y) = (m.prob(h, w), r.prob(h, w));
            x.context_len == y.context_len && close(x.p, y.p)
        })
}

/// The samplers whose every path the tests walk: none, top-k with temperature and top-p,
/// temperature alone (rejection), top-p alone, temperature above 1 with top-p (listed), greedy.
fn samplers() -> [crate::sample::SamplerConfig; 6] {
    use crate::sample::SamplerConfig as S;
    [
        S::default(),
        S { temperature: 0.7, top_k: 3, top_p: 0.9 },
        S { temperature: 0.6, ..S::default() },
        S { top_p: 0.8, ..S::default() },
        S { temperature: 1.5, top_k: 0, top_p: 0.85 },
        S { temperature: 0.0, ..S::default() },
    ]
}

/// Steps equal bit for bit, except that `generate` leaves a rejection step's `p_sampled` NaN.
fn same_steps(a: &[crate::sample::Step], b: &[crate::sample::Step]) -> bool {
    let bits = |s: &crate::sample::Step| {
        (s.u.to_bits(), s.uniforms, s.token, s.p_model.to_bits(), s.context_len)
    };
    a.len() == b.len()
        && a.iter().zip(b).all(|(x, y)| {
            bits(x) == bits(y) && (x.p_sampled.is_nan() || x.p_sampled.to_bits() == y.p_sampled.to_bits())
        })
}

proptest! {
    /// The fast layout gives exactly the bits of the implementation it replaced: counts,
    /// distributions, probabilities and contract 1's draws (stupid backoff: to 1e-12, see
    /// `close_outputs`), and MLE's whole generated samples. Every model generates the same
    /// samples watched (as `coinflip trace` does) or not, and a watched step lists the picked
    /// token with exactly its `p_sampled`.
    #[test]
    fn same_bits_as_the_reference_implementation(
        docs in proptest::collection::vec(proptest::collection::vec(0u8..8, 1..15), 0..7),
        order in 1usize..6,
        smoothing in smoothing_strategy(),
        probe in proptest::collection::vec(0u8..10, 0..7),
        seed in 0u64..1000,
    ) {
        let texts: Vec<String> = docs
            .iter()
            .map(|d| d.iter().map(|x| format!("t{x}")).collect::<Vec<_>>().join(" "))
            .collect();
        let refs: Vec<&str> = texts.iter().map(|s| s.as_str()).collect();
        let c = corpus(&refs);
        let fast = NgramModel::train(&c, order, smoothing.clone());
        let slow = reference::RefModel::train(&c, order, smoothing.clone());
        let sb = matches!(smoothing, Estimator::StupidBackoff { .. });
        prop_assert_eq!(fast.counts.types_per_order(), slow.counts.types_per_order());
        // Histories of seen and unseen tokens, <s>, </s>, <unk> and ids past the vocabulary.
        let mut history = start_history(&[], order);
        history.extend(probe.iter().map(|&x| x as TokenId));
        for cut in 0..=history.len() {
            let h = &history[..cut];
            if sb {
                prop_assert!(close_outputs(&fast, &slow, h), "history {:?}", h);
            } else {
                prop_assert_eq!(outputs(&fast, h), outputs(&slow, h), "history {:?}", h);
            }
        }
        for sampler in samplers() {
            let cfg = crate::sample::GenerateConfig { max_tokens: 40, stop_at_end: seed % 2 == 0, sampler };
            let rng = || crate::sample::stream(seed, crate::sample::Domain::Generate, 0);
            let a = crate::sample::generate(&fast, &[], &cfg, &mut rng());
            let mut listed_ok = true;
            let watched = crate::sample::generate_observed(&fast, &[], &cfg, &mut rng(), |v| {
                let at = v.sampled.binary_search_by_key(&v.step.token, |d| d.0);
                listed_ok &= at.is_ok_and(|i| v.sampled[i].1.to_bits() == v.step.p_sampled.to_bits());
            });
            prop_assert!(listed_ok, "a watched step lists another p_sampled");
            prop_assert_eq!(&a.tokens, &watched.tokens);
            prop_assert!(same_steps(&a.steps, &watched.steps));
            prop_assert_eq!(a.stopped, watched.stopped);
            if matches!(smoothing, Estimator::Mle) {
                let b = crate::sample::generate(&slow, &[], &cfg, &mut rng());
                prop_assert_eq!(&a.tokens, &b.tokens);
                prop_assert!(same_steps(&a.steps, &b.steps));
                prop_assert_eq!(a.stopped, b.stopped);
            }
        }
    }
}

proptest! {
    #[test]
    fn every_distribution_sums_to_one(
        docs in proptest::collection::vec(proptest::collection::vec(0u8..5, 1..12), 1..5),
        order in 1usize..5,
        smoothing in smoothing_strategy(),
        probe in proptest::collection::vec(0u8..7, 0..6),
    ) {
        let texts: Vec<String> = docs
            .iter()
            .map(|d| d.iter().map(|x| format!("t{x}")).collect::<Vec<_>>().join(" "))
            .collect();
        let refs: Vec<&str> = texts.iter().map(|s| s.as_str()).collect();
        let c = corpus(&refs);
        let m = NgramModel::train(&c, order, smoothing.clone());
        // Probe histories: seen and unseen tokens (ids past the vocabulary act as <unk>).
        let mut history = start_history(&[], order);
        history.extend(probe.iter().map(|&x| (x as TokenId + 1).min(c.vocab.len() as TokenId + 1)));
        for cut in 0..=probe.len() {
            let h = &history[..order - 1 + cut];
            let mut out = Vec::new();
            m.distribution(h, &mut out);
            let sum: f64 = out.iter().map(|&(_, p)| p).sum();
            prop_assert!((sum - 1.0).abs() < 1e-9, "sum {} for {:?}", sum, smoothing);
            prop_assert!(out.windows(2).all(|w| w[0].0 < w[1].0));
            for &(w, p) in &out {
                let s = m.prob(h, w).p;
                prop_assert!((s - p).abs() < 1e-12, "prob {} vs distribution {}", s, p);
            }
        }
    }
}
