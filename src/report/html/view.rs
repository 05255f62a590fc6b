//! What the page template shows, as plain values: the results of a batch turned into the
//! sentences, numbers (formatted), classes and chart geometry of the page. The template
//! (`page.html`) only places them in markup and escapes them; nothing here is markup.

use serde::Serialize;

use super::chart::{BarChart, GroupData, ProfileChart};
use super::{SHADES, mark, shade, shade_label};
use crate::results::{
    BatchReport, CheckDetail, ChiSquareDetail, ModelInfo, RemixSummary, SampleRemix, SampleResult,
    ScenarioResult, Status, Summary,
};
use crate::text::fixed;

/// The whole page.
#[derive(Serialize)]
pub struct Page<'a> {
    pub summary: Summary,
    pub count: usize,
    pub version: &'static str,
    /// The randomness contract that drew the samples (docs/sampling.md).
    pub randomness_contract: u32,
    pub scenarios: Vec<Scenario<'a>>,
}

/// One scenario's section.
#[derive(Serialize)]
pub struct Scenario<'a> {
    /// The section's element id (`s1`, `s2`, … in report order).
    id: String,
    status: &'static str,
    mark: &'static str,
    name: &'a str,
    file: &'a str,
    seed: u64,
    description: Option<&'a str>,
    /// A rejected scenario's reasons, or why it could not be judged.
    error: Option<String>,
    /// Nothing but the error to show: the section ends after it.
    rejected: bool,
    figures: Vec<Row>,
    notes: Vec<String>,
    samples: Vec<Sample>,
    /// The swatches explaining the token shades (when a sample has remix statistics).
    legend: Option<Vec<Swatch>>,
    remix: Option<RemixTable>,
    checks: Vec<Check<'a>>,
    chi_squares: Vec<ChiSquare>,
}

/// A name and its value (the model, corpus and sampling figures).
#[derive(Serialize)]
struct Row {
    name: &'static str,
    value: String,
}

#[derive(Serialize)]
struct Swatch {
    shade: usize,
    label: String,
}

/// A sample: its caption, its tokens (or its text when there are no per-token texts), its chart.
#[derive(Serialize)]
struct Sample {
    caption: String,
    plain: Option<String>,
    prefix: String,
    tokens: Vec<Token>,
    chart: Option<ProfileChart>,
}

/// One generated token: the blanks before it, then the token in a span shaded by its copied run.
#[derive(Serialize)]
struct Token {
    lead: String,
    class: String,
    title: String,
    text: String,
    /// A line break after the token (the document break `</s>` inside a sample).
    after: &'static str,
}

#[derive(Serialize)]
struct RemixTable {
    samples: usize,
    rows: Vec<RemixRow>,
}

#[derive(Serialize)]
struct RemixRow {
    name: String,
    mean: String,
    median: String,
    max: String,
}

#[derive(Serialize)]
struct Check<'a> {
    status: &'static str,
    mark: &'static str,
    kind: &'static str,
    name: &'a str,
    message: &'a str,
}

/// A chi-square check's figure: caption, bar chart, and every bin in a table.
#[derive(Serialize)]
struct ChiSquare {
    status: &'static str,
    mark: &'static str,
    context: String,
    test: &'static str,
    statistic: String,
    df: usize,
    p: String,
    p_adjusted: String,
    alpha: String,
    power: String,
    chart: BarChart,
    /// Said under the chart when some bins are summed into one group.
    note: Option<String>,
    bins: Vec<BinRow>,
}

#[derive(Serialize)]
struct BinRow {
    /// |residual| ≥ 3 (or infinite): the row is set in bold.
    far: bool,
    label: String,
    kind: &'static str,
    expected_p: String,
    expected: String,
    observed: u64,
    residual: String,
}

impl<'a> Page<'a> {
    pub fn new(report: &'a BatchReport) -> Self {
        Page {
            summary: report.summary,
            count: report.scenarios.len(),
            version: env!("CARGO_PKG_VERSION"),
            randomness_contract: report.randomness_contract,
            scenarios: report
                .scenarios
                .iter()
                .enumerate()
                .map(|(i, r)| Scenario::new(r, format!("s{}", i + 1)))
                .collect(),
        }
    }
}

impl<'a> Scenario<'a> {
    fn new(r: &'a ScenarioResult, id: String) -> Self {
        let error = (r.status == Status::Error).then(|| error_text(r));
        let mut chi_squares = Vec::new();
        for c in &r.checks {
            if let CheckDetail::ChiSquare(d) = &c.detail {
                let chart_id = format!("{id}-chi{}", chi_squares.len() + 1);
                chi_squares.push(ChiSquare::new(d, c.status, chart_id));
            }
        }
        Scenario {
            status: r.status.name(),
            mark: mark(r.status),
            name: &r.name,
            file: &r.file,
            seed: r.seed,
            description: r.description.as_deref(),
            rejected: error.is_some() && r.model.is_none(),
            error,
            figures: figures(r),
            notes: r.notes.iter().map(|n| n.to_string()).collect(),
            samples: r
                .samples
                .iter()
                .map(|s| Sample::new(s, &format!("{id}-sample{}", s.index)))
                .collect(),
            legend: r.samples.iter().any(|s| s.remix.is_some()).then(legend),
            remix: r.remix_summary.as_ref().and_then(RemixTable::new),
            checks: r
                .checks
                .iter()
                .map(|c| Check {
                    status: c.status.name(),
                    mark: mark(c.status),
                    kind: c.kind.name(),
                    name: &c.name,
                    message: &c.message,
                })
                .collect(),
            chi_squares,
            id,
        }
    }
}

/// Every problem of a scenario that could not run (with the offending lines when known).
fn error_text(r: &ScenarioResult) -> String {
    let text = if r.diagnostics.is_empty() {
        r.error.clone().unwrap_or_default()
    } else {
        r.diagnostics
            .iter()
            .map(|d| d.to_string())
            .collect::<Vec<_>>()
            .join("\n")
    };
    text.trim_end().to_string()
}

/// Model, corpus and sampling figures.
fn figures(r: &ScenarioResult) -> Vec<Row> {
    let mut rows = Vec::new();
    if let Some(m) = &r.model {
        if crate::report::is_distribution(m) {
            rows.push(Row {
                name: "distribution",
                value: format!("{} outcomes", m.vocabulary_size),
            });
        } else {
            model_rows(m, &mut rows);
        }
    }
    if let Some(s) = &r.sampling {
        rows.push(Row {
            name: "sampling",
            value: crate::report::sampling_summary(s),
        });
    }
    rows
}

fn model_rows(m: &ModelInfo, rows: &mut Vec<Row>) {
    let mut row = |name, value| rows.push(Row { name, value });
    row(
        "model",
        format!(
            "{} {}-gram, {} tokens{}, {}{}",
            m.kind.name(),
            m.order,
            crate::report::tokenizer_name(m),
            if m.lowercase { " (lowercased)" } else { "" },
            crate::report::smoothing_name(m),
            crate::report::smoothing_parameter(m)
        ),
    );
    row(
        "corpus",
        format!(
            "{}, {}, vocabulary {}",
            crate::text::count(m.documents, "document", "documents"),
            crate::text::count(m.training_tokens, "token", "tokens"),
            m.vocabulary_size
        ),
    );
    if !m.ngram_counts.is_empty() {
        let counts: Vec<String> = m
            .ngram_counts
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{}-grams {c}", i + 1))
            .collect();
        row("distinct n-grams", counts.join(", "));
    }
    if let Some(ds) = &m.discounts {
        let d: Vec<String> = ds
            .iter()
            .enumerate()
            .map(|(i, [a, b, c])| {
                let [a, b, c] = [a, b, c].map(|x| fixed(*x, 4));
                format!("{}: {a} / {b} / {c}", i + 1)
            })
            .collect();
        row("discounts D1 / D2 / D3+", d.join("; "));
    }
}

/// What each token shade means.
fn legend() -> Vec<Swatch> {
    (1..SHADES.len())
        .map(|shade| Swatch {
            shade,
            label: shade_label(shade),
        })
        .collect()
}

impl RemixTable {
    /// Mean, median and max of each remix statistic (none when no statistic was computed).
    fn new(m: &RemixSummary) -> Option<Self> {
        let mut rows = Vec::new();
        let mut add = |name: String, a: &crate::results::Aggregate, percent: bool| {
            let f = |x: f64| {
                if percent {
                    format!("{}%", fixed(100.0 * x, 1))
                } else {
                    fixed(x, 1)
                }
            };
            rows.push(RemixRow {
                name,
                mean: f(a.mean),
                median: f(a.median),
                max: f(a.max),
            });
        };
        if let Some(a) = &m.max_verbatim {
            add("longest verbatim run (tokens)".into(), a, false);
        }
        for (n, a) in &m.novel_ngram_rate.0 {
            if let Some(a) = a {
                add(format!("novel {n}-grams"), a, true);
            }
        }
        if let Some(a) = &m.copied_fraction {
            add("copied fraction".into(), a, true);
        }
        if let Some(a) = &m.divergence_step {
            add("divergence step".into(), a, false);
        }
        (!rows.is_empty()).then_some(RemixTable {
            samples: m.samples,
            rows,
        })
    }
}

impl Sample {
    fn new(s: &SampleResult, id: &str) -> Self {
        // Without per-token texts (a report built elsewhere) the text is shown unshaded.
        let shaded = s.token_texts.len() == s.tokens.len();
        let chart = s
            .remix
            .as_ref()
            .filter(|r| !r.longest_match.is_empty())
            .map(|r| {
                let div = r
                    .divergence_step
                    .as_ref()
                    .map(|d| d.step)
                    .filter(|&st| st < r.longest_match.len());
                ProfileChart::new(
                    id.to_string(),
                    s.index,
                    &r.longest_match,
                    r.copied_fraction.min_len,
                    div,
                )
            });
        Sample {
            caption: sample_caption(s),
            plain: (!shaded).then(|| s.full_text.trim_end().to_string()),
            prefix: if shaded {
                s.prefix.clone()
            } else {
                String::new()
            },
            tokens: if shaded { tokens(s) } else { Vec::new() },
            chart,
        }
    }
}

/// "Sample 0: 12 tokens, stopped: max_tokens · longest verbatim run …".
fn sample_caption(s: &SampleResult) -> String {
    let mut caption = format!(
        "Sample {}: {} tokens, stopped: {}",
        s.index,
        s.tokens.len(),
        s.stopped.name()
    );
    if let Some(r) = &s.remix {
        caption.push_str(&remix_caption(r));
    }
    caption
}

/// A sample's remix figures, each after " · ".
fn remix_caption(r: &SampleRemix) -> String {
    let mut parts = Vec::new();
    let v = &r.max_verbatim;
    let at = match (v.document, v.offset) {
        (Some(d), Some(o)) => format!(" (document {d}, token {o})"),
        _ => String::new(),
    };
    parts.push(format!("longest verbatim run {} tokens{at}", v.length));
    if let Some(x) = r.copied_fraction.value {
        parts.push(format!(
            "copied (runs ≥ {}) {}%",
            r.copied_fraction.min_len,
            fixed(100.0 * x, 1)
        ));
    }
    let novel: Vec<String> = r
        .novel_ngram_rate
        .0
        .iter()
        .filter_map(|(n, rate)| rate.map(|x| format!("{n}: {}%", fixed(100.0 * x, 0))))
        .collect();
    if !novel.is_empty() {
        parts.push(format!("novel n-grams {}", novel.join(", ")));
    }
    if let Some(d) = &r.divergence_step {
        parts.push(match (&d.expected_token, &d.sampled_token) {
            (Some(e), Some(t)) => format!(
                "diverged at step {}: drew “{}” (p = {}) instead of “{}” (p = {})",
                d.step,
                t.text,
                fixed(t.p, 4),
                e.text,
                fixed(e.p, 4)
            ),
            _ => format!("never diverged ({} steps)", d.step),
        });
    }
    parts.iter().map(|p| format!(" · {p}")).collect()
}

/// The generated tokens, each shaded by the longest copied run containing it.
fn tokens(s: &SampleResult) -> Vec<Token> {
    let remix = s.remix.as_ref();
    let min_len = remix.map(|r| r.copied_fraction.min_len);
    s.token_texts
        .iter()
        .zip(&s.tokens)
        .enumerate()
        .map(|(i, (piece, &id))| {
            let body = piece.trim_start_matches([' ', '\t']);
            let lead = piece[..piece.len() - body.len()].to_string();
            let (mut class, title) = match remix {
                Some(r) if i < r.longest_match.len() && i < r.covering_runs.len() => {
                    let (run, cover) = (r.longest_match[i], r.covering_runs[i]);
                    let copied = min_len.is_some_and(|m| m > 0 && cover >= m);
                    (
                        format!("t m{}{}", shade(cover), if copied { " copied" } else { "" }),
                        format!(
                            "token {i}: longest match ending here {run}, longest run containing it \
                             {cover}"
                        ),
                    )
                }
                _ => ("t".to_string(), format!("token {i}")),
            };
            let eos = id == crate::tokenize::EOS;
            if eos {
                // The document break: a marker, and a new line when the sample goes on.
                class.push_str(" eos");
            }
            Token {
                lead,
                class,
                title,
                text: if eos { "</s>".into() } else { body.into() },
                after: if eos && i + 1 < s.tokens.len() {
                    "\n"
                } else {
                    ""
                },
            }
        })
        .collect()
}

impl ChiSquare {
    fn new(d: &ChiSquareDetail, status: Status, id: String) -> Self {
        let mut groups: Vec<GroupData> = d
            .chart
            .shown
            .iter()
            .map(|&i| {
                let b = &d.bins[i];
                GroupData {
                    label: b.label.clone(),
                    expected: b.expected,
                    observed: b.observed,
                    title: format!(
                        "{}: expected {} (p = {}), observed {}",
                        b.label,
                        fixed(b.expected, 1),
                        fixed(b.expected_p, 6),
                        b.observed
                    ),
                }
            })
            .collect();
        let note = d.chart.rest.map(|rest| {
            let (k, o) = (rest.bins, rest.observed);
            groups.push(GroupData {
                label: format!("other {k} bins"),
                expected: rest.expected,
                observed: o,
                title: format!(
                    "the other {k} bins together: expected {}, observed {o}",
                    fixed(rest.expected, 1)
                ),
            });
            format!(
                "The chart shows the {} bins with the largest expected counts and sums the other \
                 {k}; the table below lists all {}.",
                d.chart.shown.len(),
                d.bins.len()
            )
        });
        ChiSquare {
            status: status.name(),
            mark: mark(status),
            context: d.context.clone(),
            test: d.test.name(),
            statistic: d.statistic.map_or_else(|| "∞".into(), |x| fixed(x, 4)),
            df: d.df,
            p: fixed(d.p_value, 4),
            p_adjusted: fixed(d.p_adjusted, 4),
            alpha: d.alpha.to_string(),
            power: crate::report::chi_square_power(d),
            chart: BarChart::new(id, &d.context, &groups),
            note,
            bins: d
                .bins
                .iter()
                .map(|b| BinRow {
                    far: b.residual.is_none_or(|r| r.abs() >= 3.0),
                    label: b.label.clone(),
                    kind: b.kind.name(),
                    expected_p: fixed(b.expected_p, 6),
                    expected: fixed(b.expected, 1),
                    observed: b.observed,
                    residual: b.residual.map_or_else(|| "∞".into(), |r| fixed(r, 2)),
                })
                .collect(),
        }
    }
}
