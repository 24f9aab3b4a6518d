//! Charts drawn with plotters, generic over the drawing backend: SVG strings natively (the CLI), a
//! canvas in the page. Nothing here computes; it draws what the trainer and [`crate::lab::figure5`]
//! give, laid out by the pure functions of [`layout`].

pub mod layout;
mod marks;
pub mod multiples;
pub mod theme;
pub mod ticks;

pub use layout::{
    curves_layout, figure5_layout, Curve, CurvesLayout, CurvesPanel, DivergenceMark, Figure5Layout,
    OffScale, RunLine,
};
pub use theme::{Palette, Theme};
pub use ticks::{compact, Ticks};

use crate::lab::figure5::Figure5;
use marks::{beside, draw_legend, nudge, panel_chart, text, Key, Mark, PanelAxes, PanelRoom};
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

/// How [`draw_curves`] draws: the x axis, whether it is logarithmic, the device pixels per
/// CSS pixel (fonts, lines and margins are multiplied by it, so a canvas whose backing store is
/// CSS size x devicePixelRatio is as sharp as the screen) and the colours ([`Theme`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CurvesStyle {
    pub x_axis: XAxis,
    pub log_x: bool,
    pub scale: f64,
    pub theme: Theme,
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

type Draw<T> = Result<T, String>;

fn err<E: std::fmt::Debug>(e: E) -> String {
    format!("drawing failed: {e:?}")
}

/// The tick labels' font size in CSS pixels; captions and the legend are sized from it.
const FONT_PX: f64 = 12.0;

/// What every chart starts with: the device pixels per CSS pixel to draw at (`scale`, or 1 when it
/// is not finite or not > 0), the background filled with the theme's, and the area under the
/// title (`title_px` CSS pixels high, in ink; the whole area when `title` is empty).
fn begin<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    title_px: f64,
    scale: f64,
    palette: &Palette,
) -> Draw<(f64, DrawingArea<DB, Shift>)> {
    let k = if scale.is_finite() && scale > 0.0 {
        scale
    } else {
        1.0
    };
    root.fill(&palette.background).map_err(err)?;
    if title.is_empty() {
        return Ok((k, root.clone()));
    }
    let style = text(title_px * k, &palette.ink);
    Ok((k, root.titled(title, style).map_err(err)?))
}

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
    let palette = style.theme.palette();
    let ink = palette.ink;
    let layout = curves_layout(series, style.x_axis, style.log_x, palette);
    let (k, root) = begin(root, title, 18.0, style.scale, palette)?;
    let px = |v: f64| (v * k).round().max(1.0) as u32;
    let font = FONT_PX * k;
    let keys: Vec<Key> = layout
        .legend
        .iter()
        .map(|(label, color, faint)| Key {
            label: label.clone(),
            color: color.mix(if *faint { 0.35 } else { 1.0 }),
            mark: Mark::Line,
        })
        .collect();
    let root = draw_legend(&root, &keys, k, ink)?;
    // Side by side on wide areas, stacked on tall ones (phones).
    let (w, h) = root.dim_in_pixel();
    let areas = root.split_evenly(if h > w { (3, 1) } else { (1, 3) });
    let mut maps = Vec::new();
    for (area, panel) in areas.iter().zip(&layout.panels) {
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
        let room = PanelRoom::new(area, 13.0, k);
        let y_ticks = y_ticks_for(room.y_pixels());
        let x_ticks_for = |pixels: f64| {
            if layout.log_x {
                ticks::decade_ticks(x_lo, x_hi, pixels, font, true)
            } else {
                ticks::linear_ticks(x_lo, x_hi, pixels, font, true)
            }
        };
        // Room on the right for half of the last label (it is centred on its tick).
        let guess = x_ticks_for(room.x_pixels(&y_ticks, 8.0 * k));
        let right = (guess.widest(font) / 2.0 + 4.0 * k).max(8.0 * k);
        let x_ticks = x_ticks_for(room.x_pixels(&y_ticks, right));
        let axes = PanelAxes {
            caption: panel.caption,
            x_desc: &layout.x_desc,
            x_range: layout.x_range,
            y_range: panel.y_range,
            x_ticks: &x_ticks,
            y_ticks: &y_ticks,
            right,
        };
        let mut chart = panel_chart(area, &room, &axes, ink)?;
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
                let style = text(font, &mark.color).pos(pos);
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
            let style = text(font, &c).pos(pos);
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
/// not > 0 draws at 1); `theme` its colours.
pub fn draw_figure5<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    fig: &Figure5,
    scale: f64,
    theme: Theme,
) -> Draw<()> {
    let palette = theme.palette();
    let ink = palette.ink;
    let layout = figure5_layout(fig, palette);
    let (k, root) = begin(root, title, 16.0, scale, palette)?;
    let px = |v: f64| (v * k).round().max(1.0) as u32;
    let font = FONT_PX * k;
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
        keys.push(line(label, ink.mix(1.0), Mark::Ring));
    }
    keys.push(line(&layout.current.1, ink.mix(0.4), Mark::Line));
    let root = draw_legend(&root, &keys, k, ink)?;
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
        .label_style(text(font, &ink))
        .axis_desc_style(text(font, &ink))
        .bold_line_style(ink.mix(0.1).stroke_width(px(1.0)))
        .light_line_style(ink.mix(0.04).stroke_width(px(1.0)))
        .axis_style(ink.mix(0.5).stroke_width(px(1.0)))
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
                ink.stroke_width(px(2.0)),
            )))
            .map_err(err)?;
    }
    let (now, _) = &layout.current;
    if *now > 0.0 {
        chart
            .draw_series(LineSeries::new(
                vec![(*now, y_lo), (*now, y_hi)],
                ink.mix(0.4).stroke_width(px(1.0)),
            ))
            .map_err(err)?;
    }
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

/// What `draw` draws on an SVG drawing area of `size` pixels, as an SVG string.
fn svg<T>(
    size: (u32, u32),
    draw: impl FnOnce(&DrawingArea<SVGBackend, Shift>) -> Draw<T>,
) -> Draw<String> {
    let mut s = String::new();
    draw(&SVGBackend::with_string(&mut s, size).into_drawing_area())?;
    Ok(s)
}

/// [`draw_curves`] into an SVG string, against patterns seen.
pub fn curves_svg(size: (u32, u32), title: &str, series: &[Series]) -> Draw<String> {
    let style = CurvesStyle {
        x_axis: XAxis::Samples,
        log_x: false,
        scale: 1.0,
        theme: Theme::Light,
    };
    svg(size, |area| draw_curves(area, title, series, style))
}

/// [`draw_figure5`] into an SVG string.
pub fn figure5_svg(size: (u32, u32), title: &str, fig: &Figure5) -> Draw<String> {
    svg(size, |area| {
        draw_figure5(area, title, fig, 1.0, Theme::Light)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_legend_names_each_run_above_the_panels() {
        let svg = curves_svg((900, 320), "", &[Series::new("SGD step 0.01", &[])]).unwrap();
        assert!(svg.contains("SGD step 0.01"), "no legend in {svg}");
    }

    /// Attribute `attr` (a number) of every `<text>` whose content contains `what`, in an SVG
    /// from plotters.
    fn text_attr(svg: &str, what: &str, attr: &str) -> Vec<f64> {
        let key = format!("{attr}=\"");
        svg.split("<text ")
            .skip(1)
            .filter(|t| {
                t.split("</text>")
                    .next()
                    .is_some_and(|body| body.contains(what))
            })
            .filter_map(|t| {
                t.split(key.as_str())
                    .nth(1)?
                    .split('"')
                    .next()?
                    .parse()
                    .ok()
            })
            .collect()
    }

    fn small_figure() -> Figure5 {
        let point = crate::lab::figure5::ExactPoint {
            lambda: 1.0,
            max_positive: 2.0,
            max_negative: 3.0,
        };
        layout::tests::figure(1, 9.0, vec![point])
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
                Theme::Light,
            )
            .unwrap();
            s
        };
        let (one, two) = (draw((640, 400), 1.0), draw((1280, 800), 2.0));
        let (f1, f2) = (
            text_attr(&one, "λ₁", "font-size"),
            text_attr(&two, "λ₁", "font-size"),
        );
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
        let legend = text_attr(&svg, "Eq. 62 family 1", "y");
        let top_tick = text_attr(&svg, "|eigenvalue|", "y");
        assert_eq!(legend.len(), 1, "one legend entry for family 1: {legend:?}");
        // The axes start below the legend's rows (at most three at 20 px each).
        assert!(legend[0] < 64.0, "legend at y = {}", legend[0]);
        assert!(
            top_tick.iter().all(|&y| y > legend[0]),
            "axis text at {top_tick:?}"
        );
    }

    /// The `fill` of the first `<rect>` (the background) and of every `<text>` in an SVG.
    fn fills(svg: &str) -> (String, Vec<String>) {
        fn fill(t: &str) -> Option<&str> {
            t.split("fill=\"").nth(1)?.split('"').next()
        }
        let rect = svg.split("<rect ").nth(1).and_then(fill).unwrap_or("");
        let texts = svg.split("<text ").skip(1).filter_map(fill);
        (rect.to_string(), texts.map(str::to_string).collect())
    }

    fn hex(c: RGBColor) -> String {
        format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2)
    }

    #[test]
    fn the_dark_theme_draws_both_charts_light_on_dark_and_the_light_theme_dark_on_light() {
        let points = [CurvePoint {
            samples: 1000,
            seconds: 1.0,
            cost: 0.3,
            train_accuracy: 0.5,
            validation_accuracy: Some(0.6),
        }];
        let runs = [Series::new("SGD", &points), Series::new("MK", &points)];
        for theme in [Theme::Light, Theme::Dark] {
            let p = theme.palette();
            let mut curves = String::new();
            let style = CurvesStyle {
                x_axis: XAxis::Samples,
                log_x: false,
                scale: 1.0,
                theme,
            };
            let area = SVGBackend::with_string(&mut curves, (900, 320)).into_drawing_area();
            draw_curves(&area, "", &runs, style).unwrap();
            drop(area);
            let mut fig5 = String::new();
            let area = SVGBackend::with_string(&mut fig5, (640, 400)).into_drawing_area();
            draw_figure5(&area, "", &small_figure(), 1.0, theme).unwrap();
            drop(area);
            for (name, svg) in [("curves", &curves), ("figure 5", &fig5)] {
                let (background, texts) = fills(svg);
                assert_eq!(
                    background,
                    hex(p.background),
                    "{theme:?} {name}: background"
                );
                // Every word is in ink (ticks, captions, the legend) or in a run's colour.
                let allowed: Vec<String> =
                    std::iter::once(p.ink).chain(p.series).map(hex).collect();
                assert!(!texts.is_empty(), "{theme:?} {name}: no text");
                let odd: Vec<&String> = texts.iter().filter(|t| !allowed.contains(t)).collect();
                assert!(
                    odd.is_empty(),
                    "{theme:?} {name}: text in {odd:?}, allowed {allowed:?}"
                );
                assert!(
                    texts.contains(&hex(p.ink)),
                    "{theme:?} {name}: no text in ink {}",
                    hex(p.ink)
                );
            }
        }
    }
}
