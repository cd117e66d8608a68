//! What one write may carry: Cassandra refuses a mutation larger than
//! `max_mutation_size` (by default half a commitlog segment) with an
//! invalid request, instead of letting it reach the commitlog.

use sibyl_protocol::types::CqlValue;
use sibyl_storage::mutation::{ColumnData, Mutation, PartitionUpdate, Row};

use crate::cql3::{CqlError, CqlResult};
use crate::schema::TableMetadata;
use crate::service::ShardServices;

/// Encoded bytes a cell, row or column may add beyond its values (varint
/// timestamps, TTLs, deletion times, lengths and flags), as an upper bound.
const OVERHEAD_BYTES_PER_ITEM: usize = 48;

/// Bytes of cell values and keys a mutation carries, as the batch size
/// thresholds count them.
pub fn mutation_size(mutation: &Mutation) -> usize {
    update_size(&mutation.update)
}

fn update_size(update: &PartitionUpdate) -> usize {
    use sibyl_storage::mutation::CellValue;
    let cell_size = |value: &CellValue| match value {
        CellValue::Bytes(bytes) => bytes.len(),
        CellValue::Counter(_) => 8,
    };
    let row_size = |row: &Row| -> usize {
        row.columns
            .values()
            .map(|data| match data {
                ColumnData::Simple(cell) => cell_size(&cell.value),
                ColumnData::Complex(complex) => complex
                    .cells
                    .iter()
                    .map(|(p, c)| p.len() + cell_size(&c.value))
                    .sum(),
            })
            .sum()
    };
    update.key.len()
        + row_size(&update.static_row)
        + update
            .rows
            .iter()
            .map(|(c, r)| c.iter().map(Vec::len).sum::<usize>() + row_size(r))
            .sum::<usize>()
}

/// Cells, rows and columns a mutation carries, for the overhead bound.
fn item_count(update: &PartitionUpdate) -> usize {
    let row_items = |row: &Row| -> usize {
        1 + row
            .columns
            .values()
            .map(|data| match data {
                ColumnData::Simple(_) => 1,
                ColumnData::Complex(complex) => 1 + complex.cells.len(),
            })
            .sum::<usize>()
    };
    1 + update.range_tombstones.len()
        + row_items(&update.static_row)
        + update
            .rows
            .iter()
            .map(|(c, r)| c.len() + row_items(r))
            .sum::<usize>()
}

/// Cassandra's `max_mutation_size`: half of `commitlog_segment_size`.
pub(super) fn max_mutation_bytes(services: &ShardServices) -> usize {
    (services.settings.commitlog_segment_size_bytes / 2) as usize
}

/// Refuses `mutation` when its encoded size is over `max_bytes`, with
/// Cassandra's message. Only mutations near the limit are encoded to
/// measure them; the rest pass on a cheap upper bound.
pub(super) fn check_mutation_size(
    table: &TableMetadata,
    update: &PartitionUpdate,
    max_bytes: usize,
) -> CqlResult<()> {
    let bound = update_size(update) + OVERHEAD_BYTES_PER_ITEM * item_count(update);
    if bound <= max_bytes {
        return Ok(());
    }
    let mut encoded = Vec::new();
    sibyl_storage::mutation::codec::encode_partition(update, &mut encoded);
    if encoded.len() <= max_bytes {
        return Ok(());
    }
    Err(CqlError::invalid(format!(
        "Rejected an oversized mutation ({}/{max_bytes}) for keyspace: {}. Top keys are: {}.{}",
        encoded.len(),
        table.keyspace,
        table.name,
        key_text(table, &update.key)
    )))
}

/// A partition key as Cassandra prints it in messages: each component's
/// value (text unquoted), joined by `:`.
fn key_text(table: &TableMetadata, key: &[u8]) -> String {
    let columns: Vec<_> = table.partition_key().collect();
    let Some(parts) = crate::dht::split_partition_key(key, columns.len()) else {
        return String::new();
    };
    parts
        .iter()
        .zip(&columns)
        .map(
            |(part, column)| match CqlValue::decode(&column.column_type, part) {
                Ok(CqlValue::Text(text) | CqlValue::Ascii(text)) => text,
                Ok(value) => value.to_cql_literal(),
                Err(_) => String::new(),
            },
        )
        .collect::<Vec<_>>()
        .join(":")
}
