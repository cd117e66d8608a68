//! Running a statement: plain writes through the proxy, counters and list
//! operations as read-modify-writes on the owning shard, conditions as LWT.

use std::rc::Rc;

use sibyl_protocol::response::ResultBody;

use super::mutations::Writes;
use super::size::{check_mutation_size, max_mutation_bytes};
use super::{Action, ModifyPlan};
use crate::cql3::ast::Assignment;
use crate::cql3::statements::bind::Bound;
use crate::cql3::statements::lwt;
use crate::cql3::{CqlError, CqlResult};
use crate::schema::ColumnKind;
use crate::service::{ShardServices, proxy};

impl ModifyPlan {
    /// Runs the statement. Conditional statements answer with the
    /// `[applied]` row; others with nothing.
    pub async fn execute(
        &self,
        services: &Rc<ShardServices>,
        bound: &Bound<'_>,
    ) -> CqlResult<Option<ResultBody>> {
        // LWT and counters are boxed: an async fn's future is as large as
        // its largest branch, and the plain write's future is moved by value
        // at every level of the request path.
        if self.condition.is_some() {
            return Box::pin(self.execute_conditional(services, bound))
                .await
                .map(Some);
        }
        if self.table.is_counter() && matches!(self.action, Action::Update(_)) {
            Box::pin(self.execute_counters(services, bound)).await?;
            return Ok(None);
        }
        let writes = self.writes(bound, services.shard as u16, None)?;
        self.apply_writes(services, writes, bound.now_ms.div_euclid(1000))
            .await?;
        Ok(None)
    }

    /// Applies plain writes: the mutations through the proxy, then each list
    /// operation as a read-modify-write on its owning shard.
    pub(super) async fn apply_writes(
        &self,
        services: &Rc<ShardServices>,
        writes: Writes,
        now_s: i64,
    ) -> CqlResult<()> {
        let max_bytes = max_mutation_bytes(services);
        for mutation in &writes.mutations {
            check_mutation_size(&self.table, &mutation.update, max_bytes)?;
        }
        for mutation in writes.mutations {
            proxy::apply(services, &self.table, mutation).await?;
        }
        for (key, token, list_update) in writes.list_updates {
            Box::pin(lwt::apply_list_ops(
                services,
                self.table.clone(),
                key,
                token,
                list_update,
                now_s,
            ))
            .await?;
        }
        Ok(())
    }

    pub(super) async fn execute_counters(
        &self,
        services: &Rc<ShardServices>,
        bound: &Bound<'_>,
    ) -> CqlResult<()> {
        let Action::Update(assignments) = &self.action else {
            return Ok(());
        };
        let t = &self.table;
        let mut deltas = Vec::new();
        let mut static_only = true;
        for assignment in assignments {
            let column = t
                .column(assignment.column())
                .ok_or_else(|| CqlError::server("column vanished"))?;
            let (value, sign) = match assignment {
                Assignment::Add { value, .. } => (value, 1i64),
                Assignment::Subtract { value, .. } => (value, -1i64),
                _ => {
                    return Err(CqlError::invalid(format!(
                        "Cannot set the value of counter column {} (counters can only be incremented/decremented, not set)",
                        column.name
                    )));
                }
            };
            static_only &= column.kind == ColumnKind::Static;
            if let Some(delta) = bound.eval_bigint(value, &column.name)? {
                deltas.push((column.id, delta.wrapping_mul(sign)));
            }
        }
        let timestamp_us = match &self.attributes.timestamp {
            Some(term) => bound.eval_bigint(term, "[timestamp]")?,
            None => None,
        }
        .unwrap_or_else(ShardServices::now_us);
        let now_s = bound.now_ms.div_euclid(1000);
        for key in self.bound_keys(bound)? {
            let token = crate::dht::token_of_key(&key).0;
            for clustering in self.bound_clusterings(bound)? {
                let target = lwt::Target {
                    key: key.clone(),
                    token,
                    clustering,
                };
                lwt::apply_counters(
                    services,
                    t.clone(),
                    target,
                    static_only,
                    deltas.clone(),
                    timestamp_us,
                    now_s,
                )
                .await?;
            }
        }
        Ok(())
    }
}
