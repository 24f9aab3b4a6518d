//! The **exact** spectrum of one pattern's Hessian H (P x P) through a 2S x 2S reduction
//! (docs/maths.md section 5; S = s_1 + .. + s_n), so that it stays cheap for the paper's
//! 784-512-256-32-10 net (P = 541,802, 2S = 1,620).
//!
//! The tetrad in matrix form is `H = P K P^T` with `K = -M^{-1}` (Eq. 54, corrected):
//! ```text
//! A = I - Nop,  Nop block (k, k-1) = D_k W_k            (D_k = diag F'(a_k))
//! K = -M^{-1} = [[ A^{-T} Lambda A^{-1}, -A^{-T} ], [ -A^{-1}, 0 ]]    (states [gamma; zeta])
//! ```
//! The nonzero eigenvalues of `P K P^T` are those of `K C` with `C = P^T P` (XY and YX share them),
//! hence of the symmetric `T = R K R^T` for any `C = R^T R`. C is block diagonal over the pairs
//! (gamma_k, zeta_{k-1}) and has a closed form (docs/maths.md section 5):
//! ```text
//! C(gamma_k, gamma_k)     = D_k^2 (1 + ||x_{k-1}||^2)
//! C(gamma_k, zeta_{k-1})  = (d_k .* d_k .* b_k) x_{k-1}^T                     k = 2..n
//! C(zeta_{k-1}, zeta_{k-1}) = beta_k I,  beta_k = ||d_k .* b_k||^2            (zeta_n: 0)
//! ```
//! whose block Cholesky factor is closed-form too (derived here, checked by the tests against a
//! dense eigendecomposition of H):
//! ```text
//! R(gamma_k, gamma_k)     = diag(d_k) sqrt(1 + ||x||^2)                       x = x_{k-1}
//! R(gamma_k, zeta_{k-1})  = (d_k .* b_k) x^T / sqrt(1 + ||x||^2)
//! R(zeta_{k-1}, zeta_{k-1}) = sqrt(beta_k) (I + c x x^T),  c = (1/sqrt(1 + ||x||^2) - 1) / ||x||^2
//! ```
//! so T has size (2S - s_n) and its zeta-zeta block is zero. Building T ([`reduced_matrix`]) is
//! apart from the one dense step, T's symmetric eigendecomposition ([`spectrum_of_reduced`],
//! faer, sequential); [`exact_spectrum`] is the two in a row. [`eigenpairs`] adds the eigenvectors
//! of H through T's (docs/maths.md section 5.5), T's eigendecomposition by [`symeig`] (fixed
//! order of arithmetic: the same bits natively and in wasm). Cost: `sum_k s_k (s_1+..+s_k)^2` for
//! `A^{-T} Lambda A^{-1}`, plus the eigensolver on 2S - s_n.

use crate::cost::Lambdas;
use crate::error::{Error, Result};
use crate::linalg::{hadamard, norm2_sq};
use crate::network::{Forward, Network};
use nalgebra::DMatrix;

pub mod eigenpairs;
pub mod lanczos;
mod lanes;
pub mod symeig;

/// Largest order `2S - s_n` of the dense matrix T the exact spectrum accepts: T then takes
/// 134 MB (f64) and its eigensolve tens of seconds in the page. The paper's net has 1,610.
pub const MAX_SPECTRUM_ORDER: usize = 4096;

/// Largest order `2S - s_n` of T for which the trainable `newton-pinv` and `saddle-free` methods
/// run (one eigendecomposition per pattern, so per step): 784-64-10 (order 138) and
/// 784-128-64-10 (order 394) are under it, the paper's net (1,610) is refused. The command line
/// has no cap for `inspect`.
pub const MAX_EIGENPAIR_ORDER: usize = 512;

/// Largest order `2S - s_n` of T for which the lab also solves for eigenvectors (the
/// minimum-norm and saddle-free Newton rows); above it, eigenvalues only. It admits the paper's
/// net (order 1,610): its eigenpairs with H⁺∇J_R and |H|⁺∇J_R took 832 ms in headless Chromium
/// (`make bench`, idle, 2026-12-02; target 1.2 s) and keep 43.7 MB to apply the eigenvectors
/// ([`symeig::SymEig::stored_bytes`]) besides T's 20.7 MB.
pub const MAX_LAB_EIGENPAIR_ORDER: usize = 2048;

/// All nonzero eigenvalues of one pattern's Hessian, its inertia and its spectral radius.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ExactSpectrum {
    /// The nonzero eigenvalues, ascending.
    pub eigenvalues: Vec<f64>,
    pub positive: usize,
    pub negative: usize,
    /// P minus the nonzero ones.
    pub zero: usize,
    /// `max |eigenvalue|`.
    pub radius: f64,
}

/// Offsets of the state blocks: `off[k]` = s_1 + .. + s_{k-1}, k = 1..n+1 (`off[0]` unused = 0).
fn offsets(net: &Network) -> Vec<usize> {
    let mut off = vec![0; net.n() + 2];
    for k in 1..=net.n() {
        off[k + 1] = off[k] + net.sizes()[k];
    }
    off
}

/// `L = A^{-1}` (S x S), block lower triangular: `L_kk = I`, `L_{k,j} = D_k W_k L_{k-1,j}`.
/// Every entry is one fixed-order dot product ([`crate::linalg::dot`]) of a row of `D_k W_k`
/// with a contiguous piece of a column of L: the same bits natively and in wasm.
fn inverse_a(net: &Network, fw: &Forward, off: &[usize]) -> DMatrix<f64> {
    let s = off[net.n() + 1];
    let mut l = DMatrix::<f64>::identity(s, s);
    for k in 2..=net.n() {
        let (rows, cols) = (net.sizes()[k], net.sizes()[k - 1]);
        let w = net.w(k);
        let mut dw = vec![0.0; cols];
        for i in 0..rows {
            // Row i of D_k W_k.
            for (d, &wij) in dw.iter_mut().zip(&w[i * cols..(i + 1) * cols]) {
                *d = fw.fprime[k][i] * wij;
            }
            for c in 0..off[k] {
                let v = crate::linalg::dot(&dw, &l.as_slice()[c * s + off[k - 1]..c * s + off[k]]);
                l[(off[k] + i, c)] = v;
            }
        }
    }
    l
}

/// The order `2S - s_n` of T, or an error naming it when it is above [`MAX_SPECTRUM_ORDER`].
pub fn reduced_order(net: &Network) -> Result<usize> {
    let s = net.num_states();
    let m = 2 * s - net.sizes()[net.n()];
    if m > MAX_SPECTRUM_ORDER {
        return Err(Error::invalid(
            "sizes",
            format!(
                "the exact spectrum needs a dense matrix of order 2S - s_n = {m} (S = {s} neurons); \
                 at most {MAX_SPECTRUM_ORDER} is supported"
            ),
        ));
    }
    Ok(m)
}

/// `E = A^{-T} Lambda A^{-1} = sum_k lambda_k L_k^T L_k` over the block rows `L_k` of `L = A^{-1}`
/// (columns < off[k+1]); entry (i, j) of `L_k^T L_k` is one fixed-order dot product of two
/// contiguous column pieces, computed for `j <= i` and mirrored (E is exactly symmetric).
fn weighted_gram(net: &Network, l: &DMatrix<f64>, lambda: &Lambdas, off: &[usize]) -> DMatrix<f64> {
    let s = off[net.n() + 1];
    let mut e = DMatrix::<f64>::zeros(s, s);
    for k in 1..=net.n() {
        let (end, lk) = (off[k + 1], lambda.get(k));
        for i in 0..end {
            let ci = &l.as_slice()[i * s + off[k]..i * s + off[k + 1]];
            for j in 0..=i {
                let cj = &l.as_slice()[j * s + off[k]..j * s + off[k + 1]];
                let g = crate::linalg::dot(ci, cj) * lk;
                e[(i, j)] += g;
                if j != i {
                    e[(j, i)] += g;
                }
            }
        }
    }
    e
}

/// The diagonal of R on gamma: `R(gamma_k, gamma_k) = diag(d_k) sqrt(1 + ||x_{k-1}||^2)`.
fn gamma_scale(net: &Network, fw: &Forward, off: &[usize]) -> Vec<f64> {
    let mut r = vec![0.0; off[net.n() + 1]];
    for k in 1..=net.n() {
        let q = (1.0 + norm2_sq(&fw.x[k - 1])).sqrt();
        for (i, dk) in fw.fprime[k].iter().enumerate() {
            r[off[k] + i] = dk * q;
        }
    }
    r
}

/// The reduced matrix `T = R K R^T` of one pattern's Hessian at `lambda` (module doc), with `b` the
/// adjoint of J_R at those lambdas: symmetric, of order `2S - s_n` ([`reduced_order`]), rows
/// `[gamma_1..gamma_n; zeta_1..zeta_{n-1}]`, zero on the zeta-zeta block. Its nonzero eigenvalues
/// are those of H.
pub fn reduced_matrix(
    net: &Network,
    fw: &Forward,
    b: &[Vec<f64>],
    lambda: &Lambdas,
) -> Result<DMatrix<f64>> {
    Ok(Reduction::new(net, fw, b, lambda)?.t)
}

/// T with the pieces it is built from, kept for the eigenvectors ([`eigenpairs`]).
pub(crate) struct Reduction {
    /// `off[k]` = s_1 + .. + s_{k-1} ([`offsets`]).
    pub off: Vec<usize>,
    /// `L = A^{-1}` (S x S).
    pub l: DMatrix<f64>,
    /// `E = A^{-T} Lambda A^{-1}` (S x S).
    pub e: DMatrix<f64>,
    /// The diagonal of R on gamma, `R(gamma_k, gamma_k)`.
    pub r: Vec<f64>,
    /// `T = R K R^T`.
    pub t: DMatrix<f64>,
}

impl Reduction {
    pub fn new(net: &Network, fw: &Forward, b: &[Vec<f64>], lambda: &Lambdas) -> Result<Self> {
        let m = reduced_order(net)?;
        let off = offsets(net);
        let l = inverse_a(net, fw, &off);
        let e = weighted_gram(net, &l, lambda, &off);
        let r = gamma_scale(net, fw, &off);
        let t = assemble(net, fw, b, m, &off, &l, &e, &r);
        Ok(Reduction { off, l, e, r, t })
    }
}

/// T from its pieces (module doc; docs/maths.md section 5.4, step 5).
#[allow(clippy::too_many_arguments)]
fn assemble(
    net: &Network,
    fw: &Forward,
    b: &[Vec<f64>],
    m: usize,
    off: &[usize],
    l: &DMatrix<f64>,
    e: &DMatrix<f64>,
    r: &[f64],
) -> DMatrix<f64> {
    let s = off[net.n() + 1];

    let mut t = DMatrix::<f64>::zeros(m, m);
    // T_gg = Rg E Rg - Y - Y^T,  Y = Rgz A^{-1} Rg.
    for i in 0..s {
        for j in 0..s {
            t[(i, j)] = r[i] * e[(i, j)] * r[j];
        }
    }
    for k in 2..=net.n() {
        let x = &fw.x[k - 1];
        let xx = norm2_sq(x);
        let q = (1.0 + xx).sqrt();
        let db = hadamard(&fw.fprime[k], &b[k]);
        let p: Vec<f64> = db.iter().map(|v| v / q).collect();
        let beta = norm2_sq(&db);
        // Block row k-1 of A^{-1}, and x^T L_{k-1} scaled by Rg on the columns.
        let lprev = l.view((off[k - 1], 0), (x.len(), s));
        let xl: Vec<f64> = (0..s)
            .map(|j| {
                lprev
                    .column(j)
                    .iter()
                    .zip(x)
                    .map(|(a, b)| a * b)
                    .sum::<f64>()
                    * r[j]
            })
            .collect();
        for (i, pi) in p.iter().enumerate() {
            let row = off[k] + i;
            for (j, xlj) in xl.iter().enumerate() {
                t[(row, j)] -= pi * xlj;
                t[(j, row)] -= pi * xlj;
            }
        }
        // T_gz for the zeta_{k-1} block: -Rg L_{k-1}^T S_k,  S_k = sqrt(beta) (I + c x x^T).
        let c = if xx > 0.0 { (1.0 / q - 1.0) / xx } else { 0.0 };
        let sb = beta.sqrt();
        let col0 = s + off[k - 1];
        for i in 0..s {
            let li = lprev.column(i); // (L_{k-1})^T row i
            let lx: f64 = li.iter().zip(x).map(|(a, b)| a * b).sum();
            for (jj, xj) in x.iter().enumerate() {
                let v = -r[i] * sb * (li[jj] + c * lx * xj);
                t[(i, col0 + jj)] = v;
                t[(col0 + jj, i)] = v;
            }
        }
    }
    t
}

/// Runs one faer decomposition and then clears the upper halves of the AVX registers.
///
/// faer's x86 matrix kernels (crate `private-gemm-x86`, assembly) can return with those halves
/// dirty; every SSE instruction after that (the f32 kernel, the f64 passes) then carries a false
/// dependency on them. Measured on this repository's 2-core AMD EPYC machine (2026-12-02): after
/// one `self_adjoint_eigen` on the paper's net, f32 SGD trained at 4,200-4,300 patterns/s instead
/// of 15,000-16,700 for the rest of the process, until a `vzeroupper`
/// (`tests/simd_state.rs` reads the state after an eigensolve: XINUSE). Wasm has no such state.
/// The eigenpairs have since moved to [`symeig`] (no faer, no run-time dispatch); every remaining
/// faer call (the eigenvalues) keeps this guard.
fn faer_call<T>(f: impl FnOnce() -> T) -> T {
    let out = f();
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx") {
        // SAFETY: the CPU has AVX (checked above); `vzeroupper` only zeroes the upper halves of
        // the vector registers, which hold no live value across this call (the compiler models
        // the intrinsic as clobbering them).
        unsafe { std::arch::x86_64::_mm256_zeroupper() };
    }
    out
}

/// T as a faer matrix, after checking that every entry is finite.
fn to_faer(t: &DMatrix<f64>) -> Result<faer::Mat<f64>> {
    if t.iter().any(|v| !v.is_finite()) {
        return Err(Error::Numerical(
            "exact spectrum: the reduced matrix has NaN/Inf entries (states or adjoint not finite)"
                .into(),
        ));
    }
    Ok(faer::Mat::from_fn(t.nrows(), t.ncols(), |i, j| t[(i, j)]))
}

/// The threshold below which an eigenvalue of T of order `m` counts as zero:
/// `m * eps * 16 * radius`.
pub(crate) fn zero_tolerance(m: usize, radius: f64) -> f64 {
    m as f64 * f64::EPSILON * 16.0 * radius
}

/// The spectrum's summary from the nonzero eigenvalues (ascending) and the radius.
fn summarise(eigenvalues: Vec<f64>, radius: f64, num_params: usize) -> ExactSpectrum {
    let positive = eigenvalues.iter().filter(|&&v| v > 0.0).count();
    let negative = eigenvalues.len() - positive;
    ExactSpectrum {
        zero: num_params - eigenvalues.len(),
        eigenvalues,
        positive,
        negative,
        radius,
    }
}

/// The nonzero spectrum of a Hessian with `num_params` parameters from its reduced matrix `t`
/// ([`reduced_matrix`]): one dense symmetric eigensolve (faer's `self_adjoint_eigenvalues`,
/// sequential; faster than nalgebra's `SymmetricEigen`, measured in docs/maths.md section 5.4).
/// Eigenvalues with `|mu| <= m * eps * 16 * radius` (m = order of T) count as zero.
pub fn spectrum_of_reduced(t: &DMatrix<f64>, num_params: usize) -> Result<ExactSpectrum> {
    let m = t.nrows();
    let t = to_faer(t)?;
    let mut all = faer_call(|| t.self_adjoint_eigenvalues(faer::Side::Lower))
        .map_err(|e| Error::Numerical(format!("exact spectrum: the eigensolver failed: {e:?}")))?;
    all.sort_by(f64::total_cmp);
    let radius = all.iter().fold(0.0f64, |a, v| a.max(v.abs()));
    let tol = zero_tolerance(m, radius);
    let eigenvalues: Vec<f64> = all.into_iter().filter(|v| v.abs() > tol).collect();
    Ok(summarise(eigenvalues, radius, num_params))
}

/// The nonzero eigenvalues, ascending, of the Gauss-Newton part of H,
/// `G = sum_{k=1..n} lambda_k J_k^T J_k` (J_k = dx_k/dtheta), through its reduced form
/// `R_g E R_g` (S x S, docs/maths.md section 5.7): G = P_g E P_g^T with P_g the gamma columns of P,
/// and `P_g^T P_g = R_g^2` is diagonal. Needs no adjoint: G does not see the data term's residual.
pub fn gauss_newton_eigenvalues(net: &Network, fw: &Forward, lambda: &Lambdas) -> Result<Vec<f64>> {
    reduced_order(net)?;
    let off = offsets(net);
    let l = inverse_a(net, fw, &off);
    let e = weighted_gram(net, &l, lambda, &off);
    let r = gamma_scale(net, fw, &off);
    let s = off[net.n() + 1];
    let g = DMatrix::from_fn(s, s, |i, j| r[i] * e[(i, j)] * r[j]);
    let g = to_faer(&g)?;
    let mut all = faer_call(|| g.self_adjoint_eigenvalues(faer::Side::Lower)).map_err(|e| {
        Error::Numerical(format!(
            "Gauss-Newton spectrum: the eigensolver failed: {e:?}"
        ))
    })?;
    all.sort_by(f64::total_cmp);
    let radius = all.iter().fold(0.0f64, |a, v| a.max(v.abs()));
    let tol = zero_tolerance(s, radius);
    Ok(all.into_iter().filter(|v| v.abs() > tol).collect())
}

/// The exact nonzero spectrum of H at `lambda`, with `b` the adjoint of J_R at those lambdas:
/// [`reduced_matrix`], then [`spectrum_of_reduced`].
pub fn exact_spectrum(
    net: &Network,
    fw: &Forward,
    b: &[Vec<f64>],
    lambda: &Lambdas,
) -> Result<ExactSpectrum> {
    spectrum_of_reduced(&reduced_matrix(net, fw, b, lambda)?, net.num_params())
}
