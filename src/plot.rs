//! Charts drawn with plotters, generic over the drawing backend: SVG strings natively (the CLI), a
//! canvas in the page. Nothing here computes; it draws what the trainer and [`crate::lab::figure5`]
//! give, laid out by the pure functions of [`layout`].

pub mod layout;
mod marks;
pub mod multiples;
pub mod ticks;

pub use layout::{
    curves_layout, figure5_layout, Curve, CurvesLayout, CurvesPanel, DivergenceMark, Figure5Layout,
    OffScale, RunLine,
};
pub use ticks::{compact, Ticks};

use crate::lab::figure5::Figure5;
use marks::{beside, draw_legend, nudge, Key, Mark, Ticked};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::VPos;

/// One point of a training curve (the page and the CLI record them at their evaluation cadence).
#[derive(Debug, Clone, Copy, PartialEq, serde::Deserialize)]
pub struct CurvePoint {
    pub samples: u64,
    /// Wall-clock seconds since the run started, measured by the caller (the engine has no clock).
    pub seconds: f64,
    /// Mean `1/2||d - x_n||^2` over the patterns since the previous point.
    pub cost: f64,
    /// Training accuracy over the patterns since the previous point, in [0, 1].
    pub train_accuracy: f64,
    /// Test-set accuracy at this point, in [0, 1], when it was evaluated.
    pub validation_accuracy: Option<f64>,
}

/// What the curves' horizontal axis shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum XAxis {
    /// Patterns seen (the paper's Figures 6/7).
    Samples,
    /// Wall-clock seconds.
    Seconds,
}

impl XAxis {
    fn of(self, p: &CurvePoint) -> f64 {
        match self {
            XAxis::Samples => p.samples as f64,
            XAxis::Seconds => p.seconds,
        }
    }
    fn name(self) -> &'static str {
        match self {
            XAxis::Samples => "patterns seen",
            XAxis::Seconds => "seconds",
        }
    }
    /// The end of an empty chart's axis.
    fn empty_max(self) -> f64 {
        match self {
            XAxis::Samples => 1000.0,
            XAxis::Seconds => 10.0,
        }
    }
}

/// A labelled curve.
pub struct Series<'a> {
    pub label: &'a str,
    pub points: &'a [CurvePoint],
    /// An earlier run, drawn faint for comparison.
    pub faint: bool,
    /// Where the run was paused for diverging (patterns seen), marked on the chart.
    pub diverged_at: Option<u64>,
}

impl<'a> Series<'a> {
    /// A current run's curve, not diverged.
    pub fn new(label: &'a str, points: &'a [CurvePoint]) -> Self {
        Series {
            label,
            points,
            faint: false,
            diverged_at: None,
        }
    }
}

/// How [`draw_curves`] draws: the x axis, whether it is logarithmic, and the device pixels per
/// CSS pixel (fonts, lines and margins are multiplied by it, so a canvas whose backing store is
/// CSS size x devicePixelRatio is as sharp as the screen).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CurvesStyle {
    pub x_axis: XAxis,
    pub log_x: bool,
    pub scale: f64,
}

/// Where one panel was drawn, in CSS pixels of the canvas (device pixels / `scale`), and where
/// each drawn point landed: what the page's hover readout needs to find the point under the
/// pointer without mapping any coordinates itself.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PanelMap {
    pub caption: &'static str,
    pub left: f64,
    pub top: f64,
    pub width: f64,
    pub height: f64,
    /// Per series, `[point index, x, y]` of every drawn point (index into the series' points).
    pub points: Vec<Vec<[f64; 3]>>,
}

const COLORS: [RGBColor; 6] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
    RGBColor(255, 127, 14),
    RGBColor(23, 190, 207),
];

/// A colour per series index.
pub fn color(i: usize) -> RGBColor {
    COLORS[i % COLORS.len()]
}

type Draw<T> = Result<T, String>;

fn err<E: std::fmt::Debug>(e: E) -> String {
    format!("drawing failed: {e:?}")
}

/// The tick labels' font size in CSS pixels; captions and the legend are sized from it.
const FONT_PX: f64 = 12.0;

/// Figures 6/7 of the paper: cost, training accuracy and validation accuracy against patterns
/// seen (or seconds), one panel each, every series overlaid ([`curves_layout`]), the legend in a
/// strip above the panels, ticks from [`ticks`] for each panel's size. Returns where each panel
/// and point was drawn ([`PanelMap`]).
pub fn draw_curves<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    series: &[Series],
    style: CurvesStyle,
) -> Draw<Vec<PanelMap>> {
    let layout = curves_layout(series, style.x_axis, style.log_x);
    let k = if style.scale.is_finite() && style.scale > 0.0 {
        style.scale
    } else {
        1.0
    };
    let px = |v: f64| (v * k).round().max(1.0) as u32;
    let font = FONT_PX * k;
    root.fill(&WHITE).map_err(err)?;
    let root = if title.is_empty() {
        root.clone()
    } else {
        root.titled(title, ("sans-serif", 18.0 * k)).map_err(err)?
    };
    let keys: Vec<Key> = layout
        .legend
        .iter()
        .map(|(label, color, faint)| Key {
            label: label.clone(),
            color: color.mix(if *faint { 0.35 } else { 1.0 }),
            mark: Mark::Line,
        })
        .collect();
    let root = draw_legend(&root, &keys, k)?;
    // Side by side on wide areas, stacked on tall ones (phones).
    let (w, h) = root.dim_in_pixel();
    let areas = root.split_evenly(if h > w { (3, 1) } else { (1, 3) });
    let mut maps = Vec::new();
    for (area, panel) in areas.iter().zip(&layout.panels) {
        let (aw, ah) = area.dim_in_pixel();
        let (x_lo, x_hi) = layout.x_range;
        let (y_lo, y_hi) = panel.y_range;
        let y_ticks_for = |pixels: f64| {
            if panel.log10 {
                ticks::decade_ticks(y_lo, y_hi, pixels, font, false)
            } else {
                ticks::linear_ticks(y_lo, y_hi, pixels, font, false)
            }
        };
        // The label areas from the labels themselves, then the ticks for the room left.
        let caption_h = 1.6 * 13.0 * k;
        let x_area = 2.7 * font;
        let y_ticks = y_ticks_for(f64::from(ah) - caption_h - x_area - 8.0 * k);
        let y_area = y_ticks.widest(font) + 10.0 * k;
        let x_pixels = |right: f64| f64::from(aw) - y_area - right - 8.0 * k;
        let x_ticks_for = |pixels: f64| {
            if layout.log_x {
                ticks::decade_ticks(x_lo, x_hi, pixels, font, true)
            } else {
                ticks::linear_ticks(x_lo, x_hi, pixels, font, true)
            }
        };
        // Room on the right for half of the last label (it is centred on its tick).
        let guess = x_ticks_for(x_pixels(8.0 * k));
        let right = (guess.widest(font) / 2.0 + 4.0 * k).max(8.0 * k);
        let x_ticks = x_ticks_for(x_pixels(right));
        let mut chart = ChartBuilder::on(area)
            .margin_top(4.0 * k)
            .margin_left(8.0 * k)
            .margin_bottom(4.0 * k)
            .margin_right(right)
            .x_label_area_size(x_area)
            .y_label_area_size(y_area)
            .caption(panel.caption, ("sans-serif", 13.0 * k))
            .build_cartesian_2d(
                Ticked::new(x_lo..x_hi, &x_ticks),
                Ticked::new(y_lo..y_hi, &y_ticks),
            )
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc(&layout.x_desc)
            .x_label_formatter(&|v| x_ticks.label_of(*v))
            .y_label_formatter(&|v| y_ticks.label_of(*v))
            .label_style(("sans-serif", font))
            .axis_desc_style(("sans-serif", font))
            .bold_line_style(BLACK.mix(0.08).stroke_width(px(1.0)))
            .axis_style(BLACK.mix(0.5).stroke_width(px(1.0)))
            .set_all_tick_mark_size(px(4.0))
            .draw()
            .map_err(err)?;
        // Earlier runs first, under the current ones.
        let order = panel
            .lines
            .iter()
            .enumerate()
            .filter(|(_, l)| l.faint)
            .chain(panel.lines.iter().enumerate().filter(|(_, l)| !l.faint));
        let mut points = vec![Vec::new(); panel.lines.len()];
        for (i, line) in order {
            let (c, width) = if line.faint {
                (line.color.mix(0.3), px(1.5))
            } else {
                (line.color.mix(1.0), px(2.0))
            };
            chart
                .draw_series(LineSeries::new(line.points.clone(), c.stroke_width(width)))
                .map_err(err)?;
            if !line.faint {
                points[i] = line
                    .points
                    .iter()
                    .zip(&line.index)
                    .map(|(p, &j)| {
                        let (x, y) = chart.backend_coord(p);
                        [j as f64, f64::from(x) / k, f64::from(y) / k]
                    })
                    .collect();
            }
        }
        for mark in &layout.divergences {
            chart
                .draw_series(LineSeries::new(
                    vec![(mark.x, y_lo), (mark.x, y_hi)],
                    mark.color.mix(0.7).stroke_width(px(1.5)),
                ))
                .map_err(err)?;
            if panel.log10 {
                let at = chart.backend_coord(&(mark.x, y_lo));
                let pos = beside(at.0, &chart, VPos::Bottom);
                let style = ("sans-serif", font).into_font().color(&mark.color).pos(pos);
                let label = Text::new(mark.label.clone(), nudge(area, at, pos, k), style);
                area.draw(&label).map_err(err)?;
            }
        }
        for off in &panel.off_scale {
            let c = off.color;
            chart
                .draw_series(std::iter::once(TriangleMarker::new(
                    (off.x, y_hi),
                    px(6.0),
                    c.filled(),
                )))
                .map_err(err)?;
            let at = chart.backend_coord(&(off.x, y_hi));
            let pos = beside(at.0, &chart, VPos::Top);
            let words = format!("off scale: up to {}", compact(off.max));
            let style = ("sans-serif", font).into_font().color(&c).pos(pos);
            let label = Text::new(words, nudge(area, at, pos, k), style);
            area.draw(&label).map_err(err)?;
        }
        let (xr, yr) = chart.plotting_area().get_pixel_range();
        maps.push(PanelMap {
            caption: panel.caption,
            left: f64::from(xr.start) / k,
            top: f64::from(yr.start) / k,
            width: f64::from(xr.end - xr.start) / k,
            height: f64::from(yr.end - yr.start) / k,
            points,
        });
    }
    root.present().map_err(err)?;
    Ok(maps)
}

/// Figure 5 with the truth beside it ([`figure5_layout`]): the two families against λ_k on
/// log-log axes, their Eq. 65 crossing, the current λ_k, and the exact spectrum (extremes along
/// the sweep, every |eigenvalue| at the current λ_k). `scale` is the device pixels per CSS pixel
/// (fonts, lines, marks and margins are multiplied by it, as in [`draw_curves`]; not finite or
/// not > 0 draws at 1).
pub fn draw_figure5<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    fig: &Figure5,
    scale: f64,
) -> Draw<()> {
    let layout = figure5_layout(fig);
    let k = if scale.is_finite() && scale > 0.0 {
        scale
    } else {
        1.0
    };
    let px = |v: f64| (v * k).round().max(1.0) as u32;
    let font = FONT_PX * k;
    root.fill(&WHITE).map_err(err)?;
    let root = if title.is_empty() {
        root.clone()
    } else {
        root.titled(title, ("sans-serif", 16.0 * k)).map_err(err)?
    };
    // The legend above the axes, where no curve or eigenvalue can be under it.
    let line = |label: &str, color: RGBAColor, mark| Key {
        label: label.to_string(),
        color,
        mark,
    };
    let mut keys: Vec<Key> = layout
        .families
        .iter()
        .map(|l| line(&l.label, l.color.mix(1.0), Mark::Line))
        .chain(
            layout
                .exact
                .iter()
                .map(|l| line(&l.label, l.color.mix(1.0), Mark::Dot)),
        )
        .collect();
    if let Some((_, label)) = &layout.crossing {
        keys.push(line(label, BLACK.mix(1.0), Mark::Ring));
    }
    keys.push(line(&layout.current.1, BLACK.mix(0.4), Mark::Line));
    let root = draw_legend(&root, &keys, k)?;
    let ((lo, hi), (y_lo, y_hi)) = (layout.x_range, layout.y_range);
    let mut chart = ChartBuilder::on(&root)
        .margin(12.0 * k)
        .x_label_area_size(3.4 * font)
        .y_label_area_size(5.0 * font)
        .build_cartesian_2d((lo..hi).log_scale(), (y_lo..y_hi).log_scale())
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc(&layout.x_desc)
        .y_desc("|eigenvalue|")
        .x_label_formatter(&|v| ticks::compact_sig(*v, 1))
        .y_label_formatter(&|v| ticks::compact_sig(*v, 1))
        .label_style(("sans-serif", font))
        .axis_desc_style(("sans-serif", font))
        .bold_line_style(BLACK.mix(0.1).stroke_width(px(1.0)))
        .light_line_style(BLACK.mix(0.04).stroke_width(px(1.0)))
        .axis_style(BLACK.mix(0.5).stroke_width(px(1.0)))
        .set_all_tick_mark_size(px(4.0))
        .draw()
        .map_err(err)?;
    for line in &layout.families {
        let col = line.color;
        chart
            .draw_series(LineSeries::new(
                line.points.clone(),
                col.stroke_width(px(2.0)),
            ))
            .map_err(err)?;
    }
    for line in &layout.exact {
        let col = line.color;
        chart
            .draw_series(
                LineSeries::new(line.points.clone(), col.stroke_width(px(2.0))).point_size(px(3.0)),
            )
            .map_err(err)?;
    }
    if let Some((at, _)) = &layout.crossing {
        chart
            .draw_series(std::iter::once(Circle::new(
                *at,
                px(6.0),
                BLACK.stroke_width(px(2.0)),
            )))
            .map_err(err)?;
    }
    let (now, _) = &layout.current;
    chart
        .draw_series(LineSeries::new(
            vec![(*now, y_lo), (*now, y_hi)],
            BLACK.mix(0.4).stroke_width(px(1.0)),
        ))
        .map_err(err)?;
    chart
        .draw_series(
            layout
                .eigenvalues
                .iter()
                .map(|&(at, col)| Circle::new(at, px(2.0), col.mix(0.5).filled())),
        )
        .map_err(err)?;
    root.present().map_err(err)
}

/// [`draw_curves`] into an SVG string, against patterns seen.
pub fn curves_svg(size: (u32, u32), title: &str, series: &[Series]) -> Draw<String> {
    let mut s = String::new();
    let style = CurvesStyle {
        x_axis: XAxis::Samples,
        log_x: false,
        scale: 1.0,
    };
    draw_curves(
        &SVGBackend::with_string(&mut s, size).into_drawing_area(),
        title,
        series,
        style,
    )?;
    Ok(s)
}

/// [`draw_figure5`] into an SVG string.
pub fn figure5_svg(size: (u32, u32), title: &str, fig: &Figure5) -> Draw<String> {
    let mut s = String::new();
    draw_figure5(
        &SVGBackend::with_string(&mut s, size).into_drawing_area(),
        title,
        fig,
        1.0,
    )?;
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_legend_names_each_run_above_the_panels() {
        let svg = curves_svg((900, 320), "", &[Series::new("SGD step 0.01", &[])]).unwrap();
        assert!(svg.contains("SGD step 0.01"), "no legend in {svg}");
    }

    /// The y of every `<text>` whose content contains `what` in an SVG from plotters.
    fn text_ys(svg: &str, what: &str) -> Vec<f64> {
        svg.split("<text ")
            .skip(1)
            .filter(|t| {
                t.split("</text>")
                    .next()
                    .is_some_and(|body| body.contains(what))
            })
            .filter_map(|t| t.split("y=\"").nth(1)?.split('"').next()?.parse().ok())
            .collect()
    }

    fn small_figure() -> Figure5 {
        use crate::lab::figure5::ExactPoint;
        use crate::paper_spectrum::Figure5Curves;
        use crate::spectrum::ExactSpectrum;
        Figure5 {
            layer: 1,
            curves: Figure5Curves {
                slope: 4.0,
                numerator: 9.0,
            },
            current: 0.7,
            spectrum: ExactSpectrum {
                eigenvalues: vec![-3.0, 0.5, 2.0],
                positive: 2,
                negative: 1,
                zero: 10,
                radius: 3.0,
            },
            sweep: vec![ExactPoint {
                lambda: 1.0,
                max_positive: 2.0,
                max_negative: 3.0,
            }],
        }
    }

    /// The `font-size` of every `<text>` whose content contains `what`.
    fn font_sizes(svg: &str, what: &str) -> Vec<f64> {
        svg.split("<text ")
            .skip(1)
            .filter(|t| {
                t.split("</text>")
                    .next()
                    .is_some_and(|body| body.contains(what))
            })
            .filter_map(|t| {
                t.split("font-size=\"")
                    .nth(1)?
                    .split('"')
                    .next()?
                    .parse()
                    .ok()
            })
            .collect()
    }

    #[test]
    fn figure5_at_scale_2_doubles_its_fonts_and_lines() {
        let draw = |size, scale| {
            let mut s = String::new();
            draw_figure5(
                &SVGBackend::with_string(&mut s, size).into_drawing_area(),
                "",
                &small_figure(),
                scale,
            )
            .unwrap();
            s
        };
        let (one, two) = (draw((640, 400), 1.0), draw((1280, 800), 2.0));
        let (f1, f2) = (font_sizes(&one, "λ₁"), font_sizes(&two, "λ₁"));
        assert!(!f1.is_empty(), "no λ₁ label in {one}");
        let doubled: Vec<f64> = f1.iter().map(|f| 2.0 * f).collect();
        assert_eq!(f2, doubled, "font sizes at scale 2 {f2:?} vs at 1 {f1:?}");
        // The families are drawn 2 px wide at 1x, 4 px at 2x.
        let widths = |svg: &str| svg.matches("stroke-width=\"4\"").count();
        assert!(
            widths(&two) > widths(&one),
            "4 px strokes: {} at 2x, {} at 1x",
            widths(&two),
            widths(&one)
        );
    }

    #[test]
    fn figure5_legend_sits_above_the_axes() {
        let fig = small_figure();
        let svg = figure5_svg((640, 400), "", &fig).unwrap();
        let legend = text_ys(&svg, "Eq. 62 family 1");
        let top_tick = text_ys(&svg, "|eigenvalue|");
        assert_eq!(legend.len(), 1, "one legend entry for family 1: {legend:?}");
        // The axes start below the legend's rows (at most three at 20 px each).
        assert!(legend[0] < 64.0, "legend at y = {}", legend[0]);
        assert!(
            top_tick.iter().all(|&y| y > legend[0]),
            "axis text at {top_tick:?}"
        );
    }
}
