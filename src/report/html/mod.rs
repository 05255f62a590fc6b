//! The HTML report: one self-contained page (inline CSS and SVG; no script, no font, no image, no
//! link to anything outside the file) for people who read a batch in a browser. Per scenario: the
//! status, the model and corpus figures, each sample's text with its tokens shaded by the longest
//! verbatim training run they belong to (copied spans stand out), a step chart of the sample's
//! longest-match profile, the checks with ✓/✗, and for each chi-square check a grouped bar chart
//! of the observed against the expected count of every bin, with the bins in a table.
//!
//! Three layers: [`view`] turns the results into the page's texts and numbers, [`chart`] lays the
//! charts out, and the minijinja templates `page.html` and `charts.html` hold the markup; the
//! style sheet is `style.css`. The templates escape every value they print (auto-escape for
//! `.html` templates, with [`crate::text::html::escape`]: `& < > " '`), so no text from a scenario
//! can become markup; only the CSS is inserted as it is. The markup is also well-formed XML (void
//! elements are self-closed), which tests/html_report.rs checks with an XML parser. The page is
//! deterministic: ids come from positions in the report, coordinates are printed with fixed
//! decimals, and nothing reads a clock. The colours in `style.css` meet WCAG contrast (4.5:1 for
//! text, 3:1 for chart marks), checked by the tests below.

use std::sync::OnceLock;

use minijinja::{AutoEscape, Environment, UndefinedBehavior, Value};

use super::Exporter;
use crate::results::{BatchReport, Status};

mod chart;
mod view;

pub struct HtmlExporter;

/// The style sheet, inserted in the page as it is.
const CSS: &str = include_str!("style.css");

/// The shortest run length of each token shade: shade `i` (CSS class `m{i}` in `style.css`)
/// marks a token whose longest copied run is at least `SHADES[i]` tokens and shorter than the
/// next. Runs of 0 or 1 token are not shaded.
const SHADES: [u32; 7] = [0, 2, 3, 4, 6, 8, 12];

fn mark(s: Status) -> &'static str {
    match s {
        Status::Pass => "✓",
        Status::Fail => "✗",
        Status::Error => "!",
    }
}

/// The index of the shade for a run length.
fn shade(len: u32) -> usize {
    SHADES.iter().rposition(|&min| len >= min).unwrap_or(0)
}

/// The label of shade `i` in the legend ("4–5", "12+").
fn shade_label(i: usize) -> String {
    let lo = SHADES[i].max(1);
    match SHADES.get(i + 1) {
        None => format!("{lo}+"),
        Some(&next) if next - 1 == lo => lo.to_string(),
        Some(&next) => format!("{lo}–{}", next - 1),
    }
}

/// The template environment, built once.
fn environment() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(new_environment)
}

/// The report's two templates in a [`template_environment`].
fn new_environment() -> Environment<'static> {
    let mut env = template_environment();
    for (name, source) in [
        ("page.html", include_str!("page.html")),
        ("charts.html", include_str!("charts.html")),
    ] {
        env.add_template(name, source)
            .unwrap_or_else(|e| panic!("{name}: {e:#}"));
    }
    env
}

/// An environment for coinflip's HTML templates (this report's and `flip`'s page): strict about
/// undefined names, block tags on lines of their own leaving no blank line, and the project's
/// HTML escaping ([`crate::text::html::escape`]) for every value printed in a `.html` template.
pub(crate) fn template_environment() -> Environment<'static> {
    let mut env = Environment::new();
    let mut syntax = minijinja::syntax::SyntaxConfig::builder();
    syntax
        .trim_blocks(true)
        .lstrip_blocks(true)
        .keep_trailing_newline(true);
    env.set_syntax(syntax.build().expect("default delimiters"));
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_formatter(|out, state, value| {
        if *state.auto_escape() == AutoEscape::Html && !value.is_safe() {
            let text = value
                .as_str()
                .map_or_else(|| value.to_string(), str::to_string);
            out.write_str(&crate::text::html::escape(&text))?;
            Ok(())
        } else {
            minijinja::escape_formatter(out, state, value)
        }
    });
    env
}

impl Exporter for HtmlExporter {
    fn render(&self, report: &BatchReport) -> String {
        let page = view::Page::new(report);
        environment()
            .get_template("page.html")
            .and_then(|t| {
                t.render(minijinja::context! {
                    page => Value::from(minijinja::value::Serde(&page)),
                    css => Value::from_safe_string(CSS.to_string()),
                })
            })
            .unwrap_or_else(|e| panic!("the HTML report template: {e:#}"))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

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

    /// The style sheet as selector → property → value.
    fn rules() -> BTreeMap<String, BTreeMap<String, String>> {
        let mut rules = BTreeMap::new();
        for rule in CSS.split('}') {
            let Some((selectors, body)) = rule.split_once('{') else {
                continue;
            };
            let decls: BTreeMap<String, String> = body
                .split(';')
                .filter_map(|d| d.split_once(':'))
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            for sel in selectors.trim().split(',') {
                rules
                    .entry(sel.to_string())
                    .or_insert_with(BTreeMap::new)
                    .extend(decls.clone());
            }
        }
        rules
    }

    fn get(rules: &BTreeMap<String, BTreeMap<String, String>>, sel: &str, prop: &str) -> String {
        rules[sel][prop].clone()
    }

    #[test]
    fn contrast_formula_matches_known_values() {
        // WCAG's own examples: black on white is 21:1; #777777 on white about 4.48:1.
        assert!((contrast("#000000", "#ffffff") - 21.0).abs() < 1e-9);
        assert!((contrast("#777777", "#ffffff") - 4.478).abs() < 0.001);
    }

    #[test]
    fn colours_are_legible() {
        let r = rules();
        let page = get(&r, "body", "background");
        assert_eq!(page, "#ffffff");
        for sel in [
            "body",
            ".pass",
            ".fail",
            ".error",
            "figcaption",
            "a",
            ".prefix",
        ] {
            let fg = get(&r, sel, "color");
            assert!(contrast(&fg, &page) >= 4.5, "{sel}: {fg} on {page}");
        }
        let (fg, bg) = (
            get(&r, "pre.error-text", "color"),
            get(&r, "pre.error-text", "background"),
        );
        assert!(contrast(&fg, &bg) >= 4.5, "error box");
        // Chart marks against the white page (WCAG 1.4.11: 3:1).
        for sel in ["svg.chart .expected", "svg.chart .observed"] {
            let fill = get(&r, sel, "fill");
            assert!(contrast(&fill, &page) >= 3.0, "{sel}: {fill}");
        }
    }

    #[test]
    fn every_shade_is_legible_and_darker_than_the_last() {
        let r = rules();
        let shades: Vec<(String, String)> = (0..SHADES.len())
            .map(|i| {
                let sel = format!(".m{i}");
                (get(&r, &sel, "background"), get(&r, &sel, "color"))
            })
            .collect();
        assert!(
            !r.contains_key(&format!(".m{}", SHADES.len())),
            "one class per shade"
        );
        for (bg, fg) in &shades {
            assert!(contrast(fg, bg) >= 4.5, "{fg} on {bg}");
        }
        // The shades darken monotonically, so a longer run always looks darker.
        for w in shades.windows(2) {
            assert!(
                luminance(&w[1].0) < luminance(&w[0].0),
                "{} then {}",
                w[0].0,
                w[1].0
            );
        }
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
    fn templates_escape_every_value() {
        let mut env = new_environment();
        env.add_template("t.html", "{{ x }}|{{ n }}|{{ safe }}")
            .unwrap();
        let out = env
            .get_template("t.html")
            .unwrap()
            .render(minijinja::context! {
                x => "<a href=\"/x\">'&'</a>",
                n => 7,
                safe => Value::from_safe_string("<b>".into()),
            })
            .unwrap();
        assert_eq!(
            out,
            "&lt;a href=&quot;/x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;|7|<b>"
        );
    }
}
