//! RESULT (spec §4.2.5): `<kind [int]>` then a kind-specific body.

mod metadata;
mod prepared;
mod rows;
mod schema_change;

pub use metadata::{ColumnSpec, RowsMetadata};
pub use prepared::{Prepared, PreparedMetadata};
pub use rows::Rows;
pub use schema_change::{SchemaChange, SchemaChangeTarget, SchemaChangeType};

use crate::error::DecodeError;
use crate::frame::Version;
use crate::wire;

#[derive(Debug, Clone, PartialEq)]
pub enum ResultBody {
    Void,
    Rows(Rows),
    SetKeyspace(String),
    Prepared(Prepared),
    SchemaChange(SchemaChange),
}

impl ResultBody {
    pub fn kind(&self) -> i32 {
        match self {
            ResultBody::Void => 0x0001,
            ResultBody::Rows(_) => 0x0002,
            ResultBody::SetKeyspace(_) => 0x0003,
            ResultBody::Prepared(_) => 0x0004,
            ResultBody::SchemaChange(_) => 0x0005,
        }
    }

    pub fn encode(&self, version: Version, out: &mut Vec<u8>) {
        wire::write_int(out, self.kind());
        match self {
            ResultBody::Void => {}
            ResultBody::Rows(rows) => rows.encode(version, out),
            ResultBody::SetKeyspace(ks) => wire::write_string(out, ks),
            ResultBody::Prepared(prepared) => prepared.encode(version, out),
            ResultBody::SchemaChange(change) => change.encode(out),
        }
    }

    pub fn decode(version: Version, buf: &mut &[u8]) -> Result<Self, DecodeError> {
        Ok(match wire::read_int(buf)? {
            0x0001 => ResultBody::Void,
            0x0002 => ResultBody::Rows(Rows::decode(version, buf)?),
            0x0003 => ResultBody::SetKeyspace(wire::read_string(buf)?.to_owned()),
            0x0004 => ResultBody::Prepared(Prepared::decode(version, buf)?),
            0x0005 => ResultBody::SchemaChange(SchemaChange::decode(buf)?),
            other => return Err(DecodeError::UnknownResultKind(other)),
        })
    }
}
