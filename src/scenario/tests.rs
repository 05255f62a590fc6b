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
        e.contains("`seed`: expected an integer ≥ 0, found -1"),
        "{e}"
    );
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
