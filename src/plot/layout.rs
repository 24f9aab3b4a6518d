//! What the charts draw, computed apart from the drawing: axis ranges, the lines with their legends
//! and colours. Pure functions of the data, tested here; [`super::draw_curves`] and
//! [`super::draw_figure5`] only apply styles to them.

use super::{color, CurvePoint, Series, XAxis};
use crate::lab::figure5::{log_grid, ExactPoint, Figure5};
use plotters::style::RGBColor;

/// A labelled line of a chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Curve {
    pub label: String,
    pub points: Vec<(f64, f64)>,
    pub color: RGBColor,
}

/// One panel of [`super::draw_curves`]: what it shows, on which vertical range.
#[derive(Debug, Clone, PartialEq)]
pub struct CurvesPanel {
    pub caption: &'static str,
    pub y_range: (f64, f64),
    /// The values are `log10` of the quantity (the labels show `10^v`).
    pub log10: bool,
    /// One line per series, finite values only.
    pub lines: Vec<Curve>,
    /// Whether the panel draws the legend (the accuracy panels do).
    pub legend: bool,
}

/// Everything [`super::draw_curves`] draws, computed from the series alone.
#[derive(Debug, Clone, PartialEq)]
pub struct CurvesLayout {
    /// The horizontal axis runs from 0 to `x_max` (1 when there is nothing to show).
    pub x_max: f64,
    pub x_desc: &'static str,
    /// Cost (log scale), training accuracy %, validation accuracy %.
    pub panels: Vec<CurvesPanel>,
}

/// The layout of Figures 6/7: the cost spans orders of magnitude when a run blows up, so it is
/// shown as `log10(cost)` on whole decades around its finite values (-2..0 when there are none);
/// the accuracies are percentages on 0..100.
pub fn curves_layout(series: &[Series], x_axis: XAxis) -> CurvesLayout {
    let x_max = series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| x_axis.of(p)))
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max);
    type Value = fn(&CurvePoint) -> Option<f64>;
    let picks: [(&str, Value); 3] = [
        ("cost (log scale)", |p| {
            Some(p.cost).filter(|c| *c > 0.0).map(f64::log10)
        }),
        ("training accuracy %", |p| Some(100.0 * p.train_accuracy)),
        ("validation accuracy %", |p| {
            p.validation_accuracy.map(|a| 100.0 * a)
        }),
    ];
    let panels = picks
        .into_iter()
        .map(|(caption, pick)| {
            let lines: Vec<Curve> = series
                .iter()
                .enumerate()
                .map(|(i, s)| Curve {
                    label: s.label.to_string(),
                    points: s
                        .points
                        .iter()
                        .filter_map(|p| {
                            pick(p).filter(|v| v.is_finite()).map(|v| (x_axis.of(p), v))
                        })
                        .collect(),
                    color: color(i),
                })
                .collect();
            let log10 = caption.starts_with("cost");
            let y_range = if log10 {
                let values = lines.iter().flat_map(|l| l.points.iter().map(|p| p.1));
                let lo = values.clone().fold(f64::INFINITY, f64::min);
                let hi = values.fold(f64::NEG_INFINITY, f64::max);
                if lo.is_finite() && hi.is_finite() {
                    ((lo - 0.1).floor(), (hi + 0.1).ceil().max(lo.floor() + 1.0))
                } else {
                    (-2.0, 0.0)
                }
            } else {
                (0.0, 100.0)
            };
            CurvesPanel {
                caption,
                y_range,
                log10,
                lines,
                legend: !log10,
            }
        })
        .collect();
    CurvesLayout {
        x_max: if x_max > 0.0 { x_max } else { 1.0 },
        x_desc: x_axis.name(),
        panels,
    }
}

/// Everything [`super::draw_figure5`] draws, computed from the Figure 5 data alone. Both axes are
/// logarithmic.
#[derive(Debug, Clone, PartialEq)]
pub struct Figure5Layout {
    /// The lambda_k axis, 1e-4..1e4.
    pub x_range: (f64, f64),
    /// The |eigenvalue| axis: every positive value drawn fits, with a factor 2 of margin.
    pub y_range: (f64, f64),
    pub x_desc: String,
    /// Eq. 62's two families on 81 log-spaced lambdas (positive values only).
    pub families: [Curve; 2],
    /// The exact extremes along the sweep (positive values only); a pick with none is left out.
    pub exact: Vec<Curve>,
    /// Eq. 65's crossing on family 1 and its legend, when it is finite and > 0.
    pub crossing: Option<((f64, f64), String)>,
    /// The current lambda_k (a vertical line across `y_range`) and its legend.
    pub current: (f64, String),
    /// Every nonzero eigenvalue at the current lambda_k as `(lambda_k, |mu|)`, coloured by sign.
    pub eigenvalues: Vec<((f64, f64), RGBColor)>,
}

/// The layout of Figure 5 ([`super::draw_figure5`]); positive eigenvalues take family 1's colour and
/// negative ones family 2's (the lab's strip uses the same colours).
pub fn figure5_layout(fig: &Figure5) -> Figure5Layout {
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
    let k = fig.layer;
    let family = |label: String, f: &dyn Fn(f64) -> f64, color: RGBColor| Curve {
        label,
        points: grid
            .iter()
            .map(|&l| (l, f(l)))
            .filter(|p| p.1 > 0.0)
            .collect(),
        color,
    };
    let families = [
        family(
            format!("Eq. 62 family 1: lambda ||F'(a_{k})||_inf^2"),
            &|l| c.linear(l),
            color(0),
        ),
        family(
            format!(
                "Eq. 62 family 2: ||F'(a_{}) .* b_{}||^2 / lambda",
                k + 1,
                k + 1
            ),
            &|l| c.hyperbolic(l),
            color(1),
        ),
    ];
    type Pick = (&'static str, fn(&ExactPoint) -> f64, RGBColor);
    let picks: [Pick; 2] = [
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
    let exact = picks
        .into_iter()
        .map(|(label, pick, color)| Curve {
            label: label.to_string(),
            points: fig
                .sweep
                .iter()
                .map(|p| (p.lambda, pick(p)))
                .filter(|p| p.1 > 0.0)
                .collect(),
            color,
        })
        .filter(|curve| !curve.points.is_empty())
        .collect();
    let cross = c.crossing();
    let now = fig.current;
    Figure5Layout {
        x_range: (lo, hi),
        y_range: (y_lo, y_hi),
        x_desc: format!("lambda_{k}"),
        families,
        exact,
        crossing: (cross.is_finite() && cross > 0.0).then(|| {
            (
                (cross, c.linear(cross)),
                format!("Eq. 65 crossing lambda = {cross:.4}"),
            )
        }),
        current: (now, format!("current lambda = {now:.4}")),
        eigenvalues: fig
            .spectrum
            .eigenvalues
            .iter()
            .filter(|v| v.abs() > 0.0)
            .map(|&v| ((now, v.abs()), if v > 0.0 { color(0) } else { color(1) }))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lab::figure5::ExactPoint;
    use crate::paper_spectrum::Figure5Curves;
    use crate::spectrum::ExactSpectrum;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-12 * b.abs()
    }

    fn figure(numerator: f64, sweep: Vec<ExactPoint>) -> Figure5 {
        Figure5 {
            layer: 2,
            curves: Figure5Curves {
                slope: 4.0,
                numerator,
            },
            current: 0.7,
            spectrum: ExactSpectrum {
                eigenvalues: vec![-3.0, 0.5, 2.0],
                positive: 2,
                negative: 1,
                zero: 10,
                radius: 3.0,
            },
            sweep,
        }
    }

    #[test]
    fn figure5_layout_fits_every_positive_value_and_names_each_line() {
        let point = |lambda, max_positive| ExactPoint {
            lambda,
            max_positive,
            max_negative: 0.0,
        };
        let l = figure5_layout(&figure(9.0, vec![point(0.1, 1.0), point(10.0, 50.0)]));
        assert_eq!(l.x_range, (1e-4, 1e4));
        // Smallest value 4 * 1e-4 (family 1 at 1e-4), largest 9 / 1e-4 (family 2): margin 2.
        let (y_lo, y_hi) = l.y_range;
        assert!(
            close(y_lo, 2e-4) && close(y_hi, 1.8e5),
            "y range {:?}",
            l.y_range
        );
        assert_eq!(l.x_desc, "lambda_2");
        let [f1, f2] = &l.families;
        assert_eq!((f1.points.len(), f2.points.len()), (81, 81));
        assert!(
            close(f1.points[80].1, 4e4),
            "family 1 ends at {:?}",
            f1.points[80]
        );
        assert_eq!(f1.label, "Eq. 62 family 1: lambda ||F'(a_2)||_inf^2");
        assert_eq!(f2.label, "Eq. 62 family 2: ||F'(a_3) .* b_3||^2 / lambda");
        assert_eq!((f1.color, f2.color), (color(0), color(1)));
        // The |negative| extremes are all 0 along this sweep: that line is left out.
        assert_eq!(l.exact.len(), 1, "exact lines {:?}", l.exact);
        assert_eq!(l.exact[0].label, "exact: largest positive eigenvalue");
        assert_eq!(l.exact[0].points, vec![(0.1, 1.0), (10.0, 50.0)]);
        let ((x, y), label) = l.crossing.clone().expect("a crossing");
        assert!(close(x, 1.5) && close(y, 6.0), "crossing at ({x}, {y})");
        assert_eq!(label, "Eq. 65 crossing lambda = 1.5000");
        assert_eq!(l.current, (0.7, "current lambda = 0.7000".to_string()));
        let dots = vec![
            ((0.7, 3.0), color(1)),
            ((0.7, 0.5), color(0)),
            ((0.7, 2.0), color(0)),
        ];
        assert_eq!(l.eigenvalues, dots);
    }

    #[test]
    fn figure5_layout_without_a_hyperbolic_family_has_no_crossing() {
        let l = figure5_layout(&figure(0.0, Vec::new()));
        assert!(l.families[1].points.is_empty(), "{:?}", l.families[1]);
        assert_eq!(l.crossing, None);
        assert!(l.exact.is_empty());
        // From 0.5 (the smallest |eigenvalue|) up to family 1's 4e4.
        assert!(
            close(l.y_range.0, 2e-4) && close(l.y_range.1, 8e4),
            "{:?}",
            l.y_range
        );
    }

    fn point(samples: u64, cost: f64, validation: Option<f64>) -> CurvePoint {
        CurvePoint {
            samples,
            seconds: samples as f64 / 10.0,
            cost,
            train_accuracy: 0.5,
            validation_accuracy: validation,
        }
    }

    #[test]
    fn curves_layout_takes_whole_decades_of_the_cost_and_percentages() {
        let a = [point(0, 0.5, Some(0.1)), point(100, 0.002, None)];
        let b = [point(50, 0.0, None), point(300, f64::INFINITY, Some(0.9))];
        let series = [
            Series {
                label: "a",
                points: &a,
            },
            Series {
                label: "b",
                points: &b,
            },
        ];
        let l = curves_layout(&series, XAxis::Samples);
        assert_eq!((l.x_max, l.x_desc), (300.0, "patterns seen"));
        let captions: Vec<_> = l.panels.iter().map(|p| p.caption).collect();
        assert_eq!(
            captions,
            [
                "cost (log scale)",
                "training accuracy %",
                "validation accuracy %"
            ]
        );
        let cost = &l.panels[0];
        // log10 of 0.002 and 0.5 (0 and Inf are not drawn): -2.7 .. -0.3, widened to decades.
        assert!(cost.log10 && !cost.legend);
        assert_eq!(cost.y_range, (-3.0, 0.0));
        assert_eq!(cost.lines[0].points.len(), 2);
        assert!(cost.lines[1].points.is_empty(), "{:?}", cost.lines[1]);
        let validation = &l.panels[2];
        assert!(!validation.log10 && validation.legend);
        assert_eq!(validation.y_range, (0.0, 100.0));
        assert_eq!(validation.lines[0].points, vec![(0.0, 10.0)]);
        assert_eq!(validation.lines[1].points, vec![(300.0, 90.0)]);
        assert_eq!(
            (
                validation.lines[1].label.as_str(),
                validation.lines[1].color
            ),
            ("b", color(1))
        );
    }

    #[test]
    fn curves_layout_of_nothing_has_a_unit_axis_and_a_default_cost_range() {
        let l = curves_layout(&[], XAxis::Seconds);
        assert_eq!((l.x_max, l.x_desc), (1.0, "seconds"));
        assert_eq!(l.panels[0].y_range, (-2.0, 0.0));
        assert!(l.panels.iter().all(|p| p.lines.is_empty()));
    }
}
