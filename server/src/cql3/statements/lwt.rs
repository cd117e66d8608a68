//! Lightweight transactions on one node: `IF NOT EXISTS`, `IF EXISTS` and
//! `IF <conditions>`, checked and applied atomically per partition on the
//! owning shard under that partition's lock (the single-node equivalent of
//! Paxos). Conditions are evaluated to bytes on the coordinator, so what
//! crosses shards is plain data.
//!
//! Counter updates use the same read-modify-write path: read this shard's
//! origin shard of each counter cell, add the delta, write the new context.

use std::cmp::Ordering;
use std::rc::Rc;
use std::sync::Arc;

use sibyl_protocol::types::ColumnType;
use sibyl_storage::mutation::{
    Cell, CellValue, ClusteringSlice, ColumnData, CounterContext, Mutation, PartitionUpdate, Row,
};
use sibyl_storage::query::{ReadCommand, ResultPartition};

use crate::cql3::ast::Operator;
use crate::cql3::rows::{CqlRow, decode_partition};
use crate::cql3::values::compare_values;
use crate::cql3::writes::{collection_elements, udt_fields};
use crate::cql3::{CqlError, CqlResult};
use crate::dht::Token;
use crate::schema::TableMetadata;
use crate::service::ShardServices;

/// Which part of a column a condition looks at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Element {
    Whole,
    /// A map key (serialized) or a list index.
    MapKey(Vec<u8>),
    ListIndex(i32),
    Field(usize),
}

/// One `IF` condition with its expected value(s) already bound.
#[derive(Debug, Clone)]
pub struct CheckedCondition {
    pub column: usize,
    pub element: Element,
    /// The type of what is compared (the element's type for elements).
    pub compared_type: ColumnType,
    pub operator: Operator,
    pub expected: Vec<Option<Vec<u8>>>,
}

#[derive(Debug, Clone)]
pub enum Check {
    Exists,
    NotExists,
    Columns(Vec<CheckedCondition>),
}

/// Where the checked row lives.
#[derive(Debug, Clone)]
pub struct Target {
    pub key: Vec<u8>,
    pub token: i64,
    pub clustering: Vec<Vec<u8>>,
}

impl Target {
    /// A read of this row (or of the partition's static row).
    fn read_command(&self, table_id: u64, static_row: bool, now_s: i64) -> ReadCommand {
        let slices = if self.clustering.is_empty() || static_row {
            Vec::new()
        } else {
            vec![ClusteringSlice::exact(self.clustering.clone())]
        };
        ReadCommand {
            slices,
            ..ReadCommand::single_partition(table_id, self.key.clone(), self.token, now_s)
        }
    }
}

fn extract(
    table: &TableMetadata,
    row: Option<&CqlRow>,
    condition: &CheckedCondition,
) -> CqlResult<Option<Vec<u8>>> {
    let Some(bytes) = row
        .and_then(|r| r.values.get(condition.column))
        .and_then(Option::as_ref)
    else {
        return Ok(None);
    };
    let column = &table.columns[condition.column];
    Ok(match &condition.element {
        Element::Whole => Some(bytes.clone()),
        Element::MapKey(key) => {
            let ColumnType::Map(key_type, _) = &column.column_type else {
                return Ok(None);
            };
            let elements = collection_elements(bytes)?;
            elements
                .chunks(2)
                .find(|pair| {
                    pair.first()
                        .is_some_and(|k| compare_values(key_type, k, key) == Ordering::Equal)
                })
                .and_then(|pair| pair.get(1))
                .map(|v| v.to_vec())
        }
        Element::ListIndex(i) => collection_elements(bytes)?
            .get(*i as usize)
            .map(|v| v.to_vec()),
        Element::Field(i) => udt_fields(bytes)?
            .get(*i)
            .copied()
            .flatten()
            .map(<[u8]>::to_vec),
    })
}

fn holds(current: Option<&[u8]>, condition: &CheckedCondition) -> bool {
    let ty = &condition.compared_type;
    let cmp = |expected: &Option<Vec<u8>>| match (current, expected) {
        (None, None) => Some(Ordering::Equal),
        (Some(a), Some(b)) => Some(compare_values(ty, a, b)),
        _ => None,
    };
    match condition.operator {
        Operator::Equal => condition
            .expected
            .first()
            .is_some_and(|e| cmp(e) == Some(Ordering::Equal)),
        Operator::NotEqual => condition
            .expected
            .first()
            .is_some_and(|e| cmp(e) != Some(Ordering::Equal)),
        Operator::In => condition
            .expected
            .iter()
            .any(|e| cmp(e) == Some(Ordering::Equal)),
        Operator::LessThan => condition
            .expected
            .first()
            .is_some_and(|e| e.is_some() && cmp(e) == Some(Ordering::Less)),
        Operator::LessThanOrEqual => condition.expected.first().is_some_and(|e| {
            e.is_some() && matches!(cmp(e), Some(Ordering::Less | Ordering::Equal))
        }),
        Operator::GreaterThan => condition
            .expected
            .first()
            .is_some_and(|e| e.is_some() && cmp(e) == Some(Ordering::Greater)),
        Operator::GreaterThanOrEqual => condition.expected.first().is_some_and(|e| {
            e.is_some() && matches!(cmp(e), Some(Ordering::Greater | Ordering::Equal))
        }),
        _ => false,
    }
}

/// One row's `IF` clause in a CAS request. An empty or partial clustering
/// (static columns, a partition deletion) checks the partition's first row.
#[derive(Debug, Clone)]
pub struct RowCheck {
    pub clustering: Vec<Vec<u8>>,
    pub check: Check,
}

/// List operations on one list column of one row, with their write's clock.
#[derive(Debug, Clone)]
pub struct ListUpdate {
    pub clustering: Vec<Vec<u8>>,
    pub column: usize,
    pub ops: Vec<ListOp>,
    pub timestamp_us: i64,
    pub ttl_s: u32,
}

/// Everything a conditional statement or batch does to one partition.
#[derive(Debug, Clone)]
pub struct CasRequest {
    pub key: Vec<u8>,
    pub token: i64,
    pub checks: Vec<RowCheck>,
    /// Every statement's cells, merged into one update.
    pub update: Option<PartitionUpdate>,
    pub list_updates: Vec<ListUpdate>,
    pub now_s: i64,
}

fn clustering_matches(row: &CqlRow, clustering_indexes: &[usize], clustering: &[Vec<u8>]) -> bool {
    clustering_indexes
        .iter()
        .zip(clustering)
        .all(|(i, v)| row.values.get(*i).and_then(Option::as_ref) == Some(v))
}

/// Checks every row condition of `request` against the partition as it is
/// and, if all hold, applies its update as one mutation: on the owning
/// shard, under the partition's lock. Returns whether it applied and the
/// checked rows as they were, in clustering order.
pub async fn cas(
    services: &Rc<ShardServices>,
    table: Arc<TableMetadata>,
    request: CasRequest,
) -> CqlResult<(bool, Vec<CqlRow>)> {
    let owner = services.sharder.shard_of(Token(request.token));
    services
        .mesh
        .call(owner, move |ctx| async move {
            let services = ShardServices::from_context(ctx)?;
            let _guard = services
                .partition_locks
                .lock(table.storage_id, &request.key)
                .await;
            let now_s = request.now_s;
            let command = cas_read_command(&table, &request);
            let result = services.data.read(&command).await?;
            let mut rows = Vec::new();
            for partition in &result.partitions {
                decode_partition(&table, partition, now_s, &mut rows);
            }
            let clustering_indexes: Vec<usize> = table
                .columns
                .iter()
                .enumerate()
                .filter(|(_, c)| c.kind == crate::schema::ColumnKind::Clustering)
                .map(|(i, _)| i)
                .collect();
            let mut applied = true;
            for row_check in &request.checks {
                let row = rows
                    .iter()
                    .find(|r| clustering_matches(r, &clustering_indexes, &row_check.clustering));
                applied &= match &row_check.check {
                    Check::Exists => row.is_some(),
                    Check::NotExists => row.is_none(),
                    Check::Columns(conditions) => {
                        let mut all = true;
                        for condition in conditions {
                            // Static columns are the partition's, whether or
                            // not the named row exists (every decoded row
                            // carries them).
                            let is_static = table
                                .columns
                                .get(condition.column)
                                .is_some_and(|c| c.kind == crate::schema::ColumnKind::Static);
                            let source = if is_static { rows.first() } else { row };
                            let current = extract(&table, source, condition)?;
                            all &= holds(current.as_deref(), condition);
                        }
                        all
                    }
                };
            }
            if applied {
                let mut update = request
                    .update
                    .unwrap_or_else(|| PartitionUpdate::new(request.key.clone(), request.token));
                for list_update in &request.list_updates {
                    let (is_static, row) =
                        list_row(&table, result.partitions.first(), list_update, now_s)?;
                    if is_static {
                        update.static_row.merge_from(&row);
                    } else {
                        update.rows.push((list_update.clustering.clone(), row));
                    }
                }
                let empty = update.rows.is_empty()
                    && update.static_row.is_empty()
                    && update.range_tombstones.is_empty()
                    && update.deletion.is_live();
                if !empty {
                    services
                        .write(&Mutation::new(table.storage_id, update))
                        .await?;
                }
                return Ok((true, Vec::new()));
            }
            // The rows the conditions looked at, each once.
            let mut pending: Vec<&[Vec<u8>]> = request
                .checks
                .iter()
                .map(|c| c.clustering.as_slice())
                .collect();
            // A partition with static values but none of the named rows
            // shows its static row, as Cassandra's result does.
            let static_only = rows.len() == 1
                && rows.first().is_some_and(|row| {
                    clustering_indexes
                        .iter()
                        .all(|i| row.values.get(*i).is_none_or(Option::is_none))
                });
            if static_only {
                return Ok((false, rows));
            }
            let checked = rows
                .into_iter()
                .filter(|row| {
                    let hit = pending
                        .iter()
                        .position(|c| clustering_matches(row, &clustering_indexes, c));
                    hit.map(|i| pending.swap_remove(i)).is_some()
                })
                .collect();
            Ok((false, checked))
        })
        .await
        .map_err(|_| CqlError::Overloaded(format!("shard {owner} is shutting down")))?
}

/// The read of a CAS request: its one row when it names a single row, else
/// the whole partition.
fn cas_read_command(table: &TableMetadata, request: &CasRequest) -> ReadCommand {
    let clusterings = request
        .checks
        .iter()
        .map(|c| &c.clustering)
        .chain(request.list_updates.iter().map(|l| &l.clustering));
    let mut single: Option<&Vec<Vec<u8>>> = None;
    let mut several = false;
    for clustering in clusterings {
        match single {
            Some(first) if first != clustering => several = true,
            _ => single = Some(clustering),
        }
    }
    let static_list = request.list_updates.iter().any(|l| {
        table
            .columns
            .get(l.column)
            .is_some_and(|c| c.kind == crate::schema::ColumnKind::Static)
    });
    let target = Target {
        key: request.key.clone(),
        token: request.token,
        clustering: match single {
            Some(clustering) if !several => clustering.clone(),
            _ => Vec::new(),
        },
    };
    target.read_command(table.storage_id, static_list, request.now_s)
}

/// Merges `other` into `update` (same partition): the newer partition
/// deletion, the static rows, and every row and range tombstone (storage
/// reconciles rows that repeat a clustering).
pub fn merge_update(update: &mut PartitionUpdate, other: PartitionUpdate) {
    if other.deletion.supersedes(&update.deletion) {
        update.deletion = other.deletion;
    }
    update.static_row.merge_from(&other.static_row);
    update.rows.extend(other.rows);
    update.range_tombstones.extend(other.range_tombstones);
}

/// Adds `deltas` (column id, delta) to counter cells of one row, on the
/// owning shard: this shard's origin entry gets clock + 1 and the new sum.
pub async fn apply_counters(
    services: &Rc<ShardServices>,
    table: Arc<TableMetadata>,
    target: Target,
    static_row: bool,
    deltas: Vec<(u32, i64)>,
    timestamp_us: i64,
    now_s: i64,
) -> CqlResult<()> {
    let owner = services.sharder.shard_of(Token(target.token));
    services
        .mesh
        .call(owner, move |ctx| async move {
            let services = ShardServices::from_context(ctx)?;
            let origin = services.counter_origin();
            let _guard = services
                .partition_locks
                .lock(table.storage_id, &target.key)
                .await;
            let command = target.read_command(table.storage_id, static_row, now_s);
            let result = services.data.read(&command).await?;
            let existing = |id: u32| -> Option<CounterContext> {
                let partition = result.partitions.first()?;
                let row = if static_row {
                    partition.static_row.as_ref()?
                } else {
                    &partition
                        .rows
                        .iter()
                        .find(|r| r.clustering == target.clustering)?
                        .row
                };
                match row.columns.get(&id)? {
                    ColumnData::Simple(Cell {
                        value: CellValue::Counter(ctx),
                        ..
                    }) => Some(ctx.clone()),
                    _ => None,
                }
            };
            let mut row = Row::default();
            for (id, delta) in deltas {
                let (clock, value) = existing(id)
                    .and_then(|ctx| {
                        ctx.shards
                            .iter()
                            .find(|s| s.origin == origin)
                            .map(|s| (s.clock, s.value))
                    })
                    .unwrap_or((0, 0));
                let context = CounterContext::single(origin, clock + 1, value.wrapping_add(delta));
                row.columns
                    .insert(id, ColumnData::Simple(Cell::counter(timestamp_us, context)));
            }
            let mut update = PartitionUpdate::new(target.key.clone(), target.token);
            if static_row {
                update.static_row = row;
            } else {
                update.rows.push((target.clustering.clone(), row));
            }
            services
                .write(&Mutation::new(table.storage_id, update))
                .await
        })
        .await
        .map_err(|_| CqlError::Overloaded(format!("shard {owner} is shutting down")))?
}

/// A list change that needs the list's current cells first.
#[derive(Debug, Clone)]
pub enum ListOp {
    /// `l[i] = v` (`None`: `l[i] = null`, which deletes the element).
    Set(i32, Option<Vec<u8>>),
    /// `DELETE l[i]`.
    Delete(i32),
    /// `l = l - [v, ...]`: removes every element equal to one of these.
    Remove(Vec<Vec<u8>>),
}

/// Applies index- and value-based list operations to one list column on the
/// owning shard, reading the list's element paths under the partition lock.
pub async fn apply_list_ops(
    services: &Rc<ShardServices>,
    table: Arc<TableMetadata>,
    key: Vec<u8>,
    token: i64,
    list_update: ListUpdate,
    now_s: i64,
) -> CqlResult<()> {
    let owner = services.sharder.shard_of(Token(token));
    services
        .mesh
        .call(owner, move |ctx| async move {
            let services = ShardServices::from_context(ctx)?;
            let _guard = services.partition_locks.lock(table.storage_id, &key).await;
            let target = Target {
                key: key.clone(),
                token,
                clustering: list_update.clustering.clone(),
            };
            let is_static = table
                .columns
                .get(list_update.column)
                .is_some_and(|c| c.kind == crate::schema::ColumnKind::Static);
            let command = target.read_command(table.storage_id, is_static, now_s);
            let result = services.data.read(&command).await?;
            let (is_static, row) =
                list_row(&table, result.partitions.first(), &list_update, now_s)?;
            let mut update = PartitionUpdate::new(key, token);
            if is_static {
                update.static_row = row;
            } else {
                update.rows.push((list_update.clustering, row));
            }
            services
                .write(&Mutation::new(table.storage_id, update))
                .await
        })
        .await
        .map_err(|_| CqlError::Overloaded(format!("shard {owner} is shutting down")))?
}

/// The cells that apply `list_update` to the list as `partition` holds it:
/// whether they go to the static row, and the row.
fn list_row(
    table: &TableMetadata,
    partition: Option<&ResultPartition>,
    list_update: &ListUpdate,
    now_s: i64,
) -> CqlResult<(bool, Row)> {
    let ListUpdate {
        clustering,
        column: column_index,
        ops,
        timestamp_us,
        ttl_s,
    } = list_update;
    let (timestamp_us, ttl_s) = (*timestamp_us, *ttl_s);
    let column = table
        .columns
        .get(*column_index)
        .ok_or_else(|| CqlError::server("list column vanished"))?;
    let element_type = match &column.column_type {
        ColumnType::List(e) => (**e).clone(),
        _ => return Err(CqlError::server("not a list")),
    };
    let is_static = column.kind == crate::schema::ColumnKind::Static;
    let cells: Vec<(Vec<u8>, Vec<u8>)> = partition
        .and_then(|p| {
            if is_static {
                p.static_row.as_ref()
            } else {
                p.rows
                    .iter()
                    .find(|r| r.clustering == *clustering)
                    .map(|r| &r.row)
            }
        })
        .and_then(|row| row.columns.get(&column.id))
        .map(|data| match data {
            ColumnData::Complex(complex) => complex
                .cells
                .iter()
                .filter(|(_, c)| c.is_live(now_s))
                .filter_map(|(p, c)| {
                    if let CellValue::Bytes(v) = &c.value {
                        Some((p.clone(), v.clone()))
                    } else {
                        None
                    }
                })
                .collect(),
            ColumnData::Simple(_) => Vec::new(),
        })
        .unwrap_or_default();
    let mut complex = sibyl_storage::mutation::ComplexColumn::default();
    let cell = |value: Vec<u8>| {
        if ttl_s > 0 {
            Cell::expiring(timestamp_us, ttl_s, now_s, value)
        } else {
            Cell::live(timestamp_us, value)
        }
    };
    let path_at = |i: i32| -> CqlResult<Vec<u8>> {
        if cells.is_empty() {
            return Err(CqlError::invalid(
                "Attempted to set an element on a list which is null",
            ));
        }
        cells
            .get(usize::try_from(i).unwrap_or(usize::MAX))
            .map(|(p, _)| p.clone())
            .ok_or_else(|| {
                CqlError::invalid(format!(
                    "List index {i} out of bound, list has size {}",
                    cells.len()
                ))
            })
    };
    for op in ops {
        match op {
            ListOp::Set(i, Some(value)) => {
                complex.cells.insert(path_at(*i)?, cell(value.clone()));
            }
            ListOp::Set(i, None) | ListOp::Delete(i) => {
                complex
                    .cells
                    .insert(path_at(*i)?, Cell::tombstone(timestamp_us, now_s));
            }
            ListOp::Remove(values) => {
                for (path, current) in &cells {
                    if values
                        .iter()
                        .any(|v| compare_values(&element_type, v, current) == Ordering::Equal)
                    {
                        complex
                            .cells
                            .insert(path.clone(), Cell::tombstone(timestamp_us, now_s));
                    }
                }
            }
        }
    }
    let mut row = Row::default();
    row.columns.insert(column.id, ColumnData::Complex(complex));
    Ok((is_static, row))
}
