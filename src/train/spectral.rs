//! The f64 engine of the true second-order steps ([`Method::Spectral`](super::Method)): at every
//! pattern the eigenpairs of its Hessian H of J_R (docs/maths.md section 5.5, through the
//! reduced matrix T of order `2S - s_n`), then
//!
//! ```text
//! minimum-norm Newton   v = H^+ grad J_R   = sum_i u_i (u_i . grad J_R) / mu_i
//! saddle-free Newton    v = |H|^+ grad J_R = sum_i u_i (u_i . grad J_R) / |mu_i|
//! theta <- theta - step v
//! ```
//! over the nonzero eigenvalues mu_i of H. The lambdas are the run's policy, as for MK: Eq. 65
//! (with lambda_0 by the white layer's rule when `white`, lambda_n by Eq. 68 when asked) from
//! the plain adjoint b0 at every pattern, or the fixed list; J_R's adjoint b is taken at them.
//! The direction is full rank in general (not [`crate::directions::RankOne`]), so the step is a
//! flat update of the parameter vector, written only when every new parameter is finite and at
//! most [`LIMIT`] in magnitude (else the step is rejected and nothing changes). Deterministic and
//! the same bits natively and in wasm: the reduction's products and the eigensolver
//! ([`crate::spectrum::symeig`]) have a fixed order of operations (tests/common/golden.rs).

use super::engine::{evaluate_f64, Outcome, LIMIT};
use super::method::Spectral;
use crate::cost::Lambdas;
use crate::error::Result;
use crate::io::data::Dataset;
use crate::linalg::argmax;
use crate::network::Network;
use crate::pattern::Pattern;
use crate::regularisation::LambdaPolicy;

/// The eigenpair engine: the network in f64 and the step it takes.
pub(super) struct SpectralEngine {
    net: Network,
    kind: Spectral,
    lambda: LambdaPolicy,
    /// (s_0,) scratch input for evaluations.
    x0: Vec<f64>,
    /// (P,) the parameters after the step, before they are accepted.
    next: Vec<f64>,
    /// lambda_0..lambda_n of the last step.
    last_lambda: Vec<f64>,
}

/// What the step on one pattern is, measured at the current parameters.
struct Planned {
    loss: f64,
    correct: bool,
    lambda: Lambdas,
    direction: Vec<f64>,
}

impl SpectralEngine {
    pub(super) fn new(net: Network, kind: Spectral, lambda: &LambdaPolicy) -> SpectralEngine {
        SpectralEngine {
            x0: vec![0.0; net.sizes()[0]],
            next: vec![0.0; net.num_params()],
            last_lambda: Vec::new(),
            kind,
            lambda: lambda.clone(),
            net,
        }
    }

    pub(super) fn network(&self) -> &Network {
        &self.net
    }

    /// The direction of [`SpectralEngine::kind`] on pattern (x0, d) (module doc).
    fn plan(&self, x0: &[f64], d: &[f64], label: usize) -> Result<Planned> {
        let mut p = Pattern::plain(&self.net, x0, d)?;
        let (loss, correct) = (p.loss(), argmax(p.fw().output()) == label);
        let lambda = self.lambda.lambdas(p.fw(), p.b0())?;
        p.set_lambdas(lambda.clone())?;
        let eig = p.eigenpairs()?;
        let grad = p.gradient();
        let direction = match self.kind {
            Spectral::PinvNewton => eig.pinv(&grad),
            Spectral::SaddleFree => eig.abs_pinv(&grad),
        };
        Ok(Planned {
            loss,
            correct,
            lambda,
            direction,
        })
    }

    /// One step (module doc): the outcome before it, or `None` when it was rejected (the
    /// eigensolve failed on non-finite states, or a parameter would become NaN/Inf or exceed
    /// [`LIMIT`]); then every parameter is as it was.
    pub(super) fn train(
        &mut self,
        x0: &[f64],
        d: &[f64],
        label: usize,
        step_size: f64,
    ) -> Option<Outcome<'_>> {
        let plan = self.plan(x0, d, label).ok()?;
        for ((n, &w), &v) in self
            .next
            .iter_mut()
            .zip(&self.net.params)
            .zip(&plan.direction)
        {
            *n = w - step_size * v;
        }
        if !self.next.iter().all(|v| v.is_finite() && v.abs() <= LIMIT) {
            return None;
        }
        std::mem::swap(&mut self.net.params, &mut self.next);
        self.last_lambda = plan.lambda.as_slice().to_vec();
        Some(Outcome {
            loss: plan.loss,
            correct: plan.correct,
            lambda: &self.last_lambda,
        })
    }

    /// Arg-max output and loss of pattern i of `set` (target `d`), no update.
    pub(super) fn test_pattern(&mut self, set: &Dataset, i: usize, d: &[f64]) -> (usize, f64) {
        evaluate_f64(&self.net, &mut self.x0, set, i, d)
    }
}
