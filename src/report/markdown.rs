//! Markdown, for course notes and pull-request comments: a heading per scenario, tables for the
//! model and checks, each sample in a block.
//!
//! Texts from inputs never become markup: names, messages and labels go through
//! [`markdown::inline`], descriptions through [`markdown::paragraph`], samples and error reports
//! into a [`markdown::fence`] longer than any backtick run they hold, files into a
//! [`markdown::code_span`] (rules in [`crate::text::markdown`]).

use super::Exporter;
use crate::results::{
    BatchReport, CheckDetail, ChiSquareDetail, ModelInfo, ScenarioResult, Status,
};
use crate::text::markdown::{self, inline};
use crate::text::{count, fixed};

pub struct MarkdownExporter;

fn mark(s: Status) -> &'static str {
    match s {
        Status::Pass => "✅ pass",
        Status::Fail => "❌ fail",
        Status::Error => "⚠️ error",
    }
}

/// Appends `text` and a line feed.
fn line(out: &mut String, text: impl AsRef<str>) {
    out.push_str(text.as_ref());
    out.push('\n');
}

impl Exporter for MarkdownExporter {
    fn render(&self, report: &BatchReport) -> String {
        let mut out = String::from("# coinflip report\n\n");
        let s = &report.summary;
        line(
            &mut out,
            format!(
                "**{} passed, {} failed, {}** ({})\n",
                s.passed,
                s.failed,
                count(s.errors, "error", "errors"),
                count(report.scenarios.len(), "scenario", "scenarios")
            ),
        );
        line(
            &mut out,
            format!(
                "Samples drawn under randomness contract {} (coinflip's docs/sampling.md).\n",
                report.randomness_contract
            ),
        );
        out.push_str("| scenario | status | file | seed |\n|---|---|---|---|\n");
        for r in &report.scenarios {
            line(
                &mut out,
                format!(
                    "| {} | {} | {} | {} |",
                    inline(&r.name),
                    mark(r.status),
                    markdown::code_span(&r.file),
                    r.seed
                ),
            );
        }
        for r in &report.scenarios {
            scenario(&mut out, r);
        }
        out
    }
}

fn scenario(out: &mut String, r: &ScenarioResult) {
    line(
        out,
        format!("\n## {} — {}\n", inline(&r.name), mark(r.status)),
    );
    if let Some(d) = &r.description {
        line(out, format!("{}\n", markdown::paragraph(d)));
    }
    if let Some(e) = &r.error {
        line(out, markdown::fence("text", e));
        if r.model.is_none() {
            return;
        }
    }
    if let Some(m) = &r.model {
        model(out, m);
    }
    for n in &r.notes {
        line(out, format!("> note: {}\n", inline(&n.to_string())));
    }
    for smp in &r.samples {
        line(
            out,
            format!(
                "**Sample {}** ({} tokens, stopped: {})\n\n{}\n",
                smp.index,
                smp.tokens.len(),
                smp.stopped.name(),
                markdown::fence("text", smp.full_text.trim_end())
            ),
        );
    }
    if r.checks.is_empty() {
        return;
    }
    out.push_str("| check | status | result |\n|---|---|---|\n");
    for c in &r.checks {
        line(
            out,
            format!(
                "| {}.{} | {} | {} |",
                c.kind,
                inline(&c.name),
                mark(c.status),
                inline(&c.message)
            ),
        );
    }
    for c in &r.checks {
        if let CheckDetail::ChiSquare(d) = &c.detail {
            chi_square(out, d, c.status);
        }
    }
}

/// The model's figures as a two-column table.
fn model(out: &mut String, m: &ModelInfo) {
    let param = m
        .smoothing_parameter
        .map(|p| format!(" ({p})"))
        .unwrap_or_default();
    let counts: Vec<String> = m.ngram_counts.iter().map(|c| c.to_string()).collect();
    let lowercased = if m.lowercase { " (lowercased)" } else { "" };
    let rows = [
        ("order", m.order.to_string()),
        (
            "tokenizer",
            format!("{}{lowercased}", super::tokenizer_name(m)),
        ),
        ("smoothing", format!("{}{param}", super::smoothing_name(m))),
        ("documents", m.documents.to_string()),
        ("training tokens", m.training_tokens.to_string()),
        ("vocabulary", m.vocabulary_size.to_string()),
    ];
    out.push_str("| model | value |\n|---|---|\n");
    for (k, v) in rows {
        line(out, format!("| {k} | {} |", inline(&v)));
    }
    line(
        out,
        format!(
            "| distinct n-grams (1…{}) | {} |\n",
            m.order,
            counts.join(" / ")
        ),
    );
}

/// A passing chi-square check shows at most this many bins: a report must stay under GitHub's
/// 65,536-character limit for a comment, and one bundled scenario alone has over 800 bins. A
/// failing check keeps every bin (that is where the reader looks); the JSON report has them all.
const MAX_PASSING_BINS: usize = 20;

/// A chi-square check's bins as a table (the first [`MAX_PASSING_BINS`] when it passed).
fn chi_square(out: &mut String, d: &ChiSquareDetail, status: Status) {
    line(
        out,
        format!(
            "\n**χ² check, context {}** ({}, {} draws)\n",
            inline(&format!("{:?}", d.context)),
            d.test.name(),
            d.samples
        ),
    );
    out.push_str(
        "| outcome | expected p | expected | observed | residual |\n|---|---:|---:|---:|---:|\n",
    );
    let shown = if status == Status::Pass {
        d.bins.len().min(MAX_PASSING_BINS)
    } else {
        d.bins.len()
    };
    for b in &d.bins[..shown] {
        let res = b.residual.map_or_else(|| "∞".into(), |r| fixed(r, 2));
        line(
            out,
            format!(
                "| {} | {} | {} | {} | {res} |",
                inline(&b.label),
                fixed(b.expected_p, 6),
                fixed(b.expected, 1),
                b.observed
            ),
        );
    }
    if shown < d.bins.len() {
        line(
            out,
            format!(
                "\n{} not shown (the check passed; the JSON report lists every bin).",
                count(d.bins.len() - shown, "more bin", "more bins")
            ),
        );
    }
}
