//! What a run reports: the stats of `step(n)`, evaluations on the test set, output probabilities,
//! and what the page's look inside the network shows: one explained step ([`OneStep`]), the
//! reading of one input ([`Reading`]: outputs, both probability readings, hidden activations) and
//! the first layer's weights ([`FirstLayer`]).

use super::divergence::Divergence;
use super::engine::Outcome;
use super::Trainer;
use crate::error::Result;
use crate::linalg::norm_inf;
use crate::network::Network;
use std::rc::Rc;

/// What `step(n)` did.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct StepStats {
    /// Patterns actually trained on (fewer than asked only when a step diverged).
    pub steps: usize,
    pub samples_seen: u64,
    /// Completed epochs.
    pub epoch: u64,
    /// Mean of `1/2||d - x_n||^2` over those patterns, measured before each pattern's step.
    pub mean_loss: f64,
    /// Fraction of those patterns whose arg-max output was the label (before the step).
    pub accuracy: f64,
    /// The run diverged: a step would have produced NaN/Inf, or it was on a pattern whose cost is
    /// over the divergence watch's bound; that step was not kept (the parameters are as before
    /// it) and `divergence` says which and why. Set exactly when `steps` is fewer than asked.
    pub diverged: bool,
    /// The lambdas of the last pattern trained on (empty for SGD).
    pub lambda: Vec<f64>,
    /// The explanation of a divergence (none for a rejected drawn digit).
    pub divergence: Option<Divergence>,
}

/// Accuracy and mean loss over a range of the test set.
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize)]
pub struct Evaluation {
    pub count: usize,
    pub correct: usize,
    pub loss_sum: f64,
}

impl Evaluation {
    pub fn accuracy(&self) -> f64 {
        self.correct as f64 / self.count.max(1) as f64
    }
    pub fn mean_loss(&self) -> f64 {
        self.loss_sum / self.count.max(1) as f64
    }
}

/// The outputs `x_n` as class probabilities: clipped at 0 and normalised to sum 1 (uniform when
/// all are <= 0). The network is trained by least squares on one-hot targets, so its outputs are
/// already near the simplex; this is a reading of them, not a softmax the training knows about.
pub fn probabilities(outputs: &[f64]) -> Vec<f64> {
    let clipped: Vec<f64> = outputs
        .iter()
        .map(|v| if v.is_finite() { v.max(0.0) } else { 0.0 })
        .collect();
    let sum: f64 = clipped.iter().sum();
    if sum > 0.0 {
        clipped.iter().map(|v| v / sum).collect()
    } else {
        vec![1.0 / outputs.len() as f64; outputs.len()]
    }
}

/// The softmax of the outputs, `exp(x_i - m) / sum_j exp(x_j - m)` with `m = max_j x_j` (the
/// shift changes nothing but keeps every exponent <= 0). The training never sees it (its cost is
/// least squares, Eq. 2): it is a second reading of the same outputs, beside [`probabilities`].
/// Outputs of least-squares training lie near [0, 1], so this reading is far from one-hot (one
/// output at 1 and nine at 0 give `e / (e + 9)`, about 0.23). A NaN output counts as `-inf`
/// (weight 0); `+inf` outputs share the whole mass; all NaN gives the uniform distribution.
pub fn softmax(outputs: &[f64]) -> Vec<f64> {
    let m = outputs
        .iter()
        .copied()
        .filter(|v| !v.is_nan())
        .fold(f64::NEG_INFINITY, f64::max);
    let weight = |v: f64| -> f64 {
        if v.is_nan() {
            0.0
        } else if m == f64::INFINITY {
            f64::from(u8::from(v == m))
        } else {
            (v - m).exp()
        }
    };
    let sum: f64 = outputs.iter().map(|&v| weight(v)).sum();
    if sum > 0.0 {
        outputs.iter().map(|&v| weight(v) / sum).collect()
    } else {
        vec![1.0 / outputs.len() as f64; outputs.len()]
    }
}

/// What the network makes of one input: the page's prediction and its look inside.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Reading {
    /// The outputs `x_n` (Eq. 1).
    pub outputs: Vec<f64>,
    /// [`probabilities`] of the outputs (clipped at 0, normalised).
    pub probabilities: Vec<f64>,
    /// [`softmax`] of the outputs.
    pub softmax: Vec<f64>,
    /// The hidden layers' states `x_1 .. x_{n-1}` (after the leaky ReLU).
    pub hidden: Vec<Vec<f64>>,
    /// Per hidden layer, `max_i |x_k,i|` (the scale the page draws it at; 0 for an all-zero layer).
    pub hidden_max: Vec<f64>,
}

/// The incoming weights of the first `units` units of layer 1: row `u` of `W_1` is unit u's
/// weight on every input pixel, so with 784 inputs it is a 28x28 image.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct FirstLayer {
    /// Units shown (`min(asked, s_1)`).
    pub units: usize,
    /// Inputs per unit (s_0).
    pub inputs: usize,
    /// `units * inputs` values, unit after unit: `W_1[u, j]` at `u * inputs + j`.
    pub weights: Vec<f32>,
    /// Per unit, `max_j |W_1[u, j]|` (the scale the page draws it at).
    pub max_abs: Vec<f64>,
}

/// The most units [`first_layer`] gives (a look at a few units, not a copy of `W_1`).
pub const MAX_FIRST_LAYER_UNITS: usize = 64;

/// The first layer's weights of the first `units` (1..=[`MAX_FIRST_LAYER_UNITS`]) hidden units of
/// `net` (all of them when it has fewer).
pub fn first_layer(net: &Network, units: usize) -> Result<FirstLayer> {
    if !(1..=MAX_FIRST_LAYER_UNITS).contains(&units) {
        let why = format!("must be 1 to {MAX_FIRST_LAYER_UNITS}, got {units}");
        return Err(crate::Error::invalid("units", why));
    }
    let layer = net.layer(1);
    let units = units.min(layer.rows);
    let rows = &net.w(1)[..units * layer.cols];
    Ok(FirstLayer {
        units,
        inputs: layer.cols,
        weights: rows.iter().map(|&w| w as f32).collect(),
        max_abs: rows.chunks_exact(layer.cols).map(norm_inf).collect(),
    })
}

/// One step explained: the training pattern it used and the engine's numbers on that pattern
/// just before and just after the step (the same forward pass the validation uses, so with the
/// f32 kernel these are its f32 outputs).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct OneStep {
    /// What `step(1)` reports.
    pub stats: StepStats,
    /// The training pattern's index, label and pixels (0..255).
    pub index: usize,
    pub label: usize,
    pub pixels: Vec<u8>,
    /// The arg-max output before and after the step.
    pub predicted_before: usize,
    pub predicted_after: usize,
    /// `1/2||d - x_n||^2` (Eq. 2) on this pattern before and after the step (equal when the step
    /// was rejected: the parameters did not change).
    pub cost_before: f64,
    pub cost_after: f64,
}

impl Trainer {
    /// One step on the next training pattern, explained: it *is* [`Trainer::step`] with `n = 1`
    /// (the divergence watch included), with the pattern's cost before and after read around it.
    pub fn step_explained(&mut self) -> Result<OneStep> {
        let train = Rc::clone(&self.train);
        let i = self.peek_index();
        train.target_into(i, &mut self.d);
        let (predicted_before, cost_before) = self.engine.test_pattern(&train, i, &self.d);
        let stats = self.step(1)?;
        train.target_into(i, &mut self.d);
        let (predicted_after, cost_after) = self.engine.test_pattern(&train, i, &self.d);
        Ok(OneStep {
            stats,
            index: i,
            label: train.label(i),
            pixels: train.pixels(i).to_vec(),
            predicted_before,
            predicted_after,
            cost_before,
            cost_after,
        })
    }

    /// The network's reading of one input (length s_0, finite).
    pub fn read(&self, x0: &[f64]) -> Result<Reading> {
        self.network().check_input(x0)?;
        let fw = self.network().forward(x0);
        let outputs = fw.output().to_vec();
        let hidden: Vec<Vec<f64>> = fw.x[1..fw.n()].to_vec();
        Ok(Reading {
            probabilities: probabilities(&outputs),
            softmax: softmax(&outputs),
            hidden_max: hidden.iter().map(|x| norm_inf(x)).collect(),
            hidden,
            outputs,
        })
    }
}

/// Sums what the steps of one `step(n)` or `teach` report.
#[derive(Default)]
pub(super) struct Accumulator {
    loss_sum: f64,
    correct: usize,
    done: usize,
    diverged: bool,
    lambda: Vec<f64>,
}

impl Accumulator {
    /// Adds one step's outcome; `false` (and `diverged`) when it was rejected.
    pub(super) fn add(&mut self, outcome: Option<Outcome<'_>>) -> bool {
        match outcome {
            Some(o) => {
                self.loss_sum += o.loss;
                self.correct += usize::from(o.correct);
                self.done += 1;
                // Copied into the same buffer every step (no allocation after the first).
                self.lambda.clear();
                self.lambda.extend_from_slice(o.lambda);
                true
            }
            None => {
                self.diverged = true;
                false
            }
        }
    }

    /// A divergence ends the batch.
    pub(super) fn diverge(&mut self) {
        self.diverged = true;
    }

    pub(super) fn stats(
        self,
        samples_seen: u64,
        epoch: u64,
        divergence: Option<Divergence>,
    ) -> StepStats {
        StepStats {
            steps: self.done,
            samples_seen,
            epoch,
            mean_loss: self.loss_sum / self.done.max(1) as f64,
            accuracy: self.correct as f64 / self.done.max(1) as f64,
            diverged: self.diverged,
            lambda: self.lambda,
            divergence,
        }
    }
}
