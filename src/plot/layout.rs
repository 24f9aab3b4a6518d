//! What the charts draw, computed apart from the drawing: axis ranges, the lines with their legends
//! and colours. Pure functions of the data, tested here; [`super::draw_curves`] and
//! [`super::draw_figure5`] only apply styles to them.

use super::theme::Palette;
use super::ticks::compact_sig;
use super::{CurvePoint, Series, XAxis};
use crate::lab::figure5::{log_grid, ExactPoint, Figure5};
use plotters::style::RGBColor;

/// A labelled line of a chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Curve {
    pub label: String,
    pub points: Vec<(f64, f64)>,
    pub color: RGBColor,
}

/// One run's line on a panel of [`super::draw_curves`].
#[derive(Debug, Clone, PartialEq)]
pub struct RunLine {
    pub label: String,
    pub color: RGBColor,
    /// An earlier run, drawn faint and without a legend entry of its own.
    pub faint: bool,
    /// `(x, y)` in the panel's units (log10 where the axis is logarithmic), finite values only, a
    /// value above the panel's range drawn at its top edge ([`OffScale`]) (an earlier run's value
    /// below it at its bottom edge: the range follows the current runs).
    pub points: Vec<(f64, f64)>,
    /// The index in the series' points of each of `points` (for the hover readout).
    pub index: Vec<usize>,
}

/// Where a run's values leave the top of a panel: the first such point, drawn at the edge with
/// the largest value beyond it in words.
#[derive(Debug, Clone, PartialEq)]
pub struct OffScale {
    pub x: f64,
    /// The largest value off the scale, in the quantity's own units (not log10).
    pub max: f64,
    pub color: RGBColor,
}

/// One panel of [`super::draw_curves`]: what it shows, on which vertical range.
#[derive(Debug, Clone, PartialEq)]
pub struct CurvesPanel {
    pub caption: &'static str,
    pub y_range: (f64, f64),
    /// The values are `log10` of the quantity (the labels show `10^v`).
    pub log10: bool,
    /// One line per series.
    pub lines: Vec<RunLine>,
    /// The current (not faint) runs whose values go above `y_range`.
    pub off_scale: Vec<OffScale>,
}

/// A run paused for diverging: the x of the pause (in the x axis's units) and the run's colour.
#[derive(Debug, Clone, PartialEq)]
pub struct DivergenceMark {
    pub x: f64,
    pub label: String,
    pub color: RGBColor,
}

/// Everything [`super::draw_curves`] draws, computed from the series alone.
#[derive(Debug, Clone, PartialEq)]
pub struct CurvesLayout {
    /// The horizontal range (log10 of the quantity when `log_x`).
    pub x_range: (f64, f64),
    pub log_x: bool,
    pub x_desc: String,
    /// Cost (log scale), training accuracy %, validation accuracy %.
    pub panels: Vec<CurvesPanel>,
    /// The legend, drawn above the panels: each current run, then "earlier runs" when there are.
    pub legend: Vec<(String, RGBColor, bool)>,
    pub divergences: Vec<DivergenceMark>,
}

/// A run's drawn points on one panel and their indices in its series.
type Picked = (Vec<(f64, f64)>, Vec<usize>);

/// How many decades above a run's lower-quartile cost the cost panel reaches at most: values
/// beyond it are "off scale" ([`OffScale`]) instead of squeezing the healthy runs into a line.
pub const HEALTHY_DECADES: f64 = 2.0;

/// The lower quartile of `v` (not empty).
fn lower_quartile(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    s[(s.len() - 1) / 4]
}

/// The cost panel's range in log10 units, on whole decades: from the smallest value up to the
/// largest one, but at most [`HEALTHY_DECADES`] above the highest lower quartile of any one run
/// (so a run that blows up does not flatten the others); -2..0 when there is nothing to show.
pub fn cost_range(lines: &[Vec<f64>]) -> (f64, f64) {
    let all = || lines.iter().flatten().copied();
    let lo = all().fold(f64::INFINITY, f64::min);
    let max = all().fold(f64::NEG_INFINITY, f64::max);
    if !(lo.is_finite() && max.is_finite()) {
        return (-2.0, 0.0);
    }
    let ceiling = lines
        .iter()
        .filter(|l| !l.is_empty())
        .map(|l| lower_quartile(l))
        .fold(f64::NEG_INFINITY, f64::max)
        + HEALTHY_DECADES;
    // A tenth of a decade of room, except at the ceiling (values beyond it are off scale).
    let hi = if max > ceiling {
        ceiling.ceil()
    } else {
        (max + 0.1).ceil()
    };
    let lo = (lo - 0.1).floor();
    (lo, hi.max(lo + 1.0) + 0.0)
}

/// The layout of Figures 6/7. The cost spans orders of magnitude when a run blows up, so it is
/// shown as `log10(cost)` on whole decades ([`cost_range`]); the accuracies are percentages on
/// 0..100. With `log_x` the x axis is `log10` of patterns (or seconds), points at 0 left out.
/// The x range is the data's (0..1000 patterns or 0..10 s, or 100..10k on a log axis, when
/// there is none). The colours are `palette`'s.
pub fn curves_layout(
    series: &[Series],
    x_axis: XAxis,
    log_x: bool,
    palette: &Palette,
) -> CurvesLayout {
    let color = |i| palette.color(i);
    let fx = |v: f64| {
        if log_x {
            (v > 0.0).then(|| v.log10())
        } else {
            Some(v)
        }
    };
    let xs: Vec<f64> = series
        .iter()
        .flat_map(|s| s.points.iter().filter_map(|p| fx(x_axis.of(p))))
        .filter(|v| v.is_finite())
        .collect();
    let x_lo = xs.iter().copied().fold(f64::INFINITY, f64::min);
    let x_hi = xs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let x_range = match (log_x, x_hi > x_lo) {
        (false, _) if x_hi > 0.0 => (0.0, x_hi),
        (false, _) => (0.0, x_axis.empty_max()),
        (true, true) => (x_lo.floor(), x_hi.max(x_lo.floor() + 1.0)),
        (true, false) if x_hi.is_finite() => (x_hi.floor(), x_hi.floor() + 1.0),
        (true, false) => (
            x_axis.empty_max().log10() - 2.0,
            x_axis.empty_max().log10() + 1.0,
        ),
    };
    // The colour of a current run by position; an earlier run takes the colour of the current
    // run with its label (grey when there is none).
    let current: Vec<&Series> = series.iter().filter(|s| !s.faint).collect();
    let color_of = |s: &Series| match current.iter().position(|c| c.label == s.label) {
        Some(i) => color(i),
        None if s.faint => palette.earlier,
        None => color(current.len()),
    };
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
            let raw: Vec<Picked> = series
                .iter()
                .map(|s| {
                    s.points
                        .iter()
                        .enumerate()
                        .filter_map(|(i, p)| {
                            let v = pick(p).filter(|v| v.is_finite())?;
                            let x = fx(x_axis.of(p)).filter(|x| x.is_finite())?;
                            Some(((x, v), i))
                        })
                        .unzip()
                })
                .collect();
            let log10 = caption.starts_with("cost");
            let y_range = if log10 {
                let ys: Vec<Vec<f64>> = raw
                    .iter()
                    .zip(series)
                    .filter(|(_, s)| !s.faint)
                    .map(|((pts, _), _)| pts.iter().map(|p| p.1).collect())
                    .collect();
                cost_range(&ys)
            } else {
                (0.0, 100.0)
            };
            let mut off_scale = Vec::new();
            let lines = raw
                .into_iter()
                .zip(series)
                .map(|((points, index), s)| {
                    let color = color_of(s);
                    let above: Vec<&(f64, f64)> =
                        points.iter().filter(|p| p.1 > y_range.1).collect();
                    if let (Some(first), false) = (above.first(), s.faint) {
                        let max = above.iter().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max);
                        off_scale.push(OffScale {
                            x: first.0,
                            max: if log10 { 10f64.powf(max) } else { max },
                            color,
                        });
                    }
                    RunLine {
                        label: s.label.to_string(),
                        color,
                        faint: s.faint,
                        points: points
                            .into_iter()
                            .map(|(x, y)| (x, y.clamp(y_range.0, y_range.1)))
                            .collect(),
                        index,
                    }
                })
                .collect();
            CurvesPanel {
                caption,
                y_range,
                log10,
                lines,
                off_scale,
            }
        })
        .collect();
    let mut legend: Vec<(String, RGBColor, bool)> = current
        .iter()
        .map(|s| (s.label.to_string(), color_of(s), false))
        .collect();
    if series.iter().any(|s| s.faint) {
        legend.push(("earlier runs".to_string(), palette.earlier, true));
    }
    let divergences = current
        .iter()
        .filter_map(|s| {
            let at = s.diverged_at?;
            // The first point at or after the pause (the pause's own point), else the last.
            let p = s
                .points
                .iter()
                .find(|p| p.samples >= at)
                .or(s.points.last());
            let x = match (x_axis, p) {
                (XAxis::Samples, _) => at as f64,
                (XAxis::Seconds, Some(p)) => p.seconds,
                (XAxis::Seconds, None) => return None,
            };
            let x = fx(x)?;
            Some(DivergenceMark {
                x,
                label: format!("{} diverged", s.label),
                color: color_of(s),
            })
        })
        .collect();
    CurvesLayout {
        x_range,
        log_x,
        x_desc: if log_x {
            format!("{} (log scale)", x_axis.name())
        } else {
            x_axis.name().to_string()
        },
        panels,
        legend,
        divergences,
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
    /// The current lambda_k (a vertical line across `y_range`, none at 0) and its legend.
    pub current: (f64, String),
    /// Every nonzero eigenvalue at the current lambda_k as `(lambda_k, |mu|)`, coloured by sign.
    pub eigenvalues: Vec<((f64, f64), RGBColor)>,
}

/// `n` in Unicode subscript digits (`12` -> `₁₂`): the layer index in a canvas label, typeset as
/// the page's MathML writes it (the canvas draws text, not markup).
pub fn subscript(n: usize) -> String {
    n.to_string()
        .chars()
        .map(|c| char::from_u32(0x2080 + c.to_digit(10).unwrap_or(0)).unwrap_or(c))
        .collect()
}

/// The layout of Figure 5 ([`super::draw_figure5`]); positive eigenvalues take family 1's colour and
/// negative ones family 2's (the lab's strip uses the same colours), all from `palette`.
pub fn figure5_layout(fig: &Figure5, palette: &Palette) -> Figure5Layout {
    let color = |i| palette.color(i);
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
            format!("Eq. 62 family 1: λ‖F′(a{})‖∞²", subscript(k)),
            &|l| c.linear(l),
            color(0),
        ),
        family(
            format!("Eq. 62 family 2: ‖F′(a{0}) ⊙ b{0}‖² / λ", subscript(k + 1)),
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
        x_desc: format!("λ{}", subscript(k)),
        families,
        exact,
        crossing: (cross.is_finite() && cross > 0.0).then(|| {
            (
                (cross, c.linear(cross)),
                format!(
                    "Eq. 65 crossing λ{} = {}",
                    subscript(k),
                    compact_sig(cross, 4)
                ),
            )
        }),
        // lambda_k = 0 (the plain loss) is off the log axis, and family 2 is undefined there: no
        // line, no dots, the legend says so.
        current: (
            now,
            if now > 0.0 {
                format!("current λ{} = {}", subscript(k), compact_sig(now, 4))
            } else {
                format!(
                    "λ{} = 0 (plain loss): off this axis; family 2 undefined",
                    subscript(k)
                )
            },
        ),
        eigenvalues: fig
            .spectrum
            .eigenvalues
            .iter()
            .filter(|v| now > 0.0 && v.abs() > 0.0)
            .map(|&v| ((now, v.abs()), if v > 0.0 { color(0) } else { color(1) }))
            .collect(),
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::lab::figure5::ExactPoint;
    use crate::paper_spectrum::Figure5Curves;
    use crate::plot::Theme;
    use crate::spectrum::ExactSpectrum;

    /// The light theme's colour of series `i`.
    fn color(i: usize) -> RGBColor {
        Theme::Light.palette().color(i)
    }

    fn light() -> &'static Palette {
        Theme::Light.palette()
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-12 * b.abs().max(1e-300)
    }

    /// A Figure 5 of `layer` with families 4λ and `numerator`/λ, three eigenvalues at λ = 0.7
    /// (also the drawing tests' figure, src/plot.rs).
    pub(in crate::plot) fn figure(layer: usize, numerator: f64, sweep: Vec<ExactPoint>) -> Figure5 {
        Figure5 {
            layer,
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
    fn subscript_writes_each_digit_below_the_line() {
        assert_eq!(subscript(1), "₁");
        assert_eq!(subscript(12), "₁₂");
        assert_eq!(subscript(0), "₀");
    }

    #[test]
    fn figure5_layout_fits_every_positive_value_and_names_each_line() {
        let point = |lambda, max_positive| ExactPoint {
            lambda,
            max_positive,
            max_negative: 0.0,
        };
        let l = figure5_layout(
            &figure(2, 9.0, vec![point(0.1, 1.0), point(10.0, 50.0)]),
            light(),
        );
        assert_eq!(l.x_range, (1e-4, 1e4));
        // Smallest value 4 * 1e-4 (family 1 at 1e-4), largest 9 / 1e-4 (family 2): margin 2.
        let (y_lo, y_hi) = l.y_range;
        assert!(
            close(y_lo, 2e-4) && close(y_hi, 1.8e5),
            "y range {:?}",
            l.y_range
        );
        assert_eq!(l.x_desc, "λ₂");
        let [f1, f2] = &l.families;
        assert_eq!((f1.points.len(), f2.points.len()), (81, 81));
        assert!(
            close(f1.points[80].1, 4e4),
            "family 1 ends at {:?}",
            f1.points[80]
        );
        assert_eq!(f1.label, "Eq. 62 family 1: λ‖F′(a₂)‖∞²");
        assert_eq!(f2.label, "Eq. 62 family 2: ‖F′(a₃) ⊙ b₃‖² / λ");
        assert_eq!((f1.color, f2.color), (color(0), color(1)));
        // The |negative| extremes are all 0 along this sweep: that line is left out.
        assert_eq!(l.exact.len(), 1, "exact lines {:?}", l.exact);
        assert_eq!(l.exact[0].label, "exact: largest positive eigenvalue");
        assert_eq!(l.exact[0].points, vec![(0.1, 1.0), (10.0, 50.0)]);
        let ((x, y), label) = l.crossing.clone().expect("a crossing");
        assert!(close(x, 1.5) && close(y, 6.0), "crossing at ({x}, {y})");
        assert_eq!(label, "Eq. 65 crossing λ₂ = 1.5");
        assert_eq!(l.current, (0.7, "current λ₂ = 0.7".to_string()));
        let dots = vec![
            ((0.7, 3.0), color(1)),
            ((0.7, 0.5), color(0)),
            ((0.7, 2.0), color(0)),
        ];
        assert_eq!(l.eigenvalues, dots);
    }

    #[test]
    fn figure5_layout_at_lambda_zero_draws_no_current_line_or_dots_and_says_family_2_is_undefined()
    {
        let mut f = figure(2, 9.0, Vec::new());
        f.current = 0.0;
        let l = figure5_layout(&f, light());
        assert!(
            l.eigenvalues.is_empty(),
            "dots at lambda = 0: {:?}",
            l.eigenvalues
        );
        assert_eq!(
            l.current,
            (
                0.0,
                "λ₂ = 0 (plain loss): off this axis; family 2 undefined".to_string()
            )
        );
    }

    #[test]
    fn figure5_layout_without_a_hyperbolic_family_has_no_crossing() {
        let l = figure5_layout(&figure(2, 0.0, Vec::new()), light());
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

    fn run<'a>(label: &'a str, points: &'a [CurvePoint]) -> Series<'a> {
        Series {
            label,
            points,
            faint: false,
            diverged_at: None,
        }
    }

    #[test]
    fn curves_layout_takes_whole_decades_of_the_cost_and_percentages() {
        let a = [point(0, 0.5, Some(0.1)), point(100, 0.002, None)];
        let b = [point(50, 0.0, None), point(300, f64::INFINITY, Some(0.9))];
        let series = [run("a", &a), run("b", &b)];
        let l = curves_layout(&series, XAxis::Samples, false, light());
        assert_eq!(
            (l.x_range, l.x_desc.as_str()),
            ((0.0, 300.0), "patterns seen")
        );
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
        assert!(cost.log10);
        assert_eq!(cost.y_range, (-3.0, 0.0));
        assert_eq!(cost.lines[0].points.len(), 2);
        assert_eq!(cost.lines[0].index, vec![0, 1]);
        assert!(cost.lines[1].points.is_empty(), "{:?}", cost.lines[1]);
        assert!(cost.off_scale.is_empty(), "{:?}", cost.off_scale);
        let validation = &l.panels[2];
        assert!(!validation.log10);
        assert_eq!(validation.y_range, (0.0, 100.0));
        assert_eq!(validation.lines[0].points, vec![(0.0, 10.0)]);
        assert_eq!(validation.lines[1].points, vec![(300.0, 90.0)]);
        assert_eq!(validation.lines[1].index, vec![1]);
        assert_eq!(
            (
                validation.lines[1].label.as_str(),
                validation.lines[1].color
            ),
            ("b", color(1))
        );
        let legend: Vec<_> = l.legend.iter().map(|e| e.0.as_str()).collect();
        assert_eq!(legend, ["a", "b"]);
    }

    #[test]
    fn curves_layout_of_nothing_has_round_axes_and_a_default_cost_range() {
        let l = curves_layout(&[], XAxis::Seconds, false, light());
        assert_eq!((l.x_range, l.x_desc.as_str()), ((0.0, 10.0), "seconds"));
        let l = curves_layout(&[], XAxis::Samples, false, light());
        assert_eq!(l.x_range, (0.0, 1000.0));
        assert_eq!(l.panels[0].y_range, (-2.0, 0.0));
        assert!(l.panels.iter().all(|p| p.lines.is_empty()));
        let log = curves_layout(&[], XAxis::Samples, true, light());
        assert_eq!(log.x_range, (1.0, 4.0));
        assert_eq!(log.x_desc, "patterns seen (log scale)");
    }

    #[test]
    fn a_diverged_run_goes_off_scale_instead_of_flattening_the_healthy_one() {
        let healthy: Vec<CurvePoint> = (1..=40)
            .map(|i| point(i * 1000, 0.5 / i as f64, None))
            .collect();
        let mut blown: Vec<CurvePoint> = (1..=36)
            .map(|i| point(i * 1000, 0.3 / i as f64, None))
            .collect();
        blown.extend([point(37_000, 4e12, None), point(38_000, 6e18, None)]);
        let mut mk = run("MK", &blown);
        mk.diverged_at = Some(38_000);
        let l = curves_layout(&[run("SGD", &healthy), mk], XAxis::Samples, false, light());
        let cost = &l.panels[0];
        // From log10 0.3/36 = -2.08 (to -3) up to at most 2 decades above the higher lower
        // quartile (SGD's log10 0.5/31 = -1.79, so 0.21, to 1): 1e-3..10, nowhere near 6e18.
        assert_eq!(cost.y_range, (-3.0, 1.0));
        let off = &cost.off_scale;
        assert_eq!(off.len(), 1, "one off-scale mark: {off:?}");
        assert_eq!((off[0].x, off[0].color), (37_000.0, color(1)));
        assert!(
            close(off[0].max, 6e18),
            "largest value off the scale {}",
            off[0].max
        );
        let top = cost.lines[1]
            .points
            .iter()
            .map(|p| p.1)
            .fold(f64::NEG_INFINITY, f64::max);
        assert_eq!(top, 1.0, "the off-scale values are drawn at the top edge");
        assert_eq!(
            l.divergences,
            vec![DivergenceMark {
                x: 38_000.0,
                label: "MK diverged".to_string(),
                color: color(1)
            }]
        );
        let by_seconds = curves_layout(
            &[run("SGD", &healthy), run("MK", &blown)],
            XAxis::Seconds,
            false,
            light(),
        );
        assert!(by_seconds.divergences.is_empty());
    }

    #[test]
    fn cost_range_follows_every_run_that_stays_within_two_decades() {
        // A run that rises from 0.1 to 5 (1.7 decades above its quartile) stays on the scale.
        let rising = vec![-1.0, -1.0, -1.0, -0.5, 0.0, 0.7];
        assert_eq!(cost_range(&[rising]), (-2.0, 1.0));
        assert_eq!(cost_range(&[vec![], vec![]]), (-2.0, 0.0));
        assert_eq!(cost_range(&[vec![-1.0, -1.0, -1.0, 27.0]]), (-2.0, 1.0));
    }

    #[test]
    fn log_x_drops_zero_and_earlier_runs_are_faint_in_their_runs_colour() {
        let now = [
            point(0, 0.5, None),
            point(1000, 0.4, None),
            point(60_000, 0.1, None),
        ];
        let before = [point(2000, 0.3, None), point(30_000, 1e9, None)];
        let mut earlier = run("SGD", &before);
        earlier.faint = true;
        let l = curves_layout(&[run("SGD", &now), earlier], XAxis::Samples, true, light());
        assert!(l.log_x);
        let (lo, hi) = l.x_range;
        assert!(
            lo == 3.0 && (hi - 60_000f64.log10()).abs() < 1e-12,
            "x range {:?}",
            l.x_range
        );
        let cost = &l.panels[0];
        assert_eq!(
            cost.lines[0].index,
            vec![1, 2],
            "the point at 0 patterns is left out"
        );
        assert!(cost.lines[1].faint && cost.lines[1].color == color(0));
        // The faint run neither sets the range (0.1..0.4 gives 1e-2..1) nor gets an off-scale mark.
        assert_eq!(cost.y_range, (-2.0, 0.0));
        assert!(cost.off_scale.is_empty(), "{:?}", cost.off_scale);
        let legend: Vec<_> = l.legend.iter().map(|e| (e.0.as_str(), e.2)).collect();
        assert_eq!(legend, [("SGD", false), ("earlier runs", true)]);
    }
}
