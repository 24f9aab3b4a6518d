//! One error type for the whole engine. Every message names the offending value, so that the
//! command line and the page can show it as is.

use std::fmt;

/// What went wrong, in words a user can act on.
#[derive(Debug, Clone, PartialEq)]
pub enum Error {
    /// A value is outside the range the mathematics allows (`what` names it, `why` says the rule).
    Invalid { what: String, why: String },
    /// Two things that must have the same length do not.
    Shape {
        what: String,
        expected: usize,
        found: usize,
    },
    /// A number that must be finite is NaN or infinite.
    NonFinite { what: String, value: f64 },
    /// The numerical result is unusable (e.g. a step produced NaN/Inf); nothing was changed.
    Numerical(String),
}

impl Error {
    pub fn invalid(what: impl Into<String>, why: impl Into<String>) -> Self {
        Error::Invalid {
            what: what.into(),
            why: why.into(),
        }
    }

    pub fn shape(what: impl Into<String>, expected: usize, found: usize) -> Self {
        Error::Shape {
            what: what.into(),
            expected,
            found,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Invalid { what, why } => write!(f, "{what}: {why}"),
            Error::Shape {
                what,
                expected,
                found,
            } => write!(f, "{what}: expected {expected} values, found {found}"),
            Error::NonFinite { what, value } => write!(f, "{what}: {value} is not a finite number"),
            Error::Numerical(msg) => write!(f, "{msg}"),
        }
    }
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;

/// Checks that every entry of `values` is finite; the error names `what` and the first bad index.
pub fn check_finite(what: &str, values: &[f64]) -> Result<()> {
    match values.iter().position(|v| !v.is_finite()) {
        None => Ok(()),
        Some(i) => Err(Error::NonFinite {
            what: format!("{what}[{i}]"),
            value: values[i],
        }),
    }
}
