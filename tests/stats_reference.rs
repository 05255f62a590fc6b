//! The statistics library against independently computed reference values.
//!
//! Every number below was produced by scipy 1.17.1 / statsmodels 0.15.0 (Python 3) with the
//! call quoted next to it; `stats` is `scipy.stats`, `optimize` is `scipy.optimize`. Agreement is
//! required to 1e-9 relative (the bar); most values agree to ~1e-14.

use coinflip::stats::*;

/// |got − want| ≤ rel · |want| (exact equality when want is 0).
#[track_caller]
fn close(got: f64, want: f64, rel: f64) {
    let ok = if want == 0.0 {
        got == 0.0
    } else {
        (got - want).abs() <= rel * want.abs()
    };
    assert!(
        ok,
        "got {got:e}, want {want:e} (rel err {:e})",
        ((got - want) / want).abs()
    );
}

const REL: f64 = 1e-9;

/// Checks the Pearson and G statistics and their asymptotic p-values for `probs`/`observed`
/// (no pooling) against `(x2, p_x2, g, p_g)`.
#[track_caller]
fn check_unpooled(probs: &[f64], observed: &[u64], want: (f64, f64, f64, f64)) {
    let b = Binning::new(probs, observed, 0.0).unwrap();
    let t = asymptotic_test(&b, Statistic::Pearson);
    assert_eq!(t.df, probs.len() - 1);
    close(t.statistic, want.0, REL);
    close(t.p_value, want.1, REL);
    let t = asymptotic_test(&b, Statistic::GTest);
    close(t.statistic, want.2, REL);
    close(t.p_value, want.3, REL);
}

const DEMO_P: [f64; 7] = [0.32, 0.21, 0.14, 0.11, 0.09, 0.07, 0.06];

#[test]
fn chapter_demo_distribution() {
    // o = [3250,2080,1370,1120,880,710,590]; e = [3200,2100,1400,1100,900,700,600]
    // stats.chisquare(o, f_exp=e)  -> 2.732187950937951, 0.8416307884543132
    // stats.power_divergence(o, f_exp=e, lambda_="log-likelihood")
    //                              -> 2.734803177779895, 0.8413194340001809
    check_unpooled(
        &DEMO_P,
        &[3250, 2080, 1370, 1120, 880, 710, 590],
        (
            2.732187950937951,
            0.8416307884543132,
            2.734803177779895,
            0.8413194340001809,
        ),
    );
}

#[test]
fn off_by_one_sampler_that_skips_the_last_outcome() {
    // o = [3400,2231,1490,1170,957,752,0], same e as the demo
    // stats.chisquare(o, f_exp=e)  -> 638.3850216450217, 1.2196928130091673e-134
    // stats.power_divergence(o, f_exp=e, lambda_="log-likelihood")
    //                              -> 1237.589764276679, 3.501582505666244e-264
    check_unpooled(
        &DEMO_P,
        &[3400, 2231, 1490, 1170, 957, 752, 0],
        (
            638.3850216450217,
            1.2196928130091673e-134,
            1237.589764276679,
            3.501582505666244e-264,
        ),
    );
}

#[test]
fn large_sample() {
    // o = [321000,209500,140100,109800,90200,69900,59500]
    // e = [320000,210000,140000,110000,90000,70000,60000]
    // stats.chisquare(o, f_exp=e)  -> 9.50450937950938, 0.1471292654245528
    // stats.power_divergence(o, f_exp=e, lambda_="log-likelihood")
    //                              -> 9.513770547110767, 0.14667850598557788
    check_unpooled(
        &DEMO_P,
        &[321000, 209500, 140100, 109800, 90200, 69900, 59500],
        (
            9.50450937950938,
            0.1471292654245528,
            9.513770547110767,
            0.14667850598557788,
        ),
    );
}

#[test]
fn zero_observed_counts() {
    // stats.chisquare([0,7,3,10], f_exp=[2,8,4,6]) -> 5.041666666666666, 0.16877140827968312
    // stats.power_divergence([0,7,3,10], f_exp=[2,8,4,6], lambda_="log-likelihood")
    //                              -> 6.620980543865811, 0.08501150899411554
    check_unpooled(
        &[0.1, 0.4, 0.2, 0.3],
        &[0, 7, 3, 10],
        (
            5.041666666666666,
            0.16877140827968312,
            6.620980543865811,
            0.08501150899411554,
        ),
    );
}

fn uniform_200(modulus: u64, offset: u64) -> Vec<u64> {
    (0..200u64)
        .map(|i| 50 + (i * 37) % modulus - offset)
        .collect()
}

#[test]
fn many_degrees_of_freedom() {
    let p = vec![1.0 / 200.0; 200];
    // o = [50+((i*37)%31)-15 for i in range(200)]; n = sum(o) (= 9995)
    // stats.chisquare(o, f_exp=[n/200]*200) -> 320.89794897448724, 9.441138824369031e-08
    // stats.power_divergence(o, f_exp=[n/200]*200, lambda_="log-likelihood")
    //                                       -> 323.8184557889796, 5.280329173974085e-08
    let o = uniform_200(31, 15);
    assert_eq!(o.iter().sum::<u64>(), 9995);
    check_unpooled(
        &p,
        &o,
        (
            320.89794897448724,
            9.441138824369031e-08,
            323.8184557889796,
            5.280329173974085e-08,
        ),
    );
    // o = [50+((i*37)%23)-11 for i in range(200)] (n = 9986), same calls
    //   -> 176.94812737832967, 0.8676405669094104; 177.85166408571925, 0.8568801165504925
    let o = uniform_200(23, 11);
    assert_eq!(o.iter().sum::<u64>(), 9986);
    check_unpooled(
        &p,
        &o,
        (
            176.94812737832967,
            0.8676405669094104,
            177.85166408571925,
            0.8568801165504925,
        ),
    );
}

#[test]
fn tiny_p_value_is_not_rounded_to_zero() {
    // stats.chisquare([1380,0], f_exp=[690,690]) -> 1380.0, 4.661158455674e-302
    let b = Binning::new(&[0.5, 0.5], &[1380, 0], 0.0).unwrap();
    let t = asymptotic_test(&b, Statistic::Pearson);
    close(t.statistic, 1380.0, REL);
    close(t.p_value, 4.661158455674e-302, REL);
    // The same via 1 - cdf would be exactly 0.
    use statrs::distribution::{ChiSquared, ContinuousCDF};
    assert_eq!(1.0 - ChiSquared::new(1.0).unwrap().cdf(1380.0), 0.0);
    // stats.power_divergence([1380,0], f_exp=[690,690], lambda_="log-likelihood")
    //   -> 1913.086218345449, 0.0 (the true value, ~1e-417, is below the smallest f64)
    let t = asymptotic_test(&b, Statistic::GTest);
    close(t.statistic, 1913.086218345449, REL);
    assert_eq!(t.p_value, 0.0);
}

#[test]
fn chi2_survival_function() {
    // stats.chi2.sf(x, df) for each (x, df):
    let cases = [
        (0.5, 1, 0.47950012218695337),
        (3.5, 2, 0.1737739434504451),
        (16.811893829770927, 6, 0.01000000000000001),
        (150.0, 100, 0.0009039320423540184),
        (1e-3, 5, 0.9999999983185123),
        (700.0, 1, 2.990226975124623e-154),
        (1380.0, 1, 4.661158455674e-302),
        (1400.0, 3, 2.945619361016289e-303),
        (30.0, 3, 1.3800570312932553e-06),
        (250.0, 199, 0.008230113044724758),
        (51000.0, 50000, 0.0008345791931219171),
        (60000.0, 50000, 1.4425490540043752e-194),
    ];
    for (x, df, want) in cases {
        close(chi2_sf(x, df), want, REL);
    }
}

#[test]
fn chi2_critical_values() {
    // stats.chi2.isf(alpha, df) for each (alpha, df):
    let cases = [
        (0.01, 6, 16.811893829770927),
        (0.05, 1, 3.8414588206941285),
        (0.01, 199, 248.32859572006595),
        (0.001, 3, 16.26623619623813),
        (1e-10, 4, 52.66796321106174),
        (0.01, 50000, 50738.59574522719),
    ];
    for (alpha, df, want) in cases {
        close(chi2_isf(alpha, df).unwrap(), want, REL);
    }
}

#[test]
fn pooled_tail_of_rare_outcomes() {
    // n = 200, expected 60,42,28,22,18,14,10,3,2,1: the last three (< 5) pool into one bin of 6.
    let p = [0.30, 0.21, 0.14, 0.11, 0.09, 0.07, 0.05, 0.015, 0.01, 0.005];
    let b = Binning::new(&p, &[55, 47, 30, 20, 15, 16, 8, 4, 5, 0], 5.0).unwrap();
    assert_eq!(b.bins.len(), 8);
    assert_eq!(b.bins[7].kind, BinKind::Pooled);
    assert_eq!(b.bins[7].outcomes, vec![7, 8, 9]);
    assert_eq!(b.observed(), vec![55, 47, 30, 20, 15, 16, 8, 9]);
    for (got, want) in b
        .expected()
        .iter()
        .zip([60., 42., 28., 22., 18., 14., 10., 6.])
    {
        close(*got, want, 1e-12);
    }
    // stats.chisquare([55,47,30,20,15,16,8,9], f_exp=[60,42,28,22,18,14,10,6])
    //   -> 4.022294372294372, 0.7772059782381199
    // stats.power_divergence(<same>, lambda_="log-likelihood")
    //   -> 3.860277055379387, 0.795722859635589
    let t = asymptotic_test(&b, Statistic::Pearson);
    assert_eq!(t.df, 7);
    close(t.statistic, 4.022294372294372, REL);
    close(t.p_value, 0.7772059782381199, REL);
    let t = asymptotic_test(&b, Statistic::GTest);
    close(t.statistic, 3.860277055379387, REL);
    close(t.p_value, 0.795722859635589, REL);
}

#[test]
fn pooled_bin_absorbs_the_smallest_remaining_outcome() {
    // n = 100, expected 40,30,27,2,1: {3,4} = 3 < 5 takes outcome 2 (27, the smallest left).
    let b = Binning::new(&[0.4, 0.3, 0.27, 0.02, 0.01], &[45, 25, 24, 5, 1], 5.0).unwrap();
    assert_eq!(b.bins[2].outcomes, vec![2, 3, 4]);
    assert_eq!(b.observed(), vec![45, 25, 30]);
    // stats.chisquare([45,25,30], f_exp=[40,30,30]) -> 1.4583333333333335, 0.48231074829127807
    // stats.power_divergence([45,25,30], f_exp=[40,30,30], lambda_="log-likelihood")
    //   -> 1.4843953693767826, 0.47606652091737767
    let t = asymptotic_test(&b, Statistic::Pearson);
    assert_eq!(t.df, 2);
    close(t.statistic, 1.4583333333333335, REL);
    close(t.p_value, 0.48231074829127807, REL);
    let t = asymptotic_test(&b, Statistic::GTest);
    close(t.statistic, 1.4843953693767826, REL);
    close(t.p_value, 0.47606652091737767, REL);
}

#[test]
fn noncentral_chi2() {
    // stats.ncx2.sf(x, df, nc), stats.ncx2.cdf(x, df, nc) for each (x, df, nc):
    let cases = [
        (
            16.811893829770927,
            6.0,
            10.0,
            0.40553643642956594,
            0.5944635635704346,
        ),
        (
            3.841458820694124,
            1.0,
            7.848879734349086,
            0.8000009605622265,
            0.19999903943777358,
        ),
        (5.0, 2.0, 1.0, 0.18929003742928027, 0.8107099625707197),
        (50.0, 10.0, 20.0, 0.03559282256461013, 0.9644071774353902),
        (1.0, 3.0, 25.0, 0.9999950945747309, 4.9054252690677785e-06),
        (200.0, 150.0, 30.0, 0.16370210532273036, 0.8362978946772702),
        (100.0, 4.0, 200.0, 0.9999901298262156, 9.870173784027484e-06),
        (900.0, 7.0, 800.0, 0.05340093936076573, 0.9465990606392346),
        (1e-4, 2.0, 0.5, 0.9999610606909636, 3.893930903645558e-05),
        (400.0, 3.0, 30.0, 1.5923431497527526e-47, 1.0),
        (13000.0, 10.0, 10000.0, 1.1009131179681768e-44, 1.0),
        (8000.0, 10.0, 10000.0, 1.0, 1.4147555316204785e-26),
        (
            10500.0,
            0.5,
            10000.0,
            0.006718401840919749,
            0.9932815981590819,
        ),
    ];
    for (x, df, nc, sf, cdf) in cases {
        close(ncx2_sf(x, df, nc), sf, REL);
        close(ncx2_cdf(x, df, nc), cdf, REL);
    }
}

#[test]
fn smallest_detectable_effect_at_power_080() {
    // crit = stats.chi2.isf(alpha, df)
    // lam = optimize.brentq(lambda l: stats.ncx2.sf(crit, df, l) - 0.8, 1e-9, 1e4,
    //                       xtol=1e-14, rtol=1e-15); w = sqrt(lam / n)
    let cases = [
        (0.01, 6, 10_000, 0.04344174464174846),
        (0.05, 1, 100, 0.28015817870135806),
        (0.05, 3, 1000, 0.10441534030080668),
        (0.01, 199, 9000, 0.08916165358265235),
        (0.001, 1, 50, 0.5843739693926748),
    ];
    for (alpha, df, n, w) in cases {
        close(detectable_effect(df, n, alpha, 0.8).unwrap(), w, REL);
        close(chi_square_power(w, df, n, alpha).unwrap(), 0.8, REL);
    }
}

#[test]
fn holm_matches_statsmodels() {
    // rej, adj, _, _ = multipletests(p, alpha=a, method="holm")
    #[allow(clippy::type_complexity)]
    let cases: [(&[f64], f64, &[bool], &[f64]); 5] = [
        (
            &[0.01, 0.04, 0.03, 0.005],
            0.05,
            &[true, false, false, true],
            &[0.03, 0.06, 0.06, 0.02],
        ),
        (
            &[0.2, 0.001, 0.0125, 0.013, 0.5],
            0.05,
            &[false, true, true, true, false],
            &[0.4, 0.005, 0.05, 0.05, 0.5],
        ),
        (
            &[0.03, 0.03, 0.01],
            0.05,
            &[false, false, true],
            &[0.06, 0.06, 0.03],
        ),
        (
            &[1e-300, 0.9, 0.011],
            0.01,
            &[true, false, false],
            &[3e-300, 0.9, 0.022],
        ),
        (&[0.6, 0.7], 0.05, &[false, false], &[1.0, 1.0]),
    ];
    for (p, alpha, rejected, adjusted) in cases {
        let h = holm(p, alpha).unwrap();
        assert_eq!(h.rejected, rejected, "{p:?}");
        for (got, want) in h.adjusted.iter().zip(adjusted) {
            close(*got, *want, 1e-15);
        }
    }
}

#[test]
fn clopper_pearson_matches_statsmodels() {
    // lo, hi = proportion_confint(k, n, alpha=a, method="beta")
    let cases = [
        (12, 1000, 0.05, 0.006215525559595245, 0.020867679591036414),
        (0, 50, 0.05, 0.0, 0.07112173646419767),
        (50, 50, 0.05, 0.9288782635358024, 1.0),
        (7, 20, 0.05, 0.15390920478454118, 0.5921885345328282),
        (
            1,
            1_000_000,
            0.05,
            2.5317807663794178e-08,
            5.571630655166941e-06,
        ),
        (500, 1000, 0.05, 0.46854917297179194, 0.5314508270282081),
        (12, 1000, 0.01, 0.004958163108349857, 0.023998498536639913),
        (3, 10, 0.1, 0.08726443391415033, 0.6066242161054123),
        (
            500,
            100_000,
            0.05,
            0.0045722441500705875,
            0.005456841177010281,
        ),
        (3, 100_000, 0.05, 6.186763958922033e-06, 8.7670202566362e-05),
        (
            10_000,
            1_000_000,
            0.05,
            0.009805906240745812,
            0.010196939813514648,
        ),
    ];
    for (k, n, a, lo, hi) in cases {
        let i = clopper_pearson(k, n, 1.0 - a).unwrap();
        close(i.lower, lo, REL);
        close(i.upper, hi, REL);
    }
}

/// `docs/statistics.md` with runs of whitespace (including line breaks) collapsed to one space.
fn statistics_doc() -> String {
    let raw = include_str!("../docs/statistics.md");
    raw.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[track_caller]
fn doc_says(doc: &str, text: &str) {
    assert!(doc.contains(text), "docs/statistics.md should say: {text}");
}

/// Fixed decimals with trailing zeros dropped: 0.060 -> "0.06".
fn short(x: f64, decimals: usize) -> String {
    let s = format!("{x:.decimals$}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

#[test]
fn docs_examples_match_the_library() {
    let doc = statistics_doc();

    // The pooling worked example: its table and results.
    let p = [0.30, 0.21, 0.14, 0.11, 0.09, 0.07, 0.05, 0.015, 0.01, 0.005];
    let b = Binning::new(&p, &[55, 47, 30, 20, 15, 16, 8, 4, 5, 0], 5.0).unwrap();
    for (i, bin) in b.bins.iter().enumerate() {
        let label = match bin.kind {
            BinKind::Pooled => format!("{} (pooled)", i + 1),
            _ => format!("{}", i + 1),
        };
        let outcomes: Vec<String> = bin.outcomes.iter().map(|o| (o + 1).to_string()).collect();
        doc_says(
            &doc,
            &format!(
                "| {label} | {} | {:.3} | {:.1} | {} |",
                outcomes.join(", "),
                bin.expected_p,
                bin.expected,
                bin.observed
            ),
        );
    }
    let x = asymptotic_test(&b, Statistic::Pearson);
    let g = asymptotic_test(&b, Statistic::GTest);
    doc_says(
        &doc,
        &format!(
            "Pearson: X² = {:.4}, df = {}, p = {:.4}. G-test: G = {:.4}, df = {}, p = {:.4}.",
            x.statistic, x.df, x.p_value, g.statistic, g.df, g.p_value
        ),
    );

    // Cohen's w of the two demo bugs (exact expected counts of the buggy samplers, n = 10000).
    let skip_last = cohens_w(&[3200, 2100, 1400, 1100, 900, 1300, 0], &DEMO_P);
    let swap = cohens_w(&[2100, 3200, 1400, 1100, 900, 700, 600], &DEMO_P);
    doc_says(
        &doc,
        &format!(
            "never returns the last outcome (its mass going to the one before) has w = {skip_last:.4}"
        ),
    );
    doc_says(
        &doc,
        &format!("swaps the two most probable outcomes has w = {swap:.4}"),
    );

    // The power example.
    let c = chi2_isf(0.01, 6).unwrap();
    let w = detectable_effect(6, 10_000, 0.01, 0.8).unwrap();
    doc_says(
        &doc,
        &format!("has c = {c:.4} and detects w = {w:.4} with power 0.8"),
    );
    assert!(chi_square_power(0.02, 6, 10_000, 0.01).unwrap() < 0.2);
    assert!(chi_square_power(skip_last.min(swap), 6, 10_000, 0.01).unwrap() > 1.0 - 1e-9);

    // The Holm example.
    let h = holm(&[0.004, 0.03, 0.2], 0.05).unwrap();
    assert_eq!(h.rejected, vec![true, false, false]);
    let adjusted: Vec<String> = h.adjusted.iter().map(|&a| short(a, 3)).collect();
    doc_says(
        &doc,
        &format!("Adjusted p-values: {}.", adjusted.join(", ")),
    );

    // The Clopper–Pearson example.
    let i = clopper_pearson(12, 1000, 0.95).unwrap();
    assert!(i.contains(0.01));
    doc_says(
        &doc,
        &format!("[{:.5}, {:.5}], which contains α = 0.01", i.lower, i.upper),
    );
}
