//! The class report as a self-contained HTML page (`--format html`): the gradebook, notes and
//! rejections, the score histogram and each question's facility and discrimination drawn as
//! inline SVG bar charts (no script), flagged questions (negative discrimination) in red, and the
//! numbers in tables beside the charts. This module only lays out what the analysis computed
//! (bar positions in pixels); the page itself is the template `templates/report.html`.

use serde::Serialize;

use super::{Report, negative_flag, option_counts, pts, stat};
use crate::quiz::text::Lang;

/// What the report page shows.
#[derive(Debug, Serialize)]
pub struct View {
    id: String,
    title: String,
    questions: usize,
    max: String,
    header: Vec<String>,
    students: Vec<Vec<String>>,
    notes: Vec<String>,
    rejected: Vec<String>,
    not_counted: Vec<String>,
    summary: Vec<(&'static str, String)>,
    alpha: String,
    hist: Histogram,
    items_chart: ItemsChart,
    items: Vec<ItemRow>,
    flags: Vec<String>,
    tally: String,
}

#[derive(Debug, Serialize)]
struct Histogram {
    width: u32,
    height: u32,
    base: u32,
    label_y: u32,
    bars: Vec<Bar>,
}

#[derive(Debug, Serialize)]
struct Bar {
    label: String,
    count: usize,
    x: u32,
    y: String,
    w: u32,
    h: String,
    label_x: u32,
    count_y: String,
}

#[derive(Debug, Serialize)]
struct ItemsChart {
    width: u32,
    height: u32,
    fac_x: u32,
    disc_x: u32,
    disc_zero: u32,
}

#[derive(Debug, Serialize)]
struct ItemRow {
    id: String,
    kind: &'static str,
    max: String,
    facility: String,
    discrimination: String,
    unanswered: usize,
    invalid: usize,
    options: String,
    flagged: bool,
    y: u32,
    text_y: u32,
    fac_w: String,
    disc_x: String,
    disc_w: String,
}

/// Pixels with one decimal, as SVG attributes.
fn px(x: f64) -> String {
    format!("{:.1}", x.max(0.0))
}

const BAR_W: u32 = 34;
const BAR_GAP: u32 = 6;
const PLOT_H: f64 = 120.0;
/// Width of the facility bars (facility 1) and of each half of the discrimination axis.
const FAC_W: f64 = 150.0;
const DISC_HALF: f64 = 90.0;

fn histogram(r: &Report) -> Histogram {
    let bins = &r.analysis.histogram;
    let most = bins.iter().map(|b| b.count).max().unwrap_or(0).max(1) as f64;
    let base = 20 + PLOT_H as u32;
    let bars = bins
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let x = i as u32 * (BAR_W + BAR_GAP) + BAR_GAP;
            let h = PLOT_H * b.count as f64 / most;
            Bar {
                label: format!("{}-{}", b.from, b.to),
                count: b.count,
                x,
                y: px(base as f64 - h),
                w: BAR_W,
                h: px(h),
                label_x: x + BAR_W / 2,
                count_y: px(base as f64 - h - 4.0),
            }
        })
        .collect();
    Histogram {
        width: bins.len() as u32 * (BAR_W + BAR_GAP) + BAR_GAP,
        height: base + 18,
        base,
        label_y: base + 14,
        bars,
    }
}

fn items(r: &Report) -> (ItemsChart, Vec<ItemRow>) {
    let label_w = 8 * r
        .analysis
        .items
        .iter()
        .map(|i| i.id.len())
        .max()
        .unwrap_or(2) as u32
        + 10;
    let fac_x = label_w;
    let disc_zero = fac_x + FAC_W as u32 + 30 + DISC_HALF as u32;
    let rows: Vec<ItemRow> = r
        .analysis
        .items
        .iter()
        .enumerate()
        .map(|(k, i)| {
            let y = 20 + 20 * k as u32;
            let d = i.discrimination.unwrap_or(0.0).clamp(-1.0, 1.0);
            let disc_x = disc_zero as f64 + (d.min(0.0) * DISC_HALF);
            ItemRow {
                id: i.id.clone(),
                kind: i.kind.name(),
                max: pts(i.max),
                facility: stat(i.facility),
                discrimination: stat(i.discrimination),
                unanswered: i.unanswered,
                invalid: i.invalid,
                options: option_counts(&i.options),
                flagged: i.negative_discrimination(),
                y,
                text_y: y + 11,
                fac_w: px(i.facility.unwrap_or(0.0).clamp(0.0, 1.0) * FAC_W),
                disc_x: px(disc_x),
                disc_w: px(d.abs() * DISC_HALF),
            }
        })
        .collect();
    let chart = ItemsChart {
        width: disc_zero + DISC_HALF as u32 + 10,
        height: 24 + 20 * rows.len() as u32,
        fac_x,
        disc_x: fac_x + FAC_W as u32 + 30,
        disc_zero,
    };
    (chart, rows)
}

fn listings(r: &Report) -> (Vec<String>, Vec<String>, Vec<String>) {
    let book = r.book;
    let mut notes = book.file_notes.clone();
    for s in &book.students {
        for n in &s.notes {
            notes.push(format!(
                "{} ({}): {}",
                s.student,
                s.origin,
                n.text(Lang::En)
            ));
        }
    }
    let rejected = book
        .rejected
        .iter()
        .map(|x| x.diagnostic.headline())
        .collect();
    let not_counted = book
        .not_counted
        .iter()
        .map(|n| format!("{}: {}", n.origin, n.reason))
        .collect();
    (notes, rejected, not_counted)
}

/// The report page.
pub fn render(r: &Report) -> String {
    let (quiz, book, a) = (r.quiz, r.book, r.analysis);
    let mut header: Vec<String> = ["student", "name", "score", "max", "percent"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    header.extend(quiz.questions.iter().map(|q| q.id.clone()));
    let students = book
        .students
        .iter()
        .map(|s| {
            let mut row = vec![s.student.clone(), s.name.clone()];
            row.extend([pts(s.score), pts(book.max), pts(s.percent)]);
            row.extend(s.outcomes.iter().map(|o| pts(o.points)));
            row
        })
        .collect();
    let (notes, rejected, not_counted) = listings(r);
    let (items_chart, items) = items(r);
    let s = &a.summary;
    let view = View {
        id: quiz.id.clone(),
        title: quiz.title.get(r.lang).to_string(),
        questions: quiz.questions.len(),
        max: pts(book.max),
        header,
        students,
        notes,
        rejected,
        not_counted,
        summary: vec![
            ("count", s.count.to_string()),
            ("mean", stat(s.mean)),
            ("median", stat(s.median)),
            ("stdev (sample)", stat(s.stdev)),
            ("min", stat(s.min)),
            ("max", stat(s.max)),
        ],
        alpha: stat(a.cronbach_alpha),
        hist: histogram(r),
        items_chart,
        items,
        flags: a
            .items
            .iter()
            .filter(|i| i.negative_discrimination())
            .map(|i| negative_flag(&i.id, i.discrimination.unwrap_or(0.0)))
            .collect(),
        tally: book.tally(),
    };
    crate::quiz::templates::report(&view)
}
