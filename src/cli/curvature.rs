//! `sifrian curvature`: curvature over training ([`sifrian::train::Schedule`],
//! src/train/instruments.rs), one run per `--optimizer` from the same seed (so the same initial
//! weights and pattern order), written to one CSV, one row per sample:
//!
//! ```text
//! run,samples,pattern,loss,curvature,edge,radius,positive,negative,
//!   lambda_0..lambda_n, leaky_1..leaky_n, penalty_1..penalty_{n-1}, error_1..error_{n-1}
//! ```
//! `samples`: patterns trained before the sample; `loss`: the pattern's `1/2||d - x_n||^2` before
//! its step; `curvature`: `g^T H_0 g / ||g||^2` (per unit parameter step squared, the cost's
//! units); `edge`: `2 / step`; `radius`, `positive`, `negative`: the exact spectrum of `H_0` (empty
//! off the spectrum's schedule); `lambda_k`: the run's policy (Eq. 65); `leaky_k`: the share of
//! layer k's units with `a_k < 0` (0..1); `penalty_k`, `error_k`: `||lambda_k x_k||_2` and
//! `||W_{k+1}^T (d_{k+1} .* b_{k+1})||_2` in the adjoint (Eq. 19). No mathematics here.

use crate::args::{CurvatureArgs, NetArgs};
use crate::error::{fs, CliError, Result};
use crate::run::load;
use sifrian::catalog;
use sifrian::train::{Sample, Schedule, TrainConfig, Trainer};
use std::fmt::Write as _;
use std::rc::Rc;

/// The CSV's header for a net of `n` layers.
pub fn header(n: usize) -> String {
    let mut h = String::from("run,samples,pattern,loss,curvature,edge,radius,positive,negative");
    let mut cols = |name: &str, ks: std::ops::RangeInclusive<usize>| {
        for k in ks {
            write!(h, ",{name}_{k}").expect("writing to a String");
        }
    };
    cols("lambda", 0..=n);
    cols("leaky", 1..=n);
    cols("penalty", 1..=n - 1);
    cols("error", 1..=n - 1);
    h
}

/// One CSV row of run `label` (its label has no comma: it is the optimizer's name).
fn row(out: &mut String, label: &str, s: &Sample) {
    let (r, p, q) = match s.spectrum {
        Some(sp) => (
            sp.radius.to_string(),
            sp.positive.to_string(),
            sp.negative.to_string(),
        ),
        None => Default::default(),
    };
    write!(
        out,
        "{label},{},{},{},{},{},{r},{p},{q}",
        s.samples, s.pattern, s.loss, s.curvature, s.edge
    )
    .expect("writing to a String");
    for v in s
        .lambda
        .iter()
        .chain(&s.leaky_share)
        .chain(&s.penalty)
        .chain(&s.error)
    {
        write!(out, ",{v}").expect("writing to a String");
    }
    out.push('\n');
}

/// The sizes of `--preset`, else `--sizes`.
fn sizes(preset: Option<&str>, net: &NetArgs) -> Result<Vec<usize>> {
    match preset {
        None => Ok(net.sizes.clone()),
        Some(name) => catalog::preset(name)
            .map(|p| p.sizes.to_vec())
            .ok_or_else(|| {
                let names: Vec<&str> = catalog::PRESETS.iter().map(|p| p.name).collect();
                CliError::flag(
                    "preset",
                    format!("unknown {name:?} (expected {})", names.join(", ")),
                )
            }),
    }
}

/// `sifrian curvature`: trains each optimizer for `--patterns`, sampling on the schedule; writes
/// the CSV and returns a summary.
pub fn run(args: &CurvatureArgs) -> Result<String> {
    let (train, test, _) = load(&args.data)?;
    let sizes = sizes(args.preset.as_deref(), &args.net)?;
    let n = sizes.len().saturating_sub(1).max(1);
    let default = Schedule::for_sizes(&sizes);
    let schedule = Schedule::new(
        args.every.unwrap_or(default.every),
        args.spectrum_every.unwrap_or(default.spectrum_every),
    )?;
    if args.patterns == 0 {
        return Err(CliError::flag("patterns", "must be at least 1"));
    }
    if !args.step.is_empty() && args.step.len() != args.optimizer.len() {
        let why = format!(
            "give one step per optimizer ({} optimizers, {} steps)",
            args.optimizer.len(),
            args.step.len()
        );
        return Err(CliError::flag("step", why));
    }
    let mut csv = header(sizes.len() - 1);
    csv.push('\n');
    let mut summary = String::new();
    for (i, info) in args.optimizer.iter().enumerate() {
        let step = args.step.get(i).copied().unwrap_or(info.default_step_size);
        let config = TrainConfig {
            sizes: sizes.clone(),
            alpha: args.net.alpha,
            seed: args.net.seed,
            method: args.damping.method(info.name)?,
            step_size: step,
            lambda: args.damping.policy(!args.no_white, n)?,
            fast: !args.f64,
        };
        let mut t = Trainer::new(config, Rc::clone(&train), Rc::clone(&test))?;
        t.set_instruments(Some(schedule));
        let mut diverged = None;
        let mut count = 0;
        while t.samples_seen() < args.patterns && diverged.is_none() {
            let k = (args.patterns - t.samples_seen()).min(schedule.every * 16) as usize;
            let st = t.step(k)?;
            for s in t.take_samples() {
                row(&mut csv, info.name, &s);
                count += 1;
            }
            if st.diverged {
                diverged = Some(st.samples_seen);
            }
        }
        write!(
            summary,
            "{} step {step}: {count} samples over {} patterns",
            info.name,
            t.samples_seen()
        )
        .expect("writing to a String");
        match diverged {
            Some(at) => writeln!(summary, "; diverged after {at} patterns (the run stopped)"),
            None => writeln!(summary),
        }
        .expect("writing to a String");
    }
    if let Some(parent) = args.csv.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent)?;
    }
    fs::write(&args.csv, csv)?;
    writeln!(summary, "wrote {}", args.csv.display()).expect("writing to a String");
    Ok(summary)
}
