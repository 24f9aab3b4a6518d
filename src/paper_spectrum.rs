//! The paper's eigenvalue claims, computed exactly as printed (section 5). They are what the page
//! and `inspect` show **beside** the exact spectrum ([`crate::spectrum`]); docs/maths.md sections
//! 5-6 found that the counts (inertia) hold while the values and the radius bounds do not.
//!
//! Eq. 62, the two families at given lambdas, with the adjoint b of J_R at those lambdas:
//! ```text
//! family 1 = { lambda_k F'(a_k)_i^2 }                          k = 1..n, i = 1..s_k
//! family 2 = { -||F'(a_k) .* b_k||_2^2 / lambda_{k-1} }         k = 2..n, each s_{k-1} times
//! ```
//! Figure 5, for hidden layer k as a function of lambda = lambda_k: the linear family
//! `lambda ||F'(a_k)||_inf^2` and the hyperbolic family `||F'(a_{k+1}) .* b0_{k+1}||_2^2 / lambda`
//! (non-regularised adjoint b0, as the paper does in practice), crossing at Eq. 65.
//! Radius: Eq. 66 (lambda_n = 1), Eq. 69 (lambda_n by Eq. 68), Eq. 70 (the "large" bound).

use crate::cost::Lambdas;
use crate::error::{Error, Result};
use crate::linalg::{hadamard, norm2, norm2_sq, norm_inf};
use crate::network::Forward;
use crate::regularisation::scaled_adjoint_norms;

/// The two families of Eq. 62, each ascending.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Eq62Families {
    /// `lambda_k F'(a_k)_i^2` (the paper's positive family; S values).
    pub family1: Vec<f64>,
    /// `-||F'(a_k) .* b_k||^2 / lambda_{k-1}` (the negative family; s_1 + .. + s_{n-1} values).
    pub family2: Vec<f64>,
}

impl Eq62Families {
    /// `[positive, negative, zero]` as Eq. 62 counts them for `num_params` parameters (zero = P
    /// minus the two families).
    pub fn inertia(&self, num_params: usize) -> [usize; 3] {
        let (p, n) = (self.family1.len(), self.family2.len());
        [p, n, num_params - p - n]
    }
}

/// Eq. 62 as printed, from the forward pass and the adjoint `b` of J_R at `lambda`. Family 2
/// divides by lambda_1..lambda_{n-1}: a zero there is an error naming it.
pub fn eq62_families(fw: &Forward, b: &[Vec<f64>], lambda: &Lambdas) -> Result<Eq62Families> {
    let n = fw.n();
    let family1 = eq62_family1(fw, lambda);
    let mut family2 = Vec::new();
    for k in 2..=n {
        let l = lambda.get(k - 1);
        if l == 0.0 {
            return Err(Error::invalid(
                format!("lambda[{}]", k - 1),
                "Eq. 62's second family divides by the hidden lambdas; it is undefined for lambda = 0",
            ));
        }
        let v = -norm2_sq(&hadamard(&fw.fprime[k], &b[k])) / l;
        family2.extend(std::iter::repeat_n(v, fw.x[k - 1].len()));
    }
    family2.sort_by(f64::total_cmp);
    Ok(Eq62Families { family1, family2 })
}

/// Eq. 62's first family alone, `lambda_k F'(a_k)_i^2` for k = 1..n, ascending: defined for every
/// lambda >= 0 (it is 0 for a layer whose lambda_k is 0), unlike family 2.
pub fn eq62_family1(fw: &Forward, lambda: &Lambdas) -> Vec<f64> {
    let mut family1: Vec<f64> = (1..=fw.n())
        .flat_map(|k| fw.fprime[k].iter().map(move |dk| lambda.get(k) * dk * dk))
        .collect();
    family1.sort_by(f64::total_cmp);
    family1
}

/// Figure 5 is drawn for a hidden layer k = 1..n-1 of a network of n layers.
pub fn check_hidden_layer(n: usize, k: usize) -> Result<()> {
    if (1..n).contains(&k) {
        Ok(())
    } else {
        Err(Error::invalid(
            "layer",
            format!(
                "Figure 5 needs a hidden layer k in 1..={}, got {k}",
                n.saturating_sub(1)
            ),
        ))
    }
}

/// Figure 5's two curves for one hidden layer k (1 <= k <= n-1) against lambda = lambda_k.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Figure5Curves {
    /// `||F'(a_k)||_inf^2`: family 1 is `slope * lambda`.
    pub slope: f64,
    /// `||F'(a_{k+1}) .* b0_{k+1}||_2^2`: family 2 is `numerator / lambda`.
    pub numerator: f64,
}

impl Figure5Curves {
    /// For hidden layer `k` from the forward pass and the non-regularised adjoint `b0`.
    pub fn new(fw: &Forward, b0: &[Vec<f64>], k: usize) -> Result<Self> {
        check_hidden_layer(fw.n(), k)?;
        let dk = norm_inf(&fw.fprime[k]);
        Ok(Figure5Curves {
            slope: dk * dk,
            numerator: norm2_sq(&hadamard(&fw.fprime[k + 1], &b0[k + 1])),
        })
    }

    /// The linear family `lambda ||F'(a_k)||_inf^2`.
    pub fn linear(&self, lambda: f64) -> f64 {
        self.slope * lambda
    }

    /// The hyperbolic family `||F'(a_{k+1}) .* b0_{k+1}||^2 / lambda`.
    pub fn hyperbolic(&self, lambda: f64) -> f64 {
        self.numerator / lambda
    }

    /// Eq. 65: the lambda where the two curves cross, `sqrt(numerator / slope)`.
    pub fn crossing(&self) -> f64 {
        (self.numerator / self.slope).sqrt()
    }
}

/// The paper's spectral radius formulas, from the non-regularised adjoint b0.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PaperRadius {
    /// Eq. 66: `max{ ||F'(a_n)||_inf^2, max_{k<n} ||F'(a_{k+1}) .* b0_{k+1}|| ||F'(a_k)||_inf }`.
    pub eq66: f64,
    /// Eq. 69: `max{ max_{k<n} ||F'(a_{k+1}) .* b0_{k+1}|| ||F'(a_k)||_inf, ||b0_n|| ||F'(a_n)||_inf }`.
    pub eq69: f64,
    /// Eq. 70: `max_{k=1..n} ||b0_k||`.
    pub eq70: f64,
}

/// Eq. 66, 69 and 70 as printed.
pub fn paper_radius(fw: &Forward, b0: &[Vec<f64>]) -> PaperRadius {
    let n = fw.n();
    let db = scaled_adjoint_norms(fw, b0);
    let hidden = (1..n)
        .map(|k| db[k + 1] * norm_inf(&fw.fprime[k]))
        .fold(0.0, f64::max);
    let dn = norm_inf(&fw.fprime[n]);
    PaperRadius {
        eq66: hidden.max(dn * dn),
        eq69: hidden.max(norm2(&b0[n]) * dn),
        eq70: (1..=n).map(|k| norm2(&b0[k])).fold(0.0, f64::max),
    }
}
