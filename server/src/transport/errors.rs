//! The one place where CQL execution errors become wire errors (spec §9).

use sibyl_protocol::response::{ErrorKind, ErrorResponse};

use crate::cql3::CqlError;

pub fn to_error_response(error: &CqlError) -> ErrorResponse {
    let message = error.to_string();
    let kind = match error {
        CqlError::Syntax(_) => ErrorKind::SyntaxError,
        CqlError::Invalid(_) => ErrorKind::Invalid,
        CqlError::Config(_) => ErrorKind::ConfigError,
        CqlError::AlreadyExists {
            keyspace, table, ..
        } => ErrorKind::AlreadyExists {
            keyspace: keyspace.clone(),
            table: table.clone(),
        },
        CqlError::Unprepared { id } => ErrorKind::Unprepared { id: id.clone() },
        CqlError::Unauthorized(_) => ErrorKind::Unauthorized,
        CqlError::Authentication(_) => ErrorKind::AuthenticationError,
        CqlError::Truncate(_) => ErrorKind::TruncateError,
        CqlError::FunctionFailure {
            keyspace,
            function,
            arg_types,
            ..
        } => ErrorKind::FunctionFailure {
            keyspace: keyspace.clone(),
            function: function.clone(),
            arg_types: arg_types.clone(),
        },
        CqlError::Unavailable {
            consistency,
            required,
            alive,
        } => ErrorKind::Unavailable {
            consistency: *consistency,
            required: *required,
            alive: *alive,
        },
        CqlError::WriteTimeout {
            consistency,
            received,
            block_for,
            write_type,
        } => ErrorKind::WriteTimeout {
            consistency: *consistency,
            received: *received,
            block_for: *block_for,
            write_type: write_type.clone(),
            contentions: None,
        },
        CqlError::ReadTimeout {
            consistency,
            received,
            block_for,
            data_present,
        } => ErrorKind::ReadTimeout {
            consistency: *consistency,
            received: *received,
            block_for: *block_for,
            data_present: *data_present,
        },
        CqlError::Overloaded(_) => ErrorKind::Overloaded,
        CqlError::Server(_) => ErrorKind::ServerError,
    };
    ErrorResponse::new(kind, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_match_the_spec() {
        let cases = [
            (CqlError::Syntax("x".into()), 0x2000),
            (CqlError::invalid("x"), 0x2200),
            (CqlError::config("x"), 0x2300),
            (
                CqlError::AlreadyExists {
                    keyspace: "k".into(),
                    table: String::new(),
                    message: "m".into(),
                },
                0x2400,
            ),
            (CqlError::Unprepared { id: vec![0xab] }, 0x2500),
            (CqlError::Truncate("x".into()), 0x1003),
            (CqlError::server("x"), 0x0000),
        ];
        for (error, code) in cases {
            assert_eq!(to_error_response(&error).kind.code(), code, "{error:?}");
        }
        assert!(
            CqlError::Unprepared {
                id: vec![0xab, 0x01]
            }
            .to_string()
            .contains("ab01")
        );
    }
}
