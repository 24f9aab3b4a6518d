//! The data of the paper's Figure 5 for one hidden layer and one pattern, with the truth beside it.
//!
//! For hidden layer k the paper draws, against lambda = lambda_k, the linear family
//! `lambda ||F'(a_k)||_inf^2` and the hyperbolic family `||F'(a_{k+1}) .* b0_{k+1}||^2 / lambda`,
//! crossing at Eq. 65. Beside them this module computes the **exact** Hessian spectrum while
//! lambda_k sweeps the same axis (the other lambdas held at their given values): the largest positive
//! eigenvalue and the largest |negative| one, and every nonzero eigenvalue at the current lambda_k.

use crate::cost::Lambdas;
use crate::error::{Error, Result};
use crate::network::Network;
use crate::paper_spectrum::{check_hidden_layer, Figure5Curves};
use crate::pattern::Pattern;
use crate::spectrum::ExactSpectrum;

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

/// Figure 5's lambdas must be finite and > 0 (the hyperbolic family divides by them).
fn check_positive<'l>(lambdas: impl IntoIterator<Item = &'l f64>) -> Result<()> {
    match lambdas.into_iter().find(|l| !(l.is_finite() && **l > 0.0)) {
        Some(bad) => Err(Error::invalid(
            "lambda",
            format!("Figure 5's lambda must be a finite number > 0, got {bad}"),
        )),
        None => Ok(()),
    }
}

/// Pattern (x0, d) at the lambdas of `base` with lambda_k = `current` for hidden layer k = `layer`,
/// checked in this order: input, target, the number of lambdas, `current` and `sweep` > 0, the
/// layer. One forward pass, one plain adjoint and one adjoint at the resulting lambdas.
pub fn pattern_at_layer<'a>(
    net: &'a Network,
    x0: &'a [f64],
    d: &'a [f64],
    layer: usize,
    base: &Lambdas,
    current: f64,
    sweep: &[f64],
) -> Result<Pattern<'a>> {
    at_layer(Pattern::plain(net, x0, d)?, layer, base, current, sweep)
}

/// [`pattern_at_layer`] for a pattern already built (its forward pass and b0 are reused).
pub fn at_layer<'a>(
    mut p: Pattern<'a>,
    layer: usize,
    base: &Lambdas,
    current: f64,
    sweep: &[f64],
) -> Result<Pattern<'a>> {
    let net = p.net();
    base.check_layers(net.n())?;
    check_positive(std::iter::once(&current).chain(sweep))?;
    check_hidden_layer(net.n(), layer)?;
    let mut l = base.as_slice().to_vec();
    l[layer] = current;
    p.set_lambdas(Lambdas::new(l, net.n())?)?;
    Ok(p)
}

/// Pattern `p` at the plain loss's lambdas, `1/2||d - x_n||^2` that SGD minimises (lambda_k = 0
/// for k < n, lambda_n = 1; docs/maths.md section 1), for hidden layer `layer`: the lab's "plain
/// loss" choice, where lambda_k = 0. The exact spectrum is defined there (M is invertible for any
/// Lambda >= 0, A being unit triangular); Eq. 62's family 2 is not (it divides by lambda_k).
/// A pattern from [`Pattern::plain`] is there already and keeps its adjoint.
pub fn plain_loss_at_layer(mut p: Pattern<'_>, layer: usize) -> Result<Pattern<'_>> {
    check_hidden_layer(p.net().n(), layer)?;
    let plain = Lambdas::plain(p.net().n());
    if p.lambda() != &plain {
        p.set_lambdas(plain)?;
    }
    Ok(p)
}

impl Figure5 {
    /// Figure 5 for hidden layer `layer` of pattern `p` at its lambdas (lambda_k there is the
    /// current value), with the exact spectrum also at every lambda_k of `sweep` (empty: none; each
    /// point costs one exact spectrum and re-derives only the adjoint b).
    pub fn of(p: &Pattern, layer: usize, sweep: &[f64]) -> Result<Figure5> {
        Figure5::with_spectrum(p, layer, sweep, p.exact_spectrum()?)
    }

    /// [`Figure5::of`] with the exact spectrum at `p`'s lambdas already computed (`spectrum`).
    pub fn with_spectrum(
        p: &Pattern,
        layer: usize,
        sweep: &[f64],
        spectrum: ExactSpectrum,
    ) -> Result<Figure5> {
        let curves = p.figure5_curves(layer)?;
        // lambda_k itself may be 0 (the plain loss, [`plain_loss_at_layer`]); the sweep's are > 0.
        let current = p.lambda().get(layer);
        check_positive(sweep)?;
        let sweep = sweep
            .iter()
            .map(|&l| {
                let at = p.with_lambda_k(layer, l)?.exact_spectrum()?;
                Ok(extremes(l, &at))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Figure5 {
            layer,
            curves,
            current,
            spectrum,
            sweep,
        })
    }
}
