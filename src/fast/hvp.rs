//! The exact per-pattern Hessian-vector product of J_R in f32, fused: the Sifrian tetrad of
//! [`crate::hvp`] (Eq. 30-31, F'' = 0) with every weight matrix `W_k` and direction block `N_k`
//! streamed once forward and once backward, and the product written once, with no allocation.
//!
//! ```text
//! forward, row i of layer k (one read of W_k[i,:] and N_k[i,:]):
//!   a_k[i]    = W_k[i,:] x_{k-1} + beta_k[i]                      x_k = F(a_k), d_k = F'(a_k)   (Eq. 1)
//!   zeta_k[i] = d_k[i] (W_k[i,:] zeta_{k-1} - N_k[i,:] x_{k-1} - eta_k[i])                (4th tetrad eq.)
//! terminal:  b0_n = d - x_n,  b_n = lambda_n b0_n,  gamma_n = -lambda_n zeta_n
//! backward, row i of layer k+1 (one read of W_{k+1}[i,:], N_{k+1}[i,:], one write of (Hv)_{W_{k+1}}[i,:]),
//! with e0 = d .* b0, e = d .* b, g = d .* gamma at layer k+1:
//!   b0_k  += W[i,:]^T e0[i]                                     (plain adjoint, for Eq. 65's lambda_k)
//!   b_k   += W[i,:]^T e[i]                                      (Eq. 19)
//!   gam_k += W[i,:]^T g[i] - N[i,:]^T e[i]                      (3rd tetrad eq.)
//!   (Hv)_{W_{k+1}}[i,:] = g[i] x_k^T + e[i] zeta_k^T,  (Hv)_{beta_{k+1}}[i] = g[i]     (1st/2nd eqs.)
//! then b_k -= lambda_k x_k, gam_k -= lambda_k zeta_k, with lambda_k by Eq. 65 (||d_{k+1} .* b0_{k+1}|| / ||d_k||_inf)
//! or fixed. Layer 1's product has no zeta_0 term (zeta_0 = 0).
//! ```
//! Memory traffic per product: `W` and `N` read twice, the product written once (5 x the weights'
//! bytes); the f64 reference reads them in separate passes. Layer 1 needs neither in the backward
//! sweep, and its forward sums only the rows of `W_1^T` and `N_1^T` (kept transposed; the direction
//! is set once by [`FastHvp::set_direction`]) of the pattern's nonzero pixels, like [`crate::fast`].
//! Checked against [`crate::hvp::hvp`] (tests/fast_hvp.rs).

use super::kernels::{sparse_columns, transpose_map, F4};
use super::net::{leaky, Activations, Net32};
use crate::error::Result;
use crate::network::Network;
use crate::regularisation::LambdaPolicy;

/// `(x, d, d .* b, lambda)` of [`FastHvp::states`].
pub(crate) type States<'a> = (&'a [Vec<f32>], &'a [Vec<f32>], &'a [Vec<f32>], &'a [f32]);

/// A [`Net32`] with the workspaces of one fused Hessian-vector product: a product allocates nothing.
#[derive(Debug, Clone)]
pub struct FastHvp {
    net: Net32,
    policy: LambdaPolicy,
    /// (P,) the direction v in [`Network`]'s layout ([`FastHvp::set_direction`]).
    v: Vec<f32>,
    /// (s_0, s_1) the `N_1` block of v transposed, like `W_1` in [`Net32`].
    n1t: Vec<f32>,
    /// x_k, d_k (each (s_k,)) and the nonzero pixels of the current pattern.
    acts: Activations,
    /// `zeta_k` (4th tetrad equation), (s_k,) per k; `zeta_0 = 0`.
    zeta: Vec<Vec<f32>>,
    /// Accumulators of b0_k, b_k, gamma_k, (s_k,) per k, then e0 = d .* b0, e = d .* b, g = d .* gamma.
    b0: Vec<Vec<f32>>,
    b: Vec<Vec<f32>>,
    gam: Vec<Vec<f32>>,
    /// (n + 1,) lambda_0..lambda_n of the last product (lambda_0 left at 0).
    lambda: Vec<f32>,
}

/// `(w . x, n . x, w . z)` in one pass over the rows (`z` = None: `w . z` = 0): two f32x4
/// accumulators per sum, then the lanes and the tail in order.
fn dot3(w: &[f32], nn: &[f32], x: &[f32], z: Option<&[f32]>) -> (f32, f32, f32) {
    let cols = x.len();
    let q = cols / 8 * 8;
    let (w, nn) = (&w[..cols], &nn[..cols]);
    let mut acc = [F4::ZERO; 6];
    let mut j = 0;
    while j < q {
        for h in [0, 4] {
            let (wv, xv) = (F4::load(&w[j + h..]), F4::load(&x[j + h..]));
            let r = h / 4;
            acc[r] = acc[r].mul_add(wv, xv);
            acc[2 + r] = acc[2 + r].mul_add(F4::load(&nn[j + h..]), xv);
            if let Some(z) = z {
                acc[4 + r] = acc[4 + r].mul_add(wv, F4::load(&z[j + h..]));
            }
        }
        j += 8;
    }
    let (mut s, mut t, mut u) = (
        acc[0].sum() + acc[1].sum(),
        acc[2].sum() + acc[3].sum(),
        acc[4].sum() + acc[5].sum(),
    );
    for j in q..cols {
        s += w[j] * x[j];
        t += nn[j] * x[j];
        if let Some(z) = z {
            u += w[j] * z[j];
        }
    }
    (s, t, u)
}

impl FastHvp {
    /// An f32 copy of `net` with lambdas by `policy` (lambda_0 plays no part: the white layer has no
    /// parameters). Fails if a parameter is outside f32's finite range or the policy does not fit.
    pub fn from_network(net: &Network, policy: LambdaPolicy) -> Result<FastHvp> {
        FastHvp::new(Net32::from_network(net)?, policy)
    }

    /// The product's workspaces around `net`, lambdas by `policy`; fails if the policy does not fit.
    pub fn new(net: Net32, policy: LambdaPolicy) -> Result<FastHvp> {
        policy.validate(net.n())?;
        let zeros = || {
            net.sizes()
                .iter()
                .map(|&s| vec![0f32; s])
                .collect::<Vec<_>>()
        };
        Ok(FastHvp {
            v: vec![0.0; net.num_params()],
            n1t: vec![0.0; net.w(1).len()],
            acts: Activations::new(net.sizes()),
            policy,
            zeta: zeros(),
            b0: zeros(),
            b: zeros(),
            gam: zeros(),
            lambda: vec![0.0; net.n() + 1],
            net,
        })
    }

    /// The f32 network of the products.
    pub fn net(&self) -> &Net32 {
        &self.net
    }

    /// Number of parameters (the length of `v` and `out`).
    pub fn num_params(&self) -> usize {
        self.net.num_params()
    }

    /// The lambdas of the last product (lambda_0 left at 0).
    pub fn last_lambdas(&self) -> &[f32] {
        &self.lambda
    }

    /// The direction-independent states of the last product, each per k = 0..n: `x_k`, `d_k`,
    /// `d_k .* b_k` (the adjoint of J_R scaled by F'; meaningful for k >= 1) and lambda_0..lambda_n
    /// (the batched product, [`super::hvp_batch`], stores them once per pattern).
    pub(crate) fn states(&self) -> States<'_> {
        (&self.acts.x, &self.acts.dv, &self.b, &self.lambda)
    }

    /// Sets the direction v (the network's flat layout) of the next products. Panics on a wrong length.
    pub fn set_direction(&mut self, v: &[f32]) {
        assert_eq!(v.len(), self.v.len(), "direction length");
        self.v.copy_from_slice(v);
        let (rows, cols, w) = (self.net.sizes()[1], self.net.sizes()[0], self.net.w_at(1));
        transpose_map(&v[w..w + rows * cols], rows, cols, &mut self.n1t, |x| x);
    }

    /// `out = H v` for the pattern `(x0, one-hot label)` and the direction of
    /// [`FastHvp::set_direction`] (zero until set). Panics on wrong lengths or label (the caller
    /// checks them); non-finite inputs give non-finite outputs, never a panic.
    pub fn hvp(&mut self, x0: &[f32], label: usize, out: &mut [f32]) {
        let n = self.net.n();
        self.net.assert_pattern(x0, label);
        assert_eq!(out.len(), self.v.len(), "output length");
        let v = std::mem::take(&mut self.v);
        self.forward(x0, &v);
        self.terminal(label);
        for k in (1..=n).rev() {
            if k >= 2 {
                self.lambda[k - 1] = match &self.policy {
                    LambdaPolicy::Fixed(l) => l.get(k - 1) as f32,
                    LambdaPolicy::Eq65 { .. } => {
                        // Eq. 65: ||d_k .* b0_k|| / ||d_{k-1}||_inf (b0 here already holds d .* b0).
                        let norm = self.b0[k].iter().map(|v| v * v).sum::<f32>().sqrt();
                        norm / self.acts.dv[k - 1].iter().fold(0f32, |m, &d| m.max(d))
                    }
                };
            }
            self.backward_layer(k, &v, out);
        }
        self.v = v;
    }

    /// lambda_n (fixed, Eq. 68, or 1) and the terminal conditions `d_n .* b0_n`, `d_n .* b_n`,
    /// `d_n .* gamma_n` with `b0_n = d - x_n`, `b_n = lambda_n b0_n`, `gamma_n = -lambda_n zeta_n`.
    fn terminal(&mut self, label: usize) {
        let n = self.net.n();
        let (xn, dn) = (&self.acts.x[n], &self.acts.dv[n]);
        self.lambda[n] = match &self.policy {
            LambdaPolicy::Fixed(l) => l.get(n) as f32,
            LambdaPolicy::Eq65 { eq68: true, .. } => {
                let r2: f32 = (0..xn.len())
                    .map(|i| (f32::from(u8::from(i == label)) - xn[i]).powi(2))
                    .sum();
                let dmax = dn.iter().fold(0f32, |m, &d| m.max(d));
                r2.sqrt() / dmax // Eq. 68
            }
            LambdaPolicy::Eq65 { .. } => 1.0,
        };
        let ln = self.lambda[n];
        for i in 0..xn.len() {
            let (d, z) = (dn[i], self.zeta[n][i]);
            let r = f32::from(u8::from(i == label)) - xn[i];
            self.b0[n][i] = d * r;
            self.b[n][i] = d * ln * r;
            self.gam[n][i] = -d * ln * z;
        }
    }

    /// Eq. 1 and the 4th tetrad equation, row by row (one read of each row of `W_k` and `N_k`).
    fn forward(&mut self, x0: &[f32], v: &[f32]) {
        let (net, alpha) = (&self.net, self.net.alpha());
        self.acts.x[0].copy_from_slice(x0);
        for k in 1..=net.n() {
            let (rows, cols, w, bias) =
                (net.sizes()[k], net.sizes()[k - 1], net.w_at(k), net.b_at(k));
            let (xlo, xhi) = self.acts.x.split_at_mut(k);
            let (zlo, zhi) = self.zeta.split_at_mut(k);
            let (xin, zin, xk, zk, dk) = (
                &xlo[k - 1],
                &zlo[k - 1],
                &mut xhi[0],
                &mut zhi[0],
                &mut self.acts.dv[k],
            );
            if k == 1 {
                // Only the nonzero pixels' rows of W_1^T and N_1^T (zeta_0 = 0): a = W x + beta, zeta's N x.
                net.layer1_preactivation(xin, &mut self.acts.nz, xk);
                sparse_columns(&self.n1t, &self.acts.nz, xin, zk);
                for i in 0..rows {
                    let (x, d) = leaky(xk[i], alpha);
                    (xk[i], dk[i]) = (x, d);
                    zk[i] = d * (-zk[i] - v[bias + i]);
                }
                continue;
            }
            let (wk, beta) = (net.w(k), net.beta(k));
            for i in 0..rows {
                let row = i * cols..(i + 1) * cols;
                let (wrow, nrow) = (&wk[row.clone()], &v[w + row.start..w + row.end]);
                let (a, nx, wz) = dot3(wrow, nrow, xin, Some(&zin[..]));
                let (x, d) = leaky(a + beta[i], alpha);
                (xk[i], dk[i]) = (x, d);
                zk[i] = d * (wz - nx - v[bias + i]);
            }
        }
    }

    /// Layer k's product rows and, for k >= 2, the accumulations into layer k-1 (module doc).
    fn backward_layer(&mut self, k: usize, v: &[f32], out: &mut [f32]) {
        let net = &self.net;
        let (rows, cols, w, bias) = (net.sizes()[k], net.sizes()[k - 1], net.w_at(k), net.b_at(k));
        let (b0lo, b0hi) = self.b0.split_at_mut(k);
        let (blo, bhi) = self.b.split_at_mut(k);
        let (glo, ghi) = self.gam.split_at_mut(k);
        let (e0, e, g) = (&b0hi[0], &bhi[0], &ghi[0]);
        let (xin, zin) = (&self.acts.x[k - 1], &self.zeta[k - 1]);
        if k == 1 {
            for i in 0..rows {
                let o = &mut out[w + i * cols..w + (i + 1) * cols];
                for (oj, xj) in o.iter_mut().zip(xin) {
                    *oj = g[i] * xj;
                }
                out[bias + i] = g[i];
            }
            return;
        }
        let (a0, a1, a2) = (&mut b0lo[k - 1], &mut blo[k - 1], &mut glo[k - 1]);
        a0.fill(0.0);
        a1.fill(0.0);
        a2.fill(0.0);
        let (a0, a1, a2) = (&mut a0[..cols], &mut a1[..cols], &mut a2[..cols]);
        let (xin, zin) = (&xin[..cols], &zin[..cols]);
        let wk = net.w(k);
        for i in 0..rows {
            let row = i * cols..(i + 1) * cols;
            let (wrow, nrow) = (&wk[row.clone()], &v[w + row.start..w + row.end]);
            let o = &mut out[w + row.start..w + row.end];
            let (c0, c1, c2) = (e0[i], e[i], g[i]);
            // Equal lengths by construction: LLVM drops the bounds checks and vectorises.
            for j in 0..cols {
                let (wv, nv) = (wrow[j], nrow[j]);
                a0[j] += wv * c0;
                a1[j] += wv * c1;
                a2[j] += wv * c2 - nv * c1;
                o[j] = c2 * xin[j] + c1 * zin[j];
            }
            out[bias + i] = c2;
        }
        // b_{k-1} -= lambda x, gamma_{k-1} -= lambda zeta, then scale by d_{k-1}.
        let l = self.lambda[k - 1];
        let d = &self.acts.dv[k - 1];
        for j in 0..cols {
            a0[j] *= d[j];
            a1[j] = d[j] * (a1[j] - l * xin[j]);
            a2[j] = d[j] * (a2[j] - l * zin[j]);
        }
    }
}
