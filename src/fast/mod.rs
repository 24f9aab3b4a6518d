//! The fast f32 training step (issue 6, item 1): one pattern, every method of [`crate::train`],
//! each weight matrix read once in the forward pass and read + written once in the backward pass.
//!
//! # What a step computes (what `Trainer::direction` + `Trainer::apply` compute in f64)
//! ```text
//! forward (Eq. 1)     a_k = W_k x_{k-1} + beta_k,  x_k = F(a_k),  d_k = F'(a_k)         k = 1..n
//! b0 (Eq. 19, lambda = 0, lambda_n = 1)   b0_n = d - x_n,  b0_{k-1} = W_k^T (d_k .* b0_k)
//! b  (Eq. 19 corrected, Eq. 67)  b_n = lambda_n (d - x_n),  b_{k-1} = W_k^T (d_k .* b_k) - lambda_{k-1} x_{k-1}
//! Eq. 65   lambda_{k-1} = ||d_k .* b0_k|| / ||d_{k-1}||_inf (k >= 2),  lambda_0 = ||d_1 .* b0_1|| (white) or 0
//! Eq. 68   lambda_n = ||d - x_n|| / ||d_n||_inf  (else 1)
//! g_k = -(d_k .* b_k), ng_k = ||g_k||^2, c_k = lambda_{k-1}||x_{k-1}||^2 + [k = n] lambda_n ||d - x_n||^2
//! SGD                  u_k = eta_k = g_k of b0
//! MK (Eq. 40 / 42)     u_k = t_k g_k, eta_k = s_k g_k, t_k = lambda_{k-1}/(mu lambda_{k-1} + ng_k), s_k = c_k/(mu c_k + ng_k)
//!                      (g_k of b: the paper's MK; of b0: the unregularised-gradient variant)
//! Newton (Eq. 35 corr.) N_k = (lambda_{k-1}/ng_k) G_k (k = 1 too, lambda_0 as above), u_k = (lambda_{k-1}/ng_k) g_k,
//!                      eta_k = -||x_{k-1}||^2 u_k - [k = n] (d - x_n) ./ d_n
//! update               W_k -= step u_k x_{k-1}^T,   beta_k -= step eta_k
//! ```
//! # Why one backward sweep suffices
//! Going down from layer n, the sweep reaches layer k holding `d_k .* b0_k` and `d_k .* b_k` (from
//! the pass over `W_{k+1}`). Every scalar layer k's update needs is then known: lambda_{k-1} of Eq. 65
//! needs `||d_k .* b0_k||` and `||d_{k-1}||_inf` (forward pass); lambda_0 needs `d_1 .* b0_1`, which
//! exists when layer 1 is reached; lambda_n (Eq. 68), `d - x_n` and `||x_{k-1}||^2` are known before
//! the sweep; `ng_k` comes from the adjoint at layer k. So `u_k, eta_k` are fixed before row 0 of
//! `W_k` is touched, and one pass over the rows of `W_k` reads row i (old values), adds
//! `W_k[i,:] (d_k .* b0_k)_i` (and `W_k[i,:] (d_k .* b_k)_i`: a 2-column product) into layer k-1's
//! adjoints, then writes `W_k[i,:] -= step u_i x_{k-1}`. `b_{k-1}` needs lambda_{k-1}, fixed before
//! the pass. Layer 1 needs no adjoint below it: its pass only writes. Cost (math.md section 8):
//! forward `P_W` reads, backward `P_W` reads + writes, `P_W - s_1 s_0` of them with 1 or 2 columns.
//!
//! # Layer 1 touches only the pattern's nonzero pixels
//! `W_1` is stored transposed (`s_0` rows of `s_1`). Column j of `W_1` enters `a_1` as
//! `x_0[j] W_1[:,j]` and changes by `-step u_1 x_0[j]`: both are exactly zero when pixel j is 0,
//! so the forward pass sums only the rows j of `W_1^T` with `x_0[j] != 0` (four at a time,
//! contiguous) and the update writes only those rows. MNIST digits have about 19 % nonzero pixels,
//! so layer 1 (74 % of the paper net's weights) streams about a fifth of its bytes; dense inputs
//! cost what the dense kernel costs. [`FastNet::params`] gives the usual row-major layout.
//!
//! # Divergence guard: nothing is written if a parameter could become NaN/Inf
//! The lower layers' `u_k` are known only after the upper layers' passes, which already wrote. So
//! the step is checked before any write by bounds (like `Trainer::apply`: per layer, upper bounds
//! `B_k >= max|W_k|`, grown by `step max|u_k| max|x_{k-1}|` per step, never above [`LIMIT`]):
//! a non-finite input or state shows in `x` after the forward pass (an Inf/NaN in x_k makes every
//! entry of a_{k+1} non-finite, so it reaches x_n); with finite x, `|b_{k-1}|_inf <=
//! s_k B_k |d_k .* b_k|_inf + lambda_{k-1}|x_{k-1}|_inf` bounds every adjoint (and every partial
//! sum of its accumulation) from the top one, lambda_{k-1} <= sqrt(s_k)|d_k .* b0_k|_inf/||d_{k-1}||_inf
//! (the sums before `.* d_{k-1}` are bounded too: `||d_{k-1}||_inf` may be tiny; when lambda_{k-1}
//! itself would leave f32's range, as with a leak slope near f32's smallest normal, the adjoint
//! forms `d_{k-1} .* lambda_{k-1}` in f64 first, which is at most `||d_k .* b0_k||`);
//! and `|u_k|, |eta_k| <= |g_k| / mu` for MK with mu > 0 (t_k, s_k <= 1/mu), `= |g_k|` for SGD.
//! When these bounds keep every update below LIMIT the single fused sweep runs: no check inside it
//! can fail. MK with mu = 0 and Newton divide by `ng_k` of a lower layer, which no bound
//! controls before that layer's adjoint exists (`|u_k| <= lambda_{k-1}/||g_k||`), so they (and any
//! step whose bounds fail) take two passes: a read-only adjoint sweep over `W_n..W_2` (still one
//! sweep for b0 and b) with every check, then the write pass: `P_W - s_1 s_0` more reads only.
//!
//! # Same bits natively and in wasm
//! Reductions over a row are 4 lanes (`j mod 4`), then `(l0 + l1) + (l2 + l3)`, then the tail in
//! order, in the wasm simd128 path (f32x4), the x86_64 SSE path and the portable one alike; layer 1
//! sums its nonzero columns in index order, four per block (`(p + q) + (r + s)`), element-wise;
//! accumulations over rows go in row order; scalars (norms, lambdas, t_k, s_k) are f64 in a fixed
//! order; Rust never fuses multiply-adds. So every target computes the same parameters, bit for
//! bit (tests/fast.rs: golden hashes, measured equal natively and in wasm with and without simd128).
//! Measured throughput: `make bench` (README, "Performance").

pub mod hvp;
mod kernels;

use crate::error::{Error, Result};
use crate::linalg::{argmax, ratio};
use crate::network::{validate_architecture, Network};
use crate::regularisation::LambdaPolicy;
use kernels::{dot4, finish, reduce_lanes, sparse_columns, sparse_update, sweep, transpose_map};

/// Largest parameter magnitude a step may produce (f32 overflows at 3.4e38).
pub const LIMIT: f64 = 1e30;
/// Slack on the a-priori bounds for f32 rounding (relative errors are ~1e-7 x length).
const SAFE: f64 = 2.0;

/// The optimisers of `train::Method`, in f32.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FastMethod {
    Sgd,
    /// MK (mu = 0, Eq. 40), damped MK (mu > 0, Eq. 42); `unregularised`: rescale the plain loss's gradient.
    Mk {
        mu: f32,
        unregularised: bool,
    },
    /// Eq. 35, sign corrected, N_1 from lambda_0 (as `Trainer` uses it).
    Newton,
}

/// Where lambda_0..lambda_n come from, as [`LambdaPolicy`] defines it (SGD ignores it).
#[derive(Debug, Clone, PartialEq)]
pub enum FastLambdas {
    /// lambda_0..lambda_n (n + 1 values, finite, >= 0).
    Fixed(Vec<f32>),
    /// Eq. 65 from b0 at every pattern; `white`: lambda_0 by Eq. 65, else 0; `eq68`: lambda_n by Eq. 68, else 1.
    Eq65 { white: bool, eq68: bool },
}

impl From<&LambdaPolicy> for FastLambdas {
    fn from(p: &LambdaPolicy) -> Self {
        match p {
            LambdaPolicy::Fixed(l) => {
                FastLambdas::Fixed(l.as_slice().iter().map(|&v| v as f32).collect())
            }
            LambdaPolicy::Eq65 { white, eq68 } => FastLambdas::Eq65 {
                white: *white,
                eq68: *eq68,
            },
        }
    }
}

/// What one [`FastNet::train_step`] did. `loss` (`1/2||d - x_n||^2`) and `correct` (arg-max = label)
/// are measured before the step; `diverged`: the step was rejected, the parameters are unchanged.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StepOutcome {
    pub loss: f32,
    pub correct: bool,
    pub diverged: bool,
}

/// A leaky-ReLU MLP in f32 with preallocated workspaces: a step allocates nothing.
#[derive(Debug, Clone)]
pub struct FastNet {
    sizes: Vec<usize>,
    alpha: f32,
    /// For k = 1..n: `W_k` row-major, then `beta_k` ([`Network`]'s layout).
    params: Vec<f32>,
    /// Offset of `W_k` (index k; `[0]` unused); `beta_k` follows it.
    w_at: Vec<usize>,
    /// Upper bounds of max|W_k|, max|beta_k| (index k).
    bounds: Vec<(f64, f64)>,
    x: Vec<Vec<f32>>,
    dv: Vec<Vec<f32>>,
    /// `d_k .* b0_k` and `d_k .* b_k` (index k; `[0]` unused).
    e0: Vec<Vec<f32>>,
    e: Vec<Vec<f32>>,
    /// `step u_k`, `step eta_k` and the bound growth of layer k.
    r: Vec<Vec<f32>>,
    h: Vec<Vec<f32>>,
    growth: Vec<(f64, f64)>,
    /// max|x_k| (Inf if not finite), ||x_k||^2, ||d_k||_inf.
    xmax: Vec<f64>,
    xx: Vec<f64>,
    dmax: Vec<f64>,
    lambda: Vec<f64>,
    lambda_used: bool,
    /// `||d - x_n||^2` of the current pattern.
    res2: f64,
    two_pass: bool,
    /// The columns j with x_0[j] != 0 of the current pattern (layer 1 skips the others).
    nz: Vec<usize>,
}

/// `v` in `[0, 255]` pixels to the input `x_0 = v / 255` (as [`crate::io::data::Dataset::input_into`]).
pub fn pixels_to_input(pixels: &[u8], out: &mut [f32]) {
    for (o, &p) in out.iter_mut().zip(pixels) {
        *o = f32::from(p) / 255.0;
    }
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

fn sum_sq(v: &[f32]) -> f64 {
    v.iter().map(|&a| f64::from(a) * f64::from(a)).sum()
}

impl FastNet {
    /// An f32 copy of `net`; fails if a parameter or alpha is outside f32's finite range.
    pub fn from_network(net: &Network) -> Result<FastNet> {
        let (sizes, n) = (net.sizes().to_vec(), net.n());
        let alpha = net.alpha() as f32;
        validate_architecture(&sizes, f64::from(alpha))?;
        let mut params: Vec<f32> = net.params.iter().map(|&v| v as f32).collect();
        if let Some(i) = params.iter().position(|v| !v.is_finite()) {
            let why = format!("{} does not fit in f32", net.params[i]);
            return Err(Error::invalid(format!("params[{i}]"), why));
        }
        // W_1 is kept transposed (s_0 rows of s_1): layer 1 then touches only the columns of the
        // pattern's nonzero pixels, contiguously.
        let l1 = net.layer(1);
        transpose_map(
            &net.params[l1.w.clone()],
            l1.rows,
            l1.cols,
            &mut params[l1.w.clone()],
            |v| v as f32,
        );
        let per_state = || -> Vec<Vec<f32>> { sizes.iter().map(|&s| vec![0.0; s]).collect() };
        let mut fast = FastNet {
            w_at: (0..=n)
                .map(|k| if k == 0 { 0 } else { net.layer(k).w.start })
                .collect(),
            bounds: vec![(0.0, 0.0); n + 1],
            x: per_state(),
            dv: per_state(),
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
            nz: Vec::with_capacity(sizes[0]),
            sizes,
            alpha,
            params,
        };
        for k in 1..=n {
            fast.refresh_bounds(k);
        }
        Ok(fast)
    }

    /// An f64 [`Network`] with these parameters.
    pub fn to_network(&self) -> Network {
        let mut p = vec![0.0; self.params.len()];
        self.params_into(&mut p);
        Network::from_params(&self.sizes, f64::from(self.alpha), p)
            .expect("FastNet parameters are finite")
    }
    /// The parameters in [`Network`]'s layout (`W_1` row-major like every other layer).
    pub fn params(&self) -> Vec<f32> {
        let mut p = self.params.clone();
        let l1 = self.w_at[1]..self.b_at(1);
        let (rows, cols) = (self.sizes[1], self.sizes[0]);
        transpose_map(&self.params[l1.clone()], cols, rows, &mut p[l1], |v| v);
        p
    }
    /// The parameters as f64 in [`Network`]'s layout, into `out` (no allocation).
    pub fn params_into(&self, out: &mut [f64]) {
        assert_eq!(out.len(), self.params.len(), "parameter count");
        let l1 = self.w_at[1]..self.b_at(1);
        for (o, &v) in out.iter_mut().zip(&self.params).skip(l1.end) {
            *o = f64::from(v);
        }
        for (o, &v) in out.iter_mut().zip(&self.params).take(l1.start) {
            *o = f64::from(v);
        }
        // W_1 back from its transposed store (this runs after every chunk of steps).
        let (rows, cols) = (self.sizes[1], self.sizes[0]);
        transpose_map(
            &self.params[l1.clone()],
            cols,
            rows,
            &mut out[l1],
            f64::from,
        );
    }
    pub fn sizes(&self) -> &[usize] {
        &self.sizes
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
    fn n(&self) -> usize {
        self.sizes.len() - 1
    }
    fn b_at(&self, k: usize) -> usize {
        self.w_at[k] + self.sizes[k] * self.sizes[k - 1]
    }
    fn refresh_bounds(&mut self, k: usize) {
        let (w, b, end) = (self.w_at[k], self.b_at(k), self.b_at(k) + self.sizes[k]);
        self.bounds[k] = (max_abs(&self.params[w..b]), max_abs(&self.params[b..end]));
    }

    /// One step of `method` on input `x0` (s_0 values) with one-hot target `label`. Panics on a
    /// wrong input length, label or lambda count (the caller validated its configuration).
    pub fn train_step(
        &mut self,
        x0: &[f32],
        label: usize,
        method: &FastMethod,
        lambdas: &FastLambdas,
        step: f32,
    ) -> StepOutcome {
        let n = self.n();
        assert_eq!(x0.len(), self.sizes[0], "input length");
        assert!(label < self.sizes[n], "label {label} >= {}", self.sizes[n]);
        if let FastLambdas::Fixed(l) = lambdas {
            assert_eq!(l.len(), n + 1, "lambda_0..lambda_n");
        }
        // The a-priori overflow bounds below assume finite settings: an infinite step, damping or
        // lambda (e.g. an f64 beyond f32's range, cast) is rejected before anything is computed.
        let finite_settings = step.is_finite()
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
        let out = &self.x[n];
        let best = argmax(out);
        for i in 0..out.len() {
            self.e0[n][i] = f32::from(u8::from(i == label)) - out[i]; // b0_n = d - x_n
        }
        self.res2 = sum_sq(&self.e0[n]);
        let ok = self.backward(label, method, lambdas, f64::from(step));
        StepOutcome {
            loss: (0.5 * self.res2) as f32,
            correct: best == label,
            diverged: !ok,
        }
    }

    /// The outputs `x_n` for input `x0` (s_0 values): the forward pass of a step, no update.
    pub fn outputs(&mut self, x0: &[f32]) -> &[f32] {
        assert_eq!(x0.len(), self.sizes[0], "input length");
        self.forward(x0);
        &self.x[self.n()]
    }

    /// Eq. 1, rows four at a time; also max|x_k|, ||x_k||^2 and ||d_k||_inf.
    fn forward(&mut self, x0: &[f32]) {
        self.x[0].copy_from_slice(x0);
        (self.xmax[0], self.xx[0]) = (max_abs(x0), sum_sq(x0));
        for k in 1..=self.n() {
            let (cols, w, b) = (self.sizes[k - 1], self.w_at[k], self.b_at(k));
            let (lo, hi) = self.x.split_at_mut(k);
            let (xin, a) = (&lo[k - 1], &mut hi[0]);
            let (wk, beta) = (&self.params[w..b], &self.params[b..b + a.len()]);
            if k == 1 {
                // W_1^T stored: a_1 = sum over x_0[j] != 0 of x_0[j] W_1^T[j,:], plus beta_1.
                self.nz.clear();
                self.nz.extend((0..cols).filter(|&j| xin[j] != 0.0));
                sparse_columns(wk, &self.nz, xin, a);
                for (ai, bi) in a.iter_mut().zip(beta) {
                    *ai += bi;
                }
            } else {
                let full = a.len() / 4 * 4;
                for i in (0..full).step_by(4) {
                    let s = dot4(&wk[i * cols..(i + 4) * cols], cols, xin);
                    for l in 0..4 {
                        a[i + l] = s[l] + beta[i + l];
                    }
                }
                for i in full..a.len() {
                    let row = &wk[i * cols..(i + 1) * cols];
                    a[i] = finish([reduce_lanes(row, xin)], row, cols, xin)[0] + beta[i];
                }
            }
            let (alpha, d) = (self.alpha, &mut self.dv[k]);
            for (ai, di) in a.iter_mut().zip(d.iter_mut()) {
                (*ai, *di) = if *ai > 0.0 {
                    (*ai, 1.0)
                } else {
                    (alpha * *ai, alpha)
                };
            }
            (self.xmax[k], self.xx[k]) = (max_abs(a), sum_sq(a));
            self.dmax[k] = f64::from(d.iter().fold(0f32, |m, &v| m.max(v)));
        }
    }

    /// The backward sweep and the update (module doc); `false` = rejected, nothing written.
    fn backward(
        &mut self,
        label: usize,
        method: &FastMethod,
        lambdas: &FastLambdas,
        step: f64,
    ) -> bool {
        let n = self.n();
        if self.xmax.iter().any(|m| !m.is_finite()) {
            return false;
        }
        let reg = matches!(
            method,
            FastMethod::Newton
                | FastMethod::Mk {
                    unregularised: false,
                    ..
                }
        );
        let need0 = !reg || matches!(lambdas, FastLambdas::Eq65 { .. });
        self.lambda_used = *method != FastMethod::Sgd;
        match lambdas {
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
        for i in 0..self.sizes[n] {
            let b0 = self.e0[n][i];
            if reg {
                let b = (self.lambda[n] * f64::from(b0)) as f32; // b_n = lambda_n (d - x_n)
                self.e[n][i] = self.dv[n][i] * b;
            }
            self.e0[n][i] = self.dv[n][i] * b0;
        }
        let fused = !self.two_pass && self.provably_safe(method, lambdas, step, need0, reg);
        for k in (1..=n).rev() {
            if let (FastLambdas::Eq65 { white, .. }, true) = (lambdas, self.lambda_used) {
                let norm = sum_sq(&self.e0[k]).sqrt(); // ||d_k .* b0_k||
                self.lambda[k - 1] = if k >= 2 {
                    norm / self.dmax[k - 1]
                } else if *white {
                    norm
                } else {
                    0.0
                };
            }
            // In the fused schedule no check below can fail (module doc): the writes above stand.
            if !self.direction(k, method, label, step, reg) {
                debug_assert!(!fused, "a proven-safe step failed its check at layer {k}");
                return false;
            }
            if k >= 2 {
                self.adjoint_pass(k, need0, reg, fused);
                let bad = |v: &[f32], on: bool| on && max_abs(v).is_infinite();
                if bad(&self.e0[k - 1], need0) || bad(&self.e[k - 1], reg) {
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
        }
        if !fused {
            // W_2 first: the check pass ended on it, so it is still in cache; layer 1 last.
            (2..=n).chain([1]).for_each(|k| self.write(k, true));
        }
        true
    }

    /// Whether the bounds of the module doc keep every write of this step below LIMIT.
    fn provably_safe(
        &self,
        method: &FastMethod,
        lambdas: &FastLambdas,
        step: f64,
        need0: bool,
        reg: bool,
    ) -> bool {
        let scale = match *method {
            FastMethod::Sgd => 1.0,
            FastMethod::Mk { mu, .. } if mu > 0.0 => 1.0 / f64::from(mu),
            _ => return false,
        };
        let n = self.n();
        let (mut e0b, mut eb) = (
            max_abs(&self.e0[n]),
            if reg { max_abs(&self.e[n]) } else { 0.0 },
        );
        for k in (1..=n).rev() {
            let u = SAFE * step * scale * if reg { eb } else { e0b };
            if !(self.bounds[k].0 + u * self.xmax[k - 1] <= LIMIT && self.bounds[k].1 + u <= LIMIT)
            {
                return false;
            }
            if k >= 2 {
                let (s, wb, dm) = (self.sizes[k] as f64, self.bounds[k].0, self.dmax[k - 1]);
                let lam = match lambdas {
                    FastLambdas::Fixed(l) => f64::from(l[k - 1]),
                    FastLambdas::Eq65 { .. } => s.sqrt() * e0b / dm,
                };
                // The sums over rows, before `.* d_{k-1}`, stay below LIMIT too (dm may be tiny).
                let (sum0, sum) = (SAFE * s * wb * e0b, SAFE * s * wb * eb);
                (e0b, eb) = (
                    SAFE * dm * s * wb * e0b,
                    SAFE * dm * (s * wb * eb + lam * self.xmax[k - 1]),
                );
                let fits = |v: f64, on: bool| !on || v <= LIMIT; // NaN fails
                if !(fits(e0b.max(sum0), need0) && fits(eb.max(sum), reg)) {
                    return false;
                }
            }
        }
        true
    }

    /// `r_k = step u_k`, `h_k = step eta_k` and their checks; `false` if a write could overflow.
    fn direction(
        &mut self,
        k: usize,
        method: &FastMethod,
        label: usize,
        step: f64,
        reg: bool,
    ) -> bool {
        let n = self.n();
        let src = if reg { &self.e[k] } else { &self.e0[k] }; // -g_k
        let (ng, l) = (sum_sq(src), self.lambda[k - 1]);
        let (cu, ch) = match *method {
            FastMethod::Sgd => (-step, -step),
            FastMethod::Mk { mu, .. } => {
                let mu = f64::from(mu);
                let top = if k == n {
                    self.lambda[n] * self.res2
                } else {
                    0.0
                };
                let c = l * self.xx[k - 1] + top;
                (-step * ratio(l, mu * l + ng), -step * ratio(c, mu * c + ng))
            }
            FastMethod::Newton => {
                let scale = ratio(l, ng);
                (-step * scale, step * scale * self.xx[k - 1])
            }
        };
        let newton_top = *method == FastMethod::Newton && k == n;
        for i in 0..src.len() {
            let g = f64::from(src[i]);
            self.r[k][i] = (cu * g) as f32;
            let extra = if newton_top {
                let res = f64::from(f32::from(u8::from(i == label)) - self.x[n][i]);
                step * res / f64::from(self.dv[n][i])
            } else {
                0.0
            };
            self.h[k][i] = (ch * g - extra) as f32;
        }
        let (gw, gb) = (max_abs(&self.r[k]) * self.xmax[k - 1], max_abs(&self.h[k]));
        if !(gw.is_finite() && gb.is_finite()) {
            return false;
        }
        let fits = |b: (f64, f64)| b.0 + gw <= LIMIT && b.1 + gb <= LIMIT;
        if !fits(self.bounds[k]) {
            self.refresh_bounds(k);
            if !fits(self.bounds[k]) {
                return false;
            }
        }
        self.growth[k] = (gw, gb);
        true
    }

    /// One pass over the rows of `W_k` (k >= 2): the adjoints of layer k-1 from the old rows, and
    /// the rank-one write when `update`.
    fn adjoint_pass(&mut self, k: usize, need0: bool, reg: bool, update: bool) {
        let (cols, w) = (self.sizes[k - 1], self.w_at[k]);
        let wk = &mut self.params[w..w + self.sizes[k] * cols];
        let (e0lo, e0hi) = self.e0.split_at_mut(k);
        let (elo, ehi) = self.e.split_at_mut(k);
        let (a0, a) = (&mut e0lo[k - 1], &mut elo[k - 1]);
        a0.fill(0.0);
        a.fill(0.0);
        let (r, x) = (&self.r[k], &self.x[k - 1]);
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
        // lambda_{k-1} of Eq. 65 grows like 1/alpha when every unit of layer k-1 leaks, so
        // `lambda x` can leave f32's range where `d .* (lambda x)` does not (d_j lambda <=
        // ||d_k .* b0_k||): then d_j lambda is formed first, in f64. Otherwise the usual order.
        let lam = self.lambda[k - 1];
        let small = lam <= LIMIT && lam * self.xmax[k - 1] <= LIMIT;
        let (d, x) = (&self.dv[k - 1], &self.x[k - 1]);
        for j in 0..cols {
            if need0 {
                e0lo[k - 1][j] *= d[j]; // d_{k-1} .* b0_{k-1}
            }
            if reg && small {
                elo[k - 1][j] = d[j] * (elo[k - 1][j] - lam as f32 * x[j]); // d_{k-1} .* b_{k-1}
            } else if reg {
                let dl = (f64::from(d[j]) * lam) as f32;
                elo[k - 1][j] = d[j] * elo[k - 1][j] - dl * x[j];
            }
        }
    }

    /// `beta_k -= step eta_k` (and `W_k -= step u_k x_{k-1}^T` when `with_w`), bounds grown.
    fn write(&mut self, k: usize, with_w: bool) {
        let (w, b) = (self.w_at[k], self.b_at(k));
        if with_w && k == 1 {
            // W_1^T: only the rows j of nonzero x_0[j] change (W_1[i,j] -= r_i x_0[j]).
            sparse_update(&mut self.params[w..b], &self.nz, &self.x[0], &self.r[1]);
        } else if with_w {
            let cols = self.sizes[k - 1];
            sweep::<0, true>(
                &mut self.params[w..b],
                cols,
                [&[], &[]],
                [&mut [], &mut []],
                &self.r[k],
                &self.x[k - 1],
            );
        }
        for (p, &hi) in self.params[b..b + self.sizes[k]].iter_mut().zip(&self.h[k]) {
            *p -= hi;
        }
        self.bounds[k].0 += self.growth[k].0;
        self.bounds[k].1 += self.growth[k].1;
    }
}
