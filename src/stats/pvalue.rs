//! p-values: the asymptotic one from the central χ² survival function (statrs), and the Monte
//! Carlo one of R's `chisq.test(simulate.p.value = TRUE)`.

use rayon::prelude::*;
use statrs::distribution::{ChiSquared, ContinuousCDF};

use super::{Binning, Statistic, StatsError, find_root};

/// R's tolerance for ties in Monte Carlo p-values: a replicate counts as "at least as extreme"
/// when its statistic is ≥ `ALMOST_ONE` × the observed one. This is `almost.1 <- 1 - 64 *
/// .Machine$double.eps` in R's `chisq.test`: statistics that are equal in exact arithmetic but
/// differ by rounding (the same counts summed in another order) still count as ties.
pub const ALMOST_ONE: f64 = 1.0 - 64.0 * f64::EPSILON;

/// Survival function P(X ≥ x) of the central χ² distribution with `df` degrees of freedom,
/// computed directly by statrs (the regularized upper incomplete gamma function Q(df/2, x/2)),
/// never as `1 - cdf`, so p-values down to about 1e-307 keep their digits. Values below the
/// smallest normal f64 (about 2.2e-308) underflow to 0, as in scipy.
///
/// `df = 0` is the distribution concentrated at 0: the result is 1 for x ≤ 0 and 0 for x > 0.
/// Returns 1 for x ≤ 0, 0 for x = +∞, NaN for NaN.
pub fn chi2_sf(x: f64, df: usize) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    if x <= 0.0 {
        return 1.0;
    }
    if df == 0 || x == f64::INFINITY {
        return 0.0;
    }
    ChiSquared::new(df as f64)
        .expect("df >= 1 is a valid chi-squared parameter")
        .sf(x)
}

/// The critical value c with P(χ²(df) > c) = `alpha` (scipy's `chi2.isf`), for `df ≥ 1` and
/// `alpha` in (0, 1). Solved on the log scale with [`find_root`], so small `alpha` stay accurate.
///
/// # Errors
/// `alpha` outside (0, 1) or `df = 0`.
pub fn chi2_isf(alpha: f64, df: usize) -> Result<f64, StatsError> {
    if !(alpha > 0.0 && alpha < 1.0) {
        return Err(StatsError::OutOfRange {
            name: "alpha",
            value: alpha,
            expected: "a number in (0, 1)",
        });
    }
    if df == 0 {
        return Err(StatsError::OutOfRange {
            name: "df",
            value: 0.0,
            expected: "at least 1",
        });
    }
    let target = alpha.ln();
    let f = |x: f64| chi2_sf(x, df).ln() - target;
    let mut hi = df as f64 + 1.0;
    while f(hi) > 0.0 {
        hi *= 2.0;
        if !hi.is_finite() {
            return Err(StatsError::NoRoot);
        }
    }
    find_root(f, 0.0, hi, 0.0)
}

/// The result of one goodness-of-fit test.
#[derive(Debug, Clone, PartialEq)]
pub struct TestResult {
    /// The statistic (X² or G) of the observed bins.
    pub statistic: f64,
    /// Degrees of freedom of the asymptotic χ² reference: bins of possible outcomes − 1. Reported
    /// for Monte Carlo tests too, although their p-value does not use it.
    pub df: usize,
    /// The p-value.
    pub p_value: f64,
    /// Monte Carlo details, for Monte Carlo tests.
    pub monte_carlo: Option<MonteCarlo>,
}

/// A Monte Carlo p-value with the counts it came from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MonteCarlo {
    /// (1 + `at_least_as_extreme`) / (`replicates` + 1).
    pub p_value: f64,
    /// Number of replicates R.
    pub replicates: u64,
    /// Replicates whose statistic is ≥ [`ALMOST_ONE`] × the observed statistic.
    pub at_least_as_extreme: u64,
}

/// The Monte Carlo p-value (1 + #{replicate ≥ [`ALMOST_ONE`] · observed}) / (R + 1) of R's
/// `chisq.test(simulate.p.value = TRUE)`, from an observed statistic and the replicate statistics
/// (simulated under H0). Counting the observed sample as one of the R + 1 makes the test exact:
/// under H0, P(p ≤ α) ≤ α for every α. With R = 0 the p-value is 1.
pub fn monte_carlo_p_value(
    observed: f64,
    replicate_statistics: impl IntoIterator<Item = f64>,
) -> MonteCarlo {
    let threshold = ALMOST_ONE * observed;
    let mut replicates = 0u64;
    let mut at_least_as_extreme = 0u64;
    for s in replicate_statistics {
        replicates += 1;
        if s >= threshold {
            at_least_as_extreme += 1;
        }
    }
    MonteCarlo {
        p_value: (1 + at_least_as_extreme) as f64 / (replicates + 1) as f64,
        replicates,
        at_least_as_extreme,
    }
}

/// The asymptotic test: the statistic of `binning`'s bins and its p-value
/// P(χ²(df) ≥ statistic) from [`chi2_sf`], df = [`Binning::df`].
pub fn asymptotic_test(binning: &Binning, statistic: Statistic) -> TestResult {
    let value = binning.statistic(statistic);
    let df = binning.df();
    TestResult {
        statistic: value,
        df,
        p_value: chi2_sf(value, df),
        monte_carlo: None,
    }
}

/// The Monte Carlo test with `replicates` replicates drawn by the caller.
///
/// `draw(r, counts)` must fill `counts` (one entry per *original* outcome, zeroed before each
/// call) with the counts of a fresh sample of n = `binning.n` draws from the null distribution,
/// for replicate number `r` in `0..replicates` (use `r` to pick a seeded stream). The counts are
/// added up into `binning`'s bins and the statistic is compared with the observed one as in
/// [`monte_carlo_p_value`]. Replicates are processed in order, so a `draw` that carries one RNG
/// across calls is deterministic too. The first error from `draw` is returned.
pub fn try_monte_carlo_test<E>(
    binning: &Binning,
    statistic: Statistic,
    replicates: u64,
    mut draw: impl FnMut(u64, &mut [u64]) -> Result<(), E>,
) -> Result<TestResult, E> {
    let observed = binning.statistic(statistic);
    let expected = binning.expected();
    let mut counts = vec![0u64; binning.outcome_count()];
    let mut per_bin = vec![0u64; binning.bins.len()];
    let mut stats = Vec::with_capacity(replicates.min(1 << 20) as usize);
    for r in 0..replicates {
        counts.fill(0);
        draw(r, &mut counts)?;
        debug_assert_eq!(counts.iter().sum::<u64>(), binning.n, "replicate size");
        binning.aggregate_into(&counts, &mut per_bin);
        stats.push(statistic.compute(&per_bin, &expected));
    }
    Ok(finish(
        binning,
        observed,
        monte_carlo_p_value(observed, stats),
    ))
}

/// [`try_monte_carlo_test`] for a `draw` that cannot fail.
pub fn monte_carlo_test(
    binning: &Binning,
    statistic: Statistic,
    replicates: u64,
    mut draw: impl FnMut(u64, &mut [u64]),
) -> TestResult {
    let result = try_monte_carlo_test(binning, statistic, replicates, |r, c| {
        draw(r, c);
        Ok::<(), std::convert::Infallible>(())
    });
    match result {
        Ok(t) => t,
        Err(never) => match never {},
    }
}

/// [`try_monte_carlo_test`] with the replicates spread over rayon's threads. `draw` must depend
/// only on `r` (for example, seed a stream from `r`), never on the order of calls; the result is
/// then identical to the sequential one, and the error returned is the one of the lowest `r`.
pub fn par_monte_carlo_test<E: Send>(
    binning: &Binning,
    statistic: Statistic,
    replicates: u64,
    draw: impl Fn(u64, &mut [u64]) -> Result<(), E> + Sync,
) -> Result<TestResult, E> {
    let observed = binning.statistic(statistic);
    let expected = binning.expected();
    let stats: Vec<Result<f64, E>> = (0..replicates)
        .into_par_iter()
        .map_init(
            || {
                (
                    vec![0u64; binning.outcome_count()],
                    vec![0u64; binning.bins.len()],
                )
            },
            |(counts, per_bin), r| {
                counts.fill(0);
                draw(r, counts)?;
                debug_assert_eq!(counts.iter().sum::<u64>(), binning.n, "replicate size");
                binning.aggregate_into(counts, per_bin);
                Ok(statistic.compute(per_bin, &expected))
            },
        )
        .collect();
    let stats = stats.into_iter().collect::<Result<Vec<f64>, E>>()?;
    Ok(finish(
        binning,
        observed,
        monte_carlo_p_value(observed, stats),
    ))
}

fn finish(binning: &Binning, observed: f64, mc: MonteCarlo) -> TestResult {
    TestResult {
        statistic: observed,
        df: binning.df(),
        p_value: mc.p_value,
        monte_carlo: Some(mc),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sf_edges() {
        assert_eq!(chi2_sf(0.0, 3), 1.0);
        assert_eq!(chi2_sf(-1.0, 3), 1.0);
        assert_eq!(chi2_sf(f64::INFINITY, 3), 0.0);
        assert!(chi2_sf(f64::NAN, 3).is_nan());
        assert_eq!(chi2_sf(0.0, 0), 1.0);
        assert_eq!(chi2_sf(1e-9, 0), 0.0);
        // df = 2 is the exponential distribution with mean 2: sf(x) = exp(-x/2).
        for x in [0.1, 1.0, 7.0, 100.0, 1000.0] {
            let want = (-x / 2.0f64).exp();
            assert!((chi2_sf(x, 2) - want).abs() <= 1e-13 * want, "{x}");
        }
    }

    #[test]
    fn sf_is_not_one_minus_cdf() {
        // exp(-690) ≈ 2.5e-300 survives; 1 - cdf would be exactly 0.
        let p = chi2_sf(1380.0, 2);
        let want = (-690.0f64).exp();
        assert!(p > 0.0 && (p - want).abs() <= 1e-12 * want, "{p:e}");
    }

    #[test]
    fn isf_inverts_sf() {
        for (alpha, df) in [(0.01, 6), (0.05, 1), (1e-12, 3), (0.5, 100)] {
            let c = chi2_isf(alpha, df).unwrap();
            assert!(
                (chi2_sf(c, df) - alpha).abs() <= 1e-12 * alpha,
                "{alpha} {df}"
            );
        }
        assert!(chi2_isf(0.0, 3).is_err());
        assert!(chi2_isf(1.0, 3).is_err());
        assert!(chi2_isf(0.05, 0).is_err());
    }

    #[test]
    fn monte_carlo_counts_like_r() {
        // observed 5: replicates 1, 5, 7, 4.999 -> 5 and 7 count -> (1 + 2) / 5
        let mc = monte_carlo_p_value(5.0, [1.0, 5.0, 7.0, 4.999]);
        assert_eq!(mc.at_least_as_extreme, 2);
        assert_eq!(mc.replicates, 4);
        assert_eq!(mc.p_value, 3.0 / 5.0);
        // A replicate that differs from the observed value only by rounding is a tie.
        let x = 0.1 + 0.2; // 0.30000000000000004
        let mc = monte_carlo_p_value(x, [0.3]);
        assert_eq!(mc.at_least_as_extreme, 1);
        // ... but a real difference of 1e-12 relative is not.
        let mc = monte_carlo_p_value(1.0, [1.0 - 1e-12]);
        assert_eq!(mc.at_least_as_extreme, 0);
        assert_eq!(mc.p_value, 0.5);
        assert_eq!(monte_carlo_p_value(1.0, []).p_value, 1.0);
        assert_eq!(monte_carlo_p_value(f64::INFINITY, [1e300]).p_value, 0.5);
        assert_eq!(monte_carlo_p_value(0.0, [0.0, 2.0]).p_value, 1.0);
    }

    fn demo() -> Binning {
        Binning::new(&[0.5, 0.3, 0.2], &[60, 25, 15], 0.0).unwrap()
    }

    #[test]
    fn asymptotic_uses_bins() {
        let t = asymptotic_test(&demo(), Statistic::Pearson);
        // (60-50)²/50 + (25-30)²/30 + (15-20)²/20 = 2 + 5/6 + 5/4
        let x2 = 2.0 + 5.0 / 6.0 + 1.25;
        assert!((t.statistic - x2).abs() < 1e-14);
        assert_eq!(t.df, 2);
        assert!((t.p_value - (-x2 / 2.0).exp()).abs() < 1e-14);
        assert_eq!(t.monte_carlo, None);
    }

    #[test]
    fn monte_carlo_test_aggregates_and_counts() {
        let b = demo();
        // Replicates alternate between the expected counts (X² = 0) and the observed ones (a tie).
        let t = monte_carlo_test(&b, Statistic::Pearson, 10, |r, c| {
            let v: [u64; 3] = if r % 2 == 0 {
                [50, 30, 20]
            } else {
                [60, 25, 15]
            };
            c.copy_from_slice(&v);
        });
        let mc = t.monte_carlo.unwrap();
        assert_eq!(mc.at_least_as_extreme, 5);
        assert_eq!(t.p_value, 6.0 / 11.0);
        assert_eq!(t.df, 2);
        // The parallel version gives the same answer.
        let par = par_monte_carlo_test(&b, Statistic::Pearson, 10, |r, c| {
            let v: [u64; 3] = if r % 2 == 0 {
                [50, 30, 20]
            } else {
                [60, 25, 15]
            };
            c.copy_from_slice(&v);
            Ok::<(), ()>(())
        })
        .unwrap();
        assert_eq!(par, t);
    }

    #[test]
    fn monte_carlo_errors_propagate_lowest_first() {
        let b = demo();
        let err = try_monte_carlo_test(&b, Statistic::GTest, 10, |r, c| {
            c.copy_from_slice(&[50, 30, 20]);
            if r >= 3 { Err(r) } else { Ok(()) }
        });
        assert_eq!(err, Err(3));
        let err = par_monte_carlo_test(&b, Statistic::GTest, 100, |r, c| {
            c.copy_from_slice(&[50, 30, 20]);
            if r % 7 == 6 { Err(r) } else { Ok(()) }
        });
        assert_eq!(err, Err(6));
    }
}
