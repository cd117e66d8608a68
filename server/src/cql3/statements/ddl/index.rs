//! CREATE and DROP INDEX.

use std::collections::BTreeMap;
use std::sync::Arc;

use sibyl_protocol::response::SchemaChangeType;
use sibyl_protocol::types::ColumnType;

use super::options::options;
use super::{Change, Context, guard_system};
use crate::cql3::ast::{QualifiedName, SchemaStatement};
use crate::cql3::{CqlError, CqlResult};
use crate::schema::ColumnKind;
use crate::schema::params::OptionValue;

pub(super) fn create(ctx: &Context<'_>, statement: &SchemaStatement) -> CqlResult<Option<Change>> {
    let SchemaStatement::CreateIndex {
        name: index_name,
        table,
        if_not_exists,
        custom,
        targets,
        using,
        properties,
    } = statement
    else {
        return Err(CqlError::server("not a CREATE INDEX"));
    };
    let ks_name = ctx.keyspace_of(table.keyspace.as_deref())?;
    guard_system(ks_name)?;
    let mut ks = ctx.existing(ks_name)?;
    let table_meta = ks.tables.get(&table.name).cloned().ok_or_else(|| {
        CqlError::invalid(format!("Table '{ks_name}.{}' doesn't exist", table.name))
    })?;
    let [target] = targets.as_slice() else {
        return Err(CqlError::invalid(
            "Only CUSTOM indexes support multiple columns",
        ));
    };
    let column = table_meta
        .column(&target.column)
        .ok_or_else(|| CqlError::invalid(format!("Column '{}' doesn't exist", target.column)))?;
    if column.kind == ColumnKind::PartitionKey && table_meta.partition_key_len() == 1 {
        return Err(CqlError::invalid(format!(
            "Cannot create secondary index on the only partition key column {}",
            column.name
        )));
    }
    if column.is_counter() {
        return Err(CqlError::invalid(
            "Cannot create secondary index on a counter column",
        ));
    }
    let is_collection = matches!(
        column.column_type,
        ColumnType::List(_) | ColumnType::Set(_) | ColumnType::Map(..)
    );
    use crate::cql3::ast::IndexTargetKind as K;
    let target_text = match target.kind {
        K::Simple if is_collection && column.multi_cell => {
            format!("values({})", column.name)
        }
        K::Simple => column.name.clone(),
        K::Keys if matches!(column.column_type, ColumnType::Map(..)) => {
            format!("keys({})", column.name)
        }
        K::Keys => {
            return Err(CqlError::invalid(format!(
                "Cannot create index on keys of column {} with non-map type",
                column.name
            )));
        }
        K::Values if is_collection => format!("values({})", column.name),
        K::Values => {
            return Err(CqlError::invalid(format!(
                "Cannot create index on values of column {} with non-collection type",
                column.name
            )));
        }
        K::Entries if !matches!(column.column_type, ColumnType::Map(..)) => {
            return Err(CqlError::invalid(format!(
                "Cannot create index on entries of column {} with non-map type",
                column.name
            )));
        }
        K::Entries if !column.multi_cell => {
            return Err(CqlError::invalid(format!(
                "Cannot create entries() index on frozen column {0}. Frozen collections are immutable and must be fully indexed by using the 'full({0})' modifier",
                column.name
            )));
        }
        K::Entries => format!("entries({})", column.name),
        K::Full if is_collection && !column.multi_cell => {
            format!("full({})", column.name)
        }
        K::Full => {
            return Err(CqlError::invalid(
                "full() indexes can only be created on frozen collections",
            ));
        }
    };
    let name = index_name
        .clone()
        .unwrap_or_else(|| format!("{}_{}_idx", table.name, column.name));
    if ks
        .tables
        .values()
        .any(|t| t.indexes.iter().any(|i| i.name == name))
    {
        if *if_not_exists {
            return Ok(None);
        }
        return Err(CqlError::invalid(format!("Index '{name}' already exists")));
    }
    let mut index_options: BTreeMap<String, String> = BTreeMap::new();
    for (option, value) in options(properties)? {
        match (option.as_str(), value) {
            ("options", OptionValue::Map(map)) => index_options.extend(map),
            (other, _) => {
                return Err(CqlError::Syntax(format!("Unknown property '{other}'")));
            }
        }
    }
    let class = using.clone().filter(|_| *custom || using.is_some());
    let kind = match class.as_deref().map(str::to_lowercase).as_deref() {
        None | Some("legacy_local_table") => "COMPOSITES",
        Some("sai")
        | Some("storageattachedindex")
        | Some("org.apache.cassandra.index.sai.storageattachedindex") => {
            index_options.insert(
                "class_name".into(),
                "org.apache.cassandra.index.sai.StorageAttachedIndex".into(),
            );
            "CUSTOM"
        }
        Some(other) => {
            return Err(CqlError::config(format!(
                "Unable to find custom indexer class '{other}'"
            )));
        }
    };
    if let ColumnType::Vector { element, .. } = &column.column_type {
        if kind != "CUSTOM" {
            return Err(CqlError::invalid(format!(
                "Cannot create secondary index on vector column {}: vector columns need a storage-attached index (USING 'sai')",
                column.name
            )));
        }
        if **element != ColumnType::Float {
            return Err(CqlError::invalid(format!(
                "Vector indexes only support vector<float, n> columns, {} is {}",
                column.name,
                column.column_type.cql_name()
            )));
        }
        if let Some(function) = index_options.get("similarity_function") {
            if crate::index::similarity::Similarity::from_option(function).is_none() {
                return Err(CqlError::invalid(format!(
                    "Similarity function {function} was not recognized for vector index; use one of COSINE, DOT_PRODUCT, EUCLIDEAN"
                )));
            }
        }
    } else if index_options.contains_key("similarity_function") {
        return Err(CqlError::invalid(
            "similarity_function is only supported on vector indexes",
        ));
    }
    index_options.insert("target".into(), target_text);
    let mut updated = (*table_meta).clone();
    updated.indexes.push(crate::schema::IndexMetadata {
        name,
        kind: kind.to_owned(),
        options: index_options,
    });
    ks.tables.insert(table.name.clone(), Arc::new(updated));
    Ok(Some(Change::table(
        ks_name,
        ks,
        SchemaChangeType::Updated,
        &table.name,
    )))
}

pub(super) fn drop(
    ctx: &Context<'_>,
    name: &QualifiedName,
    if_exists: bool,
) -> CqlResult<Option<Change>> {
    let ks_name = ctx.keyspace_of(name.keyspace.as_deref())?;
    let mut ks = ctx.existing(ks_name)?;
    let owner = ks
        .tables
        .values()
        .find(|t| t.indexes.iter().any(|i| i.name == name.name))
        .cloned();
    let Some(owner) = owner else {
        if if_exists {
            return Ok(None);
        }
        return Err(CqlError::invalid(format!(
            "Index '{}' could not be found in any of the tables of keyspace '{ks_name}'",
            name.name
        )));
    };
    let mut updated = (*owner).clone();
    updated.indexes.retain(|i| i.name != name.name);
    ks.tables.insert(updated.name.clone(), Arc::new(updated));
    Ok(Some(Change::table(
        ks_name,
        ks,
        SchemaChangeType::Updated,
        &owner.name,
    )))
}
