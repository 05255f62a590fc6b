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
    let good = coinflip::pipeline::check::chi_square(
        &tested,
        chisq::run(&tested, &check, sc.seed, real_draw),
    );
    assert_eq!(good[0].status, Status::Pass, "{}", good[0].message);
    for broken in [skips_last_outcome as chisq::DrawFn, shifted] {
        let r = coinflip::pipeline::check::chi_square(
            &tested,
            chisq::run(&tested, &check, sc.seed, broken),
        );
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

/// A model scenario's check draws with the sampler itself: randomness contract 2 draws the
/// smoothed models hierarchically (here: temperature alone, by rejection), and the counts the
/// check tests are exactly the tokens `Sampler::step` gives on the check's streams.
#[test]
fn a_model_check_draws_with_the_sampler_itself() {
    use coinflip::pipeline::chisq::SamplerUnderTest;
    use coinflip::sample::{Domain, Draw, Sampler, stream};
    let p = Path::new("scenarios/chi-square-model.toml");
    let sc = scenario::load(p, p).unwrap();
    let cache = coinflip::pipeline::corpus_cache::CorpusCache::default();
    let prepared = coinflip::pipeline::prepare::prepare(&sc, &cache).unwrap();
    let check = sc.checks.chi_square.clone().unwrap();
    let tested = coinflip::pipeline::tested::model_tested(&sc, &prepared, &check, &mut Vec::new());
    let sut = SamplerUnderTest {
        model: &prepared.model,
        config: sc.sampling,
    };
    let outcomes = chisq::run_sampler(&tested, &check, sc.seed, sut).unwrap();
    for (j, (t, o)) in tested.iter().zip(&outcomes).enumerate() {
        assert!(o.passed, "{}: p = {}", t.context, o.detail.p_value);
        let m = t.model.as_ref().unwrap();
        let mut rng = stream(sc.seed, Domain::ChiSquare, j as u64);
        let counts = chisq::sampler_counts(t, m, 2_000, &mut rng, sut).unwrap();
        // By hand: the same stream through the sampler.
        let mut rng = stream(sc.seed, Domain::ChiSquare, j as u64);
        let mut sampler = Sampler::new(&prepared.model, sc.sampling);
        let mut by_hand = vec![0u64; t.probs.len()];
        for _ in 0..2_000 {
            let step = sampler.step(&m.history, &mut rng).unwrap();
            assert_eq!(step.draw, Draw::Rejection);
            by_hand[m.ids.binary_search(&step.token).unwrap()] += 1;
        }
        assert_eq!(counts, by_hand, "{}", t.context);
    }
}

/// MLE's step is the flat draw over the tested table, so checking with the sampler or with the
/// table gives the same draws and the same verdict, bit for bit.
#[test]
fn an_mle_check_is_the_table_draw() {
    use coinflip::pipeline::chisq::SamplerUnderTest;
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("mle.toml");
    std::fs::write(
        &p,
        "name = \"mle\"\nseed = 4\n[corpus]\ntext = \"\"\"\na b c a b d a c b a d b\nb a c d a b\n\"\"\"\n\
         [model]\norder = 2\n[sampling]\ntemperature = 0.8\ntop_k = 3\n[generate]\nsamples = 1\n\
         [checks.chi_square]\nsamples = 5000\ncontexts = [\"a\", \"b\"]\n",
    )
    .unwrap();
    let sc = scenario::load(&p, &p).unwrap();
    let cache = coinflip::pipeline::corpus_cache::CorpusCache::default();
    let prepared = coinflip::pipeline::prepare::prepare(&sc, &cache).unwrap();
    assert_eq!(
        prepared.info.smoothing,
        Some(coinflip::lm::EstimatorKind::Mle)
    );
    let check = sc.checks.chi_square.clone().unwrap();
    let tested = coinflip::pipeline::tested::model_tested(&sc, &prepared, &check, &mut Vec::new());
    let sut = SamplerUnderTest {
        model: &prepared.model,
        config: sc.sampling,
    };
    let with_sampler = chisq::run_sampler(&tested, &check, sc.seed, sut).unwrap();
    let with_table = chisq::run(&tested, &check, sc.seed, real_draw).unwrap();
    assert_eq!(
        format!(
            "{:?}",
            with_sampler.iter().map(|o| &o.detail).collect::<Vec<_>>()
        ),
        format!(
            "{:?}",
            with_table.iter().map(|o| &o.detail).collect::<Vec<_>>()
        )
    );
}
