//! AUTH_RESPONSE (spec §4.1.2): the SASL token as `[bytes]`.

use crate::error::DecodeError;
use crate::wire;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthResponse<'a> {
    pub token: Option<&'a [u8]>,
}

impl<'a> AuthResponse<'a> {
    pub fn decode(buf: &mut &'a [u8]) -> Result<Self, DecodeError> {
        Ok(Self {
            token: wire::read_bytes(buf)?,
        })
    }

    pub fn encode(&self, out: &mut Vec<u8>) {
        wire::write_bytes(out, self.token);
    }
}
