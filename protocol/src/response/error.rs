//! ERROR (spec §4.2.1 and §9): `<code [int]><message [string]>` followed by
//! a code-specific body. v5 replaces the failure count of READ_FAILURE and
//! WRITE_FAILURE with a reason map (`<n [int]>` pairs of `[inetaddr]` and
//! `[short]` failure code).

use std::net::IpAddr;

use crate::consistency::Consistency;
use crate::error::DecodeError;
use crate::frame::Version;
use crate::wire;

/// Replicas that failed, in both the v4 (count) and v5 (per-endpoint) forms.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FailureInfo {
    pub num_failures: i32,
    pub reasons: Vec<(IpAddr, u16)>,
}

impl FailureInfo {
    fn encode(&self, version: Version, out: &mut Vec<u8>) {
        if version >= Version::V5 {
            let n = i32::try_from(self.reasons.len()).unwrap_or(i32::MAX);
            wire::write_int(out, n);
            for (addr, code) in &self.reasons {
                wire::write_inetaddr(out, *addr);
                wire::write_short(out, *code);
            }
        } else {
            wire::write_int(out, self.num_failures.max(self.reasons.len() as i32));
        }
    }

    fn decode(version: Version, buf: &mut &[u8]) -> Result<Self, DecodeError> {
        let n = wire::read_int(buf)?;
        if version < Version::V5 {
            return Ok(Self {
                num_failures: n,
                reasons: Vec::new(),
            });
        }
        let n = usize::try_from(n).map_err(|_| DecodeError::NegativeLength(n))?;
        let mut reasons = Vec::with_capacity(n.min(buf.len() / 7));
        for _ in 0..n {
            let addr = wire::read_inetaddr(buf)?;
            reasons.push((addr, wire::read_short(buf)?));
        }
        Ok(Self {
            num_failures: reasons.len() as i32,
            reasons,
        })
    }
}

/// The error code and its code-specific fields.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    ServerError,
    ProtocolError,
    AuthenticationError,
    Unavailable {
        consistency: Consistency,
        required: i32,
        alive: i32,
    },
    Overloaded,
    IsBootstrapping,
    TruncateError,
    WriteTimeout {
        consistency: Consistency,
        received: i32,
        block_for: i32,
        write_type: String,
        contentions: Option<u16>,
    },
    ReadTimeout {
        consistency: Consistency,
        received: i32,
        block_for: i32,
        data_present: bool,
    },
    ReadFailure {
        consistency: Consistency,
        received: i32,
        block_for: i32,
        failures: FailureInfo,
        data_present: bool,
    },
    FunctionFailure {
        keyspace: String,
        function: String,
        arg_types: Vec<String>,
    },
    WriteFailure {
        consistency: Consistency,
        received: i32,
        block_for: i32,
        failures: FailureInfo,
        write_type: String,
    },
    CdcWriteFailure,
    CasWriteUnknown {
        consistency: Consistency,
        received: i32,
        block_for: i32,
    },
    SyntaxError,
    Unauthorized,
    Invalid,
    ConfigError,
    AlreadyExists {
        keyspace: String,
        table: String,
    },
    Unprepared {
        id: Vec<u8>,
    },
    /// ScyllaDB's rate-limit extension (`SCYLLA_RATE_LIMIT_ERROR`).
    RateLimitReached {
        op_type: u8,
        rejected_by_coordinator: bool,
    },
}

impl ErrorKind {
    pub fn code(&self) -> i32 {
        match self {
            ErrorKind::ServerError => 0x0000,
            ErrorKind::ProtocolError => 0x000A,
            ErrorKind::AuthenticationError => 0x0100,
            ErrorKind::Unavailable { .. } => 0x1000,
            ErrorKind::Overloaded => 0x1001,
            ErrorKind::IsBootstrapping => 0x1002,
            ErrorKind::TruncateError => 0x1003,
            ErrorKind::WriteTimeout { .. } => 0x1100,
            ErrorKind::ReadTimeout { .. } => 0x1200,
            ErrorKind::ReadFailure { .. } => 0x1300,
            ErrorKind::FunctionFailure { .. } => 0x1400,
            ErrorKind::WriteFailure { .. } => 0x1500,
            ErrorKind::CdcWriteFailure => 0x1600,
            ErrorKind::CasWriteUnknown { .. } => 0x1700,
            ErrorKind::SyntaxError => 0x2000,
            ErrorKind::Unauthorized => 0x2100,
            ErrorKind::Invalid => 0x2200,
            ErrorKind::ConfigError => 0x2300,
            ErrorKind::AlreadyExists { .. } => 0x2400,
            ErrorKind::Unprepared { .. } => 0x2500,
            ErrorKind::RateLimitReached { .. } => 0xF000,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorResponse {
    pub kind: ErrorKind,
    pub message: String,
}

impl ErrorResponse {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }

    pub fn protocol(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::ProtocolError, message)
    }

    pub fn server(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::ServerError, message)
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Invalid, message)
    }

    pub fn syntax(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::SyntaxError, message)
    }

    pub fn encode(&self, version: Version, out: &mut Vec<u8>) {
        wire::write_int(out, self.kind.code());
        wire::write_string(out, &self.message);
        match &self.kind {
            ErrorKind::Unavailable {
                consistency,
                required,
                alive,
            } => {
                consistency.write(out);
                wire::write_int(out, *required);
                wire::write_int(out, *alive);
            }
            ErrorKind::WriteTimeout {
                consistency,
                received,
                block_for,
                write_type,
                contentions,
            } => {
                consistency.write(out);
                wire::write_int(out, *received);
                wire::write_int(out, *block_for);
                wire::write_string(out, write_type);
                if version >= Version::V5 && write_type == "CAS" {
                    wire::write_short(out, contentions.unwrap_or_default());
                }
            }
            ErrorKind::ReadTimeout {
                consistency,
                received,
                block_for,
                data_present,
            } => {
                consistency.write(out);
                wire::write_int(out, *received);
                wire::write_int(out, *block_for);
                wire::write_u8(out, u8::from(*data_present));
            }
            ErrorKind::ReadFailure {
                consistency,
                received,
                block_for,
                failures,
                data_present,
            } => {
                consistency.write(out);
                wire::write_int(out, *received);
                wire::write_int(out, *block_for);
                failures.encode(version, out);
                wire::write_u8(out, u8::from(*data_present));
            }
            ErrorKind::FunctionFailure {
                keyspace,
                function,
                arg_types,
            } => {
                wire::write_string(out, keyspace);
                wire::write_string(out, function);
                wire::write_string_list(out, arg_types);
            }
            ErrorKind::WriteFailure {
                consistency,
                received,
                block_for,
                failures,
                write_type,
            } => {
                consistency.write(out);
                wire::write_int(out, *received);
                wire::write_int(out, *block_for);
                failures.encode(version, out);
                wire::write_string(out, write_type);
            }
            ErrorKind::CasWriteUnknown {
                consistency,
                received,
                block_for,
            } => {
                consistency.write(out);
                wire::write_int(out, *received);
                wire::write_int(out, *block_for);
            }
            ErrorKind::AlreadyExists { keyspace, table } => {
                wire::write_string(out, keyspace);
                wire::write_string(out, table);
            }
            ErrorKind::Unprepared { id } => wire::write_short_bytes(out, id),
            ErrorKind::RateLimitReached {
                op_type,
                rejected_by_coordinator,
            } => {
                wire::write_u8(out, *op_type);
                wire::write_u8(out, u8::from(*rejected_by_coordinator));
            }
            ErrorKind::ServerError
            | ErrorKind::ProtocolError
            | ErrorKind::AuthenticationError
            | ErrorKind::Overloaded
            | ErrorKind::IsBootstrapping
            | ErrorKind::TruncateError
            | ErrorKind::CdcWriteFailure
            | ErrorKind::SyntaxError
            | ErrorKind::Unauthorized
            | ErrorKind::Invalid
            | ErrorKind::ConfigError => {}
        }
    }

    pub fn decode(version: Version, buf: &mut &[u8]) -> Result<Self, DecodeError> {
        let code = wire::read_int(buf)?;
        let message = wire::read_string(buf)?.to_owned();
        let owned = |s: &str| s.to_owned();
        let kind = match code {
            0x0000 => ErrorKind::ServerError,
            0x000A => ErrorKind::ProtocolError,
            0x0100 => ErrorKind::AuthenticationError,
            0x1000 => ErrorKind::Unavailable {
                consistency: Consistency::read(buf)?,
                required: wire::read_int(buf)?,
                alive: wire::read_int(buf)?,
            },
            0x1001 => ErrorKind::Overloaded,
            0x1002 => ErrorKind::IsBootstrapping,
            0x1003 => ErrorKind::TruncateError,
            0x1100 => {
                let consistency = Consistency::read(buf)?;
                let received = wire::read_int(buf)?;
                let block_for = wire::read_int(buf)?;
                let write_type = owned(wire::read_string(buf)?);
                let contentions = if version >= Version::V5 && write_type == "CAS" {
                    Some(wire::read_short(buf)?)
                } else {
                    None
                };
                ErrorKind::WriteTimeout {
                    consistency,
                    received,
                    block_for,
                    write_type,
                    contentions,
                }
            }
            0x1200 => ErrorKind::ReadTimeout {
                consistency: Consistency::read(buf)?,
                received: wire::read_int(buf)?,
                block_for: wire::read_int(buf)?,
                data_present: wire::read_u8(buf)? != 0,
            },
            0x1300 => ErrorKind::ReadFailure {
                consistency: Consistency::read(buf)?,
                received: wire::read_int(buf)?,
                block_for: wire::read_int(buf)?,
                failures: FailureInfo::decode(version, buf)?,
                data_present: wire::read_u8(buf)? != 0,
            },
            0x1400 => ErrorKind::FunctionFailure {
                keyspace: owned(wire::read_string(buf)?),
                function: owned(wire::read_string(buf)?),
                arg_types: wire::read_string_list(buf)?
                    .into_iter()
                    .map(owned)
                    .collect(),
            },
            0x1500 => ErrorKind::WriteFailure {
                consistency: Consistency::read(buf)?,
                received: wire::read_int(buf)?,
                block_for: wire::read_int(buf)?,
                failures: FailureInfo::decode(version, buf)?,
                write_type: owned(wire::read_string(buf)?),
            },
            0x1600 => ErrorKind::CdcWriteFailure,
            0x1700 => ErrorKind::CasWriteUnknown {
                consistency: Consistency::read(buf)?,
                received: wire::read_int(buf)?,
                block_for: wire::read_int(buf)?,
            },
            0x2000 => ErrorKind::SyntaxError,
            0x2100 => ErrorKind::Unauthorized,
            0x2200 => ErrorKind::Invalid,
            0x2300 => ErrorKind::ConfigError,
            0x2400 => ErrorKind::AlreadyExists {
                keyspace: owned(wire::read_string(buf)?),
                table: owned(wire::read_string(buf)?),
            },
            0x2500 => ErrorKind::Unprepared {
                id: wire::read_short_bytes(buf)?.to_vec(),
            },
            0xF000 => ErrorKind::RateLimitReached {
                op_type: wire::read_u8(buf)?,
                rejected_by_coordinator: wire::read_u8(buf)? != 0,
            },
            other => return Err(DecodeError::UnknownErrorCode(other)),
        };
        Ok(Self { kind, message })
    }
}
