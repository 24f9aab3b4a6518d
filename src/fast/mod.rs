//! The fast f32 training step: one pattern, every method of [`crate::train`], each weight matrix
//! read once in the forward pass and read + written once in the backward pass.
//!
//! The files: `net.rs` the f32 network both kernels share ([`Net32`]: parameters with `W_1`
//! transposed, the forward pass of Eq. 1), `step/` the training step over it ([`FastNet`]; its
//! direction and overflow bounds in `step/direction.rs`), `hvp.rs` the fused Hessian-vector
//! product over it ([`hvp::FastHvp`]), `kernels.rs` the inner loops.
//!
//! # What a step computes (what the f64 reference engine of [`crate::train`] computes in f64)
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
//! the pass. Layer 1 needs no adjoint below it: its pass only writes. Cost (docs/maths.md section 8):
//! forward `P_W` reads, backward `P_W` reads + writes, `P_W - s_1 s_0` of them with 1 or 2 columns.
//!
//! # Layer 1 touches only the pattern's nonzero pixels
//! `W_1` is stored transposed (`s_0` rows of `s_1`). Column j of `W_1` enters `a_1` as
//! `x_0[j] W_1[:,j]` and changes by `-step u_1 x_0[j]`: both are exactly zero when pixel j is 0,
//! so the forward pass sums only the rows j of `W_1^T` with `x_0[j] != 0` (four at a time,
//! contiguous) and the update writes only those rows. MNIST digits have about 19 % nonzero pixels,
//! so layer 1 (74 % of the paper net's weights) streams about a fifth of its bytes; dense inputs
//! cost what the dense kernel costs. [`Net32::params`] gives the usual row-major layout.
//!
//! # Divergence guard: nothing is written if a parameter could become NaN/Inf
//! The lower layers' `u_k` are known only after the upper layers' passes, which already wrote. So
//! the step is checked before any write by bounds (like the f64 reference engine of [`crate::train`]: per layer, upper bounds
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
pub mod hvp_batch;
mod kernels;
mod net;
mod step;

pub use net::Net32;
pub use step::FastNet;

use crate::regularisation::LambdaPolicy;

/// Largest parameter magnitude a step may produce (f32 overflows at 3.4e38).
pub const LIMIT: f64 = 1e30;
/// Slack on the a-priori bounds for f32 rounding (relative errors are ~1e-7 x length).
const SAFE: f64 = 2.0;

/// The optimizers of `train::Method`, in f32.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FastMethod {
    Sgd,
    /// MK (mu = 0, Eq. 40), damped MK (mu > 0, Eq. 42); `unregularised`: rescale the plain loss's gradient.
    Mk {
        mu: f32,
        unregularised: bool,
    },
    /// Eq. 35, sign corrected, N_1 from lambda_0 (as the f64 reference engine uses it).
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

/// `v` in `[0, 255]` pixels to the input `x_0 = v / 255` (as [`crate::io::data::Dataset::input_into`]).
pub fn pixels_to_input(pixels: &[u8], out: &mut [f32]) {
    for (o, &p) in out.iter_mut().zip(pixels) {
        *o = f32::from(p) / 255.0;
    }
}
