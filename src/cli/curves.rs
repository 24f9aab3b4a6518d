//! The curve CSV that `train` and `compare` write and `plot` reads, one row per recorded point:
//! `run,samples,seconds,cost,train_accuracy,validation_accuracy` (the run's label may contain
//! commas, so a row is split from the right), and the Figures 6/7 chart of labelled runs.

use crate::error::{bad_file, fs, CliError, Result};
use sifrian::plot::{curves_svg, CurvePoint, Series};
use std::fmt::Write as _;
use std::path::Path;

/// The CSV's first line.
const HEADER: &str = "run,samples,seconds,cost,train_accuracy,validation_accuracy";

/// A run's label and its recorded points.
pub type Run = (String, Vec<CurvePoint>);

/// The CSV of `runs`.
fn csv(runs: &[Run]) -> String {
    let mut csv = format!("{HEADER}\n");
    for (label, points) in runs {
        for p in points {
            let val = p
                .validation_accuracy
                .map(|v| v.to_string())
                .unwrap_or_default();
            writeln!(
                csv,
                "{label},{},{:.3},{},{},{val}",
                p.samples, p.seconds, p.cost, p.train_accuracy
            )
            .expect("writing to a String");
        }
    }
    csv
}

/// Reads a curve CSV: `(run label, point)` per row.
pub fn read_csv(path: &Path) -> Result<Vec<(String, CurvePoint)>> {
    let text = fs::read_to_string(path)?;
    let mut lines = text.lines();
    if lines.next() != Some(HEADER) {
        return Err(bad_file(path, None, "not a curve CSV (unexpected header)"));
    }
    lines
        .enumerate()
        .map(|(i, line)| {
            let bad = || bad_file(path, Some(i + 2), format!("malformed row {line:?}"));
            let f: Vec<&str> = line.rsplitn(6, ',').collect();
            if f.len() != 6 {
                return Err(bad());
            }
            let num = |s: &str| s.parse::<f64>().map_err(|_| bad());
            Ok((
                f[5].to_string(),
                CurvePoint {
                    samples: f[4].parse().map_err(|_| bad())?,
                    seconds: num(f[3])?,
                    cost: num(f[2])?,
                    train_accuracy: num(f[1])?,
                    validation_accuracy: if f[0].is_empty() {
                        None
                    } else {
                        Some(num(f[0])?)
                    },
                },
            ))
        })
        .collect()
}

/// The Figures 6/7 chart of labelled runs as an SVG string.
pub fn runs_svg(title: &str, runs: &[Run]) -> Result<String> {
    let series: Vec<Series> = runs.iter().map(|(l, p)| Series::new(l, p)).collect();
    curves_svg((1200, 400), title, &series).map_err(CliError::chart)
}

/// Writes `<out>/<name>.csv` and `<out>/<name>.svg`; returns a line per run (its last point) and
/// the paths written.
pub fn write_outputs(out: &Path, name: &str, title: &str, runs: &[Run]) -> Result<String> {
    fs::create_dir_all(out)?;
    let svg = runs_svg(title, runs)?;
    let (csv_path, svg_path) = (
        out.join(format!("{name}.csv")),
        out.join(format!("{name}.svg")),
    );
    fs::write(&csv_path, csv(runs))?;
    fs::write(&svg_path, svg)?;
    let mut summary = String::new();
    for (label, points) in runs {
        if let Some(p) = points.last() {
            writeln!(
                summary,
                "{label}: {} patterns, cost {:.4}, training accuracy {:.2}%, \
                 validation accuracy {:.2}%, {:.1} s",
                p.samples,
                p.cost,
                100.0 * p.train_accuracy,
                100.0 * p.validation_accuracy.unwrap_or(f64::NAN),
                p.seconds
            )
            .expect("writing to a String");
        }
    }
    writeln!(
        summary,
        "wrote {} and {}",
        csv_path.display(),
        svg_path.display()
    )
    .expect("writing to a String");
    Ok(summary)
}
