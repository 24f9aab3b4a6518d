//! How the regularisation weights lambda_0..lambda_n are chosen (paper section 5.2-5.3).
//!
//! Eq. 65 balances, per hidden layer k, the two eigenvalue families of Eq. 62 (Figure 5):
//! `lambda_k = ||F'(a_{k+1}) .* b_{k+1}||_2 / ||F'(a_k)||_inf`, k = 1..n-1, computed as the paper does
//! in practice from the **non-regularised** adjoint b0 (lambda_k = 0, lambda_n = 1).
//! With the white layer (identity activation, `||F'||_inf = 1`) the same rule gives
//! `lambda_0 = ||F'(a_1) .* b0_1||_2`. Eq. 68 optionally sets `lambda_n = ||b0_n||_2 / ||F'(a_n)||_inf`.
//! (docs/maths.md section 6: the balance is right for the families, but the families are not the
//! spectrum.)

use crate::backprop::adjoint;
use crate::cost::Lambdas;
use crate::error::{Error, Result};
use crate::linalg::{hadamard, norm2, norm_inf};
use crate::network::{Forward, Network};

/// Where the lambdas of a step come from.
#[derive(Debug, Clone, PartialEq)]
pub enum LambdaPolicy {
    /// The same lambdas at every step.
    Fixed(Lambdas),
    /// Eq. 65 from the non-regularised adjoint at every pattern. `white`: prepend the white layer
    /// (lambda_0 by Eq. 65; without it lambda_0 = 0, so MK leaves layer 1's weights alone).
    /// `eq68`: lambda_n by Eq. 68, else lambda_n = 1 (Eq. 43).
    Eq65 { white: bool, eq68: bool },
}

impl LambdaPolicy {
    /// The lambdas for one pattern, given its forward pass and the non-regularised adjoint `b0`.
    /// Fails only if the states are not finite.
    pub fn lambdas(&self, fw: &Forward, b0: &[Vec<f64>]) -> Result<Lambdas> {
        match self {
            LambdaPolicy::Fixed(l) => Ok(l.clone()),
            LambdaPolicy::Eq65 { white, eq68 } => optimal_lambdas(fw, b0, *white, *eq68),
        }
    }

    /// Parses `eq65`, `eq65+eq68`, or lambda_0..lambda_n comma-separated (n layers).
    pub fn parse(spec: &str, white: bool, n: usize) -> Result<Self> {
        match spec.trim() {
            "eq65" => Ok(LambdaPolicy::Eq65 { white, eq68: false }),
            "eq65+eq68" => Ok(LambdaPolicy::Eq65 { white, eq68: true }),
            list => {
                let values = list
                    .split(',')
                    .map(|v| {
                        v.trim().parse::<f64>().map_err(|_| {
                            Error::invalid(
                                "lambda",
                                format!("{v:?} is not a number (expected eq65, eq65+eq68 or lambda_0..lambda_n)"),
                            )
                        })
                    })
                    .collect::<Result<Vec<_>>>()?;
                Ok(LambdaPolicy::Fixed(Lambdas::new(values, n)?))
            }
        }
    }

    /// Checks the policy against a network of `n` layers.
    pub fn validate(&self, n: usize) -> Result<()> {
        match self {
            LambdaPolicy::Fixed(l) => l.check_layers(n),
            LambdaPolicy::Eq65 { .. } => Ok(()),
        }
    }
}

/// The non-regularised adjoint b0 (lambda_k = 0 for k < n, lambda_n = 1): `b0_n = d - x_n`.
pub fn plain_adjoint(net: &Network, fw: &Forward, d: &[f64]) -> Vec<Vec<f64>> {
    adjoint(net, fw, d, &Lambdas::plain(net.n()))
}

/// `||F'(a_k) .* b_k||_2`, k = 1..n (`[0]` = 0).
pub fn scaled_adjoint_norms(fw: &Forward, b: &[Vec<f64>]) -> Vec<f64> {
    (0..b.len())
        .map(|k| {
            if k == 0 {
                0.0
            } else {
                norm2(&hadamard(&fw.fprime[k], &b[k]))
            }
        })
        .collect()
}

/// Eq. 65 (and Eq. 68 when `eq68`) from the non-regularised adjoint `b0`. Fails only if the
/// states are not finite (the error names the lambda).
pub fn optimal_lambdas(fw: &Forward, b0: &[Vec<f64>], white: bool, eq68: bool) -> Result<Lambdas> {
    let n = fw.n();
    let db = scaled_adjoint_norms(fw, b0);
    let mut l = vec![0.0; n + 1];
    if white {
        l[0] = db[1]; // Eq. 65 for the white layer: ||F'||_inf = 1 (identity)
    }
    for k in 1..n {
        l[k] = db[k + 1] / norm_inf(&fw.fprime[k]); // Eq. 65
    }
    l[n] = if eq68 {
        norm2(&b0[n]) / norm_inf(&fw.fprime[n]) // Eq. 68
    } else {
        1.0
    };
    Lambdas::new(l, n)
}
