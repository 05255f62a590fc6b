//! The bundled chi-square checks keep the level they claim, and the statistics chapters
//! (docs/statistics.md, docs/sampling.md) say what the code does.
//!
//! The calibration test runs `coinflip calibrate` on every bundled scenario with a
//! `[checks.chi_square]` table and requires the 95% Clopper–Pearson interval of the measured
//! false-positive rate to contain alpha or lie below it. It also compares the count with an
//! independent simulation (numpy + scipy, `docs/scripts/calibration_reference.py`), whose inputs
//! — the tested distributions and check settings — are `tests/reference/bundled_chi_square.json`
//! and whose output is `tests/reference/bundled_calibration.json`. After changing a bundled
//! chi-square scenario, regenerate both:
//!
//! ```text
//! COINFLIP_UPDATE_REFERENCE=1 cargo test --test bundled_calibration reference_inputs
//! python3 docs/scripts/calibration_reference.py      # numpy, scipy; about 8 CPU-minutes
//! ```

use std::path::PathBuf;

use coinflip::pipeline::chisq::{self, Tested, real_draw};
use coinflip::pipeline::corpus_cache::CorpusCache;
use coinflip::pipeline::tested::tested_distributions;
use coinflip::sample::{self, Cumulative, Domain};
use coinflip::scenario::{self, ChiSquareCheck, Method};
use coinflip::stats::{self, Binning, Statistic};
use serde_json::{Value, json};

/// A file of docs/ with runs of white space (line breaks too) collapsed to one space.
fn doc(path: &str) -> String {
    let raw = std::fs::read_to_string(path).unwrap();
    raw.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn read_json(path: &str) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

// ------------------------------------------------------------------------------------------------
// The bundled chi-square checks keep their level (docs/statistics.md, *How large must expected
// counts be?*).

const INPUTS: &str = "tests/reference/bundled_chi_square.json";
const REFERENCE: &str = "tests/reference/bundled_calibration.json";

/// Every bundled scenario with a chi-square check, in sorted path order, with its check and its
/// tested distributions.
fn bundled() -> Vec<(PathBuf, String, ChiSquareCheck, Vec<Tested>)> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir("scenarios")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    paths.sort();
    let cache = CorpusCache::default();
    paths
        .into_iter()
        .filter_map(|p| {
            let sc = scenario::load(&p, &p).unwrap_or_else(|d| panic!("{}: {d:?}", p.display()));
            let check = sc.checks.chi_square.clone()?;
            let tested = tested_distributions(&sc, &cache).unwrap();
            Some((p, sc.name.clone(), check, tested))
        })
        .collect()
}

fn config_json(c: &ChiSquareCheck) -> Value {
    json!({
        "samples": c.samples,
        "alpha": c.alpha,
        "statistic": c.statistic.name(),
        "method": c.method.name(),
        "replicates": c.replicates,
        "min_expected": c.min_expected,
    })
}

/// Σ (i + 1) · pᵢ, summed left to right: ties the simulation's output to the distributions it
/// simulated (the script computes the same sum).
fn fingerprint(probs: &[f64]) -> f64 {
    probs
        .iter()
        .enumerate()
        .map(|(i, p)| (i + 1) as f64 * p)
        .sum()
}

fn inputs_json() -> Value {
    let scenarios: Vec<Value> = bundled()
        .iter()
        .map(|(path, name, check, tested)| {
            let contexts: Vec<Value> = tested
                .iter()
                .map(|t| json!({"context": t.context, "probs": t.probs}))
                .collect();
            json!({
                "scenario": name,
                "path": path.to_string_lossy(),
                "check": config_json(check),
                "contexts": contexts,
            })
        })
        .collect();
    json!({ "scenarios": scenarios })
}

/// The simulation's inputs are the bundled scenarios' checks and tested distributions, bit for
/// bit; with `COINFLIP_UPDATE_REFERENCE=1` the file is rewritten instead.
#[test]
fn reference_inputs_match_the_bundled_scenarios() {
    let now = inputs_json();
    if std::env::var_os("COINFLIP_UPDATE_REFERENCE").is_some() {
        let text = serde_json::to_string_pretty(&now).unwrap() + "\n";
        std::fs::write(INPUTS, text).unwrap();
        return;
    }
    assert!(
        read_json(INPUTS) == now,
        "{INPUTS} is not what the bundled scenarios test: regenerate it and the simulation \
         (see the header of tests/bundled_calibration.rs)"
    );
}

/// Replications per scenario: as many as the issue used to show the defect. At 10,000 the
/// interval lies above 1% for the bundled `chi-square-model` and `kenlm-arpa` as they were before
/// the fix (G-test / Pearson with `min_expected = 5`: 142/10000, CI [1.20%, 1.67%], and
/// 146/10000, CI [1.23%, 1.71%]), and it would for a true rate of 1.42% with probability 0.97.
/// All six scenarios take about 60 CPU-seconds in the dev profile (30 s on two idle cores). A
/// Monte Carlo check is exact by construction and costs `replicates` samples per run, so 2000
/// replications only look for a gross error (a measured rate above 6% at alpha = 5%).
fn replications(check: &ChiSquareCheck) -> u64 {
    match check.method {
        Method::Asymptotic => 10_000,
        Method::MonteCarlo => 2000,
    }
}

/// The simulation's entry for `name`, after checking that it simulated this check on these
/// distributions.
fn reference_rate(reference: &Value, name: &str, check: &ChiSquareCheck, tested: &[Tested]) -> f64 {
    let entry = reference["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["scenario"] == name)
        .unwrap_or_else(|| panic!("{REFERENCE} has no entry for {name}: rerun the simulation"));
    let fingerprints: Vec<f64> = tested.iter().map(|t| fingerprint(&t.probs)).collect();
    let simulated: Vec<f64> = entry["fingerprints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    let same = simulated.len() == fingerprints.len()
        && simulated
            .iter()
            .zip(&fingerprints)
            .all(|(a, b)| (a - b).abs() <= 1e-12 * b.abs());
    assert!(
        entry["check"] == config_json(check) && same,
        "{REFERENCE} simulated another check or other distributions for {name}: rerun the simulation"
    );
    entry["rate"].as_f64().unwrap()
}

/// Every bundled chi-square check fails a correct sampler at most at its nominal level: the 95%
/// Clopper–Pearson interval of the false-positive rate `coinflip calibrate` measures contains
/// alpha or lies below it. The count must also agree with the independent simulation's rate
/// (within four standard deviations of a binomial count), so a check that never fails, or a
/// reference that no longer describes the scenario, is caught as well.
#[test]
fn every_bundled_chi_square_check_keeps_its_level() {
    let reference = read_json(REFERENCE);
    let scenarios = bundled();
    assert!(
        scenarios.len() >= 6,
        "the bundled chi-square scenarios were not found"
    );
    let mut problems = Vec::new();
    for (path, name, check, tested) in &scenarios {
        let ref_rate = reference_rate(&reference, name, check, tested);
        let r = replications(check);
        let out = assert_cmd::Command::cargo_bin("coinflip")
            .unwrap()
            .arg("calibrate")
            .arg(path)
            .args(["--replications", &r.to_string(), "--format", "json"])
            .output()
            .unwrap();
        let v: Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{name}: {e}: {}", String::from_utf8_lossy(&out.stderr)));
        let fp = &v["false_positives"];
        let (count, lower, upper) = (
            fp["count"].as_u64().unwrap(),
            fp["lower"].as_f64().unwrap(),
            fp["upper"].as_f64().unwrap(),
        );
        assert_eq!(fp["of"], r);
        let line = format!(
            "{name}: {count}/{r} false positives, 95% CI [{lower:.5}, {upper:.5}], alpha = {}, \
             independent simulation {ref_rate:.5}",
            check.alpha
        );
        eprintln!("{line}");
        if lower > check.alpha {
            problems.push(format!("{line}: the interval lies above alpha"));
        }
        let sd = (r as f64 * ref_rate * (1.0 - ref_rate)).sqrt();
        if (count as f64 - r as f64 * ref_rate).abs() > 4.0 * sd + 1.0 {
            problems.push(format!("{line}: the count disagrees with the simulation"));
        }
        // A single asymptotic test is exact only in the limit, so `calibrate` also flags a rate
        // below alpha; Holm (several distributions) and Monte Carlo may be conservative.
        let expect_ok = lower <= check.alpha && (tested.len() > 1 || check.alpha <= upper);
        assert_eq!(v["verdict"], if expect_ok { "ok" } else { "miscalibrated" });
        assert_eq!(out.status.code(), Some(if expect_ok { 0 } else { 1 }));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The table of docs/statistics.md (*How large must expected counts be?*) is the simulation's
/// output: every cell of bins and rates, and the rates quoted for the bundled checks.
#[test]
fn statistics_doc_quotes_the_simulation() {
    let reference = read_json(REFERENCE);
    let statistics = doc("docs/statistics.md");
    let pct = |e: &Value, key: &str| 100.0 * e[key].as_f64().unwrap();
    let alternatives = reference["alternatives"].as_array().unwrap();
    assert_eq!(alternatives.len(), 16);
    for a in alternatives {
        let bins: Vec<String> = a["dfs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| (d.as_u64().unwrap() + 1).to_string())
            .collect();
        let cell = format!(
            "| {} | {:.2}% [{:.2}, {:.2}] |",
            bins.join(", "),
            pct(a, "rate"),
            pct(a, "lower"),
            pct(a, "upper")
        );
        assert!(
            statistics.contains(&cell),
            "docs/statistics.md lacks the cell {cell} ({a})"
        );
    }
    let rate = |name: &str| {
        let e = reference["scenarios"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["scenario"] == name)
            .unwrap();
        format!("{:.2}%", pct(e, "rate"))
    };
    for says in [
        format!(
            "the simulation gives {} and {}.",
            rate("chi-square-model"),
            rate("kenlm-arpa")
        ),
        format!(
            "simulated rates {} (`viewing-a-single`), {} (`gpt2-token-ids`) and {},",
            rate("viewing-a-single"),
            rate("gpt2-token-ids"),
            rate("modified-kneser-ney")
        ),
        format!("is {} at α = 5%", rate("monte-carlo")),
    ] {
        assert!(
            statistics.contains(&says),
            "docs/statistics.md should say: {says}"
        );
    }
}

// ------------------------------------------------------------------------------------------------
// Monte Carlo replicate streams (docs/sampling.md, *Streams*).

/// docs/sampling.md: Monte Carlo replicate r of tested distribution j draws from stream
/// `(seed, domain 2, (j << 32) | r)`, one stream per replicate.
#[test]
fn monte_carlo_replicates_use_one_stream_each() {
    // python3 docs/scripts/chacha_reference.py 5 2 4294967298 3   (j = 1, r = 2)
    let mut rng = sample::stream(5, Domain::MonteCarlo, (1 << 32) | 2);
    let want = [
        (10177356990301758481u64, 0.551715627952285),
        (15974630639331291374, 0.8659864621908244),
        (4874774373437782299, 0.26426204830289535),
    ];
    let mut copy = rng.clone();
    for (x, u) in want {
        assert_eq!(rand_core::Rng::next_u64(&mut copy), x);
        assert_eq!(sample::uniform(&mut rng), u);
    }
    let sampling = doc("docs/sampling.md");
    let xs: Vec<String> = want.iter().map(|(x, _)| x.to_string()).collect();
    let us: Vec<String> = want.iter().map(|(_, u)| u.to_string()).collect();
    for says in [
        "| 2 | Monte Carlo replicates | `(j << 32) \\| r`: replicate r (0, 1, …) of tested distribution j |"
            .to_string(),
        format!("| 5 | 2 | 4294967298 = (1 << 32) \\| 2 | {} |", xs.join(", ")),
        format!("its first uniforms are {}", us.join(", ")),
    ] {
        assert!(sampling.contains(&says), "docs/sampling.md should say: {says}");
    }

    // The check's Monte Carlo p-value for the second of two distributions, recomputed from those
    // streams, is the one the check reports.
    let demo = Tested {
        context: "Viewing a single".into(),
        labels: (0..7).map(|i| i.to_string()).collect(),
        probs: vec![0.32, 0.21, 0.14, 0.11, 0.09, 0.07, 0.06],
        model: None,
    };
    let coin = Tested {
        context: "The coin shows".into(),
        labels: (0..3).map(|i| i.to_string()).collect(),
        probs: vec![0.5, 0.4, 0.1],
        model: None,
    };
    let cfg = ChiSquareCheck {
        samples: 40,
        alpha: 0.05,
        statistic: Statistic::Pearson,
        method: Method::MonteCarlo,
        replicates: 199,
        min_expected: 0.0,
        contexts: None,
    };
    let seed = 5;
    let reported = chisq::run(&[demo, coin.clone()], &cfg, seed, real_draw).unwrap();
    let observed = chisq::draw_counts(
        &coin.probs,
        cfg.samples,
        &mut sample::stream(seed, Domain::ChiSquare, 1),
        real_draw,
    );
    let binning = Binning::new(&coin.probs, &observed, 0.0).unwrap();
    let c = Cumulative::new(&coin.probs);
    let fill = |rng: &mut rand_chacha::ChaCha20Rng, out: &mut [u64]| {
        for _ in 0..cfg.samples {
            out[real_draw(&c, sample::uniform(rng))] += 1;
        }
    };
    let documented =
        stats::monte_carlo_test(&binning, Statistic::Pearson, cfg.replicates, |r, out| {
            fill(
                &mut sample::stream(seed, Domain::MonteCarlo, (1 << 32) | r),
                out,
            )
        });
    assert_eq!(reported[1].detail.p_value, documented.p_value);
    // The rule the chapter used to state (one stream per distribution, index j, shared by its
    // replicates) gives another p-value, so the comparison above can tell them apart.
    let mut shared = sample::stream(seed, Domain::MonteCarlo, 1);
    let old_rule =
        stats::monte_carlo_test(&binning, Statistic::Pearson, cfg.replicates, |_, out| {
            fill(&mut shared, out)
        });
    assert_ne!(old_rule.p_value, documented.p_value);
}

// ------------------------------------------------------------------------------------------------
// Observed Cohen's w is measured after pooling (docs/statistics.md, *Effect size and power*).

thread_local! {
    /// The outcomes [`scripted`] returns, in order, and how many it has returned.
    static SCRIPT: std::cell::RefCell<(Vec<usize>, usize)> = Default::default();
}

/// A sampler that returns the outcomes of [`SCRIPT`] in turn, whatever the coin says: counts
/// known in advance.
fn scripted(_: &Cumulative, _: f64) -> usize {
    SCRIPT.with(|s| {
        let mut s = s.borrow_mut();
        let next = s.0[s.1];
        s.1 += 1;
        next
    })
}

/// The check's observed w for these counts (drawn by [`scripted`]) of `probs`, `min_expected` 5.
fn observed_w(probs: &[f64], counts: &[usize]) -> f64 {
    let script = counts
        .iter()
        .enumerate()
        .flat_map(|(i, &c)| std::iter::repeat_n(i, c))
        .collect();
    SCRIPT.with(|s| *s.borrow_mut() = (script, 0));
    let tested = Tested {
        context: "hand".into(),
        labels: (0..probs.len()).map(|i| i.to_string()).collect(),
        probs: probs.to_vec(),
        model: None,
    };
    let cfg = ChiSquareCheck {
        samples: counts.iter().sum::<usize>() as u64,
        alpha: 0.01,
        statistic: Statistic::Pearson,
        method: Method::Asymptotic,
        replicates: 0,
        min_expected: 5.0,
        contexts: None,
    };
    let r = chisq::run(&[tested], &cfg, 1, scripted).unwrap();
    r[0].detail.observed_w
}

/// docs/statistics.md: observed w is √(X²/n) of the bins the test tests, after pooling.
#[test]
fn observed_w_is_computed_after_pooling() {
    // p = (0.5, 0.3, 0.1, 0.06, 0.04), n = 100: E = 50, 30, 10, 6, 4. The last outcome (E = 4)
    // is pooled, and the pooled bin (E = 4 < 5) takes the smallest other one: bins {1}, {2}, {3},
    // {4, 5} with p = 0.5, 0.3, 0.1, 0.1.
    let p = [0.5, 0.3, 0.1, 0.06, 0.04];
    // O = (55, 25, 10, 4, 6) → bins (55, 25, 10, 10): X² = 25/50 + 25/30 = 4/3, w = √(4/300)
    // = 0.11547. Before pooling it would be √(4/300 + 0.02²/0.06 + 0.02²/0.04) = √0.03 = 0.17321.
    let w = observed_w(&p, &[55, 25, 10, 4, 6]);
    assert!((w - (4.0f64 / 300.0).sqrt()).abs() < 1e-12, "{w}");
    // O = (50, 30, 10, 10, 0) → bins equal to their expected counts: X² = 0 and w = 0 (before
    // pooling: √(0.04²/0.06 + 0.04²/0.04) = 0.25820).
    assert_eq!(observed_w(&p, &[50, 30, 10, 10, 0]), 0.0);

    // The pooling example of docs/statistics.md (its last three outcomes pooled).
    let p = [0.30, 0.21, 0.14, 0.11, 0.09, 0.07, 0.05, 0.015, 0.01, 0.005];
    let counts = [55, 47, 30, 20, 15, 16, 8, 4, 5, 0];
    let w = observed_w(&p, &counts);
    let unpooled = stats::cohens_w(&counts.map(|c| c as u64), &p);
    let says = format!(
        "w = √(4.0223/200) = {w:.4}; counted per outcome before pooling it would be {unpooled:.4}."
    );
    assert!(
        doc("docs/statistics.md").contains(&says),
        "docs/statistics.md should say: {says}"
    );
    assert!((w - (4.0223f64 / 200.0).sqrt()).abs() < 1e-5);
}

/// docs/statistics.md: observed w = √(X²/n) with X² the Pearson statistic of the tested bins,
/// after pooling, whichever statistic the check uses. The bundled `chi-square-model` pools its
/// rare outcomes.
#[test]
fn observed_w_is_measured_on_the_tested_bins() {
    let out = assert_cmd::Command::cargo_bin("coinflip")
        .unwrap()
        .args(["run", "scenarios/chi-square-model.toml", "--format", "json"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let checks = v["scenarios"][0]["checks"].as_array().unwrap();
    let mut pooled = 0;
    for c in checks.iter().filter(|c| c["kind"] == "chi_square") {
        let n = c["samples"].as_f64().unwrap();
        let bins = c["bins"].as_array().unwrap();
        pooled += bins.iter().filter(|b| b["kind"] == "pooled").count();
        let x2: f64 = bins
            .iter()
            .map(|b| {
                let (o, p) = (
                    b["observed"].as_f64().unwrap(),
                    b["expected_p"].as_f64().unwrap(),
                );
                (o / n - p).powi(2) / p
            })
            .sum();
        let w = c["observed_w"].as_f64().unwrap();
        assert!((w - x2.sqrt()).abs() <= 1e-12 * w, "{w} vs {}", x2.sqrt());
        if c["test"] == "pearson" {
            let from_statistic = (c["statistic"].as_f64().unwrap() / n).sqrt();
            assert!(
                (w - from_statistic).abs() <= 1e-9 * w,
                "{w} vs {from_statistic}"
            );
        }
    }
    assert!(
        pooled > 0,
        "no pooled bin: this test would not tell before from after pooling"
    );
}

// ------------------------------------------------------------------------------------------------
// The top-k condition (docs/sampling.md, *One step*).

/// docs/sampling.md, step 3: top-k removes candidates only when there are more than k.
#[test]
fn top_k_applies_when_there_are_more_than_k_candidates() {
    use coinflip::sample::SamplerConfig;
    let dist = vec![(0, 0.125), (1, 0.5), (2, 0.125), (3, 0.25)];
    let top = |k: usize| {
        let mut d = dist.clone();
        SamplerConfig {
            top_k: k,
            ..SamplerConfig::default()
        }
        .apply(&mut d);
        d
    };
    // Four candidates, k = 3: the least probable goes (0 and 2 tie; the higher id loses), and the
    // rest are renormalised by 0.875.
    assert_eq!(
        top(3),
        vec![(0, 0.125 / 0.875), (1, 0.5 / 0.875), (3, 0.25 / 0.875)]
    );
    // k = 4 or more: nothing to remove.
    assert_eq!(top(4), dist);
    assert_eq!(top(5), dist);
    let sampling = doc("docs/sampling.md");
    assert!(sampling.contains("**Top-k** (k > 0 and more than k candidates)"));
    assert!(sampling.contains("With k or fewer candidates nothing is removed."));
}

// ------------------------------------------------------------------------------------------------
// Tiny p-values (docs/statistics.md, *The asymptotic p-value*).

/// Always draws the first outcome: the counts are (n, 0, ...), so the statistic is known.
fn always_first(_: &Cumulative, _: f64) -> usize {
    0
}

/// docs/statistics.md, *Precision*: p-values below the smallest normal double are reported as
/// computed (subnormal) down to about 1e-312, then as 0. The JSON report keeps every digit; the
/// one-line message rounds to four decimals.
#[test]
fn tiny_p_values_are_reported_as_computed() {
    let coin = Tested {
        context: "fair".into(),
        labels: vec!["heads".into(), "tails".into()],
        probs: vec![0.5, 0.5],
        model: None,
    };
    let mut cfg = ChiSquareCheck {
        samples: 1417,
        alpha: 0.01,
        statistic: Statistic::Pearson,
        method: Method::Asymptotic,
        replicates: 0,
        min_expected: 5.0,
        contexts: None,
    };
    // n draws all "heads": X² = n, df = 1. scipy: stats.chi2.sf(1417, 1) = 4.24921551051786e-310
    // (mpmath: 4.24921551052e-310), a subnormal number.
    let coins = std::slice::from_ref(&coin);
    let r = coinflip::pipeline::check::chi_square(coins, chisq::run(coins, &cfg, 1, always_first));
    let json: Value = serde_json::to_value(&r[0]).unwrap();
    assert_eq!(json["statistic"], 1417.0);
    let p = json["p_value"].as_f64().unwrap();
    assert!(p.is_subnormal(), "{p:e}");
    assert_eq!(p, 4.24921551051786e-310);
    assert!(
        serde_json::to_string(&r[0])
            .unwrap()
            .contains("\"p_value\":4.24921551051786e-310")
    );
    assert_eq!(
        r[0].message,
        "p = 0.0000 < alpha = 0.01 (pearson = 1417.0000, df = 1, 1417 draws)"
    );
    let statistics = doc("docs/statistics.md");
    for says in [
        format!("X² = 1417, df = 1 and p = {p:e}, as scipy's `chi2.sf(1417, 1)`"),
        format!("`p_value` with all its digits (`{p:e}`)"),
        "(`p = 0.0000 < alpha = 0.01`)".to_string(),
        "9e-312 for df = 1 (X² ≥ 1425)".to_string(),
    ] {
        assert!(
            statistics.contains(&says),
            "docs/statistics.md should say: {says}"
        );
    }
    // X² = 1424 still gives a subnormal p-value (mpmath: 1.279998625e-311); from X² = 1425
    // (mpmath: 7.76e-312) the computation underflows to exactly 0.
    for (n, want) in [(1424, 1.279998625e-311), (1425, 0.0)] {
        cfg.samples = n;
        let r = coinflip::pipeline::check::chi_square(
            std::slice::from_ref(&coin),
            chisq::run(std::slice::from_ref(&coin), &cfg, 1, always_first),
        );
        let p = serde_json::to_value(&r[0]).unwrap()["p_value"]
            .as_f64()
            .unwrap();
        assert!((p - want).abs() <= 1e-9 * want, "X² = {n}: {p:e}");
    }
}
