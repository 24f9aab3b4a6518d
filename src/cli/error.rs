//! The command line's one error type. `main` prints every failure as one line on standard error,
//! `error: <message>`, and exits with status 2 (as clap does for a malformed command line), so a
//! script can tell a failed run from a finished one.

use std::fmt;
use std::path::Path;

/// What went wrong, in the words the user sees.
#[derive(Debug)]
pub enum CliError {
    /// An engine error, shown as is: `sizes[1]: a layer size must be at least 1, got 0`.
    Engine(sifrian::Error),
    /// An engine error about the value of a flag, which the error already names by the flag's
    /// name (`mu`, `lambda[1]`): shown with the flag's dashes, `--mu: ...`.
    Flag(sifrian::Error),
    /// A value (or a combination of flags) the command cannot use: `{what}: {why}`, where `what`
    /// is the flag (`--epochs`) or the command (`plot`).
    Usage { what: String, why: String },
    /// A file, a folder or standard input that could not be read, written or created:
    /// `cannot {action} {path}: {source}`.
    Io {
        action: &'static str,
        path: String,
        source: std::io::Error,
    },
    /// A file that was read but is not what the command expects: `{path}: {why}`, or
    /// `{path} line {n}: {why}` for one line of it.
    Format {
        path: String,
        line: Option<usize>,
        why: String,
    },
    /// A chart that could not be drawn (the plotting backend's message).
    Chart(String),
    /// A JSON output that could not be written.
    Json(serde_json::Error),
    /// The progress bar's template does not parse.
    Progress(indicatif::style::TemplateError),
    /// Something the command checks that can only fail by a bug: `internal: {0}`.
    Internal(&'static str),
}

/// The command line's results.
pub type Result<T> = std::result::Result<T, CliError>;

impl CliError {
    /// `--{flag}: {why}`.
    pub fn flag(flag: &str, why: impl Into<String>) -> Self {
        CliError::Usage {
            what: format!("--{flag}"),
            why: why.into(),
        }
    }

    /// `{command}: {why}`.
    pub fn usage(command: &str, why: impl Into<String>) -> Self {
        CliError::Usage {
            what: command.into(),
            why: why.into(),
        }
    }

    /// A drawing error, whatever type the plotting code reports it as.
    pub fn chart(e: impl fmt::Display) -> Self {
        CliError::Chart(e.to_string())
    }

    /// The exit status `main` returns for this error.
    pub fn exit_status(&self) -> u8 {
        2
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Engine(e) => write!(f, "{e}"),
            CliError::Flag(e) => write!(f, "--{e}"),
            CliError::Usage { what, why } => write!(f, "{what}: {why}"),
            CliError::Io {
                action,
                path,
                source,
            } => write!(f, "cannot {action} {path}: {source}"),
            CliError::Format {
                path,
                line: None,
                why,
            } => write!(f, "{path}: {why}"),
            CliError::Format {
                path,
                line: Some(n),
                why,
            } => write!(f, "{path} line {n}: {why}"),
            CliError::Chart(msg) => write!(f, "{msg}"),
            CliError::Json(e) => write!(f, "{e}"),
            CliError::Progress(e) => write!(f, "{e}"),
            CliError::Internal(msg) => write!(f, "internal: {msg}"),
        }
    }
}

impl std::error::Error for CliError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            CliError::Engine(e) | CliError::Flag(e) => Some(e),
            CliError::Io { source, .. } => Some(source),
            CliError::Json(e) => Some(e),
            CliError::Progress(e) => Some(e),
            _ => None,
        }
    }
}

impl From<sifrian::Error> for CliError {
    fn from(e: sifrian::Error) -> Self {
        CliError::Engine(e)
    }
}

impl From<serde_json::Error> for CliError {
    fn from(e: serde_json::Error) -> Self {
        CliError::Json(e)
    }
}

impl From<indicatif::style::TemplateError> for CliError {
    fn from(e: indicatif::style::TemplateError) -> Self {
        CliError::Progress(e)
    }
}

/// The file system, with the path in every error.
pub mod fs {
    use super::{CliError, Result};
    use std::path::Path;

    fn io(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> CliError {
        let path = path.display().to_string();
        move |source| CliError::Io {
            action,
            path,
            source,
        }
    }

    pub fn read(path: &Path) -> Result<Vec<u8>> {
        std::fs::read(path).map_err(io("read", path))
    }

    pub fn read_to_string(path: &Path) -> Result<String> {
        std::fs::read_to_string(path).map_err(io("read", path))
    }

    /// All of standard input, as text.
    pub fn read_stdin() -> Result<String> {
        std::io::read_to_string(std::io::stdin()).map_err(|source| CliError::Io {
            action: "read",
            path: "standard input".into(),
            source,
        })
    }

    pub fn write(path: &Path, contents: impl AsRef<[u8]>) -> Result<()> {
        std::fs::write(path, contents).map_err(io("write", path))
    }

    pub fn create_dir_all(path: &Path) -> Result<()> {
        std::fs::create_dir_all(path).map_err(io("create", path))
    }
}

/// `{path}: {why}`, for a file that is not what the command expects.
pub fn bad_file(path: &Path, line: Option<usize>, why: impl Into<String>) -> CliError {
    CliError::Format {
        path: path.display().to_string(),
        line,
        why: why.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_error_reads_as_one_line_naming_what_is_wrong() {
        let cases = [
            (
                CliError::Flag(sifrian::Error::invalid("mu", "must be >= 0")),
                "--mu: must be >= 0",
            ),
            (
                CliError::from(sifrian::Error::invalid("step", "must be > 0")),
                "step: must be > 0",
            ),
            (
                CliError::flag("eval-every", "must be at least 1"),
                "--eval-every: must be at least 1",
            ),
            (
                CliError::usage("plot", "no curve points to draw"),
                "plot: no curve points to draw",
            ),
            (
                bad_file(Path::new("a.csv"), Some(3), "malformed row \"x\""),
                "a.csv line 3: malformed row \"x\"",
            ),
            (
                CliError::Internal("the two runs differ"),
                "internal: the two runs differ",
            ),
        ];
        for (e, shown) in cases {
            assert_eq!(e.to_string(), shown, "display of {e:?}");
            assert_eq!(e.exit_status(), 2, "exit status of {e:?}");
        }
        let missing = fs::read(Path::new("/nonexistent/x"))
            .unwrap_err()
            .to_string();
        assert!(
            missing.starts_with("cannot read /nonexistent/x: "),
            "{missing:?} should name the path"
        );
    }
}
