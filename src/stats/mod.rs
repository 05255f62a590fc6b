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
pub use power::{
    chi_square_power, cohens_w, detectable_effect, find_root, ncx2_cdf, ncx2_sf,
};
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
