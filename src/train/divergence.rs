//! Divergence as an event with its explanation: the watch that flags a blow-up before any NaN/Inf,
//! the kept history that brings the parameters back to the state before the flagged step, and the
//! report of what led there in the engine's numbers (docs/maths.md, section 7: why MK as printed
//! trails SGD).
//!
//! **The watch.** Every step measures the pattern's cost `C = 1/2||d - x_n||^2` (Eq. 2) before its
//! update. The targets are one-hot and the fit is least squares, so what the outputs estimate is
//! the class probabilities: any output vector in the box `[0, 1]^{s_n}` costs at most `s_n / 2` on
//! any one-hot target (every output wrong by 1). A cost above [`BOUND_FACTOR`] times that,
//! `C > 10 s_n / 2` (50 for ten classes), needs `||d - x_n|| > sqrt(10 s_n) = 10`: outputs of order
//! ten where the target is 0 or 1, which nothing in the target explains. `tests/train.rs` checks
//! that SGD and the unregularised variant at steps 0.003-0.1 on the fixtures (10 epochs, both
//! engines) are never flagged, and that MK as printed at step 0.001 on 784-64-10 is, after 176,616
//! patterns, before any NaN/Inf; in the scan of `tests/experiments/defaults.sh` (README) SGD at
//! 0.003-0.03 and the unregularised variant at every scanned step never were. A step the engine
//! rejects (it would have made a parameter NaN/Inf) is the same event.
//!
//! **The kept state.** The cost of pattern `i` is measured at `theta_{i-1}`, in the same engine call
//! that applies step `i`: a flagged step is undone by rebuilding `theta_{i-1}` from the
//! [`History`], two checkpoints of the parameters (the newer one never past the current state, at
//! most 2 x [`CHECKPOINT_EVERY`] steps back) and the patterns applied since, replayed (every step is a
//! deterministic function of the parameters and the pattern, so the replay is bit-exact). A step
//! the engine rejects leaves `theta_{i-1}` by itself. Either way the run keeps `theta_{i-1}`, as
//! if the step had not been asked for (the pattern counts as visited).
//!
//! **The report.** The update examined is the last one kept (step `i - 1`, from `theta_{i-2}`, on
//! pattern `q`; for a rejected step, or with no earlier state in the history, step `i` itself):
//! the lambdas the run's policy (Eq. 65) chose for it, the share of units on the leaky branch
//! (`a_k < 0`, slope alpha) per layer on its pattern, `||Delta theta||_2` against `||theta||_2`, the
//! flagged pattern's cost before that update (when it is over the bound too, the outputs drifted
//! there over many steps rather than jumped in one), and a step size that would have stayed
//! under the bound: from the older checkpoint, the logged patterns through that update are trained
//! again at `eta / 2^j`, `j = 1..=`[`MAX_HALVINGS`], and the first at which every pattern's cost,
//! the flagged one's included, stays finite and under the bound is reported, with how many
//! patterns that re-run covered (none if every halving fails).

use super::engine::Engine;
use super::TrainConfig;
use crate::cost::loss;
use crate::io::data::Dataset;
use crate::network::{Forward, Network};

/// The watch's bound is this many times the largest cost of outputs in `[0, 1]^{s_n}`.
pub const BOUND_FACTOR: f64 = 10.0;
/// Steps between checkpoints of the parameters.
pub const CHECKPOINT_EVERY: usize = 4096;
/// How many halvings of the step size the report tries.
pub const MAX_HALVINGS: u32 = 8;

/// The bound on one pattern's cost: `BOUND_FACTOR * s_n / 2`.
pub fn cost_bound(s_n: usize) -> f64 {
    BOUND_FACTOR * s_n as f64 / 2.0
}

/// Why a run was stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Cause {
    /// A pattern's cost went over [`cost_bound`].
    Cost,
    /// The step would have made a parameter NaN/Inf (the engine refused it).
    NonFinite,
}

/// A divergence, explained in the engine's numbers.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Divergence {
    pub cause: Cause,
    /// Patterns trained on at the kept state (where the chart marks it).
    pub samples: u64,
    /// The flagged pattern's cost at the kept state, and the bound.
    pub cost: f64,
    pub bound: f64,
    /// The update examined: its training pattern, label and that pattern's cost before it.
    pub pattern: usize,
    pub label: usize,
    pub cost_before: f64,
    pub step_size: f64,
    /// lambda_0..lambda_n the run's policy chose for that update (empty for SGD).
    pub lambda: Vec<f64>,
    /// Per layer 1..n, the share of units on the leaky branch (pre-activation a_k < 0).
    pub leaky_share: Vec<f64>,
    /// `||Delta theta||_2` of the update (None: it would not have been finite) and `||theta_r||_2`.
    pub step_norm: Option<f64>,
    pub param_norm: f64,
    /// The flagged pattern's cost before the update examined.
    pub cost_unchanged: f64,
    /// The largest `step_size / 2^j` (1 <= j <= MAX_HALVINGS) at which re-training the last
    /// `retried` patterns (from the older checkpoint through the offending update) keeps every
    /// cost, the flagged pattern's included, finite and under the bound; the largest such cost.
    pub safe_step: Option<f64>,
    pub safe_cost: Option<f64>,
    pub retried: u64,
}

/// A checkpoint: the parameters after `seen` applied steps.
struct Checkpoint {
    params: Vec<f64>,
    seen: u64,
}

/// Two checkpoints and the training patterns applied since the older one.
pub(super) struct History {
    older: Checkpoint,
    newer: Checkpoint,
    /// Pattern indices applied since `older.seen`; `log[newer.seen - older.seen..]` follow `newer`.
    log: Vec<u32>,
}

impl History {
    /// A history that starts at `net` after `seen` steps.
    pub(super) fn new(net: &Network, seen: u64) -> History {
        let c = || Checkpoint {
            params: net.params.clone(),
            seen,
        };
        History {
            older: c(),
            newer: c(),
            log: Vec::with_capacity(2 * CHECKPOINT_EVERY),
        }
    }

    /// Forgets everything before `net` (after a drawn digit was taught, new parameters or a new
    /// step size: the log could not replay them).
    pub(super) fn restart(&mut self, net: &Network, seen: u64) {
        for c in [&mut self.older, &mut self.newer] {
            c.params.copy_from_slice(&net.params);
            c.seen = seen;
        }
        self.log.clear();
    }

    /// Whether a new checkpoint is due: [`CHECKPOINT_EVERY`] steps logged after the newer one
    /// (call [`History::rotate`] with the synced parameters).
    pub(super) fn due(&self) -> bool {
        self.log.len() - (self.newer.seen - self.older.seen) as usize >= CHECKPOINT_EVERY
    }

    /// The newer checkpoint becomes the older one, `net` (after `seen` steps) the newer.
    pub(super) fn rotate(&mut self, net: &Network, seen: u64) {
        let dropped = (self.newer.seen - self.older.seen) as usize;
        self.log.drain(..dropped);
        std::mem::swap(&mut self.older, &mut self.newer);
        self.newer.params.copy_from_slice(&net.params);
        self.newer.seen = seen;
    }

    /// Records an applied step on training pattern `i`.
    pub(super) fn push(&mut self, i: usize) {
        self.log.push(i as u32);
    }

    /// The oldest state that can be rebuilt.
    pub(super) fn oldest(&self) -> u64 {
        self.older.seen
    }

    /// The training pattern of applied step `s + 1` (the update from state `s`), if logged.
    pub(super) fn pattern_after(&self, s: u64) -> Option<usize> {
        let k = s.checked_sub(self.older.seen)? as usize;
        self.log.get(k).map(|&i| i as usize)
    }

    /// The parameters after `target` applied steps (`oldest() <= target <= ` the last logged),
    /// rebuilt by replaying the log from the nearest checkpoint.
    pub(super) fn rebuild(&self, target: u64, config: &TrainConfig, train: &Dataset) -> Network {
        let c = if target >= self.newer.seen {
            &self.newer
        } else {
            &self.older
        };
        let mut net = Network::from_params(&config.sizes, config.alpha, c.params.clone())
            .expect("a checkpoint has the run's architecture");
        if target == c.seen {
            return net;
        }
        let mut engine = Engine::new(net, config).expect("a checkpoint is a valid network");
        let (mut x0, mut d) = (vec![0.0; train.input_size()], vec![0.0; Dataset::CLASSES]);
        let from = (c.seen - self.older.seen) as usize;
        let to = (target - self.older.seen) as usize;
        for &i in &self.log[from..to] {
            let i = i as usize;
            train.input_into(i, &mut x0);
            train.target_into(i, &mut d);
            // Every logged step was applied from this very state once: it is applied again.
            let _ = engine.train(&x0, &d, train.label(i), config.step_size);
        }
        engine.sync();
        net = engine.network().clone();
        net
    }
}

impl History {
    /// Re-trains the logged patterns from the older checkpoint through applied step `upto` at
    /// step size `eta` (past the log: then the last is `flagged`'s own rejected step), then
    /// measures `flagged`'s cost: the largest cost seen, if every one was
    /// finite and at most `bound`.
    fn retry(
        &self,
        eta: f64,
        upto: u64,
        config: &TrainConfig,
        train: &Dataset,
        flagged: usize,
        bound: f64,
    ) -> Option<f64> {
        let net =
            Network::from_params(&config.sizes, config.alpha, self.older.params.clone()).ok()?;
        let mut engine = Engine::new(net, config).ok()?;
        let (mut x0, mut d) = (vec![0.0; train.input_size()], vec![0.0; Dataset::CLASSES]);
        let mut worst = 0.0f64;
        let to = ((upto - self.older.seen) as usize).min(self.log.len());
        for &i in &self.log[..to] {
            let i = i as usize;
            train.input_into(i, &mut x0);
            train.target_into(i, &mut d);
            let c = engine.train(&x0, &d, train.label(i), eta)?.loss;
            // NaN fails this test too.
            if c.is_nan() || c > bound {
                return None;
            }
            worst = worst.max(c);
        }
        train.input_into(flagged, &mut x0);
        train.target_into(flagged, &mut d);
        if upto - self.older.seen > self.log.len() as u64 {
            // The offending update was the flagged pattern's own (rejected) step.
            engine.train(&x0, &d, train.label(flagged), eta)?;
        }
        engine.sync();
        let c = loss(&engine.network().forward(&x0), &d);
        (c <= bound).then_some(worst.max(c))
    }
}

/// The explanation of the update on pattern `q` from `kept` (the state after `base_seen` steps),
/// checked on the flagged pattern `flagged` (its cost at the kept state after `samples` steps:
/// `cost`).
#[allow(clippy::too_many_arguments)]
pub(super) fn explain(
    history: &History,
    cause: Cause,
    kept: &Network,
    base_seen: u64,
    samples: u64,
    config: &TrainConfig,
    train: &Dataset,
    q: usize,
    flagged: usize,
    cost: f64,
) -> Divergence {
    let bound = cost_bound(Dataset::CLASSES);
    let input = |i: usize| {
        let mut x0 = vec![0.0; train.input_size()];
        train.input_into(i, &mut x0);
        let mut d = vec![0.0; Dataset::CLASSES];
        train.target_into(i, &mut d);
        (x0, d)
    };
    let (xq, dq) = input(q);
    let (xf, df) = input(flagged);
    let fw = kept.forward(&xq);
    let leaky_share = leaky_share(&fw);
    let param_norm = l2(&kept.params);
    // The update at step size `eta` from `kept`: its lambdas and the resulting parameters.
    let update = |eta: f64| {
        let mut e = Engine::new(kept.clone(), config).expect("the kept state is a valid network");
        let lambda = e
            .train(&xq, &dq, train.label(q), eta)
            .map(|o| o.lambda.to_vec());
        e.sync();
        lambda.map(|l| (l, e.network().clone()))
    };
    let (lambda, step_norm) = match update(config.step_size) {
        Some((l, after)) => {
            let diff = after.params.iter().zip(&kept.params).map(|(a, b)| a - b);
            (l, Some(diff.map(|v| v * v).sum::<f64>().sqrt()))
        }
        None => (Vec::new(), None),
    };
    // Through the update examined (past the log: the flagged pattern's own step).
    let upto = base_seen + 1;
    let retried = upto - history.oldest();
    let (mut safe_step, mut safe_cost) = (None, None);
    for j in 1..=MAX_HALVINGS {
        let eta = config.step_size / f64::from(2u32).powi(j as i32);
        if let Some(c) = history.retry(eta, upto, config, train, flagged, bound) {
            (safe_step, safe_cost) = (Some(eta), Some(c));
            break;
        }
    }
    Divergence {
        cause,
        samples,
        cost,
        bound,
        pattern: q,
        label: train.label(q),
        cost_before: loss(&fw, &dq),
        step_size: config.step_size,
        lambda,
        leaky_share,
        step_norm,
        param_norm,
        cost_unchanged: loss(&kept.forward(&xf), &df),
        safe_step,
        safe_cost,
        retried,
    }
}

/// Per layer 1..n, the share of units on the leaky branch (pre-activation `a_k < 0`, slope alpha).
pub(super) fn leaky_share(fw: &Forward) -> Vec<f64> {
    (1..=fw.n())
        .map(|k| fw.a[k].iter().filter(|&&a| a < 0.0).count() as f64 / fw.a[k].len() as f64)
        .collect()
}

fn l2(v: &[f64]) -> f64 {
    v.iter().map(|x| x * x).sum::<f64>().sqrt()
}
