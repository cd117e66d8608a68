//! BATCH: the statements of a batch applied together.

use std::rc::Rc;
use std::sync::Arc;

use super::{Action, ModifyPlan};
use crate::cql3::ast::{Attributes, BatchKind, BatchStatement};
use crate::cql3::statements::BindSpecs;
use crate::cql3::statements::bind::Bound;
use crate::cql3::{CqlError, CqlResult};
use crate::schema::Schema;
use crate::service::{ShardServices, proxy};

#[derive(Debug)]
pub struct BatchPlan {
    pub kind: BatchKind,
    statements: Vec<ModifyPlan>,
    attributes: Attributes,
}

impl BatchPlan {
    pub fn prepare(
        schema: &Arc<Schema>,
        batch: &BatchStatement,
        keyspace: Option<&str>,
        binds: &mut BindSpecs,
    ) -> CqlResult<Self> {
        if batch.attributes.ttl.is_some() {
            return Err(CqlError::invalid(
                "Global TTL on the BATCH statement is not supported.",
            ));
        }
        let statements = batch
            .statements
            .iter()
            .map(|s| ModifyPlan::prepare(schema, s, keyspace, binds))
            .collect::<CqlResult<Vec<_>>>()?;
        Ok(Self {
            kind: batch.kind,
            statements,
            attributes: batch.attributes.clone(),
        })
    }

    /// Builds the plan of a protocol BATCH from its already-prepared parts.
    pub fn from_parts(kind: BatchKind, statements: Vec<ModifyPlan>) -> Self {
        Self {
            kind,
            statements,
            attributes: Attributes::default(),
        }
    }

    pub async fn execute(
        &self,
        services: &Rc<ShardServices>,
        bound: &Bound<'_>,
        timestamp: Option<i64>,
    ) -> CqlResult<()> {
        let timestamp = match &self.attributes.timestamp {
            Some(term) => bound.eval_bigint(term, "[timestamp]")?,
            None => timestamp,
        }
        .unwrap_or_else(ShardServices::now_us);
        if self.statements.iter().any(ModifyPlan::is_conditional) {
            return Err(CqlError::invalid(
                "Conditional batches are not supported yet",
            ));
        }
        for statement in &self.statements {
            if statement.table.is_counter() && matches!(statement.action, Action::Update(_)) {
                statement.execute_counters(services, bound).await?;
                continue;
            }
            for mutation in statement.mutations(bound, services.shard as u16, Some(timestamp))? {
                proxy::apply(services, &statement.table, mutation).await?;
            }
        }
        Ok(())
    }
}
