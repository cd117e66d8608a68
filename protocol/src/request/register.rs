//! REGISTER (spec §4.1.8): a `[string list]` of event types.

use crate::error::DecodeError;
use crate::wire;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Register<'a> {
    pub events: Vec<&'a str>,
}

impl<'a> Register<'a> {
    pub fn decode(buf: &mut &'a [u8]) -> Result<Self, DecodeError> {
        Ok(Self {
            events: wire::read_string_list(buf)?,
        })
    }

    pub fn encode(&self, out: &mut Vec<u8>) {
        wire::write_string_list(out, &self.events);
    }
}
