//! The regularised cost of one pattern (Eq. 43, and Eq. 67 when `lambda_n != 1`):
//!
//! `J_R = lambda_n/2 ||d - x_n||^2 + sum_{k=0}^{n-1} lambda_k/2 ||x_k||^2`
//!
//! lambda is indexed 0..n (docs/maths.md section 0): lambda_1..lambda_{n-1} regularise the hidden
//! states, lambda_n weights the data term, and lambda_0 regularises `x_0`, which is a state only
//! when the white layer of Fig. 4 is prepended. Its term is a constant for the parameters, so it
//! changes the value of J_R but no derivative; lambda_0 matters only in the layer-1 closed forms
//! (Newton, MK). Without a white layer set lambda_0 = 0.

use crate::error::{Error, Result};
use crate::linalg::norm2_sq;
use crate::network::Forward;

/// The regularisation weights `lambda_0..lambda_n`, all finite and >= 0.
#[derive(Debug, Clone, PartialEq)]
pub struct Lambdas(Vec<f64>);

impl Lambdas {
    /// Validates `values` for a network of `n` layers (n + 1 values, finite, >= 0).
    pub fn new(values: Vec<f64>, n: usize) -> Result<Self> {
        if values.len() != n + 1 {
            return Err(Error::shape(
                "lambda (lambda_0..lambda_n)",
                n + 1,
                values.len(),
            ));
        }
        if let Some(k) = values.iter().position(|v| !(v.is_finite() && *v >= 0.0)) {
            return Err(Error::invalid(
                format!("lambda[{k}]"),
                format!("must be a finite number >= 0, got {}", values[k]),
            ));
        }
        Ok(Lambdas(values))
    }

    /// The non-regularised cost `1/2 ||d - x_n||^2`: lambda_k = 0 for k < n, lambda_n = 1.
    /// Its adjoint is the paper's "non-regularized adjoint" b0 used by Eq. 65-70.
    pub fn plain(n: usize) -> Self {
        let mut v = vec![0.0; n + 1];
        v[n] = 1.0;
        Lambdas(v)
    }

    /// The same value at every index (the paper's single lambda, with lambda_n = 1 as in Eq. 43).
    pub fn uniform(lambda: f64, n: usize) -> Result<Self> {
        let mut v = vec![lambda; n + 1];
        v[n] = 1.0;
        Lambdas::new(v, n)
    }

    /// lambda_k.
    pub fn get(&self, k: usize) -> f64 {
        self.0[k]
    }

    pub fn as_slice(&self) -> &[f64] {
        &self.0
    }

    /// Number of layers n.
    pub fn n(&self) -> usize {
        self.0.len() - 1
    }

    /// Checks that these are lambda_0..lambda_n for a network of `n` layers.
    pub fn check_layers(&self, n: usize) -> Result<()> {
        if self.n() == n {
            Ok(())
        } else {
            Err(Error::shape(
                "lambda (lambda_0..lambda_n)",
                n + 1,
                self.n() + 1,
            ))
        }
    }
}

/// `||d - x_n||^2`, summed in order.
pub fn squared_error(x_n: &[f64], d: &[f64]) -> f64 {
    x_n.iter().zip(d).map(|(x, t)| (t - x) * (t - x)).sum()
}

/// `J_R` of one pattern from its forward pass (Eq. 43/67, with the lambda_0 term; module doc).
pub fn cost(fw: &Forward, d: &[f64], lambda: &Lambdas) -> f64 {
    let n = fw.n();
    let data = squared_error(&fw.x[n], d);
    let states: f64 = (0..n).map(|k| lambda.get(k) * norm2_sq(&fw.x[k])).sum();
    0.5 * (lambda.get(n) * data + states)
}

/// The plain least-squares loss `1/2 ||d - x_n||^2` (Eq. 2), what a user calls "the cost".
pub fn loss(fw: &Forward, d: &[f64]) -> f64 {
    0.5 * squared_error(fw.output(), d)
}
