//! Table metadata: columns with their kinds and positions, options, indexes.

use std::collections::BTreeMap;

use sibyl_protocol::types::ColumnType;
use sibyl_storage::schema::{
    ClusteringOrder, ColumnDef, ColumnKind as StorageColumnKind, CompactionOptions, TableOptions,
    TableSchema,
};

use super::TableParams;
use super::ids::storage_table_id;

/// The role of a column in its table (`system_schema.columns.kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ColumnKind {
    PartitionKey,
    Clustering,
    Static,
    Regular,
}

impl ColumnKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ColumnKind::PartitionKey => "partition_key",
            ColumnKind::Clustering => "clustering",
            ColumnKind::Static => "static",
            ColumnKind::Regular => "regular",
        }
    }

    pub fn is_primary_key(self) -> bool {
        matches!(self, ColumnKind::PartitionKey | ColumnKind::Clustering)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnMetadata {
    pub name: String,
    /// Fully resolved type (user types carry their fields).
    pub column_type: ColumnType,
    /// A non-frozen collection or user type: stored cell by cell.
    pub multi_cell: bool,
    pub kind: ColumnKind,
    /// Index within the partition key or clustering key; -1 otherwise.
    pub position: i32,
    /// For clustering columns; ignored for the others.
    pub descending: bool,
    /// Storage's column id (see [`super::column_id_of`]).
    pub id: u32,
}

impl ColumnMetadata {
    /// The type as CQL text, as `system_schema.columns.type` shows it.
    pub fn type_text(&self) -> String {
        let frozen_top = !self.multi_cell
            && matches!(
                self.column_type,
                ColumnType::List(_)
                    | ColumnType::Set(_)
                    | ColumnType::Map(..)
                    | ColumnType::Udt { .. }
            );
        if frozen_top {
            self.column_type.cql_name_frozen()
        } else {
            self.column_type.cql_name()
        }
    }

    pub fn is_counter(&self) -> bool {
        self.column_type == ColumnType::Counter
    }

    /// `system_schema.columns.clustering_order`.
    pub fn clustering_order_text(&self) -> &'static str {
        match (self.kind, self.descending) {
            (ColumnKind::Clustering, true) => "desc",
            (ColumnKind::Clustering, false) => "asc",
            _ => "none",
        }
    }
}

/// A secondary index (`system_schema.indexes`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexMetadata {
    pub name: String,
    /// `COMPOSITES`, `KEYS` or `CUSTOM`.
    pub kind: String,
    /// Includes `target` and, for custom indexes, `class_name`.
    pub options: BTreeMap<String, String>,
}

#[derive(Debug, Clone)]
pub struct TableMetadata {
    pub keyspace: String,
    pub name: String,
    pub id: [u8; 16],
    /// The id storage knows this table by.
    pub storage_id: u64,
    /// Partition key columns in key order, then clustering columns in key
    /// order, then static and regular columns each sorted by name: the order
    /// of `SELECT *`.
    pub columns: Vec<ColumnMetadata>,
    pub params: TableParams,
    pub indexes: Vec<IndexMetadata>,
    /// Dropped columns: name -> (drop time in µs, type text, kind).
    pub dropped_columns: BTreeMap<String, (i64, String, ColumnKind)>,
    /// Virtual tables are computed on read, never stored.
    pub is_virtual: bool,
}

impl TableMetadata {
    /// Builds a table, putting columns in `SELECT *` order.
    pub fn new(
        keyspace: &str,
        name: &str,
        id: [u8; 16],
        mut columns: Vec<ColumnMetadata>,
        params: TableParams,
    ) -> Self {
        columns.sort_by(|a, b| (a.kind, a.position, &a.name).cmp(&(b.kind, b.position, &b.name)));
        Self {
            keyspace: keyspace.to_owned(),
            name: name.to_owned(),
            id,
            storage_id: storage_table_id(&id),
            columns,
            params,
            indexes: Vec::new(),
            dropped_columns: BTreeMap::new(),
            is_virtual: false,
        }
    }

    pub fn column(&self, name: &str) -> Option<&ColumnMetadata> {
        self.columns.iter().find(|c| c.name == name)
    }

    pub fn partition_key(&self) -> impl Iterator<Item = &ColumnMetadata> {
        self.columns
            .iter()
            .filter(|c| c.kind == ColumnKind::PartitionKey)
    }

    pub fn clustering_key(&self) -> impl Iterator<Item = &ColumnMetadata> {
        self.columns
            .iter()
            .filter(|c| c.kind == ColumnKind::Clustering)
    }

    pub fn partition_key_len(&self) -> usize {
        self.partition_key().count()
    }

    pub fn clustering_len(&self) -> usize {
        self.clustering_key().count()
    }

    pub fn regular_and_static(&self) -> impl Iterator<Item = &ColumnMetadata> {
        self.columns.iter().filter(|c| !c.kind.is_primary_key())
    }

    pub fn has_static_columns(&self) -> bool {
        self.columns.iter().any(|c| c.kind == ColumnKind::Static)
    }

    pub fn is_counter(&self) -> bool {
        self.regular_and_static().any(ColumnMetadata::is_counter)
    }

    /// `system_schema.tables.flags`: `compound` for every CQL table (an empty
    /// set would make drivers treat it as COMPACT STORAGE), plus `counter`.
    pub fn flags(&self) -> Vec<&'static str> {
        let mut flags = vec!["compound"];
        if self.is_counter() {
            flags.push("counter");
        }
        flags
    }

    /// What storage needs to know about this table.
    pub fn storage_schema(&self) -> TableSchema {
        TableSchema {
            id: self.storage_id,
            keyspace: self.keyspace.clone(),
            name: self.name.clone(),
            clustering: self
                .clustering_key()
                .map(|c| {
                    let order = if c.descending {
                        ClusteringOrder::Desc
                    } else {
                        ClusteringOrder::Asc
                    };
                    (super::params::storage_value_type(&c.column_type), order)
                })
                .collect(),
            columns: self
                .regular_and_static()
                .map(|c| ColumnDef {
                    id: c.id,
                    name: c.name.clone(),
                    kind: if c.kind == ColumnKind::Static {
                        StorageColumnKind::Static
                    } else {
                        StorageColumnKind::Regular
                    },
                    is_complex: c.multi_cell,
                    is_counter: c.is_counter(),
                })
                .collect(),
            options: TableOptions {
                gc_grace_seconds: self.params.gc_grace_seconds,
                default_ttl_seconds: self.params.default_time_to_live,
                bloom_filter_fp_chance: self.params.bloom_filter_fp_chance,
                compaction: CompactionOptions {
                    class: short_class_name(
                        self.params
                            .compaction
                            .get("class")
                            .map_or("", String::as_str),
                    ),
                    options: self
                        .params
                        .compaction
                        .iter()
                        .filter(|(k, _)| *k != "class")
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect(),
                },
            },
        }
    }
}

/// `org.apache.cassandra.db.compaction.LeveledCompactionStrategy` -> `LeveledCompactionStrategy`.
fn short_class_name(class: &str) -> String {
    class.rsplit('.').next().unwrap_or(class).to_owned()
}
