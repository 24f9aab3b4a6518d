//! What defines a run, and the checks on it.

use super::Method;
use crate::directions::check_damping;
use crate::error::{Error, Result};
use crate::io::data::Dataset;
use crate::network::validate_architecture;
use crate::regularisation::LambdaPolicy;
use crate::spectrum::MAX_EIGENPAIR_ORDER;

/// Everything that defines a run.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainConfig {
    /// s_0..s_n; s_0 must equal the data's pixel count and s_n the number of classes.
    pub sizes: Vec<usize>,
    /// Leak slope of the leaky ReLU.
    pub alpha: f64,
    pub seed: u64,
    pub method: Method,
    /// The constant step size (learning rate), > 0.
    pub step_size: f64,
    /// Where MK's and Newton's lambdas come from (SGD ignores it).
    pub lambda: LambdaPolicy,
    /// Train with the fused f32 kernel ([`crate::fast`]) instead of the f64 reference engine (the
    /// spectral methods, [`Method::Spectral`], have no f32 path: they train in f64 either way).
    pub fast: bool,
}

impl TrainConfig {
    /// Checks every field; the error names the bad value.
    pub fn validate(&self, input_size: usize) -> Result<()> {
        validate_architecture(&self.sizes, self.alpha)?;
        if self.sizes[0] != input_size {
            return Err(Error::invalid(
                "sizes[0]",
                format!(
                    "the input size must be {input_size} (the data's pixels), got {}",
                    self.sizes[0]
                ),
            ));
        }
        let s_n = self.sizes[self.sizes.len() - 1];
        if s_n != Dataset::CLASSES {
            return Err(Error::invalid(
                format!("sizes[{}]", self.sizes.len() - 1),
                format!(
                    "the output size must be {} (one per class), got {s_n}",
                    Dataset::CLASSES
                ),
            ));
        }
        if !(self.step_size.is_finite() && self.step_size > 0.0) {
            return Err(Error::invalid(
                "step",
                format!("must be a finite number > 0, got {}", self.step_size),
            ));
        }
        if let Method::Mk { mu, .. } = self.method {
            check_damping(mu)?;
        }
        if let Method::Spectral(kind) = self.method {
            check_eigenpair_order(&self.sizes, kind.name())?;
        }
        if self.fast {
            self.validate_f32()?;
        }
        self.lambda.validate(self.sizes.len() - 1)
    }

    /// The f32 kernel needs every setting representable in f32.
    fn validate_f32(&self) -> Result<()> {
        let f32_ok = |v: f64| (v as f32).is_finite();
        if !f32_ok(self.step_size) {
            return Err(Error::invalid(
                "step",
                format!("{} is beyond f32's range (the fast path)", self.step_size),
            ));
        }
        if let Method::Mk { mu, .. } = self.method {
            if !f32_ok(mu) {
                return Err(Error::invalid(
                    "mu",
                    format!("{mu} is beyond f32's range (the fast path)"),
                ));
            }
        }
        if let LambdaPolicy::Fixed(l) = &self.lambda {
            if let Some(k) = l.as_slice().iter().position(|&v| !f32_ok(v)) {
                return Err(Error::invalid(
                    format!("lambda[{k}]"),
                    "beyond f32's range (the fast path)",
                ));
            }
        }
        Ok(())
    }
}

/// The spectral methods solve for the eigenpairs of the dense reduced matrix T of order
/// `2S - s_n` at every step (src/spectrum.rs): refused, naming the order and the cap, above
/// [`MAX_EIGENPAIR_ORDER`] (784-64-10: 138, 784-128-64-10: 394, the paper's net: 1,610).
fn check_eigenpair_order(sizes: &[usize], name: &str) -> Result<()> {
    let s: usize = sizes[1..].iter().sum();
    let order = 2 * s - sizes[sizes.len() - 1];
    if order <= MAX_EIGENPAIR_ORDER {
        return Ok(());
    }
    let net: Vec<String> = sizes.iter().map(usize::to_string).collect();
    Err(Error::invalid(
        "optimizer",
        format!(
            "{name} solves for the eigenpairs of a dense matrix of order 2S - s_n = {order} on {} \
             (S = {s} neurons) at every step; at most {MAX_EIGENPAIR_ORDER} is supported \
             (784-64-10: 138, 784-128-64-10: 394)",
            net.join("-")
        ),
    ))
}
