//! The HTML report: one self-contained page (inline CSS and SVG; no script, no font, no image, no
//! link to anything outside the file) for people who read a batch in a browser. Per scenario: the
//! status, the model and corpus figures, each sample's text with its tokens shaded by the longest
//! verbatim training run they belong to (copied spans stand out), a step chart of the sample's
//! longest-match profile, the checks with ✓/✗, and for each chi-square check a grouped bar chart
//! of the observed against the expected count of every bin, with the bins in a table.
//!
//! Hand-written markup: the page is a few hundred lines of elements; a template engine or a
//! charting crate would bring a dependency tree for what `write!` and a dozen SVG elements do.
//! Every text goes through [`esc`]; the markup is also well-formed XML (void elements are
//! self-closed), which tests/html_report.rs checks with an XML parser. The page is deterministic:
//! ids come from positions in the report, coordinates are printed with fixed decimals, and nothing
//! reads a clock. The colours meet WCAG contrast (4.5:1 for text, 3:1 for chart marks), checked by
//! the tests below.

use std::fmt::Write;

use super::{Exporter, fixed};
use crate::lm::ModelKind;
use crate::pipeline::chisq::ChiSquareDetail;
use crate::results::{BatchReport, CheckDetail, SampleResult, ScenarioResult, Status};
use crate::tokenize::TokenizerKind;

pub struct HtmlExporter;

/// Body text.
const INK: &str = "#1f2328";
/// Secondary text (captions, axis labels).
const MUTED: &str = "#57606a";
const PASS: &str = "#1a7f37";
const FAIL: &str = "#cf222e";
const ERROR: &str = "#9a6700";
/// Chart marks (Okabe–Ito vermillion and blue: told apart with every common colour deficiency).
const EXPECTED: &str = "#d55e00";
const OBSERVED: &str = "#0072b2";
const GRID: &str = "#d0d7de";

/// The shades of a token by the length of the longest copied run it belongs to: (shortest run
/// length of the shade, background, text colour). Runs of 0 or 1 token are not shaded.
const SHADES: [(u32, &str, &str); 7] = [
    (0, "#ffffff", INK),
    (2, "#fff1c1", INK),
    (3, "#ffdd80", INK),
    (4, "#fdb863", INK),
    (6, "#f08a3e", INK),
    (8, "#b8431d", "#ffffff"),
    (12, "#6b1a0e", "#ffffff"),
];

/// At most this many bars groups per chi-square chart; more bins are summed into the last one.
const MAX_GROUPS: usize = 40;

/// Escapes text for HTML element content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A coordinate in an SVG attribute.
/// The y axis (left edge) and x axis (bottom edge) of a plot area.
fn axes(out: &mut String, left: f64, top: f64, pw: f64, ph: f64) {
    let _ = writeln!(
        out,
        "<line class=\"axis\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/><line class=\"axis\" \
         x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/>",
        c(left),
        c(top),
        c(left),
        c(top + ph),
        c(left),
        c(top + ph),
        c(left + pw),
        c(top + ph)
    );
}

fn c(x: f64) -> String {
    fixed(x, 1)
}

fn mark(s: Status) -> &'static str {
    match s {
        Status::Pass => "✓",
        Status::Fail => "✗",
        Status::Error => "!",
    }
}

/// The index of the shade for a run length.
fn shade(len: u32) -> usize {
    SHADES
        .iter()
        .rposition(|&(min, _, _)| len >= min)
        .unwrap_or(0)
}

/// The label of shade `i` in the legend ("4–5", "12+").
fn shade_label(i: usize) -> String {
    let lo = SHADES[i].0.max(1);
    match SHADES.get(i + 1) {
        None => format!("{lo}+"),
        Some(&(next, _, _)) if next - 1 == lo => lo.to_string(),
        Some(&(next, _, _)) => format!("{lo}–{}", next - 1),
    }
}

/// For each generated token, the longest copied run that contains it: the largest
/// `longest_match[j]` over the tokens j at or after it whose run reaches back to it.
pub fn covering_runs(longest_match: &[u32]) -> Vec<u32> {
    let mut cover = vec![0u32; longest_match.len()];
    for (j, &len) in longest_match.iter().enumerate() {
        let start = (j + 1).saturating_sub(len as usize);
        for c in &mut cover[start..=j] {
            *c = (*c).max(len);
        }
    }
    cover
}

/// The smallest of 1, 2, 5, 10, 20, 50, … that cuts `max` into at most `ticks` steps.
fn nice_step(max: f64, ticks: u64) -> u64 {
    let mut mag = 1u64;
    loop {
        for m in [1, 2, 5] {
            let step = m * mag;
            if max <= (step * ticks) as f64 {
                return step;
            }
        }
        mag = mag.saturating_mul(10);
        if mag == u64::MAX {
            return mag;
        }
    }
}

/// Truncates a chart label to `n` characters.
fn short(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n - 1).collect();
        t.push('…');
        t
    }
}

const CSS: &str = "
*{box-sizing:border-box}
body{margin:0;background:#ffffff;color:INK;font:15px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,'Noto Sans',sans-serif}
main,header,footer{max-width:1100px;margin:0 auto;padding:0 20px}
h1{font-size:26px;margin:24px 0 4px}
h2{font-size:21px;margin:0 0 4px;overflow-wrap:anywhere}
h3{font-size:16px;margin:18px 0 6px}
.summary{font-size:17px;margin:4px 0 16px}
.pass{color:PASS}.fail{color:FAIL}.error{color:ERROR}
.mark{font-weight:700}
section.scenario{border:1px solid GRID;border-left:6px solid GRID;border-radius:6px;padding:14px 18px;margin:18px 0}
section.scenario.s-pass{border-left-color:PASS}
section.scenario.s-fail{border-left-color:FAIL}
section.scenario.s-error{border-left-color:ERROR}
.meta,.caption,figcaption,.legend{color:MUTED;font-size:13px}
table{border-collapse:collapse;font-size:13px;margin:6px 0}
th,td{border:1px solid GRID;padding:2px 8px;text-align:left;vertical-align:top}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
tr.far td{font-weight:700}
pre.error-text{background:#fff8c5;color:INK;border:1px solid #d4a72c;padding:8px;white-space:pre-wrap;overflow-wrap:anywhere}
ul.checks{list-style:none;padding:0;margin:4px 0}
ul.checks li{margin:2px 0;overflow-wrap:anywhere}
ul.notes{margin:4px 0;color:INK}
figure{margin:12px 0}
figure.sample{border-top:1px solid GRID;padding-top:8px}
.tokens{white-space:pre-wrap;overflow-wrap:anywhere;font:14px/1.9 ui-monospace,'SFMono-Regular',Menlo,Consolas,'DejaVu Sans Mono',monospace;margin:4px 0}
.prefix{color:MUTED;font-style:italic}
.t{border-radius:3px;padding:1px 0}
.t.copied{text-decoration:underline;text-decoration-thickness:2px;text-underline-offset:3px}
.eos{font-size:11px;border:1px solid MUTED;border-radius:3px;padding:0 2px}
.swatch{display:inline-block;min-width:3.2em;text-align:center;border:1px solid GRID;border-radius:3px;margin:0 2px;font-size:12px}
.chart-box{overflow-x:auto}
svg.chart{display:block;font-family:system-ui,-apple-system,'Segoe UI',Roboto,'Noto Sans',sans-serif}
svg.chart text{fill:INK;font-size:11px}
svg.chart .axis-title{font-size:12px;fill:MUTED}
svg.chart .grid{stroke:GRID;stroke-width:1}
svg.chart .axis{stroke:INK;stroke-width:1}
svg.chart .expected{fill:EXPECTED}
svg.chart .observed{fill:OBSERVED}
svg.chart .profile{fill:none;stroke:OBSERVED;stroke-width:2}
svg.chart .profile-area{fill:OBSERVED;fill-opacity:0.15}
svg.chart .threshold{stroke:EXPECTED;stroke-width:1.5;stroke-dasharray:5 3}
svg.chart .divergence{stroke:INK;stroke-width:1;stroke-dasharray:2 2}
details{margin:4px 0}
summary{cursor:pointer;color:MUTED;font-size:13px}
nav table{font-size:14px}
a{color:OBSERVED}
footer{color:MUTED;font-size:12px;margin:24px auto}
";

/// The style sheet with the colour constants filled in (shades added).
fn css() -> String {
    let mut s = CSS
        .replace("INK", INK)
        .replace("MUTED", MUTED)
        .replace("PASS", PASS)
        .replace("FAIL", FAIL)
        .replace("ERROR", ERROR)
        .replace("EXPECTED", EXPECTED)
        .replace("OBSERVED", OBSERVED)
        .replace("GRID", GRID);
    for (i, (_, bg, fg)) in SHADES.iter().enumerate() {
        let _ = writeln!(s, ".m{i}{{background:{bg};color:{fg}}}");
    }
    s
}

impl Exporter for HtmlExporter {
    fn render(&self, report: &BatchReport) -> String {
        let mut out = String::new();
        out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n");
        out.push_str(
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n\
             <title>coinflip report</title>\n<style>",
        );
        out.push_str(&css());
        out.push_str("</style>\n</head>\n<body>\n<header>\n<h1>coinflip report</h1>\n");
        let s = &report.summary;
        let _ = writeln!(
            out,
            "<p class=\"summary\"><span class=\"pass\">{} passed</span>, <span class=\"fail\">{} \
             failed</span>, <span class=\"error\">{} errors</span> ({} scenarios)</p>",
            s.passed,
            s.failed,
            s.errors,
            report.scenarios.len()
        );
        out.push_str(
            "<nav>\n<table>\n<thead><tr><th>scenario</th><th>status</th><th>file</th>\
             <th class=\"num\">seed</th></tr></thead>\n<tbody>\n",
        );
        for (i, r) in report.scenarios.iter().enumerate() {
            let st = r.status.name();
            let _ = writeln!(
                out,
                "<tr><td><a href=\"#s{n}\">{}</a></td><td class=\"{st}\"><span class=\"mark\">{}\
                 </span> {st}</td><td><code>{}</code></td><td class=\"num\">{}</td></tr>",
                esc(&r.name),
                mark(r.status),
                esc(&r.file),
                r.seed,
                n = i + 1
            );
        }
        out.push_str("</tbody>\n</table>\n</nav>\n</header>\n<main>\n");
        for (i, r) in report.scenarios.iter().enumerate() {
            scenario(&mut out, r, &format!("s{}", i + 1));
        }
        out.push_str("</main>\n<footer>\n");
        let _ = writeln!(
            out,
            "<p>coinflip {}: {} passed, {} failed, {} errors</p>",
            env!("CARGO_PKG_VERSION"),
            s.passed,
            s.failed,
            s.errors
        );
        out.push_str("</footer>\n</body>\n</html>\n");
        out
    }
}

fn scenario(out: &mut String, r: &ScenarioResult, id: &str) {
    let st = r.status.name();
    let _ = writeln!(
        out,
        "<section class=\"scenario s-{st}\" id=\"{id}\">\n<h2><span class=\"mark {st}\">{}</span> \
         {} <span class=\"{st}\">[{st}]</span></h2>",
        mark(r.status),
        esc(&r.name)
    );
    let _ = writeln!(
        out,
        "<p class=\"meta\"><code>{}</code> · seed {}</p>",
        esc(&r.file),
        r.seed
    );
    if let Some(d) = &r.description {
        let _ = writeln!(out, "<p>{}</p>", esc(d));
    }
    if r.status == Status::Error {
        let text = if r.diagnostics.is_empty() {
            r.error.clone().unwrap_or_default()
        } else {
            r.diagnostics
                .iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        };
        let _ = writeln!(
            out,
            "<pre class=\"error-text\">{}</pre>",
            esc(text.trim_end())
        );
        if r.model.is_none() {
            out.push_str("</section>\n");
            return;
        }
    }
    figures(out, r);
    if !r.notes.is_empty() {
        out.push_str("<ul class=\"notes\">\n");
        for n in &r.notes {
            let _ = writeln!(out, "<li>note: {}</li>", esc(n));
        }
        out.push_str("</ul>\n");
    }
    if !r.samples.is_empty() {
        let _ = writeln!(out, "<h3>Samples ({})</h3>", r.samples.len());
        if r.samples.iter().any(|s| s.remix.is_some()) {
            legend(out);
        }
        for smp in &r.samples {
            sample(out, smp, &format!("{id}-sample{}", smp.index));
        }
    }
    remix_summary(out, r);
    if !r.checks.is_empty() {
        out.push_str("<h3>Checks</h3>\n<ul class=\"checks\">\n");
        for c in &r.checks {
            let cs = c.status.name();
            let _ = writeln!(
                out,
                "<li class=\"{cs}\"><span class=\"mark\">{}</span> <strong>{}.{}</strong>: {}</li>",
                mark(c.status),
                esc(c.kind),
                esc(&c.name),
                esc(&c.message)
            );
        }
        out.push_str("</ul>\n");
        let mut k = 0;
        for c in &r.checks {
            if let CheckDetail::ChiSquare(d) = &c.detail {
                k += 1;
                chi_square(out, d, c.status, &format!("{id}-chi{k}"));
            }
        }
    }
    out.push_str("</section>\n");
}

/// Model, corpus and sampling figures as a small table.
fn figures(out: &mut String, r: &ScenarioResult) {
    let mut rows: Vec<(&str, String)> = Vec::new();
    if let Some(m) = &r.model {
        if m.kind == ModelKind::Distribution {
            rows.push(("distribution", format!("{} outcomes", m.vocabulary_size)));
        } else {
            rows.push((
                "model",
                format!(
                    "{} {}-gram, {} tokens{}, {}",
                    m.kind.name(),
                    m.order,
                    m.tokenizer.map_or("none", TokenizerKind::name),
                    if m.lowercase { " (lowercased)" } else { "" },
                    m.smoothing
                        .map_or("none".into(), |s| s.label(m.smoothing_parameter))
                ),
            ));
            rows.push((
                "corpus",
                format!(
                    "{} documents, {} tokens, vocabulary {}",
                    m.documents, m.training_tokens, m.vocabulary_size
                ),
            ));
            if !m.ngram_counts.is_empty() {
                let counts: Vec<String> = m
                    .ngram_counts
                    .iter()
                    .enumerate()
                    .map(|(i, c)| format!("{}-grams {c}", i + 1))
                    .collect();
                rows.push(("distinct n-grams", counts.join(", ")));
            }
            if let Some(ds) = &m.discounts {
                let d: Vec<String> = ds
                    .iter()
                    .enumerate()
                    .map(|(i, [a, b, c])| {
                        format!(
                            "{}: {} / {} / {}",
                            i + 1,
                            fixed(*a, 4),
                            fixed(*b, 4),
                            fixed(*c, 4)
                        )
                    })
                    .collect();
                rows.push(("discounts D1 / D2 / D3+", d.join("; ")));
            }
        }
    }
    if let Some(s) = &r.sampling {
        rows.push(("sampling", super::sampling_summary(s)));
    }
    if rows.is_empty() {
        return;
    }
    out.push_str("<table class=\"figures\">\n<tbody>\n");
    for (k, v) in rows {
        let _ = writeln!(out, "<tr><th>{}</th><td>{}</td></tr>", esc(k), esc(&v));
    }
    out.push_str("</tbody>\n</table>\n");
}

/// Remix statistics over the scenario's samples: mean, median and max of each.
fn remix_summary(out: &mut String, r: &ScenarioResult) {
    let Some(m) = &r.remix_summary else {
        return;
    };
    let mut rows: Vec<(String, crate::results::Aggregate, bool)> = Vec::new();
    if let Some(a) = m.max_verbatim {
        rows.push(("longest verbatim run (tokens)".into(), a, false));
    }
    for (n, a) in &m.novel_ngram_rate.0 {
        if let Some(a) = a {
            rows.push((format!("novel {n}-grams"), *a, true));
        }
    }
    if let Some(a) = m.copied_fraction {
        rows.push(("copied fraction".into(), a, true));
    }
    if let Some(a) = m.divergence_step {
        rows.push(("divergence step".into(), a, false));
    }
    if rows.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "<h3>Remix over {} samples</h3>\n<table class=\"remix\">\n<thead><tr><th>statistic</th>\
         <th class=\"num\">mean</th><th class=\"num\">median</th><th class=\"num\">max</th></tr>\
         </thead>\n<tbody>",
        m.samples
    );
    for (name, a, percent) in rows {
        let f = |x: f64| {
            if percent {
                format!("{}%", fixed(100.0 * x, 1))
            } else {
                fixed(x, 1)
            }
        };
        let _ = writeln!(
            out,
            "<tr><th>{}</th><td class=\"num\">{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td></tr>",
            esc(&name),
            f(a.mean),
            f(a.median),
            f(a.max)
        );
    }
    out.push_str("</tbody>\n</table>\n");
}

/// What the token shades mean.
fn legend(out: &mut String) {
    out.push_str(
        "<p class=\"legend\">Each generated token is shaded by the length of the longest run of \
         tokens it belongs to that occurs verbatim in one training document; underlined tokens \
         are in a copied run (as counted by the copied fraction). The prefix is in italics. \
         Tokens in a run of: ",
    );
    for i in 1..SHADES.len() {
        let _ = write!(
            out,
            "<span class=\"swatch m{i}\">{}</span>",
            esc(&shade_label(i))
        );
    }
    out.push_str(" tokens.</p>\n");
}

/// One sample: caption, shaded text, profile chart.
fn sample(out: &mut String, s: &SampleResult, id: &str) {
    out.push_str("<figure class=\"sample\">\n");
    let mut caption = format!(
        "Sample {}: {} tokens, stopped: {}",
        s.index,
        s.tokens.len(),
        s.stopped.name()
    );
    if let Some(r) = &s.remix {
        let v = &r.max_verbatim;
        let at = match (v.document, v.offset) {
            (Some(d), Some(o)) => format!(" (document {d}, token {o})"),
            _ => String::new(),
        };
        let _ = write!(caption, " · longest verbatim run {} tokens{at}", v.length);
        if let Some(x) = r.copied_fraction.value {
            let _ = write!(
                caption,
                " · copied (runs ≥ {}) {}%",
                r.copied_fraction.min_len,
                fixed(100.0 * x, 1)
            );
        }
        let novel: Vec<String> = r
            .novel_ngram_rate
            .0
            .iter()
            .filter_map(|(n, rate)| rate.map(|x| format!("{n}: {}%", fixed(100.0 * x, 0))))
            .collect();
        if !novel.is_empty() {
            let _ = write!(caption, " · novel n-grams {}", novel.join(", "));
        }
        if let Some(d) = &r.divergence_step {
            match (&d.expected_token, &d.sampled_token) {
                (Some(e), Some(t)) => {
                    let _ = write!(
                        caption,
                        " · diverged at step {}: drew “{}” (p = {}) instead of “{}” (p = {})",
                        d.step,
                        t.text,
                        fixed(t.p, 4),
                        e.text,
                        fixed(e.p, 4)
                    );
                }
                _ => {
                    let _ = write!(caption, " · never diverged ({} steps)", d.step);
                }
            }
        }
    }
    let _ = writeln!(out, "<figcaption>{}</figcaption>", esc(&caption));
    out.push_str("<p class=\"tokens\">");
    if s.token_texts.len() != s.tokens.len() {
        // Without per-token texts (a report built elsewhere) the text is shown unshaded.
        let _ = write!(out, "{}", esc(s.full_text.trim_end()));
    } else {
        if !s.prefix.is_empty() {
            let _ = write!(out, "<span class=\"prefix\">{}</span>", esc(&s.prefix));
        }
        let profile = s.remix.as_ref().map(|r| &r.longest_match);
        let cover = profile.map(|p| covering_runs(p));
        let min_len = s.remix.as_ref().map(|r| r.copied_fraction.min_len);
        for (i, (piece, &id)) in s.token_texts.iter().zip(&s.tokens).enumerate() {
            let body = piece.trim_start_matches([' ', '\t']);
            let lead = &piece[..piece.len() - body.len()];
            out.push_str(&esc(lead));
            let (class, title) = match (&profile, &cover) {
                (Some(p), Some(cv)) if i < p.len() && i < cv.len() => {
                    let copied = min_len.is_some_and(|m| m > 0 && cv[i] >= m);
                    (
                        format!("t m{}{}", shade(cv[i]), if copied { " copied" } else { "" }),
                        format!(
                            "token {i}: longest match ending here {}, longest run containing it {}",
                            p[i], cv[i]
                        ),
                    )
                }
                _ => ("t".to_string(), format!("token {i}")),
            };
            if id == crate::tokenize::EOS {
                // The document break: a marker, and a new line when the sample goes on.
                let _ = write!(
                    out,
                    "<span class=\"{class} eos\" title=\"{}\">&lt;/s&gt;</span>{}",
                    esc(&title),
                    if i + 1 < s.tokens.len() { "\n" } else { "" }
                );
            } else {
                let _ = write!(
                    out,
                    "<span class=\"{class}\" title=\"{}\">{}</span>",
                    esc(&title),
                    esc(body)
                );
            }
        }
    }
    out.push_str("</p>\n");
    if let Some(r) = &s.remix
        && !r.longest_match.is_empty()
    {
        let div = r
            .divergence_step
            .as_ref()
            .map(|d| d.step)
            .filter(|&st| st < r.longest_match.len());
        profile_chart(
            out,
            id,
            s.index,
            &r.longest_match,
            r.copied_fraction.min_len,
            div,
        );
    }
    out.push_str("</figure>\n");
}

/// The longest-match profile of a sample as a step chart.
fn profile_chart(
    out: &mut String,
    id: &str,
    index: usize,
    lm: &[u32],
    min_len: u32,
    divergence: Option<usize>,
) {
    let n = lm.len();
    let (left, right, top, bottom) = (48.0, 16.0, 14.0, 38.0);
    let pw = 620.0;
    let ph = 110.0;
    let (w, h) = (left + pw + right, top + ph + bottom);
    let ymax_data = lm.iter().copied().max().unwrap_or(0).max(min_len).max(1);
    let ystep = nice_step(ymax_data as f64, 4);
    let ymax = ymax_data.div_ceil(ystep as u32) * ystep as u32;
    let xs = pw / n as f64;
    let y = |v: f64| top + ph - ph * v / ymax as f64;
    let x = |i: f64| left + xs * i;
    let _ = writeln!(
        out,
        "<div class=\"chart-box\"><svg class=\"chart profile-chart\" role=\"img\" \
         aria-labelledby=\"{id}-profile-title\" width=\"{}\" height=\"{}\" viewBox=\"0 0 {} {}\" \
         xmlns=\"http://www.w3.org/2000/svg\">",
        c(w),
        c(h),
        c(w),
        c(h)
    );
    let _ = writeln!(
        out,
        "<title id=\"{id}-profile-title\">Longest-match profile of sample {}: for each of the {n} \
         generated tokens, the longest run ending there that occurs in one training document \
         (maximum {}).</title>",
        index,
        lm.iter().max().unwrap_or(&0)
    );
    // Horizontal grid and y ticks.
    let mut t = 0u32;
    while t <= ymax {
        let yy = y(t as f64);
        let _ = writeln!(
            out,
            "<line class=\"grid\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/><text x=\"{}\" y=\"{}\" \
             text-anchor=\"end\">{t}</text>",
            c(left),
            c(yy),
            c(left + pw),
            c(yy),
            c(left - 6.0),
            c(yy + 4.0)
        );
        t += ystep as u32;
    }
    // The step line and the area under it.
    let mut d = format!("M{},{}", c(x(0.0)), c(y(0.0)));
    for (i, &v) in lm.iter().enumerate() {
        let _ = write!(d, " V{} H{}", c(y(v as f64)), c(x((i + 1) as f64)));
    }
    let _ = writeln!(
        out,
        "<path class=\"profile-area\" d=\"{d} V{} Z\"/>",
        c(y(0.0))
    );
    let line = d.split_once(' ').map(|(_, rest)| rest).unwrap_or("");
    let _ = writeln!(
        out,
        "<path class=\"profile\" d=\"M{},{} {line}\"/>",
        c(x(0.0)),
        c(y(lm[0] as f64))
    );
    if min_len > 0 {
        let yy = y(min_len as f64);
        let _ = writeln!(
            out,
            "<line class=\"threshold\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/><text x=\"{}\" \
             y=\"{}\" text-anchor=\"end\">copied run ≥ {min_len}</text>",
            c(left),
            c(yy),
            c(left + pw),
            c(yy),
            c(left + pw - 2.0),
            c(yy - 4.0)
        );
    }
    if let Some(st) = divergence {
        let xx = x(st as f64);
        let _ = writeln!(
            out,
            "<line class=\"divergence\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/><text x=\"{}\" \
             y=\"{}\">diverged</text>",
            c(xx),
            c(top),
            c(xx),
            c(top + ph),
            c(xx + 3.0),
            c(top + 10.0)
        );
    }
    // Axes, x ticks at token positions, titles.
    axes(out, left, top, pw, ph);
    let xstep = nice_step(n as f64, 10) as usize;
    let mut i = 0;
    while i < n {
        let xx = x(i as f64 + 0.5);
        let _ = writeln!(
            out,
            "<line class=\"axis\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/><text x=\"{}\" y=\"{}\" \
             text-anchor=\"middle\">{i}</text>",
            c(xx),
            c(top + ph),
            c(xx),
            c(top + ph + 4.0),
            c(xx),
            c(top + ph + 16.0)
        );
        i += xstep;
    }
    let _ = writeln!(
        out,
        "<text class=\"axis-title\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">generated token \
         (step)</text><text class=\"axis-title\" transform=\"translate(12 {}) rotate(-90)\" \
         text-anchor=\"middle\">longest match</text>",
        c(left + pw / 2.0),
        c(h - 4.0),
        c(top + ph / 2.0)
    );
    out.push_str("</svg></div>\n");
}

/// One bar group of a chi-square chart.
struct Group {
    label: String,
    expected: f64,
    observed: u64,
    title: String,
}

/// A chi-square check: verdict, figures, bar chart, bins table.
fn chi_square(out: &mut String, d: &ChiSquareDetail, status: Status, id: &str) {
    let st = status.name();
    out.push_str("<figure class=\"chi-square\">\n");
    let stat = d
        .statistic
        .map(|x| fixed(x, 4))
        .unwrap_or_else(|| "∞".into());
    let mc = d
        .replicates
        .map(|r| format!(", Monte Carlo with {r} replicates"))
        .unwrap_or_default();
    let detect = match d.detectable_w {
        Some(w) => format!(
            "; detects an effect of Cohen's w ≥ {} with power 0.8",
            fixed(w, 4)
        ),
        None => "; df = 0: nothing to test".into(),
    };
    let _ = writeln!(
        out,
        "<figcaption><span class=\"mark {st}\">{}</span> χ² check of context “{}”: {} = {stat}, \
         df = {}, p = {}, Holm-adjusted p = {}, alpha = {}; {} draws{mc}; observed w = {}{detect}.\
         </figcaption>",
        mark(status),
        esc(&d.context),
        esc(d.test),
        d.df,
        fixed(d.p_value, 4),
        fixed(d.p_adjusted, 4),
        d.alpha,
        d.samples,
        fixed(d.observed_w, 4),
        detect = esc(&detect)
    );
    let mut groups: Vec<Group> = d
        .bins
        .iter()
        .map(|b| Group {
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
        })
        .collect();
    let mut note = String::new();
    if groups.len() > MAX_GROUPS {
        // The bins with the largest expected counts, in the report's order; the rest summed.
        let mut order: Vec<usize> = (0..groups.len()).collect();
        order.sort_by(|&a, &b| {
            groups[b]
                .expected
                .total_cmp(&groups[a].expected)
                .then(a.cmp(&b))
        });
        let mut keep = vec![false; groups.len()];
        for &i in &order[..MAX_GROUPS - 1] {
            keep[i] = true;
        }
        let (mut e, mut o, mut k) = (0.0, 0u64, 0usize);
        for (g, &kept) in groups.iter().zip(&keep) {
            if !kept {
                e += g.expected;
                o += g.observed;
                k += 1;
            }
        }
        let mut kept: Vec<Group> = groups
            .into_iter()
            .zip(keep)
            .filter_map(|(g, kept)| kept.then_some(g))
            .collect();
        kept.push(Group {
            label: format!("other {k} bins"),
            expected: e,
            observed: o,
            title: format!(
                "the other {k} bins together: expected {}, observed {o}",
                fixed(e, 1)
            ),
        });
        groups = kept;
        note = format!(
            "The chart shows the {} bins with the largest expected counts and sums the other {k}; \
             the table below lists all {}.",
            MAX_GROUPS - 1,
            d.bins.len()
        );
    }
    bar_chart(out, id, &d.context, &groups);
    if !note.is_empty() {
        let _ = writeln!(out, "<p class=\"caption\">{}</p>", esc(&note));
    }
    let _ = writeln!(
        out,
        "<details><summary>All {} bins: expected and observed counts, standardized residuals\
         </summary>\n<table class=\"bins\">\n<thead><tr><th>outcome</th><th>bin</th>\
         <th class=\"num\">expected p</th><th class=\"num\">expected</th>\
         <th class=\"num\">observed</th><th class=\"num\">residual</th></tr></thead>\n<tbody>",
        d.bins.len()
    );
    for b in &d.bins {
        let res = b
            .residual
            .map(|r| fixed(r, 2))
            .unwrap_or_else(|| "∞".into());
        let far = b.residual.is_none_or(|r| r.abs() >= 3.0);
        let _ = writeln!(
            out,
            "<tr{}><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{res}</td></tr>",
            if far { " class=\"far\"" } else { "" },
            esc(&b.label),
            esc(b.kind),
            fixed(b.expected_p, 6),
            fixed(b.expected, 1),
            b.observed
        );
    }
    out.push_str("</tbody>\n</table>\n</details>\n</figure>\n");
}

/// Grouped bars: per group an expected and an observed bar, on a linear count axis.
fn bar_chart(out: &mut String, id: &str, context: &str, groups: &[Group]) {
    let n = groups.len().max(1);
    let rotate = n > 8 || groups.iter().any(|g| g.label.chars().count() > 8);
    let (left, right, top) = (64.0, 16.0, 30.0);
    // Room for the labels (at most 14 characters, about 6.5 px each, turned 50°) and the title.
    let longest = groups
        .iter()
        .map(|g| g.label.chars().count().min(14))
        .max()
        .unwrap_or(1) as f64;
    let bottom = if rotate { 40.0 + 5.0 * longest } else { 50.0 };
    let gw = (640.0 / n as f64).clamp(16.0, 64.0);
    let pw = gw * n as f64;
    let ph = 220.0;
    let w = (left + pw + right).max(360.0);
    let h = top + ph + bottom;
    let max = groups
        .iter()
        .map(|g| g.expected.max(g.observed as f64))
        .fold(0.0f64, f64::max)
        .max(1.0);
    let step = nice_step(max, 5);
    let ymax = (max / step as f64).ceil() * step as f64;
    let y = |v: f64| top + ph - ph * v / ymax;
    let _ = writeln!(
        out,
        "<div class=\"chart-box\"><svg class=\"chart chi-square-chart\" role=\"img\" \
         aria-labelledby=\"{id}-title\" width=\"{}\" height=\"{}\" viewBox=\"0 0 {} {}\" \
         xmlns=\"http://www.w3.org/2000/svg\">",
        c(w),
        c(h),
        c(w),
        c(h)
    );
    let _ = writeln!(
        out,
        "<title id=\"{id}-title\">Observed and expected counts per outcome after “{}”</title>",
        esc(context)
    );
    let mut t = 0.0;
    while t <= ymax {
        let yy = y(t);
        let _ = writeln!(
            out,
            "<line class=\"grid\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/><text x=\"{}\" y=\"{}\" \
             text-anchor=\"end\">{}</text>",
            c(left),
            c(yy),
            c(left + pw),
            c(yy),
            c(left - 6.0),
            c(yy + 4.0),
            t as u64
        );
        t += step as f64;
    }
    let bw = gw * 0.38;
    for (i, g) in groups.iter().enumerate() {
        let x0 = left + gw * i as f64 + gw * 0.12;
        let _ = writeln!(
            out,
            "<g><title>{}</title><rect class=\"expected\" x=\"{}\" y=\"{}\" width=\"{}\" \
             height=\"{}\"/><rect class=\"observed\" x=\"{}\" y=\"{}\" width=\"{}\" \
             height=\"{}\"/></g>",
            esc(&g.title),
            c(x0),
            c(y(g.expected)),
            c(bw),
            c(ph - (y(g.expected) - top)),
            c(x0 + bw),
            c(y(g.observed as f64)),
            c(bw),
            c(ph - (y(g.observed as f64) - top))
        );
        let lx = left + gw * (i as f64 + 0.5);
        let ly = top + ph + 14.0;
        let label = esc(&short(&g.label, 14));
        if rotate {
            let _ = writeln!(
                out,
                "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" transform=\"rotate(-50 {} {})\">\
                 {label}</text>",
                c(lx + 4.0),
                c(ly - 4.0),
                c(lx + 4.0),
                c(ly - 4.0)
            );
        } else {
            let _ = writeln!(
                out,
                "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{label}</text>",
                c(lx),
                c(ly)
            );
        }
    }
    axes(out, left, top, pw, ph);
    let _ = writeln!(
        out,
        "<text class=\"axis-title\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">outcome (next token)\
         </text><text class=\"axis-title\" transform=\"translate(14 {}) rotate(-90)\" \
         text-anchor=\"middle\">count</text>",
        c(left + pw / 2.0),
        c(h - 6.0),
        c(top + ph / 2.0)
    );
    // Legend, top left.
    let _ = writeln!(
        out,
        "<rect class=\"expected\" x=\"{}\" y=\"8\" width=\"12\" height=\"12\"/><text x=\"{}\" \
         y=\"18\">expected</text><rect class=\"observed\" x=\"{}\" y=\"8\" width=\"12\" \
         height=\"12\"/><text x=\"{}\" y=\"18\">observed</text>",
        c(left),
        c(left + 16.0),
        c(left + 80.0),
        c(left + 96.0)
    );
    out.push_str("</svg></div>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    /// WCAG 2 relative luminance of "#rrggbb".
    fn luminance(hex: &str) -> f64 {
        let v = u32::from_str_radix(&hex[1..], 16).unwrap();
        let ch = |shift: u32| {
            let s = ((v >> shift) & 0xff) as f64 / 255.0;
            if s <= 0.04045 {
                s / 12.92
            } else {
                ((s + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * ch(16) + 0.7152 * ch(8) + 0.0722 * ch(0)
    }

    fn contrast(a: &str, b: &str) -> f64 {
        let (la, lb) = (luminance(a), luminance(b));
        (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
    }

    #[test]
    fn contrast_formula_matches_known_values() {
        // WCAG's own examples: black on white is 21:1; #777777 on white about 4.48:1.
        assert!((contrast("#000000", "#ffffff") - 21.0).abs() < 1e-9);
        assert!((contrast("#777777", "#ffffff") - 4.478).abs() < 0.001);
    }

    #[test]
    fn colours_are_legible() {
        for fg in [INK, MUTED, PASS, FAIL, ERROR, OBSERVED] {
            assert!(contrast(fg, "#ffffff") >= 4.5, "{fg} on white");
        }
        assert!(contrast(INK, "#fff8c5") >= 4.5, "error box");
        // Chart marks against the white page (WCAG 1.4.11: 3:1).
        for mark in [EXPECTED, OBSERVED] {
            assert!(contrast(mark, "#ffffff") >= 3.0, "{mark}");
        }
        for (min, bg, fg) in SHADES {
            assert!(contrast(fg, bg) >= 4.5, "shade {min}: {fg} on {bg}");
        }
        // The shades darken monotonically, so a longer run always looks darker.
        for w in SHADES.windows(2) {
            assert!(
                luminance(w[1].1) < luminance(w[0].1),
                "{} then {}",
                w[0].1,
                w[1].1
            );
        }
    }

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            esc("<a href=\"x\">&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;"
        );
        assert_eq!(esc("plain ␠ text"), "plain ␠ text");
    }

    #[test]
    fn covering_runs_spread_each_run_over_its_tokens() {
        // Profile of "x a b c d y": the copied run "a b c d" ends at index 4 with length 4.
        assert_eq!(covering_runs(&[1, 1, 2, 3, 4, 1]), vec![1, 4, 4, 4, 4, 1]);
        // A run reaching back into the prefix covers the first generated tokens.
        assert_eq!(covering_runs(&[5, 6, 1]), vec![6, 6, 1]);
        assert_eq!(covering_runs(&[]), Vec::<u32>::new());
        assert_eq!(covering_runs(&[0, 0]), vec![0, 0]);
    }

    #[test]
    fn shades_and_their_labels() {
        assert_eq!(shade(0), 0);
        assert_eq!(shade(1), 0);
        assert_eq!(shade(2), 1);
        assert_eq!(shade(5), 3);
        assert_eq!(shade(11), 5);
        assert_eq!(shade(400), 6);
        let labels: Vec<String> = (1..SHADES.len()).map(shade_label).collect();
        assert_eq!(labels, ["2", "3", "4–5", "6–7", "8–11", "12+"]);
    }

    #[test]
    fn nice_steps() {
        assert_eq!(nice_step(1.0, 4), 1);
        assert_eq!(nice_step(7.0, 4), 2);
        assert_eq!(nice_step(9579.7, 5), 2000);
        assert_eq!(nice_step(3200.0, 5), 1000);
        assert_eq!(nice_step(60.0, 10), 10);
    }
}
