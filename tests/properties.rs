//! Property tests (proptest): tokenizer round trips, the sampling transforms and the draw, and
//! that the scenario parser never panics, whatever the text.
//!
//! Failures are not persisted to files (`failure_persistence: None`); a failing case is printed,
//! minimised, by proptest, and belongs in a unit test once understood.

use std::path::Path;

use coinflip::sample::{Cumulative, SamplerConfig};
use coinflip::tokenize::{Tokenizer, TokenizerKind};
use proptest::prelude::*;

fn config() -> ProptestConfig {
    ProptestConfig {
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

fn tokenizer(kind: TokenizerKind, lowercase: bool) -> Tokenizer {
    Tokenizer { kind, lowercase }
}

fn split(t: Tokenizer, text: &str) -> Vec<String> {
    t.split(text).into_iter().map(|c| c.into_owned()).collect()
}

/// Text that looks like what corpora hold: words, digits, punctuation, apostrophes, brackets, CJK,
/// runs of spaces, tabs and line breaks, and a sprinkling of anything at all.
fn texty() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        4 => "[A-Za-z]{1,8}",
        1 => "[0-9]{1,4}",
        2 => "[ ]{1,3}",
        1 => "[\t\n\r]{1,2}",
        2 => "[.,;:!?()\\[\\]{}%'’\"-]",
        2 => "[一-龥]{1,3}",
        1 => "[ぁ-ゖ]{1,3}",
        1 => "[ァ-ヺ]{1,3}",
        1 => "[가-힣]{1,3}",
        1 => "[Ａ-Ｚａ-ｚ０-９]{1,3}",
        1 => "[\u{300}-\u{36f}\u{200d}\u{fe0f}]",
        1 => any::<char>().prop_map(|c| c.to_string()),
    ];
    proptest::collection::vec(piece, 0..24).prop_map(|v| v.concat())
}

/// Any string: proptest's `String` strategy draws from all of Unicode.
fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![any::<String>(), texty()]
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn char_join_of_split_is_the_text(text in any_text()) {
        let t = tokenizer(TokenizerKind::Char, false);
        prop_assert_eq!(t.join(&t.split(&text)), text.clone());
        // Lowercasing first: the round trip gives the lowercased text.
        let t = tokenizer(TokenizerKind::Char, true);
        prop_assert_eq!(t.join(&t.split(&text)), text.to_lowercase());
    }

    #[test]
    fn whitespace_split_is_stable_under_join(text in any_text(), lowercase in any::<bool>()) {
        let t = tokenizer(TokenizerKind::Whitespace, lowercase);
        let tokens = split(t, &text);
        prop_assert!(tokens.iter().all(|s| !s.is_empty() && !s.contains(char::is_whitespace)));
        prop_assert_eq!(split(t, &t.join(&tokens)), tokens);
    }

    #[test]
    fn word_split_is_stable_under_join(text in any_text(), lowercase in any::<bool>()) {
        let t = tokenizer(TokenizerKind::Word, lowercase);
        let tokens = split(t, &text);
        prop_assert!(tokens.iter().all(|s| !s.is_empty()));
        prop_assert_eq!(split(t, &t.join(&tokens)), tokens);
    }
}

/// A next-token distribution as models hand it over: ascending distinct ids, probabilities > 0
/// summing to 1 (within rounding). Weights span many orders of magnitude, ties included.
fn distribution() -> impl Strategy<Value = Vec<(u32, f64)>> {
    let weight = prop_oneof![
        4 => 1e-6f64..1.0,
        1 => Just(0.25),
        1 => (1u32..300).prop_map(|e| 2f64.powi(-(e as i32))),
    ];
    proptest::collection::btree_map(0u32..5000, weight, 1..40).prop_map(|m| {
        let total: f64 = m.values().sum();
        m.into_iter().map(|(id, w)| (id, w / total)).collect()
    })
}

fn sampler() -> impl Strategy<Value = SamplerConfig> {
    let temperature = prop_oneof![
        1 => Just(0.0),
        1 => Just(1.0),
        4 => 1e-3f64..10.0,
        1 => prop_oneof![Just(1e-300), Just(1e-9), Just(1e6)],
    ];
    let top_k = prop_oneof![Just(0usize), 1usize..50];
    let top_p = prop_oneof![Just(1.0), 1e-9f64..1.0, Just(f64::MIN_POSITIVE)];
    (temperature, top_k, top_p).prop_map(|(temperature, top_k, top_p)| SamplerConfig {
        temperature,
        top_k,
        top_p,
    })
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn sampler_leaves_a_distribution(dist in distribution(), cfg in sampler()) {
        let mut out = dist.clone();
        cfg.apply(&mut out);
        prop_assert!(!out.is_empty(), "every candidate removed");
        let sum: f64 = out.iter().map(|d| d.1).sum();
        prop_assert!((sum - 1.0).abs() < 1e-9, "sums to {sum}");
        prop_assert!(out.iter().all(|d| d.1 > 0.0 && d.1.is_finite()), "{out:?}");
        prop_assert!(out.windows(2).all(|w| w[0].0 < w[1].0), "not ascending: {out:?}");
        prop_assert!(
            out.iter().all(|d| dist.iter().any(|o| o.0 == d.0)),
            "a candidate appeared"
        );
        if cfg.top_k > 0 {
            prop_assert!(out.len() <= cfg.top_k);
        }
        if cfg.temperature == 0.0 {
            prop_assert_eq!(out.len(), 1);
        }
        // The most probable candidate (lowest id among ties) always survives.
        let best = dist.iter().fold(dist[0], |a, &b| if b.1 > a.1 { b } else { a });
        prop_assert!(out.iter().any(|d| d.0 == best.0), "lost the best {best:?}: {out:?}");
    }

    #[test]
    fn pick_lands_in_the_interval_of_u_times_total(
        weights in proptest::collection::vec(
            prop_oneof![3 => 1e-9f64..1e3, 1 => Just(0.0), 1 => Just(1.0)], 1..60),
        u in prop_oneof![0.0f64..1.0, Just(0.0), Just(1.0 - f64::EPSILON / 2.0)],
    ) {
        prop_assume!(weights.iter().any(|&w| w > 0.0));
        let c = Cumulative::new(&weights);
        let j = c.pick(u).unwrap();
        let x = u * c.total();
        // C_{j-1} ≤ x < C_j, summed left to right as `Cumulative` does.
        let mut before = 0.0;
        for w in &weights[..j] {
            before += w;
        }
        let after = before + weights[j];
        prop_assert!(before <= x && x < after, "j = {j}: {before} ≤ {x} < {after} fails");
        prop_assert!(weights[j] > 0.0, "picked a zero weight");
    }

    #[test]
    fn scenario_parser_never_panics(source in scenario_text()) {
        match coinflip::scenario::parse(&source, Path::new("p.toml"), Path::new(""), "p") {
            Ok(_) => {}
            Err(errors) => {
                prop_assert!(!errors.is_empty());
                for e in errors {
                    let shown = e.to_string();
                    prop_assert!(shown.starts_with("p.toml"), "{shown}");
                }
            }
        }
    }

    #[test]
    fn scenario_parser_never_panics_on_any_text(source in any::<String>()) {
        let _ = coinflip::scenario::parse(&source, Path::new("p.toml"), Path::new(""), "p");
    }

    /// `seed` takes every value `--seed` takes: an integer up to 2^63 − 1, any u64 as a string
    /// of digits (leading zeros too); a negative integer or anything else in a string is an
    /// error at the key.
    #[test]
    fn every_u64_seed_is_accepted_and_nothing_else(n in any::<u64>(), zeros in 0usize..3, junk in "[a-zA-Z .,+_-]{1,4}", neg in i64::MIN..0) {
        let parse = |v: String| {
            coinflip::scenario::parse(&format!("seed = {v}\n[corpus]\ntext = \"a b\"\n"), Path::new("p.toml"), Path::new(""), "p")
        };
        let digits = format!("{}{n}", "0".repeat(zeros));
        prop_assert_eq!(parse(format!("\"{digits}\"")).unwrap().seed, n);
        if let Ok(i) = i64::try_from(n) {
            prop_assert_eq!(parse(i.to_string()).unwrap().seed, n);
        }
        for bad in [
            neg.to_string(),
            format!("\"{neg}\""),
            format!("\"{n}{junk}\""),
            format!("\"{junk}{n}\""),
        ] {
            let errors = parse(bad.clone()).err().unwrap_or_default();
            prop_assert_eq!(errors.len(), 1, "{}", bad);
            prop_assert_eq!(errors[0].key.as_deref(), Some("seed"), "{}", bad);
        }
    }

    /// Finite weights ≥ 0 with `normalize = true` become probabilities that sum to 1, however
    /// large (their sum may overflow to inf) or small they are.
    #[test]
    fn normalised_weights_sum_to_one(weights in proptest::collection::vec(prop_oneof![
        3 => 0.0..1.0f64,
        2 => 1e300..f64::MAX,
        1 => Just(f64::MAX),
        1 => Just(0.0),
        1 => Just(5e-324),
    ], 1..12)) {
        prop_assume!(weights.iter().any(|&w| w > 0.0));
        let tokens: Vec<String> = (0..weights.len()).map(|i| format!("\"t{i}\"")).collect();
        let probs: Vec<String> = weights.iter().map(|w| format!("{w:e}")).collect();
        let source = format!(
            "[distribution]\ntokens = [{}]\nprobs = [{}]\nnormalize = true\n[checks.chi_square]\n",
            tokens.join(", "),
            probs.join(", ")
        );
        let sc = coinflip::scenario::parse(&source, Path::new("p.toml"), Path::new(""), "p").unwrap();
        let coinflip::scenario::ScenarioKind::Distribution(d) = sc.kind else { panic!() };
        prop_assert!(d.probs.iter().all(|p| p.is_finite() && *p >= 0.0), "{:?}", d.probs);
        let sum: f64 = d.probs.iter().sum();
        prop_assert!((sum - 1.0).abs() < 1e-12, "{:?} sums to {}", d.probs, sum);
    }
}

/// Scenario-shaped text: table headers, keys of the schema and values of every TOML kind
/// (including out-of-range numbers, NaN and infinities) in any order, with the odd stray
/// character.
fn scenario_text() -> impl Strategy<Value = String> {
    let header = prop_oneof![
        Just("[corpus]"),
        Just("[model]"),
        Just("[sampling]"),
        Just("[generate]"),
        Just("[distribution]"),
        Just("[checks.output]"),
        Just("[checks.chi_square]"),
        Just("[checks.remix]"),
        Just("[generate.prefix_from]"),
        Just("[checks.remix.min_novel]"),
    ];
    let key = prop_oneof![
        Just("name"),
        Just("seed"),
        Just("text"),
        Just("path"),
        Just("paths"),
        Just("documents"),
        Just("order"),
        Just("tokenizer"),
        Just("lowercase"),
        Just("smoothing"),
        Just("k"),
        Just("discount"),
        Just("alpha"),
        Just("temperature"),
        Just("top_k"),
        Just("top_p"),
        Just("prefix"),
        Just("prefix_from"),
        Just("max_tokens"),
        Just("samples"),
        Just("stop_at_end"),
        Just("tokens"),
        Just("probs"),
        Just("normalize"),
        Just("context"),
        Just("expect"),
        Just("contains"),
        Just("min_distinct"),
        Just("max_distinct"),
        Just("statistic"),
        Just("method"),
        Just("replicates"),
        Just("min_expected"),
        Just("contexts"),
        Just("max_verbatim_tokens"),
        Just("min_novel"),
        Just("min_divergence_step"),
        Just("ngram_orders"),
        Just("copied_min_len"),
        Just("document"),
        Just("3"),
        Just("ordr"),
    ];
    let value = prop_oneof![
        Just("0".to_string()),
        Just("-1".to_string()),
        Just("1".to_string()),
        Just("16".to_string()),
        Just("17".to_string()),
        Just("9223372036854775807".to_string()),
        Just("-9223372036854775808".to_string()),
        Just("nan".to_string()),
        Just("inf".to_string()),
        Just("-inf".to_string()),
        Just("1e308".to_string()),
        Just("0.5".to_string()),
        Just("1.5".to_string()),
        Just("true".to_string()),
        Just("\"\"".to_string()),
        Just("\"a b a c\"".to_string()),
        Just("\"kneser-ney\"".to_string()),
        Just("\"add-k\"".to_string()),
        Just("\"monte-carlo\"".to_string()),
        Just("\"char\"".to_string()),
        Just("[\"a\", \"b\"]".to_string()),
        Just("[0.5, 0.5]".to_string()),
        Just("[]".to_string()),
        Just("{ document = 9, tokens = 2 }".to_string()),
        Just("{ 3 = 0.5 }".to_string()),
        Just("1979-05-27".to_string()),
        // Seeds as strings (above 2^63 − 1), weights whose sum overflows, huge draw counts.
        Just("\"18446744073709551615\"".to_string()),
        Just("\"18446744073709551616\"".to_string()),
        Just("\"-1\"".to_string()),
        Just("[1e308, 1e308]".to_string()),
        Just("[1.7976931348623157e308, 5e-324]".to_string()),
        Just("100000000".to_string()),
        any::<u64>().prop_map(|n| format!("\"{n}\"")),
        "\"[^\"\\\\\n]{0,12}\"",
        (-5i64..40).prop_map(|i| i.to_string()),
    ];
    let line = prop_oneof![
        2 => header.prop_map(str::to_string),
        6 => (key, value).prop_map(|(k, v)| format!("{k} = {v}")),
        1 => any::<char>().prop_map(|c| c.to_string()),
    ];
    proptest::collection::vec(line, 0..16).prop_map(|lines| lines.join("\n"))
}
