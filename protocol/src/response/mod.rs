//! Responses (spec §4.2), one module per opcode. Owned types: the server
//! builds them, tests and tools decode them.

mod auth;
mod error;
mod event;
pub mod result;
mod supported;

pub use auth::{AuthChallenge, AuthSuccess, Authenticate};
pub use error::{ErrorKind, ErrorResponse, FailureInfo};
pub use event::{Event, StatusChange, TopologyChange};
pub use result::{
    ColumnSpec, Prepared, PreparedMetadata, ResultBody, Rows, RowsMetadata, SchemaChange,
    SchemaChangeTarget, SchemaChangeType,
};
pub use supported::Supported;

use crate::error::DecodeError;
use crate::frame::{Opcode, Version};

/// Any response message.
#[derive(Debug, Clone, PartialEq)]
pub enum Response {
    Error(ErrorResponse),
    Ready,
    Authenticate(Authenticate),
    Supported(Supported),
    Result(ResultBody),
    Event(Event),
    AuthChallenge(AuthChallenge),
    AuthSuccess(AuthSuccess),
}

impl Response {
    pub fn opcode(&self) -> Opcode {
        match self {
            Response::Error(_) => Opcode::Error,
            Response::Ready => Opcode::Ready,
            Response::Authenticate(_) => Opcode::Authenticate,
            Response::Supported(_) => Opcode::Supported,
            Response::Result(_) => Opcode::Result,
            Response::Event(_) => Opcode::Event,
            Response::AuthChallenge(_) => Opcode::AuthChallenge,
            Response::AuthSuccess(_) => Opcode::AuthSuccess,
        }
    }

    pub fn encode(&self, version: Version, out: &mut Vec<u8>) {
        match self {
            Response::Error(m) => m.encode(version, out),
            Response::Ready => {}
            Response::Authenticate(m) => m.encode(out),
            Response::Supported(m) => m.encode(out),
            Response::Result(m) => m.encode(version, out),
            Response::Event(m) => m.encode(out),
            Response::AuthChallenge(m) => m.encode(out),
            Response::AuthSuccess(m) => m.encode(out),
        }
    }

    /// Decodes a message body (after the envelope). Trailing bytes are an error.
    pub fn decode(version: Version, opcode: Opcode, body: &[u8]) -> Result<Self, DecodeError> {
        let mut buf = body;
        let response = match opcode {
            Opcode::Error => Response::Error(ErrorResponse::decode(version, &mut buf)?),
            Opcode::Ready => Response::Ready,
            Opcode::Authenticate => Response::Authenticate(Authenticate::decode(&mut buf)?),
            Opcode::Supported => Response::Supported(Supported::decode(&mut buf)?),
            Opcode::Result => Response::Result(ResultBody::decode(version, &mut buf)?),
            Opcode::Event => Response::Event(Event::decode(&mut buf)?),
            Opcode::AuthChallenge => Response::AuthChallenge(AuthChallenge::decode(&mut buf)?),
            Opcode::AuthSuccess => Response::AuthSuccess(AuthSuccess::decode(&mut buf)?),
            other => {
                return Err(DecodeError::Malformed(format!(
                    "{other:?} is not a response opcode"
                )));
            }
        };
        if !buf.is_empty() {
            return Err(DecodeError::TrailingBytes(buf.len()));
        }
        Ok(response)
    }
}
