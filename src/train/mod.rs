//! Step-wise training, one pattern per step (the paper's stochastic setting, section 6).
//!
//! Pixels are scaled to [0, 1], targets are one-hot, the cost is least squares (Eq. 2). Each epoch
//! visits the training set in an order shuffled from the seed; the initial weights come from the
//! same seed, so two trainers with the same seed and different methods start from identical
//! parameters and see the same patterns in the same order (a fair race).
//!
//! Every method's direction but the spectral ones' is rank one per layer
//! ([`crate::directions::RankOne`]), so a step is:
//! forward pass, one or two backward sweeps, then `W_k -= step * u_k x_{k-1}^T`,
//! `beta_k -= step * eta_k` in place. A step that would make any parameter NaN/Inf is rejected
//! before anything is written: the parameters stay as they were and the caller is told
//! ([`StepStats::diverged`]). Before any NaN/Inf, the divergence watch (`divergence.rs`) flags a
//! pattern whose cost is beyond what a one-hot least-squares target explains: the step on it is
//! undone in the same way, and explained ([`Divergence`]).
//!
//! The files: `method.rs` the optimizers ([`Method`]), `config.rs` what defines a run
//! ([`TrainConfig`]), `engine.rs` the engines a step can run on (the f64 reference and the
//! fused f32 kernel of [`crate::fast`], chosen by [`TrainConfig::fast`], and `spectral.rs` the f64
//! eigenpair engine of the minimum-norm and saddle-free Newton steps), `stats.rs`
//! what a run reports, and here the [`Trainer`]: the order of the patterns, epochs, counters.

mod config;
mod confusion;
mod divergence;
mod engine;
mod instruments;
mod method;
mod spectral;
mod stats;

pub use config::TrainConfig;
pub use confusion::Confusion;
pub use divergence::{cost_bound, Cause, Divergence, BOUND_FACTOR, CHECKPOINT_EVERY, MAX_HALVINGS};
pub use instruments::{measure, Sample, Schedule, SpectrumSample};
pub use method::{Method, Spectral};
pub use stats::{
    first_layer, probabilities, softmax, Evaluation, FirstLayer, OneStep, Reading, StepStats,
    MAX_FIRST_LAYER_UNITS,
};

use crate::error::{Error, Result};
use crate::io::data::Dataset;
use crate::network::Network;
use crate::rng::Rng;
use confusion::Predictions;
use divergence::{explain, History};
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
    /// Checkpoints and the patterns applied since: the divergence watch's way back.
    history: History,
    /// When the instruments sample (None: never), and the samples not yet taken by the caller.
    instruments: Option<Schedule>,
    samples: Vec<Sample>,
    /// The pattern count of the last sample (a step that diverged is asked for again at the same
    /// count and state: it is not sampled twice).
    sampled_at: Option<u64>,
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
        let engine = Engine::new(net, &config)?;
        let mut t = Trainer {
            history: History::new(engine.network(), 0),
            engine,
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
            instruments: None,
            samples: Vec::new(),
            sampled_at: None,
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
        self.history
            .restart(self.engine.network(), self.samples_seen);
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
        self.engine.sync();
        self.history
            .restart(self.engine.network(), self.samples_seen);
        Ok(())
    }

    /// The next pattern's index in the shuffled order (reshuffles at each epoch's end).
    fn next_index(&mut self) -> usize {
        let i = self.peek_index();
        self.pos += 1;
        i
    }

    /// The pattern the next step trains on (at an epoch's end the new order is drawn first, so
    /// peeking changes nothing that `next_index` would not).
    fn peek_index(&mut self) -> usize {
        if self.pos == self.order.len() {
            self.pos = 0;
            self.epoch += 1;
            self.rng.shuffle(&mut self.order);
        }
        self.order[self.pos] as usize
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

    /// Trains on the next `n` patterns (n >= 1), stopping early at a divergence: a step that would
    /// produce NaN/Inf, or a step on a pattern whose cost is over [`cost_bound`]. Either step is
    /// not kept (the parameters stay as they were before it; the pattern counts as visited) and
    /// `StepStats::divergence` explains it.
    pub fn step(&mut self, n: usize) -> Result<StepStats> {
        if n == 0 {
            return Err(Error::invalid(
                "n",
                "the number of steps must be at least 1, got 0",
            ));
        }
        let train = Rc::clone(&self.train);
        let bound = cost_bound(Dataset::CLASSES);
        let mut acc = Accumulator::default();
        let mut divergence = None;
        for _ in 0..n {
            if self.history.due() {
                self.engine.sync();
                self.history
                    .rotate(self.engine.network(), self.samples_seen);
            }
            let i = self.next_index();
            self.last_pattern = Some(i);
            train.input_into(i, &mut self.x0);
            train.target_into(i, &mut self.d);
            self.sample(i);
            let flagged =
                match self
                    .engine
                    .train(&self.x0, &self.d, train.label(i), self.config.step_size)
                {
                    Some(o) if o.loss <= bound => {
                        acc.add(Some(o));
                        self.samples_seen += 1;
                        self.history.push(i);
                        continue;
                    }
                    Some(o) => Some(o.loss),
                    None => None,
                };
            acc.diverge();
            divergence = Some(self.diverged(i, flagged));
            break;
        }
        self.engine.sync();
        Ok(acc.stats(self.samples_seen, self.epoch(), divergence))
    }

    /// Samples the instruments on training pattern `i` (in `self.x0`, `self.d`) before its step,
    /// when the schedule says so. Reads the synced parameters only: the step is unchanged.
    fn sample(&mut self, i: usize) {
        let Some(spectrum) = self.instruments.and_then(|s| s.due(self.samples_seen)) else {
            return;
        };
        if self.sampled_at == Some(self.samples_seen) {
            return;
        }
        self.sampled_at = Some(self.samples_seen);
        self.engine.sync();
        let net = self.engine.network();
        let m = instruments::measure(
            net,
            &self.config,
            self.samples_seen,
            i,
            &self.x0,
            &self.d,
            spectrum,
        );
        // Only non-finite states fail; a run that got there is about to be flagged anyway.
        if let Ok(s) = m {
            self.samples.push(s);
        }
    }

    /// Samples the instruments on `schedule` from the next step on (None: stops sampling).
    pub fn set_instruments(&mut self, schedule: Option<Schedule>) {
        self.instruments = schedule;
    }

    /// The instruments' samples since the last call (oldest first).
    pub fn take_samples(&mut self) -> Vec<Sample> {
        std::mem::take(&mut self.samples)
    }

    /// The cost of training pattern `i` at the current parameters (synced), f64 forward pass.
    fn cost_now(&self, i: usize) -> f64 {
        let mut x0 = vec![0.0; self.train.input_size()];
        let mut d = vec![0.0; Dataset::CLASSES];
        self.train.input_into(i, &mut x0);
        self.train.target_into(i, &mut d);
        crate::cost::loss(&self.network().forward(&x0), &d)
    }

    /// The step on training pattern `i` was flagged with its cost `flagged` (None: the engine
    /// rejected it). Undoes it (the engine applied a flagged step: the state before it is rebuilt
    /// from the history) and explains it: the update examined is the last one kept (the step that
    /// brought the pattern's cost over the bound, or drifted there), or, for a rejected step or
    /// with no earlier state in the history, the step on `i` itself.
    fn diverged(&mut self, i: usize, flagged: Option<f64>) -> Divergence {
        self.engine.sync();
        let s = self.samples_seen;
        let (cause, cost) = match flagged {
            Some(c) => (divergence::Cause::Cost, c),
            None => (divergence::Cause::NonFinite, self.cost_now(i)),
        };
        let kept = if flagged.is_some() {
            let net = self.history.rebuild(s, &self.config, &self.train);
            self.engine =
                Engine::new(net, &self.config).expect("the kept state is a valid network");
            self.engine.network().clone()
        } else {
            self.engine.network().clone()
        };
        let last_kept = (cause == divergence::Cause::Cost && s > self.history.oldest())
            .then(|| self.history.pattern_after(s - 1))
            .flatten();
        let (base, base_seen, q) = match last_kept {
            Some(q) => (
                self.history.rebuild(s - 1, &self.config, &self.train),
                s - 1,
                q,
            ),
            None => (kept, s, i),
        };
        explain(
            &self.history,
            cause,
            &base,
            base_seen,
            s,
            &self.config,
            &self.train,
            q,
            i,
            cost,
        )
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
        // The log replays training patterns only: the history starts again after a drawn digit.
        self.history
            .restart(self.engine.network(), self.samples_seen);
        Ok(acc.stats(self.samples_seen, self.epoch(), None))
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
