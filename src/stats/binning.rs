//! Bins for a goodness-of-fit test: which original outcomes are tested together.
//!
//! The pooling rule is this project's own (there is no standard one to call), so it is written
//! here and stated exactly in [`Binning::new`] and `docs/statistics.md`.

use super::{Statistic, StatsError};

/// What a bin stands for, so a report can name it (`single`, `pooled`, `impossible` in JSON).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BinKind {
    /// One original outcome, tested on its own.
    Single,
    /// Several outcomes whose expected counts were too small, tested as one.
    Pooled,
    /// All outcomes of probability 0. Expected count 0; observing any of them gives an infinite
    /// statistic and p = 0. Does not count towards the degrees of freedom.
    Impossible,
}

impl BinKind {
    /// The name reports use (`single`, `pooled`, `impossible`).
    pub fn name(self) -> &'static str {
        match self {
            BinKind::Single => "single",
            BinKind::Pooled => "pooled",
            BinKind::Impossible => "impossible",
        }
    }
}

/// One bin of the test: a set of original outcomes with its expected and observed counts.
#[derive(Debug, Clone, PartialEq)]
pub struct Bin {
    /// What the bin stands for.
    pub kind: BinKind,
    /// Indices of the original outcomes in the bin, ascending.
    pub outcomes: Vec<usize>,
    /// Expected probability: the sum of the outcomes' probabilities (in index order).
    pub expected_p: f64,
    /// Expected count n · `expected_p`.
    pub expected: f64,
    /// Observed count: the sum of the outcomes' counts.
    pub observed: u64,
}

impl Bin {
    /// Pearson residual (O − E) / √E; 0 when O = E = 0 and +∞ when E = 0 < O.
    pub fn residual(&self) -> f64 {
        ratio(self.observed as f64 - self.expected, self.expected.sqrt())
    }

    /// Standardized residual (O − E) / √(E (1 − p)), where E (1 − p) = n p (1 − p) is the variance
    /// of a multinomial count; approximately standard normal under H0 for large E. This is R's
    /// `chisq.test(...)$stdres`. 0 when the numerator is 0, ±∞ when only the variance is 0.
    pub fn standardized_residual(&self) -> f64 {
        let variance = self.expected * (1.0 - self.expected_p);
        ratio(
            self.observed as f64 - self.expected,
            variance.max(0.0).sqrt(),
        )
    }
}

fn ratio(num: f64, den: f64) -> f64 {
    if num == 0.0 {
        0.0
    } else if den == 0.0 {
        num.signum() * f64::INFINITY
    } else {
        num / den
    }
}

/// The bins of one test, with the sample size n.
#[derive(Debug, Clone, PartialEq)]
pub struct Binning {
    /// The bins, in report order: unpooled outcomes in the given order, then the pooled bin (if
    /// any), then the impossible bin (if any).
    pub bins: Vec<Bin>,
    /// Sample size: the sum of the observed counts.
    pub n: u64,
    /// The `min_expected` the bins were made with.
    pub min_expected: f64,
    /// For each original outcome, the index of its bin.
    bin_of: Vec<usize>,
}

impl Binning {
    /// Makes the bins for observed counts `observed[i]` of outcomes with probabilities `probs[i]`,
    /// with n = Σ observed.
    ///
    /// The rule, applied to expected counts Eᵢ = n·pᵢ:
    /// 1. Outcomes with pᵢ = 0 go to one [`BinKind::Impossible`] bin (listed last). They are never
    ///    pooled with possible outcomes, so an impossible outcome cannot hide in a pooled bin.
    /// 2. Every other outcome with Eᵢ < `min_expected` goes to the pooled bin.
    /// 3. While the pooled bin is non-empty and its expected count is < `min_expected`, the
    ///    remaining unpooled outcome with the smallest expected count (the first one in the given
    ///    order on a tie) joins it. A single small outcome is therefore merged with the smallest
    ///    other outcome.
    /// 4. Unpooled outcomes keep the given order; the pooled bin comes after them.
    ///
    /// `min_expected = 0` pools nothing (use it for Monte Carlo tests). If pooling leaves a single
    /// possible bin, [`Binning::df`] is 0 and the test can only detect impossible outcomes.
    ///
    /// # Errors
    /// Lengths differ, no outcomes, a probability is negative or not finite, probabilities do not
    /// sum to 1 within 1e-9, `min_expected` is negative or not finite, or n = 0.
    pub fn new(probs: &[f64], observed: &[u64], min_expected: f64) -> Result<Binning, StatsError> {
        let n = validate(probs, observed, min_expected)?;
        let nf = n as f64;
        let (kept, pooled, impossible) = assign(probs, nf, min_expected);
        let make = |kind: BinKind, outcomes: Vec<usize>| {
            let expected_p = p_of(probs, &outcomes);
            Bin {
                kind,
                expected_p,
                expected: nf * expected_p,
                observed: outcomes.iter().map(|&i| observed[i]).sum(),
                outcomes,
            }
        };
        let mut bins: Vec<Bin> = kept
            .into_iter()
            .map(|i| make(BinKind::Single, vec![i]))
            .collect();
        if !pooled.is_empty() {
            let kind = if pooled.len() > 1 {
                BinKind::Pooled
            } else {
                BinKind::Single
            };
            bins.push(make(kind, pooled));
        }
        if !impossible.is_empty() {
            bins.push(make(BinKind::Impossible, impossible));
        }
        let mut bin_of = vec![0; probs.len()];
        for (b, bin) in bins.iter().enumerate() {
            for &i in &bin.outcomes {
                bin_of[i] = b;
            }
        }
        Ok(Binning {
            bins,
            n,
            min_expected,
            bin_of,
        })
    }

    /// Degrees of freedom of the asymptotic test: the number of bins of possible outcomes minus
    /// one (the impossible bin does not count); 0 when only one such bin is left.
    pub fn df(&self) -> usize {
        self.bins
            .iter()
            .filter(|b| b.kind != BinKind::Impossible)
            .count()
            .saturating_sub(1)
    }

    /// Number of original outcomes.
    pub fn outcome_count(&self) -> usize {
        self.bin_of.len()
    }

    /// The bin index of original outcome `outcome`.
    ///
    /// # Panics
    /// If `outcome >= self.outcome_count()`.
    pub fn bin_of(&self, outcome: usize) -> usize {
        self.bin_of[outcome]
    }

    /// Observed counts per bin.
    pub fn observed(&self) -> Vec<u64> {
        self.bins.iter().map(|b| b.observed).collect()
    }

    /// Expected probabilities per bin.
    pub fn expected_p(&self) -> Vec<f64> {
        self.bins.iter().map(|b| b.expected_p).collect()
    }

    /// Expected counts per bin.
    pub fn expected(&self) -> Vec<f64> {
        self.bins.iter().map(|b| b.expected).collect()
    }

    /// The chosen statistic of the observed counts against the expected ones.
    pub fn statistic(&self, statistic: Statistic) -> f64 {
        statistic.compute(&self.observed(), &self.expected())
    }

    /// Adds up counts per original outcome (`counts.len() == outcome_count()`) into counts per
    /// bin, written to `out` (`out.len() == bins.len()`, overwritten).
    ///
    /// # Panics
    /// If a length is wrong (a programming error).
    pub fn aggregate_into(&self, counts: &[u64], out: &mut [u64]) {
        assert_eq!(counts.len(), self.bin_of.len(), "counts per outcome");
        assert_eq!(out.len(), self.bins.len(), "counts per bin");
        out.fill(0);
        for (&c, &b) in counts.iter().zip(&self.bin_of) {
            out[b] += c;
        }
    }

    /// Like [`Binning::aggregate_into`], returning a new vector.
    pub fn aggregate(&self, counts: &[u64]) -> Vec<u64> {
        let mut out = vec![0; self.bins.len()];
        self.aggregate_into(counts, &mut out);
        out
    }
}

/// Checks the inputs of [`Binning::new`]; the number of observations n.
fn validate(probs: &[f64], observed: &[u64], min_expected: f64) -> Result<u64, StatsError> {
    if probs.is_empty() {
        return Err(StatsError::Empty("probabilities"));
    }
    if observed.len() != probs.len() {
        return Err(StatsError::LengthMismatch {
            what: "observed counts",
            left: observed.len(),
            right: probs.len(),
        });
    }
    if let Some((index, &value)) = probs
        .iter()
        .enumerate()
        .find(|&(_, &p)| !p.is_finite() || p < 0.0)
    {
        return Err(StatsError::BadProbability { index, value });
    }
    let sum: f64 = probs.iter().sum();
    if (sum - 1.0).abs() > 1e-9 {
        return Err(StatsError::NotNormalized { sum });
    }
    if !min_expected.is_finite() || min_expected < 0.0 {
        return Err(StatsError::OutOfRange {
            name: "min_expected",
            value: min_expected,
            expected: "a finite number >= 0",
        });
    }
    let n: u64 = observed.iter().sum();
    if n == 0 {
        return Err(StatsError::NoObservations);
    }
    Ok(n)
}

/// Rules 1–3 of [`Binning::new`]: the outcomes kept alone, pooled, and impossible, each list
/// in the given order.
fn assign(probs: &[f64], nf: f64, min_expected: f64) -> (Vec<usize>, Vec<usize>, Vec<usize>) {
    let mut kept = Vec::new();
    let mut pooled = Vec::new();
    let mut impossible = Vec::new();
    for (i, &p) in probs.iter().enumerate() {
        if p == 0.0 {
            impossible.push(i);
        } else if nf * p < min_expected {
            pooled.push(i);
        } else {
            kept.push(i);
        }
    }
    if !pooled.is_empty() {
        while nf * p_of(probs, &pooled) < min_expected && !kept.is_empty() {
            // `min_by` returns the first of equal minima: ties go to the earliest outcome.
            let (pos, _) = kept
                .iter()
                .enumerate()
                .min_by(|a, b| probs[*a.1].total_cmp(&probs[*b.1]))
                .expect("kept is not empty");
            pooled.push(kept.remove(pos));
            pooled.sort_unstable();
        }
    }
    (kept, pooled, impossible)
}

/// The total probability of `outcomes`, summed in their order.
fn p_of(probs: &[f64], outcomes: &[usize]) -> f64 {
    outcomes.iter().map(|&i| probs[i]).sum::<f64>()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcomes(b: &Binning) -> Vec<(BinKind, Vec<usize>)> {
        b.bins
            .iter()
            .map(|b| (b.kind, b.outcomes.clone()))
            .collect()
    }

    #[test]
    fn no_pooling_when_all_large() {
        let b = Binning::new(&[0.5, 0.3, 0.2], &[50, 30, 20], 5.0).unwrap();
        assert_eq!(b.n, 100);
        assert_eq!(
            outcomes(&b),
            vec![
                (BinKind::Single, vec![0]),
                (BinKind::Single, vec![1]),
                (BinKind::Single, vec![2])
            ]
        );
        assert_eq!(b.df(), 2);
        assert_eq!(b.expected(), vec![50.0, 30.0, 20.0]);
    }

    #[test]
    fn small_bins_pool_at_the_end() {
        // n = 100: expected 40, 30, 20, 4, 3, 3 -> the last three pool into 10 >= 5.
        let p = [0.4, 0.3, 0.2, 0.04, 0.03, 0.03];
        let b = Binning::new(&p, &[38, 31, 21, 6, 2, 2], 5.0).unwrap();
        assert_eq!(
            outcomes(&b),
            vec![
                (BinKind::Single, vec![0]),
                (BinKind::Single, vec![1]),
                (BinKind::Single, vec![2]),
                (BinKind::Pooled, vec![3, 4, 5]),
            ]
        );
        let pooled = &b.bins[3];
        assert!((pooled.expected_p - 0.1).abs() < 1e-15);
        assert!((pooled.expected - 10.0).abs() < 1e-12);
        assert_eq!(pooled.observed, 10);
        assert_eq!(b.df(), 3);
    }

    #[test]
    fn small_pool_absorbs_smallest_remaining_then_next() {
        // n = 100: expected 50, 20, 25, 2, 1, 2 -> pooled {3,4,5} = 5 < 6 -> absorbs outcome 1
        // (20, the smallest remaining), giving 25 >= 6.
        let p = [0.5, 0.2, 0.25, 0.02, 0.01, 0.02];
        let b = Binning::new(&p, &[50, 20, 25, 2, 1, 2], 6.0).unwrap();
        assert_eq!(
            outcomes(&b),
            vec![
                (BinKind::Single, vec![0]),
                (BinKind::Single, vec![2]),
                (BinKind::Pooled, vec![1, 3, 4, 5]),
            ]
        );
        // min_expected 60: absorbs 20 -> 25, then 25 -> 50, then 50 -> 100: everything.
        let b = Binning::new(&p, &[50, 20, 25, 2, 1, 2], 60.0).unwrap();
        assert_eq!(
            outcomes(&b),
            vec![(BinKind::Pooled, vec![0, 1, 2, 3, 4, 5])]
        );
        assert_eq!(b.df(), 0);
    }

    #[test]
    fn single_small_outcome_merges_with_smallest_and_ties_go_first() {
        // expected 30, 30, 38, 2: the small one joins outcome 0 (first of the tied smallest).
        let b = Binning::new(&[0.3, 0.3, 0.38, 0.02], &[30, 30, 38, 2], 5.0).unwrap();
        assert_eq!(
            outcomes(&b),
            vec![
                (BinKind::Single, vec![1]),
                (BinKind::Single, vec![2]),
                (BinKind::Pooled, vec![0, 3]),
            ]
        );
    }

    #[test]
    fn impossible_outcomes_are_kept_apart() {
        let p = [0.5, 0.0, 0.47, 0.03, 0.0];
        let b = Binning::new(&p, &[50, 1, 46, 3, 0], 5.0).unwrap();
        assert_eq!(
            outcomes(&b),
            vec![
                (BinKind::Single, vec![0]),
                (BinKind::Pooled, vec![2, 3]),
                (BinKind::Impossible, vec![1, 4]),
            ]
        );
        assert_eq!(b.df(), 1);
        assert_eq!(b.bins[2].observed, 1);
        assert_eq!(b.bins[2].expected, 0.0);
        assert_eq!(b.statistic(Statistic::Pearson), f64::INFINITY);
        assert_eq!(b.bins[2].residual(), f64::INFINITY);
        // Nothing impossible observed: the impossible bin adds nothing.
        let b = Binning::new(&p, &[50, 0, 47, 3, 0], 5.0).unwrap();
        assert_eq!(b.statistic(Statistic::Pearson), 0.0);
        assert_eq!(b.statistic(Statistic::GTest), 0.0);
        assert_eq!(b.bins[2].residual(), 0.0);
    }

    #[test]
    fn zero_min_expected_pools_nothing() {
        let b = Binning::new(&[0.999, 0.001], &[1000, 0], 0.0).unwrap();
        assert_eq!(b.bins.len(), 2);
        assert_eq!(b.df(), 1);
    }

    #[test]
    fn aggregate_maps_outcomes_to_bins() {
        let p = [0.4, 0.3, 0.2, 0.04, 0.03, 0.03];
        let b = Binning::new(&p, &[38, 31, 21, 6, 2, 2], 5.0).unwrap();
        assert_eq!(b.aggregate(&[1, 2, 3, 4, 5, 6]), vec![1, 2, 3, 15]);
        assert_eq!(b.aggregate(&[38, 31, 21, 6, 2, 2]), b.observed());
        assert_eq!(b.bin_of(4), 3);
        assert_eq!(b.outcome_count(), 6);
    }

    #[test]
    fn residuals() {
        let b = Binning::new(&[0.75, 0.25], &[70, 30], 0.0).unwrap();
        // (70 - 75)/sqrt(75); standardized: (70-75)/sqrt(75 * 0.25)
        assert!((b.bins[0].residual() - (-5.0 / 75f64.sqrt())).abs() < 1e-15);
        assert!((b.bins[0].standardized_residual() - (-5.0 / 18.75f64.sqrt())).abs() < 1e-15);
        let one = Binning::new(&[1.0], &[7], 0.0).unwrap();
        assert_eq!(one.bins[0].standardized_residual(), 0.0);
        assert_eq!(one.df(), 0);
    }

    #[test]
    fn bad_inputs_are_errors() {
        assert_eq!(
            Binning::new(&[], &[], 5.0),
            Err(StatsError::Empty("probabilities"))
        );
        assert!(matches!(
            Binning::new(&[0.5, 0.5], &[1], 5.0),
            Err(StatsError::LengthMismatch {
                left: 1,
                right: 2,
                ..
            })
        ));
        assert!(matches!(
            Binning::new(&[1.5, -0.5], &[1, 1], 5.0),
            Err(StatsError::BadProbability { index: 1, .. })
        ));
        assert!(matches!(
            Binning::new(&[f64::NAN, 1.0], &[1, 1], 5.0),
            Err(StatsError::BadProbability { index: 0, .. })
        ));
        assert!(matches!(
            Binning::new(&[0.5, 0.4], &[1, 1], 5.0),
            Err(StatsError::NotNormalized { .. })
        ));
        assert!(matches!(
            Binning::new(&[0.5, 0.5], &[1, 1], -1.0),
            Err(StatsError::OutOfRange {
                name: "min_expected",
                ..
            })
        ));
        assert_eq!(
            Binning::new(&[0.5, 0.5], &[0, 0], 5.0),
            Err(StatsError::NoObservations)
        );
        let msg = Binning::new(&[0.5, 0.4], &[1, 1], 5.0)
            .unwrap_err()
            .to_string();
        assert!(msg.contains("expected 1 within 1e-9"), "{msg}");
    }
}
