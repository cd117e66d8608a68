//! Building storage mutations for one partition of one table: cells with
//! the statement's timestamp and TTL, tombstones, and non-frozen collections
//! written element by element (Cassandra's layout: a collection tombstone just
//! below the write timestamp, then one cell per element).
//!
//! List elements need a path that orders them; ours is time-ordered:
//! `[timestamp ^ sign bit][shard][counter]`, big-endian, so appends sort last
//! and prepends (a mirrored timestamp) sort first, newest prepend first.

use std::cell::Cell as StdCell;

use sibyl_protocol::types::ColumnType;
use sibyl_storage::mutation::{
    Cell, ColumnData, ComplexColumn, DeletionTime, LivenessInfo, Mutation, PartitionUpdate, Row,
};

use super::CqlError;
use crate::dht::{serialize_partition_key, token_of_key};
use crate::schema::{ColumnKind, ColumnMetadata, TableMetadata};

/// Timestamp, TTL and clock of one write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriteOptions {
    pub timestamp_us: i64,
    /// 0: the cells do not expire.
    pub ttl_s: u32,
    pub now_s: i64,
}

thread_local! {
    static LIST_PATH_COUNTER: StdCell<u64> = const { StdCell::new(0) };
}

/// A fresh list cell path that sorts after (append) or before (prepend)
/// every path made earlier.
pub fn list_path(timestamp_us: i64, shard: u16, prepend: bool) -> Vec<u8> {
    let counter = LIST_PATH_COUNTER.with(|c| {
        let n = c.get().wrapping_add(1);
        c.set(n);
        n
    });
    let time = (timestamp_us as u64) ^ (1 << 63);
    let (time, counter) = if prepend {
        (u64::MAX - time, u64::MAX - counter)
    } else {
        (time, counter)
    };
    let mut path = Vec::with_capacity(16);
    path.extend_from_slice(&time.to_be_bytes());
    path.extend_from_slice(&shard.to_be_bytes());
    path.extend_from_slice(&counter.to_be_bytes()[2..]);
    path
}

/// Splits a serialized v3+ collection into its elements (`[int n]` then
/// `[int len][bytes]` each; maps alternate keys and values).
pub fn collection_elements(bytes: &[u8]) -> Result<Vec<&[u8]>, CqlError> {
    let malformed = || CqlError::invalid("Invalid collection value: not enough bytes");
    let (n, mut rest) = bytes.split_first_chunk::<4>().ok_or_else(malformed)?;
    let n = i32::from_be_bytes(*n);
    let mut out = Vec::with_capacity((n.max(0) as usize).min(rest.len() / 4));
    while !rest.is_empty() {
        let (len, tail) = rest.split_first_chunk::<4>().ok_or_else(malformed)?;
        let len = i32::from_be_bytes(*len);
        let (element, tail) = tail
            .split_at_checked(len.max(0) as usize)
            .ok_or_else(malformed)?;
        out.push(element);
        rest = tail;
    }
    Ok(out)
}

/// Splits a serialized UDT into its fields (`[bytes]` each, null allowed).
pub fn udt_fields(bytes: &[u8]) -> Result<Vec<Option<&[u8]>>, CqlError> {
    let mut rest = bytes;
    let mut out = Vec::new();
    while !rest.is_empty() {
        let (len, tail) = rest
            .split_first_chunk::<4>()
            .ok_or_else(|| CqlError::invalid("Invalid user type value"))?;
        let len = i32::from_be_bytes(*len);
        if len < 0 {
            out.push(None);
            rest = tail;
            continue;
        }
        let (field, tail) = tail
            .split_at_checked(len as usize)
            .ok_or_else(|| CqlError::invalid("Invalid user type value"))?;
        out.push(Some(field));
        rest = tail;
    }
    Ok(out)
}

/// Accumulates the update of one partition.
#[derive(Debug)]
pub struct PartitionWriter<'a> {
    table: &'a TableMetadata,
    pub options: WriteOptions,
    shard: u16,
    update: PartitionUpdate,
}

impl<'a> PartitionWriter<'a> {
    pub fn new(
        table: &'a TableMetadata,
        key_components: &[&[u8]],
        options: WriteOptions,
        shard: u16,
    ) -> Self {
        let key = serialize_partition_key(key_components);
        let token = token_of_key(&key).0;
        Self {
            table,
            options,
            shard,
            update: PartitionUpdate::new(key, token),
        }
    }

    pub fn token(&self) -> i64 {
        self.update.token
    }

    fn cell(&self, value: Vec<u8>) -> Cell {
        if self.options.ttl_s > 0 {
            Cell::expiring(
                self.options.timestamp_us,
                self.options.ttl_s,
                self.options.now_s,
                value,
            )
        } else {
            Cell::live(self.options.timestamp_us, value)
        }
    }

    fn tombstone(&self) -> Cell {
        Cell::tombstone(self.options.timestamp_us, self.options.now_s)
    }

    /// The row for `clustering` (the static row for static columns).
    pub fn row_mut(&mut self, clustering: &[Vec<u8>], kind: ColumnKind) -> &mut Row {
        if kind == ColumnKind::Static {
            return &mut self.update.static_row;
        }
        let position = self
            .update
            .rows
            .iter()
            .position(|(c, _)| c.as_slice() == clustering);
        let index = match position {
            Some(index) => index,
            None => {
                self.update.rows.push((clustering.to_vec(), Row::default()));
                self.update.rows.len() - 1
            }
        };
        &mut self.update.rows[index].1
    }

    /// INSERT's row marker: the row exists even with every column null.
    pub fn add_row_marker(&mut self, clustering: &[Vec<u8>]) {
        let marker = if self.options.ttl_s > 0 {
            LivenessInfo::expiring(
                self.options.timestamp_us,
                self.options.ttl_s,
                self.options.now_s,
            )
        } else {
            LivenessInfo::new(self.options.timestamp_us)
        };
        self.row_mut(clustering, ColumnKind::Regular).marker = Some(marker);
    }

    /// Sets a column to a serialized value, or deletes it (`None`). A whole
    /// non-frozen collection replaces what was there.
    pub fn set_column(
        &mut self,
        clustering: &[Vec<u8>],
        column: &ColumnMetadata,
        value: Option<&[u8]>,
    ) -> Result<(), CqlError> {
        if !column.multi_cell {
            let cell = match value {
                Some(v) => self.cell(v.to_vec()),
                None => self.tombstone(),
            };
            self.row_mut(clustering, column.kind)
                .columns
                .insert(column.id, ColumnData::Simple(cell));
            return Ok(());
        }
        let mut complex = ComplexColumn {
            deletion: DeletionTime::new(self.options.timestamp_us - 1, self.options.now_s),
            ..ComplexColumn::default()
        };
        if let Some(bytes) = value {
            self.add_elements(&mut complex, &column.column_type, bytes, false)?;
        }
        self.row_mut(clustering, column.kind)
            .columns
            .insert(column.id, ColumnData::Complex(complex));
        Ok(())
    }

    /// Adds elements to a non-frozen collection without removing others
    /// (`s = s + {..}`, `l = l + [..]`, `m = m + {..}`, prepend).
    pub fn add_to_collection(
        &mut self,
        clustering: &[Vec<u8>],
        column: &ColumnMetadata,
        bytes: &[u8],
        prepend: bool,
    ) -> Result<(), CqlError> {
        let mut complex = ComplexColumn::default();
        self.add_elements(&mut complex, &column.column_type, bytes, prepend)?;
        self.merge_complex(clustering, column, complex);
        Ok(())
    }

    /// Removes elements by path (`s = s - {..}`, `DELETE m['k']`).
    pub fn remove_elements(
        &mut self,
        clustering: &[Vec<u8>],
        column: &ColumnMetadata,
        paths: Vec<Vec<u8>>,
    ) {
        let mut complex = ComplexColumn::default();
        for path in paths {
            complex.cells.insert(path, self.tombstone());
        }
        self.merge_complex(clustering, column, complex);
    }

    /// Sets one element by path (`m['k'] = v`, `u.f = v`); `None` deletes it.
    pub fn set_element(
        &mut self,
        clustering: &[Vec<u8>],
        column: &ColumnMetadata,
        path: Vec<u8>,
        value: Option<&[u8]>,
    ) {
        let cell = match value {
            Some(v) => self.cell(v.to_vec()),
            None => self.tombstone(),
        };
        let mut complex = ComplexColumn::default();
        complex.cells.insert(path, cell);
        self.merge_complex(clustering, column, complex);
    }

    fn merge_complex(
        &mut self,
        clustering: &[Vec<u8>],
        column: &ColumnMetadata,
        complex: ComplexColumn,
    ) {
        let row = self.row_mut(clustering, column.kind);
        match row.columns.get_mut(&column.id) {
            Some(ColumnData::Complex(existing)) => {
                existing.deletion = existing.deletion.max(complex.deletion);
                existing.cells.extend(complex.cells);
            }
            _ => {
                row.columns.insert(column.id, ColumnData::Complex(complex));
            }
        }
    }

    fn add_elements(
        &self,
        complex: &mut ComplexColumn,
        ty: &ColumnType,
        bytes: &[u8],
        prepend: bool,
    ) -> Result<(), CqlError> {
        match ty {
            ColumnType::Set(_) => {
                for element in collection_elements(bytes)? {
                    complex
                        .cells
                        .insert(element.to_vec(), self.cell(Vec::new()));
                }
            }
            ColumnType::Map(..) => {
                let elements = collection_elements(bytes)?;
                for pair in elements.chunks(2) {
                    if let [key, value] = pair {
                        complex
                            .cells
                            .insert(key.to_vec(), self.cell(value.to_vec()));
                    }
                }
            }
            ColumnType::List(_) => {
                let elements = collection_elements(bytes)?;
                // Prepended elements keep their order: the last one is made first.
                let ordered: Vec<&[u8]> = if prepend {
                    elements.into_iter().rev().collect()
                } else {
                    elements
                };
                for element in ordered {
                    complex.cells.insert(
                        list_path(self.options.timestamp_us, self.shard, prepend),
                        self.cell(element.to_vec()),
                    );
                }
            }
            ColumnType::Udt { .. } => {
                for (index, field) in udt_fields(bytes)?.into_iter().enumerate() {
                    let path = (index as u16).to_be_bytes().to_vec();
                    let cell = match field {
                        Some(v) => self.cell(v.to_vec()),
                        None => self.tombstone(),
                    };
                    complex.cells.insert(path, cell);
                }
            }
            other => {
                return Err(CqlError::server(format!(
                    "{} is not a multi-cell type",
                    other.cql_name()
                )));
            }
        }
        Ok(())
    }

    /// Deletes one row (`DELETE FROM t WHERE <full primary key>`).
    pub fn delete_row(&mut self, clustering: &[Vec<u8>]) {
        let deletion = DeletionTime::new(self.options.timestamp_us, self.options.now_s);
        self.row_mut(clustering, ColumnKind::Regular).deletion = deletion;
    }

    /// Deletes the whole partition.
    pub fn delete_partition(&mut self) {
        self.update.deletion = DeletionTime::new(self.options.timestamp_us, self.options.now_s);
    }

    /// Deletes a clustering range (`DELETE ... WHERE pk = ? AND c > ?`).
    pub fn delete_range(&mut self, slice: sibyl_storage::mutation::ClusteringSlice) {
        let deletion = DeletionTime::new(self.options.timestamp_us, self.options.now_s);
        self.update
            .range_tombstones
            .push(sibyl_storage::mutation::RangeTombstone { slice, deletion });
    }

    pub fn is_empty(&self) -> bool {
        self.update.rows.is_empty()
            && self.update.static_row.is_empty()
            && self.update.deletion.is_live()
            && self.update.range_tombstones.is_empty()
    }

    pub fn into_mutation(self) -> Mutation {
        Mutation::new(self.table.storage_id, self.update)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_paths_order_appends_last_and_prepends_first() {
        let a = list_path(1_000, 0, false);
        let b = list_path(1_000, 0, false);
        let c = list_path(2_000, 1, false);
        let p1 = list_path(3_000, 0, true);
        let p2 = list_path(4_000, 0, true);
        assert!(a < b && b < c, "appends in order");
        assert!(
            p2 < p1 && p1 < a,
            "newer prepends first, all before appends"
        );
    }

    #[test]
    fn collections_split_into_elements() {
        let mut bytes = 2i32.to_be_bytes().to_vec();
        for e in [&b"ab"[..], b"c"] {
            bytes.extend((e.len() as i32).to_be_bytes());
            bytes.extend_from_slice(e);
        }
        assert_eq!(
            collection_elements(&bytes).expect("valid"),
            vec![&b"ab"[..], b"c"]
        );
        assert!(collection_elements(&bytes[..bytes.len() - 1]).is_err());
    }
}
