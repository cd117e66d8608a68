//! The system keyspaces every client expects (CLIENTS.md "Tables read at
//! connect"), with Cassandra 5.0's columns. Defined here in code, not parsed,
//! so the schema can be loaded before anything else runs.
//!
//! - `system` and `system_schema` use LocalStrategy: node-local, stored in the
//!   system engine on shard 0.
//! - `system_auth` and `system_traces` are ordinary replicated keyspaces.
//! - `system_virtual_schema` is virtual: computed from the schema on read.

use std::collections::BTreeMap;
use std::sync::Arc;

use sibyl_protocol::types::ColumnType;

use super::{
    ColumnKind, ColumnMetadata, KeyspaceMetadata, ReplicationParams, TableMetadata, TableParams,
    column_id_of, system_table_uuid,
};

pub const SYSTEM: &str = "system";
pub const SYSTEM_SCHEMA: &str = "system_schema";
pub const SYSTEM_AUTH: &str = "system_auth";
pub const SYSTEM_TRACES: &str = "system_traces";
pub const SYSTEM_VIRTUAL_SCHEMA: &str = "system_virtual_schema";

/// Keyspaces whose schema users may not change (except system_auth/traces replication).
pub fn is_system_keyspace(name: &str) -> bool {
    matches!(
        name,
        SYSTEM
            | SYSTEM_SCHEMA
            | SYSTEM_AUTH
            | SYSTEM_TRACES
            | SYSTEM_VIRTUAL_SCHEMA
            | "system_distributed"
            | "system_views"
    )
}

/// A column spec: name, CQL type text, and kind.
type Spec<'a> = (&'a str, &'a str);

/// Builds a table from column specs; `pk` and `ck` name the key columns in order.
pub fn define_table(
    keyspace: &str,
    name: &str,
    comment: &str,
    columns: &[Spec<'_>],
    pk: &[&str],
    ck: &[&str],
) -> TableMetadata {
    let columns = columns
        .iter()
        .map(|&(column, type_text)| {
            let parsed = ColumnType::parse_cql(type_text)
                .unwrap_or_else(|e| panic!("bad system column type {type_text}: {e}"));
            let (kind, position) = if let Some(i) = pk.iter().position(|p| *p == column) {
                (ColumnKind::PartitionKey, i as i32)
            } else if let Some(i) = ck.iter().position(|c| *c == column) {
                (ColumnKind::Clustering, i as i32)
            } else {
                (ColumnKind::Regular, -1)
            };
            let multi_cell =
                !parsed.frozen && parsed.column_type.can_be_multi_cell() && !kind.is_primary_key();
            ColumnMetadata {
                name: column.to_owned(),
                column_type: parsed.column_type,
                multi_cell,
                kind,
                position,
                descending: false,
                id: column_id_of(column),
            }
        })
        .collect();
    let params = TableParams {
        comment: comment.to_owned(),
        gc_grace_seconds: 0,
        ..TableParams::default()
    };
    TableMetadata::new(
        keyspace,
        name,
        system_table_uuid(keyspace, name),
        columns,
        params,
    )
}

fn keyspace(
    name: &str,
    replication: ReplicationParams,
    tables: Vec<TableMetadata>,
) -> Arc<KeyspaceMetadata> {
    let mut ks = KeyspaceMetadata::new(name, replication, true);
    ks.tables = tables
        .into_iter()
        .map(|t| (t.name.clone(), Arc::new(t)))
        .collect::<BTreeMap<_, _>>();
    Arc::new(ks)
}

fn system_keyspace() -> Arc<KeyspaceMetadata> {
    let ks = SYSTEM;
    keyspace(
        ks,
        ReplicationParams::local(),
        vec![
            define_table(
                ks,
                "local",
                "information about the local node",
                &[
                    ("key", "text"),
                    ("bootstrapped", "text"),
                    ("broadcast_address", "inet"),
                    ("broadcast_port", "int"),
                    ("cluster_name", "text"),
                    ("cql_version", "text"),
                    ("data_center", "text"),
                    ("gossip_generation", "int"),
                    ("host_id", "uuid"),
                    ("listen_address", "inet"),
                    ("listen_port", "int"),
                    ("native_protocol_version", "text"),
                    ("partitioner", "text"),
                    ("rack", "text"),
                    ("release_version", "text"),
                    ("rpc_address", "inet"),
                    ("rpc_port", "int"),
                    ("native_port", "int"),
                    ("schema_version", "uuid"),
                    ("tokens", "set<text>"),
                    ("truncated_at", "map<uuid, blob>"),
                ],
                &["key"],
                &[],
            ),
            define_table(
                ks,
                "peers",
                "information about known peers in the cluster",
                &[
                    ("peer", "inet"),
                    ("data_center", "text"),
                    ("host_id", "uuid"),
                    ("preferred_ip", "inet"),
                    ("rack", "text"),
                    ("release_version", "text"),
                    ("rpc_address", "inet"),
                    ("schema_version", "uuid"),
                    ("tokens", "set<text>"),
                ],
                &["peer"],
                &[],
            ),
            define_table(
                ks,
                "peers_v2",
                "information about known peers in the cluster",
                &[
                    ("peer", "inet"),
                    ("peer_port", "int"),
                    ("data_center", "text"),
                    ("host_id", "uuid"),
                    ("native_address", "inet"),
                    ("native_port", "int"),
                    ("preferred_ip", "inet"),
                    ("preferred_port", "int"),
                    ("rack", "text"),
                    ("release_version", "text"),
                    ("schema_version", "uuid"),
                    ("tokens", "set<text>"),
                ],
                &["peer"],
                &["peer_port"],
            ),
        ],
    )
}

const TABLE_OPTION_COLUMNS: [Spec<'static>; 20] = [
    ("allow_auto_snapshot", "boolean"),
    ("bloom_filter_fp_chance", "double"),
    ("caching", "frozen<map<text, text>>"),
    ("comment", "text"),
    ("compaction", "frozen<map<text, text>>"),
    ("compression", "frozen<map<text, text>>"),
    ("memtable", "text"),
    ("crc_check_chance", "double"),
    ("dclocal_read_repair_chance", "double"),
    ("default_time_to_live", "int"),
    ("extensions", "frozen<map<text, blob>>"),
    ("gc_grace_seconds", "int"),
    ("incremental_backups", "boolean"),
    ("id", "uuid"),
    ("max_index_interval", "int"),
    ("memtable_flush_period_in_ms", "int"),
    ("min_index_interval", "int"),
    ("read_repair_chance", "double"),
    ("speculative_retry", "text"),
    ("additional_write_policy", "text"),
];

fn with_options<'a>(key: &[Spec<'a>], extra: &[Spec<'a>]) -> Vec<Spec<'a>> {
    let mut specs = key.to_vec();
    specs.extend_from_slice(&TABLE_OPTION_COLUMNS);
    specs.extend_from_slice(&[("cdc", "boolean"), ("read_repair", "text")]);
    specs.extend_from_slice(extra);
    specs
}

fn system_schema_keyspace() -> Arc<KeyspaceMetadata> {
    let ks = SYSTEM_SCHEMA;
    let kt = [("keyspace_name", "text"), ("table_name", "text")];
    keyspace(
        ks,
        ReplicationParams::local(),
        vec![
            define_table(
                ks,
                "keyspaces",
                "keyspace definitions",
                &[
                    ("keyspace_name", "text"),
                    ("durable_writes", "boolean"),
                    ("replication", "frozen<map<text, text>>"),
                ],
                &["keyspace_name"],
                &[],
            ),
            define_table(
                ks,
                "tables",
                "table definitions",
                &with_options(&kt, &[("flags", "frozen<set<text>>")]),
                &["keyspace_name"],
                &["table_name"],
            ),
            define_table(
                ks,
                "columns",
                "column definitions",
                &[
                    ("keyspace_name", "text"),
                    ("table_name", "text"),
                    ("column_name", "text"),
                    ("clustering_order", "text"),
                    ("column_name_bytes", "blob"),
                    ("kind", "text"),
                    ("position", "int"),
                    ("type", "text"),
                ],
                &["keyspace_name"],
                &["table_name", "column_name"],
            ),
            define_table(
                ks,
                "column_masks",
                "column dynamic data masks",
                &[
                    ("keyspace_name", "text"),
                    ("table_name", "text"),
                    ("column_name", "text"),
                    ("function_keyspace", "text"),
                    ("function_name", "text"),
                    ("function_argument_types", "frozen<list<text>>"),
                    ("function_argument_values", "frozen<list<text>>"),
                    ("function_argument_nulls", "frozen<list<boolean>>"),
                ],
                &["keyspace_name"],
                &["table_name", "column_name"],
            ),
            define_table(
                ks,
                "dropped_columns",
                "dropped column registry",
                &[
                    ("keyspace_name", "text"),
                    ("table_name", "text"),
                    ("column_name", "text"),
                    ("dropped_time", "timestamp"),
                    ("kind", "text"),
                    ("type", "text"),
                ],
                &["keyspace_name"],
                &["table_name", "column_name"],
            ),
            define_table(
                ks,
                "triggers",
                "trigger definitions",
                &[
                    ("keyspace_name", "text"),
                    ("table_name", "text"),
                    ("trigger_name", "text"),
                    ("options", "frozen<map<text, text>>"),
                ],
                &["keyspace_name"],
                &["table_name", "trigger_name"],
            ),
            define_table(
                ks,
                "views",
                "view definitions",
                &with_options(
                    &[
                        ("keyspace_name", "text"),
                        ("view_name", "text"),
                        ("base_table_id", "uuid"),
                        ("base_table_name", "text"),
                        ("where_clause", "text"),
                        ("include_all_columns", "boolean"),
                    ],
                    &[],
                ),
                &["keyspace_name"],
                &["view_name"],
            ),
            define_table(
                ks,
                "types",
                "user defined type definitions",
                &[
                    ("keyspace_name", "text"),
                    ("type_name", "text"),
                    ("field_names", "frozen<list<text>>"),
                    ("field_types", "frozen<list<text>>"),
                ],
                &["keyspace_name"],
                &["type_name"],
            ),
            define_table(
                ks,
                "functions",
                "user defined function definitions",
                &[
                    ("keyspace_name", "text"),
                    ("function_name", "text"),
                    ("argument_types", "frozen<list<text>>"),
                    ("argument_names", "frozen<list<text>>"),
                    ("body", "text"),
                    ("language", "text"),
                    ("return_type", "text"),
                    ("called_on_null_input", "boolean"),
                ],
                &["keyspace_name"],
                &["function_name", "argument_types"],
            ),
            define_table(
                ks,
                "aggregates",
                "user defined aggregate definitions",
                &[
                    ("keyspace_name", "text"),
                    ("aggregate_name", "text"),
                    ("argument_types", "frozen<list<text>>"),
                    ("final_func", "text"),
                    ("initcond", "text"),
                    ("return_type", "text"),
                    ("state_func", "text"),
                    ("state_type", "text"),
                ],
                &["keyspace_name"],
                &["aggregate_name", "argument_types"],
            ),
            define_table(
                ks,
                "indexes",
                "secondary index definitions",
                &[
                    ("keyspace_name", "text"),
                    ("table_name", "text"),
                    ("index_name", "text"),
                    ("kind", "text"),
                    ("options", "frozen<map<text, text>>"),
                ],
                &["keyspace_name"],
                &["table_name", "index_name"],
            ),
        ],
    )
}

fn system_auth_keyspace() -> Arc<KeyspaceMetadata> {
    let ks = SYSTEM_AUTH;
    keyspace(
        ks,
        ReplicationParams::simple(1),
        vec![
            define_table(
                ks,
                "roles",
                "role definitions",
                &[
                    ("role", "text"),
                    ("can_login", "boolean"),
                    ("is_superuser", "boolean"),
                    ("member_of", "set<text>"),
                    ("salted_hash", "text"),
                ],
                &["role"],
                &[],
            ),
            define_table(
                ks,
                "role_members",
                "role memberships lookup table",
                &[("role", "text"), ("member", "text")],
                &["role"],
                &["member"],
            ),
            define_table(
                ks,
                "role_permissions",
                "permissions granted to db roles",
                &[
                    ("role", "text"),
                    ("resource", "text"),
                    ("permissions", "set<text>"),
                ],
                &["role"],
                &["resource"],
            ),
            define_table(
                ks,
                "resource_role_permissons_index",
                "index of db roles with permissions granted on a resource",
                &[("resource", "text"), ("role", "text")],
                &["resource"],
                &["role"],
            ),
            define_table(
                ks,
                "network_permissions",
                "user network permissions",
                &[("role", "text"), ("dcs", "frozen<set<text>>")],
                &["role"],
                &[],
            ),
        ],
    )
}

fn system_traces_keyspace() -> Arc<KeyspaceMetadata> {
    let ks = SYSTEM_TRACES;
    keyspace(
        ks,
        ReplicationParams::simple(2),
        vec![
            define_table(
                ks,
                "sessions",
                "tracing sessions",
                &[
                    ("session_id", "uuid"),
                    ("client", "inet"),
                    ("command", "text"),
                    ("coordinator", "inet"),
                    ("coordinator_port", "int"),
                    ("duration", "int"),
                    ("parameters", "map<text, text>"),
                    ("request", "text"),
                    ("started_at", "timestamp"),
                ],
                &["session_id"],
                &[],
            ),
            define_table(
                ks,
                "events",
                "tracing events",
                &[
                    ("session_id", "uuid"),
                    ("event_id", "timeuuid"),
                    ("activity", "text"),
                    ("source", "inet"),
                    ("source_elapsed", "int"),
                    ("source_port", "int"),
                    ("thread", "text"),
                ],
                &["session_id"],
                &["event_id"],
            ),
        ],
    )
}

fn system_virtual_schema_keyspace() -> Arc<KeyspaceMetadata> {
    let ks = SYSTEM_VIRTUAL_SCHEMA;
    let mut keyspace = keyspace(
        ks,
        ReplicationParams::local(),
        vec![
            define_table(
                ks,
                "keyspaces",
                "virtual keyspace definitions",
                &[("keyspace_name", "text")],
                &["keyspace_name"],
                &[],
            ),
            define_table(
                ks,
                "tables",
                "virtual table definitions",
                &[
                    ("keyspace_name", "text"),
                    ("table_name", "text"),
                    ("comment", "text"),
                ],
                &["keyspace_name"],
                &["table_name"],
            ),
            define_table(
                ks,
                "columns",
                "virtual column definitions",
                &[
                    ("keyspace_name", "text"),
                    ("table_name", "text"),
                    ("column_name", "text"),
                    ("clustering_order", "text"),
                    ("column_name_bytes", "blob"),
                    ("kind", "text"),
                    ("position", "int"),
                    ("type", "text"),
                ],
                &["keyspace_name"],
                &["table_name", "column_name"],
            ),
        ],
    );
    let ks_mut = Arc::make_mut(&mut keyspace);
    ks_mut.is_virtual = true;
    for table in ks_mut.tables.values_mut() {
        Arc::make_mut(table).is_virtual = true;
    }
    keyspace
}

/// Every system keyspace with its tables, as this release defines them.
pub fn system_keyspaces() -> Vec<Arc<KeyspaceMetadata>> {
    vec![
        system_keyspace(),
        system_schema_keyspace(),
        system_auth_keyspace(),
        system_traces_keyspace(),
        system_virtual_schema_keyspace(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn system_tables_have_the_columns_clients_read() {
        let keyspaces = system_keyspaces();
        let table = |ks: &str, t: &str| {
            keyspaces
                .iter()
                .find(|k| k.name == ks)
                .and_then(|k| k.tables.get(t))
                .cloned()
                .expect("table exists")
        };
        let local = table(SYSTEM, "local");
        for column in [
            "key",
            "cluster_name",
            "release_version",
            "cql_version",
            "partitioner",
            "tokens",
            "schema_version",
            "host_id",
            "data_center",
            "rack",
            "rpc_address",
            "broadcast_address",
            "listen_address",
            "native_port",
        ] {
            assert!(local.column(column).is_some(), "system.local.{column}");
        }
        assert!(local.column("tokens").expect("tokens").multi_cell);
        let tables = table(SYSTEM_SCHEMA, "tables");
        assert_eq!(
            tables
                .partition_key()
                .map(|c| c.name.as_str())
                .collect::<Vec<_>>(),
            ["keyspace_name"]
        );
        assert_eq!(
            tables.column("flags").expect("flags").type_text(),
            "frozen<set<text>>"
        );
        let columns = table(SYSTEM_SCHEMA, "columns");
        let names: Vec<&str> = columns.columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            &names[..3],
            ["keyspace_name", "table_name", "column_name"],
            "SELECT * order: keys first"
        );
        assert_eq!(table(SYSTEM, "peers_v2").clustering_len(), 1);
        assert!(table(SYSTEM_VIRTUAL_SCHEMA, "tables").is_virtual);
    }
}
