//! The engines a run can train with, as one value: the f64 reference (the paper's formulas
//! step by step, [`crate::directions`]), the fused f32 kernel ([`crate::fast`]) and, for the true
//! second-order steps, the f64 eigenpair engine (`spectral.rs`); [`Method::route`] picks one.
//! All take one pattern per step and give the same [`Outcome`]; all refuse a step that would
//! make a parameter NaN/Inf and then leave every parameter as it was.
//!
//! A reference step: forward pass (Eq. 1), the plain adjoint b0 (Eq. 19 with lambda = 0), the
//! lambdas of the run's policy (Eq. 65 / 68 or fixed), the regularised adjoint b (Eq. 19
//! corrected) when the method needs it, the method's rank-one factors per layer ([`RankOne`]),
//! then `W_k -= step u_k x_{k-1}^T`, `beta_k -= step eta_k` in place.

use super::method::Route;
use super::spectral::SpectralEngine;
use super::{Method, TrainConfig};
use crate::backprop::adjoint;
use crate::cost::loss;
use crate::directions::{
    gradient_factors, mk_factors, newton_factors, GradientSource, NewtonSign, RankOne,
};
use crate::error::Result;
use crate::fast::{pixels_to_input, FastLambdas, FastMethod, FastNet};
use crate::io::data::Dataset;
use crate::linalg::{argmax, norm_inf};
use crate::network::{Forward, Network};
use crate::regularisation::{plain_adjoint, LambdaPolicy};

/// What one step on one pattern gave, measured before the step.
pub(super) struct Outcome<'a> {
    /// `1/2||d - x_n||^2` (Eq. 2).
    pub loss: f64,
    /// Whether the arg-max output was the label.
    pub correct: bool,
    /// The lambdas used (empty for SGD), borrowed from the engine: a step allocates nothing for them.
    pub lambda: &'a [f64],
}

/// The engine of a run: the method's [`Route`] (with `TrainConfig::fast`) picks it.
pub(super) enum Engine {
    Reference(Reference),
    /// Boxed: its workspaces make it the larger variant by far.
    F32(Box<Kernel>),
    /// The minimum-norm and saddle-free Newton steps (f64, from the eigenpairs).
    Spectral(Box<SpectralEngine>),
}

/// The f64 reference engine.
pub(super) struct Reference {
    net: Network,
    method: Method,
    lambda: LambdaPolicy,
    /// Per layer k (index k): upper bounds of max |W_k| and max |beta_k|.
    bounds: Vec<(f64, f64)>,
    /// (s_0,) scratch input for evaluations.
    x0: Vec<f64>,
    /// (n + 1,) the lambdas of the last step (empty for SGD).
    last_lambda: Vec<f64>,
}

/// The fused f32 kernel; `view` holds its parameters as f64 (exactly the f32 values), refreshed
/// by [`Engine::sync`].
pub(super) struct Kernel {
    fast: FastNet,
    view: Network,
    method: FastMethod,
    lambdas: FastLambdas,
    /// (s_0,) the pattern's input in f32.
    x0: Vec<f32>,
}

/// Largest parameter magnitude a reference step may produce; beyond it a later step could overflow.
pub(super) const LIMIT: f64 = 1e300;

impl Engine {
    /// The engine of `config.method`'s route, starting from `net` (the f32 kernel rounds it to f32).
    pub(super) fn new(net: Network, config: &TrainConfig) -> Result<Engine> {
        Ok(match config.method.route(config.fast) {
            Route::Eigenpairs(kind) => {
                Engine::Spectral(Box::new(SpectralEngine::new(net, kind, &config.lambda)))
            }
            Route::F32(method) => {
                let fast = FastNet::from_network(&net)?;
                let mut view = net;
                fast.params_into(&mut view.params); // view holds exactly the f32 model
                Engine::F32(Box::new(Kernel {
                    x0: vec![0.0; view.sizes()[0]],
                    method,
                    lambdas: FastLambdas::from(&config.lambda),
                    fast,
                    view,
                }))
            }
            Route::Reference => {
                let mut r = Reference {
                    bounds: vec![(0.0, 0.0); net.n() + 1],
                    x0: vec![0.0; net.sizes()[0]],
                    last_lambda: Vec::new(),
                    method: config.method.clone(),
                    lambda: config.lambda.clone(),
                    net,
                };
                r.refresh_bounds();
                Engine::Reference(r)
            }
        })
    }

    /// The parameters (current after [`Engine::sync`]).
    pub(super) fn network(&self) -> &Network {
        match self {
            Engine::Reference(r) => &r.net,
            Engine::F32(k) => &k.view,
            Engine::Spectral(e) => e.network(),
        }
    }

    /// Makes [`Engine::network`] current: the f32 kernel copies its parameters out (a transpose
    /// of W_1, so once per batch of steps, not per step); the reference trains `network` itself.
    pub(super) fn sync(&mut self) {
        if let Engine::F32(k) = self {
            k.fast.params_into(&mut k.view.params);
        }
    }

    /// One step on the pattern (x0 in [0, 1], one-hot d, its label) with `step_size`: the outcome
    /// before the step, or `None` when it was rejected (it would have produced NaN/Inf).
    pub(super) fn train(
        &mut self,
        x0: &[f64],
        d: &[f64],
        label: usize,
        step_size: f64,
    ) -> Option<Outcome<'_>> {
        match self {
            Engine::Reference(r) => r.train(x0, d, label, step_size),
            Engine::F32(k) => k.train(x0, label, step_size),
            Engine::Spectral(e) => e.train(x0, d, label, step_size),
        }
    }

    /// Arg-max output and loss `1/2||d - x_n||^2` of pattern i of `set` (target `d`), no update.
    /// The f32 kernel evaluates with its own forward pass (about as fast as its steps).
    pub(super) fn test_pattern(&mut self, set: &Dataset, i: usize, d: &[f64]) -> (usize, f64) {
        match self {
            Engine::Reference(r) => evaluate_f64(&r.net, &mut r.x0, set, i, d),
            Engine::Spectral(e) => e.test_pattern(set, i, d),
            Engine::F32(k) => {
                pixels_to_input(set.pixels(i), &mut k.x0);
                let out = k.fast.outputs(&k.x0);
                let l: f64 = out
                    .iter()
                    .zip(d)
                    .map(|(&x, t)| (t - f64::from(x)).powi(2))
                    .sum();
                (argmax(out), 0.5 * l)
            }
        }
    }
}

/// Arg-max output and loss of pattern i of `set` on an f64 network (`x0`: (s_0,) scratch).
pub(super) fn evaluate_f64(
    net: &Network,
    x0: &mut [f64],
    set: &Dataset,
    i: usize,
    d: &[f64],
) -> (usize, f64) {
    set.input_into(i, x0);
    let fw = net.forward(x0);
    (argmax(fw.output()), loss(&fw, d))
}

impl Kernel {
    fn train(&mut self, x0: &[f64], label: usize, step_size: f64) -> Option<Outcome<'_>> {
        for (o, &v) in self.x0.iter_mut().zip(x0) {
            *o = v as f32;
        }
        let out = self.fast.train_step(
            &self.x0,
            label,
            &self.method,
            &self.lambdas,
            step_size as f32,
        );
        (!out.diverged).then(|| Outcome {
            loss: f64::from(out.loss),
            correct: out.correct,
            lambda: self.fast.last_lambdas(),
        })
    }
}

impl Reference {
    fn train(
        &mut self,
        x0: &[f64],
        d: &[f64],
        label: usize,
        step_size: f64,
    ) -> Option<Outcome<'_>> {
        let fw = self.net.forward(x0);
        // Non-finite states make the lambdas fail: that is a divergence too.
        let (layers, lambda) = self.direction(&fw, d).ok()?;
        if !self.apply(&fw, &layers, step_size) {
            return None;
        }
        self.last_lambda = lambda;
        Some(Outcome {
            loss: loss(&fw, d),
            correct: argmax(fw.output()) == label,
            lambda: &self.last_lambda,
        })
    }

    fn refresh_bounds(&mut self) {
        for k in 1..=self.net.n() {
            self.bounds[k] = (norm_inf(self.net.w(k)), norm_inf(self.net.beta(k)));
        }
    }

    /// The direction of the configured method for one pattern, and the lambdas used.
    fn direction(&self, fw: &Forward, d: &[f64]) -> Result<(Vec<RankOne>, Vec<f64>)> {
        let b0 = plain_adjoint(&self.net, fw, d);
        if self.method == Method::Sgd {
            return Ok((gradient_factors(fw, &b0), Vec::new()));
        }
        let lambda = self.lambda.lambdas(fw, &b0)?;
        let layers = match &self.method {
            Method::Sgd => unreachable!("handled above"),
            Method::Spectral(_) => unreachable!("Method::route gives it the eigenpair engine"),
            Method::Mk {
                mu,
                source: GradientSource::Unregularised,
            } => mk_factors(fw, &b0, d, &lambda, *mu),
            Method::Mk {
                mu,
                source: GradientSource::Regularised,
            } => {
                let b = adjoint(&self.net, fw, d, &lambda);
                mk_factors(fw, &b, d, &lambda, *mu)
            }
            Method::Newton => {
                let b = adjoint(&self.net, fw, d, &lambda);
                newton_factors(fw, &b, d, &lambda, true, NewtonSign::Corrected)
            }
        };
        Ok((layers, lambda.as_slice().to_vec()))
    }

    /// Per layer, the growth `(step |u_k| |x_{k-1}|, step |eta_k|)` of the bounds, or `None` when
    /// some parameter could become NaN/Inf (or exceed [`LIMIT`]).
    fn growth(
        &mut self,
        fw: &Forward,
        layers: &[RankOne],
        step_size: f64,
    ) -> Option<Vec<(f64, f64)>> {
        let n = self.net.n();
        let mut growth = vec![(0.0, 0.0); n + 1];
        for k in 1..=n {
            let (u, eta) = (norm_inf(&layers[k].u), norm_inf(&layers[k].eta));
            let x = norm_inf(&fw.x[k - 1]);
            let gw = step_size * u * x;
            let gb = step_size * eta;
            // norm_inf ignores NaN (f64::max), so test the vectors themselves.
            let finite = layers[k]
                .u
                .iter()
                .chain(&layers[k].eta)
                .chain(&fw.x[k - 1])
                .all(|v| v.is_finite());
            if !(finite && gw.is_finite() && gb.is_finite()) {
                return None;
            }
            if self.bounds[k].0 + gw > LIMIT || self.bounds[k].1 + gb > LIMIT {
                self.bounds[k] = (norm_inf(self.net.w(k)), norm_inf(self.net.beta(k)));
                if self.bounds[k].0 + gw > LIMIT || self.bounds[k].1 + gb > LIMIT {
                    return None;
                }
            }
            growth[k] = (gw, gb);
        }
        Some(growth)
    }

    /// `params -= step * direction`, unless some parameter could become NaN/Inf: then nothing is
    /// written and `false` is returned.
    fn apply(&mut self, fw: &Forward, layers: &[RankOne], step_size: f64) -> bool {
        let Some(growth) = self.growth(fw, layers, step_size) else {
            return false;
        };
        for k in 1..=self.net.n() {
            let layer = self.net.layer(k).clone();
            let x = &fw.x[k - 1];
            let w = &mut self.net.params[layer.w.clone()];
            for (row, &ui) in w.chunks_exact_mut(layer.cols).zip(&layers[k].u) {
                let s = step_size * ui;
                for (wij, &xj) in row.iter_mut().zip(x) {
                    *wij -= s * xj;
                }
            }
            for (bi, &ei) in self.net.params[layer.b.clone()]
                .iter_mut()
                .zip(&layers[k].eta)
            {
                *bi -= step_size * ei;
            }
            self.bounds[k].0 += growth[k].0;
            self.bounds[k].1 += growth[k].1;
        }
        true
    }
}
