//! A shard's secondary index over one column: indexed value -> the rows
//! (partition key, clustering) that held it when written, kept in the
//! column type's order so SAI range predicates (`<`, `>=`, ...) work as well
//! as equality and `CONTAINS` / `CONTAINS KEY`.
//!
//! Entries are added on every write the shard applies; an overwritten or
//! deleted value is not removed at write time (that would need a read before
//! every write). Instead every hit is re-checked against the row on read, so
//! a stale entry costs a lookup, never a wrong answer. The index is rebuilt
//! from the data when the shard starts or the index is created.

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashSet};
use std::ops::Bound;
use std::sync::Arc;

use sibyl_protocol::types::ColumnType;
use sibyl_storage::mutation::{CellValue, ColumnData, Row};

use crate::cql3::ast::Operator;
use crate::cql3::values::compare_values;

/// A row of the indexed table: serialized partition key and clustering.
pub type RowKey = (Vec<u8>, Vec<Vec<u8>>);

/// What part of the column the index covers (`CREATE INDEX ON t (keys(m))`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// The whole value (a frozen collection too: `full(c)`).
    Whole,
    /// Map keys.
    Keys,
    /// Set elements, list elements or map values.
    Values,
    /// Map (key, value) pairs, queried with `m[key] = value`.
    Entries,
}

/// How an `entries(m)` index holds one map entry: a (key, value) tuple.
pub fn entry_bytes(key: &[u8], value: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 + key.len() + value.len());
    for part in [key, value] {
        out.extend_from_slice(&(part.len() as i32).to_be_bytes());
        out.extend_from_slice(part);
    }
    out
}

impl Target {
    /// Parses the `target` option Cassandra stores (`c`, `keys(c)`, ...).
    pub fn parse(target: &str) -> (Self, String) {
        let strip = |prefix: &str| {
            target
                .strip_prefix(prefix)
                .and_then(|t| t.strip_suffix(')'))
                .map(str::to_owned)
        };
        if let Some(column) = strip("keys(") {
            (Target::Keys, column)
        } else if let Some(column) = strip("values(") {
            (Target::Values, column)
        } else if let Some(column) = strip("full(") {
            (Target::Whole, column)
        } else if let Some(column) = strip("entries(") {
            (Target::Entries, column)
        } else {
            (Target::Whole, target.trim_matches('"').to_owned())
        }
    }
}

/// Bytes ordered by a CQL type's comparator.
#[derive(Debug, Clone)]
struct Ordered {
    bytes: Vec<u8>,
    column_type: Arc<ColumnType>,
}

impl PartialEq for Ordered {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Ordered {}

impl PartialOrd for Ordered {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Ordered {
    fn cmp(&self, other: &Self) -> Ordering {
        compare_values(&self.column_type, &self.bytes, &other.bytes)
    }
}

#[derive(Debug)]
pub struct ValueIndex {
    column_id: u32,
    /// The type of the indexed values (the element type for collections).
    value_type: Arc<ColumnType>,
    column_type: ColumnType,
    multi_cell: bool,
    target: Target,
    entries: BTreeMap<Ordered, HashSet<RowKey>>,
    entry_count: usize,
}

impl ValueIndex {
    pub fn new(column_id: u32, column_type: &ColumnType, multi_cell: bool, target: Target) -> Self {
        let value_type = match (target, column_type) {
            (Target::Keys, ColumnType::Map(k, _)) => (**k).clone(),
            (Target::Values, ColumnType::Map(_, v)) => (**v).clone(),
            (Target::Entries, ColumnType::Map(k, v)) => {
                ColumnType::Tuple(vec![(**k).clone(), (**v).clone()])
            }
            (Target::Values, ColumnType::List(e) | ColumnType::Set(e)) => (**e).clone(),
            (_, other) => other.clone(),
        };
        Self {
            column_id,
            value_type: Arc::new(value_type),
            column_type: column_type.clone(),
            multi_cell,
            target,
            entries: BTreeMap::new(),
            entry_count: 0,
        }
    }

    pub fn value_type(&self) -> &ColumnType {
        &self.value_type
    }

    pub fn target(&self) -> Target {
        self.target
    }

    pub fn len(&self) -> usize {
        self.entry_count
    }

    fn add(&mut self, value: Vec<u8>, row: &RowKey) {
        let key = Ordered {
            bytes: value,
            column_type: self.value_type.clone(),
        };
        if self.entries.entry(key).or_default().insert(row.clone()) {
            self.entry_count += 1;
        }
    }

    /// Indexes the live values a written row carries for this column.
    pub fn index_row(&mut self, row_key: &RowKey, row: &Row) {
        let Some(data) = row.columns.get(&self.column_id) else {
            return;
        };
        match data {
            ColumnData::Simple(cell) if !cell.is_tombstone() => {
                if let CellValue::Bytes(bytes) = &cell.value {
                    match self.target {
                        Target::Whole => self.add(bytes.clone(), row_key),
                        Target::Entries => {
                            if let Ok(elements) = crate::cql3::writes::collection_elements(bytes) {
                                for pair in elements.chunks_exact(2) {
                                    if let [key, value] = pair {
                                        self.add(entry_bytes(key, value), row_key);
                                    }
                                }
                            }
                        }
                        // A frozen collection indexed by element.
                        Target::Keys | Target::Values => {
                            if let Ok(elements) = crate::cql3::writes::collection_elements(bytes) {
                                let is_map = matches!(self.column_type, ColumnType::Map(..));
                                for (i, element) in elements.iter().enumerate() {
                                    let wanted =
                                        !is_map || ((i % 2 == 0) == (self.target == Target::Keys));
                                    if wanted {
                                        self.add(element.to_vec(), row_key);
                                    }
                                }
                            }
                        }
                    }
                }
            }
            ColumnData::Simple(_) => {}
            ColumnData::Complex(complex) if self.multi_cell => {
                for (path, cell) in &complex.cells {
                    if cell.is_tombstone() {
                        continue;
                    }
                    let value = match (&self.column_type, self.target) {
                        (ColumnType::Map(..), Target::Keys) | (ColumnType::Set(_), _) => {
                            path.clone()
                        }
                        (ColumnType::Map(..), Target::Entries) => match &cell.value {
                            CellValue::Bytes(bytes) => entry_bytes(path, bytes),
                            CellValue::Counter(_) => continue,
                        },
                        (_, _) => match &cell.value {
                            CellValue::Bytes(bytes) => bytes.clone(),
                            CellValue::Counter(_) => continue,
                        },
                    };
                    self.add(value, row_key);
                }
            }
            ColumnData::Complex(_) => {}
        }
    }

    /// Rows that may match `operator value` (re-check them: entries can be stale).
    pub fn lookup(&self, operator: Operator, value: &[u8]) -> Vec<RowKey> {
        let key = Ordered {
            bytes: value.to_vec(),
            column_type: self.value_type.clone(),
        };
        let range: (Bound<&Ordered>, Bound<&Ordered>) = match operator {
            Operator::Equal | Operator::Contains | Operator::ContainsKey => {
                (Bound::Included(&key), Bound::Included(&key))
            }
            Operator::GreaterThan => (Bound::Excluded(&key), Bound::Unbounded),
            Operator::GreaterThanOrEqual => (Bound::Included(&key), Bound::Unbounded),
            Operator::LessThan => (Bound::Unbounded, Bound::Excluded(&key)),
            Operator::LessThanOrEqual => (Bound::Unbounded, Bound::Included(&key)),
            _ => return Vec::new(),
        };
        let mut rows: Vec<RowKey> = self
            .entries
            .range(range)
            .flat_map(|(_, rows)| rows.iter().cloned())
            .collect();
        rows.sort();
        rows.dedup();
        rows
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sibyl_storage::mutation::Cell;

    fn row_with(column: u32, value: &[u8]) -> Row {
        Row::default().with_cell(column, Cell::live(1, value.to_vec()))
    }

    #[test]
    fn lookups_follow_the_type_order_and_keep_every_writer() {
        let mut index = ValueIndex::new(7, &ColumnType::Int, false, Target::Whole);
        for (k, v) in [(1i32, -5i32), (2, 3), (3, 3), (4, 10)] {
            index.index_row(
                &(k.to_be_bytes().to_vec(), vec![]),
                &row_with(7, &v.to_be_bytes()),
            );
        }
        let keys = |rows: Vec<RowKey>| {
            rows.into_iter()
                .map(|(k, _)| i32::from_be_bytes(k.try_into().expect("4 bytes")))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            keys(index.lookup(Operator::Equal, &3i32.to_be_bytes())),
            vec![2, 3]
        );
        // -5 sorts first as an int even though its bytes are larger.
        assert_eq!(
            keys(index.lookup(Operator::LessThan, &0i32.to_be_bytes())),
            vec![1]
        );
        assert_eq!(
            keys(index.lookup(Operator::GreaterThanOrEqual, &3i32.to_be_bytes())),
            vec![2, 3, 4]
        );
        assert_eq!(index.len(), 4);
    }

    #[test]
    fn targets_parse_like_cassandra_stores_them() {
        assert_eq!(Target::parse("keys(m)"), (Target::Keys, "m".to_owned()));
        assert_eq!(Target::parse("values(s)"), (Target::Values, "s".to_owned()));
        assert_eq!(Target::parse("full(f)"), (Target::Whole, "f".to_owned()));
        assert_eq!(Target::parse("v"), (Target::Whole, "v".to_owned()));
        assert_eq!(
            Target::parse("entries(m)"),
            (Target::Entries, "m".to_owned())
        );
    }
}
