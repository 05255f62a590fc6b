//! `coinflip flip`: the chapter's demo — a next-token distribution shown as a biased coin and
//! flipped N times. The coin is the distribution the sampler draws from (a `[distribution]`
//! scenario's probabilities, or a model's next-token distribution after a context), after the
//! scenario's temperature/top-k/top-p ([`SamplerConfig::apply`], the sampler's own code). Its faces
//! are listed in the order the draw walks them, each with the interval of uniforms `u` that draw
//! it, so every flip can be checked by hand; the flips use their own stream (domain
//! [`Domain::Flip`], index 0: docs/sampling.md), so flipping never changes what `run` draws.
//!
//! The same replay serves `coinflip trace` on a `[distribution]` scenario: the coin and the first
//! draws of the chi-square check's stream ([`replay_chi_square`]).
//!
//! Computing only: the typed [`Flips`] are written by `report::flip` (text, JSON, HTML).

use std::path::Path;

use crate::error::Diagnostic;
use crate::lm::{LanguageModel, start_history};
use crate::pipeline::corpus_cache::CorpusCache;
use crate::pipeline::discover::shown;
use crate::pipeline::prepare::{Prepared, prepare};
use crate::pipeline::tested::distribution_tested;
use crate::sample::{self, Cumulative, Domain, SamplerConfig};
use crate::scenario::{self, DistributionSpec, Scenario, ScenarioKind};
use crate::stats::{self, Binning, Statistic};
use crate::tokenize::TokenId;

/// Flips when `--count` is not given.
pub const DEFAULT_COUNT: u64 = 10;

/// The largest `--count` (a JSON of 10 million flips is already about a gigabyte).
pub const MAX_COUNT: u64 = 10_000_000;

/// The expected count every group of tokens needs before the chi-square test is run: the run
/// report's default `min_expected` (docs/statistics.md), pooled by the same rule.
pub const MIN_EXPECTED: f64 = 5.0;

/// One face of the coin: a candidate token with its weight and the uniforms that draw it.
#[derive(Debug, Clone, PartialEq)]
pub struct Face {
    /// The id reports show (GPT's own id for GPT tokenizers; the position in a
    /// `[distribution]`'s list).
    pub id: u32,
    /// The token as the model spells it.
    pub token: String,
    /// The weight the draw uses (a probability: the weights sum to 1 up to rounding).
    pub p: f64,
    /// `[lo, hi)`: exactly the uniforms `u` that draw this face. This is `[C_{j-1}, C_j) / C_m`,
    /// the cumulative sums normalised to [0, 1); each end is the smallest double `u` with
    /// `u · C_m ≥ C` (equal to `C / C_m` whenever that division is exact, as when the weights
    /// sum to exactly 1), so the interval is what the draw does, not an approximation of it.
    pub interval: [f64; 2],
}

/// A biased coin: the faces in the order the draw walks them (ascending token id).
#[derive(Debug, Clone)]
pub struct Coin {
    /// The text the distribution follows ("Viewing a single").
    pub context: String,
    pub faces: Vec<Face>,
    cumulative: Cumulative,
}

impl Coin {
    /// A coin of `(id, token, weight)` faces in draw order; faces of weight 0 (never drawn) are
    /// left out. `None` when no face is left.
    pub fn new(
        context: String,
        faces: impl IntoIterator<Item = (u32, String, f64)>,
    ) -> Option<Coin> {
        let faces: Vec<(u32, String, f64)> = faces.into_iter().filter(|f| f.2 > 0.0).collect();
        if faces.is_empty() {
            return None;
        }
        let weights: Vec<f64> = faces.iter().map(|f| f.2).collect();
        let cumulative = Cumulative::new(&weights);
        let total = cumulative.total();
        let mut lo = 0.0;
        let mut c = 0.0;
        let last = faces.len() - 1;
        let faces = faces
            .into_iter()
            .enumerate()
            .map(|(j, (id, token, p))| {
                c += p;
                // u < 1 always, and u · C_m rounding up to C_m still draws the last face.
                let hi = if j == last { 1.0 } else { threshold(c, total) };
                let face = Face {
                    id,
                    token,
                    p,
                    interval: [lo, hi],
                };
                lo = hi;
                face
            })
            .collect();
        Some(Coin {
            context,
            faces,
            cumulative,
        })
    }

    /// The face drawn by the uniform `u`: the draw of docs/sampling.md (`x = u · C_m`, the first j
    /// with `x < C_j`), the sampler's own code.
    pub fn pick(&self, u: f64) -> usize {
        self.cumulative.pick(u).expect("a coin has faces")
    }

    /// `C_m`, the sum of the weights.
    pub fn total(&self) -> f64 {
        self.cumulative.total()
    }
}

/// The smallest `u` in [0, 1] with `u · total ≥ c` (rounded as the draw rounds): from that `u`
/// on, the draw is past the face whose cumulative sum is `c`. Rounding is monotone, so the
/// boundary is found from `c / total` in a step or two.
fn threshold(c: f64, total: f64) -> f64 {
    let mut t = (c / total).clamp(0.0, 1.0);
    while t < 1.0 && t * total < c {
        t = t.next_up();
    }
    while t > 0.0 && t.next_down() * total >= c {
        t = t.next_down();
    }
    t
}

/// Where flips come from: `stream(seed, domain, index)` of docs/sampling.md.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stream {
    pub seed: u64,
    pub domain: Domain,
    pub index: u64,
}

/// One flip: the k-th uniform of the stream and the face it drew.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Flip {
    /// 1 for the first flip.
    pub index: u64,
    pub u: f64,
    /// Index into [`Coin::faces`].
    pub face: usize,
}

/// What the tally says about the coin.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Verdict {
    /// No flip yet.
    NoFlips,
    /// A coin with one face: every flip draws it, there is nothing to test.
    OneFace,
    /// Too few flips for a chi-square test: it needs an expected count of at least
    /// [`MIN_EXPECTED`] in at least two groups of tokens.
    TooFew {
        /// Flips the test needs on this coin (rare tokens pooled).
        needed: u64,
        /// Flips that give every token on its own that expected count.
        needed_unpooled: u64,
    },
    /// Pearson's chi-square test of the counts against the coin's probabilities.
    Tested {
        statistic: f64,
        df: usize,
        p_value: f64,
        /// Tokens pooled into one group because their expected counts were small.
        pooled: usize,
    },
}

/// A coin and its flips.
#[derive(Debug, Clone)]
pub struct Flips {
    pub scenario: String,
    /// The scenario file as given.
    pub file: String,
    pub sampling: SamplerConfig,
    pub stream: Stream,
    pub coin: Coin,
    /// The flips, in order (as many as the count asked for).
    pub flips: Vec<Flip>,
    /// How often each face came up.
    pub observed: Vec<u64>,
    pub verdict: Verdict,
    /// Things worth knowing (tokens of the context never seen in training).
    pub notes: Vec<String>,
}

impl Flips {
    /// Flips `coin` `count` times from `stream` and tallies the result.
    pub fn new(coin: Coin, stream: Stream, count: u64) -> Flips {
        let mut rng = sample::stream(stream.seed, stream.domain, stream.index);
        let mut observed = vec![0u64; coin.faces.len()];
        let flips: Vec<Flip> = (1..=count)
            .map(|index| {
                let u = sample::uniform(&mut rng);
                let face = coin.pick(u);
                observed[face] += 1;
                Flip { index, u, face }
            })
            .collect();
        let verdict = verdict(&coin, &observed);
        Flips {
            scenario: String::new(),
            file: String::new(),
            sampling: SamplerConfig::default(),
            stream,
            coin,
            flips,
            observed,
            verdict,
            notes: Vec::new(),
        }
    }

    /// Number of flips.
    pub fn count(&self) -> u64 {
        self.flips.len() as u64
    }
}

/// The coin's probabilities, normalised (the test needs them to sum to 1).
fn probabilities(coin: &Coin) -> Vec<f64> {
    let total = coin.total();
    coin.faces.iter().map(|f| f.p / total).collect()
}

/// The chi-square verdict on a tally (pooling as the run report's check does).
fn verdict(coin: &Coin, observed: &[u64]) -> Verdict {
    let n: u64 = observed.iter().sum();
    if coin.faces.len() == 1 {
        return Verdict::OneFace;
    }
    if n == 0 {
        return Verdict::NoFlips;
    }
    let probs = probabilities(coin);
    let binning = match Binning::new(&probs, observed, MIN_EXPECTED) {
        Ok(b) if b.df() >= 1 => b,
        _ => {
            return Verdict::TooFew {
                needed: flips_needed(&probs),
                needed_unpooled: flips_needed_unpooled(&probs),
            };
        }
    };
    let result = stats::asymptotic_test(&binning, Statistic::Pearson);
    let pooled = binning
        .bins
        .iter()
        .filter(|b| b.kind == stats::BinKind::Pooled)
        .map(|b| b.outcomes.len())
        .sum();
    Verdict::Tested {
        statistic: result.statistic,
        df: result.df,
        p_value: result.p_value,
        pooled,
    }
}

/// True when `n` flips leave at least two groups of tokens with expected counts of at least
/// [`MIN_EXPECTED`] (the bins depend on the expected counts only).
fn testable(probs: &[f64], n: u64) -> bool {
    let mut counts = vec![0u64; probs.len()];
    counts[0] = n;
    Binning::new(probs, &counts, MIN_EXPECTED).is_ok_and(|b| b.df() >= 1)
}

/// The fewest flips for which the test can be run (a binary search; more flips only make the
/// expected counts larger).
fn flips_needed(probs: &[f64]) -> u64 {
    let mut hi = 1u64;
    while !testable(probs, hi) {
        if hi >= 1 << 52 {
            return hi;
        }
        hi *= 2;
    }
    let mut lo = hi / 2; // not testable (or 0)
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if testable(probs, mid) {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    hi
}

/// The fewest flips that give the least likely token an expected count of [`MIN_EXPECTED`].
fn flips_needed_unpooled(probs: &[f64]) -> u64 {
    let least = probs.iter().copied().fold(f64::INFINITY, f64::min);
    let mut n = (MIN_EXPECTED / least).ceil().max(1.0) as u64;
    while n > 1 && (n - 1) as f64 * least >= MIN_EXPECTED {
        n -= 1;
    }
    while (n as f64) * least < MIN_EXPECTED {
        n += 1;
    }
    n
}

/// The coin of a `[distribution]` scenario: its tokens in the listed order (token i has id i),
/// with the probabilities its chi-square check tests (the `[sampling]` transforms applied).
pub fn distribution_coin(d: &DistributionSpec, sampling: &SamplerConfig) -> Option<Coin> {
    let tested = distribution_tested(d, sampling);
    let faces = tested
        .probs
        .iter()
        .zip(&d.tokens)
        .enumerate()
        .map(|(i, (&p, t))| (i as u32, t.clone(), p));
    Coin::new(d.context.clone(), faces)
}

/// The coin of a model after `context` (read as the start of a document, token ids as the
/// corpus numbers them): the model's next-token distribution with the transforms applied, in
/// ascending id — what a generation step draws from. Also the tokens of the context the model
/// never saw.
pub fn model_coin(
    p: &Prepared,
    sampling: &SamplerConfig,
    context: &str,
    ids: &[TokenId],
) -> Option<Coin> {
    let history = start_history(ids, p.model.order());
    let mut dist = Vec::new();
    p.model.distribution(&history, &mut dist);
    sampling.apply(&mut dist);
    let vocab = &p.corpus.vocab;
    let faces = dist
        .iter()
        .map(|&(id, w)| (vocab.display_id(id), vocab.token(id).to_string(), w));
    Coin::new(context.to_string(), faces)
}

/// Why `flip` could not flip.
#[derive(Debug)]
pub enum Failure {
    /// The command line asks for something that cannot be (exit code 2).
    Usage(String),
    /// The scenario was rejected or the model has no candidate (exit code 1).
    Rejected(Vec<Diagnostic>),
}

/// What `coinflip flip` was asked.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    pub scenario: &'a Path,
    pub count: u64,
    /// Overrides the scenario's seed.
    pub seed: Option<u64>,
    /// For a model scenario: the text the next token follows (default: the scenario's prefix).
    pub context: Option<&'a str>,
}

/// Loads the scenario, makes its coin and flips it.
pub fn flip(req: &Request) -> Result<Flips, Failure> {
    if !req.scenario.exists() {
        return Err(Failure::Usage(format!(
            "no such file: {}",
            req.scenario.display()
        )));
    }
    let sc = scenario::load(req.scenario, req.scenario).map_err(Failure::Rejected)?;
    let seed = req.seed.unwrap_or(sc.seed);
    let stream = Stream {
        seed,
        domain: Domain::Flip,
        index: 0,
    };
    let (coin, notes) = match &sc.kind {
        ScenarioKind::Distribution(d) => {
            if req.context.is_some() {
                return Err(Failure::Usage(format!(
                    "{} is a [distribution] scenario: its coin follows {:?} only; --context is \
                     for model scenarios",
                    req.scenario.display(),
                    d.context
                )));
            }
            (distribution_coin(d, &sc.sampling), Vec::new())
        }
        ScenarioKind::Model { .. } => {
            let p = prepare(&sc, &CorpusCache::default()).map_err(Failure::Rejected)?;
            let (text, ids, unknown) = match req.context {
                Some(c) => {
                    let (ids, unknown) = p.corpus.encode(c);
                    (c.to_string(), ids, unknown)
                }
                None => (p.prefix_text.clone(), p.prefix_ids.clone(), Vec::new()),
            };
            let notes = if unknown.is_empty() {
                Vec::new()
            } else {
                vec![format!(
                    "the context has tokens never seen in training (read as <unk>): {}",
                    unknown.join(", ")
                )]
            };
            (model_coin(&p, &sc.sampling, &text, &ids), notes)
        }
    };
    let coin = coin.ok_or_else(|| {
        Failure::Rejected(vec![Diagnostic::file(
            &sc.file,
            "the distribution has no token of probability above 0 to flip",
        )])
    })?;
    Ok(named(Flips::new(coin, stream, req.count), &sc, notes))
}

fn named(mut f: Flips, sc: &Scenario, notes: Vec<String>) -> Flips {
    f.scenario = sc.name.clone();
    f.file = shown(&sc.file);
    f.sampling = sc.sampling;
    f.notes = notes;
    f
}

/// A `[distribution]` scenario's chi-square check replayed: its coin and the first `draws` of the
/// check's draws (stream domain 1, index 0), the same uniforms and the same draw. `None` when the
/// scenario is a model scenario.
pub fn replay_chi_square(sc: &Scenario, seed: u64, draws: u64) -> Option<Flips> {
    let ScenarioKind::Distribution(d) = &sc.kind else {
        return None;
    };
    let coin = distribution_coin(d, &sc.sampling)?;
    let stream = Stream {
        seed,
        domain: Domain::ChiSquare,
        index: 0,
    };
    Some(named(Flips::new(coin, stream, draws), sc, Vec::new()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn demo() -> Coin {
        let tokens = [
            "the",
            "a",
            "article",
            "single",
            "post",
            "viewing",
            "direction",
        ];
        let probs = [0.32, 0.21, 0.14, 0.11, 0.09, 0.07, 0.06];
        Coin::new(
            "Viewing a single".into(),
            tokens
                .iter()
                .zip(probs)
                .enumerate()
                .map(|(i, (t, p))| (i as u32, t.to_string(), p)),
        )
        .unwrap()
    }

    #[test]
    fn intervals_are_the_cumulative_sums() {
        let c = demo();
        let his: Vec<f64> = c.faces.iter().map(|f| f.interval[1]).collect();
        // Left-to-right sums in double precision, as docs/sampling.md says (C_m is exactly 1).
        assert_eq!(his, [0.32, 0.53, 0.67, 0.78, 0.87, 0.94, 1.0]);
        assert_eq!(c.faces[0].interval[0], 0.0);
        for w in c.faces.windows(2) {
            assert_eq!(w[0].interval[1], w[1].interval[0]);
        }
    }

    #[test]
    fn every_u_falls_in_the_interval_of_its_face() {
        // Unnormalised weights whose sums are not exact: the boundaries are still exact.
        let c = Coin::new(
            "x".into(),
            [0.1, 0.2, 0.3, 1e-17, 0.7 / 3.0]
                .iter()
                .enumerate()
                .map(|(i, &p)| (i as u32, format!("t{i}"), p)),
        )
        .unwrap();
        for f in &c.faces {
            for u in [f.interval[0], f.interval[1].next_down()] {
                if f.interval[0] < f.interval[1] {
                    assert_eq!(&c.faces[c.pick(u)], f, "u = {u}");
                }
            }
        }
        let mut rng = sample::stream(1, Domain::Flip, 0);
        for _ in 0..10_000 {
            let u = sample::uniform(&mut rng);
            let f = &c.faces[c.pick(u)];
            assert!(f.interval[0] <= u && u < f.interval[1], "u = {u}");
        }
    }

    #[test]
    fn zero_faces_are_left_out() {
        let c = Coin::new(
            "x".into(),
            [(0, "a".to_string(), 0.0), (1, "b".to_string(), 1.0)],
        )
        .unwrap();
        assert_eq!(c.faces.len(), 1);
        assert_eq!(c.faces[0].interval, [0.0, 1.0]);
        assert!(Coin::new("x".into(), [(0, "a".to_string(), 0.0)]).is_none());
    }

    #[test]
    fn flips_use_their_own_stream() {
        let s = Stream {
            seed: 7,
            domain: Domain::Flip,
            index: 0,
        };
        let f = Flips::new(demo(), s, 5);
        let mut rng = sample::stream(7, Domain::Flip, 0);
        for (k, flip) in f.flips.iter().enumerate() {
            assert_eq!(flip.index, k as u64 + 1);
            assert_eq!(flip.u, sample::uniform(&mut rng));
        }
        assert_eq!(f.observed.iter().sum::<u64>(), 5);
    }

    #[test]
    fn few_flips_say_how_many_are_needed() {
        let c = demo();
        let probs = probabilities(&c);
        // 16 flips: "the" expects 5.12, the rest (10.88) pooled: two groups.
        assert_eq!(flips_needed(&probs), 16);
        assert!(!testable(&probs, 15));
        // 5 / 0.06 = 83.3: 84 flips give "direction" an expected 5.04.
        assert_eq!(flips_needed_unpooled(&probs), 84);
        assert_eq!(
            verdict(&c, &[3, 2, 1, 1, 1, 1, 1]),
            Verdict::TooFew {
                needed: 16,
                needed_unpooled: 84
            }
        );
        assert_eq!(verdict(&c, &[0; 7]), Verdict::NoFlips);
    }

    #[test]
    fn enough_flips_are_tested() {
        // scipy.stats.chisquare([30, 25, 14, 11, 9, 6, 5], [32, 21, 14, 11, 9, 7, 6]):
        // statistic 1.1964285714285714, p 0.9770607484696524.
        let Verdict::Tested {
            statistic,
            df,
            p_value,
            pooled,
        } = verdict(&demo(), &[30, 25, 14, 11, 9, 6, 5])
        else {
            panic!("not tested")
        };
        assert!((statistic - 1.1964285714285714).abs() < 1e-12);
        assert!((p_value - 0.9770607484696524).abs() < 1e-12);
        assert_eq!((df, pooled), (6, 0));
        // 20 flips: "the" (6.4) and "a" (4.2 → pooled with the rest) make two groups.
        let v = verdict(&demo(), &[7, 4, 3, 2, 2, 1, 1]);
        assert!(
            matches!(
                v,
                Verdict::Tested {
                    df: 1,
                    pooled: 6,
                    ..
                }
            ),
            "{v:?}"
        );
    }
}
