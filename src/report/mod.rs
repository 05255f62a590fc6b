//! Reports: one exporter per output format behind one trait, as hyperfine's `export/` does.
//! Exporters only format; every figure they print was computed before (see [`crate::results`]).
//! Escaping for each format, numbers and tables come from [`crate::text`]; the sentences more than
//! one format prints are written once, here.

use crate::results::{BatchReport, ChiSquareDetail, DETECTABLE_POWER, ModelInfo};
use crate::text::fixed;

pub mod flip;
pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod note;
pub mod text;

/// The formats `coinflip run --format` accepts (spelt on the command line by `crate::cli`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// For people: one block per scenario, ✓/✗ per check, a summary line.
    Text,
    /// Stable, documented JSON (docs/reports.md).
    Json,
    /// Markdown: headings, tables and sample blocks for notes and pull requests.
    Markdown,
    /// JUnit XML: one test case per (scenario, check), for CI systems.
    Junit,
    /// One self-contained HTML page with SVG charts (no script, no external assets).
    Html,
}

impl Format {
    /// The file name used when several formats are written into an `--out` folder.
    pub fn file_name(self) -> &'static str {
        match self {
            Format::Text => "report.txt",
            Format::Json => "report.json",
            Format::Markdown => "report.md",
            Format::Junit => "junit.xml",
            Format::Html => "report.html",
        }
    }
}

/// Turns a batch report into the bytes of one format.
pub trait Exporter {
    fn render(&self, report: &BatchReport) -> String;
}

/// The exporter of a format (`color`: colour the text report's marks; `verbose`: the text
/// report shows passing scenarios in full too — the other formats are always complete).
pub fn exporter(format: Format, color: bool, verbose: bool) -> Box<dyn Exporter> {
    match format {
        Format::Text => Box::new(text::TextExporter { color, verbose }),
        Format::Json => Box::new(json::JsonExporter),
        Format::Markdown => Box::new(markdown::MarkdownExporter),
        Format::Junit => Box::new(junit::JunitExporter),
        Format::Html => Box::new(html::HtmlExporter),
    }
}

/// The sampling settings in words: "temperature 0.7, top-k off, top-p 0.9".
pub fn sampling_summary(s: &crate::sample::SamplerConfig) -> String {
    let t = if s.temperature == 0.0 {
        "0 (greedy)".to_string()
    } else {
        format!("{}", s.temperature)
    };
    let k = if s.top_k == 0 {
        "off".to_string()
    } else {
        s.top_k.to_string()
    };
    let p = if s.top_p >= 1.0 {
        "off".to_string()
    } else {
        format!("{}", s.top_p)
    };
    format!("temperature {t}, top-k {k}, top-p {p}")
}

/// What a chi-square check could see, for the text and HTML reports: "10000 draws, Monte Carlo
/// with 999 replicates; observed w = 0.0298; detects an effect of Cohen's w ≥ 0.0434 with power
/// 0.8".
pub fn chi_square_power(d: &ChiSquareDetail) -> String {
    let mc = d
        .replicates
        .map(|r| format!(", Monte Carlo with {r} replicates"))
        .unwrap_or_default();
    let detect = match d.detectable_w {
        Some(w) => format!(
            "detects an effect of Cohen's w ≥ {} with power {DETECTABLE_POWER}",
            fixed(w, 4)
        ),
        None => "df = 0: every draw is the same outcome, nothing to test".into(),
    };
    format!(
        "{} draws{mc}; observed w = {}; {detect}",
        d.samples,
        fixed(d.observed_w, 4)
    )
}

// The model's `kind` and `smoothing` are names (`&'static str`) until they become typed; these
// two functions are the only places a report looks at them.

/// Whether the "model" is an explicit distribution (no corpus, no n-grams).
pub fn is_distribution(m: &ModelInfo) -> bool {
    m.kind == crate::lm::ModelKind::Distribution
}

/// The model's tokenizer as reports name it ("none" for an explicit distribution).
pub fn tokenizer_name(m: &ModelInfo) -> &'static str {
    m.tokenizer
        .map_or("none", crate::tokenize::TokenizerKind::name)
}

/// The model's smoothing as reports name it ("none" for an explicit distribution).
pub fn smoothing_name(m: &ModelInfo) -> &'static str {
    m.smoothing.map_or("none", crate::lm::EstimatorKind::name)
}

/// The smoothing parameter with its name, as the text and HTML reports show it after the
/// smoothing: " (k = 0.5)", " (discount = 0.75)", " (alpha = 0.4)", or nothing.
pub fn smoothing_parameter(m: &ModelInfo) -> String {
    let Some(name) = m.smoothing.and_then(|s| s.parameter()).map(|p| p.key) else {
        return String::new();
    };
    m.smoothing_parameter
        .map(|p| format!(" ({name} = {p})"))
        .unwrap_or_default()
}
