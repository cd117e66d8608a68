//! STARTUP (spec §4.1.1): a `[string map]` of options. Only CQL_VERSION is
//! mandatory; COMPRESSION names the body compression; unknown keys are kept
//! for the server to ignore.

use crate::error::DecodeError;
use crate::wire;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Startup<'a> {
    pub options: Vec<(&'a str, &'a str)>,
}

impl<'a> Startup<'a> {
    pub fn decode(buf: &mut &'a [u8]) -> Result<Self, DecodeError> {
        Ok(Self {
            options: wire::read_string_map(buf)?,
        })
    }

    pub fn encode(&self, out: &mut Vec<u8>) {
        wire::write_string_map(out, &self.options);
    }

    /// The value of an option; keys compare case-sensitively like Cassandra.
    pub fn option(&self, key: &str) -> Option<&'a str> {
        self.options
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| *v)
    }
}
