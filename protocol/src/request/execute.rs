//! EXECUTE (spec §4.1.6): `<id [short bytes]>`, in v5 also
//! `<result_metadata_id [short bytes]>`, then the query parameters.

use super::query::QueryParameters;
use crate::error::DecodeError;
use crate::frame::Version;
use crate::wire;

#[derive(Debug, Clone, PartialEq)]
pub struct Execute<'a> {
    pub id: &'a [u8],
    pub result_metadata_id: Option<&'a [u8]>,
    pub params: QueryParameters<'a>,
}

impl<'a> Execute<'a> {
    pub fn decode(version: Version, buf: &mut &'a [u8]) -> Result<Self, DecodeError> {
        let id = wire::read_short_bytes(buf)?;
        let result_metadata_id = if version >= Version::V5 {
            Some(wire::read_short_bytes(buf)?)
        } else {
            None
        };
        let params = QueryParameters::decode(version, buf)?;
        Ok(Self {
            id,
            result_metadata_id,
            params,
        })
    }

    pub fn encode(&self, version: Version, out: &mut Vec<u8>) {
        wire::write_short_bytes(out, self.id);
        if version >= Version::V5 {
            wire::write_short_bytes(out, self.result_metadata_id.unwrap_or_default());
        }
        self.params.encode(version, out);
    }
}
