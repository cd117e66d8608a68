//! ALTER TABLE: add, drop and rename columns, change options.

use std::sync::Arc;

use sibyl_protocol::response::SchemaChangeType;
use sibyl_protocol::types::ColumnType;

use super::options::options;
use super::table::column_type;
use super::{Change, Context, guard_system};
use crate::cql3::ast::{AlterTableAction, Literal, QualifiedName, Term};
use crate::cql3::{CqlError, CqlResult};
use crate::schema::{ColumnKind, ColumnMetadata, TableMetadata, column_id_of};
use crate::service::ShardServices;

pub(super) fn alter(
    ctx: &Context<'_>,
    name: &QualifiedName,
    if_exists: bool,
    action: &AlterTableAction,
) -> CqlResult<Option<Change>> {
    let ks_name = ctx.keyspace_of(name.keyspace.as_deref())?;
    let mut ks = ctx.existing(ks_name)?;
    let Some(table) = ks.tables.get(&name.name).cloned() else {
        if if_exists {
            return Ok(None);
        }
        return Err(CqlError::invalid(format!(
            "Table '{ks_name}.{}' doesn't exist",
            name.name
        )));
    };
    guard_system(ks_name)?;
    let mut table = (*table).clone();
    match action {
        AlterTableAction::AddColumns {
            if_not_exists,
            columns,
        } => {
            for definition in columns {
                if table.column(&definition.name).is_some() {
                    if *if_not_exists {
                        continue;
                    }
                    return Err(CqlError::invalid(format!(
                        "Column with name '{}' already exists",
                        definition.name
                    )));
                }
                let (ty, frozen) =
                    column_type(&definition.cql_type, ks_name, &ks.types, &definition.name)?;
                if definition.is_static && table.clustering_len() == 0 {
                    return Err(CqlError::invalid(
                        "Static columns are only useful (and thus allowed) if the table has at least one clustering column",
                    ));
                }
                let kind = if definition.is_static {
                    ColumnKind::Static
                } else {
                    ColumnKind::Regular
                };
                if let Some((_, _, dropped_kind)) = table.dropped_columns.get(&definition.name) {
                    if *dropped_kind != kind {
                        return Err(CqlError::invalid(format!(
                            "Cannot re-add previously dropped column '{}' of kind {}, incompatible with previous kind {}",
                            definition.name,
                            kind.as_str().to_uppercase(),
                            dropped_kind.as_str().to_uppercase()
                        )));
                    }
                    if table.is_counter() {
                        return Err(CqlError::invalid(format!(
                            "Cannot re-add previously dropped counter column {}",
                            definition.name
                        )));
                    }
                }
                if (ty == ColumnType::Counter) != table.is_counter()
                    && table.regular_and_static().count() > 0
                {
                    return Err(CqlError::invalid(
                        "Cannot mix counter and non counter columns in the same table",
                    ));
                }
                let column = ColumnMetadata {
                    name: definition.name.clone(),
                    multi_cell: !frozen && ty.can_be_multi_cell(),
                    column_type: ty,
                    kind,
                    position: -1,
                    descending: false,
                    id: column_id_of(&definition.name),
                };
                table.dropped_columns.remove(&column.name);
                table.columns.push(column);
            }
        }
        AlterTableAction::DropColumns {
            if_exists,
            columns,
            timestamp,
        } => {
            let dropped_at_us = match timestamp {
                Some(term) => drop_timestamp(term)?,
                None => ShardServices::now_us(),
            };
            for column_name in columns {
                let Some(position) = table.columns.iter().position(|c| &c.name == column_name)
                else {
                    if *if_exists {
                        continue;
                    }
                    return Err(CqlError::invalid(format!(
                        "Column {column_name} was not found in table '{}.{}'",
                        table.keyspace, table.name
                    )));
                };
                let column = table.columns[position].clone();
                if column.kind.is_primary_key() {
                    return Err(CqlError::invalid(format!(
                        "Cannot drop PRIMARY KEY column {column_name}"
                    )));
                }
                if let ColumnType::Udt {
                    name: type_name, ..
                } = &column.column_type
                {
                    if column.multi_cell {
                        return Err(CqlError::invalid(format!(
                            "Cannot drop non-frozen column {column_name} of user type {type_name}"
                        )));
                    }
                }
                refuse_dependent_indexes(&table, column_name, "drop")?;
                table.columns.remove(position);
                table.dropped_columns.insert(
                    column.name.clone(),
                    (dropped_at_us, column.type_text(), column.kind),
                );
            }
        }
        AlterTableAction::Options(properties) => table.params.apply(&options(properties)?)?,
        AlterTableAction::RenameColumns {
            if_exists: if_columns_exist,
            renames,
        } => rename_columns(&mut table, renames, *if_columns_exist)?,
        AlterTableAction::AlterColumnType { .. } => {
            return Err(CqlError::invalid(
                "Altering column types is no longer supported",
            ));
        }
        AlterTableAction::DropCompactStorage => {
            return Err(CqlError::invalid(
                "Cannot DROP COMPACT STORAGE on a table that is not compact",
            ));
        }
    }
    // Rebuilding puts added columns in SELECT * order; indexes and
    // the dropped-column record carry over.
    let mut rebuilt = TableMetadata::new(
        &table.keyspace.clone(),
        &table.name.clone(),
        table.id,
        table.columns.clone(),
        table.params.clone(),
    );
    rebuilt.dropped_columns = table.dropped_columns.clone();
    rebuilt.indexes = table.indexes.clone();
    ks.tables.insert(name.name.clone(), Arc::new(rebuilt));
    Ok(Some(Change::table(
        ks_name,
        ks,
        SchemaChangeType::Updated,
        &name.name,
    )))
}

/// `RENAME a TO b AND ...`: Cassandra renames only primary key columns,
/// whose values live in the partition key and clustering bytes rather than
/// under a column id, so stored data needs no change. Every name is checked
/// against the table as it was before the statement.
fn rename_columns(
    table: &mut TableMetadata,
    renames: &[(String, String)],
    if_columns_exist: bool,
) -> CqlResult<()> {
    let original = table.clone();
    let qualified = format!("{}.{}", original.keyspace, original.name);
    for (old, new) in renames {
        let Some(column) = original.column(old) else {
            if if_columns_exist {
                continue;
            }
            return Err(CqlError::invalid(format!(
                "Column {old} was not found in table {qualified}"
            )));
        };
        if !column.kind.is_primary_key() {
            return Err(CqlError::invalid(format!(
                "Cannot rename non PRIMARY KEY column {old}"
            )));
        }
        if original.column(new).is_some() {
            return Err(CqlError::invalid(format!(
                "Cannot rename column {old} to {new} in table '{qualified}'; another column with that name already exists"
            )));
        }
        refuse_dependent_indexes(&original, old, "rename")?;
        let renamed = table
            .columns
            .iter_mut()
            .find(|c| c.name == *old)
            .ok_or_else(|| CqlError::server("renamed column vanished"))?;
        renamed.name = new.clone();
        renamed.id = column_id_of(new);
    }
    Ok(())
}

/// Cassandra refuses to drop or rename a column that an index is built on.
fn refuse_dependent_indexes(table: &TableMetadata, column: &str, verb: &str) -> CqlResult<()> {
    let dependent: Vec<&str> = table
        .indexes
        .iter()
        .filter(|index| {
            crate::index::index_column(table, index).map_or(true, |(_, c)| c.name == column)
        })
        .map(|index| index.name.as_str())
        .collect();
    if dependent.is_empty() {
        return Ok(());
    }
    Err(CqlError::invalid(format!(
        "Cannot {verb} column {column} because it has dependent secondary indexes ({})",
        dependent.join(", ")
    )))
}

/// `DROP ... USING TIMESTAMP n`: when the drop happened, in microseconds.
fn drop_timestamp(term: &Term) -> CqlResult<i64> {
    match term {
        Term::Literal(Literal::Integer(text)) => text
            .parse()
            .map_err(|_| CqlError::invalid(format!("Invalid timestamp {text}"))),
        other => Err(CqlError::invalid(format!("Invalid timestamp {other}"))),
    }
}
