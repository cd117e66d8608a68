//! PREPARE (spec §4.1.5): `<query [long string]>`, and in v5
//! `<flags [int]>[<keyspace [string]>]` (flag 0x01: keyspace present).

use crate::error::DecodeError;
use crate::frame::Version;
use crate::wire;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prepare<'a> {
    pub query: &'a str,
    pub keyspace: Option<&'a str>,
}

impl<'a> Prepare<'a> {
    pub fn decode(version: Version, buf: &mut &'a [u8]) -> Result<Self, DecodeError> {
        let query = wire::read_long_string(buf)?;
        let mut keyspace = None;
        if version >= Version::V5 {
            let flags = wire::read_int(buf)?;
            if flags & 0x01 != 0 {
                keyspace = Some(wire::read_string(buf)?);
            }
        }
        Ok(Self { query, keyspace })
    }

    pub fn encode(&self, version: Version, out: &mut Vec<u8>) {
        wire::write_long_string(out, self.query);
        if version >= Version::V5 {
            wire::write_int(out, i32::from(self.keyspace.is_some()));
            if let Some(ks) = self.keyspace {
                wire::write_string(out, ks);
            }
        }
    }
}
