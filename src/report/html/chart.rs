//! The geometry of the page's two SVG charts, as typed data the template draws
//! (`charts.html`): where each grid line, bar, label and path goes. Nothing here is markup and
//! nothing is statistics — the counts and profiles come from the results; this only lays them out.
//!
//! Coordinates are strings with one decimal ([`c`]), so the page is byte-identical on every
//! machine and the template prints them as they are.

use serde::Serialize;

use crate::text::fixed;

/// A coordinate in an SVG attribute: one decimal.
fn c(x: f64) -> String {
    fixed(x, 1)
}

/// The smallest of 1, 2, 5, 10, 20, 50, … that cuts `max` into at most `ticks` steps.
pub fn nice_step(max: f64, ticks: u64) -> u64 {
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

/// The plot area: its edges, which the axes and grid lines run along.
#[derive(Debug, Serialize)]
pub struct Plot {
    pub left: String,
    pub top: String,
    pub right: String,
    pub bottom: String,
}

impl Plot {
    fn new(left: f64, top: f64, width: f64, height: f64) -> Self {
        Plot {
            left: c(left),
            top: c(top),
            right: c(left + width),
            bottom: c(top + height),
        }
    }
}

/// A horizontal grid line at `y` with its value written left of the axis.
#[derive(Debug, Serialize)]
pub struct Tick {
    pub y: String,
    pub label_x: String,
    pub label_y: String,
    pub label: String,
}

fn tick(left: f64, y: f64, label: String) -> Tick {
    Tick {
        y: c(y),
        label_x: c(left - 6.0),
        label_y: c(y + 4.0),
        label,
    }
}

/// A rectangle (a bar).
#[derive(Debug, Serialize)]
pub struct Rect {
    pub x: String,
    pub y: String,
    pub width: String,
    pub height: String,
}

/// A text at a point.
#[derive(Debug, Serialize)]
pub struct Label {
    pub x: String,
    pub y: String,
    pub text: String,
}

/// One group of a chi-square chart: the expected and the observed bar of an outcome.
#[derive(Debug, Serialize)]
pub struct BarGroup {
    /// The tooltip: outcome, expected and observed counts.
    pub title: String,
    pub expected: Rect,
    pub observed: Rect,
    /// The outcome under the group (cut to 14 characters).
    pub label: Label,
}

/// What a chi-square chart draws for one group (from the results; see `view.rs`).
pub struct GroupData {
    pub label: String,
    pub expected: f64,
    pub observed: u64,
    pub title: String,
}

/// Grouped bars: per outcome an expected and an observed bar, on a linear count axis.
#[derive(Debug, Serialize)]
pub struct BarChart {
    pub id: String,
    pub width: String,
    pub height: String,
    /// The tested context, for the chart's title.
    pub context: String,
    pub plot: Plot,
    pub ticks: Vec<Tick>,
    pub groups: Vec<BarGroup>,
    /// Labels turned 50° (many groups or long labels).
    pub rotate: bool,
    /// Centre of the x axis title, its baseline; vertical centre of the y axis title.
    pub x_title: Label,
    pub y_title_y: String,
    /// Left edge of the legend (top left): expected swatch, its text, observed swatch, its text.
    pub legend: [String; 4],
}

impl BarChart {
    pub fn new(id: String, context: &str, groups: &[GroupData]) -> Self {
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
        let (pw, ph) = (gw * n as f64, 220.0);
        let (w, h) = ((left + pw + right).max(360.0), top + ph + bottom);
        let max = groups
            .iter()
            .map(|g| g.expected.max(g.observed as f64))
            .fold(0.0f64, f64::max)
            .max(1.0);
        let step = nice_step(max, 5);
        let ymax = (max / step as f64).ceil() * step as f64;
        let y = |v: f64| top + ph - ph * v / ymax;
        let mut ticks = Vec::new();
        let mut t = 0.0;
        while t <= ymax {
            ticks.push(tick(left, y(t), (t as u64).to_string()));
            t += step as f64;
        }
        let bw = gw * 0.38;
        let bar = |x: f64, v: f64| Rect {
            x: c(x),
            y: c(y(v)),
            width: c(bw),
            height: c(ph - (y(v) - top)),
        };
        let groups = groups
            .iter()
            .enumerate()
            .map(|(i, g)| {
                let x0 = left + gw * i as f64 + gw * 0.12;
                let (lx, ly) = (left + gw * (i as f64 + 0.5), top + ph + 14.0);
                let (lx, ly) = if rotate {
                    (lx + 4.0, ly - 4.0)
                } else {
                    (lx, ly)
                };
                BarGroup {
                    title: g.title.clone(),
                    expected: bar(x0, g.expected),
                    observed: bar(x0 + bw, g.observed as f64),
                    label: Label {
                        x: c(lx),
                        y: c(ly),
                        text: short(&g.label, 14),
                    },
                }
            })
            .collect();
        BarChart {
            id,
            width: c(w),
            height: c(h),
            context: context.to_string(),
            plot: Plot::new(left, top, pw, ph),
            ticks,
            groups,
            rotate,
            x_title: Label {
                x: c(left + pw / 2.0),
                y: c(h - 6.0),
                text: "outcome (next token)".into(),
            },
            y_title_y: c(top + ph / 2.0),
            legend: [c(left), c(left + 16.0), c(left + 80.0), c(left + 96.0)],
        }
    }
}

/// A vertical marker across the plot (where the sample diverged) or a horizontal one (the copied
/// run threshold), with its label.
#[derive(Debug, Serialize)]
pub struct Marker {
    /// The line's position: y for the threshold, x for the divergence.
    pub at: String,
    pub label: Label,
}

/// The longest-match profile of a sample as a step chart.
#[derive(Debug, Serialize)]
pub struct ProfileChart {
    pub id: String,
    pub width: String,
    pub height: String,
    /// The sample's index, its generated tokens, the longest match (for the chart's title).
    pub index: usize,
    pub tokens: usize,
    pub max: u32,
    pub plot: Plot,
    pub ticks: Vec<Tick>,
    /// The step line closed down to the x axis (`area`), and the line alone (`line`).
    pub area: String,
    pub line: String,
    pub threshold: Option<Marker>,
    pub divergence: Option<Marker>,
    /// A tick and its label every few token positions; the ticks end at `x_tick_end`.
    pub x_ticks: Vec<Label>,
    pub x_tick_end: String,
    pub x_title: Label,
    pub y_title_y: String,
}

impl ProfileChart {
    /// `lm` is not empty; `min_len` is the copied-run threshold (0: none); `divergence` the step
    /// where the sample left its source document, when inside the sample.
    pub fn new(
        id: String,
        index: usize,
        lm: &[u32],
        min_len: u32,
        divergence: Option<usize>,
    ) -> Self {
        let n = lm.len();
        let (left, right, top, bottom) = (48.0, 16.0, 14.0, 38.0);
        let (pw, ph) = (620.0, 110.0);
        let (w, h) = (left + pw + right, top + ph + bottom);
        let ymax_data = lm.iter().copied().max().unwrap_or(0).max(min_len).max(1);
        let ystep = nice_step(ymax_data as f64, 4) as u32;
        let ymax = ymax_data.div_ceil(ystep) * ystep;
        let xs = pw / n as f64;
        let y = |v: f64| top + ph - ph * v / ymax as f64;
        let x = |i: f64| left + xs * i;
        let ticks = (0..=ymax)
            .step_by(ystep as usize)
            .map(|t| tick(left, y(t as f64), t.to_string()))
            .collect();
        // The step line: up or down to each token's value, then across the token.
        let steps: String = lm
            .iter()
            .enumerate()
            .map(|(i, &v)| format!(" V{} H{}", c(y(v as f64)), c(x((i + 1) as f64))))
            .collect();
        let area = format!("M{},{}{steps} V{} Z", c(x(0.0)), c(y(0.0)), c(y(0.0)));
        let line = format!("M{},{}{steps}", c(x(0.0)), c(y(lm[0] as f64)));
        let threshold = (min_len > 0).then(|| Marker {
            at: c(y(min_len as f64)),
            label: Label {
                x: c(left + pw - 2.0),
                y: c(y(min_len as f64) - 4.0),
                text: format!("copied run ≥ {min_len}"),
            },
        });
        let divergence = divergence.map(|st| Marker {
            at: c(x(st as f64)),
            label: Label {
                x: c(x(st as f64) + 3.0),
                y: c(top + 10.0),
                text: "diverged".into(),
            },
        });
        let x_ticks = (0..n)
            .step_by(nice_step(n as f64, 10) as usize)
            .map(|i| Label {
                x: c(x(i as f64 + 0.5)),
                y: c(top + ph + 16.0),
                text: i.to_string(),
            })
            .collect();
        ProfileChart {
            id,
            width: c(w),
            height: c(h),
            index,
            tokens: n,
            max: lm.iter().copied().max().unwrap_or(0),
            plot: Plot::new(left, top, pw, ph),
            ticks,
            area,
            line,
            threshold,
            divergence,
            x_ticks,
            x_tick_end: c(top + ph + 4.0),
            x_title: Label {
                x: c(left + pw / 2.0),
                y: c(h - 4.0),
                text: "generated token (step)".into(),
            },
            y_title_y: c(top + ph / 2.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_steps() {
        assert_eq!(nice_step(1.0, 4), 1);
        assert_eq!(nice_step(7.0, 4), 2);
        assert_eq!(nice_step(9579.7, 5), 2000);
        assert_eq!(nice_step(3200.0, 5), 1000);
        assert_eq!(nice_step(60.0, 10), 10);
    }

    #[test]
    fn profile_path_steps_through_every_token() {
        let p = ProfileChart::new("s1-sample0".into(), 0, &[1, 3, 2], 2, Some(1));
        // ymax 3 → 110 px for 3, x from 48 in steps of 620 / 3.
        assert_eq!(p.line, "M48.0,87.3 V87.3 H254.7 V14.0 H461.3 V50.7 H668.0");
        assert!(p.area.starts_with("M48.0,124.0 V87.3") && p.area.ends_with(" V124.0 Z"));
        assert_eq!(p.ticks.len(), 4);
        assert_eq!(p.threshold.unwrap().at, "50.7");
        assert_eq!(p.divergence.unwrap().at, "254.7");
        assert_eq!(p.x_ticks.len(), 3);
    }

    #[test]
    fn bars_stand_on_the_axis() {
        let groups = [GroupData {
            label: "heads".into(),
            expected: 50.0,
            observed: 40,
            title: String::new(),
        }];
        let b = BarChart::new("s1-chi1".into(), "the coin", &groups);
        let g = &b.groups[0];
        // Top of the bar plus its height is the x axis (y = 250).
        for r in [&g.expected, &g.observed] {
            let (y, h): (f64, f64) = (r.y.parse().unwrap(), r.height.parse().unwrap());
            assert!((y + h - 250.0).abs() < 0.11, "{y} + {h}");
        }
        assert!(!b.rotate);
        assert_eq!(b.plot.bottom, "250.0");
    }
}
