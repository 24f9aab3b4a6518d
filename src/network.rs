//! The network of the paper (Eq. 1): layers k = 1..n, `a_k = W_k x_{k-1} + beta_k`,
//! `x_k = F(a_k)`, with the leaky ReLU `F(a) = a` for a > 0 and `alpha a` otherwise at **every**
//! layer, the output included.
//!
//! Leaky ReLU is piecewise linear, so `F'' = 0` away from the kink: the exact Hessian of a pattern's
//! cost comes only from the cost's own curvature and from products across layers. That is what makes
//! the Sifrian tetrad (Eq. 30-32) so simple.
//!
//! Parameters live in one flat `Vec<f64>`: for k = 1..n, `W_k` row-major (`W_k[i][j]` at offset
//! `i * s_{k-1} + j`, s_k rows of s_{k-1}), then `beta_k` (s_k). Gradients, Hessian-vector products
//! and directions are flat vectors of the same layout.
//!
//! The white layer of Fig. 4 (identity activation, `W = I`, `beta = 0`, prepended to the input) has
//! no parameters here: it is never trained (its Newton direction is exactly zero, docs/maths.md
//! section 3), so its only effect is that `x_0` becomes a state regularised by `lambda_0`. That
//! lives in the lambdas ([`crate::cost::Lambdas`]) and in the direction options, not in the network.

use crate::error::{check_finite, Error, Result};
use crate::linalg::matvec;
use crate::rng::Rng;
use std::ops::Range;

/// Largest network the engine accepts (parameters). Keeps every allocation bounded.
pub const MAX_PARAMS: usize = 10_000_000;

/// Where layer k's parameters sit in the flat vector.
#[derive(Debug, Clone, PartialEq)]
pub struct Layer {
    /// `W_k`: `rows x cols` = s_k x s_{k-1}, row-major.
    pub w: Range<usize>,
    /// `beta_k`: s_k entries.
    pub b: Range<usize>,
    pub rows: usize,
    pub cols: usize,
}

/// A leaky-ReLU multilayer perceptron with flat parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct Network {
    sizes: Vec<usize>,
    alpha: f64,
    layers: Vec<Layer>,
    pub params: Vec<f64>,
}

/// The states of one forward pass, indexed as in the paper: `x[k]` for k = 0..n, `a[k]` and
/// `fprime[k] = F'(a_k)` for k = 1..n (`a[0]` and `fprime[0]` are empty).
#[derive(Debug, Clone)]
pub struct Forward {
    pub a: Vec<Vec<f64>>,
    pub x: Vec<Vec<f64>>,
    pub fprime: Vec<Vec<f64>>,
}

impl Forward {
    /// Number of layers n.
    pub fn n(&self) -> usize {
        self.x.len() - 1
    }

    /// The output `x_n`.
    pub fn output(&self) -> &[f64] {
        &self.x[self.n()]
    }
}

/// Parameter count of a network with these sizes: `sum_k s_k (s_{k-1} + 1)`.
pub fn param_count(sizes: &[usize]) -> usize {
    sizes.windows(2).map(|w| w[1] * (w[0] + 1)).sum()
}

fn layout(sizes: &[usize]) -> Vec<Layer> {
    let mut off = 0;
    sizes
        .windows(2)
        .map(|w| {
            let (cols, rows) = (w[0], w[1]);
            let layer = Layer {
                w: off..off + rows * cols,
                b: off + rows * cols..off + rows * cols + rows,
                rows,
                cols,
            };
            off = layer.b.end;
            layer
        })
        .collect()
}

/// Validates sizes s_0..s_n and the leak slope; the error names the bad value.
pub fn validate_architecture(sizes: &[usize], alpha: f64) -> Result<()> {
    if sizes.len() < 2 {
        return Err(Error::invalid(
            "sizes",
            format!("need at least an input and an output size (s_0..s_n, n >= 1), got {sizes:?}"),
        ));
    }
    if let Some(k) = sizes.iter().position(|&s| s == 0) {
        return Err(Error::invalid(
            format!("sizes[{k}]"),
            "a layer size must be at least 1, got 0",
        ));
    }
    let p = sizes
        .windows(2)
        .try_fold(0usize, |acc, w| {
            w[0].checked_add(1)
                .and_then(|c| c.checked_mul(w[1]))
                .and_then(|m| acc.checked_add(m))
        })
        .unwrap_or(usize::MAX);
    if p > MAX_PARAMS {
        return Err(Error::invalid(
            "sizes",
            format!("{sizes:?} has {p} parameters, more than the limit of {MAX_PARAMS}"),
        ));
    }
    if !(alpha.is_finite() && alpha > 0.0) {
        return Err(Error::invalid(
            "alpha",
            format!("the leak slope must be a finite number > 0 (F must be strictly monotone), got {alpha}"),
        ));
    }
    Ok(())
}

impl Network {
    /// He-normal weights (standard deviation `sqrt(2 / s_{k-1})`), zero biases, from `seed`.
    pub fn new(sizes: &[usize], alpha: f64, seed: u64) -> Result<Self> {
        validate_architecture(sizes, alpha)?;
        let layers = layout(sizes);
        let mut params = vec![0.0; param_count(sizes)];
        let mut rng = Rng::new(seed);
        for layer in &layers {
            let std = (2.0 / layer.cols as f64).sqrt();
            for w in &mut params[layer.w.clone()] {
                *w = std * rng.normal();
            }
        }
        Ok(Network {
            sizes: sizes.to_vec(),
            alpha,
            layers,
            params,
        })
    }

    /// A network with the given flat parameters (layout in the module doc).
    pub fn from_params(sizes: &[usize], alpha: f64, params: Vec<f64>) -> Result<Self> {
        validate_architecture(sizes, alpha)?;
        let expected = param_count(sizes);
        if params.len() != expected {
            return Err(Error::shape("params", expected, params.len()));
        }
        check_finite("params", &params)?;
        Ok(Network {
            sizes: sizes.to_vec(),
            alpha,
            layers: layout(sizes),
            params,
        })
    }

    pub fn sizes(&self) -> &[usize] {
        &self.sizes
    }
    /// Number of layers n.
    pub fn n(&self) -> usize {
        self.sizes.len() - 1
    }
    pub fn alpha(&self) -> f64 {
        self.alpha
    }
    /// Layer k = 1..n.
    pub fn layer(&self, k: usize) -> &Layer {
        &self.layers[k - 1]
    }
    pub fn num_params(&self) -> usize {
        self.params.len()
    }
    /// S = s_1 + ... + s_n, the number of states (and of biases).
    pub fn num_states(&self) -> usize {
        self.sizes[1..].iter().sum()
    }
    /// `W_k`, row-major.
    pub fn w(&self, k: usize) -> &[f64] {
        &self.params[self.layer(k).w.clone()]
    }
    /// `beta_k`.
    pub fn beta(&self, k: usize) -> &[f64] {
        &self.params[self.layer(k).b.clone()]
    }

    /// `F(a)`, the leaky ReLU.
    pub fn activation(&self, a: f64) -> f64 {
        if a > 0.0 {
            a
        } else {
            self.alpha * a
        }
    }

    /// `F'(a)`: 1 for a > 0, alpha otherwise (the kink a = 0 takes alpha).
    pub fn derivative(&self, a: f64) -> f64 {
        if a > 0.0 {
            1.0
        } else {
            self.alpha
        }
    }

    /// Checks an input pattern's length and values.
    pub fn check_input(&self, x0: &[f64]) -> Result<()> {
        if x0.len() != self.sizes[0] {
            return Err(Error::shape("input x_0", self.sizes[0], x0.len()));
        }
        check_finite("input x_0", x0)
    }

    /// Checks a target's length and values.
    pub fn check_target(&self, d: &[f64]) -> Result<()> {
        if d.len() != self.sizes[self.n()] {
            return Err(Error::shape("target d", self.sizes[self.n()], d.len()));
        }
        check_finite("target d", d)
    }

    /// Eq. 1: `a_k = W_k x_{k-1} + beta_k`, `x_k = F(a_k)`, `d_k = F'(a_k)`. The input length is
    /// the caller's responsibility (see [`Network::check_input`]).
    pub fn forward(&self, x0: &[f64]) -> Forward {
        let n = self.n();
        let mut fw = Forward {
            a: vec![Vec::new(); n + 1],
            x: Vec::with_capacity(n + 1),
            fprime: vec![Vec::new(); n + 1],
        };
        fw.x.push(x0.to_vec());
        for k in 1..=n {
            let a = affine(self.w(k), self.beta(k), &fw.x[k - 1]);
            fw.x.push(a.iter().map(|&v| self.activation(v)).collect());
            fw.fprime[k] = a.iter().map(|&v| self.derivative(v)).collect();
            fw.a[k] = a;
        }
        fw
    }
}

/// `W v + beta` for row-major W (rows = beta.len()).
pub fn affine(w: &[f64], beta: &[f64], v: &[f64]) -> Vec<f64> {
    let mut out = matvec(w, v);
    for (o, b) in out.iter_mut().zip(beta) {
        *o += b;
    }
    out
}
