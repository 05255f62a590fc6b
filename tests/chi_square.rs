//! The chi-square check on the bundled scenarios: the real sampler passes, a deliberately broken
//! sampler is caught, and under H0 the p-values over many seeds are uniform.

mod common;

use coinflip::pipeline::chisq::{self, real_draw};
use coinflip::results::Status;
use coinflip::sample::Cumulative;
use coinflip::scenario::{self, ScenarioKind};
use std::path::Path;

fn demo() -> (scenario::Scenario, scenario::DistributionSpec) {
    let p = Path::new("scenarios/viewing-a-single.toml");
    let sc = scenario::load(p, p).unwrap();
    let ScenarioKind::Distribution(d) = sc.kind.clone() else {
        panic!("the demo is a distribution scenario")
    };
    (sc, d)
}

/// An off-by-one sampler: it never returns the last outcome (it returns the one before).
fn skips_last_outcome(c: &Cumulative, u: f64) -> usize {
    real_draw(c, u).min(c.len() - 2)
}

/// An off-by-one sampler of another kind: every pick lands one outcome to the right (wrapping).
fn shifted(c: &Cumulative, u: f64) -> usize {
    (real_draw(c, u) + 1) % c.len()
}

#[test]
fn the_demo_check_catches_broken_samplers() {
    let (sc, d) = demo();
    let tested = [coinflip::pipeline::tested::distribution_tested(
        &d,
        &sc.sampling,
    )];
    let check = sc.checks.chi_square.clone().unwrap();
    let good = coinflip::pipeline::check::chi_square(&tested, &check, sc.seed, real_draw);
    assert_eq!(good[0].status, Status::Pass, "{}", good[0].message);
    for broken in [skips_last_outcome as chisq::DrawFn, shifted] {
        let r = coinflip::pipeline::check::chi_square(&tested, &check, sc.seed, broken);
        assert_eq!(r[0].status, Status::Fail, "{}", r[0].message);
    }
}

#[test]
fn p_values_are_uniform_under_h0() {
    let (sc, d) = demo();
    let tested = [coinflip::pipeline::tested::distribution_tested(
        &d,
        &sc.sampling,
    )];
    let mut check = sc.checks.chi_square.clone().unwrap();
    check.samples = 2_000;
    let seeds = 300;
    let mut p: Vec<f64> = (0..seeds)
        .map(|seed| {
            chisq::run(&tested, &check, seed, real_draw).unwrap()[0]
                .detail
                .p_value
        })
        .collect();
    p.sort_by(f64::total_cmp);
    // Kolmogorov–Smirnov distance to the uniform distribution; 1.628 / √n is the 1% critical
    // value (asymptotic). The seeds are fixed, so this is deterministic.
    let n = p.len() as f64;
    let d = p
        .iter()
        .enumerate()
        .map(|(i, &x)| (x - i as f64 / n).abs().max(((i + 1) as f64 / n - x).abs()))
        .fold(0.0, f64::max);
    assert!(d < 1.628 / n.sqrt(), "KS distance {d}");
    // and the false-positive rate at alpha = 0.05 is near 5%
    let rejected = p.iter().filter(|&&x| x < 0.05).count();
    assert!((5..=30).contains(&rejected), "{rejected} of 300 below 0.05");
}

#[test]
fn calibrate_reports_false_positives_and_power() {
    let out = common::coinflip()
        .args([
            "calibrate",
            "scenarios/viewing-a-single.toml",
            "--replications",
            "400",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let fp = &v["false_positives"];
    assert!(fp["lower"].as_f64().unwrap() <= 0.01 && 0.01 <= fp["upper"].as_f64().unwrap());
    // swapping "the" (0.32) and "a" (0.21) is obvious at 10,000 draws
    assert_eq!(v["power"]["rate"], 1.0);
    assert_eq!(v["verdict"], "ok");
    // a check with no chi-square table cannot be calibrated
    common::coinflip()
        .args(["calibrate", "scenarios/greedy.toml"])
        .assert()
        .code(1);
}
