//! Errors of the protocol layer. The transport maps them to CQL error codes.

/// A message or value that does not decode.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    #[error("not enough bytes: needed {needed}, {available} available")]
    Truncated { needed: usize, available: usize },
    #[error("invalid length {0}")]
    NegativeLength(i32),
    #[error("invalid UTF-8 in string")]
    InvalidUtf8,
    #[error("invalid inet address length {0}")]
    InvalidInetLength(u8),
    #[error("invalid port {0}")]
    InvalidPort(i32),
    #[error("unknown opcode 0x{0:02x}")]
    UnknownOpcode(u8),
    #[error("unknown consistency level 0x{0:04x}")]
    UnknownConsistency(u16),
    #[error("unknown option id 0x{0:04x} in type descriptor")]
    UnknownTypeOption(u16),
    #[error("type descriptor nested too deeply")]
    TypeTooDeep,
    #[error("unknown result kind {0}")]
    UnknownResultKind(i32),
    #[error("unknown error code 0x{0:04x}")]
    UnknownErrorCode(i32),
    #[error("unknown event type {0:?}")]
    UnknownEvent(String),
    #[error("{0} trailing bytes after message body")]
    TrailingBytes(usize),
    #[error("invalid {type_name} value: {reason}")]
    InvalidValue {
        type_name: &'static str,
        reason: String,
    },
    #[error("decompression failed: {0}")]
    Decompression(String),
    #[error("{0}")]
    Malformed(String),
}
