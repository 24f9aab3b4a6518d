//! The pieces [`super::draw_curves`] and [`super::draw_figure5`] draw with: an axis with exactly
//! the ticks of [`super::ticks`], a legend in a strip above the data, and text anchors that keep a
//! label beside its mark inside the plotting area.

use super::{err, Draw, Ticks, FONT_PX};
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint};
use plotters::coord::types::RangedCoordf64;
use plotters::coord::{CoordTranslate, Shift};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// A linear axis whose ticks are exactly the given ones ([`ticks`]).
pub(super) struct Ticked {
    linear: RangedCoordf64,
    at: Vec<f64>,
}

impl Ticked {
    pub(super) fn new(range: std::ops::Range<f64>, ticks: &Ticks) -> Self {
        Ticked {
            linear: range.into(),
            at: ticks.at.clone(),
        }
    }
}

impl Ranged for Ticked {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;
    fn map(&self, v: &f64, limit: (i32, i32)) -> i32 {
        self.linear.map(v, limit)
    }
    fn key_points<H: KeyPointHint>(&self, hint: H) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.at.clone()
        }
    }
    fn range(&self) -> std::ops::Range<f64> {
        self.linear.range()
    }
}

/// A text anchor that keeps a label beside pixel column `x` inside the plotting area: starting at
/// `x` in the area's left half, ending there in the right half.
pub(super) fn beside<DB: DrawingBackend, CT: CoordTranslate>(
    x: i32,
    chart: &ChartContext<DB, CT>,
    v: VPos,
) -> Pos {
    let (xr, _) = chart.plotting_area().get_pixel_range();
    let h = if x < (xr.start + xr.end) / 2 {
        HPos::Left
    } else {
        HPos::Right
    };
    Pos::new(h, v)
}

/// Backend pixel `at` in `area`'s own coordinates, moved 6 CSS px away from the point in the
/// direction the text anchored at `pos` runs (so that a label does not sit on its mark).
pub(super) fn nudge<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    at: (i32, i32),
    pos: Pos,
    k: f64,
) -> (i32, i32) {
    let (bx, by) = area.get_base_pixel();
    let d = (6.0 * k) as i32;
    let dx = if matches!(pos.h_pos, HPos::Left) {
        d
    } else {
        -d
    };
    let dy = if matches!(pos.v_pos, VPos::Top) {
        d
    } else {
        -d
    };
    (at.0 - bx + dx, at.1 - by + dy)
}

/// How a legend entry shows its series.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Mark {
    Line,
    Dot,
    Ring,
}

/// One legend entry: its words, its colour, its mark.
pub(super) struct Key {
    pub label: String,
    pub color: RGBAColor,
    pub mark: Mark,
}

/// Draws the legend (a mark and a label per entry, wrapped into rows, the labels in `ink`) in a
/// strip at the top of `root`, outside any data, and returns the area below it.
pub(super) fn draw_legend<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    entries: &[Key],
    k: f64,
    ink: RGBColor,
) -> Draw<DrawingArea<DB, Shift>> {
    if entries.is_empty() {
        return Ok(root.clone());
    }
    let font = ("sans-serif", FONT_PX * k).into_font();
    let (w, _) = root.dim_in_pixel();
    let (swatch, gap, row) = ((18.0 * k) as i32, (14.0 * k) as i32, (20.0 * k) as i32);
    let left = (8.0 * k) as i32;
    let pad = (6.0 * k) as i32;
    let mut at = Vec::new();
    let (mut x, mut y) = (left, 0);
    for key in entries {
        let (tw, _) = root
            .estimate_text_size(&key.label, &font.clone().into_text_style(root))
            .map_err(err)?;
        let width = swatch + pad + tw as i32;
        if x > left && x + width > w as i32 {
            (x, y) = (left, y + row);
        }
        at.push((x, y));
        x += width + gap;
    }
    let height = (y + row + (4.0 * k) as i32) as u32;
    let (strip, rest) = root.split_vertically(height);
    let thick = (2.5 * k).round().max(1.0) as u32;
    for (key, &(x, y)) in entries.iter().zip(&at) {
        let mid = y + row / 2 + (2.0 * k) as i32;
        let c = key.color;
        let centre = (x + swatch / 2, mid);
        match key.mark {
            Mark::Line => strip.draw(&PathElement::new(
                vec![(x, mid), (x + swatch, mid)],
                c.stroke_width(thick),
            )),
            Mark::Dot => strip.draw(&Circle::new(centre, (3.5 * k) as i32, c.filled())),
            Mark::Ring => strip.draw(&Circle::new(
                centre,
                (5.0 * k) as i32,
                c.stroke_width(thick),
            )),
        }
        .map_err(err)?;
        strip
            .draw(&Text::new(
                key.label.clone(),
                (x + swatch + pad, mid),
                font.color(&ink).pos(Pos::new(HPos::Left, VPos::Center)),
            ))
            .map_err(err)?;
    }
    Ok(rest)
}
