//! Effect size and power: Cohen's w, the non-central χ² distribution, and the smallest effect a
//! chi-square check detects with a given power.
//!
//! Hand-written because statrs has no non-central χ² distribution and no root finder. The
//! non-central χ² is the Poisson mixture of central χ² distributions (Johnson, Kotz &
//! Balakrishnan, *Continuous Univariate Distributions* vol. 2, ch. 29):
//! P(X > x) = Σⱼ e^(−λ/2) (λ/2)ʲ / j! · Q(df/2 + j, x/2), with Q the regularized upper incomplete
//! gamma function from statrs. The sum starts at the Poisson mode and walks outwards in both
//! directions; both factors are log-concave in j, so once the terms decrease their ratio r can
//! only shrink and the rest of the tail is at most t·r/(1 − r), which is used as the stopping rule.

use statrs::function::gamma::{gamma_lr, gamma_ur};

use super::{StatsError, chi2_isf};

/// Relative size of the neglected tail of the Poisson mixture.
const TAIL: f64 = 1e-17;
/// Upper bound on the number of mixture terms on each side of the mode.
const MAX_TERMS: u64 = 1_000_000;

/// Survival function P(X > x) of the non-central χ² distribution with `df` > 0 degrees of
/// freedom and non-centrality `nc` ≥ 0 (scipy's `ncx2.sf(x, df, nc)`). Computed as a sum of
/// positive terms, not as 1 − cdf. NaN for invalid parameters.
pub fn ncx2_sf(x: f64, df: f64, nc: f64) -> f64 {
    if x.is_nan() || !(df > 0.0 && df.is_finite()) || !(nc >= 0.0 && nc.is_finite()) {
        return f64::NAN;
    }
    if x <= 0.0 {
        return 1.0;
    }
    if x == f64::INFINITY {
        return 0.0;
    }
    poisson_mixture(x, df, nc, gamma_ur)
}

/// Cumulative distribution function P(X ≤ x) of the non-central χ² distribution (scipy's
/// `ncx2.cdf(x, df, nc)`), computed directly so that small values keep their digits.
pub fn ncx2_cdf(x: f64, df: f64, nc: f64) -> f64 {
    if x.is_nan() || !(df > 0.0 && df.is_finite()) || !(nc >= 0.0 && nc.is_finite()) {
        return f64::NAN;
    }
    if x <= 0.0 {
        return 0.0;
    }
    if x == f64::INFINITY {
        return 1.0;
    }
    poisson_mixture(x, df, nc, gamma_lr)
}

/// Σⱼ Poisson(j; nc/2) · g(df/2 + j, x/2), for x in (0, ∞).
fn poisson_mixture(x: f64, df: f64, nc: f64, g: fn(f64, f64) -> f64) -> f64 {
    let h = nc / 2.0;
    let y = x / 2.0;
    let a = df / 2.0;
    if h == 0.0 {
        return g(a, y);
    }
    let weight = |j: u64| poisson_pmf(j, h);
    let term = |j: u64| {
        let w = weight(j);
        if w == 0.0 {
            0.0
        } else {
            w * g(a + j as f64, y)
        }
    };
    let mode = h.floor() as u64;
    let mut sum = term(mode);
    // Stop once terms decrease and the geometric bound on the rest is negligible.
    let done = |t: f64, prev: f64, sum: f64| {
        if t < prev {
            let r = t / prev;
            t * r / (1.0 - r) <= TAIL * sum
        } else {
            false
        }
    };
    let mut prev = sum;
    for j in mode + 1..=mode + MAX_TERMS {
        if weight(j) == 0.0 {
            break; // weights only shrink beyond the mode
        }
        let t = term(j);
        sum += t;
        if done(t, prev, sum) {
            break;
        }
        prev = t;
    }
    prev = term(mode);
    for j in (mode.saturating_sub(MAX_TERMS)..mode).rev() {
        let t = term(j);
        sum += t;
        if done(t, prev, sum) {
            break;
        }
        prev = t;
    }
    sum.min(1.0)
}

/// Poisson probability e^(−λ) λʲ / j!, by Loader's saddle-point form
/// e^(−stirlerr(j) − bd0(j, λ)) / √(2πj) (C. Loader, "Fast and accurate computation of binomial
/// probabilities", 2000; R's `dpois_raw`). The naive exp(−λ + j ln λ − ln j!) loses about
/// 1e-13 of relative accuracy for λ in the hundreds through cancellation in the exponent.
fn poisson_pmf(j: u64, lambda: f64) -> f64 {
    if j == 0 {
        return (-lambda).exp();
    }
    let x = j as f64;
    (-stirlerr(j) - bd0(x, lambda)).exp() / (2.0 * std::f64::consts::PI * x).sqrt()
}

/// ln j! − ln(√(2πj) (j/e)ʲ), the error of Stirling's formula (j ≥ 1).
fn stirlerr(j: u64) -> f64 {
    // ln j! - (j + 1/2) ln j + j - ln √(2π), j = 0..=15, computed with mpmath at 50 digits and
    // rounded to the nearest f64 (python: repr(float(v))).
    const SMALL: [f64; 16] = [
        0.0,
        0.08106146679532726,
        0.0413406959554093,
        0.02767792568499834,
        0.020790672103765093,
        0.016644691189821193,
        0.013876128823070748,
        0.01189670994589177,
        0.010411265261972096,
        0.009255462182712733,
        0.00833056343336287,
        0.007573675487951841,
        0.00694284010720953,
        0.006408994188004207,
        0.0059513701127588475,
        0.005554733551962801,
    ];
    const S0: f64 = 1.0 / 12.0;
    const S1: f64 = 1.0 / 360.0;
    const S2: f64 = 1.0 / 1260.0;
    const S3: f64 = 1.0 / 1680.0;
    const S4: f64 = 1.0 / 1188.0;
    if j <= 15 {
        return SMALL[j as usize];
    }
    let n = j as f64;
    let nn = n * n;
    if j > 500 {
        (S0 - S1 / nn) / n
    } else if j > 80 {
        (S0 - (S1 - S2 / nn) / nn) / n
    } else if j > 35 {
        (S0 - (S1 - (S2 - S3 / nn) / nn) / nn) / n
    } else {
        (S0 - (S1 - (S2 - (S3 - S4 / nn) / nn) / nn) / nn) / n
    }
}

/// x ln(x / m) + m − x, without cancellation when x ≈ m (Loader 2000).
fn bd0(x: f64, m: f64) -> f64 {
    if (x - m).abs() < 0.1 * (x + m) {
        let v = (x - m) / (x + m);
        let v2 = v * v;
        let mut s = (x - m) * v;
        let mut ej = 2.0 * x * v;
        for k in 1..1000 {
            ej *= v2;
            let s1 = s + ej / f64::from(2 * k + 1);
            if s1 == s {
                return s1;
            }
            s = s1;
        }
        s
    } else {
        x * (x / m).ln() + m - x
    }
}

/// Brent's method: a root of `f` in [`a`, `b`], where f(a) and f(b) have opposite signs (or one
/// is 0). Combines bisection (always safe) with secant and inverse quadratic interpolation (fast);
/// stops when the bracket is narrower than 4·ε·|x| + `xtol` (Brent 1973, *Algorithms for
/// Minimization without Derivatives*, ch. 4, in the form of Numerical Recipes' `zbrent`).
///
/// # Errors
/// [`StatsError::NoRoot`] when there is no sign change, `f` returns NaN, or 200 iterations do not
/// converge.
pub fn find_root(
    mut f: impl FnMut(f64) -> f64,
    a: f64,
    b: f64,
    xtol: f64,
) -> Result<f64, StatsError> {
    let xtol = xtol.max(f64::MIN_POSITIVE);
    let (fa, fb) = (f(a), f(b));
    if fa == 0.0 {
        return Ok(a);
    }
    if fb == 0.0 {
        return Ok(b);
    }
    if fa.is_nan() || fb.is_nan() || same_sign(fa, fb) {
        return Err(StatsError::NoRoot);
    }
    let mut s = Brent {
        a,
        b,
        c: b,
        fa,
        fb,
        fc: fb,
        d: b - a,
        e: b - a,
    };
    for _ in 0..200 {
        s.keep_bracketed();
        let tol = 2.0 * f64::EPSILON * s.b.abs() + 0.5 * xtol;
        let xm = 0.5 * (s.c - s.b);
        if xm.abs() <= tol || s.fb == 0.0 {
            return Ok(s.b);
        }
        s.choose_step(tol, xm);
        s.a = s.b;
        s.fa = s.fb;
        s.b += if s.d.abs() > tol {
            s.d
        } else {
            tol.copysign(xm)
        };
        s.fb = f(s.b);
        if s.fb.is_nan() {
            return Err(StatsError::NoRoot);
        }
    }
    Err(StatsError::NoRoot)
}

fn same_sign(u: f64, v: f64) -> bool {
    (u > 0.0 && v > 0.0) || (u < 0.0 && v < 0.0)
}

/// The state of Brent's method: `b` the best estimate, `a` the previous one, `c` the other end
/// of the bracket around the root; `d` the last step and `e` the one before.
struct Brent {
    a: f64,
    b: f64,
    c: f64,
    fa: f64,
    fb: f64,
    fc: f64,
    d: f64,
    e: f64,
}

impl Brent {
    /// Keeps the root between `b` and `c`, with `b` the end where |f| is smaller.
    fn keep_bracketed(&mut self) {
        if same_sign(self.fb, self.fc) {
            self.c = self.a;
            self.fc = self.fa;
            self.d = self.b - self.a;
            self.e = self.d;
        }
        if self.fc.abs() < self.fb.abs() {
            self.a = self.b;
            self.b = self.c;
            self.c = self.a;
            self.fa = self.fb;
            self.fb = self.fc;
            self.fc = self.fa;
        }
    }

    /// The next step `d`: interpolation (secant, or inverse quadratic) when it stays inside the
    /// bracket and shrinks fast enough, bisection (`xm`) otherwise.
    fn choose_step(&mut self, tol: f64, xm: f64) {
        let Brent {
            a,
            b,
            c,
            fa,
            fb,
            fc,
            ..
        } = *self;
        if self.e.abs() >= tol && fa.abs() > fb.abs() {
            let s = fb / fa;
            let (mut p, mut q);
            if a == c {
                // secant
                p = 2.0 * xm * s;
                q = 1.0 - s;
            } else {
                // inverse quadratic interpolation
                let qq = fa / fc;
                let r = fb / fc;
                p = s * (2.0 * xm * qq * (qq - r) - (b - a) * (r - 1.0));
                q = (qq - 1.0) * (r - 1.0) * (s - 1.0);
            }
            if p > 0.0 {
                q = -q;
            }
            p = p.abs();
            let min1 = 3.0 * xm * q - (tol * q).abs();
            let min2 = (self.e * q).abs();
            if 2.0 * p < min1.min(min2) {
                self.e = self.d;
                self.d = p / q;
            } else {
                self.d = xm;
                self.e = self.d;
            }
        } else {
            self.d = xm;
            self.e = self.d;
        }
    }
}

/// Cohen's w of observed counts against expected probabilities:
/// w = √(Σ (p̂ᵢ − pᵢ)² / pᵢ) with p̂ᵢ = Oᵢ / n, n = Σ O; equivalently w = √(X² / n). Outcomes with
/// pᵢ = 0 add 0 if never observed and make w infinite otherwise. NaN when n = 0.
///
/// # Panics
/// If the slices have different lengths (a programming error).
pub fn cohens_w(observed: &[u64], expected_p: &[f64]) -> f64 {
    assert_eq!(
        observed.len(),
        expected_p.len(),
        "observed/expected_p length"
    );
    let n: u64 = observed.iter().sum();
    if n == 0 {
        return f64::NAN;
    }
    let n = n as f64;
    let sum: f64 = observed
        .iter()
        .zip(expected_p)
        .map(|(&o, &p)| {
            let d = o as f64 / n - p;
            if p == 0.0 {
                if o == 0 { 0.0 } else { f64::INFINITY }
            } else {
                d * d / p
            }
        })
        .sum();
    sum.sqrt()
}

fn check_alpha(alpha: f64) -> Result<(), StatsError> {
    if alpha > 0.0 && alpha < 1.0 {
        Ok(())
    } else {
        Err(StatsError::OutOfRange {
            name: "alpha",
            value: alpha,
            expected: "a number in (0, 1)",
        })
    }
}

fn check_n(n: u64) -> Result<(), StatsError> {
    if n == 0 {
        Err(StatsError::NoObservations)
    } else {
        Ok(())
    }
}

/// Power of the asymptotic chi-square test at level `alpha` with `df` ≥ 1 degrees of freedom and
/// `n` samples against an alternative of effect size `w`: P(χ²(df, λ) > c) with λ = n·w² and c the
/// critical value, P(χ²(df) > c) = alpha (Cohen 1988, *Statistical Power Analysis*, ch. 7).
///
/// # Errors
/// `alpha` outside (0, 1), `df` = 0, n = 0, or `w` negative or not finite.
pub fn chi_square_power(w: f64, df: usize, n: u64, alpha: f64) -> Result<f64, StatsError> {
    check_alpha(alpha)?;
    check_n(n)?;
    if !(w >= 0.0 && w.is_finite()) {
        return Err(StatsError::OutOfRange {
            name: "w",
            value: w,
            expected: "a finite number >= 0",
        });
    }
    let crit = chi2_isf(alpha, df)?;
    Ok(ncx2_sf(crit, df as f64, n as f64 * w * w))
}

/// The smallest effect size w that the asymptotic chi-square test (level `alpha`, `df` ≥ 1 degrees
/// of freedom, `n` samples) detects with probability `power`: w = √(λ / n), where λ solves
/// P(χ²(df, λ) > c) = `power` and P(χ²(df) > c) = alpha. λ is found by [`find_root`] on [0, λ_hi],
/// λ_hi doubled from 1 until the power there is reached.
///
/// # Errors
/// `alpha` outside (0, 1), `power` outside (alpha, 1), `df` = 0, n = 0.
pub fn detectable_effect(df: usize, n: u64, alpha: f64, power: f64) -> Result<f64, StatsError> {
    check_alpha(alpha)?;
    check_n(n)?;
    if !(power > alpha && power < 1.0) {
        return Err(StatsError::OutOfRange {
            name: "power",
            value: power,
            expected: "a number between alpha and 1",
        });
    }
    let crit = chi2_isf(alpha, df)?;
    let dff = df as f64;
    let f = |nc: f64| ncx2_sf(crit, dff, nc) - power;
    let mut hi = 1.0;
    while f(hi) < 0.0 {
        hi *= 2.0;
        if hi > 1e12 {
            return Err(StatsError::NoRoot);
        }
    }
    let nc = find_root(f, 0.0, hi, 0.0)?;
    Ok((nc / n as f64).sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::chi2_sf;

    #[test]
    fn central_case_matches_chi2() {
        for (x, df) in [(3.0, 1), (16.8, 6), (250.0, 199)] {
            let a = ncx2_sf(x, df as f64, 0.0);
            let b = chi2_sf(x, df);
            assert!((a - b).abs() <= 1e-14 * b, "{x} {df}");
        }
    }

    #[test]
    fn sf_plus_cdf_is_one() {
        for (x, df, nc) in [
            (5.0, 2.0, 1.0),
            (50.0, 10.0, 20.0),
            (1.0, 3.0, 25.0),
            (900.0, 7.0, 800.0),
        ] {
            let s = ncx2_sf(x, df, nc) + ncx2_cdf(x, df, nc);
            assert!((s - 1.0).abs() < 1e-13, "{x} {df} {nc}: {s}");
        }
    }

    #[test]
    fn monotone_in_nc_and_x() {
        let mut last = 0.0;
        for nc in [0.0, 0.5, 1.0, 2.0, 5.0, 10.0, 40.0] {
            let s = ncx2_sf(6.0, 2.0, nc);
            assert!(s > last, "{nc}");
            last = s;
        }
        let mut last = 1.0;
        for x in [0.5, 1.0, 5.0, 10.0, 40.0] {
            let s = ncx2_sf(x, 4.0, 3.0);
            assert!(s < last, "{x}");
            last = s;
        }
    }

    #[test]
    fn invalid_parameters_are_nan() {
        assert!(ncx2_sf(1.0, 0.0, 1.0).is_nan());
        assert!(ncx2_sf(1.0, 1.0, -1.0).is_nan());
        assert!(ncx2_cdf(f64::NAN, 1.0, 1.0).is_nan());
        assert_eq!(ncx2_sf(0.0, 1.0, 1.0), 1.0);
        assert_eq!(ncx2_cdf(f64::INFINITY, 1.0, 1.0), 1.0);
    }

    #[test]
    fn poisson_pmf_matches_naive_where_that_is_exact_enough() {
        for (j, l) in [
            (0u64, 3.0f64),
            (1, 0.5),
            (3, 2.0),
            (15, 10.0),
            (16, 12.5),
            (40, 35.0),
        ] {
            let mut naive = (-l).exp();
            for i in 1..=j {
                naive *= l / i as f64;
            }
            let p = poisson_pmf(j, l);
            assert!((p - naive).abs() <= 1e-14 * naive, "{j} {l}: {p} {naive}");
        }
        // Sums to 1 at a large mean.
        let total: f64 = (0..2000).map(|j| poisson_pmf(j, 400.0)).sum();
        assert!((total - 1.0).abs() < 1e-14, "{total}");
    }

    #[test]
    fn brent_finds_roots() {
        let r = find_root(|x| x * x - 2.0, 0.0, 2.0, 0.0).unwrap();
        assert!((r - 2f64.sqrt()).abs() < 1e-15);
        let r = find_root(|x| x.cos() - x, 0.0, 1.0, 0.0).unwrap();
        assert!((r.cos() - r).abs() < 1e-15);
        let r = find_root(|x| (x - 1e-3).powi(3), -1.0, 1.0, 0.0).unwrap();
        assert!((r - 1e-3).abs() < 1e-6);
        assert_eq!(find_root(|x| x, 0.0, 1.0, 0.0), Ok(0.0));
        assert_eq!(
            find_root(|x| x * x + 1.0, -1.0, 1.0, 0.0),
            Err(StatsError::NoRoot)
        );
        assert_eq!(
            find_root(|_| f64::NAN, -1.0, 1.0, 0.0),
            Err(StatsError::NoRoot)
        );
    }

    #[test]
    fn cohens_w_is_sqrt_x2_over_n() {
        let obs = [60, 25, 15];
        let p = [0.5, 0.3, 0.2];
        let x2 = crate::stats::pearson(&obs, &[50.0, 30.0, 20.0]);
        assert!((cohens_w(&obs, &p) - (x2 / 100.0).sqrt()).abs() < 1e-15);
        assert_eq!(cohens_w(&[50, 30, 20], &p), 0.0);
        assert_eq!(cohens_w(&[1, 1], &[1.0, 0.0]), f64::INFINITY);
        assert_eq!(cohens_w(&[1, 0], &[1.0, 0.0]), 0.0);
        assert!(cohens_w(&[0, 0], &[0.5, 0.5]).is_nan());
    }

    #[test]
    fn detectable_effect_has_the_requested_power() {
        let w = detectable_effect(6, 10_000, 0.01, 0.8).unwrap();
        let power = chi_square_power(w, 6, 10_000, 0.01).unwrap();
        assert!((power - 0.8).abs() < 1e-12, "{power}");
        // More samples detect smaller effects, at rate 1/√n.
        let w4 = detectable_effect(6, 40_000, 0.01, 0.8).unwrap();
        assert!((w4 - w / 2.0).abs() < 1e-12);
        // Power at w = 0 is alpha.
        assert!((chi_square_power(0.0, 3, 100, 0.05).unwrap() - 0.05).abs() < 1e-14);
    }

    #[test]
    fn power_inputs_are_checked() {
        assert!(detectable_effect(0, 10, 0.05, 0.8).is_err());
        assert!(detectable_effect(1, 0, 0.05, 0.8).is_err());
        assert!(detectable_effect(1, 10, 0.0, 0.8).is_err());
        assert!(detectable_effect(1, 10, 0.05, 0.01).is_err());
        assert!(detectable_effect(1, 10, 0.05, 1.0).is_err());
        assert!(chi_square_power(-1.0, 1, 10, 0.05).is_err());
    }
}
