//! The read path: merges a partition from every memtable and SSTable of the
//! table, then filters it into live results (`query::filter`). Range scans
//! first collect the keys in range from every source (keys only), then merge
//! partition by partition, stopping as soon as the page is full.
//!
//! The SSTable lookups of one partition are issued together (a bounded
//! `join` over the table's SSTables), so a partition spread over k SSTables
//! costs about one disk round trip, not k.

use std::collections::BTreeSet;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::Poll;

use super::table::Table;
use crate::error::Result;
use crate::mutation::{ClusteringSlice, Partition};
use crate::query::filter::{Limits, filter_partition};
use crate::query::{
    PagingPosition, PartitionSelection, ReadCommand, ReadResult, ResultPartition, TokenRange,
};

/// Merges every source's version of one partition. SSTables whose rows and
/// range tombstones all lie outside `slices` (statistics' clustering bounds)
/// and that hold no partition-level data are skipped; empty `slices` = all.
pub async fn merged_partition(
    table: &Table,
    token: i64,
    key: &[u8],
    slices: &[ClusteringSlice],
) -> Result<Option<Partition>> {
    let mut merged = Partition::empty(key.to_vec(), token, Rc::clone(&table.comparator));
    let mut found = false;
    let memtables: Vec<_> = std::iter::once(Rc::clone(&table.memtable.borrow()))
        .chain(table.flushing.borrow().iter().cloned())
        .collect();
    for m in memtables {
        if let Some(p) = m.borrow().get(token, key) {
            merged.merge_from(p);
            found = true;
        }
    }
    let sstables: Vec<_> = table
        .sstables
        .borrow()
        .iter()
        .filter(|sst| {
            let stats = &sst.stats;
            slices.is_empty()
                || stats.partition_deletions > 0
                || stats.static_rows > 0
                || stats.may_intersect(&table.comparator, slices)
        })
        .cloned()
        .collect();
    let lookups = sstables
        .iter()
        .map(|sst| sst.get_slices(token, key, &table.comparator, slices));
    for update in join_all(lookups).await {
        if let Some(update) = update? {
            merged.apply(&update);
            found = true;
        }
    }
    Ok(found.then_some(merged))
}

/// Polls every future until all are done; results in input order. The
/// futures are this table's SSTable lookups (bounded by its SSTable count).
async fn join_all<F: Future>(futures: impl Iterator<Item = F>) -> Vec<F::Output> {
    let mut pending: Vec<Pin<Box<F>>> = futures.map(Box::pin).collect();
    let mut done: Vec<Option<F::Output>> = pending.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut all_ready = true;
        for (future, slot) in pending.iter_mut().zip(done.iter_mut()) {
            if slot.is_none() {
                match future.as_mut().poll(cx) {
                    Poll::Ready(out) => *slot = Some(out),
                    Poll::Pending => all_ready = false,
                }
            }
        }
        if all_ready {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    })
    .await;
    done.into_iter().flatten().collect()
}

async fn keys_in_range(table: &Table, range: TokenRange) -> Result<BTreeSet<(i64, Vec<u8>)>> {
    let mut keys = BTreeSet::new();
    let memtables: Vec<_> = std::iter::once(Rc::clone(&table.memtable.borrow()))
        .chain(table.flushing.borrow().iter().cloned())
        .collect();
    for m in memtables {
        keys.extend(m.borrow().range(range).map(|p| (p.token, p.key.clone())));
    }
    let sstables: Vec<_> = table.sstables.borrow().clone();
    for sst in sstables {
        keys.extend(
            sst.entries_in(range)
                .await?
                .into_iter()
                .map(|e| (e.token, e.key)),
        );
    }
    Ok(keys)
}

pub async fn execute(table: &Table, cmd: &ReadCommand) -> Result<ReadResult> {
    let mut limits = Limits {
        rows_left: cmd.row_limit,
    };
    let mut result = ReadResult::default();
    let keys: Vec<(i64, Vec<u8>)> = match &cmd.selection {
        PartitionSelection::Single { key, token } => vec![(*token, key.clone())],
        PartitionSelection::TokenRange(range) => {
            keys_in_range(table, *range).await?.into_iter().collect()
        }
    };
    for (token, key) in keys {
        let resume = cmd
            .paging
            .as_ref()
            .filter(|p| p.token == token && p.key == key);
        if let Some(page) = &cmd.paging {
            let before = (token, key.as_slice()) < (page.token, page.key.as_slice());
            let finished = resume.is_some_and(|p| p.last_clustering.is_none());
            if before || finished {
                continue;
            }
        }
        if limits.rows_left == 0 {
            break;
        }
        let (part, stopped) = match filter_in_memtable(table, token, &key, cmd, &mut limits, resume)
        {
            Some(done) => done,
            None => {
                let Some(partition) = merged_partition(table, token, &key, &cmd.slices).await?
                else {
                    continue;
                };
                filter_partition(&partition, cmd, &mut limits, resume)
            }
        };
        if let Some(p) = part {
            result.partitions.push(p);
        }
        if stopped.is_some() {
            result.next_page = stopped;
            break;
        }
    }
    Ok(result)
}

/// The common read of hot data: a partition that lives in one memtable and
/// in no SSTable (each one's token range or bloom filter rules it out) is
/// filtered where it lies, without the merged copy. `None` when the general
/// path is needed (several sources, or an SSTable that may hold the key).
fn filter_in_memtable(
    table: &Table,
    token: i64,
    key: &[u8],
    cmd: &ReadCommand,
    limits: &mut Limits,
    resume: Option<&PagingPosition>,
) -> Option<(Option<ResultPartition>, Option<PagingPosition>)> {
    let may_be_on_disk = table.sstables.borrow().iter().any(|sst| {
        token >= sst.stats.min_token && token <= sst.stats.max_token && sst.may_contain(key)
    });
    if may_be_on_disk {
        return None;
    }
    let flushing = table.flushing.borrow();
    let mut in_flushing = flushing
        .iter()
        .filter(|m| m.borrow().get(token, key).is_some());
    let flushing_holder = in_flushing.next();
    if in_flushing.next().is_some() {
        return None;
    }
    let current = table.memtable.borrow();
    let current = current.borrow();
    match (flushing_holder, current.get(token, key)) {
        (None, Some(p)) => Some(filter_partition(p, cmd, limits, resume)),
        (None, None) => Some((None, None)),
        (Some(m), None) => {
            let m = m.borrow();
            let p = m.get(token, key)?;
            Some(filter_partition(p, cmd, limits, resume))
        }
        (Some(_), Some(_)) => None,
    }
}
