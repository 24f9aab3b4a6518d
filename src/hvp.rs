//! The exact Hessian-vector product of one pattern's J_R through the Sifrian tetrad
//! (Eq. 30-31 with F'' = 0; docs/maths.md section 2). For a direction `v = (N_k, eta_k)_{k=1..n}`:
//!
//! ```text
//! forward  (4th tetrad eq.)  zeta_0 = 0
//!          zeta_k  = d_k .* (W_k zeta_{k-1} - N_k x_{k-1} - eta_k)                 k = 1..n
//! backward (3rd tetrad eq.)  gamma_n = -lambda_n zeta_n
//!          gamma_k = W_{k+1}^T (d_{k+1} .* gamma_{k+1}) - lambda_k zeta_k
//!                    - N_{k+1}^T (d_{k+1} .* b_{k+1})                              k = n-1..1
//! product  (1st/2nd eqs.)    (Hv)_{W_k}    = (d_k .* gamma_k) x_{k-1}^T + [k >= 2] (d_k .* b_k) zeta_{k-1}^T
//!                            (Hv)_{beta_k} =  d_k .* gamma_k
//! ```
//! `zeta = -R{x}` and `gamma = -R{b}`: Pearlmutter's R-operator with the signs flipped. The terminal
//! condition `gamma_n + lambda_n zeta_n = 0` is the paper's `1_{k=n} zeta(n)` for lambda_n = 1.
//! Cost: two passes over the weights each way, about `6 P_W` multiply-adds (docs/maths.md
//! section 8).

use crate::backprop::outer_into;
use crate::cost::Lambdas;
use crate::linalg::{hadamard, matvec, transpose_times};
use crate::network::{Forward, Network};

/// `H v` for one pattern, given its forward pass and the adjoint `b` of J_R at the same lambdas.
/// `v` has the network's flat layout (its length is the caller's responsibility).
pub fn hvp(net: &Network, fw: &Forward, b: &[Vec<f64>], lambda: &Lambdas, v: &[f64]) -> Vec<f64> {
    let n = net.n();
    let nk = |k: usize| &v[net.layer(k).w.clone()];
    let etak = |k: usize| &v[net.layer(k).b.clone()];

    // Forward sweep (4th tetrad equation).
    let mut zeta: Vec<Vec<f64>> = vec![vec![0.0; net.sizes()[0]]];
    for k in 1..=n {
        let wz = matvec(net.w(k), &zeta[k - 1]);
        let nx = matvec(nk(k), &fw.x[k - 1]);
        let zk = (0..wz.len())
            .map(|i| fw.fprime[k][i] * (wz[i] - nx[i] - etak(k)[i]))
            .collect();
        zeta.push(zk);
    }

    // Backward sweep (3rd tetrad equation).
    let mut gamma = vec![Vec::new(); n + 1];
    gamma[n] = zeta[n].iter().map(|z| -lambda.get(n) * z).collect();
    for k in (1..n).rev() {
        let cols = net.layer(k + 1).cols;
        let dg = hadamard(&fw.fprime[k + 1], &gamma[k + 1]);
        let db = hadamard(&fw.fprime[k + 1], &b[k + 1]);
        let wt = transpose_times(net.w(k + 1), &dg, cols);
        let nt = transpose_times(nk(k + 1), &db, cols);
        gamma[k] = (0..cols)
            .map(|i| wt[i] - lambda.get(k) * zeta[k][i] - nt[i])
            .collect();
    }

    // The product (1st and 2nd tetrad equations).
    let mut out = vec![0.0; net.num_params()];
    for k in 1..=n {
        let layer = net.layer(k);
        let dg = hadamard(&fw.fprime[k], &gamma[k]);
        let hw = &mut out[layer.w.clone()];
        outer_into(hw, &dg, &fw.x[k - 1]);
        if k >= 2 {
            let db = hadamard(&fw.fprime[k], &b[k]);
            for (row, &dbi) in hw.chunks_exact_mut(layer.cols).zip(&db) {
                for (h, &z) in row.iter_mut().zip(&zeta[k - 1]) {
                    *h += dbi * z;
                }
            }
        }
        out[layer.b.clone()].copy_from_slice(&dg);
    }
    out
}
