//! A dense symmetric eigensolver with a fixed order of arithmetic (docs/maths.md section 5.4):
//! the same bits natively and in wasm, whatever the CPU. No runtime dispatch, no fused
//! multiply-add; every dot product runs on four fixed lanes ([`crate::linalg::dot`]), which the compiler
//! vectorises on both targets without reordering a sum.
//!
//! ```text
//! T = Q Tri Q^T        Householder tridiagonalisation, Q = H_0 H_1 .. H_{m-3},  H_k = I - tau_k v_k v_k^T
//! Tri = Z Lambda Z^T   implicit QL with Wilkinson's shift (EISPACK tql2), Z = G_1 G_2 .. G_N (plane rotations)
//! ```
//! The eigenvectors of T are the columns of `V = Q Z`, but V is never formed: [`SymEig`] keeps the
//! reflectors and the rotations and applies `V^T` and `V` to a vector in O(m^2)
//! ([`SymEig::to_eigen`], [`SymEig::from_eigen`]). Cost: `4/3 m^3` flops for the reduction
//! (lower triangle only), O(m^2) per QL sweep, about two sweeps per eigenvalue.

use crate::error::{Error, Result};

use super::lanes::F2;
use crate::linalg::dot;

/// Row i (entries `0..=i`) of the trailing matrix in one pass: the pending rank-2 update
/// `row_j -= pv_i pw_j + pw_i pv_j`, then `p[..i] += row[..i] v_i`; returns
/// `row[..i] . v[..i] + row[i] v_i`, the dot on four lanes as [`dot`] sums them (lanes j mod 4,
/// `(s0 + s1) + (s2 + s3)`, then the tail), so every bit is that of the separate loops.
fn update_and_product(
    row: &mut [f64],
    pv: &[f64],
    pw: &[f64],
    v: &[f64],
    p: &mut [f64],
    i: usize,
) -> f64 {
    let (vi, pvi, pwi) = (v[i], pv[i], pw[i]);
    let (body, tail) = row[..i].split_at_mut(i - i % 4);
    let (fv, fpv, fpw) = (F2::splat(vi), F2::splat(pvi), F2::splat(pwi));
    // Lanes (s0, s1) and (s2, s3) of the dot.
    let (mut s01, mut s23) = (F2::splat(0.0), F2::splat(0.0));
    let quads = body
        .chunks_exact_mut(4)
        .zip(pv.chunks_exact(4))
        .zip(pw.chunks_exact(4))
        .zip(v.chunks_exact(4))
        .zip(p.chunks_exact_mut(4));
    for ((((r, a), b), c), q) in quads {
        let x0 = F2::load(r).sub(fpv.mul(F2::load(b)).add(fpw.mul(F2::load(a))));
        let x1 = F2::load(&r[2..]).sub(fpv.mul(F2::load(&b[2..])).add(fpw.mul(F2::load(&a[2..]))));
        x0.store(r);
        x1.store(&mut r[2..]);
        s01 = s01.add(x0.mul(F2::load(c)));
        s23 = s23.add(x1.mul(F2::load(&c[2..])));
        F2::load(q).add(x0.mul(fv)).store(q);
        F2::load(&q[2..]).add(x1.mul(fv)).store(&mut q[2..]);
    }
    let ([s0, s1], [s2, s3]) = (s01.lanes(), s23.lanes());
    let mut total = (s0 + s1) + (s2 + s3);
    let o = body.len();
    for (j, r) in tail.iter_mut().enumerate() {
        let x = *r - (pvi * pw[o + j] + pwi * pv[o + j]);
        *r = x;
        total += x * v[o + j];
        p[o + j] += x * vi;
    }
    let d = row[i] - (pvi * pw[i] + pwi * pv[i]);
    row[i] = d;
    total + d * vi
}

/// The eigen-decomposition `T = V Lambda V^T` of a symmetric matrix, V held as reflectors and
/// rotations (module doc).
pub struct SymEig {
    m: usize,
    /// Eigenvalues, in the solver's order (not sorted).
    values: Vec<f64>,
    /// Reflector k: `v_k` (length `m - k - 1`, first entry 1) at `house[hoff[k]..]`.
    house: Vec<f64>,
    hoff: Vec<usize>,
    tau: Vec<f64>,
    /// The rotations (i, c, s) in the order the QL sweeps made them (empty without vectors).
    rot_i: Vec<u32>,
    rot_cs: Vec<f64>,
}

impl SymEig {
    /// Eigenvalues (and, when `vectors`, the data to apply V) of the symmetric `m x m` matrix `a`
    /// (row-major or column-major: only the triangle `j <= i` of row-major storage is read).
    /// Non-finite entries, or QL failing to converge in `30 m` sweeps, are errors.
    pub fn new(a: &[f64], m: usize, vectors: bool) -> Result<SymEig> {
        if a.len() != m * m {
            return Err(Error::invalid(
                "matrix",
                format!("{} entries for order {m}", a.len()),
            ));
        }
        if a.iter().any(|v| !v.is_finite()) {
            return Err(Error::Numerical(
                "eigensolver: the matrix has NaN/Inf entries".into(),
            ));
        }
        let mut w = a.to_vec();
        let mut eig = SymEig {
            m,
            values: Vec::new(),
            house: Vec::new(),
            hoff: Vec::new(),
            tau: Vec::new(),
            rot_i: Vec::new(),
            rot_cs: Vec::new(),
        };
        let (mut d, mut e) = eig.tridiagonalise(&mut w);
        drop(w);
        eig.ql(&mut d, &mut e, vectors)?;
        eig.values = d;
        Ok(eig)
    }

    /// Bytes held to apply V (the reflectors and the logged QL rotations): what the lab keeps
    /// per report besides T. On the paper's net (order 1,610; 784-512-256-32-10, seed 3, a
    /// synthetic digit) it was 43,732,160.
    pub fn stored_bytes(&self) -> usize {
        8 * (self.values.len() + self.house.len() + self.tau.len() + self.rot_cs.len())
            + std::mem::size_of::<usize>() * self.hoff.len()
            + 4 * self.rot_i.len()
    }

    /// The order m.
    pub fn order(&self) -> usize {
        self.m
    }

    /// The eigenvalues in the solver's order: eigen-coordinate i of [`SymEig::to_eigen`] belongs
    /// to `values()[i]`.
    pub fn values(&self) -> &[f64] {
        &self.values
    }

    /// Householder reduction of the lower triangle of `a` (row-major, order m; destroyed) to
    /// tridiagonal form: returns the diagonal d and the subdiagonal e (`e[i] = Tri[i+1][i]`,
    /// `e[m-1] = 0`), keeping the reflectors. Step k: `x = A[k+1.., k]`, `H_k x = beta e_1`
    /// (LAPACK's dlarfg convention), `p = tau A22 v`, `w = p - (tau/2)(p . v) v`,
    /// `A22 -= v w^T + w v^T`. The rank-2 update of step k is applied row by row in the same
    /// pass over the matrix that forms step k+1's `A22 v` (one sweep of memory per step, not two);
    /// each entry gets the same operations in the same order as with two passes.
    fn tridiagonalise(&mut self, a: &mut [f64]) -> (Vec<f64>, Vec<f64>) {
        let m = self.m;
        let mut d = vec![0.0; m];
        let mut e = vec![0.0; m];
        let mut p = vec![0.0; m];
        // The update not yet applied: A[o.., o..] -= v w^T + w v^T (v, w of length m - o).
        let (mut pv, mut pw): (Vec<f64>, Vec<f64>) = (Vec::new(), Vec::new());
        for k in 0..m.saturating_sub(2) {
            let n = m - k - 1;
            let pending = !pv.is_empty();
            // Row k's diagonal and column k below it, with the pending update (o = k).
            let mut dk = a[k * m + k];
            let mut v: Vec<f64> = (0..n).map(|i| a[(k + 1 + i) * m + k]).collect();
            if pending {
                dk -= pv[0] * pw[0] + pw[0] * pv[0];
                for (i, x) in v.iter_mut().enumerate() {
                    *x -= pv[1 + i] * pw[0] + pw[1 + i] * pv[0];
                }
            }
            d[k] = dk;
            let alpha = v[0];
            let xnorm2 = dot(&v[1..], &v[1..]);
            self.hoff.push(self.house.len());
            let tau = if xnorm2 == 0.0 {
                e[k] = alpha;
                v.iter_mut().skip(1).for_each(|x| *x = 0.0);
                0.0
            } else {
                let norm = (alpha * alpha + xnorm2).sqrt();
                let beta = if alpha >= 0.0 { -norm } else { norm };
                let scale = 1.0 / (alpha - beta);
                v.iter_mut().skip(1).for_each(|x| *x *= scale);
                e[k] = beta;
                (beta - alpha) / beta
            };
            v[0] = 1.0;
            // One pass over A22 (rows k+1.., lower triangle): the pending update, then p = A22 v.
            let p = &mut p[..n];
            p.iter_mut().for_each(|x| *x = 0.0);
            for i in 0..n {
                let base = (k + 1 + i) * m + k + 1;
                let row = &mut a[base..base + i + 1];
                if pending && tau != 0.0 {
                    // Both in one loop over the row, each entry as in the two loops below.
                    let pi = update_and_product(row, &pv[1..], &pw[1..], &v, &mut p[..i], i);
                    p[i] += pi;
                    continue;
                }
                if pending {
                    let (vi, wi) = (pv[1 + i], pw[1 + i]);
                    for ((r, &vj), &wj) in row.iter_mut().zip(&pv[1..]).zip(&pw[1..]) {
                        *r -= vi * wj + wi * vj;
                    }
                }
                if tau != 0.0 {
                    // p_i += row[..i] . v[..i] + row[i] v_i;  p[..i] += row[..i] v_i.
                    let vi = v[i];
                    let s = dot(&row[..i], &v[..i]);
                    for (pj, &r) in p[..i].iter_mut().zip(&row[..i]) {
                        *pj += r * vi;
                    }
                    p[i] += s + row[i] * vi;
                }
            }
            if tau == 0.0 {
                pv.clear();
                pw.clear();
            } else {
                p.iter_mut().for_each(|x| *x *= tau);
                let half = 0.5 * tau * dot(p, &v);
                for (pi, &vi) in p.iter_mut().zip(&v) {
                    *pi -= half * vi;
                }
                pv = v.clone();
                pw = p.to_vec();
            }
            self.tau.push(tau);
            self.house.extend_from_slice(&v);
        }
        // The last 2 x 2 (or smaller) block, with the last pending update (o = m - 2).
        let o = m.saturating_sub(2);
        for r in o..m {
            for c in o..=r {
                let mut x = a[r * m + c];
                if !pv.is_empty() {
                    let (i, j) = (r - o, c - o);
                    x -= pv[i] * pw[j] + pw[i] * pv[j];
                }
                if r == c {
                    d[r] = x;
                } else {
                    e[c] = x;
                }
            }
        }
        if m > 0 {
            e[m - 1] = 0.0;
        }
        (d, e)
    }

    /// Implicit QL with Wilkinson's shift on (d, e) (EISPACK tql2, as in JAMA): eigenvalues into
    /// d; the rotations recorded when `vectors`.
    fn ql(&mut self, d: &mut [f64], e: &mut [f64], vectors: bool) -> Result<()> {
        let m = self.m;
        let eps = f64::EPSILON;
        let (mut f, mut tst1) = (0.0f64, 0.0f64);
        for l in 0..m {
            tst1 = tst1.max(d[l].abs() + e[l].abs());
            let mut mm = l;
            while mm < m && e[mm].abs() > eps * tst1 {
                mm += 1;
            }
            let mm = mm.min(m - 1);
            if mm > l {
                let mut sweeps = 0;
                loop {
                    sweeps += 1;
                    if sweeps > 30 * m.max(1) {
                        return Err(Error::Numerical(format!(
                            "eigensolver: QL did not converge at eigenvalue {l} of {m}"
                        )));
                    }
                    let g = d[l];
                    let mut p = (d[l + 1] - g) / (2.0 * e[l]);
                    let mut r = libm::hypot(p, 1.0);
                    if p < 0.0 {
                        r = -r;
                    }
                    d[l] = e[l] / (p + r);
                    d[l + 1] = e[l] * (p + r);
                    let dl1 = d[l + 1];
                    let h = g - d[l];
                    for di in d.iter_mut().skip(l + 2) {
                        *di -= h;
                    }
                    f += h;
                    p = d[mm];
                    let (mut c, mut c2, mut c3) = (1.0f64, 1.0f64, 1.0f64);
                    let el1 = e[l + 1];
                    let (mut s, mut s2) = (0.0f64, 0.0f64);
                    for i in (l..mm).rev() {
                        c3 = c2;
                        c2 = c;
                        s2 = s;
                        let g = c * e[i];
                        let h = c * p;
                        r = libm::hypot(p, e[i]);
                        e[i + 1] = s * r;
                        s = e[i] / r;
                        c = p / r;
                        p = c * d[i] - s * g;
                        d[i + 1] = h + s * (c * g + s * d[i]);
                        if vectors {
                            self.rot_i.push(i as u32);
                            self.rot_cs.push(c);
                            self.rot_cs.push(s);
                        }
                    }
                    p = -s * s2 * c3 * el1 * e[l] / dl1;
                    e[l] = s * p;
                    d[l] = c * p;
                    if e[l].abs() <= eps * tst1 {
                        break;
                    }
                }
            }
            d[l] += f;
            e[l] = 0.0;
        }
        Ok(())
    }

    /// `V^T y` (y of length m): the coordinates of y on the eigenvectors, in [`SymEig::values`]
    /// order. Needs `vectors` at construction.
    pub fn to_eigen(&self, y: &[f64]) -> Vec<f64> {
        let mut w = y[..self.m].to_vec();
        // Q^T = H_{m-3} .. H_0: H_0 first.
        for k in 0..self.tau.len() {
            self.reflect(k, &mut w);
        }
        // Z^T = G_N^T .. G_1^T: G_1 first; G^T on (i, i+1): (c w_i - s w_{i+1}, s w_i + c w_{i+1}).
        for (t, &i) in self.rot_i.iter().enumerate() {
            let (c, s, i) = (self.rot_cs[2 * t], self.rot_cs[2 * t + 1], i as usize);
            let (a, b) = (w[i], w[i + 1]);
            w[i] = c * a - s * b;
            w[i + 1] = s * a + c * b;
        }
        w
    }

    /// `V c` (c in eigen-coordinates, [`SymEig::values`] order): back to the space of T.
    pub fn from_eigen(&self, c: &[f64]) -> Vec<f64> {
        let mut w = c[..self.m].to_vec();
        // Z = G_1 .. G_N: G_N first; G on (i, i+1): (c w_i + s w_{i+1}, -s w_i + c w_{i+1}).
        for (t, &i) in self.rot_i.iter().enumerate().rev() {
            let (cc, s, i) = (self.rot_cs[2 * t], self.rot_cs[2 * t + 1], i as usize);
            let (a, b) = (w[i], w[i + 1]);
            w[i] = cc * a + s * b;
            w[i + 1] = -s * a + cc * b;
        }
        // Q = H_0 .. H_{m-3}: H_{m-3} first.
        for k in (0..self.tau.len()).rev() {
            self.reflect(k, &mut w);
        }
        w
    }

    /// `w <- H_k w = w - tau_k v_k (v_k . w)` on entries k+1...
    fn reflect(&self, k: usize, w: &mut [f64]) {
        let tau = self.tau[k];
        if tau == 0.0 {
            return;
        }
        let n = self.m - k - 1;
        let v = &self.house[self.hoff[k]..self.hoff[k] + n];
        let tail = &mut w[k + 1..];
        let c = tau * dot(v, tail);
        for (x, &vi) in tail.iter_mut().zip(v) {
            *x -= c * vi;
        }
    }
}
