//! The statistics chapters (docs/statistics.md, docs/sampling.md) say what the code does.

use coinflip::pipeline::chisq::{self, Tested};
use coinflip::sample::Cumulative;
use coinflip::scenario::{ChiSquareCheck, Method};
use coinflip::stats::{self, Statistic};
use serde_json::Value;

/// A file of docs/ with runs of white space (line breaks too) collapsed to one space.
fn doc(path: &str) -> String {
    let raw = std::fs::read_to_string(path).unwrap();
    raw.split_whitespace().collect::<Vec<_>>().join(" ")
}

// ------------------------------------------------------------------------------------------------
// Item: observed Cohen's w is measured after pooling (docs/statistics.md, *Effect size and power*).

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
