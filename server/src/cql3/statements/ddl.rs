//! Schema changes. Every DDL statement is executed on shard 0, one at a time:
//! the new keyspace definition is written to `system_schema`, the schema is
//! rebuilt from those rows, `system.local.schema_version` is refreshed, and the
//! new snapshot is installed on every shard (which creates or drops storage
//! and pushes SCHEMA_CHANGE to registered connections) before the client is
//! answered.
//!
//! This module dispatches and applies; the children compute the new keyspace
//! definition of each kind of statement.

mod alter_table;
mod disabled;
mod index;
mod keyspace;
mod options;
mod table;
mod types;

use std::rc::Rc;
use std::sync::Arc;

use sibyl_protocol::response::{
    Event, ResultBody, SchemaChange, SchemaChangeTarget, SchemaChangeType,
};

use crate::cql3::ast::SchemaStatement;
use crate::cql3::{CqlError, CqlResult};
use crate::schema::persist::keyspace_mutations;
use crate::schema::system::{SYSTEM_SCHEMA, is_system_keyspace};
use crate::schema::{KeyspaceMetadata, Schema};
use crate::service::{ShardServices, startup};

#[derive(Debug)]
pub struct SchemaPlan {
    statement: SchemaStatement,
    /// The connection's keyspace when the statement was prepared.
    keyspace: Option<String>,
}

/// The outcome of one change on shard 0.
struct Change {
    keyspace: String,
    new: Option<KeyspaceMetadata>,
    event: SchemaChange,
}

impl Change {
    fn keyspace(name: &str, new: Option<KeyspaceMetadata>, change: SchemaChangeType) -> Self {
        Self {
            keyspace: name.to_owned(),
            new,
            event: SchemaChange {
                change,
                target: SchemaChangeTarget::Keyspace {
                    keyspace: name.to_owned(),
                },
            },
        }
    }

    /// A change of a table of `keyspace`, whose new definition is `new`.
    fn table(keyspace: &str, new: KeyspaceMetadata, change: SchemaChangeType, table: &str) -> Self {
        Self {
            keyspace: keyspace.to_owned(),
            new: Some(new),
            event: SchemaChange {
                change,
                target: SchemaChangeTarget::Table {
                    keyspace: keyspace.to_owned(),
                    table: table.to_owned(),
                },
            },
        }
    }

    /// A change of a user type of `keyspace`, whose new definition is `new`.
    fn user_type(
        keyspace: &str,
        new: KeyspaceMetadata,
        change: SchemaChangeType,
        type_name: &str,
    ) -> Self {
        Self {
            keyspace: keyspace.to_owned(),
            new: Some(new),
            event: SchemaChange {
                change,
                target: SchemaChangeTarget::Type {
                    keyspace: keyspace.to_owned(),
                    type_name: type_name.to_owned(),
                },
            },
        }
    }
}

/// What a change is computed against.
struct Context<'a> {
    schema: &'a Schema,
    /// The connection's keyspace.
    current: Option<&'a str>,
    data_center: &'a str,
}

impl<'a> Context<'a> {
    fn keyspace_of(&self, name: Option<&'a str>) -> CqlResult<&'a str> {
        name.or(self.current).ok_or_else(|| {
            CqlError::invalid("No keyspace has been specified. USE a keyspace, or explicitly specify keyspace.tablename")
        })
    }

    /// A copy of an existing keyspace's definition, to change.
    fn existing(&self, name: &str) -> CqlResult<KeyspaceMetadata> {
        self.schema
            .keyspace(name)
            .map(|k| (**k).clone())
            .ok_or_else(|| CqlError::invalid(format!("Keyspace '{name}' doesn't exist")))
    }
}

fn guard_system(name: &str) -> CqlResult<()> {
    if is_system_keyspace(name) {
        Err(CqlError::Unauthorized(format!(
            "{name} keyspace is not user-modifiable."
        )))
    } else {
        Ok(())
    }
}

impl SchemaPlan {
    pub fn prepare(
        _schema: &Arc<Schema>,
        statement: &SchemaStatement,
        keyspace: Option<&str>,
    ) -> CqlResult<Self> {
        Ok(Self {
            statement: statement.clone(),
            keyspace: keyspace.map(str::to_owned),
        })
    }

    /// Runs the change on shard 0 and returns the SCHEMA_CHANGE result (or
    /// VOID when `IF [NOT] EXISTS` made it a no-op).
    pub async fn execute(self: &Arc<Self>, services: &Rc<ShardServices>) -> CqlResult<ResultBody> {
        let plan = self.clone();
        services
            .mesh
            .call(0, move |ctx| async move {
                let services = ShardServices::from_context(ctx)?;
                plan.apply_on_shard0(&services).await
            })
            .await
            .map_err(|_| CqlError::Overloaded("shard 0 is shutting down".into()))?
    }

    fn change(&self, schema: &Schema, data_center: &str) -> CqlResult<Option<Change>> {
        let ctx = Context {
            schema,
            current: self.keyspace.as_deref(),
            data_center,
        };
        match &self.statement {
            SchemaStatement::CreateKeyspace {
                name,
                if_not_exists,
                properties,
            } => keyspace::create(&ctx, name, *if_not_exists, properties),
            SchemaStatement::AlterKeyspace {
                name,
                if_exists,
                properties,
            } => keyspace::alter(&ctx, name, *if_exists, properties),
            SchemaStatement::DropKeyspace { name, if_exists } => {
                keyspace::drop(&ctx, name, *if_exists)
            }
            SchemaStatement::CreateTable { .. } => table::create(&ctx, &self.statement),
            SchemaStatement::DropTable { name, if_exists } => table::drop(&ctx, name, *if_exists),
            SchemaStatement::AlterTable {
                name,
                if_exists,
                action,
            } => alter_table::alter(&ctx, name, *if_exists, action),
            SchemaStatement::CreateType {
                name,
                if_not_exists,
                fields,
            } => types::create(&ctx, name, *if_not_exists, fields),
            SchemaStatement::AlterType {
                name,
                if_exists,
                action,
            } => types::alter(&ctx, name, *if_exists, action),
            SchemaStatement::DropType { name, if_exists } => types::drop(&ctx, name, *if_exists),
            SchemaStatement::CreateIndex { .. } => index::create(&ctx, &self.statement),
            SchemaStatement::DropIndex { name, if_exists } => index::drop(&ctx, name, *if_exists),
            // Views, functions, aggregates and triggers.
            other => disabled::change(&ctx, other),
        }
    }

    async fn apply_on_shard0(&self, services: &Rc<ShardServices>) -> CqlResult<ResultBody> {
        let _permit = services
            .schema_lock
            .acquire_permit(1)
            .await
            .map_err(|_| CqlError::server("schema lock closed"))?;
        let schema = services.schema();
        let Some(change) = self.change(&schema, &services.node.data_center)? else {
            return Ok(ResultBody::Void);
        };
        let system = services
            .system
            .as_ref()
            .ok_or_else(|| CqlError::server("schema changes run on shard 0"))?;
        let schema_tables = schema
            .keyspace(SYSTEM_SCHEMA)
            .ok_or_else(|| CqlError::server("no system_schema"))?
            .clone();
        let timestamp = ShardServices::now_us().max(services.last_schema_timestamp_us.get() + 2);
        services.last_schema_timestamp_us.set(timestamp);
        let now_s = timestamp / 1_000_000;
        for mutation in keyspace_mutations(
            &schema_tables,
            &change.keyspace,
            change.new.as_ref(),
            timestamp,
            now_s,
        )? {
            system.apply(&mutation).await?;
        }
        tracing::debug!("schema change: rows written");
        let new_schema = Arc::new(startup::load_schema(system).await?);
        tracing::debug!("schema change: schema reloaded");
        startup::write_local_row(system, &services.node, &new_schema).await?;
        tracing::debug!("schema change: local row written");
        let event = Event::SchemaChange(change.event.clone());
        for shard in 0..services.sharder.nr_shards() {
            let (schema, event) = (new_schema.clone(), event.clone());
            services
                .mesh
                .call(shard, move |ctx| async move {
                    ShardServices::from_context(ctx)?
                        .install_schema(schema, Some(event))
                        .await
                })
                .await
                .map_err(|_| CqlError::Overloaded(format!("shard {shard} is shutting down")))??;
        }
        Ok(ResultBody::SchemaChange(change.event))
    }
}
