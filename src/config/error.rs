//! Configuration errors that say where: the file, line and column of the value to fix (or
//! the command-line flag), and which field it is.

use std::fmt;
use std::path::PathBuf;

/// Where a configuration value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A value in a config file (1-based line and column).
    File { file: String, line: u64, column: u64 },
    /// A command-line flag or action input, e.g. `--image`.
    Flag(String),
    /// A default tagbump supplied.
    Default,
}

impl Origin {
    pub fn at(file: &str, loc: serde_saphyr::Location) -> Origin {
        Origin::File {
            file: file.to_string(),
            line: loc.line(),
            column: loc.column(),
        }
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::File { file, line, column } => write!(f, "{file}:{line}:{column}"),
            Origin::Flag(flag) => write!(f, "{flag}"),
            Origin::Default => write!(f, "(default)"),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid YAML, or a value has the wrong type or an unknown field.
    #[error("{origin}: {message}")]
    Syntax { origin: Origin, message: String },
    /// A value parsed but means nothing valid.
    #[error("{origin}: {field}: {message}")]
    Invalid {
        origin: Origin,
        /// The field's path, e.g. `images[1].policy`.
        field: String,
        message: String,
    },
}

impl ConfigError {
    pub fn invalid(origin: Origin, field: impl Into<String>, message: impl fmt::Display) -> ConfigError {
        ConfigError::Invalid {
            origin,
            field: field.into(),
            message: message.to_string(),
        }
    }
}

/// Several errors at once, so the user fixes the file in one go.
#[derive(Debug, thiserror::Error)]
#[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
pub struct ConfigErrors(pub Vec<ConfigError>);
