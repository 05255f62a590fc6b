//! Statistics for the chi-square checks: goodness-of-fit statistics (Pearson's X², the G-test),
//! pooling of sparse outcomes, p-values (asymptotic and Monte Carlo), the Holm correction,
//! Cohen's w with the power calculation, and the Clopper–Pearson interval used by `calibrate`.
//!
//! Everything here is a pure function: numbers in, numbers out. No formatting, no I/O, no
//! randomness of its own (Monte Carlo replicates come from a closure the caller supplies, so the
//! caller decides which seeded stream they are drawn from). The formulas, in words, are in
//! `docs/statistics.md`.
//!
//! Distributions come from `statrs` (central χ², Beta). Three pieces are hand-written because
//! `statrs` has no equivalent: the non-central χ² distribution ([`ncx2_sf`], a Poisson mixture of
//! central χ² survival functions), a bracketed root finder ([`find_root`], Brent's method) used to
//! invert it, and the pooling rule ([`Binning`]), which is this project's own definition.

mod binning;
mod divergence;
mod holm;
mod interval;
mod power;
mod pvalue;

pub use binning::{Bin, BinKind, Binning};
pub use divergence::{Statistic, g_test, pearson};
pub use holm::{Holm, holm};
pub use interval::{Interval, clopper_pearson};
pub use power::{chi_square_power, cohens_w, detectable_effect, find_root, ncx2_cdf, ncx2_sf};
pub use pvalue::{
    ALMOST_ONE, MonteCarlo, TestResult, asymptotic_test, chi2_isf, chi2_sf, monte_carlo_p_value,
    monte_carlo_test, par_monte_carlo_test, try_monte_carlo_test,
};

use std::fmt;

/// Why a statistical computation could not be done. The caller (who knows the scenario file and
/// key) turns this into a located [`crate::error::Diagnostic`].
#[derive(Debug, Clone, PartialEq)]
pub enum StatsError {
    /// Two slices that must describe the same outcomes have different lengths.
    LengthMismatch {
        /// What the first slice holds.
        what: &'static str,
        /// Its length.
        left: usize,
        /// The length of the slice it must match.
        right: usize,
    },
    /// A list that must not be empty is empty.
    Empty(&'static str),
    /// A probability is negative, NaN or infinite.
    BadProbability {
        /// Index of the outcome.
        index: usize,
        /// The value found.
        value: f64,
    },
    /// Probabilities do not sum to 1 within 1e-9.
    NotNormalized {
        /// The sum found.
        sum: f64,
    },
    /// No observations at all (n = 0): there is nothing to test.
    NoObservations,
    /// A parameter is outside its domain.
    OutOfRange {
        /// The parameter's name (`alpha`, `min_expected`, `power`, ...).
        name: &'static str,
        /// The value found.
        value: f64,
        /// The domain, in words (`in (0, 1)`, `finite and >= 0`, ...).
        expected: &'static str,
    },
    /// The root finder found no sign change in its bracket, or did not converge.
    NoRoot,
}

impl fmt::Display for StatsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StatsError::LengthMismatch { what, left, right } => write!(
                f,
                "{what} has {left} entries but there are {right} outcomes; expected the same number"
            ),
            StatsError::Empty(what) => write!(f, "{what} is empty; expected at least one entry"),
            StatsError::BadProbability { index, value } => write!(
                f,
                "probability #{} is {value}; expected a finite number >= 0",
                index + 1
            ),
            StatsError::NotNormalized { sum } => {
                write!(f, "probabilities sum to {sum}; expected 1 within 1e-9")
            }
            StatsError::NoObservations => {
                write!(f, "no observations (n = 0); expected at least one sample")
            }
            StatsError::OutOfRange {
                name,
                value,
                expected,
            } => write!(f, "{name} is {value}; expected {expected}"),
            StatsError::NoRoot => write!(
                f,
                "the equation has no solution in the search interval (no sign change)"
            ),
        }
    }
}

impl std::error::Error for StatsError {}

#[cfg(test)]
mod tests {
    //! Whole-check behaviour under H0 and under a biased sampler, with seeded multinomial draws.
    use super::*;
    use rand_chacha::ChaCha20Rng;
    use rand_chacha::rand_core::{Rng, SeedableRng};

    const DEMO_P: [f64; 7] = [0.32, 0.21, 0.14, 0.11, 0.09, 0.07, 0.06];

    /// Uniform in [0, 1) with 53 random bits.
    fn uniform(rng: &mut ChaCha20Rng) -> f64 {
        (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Counts of `n` inverse-CDF draws from `probs`. `skip_last` is the deliberate off-by-one
    /// bug: the search never reaches the last outcome, whose mass falls on the one before.
    fn multinomial(rng: &mut ChaCha20Rng, probs: &[f64], n: u64, skip_last: bool) -> Vec<u64> {
        let k = if skip_last {
            probs.len() - 1
        } else {
            probs.len()
        };
        let mut counts = vec![0u64; probs.len()];
        for _ in 0..n {
            let u = uniform(rng);
            let mut cum = 0.0;
            let mut pick = k - 1;
            for (i, p) in probs[..k].iter().enumerate() {
                cum += p;
                if u < cum {
                    pick = i;
                    break;
                }
            }
            counts[pick] += 1;
        }
        counts
    }

    /// p-value of "these p-values are uniform": Pearson over the ten deciles (i/10, (i+1)/10].
    fn decile_uniformity(p_values: &[f64]) -> f64 {
        let mut counts = [0u64; 10];
        for &p in p_values {
            let d = ((p * 10.0).ceil() as usize).clamp(1, 10) - 1;
            counts[d] += 1;
        }
        let binning = Binning::new(&[0.1; 10], &counts, 0.0).unwrap();
        asymptotic_test(&binning, Statistic::Pearson).p_value
    }

    /// Kolmogorov–Smirnov distance between the p-values' empirical CDF and the uniform CDF.
    fn ks_distance(p_values: &[f64]) -> f64 {
        let mut p = p_values.to_vec();
        p.sort_by(f64::total_cmp);
        let m = p.len() as f64;
        p.iter()
            .enumerate()
            .map(|(i, &x)| (x - i as f64 / m).max((i + 1) as f64 / m - x))
            .fold(0.0, f64::max)
    }

    /// `samples` seeded samples of size `n` from the demo distribution.
    fn h0_samples(seed: u64, samples: usize, n: u64) -> Vec<Vec<u64>> {
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        (0..samples)
            .map(|_| multinomial(&mut rng, &DEMO_P, n, false))
            .collect()
    }

    /// Asymptotic p-values of `samples` tested against `probs`.
    fn p_values(samples: &[Vec<u64>], probs: &[f64], s: Statistic) -> Vec<f64> {
        samples
            .iter()
            .map(|counts| asymptotic_test(&Binning::new(probs, counts, 5.0).unwrap(), s).p_value)
            .collect()
    }

    #[test]
    fn p_values_are_uniform_under_h0() {
        let samples = h0_samples(7, 400, 500);
        for s in [Statistic::Pearson, Statistic::GTest] {
            let p = p_values(&samples, &DEMO_P, s);
            // Lenient thresholds: deciles at 0.001; KS at 1.95/√400, its 0.001 critical value.
            let deciles = decile_uniformity(&p);
            assert!(deciles > 0.001, "{s:?}: deciles p = {deciles}");
            let d = ks_distance(&p);
            assert!(d < 1.95 / 20.0, "{s:?}: KS distance {d}");
            // The false-positive rate at alpha = 0.05 is near 0.05 (binomial sd ≈ 0.011).
            let rate = p.iter().filter(|&&x| x <= 0.05).count() as f64 / p.len() as f64;
            assert!((0.015..=0.09).contains(&rate), "{s:?}: rate {rate}");
        }
        // The same samples tested against a slightly wrong distribution (two top probabilities
        // moved by 0.03): p-values pile up near 0 and both uniformity checks reject, so the
        // checks above can fail.
        let wrong = [0.29, 0.24, 0.14, 0.11, 0.09, 0.07, 0.06];
        let p = p_values(&samples, &wrong, Statistic::Pearson);
        assert!(decile_uniformity(&p) < 1e-6);
        assert!(ks_distance(&p) > 1.95 / 20.0);
    }

    #[test]
    fn monte_carlo_p_values_are_uniform_under_h0() {
        let mut rng = ChaCha20Rng::seed_from_u64(11);
        let p: Vec<f64> = (0..200)
            .map(|_| {
                let counts = multinomial(&mut rng, &DEMO_P, 50, false);
                let binning = Binning::new(&DEMO_P, &counts, 0.0).unwrap();
                monte_carlo_test(&binning, Statistic::Pearson, 19, |_, c| {
                    c.copy_from_slice(&multinomial(&mut rng, &DEMO_P, 50, false));
                })
                .p_value
            })
            .collect();
        // p takes the values k/20; each decile (i/10, (i+1)/10] holds two of them.
        let deciles = decile_uniformity(&p);
        assert!(deciles > 0.001, "deciles p = {deciles}");
    }

    #[test]
    fn monte_carlo_agrees_with_the_asymptotic_p_value() {
        // A sample of 500 with a mildly unusual statistic; 499 replicates give the p-value to
        // about ±0.012 (one standard error), so they must land near the χ² answer.
        let mut rng = ChaCha20Rng::seed_from_u64(5);
        let counts = [180, 95, 60, 60, 35, 45, 25]; // n = 500, G = 11.24, p = 0.081
        let binning = Binning::new(&DEMO_P, &counts, 0.0).unwrap();
        let asymptotic = asymptotic_test(&binning, Statistic::GTest).p_value;
        assert!((0.05..0.5).contains(&asymptotic), "{asymptotic}");
        let mc = monte_carlo_test(&binning, Statistic::GTest, 499, |_, c| {
            c.copy_from_slice(&multinomial(&mut rng, &DEMO_P, 500, false));
        });
        assert!(
            (mc.p_value - asymptotic).abs() < 0.05,
            "{} vs {asymptotic}",
            mc.p_value
        );
    }

    #[test]
    fn monte_carlo_counts_per_outcome_are_added_into_pooled_bins() {
        // Outcomes 3 and 4 pool; the closure reports counts per original outcome.
        let p = [0.5, 0.3, 0.16, 0.03, 0.01];
        let binning = Binning::new(&p, &[50, 30, 16, 3, 1], 5.0).unwrap();
        assert_eq!(binning.bins.len(), 3);
        // Bins {0}, {1}, {2, 3, 4}. Replicates 0 and 2 give the expected bins (50, 30, 20), although
        // replicate 0 differs per outcome; replicate 1 gives (40, 40, 20). Against observed bins
        // equal to the expected ones (X² = 0) all three are at least as extreme.
        let reps: [[u64; 5]; 3] = [[50, 30, 16, 0, 4], [40, 40, 16, 3, 1], [50, 30, 16, 3, 1]];
        let t = monte_carlo_test(&binning, Statistic::Pearson, 3, |r, c| {
            c.copy_from_slice(&reps[r as usize]);
        });
        assert_eq!(t.monte_carlo.unwrap().at_least_as_extreme, 3);
        // Against observed bins (55, 25, 20), X² = 4/3: only replicate 1 (X² = 16/3) counts.
        let binning = Binning::new(&p, &[55, 25, 16, 3, 1], 5.0).unwrap();
        let t = monte_carlo_test(&binning, Statistic::Pearson, 3, |r, c| {
            c.copy_from_slice(&reps[r as usize]);
        });
        assert_eq!(t.monte_carlo.unwrap().at_least_as_extreme, 1);
        assert_eq!(t.p_value, 0.5);
    }

    #[test]
    fn off_by_one_sampler_is_caught() {
        // 10 000 draws from the chapter's demo distribution by a sampler that never returns the
        // last outcome. Both statistics reject at any reasonable alpha, and so does Monte Carlo.
        let mut rng = ChaCha20Rng::seed_from_u64(3);
        let counts = multinomial(&mut rng, &DEMO_P, 10_000, true);
        assert_eq!(counts[6], 0);
        let binning = Binning::new(&DEMO_P, &counts, 5.0).unwrap();
        for s in [Statistic::Pearson, Statistic::GTest] {
            let t = asymptotic_test(&binning, s);
            assert!(t.p_value < 1e-100, "{s:?}: {t:?}");
        }
        let t = monte_carlo_test(&binning, Statistic::Pearson, 19, |_, c| {
            c.copy_from_slice(&multinomial(&mut rng, &DEMO_P, 10_000, false));
        });
        assert_eq!(t.p_value, 1.0 / 20.0); // the smallest possible with 19 replicates
        // The correct sampler with the same seed passes.
        let mut rng = ChaCha20Rng::seed_from_u64(3);
        let counts = multinomial(&mut rng, &DEMO_P, 10_000, false);
        let t = asymptotic_test(
            &Binning::new(&DEMO_P, &counts, 5.0).unwrap(),
            Statistic::Pearson,
        );
        assert!(t.p_value > 0.01, "{t:?}");
    }

    #[test]
    fn errors_read_well() {
        let e = StatsError::LengthMismatch {
            what: "observed counts",
            left: 2,
            right: 3,
        };
        assert_eq!(
            e.to_string(),
            "observed counts has 2 entries but there are 3 outcomes; expected the same number"
        );
        assert_eq!(
            StatsError::BadProbability {
                index: 0,
                value: -0.5
            }
            .to_string(),
            "probability #1 is -0.5; expected a finite number >= 0"
        );
    }
}
