//! Exporters: each turns the computed gradebook and statistics into one output format, one file
//! per format. They only format; every number was computed before (gradebook, analysis).
//!
//! Fixed decimals everywhere: points and percents with 2, statistics with 3 in text, CSV and
//! Markdown; JSON numbers are rounded to 4 decimals. An undefined statistic prints `n/a` (JSON:
//! `null`).

pub mod csv;
pub mod html;
pub mod json;
pub mod lms;
pub mod markdown;
pub mod text;

use super::analysis::Analysis;
use super::args::Format;
use super::gradebook::Gradebook;
use super::key::Quiz;
use super::text::Lang;

/// Everything a report shows.
#[derive(Debug, Clone, Copy)]
pub struct Report<'a> {
    /// The quiz.
    pub quiz: &'a Quiz,
    /// Graded and rejected submissions.
    pub book: &'a Gradebook,
    /// Statistics.
    pub analysis: &'a Analysis,
    /// Language of the quiz title.
    pub lang: Lang,
}

/// The report in `format`.
pub fn render(format: Format, r: &Report) -> String {
    match format {
        Format::Text => text::render(r),
        Format::Csv => csv::render(r),
        Format::Json => json::render(r),
        Format::Markdown => markdown::render(r),
        Format::Html => html::render(r),
        Format::CanvasCsv => lms::canvas(r),
        Format::MoodleCsv => lms::moodle(r),
    }
}

/// `x` with `decimals` decimals, never `-0.00`.
pub fn fixed(x: f64, decimals: usize) -> String {
    let s = format!("{x:.decimals$}");
    if s.starts_with('-') && s[1..].chars().all(|c| c == '0' || c == '.') {
        s[1..].to_string()
    } else {
        s
    }
}

/// Points and percents: 2 decimals.
pub fn pts(x: f64) -> String {
    fixed(x, 2)
}

/// A statistic: 3 decimals, or `n/a`.
pub fn stat(x: Option<f64>) -> String {
    x.map(|x| fixed(x, 3)).unwrap_or_else(|| "n/a".into())
}

/// The option counts of an item as `a=3 b=20`.
pub fn option_counts(options: &std::collections::BTreeMap<String, usize>) -> String {
    options
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The warning shown for an item with negative discrimination.
pub fn negative_flag(id: &str, d: f64) -> String {
    format!(
        "{id}: negative discrimination ({}): students who did well on the rest of the quiz did worse here; check the key and the wording",
        fixed(d, 3)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_never_prints_negative_zero() {
        assert_eq!(fixed(-0.0001, 3), "0.000");
        assert_eq!(fixed(-0.0, 2), "0.00");
        assert_eq!(fixed(-0.25, 2), "-0.25");
        assert_eq!(fixed(2.0 / 3.0, 2), "0.67");
        assert_eq!(stat(None), "n/a");
    }
}
