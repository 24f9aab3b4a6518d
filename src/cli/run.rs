//! `train` and `compare`: training runs on MNIST or Fashion-MNIST with a progress bar, a curve
//! point every `--eval-every` patterns, and their outputs (the curve CSV and the chart,
//! [`crate::curves`]).

use crate::args::{Common, CompareArgs, DataArgs, Opt, TrainArgs};
use crate::curves::{write_outputs, Run};
use crate::error::{CliError, Result};
use indicatif::{ProgressBar, ProgressStyle};
use sifrian::catalog::DatasetInfo;
use sifrian::io::data::Dataset;
use sifrian::plot::CurvePoint;
use sifrian::train::{Method, TrainConfig, Trainer};
use std::fmt::Write as _;
use std::rc::Rc;
use std::time::Instant;

/// `sifrian train`: one run; returns the summary `main` prints.
pub fn train(args: &TrainArgs) -> Result<String> {
    let TrainArgs { common, opt } = args;
    let (train, test, set) = split(common)?;
    let method = opt.method()?;
    let label = method.label();
    let mut trainer = Trainer::new(config(common, opt, opt.step, method)?, train, test)?;
    let (points, diverged) = run(&mut trainer, common, &label)?;
    let name = common.name.clone().unwrap_or_else(|| {
        format!(
            "train-{}-{}-seed{}",
            set.label.to_lowercase(),
            opt.slug(),
            common.net.seed
        )
    });
    let title = format!(
        "{}, {:?}, {label}, step {}",
        set.label, common.net.sizes, opt.step
    );
    let mut summary = write_outputs(&common.out, &name, &title, &[(label.clone(), points)])?;
    note_divergence(&label, diverged, &mut summary);
    Ok(summary)
}

/// `sifrian compare`: SGD, then the chosen MK variant, from the same weights and sample order.
pub fn compare(args: &CompareArgs) -> Result<String> {
    let CompareArgs {
        common,
        sgd_step,
        opt,
    } = args;
    let (train, test, set) = split(common)?;
    let method = opt.method()?;
    let mk_label = format!("{} step {}", method.label(), opt.step);
    let sgd_label = format!("SGD step {sgd_step}");
    let mut sgd = Trainer::new(
        config(common, opt, *sgd_step, Method::Sgd)?,
        Rc::clone(&train),
        Rc::clone(&test),
    )?;
    let mut other = Trainer::new(config(common, opt, opt.step, method)?, train, test)?;
    // Same seed: identical initial weights and sample order; checked, not assumed.
    if sgd.network().params != other.network().params {
        return Err(CliError::Internal(
            "the two runs do not start from the same weights",
        ));
    }
    let (sgd_points, sgd_div) = run(&mut sgd, common, &sgd_label)?;
    let (mk_points, mk_div) = run(&mut other, common, &mk_label)?;
    let name = common.name.clone().unwrap_or_else(|| {
        format!(
            "compare-{}-sgd{}-{}-seed{}",
            set.label.to_lowercase(),
            sgd_step,
            opt.slug(),
            common.net.seed
        )
    });
    let title = format!(
        "{}, {:?}, seed {}",
        set.label, common.net.sizes, common.net.seed
    );
    let runs: [Run; 2] = [
        (sgd_label.clone(), sgd_points),
        (mk_label.clone(), mk_points),
    ];
    let mut summary = write_outputs(&common.out, &name, &title, &runs)?;
    note_divergence(&sgd_label, sgd_div, &mut summary);
    note_divergence(&mk_label, mk_div, &mut summary);
    Ok(summary)
}

/// The training and test splits of `--dataset` under `--data-dir`, and which data set it is.
pub fn load(data: &DataArgs) -> Result<(Rc<Dataset>, Rc<Dataset>, &'static DatasetInfo)> {
    let dir = data.data_dir.join(data.dataset.name);
    let train = Dataset::load(&dir, "train")?;
    let test = Dataset::load(&dir, "t10k")?;
    Ok((Rc::new(train), Rc::new(test), data.dataset))
}

/// The training and validation sets of a run: `--holdout N` validates on the last N training
/// patterns and trains on the rest; `--train-limit` then keeps the first patterns of the rest.
fn split(common: &Common) -> Result<(Rc<Dataset>, Rc<Dataset>, &'static DatasetInfo)> {
    let (train, test, set) = load(&common.data)?;
    let (train, test) = match common.holdout {
        0 => (train, test),
        n if n >= train.len() => {
            let why = format!("{n} must be below the {} training patterns", train.len());
            return Err(CliError::flag("holdout", why));
        }
        n => (Rc::new(train.head(train.len() - n)), Rc::new(train.tail(n))),
    };
    Ok((subset(train, common.train_limit), test, set))
}

/// The first `limit` patterns of `set` (all of them for 0).
fn subset(set: Rc<Dataset>, limit: usize) -> Rc<Dataset> {
    if limit == 0 || limit >= set.len() {
        set
    } else {
        Rc::new(set.head(limit))
    }
}

fn config(common: &Common, opt: &Opt, step_size: f64, method: Method) -> Result<TrainConfig> {
    let n = common.net.sizes.len().saturating_sub(1);
    Ok(TrainConfig {
        sizes: common.net.sizes.clone(),
        alpha: common.net.alpha,
        seed: common.net.seed,
        method,
        step_size,
        lambda: opt.policy(n.max(1))?,
        fast: common.f32,
    })
}

/// Runs one trainer for the requested epochs, recording a point every `eval_every` patterns;
/// returns the points and, if a step diverged, after how many patterns (the run stops there).
fn run(
    trainer: &mut Trainer,
    common: &Common,
    label: &str,
) -> Result<(Vec<CurvePoint>, Option<u64>)> {
    if common.eval_every == 0 {
        return Err(CliError::flag("eval-every", "must be at least 1"));
    }
    if !(common.epochs.is_finite() && common.epochs > 0.0) {
        return Err(CliError::flag(
            "epochs",
            format!("must be a number > 0, got {}", common.epochs),
        ));
    }
    let total = (common.epochs * trainer.train_set().len() as f64)
        .round()
        .max(1.0) as u64;
    let budget = if common.eval_budget == 0 {
        trainer.test_set().len()
    } else {
        common.eval_budget
    };
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template(
            "{prefix:>28} [{bar:30}] {pos}/{len} {per_sec} eta {eta} {msg}",
        )?
        .progress_chars("=> "),
    );
    bar.set_prefix(label.to_string());
    let start = Instant::now();
    let mut points = Vec::new();
    let mut diverged_at = None;
    while trainer.samples_seen() < total {
        let n = (common.eval_every as u64).min(total - trainer.samples_seen()) as usize;
        let stats = trainer.step(n)?;
        let val = trainer.evaluate(0, budget).accuracy();
        points.push(CurvePoint {
            samples: stats.samples_seen,
            seconds: start.elapsed().as_secs_f64(),
            cost: stats.mean_loss,
            train_accuracy: stats.accuracy,
            validation_accuracy: Some(val),
        });
        bar.set_position(stats.samples_seen);
        bar.set_message(format!(
            "cost {:.4} val {:.2}%",
            stats.mean_loss,
            100.0 * val
        ));
        if stats.diverged {
            diverged_at = Some(stats.samples_seen);
            break;
        }
    }
    bar.finish_and_clear();
    Ok((points, diverged_at))
}

fn note_divergence(label: &str, at: Option<u64>, summary: &mut String) {
    if let Some(at) = at {
        writeln!(
            summary,
            "{label}: diverged after {at} patterns (a step would have made NaN/Inf, or a \
             pattern's cost went over the divergence watch's bound); the parameters before the \
             offending step were kept and the run stopped. Try a smaller --step."
        )
        .expect("writing to a String");
    }
}
