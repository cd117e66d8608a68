//! Keyspace metadata: replication, durable writes, tables and user types.

use std::collections::BTreeMap;
use std::sync::Arc;

use sibyl_protocol::types::ColumnType;

use super::TableMetadata;

/// `replication = {'class': ..., ...}` with the class's own options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplicationParams {
    /// Full class name, e.g. `org.apache.cassandra.locator.SimpleStrategy`.
    pub class: String,
    /// Every other option (`replication_factor`, or one entry per data center).
    pub options: BTreeMap<String, String>,
}

impl ReplicationParams {
    pub const LOCAL: &'static str = "org.apache.cassandra.locator.LocalStrategy";
    pub const SIMPLE: &'static str = "org.apache.cassandra.locator.SimpleStrategy";
    pub const NETWORK_TOPOLOGY: &'static str =
        "org.apache.cassandra.locator.NetworkTopologyStrategy";
    pub const EVERYWHERE: &'static str = "org.apache.cassandra.locator.EverywhereStrategy";

    pub fn local() -> Self {
        Self {
            class: Self::LOCAL.to_owned(),
            options: BTreeMap::new(),
        }
    }

    pub fn simple(replication_factor: u32) -> Self {
        let options = BTreeMap::from([(
            "replication_factor".to_owned(),
            replication_factor.to_string(),
        )]);
        Self {
            class: Self::SIMPLE.to_owned(),
            options,
        }
    }

    /// The map stored in `system_schema.keyspaces.replication`.
    pub fn to_map(&self) -> BTreeMap<String, String> {
        let mut map = self.options.clone();
        map.insert("class".to_owned(), self.class.clone());
        map
    }

    /// Data lives on shard 0 only (system keyspaces), not by token.
    pub fn is_local(&self) -> bool {
        self.class == Self::LOCAL
    }
}

/// A user-defined type with its fields in declaration order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserType {
    pub keyspace: String,
    pub name: String,
    pub fields: Vec<(String, ColumnType)>,
}

impl UserType {
    pub fn column_type(&self) -> ColumnType {
        ColumnType::Udt {
            keyspace: self.keyspace.clone(),
            name: self.name.clone(),
            fields: self.fields.clone(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct KeyspaceMetadata {
    pub name: String,
    pub replication: ReplicationParams,
    pub durable_writes: bool,
    pub tables: BTreeMap<String, Arc<TableMetadata>>,
    pub types: BTreeMap<String, Arc<UserType>>,
    /// Virtual keyspaces are computed on read and never stored.
    pub is_virtual: bool,
}

impl KeyspaceMetadata {
    pub fn new(name: &str, replication: ReplicationParams, durable_writes: bool) -> Self {
        Self {
            name: name.to_owned(),
            replication,
            durable_writes,
            tables: BTreeMap::new(),
            types: BTreeMap::new(),
            is_virtual: false,
        }
    }
}
