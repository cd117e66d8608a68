//! CREATE, ALTER and DROP TABLE.

use std::collections::BTreeMap;
use std::sync::Arc;

use sibyl_protocol::response::SchemaChangeType;
use sibyl_protocol::types::ColumnType;

use super::options::options;
use super::{Change, Context, guard_system};
use crate::cql3::ast::{
    ColumnDefinition, CqlType, OrderDirection, PrimaryKey, QualifiedName, SchemaStatement,
    TableOptions,
};
use crate::cql3::{CqlError, CqlResult};
use crate::schema::persist::resolve_type;
use crate::schema::{
    ColumnKind, ColumnMetadata, KeyspaceMetadata, TableMetadata, TableParams, UserType,
    column_id_of, new_table_uuid,
};

/// Resolves a column's declared type (user types from `types`), rejecting
/// what Cassandra rejects.
pub(super) fn column_type(
    declared: &CqlType,
    keyspace: &str,
    types: &BTreeMap<String, Arc<UserType>>,
    name: &str,
) -> CqlResult<(ColumnType, bool)> {
    fn check_nested(t: &CqlType, top: bool) -> CqlResult<()> {
        match t {
            CqlType::List(e) | CqlType::Set(e) => {
                if !top
                    && !matches!(**e, CqlType::Frozen(_))
                    && matches!(**e, CqlType::List(_) | CqlType::Set(_) | CqlType::Map(..))
                {
                    return Err(CqlError::invalid(format!(
                        "Non-frozen collections are not allowed inside collections: {t}"
                    )));
                }
                if matches!(
                    **e,
                    CqlType::List(_) | CqlType::Set(_) | CqlType::Map(..) | CqlType::UserDefined(_)
                ) {
                    return Err(CqlError::invalid(format!(
                        "Non-frozen collections are not allowed inside collections: {t}"
                    )));
                }
                check_nested(e, false)
            }
            CqlType::Map(k, v) => {
                for e in [k, v] {
                    if matches!(
                        **e,
                        CqlType::List(_)
                            | CqlType::Set(_)
                            | CqlType::Map(..)
                            | CqlType::UserDefined(_)
                    ) {
                        return Err(CqlError::invalid(format!(
                            "Non-frozen collections are not allowed inside collections: {t}"
                        )));
                    }
                    check_nested(e, false)?;
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }
    check_nested(declared, true)?;
    let parsed = declared.to_parsed();
    let ty = resolve_type(parsed.column_type, keyspace, types).map_err(|_| {
        CqlError::invalid(format!(
            "Unknown type {keyspace}.{} for column {name}",
            declared
        ))
    })?;
    Ok((ty, parsed.frozen))
}

fn build_table(
    keyspace: &KeyspaceMetadata,
    name: &str,
    columns: &[ColumnDefinition],
    primary_key: Option<&PrimaryKey>,
    table_options: &TableOptions,
) -> CqlResult<TableMetadata> {
    if table_options.compact_storage {
        return Err(CqlError::invalid(
            "Compact tables are not allowed in Cassandra starting with 4.0 version.",
        ));
    }
    let inline: Vec<&ColumnDefinition> = columns.iter().filter(|c| c.is_primary_key).collect();
    let key = match (primary_key, inline.as_slice()) {
        (Some(_), [_, ..]) | (None, [_, _, ..]) => {
            return Err(CqlError::invalid(
                "Multiple PRIMARY KEYs specified (exactly one required)",
            ));
        }
        (None, []) => {
            return Err(CqlError::invalid(
                "No PRIMARY KEY specified (exactly one required)",
            ));
        }
        (None, [column]) => PrimaryKey {
            partition_key: vec![column.name.clone()],
            clustering_columns: Vec::new(),
        },
        (Some(key), []) => key.clone(),
    };
    let mut seen = std::collections::HashSet::new();
    for c in columns {
        if !seen.insert(c.name.as_str()) {
            return Err(CqlError::invalid(format!(
                "Multiple definition of identifier {}",
                c.name
            )));
        }
    }
    for k in key.partition_key.iter().chain(&key.clustering_columns) {
        if !columns.iter().any(|c| &c.name == k) {
            return Err(CqlError::invalid(format!(
                "Unknown definition {k} referenced in PRIMARY KEY"
            )));
        }
    }
    // CLUSTERING ORDER BY must list clustering columns in key order.
    let mut descending = BTreeMap::new();
    for (i, (column, direction)) in table_options.clustering_order.iter().enumerate() {
        match key.clustering_columns.iter().position(|c| c == column) {
            None => {
                return Err(CqlError::invalid(format!(
                    "Only clustering key columns can be defined in CLUSTERING ORDER directive: {column} is not a clustering column"
                )));
            }
            Some(p) if p != i => {
                let expected = key.clustering_columns.get(i).cloned().unwrap_or_default();
                return Err(CqlError::invalid(format!(
                    "The order of columns in the CLUSTERING ORDER directive must match that of the clustering columns ({expected} must appear before {column})"
                )));
            }
            Some(_) => {
                descending.insert(column.clone(), *direction == OrderDirection::Descending);
            }
        }
    }
    let mut metadata_columns = Vec::new();
    let mut counters = 0;
    for definition in columns {
        let (ty, frozen) = column_type(
            &definition.cql_type,
            &keyspace.name,
            &keyspace.types,
            &definition.name,
        )?;
        let (kind, position) = if let Some(p) =
            key.partition_key.iter().position(|k| *k == definition.name)
        {
            (ColumnKind::PartitionKey, p as i32)
        } else if let Some(p) = key
            .clustering_columns
            .iter()
            .position(|k| *k == definition.name)
        {
            (ColumnKind::Clustering, p as i32)
        } else if definition.is_static {
            if key.clustering_columns.is_empty() {
                return Err(CqlError::invalid(
                    "Static columns are only useful (and thus allowed) if the table has at least one clustering column",
                ));
            }
            (ColumnKind::Static, -1)
        } else {
            (ColumnKind::Regular, -1)
        };
        if definition.is_static && kind.is_primary_key() {
            return Err(CqlError::invalid(format!(
                "Static column {} cannot be part of the PRIMARY KEY",
                definition.name
            )));
        }
        let multi_cell = !frozen && ty.can_be_multi_cell();
        if kind.is_primary_key() {
            if multi_cell {
                return Err(CqlError::invalid(format!(
                    "Invalid non-frozen collection type for PRIMARY KEY component {}",
                    definition.name
                )));
            }
            if ty == ColumnType::Counter {
                return Err(CqlError::invalid(format!(
                    "counter type is not supported for PRIMARY KEY column '{}'",
                    definition.name
                )));
            }
            if matches!(ty, ColumnType::Duration) {
                return Err(CqlError::invalid(format!(
                    "duration type is not supported for PRIMARY KEY column '{}'",
                    definition.name
                )));
            }
        }
        if ty == ColumnType::Counter {
            counters += 1;
        }
        metadata_columns.push(ColumnMetadata {
            name: definition.name.clone(),
            multi_cell,
            column_type: ty,
            kind,
            position,
            descending: descending.get(&definition.name).copied().unwrap_or(false),
            id: column_id_of(&definition.name),
        });
    }
    let regular = metadata_columns
        .iter()
        .filter(|c| !c.kind.is_primary_key())
        .count();
    if counters > 0 && counters != regular {
        return Err(CqlError::invalid(
            "Cannot mix counter and non counter columns in the same table",
        ));
    }
    let mut params = TableParams::default();
    params.apply(&options(&table_options.properties)?)?;
    if counters > 0 && params.default_time_to_live > 0 {
        return Err(CqlError::invalid(
            "Cannot set default_time_to_live on a table with counters",
        ));
    }
    Ok(TableMetadata::new(
        &keyspace.name,
        name,
        new_table_uuid(),
        metadata_columns,
        params,
    ))
}

pub(super) fn create(ctx: &Context<'_>, statement: &SchemaStatement) -> CqlResult<Option<Change>> {
    let SchemaStatement::CreateTable {
        name,
        if_not_exists,
        columns,
        primary_key,
        options,
    } = statement
    else {
        return Err(CqlError::server("not a CREATE TABLE"));
    };
    let ks_name = ctx.keyspace_of(name.keyspace.as_deref())?;
    guard_system(ks_name)?;
    let mut ks = ctx.existing(ks_name)?;
    if ks.tables.contains_key(&name.name) {
        if *if_not_exists {
            return Ok(None);
        }
        return Err(CqlError::AlreadyExists {
            keyspace: ks_name.to_owned(),
            table: name.name.clone(),
            message: format!(
                "Cannot add already existing table \"{}\" to keyspace \"{ks_name}\"",
                name.name
            ),
        });
    }
    if name.name.len() > 48
        || !name
            .name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        return Err(CqlError::invalid(format!(
            "Table name must not be empty, more than 48 characters long, or contain non-alphanumeric-underscore characters (got \"{}\")",
            name.name
        )));
    }
    let table = build_table(&ks, &name.name, columns, primary_key.as_ref(), options)?;
    ks.tables.insert(name.name.clone(), Arc::new(table));
    Ok(Some(Change::table(
        ks_name,
        ks,
        SchemaChangeType::Created,
        &name.name,
    )))
}

pub(super) fn drop(
    ctx: &Context<'_>,
    name: &QualifiedName,
    if_exists: bool,
) -> CqlResult<Option<Change>> {
    let ks_name = ctx.keyspace_of(name.keyspace.as_deref())?;
    let mut ks = ctx.existing(ks_name)?;
    if ks.tables.remove(&name.name).is_none() {
        if if_exists {
            return Ok(None);
        }
        return Err(CqlError::invalid(format!(
            "Table '{ks_name}.{}' doesn't exist",
            name.name
        )));
    }
    guard_system(ks_name)?;
    Ok(Some(Change::table(
        ks_name,
        ks,
        SchemaChangeType::Dropped,
        &name.name,
    )))
}
