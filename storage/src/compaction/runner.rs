//! Executes compactions on the table's shard: streams every input SSTable in
//! ring order, merges each partition, purges what [`PurgeRule`] allows, writes
//! outputs split at the task's size under the shard's [`Throttle`], then swaps
//! the SSTable set in one step (no await between removing inputs and adding
//! outputs, so a concurrent read sees either set completely).
//!
//! Invariants: inputs are deleted only after the outputs are complete and the
//! [`CompactionLog`] is committed; a failed compaction deletes its outputs and
//! leaves the inputs live. Only one compaction per table runs at a time (the
//! table's compaction permit, held by the caller); flushes may add SSTables
//! concurrently and reads never wait.

use std::rc::Rc;

use super::purge::{PurgeRule, purge};
use super::strategy::CompactionTask;
use super::throttle::Throttle;
use super::txn::CompactionLog;
use crate::engine::Table;
use crate::error::Result;
use crate::io::Disk;
use crate::io::sched::IoClass;
use crate::mutation::{Partition, PartitionUpdate};
use crate::sstable::scanner::Scanner;
use crate::sstable::{SSTable, SSTableWriter};

/// Smallest timestamp any source outside `inputs` may hold for the partition
/// (`i64::MAX` when none may hold it). Evaluated per partition against the
/// live SSTable set and memtables, so flushes during the compaction count.
fn max_purgeable_timestamp_us(
    table: &Table,
    inputs: &[Rc<SSTable>],
    token: i64,
    key: &[u8],
) -> i64 {
    let in_memtable = table.memtable.borrow().borrow().get(token, key).is_some()
        || table
            .flushing
            .borrow()
            .iter()
            .any(|m| m.borrow().get(token, key).is_some());
    if in_memtable {
        return i64::MIN;
    }
    table
        .sstables
        .borrow()
        .iter()
        .filter(|s| !inputs.iter().any(|i| Rc::ptr_eq(i, s)))
        .filter(|s| s.stats.min_token <= token && token <= s.stats.max_token)
        .filter(|s| s.may_contain(key))
        .map(|s| s.stats.min_timestamp_us)
        .min()
        .unwrap_or(i64::MAX)
}

fn is_empty(update: &PartitionUpdate) -> bool {
    update.rows.is_empty()
        && update.static_row.is_empty()
        && update.deletion.is_live()
        && update.range_tombstones.is_empty()
}

struct Outputs<'d> {
    disk: &'d dyn Disk,
    table: &'d Table,
    task: &'d CompactionTask,
    bound: crate::commitlog::ReplayPosition,
    expected_partitions: usize,
    writer: Option<SSTableWriter<'d>>,
    done: Vec<Rc<SSTable>>,
}

impl Outputs<'_> {
    async fn append(&mut self, log: &mut CompactionLog, update: &PartitionUpdate) -> Result<u64> {
        if self.writer.is_none() {
            let options = self.table.write_options(
                self.expected_partitions,
                self.bound,
                self.task.output_level,
            );
            log.add_output(self.disk, options.generation).await?;
            self.writer = Some(SSTableWriter::create(self.disk, &self.table.dir, &options).await?);
        }
        let Some(writer) = self.writer.as_mut() else {
            return Ok(0);
        };
        let before = writer.uncompressed_bytes();
        writer.append(update).await?;
        let written = writer.uncompressed_bytes() - before;
        if writer.uncompressed_bytes() >= self.task.max_output_bytes {
            self.finish_one().await?;
        }
        Ok(written)
    }

    async fn finish_one(&mut self) -> Result<()> {
        if let Some(writer) = self.writer.take() {
            let generation = writer.generation();
            writer.finish().await?;
            let sst = self.table.open_sstable(self.disk, generation).await?;
            self.done.push(Rc::new(sst));
        }
        Ok(())
    }
}

async fn merge(
    disk: &dyn Disk,
    table: &Table,
    task: &CompactionTask,
    inputs: &[Rc<SSTable>],
    log: &mut CompactionLog,
    now_s: i64,
    throttle: &Throttle,
) -> Result<Vec<Rc<SSTable>>> {
    let total_partitions: u64 = inputs.iter().map(|s| s.stats.partitions).sum();
    let total_bytes: u64 = inputs.iter().map(|s| s.stats.uncompressed_bytes).sum();
    let per_output = if task.max_output_bytes == u64::MAX || total_bytes == 0 {
        total_partitions
    } else {
        // Size each output's bloom filter for its share, with slack.
        let avg = (total_bytes / total_partitions.max(1)).max(1);
        (task.max_output_bytes / avg + 1).saturating_mul(5) / 4
    };
    let mut outputs = Outputs {
        disk,
        table,
        task,
        bound: inputs
            .iter()
            .map(|s| s.stats.commitlog_upper_bound)
            .max()
            .unwrap_or_default(),
        expected_partitions: per_output.min(total_partitions) as usize,
        writer: None,
        done: Vec::new(),
    };
    let mut scanners: Vec<Scanner> = inputs.iter().cloned().map(Scanner::new).collect();
    let gc_before_s = now_s.saturating_sub(i64::from(table.schema.options.gc_grace_seconds));
    loop {
        let mut heads = Vec::with_capacity(scanners.len());
        for s in &mut scanners {
            heads.push(s.peek().await?.map(|e| (e.token, e.key.clone())));
        }
        let Some((token, key)) = heads.iter().flatten().min().cloned() else {
            break;
        };
        let mut merged = Partition::empty(key.clone(), token, Rc::clone(&table.comparator));
        for (scanner, head) in scanners.iter_mut().zip(&heads) {
            if head.as_ref().is_some_and(|(t, k)| *t == token && *k == key) {
                if let Some(update) = scanner.next().await? {
                    merged.apply(&update);
                }
            }
        }
        let rule = PurgeRule {
            gc_before_s,
            now_s,
            max_purgeable_timestamp_us: max_purgeable_timestamp_us(table, inputs, token, &key),
        };
        purge(&mut merged, &rule);
        let update = merged.to_update();
        crate::engine::background_yield().await;
        if !is_empty(&update) {
            let written = outputs.append(log, &update).await?;
            throttle.consume(written).await;
        }
    }
    outputs.finish_one().await?;
    Ok(outputs.done)
}

/// Runs `task` on `table`, its I/O in the compaction class. The caller
/// holds the table's compaction permit. Returns false when the task went
/// stale (an input left the live set).
pub async fn run_task(
    disk: &dyn Disk,
    table: &Table,
    task: &CompactionTask,
    now_s: i64,
    throttle: &Throttle,
) -> Result<bool> {
    IoClass::Compaction
        .scope(run_task_unscoped(disk, table, task, now_s, throttle))
        .await
}

async fn run_task_unscoped(
    disk: &dyn Disk,
    table: &Table,
    task: &CompactionTask,
    now_s: i64,
    throttle: &Throttle,
) -> Result<bool> {
    let inputs: Vec<Rc<SSTable>> = table
        .sstables
        .borrow()
        .iter()
        .filter(|s| task.inputs.contains(&s.generation))
        .cloned()
        .collect();
    if inputs.len() != task.inputs.len() || inputs.is_empty() {
        return Ok(false);
    }
    let mut log = CompactionLog::begin(
        disk,
        &table.dir,
        table.take_generation(),
        task.inputs.clone(),
    )
    .await?;
    match merge(disk, table, task, &inputs, &mut log, now_s, throttle).await {
        Ok(outputs) => {
            log.commit(disk).await?;
            replace(table, &inputs, outputs);
            log.finish(disk).await?;
            Ok(true)
        }
        Err(error) => {
            // Best effort: if the disk is failing, recovery at the next load
            // deletes the uncommitted outputs instead.
            if let Err(cleanup) = log.finish(disk).await {
                tracing::warn!(%cleanup, "could not remove outputs of a failed compaction");
            }
            Err(error)
        }
    }
}

/// Swaps `inputs` for `outputs` in the live set, atomically for readers.
fn replace(table: &Table, inputs: &[Rc<SSTable>], outputs: Vec<Rc<SSTable>>) {
    let mut set = table.sstables.borrow_mut();
    set.retain(|s| !inputs.iter().any(|i| Rc::ptr_eq(i, s)));
    for input in inputs {
        input.invalidate_cache();
    }
    set.extend(outputs);
}

/// Smallest timestamp held by the table's memtables (`i64::MAX` if empty).
fn memtable_min_timestamp_us(table: &Table) -> i64 {
    let memtables: Vec<_> = std::iter::once(Rc::clone(&table.memtable.borrow()))
        .chain(table.flushing.borrow().iter().cloned())
        .collect();
    let mut min = i64::MAX;
    for m in memtables {
        for p in m.borrow().iter() {
            min = min.min(p.min_timestamp_us());
        }
    }
    min
}

/// Drops whole SSTables whose data all expired before gc_grace and cannot
/// shadow anything older elsewhere (Cassandra's `getFullyExpiredSSTables`):
/// their newest timestamp must be older than the oldest timestamp of every
/// overlapping live SSTable and of the memtables. Returns how many were dropped.
pub async fn drop_expired(disk: &dyn Disk, table: &Table, now_s: i64) -> Result<usize> {
    IoClass::Compaction
        .scope(drop_expired_unscoped(disk, table, now_s))
        .await
}

async fn drop_expired_unscoped(disk: &dyn Disk, table: &Table, now_s: i64) -> Result<usize> {
    let gc_before_s = now_s.saturating_sub(i64::from(table.schema.options.gc_grace_seconds));
    let all: Vec<Rc<SSTable>> = table.sstables.borrow().clone();
    let (candidates, others): (Vec<_>, Vec<_>) = all
        .iter()
        .cloned()
        .partition(|s| s.stats.fully_expired(gc_before_s));
    if candidates.is_empty() {
        return Ok(0);
    }
    let memtable_min = memtable_min_timestamp_us(table);
    let max_bound_kept = others.iter().map(|s| s.stats.commitlog_upper_bound).max();
    let droppable: Vec<Rc<SSTable>> = candidates
        .into_iter()
        .filter(|c| {
            let overlapping_min = others
                .iter()
                .filter(|o| {
                    o.stats.min_token <= c.stats.max_token && c.stats.min_token <= o.stats.max_token
                })
                .map(|o| o.stats.min_timestamp_us)
                .min()
                .unwrap_or(i64::MAX);
            // The replay floor comes from the SSTables' commitlog bounds: never
            // drop the one that carries the highest bound.
            c.stats.max_timestamp_us < overlapping_min.min(memtable_min)
                && max_bound_kept.is_some_and(|b| b >= c.stats.commitlog_upper_bound)
        })
        .collect();
    if droppable.is_empty() {
        return Ok(0);
    }
    let generations = droppable.iter().map(|s| s.generation).collect();
    let mut log =
        CompactionLog::begin(disk, &table.dir, table.take_generation(), generations).await?;
    log.commit(disk).await?;
    replace(table, &droppable, Vec::new());
    log.finish(disk).await?;
    Ok(droppable.len())
}
