//! The engine's side of compaction: the shard's background compaction task,
//! manual major compaction (`nodetool compact`) and single strategy steps.
//!
//! One background task per shard at most; it wakes after flushes, walks every
//! table running strategy tasks until none is due, and yields the core
//! between partitions (and sleeps under the throughput cap), so reads and
//! writes never wait for it. It holds only a `Weak` engine reference between
//! steps, and [`ShardEngine::close`] stops it and awaits it.

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};

use super::{CompactionConfig, Inner, ShardEngine};
use crate::compaction::runner::{drop_expired, run_task};
use crate::compaction::{CompactionTask, SSTableInfo, Throttle};
use crate::error::Result;
use crate::schema::TableId;

/// Strategy steps one table may take per wake-up before others get a turn.
const STEPS_PER_TABLE: usize = 16;
/// Guard against a strategy that never converges in [`ShardEngine::run_compactions`].
const MAX_STEPS: usize = 10_000;

/// State of the shard's background compactions.
#[derive(Debug)]
pub(crate) struct Background {
    pub(crate) throttle: Throttle,
    enabled: bool,
    fixed_now_s: Option<i64>,
    stopped: Cell<bool>,
    wanted: Cell<bool>,
    active: Cell<bool>,
    task: RefCell<Option<glommio::Task<()>>>,
}

impl Background {
    pub(crate) fn new(config: &CompactionConfig) -> Self {
        Background {
            throttle: Throttle::new(config.throughput_mb_per_s),
            enabled: config.background,
            fixed_now_s: config.fixed_now_s,
            stopped: Cell::new(false),
            wanted: Cell::new(false),
            active: Cell::new(false),
            task: RefCell::new(None),
        }
    }

    fn now_s(&self) -> i64 {
        self.fixed_now_s.unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .unwrap_or_default()
        })
    }

    /// Stops scheduling and waits for the running compaction step to end.
    pub(crate) async fn stop(&self) {
        self.stopped.set(true);
        let task = self.task.borrow_mut().take();
        if let Some(task) = task {
            task.await;
        }
    }
}

async fn background_loop(weak: Weak<Inner>) {
    loop {
        let Some(inner) = weak.upgrade() else {
            return;
        };
        let engine = ShardEngine { inner };
        let bg = &engine.inner.compactions;
        if bg.stopped.get() || !bg.wanted.replace(false) {
            bg.active.set(false);
            return;
        }
        for table in engine.tables() {
            for step in 0..STEPS_PER_TABLE {
                if bg.stopped.get() {
                    break;
                }
                match engine.compact_once(table.schema.id, bg.now_s()).await {
                    Ok(true) if step + 1 == STEPS_PER_TABLE => bg.wanted.set(true),
                    Ok(true) => {}
                    Ok(false) => break,
                    Err(error) => {
                        tracing::error!(%error, table = table.schema.id, "background compaction failed");
                        break;
                    }
                }
            }
        }
    }
}

impl ShardEngine {
    /// The shard's compaction throughput cap (adjustable at run time).
    pub fn compaction_throttle(&self) -> &Throttle {
        &self.inner.compactions.throttle
    }

    /// Wakes the background compaction task (after a flush).
    pub(crate) fn schedule_compactions(&self) {
        let bg = &self.inner.compactions;
        if !bg.enabled || bg.stopped.get() {
            return;
        }
        bg.wanted.set(true);
        if bg.active.replace(true) {
            return;
        }
        let weak = Rc::downgrade(&self.inner);
        let task = super::spawn_background(background_loop(weak));
        // The previous task (if any) has finished: `active` was false.
        *bg.task.borrow_mut() = Some(task);
    }

    /// One compaction step of a table's strategy: drops fully expired
    /// SSTables, or else runs the strategy's next task. Returns whether it did
    /// anything.
    pub async fn compact_once(&self, id: TableId, now_s: i64) -> Result<bool> {
        let table = self.table(id)?;
        let _permit = table.lock_compaction().await?;
        let disk = self.inner.disk.as_ref();
        if drop_expired(disk, &table, now_s).await? > 0 {
            return Ok(true);
        }
        let infos: Vec<SSTableInfo> = table
            .sstables
            .borrow()
            .iter()
            .map(|s| SSTableInfo::of(s))
            .collect();
        let Some(task) = table.strategy.next_task(&infos) else {
            return Ok(false);
        };
        run_task(disk, &table, &task, now_s, &self.inner.compactions.throttle).await
    }

    /// Runs strategy steps until none is due; returns how many ran.
    pub async fn run_compactions(&self, id: TableId, now_s: i64) -> Result<usize> {
        let mut steps = 0;
        while steps < MAX_STEPS && self.compact_once(id, now_s).await? {
            steps += 1;
        }
        Ok(steps)
    }

    /// Major compaction (`nodetool compact`): merges every SSTable of the
    /// table into one (split at `sstable_size_in_mb` into L1 for leveled),
    /// purging tombstones older than gc_grace that shadow nothing outside.
    pub async fn compact(&self, id: TableId, now_s: i64) -> Result<()> {
        let table = self.table(id)?;
        let _permit = table.lock_compaction().await?;
        let disk = self.inner.disk.as_ref();
        drop_expired(disk, &table, now_s).await?;
        let inputs: Vec<u64> = table
            .sstables
            .borrow()
            .iter()
            .map(|s| s.generation)
            .collect();
        if inputs.is_empty() {
            return Ok(());
        }
        let (level, max_output_bytes) = table.strategy.major_output();
        let task = CompactionTask::new(inputs, level, max_output_bytes);
        run_task(disk, &table, &task, now_s, &self.inner.compactions.throttle).await?;
        Ok(())
    }
}
