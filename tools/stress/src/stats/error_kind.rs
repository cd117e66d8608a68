//! Error kinds counted separately in every interval and in the summary.

use scylla::errors::{DbError, ExecutionError, RequestAttemptError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(usize)]
pub enum ErrorKind {
    /// The client gave up waiting (driver request timeout).
    ClientTimeout,
    ReadTimeout,
    WriteTimeout,
    Unavailable,
    Overloaded,
    Invalid,
    Server,
    Connection,
    /// Verification mode: the row read differs from what was written.
    Mismatch,
    Other,
}

impl ErrorKind {
    pub const COUNT: usize = 10;
    pub const ALL: [ErrorKind; Self::COUNT] = [
        ErrorKind::ClientTimeout,
        ErrorKind::ReadTimeout,
        ErrorKind::WriteTimeout,
        ErrorKind::Unavailable,
        ErrorKind::Overloaded,
        ErrorKind::Invalid,
        ErrorKind::Server,
        ErrorKind::Connection,
        ErrorKind::Mismatch,
        ErrorKind::Other,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ErrorKind::ClientTimeout => "client_timeout",
            ErrorKind::ReadTimeout => "read_timeout",
            ErrorKind::WriteTimeout => "write_timeout",
            ErrorKind::Unavailable => "unavailable",
            ErrorKind::Overloaded => "overloaded",
            ErrorKind::Invalid => "invalid",
            ErrorKind::Server => "server_error",
            ErrorKind::Connection => "connection",
            ErrorKind::Mismatch => "mismatch",
            ErrorKind::Other => "other",
        }
    }

    /// Whether retrying can help (cassandra-stress retries everything but
    /// bad requests).
    pub fn retryable(self) -> bool {
        !matches!(self, ErrorKind::Invalid | ErrorKind::Mismatch)
    }

    pub fn classify(error: &ExecutionError) -> Self {
        match error {
            ExecutionError::RequestTimeout(_) => ErrorKind::ClientTimeout,
            ExecutionError::ConnectionPoolError(_) | ExecutionError::EmptyPlan => {
                ErrorKind::Connection
            }
            ExecutionError::LastAttemptError(attempt) => match attempt {
                RequestAttemptError::DbError(db, _) => match db {
                    DbError::ReadTimeout { .. } | DbError::ReadFailure { .. } => {
                        ErrorKind::ReadTimeout
                    }
                    DbError::WriteTimeout { .. } | DbError::WriteFailure { .. } => {
                        ErrorKind::WriteTimeout
                    }
                    DbError::Unavailable { .. } => ErrorKind::Unavailable,
                    DbError::Overloaded | DbError::RateLimitReached { .. } => ErrorKind::Overloaded,
                    DbError::Invalid
                    | DbError::SyntaxError
                    | DbError::Unauthorized
                    | DbError::ConfigError => ErrorKind::Invalid,
                    DbError::ServerError | DbError::IsBootstrapping => ErrorKind::Server,
                    _ => ErrorKind::Other,
                },
                RequestAttemptError::BrokenConnectionError(_)
                | RequestAttemptError::UnableToAllocStreamId => ErrorKind::Connection,
                _ => ErrorKind::Other,
            },
            _ => ErrorKind::Other,
        }
    }
}
