//! The text report, for people at a terminal or reading a CI log.
//!
//! Every text that comes from an input (names, files, descriptions, samples, messages, outcome
//! labels) goes through [`crate::text::terminal`] first, so a corpus cannot send escape sequences
//! or bidi controls to the reader's terminal; the only control characters in the report are the
//! colour codes of the ✓/✗ marks, and only when `color` is on.

use super::Exporter;
use crate::results::{
    BatchReport, ChiSquareDetail, ModelInfo, RemixSummary, SampleRemix, ScenarioResult, Status,
};
use crate::text::table::{Align, Table};
use crate::text::terminal::{escape, escape_line};
use crate::text::{count, fixed};

pub struct TextExporter {
    /// Colour the ✓/✗ marks (only for a terminal, and never with `NO_COLOR`).
    pub color: bool,
    /// Every scenario in full. Off (the default of `coinflip run`), a passing scenario is one
    /// line and only failing and erroring scenarios are shown in full, so a batch fits a
    /// terminal and a CI log; `--verbose` turns it on.
    pub verbose: bool,
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

/// Appends `text` and a line feed.
fn line(out: &mut String, text: impl AsRef<str>) {
    out.push_str(text.as_ref());
    out.push('\n');
}

/// The first line of a scenario: mark, name, verdict, file and seed.
fn header(r: &ScenarioResult, color: bool) -> String {
    format!(
        "{} {} [{}] ({}, seed {})",
        mark(r.status, color),
        escape_line(&r.name),
        r.status.name(),
        escape_line(&r.file),
        r.seed
    )
}

/// A passing scenario in one line: the header, then the samples, tokens and checks passed.
fn concise(out: &mut String, r: &ScenarioResult, color: bool) {
    let mut figures = Vec::new();
    if !r.samples.is_empty() {
        let tokens: usize = r.samples.iter().map(|s| s.tokens.len()).sum();
        figures.push(count(r.samples.len(), "sample", "samples"));
        figures.push(count(tokens, "token", "tokens"));
    }
    let passed = r.checks.iter().filter(|c| c.status == Status::Pass).count();
    figures.push(if r.checks.is_empty() {
        "no checks".to_string()
    } else {
        format!(
            "{passed}/{} passed",
            count(r.checks.len(), "check", "checks")
        )
    });
    line(out, format!("{}: {}", header(r, color), figures.join(", ")));
    // Notes are worth seeing even on a pass (an unknown prefix token, a skipped remix); two
    // lines at most, so a passing scenario never takes more than three.
    let shown = if r.notes.len() <= 2 { 2 } else { 1 };
    for n in r.notes.iter().take(shown) {
        line(out, format!("  note: {}", escape_line(&n.to_string())));
    }
    if r.notes.len() > shown {
        line(
            out,
            format!(
                "  {} (--verbose shows them)",
                count(r.notes.len() - shown, "more note", "more notes")
            ),
        );
    }
}

fn scenario(out: &mut String, r: &ScenarioResult, color: bool) {
    line(out, header(r, color));
    if let Some(d) = &r.description {
        line(out, indent(&escape(d), 2));
    }
    if r.status == Status::Error && !r.diagnostics.is_empty() {
        for d in &r.diagnostics {
            let text = indent(&escape(&d.to_string()), 2);
            line(out, format!("  error: {}", text.trim_start()));
        }
        return;
    }
    if let Some(m) = &r.model {
        model(out, m);
    }
    if let Some(s) = &r.sampling {
        line(out, format!("  sampling: {}", super::sampling_summary(s)));
    }
    for n in &r.notes {
        line(out, format!("  note: {}", escape_line(&n.to_string())));
    }
    samples(out, r);
    for c in &r.checks {
        line(
            out,
            format!(
                "  {} {} {}: {}",
                mark(c.status, color),
                c.kind,
                escape_line(&c.name),
                escape_line(&c.message)
            ),
        );
        if let crate::results::CheckDetail::ChiSquare(d) = &c.detail {
            chi_square_table(out, d);
        }
    }
}

/// `coinflip generate`'s output: the model, the sampling, the notes and the samples with their
/// remix lines, as `run --verbose` shows them (no header, checks or summary: there are none).
pub fn render_generated(r: &ScenarioResult) -> String {
    let mut out = String::new();
    if let Some(m) = &r.model {
        model(&mut out, m);
    }
    if let Some(s) = &r.sampling {
        line(
            &mut out,
            format!("  sampling: {}", super::sampling_summary(s)),
        );
    }
    for n in &r.notes {
        line(&mut out, format!("  note: {}", escape_line(&n.to_string())));
    }
    samples(&mut out, r);
    // The same lines as in a report, less the indent that sets them under a scenario header.
    out.lines()
        .map(|l| l.strip_prefix("  ").unwrap_or(l))
        .fold(String::new(), |mut acc, l| {
            acc.push_str(l);
            acc.push('\n');
            acc
        })
}

/// The samples of a scenario, each with its remix line, and the remix figures over them.
fn samples(out: &mut String, r: &ScenarioResult) {
    for s in &r.samples {
        line(
            out,
            format!(
                "  sample {} ({} tokens, stopped: {}):",
                s.index,
                s.tokens.len(),
                s.stopped.name()
            ),
        );
        line(out, indent(&escape(s.full_text.trim_end()), 4));
        if let Some(r) = &s.remix {
            line(out, format!("    remix: {}", escape_line(&remix_line(r))));
        }
    }
    if let Some(m) = &r.remix_summary {
        line(
            out,
            format!(
                "  remix over {}: {}",
                count(m.samples, "sample", "samples"),
                remix_summary(m)
            ),
        );
    }
}

/// The model and corpus lines (one line for an explicit distribution).
fn model(out: &mut String, m: &ModelInfo) {
    if super::is_distribution(m) {
        line(
            out,
            format!("  distribution: {} outcomes", m.vocabulary_size),
        );
        return;
    }
    let counts: Vec<String> = m
        .ngram_counts
        .iter()
        .enumerate()
        .map(|(i, c)| format!("{}-grams {c}", i + 1))
        .collect();
    line(
        out,
        format!(
            "  model: {}-gram, {} tokens{}, {}{}",
            m.order,
            super::tokenizer_name(m),
            if m.lowercase { " (lowercased)" } else { "" },
            super::smoothing_name(m),
            super::smoothing_parameter(m)
        ),
    );
    line(
        out,
        format!(
            "  corpus: {}, {}, vocabulary {}; {}",
            count(m.documents, "document", "documents"),
            count(m.training_tokens, "token", "tokens"),
            m.vocabulary_size,
            counts.join(", ")
        ),
    );
}

/// The remix statistics over a scenario's samples, in one line.
fn remix_summary(m: &RemixSummary) -> String {
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
        .filter_map(|(n, a)| a.map(|a| format!("{n}:{}%", fixed(100.0 * a.mean, 0))))
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
    parts.join("; ")
}

/// One sample's remix figures in a line.
fn remix_line(r: &SampleRemix) -> String {
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
fn chi_square_table(out: &mut String, d: &ChiSquareDetail) {
    let mut table = Table::new(&[
        Align::Left,
        Align::Right,
        Align::Right,
        Align::Right,
        Align::Right,
    ])
    .max_width(0, 28)
    .min_width(2, 10);
    table.row(["outcome", "expected p", "expected", "observed", "residual"]);
    for b in &d.bins {
        table.row([
            escape_line(&b.label).into_owned(),
            fixed(b.expected_p, 6),
            fixed(b.expected, 1),
            b.observed.to_string(),
            b.residual.map_or_else(|| "inf".into(), |r| fixed(r, 2)),
        ]);
    }
    out.push_str(&table.render("      ", "  "));
    line(out, format!("      {}", super::chi_square_power(d)));
}

impl Exporter for TextExporter {
    fn render(&self, report: &BatchReport) -> String {
        let mut out = String::new();
        for r in &report.scenarios {
            if self.verbose || r.status != Status::Pass {
                scenario(&mut out, r, self.color);
                out.push('\n');
            } else {
                concise(&mut out, r, self.color);
            }
        }
        if !self.verbose
            && report
                .scenarios
                .last()
                .is_some_and(|r| r.status == Status::Pass)
        {
            out.push('\n');
        }
        line(
            &mut out,
            format!(
                "randomness contract {} (docs/sampling.md)",
                report.randomness_contract
            ),
        );
        let s = &report.summary;
        out.push_str(&format!(
            "coinflip: {} passed, {} failed",
            s.passed, s.failed
        ));
        if s.errors > 0 {
            out.push_str(&format!(", {}", count(s.errors, "error", "errors")));
        }
        out.push('\n');
        out
    }
}

/// With `--out`, the concise text report for standard output followed by where the reports
/// went, so a CI log says which scenario failed and where to look. `None` when `--out` is
/// standard output itself (the report is already there).
pub fn out_summary(
    report: &BatchReport,
    out: &std::path::Path,
    formats: &[super::Format],
    color: bool,
) -> Option<String> {
    if crate::output::is_std_stream(out) {
        return None;
    }
    let mut text = TextExporter {
        color,
        verbose: false,
    }
    .render(report);
    let shown = crate::text::slashed(out);
    if formats.len() == 1 {
        text.push_str(&format!("report: {}\n", escape_line(&shown)));
    } else {
        let names: Vec<&str> = formats.iter().map(|f| f.file_name()).collect();
        text.push_str(&format!(
            "reports in {}: {}\n",
            escape_line(&shown),
            names.join(", ")
        ));
    }
    Some(text)
}
