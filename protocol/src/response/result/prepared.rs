//! PREPARED (spec §4.2.5.4):
//!
//! ```text
//! <id [short bytes]>[<result_metadata_id [short bytes]>]   (the latter v5 only)
//! <metadata><result_metadata>
//! <metadata> = <flags [int]><columns_count [int]><pk_count [int]>  (pk_count v4+)
//!   [<pk_index_1 [short]>...]<global_table_spec>?<col_spec_1>...
//! ```

use super::metadata::{
    ColumnSpec, RowsMetadata, decode_column_specs, encode_column_specs, read_count,
};
use crate::error::DecodeError;
use crate::frame::Version;
use crate::wire;

/// The bind variables of a prepared statement.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PreparedMetadata {
    /// For each partition key component, the index of the bind variable that
    /// gives it; drivers build routing keys from these.
    pub pk_indexes: Vec<u16>,
    pub columns: Vec<ColumnSpec>,
}

impl PreparedMetadata {
    pub fn encode(&self, version: Version, out: &mut Vec<u8>) {
        let mut flags = 0;
        let write_columns = encode_column_specs(&self.columns, &mut flags);
        wire::write_int(out, flags);
        wire::write_int(out, i32::try_from(self.columns.len()).unwrap_or(i32::MAX));
        if version >= Version::V4 {
            wire::write_int(
                out,
                i32::try_from(self.pk_indexes.len()).unwrap_or(i32::MAX),
            );
            for index in &self.pk_indexes {
                wire::write_short(out, *index);
            }
        }
        write_columns(out);
    }

    pub fn decode(version: Version, buf: &mut &[u8]) -> Result<Self, DecodeError> {
        let flags = wire::read_int(buf)?;
        let count = read_count(buf)?;
        let mut pk_indexes = Vec::new();
        if version >= Version::V4 {
            let pk_count = read_count(buf)?;
            pk_indexes.reserve(pk_count.min(buf.len() / 2));
            for _ in 0..pk_count {
                pk_indexes.push(wire::read_short(buf)?);
            }
        }
        let columns = decode_column_specs(flags, count, buf)?;
        Ok(Self {
            pk_indexes,
            columns,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prepared {
    pub id: Vec<u8>,
    /// v5: identifies `result_metadata`; clients echo it in EXECUTE.
    pub result_metadata_id: Option<Vec<u8>>,
    pub metadata: PreparedMetadata,
    pub result_metadata: RowsMetadata,
}

impl Prepared {
    pub fn encode(&self, version: Version, out: &mut Vec<u8>) {
        wire::write_short_bytes(out, &self.id);
        if version >= Version::V5 {
            wire::write_short_bytes(out, self.result_metadata_id.as_deref().unwrap_or_default());
        }
        self.metadata.encode(version, out);
        self.result_metadata.encode(out);
    }

    pub fn decode(version: Version, buf: &mut &[u8]) -> Result<Self, DecodeError> {
        let id = wire::read_short_bytes(buf)?.to_vec();
        let result_metadata_id = if version >= Version::V5 {
            Some(wire::read_short_bytes(buf)?.to_vec())
        } else {
            None
        };
        let metadata = PreparedMetadata::decode(version, buf)?;
        let result_metadata = RowsMetadata::decode(buf)?;
        Ok(Self {
            id,
            result_metadata_id,
            metadata,
            result_metadata,
        })
    }
}
