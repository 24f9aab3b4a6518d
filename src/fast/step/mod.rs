//! The fused f32 training step over a [`Net32`]: forward pass, one backward sweep (two when the
//! guard cannot prove the step safe), the rank-one writes. What it computes, why one sweep
//! suffices and why nothing is written when a parameter could overflow: [`crate::fast`].

mod direction;

use super::kernels::{sparse_update, sweep};
use super::net::{Activations, Net32};
use super::{FastLambdas, FastMethod, StepOutcome, LIMIT};
use crate::error::Result;
use crate::linalg::argmax;
use crate::network::Network;

/// A leaky-ReLU MLP in f32 ([`Net32`]) with the preallocated workspaces of one training step:
/// a step allocates nothing.
#[derive(Debug, Clone)]
pub struct FastNet {
    net: Net32,
    /// x_k, d_k (each (s_k,)) and the nonzero pixels of the current pattern.
    acts: Activations,
    /// (n + 1,) upper bounds of (max|W_k|, max|beta_k|) (index k; `[0]` unused).
    bounds: Vec<(f64, f64)>,
    /// `d_k .* b0_k` (plain adjoint, Eq. 19 with lambda = 0, lambda_n = 1), (s_k,) per k; `[0]` unused.
    e0: Vec<Vec<f32>>,
    /// `d_k .* b_k` (regularised adjoint, Eq. 19 corrected), (s_k,) per k; `[0]` unused.
    e: Vec<Vec<f32>>,
    /// `step u_k`, (s_k,) per k; `[0]` unused.
    r: Vec<Vec<f32>>,
    /// `step eta_k`, (s_k,) per k; `[0]` unused.
    h: Vec<Vec<f32>>,
    /// (n + 1,) bound growth of layer k's write: (step max|u_k| max|x_{k-1}|, step max|eta_k|).
    growth: Vec<(f64, f64)>,
    /// (n + 1,) max|x_k| (Inf if some entry is not finite).
    xmax: Vec<f64>,
    /// (n + 1,) ||x_k||^2.
    xx: Vec<f64>,
    /// (n + 1,) ||d_k||_inf (`[0]` unused).
    dmax: Vec<f64>,
    /// (n + 1,) lambda_0..lambda_n of the current step.
    lambda: Vec<f64>,
    /// Whether the method used the lambdas (not SGD).
    lambda_used: bool,
    /// `||d - x_n||^2` of the current pattern.
    res2: f64,
    /// Always take the two-pass schedule.
    two_pass: bool,
}

/// One step's settings and what they imply for the sweep.
#[derive(Clone, Copy)]
struct Plan<'a> {
    method: FastMethod,
    lambdas: &'a FastLambdas,
    label: usize,
    step_size: f64,
    /// The regularised adjoint b is needed: MK of b (the paper's) and Newton.
    reg: bool,
    /// The plain adjoint b0 is needed: for SGD and the unregularised-gradient variant's
    /// gradient, or for Eq. 65's lambdas.
    need0: bool,
}

/// max |v|, or Inf when some entry is not finite.
fn max_abs(v: &[f32]) -> f64 {
    let (m, finite) = v.iter().fold((0f32, true), |(m, f), a| {
        (m.max(a.abs()), f && a.is_finite())
    });
    if finite {
        f64::from(m)
    } else {
        f64::INFINITY
    }
}

/// `||v||^2` in f64.
fn sum_sq(v: &[f32]) -> f64 {
    v.iter().map(|&a| f64::from(a) * f64::from(a)).sum()
}

impl FastNet {
    /// An f32 copy of `net`; fails if a parameter or alpha is outside f32's finite range.
    pub fn from_network(net: &Network) -> Result<FastNet> {
        Ok(FastNet::new(Net32::from_network(net)?))
    }

    /// The training step's workspaces around `net`.
    pub fn new(net: Net32) -> FastNet {
        let n = net.n();
        let per_state = || -> Vec<Vec<f32>> { net.sizes().iter().map(|&s| vec![0.0; s]).collect() };
        let mut fast = FastNet {
            acts: Activations::new(net.sizes()),
            bounds: vec![(0.0, 0.0); n + 1],
            e0: per_state(),
            e: per_state(),
            r: per_state(),
            h: per_state(),
            growth: vec![(0.0, 0.0); n + 1],
            xmax: vec![0.0; n + 1],
            xx: vec![0.0; n + 1],
            dmax: vec![0.0; n + 1],
            lambda: vec![0.0; n + 1],
            lambda_used: false,
            res2: 0.0,
            two_pass: false,
            net,
        };
        for k in 1..=n {
            fast.refresh_bounds(k);
        }
        fast
    }

    /// The f32 network this step trains.
    pub fn net(&self) -> &Net32 {
        &self.net
    }
    /// An f64 [`Network`] with these parameters.
    pub fn to_network(&self) -> Network {
        self.net.to_network()
    }
    /// The parameters in [`Network`]'s layout (`W_1` row-major like every other layer).
    pub fn params(&self) -> Vec<f32> {
        self.net.params()
    }
    /// The parameters as f64 in [`Network`]'s layout, into `out` (no allocation).
    pub fn params_into(&self, out: &mut [f64]) {
        self.net.params_into(out)
    }
    pub fn sizes(&self) -> &[usize] {
        self.net.sizes()
    }
    /// The lambdas of the last step (empty for SGD), as `StepStats::lambda`.
    pub fn last_lambdas(&self) -> &[f64] {
        if self.lambda_used {
            &self.lambda
        } else {
            &[]
        }
    }
    /// Always take the two-pass schedule (checks, then writes): same bits, for tests and benchmarks.
    pub fn set_two_pass(&mut self, on: bool) {
        self.two_pass = on;
    }
    fn refresh_bounds(&mut self, k: usize) {
        self.bounds[k] = (max_abs(self.net.w(k)), max_abs(self.net.beta(k)));
    }

    /// One step of `method` on input `x0` (s_0 values) with one-hot target `label`. Panics on a
    /// wrong input length, label or lambda count (the caller validated its configuration).
    pub fn train_step(
        &mut self,
        x0: &[f32],
        label: usize,
        method: &FastMethod,
        lambdas: &FastLambdas,
        step_size: f32,
    ) -> StepOutcome {
        let n = self.net.n();
        self.net.assert_pattern(x0, label);
        if let FastLambdas::Fixed(l) = lambdas {
            assert_eq!(l.len(), n + 1, "lambda_0..lambda_n");
        }
        // The a-priori overflow bounds below assume finite settings: an infinite step, damping or
        // lambda (e.g. an f64 beyond f32's range, cast) is rejected before anything is computed.
        let finite_settings = step_size.is_finite()
            && match method {
                FastMethod::Mk { mu, .. } => mu.is_finite(),
                _ => true,
            }
            && match lambdas {
                FastLambdas::Fixed(l) => l.iter().all(|v| v.is_finite()),
                FastLambdas::Eq65 { .. } => true,
            };
        if !finite_settings {
            return StepOutcome {
                loss: f32::NAN,
                correct: false,
                diverged: true,
            };
        }
        self.forward(x0);
        let out = &self.acts.x[n];
        let best = argmax(out);
        for i in 0..out.len() {
            self.e0[n][i] = f32::from(u8::from(i == label)) - out[i]; // b0_n = d - x_n
        }
        self.res2 = sum_sq(&self.e0[n]);
        let ok = self.backward(Plan::new(*method, lambdas, label, f64::from(step_size)));
        StepOutcome {
            loss: (0.5 * self.res2) as f32,
            correct: best == label,
            diverged: !ok,
        }
    }

    /// The outputs `x_n` for input `x0` (s_0 values): the forward pass of a step, no update.
    pub fn outputs(&mut self, x0: &[f32]) -> &[f32] {
        assert_eq!(x0.len(), self.net.sizes()[0], "input length");
        self.forward(x0);
        &self.acts.x[self.net.n()]
    }

    /// Eq. 1 ([`Net32::forward`]), then max|x_k|, ||x_k||^2 and ||d_k||_inf for the guard.
    fn forward(&mut self, x0: &[f32]) {
        self.net.forward(x0, &mut self.acts);
        (self.xmax[0], self.xx[0]) = (max_abs(x0), sum_sq(x0));
        for k in 1..=self.net.n() {
            let (x, d) = (&self.acts.x[k], &self.acts.dv[k]);
            (self.xmax[k], self.xx[k]) = (max_abs(x), sum_sq(x));
            self.dmax[k] = f64::from(d.iter().fold(0f32, |m, &v| m.max(v)));
        }
    }

    /// The backward sweep and the update (module doc); `false` = rejected, nothing written.
    fn backward(&mut self, plan: Plan) -> bool {
        if self.xmax.iter().any(|m| !m.is_finite()) {
            return false;
        }
        self.lambda_used = plan.method != FastMethod::Sgd;
        self.terminal(&plan);
        let fused = !self.two_pass && self.provably_safe(&plan);
        for k in (1..=self.net.n()).rev() {
            if !self.layer(k, &plan, fused) {
                return false;
            }
        }
        if !fused {
            // W_2 first: the check pass ended on it, so it is still in cache; layer 1 last.
            (2..=self.net.n())
                .chain([1])
                .for_each(|k| self.write(k, true));
        }
        true
    }

    /// lambda_n (fixed, Eq. 68, or 1) and the top adjoints `d_n .* b0_n`, `d_n .* b_n` with
    /// `b_n = lambda_n (d - x_n)`; `e0[n]` holds `d - x_n` on entry. Fixed lambdas are all set here.
    fn terminal(&mut self, plan: &Plan) {
        let n = self.net.n();
        match plan.lambdas {
            FastLambdas::Fixed(l) => self
                .lambda
                .iter_mut()
                .zip(l)
                .for_each(|(a, &b)| *a = f64::from(b)),
            FastLambdas::Eq65 { eq68, .. } => {
                self.lambda.fill(0.0);
                self.lambda[n] = if *eq68 {
                    self.res2.sqrt() / self.dmax[n]
                } else {
                    1.0
                };
            }
        }
        let dn = &self.acts.dv[n];
        for i in 0..self.net.sizes()[n] {
            let b0 = self.e0[n][i];
            if plan.reg {
                let b = (self.lambda[n] * f64::from(b0)) as f32; // b_n = lambda_n (d - x_n)
                self.e[n][i] = dn[i] * b;
            }
            self.e0[n][i] = dn[i] * b0;
        }
    }

    /// Layer k of the sweep: lambda_{k-1}, the direction and its checks, the adjoints of layer
    /// k-1 (k >= 2) and, in the fused schedule, the write. `false` = rejected.
    fn layer(&mut self, k: usize, plan: &Plan, fused: bool) -> bool {
        if let (FastLambdas::Eq65 { white, .. }, true) = (plan.lambdas, self.lambda_used) {
            // Eq. 65: lambda_{k-1} = ||d_k .* b0_k|| / ||d_{k-1}||_inf; lambda_0 = ||d_1 .* b0_1|| or 0.
            let norm = sum_sq(&self.e0[k]).sqrt();
            self.lambda[k - 1] = if k >= 2 {
                norm / self.dmax[k - 1]
            } else if *white {
                norm
            } else {
                0.0
            };
        }
        // In the fused schedule no check below can fail (module doc): the writes above stand.
        if !self.direction(k, plan) {
            debug_assert!(!fused, "a proven-safe step failed its check at layer {k}");
            return false;
        }
        if k >= 2 {
            self.adjoint_pass(k, plan, fused);
            let bad = |v: &[f32], on: bool| on && max_abs(v).is_infinite();
            if bad(&self.e0[k - 1], plan.need0) || bad(&self.e[k - 1], plan.reg) {
                debug_assert!(
                    !fused,
                    "a proven-safe adjoint overflowed at layer {}",
                    k - 1
                );
                return false;
            }
        }
        if fused {
            self.write(k, k == 1);
        }
        true
    }

    /// One pass over the rows of `W_k` (k >= 2): the adjoints of layer k-1 from the old rows, and
    /// the rank-one write when `update`.
    fn adjoint_pass(&mut self, k: usize, plan: &Plan, update: bool) {
        let (need0, reg) = (plan.need0, plan.reg);
        let cols = self.net.sizes()[k - 1];
        let (wk, _) = self.net.layer_mut(k);
        let (e0lo, e0hi) = self.e0.split_at_mut(k);
        let (elo, ehi) = self.e.split_at_mut(k);
        let (a0, a) = (&mut e0lo[k - 1], &mut elo[k - 1]);
        a0.fill(0.0);
        a.fill(0.0);
        let (r, x) = (&self.r[k], &self.acts.x[k - 1]);
        let (e, acc): ([&[f32]; 2], [&mut [f32]; 2]) = match (need0, reg) {
            (true, true) => ([&e0hi[0], &ehi[0]], [a0, a]),
            (true, false) => ([&e0hi[0], &[]], [a0, &mut []]),
            _ => ([&ehi[0], &[]], [a, &mut []]),
        };
        match (need0 && reg, update) {
            (true, true) => sweep::<2, true>(wk, cols, e, acc, r, x),
            (true, false) => sweep::<2, false>(wk, cols, e, acc, r, x),
            (false, true) => sweep::<1, true>(wk, cols, e, acc, r, x),
            (false, false) => sweep::<1, false>(wk, cols, e, acc, r, x),
        }
        self.scale_adjoints(k - 1, plan);
    }

    /// Layer j's sums over the rows of `W_{j+1}` into `d_j .* b0_j` and `d_j .* (sum - lambda_j x_j)`.
    /// lambda_j of Eq. 65 grows like 1/alpha when every unit of layer j leaks, so `lambda x` can
    /// leave f32's range where `d .* (lambda x)` does not (d_i lambda <= ||d_{j+1} .* b0_{j+1}||):
    /// then d_i lambda is formed first, in f64. Otherwise the usual order.
    fn scale_adjoints(&mut self, j: usize, plan: &Plan) {
        let lam = self.lambda[j];
        let small = lam <= LIMIT && lam * self.xmax[j] <= LIMIT;
        let (d, x) = (&self.acts.dv[j], &self.acts.x[j]);
        let (e0, e) = (&mut self.e0[j], &mut self.e[j]);
        for i in 0..d.len() {
            if plan.need0 {
                e0[i] *= d[i]; // d_j .* b0_j
            }
            if plan.reg && small {
                e[i] = d[i] * (e[i] - lam as f32 * x[i]); // d_j .* b_j
            } else if plan.reg {
                let dl = (f64::from(d[i]) * lam) as f32;
                e[i] = d[i] * e[i] - dl * x[i];
            }
        }
    }

    /// `beta_k -= step eta_k` (and `W_k -= step u_k x_{k-1}^T` when `with_w`), bounds grown.
    fn write(&mut self, k: usize, with_w: bool) {
        let cols = self.net.sizes()[k - 1];
        let (wk, beta) = self.net.layer_mut(k);
        if with_w && k == 1 {
            // W_1^T: only the rows j of nonzero x_0[j] change (W_1[i,j] -= r_i x_0[j]).
            sparse_update(wk, &self.acts.nz, &self.acts.x[0], &self.r[1]);
        } else if with_w {
            sweep::<0, true>(
                wk,
                cols,
                [&[], &[]],
                [&mut [], &mut []],
                &self.r[k],
                &self.acts.x[k - 1],
            );
        }
        for (p, &hi) in beta.iter_mut().zip(&self.h[k]) {
            *p -= hi;
        }
        self.bounds[k].0 += self.growth[k].0;
        self.bounds[k].1 += self.growth[k].1;
    }
}

impl<'a> Plan<'a> {
    fn new(method: FastMethod, lambdas: &'a FastLambdas, label: usize, step_size: f64) -> Plan<'a> {
        let reg = matches!(
            method,
            FastMethod::Newton
                | FastMethod::Mk {
                    unregularised: false,
                    ..
                }
        );
        Plan {
            method,
            lambdas,
            label,
            step_size,
            reg,
            need0: !reg || matches!(lambdas, FastLambdas::Eq65 { .. }),
        }
    }
}
