//! Looking inside a model one token at a time: `coinflip score` (the probability of each token
//! of a text, like KenLM's `query`) and `coinflip trace` (a generated sample replayed step by
//! step: the candidates in the order the draw walks them, each with its interval of [0, 1), the
//! uniform number drawn and the token picked, so every pick can be checked by hand). Computing
//! returns plain rows; the `render_*` functions format them.

use std::fmt::Write;

use serde::Serialize;

use crate::lm::{LanguageModel, start_history};
use crate::pipeline::flip::Coin;
use crate::pipeline::prepare::Prepared;
use crate::sample::{self, Domain, GenerateConfig, SamplerConfig};
use crate::tokenize::{EOS, TokenId};

/// One scored token.
#[derive(Debug, Clone, Serialize)]
pub struct ScoredToken {
    pub token: String,
    pub id: TokenId,
    /// The context tokens the model actually used.
    pub context: Vec<String>,
    /// KenLM's n-gram length (its `full_scores`): the longest n-gram ending in the token that
    /// the model stores as a backoff model ([`crate::lm::LanguageModel::ngram_length`]).
    pub ngram_length: usize,
    pub p: f64,
    /// log10 of p; null when p is 0.
    pub log10_p: Option<f64>,
}

/// A scored text.
#[derive(Debug, Clone, Serialize)]
pub struct Score {
    pub tokens: Vec<ScoredToken>,
    /// Sum of log10 p; null when some token has probability 0.
    pub log10_prob: Option<f64>,
    /// 10^(−log10_prob / N) over the N scored tokens; null when some token has probability 0
    /// (+inf) or there is no token (undefined; `log10_prob` is then 0, the empty sum).
    pub perplexity: Option<f64>,
    /// Tokens of the text never seen in training.
    pub unknown: Vec<String>,
}

/// Scores `text` as one document from its start; with `eos`, also the end-of-document marker.
/// The text `coinflip score` reads from a file (`--file PATH`) or from `input` (`--text -`,
/// standard input): limited as a corpus file is ([`crate::corpus::CORPUS_LIMIT`]; a file must be
/// a regular file), UTF-8, line endings normalised. Bytes that are not UTF-8 are reported with
/// their line and column.
pub fn read_text_input(
    file: Option<&std::path::Path>,
    input: &mut dyn std::io::Read,
) -> Result<String, crate::error::Diagnostic> {
    use crate::corpus::CORPUS_LIMIT;
    use crate::error::Diagnostic;
    use crate::input::ReadError;
    use std::io::Read as _;
    let shown = file.unwrap_or(std::path::Path::new("<standard input>"));
    let bytes = match file {
        Some(path) => CORPUS_LIMIT.read(path),
        None => CORPUS_LIMIT.bytes().map_err(ReadError::Limit).and_then(|limit| {
            let mut bytes = Vec::new();
            std::io::Read::take(&mut *input, limit.saturating_add(1))
                .read_to_end(&mut bytes)
                .map_err(ReadError::Io)?;
            if bytes.len() as u64 > limit {
                return Err(ReadError::Limit(format!(
                    "standard input holds more than {limit} bytes, the limit for a text to score \
                     (as for {}); to read it anyway, set the environment variable {} higher",
                    CORPUS_LIMIT.what, CORPUS_LIMIT.var
                )));
            }
            Ok(bytes)
        }),
    };
    let bytes = bytes.map_err(|e| match e {
        ReadError::Io(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Diagnostic::file(shown, "file not found")
        }
        ReadError::Io(e) => Diagnostic::file(shown, format!("cannot read: {e}")),
        ReadError::Limit(why) => Diagnostic::file(shown, why),
    })?;
    match String::from_utf8(bytes) {
        Ok(text) => Ok(crate::corpus::normalize_text(&text)),
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let valid = std::str::from_utf8(&e.as_bytes()[..at]).unwrap_or_default();
            Err(Diagnostic::at(
                shown,
                valid,
                Some(at..at),
                None,
                format!("not valid UTF-8: invalid byte sequence at byte {at} (save it as UTF-8)"),
            ))
        }
    }
}

pub fn score(p: &Prepared, text: &str, eos: bool) -> Score {
    let (mut ids, unknown) = p.corpus.encode(text);
    if eos {
        ids.push(EOS);
    }
    let order = p.model.order();
    let mut history = start_history(&[], order);
    let mut tokens = Vec::with_capacity(ids.len());
    let mut total = 0.0;
    let mut zero = false;
    // The text's own spelling of each token (unknown tokens keep theirs, not "<unk>").
    let raw_tokens: Vec<String> = p
        .corpus
        .tokenizer
        .split(text)
        .into_iter()
        .map(|c| c.into_owned())
        .collect();
    for (i, &id) in ids.iter().enumerate() {
        let s = p.model.prob(&history, id);
        let ctx = &history[history.len() - s.context_len..];
        let log10_p = (s.p > 0.0).then(|| libm::log10(s.p));
        match log10_p {
            Some(l) => total += l,
            None => zero = true,
        }
        tokens.push(ScoredToken {
            token: raw_tokens
                .get(i)
                .cloned()
                .unwrap_or_else(|| p.corpus.vocab.token(id).to_string()),
            id: p.corpus.vocab.display_id(id),
            context: ctx
                .iter()
                .map(|&t| p.corpus.vocab.token(t).to_string())
                .collect(),
            ngram_length: p.model.ngram_length(&history, id),
            p: s.p,
            log10_p,
        });
        history.push(id);
    }
    let n = tokens.len() as f64;
    let (log10_prob, perplexity) = if zero {
        (None, None)
    } else if tokens.is_empty() {
        (Some(0.0), None)
    } else {
        (Some(total), Some(libm::pow(10.0, -total / n)))
    };
    Score {
        tokens,
        log10_prob,
        perplexity,
        unknown,
    }
}

fn show_token(t: &str) -> String {
    match t {
        "\n" => "\\n".to_string(),
        " " => "␠".to_string(),
        t => t.to_string(),
    }
}

pub fn render_score_text(s: &Score) -> String {
    use crate::text::table::{Align, Table};
    use crate::text::terminal::escape_line;
    // Lined up by display width: a Chinese token takes two terminal columns.
    let mut t = Table::new(&[
        Align::Left,
        Align::Right,
        Align::Left,
        Align::Right,
        Align::Left,
        Align::Right,
    ]);
    t.row(["token", "id", "p", "n", "context", "log10 p"]);
    for tok in &s.tokens {
        let ctx = tok
            .context
            .iter()
            .map(|c| show_token(c))
            .collect::<Vec<_>>()
            .join(" ");
        let l = tok
            .log10_p
            .map(|l| format!("{l:.6}"))
            .unwrap_or_else(|| "-inf".into());
        t.row([
            escape_line(&show_token(&tok.token)).into_owned(),
            tok.id.to_string(),
            format!("{:.10}", tok.p),
            tok.ngram_length.to_string(),
            if ctx.is_empty() {
                "(none)".to_string()
            } else {
                escape_line(&ctx).into_owned()
            },
            l,
        ]);
    }
    let mut out = t.render("", "  ");
    let total = s
        .log10_prob
        .map(|l| format!("{l:.6}"))
        .unwrap_or_else(|| "-inf".into());
    // Null perplexity means +inf when a token has p = 0, but is undefined over no tokens
    // (10^(−0/0)): the text says which, as the JSON's null plus its token count does.
    let ppl = match s.perplexity {
        Some(p) => format!("{p:.6}"),
        None if s.tokens.is_empty() => "undefined".into(),
        None => "inf".into(),
    };
    let _ = writeln!(out, "total log10 probability: {total}");
    let _ = writeln!(
        out,
        "perplexity: {ppl} over {}",
        crate::text::count(s.tokens.len(), "token", "tokens")
    );
    if !s.unknown.is_empty() {
        let _ = writeln!(
            out,
            "note: never seen in training (scored as <unk>): {}",
            s.unknown
                .iter()
                .map(|u| format!("{u:?}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    out
}

pub fn render_json<T: Serialize>(value: &T) -> String {
    let mut s = serde_json::to_string_pretty(value).expect("serializes");
    s.push('\n');
    s
}

/// One candidate shown in a trace.
#[derive(Debug, Clone, Serialize)]
pub struct Candidate {
    pub id: TokenId,
    pub token: String,
    /// The model's probability.
    pub p: f64,
    /// The probability after temperature/top-k/top-p (what the coin is biased by).
    pub p_sampled: f64,
    /// The uniforms `u` that draw this candidate, `[lo, hi)` of [0, 1) (see
    /// [`crate::pipeline::flip::Face::interval`]); null for a candidate the transforms removed.
    pub interval: Option<[f64; 2]>,
}

/// One replayed step.
#[derive(Debug, Clone, Serialize)]
pub struct TraceStep {
    pub step: usize,
    /// The context tokens the model used.
    pub context: Vec<String>,
    pub context_ids: Vec<TokenId>,
    /// Every candidate the draw walks, in the order it walks them (ascending token id), with
    /// its interval: the coin of this step.
    pub candidates: Vec<Candidate>,
    /// The `top` most probable candidates (by model probability, ties to the lower id).
    pub top: Vec<Candidate>,
    /// Which draw of docs/sampling.md picked the token: only the flat draw gives each candidate
    /// an interval of `u`.
    pub draw: sample::Draw,
    /// How many uniforms the step drew.
    pub uniforms: u32,
    /// The (first) uniform number drawn.
    pub u: f64,
    pub picked: Candidate,
}

/// A replayed sample.
#[derive(Debug, Clone, Serialize)]
pub struct Trace {
    pub sample: usize,
    pub prefix: String,
    pub steps: Vec<TraceStep>,
    pub text: String,
}

/// The candidates one step draws from, in draw order, with the intervals of
/// [`crate::pipeline::flip::Coin`] (the same cumulative sums as the draw).
/// `p_sampled` is the sampler's own number (the same as the step's when picked); the intervals
/// are the draw's only for the flat draw, and left out otherwise.
fn step_coin(v: &sample::StepView, name: &dyn Fn(TokenId) -> String) -> Vec<(TokenId, Candidate)> {
    let model_p = |id: TokenId| {
        v.model
            .binary_search_by_key(&id, |d| d.0)
            .map(|i| v.model[i].1)
            .unwrap_or(0.0)
    };
    let drawn: Vec<(TokenId, f64)> = v.sampled.iter().copied().filter(|d| d.1 > 0.0).collect();
    let intervals = v.step.draw.has_intervals();
    let Some(coin) = Coin::new(
        String::new(),
        drawn.iter().map(|&(id, w)| (id, String::new(), w)),
    ) else {
        return Vec::new();
    };
    drawn
        .iter()
        .zip(&coin.faces)
        .map(|(&(id, w), face)| {
            (
                id,
                Candidate {
                    id,
                    token: name(id),
                    p: model_p(id),
                    p_sampled: w,
                    interval: intervals.then_some(face.interval),
                },
            )
        })
        .collect()
}

/// Replays sample `index` exactly as `run` generates it: every step's candidates in draw order
/// with their intervals, and the `top` most probable (by model probability, ties to the lower
/// id).
pub fn trace(p: &Prepared, seed: u64, index: usize, cfg: &GenerateConfig, top: usize) -> Trace {
    let vocab = &p.corpus.vocab;
    let name = |id: TokenId| vocab.token(id).to_string();
    let mut steps = Vec::new();
    let mut rng = sample::stream(seed, Domain::Generate, index as u64);
    let g = sample::generate_observed(&p.model, &p.prefix_ids, cfg, &mut rng, |v| {
        let coin = step_coin(v, &name);
        let find = |id: TokenId| coin.binary_search_by_key(&id, |c| c.0).ok();
        let shown = |id: TokenId, p_model: f64| {
            let mut c = match find(id) {
                Some(i) => coin[i].1.clone(),
                None => Candidate {
                    id,
                    token: name(id),
                    p: p_model,
                    p_sampled: 0.0,
                    interval: None,
                },
            };
            c.id = vocab.display_id(id);
            c
        };
        let mut ranked: Vec<(TokenId, f64)> = v.model.to_vec();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        let ctx_ids = v.history[v.history.len() - v.step.context_len..].to_vec();
        let mut picked = shown(v.step.token, v.step.p_model);
        picked.p = v.step.p_model;
        picked.p_sampled = v.step.p_sampled;
        steps.push(TraceStep {
            step: steps.len(),
            context: ctx_ids.iter().map(|&t| name(t)).collect(),
            context_ids: ctx_ids.iter().map(|&t| vocab.display_id(t)).collect(),
            candidates: coin.iter().map(|(id, _)| shown(*id, 0.0)).collect(),
            top: ranked
                .iter()
                .take(top)
                .map(|&(id, pm)| shown(id, pm))
                .collect(),
            draw: v.step.draw,
            uniforms: v.step.uniforms,
            u: v.step.u,
            picked,
        });
    });
    Trace {
        sample: index,
        prefix: p.prefix_text.clone(),
        steps,
        text: p.corpus.decode(&g.tokens),
    }
}

/// How `coinflip trace` lists a step's candidates (`--sort`, spelt by `cli/values.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TraceOrder {
    /// In the order the draw walks them, each with its interval of [0, 1): the `--top` most
    /// probable and the one drawn, the others summed up in rows of their own.
    #[default]
    Draw,
    /// The `--top` most probable, most probable first.
    P,
}

/// A row of a step's candidate table: a candidate, or a run of candidates not listed.
enum Row<'a> {
    One(&'a Candidate),
    Others {
        count: usize,
        p: f64,
        p_sampled: f64,
        interval: [f64; 2],
    },
}

/// The rows of `--sort draw`: the `top` most probable candidates (after the transforms) and the
/// one drawn, in draw order; each run of others becomes one row with their summed probability
/// and joined interval, so the intervals still tile [0, 1).
fn draw_rows<'a>(s: &'a TraceStep, top: usize) -> Vec<Row<'a>> {
    let mut by_p: Vec<usize> = (0..s.candidates.len()).collect();
    by_p.sort_by(|&a, &b| {
        s.candidates[b]
            .p_sampled
            .total_cmp(&s.candidates[a].p_sampled)
            .then(a.cmp(&b))
    });
    let mut listed = vec![false; s.candidates.len()];
    for &i in by_p.iter().take(top) {
        listed[i] = true;
    }
    if let Some(i) = s.candidates.iter().position(|c| c.id == s.picked.id) {
        listed[i] = true;
    }
    let mut rows: Vec<Row> = Vec::new();
    for (c, &listed) in s.candidates.iter().zip(&listed) {
        let iv = c.interval.unwrap_or([0.0, 0.0]);
        match (listed, rows.last_mut()) {
            (true, _) => rows.push(Row::One(c)),
            (
                false,
                Some(Row::Others {
                    count,
                    p,
                    p_sampled,
                    interval,
                }),
            ) => {
                *count += 1;
                *p += c.p;
                *p_sampled += c.p_sampled;
                interval[1] = iv[1];
            }
            (false, _) => rows.push(Row::Others {
                count: 1,
                p: c.p,
                p_sampled: c.p_sampled,
                interval: iv,
            }),
        }
    }
    rows
}

fn interval_text(iv: Option<[f64; 2]>) -> String {
    match iv {
        Some([lo, hi]) => format!(
            "[{}, {})",
            crate::text::fixed(lo, 6),
            crate::text::fixed(hi, 6)
        ),
        None => "not drawn".to_string(),
    }
}

fn percent(p: f64) -> String {
    format!("{}%", crate::text::fixed(100.0 * p, 1))
}

/// One step's candidate table (`transformed`: a column for the probability after the
/// transforms; an interval column only when the step's draw gives intervals).
fn step_table(s: &TraceStep, order: TraceOrder, top: usize, transformed: bool) -> String {
    use crate::text::table::{Align, Table};
    let intervals = s.draw.has_intervals();
    // An ARPA model's probabilities need not sum to 1: its draw renormalises (docs/sampling.md),
    // and the column says so even without transforms.
    let renormalised = |c: &Candidate| (c.p_sampled - c.p).abs() > 1e-9 * c.p.max(c.p_sampled);
    let transformed = transformed || s.candidates.iter().any(renormalised);
    let mut aligns = vec![Align::Left, Align::Right, Align::Right];
    let mut header = vec!["token", "id", "p"];
    if transformed {
        aligns.push(Align::Right);
        header.push("sampled");
    }
    if intervals {
        aligns.push(Align::Left);
        header.push("interval");
    }
    let mut t = Table::new(&aligns);
    t.row(header);
    let mut row = |token: String, id: String, p: f64, ps: f64, iv: Option<[f64; 2]>| {
        let mut cells = vec![token, id, percent(p)];
        if transformed {
            cells.push(percent(ps));
        }
        if intervals {
            cells.push(interval_text(iv));
        }
        t.row(cells);
    };
    let one = |c: &Candidate| {
        (
            crate::text::terminal::escape_line(&show_token(&c.token)).into_owned(),
            c.id.to_string(),
        )
    };
    // Without intervals the draw does not walk the candidates in id order: list them by p.
    let order = if intervals { order } else { TraceOrder::P };
    match order {
        TraceOrder::P => {
            for c in &s.top {
                let (token, id) = one(c);
                row(token, id, c.p, c.p_sampled, c.interval);
            }
            if !s.top.iter().any(|c| c.id == s.picked.id) {
                let (token, id) = one(&s.picked);
                row(token, id, s.picked.p, s.picked.p_sampled, s.picked.interval);
            }
        }
        TraceOrder::Draw => {
            for r in draw_rows(s, top) {
                match r {
                    Row::One(c) => {
                        let (token, id) = one(c);
                        row(token, id, c.p, c.p_sampled, c.interval);
                    }
                    Row::Others {
                        count,
                        p,
                        p_sampled,
                        interval,
                    } => row(
                        format!("({count} other{})", if count == 1 { "" } else { "s" }),
                        String::new(),
                        p,
                        p_sampled,
                        Some(interval),
                    ),
                }
            }
        }
    }
    t.render("    ", "  ")
}

/// The trace as text: per step the context, the candidates (in `order`), and the draw.
pub fn render_trace_text(
    t: &Trace,
    sampler: &SamplerConfig,
    order: TraceOrder,
    top: usize,
) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "sample {} after {:?}", t.sample, t.prefix);
    let transformed = !sampler.is_identity();
    for s in &t.steps {
        let ctx = if s.context.is_empty() {
            "(no context)".to_string()
        } else {
            s.context
                .iter()
                .zip(&s.context_ids)
                .map(|(c, id)| format!("{} ({id})", show_token(c)))
                .collect::<Vec<_>>()
                .join(" ")
        };
        let _ = writeln!(out, "step {}: {ctx} →", s.step);
        out.push_str(&step_table(s, order, top, transformed));
        let how = if s.draw.has_intervals() {
            format!("drew u = {:.6}", s.u)
        } else {
            format!(
                "drew by the {} draw ({}, the first u = {:.6})",
                s.draw.name(),
                if s.uniforms == 1 {
                    "1 uniform".to_string()
                } else {
                    format!("{} uniforms", s.uniforms)
                },
                s.u
            )
        };
        let _ = writeln!(
            out,
            "  {how} → {} ({}), p = {:.4}",
            show_token(&s.picked.token),
            s.picked.id,
            s.picked.p_sampled
        );
    }
    let _ = writeln!(out, "text: {}", t.text);
    out
}
