//! What a run reports: the stats of `step(n)`, evaluations on the test set, output probabilities.

use super::divergence::Divergence;
use super::engine::Outcome;

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
