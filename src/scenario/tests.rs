//! Parsing and validation, by example.

use std::path::Path;

use super::*;
use crate::corpus::DocumentSplit;
use crate::lm::Estimator;
use crate::tokenize::TokenizerKind;

fn parse_str(src: &str) -> Result<Scenario, Vec<Diagnostic>> {
    parse(src, Path::new("s.toml"), Path::new(""), "s")
}

fn first_error(src: &str) -> String {
    parse_str(src).unwrap_err()[0].headline()
}

#[test]
fn defaults() {
    let s = parse_str("[corpus]\ntext = \"a b\"\n").unwrap();
    assert_eq!(s.name, "s");
    assert_eq!(s.seed, 0);
    let ScenarioKind::Model {
        model,
        generate,
        corpus,
    } = s.kind
    else {
        panic!()
    };
    assert_eq!(model.order, 3);
    assert_eq!(model.tokenizer.kind, TokenizerKind::Word);
    assert_eq!(model.estimator, Estimator::Mle);
    assert_eq!((generate.max_tokens, generate.samples), (50, 5));
    assert_eq!(corpus.unwrap().documents, DocumentSplit::Paragraphs);
}

#[test]
fn unknown_key_located_with_suggestion() {
    let e = first_error("[corpus]\ntext = \"a\"\n[model]\nordr = 2\n");
    assert!(
        e.starts_with("s.toml:4:1: `model.ordr`: unknown field `ordr`"),
        "{e}"
    );
    assert!(e.ends_with("(did you mean `order`?)"), "{e}");
}

#[test]
fn out_of_range_values() {
    let e = first_error("[corpus]\ntext = \"a\"\n[model]\norder = 0\n");
    assert_eq!(
        e,
        "s.toml:4:9: `model.order`: expected an integer from 1 to 16, found 0"
    );
    let e = first_error("[corpus]\ntext = \"a\"\n[sampling]\ntop_p = 1.5\n");
    assert!(
        e.contains("`sampling.top_p`: expected a number in (0, 1]"),
        "{e}"
    );
    let e = first_error("[corpus]\ntext = \"a\"\n[sampling]\ntemperature = nan\n");
    assert!(e.contains("found NaN"), "{e}");
}

#[test]
fn every_problem_reported() {
    let errs = parse_str(
        "[corpus]\ntext = \"a\"\n[model]\norder = 0\nsmoothing = \"mle\"\nk = 2.0\n[sampling]\ntop_p = 0\n",
    )
    .unwrap_err();
    assert_eq!(errs.len(), 3, "{errs:?}");
}

#[test]
fn distribution_rules() {
    let ok = "[distribution]\ntokens = [\"a\", \"b\"]\nprobs = [0.25, 0.75]\n[checks.chi_square]\n";
    assert!(parse_str(ok).is_ok());
    let e = first_error(
        "[distribution]\ntokens = [\"a\", \"b\"]\nprobs = [0.3, 0.3]\n[checks.chi_square]\n",
    );
    assert!(e.contains("summing to 1"), "{e}");
    let e = first_error(
        "[distribution]\ntokens = [\"a\", \"a\"]\nprobs = [0.5, 0.5]\n[checks.chi_square]\n",
    );
    assert!(e.contains("duplicate token"), "{e}");
    let s = parse_str(
        "[distribution]\ntokens = [\"a\", \"b\"]\nprobs = [1, 3]\nnormalize = true\n[checks.chi_square]\n",
    );
    // integers are accepted where a number is expected
    let ScenarioKind::Distribution(d) = s.unwrap().kind else {
        panic!()
    };
    assert_eq!(d.probs, vec![0.25, 0.75]);
    let s = parse_str("[distribution]\ntokens = [\"a\", \"b\"]\nprobs = [1.0, 3.0]\nnormalize = true\n[checks.chi_square]\n").unwrap();
    let ScenarioKind::Distribution(d) = s.kind else {
        panic!()
    };
    assert_eq!(d.probs, vec![0.25, 0.75]);
}

#[test]
fn corpus_needs_exactly_one_source() {
    let e = first_error("[corpus]\ntext = \"a\"\npath = \"x.txt\"\n");
    assert!(
        e.contains("exactly one of `text`, `path` or `paths`, found several"),
        "{e}"
    );
    let e = first_error("seed = 1\n");
    assert!(e.contains("found none of them"), "{e}");
    let e = first_error("seed = -1\n[corpus]\ntext = \"a\"\n");
    assert!(
        e.contains("`seed`: expected a seed from 0 to 18446744073709551615"),
        "{e}"
    );
}

#[test]
fn seed_takes_the_range_of_the_command_line() {
    let seed =
        |v: &str| parse_str(&format!("seed = {v}\n[corpus]\ntext = \"a b\"\n")).map(|s| s.seed);
    assert_eq!(seed("0").unwrap(), 0);
    assert_eq!(seed("9223372036854775807").unwrap(), i64::MAX as u64);
    assert_eq!(seed("\"9223372036854775808\"").unwrap(), 1 << 63);
    assert_eq!(seed("\"18446744073709551615\"").unwrap(), u64::MAX);
    assert_eq!(seed("\"42\"").unwrap(), 42);
    let expected = "s.toml:1:8: `seed`: expected a seed from 0 to 18446744073709551615 (an integer, \
                    or a string of digits such as \"18446744073709551615\" above \
                    9223372036854775807), found";
    for (v, found) in [
        ("-1", "-1"),
        ("\"18446744073709551616\"", "\"18446744073709551616\""),
        ("\"-3\"", "\"-3\""),
        ("\"0x10\"", "\"0x10\""),
        ("\"\"", "\"\""),
        ("\"1e6\"", "\"1e6\""),
    ] {
        let e = seed(v).unwrap_err();
        assert_eq!(e.len(), 1, "{e:?}");
        assert_eq!(e[0].headline(), format!("{expected} {found}"), "{v}");
    }
    // A float or a boolean is a type error, located, naming what is expected.
    let e = seed("1.5").unwrap_err()[0].headline();
    assert!(
        e.starts_with("s.toml:1:8: `seed`: invalid type: floating point `1.5`, expected an integer from 0 to 18446744073709551615"),
        "{e}"
    );
    // A seed problem is one of every problem of the file.
    let errs = parse_str("seed = -1\n[corpus]\ntext = \"a\"\n[model]\norder = 0\n").unwrap_err();
    assert_eq!(errs.len(), 2, "{errs:?}");
}

#[test]
fn huge_weights_are_normalised() {
    let probs = |w: &str| {
        let s = parse_str(&format!(
            "[distribution]\ntokens = [\"a\", \"b\", \"c\"]\nprobs = {w}\nnormalize = true\n[checks.chi_square]\n"
        ))
        .unwrap();
        let ScenarioKind::Distribution(d) = s.kind else {
            panic!()
        };
        d.probs
    };
    // The plain sum overflows to inf: the weights are scaled by the largest first.
    assert_eq!(probs("[1e308, 1e308, 0.0]"), vec![0.5, 0.5, 0.0]);
    let p = probs("[1.7e308, 1.7e308, 1.7e308]");
    assert!(p.iter().all(|&x| (x - 1.0 / 3.0).abs() < 1e-15), "{p:?}");
    let p = probs("[1.79e308, 8.95e307, 1.0]");
    assert!(
        (p[0] - 2.0 / 3.0).abs() < 1e-12 && (p[1] - 1.0 / 3.0).abs() < 1e-12,
        "{p:?}"
    );
    assert!(p[2] > 0.0 && p[2] < 1e-300, "{p:?}");
    // A sum that does not overflow keeps the plain division (the same bits as before).
    assert_eq!(probs("[1e308, 0.0, 0.0]"), vec![1.0, 0.0, 0.0]);
    assert_eq!(
        probs("[0.1, 0.2, 0.3]"),
        vec![
            0.1 / 0.6000000000000001,
            0.2 / 0.6000000000000001,
            0.3 / 0.6000000000000001
        ]
    );
}

#[test]
fn monte_carlo_draws_are_bounded_at_the_key() {
    let src = |samples: &str, replicates: &str| {
        format!(
            "[distribution]\ntokens = [\"a\", \"b\"]\nprobs = [0.5, 0.5]\n[checks.chi_square]\n\
             method = \"monte-carlo\"\nsamples = {samples}\nreplicates = {replicates}\n"
        )
    };
    assert!(parse_str(&src("100000000", "100")).is_ok());
    let e = first_error(&src("100000000", "101"));
    assert!(
        e.starts_with(
            "s.toml:7:14: `checks.chi_square.replicates`: samples × replicates = 100000000 × 101 = \
             10100000000 Monte Carlo draws per tested distribution, about "
        ),
        "{e}"
    );
    assert!(
        e.ends_with(
            "more than the limit of 10000000000 Monte Carlo draws per tested distribution: lower \
             `samples` or `replicates` (or use method = \"asymptotic\"), or set the environment \
             variable COINFLIP_MAX_MONTE_CARLO_DRAWS to at least 10100000000"
        ),
        "{e}"
    );
    // The documented maxima of both keys: the estimate is years.
    let e = first_error(&src("100000000", "100000000"));
    assert!(e.contains("about 3.2 years of computing"), "{e}");
    // Without `replicates`, the default 10000 and the samples key's place.
    let e = first_error(
        "[distribution]\ntokens = [\"a\", \"b\"]\nprobs = [0.5, 0.5]\n[checks.chi_square]\n\
         method = \"monte-carlo\"\nsamples = 100000000\n",
    );
    assert!(
        e.starts_with(
            "s.toml:6:11: `checks.chi_square.replicates`: samples × replicates = 100000000 × 10000"
        ),
        "{e}"
    );
    // The asymptotic test draws the samples once: no bound beyond the samples' own.
    assert!(
        parse_str(
            "[distribution]\ntokens = [\"a\", \"b\"]\nprobs = [0.5, 0.5]\n[checks.chi_square]\nsamples = 100000000\n"
        )
        .is_ok()
    );
}

#[test]
fn monte_carlo_time_reads_in_a_unit_people_use() {
    assert_eq!(monte_carlo_time(1_000_000), "0 seconds");
    assert_eq!(monte_carlo_time(0), "0 seconds");
    assert!(monte_carlo_time(u64::MAX).ends_with(" years"));
}

#[test]
fn shape_errors_do_not_hide_each_other_or_range_errors() {
    let src = "[corpus]\ntext = \"a b\"\n\n[modle]\norder = 2\n\n[distribution]\ntokens = [\n  \"a\",\n  1,\n]\nprobs = [1.0]\n";
    let errors = super::parse(src, Path::new("s.toml"), Path::new("."), "s").unwrap_err();
    let at: Vec<(Option<usize>, Option<&str>)> =
        errors.iter().map(|d| (d.line, d.key.as_deref())).collect();
    assert_eq!(
        at,
        [
            (Some(4), Some("modle")),
            (Some(10), Some("distribution.tokens"))
        ]
    );
    let src = "[model]\nordr = 2\nsmoothing = \"add_k\"\n[corpus]\ntext = \"a\"\n[generate]\nmax_tokens = 0\n";
    let errors = super::parse(src, Path::new("s.toml"), Path::new("."), "s").unwrap_err();
    let messages: Vec<String> = errors.iter().map(|d| d.headline()).collect();
    assert_eq!(messages.len(), 3, "{messages:#?}");
    assert!(
        messages[0].contains("(did you mean `order`?)"),
        "{messages:#?}"
    );
    assert!(
        messages[1].contains("(did you mean `add-k`?)"),
        "{messages:#?}"
    );
    assert!(
        messages[2].starts_with("s.toml:7:14: `generate.max_tokens`"),
        "{messages:#?}"
    );
}
