//! Requests (spec §4.1), one module per opcode. Decoders borrow from the frame
//! body; encoders exist for tests and tools that act as clients.

mod auth_response;
mod batch;
mod execute;
mod prepare;
mod query;
mod register;
mod startup;

pub use auth_response::AuthResponse;
pub use batch::{Batch, BatchStatement, BatchType};
pub use execute::Execute;
pub use prepare::Prepare;
pub use query::{BoundValues, Query, QueryFlags, QueryParameters, encode_values};
pub use register::Register;
pub use startup::Startup;

use crate::error::DecodeError;
use crate::frame::{Opcode, Version};

/// Any request message.
#[derive(Debug, Clone, PartialEq)]
pub enum Request<'a> {
    Startup(Startup<'a>),
    AuthResponse(AuthResponse<'a>),
    Options,
    Query(Query<'a>),
    Prepare(Prepare<'a>),
    Execute(Execute<'a>),
    Batch(Batch<'a>),
    Register(Register<'a>),
}

impl<'a> Request<'a> {
    /// Decodes a message body (after the envelope). Trailing bytes are an error.
    pub fn decode(version: Version, opcode: Opcode, body: &'a [u8]) -> Result<Self, DecodeError> {
        let mut buf = body;
        let request = match opcode {
            Opcode::Startup => Request::Startup(Startup::decode(&mut buf)?),
            Opcode::AuthResponse => Request::AuthResponse(AuthResponse::decode(&mut buf)?),
            Opcode::Options => Request::Options,
            Opcode::Query => Request::Query(Query::decode(version, &mut buf)?),
            Opcode::Prepare => Request::Prepare(Prepare::decode(version, &mut buf)?),
            Opcode::Execute => Request::Execute(Execute::decode(version, &mut buf)?),
            Opcode::Batch => Request::Batch(Batch::decode(version, &mut buf)?),
            Opcode::Register => Request::Register(Register::decode(&mut buf)?),
            other => {
                return Err(DecodeError::Malformed(format!(
                    "{other:?} is not a request opcode"
                )));
            }
        };
        if !buf.is_empty() {
            return Err(DecodeError::TrailingBytes(buf.len()));
        }
        Ok(request)
    }

    pub fn opcode(&self) -> Opcode {
        match self {
            Request::Startup(_) => Opcode::Startup,
            Request::AuthResponse(_) => Opcode::AuthResponse,
            Request::Options => Opcode::Options,
            Request::Query(_) => Opcode::Query,
            Request::Prepare(_) => Opcode::Prepare,
            Request::Execute(_) => Opcode::Execute,
            Request::Batch(_) => Opcode::Batch,
            Request::Register(_) => Opcode::Register,
        }
    }

    pub fn encode(&self, version: Version, out: &mut Vec<u8>) {
        match self {
            Request::Startup(m) => m.encode(out),
            Request::AuthResponse(m) => m.encode(out),
            Request::Options => {}
            Request::Query(m) => m.encode(version, out),
            Request::Prepare(m) => m.encode(version, out),
            Request::Execute(m) => m.encode(version, out),
            Request::Batch(m) => m.encode(version, out),
            Request::Register(m) => m.encode(out),
        }
    }
}
