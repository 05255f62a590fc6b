//! The chi-square check: proof that the coin is flipped with the right bias. For each tested
//! distribution it draws `samples` tokens with the real sampler, counts them, and tests the
//! counts against the probabilities the sampler says it samples from (the model's distribution
//! after the scenario's transforms), with the statistics of [`crate::stats`].
//!
//! "The real sampler" is [`crate::sample::Sampler`] itself for a model's distribution whose step
//! is not the flat draw (randomness contract 2: the hierarchical, ranked and rejection draws of
//! the smoothed models), so the check tests the code that generates; the flat draw (MLE, the
//! listed transforms, an explicit distribution) is the cumulative draw over the tested table,
//! which is exactly what that step does.
//!
//! Streams: the draws for tested distribution j come from `stream(seed, ChiSquare, j)`; Monte
//! Carlo replicate r of distribution j from `stream(seed, MonteCarlo, (j << 32) | r)`.

use rand_chacha::ChaCha20Rng;

use crate::lm::LanguageModel;
use crate::results::{BinReport, ChartBins, ChiSquareDetail, DETECTABLE_POWER};
use crate::sample::{self, Cumulative, Domain, Draw, Sampler, SamplerConfig};
use crate::scenario::{ChiSquareCheck, Method};
use crate::stats::{self, BinKind, Binning};
use crate::tokenize::TokenId;

/// A distribution to test: outcome labels and their probabilities (summing to 1).
#[derive(Debug, Clone)]
pub struct Tested {
    /// The context the distribution belongs to (for reports).
    pub context: String,
    pub labels: Vec<String>,
    pub probs: Vec<f64>,
    /// For a model's next-token distribution: what the sampler needs to draw it itself; `None`
    /// for an explicit distribution.
    pub model: Option<ModelContext>,
}

/// A model's distribution as the sampler sees it.
#[derive(Debug, Clone)]
pub struct ModelContext {
    /// The history the distribution follows (start padding included).
    pub history: Vec<TokenId>,
    /// The token id of each outcome, ascending (the order of `labels` and `probs`).
    pub ids: Vec<TokenId>,
}

/// The model and sampler configuration a model scenario's check draws with.
#[derive(Clone, Copy)]
pub struct SamplerUnderTest<'a> {
    pub model: &'a dyn LanguageModel,
    pub config: SamplerConfig,
}

/// The sampler under test: from the cumulative table and a uniform in [0, 1), the index drawn.
/// The real one is [`real_draw`]; tests pass deliberately broken ones to show they are caught.
pub type DrawFn = fn(&Cumulative, f64) -> usize;

/// coinflip's sampler: the first j with `u · C_m < C_j`.
pub fn real_draw(c: &Cumulative, u: f64) -> usize {
    c.pick(u).expect("a tested distribution has outcomes")
}

/// Counts of `n` draws of `draw` from `probs`, using `rng`.
pub fn draw_counts(
    probs: &[f64],
    n: u64,
    rng: &mut rand_chacha::ChaCha20Rng,
    draw: DrawFn,
) -> Vec<u64> {
    use crate::pipeline::progress::{DRAW_CHUNK, Event, report};
    let c = Cumulative::new(probs);
    let mut counts = vec![0u64; probs.len()];
    report(Event::Planned(n));
    let mut left = n;
    while left > 0 {
        let chunk = left.min(DRAW_CHUNK);
        for _ in 0..chunk {
            let u = sample::uniform(rng);
            counts[draw(&c, u)] += 1;
        }
        report(Event::Done(chunk));
        left -= chunk;
    }
    counts
}

/// The verdict on one tested distribution.
#[derive(Debug, Clone)]
pub struct ChiSquareOutcome {
    pub passed: bool,
    pub detail: ChiSquareDetail,
}

fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

/// Runs the check on every tested distribution; the family-wise level is `cfg.alpha` (Holm).
pub fn run(
    tested: &[Tested],
    cfg: &ChiSquareCheck,
    seed: u64,
    draw: DrawFn,
) -> Result<Vec<ChiSquareOutcome>, String> {
    run_drawing_from(tested, None, cfg, seed, draw)
}

/// [`run`] with the model's own sampler drawing each model distribution whose step is not the
/// flat draw (module header); the others are drawn with [`real_draw`].
pub fn run_sampler(
    tested: &[Tested],
    cfg: &ChiSquareCheck,
    seed: u64,
    sampler: SamplerUnderTest,
) -> Result<Vec<ChiSquareOutcome>, String> {
    run_counting(tested, cfg, seed, |t, rng| match &t.model {
        Some(m) => sampler_counts(t, m, cfg.samples, rng, sampler),
        None => Ok(draw_counts(&t.probs, cfg.samples, rng, real_draw)),
    })
}

/// `n` draws of the sampler after `m.history`, counted by outcome. When the step is the flat
/// draw (seen on a copy of the stream), the table draw gives the same tokens from the same
/// uniforms, and is used: it needs no distribution per draw.
pub fn sampler_counts(
    t: &Tested,
    m: &ModelContext,
    n: u64,
    rng: &mut ChaCha20Rng,
    s: SamplerUnderTest,
) -> Result<Vec<u64>, String> {
    let mut sampler = Sampler::new(s.model, s.config);
    let probe = sampler.step(&m.history, &mut rng.clone());
    if probe.is_none_or(|step| step.draw == Draw::Flat) {
        return Ok(draw_counts(&t.probs, n, rng, real_draw));
    }
    use crate::pipeline::progress::{DRAW_CHUNK, Event, report};
    let mut counts = vec![0u64; t.probs.len()];
    report(Event::Planned(n));
    for k in 0..n {
        let step = sampler
            .step(&m.history, rng)
            .ok_or("the model has no candidate after this context")?;
        match m.ids.binary_search(&step.token) {
            Ok(i) => counts[i] += 1,
            Err(_) => {
                return Err(format!(
                    "the sampler drew token id {}, which the tested distribution does not list",
                    step.token
                ));
            }
        }
        if (k + 1) % DRAW_CHUNK == 0 || k + 1 == n {
            report(Event::Done((k % DRAW_CHUNK) + 1));
        }
    }
    Ok(counts)
}

/// [`run`], but the draws for distribution j come from `sources[j]` instead of its own
/// probabilities (the test still compares with `tested[j].probs`): a deliberately biased coin,
/// for `coinflip calibrate`'s power estimate.
pub fn run_drawing_from(
    tested: &[Tested],
    sources: Option<&[Vec<f64>]>,
    cfg: &ChiSquareCheck,
    seed: u64,
    draw: DrawFn,
) -> Result<Vec<ChiSquareOutcome>, String> {
    let mut j = 0;
    run_counting(tested, cfg, seed, |t, rng| {
        let from = sources.map_or(&t.probs, |s| &s[j]);
        j += 1;
        Ok(draw_counts(from, cfg.samples, rng, draw))
    })
}

/// The check with `counts(t, rng)` giving the draws of each tested distribution `t` from its
/// stream, in order.
fn run_counting(
    tested: &[Tested],
    cfg: &ChiSquareCheck,
    seed: u64,
    mut counts: impl FnMut(&Tested, &mut ChaCha20Rng) -> Result<Vec<u64>, String>,
) -> Result<Vec<ChiSquareOutcome>, String> {
    let mut details = Vec::with_capacity(tested.len());
    for (j, t) in tested.iter().enumerate() {
        let mut rng = sample::stream(seed, Domain::ChiSquare, j as u64);
        let counts = counts(t, &mut rng)?;
        details.push(test_one(t, j, &counts, cfg, seed)?);
    }
    let p: Vec<f64> = details.iter().map(|d| d.p_value).collect();
    let holm = stats::holm(&p, cfg.alpha).map_err(|e| e.to_string())?;
    Ok(details
        .into_iter()
        .enumerate()
        .map(|(i, mut d)| {
            d.p_adjusted = holm.adjusted[i];
            ChiSquareOutcome {
                passed: !holm.rejected[i],
                detail: d,
            }
        })
        .collect())
}

/// Tests the `counts` drawn for distribution `j` against its probabilities (before the Holm
/// adjustment, which needs every distribution's p-value).
fn test_one(
    t: &Tested,
    j: usize,
    counts: &[u64],
    cfg: &ChiSquareCheck,
    seed: u64,
) -> Result<ChiSquareDetail, String> {
    // Monte Carlo needs no minimum expected count: it never uses the chi-square approximation.
    let min_expected = match cfg.method {
        Method::Asymptotic => cfg.min_expected,
        Method::MonteCarlo => 0.0,
    };
    let binning = Binning::new(&t.probs, counts, min_expected).map_err(|e| e.to_string())?;
    let result = match cfg.method {
        Method::Asymptotic => stats::asymptotic_test(&binning, cfg.statistic),
        Method::MonteCarlo => {
            use crate::pipeline::progress::{self, Event};
            let c = Cumulative::new(&t.probs);
            // The replicates run on rayon's threads: they report to this thread's sink.
            let sink = progress::current();
            let draws = cfg.samples;
            if let Some(s) = &sink {
                s(Event::Planned(cfg.replicates * draws));
            }
            stats::par_monte_carlo_test(&binning, cfg.statistic, cfg.replicates, |r, out| {
                let mut rng = sample::stream(seed, Domain::MonteCarlo, ((j as u64) << 32) | r);
                for _ in 0..cfg.samples {
                    out[real_draw(&c, sample::uniform(&mut rng))] += 1;
                }
                if let Some(s) = &sink {
                    s(Event::Done(draws));
                }
                Ok::<(), std::convert::Infallible>(())
            })
            .unwrap_or_else(|never| match never {})
        }
    };
    let bins = bin_reports(&binning, &t.labels);
    let detectable_w = if result.df == 0 {
        None
    } else {
        stats::detectable_effect(result.df, cfg.samples, cfg.alpha, DETECTABLE_POWER).ok()
    };
    Ok(ChiSquareDetail {
        context: t.context.clone(),
        test: cfg.statistic,
        method: cfg.method,
        samples: cfg.samples,
        statistic: finite(result.statistic),
        df: result.df,
        p_value: result.p_value,
        p_adjusted: result.p_value,
        alpha: cfg.alpha,
        replicates: result.monte_carlo.as_ref().map(|m| m.replicates),
        observed_w: stats::cohens_w(
            &binning.bins.iter().map(|b| b.observed).collect::<Vec<_>>(),
            &binning
                .bins
                .iter()
                .map(|b| b.expected_p)
                .collect::<Vec<_>>(),
        ),
        detectable_w,
        chart: ChartBins::of(&bins),
        bins,
    })
}

/// The bins as reported: outcomes by label, pooled and impossible bins named.
fn bin_reports(binning: &Binning, labels: &[String]) -> Vec<BinReport> {
    binning
        .bins
        .iter()
        .map(|b| {
            let outcomes: Vec<String> = b.outcomes.iter().map(|&i| labels[i].clone()).collect();
            let label = match b.kind {
                BinKind::Single => outcomes[0].clone(),
                BinKind::Pooled => format!("(pooled: {} outcomes)", outcomes.len()),
                BinKind::Impossible => format!("(impossible: {} outcomes)", outcomes.len()),
            };
            BinReport {
                label,
                kind: b.kind,
                outcomes,
                expected_p: b.expected_p,
                expected: b.expected,
                observed: b.observed,
                residual: finite(b.standardized_residual()),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::Statistic;

    fn cfg(samples: u64, method: Method) -> ChiSquareCheck {
        ChiSquareCheck {
            samples,
            alpha: 0.01,
            statistic: Statistic::Pearson,
            method,
            replicates: 200,
            min_expected: 5.0,
            contexts: None,
        }
    }

    fn demo() -> Tested {
        Tested {
            context: "Viewing a single".into(),
            labels: [
                "the",
                "a",
                "article",
                "single",
                "post",
                "viewing",
                "direction",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect(),
            probs: vec![0.32, 0.21, 0.14, 0.11, 0.09, 0.07, 0.06],
            model: None,
        }
    }

    /// Always skips the last outcome (draws it as the one before).
    fn skip_last(c: &Cumulative, u: f64) -> usize {
        real_draw(c, u).min(c.len() - 2)
    }

    #[test]
    fn real_sampler_passes_and_off_by_one_is_caught() {
        let ok = run(&[demo()], &cfg(10_000, Method::Asymptotic), 7, real_draw).unwrap();
        assert!(ok[0].passed, "{:?}", ok[0].detail.p_value);
        let bad = run(&[demo()], &cfg(10_000, Method::Asymptotic), 7, skip_last).unwrap();
        assert!(!bad[0].passed);
        assert!(bad[0].detail.p_value < 1e-50);
    }

    #[test]
    fn monte_carlo_agrees_and_is_reproducible() {
        let a = run(&[demo()], &cfg(2_000, Method::MonteCarlo), 3, real_draw).unwrap();
        let b = run(&[demo()], &cfg(2_000, Method::MonteCarlo), 3, real_draw).unwrap();
        assert_eq!(a[0].detail.p_value, b[0].detail.p_value);
        assert_eq!(a[0].detail.replicates, Some(200));
        let bad = run(&[demo()], &cfg(2_000, Method::MonteCarlo), 3, skip_last).unwrap();
        assert_eq!(bad[0].detail.p_value, 1.0 / 201.0);
    }

    #[test]
    fn counts_add_up_and_pooling_is_named() {
        let mut t = demo();
        t.probs = vec![0.9, 0.07, 0.01, 0.01, 0.005, 0.003, 0.002];
        let r = run(&[t], &cfg(300, Method::Asymptotic), 1, real_draw).unwrap();
        let bins = &r[0].detail.bins;
        assert_eq!(bins.iter().map(|b| b.observed).sum::<u64>(), 300);
        let pooled = bins.iter().find(|b| b.kind == BinKind::Pooled).unwrap();
        assert!(pooled.label.starts_with("(pooled: "));
        assert!(pooled.outcomes.contains(&"direction".to_string()));
    }
}
