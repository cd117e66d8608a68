//! Node startup on shard 0: open the system engine, record the system
//! keyspaces' schema, load the whole schema from `system_schema`, and keep
//! this node's identity (host id, tokens) stable across restarts through
//! `system.local`.

use std::collections::BTreeMap;
use std::rc::Rc;
use std::sync::Arc;

use sibyl_protocol::types::CqlValue;
use sibyl_storage::io::sched::IoScheduler;
use sibyl_storage::query::{ReadCommand, TokenRange};

use super::{NodeInfo, RELEASE_VERSION, ShardServices};
use crate::cql3::rows::{CqlRow, decode_partition};
use crate::cql3::writes::{PartitionWriter, WriteOptions};
use crate::cql3::{CqlError, CqlResult};
use crate::dht::{PARTITIONER_NAME, murmur3_x64_128};
use crate::replica::{Replica, StorageSettings};
use crate::schema::persist::{SCHEMA_TABLES, SchemaRows, keyspace_mutations, keyspaces_from_rows};
use crate::schema::system::{SYSTEM, SYSTEM_SCHEMA, system_keyspaces};
use crate::schema::{KeyspaceMetadata, Schema, TableMetadata, new_table_uuid};
use crate::transport::CQL_VERSION;

/// Tokens per node (`num_tokens`).
pub const NUM_TOKENS: usize = 16;

fn now_s() -> i64 {
    ShardServices::now_us() / 1_000_000
}

fn builtin() -> BTreeMap<String, Arc<KeyspaceMetadata>> {
    system_keyspaces()
        .into_iter()
        .map(|ks| (ks.name.clone(), ks))
        .collect()
}

/// Opens shard 0's engine for node-local tables.
pub async fn open_system_engine(
    settings: &StorageSettings,
    io: &Rc<IoScheduler>,
) -> CqlResult<Replica> {
    let tables = builtin()
        .values()
        .filter(|ks| ks.replication.is_local() && !ks.is_virtual)
        .flat_map(|ks| {
            ks.tables
                .values()
                .map(|t| t.storage_schema())
                .collect::<Vec<_>>()
        })
        .collect();
    Replica::open(settings, io, "system", 0, tables).await
}

/// Reads every row of a node-local table.
pub async fn read_all(system: &Replica, table: &TableMetadata) -> CqlResult<Vec<CqlRow>> {
    let command = ReadCommand::range(table.storage_id, TokenRange::FULL, now_s());
    let result = system.read(&command).await?;
    let mut rows = Vec::new();
    for partition in &result.partitions {
        decode_partition(table, partition, command.now_s, &mut rows);
    }
    Ok(rows)
}

/// The schema version: a hash of every schema row, so equal schemas have
/// equal versions on every node.
fn version_of(rows: &BTreeMap<&str, SchemaRows<'_>>) -> [u8; 16] {
    let mut bytes = Vec::new();
    for (table, schema_rows) in rows {
        bytes.extend_from_slice(table.as_bytes());
        for row in &schema_rows.rows {
            for value in &row.values {
                match value {
                    Some(v) => {
                        bytes.extend_from_slice(&(v.len() as u32).to_be_bytes());
                        bytes.extend_from_slice(v);
                    }
                    None => bytes.extend_from_slice(&u32::MAX.to_be_bytes()),
                }
            }
        }
    }
    let (h1, h2) = murmur3_x64_128(&bytes, 0x5C);
    let mut version = [0u8; 16];
    version[..8].copy_from_slice(&h1.to_be_bytes());
    version[8..].copy_from_slice(&h2.to_be_bytes());
    version[6] = (version[6] & 0x0F) | 0x30;
    version[8] = (version[8] & 0x3F) | 0x80;
    version
}

/// Rebuilds the schema from `system_schema` (plus the built-in virtual keyspaces).
pub async fn load_schema(system: &Replica) -> CqlResult<Schema> {
    let builtin = builtin();
    let schema_ks = builtin
        .get(SYSTEM_SCHEMA)
        .ok_or_else(|| CqlError::server("no system_schema"))?;
    let mut rows = BTreeMap::new();
    for name in SCHEMA_TABLES {
        let table = schema_ks
            .tables
            .get(name)
            .ok_or_else(|| CqlError::server(format!("no system_schema.{name}")))?;
        rows.insert(
            name,
            SchemaRows {
                table,
                rows: read_all(system, table).await?,
            },
        );
    }
    let version = version_of(&rows);
    let mut keyspaces: BTreeMap<String, Arc<KeyspaceMetadata>> = keyspaces_from_rows(&rows)?
        .into_iter()
        .map(|ks| (ks.name.clone(), Arc::new(ks)))
        .collect();
    // Built-in definitions win for the system keyspaces (an upgrade may add
    // columns); virtual keyspaces are never stored.
    for (name, ks) in builtin {
        keyspaces.insert(name, ks);
    }
    Ok(Schema { version, keyspaces })
}

/// Writes the built-in keyspaces' definitions into `system_schema`, so that
/// drivers and DESCRIBE see them like any other keyspace.
pub async fn record_system_keyspaces(system: &Replica) -> CqlResult<()> {
    let builtin = builtin();
    let schema_ks = builtin
        .get(SYSTEM_SCHEMA)
        .ok_or_else(|| CqlError::server("no system_schema"))?
        .clone();
    for ks in builtin.values().filter(|ks| !ks.is_virtual) {
        // Timestamp 1: any later change made by an operator wins.
        for mutation in keyspace_mutations(&schema_ks, &ks.name, Some(ks), 0, now_s())? {
            system.apply(&mutation).await?;
        }
    }
    Ok(())
}

/// This node's host id and tokens: read from `system.local` if a previous
/// run stored them, else made now (and stored by [`write_local_row`]).
pub async fn node_identity(system: &Replica) -> CqlResult<([u8; 16], Vec<i64>)> {
    let builtin = builtin();
    let local = builtin
        .get(SYSTEM)
        .and_then(|ks| ks.tables.get("local"))
        .ok_or_else(|| CqlError::server("no system.local"))?;
    let rows = read_all(system, local).await?;
    let column = |row: &CqlRow, name: &str| {
        let index = local.columns.iter().position(|c| c.name == name)?;
        CqlValue::decode(
            &local.columns.get(index)?.column_type,
            row.values.get(index)?.as_ref()?,
        )
        .ok()
    };
    if let Some(row) = rows.first() {
        if let (Some(CqlValue::Uuid(host_id)), Some(CqlValue::Set(tokens))) =
            (column(row, "host_id"), column(row, "tokens"))
        {
            let mut parsed: Vec<i64> = tokens
                .iter()
                .filter_map(|t| {
                    if let CqlValue::Text(s) = t {
                        s.parse().ok()
                    } else {
                        None
                    }
                })
                .collect();
            parsed.sort_unstable();
            if !parsed.is_empty() {
                return Ok((host_id, parsed));
            }
        }
    }
    let host_id = new_table_uuid();
    let mut tokens: Vec<i64> = (0..NUM_TOKENS as u64)
        .map(|i| {
            let (h, _) = murmur3_x64_128(&[&host_id[..], &i.to_be_bytes()].concat(), 0x70);
            h as i64
        })
        .filter(|t| *t != i64::MIN)
        .collect();
    tokens.sort_unstable();
    Ok((host_id, tokens))
}

/// Writes (or refreshes) the `system.local` row.
pub async fn write_local_row(system: &Replica, node: &NodeInfo, schema: &Schema) -> CqlResult<()> {
    let builtin = builtin();
    let local = builtin
        .get(SYSTEM)
        .and_then(|ks| ks.tables.get("local"))
        .ok_or_else(|| CqlError::server("no system.local"))?;
    let options = WriteOptions {
        timestamp_us: ShardServices::now_us(),
        ttl_s: 0,
        now_s: now_s(),
    };
    let mut writer = PartitionWriter::new(local, &[b"local"], options, 0);
    let text = |s: &str| Some(CqlValue::Text(s.to_owned()));
    let values: Vec<(&str, Option<CqlValue>)> = vec![
        ("bootstrapped", text("COMPLETED")),
        (
            "broadcast_address",
            Some(CqlValue::Inet(node.listen_address)),
        ),
        ("broadcast_port", Some(CqlValue::Int(7000))),
        ("cluster_name", text(&node.cluster_name)),
        ("cql_version", text(CQL_VERSION)),
        ("data_center", text(&node.data_center)),
        ("gossip_generation", Some(CqlValue::Int(now_s() as i32))),
        ("host_id", Some(CqlValue::Uuid(node.host_id))),
        ("listen_address", Some(CqlValue::Inet(node.listen_address))),
        ("listen_port", Some(CqlValue::Int(7000))),
        ("native_protocol_version", text("5")),
        ("partitioner", text(PARTITIONER_NAME)),
        ("rack", text(&node.rack)),
        ("release_version", text(RELEASE_VERSION)),
        ("rpc_address", Some(CqlValue::Inet(node.rpc_address))),
        ("rpc_port", Some(CqlValue::Int(i32::from(node.native_port)))),
        (
            "native_port",
            Some(CqlValue::Int(i32::from(node.native_port))),
        ),
        ("schema_version", Some(CqlValue::Uuid(schema.version))),
        (
            "tokens",
            Some(CqlValue::Set(
                node.tokens
                    .iter()
                    .map(|t| CqlValue::Text(t.to_string()))
                    .collect(),
            )),
        ),
    ];
    writer.add_row_marker(&[]);
    for (name, value) in values {
        let column = local
            .column(name)
            .ok_or_else(|| CqlError::server(format!("system.local.{name}")))?;
        writer.set_column(&[], column, value.map(|v| v.to_bytes()).as_deref())?;
    }
    system.apply(&writer.into_mutation()).await
}
