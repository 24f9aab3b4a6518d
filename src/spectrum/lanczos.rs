//! The extreme eigenvalues of a symmetric operator known only through products `v -> A v`: the
//! Lanczos process with full reorthogonalisation (Golub & Van Loan, *Matrix Computations*, 4th ed.,
//! section 10.1; PyHessian, Yao et al. 2020, does the same for a network's Hessian).
//!
//! ```text
//! q_1 = r / ||r||               r: seeded normal deviates (crate::rng), no clock
//! step j:  w = A q_j,  alpha_j = q_j . w,  w -= alpha_j q_j + beta_{j-1} q_{j-1}
//!          w -= sum_i (q_i . w) q_i over every stored q_i, again if ||w|| fell below ||w||/sqrt 2
//!          beta_j = ||w||,  q_{j+1} = w / beta_j
//! T_m = tridiag(beta, alpha, beta)  (m x m),  T_m = S diag(theta) S^T  (cyclic Jacobi)
//! ```
//! The Ritz values theta_i are the eigenvalues of A restricted to the Krylov space. **Convergence
//! criterion.** A Ritz pair has residual `||A y_i - theta_i y_i|| = beta_m |S[m, i]|` (exactly, in
//! exact arithmetic), and a symmetric A then has an eigenvalue within that distance of theta_i
//! (Golub & Van Loan, Theorem 10.1.2 with Weyl's bound); the process stops when the `k` largest
//! Ritz values each have `beta_m |S[m, i]| <= tol max_i |theta_i|` (the smallest is reported with
//! its bound, not waited for), when
//! `beta_m` vanishes (an invariant subspace: the Ritz values are eigenvalues), or after
//! `max_steps` steps (then [`Ritz::converged`] is false and the bounds say how far off they are).
//! The basis is stored in f32 (P x steps: 4 bytes per value; the paper's net at 40 steps: 87 MB),
//! products and sums in f64.
//!
//! The process is driven from outside ([`Lanczos::direction`], [`Lanczos::absorb`]) so that the
//! products can be spread over bounded calls.

use crate::error::{Error, Result};
use crate::rng::Rng;
use serde::Serialize;

/// The Lanczos state for an operator of order `p`.
#[derive(Debug, Clone)]
pub struct Lanczos {
    p: usize,
    k: usize,
    max_steps: usize,
    tol: f64,
    /// q_1..q_j (f32), the last one the current direction.
    basis: Vec<Vec<f32>>,
    /// The current direction q_j in f64.
    current: Vec<f64>,
    alpha: Vec<f64>,
    beta: Vec<f64>,
    ritz: Ritz,
    done: bool,
}

/// The Ritz values of the last step.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ritz {
    /// The `k` largest Ritz values, descending (fewer if fewer steps ran).
    pub top: Vec<f64>,
    /// `beta_m |S[m, i]|` of each: an eigenvalue of the operator lies within it.
    pub top_bounds: Vec<f64>,
    /// The smallest Ritz value and its bound (not part of the criterion). Every Ritz value lies
    /// in [lambda_min, lambda_max] of the operator, so `max(|top_1|, |lowest|)` <= its radius.
    pub lowest: f64,
    pub lowest_bound: f64,
    /// Lanczos steps taken (products absorbed).
    pub steps: usize,
    /// Whether the top k's bounds met the criterion (or the Krylov space became invariant).
    pub converged: bool,
    /// The criterion's relative tolerance.
    pub tol: f64,
}

/// Eigenvalues and eigenvectors of the symmetric `a` (m x m, row-major) by cyclic Jacobi: returns
/// `(values, vectors)` with `vectors[i * m + j]` the i-th component of the j-th eigenvector.
/// Only `sqrt` (correctly rounded): the same bits on every target.
pub fn jacobi(a: &[f64], m: usize) -> (Vec<f64>, Vec<f64>) {
    let mut a = a.to_vec();
    let mut v = vec![0.0; m * m];
    for i in 0..m {
        v[i * m + i] = 1.0;
    }
    for _sweep in 0..100 {
        let off: f64 = (0..m)
            .flat_map(|i| (0..m).filter(move |&j| j != i).map(move |j| (i, j)))
            .map(|(i, j)| a[i * m + j] * a[i * m + j])
            .sum();
        let diag: f64 = (0..m).map(|i| a[i * m + i] * a[i * m + i]).sum();
        if off <= 1e-30 * diag || off == 0.0 {
            break;
        }
        for pp in 0..m {
            for q in pp + 1..m {
                let apq = a[pp * m + q];
                if apq == 0.0 {
                    continue;
                }
                let theta = (a[q * m + q] - a[pp * m + pp]) / (2.0 * apq);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for r in 0..m {
                    let (arp, arq) = (a[r * m + pp], a[r * m + q]);
                    a[r * m + pp] = c * arp - s * arq;
                    a[r * m + q] = s * arp + c * arq;
                }
                for r in 0..m {
                    let (apr, aqr) = (a[pp * m + r], a[q * m + r]);
                    a[pp * m + r] = c * apr - s * aqr;
                    a[q * m + r] = s * apr + c * aqr;
                }
                for r in 0..m {
                    let (vrp, vrq) = (v[r * m + pp], v[r * m + q]);
                    v[r * m + pp] = c * vrp - s * vrq;
                    v[r * m + q] = s * vrp + c * vrq;
                }
            }
        }
    }
    ((0..m).map(|i| a[i * m + i]).collect(), v)
}

fn dot32(a: &[f32], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(&x, &y)| f64::from(x) * y).sum()
}

impl Lanczos {
    /// For an operator of order `p` (> 0): the `k` (1..=p) largest eigenvalues, at most
    /// `max_steps` (>= 1) products, relative tolerance `tol` (> 0), start vector from `seed`.
    pub fn new(p: usize, k: usize, max_steps: usize, tol: f64, seed: u64) -> Result<Lanczos> {
        if p == 0 {
            return Err(Error::invalid("order", "0: the operator has no dimension"));
        }
        if k == 0 || k > p {
            return Err(Error::invalid("top", format!("{k}: must be 1..={p}")));
        }
        if max_steps == 0 {
            return Err(Error::invalid("max_steps", "0: must be at least 1"));
        }
        if !(tol.is_finite() && tol > 0.0) {
            return Err(Error::invalid(
                "tol",
                format!("{tol}: must be a number > 0"),
            ));
        }
        let mut rng = Rng::new(seed);
        let mut r: Vec<f64> = (0..p).map(|_| rng.normal()).collect();
        let norm = r.iter().map(|v| v * v).sum::<f64>().sqrt();
        for v in &mut r {
            *v /= norm;
        }
        Ok(Lanczos {
            p,
            k,
            max_steps: max_steps.min(p),
            tol,
            basis: vec![r.iter().map(|&v| v as f32).collect()],
            current: r,
            alpha: Vec::new(),
            beta: Vec::new(),
            ritz: Ritz {
                top: Vec::new(),
                top_bounds: Vec::new(),
                lowest: f64::NAN,
                lowest_bound: f64::INFINITY,
                steps: 0,
                converged: false,
                tol,
            },
            done: false,
        })
    }

    /// The direction q_j whose product the process needs next; None once it has stopped.
    pub fn direction(&self) -> Option<&[f64]> {
        (!self.done).then_some(&self.current[..])
    }

    /// Whether the process has stopped.
    pub fn done(&self) -> bool {
        self.done
    }

    /// The Ritz values after the last step.
    pub fn ritz(&self) -> &Ritz {
        &self.ritz
    }

    /// Steps taken.
    pub fn steps(&self) -> usize {
        self.alpha.len()
    }

    /// The most steps this process may take.
    pub fn max_steps(&self) -> usize {
        self.max_steps
    }

    /// One Lanczos step with `aq = A q_j` (p values). Fails on a wrong length, a non-finite
    /// product or a call after the process stopped.
    pub fn absorb(&mut self, aq: &[f64]) -> Result<()> {
        if self.done {
            return Err(Error::invalid(
                "Lanczos step",
                "the process has already stopped",
            ));
        }
        if aq.len() != self.p {
            return Err(Error::invalid(
                "product",
                format!(
                    "has {} values, the operator's order is {}",
                    aq.len(),
                    self.p
                ),
            ));
        }
        if let Some(i) = aq.iter().position(|v| !v.is_finite()) {
            return Err(Error::Numerical(format!(
                "Lanczos: the product's entry {i} is {}",
                aq[i]
            )));
        }
        let j = self.alpha.len();
        let mut w = aq.to_vec();
        let alpha: f64 = self.current.iter().zip(&w).map(|(a, b)| a * b).sum();
        for (wi, qi) in w.iter_mut().zip(&self.current) {
            *wi -= alpha * qi;
        }
        if j > 0 {
            let (b, prev) = (self.beta[j - 1], &self.basis[j - 1]);
            for (wi, &qi) in w.iter_mut().zip(prev) {
                *wi -= b * f64::from(qi);
            }
        }
        // Full reorthogonalisation against every stored q (twice if needed, Kahan-Parlett).
        for _pass in 0..2 {
            let before = w.iter().map(|v| v * v).sum::<f64>().sqrt();
            for q in &self.basis {
                let c = dot32(q, &w);
                for (wi, &qi) in w.iter_mut().zip(q) {
                    *wi -= c * f64::from(qi);
                }
            }
            let after = w.iter().map(|v| v * v).sum::<f64>().sqrt();
            if after >= before / std::f64::consts::SQRT_2 {
                break;
            }
        }
        let beta = w.iter().map(|v| v * v).sum::<f64>().sqrt();
        self.alpha.push(alpha);
        self.beta.push(beta);
        self.update_ritz();
        let scale = self
            .alpha
            .iter()
            .chain(&self.beta)
            .fold(0.0f64, |m, v| m.max(v.abs()));
        let invariant = beta <= 1e-10 * scale.max(f64::MIN_POSITIVE);
        if invariant {
            self.ritz.converged = true;
        }
        if self.ritz.converged || invariant || self.alpha.len() >= self.max_steps {
            self.done = true;
            return Ok(());
        }
        for (c, wi) in self.current.iter_mut().zip(&w) {
            *c = wi / beta;
        }
        self.basis
            .push(self.current.iter().map(|&v| v as f32).collect());
        Ok(())
    }

    /// The Ritz values of T_m and their residual bounds (module doc).
    fn update_ritz(&mut self) {
        let m = self.alpha.len();
        let mut t = vec![0.0; m * m];
        for i in 0..m {
            t[i * m + i] = self.alpha[i];
            if i + 1 < m {
                t[i * m + i + 1] = self.beta[i];
                t[(i + 1) * m + i] = self.beta[i];
            }
        }
        let (theta, s) = jacobi(&t, m);
        let mut order: Vec<usize> = (0..m).collect();
        order.sort_by(|&a, &b| theta[b].total_cmp(&theta[a]));
        let bm = self.beta[m - 1];
        let bound = |i: usize| bm * s[(m - 1) * m + i].abs();
        let top: Vec<usize> = order.iter().copied().take(self.k).collect();
        let low = order[m - 1];
        let scale = theta.iter().fold(0.0f64, |a, v| a.max(v.abs()));
        let ok = |i: usize| bound(i) <= self.tol * scale;
        self.ritz = Ritz {
            top: top.iter().map(|&i| theta[i]).collect(),
            top_bounds: top.iter().map(|&i| bound(i)).collect(),
            lowest: theta[low],
            lowest_bound: bound(low),
            steps: m,
            converged: m >= self.k && top.iter().all(|&i| ok(i)),
            tol: self.tol,
        };
    }
}
