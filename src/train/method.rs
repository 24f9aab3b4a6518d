//! The optimizers a run can use, by the names of [`crate::catalog::OPTIMIZERS`].

use crate::catalog::{DEFAULT_MU, OPTIMIZERS};
use crate::directions::{check_damping, GradientSource};
use crate::error::{Error, Result};
use crate::fast::FastMethod;

/// The optimizers a run can use.
#[derive(Debug, Clone, PartialEq)]
pub enum Method {
    /// Plain SGD on `1/2||d - x_n||^2`.
    Sgd,
    /// MK (mu = 0, Eq. 40) or damped MK (mu > 0, Eq. 42), rescaling the gradient of `source`.
    Mk { mu: f64, source: GradientSource },
    /// The closed-form Newton step (Eq. 35, sign corrected), for teaching: one exact solution of
    /// H v = grad (H is singular) and a descent direction on its pattern (grad . v =
    /// lambda_n ||d - x_n||^2 > 0), but with a constant step size it overshoots (docs/maths.md
    /// section 3).
    Newton,
    /// A true second-order step over the nonzero spectrum of the pattern's Hessian H of J_R, from
    /// its eigenpairs (docs/maths.md section 5.5): minimum-norm Newton `H^+ grad J_R` or
    /// saddle-free Newton `|H|^+ grad J_R`. f64 only (the eigensolver), and only for networks
    /// whose reduced order `2S - s_n` is at most [`crate::spectrum::MAX_EIGENPAIR_ORDER`].
    Spectral(Spectral),
}

/// The two steps of [`Method::Spectral`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Spectral {
    /// `H^+ grad J_R = sum_i u_i (u_i . grad) / mu_i`: the minimum-norm solution of H v = grad.
    PinvNewton,
    /// `|H|^+ grad J_R = sum_i u_i (u_i . grad) / |mu_i|`: every curvature counted positive, so a
    /// descent direction of J_R on its pattern.
    SaddleFree,
}

impl Spectral {
    /// The catalog name.
    pub fn name(self) -> &'static str {
        match self {
            Spectral::PinvNewton => "newton-pinv",
            Spectral::SaddleFree => "saddle-free",
        }
    }
}

/// Which engine a method trains on (`engine.rs`): every rank-one method on the f32 kernel or the
/// f64 reference as the run asks, the spectral ones on the f64 eigenpair engine whatever it asks.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Route {
    F32(FastMethod),
    Reference,
    Eigenpairs(Spectral),
}

/// "sgd, mk, mk-damped, mk-unreg or newton": the catalog's names, for error messages.
fn known_names() -> String {
    let names: Vec<&str> = OPTIMIZERS.iter().map(|o| o.name).collect();
    match names.split_last() {
        Some((last, [])) => last.to_string(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    }
}

impl Method {
    /// The names of [`crate::catalog::OPTIMIZERS`] (the command line and the page use them):
    /// `sgd`, `mk` (Eq. 40, mu = 0), `mk-damped` (Eq. 42), `mk-unreg` (the unregularised-gradient
    /// variant), `newton`, `newton-pinv`, `saddle-free`. `mu` (default [`DEFAULT_MU`]) is only for `mk-damped` and `mk-unreg`
    /// (validated but ignored by the others).
    pub fn from_name(name: &str, mu: Option<f64>) -> Result<Method> {
        if let Some(m) = mu {
            check_damping(m)?;
        }
        let damped = |source| Method::Mk {
            mu: mu.unwrap_or(DEFAULT_MU),
            source,
        };
        Ok(match name {
            "sgd" => Method::Sgd,
            "mk" if mu.is_some_and(|m| m != 0.0) => {
                return Err(Error::invalid(
                    "mu",
                    "MK as printed (Eq. 40) has mu = 0; choose mk-damped for Eq. 42",
                ))
            }
            "mk" => Method::Mk {
                mu: 0.0,
                source: GradientSource::Regularised,
            },
            "mk-damped" => damped(GradientSource::Regularised),
            "mk-unreg" => damped(GradientSource::Unregularised),
            "newton" => Method::Newton,
            "newton-pinv" => Method::Spectral(Spectral::PinvNewton),
            "saddle-free" => Method::Spectral(Spectral::SaddleFree),
            other => {
                return Err(Error::invalid(
                    "optimizer",
                    format!("unknown {other:?} (expected {})", known_names()),
                ))
            }
        })
    }

    /// A short name for tables and legends.
    pub fn label(&self) -> String {
        match self {
            Method::Sgd => "SGD".into(),
            Method::Mk {
                mu,
                source: GradientSource::Regularised,
            } if *mu == 0.0 => "MK".into(),
            Method::Mk {
                mu,
                source: GradientSource::Regularised,
            } => format!("MK damped mu={mu}"),
            Method::Mk {
                mu,
                source: GradientSource::Unregularised,
            } => {
                format!("MK unregularised-gradient variant mu={mu}")
            }
            Method::Newton => "Newton (Eq. 35 corrected)".into(),
            Method::Spectral(Spectral::PinvNewton) => "minimum-norm Newton H⁺∇J_R".into(),
            Method::Spectral(Spectral::SaddleFree) => "saddle-free Newton |H|⁺∇J_R".into(),
        }
    }

    /// The engine this method trains on when the run asks for the f32 kernel (`fast`) or not.
    pub(super) fn route(&self, fast: bool) -> Route {
        match (self, FastMethod::try_from(self)) {
            (Method::Spectral(kind), _) => Route::Eigenpairs(*kind),
            (_, Ok(f32_method)) if fast => Route::F32(f32_method),
            _ => Route::Reference,
        }
    }
}

/// The f32 kernel's form of a rank-one method; the spectral ones have none (an error naming them).
impl TryFrom<&Method> for FastMethod {
    type Error = Error;
    fn try_from(m: &Method) -> Result<Self> {
        Ok(match m {
            Method::Sgd => FastMethod::Sgd,
            Method::Mk { mu, source } => FastMethod::Mk {
                mu: *mu as f32,
                unregularised: *source == GradientSource::Unregularised,
            },
            Method::Newton => FastMethod::Newton,
            Method::Spectral(kind) => {
                return Err(Error::invalid(
                    "optimizer",
                    format!("{} has no f32 path (it trains in f64)", kind.name()),
                ))
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_name_lists_the_catalog_names() {
        let e = Method::from_name("adam", None).unwrap_err().to_string();
        assert_eq!(
            e, "optimizer: unknown \"adam\" (expected sgd, mk, mk-damped, mk-unreg, newton, newton-pinv or saddle-free)",
            "{e}"
        );
    }
}
