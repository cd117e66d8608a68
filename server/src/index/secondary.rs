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
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Bound;
use std::sync::Arc;

use sibyl_protocol::types::ColumnType;
use sibyl_storage::mutation::{CellValue, ColumnData, Row};

use crate::cql3::ast::Operator;
use crate::cql3::values::compare_values;

/// A row of the indexed table: serialized partition key and clustering.
pub type RowKey = (Vec<u8>, Vec<Vec<u8>>);

/// An index hit: the row's token, partition key and clustering. Hits sort
/// by partition in token order (clusterings by their bytes), so a page of an
/// index query starts where the previous one stopped.
pub type IndexedRow = (i64, Vec<u8>, Vec<Vec<u8>>);

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
    entries: BTreeMap<Ordered, BTreeSet<IndexedRow>>,
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

    pub fn is_empty(&self) -> bool {
        self.entry_count == 0
    }

    fn add(&mut self, value: Vec<u8>, row: &IndexedRow) {
        let key = Ordered {
            bytes: value,
            column_type: self.value_type.clone(),
        };
        if self.entries.entry(key).or_default().insert(row.clone()) {
            self.entry_count += 1;
        }
    }

    /// Indexes the live values a written row carries for this column.
    pub fn index_row(&mut self, row_key: &IndexedRow, row: &Row) {
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

    /// Hits that may match `operator value` (re-check them: entries can be
    /// stale), in [`IndexedRow`] order, from partition `from` on (inclusive):
    /// at least `limit` rows unless the hits run out, always ending with a
    /// whole partition. The flag says whether more hits remain.
    pub fn lookup_page(
        &self,
        operator: Operator,
        value: &[u8],
        from: Option<(i64, &[u8])>,
        limit: usize,
    ) -> (Vec<IndexedRow>, bool) {
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
            _ => return (Vec::new(), false),
        };
        let start: IndexedRow = match from {
            Some((token, key)) => (token, key.to_vec(), Vec::new()),
            None => (i64::MIN, Vec::new(), Vec::new()),
        };
        // Each value's first page; the union's first page is among them.
        let mut more = false;
        let mut hits = Vec::new();
        for (_, rows) in self.entries.range(range) {
            let (page, cut) = first_page(rows.range(start.clone()..), limit);
            more |= cut;
            hits.extend(page);
        }
        hits.sort();
        hits.dedup();
        let (page, cut) = first_page(hits.iter(), limit);
        (page, more || cut)
    }
}

/// The first `limit` hits, then the rest of the last one's partition; and
/// whether hits were left over.
fn first_page<'a>(
    hits: impl Iterator<Item = &'a IndexedRow>,
    limit: usize,
) -> (Vec<IndexedRow>, bool) {
    let mut page: Vec<IndexedRow> = Vec::new();
    for hit in hits {
        if page.len() >= limit
            && page
                .last()
                .is_none_or(|(token, key, _)| (*token, key) != (hit.0, &hit.1))
        {
            return (page, true);
        }
        page.push(hit.clone());
    }
    (page, false)
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
        // Tokens here are just the keys: hits come back in token order.
        for (k, v) in [(1i32, -5i32), (2, 3), (3, 3), (4, 10)] {
            index.index_row(
                &(i64::from(k), k.to_be_bytes().to_vec(), vec![]),
                &row_with(7, &v.to_be_bytes()),
            );
        }
        let keys = |(rows, _): (Vec<IndexedRow>, bool)| {
            rows.into_iter().map(|(t, _, _)| t).collect::<Vec<_>>()
        };
        let all = |op, v: i32| keys(index.lookup_page(op, &v.to_be_bytes(), None, usize::MAX));
        assert_eq!(all(Operator::Equal, 3), vec![2, 3]);
        // -5 sorts first as an int even though its bytes are larger.
        assert_eq!(all(Operator::LessThan, 0), vec![1]);
        assert_eq!(all(Operator::GreaterThanOrEqual, 3), vec![2, 3, 4]);
        assert_eq!(index.len(), 4);
        // Pages: from a partition on, at most `limit` partitions here.
        let page = index.lookup_page(
            Operator::GreaterThanOrEqual,
            &(-10i32).to_be_bytes(),
            Some((2, &2i32.to_be_bytes())),
            2,
        );
        assert_eq!(keys(page.clone()), vec![2, 3]);
        assert!(page.1, "partition 4 remains");
        let last = index.lookup_page(
            Operator::GreaterThanOrEqual,
            &(-10i32).to_be_bytes(),
            Some((4, &[])),
            2,
        );
        assert_eq!(keys(last.clone()), vec![4]);
        assert!(!last.1);
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
