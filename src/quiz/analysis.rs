//! Class statistics and item analysis, computed from the gradebook as plain numbers (formatting is
//! the exporters' job). Definitions, with n graded students, k questions, x_ij the points of
//! student j on question i (maximum m_i) and X_j = Σ_i x_ij the student's total:
//!
//! - mean = ΣX_j / n; median = middle value (mean of the two middle values for even n);
//! - stdev = √(Σ(X_j − mean)² / (n − 1)), the *sample* standard deviation (undefined for n < 2).
//!   Every variance here uses n − 1;
//! - facility_i = (Σ_j x_ij / n) / m_i;
//! - discrimination_i = Pearson correlation of x_i with X − x_i (the corrected item-total
//!   correlation), undefined when either has zero variance or n < 2;
//! - Cronbach's α = k/(k − 1) · (1 − Σ_i s²_i / s²_X) (KR-20 when every item is right/wrong),
//!   undefined when k < 2, n < 2 or s²_X = 0.
//!
//! Means, variances and covariances come from `statrs`; the formulas above are only wiring.

use std::collections::BTreeMap;

use statrs::statistics::{Data, OrderStatistics, Statistics};

use super::grade::{Given, Status};
use super::gradebook::Gradebook;
use super::key::{Key, Kind, Quiz};

/// Class summary of total scores (points).
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// Graded students.
    pub count: usize,
    /// `None` when nobody was graded (likewise below).
    pub mean: Option<f64>,
    /// Median total.
    pub median: Option<f64>,
    /// Sample standard deviation (n − 1); `None` when fewer than 2 students.
    pub stdev: Option<f64>,
    /// Lowest total.
    pub min: Option<f64>,
    /// Highest total.
    pub max: Option<f64>,
}

/// One bar of the score histogram: students whose percent is in `[from, to)` (the last bar
/// includes 100).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bin {
    /// Lower bound, percent.
    pub from: u32,
    /// Upper bound, percent.
    pub to: u32,
    /// Students in the bar.
    pub count: usize,
}

/// Item analysis of one question.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemStats {
    /// Question id.
    pub id: String,
    /// Question kind.
    pub kind: Kind,
    /// Question points.
    pub max: f64,
    /// Mean points / max; `None` when nobody was graded.
    pub facility: Option<f64>,
    /// Corrected item-total correlation; `None` when undefined.
    pub discrimination: Option<f64>,
    /// Students who gave no answer.
    pub unanswered: usize,
    /// Students whose answer could not be graded (wrong type, unknown option).
    pub invalid: usize,
    /// Option id → students who chose it (single, multiple; `true`/`false` for true-false);
    /// empty for short and numeric questions.
    pub options: BTreeMap<String, usize>,
}

impl ItemStats {
    /// True when the item's discrimination is negative: students who do well on the rest of the
    /// test do worse on this question — check its key and wording.
    pub fn negative_discrimination(&self) -> bool {
        self.discrimination.is_some_and(|d| d < 0.0)
    }
}

/// All statistics of a graded class.
#[derive(Debug, Clone, PartialEq)]
pub struct Analysis {
    /// Totals.
    pub summary: Summary,
    /// Ten bars of 10 percentage points.
    pub histogram: Vec<Bin>,
    /// One per question, in quiz order.
    pub items: Vec<ItemStats>,
    /// Reliability of the test; `None` when undefined.
    pub cronbach_alpha: Option<f64>,
}

impl Analysis {
    /// Computes every statistic of `book` for `quiz`.
    pub fn of(quiz: &Quiz, book: &Gradebook) -> Analysis {
        let totals: Vec<f64> = book.students.iter().map(|s| s.score).collect();
        let columns: Vec<Vec<f64>> = (0..quiz.questions.len())
            .map(|i| book.students.iter().map(|s| s.outcomes[i].points).collect())
            .collect();
        let items = quiz
            .questions
            .iter()
            .enumerate()
            .map(|(i, q)| {
                let col = &columns[i];
                let rest: Vec<f64> = totals.iter().zip(col).map(|(t, x)| t - x).collect();
                let mut options: BTreeMap<String, usize> = match &q.key {
                    Key::Single(_) | Key::Multiple { .. } => {
                        q.options.iter().map(|o| (o.id.clone(), 0)).collect()
                    }
                    Key::TrueFalse(_) => [("false".to_string(), 0), ("true".to_string(), 0)].into(),
                    _ => BTreeMap::new(),
                };
                let mut unanswered = 0;
                let mut invalid = 0;
                for s in &book.students {
                    let o = &s.outcomes[i];
                    match o.status {
                        Status::Unanswered => unanswered += 1,
                        Status::Invalid => invalid += 1,
                        _ => {}
                    }
                    match &o.given {
                        Some(Given::Options(ids)) => {
                            for id in ids {
                                *options.entry(id.clone()).or_default() += 1;
                            }
                        }
                        Some(Given::Bool(b)) => *options.entry(b.to_string()).or_default() += 1,
                        _ => {}
                    }
                }
                ItemStats {
                    id: q.id.clone(),
                    kind: q.kind(),
                    max: q.points,
                    facility: mean(col).map(|m| m / q.points),
                    discrimination: pearson(col, &rest),
                    unanswered,
                    invalid,
                    options,
                }
            })
            .collect();
        Analysis {
            summary: summary(&totals),
            histogram: histogram(book.students.iter().map(|s| s.percent)),
            items,
            cronbach_alpha: cronbach_alpha(&columns),
        }
    }
}

fn mean(xs: &[f64]) -> Option<f64> {
    (!xs.is_empty()).then(|| xs.iter().mean())
}

/// True when every value is the same (exactly: points are sums of the same few fractions).
fn constant(xs: &[f64]) -> bool {
    xs.windows(2).all(|w| w[0] == w[1])
}

/// Sample variance (n − 1), `None` for fewer than 2 values.
fn variance(xs: &[f64]) -> Option<f64> {
    (xs.len() >= 2).then(|| {
        if constant(xs) {
            0.0
        } else {
            xs.iter().variance()
        }
    })
}

/// Summary of totals.
pub fn summary(totals: &[f64]) -> Summary {
    let median = (!totals.is_empty()).then(|| Data::new(totals.to_vec()).median());
    Summary {
        count: totals.len(),
        mean: mean(totals),
        median,
        stdev: variance(totals).map(f64::sqrt),
        min: totals.iter().copied().reduce(f64::min),
        max: totals.iter().copied().reduce(f64::max),
    }
}

/// Pearson correlation; `None` for fewer than 2 pairs or a constant side.
pub fn pearson(x: &[f64], y: &[f64]) -> Option<f64> {
    if x.len() < 2 || x.len() != y.len() || constant(x) || constant(y) {
        return None;
    }
    let r = x.iter().covariance(y.iter()) / (x.iter().std_dev() * y.iter().std_dev());
    // Keep rounding noise from printing as "-0.000" or being flagged as negative.
    Some(if r.abs() < 1e-12 {
        0.0
    } else {
        r.clamp(-1.0, 1.0)
    })
}

/// Cronbach's α from one column of points per item.
pub fn cronbach_alpha(items: &[Vec<f64>]) -> Option<f64> {
    let k = items.len();
    if k < 2 {
        return None;
    }
    let n = items[0].len();
    let totals: Vec<f64> = (0..n).map(|j| items.iter().map(|c| c[j]).sum()).collect();
    let total_var = variance(&totals)?;
    if total_var == 0.0 {
        return None;
    }
    let item_var: f64 = items.iter().map(|c| variance(c).unwrap_or(0.0)).sum();
    let k = k as f64;
    Some(k / (k - 1.0) * (1.0 - item_var / total_var))
}

/// Ten bars of 10 percentage points; 100 % goes in the last.
pub fn histogram(percents: impl Iterator<Item = f64>) -> Vec<Bin> {
    let mut bins: Vec<Bin> = (0..10)
        .map(|i| Bin {
            from: i * 10,
            to: i * 10 + 10,
            count: 0,
        })
        .collect();
    for p in percents {
        // The slack keeps 70 % (stored as 69.99999999999999) in the 70–80 bar.
        let i = ((p / 10.0 + 1e-9).floor().max(0.0) as usize).min(9);
        bins[i].count += 1;
    }
    bins
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: Option<f64>, b: f64) -> bool {
        a.is_some_and(|a| (a - b).abs() < 1e-12)
    }

    // Four students, three right/wrong items (rows are students):
    //   s1: 1 1 1 (3)   s2: 1 1 0 (2)   s3: 1 0 0 (1)   s4: 0 0 0 (0)
    fn binary() -> Vec<Vec<f64>> {
        vec![
            vec![1.0, 1.0, 1.0, 0.0],
            vec![1.0, 1.0, 0.0, 0.0],
            vec![1.0, 0.0, 0.0, 0.0],
        ]
    }

    #[test]
    fn alpha_by_hand() {
        // Item variances (n − 1 = 3): item 1 mean .75, Σd² = 3·.0625 + .5625 = .75 → .25;
        // item 2 mean .5, Σd² = 1 → 1/3; item 3 like item 1 → .25. Sum = 5/6.
        // Totals 3, 2, 1, 0: mean 1.5, Σd² = 2.25 + .25 + .25 + 2.25 = 5 → 5/3.
        // α = 3/2 · (1 − (5/6)/(5/3)) = 3/2 · 1/2 = 0.75.
        // numpy: k/(k-1)*(1 - X.var(axis=0, ddof=1).sum()/X.sum(1).var(ddof=1)) == 0.75
        assert!(close(cronbach_alpha(&binary()), 0.75));
    }

    #[test]
    fn discrimination_by_hand() {
        let items = binary();
        let totals = [3.0, 2.0, 1.0, 0.0];
        let rest =
            |i: usize| -> Vec<f64> { totals.iter().zip(&items[i]).map(|(t, x)| t - x).collect() };
        // Item 1 vs rest (2, 1, 0, 0): dx = .25 .25 .25 −.75, dy = 1.25 .25 −.75 −.75;
        // Σdxdy = .75, Σdx² = .75, Σdy² = 2.75 → r = .75 / √(.75 · 2.75) = 0.5222329678670935
        // numpy: np.corrcoef(X[:,0], tot - X[:,0])[0,1] == 0.5222329678670935
        assert!(close(pearson(&items[0], &rest(0)), 0.5222329678670935));
        // Item 2 vs rest (2, 1, 1, 0): Σdxdy = 1, Σdx² = 1, Σdy² = 2 → r = 1/√2.
        assert!(close(
            pearson(&items[1], &rest(1)),
            std::f64::consts::FRAC_1_SQRT_2
        ));
        assert!(close(pearson(&items[2], &rest(2)), 0.5222329678670935));
    }

    #[test]
    fn partial_credit_items_against_numpy() {
        // Y = [[2,1,.5],[1,1,1],[0,0,1],[2,0,0],[1,1,.5]]; t = Y.sum(1)
        // np.corrcoef(Y[:,i], t - Y[:,i])[0,1] for i = 0, 1, 2:
        //   -0.2758386421836852, 0.4803844614152614, -0.49099025303098287
        // alpha (ddof=1): -0.40540540540540526; t.mean() 2.4, np.median(t) 2.5,
        // t.std(ddof=1) 0.9617692030835673
        let items = vec![
            vec![2.0, 1.0, 0.0, 2.0, 1.0],
            vec![1.0, 1.0, 0.0, 0.0, 1.0],
            vec![0.5, 1.0, 1.0, 0.0, 0.5],
        ];
        let t: Vec<f64> = (0..5).map(|j| items.iter().map(|c| c[j]).sum()).collect();
        let want = [
            -0.2758386421836852,
            0.4803844614152614,
            -0.49099025303098287,
        ];
        for (i, w) in want.iter().enumerate() {
            let rest: Vec<f64> = t.iter().zip(&items[i]).map(|(a, b)| a - b).collect();
            assert!(close(pearson(&items[i], &rest), *w), "item {i}");
        }
        assert!(close(cronbach_alpha(&items), -0.40540540540540526));
        let s = summary(&t);
        assert!(close(s.mean, 2.4) && close(s.median, 2.5));
        assert!(close(s.stdev, 0.9617692030835673));
        // Totals 3.5, 3, 1, 2, 2.5.
        assert_eq!((s.min, s.max, s.count), (Some(1.0), Some(3.5), 5));
    }

    #[test]
    fn undefined_statistics_are_none() {
        // Everyone right on item 1: zero variance, no correlation.
        assert_eq!(pearson(&[1.0, 1.0, 1.0], &[0.0, 1.0, 2.0]), None);
        assert_eq!(pearson(&[1.0], &[2.0]), None);
        // One item: α undefined; all totals equal: α undefined.
        assert_eq!(cronbach_alpha(&[vec![1.0, 0.0]]), None);
        assert_eq!(cronbach_alpha(&[vec![1.0, 0.0], vec![0.0, 1.0]]), None);
        let s = summary(&[]);
        assert_eq!((s.mean, s.median, s.stdev, s.min), (None, None, None, None));
        let s = summary(&[2.0]);
        assert_eq!((s.mean, s.median, s.stdev), (Some(2.0), Some(2.0), None));
    }

    #[test]
    fn median_of_even_count_is_mean_of_middles() {
        assert_eq!(summary(&[4.0, 1.0, 3.0, 2.0]).median, Some(2.5));
        assert_eq!(summary(&[5.0, 1.0, 3.0]).median, Some(3.0));
    }

    #[test]
    fn histogram_bars() {
        let p = [0.0, 9.99, 10.0, 0.7 * 100.0, 70.0, 99.9, 100.0];
        let counts: Vec<usize> = histogram(p.into_iter()).iter().map(|b| b.count).collect();
        assert_eq!(counts, [2, 1, 0, 0, 0, 0, 0, 2, 0, 2]);
    }
}
