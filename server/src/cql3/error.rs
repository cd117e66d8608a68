//! Errors of CQL execution, with Cassandra's error kinds. The transport maps
//! them to wire codes in exactly one place (`transport::errors`).

use sibyl_protocol::Consistency;

/// A statement failed. Messages follow Cassandra's wording where it has one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CqlError {
    /// 0x2000: the text does not parse.
    #[error("{0}")]
    Syntax(String),
    /// 0x2200: well-formed but invalid (unknown column, wrong type, bad restriction...).
    #[error("{0}")]
    Invalid(String),
    /// 0x2300: a schema or option value is not acceptable.
    #[error("{0}")]
    Config(String),
    /// 0x2400: CREATE of something that exists. `table` is empty for a keyspace.
    #[error("{message}")]
    AlreadyExists {
        keyspace: String,
        table: String,
        message: String,
    },
    /// 0x2500: EXECUTE of an id this node does not know.
    #[error("Prepared query with ID {} not found (either the query was not prepared on this host (maybe the host has been restarted?) or you have prepared too many queries and it has been evicted from the internal cache)", hex(.id))]
    Unprepared { id: Vec<u8> },
    /// 0x2100
    #[error("{0}")]
    Unauthorized(String),
    /// 0x0100
    #[error("{0}")]
    Authentication(String),
    /// 0x1003
    #[error("{0}")]
    Truncate(String),
    /// 0x1400: a function threw.
    #[error("{message}")]
    FunctionFailure {
        keyspace: String,
        function: String,
        arg_types: Vec<String>,
        message: String,
    },
    /// 0x1000
    #[error("Cannot achieve consistency level {consistency}")]
    Unavailable {
        consistency: Consistency,
        required: i32,
        alive: i32,
    },
    /// 0x1100
    #[error("Operation timed out - received only {received} responses.")]
    WriteTimeout {
        consistency: Consistency,
        received: i32,
        block_for: i32,
        write_type: String,
    },
    /// 0x1200
    #[error("Operation timed out - received only {received} responses.")]
    ReadTimeout {
        consistency: Consistency,
        received: i32,
        block_for: i32,
        data_present: bool,
    },
    /// 0x1001: a bound was hit; the client should back off.
    #[error("{0}")]
    Overloaded(String),
    /// 0x0000: a bug or an I/O failure on our side.
    #[error("{0}")]
    Server(String),
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl CqlError {
    pub fn invalid(message: impl Into<String>) -> Self {
        CqlError::Invalid(message.into())
    }

    pub fn config(message: impl Into<String>) -> Self {
        CqlError::Config(message.into())
    }

    pub fn server(message: impl Into<String>) -> Self {
        CqlError::Server(message.into())
    }
}

/// Shorthand for results of CQL execution.
pub type CqlResult<T> = Result<T, CqlError>;
