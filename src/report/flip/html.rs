//! `coinflip flip --format html`: one self-contained page (inline style and script; no network,
//! no font, no image, nothing outside the file) to project in class. The coin is a horizontal bar
//! of coloured segments labelled with token and percent (the chapter's picture), each flip a tick
//! at its `u`, the tally a bar per token against a mark at its expected share. A **Flip** button
//! (and "flip 10", "reset") draws the next flips in the browser with `flip.js`: the ChaCha20
//! stream of docs/sampling.md and the same draw, so flip k in the browser is flip k of
//! `coinflip flip` with the same seed. The page works without the script too (it shows the
//! flips `coinflip` made).
//!
//! The markup is the minijinja template `page.html`; every value it prints is escaped
//! ([`crate::text::html::escape`]), and the page is well-formed XML (the script sits in a CDATA
//! section, the data the script reads is JSON with `<`, `>` and `&` written as `\u003c` …).

use std::sync::OnceLock;

use minijinja::{Environment, Value};
use serde::Serialize;

use super::{flips_word, interval, label, percent};
use crate::pipeline::flip::Flips;
use crate::text::fixed;

const CSS: &str = include_str!("style.css");
const JS: &str = include_str!("flip.js");

/// The page lists at most this many flips (and draws as many ticks); the tally counts them all.
pub const LISTED_FLIPS: usize = 1000;

/// Segment colours, in draw order and then again: the Okabe–Ito palette, safe for colour-blind
/// readers, without its black (the ticks are black).
const PALETTE: [&str; 7] = [
    "#e69f00", "#56b4e9", "#009e73", "#f0e442", "#0072b2", "#d55e00", "#cc79a7",
];

/// Segments darker than this luminance get white labels.
fn label_colour(fill: &str) -> &'static str {
    let v = u32::from_str_radix(&fill[1..], 16).unwrap_or(0);
    let ch = |shift: u32| {
        let s = ((v >> shift) & 0xff) as f64 / 255.0;
        if s <= 0.04045 {
            s / 12.92
        } else {
            ((s + 0.055) / 1.055).powf(2.4)
        }
    };
    let l = 0.2126 * ch(16) + 0.7152 * ch(8) + 0.0722 * ch(0);
    // The contrast with black, (l + 0.05) / 0.05, against the contrast with white.
    if (l + 0.05) / 0.05 >= 1.05 / (l + 0.05) {
        "#000000"
    } else {
        "#ffffff"
    }
}

/// The bar's width in SVG units (the page scales it).
const WIDTH: f64 = 1000.0;

#[derive(Serialize)]
struct Page {
    title: String,
    scenario: String,
    file: String,
    context: String,
    seed: u64,
    domain: u8,
    index: u64,
    sampling: Option<String>,
    notes: Vec<String>,
    count: u64,
    count_words: String,
    faces: Vec<FaceView>,
    flips: Vec<FlipView>,
    more: Option<String>,
    /// The JSON the script reads, `<`, `>` and `&` escaped (it is inserted unescaped).
    data: String,
}

#[derive(Serialize)]
struct FaceView {
    index: usize,
    id: u32,
    label: String,
    percent: String,
    interval: String,
    fill: &'static str,
    ink: &'static str,
    x: String,
    w: String,
    centre: String,
    /// Whether the segment is wide enough for its labels.
    labelled: bool,
    /// A narrow segment's label goes under the bar when there is room there: its x and y.
    below: Option<(String, usize)>,
    observed: u64,
    share: String,
    share_width: String,
    expected_left: String,
}

#[derive(Serialize)]
struct FlipView {
    index: u64,
    u: String,
    u_exact: String,
    id: u32,
    token: String,
    label: String,
    interval: String,
    x: String,
    face: usize,
}

/// What the script needs: the stream, the weights in draw order, each face's interval.
#[derive(Serialize)]
struct Data<'a> {
    seed: String,
    domain: u8,
    index: u64,
    weights: Vec<f64>,
    faces: Vec<DataFace<'a>>,
    count: u64,
    listed: usize,
}

#[derive(Serialize)]
struct DataFace<'a> {
    id: u32,
    token: &'a str,
    label: String,
    interval: [f64; 2],
}

fn coord(x: f64) -> String {
    fixed(x, 2)
}

/// Segments too narrow for their labels get one under the bar (moved in from the edges), left to
/// right, on the first of two rows where it does not run into the previous label.
fn place_below(faces: &mut [FaceView]) {
    let mut free_from = [-10.0f64; 2];
    for face in faces.iter_mut().filter(|f| !f.labelled) {
        let centre: f64 = face.centre.parse().unwrap_or(0.0);
        let half = 4.2 * (face.label.chars().count() + 1 + face.percent.len()) as f64;
        let x = centre.clamp(half - 10.0, WIDTH + 10.0 - half);
        if let Some(row) = (0..2).find(|&r| x - half >= free_from[r]) {
            face.below = Some((coord(x), 110 + 16 * row));
            free_from[row] = x + half + 8.0;
        }
    }
}

fn faces(f: &Flips) -> Vec<FaceView> {
    let n = f.count().max(1) as f64;
    let total = f.coin.total();
    let mut faces: Vec<FaceView> = f
        .coin
        .faces
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let fill = PALETTE[i % PALETTE.len()];
            let (x, w) = (
                c.interval[0] * WIDTH,
                (c.interval[1] - c.interval[0]) * WIDTH,
            );
            let l = label(&c.token);
            let pct = percent(c.p / total);
            let share = f.observed[i] as f64 / n;
            FaceView {
                index: i,
                id: c.id,
                // About 10 units per character at the label's size.
                labelled: w >= 10.0 * (l.chars().count().max(pct.len()) as f64) + 6.0,
                below: None,
                label: l,
                percent: pct,
                interval: interval(c.interval),
                fill,
                ink: label_colour(fill),
                x: coord(x),
                w: coord(w),
                centre: coord(x + w / 2.0),
                observed: f.observed[i],
                share: percent(share),
                share_width: fixed(100.0 * share, 2),
                expected_left: fixed(100.0 * c.p / total, 2),
            }
        })
        .collect();
    place_below(&mut faces);
    faces
}

/// JSON safe inside a `<script>` element and in XML: `<`, `>` and `&` only occur in strings,
/// where `\u003c` … mean the same.
fn script_json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value)
        .expect("serializes")
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

fn page(f: &Flips) -> Page {
    let data = Data {
        seed: f.stream.seed.to_string(),
        domain: f.stream.domain as u8,
        index: f.stream.index,
        weights: f.coin.faces.iter().map(|c| c.p).collect(),
        faces: f
            .coin
            .faces
            .iter()
            .map(|c| DataFace {
                id: c.id,
                token: &c.token,
                label: label(&c.token),
                interval: c.interval,
            })
            .collect(),
        count: f.count(),
        listed: LISTED_FLIPS,
    };
    let flips = f
        .flips
        .iter()
        .take(LISTED_FLIPS)
        .map(|x| {
            let c = &f.coin.faces[x.face];
            FlipView {
                index: x.index,
                u: fixed(x.u, 6),
                // Rust's shortest round-trip form, as JavaScript's String(u) writes it.
                u_exact: serde_json::to_string(&x.u).expect("a finite number"),
                id: c.id,
                token: c.token.clone(),
                label: label(&c.token),
                interval: interval(c.interval),
                x: coord(x.u * WIDTH),
                face: x.face,
            }
        })
        .collect();
    Page {
        title: format!("Flip the coin: {}", f.scenario),
        scenario: f.scenario.clone(),
        file: f.file.clone(),
        context: f.coin.context.clone(),
        seed: f.stream.seed,
        domain: f.stream.domain as u8,
        index: f.stream.index,
        sampling: (!f.sampling.is_identity()).then(|| crate::report::sampling_summary(&f.sampling)),
        notes: f.notes.clone(),
        count: f.count(),
        count_words: flips_word(f.count()),
        faces: faces(f),
        flips,
        more: (f.flips.len() > LISTED_FLIPS).then(|| {
            format!(
                "The first {LISTED_FLIPS} of {} are listed (--format json lists every flip).",
                flips_word(f.count())
            )
        }),
        data: script_json(&data),
    }
}

fn environment() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = crate::report::html::template_environment();
        env.add_template("page.html", include_str!("page.html"))
            .unwrap_or_else(|e| panic!("page.html: {e:#}"));
        env
    })
}

/// The page.
pub fn render(f: &Flips) -> String {
    assert!(!JS.contains("]]>"), "the script sits in a CDATA section");
    environment()
        .get_template("page.html")
        .and_then(|t| {
            t.render(minijinja::context! {
                page => Value::from(minijinja::value::Serde(&page(f))),
                css => Value::from_safe_string(CSS.to_string()),
                js => Value::from_safe_string(JS.to_string()),
            })
        })
        .unwrap_or_else(|e| panic!("the flip page template: {e:#}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_legible_on_their_segments() {
        // WCAG contrast of the chosen label colour on each segment is at least 4.5:1.
        for fill in PALETTE {
            let ink = label_colour(fill);
            let lum = |hex: &str| {
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
            };
            let (a, b) = (lum(fill), lum(ink));
            let contrast = (a.max(b) + 0.05) / (a.min(b) + 0.05);
            assert!(contrast >= 4.5, "{ink} on {fill}: {contrast}");
        }
    }

    #[test]
    fn script_data_cannot_end_the_script() {
        let s = script_json(&["</script><b>&"]);
        assert!(
            !s.contains('<') && !s.contains('>') && !s.contains('&'),
            "{s}"
        );
        let back: Vec<String> = serde_json::from_str(&s).unwrap();
        assert_eq!(back, ["</script><b>&"]);
    }
}
