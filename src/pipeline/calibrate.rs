//! `coinflip calibrate`: testing the test. The scenario's chi-square check is run R times on fresh
//! seeds with the real sampler (every failure is a false positive, which should happen at rate
//! alpha) and R times with a deliberately biased coin (every failure is a detection: the power).
//!
//! Replication r uses the seed `x` = the first `next_u64()` of `stream(seed, Calibrate, r)`; the
//! biased runs use the seed of `stream(seed, Calibrate, R + r)`. Replications run in parallel and
//! the result does not depend on the thread count.

use rand_core::Rng;
use rayon::prelude::*;
use serde::Serialize;

use crate::pipeline::chisq::{self, Tested, real_draw};
use crate::sample::{self, Domain};
use crate::scenario::ChiSquareCheck;
use crate::stats::{Interval, clopper_pearson};

/// How the coin is biased for the power estimate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Bias {
    /// The two most probable outcomes trade probabilities (ties: the lower index first).
    Swap,
    /// ε of probability moves from the most probable outcome to the least probable non-zero one.
    Shift(f64),
}

impl std::str::FromStr for Bias {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        if s == "swap" {
            return Ok(Bias::Swap);
        }
        if let Some(e) = s.strip_prefix("shift:") {
            let e: f64 = e
                .parse()
                .map_err(|_| format!("expected shift:EPSILON with a number, found {s:?}"))?;
            if e > 0.0 && e < 1.0 {
                return Ok(Bias::Shift(e));
            }
        }
        Err(format!(
            "expected \"swap\" or \"shift:E\" with 0 < E < 1, found {s:?}"
        ))
    }
}

impl Bias {
    /// The biased version of `p`, and a sentence saying what changed.
    pub fn apply(&self, t: &Tested) -> (Vec<f64>, String) {
        let p = &t.probs;
        let mut order: Vec<usize> = (0..p.len()).filter(|&i| p[i] > 0.0).collect();
        order.sort_by(|&a, &b| p[b].total_cmp(&p[a]).then(a.cmp(&b)));
        let mut q = p.clone();
        match *self {
            Bias::Swap if order.len() >= 2 => {
                let (a, b) = (order[0], order[1]);
                q.swap(a, b);
                (
                    q,
                    format!(
                        "{:?} ({:.4}) and {:?} ({:.4}) swapped",
                        t.labels[a], p[a], t.labels[b], p[b]
                    ),
                )
            }
            Bias::Shift(e) if order.len() >= 2 => {
                let (hi, lo) = (order[0], order[order.len() - 1]);
                let e = e.min(p[hi]);
                q[hi] -= e;
                q[lo] += e;
                (
                    q,
                    format!("{e} moved from {:?} to {:?}", t.labels[hi], t.labels[lo]),
                )
            }
            _ => (q, "nothing to bias: a single outcome".into()),
        }
    }
}

/// A rate with its 95 % Clopper–Pearson interval.
#[derive(Debug, Clone, Serialize)]
pub struct Rate {
    pub count: u64,
    pub of: u64,
    pub rate: f64,
    pub lower: f64,
    pub upper: f64,
}

fn rate(count: u64, of: u64) -> Rate {
    let Interval { lower, upper } = clopper_pearson(count, of, 0.95).unwrap_or(Interval {
        lower: 0.0,
        upper: 1.0,
    });
    Rate {
        count,
        of,
        rate: count as f64 / of as f64,
        lower,
        upper,
    }
}

/// What calibration found.
#[derive(Debug, Clone, Serialize)]
pub struct Calibration {
    pub scenario: String,
    pub alpha: f64,
    pub replications: u64,
    /// Distributions tested per replication (Holm when more than one).
    pub distributions: usize,
    pub false_positives: Rate,
    /// What the biased coin changed, per distribution.
    pub bias: Vec<String>,
    pub power: Rate,
    /// "ok" when alpha is consistent with the false-positive rate, else "miscalibrated".
    pub verdict: &'static str,
    pub explanation: String,
}

/// Runs the calibration.
pub fn calibrate(
    name: &str,
    tested: &[Tested],
    cfg: &ChiSquareCheck,
    seed: u64,
    replications: u64,
    bias: Bias,
) -> Result<Calibration, String> {
    let seed_of = |r: u64| sample::stream(seed, Domain::Calibrate, r).next_u64();
    let failed = |outcomes: Vec<chisq::ChiSquareOutcome>| outcomes.iter().any(|o| !o.passed);
    let null: Result<Vec<bool>, String> = (0..replications)
        .into_par_iter()
        .map(|r| chisq::run(tested, cfg, seed_of(r), real_draw).map(failed))
        .collect();
    let fp = null?.into_iter().filter(|&f| f).count() as u64;
    let (sources, bias_text): (Vec<Vec<f64>>, Vec<String>) =
        tested.iter().map(|t| bias.apply(t)).unzip();
    let alt: Result<Vec<bool>, String> = (0..replications)
        .into_par_iter()
        .map(|r| {
            chisq::run_drawing_from(
                tested,
                Some(&sources),
                cfg,
                seed_of(replications + r),
                real_draw,
            )
            .map(failed)
        })
        .collect();
    let detected = alt?.into_iter().filter(|&f| f).count() as u64;
    let false_positives = rate(fp, replications);
    // Holm keeps the family-wise rate at most alpha, and pooling makes the test slightly
    // conservative: with several distributions only a rate above alpha is a miscalibration.
    let ok = if tested.len() > 1 {
        false_positives.lower <= cfg.alpha
    } else {
        false_positives.lower <= cfg.alpha && cfg.alpha <= false_positives.upper
    };
    let explanation = if ok {
        format!(
            "alpha = {} lies within the false-positive rate's 95% interval [{:.4}, {:.4}]",
            cfg.alpha, false_positives.lower, false_positives.upper
        )
    } else {
        format!(
            "alpha = {} lies outside the false-positive rate's 95% interval [{:.4}, {:.4}]",
            cfg.alpha, false_positives.lower, false_positives.upper
        )
    };
    Ok(Calibration {
        scenario: name.to_string(),
        alpha: cfg.alpha,
        replications,
        distributions: tested.len(),
        false_positives,
        bias: bias_text,
        power: rate(detected, replications),
        verdict: if ok { "ok" } else { "miscalibrated" },
        explanation,
    })
}

/// The text report of a calibration.
pub fn render_text(c: &Calibration) -> String {
    let mut s = format!(
        "calibrate {}: {} replications of the chi-square check at alpha = {}{}\n",
        c.scenario,
        c.replications,
        c.alpha,
        if c.distributions > 1 {
            format!(" (family of {} distributions, Holm)", c.distributions)
        } else {
            String::new()
        }
    );
    let r = &c.false_positives;
    s.push_str(&format!(
        "  false positives (real sampler): {}/{} = {:.4}, 95% CI [{:.4}, {:.4}]\n",
        r.count, r.of, r.rate, r.lower, r.upper
    ));
    for b in &c.bias {
        s.push_str(&format!("  biased coin: {b}\n"));
    }
    let p = &c.power;
    s.push_str(&format!(
        "  power (biased coin detected): {}/{} = {:.4}, 95% CI [{:.4}, {:.4}]\n",
        p.count, p.of, p.rate, p.lower, p.upper
    ));
    s.push_str(&format!("  {}: {}\n", c.verdict, c.explanation));
    s
}
