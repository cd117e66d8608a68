//! Rows: row marker, row deletion and the columns' data, merged with Cassandra's
//! rules. Merging also drops whatever the merged deletions shadow, which keeps
//! memtables small and never changes what a read returns.

use std::collections::BTreeMap;

use super::cell::{Cell, reconcile};
use super::{DeletionTime, LivenessInfo};
use crate::schema::ColumnId;

/// Data of a non-frozen collection or UDT: a collection tombstone plus
/// per-element cells keyed by cell path (list timeuuid, set element, map key, field).
/// Paths sort bytewise; the server orders elements by their type when it renders them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ComplexColumn {
    pub deletion: DeletionTime,
    pub cells: BTreeMap<Vec<u8>, Cell>,
}

/// What one column holds in one row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ColumnData {
    Simple(Cell),
    Complex(ComplexColumn),
}

/// A row (or the static row) of a partition.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Row {
    pub marker: Option<LivenessInfo>,
    pub deletion: DeletionTime,
    pub columns: BTreeMap<ColumnId, ColumnData>,
}

impl Row {
    pub fn is_empty(&self) -> bool {
        self.marker.is_none() && self.deletion.is_live() && self.columns.is_empty()
    }

    /// Sets a simple cell (builder style, for the server and tests).
    pub fn with_cell(mut self, column: ColumnId, cell: Cell) -> Self {
        self.columns.insert(column, ColumnData::Simple(cell));
        self
    }

    pub fn with_marker(mut self, marker: LivenessInfo) -> Self {
        self.marker = Some(marker);
        self
    }

    /// Merges `other` into `self` with Cassandra's reconciliation.
    pub fn merge_from(&mut self, other: &Row) {
        self.deletion = self.deletion.max(other.deletion);
        self.marker = match (self.marker, other.marker) {
            (Some(a), Some(b)) => Some(if b.supersedes(&a) { b } else { a }),
            (a, b) => a.or(b),
        };
        for (column, data) in &other.columns {
            match self.columns.get_mut(column) {
                None => {
                    self.columns.insert(*column, data.clone());
                }
                Some(existing) => merge_column(existing, data),
            }
        }
        self.drop_shadowed(DeletionTime::LIVE);
    }

    /// Removes the marker and cells shadowed by the row deletion or by `outer`
    /// (the partition deletion or a covering range tombstone).
    pub fn drop_shadowed(&mut self, outer: DeletionTime) {
        let deletion = self.deletion.max(outer);
        if deletion.is_live() {
            return;
        }
        if self
            .marker
            .is_some_and(|m| deletion.deletes(m.timestamp_us))
        {
            self.marker = None;
        }
        self.columns.retain(|_, data| match data {
            ColumnData::Simple(cell) => !deletion.deletes(cell.timestamp_us),
            ColumnData::Complex(complex) => {
                let effective = complex.deletion.max(deletion);
                complex
                    .cells
                    .retain(|_, c| !effective.deletes(c.timestamp_us));
                if deletion.deletes(complex.deletion.marked_for_delete_at_us) {
                    complex.deletion = DeletionTime::LIVE;
                }
                !complex.cells.is_empty() || !complex.deletion.is_live()
            }
        });
    }

    /// Bytes this row accounts for in a memtable.
    pub fn size_bytes(&self) -> usize {
        let mut size = std::mem::size_of::<Row>();
        for data in self.columns.values() {
            // A BTreeMap entry costs roughly key + value + a share of node overhead.
            size += std::mem::size_of::<ColumnId>() + std::mem::size_of::<ColumnData>() + 16;
            match data {
                ColumnData::Simple(cell) => size += cell.size_bytes(),
                ColumnData::Complex(complex) => {
                    for (path, cell) in &complex.cells {
                        size += path.len() + cell.size_bytes() + 16;
                    }
                }
            }
        }
        size
    }

    /// The largest timestamp anywhere in the row (for SSTable statistics).
    pub fn max_timestamp_us(&self) -> i64 {
        let mut max = self.marker.map_or(i64::MIN, |m| m.timestamp_us);
        max = max.max(self.deletion.marked_for_delete_at_us);
        for data in self.columns.values() {
            match data {
                ColumnData::Simple(c) => max = max.max(c.timestamp_us),
                ColumnData::Complex(cc) => {
                    max = max.max(cc.deletion.marked_for_delete_at_us);
                    for c in cc.cells.values() {
                        max = max.max(c.timestamp_us);
                    }
                }
            }
        }
        max
    }

    /// Visits every timestamp in the row (marker, deletions, cells).
    pub fn for_each_timestamp(&self, mut f: impl FnMut(i64)) {
        if let Some(m) = self.marker {
            f(m.timestamp_us);
        }
        if !self.deletion.is_live() {
            f(self.deletion.marked_for_delete_at_us);
        }
        for data in self.columns.values() {
            match data {
                ColumnData::Simple(c) => f(c.timestamp_us),
                ColumnData::Complex(cc) => {
                    if !cc.deletion.is_live() {
                        f(cc.deletion.marked_for_delete_at_us);
                    }
                    cc.cells.values().for_each(|c| f(c.timestamp_us));
                }
            }
        }
    }
}

fn merge_column(existing: &mut ColumnData, incoming: &ColumnData) {
    match (existing, incoming) {
        (ColumnData::Simple(a), ColumnData::Simple(b)) => *a = reconcile(a, b),
        (ColumnData::Complex(a), ColumnData::Complex(b)) => {
            a.deletion = a.deletion.max(b.deletion);
            for (path, cell) in &b.cells {
                match a.cells.get_mut(path) {
                    None => {
                        a.cells.insert(path.clone(), cell.clone());
                    }
                    Some(old) => *old = reconcile(old, cell),
                }
            }
            let deletion = a.deletion;
            a.cells.retain(|_, c| !deletion.deletes(c.timestamp_us));
        }
        // A column cannot change between simple and complex; keep the newer shape.
        (slot, other) => *slot = other.clone(),
    }
}
