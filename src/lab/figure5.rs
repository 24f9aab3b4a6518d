//! The data of the paper's Figure 5 for one hidden layer and one pattern, with the truth beside it.
//!
//! For hidden layer k the paper draws, against lambda = lambda_k, the linear family
//! `lambda ||F'(a_k)||_inf^2` and the hyperbolic family `||F'(a_{k+1}) .* b0_{k+1}||^2 / lambda`,
//! crossing at Eq. 65. Beside them this module computes the **exact** Hessian spectrum while
//! lambda_k sweeps the same axis (the other lambdas held at their given values): the largest positive
//! eigenvalue and the largest |negative| one, and every nonzero eigenvalue at the current lambda_k.

use crate::backprop::adjoint;
use crate::cost::Lambdas;
use crate::error::{Error, Result};
use crate::network::Network;
use crate::paper_spectrum::Figure5Curves;
use crate::regularisation::plain_adjoint;
use crate::spectrum::{exact_spectrum, ExactSpectrum};

/// The exact spectrum's extremes at one lambda_k.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ExactPoint {
    pub lambda: f64,
    /// Largest positive eigenvalue (0 if none).
    pub max_positive: f64,
    /// Largest |negative eigenvalue| (0 if none).
    pub max_negative: f64,
}

/// Everything Figure 5 shows for one layer and pattern.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Figure5 {
    pub layer: usize,
    pub curves: Figure5Curves,
    /// The lambda_k the other quantities are computed at.
    pub current: f64,
    /// The exact spectrum at `current`.
    pub spectrum: ExactSpectrum,
    /// The exact extremes along the sweep.
    pub sweep: Vec<ExactPoint>,
}

/// `count` log-spaced values from `lo` to `hi` (inclusive; count >= 2).
pub fn log_grid(lo: f64, hi: f64, count: usize) -> Vec<f64> {
    let (a, b) = (lo.ln(), hi.ln());
    (0..count)
        .map(|i| (a + (b - a) * i as f64 / (count - 1) as f64).exp())
        .collect()
}

fn extremes(lambda: f64, s: &ExactSpectrum) -> ExactPoint {
    ExactPoint {
        lambda,
        max_positive: s.eigenvalues.iter().copied().fold(0.0, f64::max),
        max_negative: s.eigenvalues.iter().map(|v| -v).fold(0.0, f64::max),
    }
}

/// Figure 5 for hidden layer `layer` at pattern (x0, d): `base` holds the lambdas of the other
/// layers, lambda_k is set to `current`, and the exact spectrum is evaluated at every lambda_k of
/// `sweep` too (pass an empty sweep to skip it; each point costs one exact spectrum).
pub fn figure5(
    net: &Network,
    x0: &[f64],
    d: &[f64],
    layer: usize,
    base: &Lambdas,
    current: f64,
    sweep: &[f64],
) -> Result<Figure5> {
    net.check_input(x0)?;
    net.check_target(d)?;
    if base.n() != net.n() {
        return Err(Error::shape(
            "lambda (lambda_0..lambda_n)",
            net.n() + 1,
            base.n() + 1,
        ));
    }
    if let Some(bad) = std::iter::once(&current)
        .chain(sweep)
        .find(|l| !(l.is_finite() && **l > 0.0))
    {
        return Err(Error::invalid(
            "lambda",
            format!("Figure 5's lambda must be a finite number > 0, got {bad}"),
        ));
    }
    let fw = net.forward(x0);
    let b0 = plain_adjoint(net, &fw, d);
    let curves = Figure5Curves::new(&fw, &b0, layer)?;
    let at = |l: f64| -> Result<ExactSpectrum> {
        let mut v = base.as_slice().to_vec();
        v[layer] = l;
        let lambda = Lambdas::new(v, net.n())?;
        let b = adjoint(net, &fw, d, &lambda);
        exact_spectrum(net, &fw, &b, &lambda)
    };
    let spectrum = at(current)?;
    let sweep = sweep
        .iter()
        .map(|&l| at(l).map(|s| extremes(l, &s)))
        .collect::<Result<Vec<_>>>()?;
    Ok(Figure5 {
        layer,
        curves,
        current,
        spectrum,
        sweep,
    })
}
