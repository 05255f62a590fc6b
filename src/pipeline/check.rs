//! Judging: turning a scenario's samples and statistics into check verdicts. Each function
//! returns [`CheckResult`]s with the figures that decided them; the exporters format them.

use std::collections::BTreeSet;

use crate::results::{CheckDetail, CheckKind, CheckResult, SampleResult, Status};
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
    let result = |name: &str, ok: bool, message: String| CheckResult {
        kind: CheckKind::Output,
        name: name.to_string(),
        status: verdict(ok),
        message,
        detail: CheckDetail::None {},
    };
    if !check.expect.is_empty() {
        let mismatch = check
            .expect
            .iter()
            .enumerate()
            .find(|(i, e)| samples.get(*i).is_none_or(|s| &s.full_text != *e));
        out.push(match mismatch {
            None => result(
                "expect",
                true,
                format!(
                    "the first {} sample(s) are exactly as expected",
                    check.expect.len()
                ),
            ),
            Some((i, e)) => match samples.get(i) {
                None => result(
                    "expect",
                    false,
                    format!(
                        "expect lists {} but only {} generated",
                        crate::text::count(check.expect.len(), "text", "texts"),
                        if samples.len() == 1 {
                            "1 sample was".to_string()
                        } else {
                            format!("{} samples were", samples.len())
                        }
                    ),
                ),
                Some(s) => result(
                    "expect",
                    false,
                    format!(
                        "sample {i} differs: expected {}, got {}",
                        quote(e),
                        quote(&s.full_text)
                    ),
                ),
            },
        });
    }
    for needle in &check.contains {
        let missing: Vec<usize> = samples
            .iter()
            .filter(|s| !s.full_text.contains(needle.as_str()))
            .map(|s| s.index)
            .collect();
        out.push(if missing.is_empty() {
            result(
                "contains",
                true,
                format!("every sample contains {}", quote(needle)),
            )
        } else {
            result(
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
        });
    }
    let distinct = samples
        .iter()
        .map(|s| s.full_text.as_str())
        .collect::<BTreeSet<_>>()
        .len();
    if let Some(min) = check.min_distinct {
        out.push(result(
            "min_distinct",
            distinct >= min,
            format!("{distinct} distinct samples (at least {min} required)"),
        ));
    }
    if let Some(max) = check.max_distinct {
        out.push(result(
            "max_distinct",
            distinct <= max,
            format!("{distinct} distinct samples (at most {max} allowed)"),
        ));
    }
    out
}

/// The `[checks.chi_square]` table: one result per tested distribution.
pub fn chi_square(
    tested: &[crate::pipeline::chisq::Tested],
    check: &crate::scenario::ChiSquareCheck,
    seed: u64,
    draw: crate::pipeline::chisq::DrawFn,
) -> Vec<CheckResult> {
    match crate::pipeline::chisq::run(tested, check, seed, draw) {
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
    use crate::results::RemixCheckDetail;
    let mut out = Vec::new();
    if samples.iter().any(|s| s.remix.is_none()) {
        return vec![CheckResult {
            kind: CheckKind::Remix,
            name: "corpus".into(),
            status: Status::Error,
            message: "remix checks need the training corpus ([corpus]); this scenario has none"
                .into(),
            detail: CheckDetail::None {},
        }];
    }
    fn of(s: &SampleResult) -> &crate::results::SampleRemix {
        s.remix.as_ref().expect("checked above")
    }
    // The sample with the largest (or smallest) value, the first one on ties.
    let worst = |values: Vec<(usize, f64)>, largest: bool| {
        values.into_iter().reduce(|a, b| {
            let better = if largest { b.1 > a.1 } else { b.1 < a.1 };
            if better { b } else { a }
        })
    };
    let result =
        |name: String, ok: bool, message: String, threshold: f64, w: Option<(usize, f64)>| {
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
        };
    if let Some(max) = check.max_verbatim_tokens {
        let w = worst(
            samples
                .iter()
                .map(|s| (s.index, f64::from(of(s).max_verbatim.length)))
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
        out.push(result("max_verbatim_tokens".into(), ok, msg, max as f64, w));
    }
    for (&n, &min) in &check.min_novel {
        let values: Vec<(usize, f64)> = samples
            .iter()
            .filter_map(|s| {
                of(s)
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
        out.push(result(format!("min_novel.{n}"), ok, msg, min, w));
    }
    if let Some(min) = check.min_divergence_step {
        if !has_source {
            out.push(CheckResult {
                kind: CheckKind::Remix,
                name: "min_divergence_step".into(),
                status: Status::Error,
                message: "min_divergence_step needs a prefix taken from a training document \
                          (`prefix_from`); this scenario's prefix is free text"
                    .into(),
                detail: CheckDetail::None {},
            });
        } else {
            let w = worst(
                samples
                    .iter()
                    .filter_map(|s| {
                        of(s)
                            .divergence_step
                            .as_ref()
                            .map(|d| (s.index, d.step as f64))
                    })
                    .collect(),
                false,
            );
            let ok = w.is_none_or(|(_, v)| v >= min as f64);
            let msg = match w {
                Some((i, v)) => format!(
                    "earliest divergence at step {v} in sample {i} (at least {min} required)"
                ),
                None => "no samples".into(),
            };
            out.push(result("min_divergence_step".into(), ok, msg, min as f64, w));
        }
    }
    out
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
}
