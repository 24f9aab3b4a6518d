//! Charts drawn with plotters, generic over the drawing backend: SVG strings natively (the CLI), a
//! canvas in the page. Nothing here computes; it draws what the trainer and [`crate::lab::figure5`]
//! give, laid out by the pure functions of [`layout`].

pub mod layout;

pub use layout::{curves_layout, figure5_layout, Curve, CurvesLayout, CurvesPanel, Figure5Layout};

use crate::lab::figure5::Figure5;
use plotters::coord::Shift;
use plotters::prelude::*;

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
}

/// A labelled curve.
pub struct Series<'a> {
    pub label: &'a str,
    pub points: &'a [CurvePoint],
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

/// Figures 6/7 of the paper: cost, training accuracy and validation accuracy against patterns
/// seen (or seconds), one panel each, every series overlaid ([`curves_layout`]).
pub fn draw_curves<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    series: &[Series],
    x_axis: XAxis,
) -> Draw<()> {
    let layout = curves_layout(series, x_axis);
    root.fill(&WHITE).map_err(err)?;
    let root = if title.is_empty() {
        root.clone()
    } else {
        root.titled(title, ("sans-serif", 18)).map_err(err)?
    };
    // Side by side on wide areas, stacked on tall ones (phones).
    let (w, h) = root.dim_in_pixel();
    let areas = root.split_evenly(if h > w { (3, 1) } else { (1, 3) });
    for (area, panel) in areas.iter().zip(&layout.panels) {
        let y_format = |v: &f64| {
            if panel.log10 {
                format!("{:.0e}", 10f64.powf(*v))
            } else {
                format!("{v:.0}")
            }
        };
        let (lo, hi) = panel.y_range;
        let mut chart = ChartBuilder::on(area)
            .margin(10)
            .x_label_area_size(36)
            .y_label_area_size(48)
            .caption(panel.caption, ("sans-serif", 15))
            .build_cartesian_2d(0.0..layout.x_max, lo..hi)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc(layout.x_desc)
            .x_labels(4)
            .x_label_formatter(&|v| format!("{v:.0}"))
            .y_labels(6)
            .y_label_formatter(&y_format)
            .draw()
            .map_err(err)?;
        for line in &panel.lines {
            let c = line.color;
            chart
                .draw_series(LineSeries::new(line.points.clone(), c.stroke_width(2)))
                .map_err(err)?
                .label(&line.label)
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 16, y)], c.stroke_width(2))
                });
        }
        if panel.legend {
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::LowerRight)
                .background_style(WHITE.mix(0.8))
                .border_style(BLACK.mix(0.3))
                .label_font(("sans-serif", 11))
                .draw()
                .map_err(err)?;
        }
    }
    root.present().map_err(err)
}

/// Figure 5 with the truth beside it ([`figure5_layout`]): the two families against lambda_k on
/// log-log axes, their Eq. 65 crossing, the current lambda_k, and the exact spectrum (extremes
/// along the sweep, every |eigenvalue| at the current lambda_k).
pub fn draw_figure5<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    fig: &Figure5,
) -> Draw<()> {
    let layout = figure5_layout(fig);
    root.fill(&WHITE).map_err(err)?;
    let ((lo, hi), (y_lo, y_hi)) = (layout.x_range, layout.y_range);
    let mut chart = ChartBuilder::on(root)
        .caption(title, ("sans-serif", 16))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d((lo..hi).log_scale(), (y_lo..y_hi).log_scale())
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc(&layout.x_desc)
        .y_desc("|eigenvalue|")
        .x_label_formatter(&|v| format!("{v:.0e}"))
        .y_label_formatter(&|v| format!("{v:.0e}"))
        .draw()
        .map_err(err)?;
    for line in &layout.families {
        let col = line.color;
        chart
            .draw_series(LineSeries::new(line.points.clone(), col.stroke_width(2)))
            .map_err(err)?
            .label(&line.label)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], col.stroke_width(2)));
    }
    for line in &layout.exact {
        let col = line.color;
        chart
            .draw_series(LineSeries::new(line.points.clone(), col.stroke_width(2)).point_size(3))
            .map_err(err)?
            .label(&line.label)
            .legend(move |(x, y)| Circle::new((x + 8, y), 3, col.filled()));
    }
    if let Some((at, label)) = &layout.crossing {
        chart
            .draw_series(std::iter::once(Circle::new(*at, 6, BLACK.stroke_width(2))))
            .map_err(err)?
            .label(label)
            .legend(|(x, y)| Circle::new((x + 8, y), 5, BLACK.stroke_width(2)));
    }
    let (now, label) = &layout.current;
    chart
        .draw_series(LineSeries::new(
            vec![(*now, y_lo), (*now, y_hi)],
            BLACK.mix(0.4).stroke_width(1),
        ))
        .map_err(err)?
        .label(label)
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], BLACK.mix(0.4)));
    chart
        .draw_series(
            layout
                .eigenvalues
                .iter()
                .map(|&(at, col)| Circle::new(at, 2, col.mix(0.5).filled())),
        )
        .map_err(err)?;
    // On narrow areas (phones) the legend goes to the lower right in a smaller font.
    let narrow = root.dim_in_pixel().0 < 500;
    chart
        .configure_series_labels()
        .position(if narrow {
            SeriesLabelPosition::LowerRight
        } else {
            SeriesLabelPosition::UpperMiddle
        })
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.3))
        .label_font(("sans-serif", if narrow { 9 } else { 11 }))
        .draw()
        .map_err(err)?;
    root.present().map_err(err)
}

/// [`draw_curves`] into an SVG string, against patterns seen.
pub fn curves_svg(size: (u32, u32), title: &str, series: &[Series]) -> Draw<String> {
    let mut s = String::new();
    draw_curves(
        &SVGBackend::with_string(&mut s, size).into_drawing_area(),
        title,
        series,
        XAxis::Samples,
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
    )?;
    Ok(s)
}
