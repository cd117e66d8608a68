//! The schema: keyspaces, tables, columns, user types and their options.
//!
//! A [`Schema`] is an immutable snapshot. Shard 0 owns schema changes: it
//! applies DDL, persists the result in the `system_schema` tables, builds a
//! new snapshot and hands an `Arc` of it to every shard by message. Readers
//! never lock; they hold the `Arc` they started with.

mod ids;
mod keyspace;
pub mod params;
pub mod persist;
pub mod system;
mod table;

pub use ids::{column_id_of, new_table_uuid, storage_table_id, system_table_uuid, uuid_to_string};
pub use keyspace::{KeyspaceMetadata, ReplicationParams, UserType};
pub use params::TableParams;
pub use table::{ColumnKind, ColumnMetadata, IndexMetadata, TableMetadata};

use std::collections::BTreeMap;
use std::sync::Arc;

/// One immutable version of the whole schema.
#[derive(Debug, Clone, Default)]
pub struct Schema {
    /// Changes with every DDL; clients compare it across nodes.
    pub version: [u8; 16],
    pub keyspaces: BTreeMap<String, Arc<KeyspaceMetadata>>,
}

impl Schema {
    pub fn keyspace(&self, name: &str) -> Option<&Arc<KeyspaceMetadata>> {
        self.keyspaces.get(name)
    }

    pub fn table(&self, keyspace: &str, name: &str) -> Option<&Arc<TableMetadata>> {
        self.keyspaces.get(keyspace)?.tables.get(name)
    }

    /// Every table of every keyspace.
    pub fn tables(&self) -> impl Iterator<Item = &Arc<TableMetadata>> {
        self.keyspaces.values().flat_map(|ks| ks.tables.values())
    }

    pub fn table_by_storage_id(&self, id: u64) -> Option<&Arc<TableMetadata>> {
        self.tables().find(|t| t.storage_id == id)
    }
}
