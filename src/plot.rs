//! Charts drawn with plotters, generic over the drawing backend: SVG strings natively (the CLI), a
//! canvas in the page. Nothing here computes; it draws what the trainer and [`crate::lab::figure5`] give.

use crate::lab::figure5::{log_grid, ExactPoint, Figure5};
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
/// A labelled line: legend text, points, colour.
type Line = (String, Vec<(f64, f64)>, RGBColor);
/// A labelled pick from the sweep: legend text, which value, colour.
type Pick = (&'static str, fn(&ExactPoint) -> f64, RGBColor);

fn err<E: std::fmt::Debug>(e: E) -> String {
    format!("drawing failed: {e:?}")
}

/// Figures 6/7 of the paper: cost, training accuracy and validation accuracy against patterns
/// seen (or seconds), one panel each, every series overlaid.
pub fn draw_curves<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    series: &[Series],
    x_axis: XAxis,
) -> Draw<()> {
    root.fill(&WHITE).map_err(err)?;
    let root = if title.is_empty() {
        root.clone()
    } else {
        root.titled(title, ("sans-serif", 18)).map_err(err)?
    };
    // Side by side on wide areas, stacked on tall ones (phones).
    let (w, h) = root.dim_in_pixel();
    let panels = root.split_evenly(if h > w { (3, 1) } else { (1, 3) });
    let x_max = series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| x_axis.of(p)))
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max);
    let x_max = if x_max > 0.0 { x_max } else { 1.0 };
    type Value = fn(&CurvePoint) -> Option<f64>;
    // The cost spans orders of magnitude when a run blows up: it is drawn as log10(cost).
    let picks: [(&str, Value); 3] = [
        ("cost (log scale)", |p| {
            Some(p.cost).filter(|c| *c > 0.0).map(f64::log10)
        }),
        ("training accuracy %", |p| Some(100.0 * p.train_accuracy)),
        ("validation accuracy %", |p| {
            p.validation_accuracy.map(|a| 100.0 * a)
        }),
    ];
    for (panel, (name, pick)) in panels.iter().zip(picks) {
        let values: Vec<f64> = series
            .iter()
            .flat_map(|s| s.points.iter().filter_map(pick))
            .filter(|v| v.is_finite())
            .collect();
        let is_cost = name.starts_with("cost");
        let (lo, hi) = if is_cost {
            let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            if lo.is_finite() && hi.is_finite() {
                ((lo - 0.1).floor(), (hi + 0.1).ceil().max(lo.floor() + 1.0))
            } else {
                (-2.0, 0.0)
            }
        } else {
            (0.0, 100.0)
        };
        let y_format = |v: &f64| {
            if is_cost {
                format!("{:.0e}", 10f64.powf(*v))
            } else {
                format!("{v:.0}")
            }
        };
        let mut chart = ChartBuilder::on(panel)
            .margin(10)
            .x_label_area_size(36)
            .y_label_area_size(48)
            .caption(name, ("sans-serif", 15))
            .build_cartesian_2d(0.0..x_max, lo..hi)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc(x_axis.name())
            .x_labels(4)
            .x_label_formatter(&|v| format!("{v:.0}"))
            .y_labels(6)
            .y_label_formatter(&y_format)
            .draw()
            .map_err(err)?;
        for (i, s) in series.iter().enumerate() {
            let pts: Vec<(f64, f64)> = s
                .points
                .iter()
                .filter_map(|p| pick(p).filter(|v| v.is_finite()).map(|v| (x_axis.of(p), v)))
                .collect();
            let c = color(i);
            chart
                .draw_series(LineSeries::new(pts, c.stroke_width(2)))
                .map_err(err)?
                .label(s.label)
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 16, y)], c.stroke_width(2))
                });
        }
        if !is_cost {
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

/// Figure 5 with the truth beside it: the two families against lambda_k on log-log axes, their
/// Eq. 65 crossing, the current lambda_k, and the exact spectrum (extremes along the sweep, every
/// |eigenvalue| at the current lambda_k).
pub fn draw_figure5<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    fig: &Figure5,
) -> Draw<()> {
    root.fill(&WHITE).map_err(err)?;
    let (lo, hi) = (1e-4f64, 1e4f64);
    let grid = log_grid(lo, hi, 81);
    let c = fig.curves;
    let mut ys: Vec<f64> = grid
        .iter()
        .flat_map(|&l| [c.linear(l), c.hyperbolic(l)])
        .collect();
    ys.extend(fig.spectrum.eigenvalues.iter().map(|v| v.abs()));
    ys.extend(
        fig.sweep
            .iter()
            .flat_map(|p| [p.max_positive, p.max_negative]),
    );
    let positive: Vec<f64> = ys
        .into_iter()
        .filter(|v| v.is_finite() && *v > 0.0)
        .collect();
    let y_lo = positive
        .iter()
        .copied()
        .fold(f64::INFINITY, f64::min)
        .max(1e-12)
        / 2.0;
    let y_hi = positive
        .iter()
        .copied()
        .fold(0.0, f64::max)
        .max(y_lo * 10.0)
        * 2.0;
    let mut chart = ChartBuilder::on(root)
        .caption(title, ("sans-serif", 16))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d((lo..hi).log_scale(), (y_lo..y_hi).log_scale())
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc(format!("lambda_{}", fig.layer))
        .y_desc("|eigenvalue|")
        .x_label_formatter(&|v| format!("{v:.0e}"))
        .y_label_formatter(&|v| format!("{v:.0e}"))
        .draw()
        .map_err(err)?;
    let k = fig.layer;
    let lines: [Line; 2] = [
        (
            format!("Eq. 62 family 1: lambda ||F'(a_{k})||_inf^2"),
            grid.iter().map(|&l| (l, c.linear(l))).collect(),
            color(0),
        ),
        (
            format!(
                "Eq. 62 family 2: ||F'(a_{}) .* b_{}||^2 / lambda",
                k + 1,
                k + 1
            ),
            grid.iter().map(|&l| (l, c.hyperbolic(l))).collect(),
            color(1),
        ),
    ];
    for (label, pts, col) in lines {
        let pts: Vec<(f64, f64)> = pts.into_iter().filter(|p| p.1 > 0.0).collect();
        chart
            .draw_series(LineSeries::new(pts, col.stroke_width(2)))
            .map_err(err)?
            .label(label)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], col.stroke_width(2)));
    }
    let truth: [Pick; 2] = [
        (
            "exact: largest positive eigenvalue",
            |p| p.max_positive,
            color(2),
        ),
        (
            "exact: largest |negative| eigenvalue",
            |p| p.max_negative,
            color(3),
        ),
    ];
    for (label, pick, col) in truth {
        let pts: Vec<(f64, f64)> = fig
            .sweep
            .iter()
            .map(|p| (p.lambda, pick(p)))
            .filter(|p| p.1 > 0.0)
            .collect();
        if pts.is_empty() {
            continue;
        }
        chart
            .draw_series(LineSeries::new(pts.clone(), col.stroke_width(2)).point_size(3))
            .map_err(err)?
            .label(label)
            .legend(move |(x, y)| Circle::new((x + 8, y), 3, col.filled()));
    }
    let cross = c.crossing();
    if cross.is_finite() && cross > 0.0 {
        chart
            .draw_series(std::iter::once(Circle::new(
                (cross, c.linear(cross)),
                6,
                BLACK.stroke_width(2),
            )))
            .map_err(err)?
            .label(format!("Eq. 65 crossing lambda = {cross:.4}"))
            .legend(|(x, y)| Circle::new((x + 8, y), 5, BLACK.stroke_width(2)));
    }
    let now = fig.current;
    chart
        .draw_series(LineSeries::new(
            vec![(now, y_lo), (now, y_hi)],
            BLACK.mix(0.4).stroke_width(1),
        ))
        .map_err(err)?
        .label(format!("current lambda = {now:.4}"))
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], BLACK.mix(0.4)));
    // Dots: positive blue, negative red (the lab's strip uses the same colours).
    let (pos, neg) = (color(0), color(1));
    chart
        .draw_series(
            fig.spectrum
                .eigenvalues
                .iter()
                .filter(|v| v.abs() > 0.0)
                .map(|&v| {
                    let col = if v > 0.0 { pos } else { neg };
                    Circle::new((now, v.abs()), 2, col.mix(0.5).filled())
                }),
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
