//! The schema as rows of the `system_schema` tables, both ways.
//!
//! Writing: a changed keyspace is rewritten whole. Its partition (keyed by
//! keyspace name) in every schema table is deleted at `ts` and all of its
//! rows are written at `ts + 1`, so removed tables, columns and types vanish
//! without a diff. Reading: every schema table is scanned and the keyspaces
//! are rebuilt from the rows, which is also what startup does.

use std::collections::BTreeMap;
use std::sync::Arc;

use sibyl_protocol::types::{ColumnType, CqlValue};
use sibyl_storage::mutation::Mutation;

use super::system::SYSTEM_SCHEMA;
use super::{
    ColumnKind, ColumnMetadata, IndexMetadata, KeyspaceMetadata, ReplicationParams, TableMetadata,
    TableParams, UserType, column_id_of,
};
use crate::cql3::CqlError;
use crate::cql3::rows::CqlRow;
use crate::cql3::writes::{PartitionWriter, WriteOptions};

/// The schema tables a keyspace's rows live in.
pub const SCHEMA_TABLES: [&str; 6] = [
    "keyspaces",
    "tables",
    "columns",
    "dropped_columns",
    "types",
    "indexes",
];

fn text(s: &str) -> CqlValue {
    CqlValue::Text(s.to_owned())
}

fn text_map(map: &BTreeMap<String, String>) -> CqlValue {
    CqlValue::Map(map.iter().map(|(k, v)| (text(k), text(v))).collect())
}

fn text_list(items: impl IntoIterator<Item = String>) -> CqlValue {
    CqlValue::List(items.into_iter().map(CqlValue::Text).collect())
}

/// Writes `values` (column name -> value) as one row of a schema table.
fn write_row(
    writer: &mut PartitionWriter<'_>,
    table: &TableMetadata,
    values: &[(&str, CqlValue)],
) -> Result<(), CqlError> {
    let clustering: Vec<Vec<u8>> = table
        .clustering_key()
        .map(|c| {
            values
                .iter()
                .find(|(n, _)| *n == c.name)
                .map(|(_, v)| v.to_bytes())
                .unwrap_or_default()
        })
        .collect();
    writer.add_row_marker(&clustering);
    for (name, value) in values {
        let column = table
            .column(name)
            .ok_or_else(|| CqlError::server(format!("no column {name} in {}", table.name)))?;
        if column.kind == ColumnKind::Regular || column.kind == ColumnKind::Static {
            writer.set_column(&clustering, column, Some(&value.to_bytes()))?;
        }
    }
    Ok(())
}

/// Mutations that replace keyspace `ks` in the schema tables (or, with
/// `None`, delete it). `schema_tables` is the `system_schema` keyspace.
pub fn keyspace_mutations(
    schema_tables: &KeyspaceMetadata,
    name: &str,
    keyspace: Option<&KeyspaceMetadata>,
    timestamp_us: i64,
    now_s: i64,
) -> Result<Vec<Mutation>, CqlError> {
    let key = name.as_bytes();
    let mut mutations = Vec::new();
    for table_name in SCHEMA_TABLES {
        let table = schema_tables
            .tables
            .get(table_name)
            .ok_or_else(|| CqlError::server(format!("missing {SYSTEM_SCHEMA}.{table_name}")))?;
        let mut writer = PartitionWriter::new(
            table,
            &[key],
            WriteOptions {
                timestamp_us,
                ttl_s: 0,
                now_s,
            },
            0,
        );
        writer.delete_partition();
        mutations.push(writer.into_mutation());
        let Some(ks) = keyspace else { continue };
        let mut writer = PartitionWriter::new(
            table,
            &[key],
            WriteOptions {
                timestamp_us: timestamp_us + 1,
                ttl_s: 0,
                now_s,
            },
            0,
        );
        match table_name {
            "keyspaces" => write_row(
                &mut writer,
                table,
                &[
                    ("keyspace_name", text(name)),
                    ("durable_writes", CqlValue::Boolean(ks.durable_writes)),
                    ("replication", text_map(&ks.replication.to_map())),
                ],
            )?,
            "tables" => {
                for t in ks.tables.values() {
                    write_row(&mut writer, table, &table_row(t))?;
                }
            }
            "columns" => {
                for t in ks.tables.values() {
                    for c in &t.columns {
                        write_row(
                            &mut writer,
                            table,
                            &[
                                ("keyspace_name", text(name)),
                                ("table_name", text(&t.name)),
                                ("column_name", text(&c.name)),
                                ("clustering_order", text(c.clustering_order_text())),
                                (
                                    "column_name_bytes",
                                    CqlValue::Blob(c.name.as_bytes().to_vec()),
                                ),
                                ("kind", text(c.kind.as_str())),
                                ("position", CqlValue::Int(c.position)),
                                ("type", text(&c.type_text())),
                            ],
                        )?;
                    }
                }
            }
            "dropped_columns" => {
                for t in ks.tables.values() {
                    for (column, (dropped_us, type_text, kind)) in &t.dropped_columns {
                        write_row(
                            &mut writer,
                            table,
                            &[
                                ("keyspace_name", text(name)),
                                ("table_name", text(&t.name)),
                                ("column_name", text(column)),
                                ("dropped_time", CqlValue::Timestamp(dropped_us / 1000)),
                                ("kind", text(kind.as_str())),
                                ("type", text(type_text)),
                            ],
                        )?;
                    }
                }
            }
            "types" => {
                for ty in ks.types.values() {
                    write_row(
                        &mut writer,
                        table,
                        &[
                            ("keyspace_name", text(name)),
                            ("type_name", text(&ty.name)),
                            (
                                "field_names",
                                text_list(ty.fields.iter().map(|(n, _)| n.clone())),
                            ),
                            (
                                "field_types",
                                text_list(ty.fields.iter().map(|(_, t)| field_type_text(t))),
                            ),
                        ],
                    )?;
                }
            }
            "indexes" => {
                for t in ks.tables.values() {
                    for index in &t.indexes {
                        write_row(
                            &mut writer,
                            table,
                            &[
                                ("keyspace_name", text(name)),
                                ("table_name", text(&t.name)),
                                ("index_name", text(&index.name)),
                                ("kind", text(&index.kind)),
                                ("options", text_map(&index.options)),
                            ],
                        )?;
                    }
                }
            }
            _ => {}
        }
        if !writer.is_empty() {
            mutations.push(writer.into_mutation());
        }
    }
    Ok(mutations)
}

/// Types inside a UDT are stored frozen, as Cassandra prints them.
fn field_type_text(ty: &ColumnType) -> String {
    match ty {
        ColumnType::List(_) | ColumnType::Set(_) | ColumnType::Map(..) | ColumnType::Udt { .. } => {
            ty.cql_name_frozen()
        }
        _ => ty.cql_name(),
    }
}

fn table_row(t: &TableMetadata) -> Vec<(&'static str, CqlValue)> {
    let p = &t.params;
    vec![
        ("keyspace_name", text(&t.keyspace)),
        ("table_name", text(&t.name)),
        ("id", CqlValue::Uuid(t.id)),
        (
            "flags",
            CqlValue::Set(t.flags().into_iter().map(text).collect()),
        ),
        ("comment", text(&p.comment)),
        (
            "bloom_filter_fp_chance",
            CqlValue::Double(p.bloom_filter_fp_chance),
        ),
        ("caching", text_map(&p.caching)),
        ("compaction", text_map(&p.compaction)),
        ("compression", text_map(&p.compression)),
        ("crc_check_chance", CqlValue::Double(p.crc_check_chance)),
        (
            "default_time_to_live",
            CqlValue::Int(p.default_time_to_live as i32),
        ),
        ("gc_grace_seconds", CqlValue::Int(p.gc_grace_seconds as i32)),
        ("max_index_interval", CqlValue::Int(p.max_index_interval)),
        ("min_index_interval", CqlValue::Int(p.min_index_interval)),
        (
            "memtable_flush_period_in_ms",
            CqlValue::Int(p.memtable_flush_period_in_ms),
        ),
        ("speculative_retry", text(&p.speculative_retry)),
        ("additional_write_policy", text(&p.additional_write_policy)),
        ("read_repair", text(&p.read_repair)),
        ("cdc", CqlValue::Boolean(p.cdc)),
        ("memtable", text(&p.memtable)),
        (
            "allow_auto_snapshot",
            CqlValue::Boolean(p.allow_auto_snapshot),
        ),
        (
            "incremental_backups",
            CqlValue::Boolean(p.incremental_backups),
        ),
        ("dclocal_read_repair_chance", CqlValue::Double(0.0)),
        ("read_repair_chance", CqlValue::Double(0.0)),
        (
            "extensions",
            CqlValue::Map(
                p.extensions
                    .iter()
                    .map(|(k, v)| (text(k), CqlValue::Blob(v.clone())))
                    .collect(),
            ),
        ),
    ]
}

/// Rows of one schema table, decoded by column name.
#[derive(Debug)]
pub struct SchemaRows<'a> {
    pub table: &'a TableMetadata,
    pub rows: Vec<CqlRow>,
}

impl SchemaRows<'_> {
    fn value(&self, row: &CqlRow, column: &str) -> Option<CqlValue> {
        let index = self.table.columns.iter().position(|c| c.name == column)?;
        let bytes = row.values.get(index)?.as_ref()?;
        CqlValue::decode(&self.table.columns.get(index)?.column_type, bytes).ok()
    }

    fn text(&self, row: &CqlRow, column: &str) -> String {
        match self.value(row, column) {
            Some(CqlValue::Text(s)) => s,
            _ => String::new(),
        }
    }

    fn map(&self, row: &CqlRow, column: &str) -> BTreeMap<String, String> {
        match self.value(row, column) {
            Some(CqlValue::Map(entries)) => entries
                .into_iter()
                .filter_map(|(k, v)| match (k, v) {
                    (CqlValue::Text(k), CqlValue::Text(v)) => Some((k, v)),
                    _ => None,
                })
                .collect(),
            _ => BTreeMap::new(),
        }
    }

    fn list(&self, row: &CqlRow, column: &str) -> Vec<String> {
        match self.value(row, column) {
            Some(CqlValue::List(items)) => items
                .into_iter()
                .filter_map(|v| {
                    if let CqlValue::Text(s) = v {
                        Some(s)
                    } else {
                        None
                    }
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    fn int(&self, row: &CqlRow, column: &str) -> Option<i32> {
        match self.value(row, column) {
            Some(CqlValue::Int(v)) => Some(v),
            _ => None,
        }
    }

    fn double(&self, row: &CqlRow, column: &str) -> Option<f64> {
        match self.value(row, column) {
            Some(CqlValue::Double(v)) => Some(v),
            _ => None,
        }
    }

    fn boolean(&self, row: &CqlRow, column: &str) -> Option<bool> {
        match self.value(row, column) {
            Some(CqlValue::Boolean(v)) => Some(v),
            _ => None,
        }
    }
}

/// Resolves user type references (parsed with empty fields) against `types`.
pub fn resolve_type(
    ty: ColumnType,
    keyspace: &str,
    types: &BTreeMap<String, Arc<UserType>>,
) -> Result<ColumnType, CqlError> {
    let resolve = |t: ColumnType| resolve_type(t, keyspace, types);
    Ok(match ty {
        ColumnType::Udt { name, fields, .. } if fields.is_empty() => {
            let udt = types
                .get(&name)
                .ok_or_else(|| CqlError::invalid(format!("Unknown type {keyspace}.{name}")))?;
            udt.column_type()
        }
        ColumnType::List(e) => ColumnType::List(Box::new(resolve(*e)?)),
        ColumnType::Set(e) => ColumnType::Set(Box::new(resolve(*e)?)),
        ColumnType::Map(k, v) => ColumnType::Map(Box::new(resolve(*k)?), Box::new(resolve(*v)?)),
        ColumnType::Tuple(items) => {
            ColumnType::Tuple(items.into_iter().map(resolve).collect::<Result<_, _>>()?)
        }
        ColumnType::Vector { element, dimension } => ColumnType::Vector {
            element: Box::new(resolve(*element)?),
            dimension,
        },
        other => other,
    })
}

fn parse_type(
    text: &str,
    keyspace: &str,
    types: &BTreeMap<String, Arc<UserType>>,
) -> Result<(ColumnType, bool), CqlError> {
    let parsed = ColumnType::parse_cql(text)
        .map_err(|e| CqlError::server(format!("stored type {text:?}: {e}")))?;
    Ok((
        resolve_type(parsed.column_type, keyspace, types)?,
        parsed.frozen,
    ))
}

/// Rebuilds every stored keyspace from the schema tables' rows.
pub fn keyspaces_from_rows(
    rows: &BTreeMap<&str, SchemaRows<'_>>,
) -> Result<Vec<KeyspaceMetadata>, CqlError> {
    let get = |name: &str| {
        rows.get(name)
            .ok_or_else(|| CqlError::server(format!("missing {SYSTEM_SCHEMA}.{name} rows")))
    };
    let (keyspaces, tables, columns, types, indexes, dropped) = (
        get("keyspaces")?,
        get("tables")?,
        get("columns")?,
        get("types")?,
        get("indexes")?,
        get("dropped_columns")?,
    );
    let mut out = Vec::new();
    for ks_row in &keyspaces.rows {
        let name = keyspaces.text(ks_row, "keyspace_name");
        let mut replication = keyspaces.map(ks_row, "replication");
        let class = replication
            .remove("class")
            .unwrap_or_else(|| ReplicationParams::SIMPLE.to_owned());
        let mut ks = KeyspaceMetadata::new(
            &name,
            ReplicationParams {
                class,
                options: replication,
            },
            keyspaces.boolean(ks_row, "durable_writes").unwrap_or(true),
        );
        // Types first (in dependency order they were created; resolve repeatedly).
        let mut pending: Vec<(String, Vec<String>, Vec<String>)> = types
            .rows
            .iter()
            .filter(|r| types.text(r, "keyspace_name") == name)
            .map(|r| {
                (
                    types.text(r, "type_name"),
                    types.list(r, "field_names"),
                    types.list(r, "field_types"),
                )
            })
            .collect();
        while !pending.is_empty() {
            let before = pending.len();
            pending.retain(|(type_name, names, type_texts)| {
                let fields: Result<Vec<_>, _> = names
                    .iter()
                    .zip(type_texts)
                    .map(|(n, t)| parse_type(t, &name, &ks.types).map(|(ty, _)| (n.clone(), ty)))
                    .collect();
                match fields {
                    Ok(fields) => {
                        ks.types.insert(
                            type_name.clone(),
                            Arc::new(UserType {
                                keyspace: name.clone(),
                                name: type_name.clone(),
                                fields,
                            }),
                        );
                        false
                    }
                    Err(_) => true,
                }
            });
            if pending.len() == before {
                return Err(CqlError::server(format!(
                    "unresolvable user types in keyspace {name}"
                )));
            }
        }
        for t_row in tables
            .rows
            .iter()
            .filter(|r| tables.text(r, "keyspace_name") == name)
        {
            let table_name = tables.text(t_row, "table_name");
            let mut table_columns = Vec::new();
            for c_row in columns.rows.iter().filter(|r| {
                columns.text(r, "keyspace_name") == name
                    && columns.text(r, "table_name") == table_name
            }) {
                let column_name = columns.text(c_row, "column_name");
                let kind = match columns.text(c_row, "kind").as_str() {
                    "partition_key" => ColumnKind::PartitionKey,
                    "clustering" => ColumnKind::Clustering,
                    "static" => ColumnKind::Static,
                    _ => ColumnKind::Regular,
                };
                let (column_type, frozen) =
                    parse_type(&columns.text(c_row, "type"), &name, &ks.types)?;
                table_columns.push(ColumnMetadata {
                    multi_cell: !frozen
                        && column_type.can_be_multi_cell()
                        && !kind.is_primary_key(),
                    column_type,
                    kind,
                    position: columns.int(c_row, "position").unwrap_or(-1),
                    descending: columns.text(c_row, "clustering_order") == "desc",
                    id: column_id_of(&column_name),
                    name: column_name,
                });
            }
            let mut params = TableParams::default();
            params.comment = tables.text(t_row, "comment");
            params.caching = tables.map(t_row, "caching");
            params.compaction = tables.map(t_row, "compaction");
            params.compression = tables.map(t_row, "compression");
            params.speculative_retry = tables.text(t_row, "speculative_retry");
            params.additional_write_policy = tables.text(t_row, "additional_write_policy");
            params.read_repair = tables.text(t_row, "read_repair");
            params.memtable = tables.text(t_row, "memtable");
            let defaults = TableParams::default();
            params.bloom_filter_fp_chance = tables
                .double(t_row, "bloom_filter_fp_chance")
                .unwrap_or(defaults.bloom_filter_fp_chance);
            params.crc_check_chance = tables.double(t_row, "crc_check_chance").unwrap_or(1.0);
            params.default_time_to_live = tables
                .int(t_row, "default_time_to_live")
                .unwrap_or(0)
                .max(0) as u32;
            params.gc_grace_seconds = tables
                .int(t_row, "gc_grace_seconds")
                .unwrap_or(864_000)
                .max(0) as u32;
            params.max_index_interval = tables.int(t_row, "max_index_interval").unwrap_or(2048);
            params.min_index_interval = tables.int(t_row, "min_index_interval").unwrap_or(128);
            params.memtable_flush_period_in_ms = tables
                .int(t_row, "memtable_flush_period_in_ms")
                .unwrap_or(0);
            params.cdc = tables.boolean(t_row, "cdc").unwrap_or(false);
            params.allow_auto_snapshot =
                tables.boolean(t_row, "allow_auto_snapshot").unwrap_or(true);
            params.incremental_backups =
                tables.boolean(t_row, "incremental_backups").unwrap_or(true);
            let id = match tables.value(t_row, "id") {
                Some(CqlValue::Uuid(id)) => id,
                _ => {
                    return Err(CqlError::server(format!(
                        "table {name}.{table_name} has no id"
                    )));
                }
            };
            let mut table = TableMetadata::new(&name, &table_name, id, table_columns, params);
            table.indexes = indexes
                .rows
                .iter()
                .filter(|r| {
                    indexes.text(r, "keyspace_name") == name
                        && indexes.text(r, "table_name") == table_name
                })
                .map(|r| IndexMetadata {
                    name: indexes.text(r, "index_name"),
                    kind: indexes.text(r, "kind"),
                    options: indexes.map(r, "options"),
                })
                .collect();
            for d_row in dropped.rows.iter().filter(|r| {
                dropped.text(r, "keyspace_name") == name
                    && dropped.text(r, "table_name") == table_name
            }) {
                let when = match dropped.value(d_row, "dropped_time") {
                    Some(CqlValue::Timestamp(ms)) => ms * 1000,
                    _ => 0,
                };
                let kind = if dropped.text(d_row, "kind") == "static" {
                    ColumnKind::Static
                } else {
                    ColumnKind::Regular
                };
                table.dropped_columns.insert(
                    dropped.text(d_row, "column_name"),
                    (when, dropped.text(d_row, "type"), kind),
                );
            }
            ks.tables.insert(table_name, Arc::new(table));
        }
        out.push(ks);
    }
    Ok(out)
}
