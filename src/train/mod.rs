//! Step-wise training, one pattern per step (the paper's stochastic setting, section 6).
//!
//! Pixels are scaled to [0, 1], targets are one-hot, the cost is least squares (Eq. 2). Each epoch
//! visits the training set in an order shuffled from the seed; the initial weights come from the
//! same seed, so two trainers with the same seed and different methods start from identical
//! parameters and see the same patterns in the same order (a fair race).
//!
//! Every method's direction is rank one per layer ([`crate::directions::RankOne`]), so a step is:
//! forward pass, one or two backward sweeps, then `W_k -= step * u_k x_{k-1}^T`,
//! `beta_k -= step * eta_k` in place. A step that would make any parameter NaN/Inf is rejected
//! before anything is written: the parameters stay as they were and the caller is told
//! ([`StepStats::diverged`]).
//!
//! The files: `method.rs` the optimizers ([`Method`]), `config.rs` what defines a run
//! ([`TrainConfig`]), `engine.rs` the two engines a step can run on (the f64 reference and the
//! fused f32 kernel of [`crate::fast`], one value chosen by [`TrainConfig::fast`]), `stats.rs`
//! what a run reports, and here the [`Trainer`]: the order of the patterns, epochs, counters.

mod config;
mod confusion;
mod engine;
mod method;
mod stats;

pub use config::TrainConfig;
pub use confusion::Confusion;
pub use method::Method;
pub use stats::{
    first_layer, probabilities, softmax, Evaluation, FirstLayer, OneStep, Reading, StepStats,
    MAX_FIRST_LAYER_UNITS,
};

use crate::error::{Error, Result};
use crate::io::data::Dataset;
use crate::network::Network;
use crate::rng::Rng;
use confusion::Predictions;
use engine::{Engine, Outcome};
use stats::Accumulator;
use std::rc::Rc;

/// One training run.
pub struct Trainer {
    /// The parameters and how a step changes them (f64 reference or f32 kernel).
    engine: Engine,
    config: TrainConfig,
    train: Rc<Dataset>,
    test: Rc<Dataset>,
    rng: Rng,
    /// The current epoch's order of the training patterns.
    order: Vec<u32>,
    /// The next position in `order`.
    pos: usize,
    epoch: u64,
    samples_seen: u64,
    /// The current pattern: input (s_0,) in [0, 1] and one-hot target (s_n,).
    x0: Vec<f64>,
    d: Vec<f64>,
    /// Index of the last training pattern visited.
    last_pattern: Option<usize>,
    /// The class each test image was predicted as at its latest validation (confusion.rs).
    predictions: Predictions,
}

impl Trainer {
    pub fn new(config: TrainConfig, train: Rc<Dataset>, test: Rc<Dataset>) -> Result<Self> {
        config.validate(train.input_size())?;
        if train.is_empty() {
            return Err(Error::invalid("training set", "is empty"));
        }
        if test.input_size() != train.input_size() {
            return Err(Error::invalid(
                "test set",
                format!(
                    "has {} pixels per image, the training set {}",
                    test.input_size(),
                    train.input_size()
                ),
            ));
        }
        let net = Network::new(&config.sizes, config.alpha, config.seed)?;
        let mut t = Trainer {
            engine: Engine::new(net, &config)?,
            x0: vec![0.0; train.input_size()],
            d: vec![0.0; Dataset::CLASSES],
            last_pattern: None,
            predictions: Predictions::new(test.len()),
            rng: Rng::new(config.seed ^ 0x5EED_0F0D_E5E5),
            order: (0..train.len() as u32).collect(),
            pos: 0,
            epoch: 0,
            samples_seen: 0,
            config,
            train,
            test,
        };
        t.rng.shuffle(&mut t.order);
        Ok(t)
    }

    /// The current parameters (for a fast run: exactly its f32 values, as f64).
    pub fn network(&self) -> &Network {
        self.engine.network()
    }
    pub fn config(&self) -> &TrainConfig {
        &self.config
    }
    pub fn samples_seen(&self) -> u64 {
        self.samples_seen
    }
    /// Completed epochs: an epoch counts as soon as its last pattern is trained on (the next
    /// epoch's order is drawn lazily, at its first pattern).
    pub fn epoch(&self) -> u64 {
        self.epoch + u64::from(self.pos == self.order.len())
    }
    pub fn train_set(&self) -> &Dataset {
        &self.train
    }
    pub fn test_set(&self) -> &Dataset {
        &self.test
    }

    /// Replaces the parameters (same architecture), e.g. to start two runs from one network.
    pub fn set_params(&mut self, params: &[f64]) -> Result<()> {
        let net = Network::from_params(&self.config.sizes, self.config.alpha, params.to_vec())?;
        self.engine = Engine::new(net, &self.config)?;
        self.predictions.clear();
        Ok(())
    }

    /// Index of the last training pattern visited (None before the first step).
    pub fn last_pattern(&self) -> Option<usize> {
        self.last_pattern
    }

    /// Changes the step size of the following steps.
    pub fn set_step_size(&mut self, step_size: f64) -> Result<()> {
        let mut c = self.config.clone();
        c.step_size = step_size;
        c.validate(self.train.input_size())?;
        self.config = c;
        Ok(())
    }

    /// The next pattern's index in the shuffled order (reshuffles at each epoch's end).
    fn next_index(&mut self) -> usize {
        if self.pos == self.order.len() {
            self.pos = 0;
            self.epoch += 1;
            self.rng.shuffle(&mut self.order);
        }
        let i = self.order[self.pos] as usize;
        self.pos += 1;
        i
    }

    /// One step on the pattern in `self.x0`, `self.d`: its outcome before the step, or `None`
    /// when the step was rejected (it would have produced NaN/Inf).
    fn train_current(&mut self, label: usize) -> Option<Outcome<'_>> {
        let out = self
            .engine
            .train(&self.x0, &self.d, label, self.config.step_size)?;
        self.samples_seen += 1;
        Some(out)
    }

    /// Trains on the next `n` patterns (n >= 1), stopping early at a diverged step.
    pub fn step(&mut self, n: usize) -> Result<StepStats> {
        if n == 0 {
            return Err(Error::invalid(
                "n",
                "the number of steps must be at least 1, got 0",
            ));
        }
        let train = Rc::clone(&self.train);
        let mut acc = Accumulator::default();
        for _ in 0..n {
            let i = self.next_index();
            self.last_pattern = Some(i);
            train.input_into(i, &mut self.x0);
            train.target_into(i, &mut self.d);
            // A rejected step leaves the parameters untouched; the pattern counts as visited.
            if !acc.add(self.train_current(train.label(i))) {
                break;
            }
        }
        self.engine.sync();
        Ok(acc.stats(self.samples_seen, self.epoch()))
    }

    /// One step of the configured method on a given pattern (pixels in [0, 1], s_0 of them) and
    /// label: the page's "teach" on a drawn digit.
    pub fn teach(&mut self, x0: &[f64], label: usize) -> Result<StepStats> {
        self.network().check_input(x0)?;
        Dataset::check_label(label)?;
        self.x0.copy_from_slice(x0);
        self.d
            .iter_mut()
            .enumerate()
            .for_each(|(i, v)| *v = f64::from(u8::from(i == label)));
        let mut acc = Accumulator::default();
        acc.add(self.train_current(label));
        self.engine.sync();
        Ok(acc.stats(self.samples_seen, self.epoch()))
    }

    /// Accuracy and loss on test patterns `start..start + count` (clamped to the test set): the
    /// paper's "validation". Callers keep the page responsive by asking for chunks. A fast run
    /// evaluates with the f32 kernel's forward pass (about as fast as its training steps).
    pub fn evaluate(&mut self, start: usize, count: usize) -> Evaluation {
        let end = start.saturating_add(count).min(self.test.len());
        let mut d = vec![0.0; Dataset::CLASSES];
        let mut e = Evaluation::default();
        for i in start.min(end)..end {
            self.test.target_into(i, &mut d);
            let (best, l) = self.engine.test_pattern(&self.test, i, &d);
            self.predictions.record(i, best);
            e.count += 1;
            e.correct += usize::from(best == self.test.label(i));
            e.loss_sum += l;
        }
        e
    }

    /// The network's outputs `x_n` for one input (length s_0, finite).
    pub fn predict(&self, x0: &[f64]) -> Result<Vec<f64>> {
        self.network().check_input(x0)?;
        Ok(self.network().forward(x0).output().to_vec())
    }
}
