//! Markdown, for course notes and pull-request comments: a heading per scenario, tables for the
//! model and checks, each sample in a block.

use std::fmt::Write;

use super::Exporter;
use crate::lm::EstimatorKind;
use crate::results::{BatchReport, CheckDetail, Status};
use crate::tokenize::TokenizerKind;

pub struct MarkdownExporter;

fn mark(s: Status) -> &'static str {
    match s {
        Status::Pass => "✅ pass",
        Status::Fail => "❌ fail",
        Status::Error => "⚠️ error",
    }
}

/// Escapes the characters that would break a table cell.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

impl Exporter for MarkdownExporter {
    fn render(&self, report: &BatchReport) -> String {
        let mut out = String::from("# coinflip report\n\n");
        let s = &report.summary;
        let _ = writeln!(
            out,
            "**{} passed, {} failed, {} errors** ({} scenarios)\n",
            s.passed,
            s.failed,
            s.errors,
            report.scenarios.len()
        );
        out.push_str("| scenario | status | file | seed |\n|---|---|---|---|\n");
        for r in &report.scenarios {
            let _ = writeln!(
                out,
                "| {} | {} | `{}` | {} |",
                cell(&r.name),
                mark(r.status),
                cell(&r.file),
                r.seed
            );
        }
        for r in &report.scenarios {
            let _ = writeln!(out, "\n## {} — {}\n", r.name, mark(r.status));
            if let Some(d) = &r.description {
                let _ = writeln!(out, "{d}\n");
            }
            if let Some(e) = &r.error {
                let _ = writeln!(out, "```text\n{e}\n```");
                if r.model.is_none() {
                    continue;
                }
            }
            if let Some(m) = &r.model {
                out.push_str("| model | value |\n|---|---|\n");
                let _ = writeln!(out, "| order | {} |", m.order);
                let _ = writeln!(
                    out,
                    "| tokenizer | {}{} |",
                    m.tokenizer.map_or("none", TokenizerKind::name),
                    if m.lowercase { " (lowercased)" } else { "" }
                );
                let param = m
                    .smoothing_parameter
                    .map(|p| format!(" ({p})"))
                    .unwrap_or_default();
                let smoothing = m.smoothing.map_or("none", EstimatorKind::name);
                let _ = writeln!(out, "| smoothing | {smoothing}{param} |");
                let _ = writeln!(out, "| documents | {} |", m.documents);
                let _ = writeln!(out, "| training tokens | {} |", m.training_tokens);
                let _ = writeln!(out, "| vocabulary | {} |", m.vocabulary_size);
                let counts: Vec<String> = m.ngram_counts.iter().map(|c| c.to_string()).collect();
                let _ = writeln!(
                    out,
                    "| distinct n-grams (1…{}) | {} |",
                    m.order,
                    counts.join(" / ")
                );
                out.push('\n');
            }
            for n in &r.notes {
                let _ = writeln!(out, "> note: {n}\n");
            }
            for smp in &r.samples {
                let _ = writeln!(
                    out,
                    "**Sample {}** ({} tokens, stopped: {})\n\n```text\n{}\n```\n",
                    smp.index,
                    smp.tokens.len(),
                    smp.stopped.name(),
                    smp.full_text.trim_end()
                );
            }
            if !r.checks.is_empty() {
                out.push_str("| check | status | result |\n|---|---|---|\n");
                for c in &r.checks {
                    let _ = writeln!(
                        out,
                        "| {}.{} | {} | {} |",
                        c.kind,
                        c.name,
                        mark(c.status),
                        cell(&c.message)
                    );
                }
                for c in &r.checks {
                    if let CheckDetail::ChiSquare(d) = &c.detail {
                        let _ = writeln!(
                            out,
                            "\n**χ² check, context {:?}** ({}, {} draws)\n",
                            d.context, d.test, d.samples
                        );
                        out.push_str("| outcome | expected p | expected | observed | residual |\n|---|---:|---:|---:|---:|\n");
                        for b in &d.bins {
                            let res = b
                                .residual
                                .map(|r| format!("{r:.2}"))
                                .unwrap_or_else(|| "∞".into());
                            let _ = writeln!(
                                out,
                                "| {} | {:.6} | {:.1} | {} | {res} |",
                                cell(&b.label),
                                b.expected_p,
                                b.expected,
                                b.observed
                            );
                        }
                    }
                }
            }
        }
        out
    }
}
