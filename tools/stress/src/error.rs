//! The tool's error type. Command-line errors carry cassandra-stress-like text.

use std::path::PathBuf;

/// Everything that can stop a stress run or a subcommand.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StressError {
    /// A command line that cassandra-stress would also refuse; the text says why.
    #[error("{0}")]
    Usage(String),
    #[error("{op} {path}: {source}")]
    Io {
        op: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid profile {path}: {message}")]
    Profile { path: PathBuf, message: String },
    #[error("could not connect: {0}")]
    Connect(String),
    #[error("schema statement failed: {statement}: {message}")]
    Schema { statement: String, message: String },
    #[error("could not prepare {statement}: {message}")]
    Prepare { statement: String, message: String },
    #[error("operation failed after {attempts} attempts: {message}")]
    Operation { attempts: u32, message: String },
    #[error("cannot read {path}: {message}")]
    Input { path: PathBuf, message: String },
    #[error("HDR log: {0}")]
    HdrLog(String),
}

impl StressError {
    pub fn io(op: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            op,
            path: path.into(),
            source,
        }
    }

    pub fn usage(message: impl Into<String>) -> Self {
        Self::Usage(message.into())
    }
}
