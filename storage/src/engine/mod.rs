//! The storage engine of one shard: its commitlog and its tables. This is the
//! API the server uses — open with a directory, create/open tables from schema
//! descriptors, apply mutations (returning once durable per the sync mode),
//! execute reads, flush and compact.
//!
//! Everything is owned by the shard's executor thread (`Rc`, `RefCell`); the
//! server sends `Mutation`s and `ReadCommand`s to the owning shard and calls
//! these methods there. Start-up order: load SSTables, replay the commitlog
//! into memtables (skipping entries already in SSTables), flush them, then
//! open a fresh commitlog that recycles the replayed segments.

pub mod compaction;
pub mod read;
pub mod table;

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::rc::Rc;

use crate::cache::{BlockCache, CacheStats};
use crate::commitlog::replay::{ReplayReport, replay};
use crate::commitlog::{Commitlog, CommitlogConfig, ReplayPosition};
use crate::error::{Result, StorageError};
use crate::io::Disk;
use crate::io::sched::IoClass;
use crate::mutation::{Mutation, codec};
use crate::query::{ReadCommand, ReadResult};
use crate::schema::{TableId, TableSchema};
use crate::sstable::write_sstable;
pub use table::Table;

/// Settings of one shard's engine.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Tables live in `data_dir/<keyspace>-<table>-<id>/`.
    pub data_dir: PathBuf,
    pub commitlog: CommitlogConfig,
    /// Shard-wide memtable budget; the largest memtable is flushed when exceeded.
    pub memtable_budget_bytes: usize,
    pub compaction: CompactionConfig,
    /// Capacity of the shard's block cache (decoded index blocks and
    /// decompressed data chunks of its SSTables); 0 disables it.
    pub block_cache_bytes: usize,
    /// When set, index blocks and row indexes get a pool of this many bytes
    /// of their own (Cassandra's key cache beside the chunk cache) and
    /// `block_cache_bytes` holds data chunks only.
    pub index_cache_bytes: Option<usize>,
}

/// How a shard runs compactions.
#[derive(Debug, Clone, PartialEq)]
pub struct CompactionConfig {
    /// `compaction_throughput_mb_per_sec`: cap on bytes written per second by
    /// this shard's compactions; 0 disables the cap.
    pub throughput_mb_per_s: f64,
    /// Run strategy compactions in the background after flushes.
    pub background: bool,
    /// Clock for background compactions (purge and expiry) in seconds since
    /// the epoch; `None` uses the system clock. Tests pin it.
    pub fixed_now_s: Option<i64>,
}

impl Default for CompactionConfig {
    fn default() -> Self {
        CompactionConfig {
            throughput_mb_per_s: 64.0,
            background: true,
            fixed_now_s: None,
        }
    }
}

impl EngineConfig {
    /// Defaults for shard `shard` below `workdir` (`data/` and `commitlog/`).
    pub fn new(workdir: &std::path::Path, shard: u32) -> Self {
        EngineConfig {
            data_dir: workdir.join("data"),
            commitlog: CommitlogConfig::new(
                workdir.join("commitlog").join(format!("shard-{shard}")),
                shard,
            ),
            memtable_budget_bytes: 256 << 20,
            compaction: CompactionConfig::default(),
            block_cache_bytes: crate::cache::DEFAULT_CAPACITY_BYTES,
            index_cache_bytes: None,
        }
    }
}

#[derive(Debug)]
struct Inner {
    disk: Rc<dyn Disk>,
    config: EngineConfig,
    commitlog: Commitlog,
    tables: RefCell<BTreeMap<TableId, Rc<Table>>>,
    replay_report: ReplayReport,
    background_flush: std::cell::Cell<bool>,
    compactions: compaction::Background,
    cache: Rc<BlockCache>,
}

/// One shard's storage engine; clones share it.
#[derive(Debug, Clone)]
pub struct ShardEngine {
    inner: Rc<Inner>,
}

impl ShardEngine {
    /// Loads `schemas`' SSTables, replays the commitlog and starts a new one.
    /// Commitlog entries of tables not in `schemas` are dropped (counted in the report).
    pub async fn open(
        disk: Rc<dyn Disk>,
        config: EngineConfig,
        schemas: Vec<TableSchema>,
    ) -> Result<ShardEngine> {
        disk.create_dir_all(&config.data_dir)?;
        let cache = Rc::new(match config.index_cache_bytes {
            Some(index) => BlockCache::with_index_pool(config.block_cache_bytes, index),
            None => BlockCache::new(config.block_cache_bytes),
        });
        let mut tables = BTreeMap::new();
        for schema in schemas {
            let dir = config.data_dir.join(schema.dir_name());
            let id = schema.id;
            let table = Table::load(disk.as_ref(), dir, schema, Rc::clone(&cache)).await?;
            tables.insert(id, Rc::new(table));
        }
        let report = replay(
            Rc::clone(&disk),
            &config.commitlog.dir,
            config.commitlog.shard,
            |pos, m| {
                if let Some(table) = tables.get(&m.table_id) {
                    if pos > table.replay_floor.get() {
                        table.memtable.borrow().borrow_mut().apply(&m.update, pos);
                    }
                }
                Ok(())
            },
        )
        .await?;
        for table in tables.values() {
            table.flush(disk.as_ref(), ReplayPosition::NONE).await?;
        }
        let log_disk = crate::io::sched::classed(&disk, IoClass::Commitlog);
        let commitlog = Commitlog::open(log_disk, config.commitlog.clone()).await?;
        Ok(ShardEngine {
            inner: Rc::new(Inner {
                disk,
                commitlog,
                tables: RefCell::new(tables),
                replay_report: report,
                background_flush: std::cell::Cell::new(false),
                compactions: compaction::Background::new(&config.compaction),
                config,
                cache,
            }),
        })
    }

    /// What the start-up replay found (torn tails, skipped bytes).
    pub fn replay_report(&self) -> &ReplayReport {
        &self.inner.replay_report
    }

    pub fn commitlog(&self) -> &Commitlog {
        &self.inner.commitlog
    }

    /// The shard's block cache counters (hits, misses, evictions, bytes).
    pub fn block_cache_stats(&self) -> CacheStats {
        self.inner.cache.stats()
    }

    pub fn table(&self, id: TableId) -> Result<Rc<Table>> {
        self.inner
            .tables
            .borrow()
            .get(&id)
            .cloned()
            .ok_or(StorageError::UnknownTable { table_id: id })
    }

    /// Creates (or opens, if its directory has data) a table on this shard.
    pub async fn create_table(&self, schema: TableSchema) -> Result<()> {
        let id = schema.id;
        if self.inner.tables.borrow().contains_key(&id) {
            return Err(StorageError::TableExists { table_id: id });
        }
        let dir = self.inner.config.data_dir.join(schema.dir_name());
        let cache = Rc::clone(&self.inner.cache);
        let table = Table::load(self.inner.disk.as_ref(), dir, schema, cache).await?;
        self.inner.tables.borrow_mut().insert(id, Rc::new(table));
        Ok(())
    }

    /// Replaces a table's schema snapshot (ALTER TABLE); data is untouched.
    pub fn tables(&self) -> Vec<Rc<Table>> {
        self.inner.tables.borrow().values().cloned().collect()
    }

    /// Applies a mutation: commitlog append, memtable, then waits for the
    /// commitlog's acknowledgement rule. On error the write may or may not be
    /// visible (like a Cassandra write failure) and is not acknowledged.
    pub async fn apply(&self, mutation: &Mutation) -> Result<()> {
        self.apply_cow(Cow::Borrowed(mutation)).await
    }

    /// [`Engine::apply`] for a caller that gives the mutation away: its rows
    /// move into the memtable instead of being copied.
    pub async fn apply_owned(&self, mutation: Mutation) -> Result<()> {
        self.apply_cow(Cow::Owned(mutation)).await
    }

    async fn apply_cow(&self, mutation: Cow<'_, Mutation>) -> Result<()> {
        let table = self.table(mutation.table_id)?;
        let mut payload = Vec::with_capacity(128);
        codec::encode_mutation(&mutation, &mut payload);
        let log = &self.inner.commitlog;
        let pos = log.append(mutation.table_id, &payload).await?;
        // No await between the append and the memtable apply: a flush switching
        // memtables cannot slip in and release this entry's segment early.
        let memtable = table.memtable.borrow();
        match mutation {
            Cow::Borrowed(m) => memtable.borrow_mut().apply(&m.update, pos),
            Cow::Owned(m) => memtable.borrow_mut().apply_owned(m.update, pos),
        }
        drop(memtable);
        log.wait_durable(pos).await?;
        self.maybe_flush();
        Ok(())
    }

    /// Flushes the largest memtable in the background when over budget.
    fn maybe_flush(&self) {
        if self.inner.background_flush.get() {
            return;
        }
        let tables = self.tables();
        let total: usize = tables.iter().map(|t| t.memtable_size_bytes()).sum();
        if total <= self.inner.config.memtable_budget_bytes {
            return;
        }
        let Some(largest) = tables.into_iter().max_by_key(|t| t.memtable_size_bytes()) else {
            return;
        };
        self.inner.background_flush.set(true);
        let engine = self.clone();
        spawn_background(async move {
            if let Err(error) = engine.flush(largest.schema.id).await {
                tracing::error!(%error, table = largest.schema.id, "background flush failed");
            }
            engine.inner.background_flush.set(false);
        })
        .detach();
    }

    pub async fn read(&self, cmd: &ReadCommand) -> Result<ReadResult> {
        let table = self.table(cmd.table_id)?;
        read::execute(&table, cmd).await
    }

    /// Flushes a table's memtable to an SSTable and releases commitlog segments.
    pub async fn flush(&self, id: TableId) -> Result<()> {
        let table = self.table(id)?;
        let position = self.inner.commitlog.current_position();
        let flush = table.flush(self.inner.disk.as_ref(), position);
        if let Some(bound) = IoClass::Flush.scope(flush).await? {
            self.inner.commitlog.discard_completed(id, bound).await?;
            self.schedule_compactions();
        }
        Ok(())
    }

    pub async fn flush_all(&self) -> Result<()> {
        for table in self.tables() {
            self.flush(table.schema.id).await?;
        }
        Ok(())
    }

    /// Removes all data of a table. An empty SSTable records the commitlog
    /// position so replay cannot resurrect truncated writes.
    pub async fn truncate_table(&self, id: TableId) -> Result<()> {
        let table = self.table(id)?;
        let disk = self.inner.disk.as_ref();
        let _compaction = table.lock_compaction().await?;
        let _permit = table.lock().await?;
        let position = self.inner.commitlog.current_position();
        let options = table.write_options(0, position, 0);
        write_sstable(disk, &table.dir, &options, Vec::new()).await?;
        let marker = Rc::new(table.open_sstable(disk, options.generation).await?);
        *table.memtable.borrow_mut() = Rc::new(RefCell::new(crate::memtable::Memtable::new(
            Rc::clone(&table.comparator),
        )));
        let old: Vec<_> = std::mem::replace(&mut *table.sstables.borrow_mut(), vec![marker]);
        for sst in &old {
            Table::delete_sstable(disk, sst).await?;
        }
        self.inner.commitlog.discard_completed(id, position).await
    }

    /// `nodetool snapshot`: flushes every table, then hard-links each live
    /// SSTable's components into `<table dir>/snapshots/<tag>/`. Returns the
    /// number of SSTables linked. Links share blocks, so a snapshot costs no
    /// data copy and survives later compactions deleting the originals.
    pub async fn snapshot(&self, tag: &str) -> Result<usize> {
        if tag.is_empty() || tag.contains(['/', '\\']) || tag.starts_with('.') {
            return Err(StorageError::Invalid {
                detail: format!("bad snapshot tag {tag:?}"),
            });
        }
        self.flush_all().await?;
        let disk = self.inner.disk.as_ref();
        let mut linked = 0;
        for table in self.tables() {
            // Hold the compaction permit so the set cannot change under us.
            let _permit = table.lock_compaction().await?;
            let target = table.dir.join("snapshots").join(tag);
            disk.create_dir_all(&target)?;
            let sstables: Vec<_> = table.sstables.borrow().clone();
            for sst in sstables {
                for path in sst.component_paths() {
                    if let Some(name) = path.file_name() {
                        disk.hard_link(&path, &target.join(name))?;
                    }
                }
                linked += 1;
            }
            disk.sync_dir(&target).await?;
        }
        Ok(linked)
    }

    /// Drops a table: forgets it and deletes its directory.
    pub async fn drop_table(&self, id: TableId) -> Result<()> {
        let table = self.table(id)?;
        let _compaction = table.lock_compaction().await?;
        let _permit = table.lock().await?;
        self.inner.tables.borrow_mut().remove(&id);
        for sst in table.sstables.borrow().iter() {
            sst.invalidate_cache();
        }
        self.inner.commitlog.forget_table(id).await?;
        self.inner.disk.remove_dir_all(&table.dir)
    }

    /// Shutdown: flushes every table (drain) and closes the commitlog.
    pub async fn close(&self) -> Result<()> {
        self.inner.compactions.stop().await;
        self.flush_all().await?;
        self.inner.commitlog.close().await
    }
}

thread_local! {
    /// The background queue and the executor it belongs to (tests may run
    /// several executors one after another on one thread).
    static BACKGROUND_QUEUE: std::cell::Cell<Option<(usize, glommio::TaskQueueHandle)>> =
        const { std::cell::Cell::new(None) };
}

/// Spawns flush and compaction work into the shard's background task queue:
/// it gets a fifth of the CPU shares of the default queue where requests
/// run, so a long flush or compaction cannot hold a request's core for more
/// than a preemption period (the executor switches queues at every yield).
pub(crate) fn spawn_background<T: 'static>(
    future: impl std::future::Future<Output = T> + 'static,
) -> glommio::Task<T> {
    let executor = glommio::executor();
    let queue = match BACKGROUND_QUEUE.with(std::cell::Cell::get) {
        Some((id, queue)) if id == executor.id() => queue,
        _ => {
            let queue = executor.create_task_queue(
                glommio::Shares::Static(200),
                glommio::Latency::NotImportant,
                "sibyl-background",
            );
            BACKGROUND_QUEUE.with(|q| q.set(Some((executor.id(), queue))));
            queue
        }
    };
    glommio::spawn_local_into(future, queue)
        .unwrap_or_else(|e| unreachable!("the background queue of this executor exists: {e}"))
}

/// How long background work runs before it gives the core back.
const BACKGROUND_SLICE: std::time::Duration = std::time::Duration::from_micros(500);

thread_local! {
    static LAST_BACKGROUND_YIELD: std::cell::Cell<Option<std::time::Instant>> =
        const { std::cell::Cell::new(None) };
}

/// Called often by flush and compaction loops: once the background task has
/// run for [`BACKGROUND_SLICE`], yields its task queue so requests waiting
/// in the default queue run first. (glommio's own preemption timer is left
/// at 100 ms, see server/src/shard/runtime.rs.)
pub async fn background_yield() {
    let now = std::time::Instant::now();
    let due = LAST_BACKGROUND_YIELD.with(|last| {
        last.get()
            .is_none_or(|t| now.duration_since(t) >= BACKGROUND_SLICE)
    });
    if due {
        LAST_BACKGROUND_YIELD.with(|last| last.set(Some(now)));
        glommio::executor().yield_task_queue_now().await;
    }
}
