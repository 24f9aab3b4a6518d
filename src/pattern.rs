//! One pattern's quantities, computed once: the forward pass (Eq. 1), the non-regularised adjoint
//! b0 (Eq. 19 with lambda_k = 0, lambda_n = 1), the lambdas in force and the adjoint b of J_R at
//! them (Eq. 19-20). Everything the lab and `inspect` report about the pattern derives from these:
//!
//! ```text
//! fw = forward(x0)            b0 = adjoint(fw, d, plain)        b = adjoint(fw, d, lambda)
//! gradient, H v, Newton, MK   from (fw, b, lambda)              (Eq. 20, 30-31, 35, 40, 42)
//! exact spectrum, Eq. 62      from (fw, b, lambda)              (docs/maths.md section 5)
//! Eq. 65/68 lambdas, Fig. 5,  from (fw, b0)                     (paper section 5.2-5.3)
//! radii (Eq. 66/69/70)
//! SGD, the unregularised-gradient MK variant   from b0 (with lambda for MK's scalars)
//! ```
//! Only b depends on the lambdas, so changing them ([`Pattern::set_lambdas`],
//! [`Pattern::set_lambda_k`]) re-derives b alone. The methods compose the formula functions of the
//! modules below ([`crate::backprop::adjoint`], [`crate::directions::mk_factors`],
//! [`crate::hvp::hvp`], ...), which stay the building blocks for the trainer.

use crate::backprop::{adjoint, gradient};
use crate::cost::{cost, loss, Lambdas};
use crate::directions::{self, GradientSource, NewtonSign};
use crate::error::{Error, Result};
use crate::hvp::hvp;
use crate::network::{Forward, Network};
use crate::paper_spectrum::{
    eq62_families, eq62_family1, paper_radius, Eq62Families, Figure5Curves, PaperRadius,
};
use crate::regularisation::optimal_lambdas;
use crate::spectrum::eigenpairs::Eigenpairs;
use crate::spectrum::{exact_spectrum, gauss_newton_eigenvalues, ExactSpectrum};

/// One pattern (x0, d) on a network, with its forward pass and adjoints (module doc).
#[derive(Debug, Clone)]
pub struct Pattern<'a> {
    net: &'a Network,
    x0: &'a [f64],
    d: &'a [f64],
    fw: Forward,
    b0: Vec<Vec<f64>>,
    lambda: Lambdas,
    b: Vec<Vec<f64>>,
}

impl<'a> Pattern<'a> {
    /// The pattern at the non-regularised lambdas (lambda_k = 0, lambda_n = 1), where b = b0: one
    /// forward pass and one adjoint. Checks the input's and the target's lengths and values.
    pub fn plain(net: &'a Network, x0: &'a [f64], d: &'a [f64]) -> Result<Self> {
        net.check_input(x0)?;
        net.check_target(d)?;
        let fw = net.forward(x0);
        let lambda = Lambdas::plain(net.n());
        let b0 = adjoint(net, &fw, d, &lambda);
        Ok(Pattern {
            net,
            x0,
            d,
            fw,
            b: b0.clone(),
            b0,
            lambda,
        })
    }

    /// The pattern at `lambda` (lambda_0..lambda_n for this network).
    pub fn new(net: &'a Network, x0: &'a [f64], d: &'a [f64], lambda: Lambdas) -> Result<Self> {
        let mut p = Pattern::plain(net, x0, d)?;
        p.set_lambdas(lambda)?;
        Ok(p)
    }

    /// Puts `lambda` in force and re-derives b, the only quantity that depends on it.
    pub fn set_lambdas(&mut self, lambda: Lambdas) -> Result<()> {
        lambda.check_layers(self.net.n())?;
        self.b = adjoint(self.net, &self.fw, self.d, &lambda);
        self.lambda = lambda;
        Ok(())
    }

    /// Sets lambda_k alone (k = 0..n) and re-derives b.
    pub fn set_lambda_k(&mut self, k: usize, value: f64) -> Result<()> {
        let n = self.net.n();
        if k > n {
            return Err(Error::invalid(
                "layer",
                format!("lambda_{k} does not exist: the network has lambda_0..lambda_{n}"),
            ));
        }
        let mut v = self.lambda.as_slice().to_vec();
        v[k] = value;
        self.set_lambdas(Lambdas::new(v, n)?)
    }

    /// A copy with lambda_k = `value` (the forward pass and b0 are copied, not recomputed).
    pub fn with_lambda_k(&self, k: usize, value: f64) -> Result<Self> {
        let mut p = self.clone();
        p.set_lambda_k(k, value)?;
        Ok(p)
    }

    pub fn net(&self) -> &'a Network {
        self.net
    }
    pub fn x0(&self) -> &'a [f64] {
        self.x0
    }
    /// The target d.
    pub fn d(&self) -> &'a [f64] {
        self.d
    }
    /// The forward pass (Eq. 1).
    pub fn fw(&self) -> &Forward {
        &self.fw
    }
    /// The non-regularised adjoint b0, `b0_n = d - x_n`.
    pub fn b0(&self) -> &[Vec<f64>] {
        &self.b0
    }
    /// The lambdas in force.
    pub fn lambda(&self) -> &Lambdas {
        &self.lambda
    }
    /// The adjoint b of J_R at [`Pattern::lambda`].
    pub fn b(&self) -> &[Vec<f64>] {
        &self.b
    }

    /// J_R at the lambdas (Eq. 43/67, with the lambda_0 term).
    pub fn cost(&self) -> f64 {
        cost(&self.fw, self.d, &self.lambda)
    }
    /// The plain loss `1/2 ||d - x_n||^2` (Eq. 2).
    pub fn loss(&self) -> f64 {
        loss(&self.fw, self.d)
    }
    /// The gradient of J_R (Eq. 20), flat.
    pub fn gradient(&self) -> Vec<f64> {
        gradient(self.net, &self.fw, &self.b)
    }
    /// The gradient of the plain loss (Eq. 20 with b0), flat: SGD's direction (its rank-one
    /// factors are [`crate::directions::gradient_factors`] of b0).
    pub fn plain_gradient(&self) -> Vec<f64> {
        gradient(self.net, &self.fw, &self.b0)
    }
    /// `H_R v`, the Hessian of J_R at the lambdas times v (Eq. 30-31).
    pub fn hvp(&self, v: &[f64]) -> Vec<f64> {
        hvp(self.net, &self.fw, &self.b, &self.lambda, v)
    }
    /// `H_0 v`, the Hessian of the plain loss times v (Eq. 30-31 with b0).
    pub fn plain_hvp(&self, v: &[f64]) -> Vec<f64> {
        hvp(
            self.net,
            &self.fw,
            &self.b0,
            &Lambdas::plain(self.net.n()),
            v,
        )
    }
    /// The Newton step (Eq. 35, sign per `sign`), flat; `white_first_layer`: N_1 from lambda_0.
    pub fn newton(&self, white_first_layer: bool, sign: NewtonSign) -> Vec<f64> {
        let (net, fw, b, d, l) = (self.net, &self.fw, &self.b, self.d, &self.lambda);
        directions::newton(net, fw, b, d, l, white_first_layer, sign)
    }

    /// MK (mu = 0, Eq. 40) or damped MK (Eq. 42), flat, rescaling the gradient of `source`: J_R's
    /// (adjoint b) or the plain loss's (b0, the unregularised-gradient variant).
    pub fn mk(&self, mu: f64, source: GradientSource) -> Vec<f64> {
        let b = match source {
            GradientSource::Regularised => &self.b,
            GradientSource::Unregularised => &self.b0,
        };
        directions::mk(self.net, &self.fw, b, self.d, &self.lambda, mu)
    }

    /// The forward pass after `w <- w - step v` (the network itself is left alone).
    pub fn forward_after(&self, v: &[f64], step: f64) -> Forward {
        let mut moved = self.net.clone();
        moved
            .params
            .iter_mut()
            .zip(v)
            .for_each(|(w, vi)| *w -= step * vi);
        moved.forward(self.x0)
    }

    /// Every nonzero eigenvalue of H_R at the lambdas, its inertia and radius (2S reduction).
    pub fn exact_spectrum(&self) -> Result<ExactSpectrum> {
        exact_spectrum(self.net, &self.fw, &self.b, &self.lambda)
    }
    /// The nonzero eigenpairs of H_R at the lambdas, held in the reduced space: eigenvectors on
    /// request, `H^+ v` and `|H|^+ v` (docs/maths.md section 5.5).
    pub fn eigenpairs(&self) -> Result<Eigenpairs<'_>> {
        Eigenpairs::new(self.net, &self.fw, &self.b, &self.lambda)
    }
    /// The nonzero eigenvalues, ascending, of the Gauss-Newton part `sum_k lambda_k J_k^T J_k`
    /// of H_R at the lambdas (docs/maths.md section 5.7).
    pub fn gauss_newton_eigenvalues(&self) -> Result<Vec<f64>> {
        gauss_newton_eigenvalues(self.net, &self.fw, &self.lambda)
    }
    /// Eq. 62's two families as printed, at the lambdas.
    pub fn eq62_families(&self) -> Result<Eq62Families> {
        eq62_families(&self.fw, &self.b, &self.lambda)
    }
    /// Eq. 62's first family alone (defined at every lambda >= 0).
    pub fn eq62_family1(&self) -> Vec<f64> {
        eq62_family1(&self.fw, &self.lambda)
    }
    /// Eq. 66, 69 and 70 as printed (from b0).
    pub fn paper_radius(&self) -> PaperRadius {
        paper_radius(&self.fw, &self.b0)
    }
    /// Eq. 65 (lambda_0 too when `white`), and Eq. 68 for lambda_n when `eq68` (from b0).
    pub fn optimal_lambdas(&self, white: bool, eq68: bool) -> Result<Lambdas> {
        optimal_lambdas(&self.fw, &self.b0, white, eq68)
    }
    /// Figure 5's two curves for hidden layer k (from b0).
    pub fn figure5_curves(&self, k: usize) -> Result<Figure5Curves> {
        Figure5Curves::new(&self.fw, &self.b0, k)
    }
}
