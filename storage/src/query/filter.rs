//! Turns merged partitions into live results: applies partition, range, row and
//! collection deletions and TTL expiry as of `now_s`, selects slices and
//! columns, and enforces limits and paging. Pure; runs on the owning shard.

use std::cmp::Ordering;

use super::{PagingPosition, ReadCommand, ResultPartition, ResultRow};
use crate::mutation::{ColumnData, ComplexColumn, DeletionTime, Partition, Row};
use crate::schema::ClusteringComparator;

/// Live view of a row under `outer` deletion; `None` when nothing is live.
pub fn live_row(row: &Row, outer: DeletionTime, cmd: &ReadCommand) -> Option<Row> {
    let deletion = row.deletion.max(outer);
    let now_s = cmd.now_s;
    let marker = row
        .marker
        .filter(|m| !deletion.deletes(m.timestamp_us) && m.is_live(now_s));
    let mut live = Row {
        marker,
        deletion: DeletionTime::LIVE,
        columns: Default::default(),
    };
    for (id, data) in &row.columns {
        if let Some(cols) = &cmd.columns {
            if !cols.contains(id) {
                continue;
            }
        }
        match data {
            ColumnData::Simple(cell) => {
                if !deletion.deletes(cell.timestamp_us) && cell.is_live(now_s) {
                    live.columns.insert(*id, ColumnData::Simple(cell.clone()));
                }
            }
            ColumnData::Complex(complex) => {
                let effective = complex.deletion.max(deletion);
                let cells: std::collections::BTreeMap<_, _> = complex
                    .cells
                    .iter()
                    .filter(|(_, c)| !effective.deletes(c.timestamp_us) && c.is_live(now_s))
                    .map(|(p, c)| (p.clone(), c.clone()))
                    .collect();
                if !cells.is_empty() {
                    live.columns.insert(
                        *id,
                        ColumnData::Complex(ComplexColumn {
                            deletion: DeletionTime::LIVE,
                            cells,
                        }),
                    );
                }
            }
        }
    }
    // Cassandra: a row exists if its primary key liveness is live or any cell is,
    // whether or not that cell was selected.
    let row_exists = marker.is_some() || !live.columns.is_empty() || {
        let unselected = Row {
            columns: row.columns.clone(),
            ..Row::default()
        };
        cmd.columns.is_some()
            && live_row(
                &unselected,
                deletion,
                &ReadCommand {
                    columns: None,
                    ..cmd.clone()
                },
            )
            .is_some()
    };
    row_exists.then_some(live)
}

fn in_slices(cmd: &ReadCommand, cmp: &ClusteringComparator, clustering: &[Vec<u8>]) -> bool {
    cmd.slices.is_empty() || cmd.slices.iter().any(|s| s.contains(cmp, clustering))
}

/// Budget shared across partitions while building one page.
#[derive(Debug)]
pub struct Limits {
    pub rows_left: u32,
}

/// Builds the live result of one partition, consuming from `limits`.
/// Returns the partition (if anything is live) and whether a limit stopped it early.
pub fn filter_partition(
    partition: &Partition,
    cmd: &ReadCommand,
    limits: &mut Limits,
    resume: Option<&PagingPosition>,
) -> (Option<ResultPartition>, Option<PagingPosition>) {
    let cmp = &partition.comparator;
    let mut per_partition_left =
        resume.map_or(cmd.per_partition_limit, |p| p.remaining_in_partition);
    let static_row = if resume.is_some_and(|p| p.last_clustering.is_some()) {
        None
    } else {
        live_row(&partition.static_row, partition.deletion, cmd)
            .filter(|r| r.marker.is_some() || !r.columns.is_empty())
    };
    let mut rows = Vec::new();
    let mut stopped = None;
    let iter: Box<dyn Iterator<Item = _>> = if cmd.reversed {
        Box::new(partition.rows.iter().rev())
    } else {
        Box::new(partition.rows.iter())
    };
    for (key, row) in iter {
        if let Some(last) = resume.and_then(|p| p.last_clustering.as_ref()) {
            let order = cmp.compare(&key.values, last);
            let already_returned = if cmd.reversed {
                order != Ordering::Less
            } else {
                order != Ordering::Greater
            };
            if already_returned {
                continue;
            }
        }
        if !in_slices(cmd, cmp, &key.values) {
            continue;
        }
        if limits.rows_left == 0 || per_partition_left == 0 {
            break;
        }
        let outer = partition.deletion_covering(&key.values);
        if let Some(live) = live_row(row, outer, cmd) {
            rows.push(ResultRow {
                clustering: key.values.clone(),
                row: live,
            });
            limits.rows_left -= 1;
            per_partition_left -= 1;
            if limits.rows_left == 0 {
                stopped = Some(PagingPosition {
                    token: partition.token,
                    key: partition.key.clone(),
                    last_clustering: Some(key.values.clone()),
                    remaining_in_partition: per_partition_left,
                });
                break;
            }
        }
    }
    // A partition with only static data counts as one row, as in Cassandra.
    if rows.is_empty() && static_row.is_some() && stopped.is_none() {
        if limits.rows_left == 0 {
            return (None, None);
        }
        limits.rows_left -= 1;
        if limits.rows_left == 0 {
            stopped = Some(PagingPosition {
                token: partition.token,
                key: partition.key.clone(),
                last_clustering: None,
                remaining_in_partition: 0,
            });
        }
    }
    if rows.is_empty() && static_row.is_none() {
        return (None, stopped);
    }
    (
        Some(ResultPartition {
            key: partition.key.clone(),
            token: partition.token,
            static_row,
            rows,
        }),
        stopped,
    )
}
