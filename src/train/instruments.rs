//! Curvature over training: instruments the trainer samples while it runs, on the training
//! pattern of the sample **before** its step, at the parameters `theta` the step starts from.
//!
//! A sample is taken every [`Schedule::every`] patterns (when the count of patterns trained on so
//! far is a multiple of it), the exact spectrum on every [`Schedule::spectrum_every`]-th. With
//! `(x0, d)` the pattern, `fw` its forward pass (Eq. 1), `b0` the non-regularised adjoint (Eq. 19
//! with lambda_k = 0, lambda_n = 1), `g` the gradient of its cost `C = 1/2||d - x_n||^2` (Eq. 2,
//! Eq. 20 with b0) and `H_0` the Hessian of that cost (Eq. 30-31 with b0), a sample holds:
//!
//! ```text
//! curvature      g^T H_0 g / ||g||^2          the curvature along SGD's step, against
//! edge           2 / step                     the edge-of-stability line (a quadratic along g
//!                                             grows under steps of size step iff curvature > edge)
//! lambda_k       the run's policy at (fw, b0) Eq. 65 (or fixed; the same function the
//!                                             reference engine uses; SGD does not use them)
//! leaky_k        share of a_k < 0, k = 1..n   the units on the leaky branch (slope alpha)
//! penalty_k      ||lambda_k x_k||_2           the state penalty in the adjoint, k = 1..n-1:
//! error_k        ||W_{k+1}^T (d_{k+1} .* b_{k+1})||_2   b_k = error term - lambda_k x_k (Eq. 19)
//! spectrum       radius and inertia of H_0    exact, all nonzero eigenvalues (crate::spectrum)
//! ```
//!
//! `b` is the adjoint at the policy's lambdas ([`crate::backprop::adjoint`]), so `penalty_k`
//! against `error_k` is the measurement behind "MK descends an activity-regularised cost": where
//! `penalty_k` dominates, MK's adjoint is mostly `-lambda_k x_k`. Everything is computed in f64
//! from the synced parameters (for a fast run: exactly its f32 values); nothing is written back,
//! so a run with instruments trains the same bits as one without (tests/instruments.rs).
//!
//! The cost of a sample is a handful of f64 passes over the parameters, the spectrum's is
//! `O(m^3)` in the order `m = 2S - s_n` of the reduced matrix: [`Schedule::for_sizes`] picks
//! intervals that keep both under 10 % of the f32 kernel's throughput (measured by
//! `instruments_overhead`, tests/bench/run.mjs). The engine has no clock: the intervals are in
//! patterns.

use super::divergence::leaky_share;
use super::TrainConfig;
use crate::backprop::adjoint;
use crate::error::{Error, Result};
use crate::linalg::{dot, norm2, norm2_sq, ratio};
use crate::network::{param_count, Network};
use crate::pattern::Pattern;

/// The default sampling interval in patterns ([`Schedule::for_sizes`]).
pub const DEFAULT_EVERY: u64 = 2048;

/// When the instruments sample (in patterns trained on).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Schedule {
    /// A sample every this many patterns (>= 1).
    pub every: u64,
    /// The exact spectrum on the samples at multiples of this (0: never; else a multiple of
    /// `every`).
    pub spectrum_every: u64,
}

impl Schedule {
    /// Checks the intervals; the error names the bad one.
    pub fn new(every: u64, spectrum_every: u64) -> Result<Schedule> {
        if every == 0 {
            return Err(Error::invalid(
                "every",
                "the sampling interval must be at least 1 pattern, got 0",
            ));
        }
        if spectrum_every % every != 0 {
            return Err(Error::invalid(
                "spectrum_every",
                format!("must be 0 (never) or a multiple of every = {every}, got {spectrum_every}"),
            ));
        }
        Ok(Schedule {
            every,
            spectrum_every,
        })
    }

    /// The default intervals for a net of these sizes (s_0..s_n), from measurement
    /// (`instruments_overhead`, README "Curvature over training"): a sample costs about as much
    /// as 50-100 steps of the f32 kernel on any of the presets (both grow as the parameters P),
    /// so one every [`DEFAULT_EVERY`] patterns; the spectrum costs about `1.3 m^3 / P` steps
    /// (m = 2S - s_n), so it comes every `DEFAULT_EVERY * 2^j` patterns, the smallest with
    /// `1.3 m^3 / P` at most 3 % of it: 4,096 on 784-64-10 (m = 138), 524,288 on the paper's
    /// 784-512-256-32-10 (m = 1,610; about every 9 epochs).
    pub fn for_sizes(sizes: &[usize]) -> Schedule {
        let every = DEFAULT_EVERY;
        let s: usize = sizes[1..].iter().sum();
        let m = (2 * s - sizes[sizes.len() - 1]) as f64;
        let p = param_count(sizes) as f64;
        let steps = 1.3 * m * m * m / p / 0.03 / every as f64;
        let j = steps.max(1.0).log2().ceil() as u32;
        Schedule {
            every,
            spectrum_every: every << j.min(40),
        }
    }

    /// Whether the pattern after `seen` trained patterns is sampled, and with its spectrum.
    pub fn due(&self, seen: u64) -> Option<bool> {
        (seen % self.every == 0)
            .then(|| self.spectrum_every != 0 && seen % self.spectrum_every == 0)
    }
}

/// Radius and inertia of one pattern's Hessian of the cost (Eq. 2).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct SpectrumSample {
    /// `max |eigenvalue|`.
    pub radius: f64,
    pub positive: usize,
    pub negative: usize,
    /// P minus the nonzero eigenvalues.
    pub zero: usize,
}

/// One sample of the instruments (module doc).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Sample {
    /// Patterns trained on before this one (the x axis).
    pub samples: u64,
    /// The training pattern's index.
    pub pattern: usize,
    /// Its cost `1/2||d - x_n||^2` before the step.
    pub loss: f64,
    /// `g^T H_0 g / ||g||^2` (0 when g = 0).
    pub curvature: f64,
    /// `2 / step`.
    pub edge: f64,
    /// lambda_0..lambda_n of the run's policy at this pattern.
    pub lambda: Vec<f64>,
    /// Per layer 1..n, the share of units with `a_k < 0`.
    pub leaky_share: Vec<f64>,
    /// Per hidden layer k = 1..n-1, `||lambda_k x_k||_2`.
    pub penalty: Vec<f64>,
    /// Per hidden layer k = 1..n-1, `||W_{k+1}^T (d_{k+1} .* b_{k+1})||_2`.
    pub error: Vec<f64>,
    /// On the spectrum's schedule; None otherwise or when the states are not finite.
    pub spectrum: Option<SpectrumSample>,
}

/// The instruments at `net` (the parameters before the step) on pattern `index` `(x0, d)`.
pub fn measure(
    net: &Network,
    config: &TrainConfig,
    seen: u64,
    index: usize,
    x0: &[f64],
    d: &[f64],
    spectrum: bool,
) -> Result<Sample> {
    let p = Pattern::plain(net, x0, d)?;
    let g = p.plain_gradient();
    let gg = norm2_sq(&g);
    let curvature = if gg > 0.0 {
        dot(&g, &p.plain_hvp(&g)) / gg
    } else {
        0.0
    };
    let lambda = config.lambda.lambdas(p.fw(), p.b0())?;
    let b = adjoint(net, p.fw(), d, &lambda);
    let n = net.n();
    let (mut penalty, mut error) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for k in 1..n {
        let l = lambda.get(k);
        let x = &p.fw().x[k];
        penalty.push(l.abs() * norm2(x));
        let e: Vec<f64> = b[k].iter().zip(x).map(|(bk, xk)| bk + l * xk).collect();
        error.push(norm2(&e));
    }
    let spectrum = if spectrum {
        p.exact_spectrum().ok().map(|s| SpectrumSample {
            radius: s.radius,
            positive: s.positive,
            negative: s.negative,
            zero: s.zero,
        })
    } else {
        None
    };
    Ok(Sample {
        samples: seen,
        pattern: index,
        loss: p.loss(),
        curvature,
        edge: ratio(2.0, config.step_size),
        lambda: lambda.as_slice().to_vec(),
        leaky_share: leaky_share(p.fw()),
        penalty,
        error,
        spectrum,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_spectrum_interval_grows_with_the_cube_of_the_order() {
        let small = Schedule::for_sizes(&[784, 64, 10]);
        let paper = Schedule::for_sizes(&[784, 512, 256, 32, 10]);
        assert_eq!(
            (small.every, small.spectrum_every),
            (2048, 4096),
            "{small:?}"
        );
        assert_eq!(
            (paper.every, paper.spectrum_every),
            (2048, 524_288),
            "{paper:?}"
        );
        for s in [small, paper] {
            assert_eq!(s.spectrum_every % s.every, 0, "{s:?}");
        }
    }

    #[test]
    fn a_zero_interval_is_an_error_naming_it() {
        let e = Schedule::new(0, 0).unwrap_err().to_string();
        assert!(e.starts_with("every:"), "{e}");
        let e = Schedule::new(10, 15).unwrap_err().to_string();
        assert!(e.contains("spectrum_every") && e.contains("15"), "{e}");
    }
}
