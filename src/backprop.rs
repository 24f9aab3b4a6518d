//! Backpropagation with state regularisation (Eq. 19-20, corrected as in docs/maths.md section 1).
//!
//! ```text
//! b_n = lambda_n (d - x_n)
//! b_k = W_{k+1}^T (d_{k+1} .* b_{k+1}) - lambda_k x_k          k = n-1 .. 1
//! g_k = -(d_k .* b_k)          = dJ_R / d beta_k               k = 1 .. n
//! G_k = g_k x_{k-1}^T          = dJ_R / d W_k
//! ```
//! `b_k = -dJ_R/dx_k` is MINUS the usual backprop delta; the paper's Eq. 19 range "k = 1..n-1" for
//! `b(k-1)` must read k = 2..n, and the single lambda of the paper becomes lambda_k per layer.

use crate::cost::Lambdas;
use crate::linalg::{hadamard, transpose_times};
use crate::network::{Forward, Network};

/// The adjoint `b[k]`, k = 1..n (`b[0]` is empty: b_0 is never needed).
pub fn adjoint(net: &Network, fw: &Forward, d: &[f64], lambda: &Lambdas) -> Vec<Vec<f64>> {
    let n = net.n();
    let mut b = vec![Vec::new(); n + 1];
    // Eq. 19, first line (with Eq. 67's lambda_n).
    b[n] = fw.x[n]
        .iter()
        .zip(d)
        .map(|(x, t)| lambda.get(n) * (t - x))
        .collect();
    // Eq. 19, second line, k = n-1..1.
    for k in (1..n).rev() {
        let db = hadamard(&fw.fprime[k + 1], &b[k + 1]);
        let mut bk = transpose_times(net.w(k + 1), &db, net.layer(k + 1).cols);
        for (v, x) in bk.iter_mut().zip(&fw.x[k]) {
            *v -= lambda.get(k) * x;
        }
        b[k] = bk;
    }
    b
}

/// `g_k = -(d_k .* b_k)` for one layer k >= 1: the bias gradient, Eq. 20.
pub fn bias_gradient(fw: &Forward, b: &[Vec<f64>], k: usize) -> Vec<f64> {
    fw.fprime[k]
        .iter()
        .zip(&b[k])
        .map(|(dk, bk)| -dk * bk)
        .collect()
}

/// The flat gradient of J_R (Eq. 20): `G_k = g_k x_{k-1}^T`, `g_k`, in the network's layout.
pub fn gradient(net: &Network, fw: &Forward, b: &[Vec<f64>]) -> Vec<f64> {
    let mut out = vec![0.0; net.num_params()];
    for k in 1..=net.n() {
        let layer = net.layer(k);
        let g = bias_gradient(fw, b, k);
        outer_into(&mut out[layer.w.clone()], &g, &fw.x[k - 1]);
        out[layer.b.clone()].copy_from_slice(&g);
    }
    out
}

/// Writes the row-major outer product `u v^T` into `out` (u.len() rows of v.len()).
pub fn outer_into(out: &mut [f64], u: &[f64], v: &[f64]) {
    for (row, &ui) in out.chunks_exact_mut(v.len()).zip(u) {
        for (o, &vj) in row.iter_mut().zip(v) {
            *o = ui * vj;
        }
    }
}

/// Forward pass, adjoint and gradient of J_R for one pattern: `(J_R, gradient)`.
pub fn cost_and_gradient(
    net: &Network,
    x0: &[f64],
    d: &[f64],
    lambda: &Lambdas,
) -> (f64, Vec<f64>) {
    let fw = net.forward(x0);
    let b = adjoint(net, &fw, d, lambda);
    (crate::cost::cost(&fw, d, lambda), gradient(net, &fw, &b))
}
