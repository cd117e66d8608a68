//! AUTHENTICATE (spec §4.2.3), AUTH_CHALLENGE (§4.2.7), AUTH_SUCCESS (§4.2.8).

use crate::error::DecodeError;
use crate::wire;

/// AUTHENTICATE: the authenticator's Java class name as `[string]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authenticate {
    pub authenticator: String,
}

impl Authenticate {
    pub fn decode(buf: &mut &[u8]) -> Result<Self, DecodeError> {
        Ok(Self {
            authenticator: wire::read_string(buf)?.to_owned(),
        })
    }

    pub fn encode(&self, out: &mut Vec<u8>) {
        wire::write_string(out, &self.authenticator);
    }
}

/// AUTH_CHALLENGE: a SASL token as `[bytes]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthChallenge {
    pub token: Option<Vec<u8>>,
}

impl AuthChallenge {
    pub fn decode(buf: &mut &[u8]) -> Result<Self, DecodeError> {
        Ok(Self {
            token: wire::read_bytes(buf)?.map(<[u8]>::to_vec),
        })
    }

    pub fn encode(&self, out: &mut Vec<u8>) {
        wire::write_bytes(out, self.token.as_deref());
    }
}

/// AUTH_SUCCESS: a final SASL token as `[bytes]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthSuccess {
    pub token: Option<Vec<u8>>,
}

impl AuthSuccess {
    pub fn decode(buf: &mut &[u8]) -> Result<Self, DecodeError> {
        Ok(Self {
            token: wire::read_bytes(buf)?.map(<[u8]>::to_vec),
        })
    }

    pub fn encode(&self, out: &mut Vec<u8>) {
        wire::write_bytes(out, self.token.as_deref());
    }
}
