//! The text report, for people at a terminal or reading a CI log.

use std::fmt::Write;

use super::{Exporter, fixed};
use crate::lm::ModelKind;
use crate::results::{BatchReport, CheckDetail, ScenarioResult, Status};
use crate::tokenize::TokenizerKind;

pub struct TextExporter {
    /// Colour the ✓/✗ marks (only for a terminal, and never with `NO_COLOR`).
    pub color: bool,
}

fn mark(s: Status, color: bool) -> String {
    let (m, code) = match s {
        Status::Pass => ("✓", "32"),
        Status::Fail => ("✗", "31"),
        Status::Error => ("!", "33"),
    };
    if color {
        format!("\x1b[{code}m{m}\x1b[0m")
    } else {
        m.to_string()
    }
}

/// Indents every line of `text` by `n` spaces.
fn indent(text: &str, n: usize) -> String {
    let pad = " ".repeat(n);
    text.lines()
        .map(|l| format!("{pad}{l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn scenario(out: &mut String, r: &ScenarioResult, color: bool) {
    let _ = writeln!(
        out,
        "{} {} [{}] ({}, seed {})",
        mark(r.status, color),
        r.name,
        r.status.name(),
        r.file,
        r.seed
    );
    if let Some(d) = &r.description {
        let _ = writeln!(out, "  {d}");
    }
    if r.status == Status::Error && !r.diagnostics.is_empty() {
        for d in &r.diagnostics {
            let _ = writeln!(out, "  error: {}", indent(&d.to_string(), 2).trim_start());
        }
        return;
    }
    if let Some(m) = &r.model {
        if m.kind != ModelKind::Distribution {
            let counts: Vec<String> = m
                .ngram_counts
                .iter()
                .enumerate()
                .map(|(i, c)| format!("{}-grams {c}", i + 1))
                .collect();
            let _ = writeln!(
                out,
                "  model: {}-gram, {} tokens{}, {}",
                m.order,
                m.tokenizer.map_or("none", TokenizerKind::name),
                if m.lowercase { " (lowercased)" } else { "" },
                m.smoothing
                    .map_or("none".into(), |s| s.label(m.smoothing_parameter))
            );
            let _ = writeln!(
                out,
                "  corpus: {} documents, {} tokens, vocabulary {}; {}",
                m.documents,
                m.training_tokens,
                m.vocabulary_size,
                counts.join(", ")
            );
        } else {
            let _ = writeln!(out, "  distribution: {} outcomes", m.vocabulary_size);
        }
    }
    if let Some(s) = &r.sampling {
        let _ = writeln!(out, "  sampling: {}", super::sampling_summary(s));
    }
    for n in &r.notes {
        let _ = writeln!(out, "  note: {n}");
    }
    for s in &r.samples {
        let _ = writeln!(
            out,
            "  sample {} ({} tokens, stopped: {}):",
            s.index,
            s.tokens.len(),
            s.stopped.name()
        );
        let _ = writeln!(out, "{}", indent(s.full_text.trim_end(), 4));
        if let Some(r) = &s.remix {
            let _ = writeln!(out, "    remix: {}", remix_line(r));
        }
    }
    if let Some(m) = &r.remix_summary {
        let pick = |n: usize| {
            m.novel_ngram_rate
                .0
                .iter()
                .find(|(k, _)| *k == n)
                .and_then(|(_, a)| *a)
        };
        let mut parts = Vec::new();
        if let Some(a) = m.max_verbatim {
            parts.push(format!(
                "longest verbatim span mean {} / median {} / max {} tokens",
                fixed(a.mean, 1),
                fixed(a.median, 1),
                fixed(a.max, 0)
            ));
        }
        let novel: Vec<String> = m
            .novel_ngram_rate
            .0
            .iter()
            .filter_map(|(n, _)| pick(*n).map(|a| format!("{n}:{}%", fixed(100.0 * a.mean, 0))))
            .collect();
        if !novel.is_empty() {
            parts.push(format!("mean novel n-grams {}", novel.join(" ")));
        }
        if let Some(a) = m.copied_fraction {
            parts.push(format!(
                "mean copied fraction {}%",
                fixed(100.0 * a.mean, 1)
            ));
        }
        if let Some(a) = m.divergence_step {
            parts.push(format!(
                "divergence step mean {} / median {}",
                fixed(a.mean, 1),
                fixed(a.median, 1)
            ));
        }
        let _ = writeln!(
            out,
            "  remix over {} samples: {}",
            m.samples,
            parts.join("; ")
        );
    }
    for c in &r.checks {
        let _ = writeln!(
            out,
            "  {} {} {}: {}",
            mark(c.status, color),
            c.kind,
            c.name,
            c.message
        );
        if let CheckDetail::ChiSquare(d) = &c.detail {
            chi_square_table(out, d);
        }
    }
}

/// One sample's remix figures in a line.
fn remix_line(r: &crate::results::SampleRemix) -> String {
    let mut parts = Vec::new();
    let v = &r.max_verbatim;
    let at = match (v.document, v.offset) {
        (Some(d), Some(o)) => format!(", document {d} token {o}"),
        _ => String::new(),
    };
    let text: String = v.text.chars().take(60).collect();
    let more = if text.len() < v.text.len() { "…" } else { "" };
    parts.push(format!(
        "longest verbatim {} tokens ({:?}{at})",
        v.length,
        text + more
    ));
    let novel: Vec<String> = r
        .novel_ngram_rate
        .0
        .iter()
        .filter_map(|(n, rate)| rate.map(|x| format!("{n}:{}%", fixed(100.0 * x, 0))))
        .collect();
    if !novel.is_empty() {
        parts.push(format!("novel n-grams {}", novel.join(" ")));
    }
    if let Some(c) = r.copied_fraction.value {
        parts.push(format!(
            "copied (runs ≥ {}) {}%",
            r.copied_fraction.min_len,
            fixed(100.0 * c, 1)
        ));
    }
    if let Some(d) = &r.divergence_step {
        match (&d.expected_token, &d.sampled_token) {
            (Some(e), Some(s)) => parts.push(format!(
                "diverged at step {}: drew {:?} ({}, p = {}) instead of {:?} ({}, p = {})",
                d.step,
                s.text,
                s.id,
                fixed(s.p, 4),
                e.text,
                e.id,
                fixed(e.p, 4)
            )),
            _ => parts.push(format!("never diverged ({} steps)", d.step)),
        }
    }
    parts.join("; ")
}

/// The bins of a chi-square check: outcome, expected probability and count, observed count,
/// standardized residual; then what the check can detect.
fn chi_square_table(out: &mut String, d: &crate::pipeline::chisq::ChiSquareDetail) {
    let width = d
        .bins
        .iter()
        .map(|b| b.label.chars().count())
        .max()
        .unwrap_or(7)
        .clamp(7, 28);
    let _ = writeln!(
        out,
        "      {:<width$}  {:>10}  {:>10}  {:>8}  {:>8}",
        "outcome", "expected p", "expected", "observed", "residual"
    );
    for b in &d.bins {
        let label: String = b.label.chars().take(28).collect();
        let residual = b
            .residual
            .map(|r| fixed(r, 2))
            .unwrap_or_else(|| "inf".into());
        let _ = writeln!(
            out,
            "      {label:<width$}  {:>10}  {:>10}  {:>8}  {:>8}",
            fixed(b.expected_p, 6),
            fixed(b.expected, 1),
            b.observed,
            residual
        );
    }
    let mc = d
        .replicates
        .map(|r| format!(", Monte Carlo with {r} replicates"))
        .unwrap_or_default();
    let detect = match d.detectable_w {
        Some(w) => format!(
            "detects an effect of Cohen's w ≥ {} with power 0.8",
            fixed(w, 4)
        ),
        None => "df = 0: every draw is the same outcome, nothing to test".into(),
    };
    let _ = writeln!(
        out,
        "      {} draws{mc}; observed w = {}; {detect}",
        d.samples,
        fixed(d.observed_w, 4)
    );
}

impl Exporter for TextExporter {
    fn render(&self, report: &BatchReport) -> String {
        let mut out = String::new();
        for r in &report.scenarios {
            scenario(&mut out, r, self.color);
            out.push('\n');
        }
        let s = &report.summary;
        let _ = write!(out, "coinflip: {} passed, {} failed", s.passed, s.failed);
        if s.errors > 0 {
            let _ = write!(out, ", {} errors", s.errors);
        }
        out.push('\n');
        out
    }
}
