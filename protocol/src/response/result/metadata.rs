//! Rows metadata (spec §4.2.5.2):
//!
//! ```text
//! <flags [int]><columns_count [int]>[<paging_state [bytes]>]
//!   [<new_metadata_id [short bytes]>]                        (v5, flag 0x0008)
//!   [<global_table_spec>?<col_spec_1>...<col_spec_n>]        (unless flag 0x0004)
//! <global_table_spec> = <keyspace [string]><table [string]>  (flag 0x0001)
//! <col_spec_i> = [<keyspace><table>]<name [string]><type [option]>
//! ```

use crate::error::DecodeError;
use crate::types::ColumnType;
use crate::wire;

pub(crate) const GLOBAL_TABLES_SPEC: i32 = 0x0001;
pub(crate) const HAS_MORE_PAGES: i32 = 0x0002;
pub(crate) const NO_METADATA: i32 = 0x0004;
pub(crate) const METADATA_CHANGED: i32 = 0x0008;

/// One result or bind column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnSpec {
    pub keyspace: String,
    pub table: String,
    pub name: String,
    pub column_type: ColumnType,
}

/// Writes column specs, with a global table spec when all share one table.
pub(crate) fn encode_column_specs<'a>(
    columns: &'a [ColumnSpec],
    flags: &mut i32,
) -> impl FnOnce(&mut Vec<u8>) + use<'a> {
    let global = columns.first().filter(|first| {
        columns
            .iter()
            .all(|c| c.keyspace == first.keyspace && c.table == first.table)
    });
    if global.is_some() {
        *flags |= GLOBAL_TABLES_SPEC;
    }
    move |out: &mut Vec<u8>| {
        if let Some(first) = global {
            wire::write_string(out, &first.keyspace);
            wire::write_string(out, &first.table);
        }
        for column in columns {
            if global.is_none() {
                wire::write_string(out, &column.keyspace);
                wire::write_string(out, &column.table);
            }
            wire::write_string(out, &column.name);
            column.column_type.write(out);
        }
    }
}

pub(crate) fn decode_column_specs(
    flags: i32,
    count: usize,
    buf: &mut &[u8],
) -> Result<Vec<ColumnSpec>, DecodeError> {
    let global = if flags & GLOBAL_TABLES_SPEC != 0 {
        Some((
            wire::read_string(buf)?.to_owned(),
            wire::read_string(buf)?.to_owned(),
        ))
    } else {
        None
    };
    let mut columns = Vec::with_capacity(count.min(buf.len() / 4));
    for _ in 0..count {
        let (keyspace, table) = match &global {
            Some((ks, t)) => (ks.clone(), t.clone()),
            None => (
                wire::read_string(buf)?.to_owned(),
                wire::read_string(buf)?.to_owned(),
            ),
        };
        let name = wire::read_string(buf)?.to_owned();
        let column_type = ColumnType::read(buf)?;
        columns.push(ColumnSpec {
            keyspace,
            table,
            name,
            column_type,
        });
    }
    Ok(columns)
}

pub(crate) fn read_count(buf: &mut &[u8]) -> Result<usize, DecodeError> {
    let n = wire::read_int(buf)?;
    usize::try_from(n).map_err(|_| DecodeError::NegativeLength(n))
}

/// Metadata of a ROWS result, also the result part of PREPARED.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RowsMetadata {
    /// Column count; equals `columns.len()` unless `no_metadata`.
    pub columns_count: usize,
    pub paging_state: Option<Vec<u8>>,
    /// v5: set when the client's result_metadata_id is stale.
    pub new_metadata_id: Option<Vec<u8>>,
    /// The client asked to skip metadata (EXECUTE with skip_metadata).
    pub no_metadata: bool,
    pub columns: Vec<ColumnSpec>,
}

impl RowsMetadata {
    pub fn new(columns: Vec<ColumnSpec>) -> Self {
        Self {
            columns_count: columns.len(),
            columns,
            ..Default::default()
        }
    }

    pub fn encode(&self, out: &mut Vec<u8>) {
        let mut flags = 0;
        if self.paging_state.is_some() {
            flags |= HAS_MORE_PAGES;
        }
        if self.new_metadata_id.is_some() {
            flags |= METADATA_CHANGED;
        }
        let write_columns = if self.no_metadata {
            flags |= NO_METADATA;
            None
        } else {
            Some(encode_column_specs(&self.columns, &mut flags))
        };
        wire::write_int(out, flags);
        wire::write_int(out, i32::try_from(self.columns_count).unwrap_or(i32::MAX));
        if let Some(state) = &self.paging_state {
            wire::write_bytes(out, Some(state));
        }
        if let Some(id) = &self.new_metadata_id {
            wire::write_short_bytes(out, id);
        }
        if let Some(write_columns) = write_columns {
            write_columns(out);
        }
    }

    pub fn decode(buf: &mut &[u8]) -> Result<Self, DecodeError> {
        let flags = wire::read_int(buf)?;
        let columns_count = read_count(buf)?;
        let paging_state = if flags & HAS_MORE_PAGES != 0 {
            wire::read_bytes(buf)?.map(<[u8]>::to_vec)
        } else {
            None
        };
        let new_metadata_id = if flags & METADATA_CHANGED != 0 {
            Some(wire::read_short_bytes(buf)?.to_vec())
        } else {
            None
        };
        let no_metadata = flags & NO_METADATA != 0;
        let columns = if no_metadata {
            Vec::new()
        } else {
            decode_column_specs(flags, columns_count, buf)?
        };
        Ok(Self {
            columns_count,
            paging_state,
            new_metadata_id,
            no_metadata,
            columns,
        })
    }
}
