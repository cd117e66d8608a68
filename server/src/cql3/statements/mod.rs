//! Prepared statements: the parsed statement resolved against the schema
//! (tables, columns, types of every bind marker), ready to execute many times.
//!
//! Preparation checks everything that does not depend on bound values, with
//! Cassandra's messages; execution binds values and runs.

pub mod bind;
pub mod cell_times;
pub mod ddl;
pub mod lwt;
pub mod modify;
pub mod paging;
pub mod select;
pub mod selection;
pub mod subscript;

use std::sync::Arc;

use sibyl_protocol::response::{ColumnSpec, RowsMetadata};
use sibyl_protocol::types::ColumnType;

use super::ast::{QualifiedName, Statement};
use super::{CqlError, CqlResult};
use crate::schema::{Schema, TableMetadata};

/// Bind variable specs, filled as markers are resolved.
#[derive(Debug, Clone, Default)]
pub struct BindSpecs {
    pub specs: Vec<Option<ColumnSpec>>,
    /// Marker names for `:name` markers, by index.
    pub names: Vec<Option<String>>,
}

impl BindSpecs {
    pub fn new(markers: &[super::ast::BindMarker]) -> Self {
        Self {
            specs: vec![None; markers.len()],
            names: markers.iter().map(|m| m.name.clone()).collect(),
        }
    }

    pub fn set(
        &mut self,
        index: usize,
        table: &TableMetadata,
        name: &str,
        column_type: ColumnType,
    ) {
        if let Some(slot) = self.specs.get_mut(index) {
            if slot.is_none() {
                *slot = Some(ColumnSpec {
                    keyspace: table.keyspace.clone(),
                    table: table.name.clone(),
                    name: self
                        .names
                        .get(index)
                        .cloned()
                        .flatten()
                        .unwrap_or_else(|| name.to_owned()),
                    column_type,
                });
            }
        }
    }

    pub fn finish(self) -> CqlResult<Vec<ColumnSpec>> {
        self.specs
            .into_iter()
            .enumerate()
            .map(|(i, s)| {
                s.ok_or_else(|| {
                    CqlError::invalid(format!("Cannot infer the type of bind marker {i}"))
                })
            })
            .collect()
    }
}

/// What a prepared statement does.
#[derive(Debug, Clone)]
pub enum Plan {
    Select(Arc<select::SelectPlan>),
    Modify(Arc<modify::ModifyPlan>),
    Batch(Arc<modify::BatchPlan>),
    Schema(Arc<ddl::SchemaPlan>),
    Use(String),
    Truncate(Arc<TableMetadata>),
    Describe(Arc<super::describe::DescribePlan>),
}

/// A statement ready to execute.
#[derive(Debug, Clone)]
pub struct PreparedStatement {
    pub plan: Plan,
    pub bind_specs: Vec<ColumnSpec>,
    /// Bind marker names in order, for named values.
    pub bind_names: Vec<Option<String>>,
    /// For each partition key column, the marker that gives it (for routing).
    pub pk_indexes: Vec<u16>,
    /// Columns of the rows it returns (empty for non-SELECT).
    pub result_metadata: RowsMetadata,
    /// The schema it was prepared against; a newer schema re-prepares.
    pub schema_version: [u8; 16],
}

/// Finds a table, defaulting the keyspace to the connection's.
pub fn resolve_table(
    schema: &Schema,
    name: &QualifiedName,
    keyspace: Option<&str>,
) -> CqlResult<Arc<TableMetadata>> {
    let ks = name.keyspace.as_deref().or(keyspace).ok_or_else(|| {
        CqlError::invalid("No keyspace has been specified. USE a keyspace, or explicitly specify keyspace.tablename")
    })?;
    let keyspace_meta = schema
        .keyspace(ks)
        .ok_or_else(|| CqlError::invalid(format!("keyspace {ks} does not exist")))?;
    keyspace_meta
        .tables
        .get(&name.name)
        .cloned()
        .ok_or_else(|| CqlError::invalid(format!("table {} does not exist", name.name)))
}

/// Resolves a parsed statement against `schema`.
pub fn prepare(
    schema: &Arc<Schema>,
    statement: &Statement,
    markers: &[super::ast::BindMarker],
    keyspace: Option<&str>,
) -> CqlResult<PreparedStatement> {
    let mut binds = BindSpecs::new(markers);
    let mut pk_indexes = Vec::new();
    let mut result_metadata = RowsMetadata::default();
    let plan = match statement {
        Statement::Select(select) => {
            let plan = select::SelectPlan::prepare(schema, select, keyspace, &mut binds)?;
            pk_indexes = plan.pk_indexes.clone();
            result_metadata = plan.result_metadata();
            Plan::Select(Arc::new(plan))
        }
        Statement::Insert(_) | Statement::Update(_) | Statement::Delete(_) => {
            let plan =
                modify::ModifyPlan::prepare_statement(schema, statement, keyspace, &mut binds)?;
            pk_indexes = plan.pk_indexes.clone();
            Plan::Modify(Arc::new(plan))
        }
        Statement::Batch(batch) => Plan::Batch(Arc::new(modify::BatchPlan::prepare(
            schema, batch, keyspace, &mut binds,
        )?)),
        Statement::Schema(ddl) => {
            Plan::Schema(Arc::new(ddl::SchemaPlan::prepare(schema, ddl, keyspace)?))
        }
        Statement::Use(name) => {
            if schema.keyspace(name).is_none() {
                return Err(CqlError::invalid(format!(
                    "Keyspace '{name}' does not exist"
                )));
            }
            Plan::Use(name.clone())
        }
        Statement::Truncate(name) => Plan::Truncate(resolve_table(schema, name, keyspace)?),
        Statement::Role(_) => {
            return Err(CqlError::invalid(
                "Role and permission statements require authentication, which is not enabled (authenticator: AllowAllAuthenticator)",
            ));
        }
        Statement::Describe(describe) => {
            let plan = super::describe::DescribePlan::new(describe, keyspace);
            result_metadata = plan.result_metadata();
            Plan::Describe(Arc::new(plan))
        }
    };
    Ok(PreparedStatement {
        plan,
        bind_names: binds.names.clone(),
        bind_specs: binds.finish()?,
        pk_indexes,
        result_metadata,
        schema_version: schema.version,
    })
}
