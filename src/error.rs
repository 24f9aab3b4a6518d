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
    /// `source`, found while handling `context` (a file, a part of a file, a request's field):
    /// shown as `context: source`. Built by [`Error::context`] and [`ResultExt::context`].
    Context { context: String, source: Box<Error> },
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

    /// This error, found while handling `context`: shown as `context: self`.
    pub fn context(self, context: impl Into<String>) -> Self {
        Error::Context {
            context: context.into(),
            source: Box::new(self),
        }
    }
}

/// [`Error::context`] on the error of a [`Result`].
pub trait ResultExt<T> {
    /// The error, if any, found while handling `context`: shown as `context: error`.
    fn context(self, context: impl Into<String>) -> Result<T>;
}

impl<T> ResultExt<T> for Result<T> {
    fn context(self, context: impl Into<String>) -> Result<T> {
        self.map_err(|e| e.context(context))
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
            Error::Context { context, source } => write!(f, "{context}: {source}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Context { source, .. } => Some(source.as_ref()),
            _ => None,
        }
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_context_is_shown_before_the_error_it_wraps() {
        let e = Error::invalid("labels[3]", "label 12 is not a class").context("train-labels");
        assert_eq!(
            e.to_string(),
            "train-labels: labels[3]: label 12 is not a class",
            "display of {e:?}"
        );
        let r: Result<()> = Err(Error::shape("x", 2, 3));
        let nested = r.context("inner").context("outer").unwrap_err();
        assert_eq!(
            nested.to_string(),
            "outer: inner: x: expected 2 values, found 3",
            "display of {nested:?}"
        );
        let source = std::error::Error::source(&nested).map(|s| s.to_string());
        assert_eq!(
            source.as_deref(),
            Some("inner: x: expected 2 values, found 3"),
            "the source of {nested:?}"
        );
    }
}
