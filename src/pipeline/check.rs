//! Judging: turning a scenario's samples and statistics into check verdicts. Each function
//! returns [`CheckResult`]s with the figures that decided them; the exporters format them.

use std::collections::BTreeSet;

use crate::results::{
    CheckDetail, CheckKind, CheckResult, RemixCheckDetail, SampleRemix, SampleResult, Status,
};
use crate::scenario::OutputCheck;

fn verdict(ok: bool) -> Status {
    if ok { Status::Pass } else { Status::Fail }
}

fn quote(s: &str) -> String {
    let short: String = s.chars().take(80).collect();
    let ellipsis = if short.len() < s.len() { "…" } else { "" };
    format!("{:?}", short + ellipsis)
}

/// The `[checks.output]` table: exact texts, required substrings, number of distinct samples.
/// Texts are compared with each sample's `full_text` (prefix and continuation).
pub fn output(check: &OutputCheck, samples: &[SampleResult]) -> Vec<CheckResult> {
    let mut out = Vec::new();
    if !check.expect.is_empty() {
        out.push(expect(&check.expect, samples));
    }
    for needle in &check.contains {
        out.push(contains(needle, samples));
    }
    let distinct = samples
        .iter()
        .map(|s| s.full_text.as_str())
        .collect::<BTreeSet<_>>()
        .len();
    if let Some(min) = check.min_distinct {
        out.push(output_result(
            "min_distinct",
            distinct >= min,
            format!("{distinct} distinct samples (at least {min} required)"),
        ));
    }
    if let Some(max) = check.max_distinct {
        out.push(output_result(
            "max_distinct",
            distinct <= max,
            format!("{distinct} distinct samples (at most {max} allowed)"),
        ));
    }
    out
}

fn output_result(name: &str, ok: bool, message: String) -> CheckResult {
    CheckResult {
        kind: CheckKind::Output,
        name: name.to_string(),
        status: verdict(ok),
        message,
        detail: CheckDetail::None {},
    }
}

/// `expect`: the first samples are exactly these texts.
fn expect(expected: &[String], samples: &[SampleResult]) -> CheckResult {
    let mismatch = expected
        .iter()
        .enumerate()
        .find(|(i, e)| samples.get(*i).is_none_or(|s| &s.full_text != *e));
    match mismatch {
        None => output_result(
            "expect",
            true,
            format!(
                "the first {} sample(s) are exactly as expected",
                expected.len()
            ),
        ),
        Some((i, e)) => match samples.get(i) {
            None => output_result(
                "expect",
                false,
                format!(
                    "expect lists {} but only {} generated",
                    crate::text::count(expected.len(), "text", "texts"),
                    if samples.len() == 1 {
                        "1 sample was".to_string()
                    } else {
                        format!("{} samples were", samples.len())
                    }
                ),
            ),
            Some(s) => output_result(
                "expect",
                false,
                format!(
                    "sample {i} differs: expected {}, got {}",
                    quote(e),
                    quote(&s.full_text)
                ),
            ),
        },
    }
}

/// `contains`: every sample contains `needle`.
fn contains(needle: &str, samples: &[SampleResult]) -> CheckResult {
    let missing: Vec<usize> = samples
        .iter()
        .filter(|s| !s.full_text.contains(needle))
        .map(|s| s.index)
        .collect();
    if missing.is_empty() {
        output_result(
            "contains",
            true,
            format!("every sample contains {}", quote(needle)),
        )
    } else {
        output_result(
            "contains",
            false,
            format!(
                "{} of {} samples lack {} (first: sample {})",
                missing.len(),
                samples.len(),
                quote(needle),
                missing[0]
            ),
        )
    }
}

/// The `[checks.chi_square]` table: one result per tested distribution, from the check's
/// `outcomes` ([`crate::pipeline::chisq::run`] or [`crate::pipeline::chisq::run_sampler`]).
pub fn chi_square(
    tested: &[crate::pipeline::chisq::Tested],
    outcomes: Result<Vec<crate::pipeline::chisq::ChiSquareOutcome>, String>,
) -> Vec<CheckResult> {
    match outcomes {
        Err(e) => vec![CheckResult {
            kind: CheckKind::ChiSquare,
            name: "distribution".into(),
            status: Status::Error,
            message: format!("cannot test the distribution: {e}"),
            detail: CheckDetail::None {},
        }],
        Ok(outcomes) => outcomes
            .into_iter()
            .map(|o| {
                let d = &o.detail;
                let stat = d
                    .statistic
                    .map(|s| format!("{s:.4}"))
                    .unwrap_or_else(|| "∞ (an impossible outcome was drawn)".into());
                let p = if tested.len() > 1 {
                    format!("Holm-adjusted p = {:.4}", d.p_adjusted)
                } else {
                    format!("p = {:.4}", d.p_value)
                };
                let cmp = if o.passed { "≥" } else { "<" };
                CheckResult {
                    kind: CheckKind::ChiSquare,
                    name: format!("{:?}", d.context),
                    status: verdict(o.passed),
                    message: format!(
                        "{p} {cmp} alpha = {} ({} = {stat}, df = {}, {} draws)",
                        d.alpha,
                        d.test.name(),
                        d.df,
                        d.samples
                    ),
                    detail: CheckDetail::ChiSquare(Box::new(o.detail)),
                }
            })
            .collect(),
    }
}

/// The `[checks.remix]` thresholds; each reports the worst sample and its value.
pub fn remix(
    check: &crate::scenario::RemixCheck,
    samples: &[SampleResult],
    has_source: bool,
) -> Vec<CheckResult> {
    if samples.iter().any(|s| s.remix.is_none()) {
        return vec![unjudged(
            "corpus",
            "remix checks need the training corpus ([corpus]); this scenario has none",
        )];
    }
    let mut out = Vec::new();
    if let Some(max) = check.max_verbatim_tokens {
        out.push(max_verbatim(max, samples));
    }
    for (&n, &min) in &check.min_novel {
        out.push(min_novel(n, min, samples));
    }
    if let Some(min) = check.min_divergence_step {
        out.push(if has_source {
            min_divergence(min, samples)
        } else {
            unjudged(
                "min_divergence_step",
                "min_divergence_step needs a prefix taken from a training document \
                 (`prefix_from`); this scenario's prefix is free text",
            )
        });
    }
    out
}

/// A remix check that cannot be judged.
fn unjudged(name: &str, message: &str) -> CheckResult {
    CheckResult {
        kind: CheckKind::Remix,
        name: name.into(),
        status: Status::Error,
        message: message.into(),
        detail: CheckDetail::None {},
    }
}

/// The remix figures of a sample (present: [`remix`] checked).
fn figures(s: &SampleResult) -> &SampleRemix {
    s.remix.as_ref().expect("checked by remix()")
}

/// The sample with the largest (`largest`) or smallest value, the first one on ties.
fn worst(values: Vec<(usize, f64)>, largest: bool) -> Option<(usize, f64)> {
    values.into_iter().reduce(|a, b| {
        let better = if largest { b.1 > a.1 } else { b.1 < a.1 };
        if better { b } else { a }
    })
}

fn remix_result(
    name: String,
    ok: bool,
    message: String,
    threshold: f64,
    w: Option<(usize, f64)>,
) -> CheckResult {
    CheckResult {
        kind: CheckKind::Remix,
        name,
        status: verdict(ok),
        message,
        detail: CheckDetail::Remix(RemixCheckDetail {
            threshold,
            worst_sample: w.map(|w| w.0),
            worst_value: w.map(|w| w.1),
        }),
    }
}

/// `max_verbatim_tokens`: no sample copies a longer run.
fn max_verbatim(max: usize, samples: &[SampleResult]) -> CheckResult {
    let w = worst(
        samples
            .iter()
            .map(|s| (s.index, f64::from(figures(s).max_verbatim.length)))
            .collect(),
        true,
    );
    let ok = w.is_none_or(|(_, v)| v <= max as f64);
    let msg = match w {
        Some((i, v)) => {
            format!("longest verbatim span {v} tokens in sample {i} (at most {max} allowed)")
        }
        None => "no samples".into(),
    };
    remix_result("max_verbatim_tokens".into(), ok, msg, max as f64, w)
}

/// `min_novel.N`: every sample with an N-gram has at least this share of novel ones.
fn min_novel(n: usize, min: f64, samples: &[SampleResult]) -> CheckResult {
    let values: Vec<(usize, f64)> = samples
        .iter()
        .filter_map(|s| {
            figures(s)
                .novel_ngram_rate
                .0
                .iter()
                .find(|(k, _)| *k == n)
                .and_then(|(_, r)| *r)
                .map(|r| (s.index, r))
        })
        .collect();
    let missing = samples.len() - values.len();
    let w = worst(values, false);
    let ok = w.is_none_or(|(_, v)| v >= min);
    let mut msg = match w {
        Some((i, v)) => format!(
            "lowest novel {n}-gram rate {:.4} in sample {i} (at least {min} required)",
            v
        ),
        None => format!("no sample has a {n}-gram to judge"),
    };
    if missing > 0 && w.is_some() {
        msg.push_str(&format!(
            "; {missing} sample(s) too short to have a {n}-gram"
        ));
    }
    remix_result(format!("min_novel.{n}"), ok, msg, min, w)
}

/// `min_divergence_step`: no sample leaves its source document earlier.
fn min_divergence(min: usize, samples: &[SampleResult]) -> CheckResult {
    let w = worst(
        samples
            .iter()
            .filter_map(|s| {
                figures(s)
                    .divergence_step
                    .as_ref()
                    .map(|d| (s.index, d.step as f64))
            })
            .collect(),
        false,
    );
    let ok = w.is_none_or(|(_, v)| v >= min as f64);
    let msg = match w {
        Some((i, v)) => {
            format!("earliest divergence at step {v} in sample {i} (at least {min} required)")
        }
        None => "no samples".into(),
    };
    remix_result("min_divergence_step".into(), ok, msg, min as f64, w)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample::StopReason;

    fn sample(i: usize, text: &str) -> SampleResult {
        SampleResult {
            index: i,
            prefix: String::new(),
            prefix_tokens: vec![],
            tokens: vec![],
            text: text.into(),
            full_text: text.into(),
            token_texts: vec![],
            stopped: StopReason::MaxTokens,
            remix: None,
        }
    }

    #[test]
    fn output_checks() {
        let samples = [sample(0, "a b"), sample(1, "a c"), sample(2, "a b")];
        let check = OutputCheck {
            expect: vec!["a b".into(), "a x".into()],
            contains: vec!["a".into(), "c".into()],
            min_distinct: Some(2),
            max_distinct: Some(1),
        };
        let r = output(&check, &samples);
        let st: Vec<(&str, Status)> = r.iter().map(|c| (c.name.as_str(), c.status)).collect();
        assert_eq!(
            st,
            [
                ("expect", Status::Fail),
                ("contains", Status::Pass),
                ("contains", Status::Fail),
                ("min_distinct", Status::Pass),
                ("max_distinct", Status::Fail)
            ]
        );
        assert_eq!(
            r[0].message,
            "sample 1 differs: expected \"a x\", got \"a c\""
        );
        assert_eq!(r[2].message, "2 of 3 samples lack \"c\" (first: sample 0)");
    }

    fn with_remix(
        i: usize,
        verbatim: u32,
        novel2: Option<f64>,
        step: Option<usize>,
    ) -> SampleResult {
        use crate::results::{ByN, CopiedFraction, Divergence, MaxVerbatim};
        let mut s = sample(i, "x");
        s.remix = Some(SampleRemix {
            longest_match: vec![],
            covering_runs: vec![],
            max_verbatim: MaxVerbatim {
                length: verbatim,
                text: String::new(),
                document: None,
                offset: None,
            },
            novel_ngram_rate: ByN(vec![(2, novel2)]),
            copied_fraction: CopiedFraction {
                min_len: 8,
                value: None,
            },
            divergence_step: step.map(|step| Divergence {
                step,
                expected_token: None,
                sampled_token: None,
            }),
        });
        s
    }

    #[test]
    fn remix_checks_report_the_first_worst_sample() {
        let samples = [
            with_remix(0, 3, Some(0.5), Some(4)),
            with_remix(1, 5, None, Some(2)),
            with_remix(2, 5, Some(0.25), Some(2)),
        ];
        let check = crate::scenario::RemixCheck {
            max_verbatim_tokens: Some(4),
            min_novel: [(2, 0.25)].into_iter().collect(),
            min_divergence_step: Some(2),
            ngram_orders: vec![2],
            copied_min_len: None,
        };
        let r = remix(&check, &samples, true);
        let got: Vec<(&str, Status, &str)> = r
            .iter()
            .map(|c| (c.name.as_str(), c.status, c.message.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (
                    "max_verbatim_tokens",
                    Status::Fail,
                    "longest verbatim span 5 tokens in sample 1 (at most 4 allowed)"
                ),
                (
                    "min_novel.2",
                    Status::Pass,
                    "lowest novel 2-gram rate 0.2500 in sample 2 (at least 0.25 required); \
                     1 sample(s) too short to have a 2-gram"
                ),
                (
                    "min_divergence_step",
                    Status::Pass,
                    "earliest divergence at step 2 in sample 1 (at least 2 required)"
                ),
            ]
        );
        // Without a source document the divergence check cannot be judged.
        let r = remix(&check, &samples, false);
        assert_eq!(r[2].status, Status::Error);
        // Without a corpus no remix check can.
        let r = remix(&check, &[sample(0, "x")], true);
        assert_eq!(
            (r.len(), r[0].name.as_str(), r[0].status),
            (1, "corpus", Status::Error)
        );
    }
}
