//! Materialized views, user-defined functions and aggregates, and triggers,
//! answered as Cassandra 5.0 answers them with its default cassandra.yaml:
//! `materialized_views_enabled` and `user_defined_functions_enabled` are
//! false, and no trigger class is installed. So creating one is refused with
//! Cassandra's message, and since none can exist, altering or dropping one
//! says it does not exist (or does nothing under IF EXISTS).

use super::{Change, Context};
use crate::cql3::ast::{CqlType, QualifiedName, SchemaStatement};
use crate::cql3::{CqlError, CqlResult};

fn refuse(message: impl Into<String>) -> CqlResult<Option<Change>> {
    Err(CqlError::invalid(message))
}

/// Nothing of the kind exists: a no-op under IF EXISTS, else `message`.
fn missing(if_exists: bool, message: String) -> CqlResult<Option<Change>> {
    if if_exists { Ok(None) } else { refuse(message) }
}

fn function_name(keyspace: &str, name: &QualifiedName, arguments: Option<&[CqlType]>) -> String {
    match arguments {
        Some(types) => format!(
            "{keyspace}.{}({})",
            name.name,
            types
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
        None => format!("{keyspace}.{}", name.name),
    }
}

pub(super) fn change(ctx: &Context<'_>, statement: &SchemaStatement) -> CqlResult<Option<Change>> {
    match statement {
        SchemaStatement::CreateMaterializedView {
            name, base_table, ..
        } => {
            let keyspace = ctx.keyspace_of(name.keyspace.as_deref())?;
            if base_table
                .keyspace
                .as_deref()
                .is_some_and(|k| k != keyspace)
            {
                return refuse(
                    "Cannot create a materialized view on a table in a different keyspace",
                );
            }
            refuse("Materialized views are disabled. Enable in cassandra.yaml to use.")
        }
        SchemaStatement::AlterMaterializedView {
            name, if_exists, ..
        }
        | SchemaStatement::DropMaterializedView { name, if_exists } => {
            let keyspace = ctx.keyspace_of(name.keyspace.as_deref())?;
            missing(
                *if_exists,
                format!("Materialized view '{keyspace}.{}' doesn't exist", name.name),
            )
        }
        SchemaStatement::CreateFunction {
            or_replace,
            if_not_exists,
            name,
            ..
        } => {
            ctx.keyspace_of(name.keyspace.as_deref())?;
            if *or_replace && *if_not_exists {
                return refuse("Cannot use both 'OR REPLACE' and 'IF NOT EXISTS' directives");
            }
            refuse(
                "User-defined functions are disabled in cassandra.yaml - set user_defined_functions_enabled=true to enable",
            )
        }
        SchemaStatement::DropFunction {
            name,
            if_exists,
            argument_types,
        } => {
            let keyspace = ctx.keyspace_of(name.keyspace.as_deref())?;
            let name = function_name(keyspace, name, argument_types.as_deref());
            missing(*if_exists, format!("Function '{name}' doesn't exist"))
        }
        SchemaStatement::CreateAggregate {
            or_replace,
            if_not_exists,
            name,
            argument_types,
            state_function,
            state_type,
            ..
        } => {
            let keyspace = ctx.keyspace_of(name.keyspace.as_deref())?;
            if *or_replace && *if_not_exists {
                return refuse("Cannot use both 'OR REPLACE' and 'IF NOT EXISTS' directives");
            }
            if ctx.schema.keyspace(keyspace).is_none() {
                return refuse(format!("Keyspace '{keyspace}' doesn't exist"));
            }
            // Only user-defined functions can be state functions, and none
            // can exist.
            let arguments: Vec<String> = std::iter::once(state_type)
                .chain(argument_types)
                .map(ToString::to_string)
                .collect();
            refuse(format!(
                "State function {keyspace}.{state_function}({}) doesn't exist",
                arguments.join(", ")
            ))
        }
        SchemaStatement::DropAggregate {
            name,
            if_exists,
            argument_types,
        } => {
            let keyspace = ctx.keyspace_of(name.keyspace.as_deref())?;
            let name = function_name(keyspace, name, argument_types.as_deref());
            missing(*if_exists, format!("Aggregate '{name}' doesn't exist"))
        }
        SchemaStatement::CreateTrigger { table, class, .. } => {
            let keyspace = ctx.keyspace_of(table.keyspace.as_deref())?;
            let Some(ks) = ctx.schema.keyspace(keyspace) else {
                return refuse(format!("Keyspace '{keyspace}' doesn't exist"));
            };
            if !ks.tables.contains_key(&table.name) {
                return refuse(format!("Table '{}' doesn't exist", table.name));
            }
            refuse(format!("Trigger class '{class}' couldn't be loaded"))
        }
        SchemaStatement::DropTrigger {
            name,
            if_exists,
            table,
        } => {
            let keyspace = ctx.keyspace_of(table.keyspace.as_deref())?;
            missing(
                *if_exists,
                format!(
                    "Trigger '{name}' on '{keyspace}.{}' doesn't exist",
                    table.name
                ),
            )
        }
        _ => Err(CqlError::server(
            "not a view, function or trigger statement",
        )),
    }
}
