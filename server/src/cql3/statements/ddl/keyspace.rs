//! CREATE, ALTER and DROP KEYSPACE.

use sibyl_protocol::response::SchemaChangeType;

use super::options::options;
use super::{Change, Context, guard_system};
use crate::cql3::ast::Property;
use crate::cql3::{CqlError, CqlResult};
use crate::schema::params::OptionValue;
use crate::schema::{KeyspaceMetadata, ReplicationParams};

/// Parses `replication = {...}` and `durable_writes` of CREATE/ALTER KEYSPACE.
fn keyspace_params(
    properties: &[Property],
    mut replication: Option<ReplicationParams>,
    mut durable: bool,
    data_center: &str,
) -> CqlResult<(ReplicationParams, bool)> {
    for (name, value) in options(properties)? {
        match (name.as_str(), value) {
            ("replication", OptionValue::Map(mut map)) => {
                let class = map
                    .remove("class")
                    .ok_or_else(|| CqlError::config("Missing replication strategy class"))?;
                let short = class.rsplit('.').next().unwrap_or(&class).to_owned();
                let class = match short.as_str() {
                    "SimpleStrategy" => {
                        let rf = map.get("replication_factor").ok_or_else(|| {
                            CqlError::config(
                                "SimpleStrategy requires a replication_factor strategy option.",
                            )
                        })?;
                        if rf.parse::<u32>().is_err() {
                            return Err(CqlError::config(format!(
                                "Replication factor must be non-negative; found {rf}"
                            )));
                        }
                        if let Some(extra) = map.keys().find(|k| *k != "replication_factor") {
                            return Err(CqlError::config(format!(
                                "Unrecognized strategy option {{{extra}}} passed to SimpleStrategy for keyspace"
                            )));
                        }
                        ReplicationParams::SIMPLE
                    }
                    "NetworkTopologyStrategy" => {
                        if let Some(rf) = map.remove("replication_factor") {
                            map.insert(data_center.to_owned(), rf);
                        }
                        for (dc, rf) in &map {
                            if rf.parse::<u32>().is_err() {
                                return Err(CqlError::config(format!(
                                    "Replication factor must be non-negative; found {rf} for {dc}"
                                )));
                            }
                        }
                        ReplicationParams::NETWORK_TOPOLOGY
                    }
                    "LocalStrategy" | "EverywhereStrategy" => {
                        return Err(CqlError::config(format!(
                            "Unable to use given strategy class: {short} is reserved for internal use."
                        )));
                    }
                    _ => {
                        return Err(CqlError::config(format!(
                            "Unable to find replication strategy class '{class}'"
                        )));
                    }
                };
                replication = Some(ReplicationParams {
                    class: class.to_owned(),
                    options: map,
                });
            }
            ("replication", OptionValue::Text(_)) => {
                return Err(CqlError::Syntax(
                    "Invalid value for property 'replication'. It should be a map.".into(),
                ));
            }
            ("durable_writes", OptionValue::Text(v)) => {
                durable = match v.to_lowercase().as_str() {
                    "true" => true,
                    "false" => false,
                    _ => {
                        return Err(CqlError::Syntax(format!(
                            "Invalid boolean value {v} for 'durable_writes'"
                        )));
                    }
                };
            }
            (other, _) => return Err(CqlError::Syntax(format!("Unknown property '{other}'"))),
        }
    }
    let replication =
        replication.ok_or_else(|| CqlError::config("Missing mandatory option 'replication'"))?;
    Ok((replication, durable))
}

pub(super) fn create(
    ctx: &Context<'_>,
    name: &str,
    if_not_exists: bool,
    properties: &[Property],
) -> CqlResult<Option<Change>> {
    if ctx.schema.keyspace(name).is_some() {
        if if_not_exists {
            return Ok(None);
        }
        return Err(CqlError::AlreadyExists {
            keyspace: name.to_owned(),
            table: String::new(),
            message: format!("Keyspace '{name}' already exists"),
        });
    }
    guard_system(name)?;
    if name.len() > 48 || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(CqlError::invalid(format!(
            "Keyspace name must not be empty, more than 48 characters long, or contain non-alphanumeric-underscore characters (got \"{name}\")"
        )));
    }
    let (replication, durable) = keyspace_params(properties, None, true, ctx.data_center)?;
    Ok(Some(Change::keyspace(
        name,
        Some(KeyspaceMetadata::new(name, replication, durable)),
        SchemaChangeType::Created,
    )))
}

pub(super) fn alter(
    ctx: &Context<'_>,
    name: &str,
    if_exists: bool,
    properties: &[Property],
) -> CqlResult<Option<Change>> {
    let Some(ks) = ctx.schema.keyspace(name) else {
        if if_exists {
            return Ok(None);
        }
        return Err(CqlError::invalid(format!(
            "Keyspace '{name}' doesn't exist"
        )));
    };
    guard_system(name)?;
    let mut ks = (**ks).clone();
    let (replication, durable) = keyspace_params(
        properties,
        Some(ks.replication.clone()),
        ks.durable_writes,
        ctx.data_center,
    )?;
    ks.replication = replication;
    ks.durable_writes = durable;
    Ok(Some(Change::keyspace(
        name,
        Some(ks),
        SchemaChangeType::Updated,
    )))
}

pub(super) fn drop(ctx: &Context<'_>, name: &str, if_exists: bool) -> CqlResult<Option<Change>> {
    if ctx.schema.keyspace(name).is_none() {
        if if_exists {
            return Ok(None);
        }
        return Err(CqlError::config(format!("Keyspace '{name}' doesn't exist")));
    }
    guard_system(name)?;
    Ok(Some(Change::keyspace(
        name,
        None,
        SchemaChangeType::Dropped,
    )))
}
