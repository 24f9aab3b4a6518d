//! Closed-form per-pattern directions, all applied as `w <- w - step * direction`.
//!
//! Notation: `g_k = -(d_k .* b_k)` (bias gradient), `G_k = g_k x_{k-1}^T`, `ng_k = ||g_k||^2`.
//!
//! **Newton, Eq. 35 corrected** (docs/maths.md section 3): solves `H v = grad` exactly.
//! ```text
//! N_k   = (lambda_{k-1} / ng_k) G_k                         k = 2..n   (N_1 = 0, or with the white layer k = 1 too)
//! eta_k = -N_k x_{k-1}                                      k = 1..n-1
//! eta_n = -(d - x_n) ./ d_n - N_n x_{n-1}                   (the paper prints +F'(a_n)^{-1}(d - x_n))
//! ```
//! **MK, Eq. 40 / damped MK, Eq. 42** (docs/maths.md section 4), per-layer positive rescalings of the
//! gradient, hence descent directions:
//! ```text
//! c_k = lambda_{k-1} ||x_{k-1}||^2 + [k = n] lambda_n ||d - x_n||^2
//! t_k = lambda_{k-1} / (mu lambda_{k-1} + ng_k)     s_k = c_k / (mu c_k + ng_k)
//! direction: W_k part t_k G_k,  beta_k part s_k g_k          (mu = 0: Eq. 40; mu > 0: Eq. 42)
//! ```
//! The paper's single lambda is lambda_{k-1} here, the regulariser of the layer's input.

use crate::backprop::{bias_gradient, outer_into};
use crate::cost::{squared_error, Lambdas};
use crate::error::{Error, Result};
use crate::linalg::{norm2_sq, ratio};
use crate::network::{Forward, Network};

/// The sign of the output-bias term of Eq. 35.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NewtonSign {
    /// `eta_n = -(d - x_n) ./ d_n - N_n x_{n-1}`: what Eq. 32 implies; solves `H v = grad`.
    Corrected,
    /// `eta_n = +(d - x_n) ./ d_n - N_n x_{n-1}`: Eq. 35 as printed (kept only to show that it fails).
    Printed,
}

/// Which gradient MK rescales.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GradientSource {
    /// The gradient of the regularised J_R (Eq. 19-20): the paper's MK.
    Regularised,
    /// The gradient of the plain loss `1/2||d - x_n||^2` (non-regularised adjoint b0), rescaled by the
    /// same formulas with ng_k from b0: the **unregularised-gradient variant**, not the paper's formula.
    Unregularised,
}

/// Layer k's part of a direction. Every direction here is rank one per layer:
/// the `W_k` part is `u x_{k-1}^T`, the `beta_k` part is `eta`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RankOne {
    pub u: Vec<f64>,
    pub eta: Vec<f64>,
}

/// The gradient itself (`u = eta = g_k`) of the cost whose adjoint is `b`: SGD's direction.
pub fn gradient_factors(fw: &Forward, b: &[Vec<f64>]) -> Vec<RankOne> {
    (0..b.len())
        .map(|k| {
            if k == 0 {
                return RankOne::default();
            }
            let g = bias_gradient(fw, b, k);
            RankOne {
                u: g.clone(),
                eta: g,
            }
        })
        .collect()
}

/// Eq. 35 per layer (sign per `sign`), with the adjoint `b` of J_R at `lambda`.
/// `white_first_layer`: N_1 = (lambda_0 / ng_1) G_1 (white layer, Fig. 4) instead of N_1 = 0.
/// A layer with g_k = 0 gets N_k = 0 (the paper's degenerate case: no rank-one solution exists).
pub fn newton_factors(
    fw: &Forward,
    b: &[Vec<f64>],
    d: &[f64],
    lambda: &Lambdas,
    white_first_layer: bool,
    sign: NewtonSign,
) -> Vec<RankOne> {
    let n = fw.n();
    let mut out = vec![RankOne::default(); n + 1];
    for k in 1..=n {
        let g = bias_gradient(fw, b, k);
        let scale = if k >= 2 || white_first_layer {
            ratio(lambda.get(k - 1), norm2_sq(&g)) // N_k = scale * G_k
        } else {
            0.0
        };
        // eta_k = -N_k x_{k-1} = -scale * ||x_{k-1}||^2 g_k
        let xx = norm2_sq(&fw.x[k - 1]);
        let mut eta: Vec<f64> = g.iter().map(|gi| -scale * gi * xx).collect();
        if k == n {
            let s = match sign {
                NewtonSign::Corrected => -1.0,
                NewtonSign::Printed => 1.0,
            };
            for (i, e) in eta.iter_mut().enumerate() {
                *e += s * (d[i] - fw.x[n][i]) / fw.fprime[n][i];
            }
        }
        let u = g.iter().map(|gi| scale * gi).collect();
        out[k] = RankOne { u, eta };
    }
    out
}

/// Validates the damping of Eq. 42.
pub fn check_damping(mu: f64) -> Result<()> {
    if mu.is_finite() && mu >= 0.0 {
        Ok(())
    } else {
        Err(Error::invalid(
            "mu",
            format!("the damping must be a finite number >= 0, got {mu}"),
        ))
    }
}

/// The per-layer scalars `(t_k, s_k)`, k = 1..n (`[0]` unused) of Eq. 40 (mu = 0) / Eq. 42.
pub fn mk_scales(
    fw: &Forward,
    b: &[Vec<f64>],
    d: &[f64],
    lambda: &Lambdas,
    mu: f64,
) -> Vec<(f64, f64)> {
    let n = fw.n();
    let mut out = vec![(0.0, 0.0); n + 1];
    for (k, slot) in out.iter_mut().enumerate().skip(1) {
        let ng = norm2_sq(&bias_gradient(fw, b, k));
        let l = lambda.get(k - 1);
        let mut c = l * norm2_sq(&fw.x[k - 1]);
        if k == n {
            c += lambda.get(n) * squared_error(&fw.x[n], d);
        }
        *slot = (ratio(l, mu * l + ng), ratio(c, mu * c + ng));
    }
    out
}

/// MK (mu = 0, Eq. 40) or damped MK (mu > 0, Eq. 42) per layer: `u = t_k g_k`, `eta = s_k g_k`.
/// `b` is the adjoint whose gradient is rescaled: of J_R at `lambda` for the paper's MK, or the
/// non-regularised b0 for the unregularised-gradient variant ([`GradientSource`]).
pub fn mk_factors(
    fw: &Forward,
    b: &[Vec<f64>],
    d: &[f64],
    lambda: &Lambdas,
    mu: f64,
) -> Vec<RankOne> {
    let scales = mk_scales(fw, b, d, lambda, mu);
    let mut out = vec![RankOne::default(); fw.n() + 1];
    for (k, &(t, s)) in scales.iter().enumerate().skip(1) {
        let g = bias_gradient(fw, b, k);
        out[k] = RankOne {
            u: g.iter().map(|gi| t * gi).collect(),
            eta: g.iter().map(|gi| s * gi).collect(),
        };
    }
    out
}

/// A direction as a flat vector in the network's layout: `W_k = u_k x_{k-1}^T`, `beta_k = eta_k`.
pub fn flatten(net: &Network, fw: &Forward, layers: &[RankOne]) -> Vec<f64> {
    let mut out = vec![0.0; net.num_params()];
    for k in 1..=net.n() {
        let layer = net.layer(k);
        outer_into(&mut out[layer.w.clone()], &layers[k].u, &fw.x[k - 1]);
        out[layer.b.clone()].copy_from_slice(&layers[k].eta);
    }
    out
}

/// Eq. 35 as a flat vector ([`newton_factors`]).
pub fn newton(
    net: &Network,
    fw: &Forward,
    b: &[Vec<f64>],
    d: &[f64],
    lambda: &Lambdas,
    white_first_layer: bool,
    sign: NewtonSign,
) -> Vec<f64> {
    let layers = newton_factors(fw, b, d, lambda, white_first_layer, sign);
    flatten(net, fw, &layers)
}

/// MK / damped MK as a flat vector ([`mk_factors`]).
pub fn mk(
    net: &Network,
    fw: &Forward,
    b: &[Vec<f64>],
    d: &[f64],
    lambda: &Lambdas,
    mu: f64,
) -> Vec<f64> {
    flatten(net, fw, &mk_factors(fw, b, d, lambda, mu))
}

/// `||H v - grad|| / ||grad||`, the Newton residual (0 for an exact solve).
pub fn relative_residual(hv: &[f64], grad: &[f64]) -> f64 {
    let r: f64 = hv.iter().zip(grad).map(|(a, b)| (a - b) * (a - b)).sum();
    (r / norm2_sq(grad)).sqrt()
}
