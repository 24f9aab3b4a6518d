//! The pieces [`super::draw_curves`], [`super::draw_figure5`] and the small multiples
//! ([`super::multiples`]) draw with: an axis with exactly the ticks of [`super::ticks`], the room
//! and the styled axes of a small panel, a legend in a strip above the data, and text anchors that
//! keep a label beside its mark inside the plotting area.

use super::{err, Draw, Ticks, FONT_PX};
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint};
use plotters::coord::types::RangedCoordf64;
use plotters::coord::{CoordTranslate, Shift};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// A sans-serif font of `px` device pixels in `color`.
pub(super) fn text(px: f64, color: &RGBColor) -> TextStyle<'static> {
    ("sans-serif", px).into_font().color(color)
}

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

/// How a small panel (one of the curves' panels, a small multiple) shares its area, at `k` device
/// pixels per CSS pixel: its caption (`caption_px` CSS px, a line of 1.6 times that) above, the x
/// labels' strip (2.7 tick fonts) below, the y labels' column (the widest y tick label and 10 px)
/// on the left, and 8 px of margin beside the axes (4 px above and below the panel).
pub(super) struct PanelRoom {
    k: f64,
    font: f64,
    caption_px: f64,
    width: f64,
    height: f64,
}

impl PanelRoom {
    pub(super) fn new<DB: DrawingBackend>(
        area: &DrawingArea<DB, Shift>,
        caption_px: f64,
        k: f64,
    ) -> Self {
        let (width, height) = area.dim_in_pixel();
        PanelRoom {
            k,
            font: FONT_PX * k,
            caption_px,
            width: f64::from(width),
            height: f64::from(height),
        }
    }

    /// The x labels' strip.
    fn x_area(&self) -> f64 {
        2.7 * self.font
    }

    /// The y labels' column for `y_ticks`.
    fn y_area(&self, y_ticks: &Ticks) -> f64 {
        y_ticks.widest(self.font) + 10.0 * self.k
    }

    /// The device pixels the y axis spans (what its ticks are chosen for).
    pub(super) fn y_pixels(&self) -> f64 {
        self.height - 1.6 * self.caption_px * self.k - self.x_area() - 8.0 * self.k
    }

    /// The device pixels the x axis spans beside the column of `y_ticks`, with a margin of
    /// `right` device pixels on the right.
    pub(super) fn x_pixels(&self, y_ticks: &Ticks, right: f64) -> f64 {
        self.width - self.y_area(y_ticks) - right - 8.0 * self.k
    }
}

/// What a small panel's axes show: its caption, the x axis's description, the ranges and their
/// ticks, and the margin on the right (device pixels).
pub(super) struct PanelAxes<'a> {
    pub caption: &'a str,
    pub x_desc: &'a str,
    pub x_range: (f64, f64),
    pub y_range: (f64, f64),
    pub x_ticks: &'a Ticks,
    pub y_ticks: &'a Ticks,
    pub right: f64,
}

/// The chart of a small panel in `area`, laid out by `room`, with its caption and its mesh drawn
/// (exactly `axes`' ticks and their labels, faint grid lines, the axes and their words in `ink`):
/// the curves' panels and the small multiples look alike because both are drawn by this.
pub(super) fn panel_chart<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    room: &PanelRoom,
    axes: &PanelAxes,
    ink: RGBColor,
) -> Draw<ChartContext<'a, DB, Cartesian2d<Ticked, Ticked>>> {
    let (k, font) = (room.k, room.font);
    let px = |v: f64| (v * k).round().max(1.0) as u32;
    let ((x_lo, x_hi), (y_lo, y_hi)) = (axes.x_range, axes.y_range);
    let (x_ticks, y_ticks) = (axes.x_ticks, axes.y_ticks);
    let mut chart = ChartBuilder::on(area)
        .margin_top(4.0 * k)
        .margin_left(8.0 * k)
        .margin_bottom(4.0 * k)
        .margin_right(axes.right)
        .x_label_area_size(room.x_area())
        .y_label_area_size(room.y_area(y_ticks))
        .caption(axes.caption, text(room.caption_px * k, &ink))
        .build_cartesian_2d(
            Ticked::new(x_lo..x_hi, x_ticks),
            Ticked::new(y_lo..y_hi, y_ticks),
        )
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc(axes.x_desc)
        .x_label_formatter(&|v| x_ticks.label_of(*v))
        .y_label_formatter(&|v| y_ticks.label_of(*v))
        .label_style(text(font, &ink))
        .axis_desc_style(text(font, &ink))
        .bold_line_style(ink.mix(0.08).stroke_width(px(1.0)))
        .axis_style(ink.mix(0.5).stroke_width(px(1.0)))
        .set_all_tick_mark_size(px(4.0))
        .draw()
        .map_err(err)?;
    Ok(chart)
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
