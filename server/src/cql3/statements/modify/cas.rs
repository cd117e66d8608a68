//! Conditional statements and conditional batches as one compare-and-set
//! request per partition: every statement's cells merged into one update,
//! every `IF` clause attached to the row it names, checked and applied
//! together on the owning shard (see [`lwt::cas`]), and the `[applied]`
//! result shaped like Cassandra's.

use std::rc::Rc;
use std::sync::Arc;

use sibyl_protocol::response::{ColumnSpec, ResultBody, Rows, RowsMetadata};
use sibyl_protocol::types::ColumnType;
use sibyl_protocol::wire;
use sibyl_storage::mutation::PartitionUpdate;

use super::size::{check_mutation_size, max_mutation_bytes};
use super::{Action, ConditionPlan, ModifyPlan};
use crate::cql3::rows::CqlRow;
use crate::cql3::statements::bind::Bound;
use crate::cql3::statements::lwt::{self, Check, RowCheck};
use crate::cql3::{CqlError, CqlResult};
use crate::schema::TableMetadata;
use crate::service::ShardServices;

/// A CAS request being assembled from the statements of a conditional
/// statement or batch.
#[derive(Debug)]
pub(super) struct CasBatch {
    is_batch: bool,
    table: Option<Arc<TableMetadata>>,
    key: Option<(Vec<u8>, i64)>,
    checks: Vec<RowCheck>,
    update: Option<PartitionUpdate>,
    list_updates: Vec<lwt::ListUpdate>,
    /// Columns shown with a failed check, in `IF` order; `None` once an
    /// `IF [NOT] EXISTS` asks for every column.
    shown: Option<Vec<usize>>,
}

impl CasBatch {
    pub(super) fn new(is_batch: bool) -> Self {
        Self {
            is_batch,
            table: None,
            key: None,
            checks: Vec::new(),
            update: None,
            list_updates: Vec::new(),
            shown: Some(Vec::new()),
        }
    }

    /// Adds one statement with its values: its cells to the update, its
    /// conditions to the checks of its row.
    pub(super) fn add(
        &mut self,
        plan: &ModifyPlan,
        bound: &Bound<'_>,
        shard: u16,
        timestamp_us: i64,
    ) -> CqlResult<()> {
        match &self.table {
            Some(table) if table.storage_id != plan.table.storage_id => {
                return Err(CqlError::invalid(
                    "Batch with conditions cannot span multiple tables",
                ));
            }
            Some(_) => {}
            None => self.table = Some(plan.table.clone()),
        }
        let writes = plan.writes(bound, shard, Some(timestamp_us))?;
        let json = matches!(plan.action, Action::InsertJson { .. });
        let keys: Vec<(Vec<u8>, i64)> = if json {
            writes
                .mutations
                .iter()
                .map(|m| (m.update.key.clone(), m.update.token))
                .collect()
        } else {
            plan.bound_keys(bound)?
                .into_iter()
                .map(|key| {
                    let token = crate::dht::token_of_key(&key).0;
                    (key, token)
                })
                .collect()
        };
        let [key] = <[(Vec<u8>, i64); 1]>::try_from(keys).map_err(|_| {
            CqlError::invalid(
                "Batch with conditions cannot span multiple partitions (you cannot use IN on the partition key)",
            )
        })?;
        match &self.key {
            Some((first, _)) if *first != key.0 => {
                return Err(CqlError::invalid(
                    "Batch with conditions cannot span multiple partitions",
                ));
            }
            Some(_) => {}
            None => self.key = Some(key.clone()),
        }
        if let Some(condition) = &plan.condition {
            let clustering = if json {
                writes
                    .mutations
                    .first()
                    .and_then(|m| m.update.rows.first())
                    .map(|(c, _)| c.clone())
                    .unwrap_or_default()
            } else {
                let [clustering] = <[Vec<Vec<u8>>; 1]>::try_from(plan.bound_clusterings(bound)?)
                    .map_err(|_| {
                        CqlError::invalid(format!(
                            "IN on the clustering key columns is not supported with conditional {}",
                            if matches!(plan.action, Action::DeleteRows | Action::DeleteColumns(_))
                            {
                                "deletions"
                            } else {
                                "updates"
                            }
                        ))
                    })?;
                clustering
            };
            self.add_check(clustering, plan.checked_conditions(bound)?)?;
            match (condition, &mut self.shown) {
                (ConditionPlan::Exists | ConditionPlan::NotExists, shown) => *shown = None,
                (ConditionPlan::Columns(conditions), Some(shown)) => {
                    for condition in conditions {
                        let (index, ..) = ModifyPlan::condition_target(&plan.table, condition)?;
                        if !shown.contains(&index) {
                            shown.push(index);
                        }
                    }
                }
                (ConditionPlan::Columns(_), None) => {}
            }
        }
        for mutation in writes.mutations {
            match &mut self.update {
                Some(update) => lwt::merge_update(update, mutation.update),
                None => self.update = Some(mutation.update),
            }
        }
        self.list_updates
            .extend(writes.list_updates.into_iter().map(|(_, _, update)| update));
        Ok(())
    }

    /// Cassandra's rules for several `IF` clauses on one row.
    fn add_check(&mut self, clustering: Vec<Vec<u8>>, check: Check) -> CqlResult<()> {
        let Some(existing) = self.checks.iter_mut().find(|c| c.clustering == clustering) else {
            self.checks.push(RowCheck { clustering, check });
            return Ok(());
        };
        let message = match (&mut existing.check, check) {
            (Check::Exists, Check::Exists) | (Check::NotExists, Check::NotExists) => return Ok(()),
            (Check::Columns(conditions), Check::Columns(more)) => {
                conditions.extend(more);
                return Ok(());
            }
            (Check::Exists, Check::NotExists) | (Check::NotExists, Check::Exists) => {
                "Cannot mix IF EXISTS and IF NOT EXISTS conditions for the same row"
            }
            (Check::Columns(_), Check::Exists) => {
                "Cannot mix IF conditions and IF EXISTS for the same row"
            }
            _ => "Cannot mix IF conditions and IF NOT EXISTS for the same row",
        };
        Err(CqlError::invalid(message))
    }

    /// Checks and applies on the owning shard; answers `[applied]` and, when
    /// the check failed, the rows it looked at.
    pub(super) async fn execute(
        self,
        services: &Rc<ShardServices>,
        now_s: i64,
    ) -> CqlResult<ResultBody> {
        let (Some(table), Some((key, token))) = (self.table, self.key) else {
            return Err(CqlError::invalid(
                "Unrestricted partition key in a conditional BATCH",
            ));
        };
        if let Some(update) = &self.update {
            check_mutation_size(&table, update, max_mutation_bytes(services))?;
        }
        let request = lwt::CasRequest {
            key,
            token,
            checks: self.checks,
            update: self.update,
            list_updates: self.list_updates,
            now_s,
        };
        let (applied, rows) = lwt::cas(services, table.clone(), request).await?;
        let shown: Vec<usize> = match self.shown {
            None => (0..table.columns.len()).collect(),
            Some(conditions) if self.is_batch => {
                // Batches show the primary key so rows can be told apart.
                let mut shown: Vec<usize> = table
                    .columns
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| c.kind.is_primary_key())
                    .map(|(i, _)| i)
                    .collect();
                for index in conditions {
                    if !shown.contains(&index) {
                        shown.push(index);
                    }
                }
                shown
            }
            Some(conditions) => conditions,
        };
        Ok(cas_result(&table, applied, &rows, &shown))
    }
}

/// `[applied]`, then (when not applied and rows were there) the `shown`
/// columns of each row the conditions looked at.
fn cas_result(
    table: &TableMetadata,
    applied: bool,
    rows: &[CqlRow],
    shown: &[usize],
) -> ResultBody {
    let spec = |name: &str, column_type: ColumnType| ColumnSpec {
        keyspace: table.keyspace.clone(),
        table: table.name.clone(),
        name: name.to_owned(),
        column_type,
    };
    let mut columns = vec![spec("[applied]", ColumnType::Boolean)];
    let mut content = Vec::new();
    if applied || rows.is_empty() {
        wire::write_bytes(&mut content, Some(&[u8::from(applied)]));
        return ResultBody::Rows(Rows {
            metadata: RowsMetadata::new(columns),
            rows_count: 1,
            content,
        });
    }
    for &index in shown {
        if let Some(column) = table.columns.get(index) {
            columns.push(spec(&column.name, column.column_type.clone()));
        }
    }
    for row in rows {
        wire::write_bytes(&mut content, Some(&[0]));
        for &index in shown {
            wire::write_bytes(
                &mut content,
                row.values.get(index).and_then(Option::as_deref),
            );
        }
    }
    ResultBody::Rows(Rows {
        metadata: RowsMetadata::new(columns),
        rows_count: rows.len(),
        content,
    })
}

impl ModifyPlan {
    /// A conditional statement: a CAS request of one statement.
    pub(super) async fn execute_conditional(
        &self,
        services: &Rc<ShardServices>,
        bound: &Bound<'_>,
    ) -> CqlResult<ResultBody> {
        let mut cas = CasBatch::new(false);
        cas.add(self, bound, services.shard as u16, ShardServices::now_us())?;
        cas.execute(services, bound.now_ms.div_euclid(1000)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cql3::ast::Operator;
    use crate::cql3::statements::lwt::{CheckedCondition, Element};

    fn columns_check(column: usize) -> Check {
        Check::Columns(vec![CheckedCondition {
            column,
            element: Element::Whole,
            compared_type: ColumnType::Int,
            operator: Operator::Equal,
            expected: vec![Some(1i32.to_be_bytes().to_vec())],
        }])
    }

    fn row(n: u8) -> Vec<Vec<u8>> {
        vec![vec![n]]
    }

    fn refusal(result: CqlResult<()>) -> String {
        match result {
            Err(CqlError::Invalid(message)) => message,
            other => panic!("expected an invalid request, got {other:?}"),
        }
    }

    #[test]
    fn clauses_on_one_row_combine_like_cassandra() {
        let mut cas = CasBatch::new(true);
        cas.add_check(row(1), Check::NotExists).unwrap();
        // The same clause twice on a row is one clause.
        cas.add_check(row(1), Check::NotExists).unwrap();
        cas.add_check(row(2), columns_check(3)).unwrap();
        cas.add_check(row(2), columns_check(4)).unwrap();
        assert_eq!(cas.checks.len(), 2);
        assert!(matches!(&cas.checks[1].check, Check::Columns(c) if c.len() == 2));
        assert_eq!(
            refusal(cas.add_check(row(1), Check::Exists)),
            "Cannot mix IF EXISTS and IF NOT EXISTS conditions for the same row"
        );
        assert_eq!(
            refusal(cas.add_check(row(2), Check::Exists)),
            "Cannot mix IF conditions and IF EXISTS for the same row"
        );
        assert_eq!(
            refusal(cas.add_check(row(2), Check::NotExists)),
            "Cannot mix IF conditions and IF NOT EXISTS for the same row"
        );
        assert_eq!(
            refusal(cas.add_check(row(1), columns_check(3))),
            "Cannot mix IF conditions and IF NOT EXISTS for the same row"
        );
    }
}
