//! CREATE, ALTER and DROP TYPE.

use std::sync::Arc;

use sibyl_protocol::response::SchemaChangeType;
use sibyl_protocol::types::ColumnType;

use super::table::column_type;
use super::{Change, Context, guard_system};
use crate::cql3::ast::{CqlType, QualifiedName};
use crate::cql3::{CqlError, CqlResult};
use crate::schema::UserType;

pub(super) fn create(
    ctx: &Context<'_>,
    name: &QualifiedName,
    if_not_exists: bool,
    fields: &[(String, CqlType)],
) -> CqlResult<Option<Change>> {
    let ks_name = ctx.keyspace_of(name.keyspace.as_deref())?;
    guard_system(ks_name)?;
    let mut ks = ctx.existing(ks_name)?;
    if ks.types.contains_key(&name.name) {
        if if_not_exists {
            return Ok(None);
        }
        return Err(CqlError::AlreadyExists {
            keyspace: ks_name.to_owned(),
            table: name.name.clone(),
            message: format!("A user type with name '{}' already exists", name.name),
        });
    }
    let mut resolved = Vec::new();
    for (field, declared) in fields {
        if resolved
            .iter()
            .any(|(n, _): &(String, ColumnType)| n == field)
        {
            return Err(CqlError::invalid(format!(
                "Duplicate field name {field} in type {}",
                name.name
            )));
        }
        let (ty, _) = column_type(declared, ks_name, &ks.types, field)?;
        resolved.push((field.clone(), ty));
    }
    ks.types.insert(
        name.name.clone(),
        Arc::new(UserType {
            keyspace: ks_name.to_owned(),
            name: name.name.clone(),
            fields: resolved,
        }),
    );
    Ok(Some(Change::user_type(
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
    if !ks.types.contains_key(&name.name) {
        if if_exists {
            return Ok(None);
        }
        return Err(CqlError::invalid(format!(
            "No user type named {} exists.",
            name.name
        )));
    }
    let used = ks.tables.values().find(|t| {
        t.columns
            .iter()
            .any(|c| c.column_type.cql_name().contains(&name.name))
    });
    if let Some(t) = used {
        return Err(CqlError::invalid(format!(
            "Cannot drop user type {ks_name}.{} as it is still used by table {}",
            name.name, t.name
        )));
    }
    ks.types.remove(&name.name);
    Ok(Some(Change::user_type(
        ks_name,
        ks,
        SchemaChangeType::Dropped,
        &name.name,
    )))
}
