//! The Holm–Bonferroni correction for testing several distributions in one scenario, as
//! `statsmodels.stats.multitest.multipletests(p, alpha, method="holm")` computes it.

use super::StatsError;

/// Per-test results of the Holm correction, in the order the p-values were given.
#[derive(Debug, Clone, PartialEq)]
pub struct Holm {
    /// Whether each hypothesis is rejected at family-wise level alpha.
    pub rejected: Vec<bool>,
    /// Holm-adjusted p-values, capped at 1: hypothesis i is rejected iff its adjusted p ≤ alpha.
    pub adjusted: Vec<f64>,
}

/// Holm's step-down procedure at family-wise error rate `alpha`.
///
/// Sort the m p-values ascending, p₍₁₎ ≤ … ≤ p₍ₘ₎ (ties keep their given order). Reject
/// H₍₁₎, …, H₍ₖ₎ where k is the largest index such that p₍ⱼ₎ ≤ alpha / (m − j + 1) for every
/// j ≤ k; stop at the first p-value that fails. The adjusted p-values are
/// p̃₍ᵢ₎ = min(1, maxⱼ≤ᵢ (m − j + 1) p₍ⱼ₎).
///
/// # Errors
/// `alpha` outside (0, 1), or a p-value outside [0, 1] (including NaN).
pub fn holm(p_values: &[f64], alpha: f64) -> Result<Holm, StatsError> {
    if !(alpha > 0.0 && alpha < 1.0) {
        return Err(StatsError::OutOfRange {
            name: "alpha",
            value: alpha,
            expected: "a number in (0, 1)",
        });
    }
    if let Some(&p) = p_values.iter().find(|p| !(0.0..=1.0).contains(*p)) {
        return Err(StatsError::OutOfRange {
            name: "p-value",
            value: p,
            expected: "a number in [0, 1]",
        });
    }
    let m = p_values.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| p_values[a].total_cmp(&p_values[b])); // stable
    let mut rejected = vec![false; m];
    let mut adjusted = vec![0.0; m];
    let mut still_rejecting = true;
    let mut running_max = 0.0f64;
    for (j, &i) in order.iter().enumerate() {
        let factor = (m - j) as f64;
        still_rejecting = still_rejecting && p_values[i] <= alpha / factor;
        rejected[i] = still_rejecting;
        running_max = running_max.max(factor * p_values[i]);
        adjusted[i] = running_max.min(1.0);
    }
    Ok(Holm { rejected, adjusted })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn by_hand() {
        // m = 3, alpha = 0.05: thresholds 0.05/3, 0.05/2, 0.05/1.
        // sorted 0.01 (≤ 0.0167 reject), 0.02 (≤ 0.025 reject), 0.2 (> 0.05 keep)
        let h = holm(&[0.2, 0.01, 0.02], 0.05).unwrap();
        assert_eq!(h.rejected, vec![false, true, true]);
        let want = [0.2, 0.03, 0.04];
        for (a, w) in h.adjusted.iter().zip(want) {
            assert!((a - w).abs() < 1e-15, "{a} {w}");
        }
    }

    #[test]
    fn step_down_stops_at_first_failure() {
        // 0.04 > 0.05/2 stops; 0.045 ≤ 0.05 would pass alone but is not rejected.
        let h = holm(&[0.001, 0.04, 0.045], 0.05).unwrap();
        assert_eq!(h.rejected, vec![true, false, false]);
        assert_eq!(h.adjusted[2], 0.08); // max(0.003, 0.08, 0.045)
    }

    #[test]
    fn single_test_and_empty() {
        let h = holm(&[0.01], 0.01).unwrap();
        assert_eq!(h.rejected, vec![true]);
        assert_eq!(h.adjusted, vec![0.01]);
        assert_eq!(
            holm(&[], 0.05).unwrap(),
            Holm {
                rejected: vec![],
                adjusted: vec![]
            }
        );
    }

    #[test]
    fn bad_input() {
        assert!(holm(&[0.5], 0.0).is_err());
        assert!(holm(&[0.5], 1.0).is_err());
        assert!(holm(&[f64::NAN], 0.05).is_err());
        assert!(holm(&[1.5], 0.05).is_err());
    }
}
