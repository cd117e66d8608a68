//! Running a prepared SELECT for one page: reads, paging state and the
//! rendering of rows (aggregates, JSON).

use std::rc::Rc;

use sibyl_protocol::response::{ResultBody, Rows};
use sibyl_protocol::wire;
use sibyl_storage::query::ReadCommand;

use super::filter::{BoundFilter, row_passes};
use super::*;
use crate::cql3::rows::{CqlRow, decode_partition, decode_partition_cells};
use crate::cql3::statements::bind::Bound;
use crate::cql3::statements::paging::PagingState;
use crate::cql3::statements::selection::{Groups, eval, json_row};
use crate::cql3::{CqlError, CqlResult};
use crate::service::{ShardServices, proxy};

impl SelectPlan {
    /// Runs the SELECT for one page.
    pub async fn execute(
        &self,
        services: &Rc<ShardServices>,
        bound: &Bound<'_>,
        page_size: Option<i32>,
        paging_state: Option<&[u8]>,
    ) -> CqlResult<ResultBody> {
        let now_s = bound.now_ms.div_euclid(1000);
        let limit = positive(bound, self.limit.as_ref(), "[limit]", "LIMIT")?;
        let per_partition_limit = positive(
            bound,
            self.per_partition_limit.as_ref(),
            "[per_partition_limit]",
            "PER PARTITION LIMIT",
        )?;
        let counting = self.selection.aggregate;
        if counting && !matches!(self.partition, PartitionRestriction::Keys(_)) {
            bound
                .warnings
                .borrow_mut()
                .push("Aggregation query used without partition key".to_owned());
        }
        let state = match paging_state {
            Some(bytes) if !counting => Some(PagingState::decode(bytes)?),
            _ => None,
        };
        let remaining = if counting {
            u32::MAX
        } else {
            state
                .as_ref()
                .map_or(limit.unwrap_or(u32::MAX), |s| s.remaining)
        };
        let page = match page_size {
            Some(n) if n > 0 && !counting => n as u32,
            _ => u32::MAX,
        };
        let filters = self.bind_filters(bound)?;
        if let Some(ann) = &self.ann {
            let k = limit.unwrap_or(0);
            if k > 1000 {
                return Err(CqlError::invalid(format!(
                    "SAI based ORDER BY clause requires a LIMIT that is not greater than 1000. LIMIT was {k}"
                )));
            }
            let column = &self.table.columns[ann.column];
            let bytes = bound.eval_required(&ann.query, &column.column_type, &column.name)?;
            let vector = crate::index::manager::floats(&bytes)
                .ok_or_else(|| CqlError::invalid("Invalid vector literal"))?;
            // ANN and index reads are boxed: an async fn's future is as
            // large as its largest branch, and a plain read's future is
            // moved by value at every level of the request path.
            let rows = if self.is_unrestricted() {
                Box::pin(self.ann_rows(services, &ann.index, vector, k as usize, now_s)).await?
            } else {
                // Restricted: score every matching row exactly.
                let (rows, _) = Box::pin(self.fetch(
                    services,
                    bound,
                    &filters,
                    None,
                    u32::MAX,
                    u32::MAX,
                    per_partition_limit,
                ))
                .await?;
                index_read::nearest(rows, ann.column, &vector, ann.similarity, k as usize)
            };
            return self.render(rows, bound, limit, None);
        }
        let (rows, next) = self
            .fetch(
                services,
                bound,
                &filters,
                state,
                page,
                remaining,
                per_partition_limit,
            )
            .await?;
        self.render(rows, bound, limit, next)
    }

    /// Whether the WHERE clause restricts nothing.
    fn is_unrestricted(&self) -> bool {
        matches!(self.partition, PartitionRestriction::All)
            && self.filters.is_empty()
            && !self.clustering.is_restricted()
    }

    /// Up to `page` rows (and at most `remaining`) from where `state` stopped,
    /// and the state to resume from when more remain.
    #[expect(clippy::too_many_arguments, reason = "one page's inputs")]
    async fn fetch(
        &self,
        services: &Rc<ShardServices>,
        bound: &Bound<'_>,
        filters: &[BoundFilter],
        state: Option<PagingState>,
        page: u32,
        mut remaining: u32,
        per_partition_limit: Option<u32>,
    ) -> CqlResult<(Vec<CqlRow>, Option<PagingState>)> {
        let now_s = bound.now_ms.div_euclid(1000);
        if let Some((index, filter)) = &self.index_scan {
            let after = state.and_then(|s| s.position);
            let want = page.min(remaining);
            let slices = self.clustering.slices(&self.table, bound)?;
            if slices.is_empty() && self.clustering.is_restricted() {
                return Ok((Vec::new(), None));
            }
            let (rows, position) = Box::pin(self.index_page(
                services,
                filters,
                &slices,
                (index, *filter),
                after,
                want,
                now_s,
            ))
            .await?;
            remaining = remaining.saturating_sub(rows.len() as u32);
            let next = position
                .filter(|_| remaining > 0)
                .map(|position| PagingState {
                    partition_index: 0,
                    position: Some(position),
                    remaining,
                });
            return Ok((rows, next));
        }
        let selections = self.partition_selection(bound)?;
        let slices = self.clustering.slices(&self.table, bound)?;
        if slices.is_empty() && self.clustering.is_restricted() {
            // `IN ()` selects nothing.
            return Ok((Vec::new(), None));
        }
        let mut rows: Vec<CqlRow> = Vec::new();
        let mut next: Option<PagingState> = None;
        let start_index = state.as_ref().map_or(0, |s| s.partition_index as usize);
        let mut position = state.and_then(|s| s.position);
        'partitions: for (index, selection) in selections.iter().enumerate().skip(start_index) {
            loop {
                let want = page.saturating_sub(rows.len() as u32).min(remaining);
                if want == 0 {
                    // The page is full before this partition: resume here.
                    if remaining > 0 {
                        next = Some(PagingState {
                            partition_index: index as u32,
                            position: position.take(),
                            remaining,
                        });
                    }
                    break 'partitions;
                }
                let command = ReadCommand {
                    table_id: self.table.storage_id,
                    selection: selection.clone(),
                    slices: slices.clone(),
                    reversed: self.reversed,
                    columns: None,
                    row_limit: want,
                    per_partition_limit: if self.distinct {
                        1
                    } else {
                        per_partition_limit.unwrap_or(u32::MAX)
                    },
                    paging: position.take(),
                    now_s,
                };
                let result = self.read(services, command).await?;
                let mut produced = 0u32;
                for partition in &result.partitions {
                    let mut decoded = Vec::new();
                    if self.selection.needs_cells {
                        decode_partition_cells(&self.table, partition, now_s, &mut decoded);
                    } else {
                        decode_partition(&self.table, partition, now_s, &mut decoded);
                    }
                    for row in decoded {
                        if row_passes(filters, &row)? {
                            rows.push(row);
                            produced += 1;
                        }
                    }
                }
                remaining = remaining.saturating_sub(produced);
                match result.next_page {
                    Some(next_position) => {
                        if rows.len() as u32 >= page || remaining == 0 {
                            if remaining > 0 {
                                next = Some(PagingState {
                                    partition_index: index as u32,
                                    position: Some(next_position),
                                    remaining,
                                });
                            }
                            break 'partitions;
                        }
                        position = Some(next_position);
                    }
                    None => break,
                }
            }
        }
        Ok((rows, next))
    }

    pub(super) async fn read(
        &self,
        services: &Rc<ShardServices>,
        command: ReadCommand,
    ) -> CqlResult<sibyl_storage::query::ReadResult> {
        if self.table.is_virtual {
            return crate::cql3::virtual_tables::read(services, &self.table, &command);
        }
        proxy::read(services, &self.table, command).await
    }

    pub(super) fn render(
        &self,
        rows: Vec<CqlRow>,
        bound: &Bound<'_>,
        limit: Option<u32>,
        next: Option<PagingState>,
    ) -> CqlResult<ResultBody> {
        let t = self.table.as_ref();
        let plan = &self.selection;
        let mut output_rows: Vec<Vec<Option<Vec<u8>>>> = Vec::new();
        if plan.aggregate {
            let mut current: Option<(Vec<Option<Vec<u8>>>, Groups)> = None;
            for row in &rows {
                let key: Vec<Option<Vec<u8>>> = self
                    .group_by
                    .iter()
                    .map(|i| row.values.get(*i).cloned().flatten())
                    .collect();
                match &mut current {
                    Some((k, groups)) if *k == key => groups.add(t, plan, row, bound)?,
                    _ => {
                        if let Some((_, groups)) = current.take() {
                            output_rows.push(groups.finish());
                        }
                        let mut groups = Groups::new(plan)?;
                        groups.add(t, plan, row, bound)?;
                        current = Some((key, groups));
                    }
                }
            }
            match current {
                Some((_, groups)) => output_rows.push(groups.finish()),
                // Without GROUP BY an aggregate over no rows still answers one row.
                None if self.group_by.is_empty() => output_rows.push(Groups::new(plan)?.finish()),
                None => {}
            }
            if let Some(limit) = limit {
                output_rows.truncate(limit as usize);
            }
        } else {
            for row in &rows {
                output_rows.push(
                    plan.outputs
                        .iter()
                        .map(|o| eval(t, &o.expr, row, bound))
                        .collect::<CqlResult<_>>()?,
                );
            }
        }
        let mut metadata = self.result_metadata();
        let mut content = Vec::new();
        for values in &output_rows {
            if plan.json {
                wire::write_bytes(&mut content, Some(&json_row(plan, values)));
            } else {
                for value in values {
                    wire::write_bytes(&mut content, value.as_deref());
                }
            }
        }
        metadata.paging_state = next.map(|s| s.encode());
        Ok(ResultBody::Rows(Rows {
            metadata,
            rows_count: output_rows.len(),
            content,
        }))
    }
}

/// A LIMIT-like setting: absent, or strictly positive.
fn positive(
    bound: &Bound<'_>,
    term: Option<&crate::cql3::ast::Term>,
    receiver: &str,
    what: &str,
) -> CqlResult<Option<u32>> {
    let Some(term) = term else {
        return Ok(None);
    };
    match bound.eval_int(term, receiver)? {
        Some(n) if n <= 0 => Err(CqlError::invalid(format!(
            "{what} must be strictly positive, got {n}"
        ))),
        other => Ok(other.map(|n| n as u32)),
    }
}
