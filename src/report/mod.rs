//! Reports: one exporter per output format behind one trait, as hyperfine's `export/` does.
//! Exporters only format; every figure they print was computed before (see [`crate::results`]).

use crate::results::BatchReport;

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

/// The exporter of a format (`color`: colour the text report's marks).
pub fn exporter(format: Format, color: bool) -> Box<dyn Exporter> {
    match format {
        Format::Text => Box::new(text::TextExporter { color }),
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

/// A number for people: fixed decimals, no "-0".
pub fn fixed(x: f64, decimals: usize) -> String {
    let s = format!("{x:.decimals$}");
    if s.starts_with('-') && s[1..].chars().all(|c| c == '0' || c == '.') {
        s[1..].to_string()
    } else {
        s
    }
}
