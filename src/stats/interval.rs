//! The Clopper–Pearson ("exact") confidence interval for a binomial proportion, used by
//! `calibrate` for its false-positive rate.
//!
//! The Beta quantiles are found with [`find_root`] on statrs' Beta CDF / survival function rather
//! than with statrs' `Beta::inverse_cdf` (algorithm AS 109), which stops early: for k = 1,
//! n = 10⁶ its lower end is off by 1e-7 relative, while the root of the CDF agrees with scipy's
//! `beta.ppf` to 1e-15.

use statrs::distribution::{Beta, ContinuousCDF};

use super::{StatsError, find_root};

/// A closed interval [`lower`, `upper`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    /// Lower end.
    pub lower: f64,
    /// Upper end.
    pub upper: f64,
}

impl Interval {
    /// Whether `x` lies in the closed interval.
    pub fn contains(&self, x: f64) -> bool {
        self.lower <= x && x <= self.upper
    }
}

/// The Clopper–Pearson interval for a proportion with `k` successes in `n` trials at
/// `confidence` (0.95 for a 95% interval), a = 1 − confidence:
/// lower = B⁻¹(a/2; k, n − k + 1) (0 when k = 0), upper = B⁻¹(1 − a/2; k + 1, n − k) (1 when
/// k = n), with B⁻¹ the Beta quantile. It covers the true proportion with probability at least
/// `confidence` for every true proportion. Agrees with
/// `statsmodels.stats.proportion.proportion_confint(k, n, alpha=a, method="beta")`.
///
/// # Errors
/// n = 0, k > n, or `confidence` outside (0, 1) ([`StatsError::NoRoot`] cannot happen: the CDF
/// runs from 0 to 1 over [0, 1]).
pub fn clopper_pearson(k: u64, n: u64, confidence: f64) -> Result<Interval, StatsError> {
    if n == 0 {
        return Err(StatsError::NoObservations);
    }
    if k > n {
        return Err(StatsError::OutOfRange {
            name: "successes",
            value: k as f64,
            expected: "at most the number of trials",
        });
    }
    if !(confidence > 0.0 && confidence < 1.0) {
        return Err(StatsError::OutOfRange {
            name: "confidence",
            value: confidence,
            expected: "a number in (0, 1)",
        });
    }
    let tail = (1.0 - confidence) / 2.0;
    let (kf, nf) = (k as f64, n as f64);
    let beta = |a: f64, b: f64| Beta::new(a, b).expect("shapes are positive");
    let lower = if k == 0 {
        0.0
    } else {
        // P(Beta(k, n − k + 1) ≤ x) = tail
        let d = beta(kf, nf - kf + 1.0);
        find_root(|x| d.cdf(x) - tail, 0.0, 1.0, 0.0)?
    };
    let upper = if k == n {
        1.0
    } else {
        // P(Beta(k + 1, n − k) > x) = tail
        let d = beta(kf + 1.0, nf - kf);
        find_root(|x| d.sf(x) - tail, 0.0, 1.0, 0.0)?
    };
    Ok(Interval { lower, upper })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closed_forms_at_the_edges() {
        // k = 0: upper = 1 - (a/2)^(1/n); k = n: lower = (a/2)^(1/n).
        let i = clopper_pearson(0, 20, 0.95).unwrap();
        assert_eq!(i.lower, 0.0);
        assert!((i.upper - (1.0 - 0.025f64.powf(1.0 / 20.0))).abs() < 1e-12);
        let i = clopper_pearson(20, 20, 0.95).unwrap();
        assert_eq!(i.upper, 1.0);
        assert!((i.lower - 0.025f64.powf(1.0 / 20.0)).abs() < 1e-12);
        // n = 1, k = 0 at 90%: upper = 0.95.
        assert!((clopper_pearson(0, 1, 0.9).unwrap().upper - 0.95).abs() < 1e-12);
    }

    #[test]
    fn contains_the_point_estimate_and_narrows_with_n() {
        let a = clopper_pearson(10, 1000, 0.95).unwrap();
        let b = clopper_pearson(100, 10000, 0.95).unwrap();
        assert!(a.contains(0.01) && b.contains(0.01));
        assert!(b.upper - b.lower < a.upper - a.lower);
        assert!(!a.contains(0.05));
    }

    #[test]
    fn bad_input() {
        assert_eq!(clopper_pearson(0, 0, 0.95), Err(StatsError::NoObservations));
        assert!(clopper_pearson(3, 2, 0.95).is_err());
        assert!(clopper_pearson(1, 2, 1.0).is_err());
        assert!(clopper_pearson(1, 2, 0.0).is_err());
    }
}
