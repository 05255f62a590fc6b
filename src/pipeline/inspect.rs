//! Looking inside a model one token at a time: `coinflip score` (the probability of each token
//! of a text, like KenLM's `query`) and `coinflip trace` (a generated sample replayed step by
//! step, with the candidates, the uniform number drawn and the token picked). Computing returns
//! plain rows; the `render_*` functions format them.

use std::fmt::Write;

use serde::Serialize;

use crate::lm::{LanguageModel, start_history};
use crate::pipeline::run::Prepared;
use crate::sample::{self, Domain, GenerateConfig, SamplerConfig};
use crate::tokenize::{EOS, TokenId};

/// One scored token.
#[derive(Debug, Clone, Serialize)]
pub struct ScoredToken {
    pub token: String,
    pub id: TokenId,
    /// The context tokens the model actually used.
    pub context: Vec<String>,
    /// Length of the n-gram that gave the probability (context + 1), as KenLM's `full_scores`.
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
    /// 10^(−log10_prob / N) over the N scored tokens; null when some token has probability 0.
    pub perplexity: Option<f64>,
    /// Tokens of the text never seen in training.
    pub unknown: Vec<String>,
}

/// Scores `text` as one document from its start; with `eos`, also the end-of-document marker.
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
            ngram_length: s.context_len + 1,
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
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<16} {:>6}  {:<12} {:>2} {:<28} {:>9}",
        "token", "id", "p", "n", "context", "log10 p"
    );
    for t in &s.tokens {
        let ctx = t
            .context
            .iter()
            .map(|c| show_token(c))
            .collect::<Vec<_>>()
            .join(" ");
        let l = t
            .log10_p
            .map(|l| format!("{l:.6}"))
            .unwrap_or_else(|| "-inf".into());
        let _ = writeln!(
            out,
            "{:<16} {:>6}  {:<12.10} {:>2} {:<28} {:>9}",
            show_token(&t.token),
            t.id,
            t.p,
            t.ngram_length,
            if ctx.is_empty() {
                "(none)".to_string()
            } else {
                ctx
            },
            l
        );
    }
    let total = s
        .log10_prob
        .map(|l| format!("{l:.6}"))
        .unwrap_or_else(|| "-inf".into());
    let ppl = s
        .perplexity
        .map(|p| format!("{p:.6}"))
        .unwrap_or_else(|| "inf".into());
    let _ = writeln!(out, "total log10 probability: {total}");
    let _ = writeln!(out, "perplexity: {ppl} over {} tokens", s.tokens.len());
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
}

/// One replayed step.
#[derive(Debug, Clone, Serialize)]
pub struct TraceStep {
    pub step: usize,
    /// The context tokens the model used.
    pub context: Vec<String>,
    pub context_ids: Vec<TokenId>,
    pub top: Vec<Candidate>,
    /// The uniform number drawn.
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

/// Replays sample `index` exactly as `run` generates it, keeping the `top` most probable
/// candidates of each step (by model probability, ties to the lower id).
pub fn trace(p: &Prepared, seed: u64, index: usize, cfg: &GenerateConfig, top: usize) -> Trace {
    let vocab = &p.corpus.vocab;
    let name = |id: TokenId| vocab.token(id).to_string();
    let mut steps = Vec::new();
    let mut rng = sample::stream(seed, Domain::Generate, index as u64);
    let g = sample::generate_observed(&p.model, &p.prefix_ids, cfg, &mut rng, |v| {
        let sampled_p = |id: TokenId| {
            v.sampled
                .binary_search_by_key(&id, |d| d.0)
                .map(|i| v.sampled[i].1)
                .unwrap_or(0.0)
        };
        let mut ranked: Vec<(TokenId, f64)> = v.model.to_vec();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        let ctx_ids = v.history[v.history.len() - v.step.context_len..].to_vec();
        steps.push(TraceStep {
            step: steps.len(),
            context: ctx_ids.iter().map(|&t| name(t)).collect(),
            context_ids: ctx_ids.iter().map(|&t| vocab.display_id(t)).collect(),
            top: ranked
                .iter()
                .take(top)
                .map(|&(id, pm)| Candidate {
                    id: vocab.display_id(id),
                    token: name(id),
                    p: pm,
                    p_sampled: sampled_p(id),
                })
                .collect(),
            u: v.step.u,
            picked: Candidate {
                id: vocab.display_id(v.step.token),
                token: name(v.step.token),
                p: v.step.p_model,
                p_sampled: v.step.p_sampled,
            },
        });
    });
    Trace {
        sample: index,
        prefix: p.prefix_text.clone(),
        steps,
        text: p.corpus.decode(&g.tokens),
    }
}

pub fn render_trace_text(t: &Trace, sampler: &SamplerConfig) -> String {
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
        for c in &s.top {
            let pct = if transformed {
                format!(
                    "{:5.1}% (sampled {:5.1}%)",
                    100.0 * c.p,
                    100.0 * c.p_sampled
                )
            } else {
                format!("{:5.1}%", 100.0 * c.p)
            };
            let _ = writeln!(out, "    {:<14} {:>6}  {pct}", show_token(&c.token), c.id);
        }
        let _ = writeln!(
            out,
            "  drew u = {:.6} → {} ({}), p = {:.4}",
            s.u,
            show_token(&s.picked.token),
            s.picked.id,
            s.picked.p_sampled
        );
    }
    let _ = writeln!(out, "text: {}", t.text);
    out
}
