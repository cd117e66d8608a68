//! Table descriptors as storage sees them: column ids and kinds, clustering
//! types and orders, and the table options that change storage behaviour.
//!
//! The server owns the schema (it parses DDL and keeps `system_schema`); it hands
//! every shard an immutable [`TableSchema`] snapshot. Storage never mutates one.

pub mod types;

use std::cmp::Ordering;
use std::collections::BTreeMap;

pub use types::ValueType;

/// Identifies a table on every shard and node (derived from its UUID by the server).
pub type TableId = u64;
/// Identifies a column inside one table; stable for the table's lifetime.
pub type ColumnId = u32;

/// Sort direction of one clustering column (`WITH CLUSTERING ORDER BY`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClusteringOrder {
    Asc,
    Desc,
}

/// Where a non-key column lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ColumnKind {
    Regular,
    Static,
}

/// A non-primary-key column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnDef {
    pub id: ColumnId,
    pub name: String,
    pub kind: ColumnKind,
    /// Non-frozen collection or UDT: stored as a complex column with per-element cells.
    pub is_complex: bool,
    pub is_counter: bool,
}

/// The compaction strategy class with its Cassandra option names kept verbatim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompactionOptions {
    /// `SizeTieredCompactionStrategy`, `LeveledCompactionStrategy`, `TimeWindowCompactionStrategy`.
    pub class: String,
    pub options: BTreeMap<String, String>,
}

impl Default for CompactionOptions {
    fn default() -> Self {
        CompactionOptions {
            class: "SizeTieredCompactionStrategy".to_owned(),
            options: BTreeMap::new(),
        }
    }
}

impl CompactionOptions {
    /// Reads a numeric option, falling back to `default` when absent or malformed.
    pub fn get_number(&self, name: &str, default: f64) -> f64 {
        self.options
            .get(name)
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    }
}

/// Table options that storage acts on.
#[derive(Debug, Clone, PartialEq)]
pub struct TableOptions {
    pub gc_grace_seconds: u32,
    /// `default_time_to_live`; 0 means none. Applied by the server when it builds cells.
    pub default_ttl_seconds: u32,
    pub bloom_filter_fp_chance: f64,
    pub compaction: CompactionOptions,
}

impl Default for TableOptions {
    fn default() -> Self {
        TableOptions {
            gc_grace_seconds: 864_000,
            default_ttl_seconds: 0,
            bloom_filter_fp_chance: 0.01,
            compaction: CompactionOptions::default(),
        }
    }
}

/// Everything storage needs to know about one table.
#[derive(Debug, Clone, PartialEq)]
pub struct TableSchema {
    pub id: TableId,
    pub keyspace: String,
    pub name: String,
    /// Types of the clustering columns, in key order.
    pub clustering: Vec<(ValueType, ClusteringOrder)>,
    pub columns: Vec<ColumnDef>,
    pub options: TableOptions,
}

impl TableSchema {
    pub fn column(&self, id: ColumnId) -> Option<&ColumnDef> {
        self.columns.iter().find(|c| c.id == id)
    }

    /// The comparator for this table's clustering prefixes.
    pub fn comparator(&self) -> ClusteringComparator {
        ClusteringComparator {
            components: self.clustering.clone(),
        }
    }

    /// Directory name of the table below the shard's data directory.
    pub fn dir_name(&self) -> String {
        format!("{}-{}-{:016x}", self.keyspace, self.name, self.id)
    }
}

/// Orders clustering prefixes component by component, honouring ASC/DESC.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ClusteringComparator {
    pub components: Vec<(ValueType, ClusteringOrder)>,
}

impl ClusteringComparator {
    /// Compares the common prefix of two clusterings; a shorter prefix that
    /// matches compares equal (bounds decide inclusion separately).
    pub fn compare_prefix(&self, a: &[Vec<u8>], b: &[Vec<u8>]) -> Ordering {
        for ((x, y), (ty, order)) in a.iter().zip(b.iter()).zip(self.components.iter()) {
            let ord = ty.compare(x, y);
            let ord = match order {
                ClusteringOrder::Asc => ord,
                ClusteringOrder::Desc => ord.reverse(),
            };
            if ord != Ordering::Equal {
                return ord;
            }
        }
        Ordering::Equal
    }

    /// Total order of full clusterings (prefix order, then length).
    pub fn compare(&self, a: &[Vec<u8>], b: &[Vec<u8>]) -> Ordering {
        self.compare_prefix(a, b)
            .then_with(|| a.len().cmp(&b.len()))
    }
}
