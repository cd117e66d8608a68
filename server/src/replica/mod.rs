//! A shard's local data: the storage engine for the user tables it owns by
//! token, and (on shard 0 only) the system engine holding the node-local
//! system tables (`system_schema.*`, `system.local`, `system.peers*`).
//!
//! Local tables live in their own engine and directory so that the schema can
//! be read before any user table is opened: user tables' commitlog replay
//! needs every table's schema up front.

pub mod io;

use std::path::PathBuf;
use std::rc::Rc;

use sibyl_storage::commitlog::SyncMode;
use sibyl_storage::engine::{EngineConfig, ShardEngine};
use sibyl_storage::io::Disk;
use sibyl_storage::io::dma::DmaDisk;
use sibyl_storage::io::sched::{IoScheduler, SchedDisk, SchedulerConfig};
use sibyl_storage::mutation::Mutation;
use sibyl_storage::query::{ReadCommand, ReadResult};
use sibyl_storage::schema::TableSchema;

use crate::cql3::CqlError;

/// Storage settings shared by every engine of the node.
#[derive(Debug, Clone)]
pub struct StorageSettings {
    pub workdir: PathBuf,
    pub sync: SyncMode,
    pub commitlog_segment_size_bytes: u64,
    pub memtable_budget_bytes: usize,
    pub compaction_throughput_mb_per_s: f64,
    /// Each shard's I/O scheduler (its share of the disk).
    pub io: SchedulerConfig,
}

fn storage_error(op: &str, error: sibyl_storage::StorageError) -> CqlError {
    tracing::error!("storage failure during {op}: {error}");
    CqlError::server(format!("Storage failure during {op}: {error}"))
}

/// One storage engine (user data of a shard, or the system tables).
#[derive(Debug, Clone)]
pub struct Replica {
    engine: ShardEngine,
    /// The shard's I/O scheduler (shared by its engines).
    io: Rc<IoScheduler>,
}

impl Replica {
    /// Opens an engine whose data lives in `workdir/data/<name>` and whose
    /// commitlog lives in `workdir/commitlog/<name>`; its disk I/O goes
    /// through the shard's scheduler `io`.
    pub async fn open(
        settings: &StorageSettings,
        io: &Rc<IoScheduler>,
        name: &str,
        shard: u32,
        tables: Vec<TableSchema>,
    ) -> Result<Self, CqlError> {
        let disk: Rc<dyn Disk> = Rc::new(SchedDisk::new(Rc::new(DmaDisk::new()), Rc::clone(io)));
        let dir = settings.workdir.as_path();
        let mut config = EngineConfig::new(dir, shard);
        config.data_dir = dir.join("data").join(name);
        config.commitlog.dir = dir.join("commitlog").join(name);
        config.commitlog.sync = settings.sync.clone();
        config.commitlog.segment_size_bytes = settings.commitlog_segment_size_bytes;
        config.memtable_budget_bytes = settings.memtable_budget_bytes;
        config.compaction.throughput_mb_per_s = settings.compaction_throughput_mb_per_s;
        let engine = ShardEngine::open(disk, config, tables)
            .await
            .map_err(|e| storage_error("startup", e))?;
        let report = engine.replay_report();
        tracing::debug!(shard, engine = name, "commitlog replay: {report:?}");
        Ok(Self {
            engine,
            io: Rc::clone(io),
        })
    }

    pub async fn apply(&self, mutation: &Mutation) -> Result<(), CqlError> {
        self.engine
            .apply(mutation)
            .await
            .map_err(|e| storage_error("write", e))
    }

    /// [`Replica::apply`] that moves the mutation's rows into the memtable.
    pub async fn apply_owned(&self, mutation: Mutation) -> Result<(), CqlError> {
        self.engine
            .apply_owned(mutation)
            .await
            .map_err(|e| storage_error("write", e))
    }

    pub async fn read(&self, command: &ReadCommand) -> Result<ReadResult, CqlError> {
        self.engine
            .read(command)
            .await
            .map_err(|e| storage_error("read", e))
    }

    /// Creates the table if this engine does not have it yet.
    pub async fn ensure_table(&self, schema: TableSchema) -> Result<(), CqlError> {
        if self.engine.table(schema.id).is_ok() {
            return Ok(());
        }
        self.engine
            .create_table(schema)
            .await
            .map_err(|e| storage_error("create table", e))
    }

    pub async fn drop_table(&self, id: u64) -> Result<(), CqlError> {
        if self.engine.table(id).is_err() {
            return Ok(());
        }
        self.engine
            .drop_table(id)
            .await
            .map_err(|e| storage_error("drop table", e))
    }

    pub async fn truncate_table(&self, id: u64) -> Result<(), CqlError> {
        self.engine
            .truncate_table(id)
            .await
            .map_err(|e| storage_error("truncate", e))
    }

    pub async fn flush(&self, id: Option<u64>) -> Result<(), CqlError> {
        match id {
            Some(id) => self.engine.flush(id).await,
            None => self.engine.flush_all().await,
        }
        .map_err(|e| storage_error("flush", e))
    }

    /// Major compaction of one table (`nodetool compact`).
    pub async fn compact(&self, id: u64, now_s: i64) -> Result<(), CqlError> {
        self.engine
            .compact(id, now_s)
            .await
            .map_err(|e| storage_error("compaction", e))
    }

    /// Flushes and hard-links every table's SSTables under `snapshots/<tag>/`;
    /// returns how many SSTables were linked.
    pub async fn snapshot(&self, tag: &str) -> Result<usize, CqlError> {
        self.engine
            .snapshot(tag)
            .await
            .map_err(|e| storage_error("snapshot", e))
    }

    /// The shard's I/O scheduler.
    pub fn io_scheduler(&self) -> &Rc<IoScheduler> {
        &self.io
    }

    pub fn has_table(&self, id: u64) -> bool {
        self.engine.table(id).is_ok()
    }

    /// Per table: (id, memtable bytes, SSTable count, SSTable data bytes).
    pub fn table_sizes(&self) -> Vec<(u64, u64, usize, u64)> {
        self.engine
            .tables()
            .iter()
            .map(|t| {
                let infos = t.sstable_infos();
                let sstable_bytes = infos.iter().map(|i| i.size_bytes).sum();
                (
                    t.schema.id,
                    t.memtable_size_bytes() as u64,
                    infos.len(),
                    sstable_bytes,
                )
            })
            .collect()
    }

    pub fn table_ids(&self) -> Vec<u64> {
        self.engine.tables().iter().map(|t| t.schema.id).collect()
    }

    pub async fn close(&self) -> Result<(), CqlError> {
        self.engine
            .close()
            .await
            .map_err(|e| storage_error("shutdown", e))
    }
}
