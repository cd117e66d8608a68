//! BATCH: the statements of a batch validated together with Cassandra's
//! rules, then applied: conditional batches as one CAS request, counter
//! statements as read-modify-writes, others as mutations (with Cassandra's
//! batch size warning and failure thresholds).

use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;

use sibyl_protocol::response::ResultBody;
use sibyl_storage::mutation::Mutation;

use super::cas::CasBatch;
use super::mutations::Writes;
use super::size::{check_mutation_size, max_mutation_bytes};
use super::{Action, ModifyPlan};
use crate::cql3::ast::{Attributes, BatchKind, BatchStatement};
use crate::cql3::statements::BindSpecs;
use crate::cql3::statements::bind::Bound;
use crate::cql3::statements::lwt;
use crate::cql3::{CqlError, CqlResult};
use crate::schema::Schema;
use crate::service::{ShardServices, proxy};

/// `batch_size_warn_threshold` (5 KiB), Cassandra's default.
pub const BATCH_SIZE_WARN_BYTES: usize = 5 * 1024;
/// `batch_size_fail_threshold` (50 KiB), Cassandra's default.
pub const BATCH_SIZE_FAIL_BYTES: usize = 50 * 1024;
/// `unlogged_batch_across_partitions_warn_threshold`, Cassandra's default.
pub const UNLOGGED_BATCH_PARTITIONS_WARN: usize = 10;

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
        validate(
            batch.kind,
            batch.attributes.timestamp.is_some(),
            statements.iter(),
        )?;
        Ok(Self {
            kind: batch.kind,
            statements,
            attributes: batch.attributes.clone(),
        })
    }

    /// Runs a `BEGIN BATCH ... APPLY BATCH` statement: every statement binds
    /// from the same values.
    pub async fn execute(
        &self,
        services: &Rc<ShardServices>,
        bound: &Bound<'_>,
        timestamp: Option<i64>,
        warnings: &mut Vec<String>,
    ) -> CqlResult<ResultBody> {
        let timestamp = match &self.attributes.timestamp {
            Some(term) => bound.eval_bigint(term, "[timestamp]")?,
            None => timestamp,
        };
        let items: Vec<(&ModifyPlan, &Bound<'_>)> =
            self.statements.iter().map(|s| (s, bound)).collect();
        execute_batch(services, self.kind, &items, timestamp, warnings).await
    }
}

/// Cassandra's rules for the statements of one batch.
pub fn validate<'p>(
    kind: BatchKind,
    batch_timestamp: bool,
    statements: impl Iterator<Item = &'p ModifyPlan> + Clone,
) -> CqlResult<()> {
    let conditional = statements.clone().any(ModifyPlan::is_conditional);
    let counters = statements.clone().any(|s| s.table.is_counter());
    let non_counters = statements.clone().any(|s| !s.table.is_counter());
    if batch_timestamp {
        if conditional {
            return Err(CqlError::invalid(
                "Cannot provide custom timestamp for conditional BATCH",
            ));
        }
        if kind == BatchKind::Counter {
            return Err(CqlError::invalid(
                "Cannot provide custom timestamp for counter BATCH",
            ));
        }
        if statements.clone().any(|s| s.attributes.timestamp.is_some()) {
            return Err(CqlError::invalid(
                "Timestamp must be set either on BATCH or individual statements",
            ));
        }
    }
    if kind == BatchKind::Counter && non_counters {
        return Err(CqlError::invalid(
            "Cannot include non-counter statement in a counter batch",
        ));
    }
    if counters && non_counters {
        return Err(CqlError::invalid(
            "Counter and non-counter mutations cannot exist in the same batch",
        ));
    }
    if kind == BatchKind::Logged && counters {
        return Err(CqlError::invalid(
            "Cannot include a counter statement in a logged batch",
        ));
    }
    if conditional {
        let mut tables = statements.map(|s| s.table.storage_id);
        let first = tables.next();
        if tables.any(|t| Some(t) != first) {
            return Err(CqlError::invalid(
                "Batch with conditions cannot span multiple tables",
            ));
        }
    }
    Ok(())
}

/// Runs the statements of a batch, each with its own values.
pub async fn execute_batch(
    services: &Rc<ShardServices>,
    kind: BatchKind,
    items: &[(&ModifyPlan, &Bound<'_>)],
    timestamp: Option<i64>,
    warnings: &mut Vec<String>,
) -> CqlResult<ResultBody> {
    let shard = services.shard as u16;
    let timestamp = timestamp.unwrap_or_else(ShardServices::now_us);
    let now_s = items.first().map_or(timestamp / 1_000_000, |(_, bound)| {
        bound.now_ms.div_euclid(1000)
    });
    if items.iter().any(|(plan, _)| plan.is_conditional()) {
        let mut cas = CasBatch::new(true);
        for (plan, bound) in items {
            cas.add(plan, bound, shard, timestamp)?;
        }
        return cas.execute(services, now_s).await;
    }
    // Build every statement's writes first: a bad statement fails the
    // whole batch before anything is applied.
    let mut writes: Vec<(&ModifyPlan, Writes)> = Vec::with_capacity(items.len());
    let mut counters = Vec::new();
    for &(plan, bound) in items {
        if plan.table.is_counter() && matches!(plan.action, Action::Update(_)) {
            counters.push((plan, bound));
        } else {
            writes.push((plan, plan.writes(bound, shard, Some(timestamp))?));
        }
    }
    check_size(kind, &writes, warnings)?;
    // One mutation per partition, as Cassandra groups a batch's updates:
    // each partition's share is applied at once and measured as a whole.
    let mut mutations: Vec<(&ModifyPlan, Mutation)> = Vec::new();
    let mut by_partition: HashMap<(u64, Vec<u8>), usize> = HashMap::new();
    let mut list_updates = Vec::new();
    for (plan, statement_writes) in writes {
        for mutation in statement_writes.mutations {
            let partition = (mutation.table_id, mutation.update.key.clone());
            match by_partition.get(&partition) {
                Some(&i) => {
                    if let Some((_, merged)) = mutations.get_mut(i) {
                        lwt::merge_update(&mut merged.update, mutation.update);
                    }
                }
                None => {
                    by_partition.insert(partition, mutations.len());
                    mutations.push((plan, mutation));
                }
            }
        }
        list_updates.extend(
            statement_writes
                .list_updates
                .into_iter()
                .map(|update| (plan, update)),
        );
    }
    let max_bytes = max_mutation_bytes(services);
    for (plan, mutation) in &mutations {
        check_mutation_size(&plan.table, &mutation.update, max_bytes)?;
    }
    for (plan, bound) in counters {
        plan.execute_counters(services, bound).await?;
    }
    for (plan, mutation) in mutations {
        proxy::apply(services, &plan.table, mutation).await?;
    }
    for (plan, (key, token, list_update)) in list_updates {
        lwt::apply_list_ops(services, plan.table.clone(), key, token, list_update, now_s).await?;
    }
    Ok(ResultBody::Void)
}

/// Cassandra's batch guardrails, which only look at batches that touch
/// more than one partition: a warning above `batch_size_warn_threshold`,
/// "Batch too large" above `batch_size_fail_threshold`, and a warning for
/// an unlogged batch across more than ten partitions.
fn check_size(
    kind: BatchKind,
    writes: &[(&ModifyPlan, Writes)],
    warnings: &mut Vec<String>,
) -> CqlResult<()> {
    // Cassandra counts mutations per keyspace and key for the thresholds,
    // and distinct keys for the unlogged batch warning.
    let mut partitions: Vec<(&str, &[u8])> = Vec::new();
    let mut keys: Vec<&[u8]> = Vec::new();
    let mut tables: Vec<String> = Vec::new();
    let mut size = 0;
    for (plan, statement_writes) in writes {
        for mutation in &statement_writes.mutations {
            let key = mutation.update.key.as_slice();
            if !partitions.contains(&(plan.table.keyspace.as_str(), key)) {
                partitions.push((plan.table.keyspace.as_str(), key));
            }
            if !keys.contains(&key) {
                keys.push(key);
            }
            size += super::size::mutation_size(mutation);
        }
        let table = format!("{}.{}", plan.table.keyspace, plan.table.name);
        if !tables.contains(&table) {
            tables.push(table);
        }
    }
    tables.sort();
    let table_list = format!("[{}]", tables.join(", "));
    if partitions.len() <= 1 {
        return Ok(());
    }
    if size > BATCH_SIZE_FAIL_BYTES {
        return Err(CqlError::invalid("Batch too large"));
    }
    if size > BATCH_SIZE_WARN_BYTES {
        warnings.push(format!(
            "Batch for {table_list} is of size {size}, exceeding specified threshold of {BATCH_SIZE_WARN_BYTES} by {}.",
            size - BATCH_SIZE_WARN_BYTES
        ));
    }
    if kind != BatchKind::Logged && keys.len() > UNLOGGED_BATCH_PARTITIONS_WARN {
        warnings.push(format!(
            "Unlogged batch covering {} partitions detected against table{} {table_list}. You should use a logged batch for atomicity, or asynchronous writes for performance.",
            keys.len(),
            if tables.len() == 1 { "" } else { "s" },
        ));
    }
    Ok(())
}
