//! CREATE, ALTER and DROP TYPE.

use std::sync::Arc;

use sibyl_protocol::response::SchemaChangeType;
use sibyl_protocol::types::ColumnType;

use super::table::column_type;
use super::{Change, Context, guard_system};
use crate::cql3::ast::{AlterTypeAction, CqlType, QualifiedName};
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
    let exists = ctx
        .schema
        .keyspace(ks_name)
        .is_some_and(|ks| ks.types.contains_key(&name.name));
    if !exists {
        if if_exists {
            return Ok(None);
        }
        return Err(CqlError::invalid(format!(
            "Type '{ks_name}.{}' doesn't exist",
            name.name
        )));
    }
    let mut ks = ctx.existing(ks_name)?;
    // A type still nested in another type or used by a table stays.
    let types: Vec<&str> = ks
        .types
        .values()
        .filter(|t| t.name != name.name)
        .filter(|t| t.fields.iter().any(|(_, f)| references_type(f, &name.name)))
        .map(|t| t.name.as_str())
        .collect();
    if !types.is_empty() {
        return Err(CqlError::invalid(format!(
            "Cannot drop user type '{ks_name}.{}' as it is still used by user types {}",
            name.name,
            types.join(", ")
        )));
    }
    let tables: Vec<&str> = ks
        .tables
        .values()
        .filter(|t| {
            t.columns
                .iter()
                .any(|c| references_type(&c.column_type, &name.name))
        })
        .map(|t| t.name.as_str())
        .collect();
    if !tables.is_empty() {
        return Err(CqlError::invalid(format!(
            "Cannot drop user type '{ks_name}.{}' as it is still used by tables {}",
            name.name,
            tables.join(", ")
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

/// `ALTER TYPE t ADD f type` and `ALTER TYPE t RENAME a TO b AND ...`.
/// Stored values need no change: frozen values are read field by field
/// until they end (so an added field reads as null), and non-frozen fields
/// are stored under their position, which neither statement moves.
pub(super) fn alter(
    ctx: &Context<'_>,
    name: &QualifiedName,
    if_exists: bool,
    action: &AlterTypeAction,
) -> CqlResult<Option<Change>> {
    let ks_name = ctx.keyspace_of(name.keyspace.as_deref())?;
    let existing = ctx
        .schema
        .keyspace(ks_name)
        .and_then(|ks| ks.types.get(&name.name).cloned());
    let Some(user_type) = existing else {
        if if_exists {
            return Ok(None);
        }
        return Err(CqlError::invalid(format!(
            "Type {ks_name}.{} doesn't exist",
            name.name
        )));
    };
    guard_system(ks_name)?;
    let mut ks = ctx.existing(ks_name)?;
    let qualified = format!("{ks_name}.{}", name.name);
    let mut fields = user_type.fields.clone();
    match action {
        AlterTypeAction::AddField {
            if_not_exists,
            name: field,
            cql_type,
        } => {
            if fields.iter().any(|(n, _)| n == field) {
                if *if_not_exists {
                    return Ok(None);
                }
                return Err(CqlError::invalid(format!(
                    "Cannot add field {field} to type {qualified}: a field with name {field} already exists"
                )));
            }
            let (ty, _) = column_type(cql_type, ks_name, &ks.types, field)?;
            if references_type(&ty, &name.name) {
                return Err(CqlError::invalid(format!(
                    "Cannot add new field {field} of type {cql_type} to user type {qualified} as it would create a circular reference"
                )));
            }
            let in_partition_key: Vec<String> = ks
                .tables
                .values()
                .filter(|t| {
                    t.partition_key()
                        .any(|c| references_type(&c.column_type, &name.name))
                })
                .map(|t| format!("{ks_name}.{}", t.name))
                .collect();
            if !in_partition_key.is_empty() {
                return Err(CqlError::invalid(format!(
                    "Cannot add new field {field} of type {cql_type} to user type {qualified} as the type is being used in partition key by the following tables: {}",
                    in_partition_key.join(", ")
                )));
            }
            fields.push((field.clone(), ty));
        }
        AlterTypeAction::RenameFields {
            if_exists: if_fields_exist,
            renames,
        } => {
            for (old, new) in renames {
                let Some(position) = user_type.fields.iter().position(|(n, _)| n == old) else {
                    if *if_fields_exist {
                        continue;
                    }
                    // Cassandra's spelling.
                    return Err(CqlError::invalid(format!(
                        "Unkown field {old} in user type {qualified}"
                    )));
                };
                if let Some(slot) = fields.get_mut(position) {
                    slot.0 = new.clone();
                }
            }
            if let Some((duplicate, _)) = fields
                .iter()
                .find(|(n, _)| fields.iter().filter(|(m, _)| m == n).count() > 1)
            {
                // Cassandra formats this message with the keyspace's name
                // where the type's is announced.
                return Err(CqlError::invalid(format!(
                    "Duplicate field name {duplicate} in type {ks_name}"
                )));
            }
            if fields == user_type.fields {
                return Ok(None);
            }
        }
        AlterTypeAction::AlterFieldType { .. } => {
            return Err(CqlError::invalid(
                "Altering field types is no longer supported",
            ));
        }
    }
    ks.types.insert(
        name.name.clone(),
        Arc::new(UserType {
            keyspace: ks_name.to_owned(),
            name: name.name.clone(),
            fields,
        }),
    );
    Ok(Some(Change::user_type(
        ks_name,
        ks,
        SchemaChangeType::Updated,
        &name.name,
    )))
}

/// Whether `ty` is, or contains, the user type `name` (of this keyspace).
fn references_type(ty: &ColumnType, name: &str) -> bool {
    match ty {
        ColumnType::Udt {
            name: udt, fields, ..
        } => udt == name || fields.iter().any(|(_, f)| references_type(f, name)),
        ColumnType::List(e) | ColumnType::Set(e) => references_type(e, name),
        ColumnType::Map(k, v) => references_type(k, name) || references_type(v, name),
        ColumnType::Tuple(items) => items.iter().any(|i| references_type(i, name)),
        ColumnType::Vector { element, .. } => references_type(element, name),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn udt(name: &str, fields: Vec<(String, ColumnType)>) -> ColumnType {
        ColumnType::Udt {
            keyspace: "ks".into(),
            name: name.into(),
            fields,
        }
    }

    #[test]
    fn references_look_through_collections_tuples_and_other_types() {
        let addr = udt("addr", vec![("street".into(), ColumnType::Text)]);
        assert!(references_type(&addr, "addr"));
        assert!(!references_type(&addr, "address"));
        assert!(references_type(
            &ColumnType::List(Box::new(addr.clone())),
            "addr"
        ));
        assert!(references_type(
            &ColumnType::Map(Box::new(ColumnType::Int), Box::new(addr.clone())),
            "addr"
        ));
        assert!(references_type(
            &ColumnType::Tuple(vec![ColumnType::Int, addr.clone()]),
            "addr"
        ));
        let person = udt("person", vec![("home".into(), addr)]);
        assert!(references_type(&person, "addr"));
        // A name that merely contains the type's name is another type.
        assert!(!references_type(&udt("data", Vec::new()), "at"));
        assert!(!references_type(&ColumnType::Text, "addr"));
    }
}
