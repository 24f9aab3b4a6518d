//! Eigenvectors of one pattern's Hessian H from those of the reduced matrix T (docs/maths.md
//! section 5.5), and the functions of H they give without forming H or its P x P eigenbasis:
//!
//! ```text
//! T y = mu y, ||y|| = 1, mu != 0   =>   u = P K R^T y / |mu|   is a unit vector with  H u = mu u
//! H^+ v   = sum_i  u_i (u_i . v) / mu_i   = P K R^T Y diag(1 / mu^3)         Y^T R K P^T v
//! |H|^+ v = sum_i  u_i (u_i . v) / |mu_i| = P K R^T Y diag(1 / (|mu| mu^2)) Y^T R K P^T v
//! ```
//! (H u = P K C K R^T y = P K R^T T y = mu P K R^T y; ||P K R^T y||^2 = y^T T^2 y = mu^2.) The
//! sums run over the nonzero spectrum, so H^+ is the pseudo-inverse and |H|^+ that of
//! `|H| = U |Lambda| U^T`. Each result costs one application of `P K R^T` and one of `R K P^T`
//! (O(P + S^2)) plus two products with Y (O(m^2)); only the eigenvectors asked for are formed as
//! parameter-length vectors ([`Eigenpairs::eigenvectors`]).

use super::symeig::SymEig;
use super::{summarise, zero_tolerance, ExactSpectrum, Reduction};
use crate::cost::Lambdas;
use crate::error::{Error, Result};
use crate::linalg::{hadamard, norm2_sq};
use crate::network::{Forward, Network};

/// The nonzero eigenpairs of one pattern's H, held in the reduced space (module doc).
pub struct Eigenpairs<'a> {
    net: &'a Network,
    fw: &'a Forward,
    b: &'a [Vec<f64>],
    red: Reduction,
    /// The nonzero eigenvalues mu_i, ascending.
    mu: Vec<f64>,
    /// `index[i]`: the eigen-coordinate of [`SymEig`] that mu_i is.
    index: Vec<usize>,
    /// T's eigendecomposition; its eigenvectors y_i are applied, never formed as a matrix.
    eig: SymEig,
    radius: f64,
}

impl<'a> Eigenpairs<'a> {
    /// T's eigendecomposition ([`SymEig`]: Householder + implicit QL, fixed order of arithmetic, so
    /// the same bits natively and in wasm), keeping the pairs with `|mu| > m eps 16 radius` (the
    /// same threshold as [`super::spectrum_of_reduced`]).
    pub fn new(
        net: &'a Network,
        fw: &'a Forward,
        b: &'a [Vec<f64>],
        lambda: &Lambdas,
    ) -> Result<Self> {
        let red = Reduction::new(net, fw, b, lambda)?;
        let m = red.t.nrows();
        let eig = SymEig::new(red.t.as_slice(), m, true).map_err(|e| match e {
            Error::Numerical(msg) => Error::Numerical(format!("eigenpairs: {msg}")),
            other => other,
        })?;
        let s = eig.values();
        let radius = s.iter().fold(0.0f64, |a, v| a.max(v.abs()));
        let tol = zero_tolerance(m, radius);
        let mut index: Vec<usize> = (0..m).filter(|&i| s[i].abs() > tol).collect();
        index.sort_by(|&i, &j| s[i].total_cmp(&s[j]).then(i.cmp(&j)));
        let mu = index.iter().map(|&i| s[i]).collect();
        Ok(Eigenpairs {
            net,
            fw,
            b,
            red,
            mu,
            index,
            eig,
            radius,
        })
    }

    /// The nonzero eigenvalues, ascending.
    pub fn eigenvalues(&self) -> &[f64] {
        &self.mu
    }

    /// The spectrum's summary (the same as [`super::exact_spectrum`]'s).
    pub fn spectrum(&self) -> ExactSpectrum {
        summarise(self.mu.clone(), self.radius, self.net.num_params())
    }

    fn order(&self) -> usize {
        self.red.t.nrows()
    }

    /// `y_i`, the unit eigenvector of T for mu_i: `V e_(index[i])` (O(m^2)).
    fn y_col(&self, i: usize) -> Vec<f64> {
        let mut c = vec![0.0; self.order()];
        c[self.index[i]] = 1.0;
        self.eig.from_eigen(&c)
    }

    /// The unit eigenvectors u_i of H (flat parameter layout) for the eigenvalue indices `which`
    /// (into [`Eigenpairs::eigenvalues`]); an index out of range is an error naming it.
    pub fn eigenvectors(&self, which: &[usize]) -> Result<Vec<Vec<f64>>> {
        which
            .iter()
            .map(|&i| {
                let mu = *self.mu.get(i).ok_or_else(|| {
                    Error::invalid(
                        "eigenvector",
                        format!("index {i}: H has {} nonzero eigenvalues", self.mu.len()),
                    )
                })?;
                let mut u = self.lift(&self.y_col(i));
                u.iter_mut().for_each(|v| *v /= mu.abs());
                Ok(u)
            })
            .collect()
    }

    /// The coordinates `u_i . v` of a parameter vector on every eigenvector, in eigenvalue order:
    /// `y_i . r / |mu_i|` with `r = R K P^T v`, all of them from one `V^T r`.
    pub fn project(&self, v: &[f64]) -> Vec<f64> {
        let w = self.eig.to_eigen(&self.lower(v));
        self.index
            .iter()
            .zip(&self.mu)
            .map(|(&j, mu)| w[j] / mu.abs())
            .collect()
    }

    /// `sum_i u_i (u_i . v) f(mu_i)` over the nonzero spectrum: `P K R^T V c` with
    /// `c_i = (V^T r)_i f(mu_i) / mu_i^2` on the nonzero coordinates (module doc).
    pub fn apply(&self, v: &[f64], f: impl Fn(f64) -> f64) -> Vec<f64> {
        let w = self.eig.to_eigen(&self.lower(v));
        let mut c = vec![0.0; self.order()];
        for (&j, &mu) in self.index.iter().zip(&self.mu) {
            c[j] = w[j] * f(mu) / (mu * mu);
        }
        self.lift(&self.eig.from_eigen(&c))
    }

    /// `H^+ v`, the pseudo-inverse over the nonzero spectrum.
    pub fn pinv(&self, v: &[f64]) -> Vec<f64> {
        self.apply(v, |mu| 1.0 / mu)
    }

    /// `|H|^+ v`, with `|H| = U |Lambda| U^T` over the nonzero spectrum.
    pub fn abs_pinv(&self, v: &[f64]) -> Vec<f64> {
        self.apply(v, |mu| 1.0 / mu.abs())
    }

    /// `P K R^T y` for y in the reduced space (order m).
    fn lift(&self, y: &[f64]) -> Vec<f64> {
        let z = self.r_transpose(y);
        self.p(&self.k(&z))
    }

    /// `R K P^T v` for a parameter vector v.
    fn lower(&self, v: &[f64]) -> Vec<f64> {
        self.r(&self.k(&self.p_transpose(v)))
    }

    /// `s = s_1 + .. + s_n`.
    fn s(&self) -> usize {
        self.red.off[self.net.n() + 1]
    }

    /// `x_{k-1}`, `q = sqrt(1 + ||x||^2)`, `c = (1/q - 1)/||x||^2` and `p_k = (d_k .* b_k) / q`,
    /// `sqrt(sigma_k) = ||d_k .* b_k||` of the pair (gamma_k, zeta_{k-1}) (docs/maths.md 5.4).
    fn pair(&self, k: usize) -> (&[f64], f64, Vec<f64>, f64) {
        let x = &self.fw.x[k - 1];
        let xx = norm2_sq(x);
        let q = (1.0 + xx).sqrt();
        let c = if xx > 0.0 { (1.0 / q - 1.0) / xx } else { 0.0 };
        let db = hadamard(&self.fw.fprime[k], &self.b[k]);
        let sb = norm2_sq(&db).sqrt();
        (x, c, db.iter().map(|v| v / q).collect(), sb)
    }

    /// `R z`: state space (2S) to the reduced space (m = 2S - s_n).
    fn r(&self, z: &[f64]) -> Vec<f64> {
        let (off, s) = (&self.red.off, self.s());
        let mut out = vec![0.0; self.order()];
        for i in 0..s {
            out[i] = self.red.r[i] * z[i];
        }
        for k in 2..=self.net.n() {
            let (x, c, p, sb) = self.pair(k);
            let zz = &z[s + off[k - 1]..s + off[k]];
            let xz = crate::linalg::dot(x, zz);
            for (i, pi) in p.iter().enumerate() {
                out[off[k] + i] += pi * xz;
            }
            for (j, xj) in x.iter().enumerate() {
                out[s + off[k - 1] + j] = sb * (zz[j] + c * xj * xz);
            }
        }
        out
    }

    /// `R^T y`: the reduced space to state space (the zeta_n entries are 0).
    fn r_transpose(&self, y: &[f64]) -> Vec<f64> {
        let (off, s) = (&self.red.off, self.s());
        let mut out = vec![0.0; 2 * s];
        for i in 0..s {
            out[i] = self.red.r[i] * y[i];
        }
        for k in 2..=self.net.n() {
            let (x, c, p, sb) = self.pair(k);
            let py = crate::linalg::dot(&p, &y[off[k]..off[k + 1]]);
            let yz = &y[s + off[k - 1]..s + off[k]];
            let xy = crate::linalg::dot(x, yz);
            for (j, xj) in x.iter().enumerate() {
                out[s + off[k - 1] + j] = xj * py + sb * (yz[j] + c * xj * xy);
            }
        }
        out
    }

    /// `K z = [E z_g - L^T z_z; -L z_g]` (K = -M^{-1}, docs/maths.md section 2.2).
    fn k(&self, z: &[f64]) -> Vec<f64> {
        let s = self.s();
        let (zg, zz) = z.split_at(s);
        let (l, e) = (&self.red.l, &self.red.e);
        let mut out = vec![0.0; 2 * s];
        for i in 0..s {
            let mut acc = 0.0;
            for j in 0..s {
                acc += e[(i, j)] * zg[j] - l[(j, i)] * zz[j];
            }
            out[i] = acc;
            out[s + i] = -(0..s).map(|j| l[(i, j)] * zg[j]).sum::<f64>();
        }
        out
    }

    /// `P [gamma; zeta]`: the tetrad's product line (docs/maths.md section 2.2), flat layout.
    fn p(&self, z: &[f64]) -> Vec<f64> {
        let (net, fw, off, s) = (self.net, self.fw, &self.red.off, self.s());
        let mut out = vec![0.0; net.num_params()];
        for k in 1..=net.n() {
            let layer = net.layer(k);
            let dg = hadamard(&fw.fprime[k], &z[off[k]..off[k + 1]]);
            let db = hadamard(&fw.fprime[k], &self.b[k]);
            let zeta = (k >= 2).then(|| &z[s + off[k - 1]..s + off[k]]);
            let x = &fw.x[k - 1];
            for (i, row) in out[layer.w.clone()]
                .chunks_exact_mut(layer.cols)
                .enumerate()
            {
                for (j, w) in row.iter_mut().enumerate() {
                    *w = dg[i] * x[j] + zeta.map_or(0.0, |zt| db[i] * zt[j]);
                }
            }
            out[layer.b.clone()].copy_from_slice(&dg);
        }
        out
    }

    /// `P^T v = [d_k .* (N_k x_{k-1} + eta_k); N_k^T (d_k .* b_k)]` (zeta_n: 0).
    fn p_transpose(&self, v: &[f64]) -> Vec<f64> {
        let (net, fw, off, s) = (self.net, self.fw, &self.red.off, self.s());
        let mut out = vec![0.0; 2 * s];
        for k in 1..=net.n() {
            let layer = net.layer(k);
            let nk = &v[layer.w.clone()];
            let eta = &v[layer.b.clone()];
            let nx = crate::linalg::matvec(nk, &fw.x[k - 1]);
            for i in 0..nx.len() {
                out[off[k] + i] = fw.fprime[k][i] * (nx[i] + eta[i]);
            }
            if k >= 2 {
                let db = hadamard(&fw.fprime[k], &self.b[k]);
                let nt = crate::linalg::transpose_times(nk, &db, layer.cols);
                out[s + off[k - 1]..s + off[k]].copy_from_slice(&nt);
            }
        }
        out
    }
}
