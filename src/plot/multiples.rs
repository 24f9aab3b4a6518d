//! Small multiples: a row (or, on tall areas, a column) of small line charts sharing nothing but
//! the x axis's meaning, each with its caption and its own y range (linear or log10), the lines
//! keyed by a legend strip above. The page draws the instruments sampled over training
//! (src/train/instruments.rs) with it, one canvas per run. Nothing here computes: the lines are
//! what the caller gives, points whose y is not finite (or not > 0 on a log axis) are skipped.

use super::marks::{draw_legend, panel_chart, Key, Mark, PanelAxes, PanelRoom};
use super::theme::Theme;
use super::{begin, err, svg, ticks, Draw, FONT_PX};
use plotters::coord::Shift;
use plotters::prelude::*;

/// One line of a panel.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Line {
    /// Its legend label (lines of equal labels share one key; empty: not in the legend).
    pub label: String,
    /// The colour index (the theme's series colours, repeating).
    pub color: usize,
    /// Dashed: a reference line (the edge of stability, 2 / step).
    #[serde(default)]
    pub dashed: bool,
    /// `(x, y)` points in drawing order.
    pub points: Vec<(f64, f64)>,
}

/// One small chart.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Panel {
    pub caption: String,
    /// A log10 y axis.
    #[serde(default)]
    pub log_y: bool,
    pub lines: Vec<Line>,
}

/// The drawable points of a line on `panel`'s axis (log10 of y on a log axis).
fn drawable(panel: &Panel, line: &Line) -> Vec<(f64, f64)> {
    line.points
        .iter()
        .filter(|(x, y)| x.is_finite() && y.is_finite() && (!panel.log_y || *y > 0.0))
        .map(|&(x, y)| (x, if panel.log_y { y.log10() } else { y }))
        .collect()
}

/// `lo..hi` of `v`, widened to a visible range when empty or flat.
fn range(v: impl Iterator<Item = f64>, pad_log: bool) -> (f64, f64) {
    let (lo, hi) = v.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| {
        (a.min(x), b.max(x))
    });
    if !(lo.is_finite() && hi.is_finite()) {
        return (0.0, 1.0);
    }
    let pad = if hi > lo {
        0.05 * (hi - lo)
    } else if pad_log {
        0.5
    } else {
        0.5 * lo.abs().max(1e-12)
    };
    (lo - pad, hi + pad)
}

/// Draws `panels` in a grid of `columns` (at least 1) filled row by row, x described as `x_desc`,
/// at `scale` device pixels per CSS pixel (not finite or not > 0 draws at 1), in `theme`'s colours.
pub fn draw_multiples<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    panels: &[Panel],
    x_desc: &str,
    columns: usize,
    scale: f64,
    theme: Theme,
) -> Draw<()> {
    let palette = theme.palette();
    let ink = palette.ink;
    let (k, root) = begin(root, "", 0.0, scale, palette)?;
    let px = |v: f64| (v * k).round().max(1.0) as u32;
    let font = FONT_PX * k;
    let mut keys: Vec<Key> = Vec::new();
    for line in panels.iter().flat_map(|p| &p.lines) {
        if !line.label.is_empty() && !keys.iter().any(|key| key.label == line.label) {
            keys.push(Key {
                label: line.label.clone(),
                color: palette.color(line.color).mix(1.0),
                mark: Mark::Line,
            });
        }
    }
    let root = draw_legend(&root, &keys, k, ink)?;
    if panels.is_empty() {
        return root.present().map_err(err);
    }
    let cols = columns.clamp(1, panels.len());
    let areas = root.split_evenly((panels.len().div_ceil(cols), cols));
    for (area, panel) in areas.iter().zip(panels) {
        let lines: Vec<Vec<(f64, f64)>> = panel.lines.iter().map(|l| drawable(panel, l)).collect();
        let (x_lo, x_hi) = range(lines.iter().flatten().map(|p| p.0), false);
        let (y_lo, y_hi) = range(lines.iter().flatten().map(|p| p.1), panel.log_y);
        let room = PanelRoom::new(area, 12.0, k);
        let y_pixels = room.y_pixels();
        let y_ticks = if panel.log_y {
            ticks::decade_ticks(y_lo, y_hi, y_pixels, font, false)
        } else {
            ticks::linear_ticks(y_lo, y_hi, y_pixels, font, false)
        };
        let right = 14.0 * k;
        let x_pixels = room.x_pixels(&y_ticks, right);
        let x_ticks = ticks::linear_ticks(x_lo, x_hi, x_pixels, font, true);
        let axes = PanelAxes {
            caption: &panel.caption,
            x_desc,
            x_range: (x_lo, x_hi),
            y_range: (y_lo, y_hi),
            x_ticks: &x_ticks,
            y_ticks: &y_ticks,
            right,
        };
        let mut chart = panel_chart(area, &room, &axes, ink)?;
        for (line, points) in panel.lines.iter().zip(lines) {
            let c = palette.color(line.color);
            if line.dashed {
                chart
                    .draw_series(DashedLineSeries::new(
                        points,
                        px(5.0),
                        px(4.0),
                        c.mix(0.8).stroke_width(px(1.5)),
                    ))
                    .map_err(err)?;
            } else if points.len() == 1 {
                chart
                    .draw_series(std::iter::once(Circle::new(points[0], px(2.5), c.filled())))
                    .map_err(err)?;
            } else {
                chart
                    .draw_series(LineSeries::new(points, c.stroke_width(px(1.5))))
                    .map_err(err)?;
            }
        }
    }
    root.present().map_err(err)
}

/// [`draw_multiples`] into an SVG string (the tests look at it).
pub fn multiples_svg(size: (u32, u32), panels: &[Panel], x_desc: &str) -> Draw<String> {
    svg(size, |area| {
        draw_multiples(area, panels, x_desc, panels.len(), 1.0, Theme::Light)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(label: &str, points: Vec<(f64, f64)>) -> Line {
        Line {
            label: label.into(),
            color: 0,
            dashed: false,
            points,
        }
    }

    #[test]
    fn every_caption_and_legend_label_is_drawn_and_bad_points_are_skipped() {
        let panels = vec![
            Panel {
                caption: "radius".into(),
                log_y: true,
                lines: vec![line(
                    "SGD",
                    vec![(0.0, 1.0), (1.0, -1.0), (2.0, f64::NAN), (3.0, 10.0)],
                )],
            },
            Panel {
                caption: "leaky share".into(),
                log_y: false,
                lines: vec![line("layer 1", vec![(0.0, 0.5)])],
            },
        ];
        let svg = multiples_svg((600, 200), &panels, "patterns seen").unwrap();
        for text in ["radius", "leaky share", "SGD", "layer 1", "patterns seen"] {
            assert!(svg.contains(text), "{text:?} missing from the SVG");
        }
        assert!(!svg.contains("NaN"), "a NaN coordinate was written");
        assert_eq!(
            drawable(&panels[0], &panels[0].lines[0]),
            vec![(0.0, 0.0), (3.0, 1.0)]
        );
    }
}
