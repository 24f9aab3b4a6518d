//! Step-wise training, one pattern per step (the paper's stochastic setting, section 6).
//!
//! Pixels are scaled to [0, 1], targets are one-hot, the cost is least squares (Eq. 2). Each epoch
//! visits the training set in an order shuffled from the seed; the initial weights come from the
//! same seed, so two trainers with the same seed and different methods start from identical
//! parameters and see the same patterns in the same order (a fair race).
//!
//! Every method's direction is rank one per layer ([`RankOne`]), so a step is: forward pass,
//! one or two backward sweeps, then `W_k -= step * u_k x_{k-1}^T`, `beta_k -= step * eta_k` in
//! place. A step that would make any parameter NaN/Inf is rejected before anything is written: the
//! parameters stay as they were and the caller is told ([`StepStats::diverged`]).

use crate::backprop::adjoint;
use crate::cost::loss;
use crate::directions::{
    check_damping, gradient_factors, mk_factors, newton_factors, GradientSource, NewtonSign,
    RankOne,
};
use crate::error::{Error, Result};
use crate::fast::{FastLambdas, FastMethod, FastNet};
use crate::io::data::Dataset;
use crate::linalg::{argmax, norm_inf};
use crate::network::{validate_architecture, Forward, Network};
use crate::regularisation::{plain_adjoint, LambdaPolicy};
use crate::rng::Rng;
use std::rc::Rc;

/// The optimisers a run can use.
#[derive(Debug, Clone, PartialEq)]
pub enum Method {
    /// Plain SGD on `1/2||d - x_n||^2`.
    Sgd,
    /// MK (mu = 0, Eq. 40) or damped MK (mu > 0, Eq. 42), rescaling the gradient of `source`.
    Mk { mu: f64, source: GradientSource },
    /// The closed-form Newton step (Eq. 35, sign corrected), for teaching: it solves H d = grad
    /// exactly but is not a descent method for the loss one would like to minimise.
    Newton,
}

impl Method {
    /// The names the command line and the page use: `sgd`, `mk` (Eq. 40, mu = 0), `mk-damped`
    /// (Eq. 42), `mk-unreg` (the unregularised-gradient variant), `newton`. `mu` (default 1) is
    /// only for `mk-damped` and `mk-unreg` (validated but ignored by `sgd` and `newton`).
    pub fn from_name(name: &str, mu: Option<f64>) -> Result<Method> {
        if let Some(m) = mu {
            check_damping(m)?;
        }
        Ok(match name {
            "sgd" => Method::Sgd,
            "mk" if mu.is_some_and(|m| m != 0.0) => {
                return Err(Error::invalid(
                    "mu",
                    "MK as printed (Eq. 40) has mu = 0; choose mk-damped for Eq. 42",
                ))
            }
            "mk" => Method::Mk {
                mu: 0.0,
                source: GradientSource::Regularised,
            },
            "mk-damped" => Method::Mk {
                mu: mu.unwrap_or(1.0),
                source: GradientSource::Regularised,
            },
            "mk-unreg" => Method::Mk {
                mu: mu.unwrap_or(1.0),
                source: GradientSource::Unregularised,
            },
            "newton" => Method::Newton,
            other => {
                return Err(Error::invalid(
                    "optimizer",
                    format!("unknown {other:?} (expected sgd, mk, mk-damped, mk-unreg or newton)"),
                ))
            }
        })
    }

    /// A short name for tables and legends.
    pub fn label(&self) -> String {
        match self {
            Method::Sgd => "SGD".into(),
            Method::Mk {
                mu,
                source: GradientSource::Regularised,
            } if *mu == 0.0 => "MK".into(),
            Method::Mk {
                mu,
                source: GradientSource::Regularised,
            } => format!("MK damped mu={mu}"),
            Method::Mk {
                mu,
                source: GradientSource::Unregularised,
            } => {
                format!("MK unregularised-gradient variant mu={mu}")
            }
            Method::Newton => "Newton (Eq. 35 corrected)".into(),
        }
    }
}

impl From<&Method> for FastMethod {
    fn from(m: &Method) -> Self {
        match m {
            Method::Sgd => FastMethod::Sgd,
            Method::Mk { mu, source } => FastMethod::Mk {
                mu: *mu as f32,
                unregularised: *source == GradientSource::Unregularised,
            },
            Method::Newton => FastMethod::Newton,
        }
    }
}

/// Everything that defines a run.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainConfig {
    /// s_0..s_n; s_0 must equal the data's pixel count and s_n the number of classes.
    pub sizes: Vec<usize>,
    /// Leak slope of the leaky ReLU.
    pub alpha: f64,
    pub seed: u64,
    pub method: Method,
    /// The constant step size (learning rate), > 0.
    pub step_size: f64,
    /// Where MK's and Newton's lambdas come from (SGD ignores it).
    pub lambda: LambdaPolicy,
    /// Train with the fused f32 kernel ([`crate::fast`]) instead of the f64 reference path.
    pub fast: bool,
}

impl TrainConfig {
    /// Checks every field; the error names the bad value.
    pub fn validate(&self, input_size: usize) -> Result<()> {
        validate_architecture(&self.sizes, self.alpha)?;
        if self.sizes[0] != input_size {
            return Err(Error::invalid(
                "sizes[0]",
                format!(
                    "the input size must be {input_size} (the data's pixels), got {}",
                    self.sizes[0]
                ),
            ));
        }
        let s_n = self.sizes[self.sizes.len() - 1];
        if s_n != Dataset::CLASSES {
            return Err(Error::invalid(
                format!("sizes[{}]", self.sizes.len() - 1),
                format!(
                    "the output size must be {} (one per class), got {s_n}",
                    Dataset::CLASSES
                ),
            ));
        }
        if !(self.step_size.is_finite() && self.step_size > 0.0) {
            return Err(Error::invalid(
                "step",
                format!("must be a finite number > 0, got {}", self.step_size),
            ));
        }
        if let Method::Mk { mu, .. } = self.method {
            check_damping(mu)?;
        }
        if self.fast {
            // The f32 path needs every setting representable in f32.
            let f32_ok = |v: f64| (v as f32).is_finite();
            if !f32_ok(self.step_size) {
                return Err(Error::invalid(
                    "step",
                    format!("{} is beyond f32's range (the fast path)", self.step_size),
                ));
            }
            if let Method::Mk { mu, .. } = self.method {
                if !f32_ok(mu) {
                    return Err(Error::invalid(
                        "mu",
                        format!("{mu} is beyond f32's range (the fast path)"),
                    ));
                }
            }
            if let LambdaPolicy::Fixed(l) = &self.lambda {
                if let Some(k) = l.as_slice().iter().position(|&v| !f32_ok(v)) {
                    return Err(Error::invalid(
                        format!("lambda[{k}]"),
                        "beyond f32's range (the fast path)",
                    ));
                }
            }
        }
        self.lambda.validate(self.sizes.len() - 1)
    }
}

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
    /// A step would have produced NaN/Inf: it was rejected, the parameters are unchanged.
    pub diverged: bool,
    /// The lambdas of the last pattern (empty for SGD).
    pub lambda: Vec<f64>,
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

/// Sums what `step` reports.
#[derive(Default)]
struct Accumulator {
    loss_sum: f64,
    correct: usize,
    done: usize,
    diverged: bool,
    lambda: Vec<f64>,
}

impl Accumulator {
    /// Adds one step's outcome; `false` (and `diverged`) when it was rejected.
    fn add(&mut self, outcome: Option<(f64, bool, Vec<f64>)>) -> bool {
        match outcome {
            Some((loss, correct, lambda)) => {
                self.loss_sum += loss;
                self.correct += usize::from(correct);
                self.done += 1;
                self.lambda = lambda;
                true
            }
            None => {
                self.diverged = true;
                false
            }
        }
    }

    fn stats(self, samples_seen: u64, epoch: u64) -> StepStats {
        StepStats {
            steps: self.done,
            samples_seen,
            epoch,
            mean_loss: self.loss_sum / self.done.max(1) as f64,
            accuracy: self.correct as f64 / self.done.max(1) as f64,
            diverged: self.diverged,
            lambda: self.lambda,
        }
    }
}

/// Largest parameter magnitude a step may produce; beyond it a later step could overflow.
const LIMIT: f64 = 1e300;

/// One training run.
pub struct Trainer {
    net: Network,
    config: TrainConfig,
    train: Rc<Dataset>,
    test: Rc<Dataset>,
    rng: Rng,
    order: Vec<u32>,
    pos: usize,
    epoch: u64,
    samples_seen: u64,
    /// Per layer k (index k): upper bounds of max |W_k| and max |beta_k|.
    bounds: Vec<(f64, f64)>,
    x0: Vec<f64>,
    d: Vec<f64>,
    /// Index of the last training pattern visited.
    last_pattern: Option<usize>,
    /// The f32 path, when `config.fast`: it holds the parameters while training; `net` is
    /// refreshed from it at the end of every `step`/`teach`, so `network()` is always current.
    fast: Option<Fast>,
}

/// The f32 path's state.
struct Fast {
    net: FastNet,
    method: FastMethod,
    lambdas: FastLambdas,
    x0: Vec<f32>,
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
            bounds: vec![(0.0, 0.0); net.n() + 1],
            x0: vec![0.0; train.input_size()],
            d: vec![0.0; Dataset::CLASSES],
            last_pattern: None,
            fast: None,
            rng: Rng::new(config.seed ^ 0x5EED_0F0D_E5E5),
            order: (0..train.len() as u32).collect(),
            pos: 0,
            epoch: 0,
            samples_seen: 0,
            net,
            config,
            train,
            test,
        };
        t.rng.shuffle(&mut t.order);
        t.refresh_bounds();
        t.refresh_fast()?;
        Ok(t)
    }

    pub fn network(&self) -> &Network {
        &self.net
    }
    pub fn config(&self) -> &TrainConfig {
        &self.config
    }
    pub fn samples_seen(&self) -> u64 {
        self.samples_seen
    }
    /// Completed epochs.
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
        self.net = Network::from_params(&self.config.sizes, self.config.alpha, params.to_vec())?;
        self.refresh_bounds();
        self.refresh_fast()
    }

    /// Index of the last training pattern visited (None before the first step).
    pub fn last_pattern(&self) -> Option<usize> {
        self.last_pattern
    }

    /// The lambdas this run's policy gives for pattern (x0, d) at the current parameters.
    pub fn lambdas_for(&self, x0: &[f64], d: &[f64]) -> Result<crate::cost::Lambdas> {
        self.net.check_input(x0)?;
        self.net.check_target(d)?;
        let fw = self.net.forward(x0);
        self.config
            .lambda
            .lambdas(&fw, &plain_adjoint(&self.net, &fw, d))
    }

    /// Changes the step size of the following steps.
    pub fn set_step_size(&mut self, step_size: f64) -> Result<()> {
        let mut c = self.config.clone();
        c.step_size = step_size;
        c.validate(self.train.input_size())?;
        self.config = c;
        Ok(())
    }

    /// (Re)builds the f32 path from `net` when the run is fast.
    fn refresh_fast(&mut self) -> Result<()> {
        self.fast = if self.config.fast {
            Some(Fast {
                net: FastNet::from_network(&self.net)?,
                method: FastMethod::from(&self.config.method),
                lambdas: FastLambdas::from(&self.config.lambda),
                x0: vec![0.0; self.net.sizes()[0]],
            })
        } else {
            None
        };
        self.sync_from_fast(); // net now holds exactly the f32 model
        Ok(())
    }

    /// Copies the f32 parameters into `net` (as f64: exactly the f32 model's values).
    fn sync_from_fast(&mut self) {
        if let Some(f) = &self.fast {
            f.net.params_into(&mut self.net.params);
        }
    }

    fn refresh_bounds(&mut self) {
        for k in 1..=self.net.n() {
            self.bounds[k] = (norm_inf(self.net.w(k)), norm_inf(self.net.beta(k)));
        }
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

    /// The direction of the configured method for one pattern, and the lambdas used.
    fn direction(&self, fw: &Forward) -> Result<(Vec<RankOne>, Vec<f64>)> {
        let b0 = plain_adjoint(&self.net, fw, &self.d);
        if self.config.method == Method::Sgd {
            return Ok((gradient_factors(fw, &b0), Vec::new()));
        }
        let lambda = self.config.lambda.lambdas(fw, &b0)?;
        let layers = match &self.config.method {
            Method::Sgd => unreachable!("handled above"),
            Method::Mk {
                mu,
                source: GradientSource::Unregularised,
            } => mk_factors(fw, &b0, &self.d, &lambda, *mu),
            Method::Mk {
                mu,
                source: GradientSource::Regularised,
            } => {
                let b = adjoint(&self.net, fw, &self.d, &lambda);
                mk_factors(fw, &b, &self.d, &lambda, *mu)
            }
            Method::Newton => {
                let b = adjoint(&self.net, fw, &self.d, &lambda);
                newton_factors(fw, &b, &self.d, &lambda, true, NewtonSign::Corrected)
            }
        };
        Ok((layers, lambda.as_slice().to_vec()))
    }

    /// `params -= step * direction`, unless some parameter could become NaN/Inf: then nothing is
    /// written and `false` is returned.
    fn apply(&mut self, fw: &Forward, layers: &[RankOne]) -> bool {
        let step = self.config.step_size;
        let n = self.net.n();
        let mut growth = vec![(0.0, 0.0); n + 1];
        for k in 1..=n {
            let (u, eta) = (norm_inf(&layers[k].u), norm_inf(&layers[k].eta));
            let x = norm_inf(&fw.x[k - 1]);
            let gw = step * u * x;
            let gb = step * eta;
            // norm_inf ignores NaN (f64::max), so test the vectors themselves.
            let finite = layers[k]
                .u
                .iter()
                .chain(&layers[k].eta)
                .chain(&fw.x[k - 1])
                .all(|v| v.is_finite());
            if !(finite && gw.is_finite() && gb.is_finite()) {
                return false;
            }
            if self.bounds[k].0 + gw > LIMIT || self.bounds[k].1 + gb > LIMIT {
                self.bounds[k] = (norm_inf(self.net.w(k)), norm_inf(self.net.beta(k)));
                if self.bounds[k].0 + gw > LIMIT || self.bounds[k].1 + gb > LIMIT {
                    return false;
                }
            }
            growth[k] = (gw, gb);
        }
        for k in 1..=n {
            let layer = self.net.layer(k).clone();
            let x = &fw.x[k - 1];
            let w = &mut self.net.params[layer.w.clone()];
            for (row, &ui) in w.chunks_exact_mut(layer.cols).zip(&layers[k].u) {
                let s = step * ui;
                for (wij, &xj) in row.iter_mut().zip(x) {
                    *wij -= s * xj;
                }
            }
            for (bi, &ei) in self.net.params[layer.b.clone()]
                .iter_mut()
                .zip(&layers[k].eta)
            {
                *bi -= step * ei;
            }
            self.bounds[k].0 += growth[k].0;
            self.bounds[k].1 += growth[k].1;
        }
        true
    }

    /// One step on the pattern in `self.x0`, `self.d`: `Some((loss, correct, lambdas))` before the
    /// step, or `None` when the step was rejected (it would have produced NaN/Inf).
    fn train_current(&mut self, label: usize) -> Option<(f64, bool, Vec<f64>)> {
        if let Some(f) = &mut self.fast {
            for (o, &v) in f.x0.iter_mut().zip(&self.x0) {
                *o = v as f32;
            }
            let out = f.net.train_step(
                &f.x0,
                label,
                &f.method,
                &f.lambdas,
                self.config.step_size as f32,
            );
            if out.diverged {
                return None;
            }
            self.samples_seen += 1;
            return Some((
                f64::from(out.loss),
                out.correct,
                f.net.last_lambdas().to_vec(),
            ));
        }
        let fw = self.net.forward(&self.x0);
        // Non-finite states make the lambdas fail: that is a divergence too.
        let (layers, lambda) = self.direction(&fw).ok()?;
        if !self.apply(&fw, &layers) {
            return None;
        }
        self.samples_seen += 1;
        Some((loss(&fw, &self.d), argmax(fw.output()) == label, lambda))
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
        self.sync_from_fast();
        Ok(acc.stats(self.samples_seen, self.epoch()))
    }

    /// One step of the configured method on a given pattern (pixels in [0, 1], s_0 of them) and
    /// label: the page's "teach" on a drawn digit.
    pub fn teach(&mut self, x0: &[f64], label: usize) -> Result<StepStats> {
        self.net.check_input(x0)?;
        if label >= Dataset::CLASSES {
            return Err(Error::invalid(
                "label",
                format!("must be 0..{}, got {label}", Dataset::CLASSES - 1),
            ));
        }
        self.x0.copy_from_slice(x0);
        self.d
            .iter_mut()
            .enumerate()
            .for_each(|(i, v)| *v = f64::from(u8::from(i == label)));
        let mut acc = Accumulator::default();
        acc.add(self.train_current(label));
        self.sync_from_fast();
        Ok(acc.stats(self.samples_seen, self.epoch()))
    }

    /// Accuracy and loss on test patterns `start..start + count` (clamped to the test set): the
    /// paper's "validation". Callers keep the page responsive by asking for chunks. A fast run
    /// evaluates with the f32 kernel's forward pass (about as fast as its training steps).
    pub fn evaluate(&mut self, start: usize, count: usize) -> Evaluation {
        let end = start.saturating_add(count).min(self.test.len());
        let mut x0 = vec![0.0; self.test.input_size()];
        let mut d = vec![0.0; Dataset::CLASSES];
        let mut e = Evaluation::default();
        for i in start.min(end)..end {
            self.test.target_into(i, &mut d);
            let (best, l) = if let Some(f) = &mut self.fast {
                // The f32 kernel's forward pass (the model is exactly these f32 weights).
                crate::fast::pixels_to_input(self.test.pixels(i), &mut f.x0);
                let out = f.net.outputs(&f.x0);
                let l: f64 = out
                    .iter()
                    .zip(&d)
                    .map(|(&x, t)| (t - f64::from(x)).powi(2))
                    .sum();
                let best = argmax(out);
                (best, 0.5 * l)
            } else {
                self.test.input_into(i, &mut x0);
                let fw = self.net.forward(&x0);
                (argmax(fw.output()), loss(&fw, &d))
            };
            e.count += 1;
            e.correct += usize::from(best == self.test.label(i));
            e.loss_sum += l;
        }
        e
    }

    /// The network's outputs `x_n` for one input (length s_0, finite).
    pub fn predict(&self, x0: &[f64]) -> Result<Vec<f64>> {
        self.net.check_input(x0)?;
        Ok(self.net.forward(x0).output().to_vec())
    }
}
