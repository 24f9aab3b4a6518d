//! The Hessian-vector product of a batch of patterns, `sum_p H_p v`, with the weights streamed once
//! per block of [`BLOCK`] patterns instead of once per pattern: the curvature of the data (the
//! mean Hessian over many patterns, [`crate::lab::batch_curvature`]) by Lanczos needs one such
//! product per step.
//!
//! The tetrad of one pattern (Eq. 30-31 with F'' = 0, the module doc of [`super::hvp`]) splits into
//! what does not depend on the direction `v` — the forward pass x_k, d_k = F'(a_k), the lambdas of
//! the pattern's policy (Eq. 65 / Eq. 68 / fixed) and the adjoint b_k of J_R (Eq. 19 corrected) —
//! and what does: `zeta_k` (4th tetrad equation) and `gamma_k` (3rd). The first part is computed
//! once per pattern ([`BatchHvp::push`]: one fused single-pattern product [`super::hvp::FastHvp`]
//! at v = 0, whose states are kept: `x_k`, `d_k`, `e_k = d_k .* b_k`, the lambdas, the nonzero
//! pixels of `x_0`); a product then runs, for a block of B patterns held as B columns,
//! ```text
//! forward,  row i of W_k (k >= 2), one read of W_k[i,:], N_k[i,:] for all B columns:
//!     zeta_k[i] = d_k[i] (W_k[i,:] zeta_{k-1} - N_k[i,:] x_{k-1} - eta_k[i])        zeta_0 = 0
//! terminal  g_n = d_n .* gamma_n,  gamma_n = -lambda_n zeta_n
//! backward, row i of W_k, one read of W_k[i,:], N_k[i,:] and one update of (Hv)_{W_k}[i,:]:
//!     gam_{k-1} += W_k[i,:]^T g_k[i] - N_k[i,:]^T e_k[i]
//!     (Hv)_{W_k}[i,:] += g_k[i] x_{k-1}^T + e_k[i] zeta_{k-1}^T,   (Hv)_{beta_k}[i] += g_k[i]
//!     then g_{k-1} = d_{k-1} .* (gam_{k-1} - lambda_{k-1} zeta_{k-1})
//! ```
//! summed over the block's columns (the Hessian of a sum is the sum of the Hessians). Layer 1 uses
//! only each pattern's nonzero pixels (rows of `N_1^T` and of the transposed product block). A block's
//! sum is formed in f32 (fixed order: patterns in order, no FMA: the same bits natively and in
//! wasm) and added to an f64 accumulator. Checked against the sum of the f64 tetrad's
//! single-pattern products (tests/batch_curvature.rs).

use super::hvp::FastHvp;
use super::kernels::{transpose_map, F4};
use super::net::Net32;
use crate::error::{Error, Result};
use crate::network::Network;
use crate::regularisation::LambdaPolicy;
use std::ops::Range;

/// Patterns per block: the weights are read once per block; the block's states (B x s_k per
/// layer, a few 100 KB on the paper's net) stay in cache.
pub const BLOCK: usize = 16;

/// The stored per-pattern states of a batch and the workspaces of its products.
#[derive(Debug, Clone)]
pub struct BatchHvp {
    net: Net32,
    /// The f64 network with exactly `net`'s parameters.
    net64: Network,
    /// The single-pattern product at v = 0 whose states [`BatchHvp::push`] keeps, and its output.
    single: FastHvp,
    scratch: Vec<f32>,
    /// Patterns pushed.
    count: usize,
    /// Pattern p's nonzero pixels are `nz_idx[nz_at[p]..nz_at[p + 1]]`, values in `nz_val`.
    nz_at: Vec<usize>,
    nz_idx: Vec<u32>,
    nz_val: Vec<f32>,
    /// For k = 1..n (`[0]` unused): x_k, d_k and e_k = d_k .* b_k, (count x s_k) pattern-major.
    x: Vec<Vec<f32>>,
    d: Vec<Vec<f32>>,
    e: Vec<Vec<f32>>,
    /// lambda_0..lambda_n of pattern p at `lambda[p * (n + 1)..]`.
    lambda: Vec<f32>,
    /// The direction v (f32, the network's layout) and its `N_1` block transposed (s_0, s_1).
    v: Vec<f32>,
    n1t: Vec<f32>,
    /// A block's zeta_k and g_k, (BLOCK x s_k) per k.
    zeta: Vec<Vec<f32>>,
    g: Vec<Vec<f32>>,
    /// A block's product in f32, layout of `net` (the `W_1` block transposed).
    blk: Vec<f32>,
    /// The sum over the patterns added since [`BatchHvp::set_direction`], layout of `net`.
    acc: Vec<f64>,
    added: usize,
}

/// `(n . x, w . z)` over equal lengths: two f32x4 accumulators per sum, then the lanes and the tail.
fn dot2(w: &[f32], nn: &[f32], x: &[f32], z: &[f32]) -> (f32, f32) {
    let cols = x.len();
    let q = cols / 4 * 4;
    let (w, nn, z) = (&w[..cols], &nn[..cols], &z[..cols]);
    let (mut a, mut b) = (F4::ZERO, F4::ZERO);
    let mut j = 0;
    while j < q {
        a = a.mul_add(F4::load(&nn[j..]), F4::load(&x[j..]));
        b = b.mul_add(F4::load(&w[j..]), F4::load(&z[j..]));
        j += 4;
    }
    let (mut s, mut t) = (a.sum(), b.sum());
    for j in q..cols {
        s += nn[j] * x[j];
        t += w[j] * z[j];
    }
    (s, t)
}

impl BatchHvp {
    /// An empty batch over the f32 copy of `net`, lambdas of each pattern by `policy`. Fails if a
    /// parameter does not fit in f32 or the policy does not fit the network.
    pub fn new(net: &Network, policy: LambdaPolicy) -> Result<BatchHvp> {
        let net32 = Net32::from_network(net)?;
        let sizes = net32.sizes().to_vec();
        let per_layer = |m: usize| sizes.iter().map(|&s| vec![0f32; m * s]).collect::<Vec<_>>();
        let p = net32.num_params();
        Ok(BatchHvp {
            net64: net32.to_network(),
            single: FastHvp::new(net32.clone(), policy)?,
            scratch: vec![0.0; p],
            count: 0,
            nz_at: vec![0],
            nz_idx: Vec::new(),
            nz_val: Vec::new(),
            x: per_layer(0),
            d: per_layer(0),
            e: per_layer(0),
            lambda: Vec::new(),
            v: vec![0.0; p],
            n1t: vec![0.0; sizes[0] * sizes[1]],
            zeta: per_layer(BLOCK),
            g: per_layer(BLOCK),
            blk: vec![0.0; p],
            acc: vec![0.0; p],
            added: 0,
            net: net32,
        })
    }

    /// Number of parameters P.
    pub fn num_params(&self) -> usize {
        self.net.num_params()
    }

    /// Patterns pushed so far.
    pub fn len(&self) -> usize {
        self.count
    }

    /// Whether no pattern was pushed.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The lambdas lambda_0..lambda_n of pattern `p` (as f32, as the products use them).
    pub fn lambdas(&self, p: usize) -> &[f32] {
        let m = self.net.n() + 1;
        &self.lambda[p * m..(p + 1) * m]
    }

    /// The f64 network the batch's patterns are evaluated on (the f32-rounded parameters).
    pub fn network(&self) -> &Network {
        &self.net64
    }

    /// Adds pattern `(x0, label)`: its forward pass, lambdas by the policy and adjoint of J_R (one
    /// fused f32 product at v = 0). Fails on a wrong input length, a label that is not a class or
    /// non-finite states, naming them.
    pub fn push(&mut self, x0: &[f32], label: usize) -> Result<()> {
        let (s0, sn) = (self.net.sizes()[0], self.net.sizes()[self.net.n()]);
        if x0.len() != s0 {
            return Err(Error::invalid(
                "input",
                format!("has {} values, the network takes {s0}", x0.len()),
            ));
        }
        if label >= sn {
            return Err(Error::invalid(
                "label",
                format!("{label}: must be 0..{}", sn - 1),
            ));
        }
        self.single.hvp(x0, label, &mut self.scratch);
        let (x, d, e, lambda) = self.single.states();
        let n = self.net.n();
        if x[n].iter().chain(&e[1]).any(|v| !v.is_finite()) {
            return Err(Error::invalid(
                format!("pattern {}", self.count),
                "its states are not finite",
            ));
        }
        for (j, &v) in x0.iter().enumerate() {
            if v != 0.0 {
                self.nz_idx.push(j as u32);
                self.nz_val.push(v);
            }
        }
        self.nz_at.push(self.nz_idx.len());
        for k in 1..=n {
            self.x[k].extend_from_slice(&x[k]);
            self.d[k].extend_from_slice(&d[k]);
            self.e[k].extend_from_slice(&e[k]);
        }
        self.lambda.extend_from_slice(lambda);
        self.count += 1;
        Ok(())
    }

    /// Sets the direction v (the network's flat layout, P values) and clears the sum.
    pub fn set_direction(&mut self, v: &[f64]) -> Result<()> {
        if v.len() != self.v.len() {
            return Err(Error::invalid(
                "direction",
                format!("has {} values, the network has {}", v.len(), self.v.len()),
            ));
        }
        for (o, &x) in self.v.iter_mut().zip(v) {
            *o = x as f32;
        }
        let (rows, cols, w) = (self.net.sizes()[1], self.net.sizes()[0], self.net.w_at(1));
        transpose_map(&v[w..w + rows * cols], rows, cols, &mut self.n1t, |x| {
            x as f32
        });
        self.acc.fill(0.0);
        self.added = 0;
        Ok(())
    }

    /// Adds `sum_{p in patterns} H_p v` to the sum (blocks of [`BLOCK`]). Fails on a range past
    /// the patterns pushed.
    pub fn add(&mut self, patterns: Range<usize>) -> Result<()> {
        if patterns.end > self.count || patterns.start > patterns.end {
            return Err(Error::invalid(
                "patterns",
                format!("{patterns:?} is not within the {} pushed", self.count),
            ));
        }
        let mut start = patterns.start;
        while start < patterns.end {
            let end = (start + BLOCK).min(patterns.end);
            self.block(start..end);
            for (a, &b) in self.acc.iter_mut().zip(&self.blk) {
                *a += f64::from(b);
            }
            start = end;
        }
        self.added += patterns.len();
        Ok(())
    }

    /// Patterns added since the direction was set.
    pub fn added(&self) -> usize {
        self.added
    }

    /// The sum divided by `divisor` into `out` in the network's layout (P values).
    pub fn sum_into(&self, divisor: f64, out: &mut [f64]) {
        assert_eq!(out.len(), self.acc.len(), "output length");
        let (rows, cols, w) = (self.net.sizes()[1], self.net.sizes()[0], self.net.w_at(1));
        for (o, &a) in out.iter_mut().zip(&self.acc) {
            *o = a / divisor;
        }
        // The W_1 block is held transposed (s_0 rows of s_1).
        transpose_map(
            &self.acc[w..w + rows * cols],
            cols,
            rows,
            &mut out[w..w + rows * cols],
            |a| a / divisor,
        );
    }

    /// One block's `sum_p H_p v` into `blk` (module doc).
    fn block(&mut self, pats: Range<usize>) {
        let net = &self.net;
        let (n, sizes) = (net.n(), net.sizes());
        let m = n + 1;
        let v = &self.v;
        self.blk.fill(0.0);
        // Forward, layer 1: zeta_1 = d_1 .* (-N_1 x_0 - eta_1) from the nonzero pixels.
        let s1 = sizes[1];
        let b1 = net.b_at(1);
        for (q, p) in pats.clone().enumerate() {
            let z = &mut self.zeta[1][q * s1..(q + 1) * s1];
            z.fill(0.0);
            for t in self.nz_at[p]..self.nz_at[p + 1] {
                let (j, xj) = (self.nz_idx[t] as usize, self.nz_val[t]);
                for (zi, &ni) in z.iter_mut().zip(&self.n1t[j * s1..(j + 1) * s1]) {
                    *zi += xj * ni;
                }
            }
            let d = &self.d[1][p * s1..(p + 1) * s1];
            for i in 0..s1 {
                z[i] = d[i] * (-z[i] - v[b1 + i]);
            }
        }
        // Forward, layers 2..n: one read of each row of W_k and N_k for the whole block.
        for k in 2..=n {
            let (rows, cols, w, b) = (sizes[k], sizes[k - 1], net.w_at(k), net.b_at(k));
            let wk = net.w(k);
            let (zlo, zhi) = self.zeta.split_at_mut(k);
            let (zin, zk) = (&zlo[k - 1], &mut zhi[0]);
            for i in 0..rows {
                let (wrow, nrow) = (
                    &wk[i * cols..(i + 1) * cols],
                    &v[w + i * cols..w + (i + 1) * cols],
                );
                for (q, p) in pats.clone().enumerate() {
                    let xin = &self.x[k - 1][p * cols..(p + 1) * cols];
                    let (nx, wz) = dot2(wrow, nrow, xin, &zin[q * cols..(q + 1) * cols]);
                    zk[q * rows + i] = self.d[k][p * rows + i] * (wz - nx - v[b + i]);
                }
            }
        }
        // Terminal: g_n = d_n .* (-lambda_n zeta_n).
        let sn = sizes[n];
        for (q, p) in pats.clone().enumerate() {
            let ln = self.lambda[p * m + n];
            for i in 0..sn {
                self.g[n][q * sn + i] = self.d[n][p * sn + i] * (-ln * self.zeta[n][q * sn + i]);
            }
        }
        // Backward, layers n..2: one read of each row of W_k and N_k, one update of the product row.
        for k in (2..=n).rev() {
            let (rows, cols, w) = (sizes[k], sizes[k - 1], net.w_at(k));
            let wk = net.w(k);
            let (glo, ghi) = self.g.split_at_mut(k);
            let (acc, gk) = (&mut glo[k - 1], &ghi[0]);
            acc[..pats.len() * cols].fill(0.0);
            let (wblk, rest) = self.blk[w..].split_at_mut(rows * cols);
            for i in 0..rows {
                let (wrow, nrow) = (
                    &wk[i * cols..(i + 1) * cols],
                    &v[w + i * cols..w + (i + 1) * cols],
                );
                let o = &mut wblk[i * cols..(i + 1) * cols];
                let mut beta = 0f32;
                for (q, p) in pats.clone().enumerate() {
                    let (c2, c1) = (gk[q * rows + i], self.e[k][p * rows + i]);
                    let xin = &self.x[k - 1][p * cols..(p + 1) * cols];
                    let zin = &self.zeta[k - 1][q * cols..(q + 1) * cols];
                    let a = &mut acc[q * cols..(q + 1) * cols];
                    // Equal lengths by construction: LLVM drops the bounds checks and vectorises.
                    for j in 0..cols {
                        a[j] += wrow[j] * c2 - nrow[j] * c1;
                        o[j] += c2 * xin[j] + c1 * zin[j];
                    }
                    beta += c2;
                }
                rest[i] += beta;
            }
            // g_{k-1} = d_{k-1} .* (gam_{k-1} - lambda_{k-1} zeta_{k-1}).
            for (q, p) in pats.clone().enumerate() {
                let l = self.lambda[p * m + k - 1];
                let d = &self.d[k - 1][p * cols..(p + 1) * cols];
                let z = &self.zeta[k - 1][q * cols..(q + 1) * cols];
                let a = &mut acc[q * cols..(q + 1) * cols];
                for j in 0..cols {
                    a[j] = d[j] * (a[j] - l * z[j]);
                }
            }
        }
        // Layer 1: (Hv)_{W_1}^T[j,:] += x_0[j] g_1 over the nonzero pixels, (Hv)_{beta_1} += g_1.
        let w1 = net.w_at(1);
        for (q, p) in pats.enumerate() {
            let g1 = &self.g[1][q * s1..(q + 1) * s1];
            for t in self.nz_at[p]..self.nz_at[p + 1] {
                let (j, xj) = (self.nz_idx[t] as usize, self.nz_val[t]);
                let o = &mut self.blk[w1 + j * s1..w1 + (j + 1) * s1];
                for (oi, &gi) in o.iter_mut().zip(g1) {
                    *oi += xj * gi;
                }
            }
            for (oi, &gi) in self.blk[b1..b1 + s1].iter_mut().zip(g1) {
                *oi += gi;
            }
        }
    }
}
