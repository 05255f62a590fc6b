//! `coinflip flip --format json`: the coin, every flip and the tally, with the stream they came
//! from, so a script (or the HTML page's check) can recompute every flip. Floats are written
//! exactly (shortest round trip), so `u` and the intervals compare bit for bit.

use serde::Serialize;

use crate::pipeline::flip::{Flips, Verdict};
use crate::sample::SamplerConfig;

#[derive(Serialize)]
struct Page<'a> {
    scenario: &'a str,
    file: &'a str,
    context: &'a str,
    seed: u64,
    /// The stream's domain (4 for `flip`, docs/sampling.md) and index.
    domain: u8,
    index: u64,
    count: u64,
    sampling: &'a SamplerConfig,
    candidates: Vec<Candidate<'a>>,
    flips: Vec<FlipRow<'a>>,
    tally: Vec<TallyRow<'a>>,
    chi_square: ChiSquare,
    notes: &'a [String],
}

#[derive(Serialize)]
struct Candidate<'a> {
    id: u32,
    token: &'a str,
    p: f64,
    interval: [f64; 2],
}

#[derive(Serialize)]
struct FlipRow<'a> {
    index: u64,
    u: f64,
    id: u32,
    token: &'a str,
    interval: [f64; 2],
}

#[derive(Serialize)]
struct TallyRow<'a> {
    id: u32,
    token: &'a str,
    expected_p: f64,
    observed: u64,
}

#[derive(Serialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
enum ChiSquare {
    NoFlips,
    OneCandidate,
    TooFew {
        needed: u64,
        needed_unpooled: u64,
    },
    Tested {
        statistic: f64,
        df: usize,
        p_value: f64,
        pooled: usize,
    },
}

/// The JSON document (pretty-printed, ending in a line feed).
pub fn render(f: &Flips) -> String {
    let total = f.coin.total();
    let page = Page {
        scenario: &f.scenario,
        file: &f.file,
        context: &f.coin.context,
        seed: f.stream.seed,
        domain: f.stream.domain as u8,
        index: f.stream.index,
        count: f.count(),
        sampling: &f.sampling,
        candidates: f
            .coin
            .faces
            .iter()
            .map(|c| Candidate {
                id: c.id,
                token: &c.token,
                p: c.p,
                interval: c.interval,
            })
            .collect(),
        flips: f
            .flips
            .iter()
            .map(|x| {
                let c = &f.coin.faces[x.face];
                FlipRow {
                    index: x.index,
                    u: x.u,
                    id: c.id,
                    token: &c.token,
                    interval: c.interval,
                }
            })
            .collect(),
        tally: f
            .coin
            .faces
            .iter()
            .zip(&f.observed)
            .map(|(c, &observed)| TallyRow {
                id: c.id,
                token: &c.token,
                expected_p: c.p / total,
                observed,
            })
            .collect(),
        chi_square: match f.verdict {
            Verdict::NoFlips => ChiSquare::NoFlips,
            Verdict::OneFace => ChiSquare::OneCandidate,
            Verdict::TooFew {
                needed,
                needed_unpooled,
            } => ChiSquare::TooFew {
                needed,
                needed_unpooled,
            },
            Verdict::Tested {
                statistic,
                df,
                p_value,
                pooled,
            } => ChiSquare::Tested {
                statistic,
                df,
                p_value,
                pooled,
            },
        },
        notes: &f.notes,
    };
    let mut s = serde_json::to_string_pretty(&page).expect("serializes");
    s.push('\n');
    s
}
