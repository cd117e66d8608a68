//! From storage results to CQL rows: every column's serialized value (null
//! when absent), with the write time and TTL of each regular or static cell
//! for `writetime()` and `ttl()`.
//!
//! Non-frozen collections come back from storage as one cell per element;
//! they are reassembled here into the serialized collection, ordered by the
//! element type (sets, maps) or by cell path (lists, whose paths are
//! time-ordered).

use sibyl_protocol::types::ColumnType;
use sibyl_storage::mutation::{Cell, CellValue, ColumnData, ComplexColumn, Row};
use sibyl_storage::query::ResultPartition;

use crate::dht::split_partition_key;
use crate::schema::{ColumnKind, TableMetadata, params::storage_value_type};

/// One row of a table as CQL sees it; indexes follow `table.columns`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CqlRow {
    pub values: Vec<Option<Vec<u8>>>,
    /// Write time (µs) of simple cells; for collections the latest element.
    pub writetimes: Vec<Option<i64>>,
    /// Remaining TTL in seconds of expiring cells.
    pub ttls: Vec<Option<i32>>,
    /// Only from [`decode_partition_cells`]: for each non-frozen collection
    /// column, its live elements' write times and TTLs, in element order
    /// (`writetime(s)`, `ttl(m['k'])`). Empty otherwise.
    pub cells: Vec<Option<Vec<ElementCell>>>,
}

/// One live element of a non-frozen collection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ElementCell {
    /// The cell path: the element of a set, the key of a map, a list's id.
    pub path: Vec<u8>,
    pub timestamp_us: i64,
    /// Remaining TTL in seconds, for an expiring element.
    pub ttl_s: Option<i32>,
}

fn push_collection_len(out: &mut Vec<u8>, n: usize) {
    out.extend_from_slice(&(n as i32).to_be_bytes());
}

fn push_element(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&(bytes.len() as i32).to_be_bytes());
    out.extend_from_slice(bytes);
}

fn cell_bytes(cell: &Cell) -> Vec<u8> {
    match &cell.value {
        CellValue::Bytes(bytes) => bytes.clone(),
        CellValue::Counter(context) => context.total().to_be_bytes().to_vec(),
    }
}

/// Serializes a multi-cell column from its live element cells.
fn assemble(ty: &ColumnType, complex: &ComplexColumn, now_s: i64) -> Option<Vec<u8>> {
    let mut cells: Vec<(&Vec<u8>, &Cell)> = complex
        .cells
        .iter()
        .filter(|(_, c)| c.is_live(now_s))
        .collect();
    if cells.is_empty() {
        return None;
    }
    let mut out = Vec::new();
    match ty {
        ColumnType::Set(element) | ColumnType::Map(element, _) => {
            let order = storage_value_type(element);
            cells.sort_by(|a, b| order.compare(a.0, b.0));
            push_collection_len(&mut out, cells.len());
            for (path, cell) in cells {
                push_element(&mut out, path);
                if matches!(ty, ColumnType::Map(..)) {
                    push_element(&mut out, &cell_bytes(cell));
                }
            }
        }
        ColumnType::List(_) => {
            push_collection_len(&mut out, cells.len());
            for (_, cell) in cells {
                push_element(&mut out, &cell_bytes(cell));
            }
        }
        ColumnType::Udt { fields, .. } => {
            // Paths are big-endian field indexes; absent fields are null.
            for index in 0..fields.len() {
                let path = (index as u16).to_be_bytes();
                match cells.iter().find(|(p, _)| p.as_slice() == path) {
                    Some((_, cell)) => push_element(&mut out, &cell_bytes(cell)),
                    None => out.extend_from_slice(&(-1i32).to_be_bytes()),
                }
            }
        }
        _ => return None,
    }
    Some(out)
}

/// The live elements of a non-frozen collection with their times, in the
/// order `assemble` puts the elements.
fn element_cells(ty: &ColumnType, complex: &ComplexColumn, now_s: i64) -> Vec<ElementCell> {
    let mut cells: Vec<ElementCell> = complex
        .cells
        .iter()
        .filter(|(_, c)| c.is_live(now_s))
        .map(|(path, cell)| ElementCell {
            path: path.clone(),
            timestamp_us: cell.timestamp_us,
            ttl_s: cell
                .is_expiring()
                .then(|| (cell.local_deletion_time_s - now_s).max(0) as i32),
        })
        .collect();
    if let ColumnType::Set(element) | ColumnType::Map(element, _) = ty {
        let order = storage_value_type(element);
        cells.sort_by(|a, b| order.compare(&a.path, &b.path));
    }
    cells
}

fn fill_cells(
    table: &TableMetadata,
    row: &Row,
    now_s: i64,
    kind: ColumnKind,
    with_cells: bool,
    out: &mut CqlRow,
) {
    for (index, column) in table.columns.iter().enumerate() {
        if column.kind != kind {
            continue;
        }
        let Some(data) = row.columns.get(&column.id) else {
            continue;
        };
        let (value, cell_for_meta) = match data {
            ColumnData::Simple(cell) if cell.is_live(now_s) => (Some(cell_bytes(cell)), Some(cell)),
            ColumnData::Simple(_) => (None, None),
            ColumnData::Complex(complex) => {
                if with_cells && let Some(slot) = out.cells.get_mut(index) {
                    *slot = Some(element_cells(&column.column_type, complex, now_s));
                }
                let latest = complex
                    .cells
                    .values()
                    .filter(|c| c.is_live(now_s))
                    .max_by_key(|c| c.timestamp_us);
                (assemble(&column.column_type, complex, now_s), latest)
            }
        };
        if let (Some(value), Some(cell)) = (value, cell_for_meta) {
            out.values[index] = Some(value);
            out.writetimes[index] = Some(cell.timestamp_us);
            if cell.is_expiring() {
                out.ttls[index] = Some((cell.local_deletion_time_s - now_s).max(0) as i32);
            }
        }
    }
}

/// Appends the CQL rows of one partition. A partition with live static
/// cells but no live rows yields one row with null clustering and regular
/// columns, as in Cassandra.
pub fn decode_partition(
    table: &TableMetadata,
    partition: &ResultPartition,
    now_s: i64,
    out: &mut Vec<CqlRow>,
) {
    decode(table, partition, now_s, false, out);
}

/// [`decode_partition`], also keeping every collection element's write time
/// and TTL in [`CqlRow::cells`].
pub fn decode_partition_cells(
    table: &TableMetadata,
    partition: &ResultPartition,
    now_s: i64,
    out: &mut Vec<CqlRow>,
) {
    decode(table, partition, now_s, true, out);
}

fn decode(
    table: &TableMetadata,
    partition: &ResultPartition,
    now_s: i64,
    with_cells: bool,
    out: &mut Vec<CqlRow>,
) {
    let width = table.columns.len();
    let mut base = CqlRow {
        values: vec![None; width],
        writetimes: vec![None; width],
        ttls: vec![None; width],
        cells: if with_cells {
            vec![None; width]
        } else {
            Vec::new()
        },
    };
    let pk_len = table.partition_key_len();
    if let Some(parts) = split_partition_key(&partition.key, pk_len) {
        for (i, column) in table.partition_key().enumerate() {
            if let (Some(index), Some(part)) = (
                table.columns.iter().position(|c| c.name == column.name),
                parts.get(i),
            ) {
                base.values[index] = Some(part.to_vec());
            }
        }
    }
    if let Some(static_row) = &partition.static_row {
        fill_cells(
            table,
            static_row,
            now_s,
            ColumnKind::Static,
            with_cells,
            &mut base,
        );
    }
    if partition.rows.is_empty() {
        let has_static = base
            .values
            .iter()
            .zip(&table.columns)
            .any(|(v, c)| c.kind == ColumnKind::Static && v.is_some());
        if has_static {
            out.push(base);
        }
        return;
    }
    let clustering_indexes: Vec<usize> = table
        .columns
        .iter()
        .enumerate()
        .filter(|(_, c)| c.kind == ColumnKind::Clustering)
        .map(|(i, _)| i)
        .collect();
    for result_row in &partition.rows {
        let mut row = base.clone();
        for (position, index) in clustering_indexes.iter().enumerate() {
            row.values[*index] = result_row.clustering.get(position).cloned();
        }
        fill_cells(
            table,
            &result_row.row,
            now_s,
            ColumnKind::Regular,
            with_cells,
            &mut row,
        );
        out.push(row);
    }
}
