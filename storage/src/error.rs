//! The storage layer's error type. Every fallible storage operation returns
//! [`StorageError`]; the transport layer maps it to a CQL error code in one place.

use std::path::PathBuf;

/// Errors raised by the storage engine of one shard.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StorageError {
    /// An operating-system I/O call failed.
    #[error("I/O error during {op} on {path}: {source}")]
    Io {
        op: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A stored checksum did not match the bytes read back.
    #[error("checksum mismatch in {what}: expected {expected:#010x}, got {got:#010x}")]
    ChecksumMismatch {
        what: &'static str,
        expected: u32,
        got: u32,
    },
    /// A structure started with the wrong magic number.
    #[error("bad magic in {what}: expected {expected:#x}, got {got:#x}")]
    BadMagic {
        what: &'static str,
        expected: u64,
        got: u64,
    },
    /// A structure carries a format version this build cannot read.
    #[error("unsupported version {got} of {what} (supported: {supported})")]
    UnsupportedVersion {
        what: &'static str,
        got: u32,
        supported: u32,
    },
    /// Bytes ended or contained an impossible value while decoding.
    #[error("corrupt {what}: {detail}")]
    Corrupt { what: &'static str, detail: String },
    /// A mutation or read named a table this shard does not have.
    #[error("unknown table {table_id}")]
    UnknownTable { table_id: u64 },
    /// A table with this id already exists on the shard.
    #[error("table {table_id} already exists")]
    TableExists { table_id: u64 },
    /// A commitlog entry is larger than a segment can hold.
    #[error("commitlog entry of {size_bytes} bytes exceeds the maximum of {max_bytes}")]
    EntryTooLarge { size_bytes: usize, max_bytes: usize },
    /// The commitlog failed earlier and refuses new writes until restart.
    #[error("commitlog is failed: {reason}")]
    CommitlogFailed { reason: String },
    /// The engine or component has been closed.
    #[error("storage component is closed")]
    Closed,
    /// A caller passed a value that violates the table schema.
    #[error("invalid request: {detail}")]
    Invalid { detail: String },
}

/// Result alias for the storage crate.
pub type Result<T> = std::result::Result<T, StorageError>;

impl StorageError {
    pub(crate) fn io(op: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        StorageError::Io {
            op,
            path: path.into(),
            source,
        }
    }

    pub(crate) fn corrupt(what: &'static str, detail: impl Into<String>) -> Self {
        StorageError::Corrupt {
            what,
            detail: detail.into(),
        }
    }
}
