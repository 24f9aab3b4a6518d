//! The f32 network both fast kernels share: the parameters of a [`Network`] in f32, with `W_1`
//! stored transposed, and the forward pass of Eq. 1 over them. The training step
//! ([`super::FastNet`]) and the Hessian-vector product ([`super::hvp::FastHvp`]) each hold one and
//! add only their own workspaces.
//!
//! # Layout
//! The flat vector of [`Network`] (for k = 1..n: `W_k` row-major, then `beta_k`), at the same
//! offsets, except that the block of `W_1` holds `W_1^T` (`s_0` rows of `s_1`). Column j of `W_1`
//! is then the contiguous row j of the block, and a pattern's zero pixels (about 81 % of an MNIST
//! digit) are skipped by not reading their rows (module doc of [`crate::fast`]).
//! [`Net32::params`] and [`Net32::params_into`] give the usual layout back.

use super::kernels::{dot4, finish, reduce_lanes, sparse_columns, transpose_map};
use crate::error::{Error, Result};
use crate::network::{validate_architecture, Network};

/// A leaky-ReLU MLP in f32 (`F(a) = a` for `a > 0`, `alpha a` otherwise), `W_1` transposed.
#[derive(Debug, Clone)]
pub struct Net32 {
    /// s_0..s_n, (n + 1,).
    sizes: Vec<usize>,
    /// The leak slope of F.
    alpha: f32,
    /// (P,) f32, P = sum_k s_k (s_{k-1} + 1): `W_1^T` (s_0, s_1), `beta_1` (s_1,), then for
    /// k = 2..n `W_k` (s_k, s_{k-1}) row-major and `beta_k` (s_k,), at [`Network`]'s offsets.
    params: Vec<f32>,
    /// (n + 1,) offset of the block of `W_k` in `params` (`[0]` unused); `beta_k` follows it.
    w_at: Vec<usize>,
}

/// One pattern's forward quantities (Eq. 1), preallocated: a forward pass allocates nothing.
#[derive(Debug, Clone)]
pub(crate) struct Activations {
    /// `x_k = F(a_k)` for k = 0..n, each (s_k,); `x_0` is the input.
    pub x: Vec<Vec<f32>>,
    /// `d_k = F'(a_k)` (1 or alpha) for k = 0..n, each (s_k,); `[0]` unused.
    pub dv: Vec<Vec<f32>>,
    /// The pixels j with `x_0[j] != 0`, in order, (<= s_0,): layer 1 reads only their rows of `W_1^T`.
    pub nz: Vec<usize>,
}

impl Activations {
    pub(crate) fn new(sizes: &[usize]) -> Activations {
        let per_state = || -> Vec<Vec<f32>> { sizes.iter().map(|&s| vec![0.0; s]).collect() };
        Activations {
            x: per_state(),
            dv: per_state(),
            nz: Vec::with_capacity(sizes[0]),
        }
    }
}

/// `(F(a), F'(a))` of the leaky ReLU: `(a, 1)` for `a > 0`, else `(alpha a, alpha)`.
#[inline(always)]
pub(crate) fn leaky(a: f32, alpha: f32) -> (f32, f32) {
    if a > 0.0 {
        (a, 1.0)
    } else {
        (alpha * a, alpha)
    }
}

impl Net32 {
    /// An f32 copy of `net`; fails if a parameter or alpha is outside f32's finite range (the
    /// error names the parameter's index and value).
    pub fn from_network(net: &Network) -> Result<Net32> {
        let (sizes, n) = (net.sizes().to_vec(), net.n());
        let alpha = net.alpha() as f32;
        validate_architecture(&sizes, f64::from(alpha))?;
        let mut params: Vec<f32> = net.params.iter().map(|&v| v as f32).collect();
        if let Some(i) = params.iter().position(|v| !v.is_finite()) {
            let why = format!("{} does not fit in f32", net.params[i]);
            return Err(Error::invalid(format!("params[{i}]"), why));
        }
        let l1 = net.layer(1);
        transpose_map(
            &net.params[l1.w.clone()],
            l1.rows,
            l1.cols,
            &mut params[l1.w.clone()],
            |v| v as f32,
        );
        Ok(Net32 {
            w_at: (0..=n)
                .map(|k| if k == 0 { 0 } else { net.layer(k).w.start })
                .collect(),
            sizes,
            alpha,
            params,
        })
    }

    /// An f64 [`Network`] with exactly these parameters.
    pub fn to_network(&self) -> Network {
        let mut p = vec![0.0; self.params.len()];
        self.params_into(&mut p);
        Network::from_params(&self.sizes, f64::from(self.alpha), p)
            .expect("Net32 parameters are finite")
    }

    /// The parameters in [`Network`]'s layout (`W_1` row-major like every other layer).
    pub fn params(&self) -> Vec<f32> {
        let mut p = self.params.clone();
        let l1 = self.w_at[1]..self.b_at(1);
        let (rows, cols) = (self.sizes[1], self.sizes[0]);
        transpose_map(&self.params[l1.clone()], cols, rows, &mut p[l1], |v| v);
        p
    }

    /// The parameters as f64 in [`Network`]'s layout, into `out` (P values; no allocation).
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

    /// s_0..s_n.
    pub fn sizes(&self) -> &[usize] {
        &self.sizes
    }
    /// The number of layers with parameters.
    pub fn n(&self) -> usize {
        self.sizes.len() - 1
    }
    /// Panics unless `x0` has s_0 values and `label` < s_n (the kernels' callers check both first).
    pub fn assert_pattern(&self, x0: &[f32], label: usize) {
        let (s0, sn) = (self.sizes[0], self.sizes[self.n()]);
        assert_eq!(x0.len(), s0, "input length");
        assert!(label < sn, "label {label} >= {sn}");
    }
    /// The leak slope.
    pub fn alpha(&self) -> f32 {
        self.alpha
    }
    /// P, the number of parameters.
    pub fn num_params(&self) -> usize {
        self.params.len()
    }

    /// Offset of the block of `W_k` in the flat vector.
    pub(crate) fn w_at(&self, k: usize) -> usize {
        self.w_at[k]
    }
    /// Offset of `beta_k` in the flat vector.
    pub(crate) fn b_at(&self, k: usize) -> usize {
        self.w_at[k] + self.sizes[k] * self.sizes[k - 1]
    }
    /// The block of `W_k`: (s_k, s_{k-1}) row-major for k >= 2, `W_1^T` (s_0, s_1) for k = 1.
    pub(crate) fn w(&self, k: usize) -> &[f32] {
        &self.params[self.w_at(k)..self.b_at(k)]
    }
    /// `beta_k`, (s_k,).
    pub(crate) fn beta(&self, k: usize) -> &[f32] {
        let b = self.b_at(k);
        &self.params[b..b + self.sizes[k]]
    }
    /// The blocks of `W_k` and `beta_k`, writable (layouts as [`Net32::w`], [`Net32::beta`]).
    pub(crate) fn layer_mut(&mut self, k: usize) -> (&mut [f32], &mut [f32]) {
        let (w, b, end) = (self.w_at(k), self.b_at(k), self.b_at(k) + self.sizes[k]);
        let (wk, beta) = self.params[w..end].split_at_mut(b - w);
        (wk, beta)
    }

    /// Layer 1's pre-activation `a_1 = W_1 x_0 + beta_1` (Eq. 1) from the rows j in `nz` of
    /// `W_1^T` (the pixels with `x_0[j] != 0`, which it lists first), four at a time.
    pub(crate) fn layer1_preactivation(&self, x0: &[f32], nz: &mut Vec<usize>, a: &mut [f32]) {
        nz.clear();
        nz.extend((0..self.sizes[0]).filter(|&j| x0[j] != 0.0));
        sparse_columns(self.w(1), nz, x0, a);
        for (ai, bi) in a.iter_mut().zip(self.beta(1)) {
            *ai += bi;
        }
    }

    /// Eq. 1: `a_k = W_k x_{k-1} + beta_k`, `x_k = F(a_k)`, `d_k = F'(a_k)` for k = 1..n into
    /// `acts` (`x_0` = `x0`, s_0 values). Rows of `W_k` (k >= 2) four at a time, each dot product in
    /// 4 lanes (`j mod 4`), `(l0 + l1) + (l2 + l3)`, then the tail in order.
    pub(crate) fn forward(&self, x0: &[f32], acts: &mut Activations) {
        acts.x[0].copy_from_slice(x0);
        for k in 1..=self.n() {
            let (lo, hi) = acts.x.split_at_mut(k);
            let (xin, a) = (&lo[k - 1], &mut hi[0]);
            if k == 1 {
                self.layer1_preactivation(xin, &mut acts.nz, a);
            } else {
                self.dense_preactivation(k, xin, a);
            }
            for (ai, di) in a.iter_mut().zip(acts.dv[k].iter_mut()) {
                (*ai, *di) = leaky(*ai, self.alpha);
            }
        }
    }

    /// `a = W_k x + beta_k` for k >= 2, rows four at a time ([`dot4`]), the rest one by one.
    fn dense_preactivation(&self, k: usize, x: &[f32], a: &mut [f32]) {
        let (cols, wk, beta) = (self.sizes[k - 1], self.w(k), self.beta(k));
        let full = a.len() / 4 * 4;
        for i in (0..full).step_by(4) {
            let s = dot4(&wk[i * cols..(i + 4) * cols], cols, x);
            for l in 0..4 {
                a[i + l] = s[l] + beta[i + l];
            }
        }
        for i in full..a.len() {
            let row = &wk[i * cols..(i + 1) * cols];
            a[i] = finish([reduce_lanes(row, x)], row, cols, x)[0] + beta[i];
        }
    }
}
