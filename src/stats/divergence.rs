//! Goodness-of-fit statistics: Pearson's X² and the G (log-likelihood ratio) statistic, as
//! `scipy.stats.power_divergence` computes them with `lambda_=1` and `lambda_="log-likelihood"`.

use serde::{Deserialize, Serialize};

/// Which goodness-of-fit statistic a check uses (scenario key `statistic`).
///
/// The variants carry plain comments, not doc comments: a documented variant would turn the
/// scenario schema's `enum` of names into a `oneOf`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
#[schemars(
    description = "The test statistic: Pearson's X² or the G-test. Default: \"pearson\".",
    extend("default" = "pearson")
)]
pub enum Statistic {
    // Pearson's X² = Σ (O − E)² / E (`"pearson"`, the default).
    #[default]
    Pearson,
    // The G-test, G = 2 Σ O ln(O / E) (`"g-test"`).
    GTest,
}

impl Statistic {
    /// The name as written in a scenario file (`"pearson"`, `"g-test"`).
    pub fn name(self) -> &'static str {
        match self {
            Statistic::Pearson => "pearson",
            Statistic::GTest => "g-test",
        }
    }

    /// The statistic of `observed` counts against `expected` counts.
    ///
    /// # Panics
    /// If the slices have different lengths (a programming error, not an input error).
    pub fn compute(self, observed: &[u64], expected: &[f64]) -> f64 {
        match self {
            Statistic::Pearson => pearson(observed, expected),
            Statistic::GTest => g_test(observed, expected),
        }
    }
}

/// Pearson's X² = Σ (Oᵢ − Eᵢ)² / Eᵢ over the bins, summed in the given order.
///
/// `expected` holds expected *counts* (n·pᵢ), each finite and ≥ 0. A bin with Eᵢ = 0 contributes
/// 0 if Oᵢ = 0 (it carries no information) and +∞ if Oᵢ > 0 (an impossible outcome was observed).
/// scipy returns NaN for the 0/0 case; everything else agrees with
/// `scipy.stats.chisquare(observed, f_exp=expected)`.
///
/// # Panics
/// If the slices have different lengths (a programming error, not an input error).
pub fn pearson(observed: &[u64], expected: &[f64]) -> f64 {
    assert_eq!(observed.len(), expected.len(), "observed/expected length");
    observed
        .iter()
        .zip(expected)
        .map(|(&o, &e)| {
            let o = o as f64;
            if e == 0.0 {
                if o == 0.0 { 0.0 } else { f64::INFINITY }
            } else {
                (o - e) * (o - e) / e
            }
        })
        .sum()
}

/// The G statistic, G = 2 Σ Oᵢ ln(Oᵢ / Eᵢ), with 0·ln 0 = 0, summed in the given order.
///
/// Same conventions as [`pearson`]; agrees with
/// `scipy.stats.power_divergence(observed, f_exp=expected, lambda_="log-likelihood")`. The usual
/// extra term 2 Σ (Eᵢ − Oᵢ) is zero (and omitted, as in scipy) because Σ E = Σ O = n.
///
/// # Panics
/// If the slices have different lengths (a programming error, not an input error).
pub fn g_test(observed: &[u64], expected: &[f64]) -> f64 {
    assert_eq!(observed.len(), expected.len(), "observed/expected length");
    let sum: f64 = observed
        .iter()
        .zip(expected)
        .map(|(&o, &e)| {
            let o = o as f64;
            if o == 0.0 {
                0.0
            } else if e == 0.0 {
                f64::INFINITY
            } else {
                o * (o / e).ln()
            }
        })
        .sum();
    2.0 * sum
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pearson_by_hand() {
        // (10-12.5)²/12.5 + (15-12.5)²/12.5 = 0.5 + 0.5
        assert_eq!(pearson(&[10, 15], &[12.5, 12.5]), 1.0);
        assert_eq!(pearson(&[5, 5], &[5.0, 5.0]), 0.0);
    }

    #[test]
    fn g_by_hand() {
        // 2 (10 ln(10/5) + 0) = 20 ln 2
        let g = g_test(&[10, 0], &[5.0, 5.0]);
        assert!((g - 20.0 * 2f64.ln()).abs() < 1e-12, "{g}");
        assert_eq!(g_test(&[4, 6], &[4.0, 6.0]), 0.0);
    }

    #[test]
    fn zero_expected_bins() {
        assert_eq!(pearson(&[3, 0], &[3.0, 0.0]), 0.0);
        assert_eq!(g_test(&[3, 0], &[3.0, 0.0]), 0.0);
        assert_eq!(pearson(&[2, 1], &[3.0, 0.0]), f64::INFINITY);
        assert_eq!(g_test(&[2, 1], &[3.0, 0.0]), f64::INFINITY);
    }

    #[test]
    fn statistic_names_round_trip() {
        #[derive(Deserialize)]
        struct K {
            statistic: Statistic,
        }
        for s in [Statistic::Pearson, Statistic::GTest] {
            let k: K = toml::from_str(&format!("statistic = \"{}\"", s.name())).unwrap();
            assert_eq!(k.statistic, s);
        }
        assert!(toml::from_str::<K>("statistic = \"chi\"").is_err());
        assert_eq!(
            serde_json::to_string(&Statistic::GTest).unwrap(),
            "\"g-test\""
        );
        assert_eq!(Statistic::default(), Statistic::Pearson);
        assert_eq!(
            Statistic::GTest.compute(&[10, 0], &[5.0, 5.0]),
            g_test(&[10, 0], &[5.0, 5.0])
        );
    }
}
