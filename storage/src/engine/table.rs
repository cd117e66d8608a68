//! One table on one shard: its active memtable, memtables being flushed, and
//! SSTables. Reads see all three; flush swaps in a fresh memtable first so
//! writes never wait for the disk. One permit serializes flushes (and
//! truncate), another compactions (and truncate/drop); a compaction swaps its
//! outputs in without awaiting, so flushes and compactions run concurrently.

use std::cell::{Cell, RefCell};
use std::path::PathBuf;
use std::rc::Rc;

use glommio::sync::Semaphore;

use crate::cache::BlockCache;
use crate::commitlog::ReplayPosition;
use crate::compaction::Strategy;
use crate::error::{Result, StorageError};
use crate::io::Disk;
use crate::memtable::Memtable;
use crate::schema::{ClusteringComparator, TableSchema};
use crate::sstable::writer::WriteOptions;
use crate::sstable::{
    Component, SSTable, SerializationHeader, component_path, parse_generation, write_sstable,
};

/// A table's storage on this shard.
#[derive(Debug)]
pub struct Table {
    pub schema: TableSchema,
    pub comparator: Rc<ClusteringComparator>,
    pub dir: PathBuf,
    pub(crate) memtable: RefCell<Rc<RefCell<Memtable>>>,
    pub(crate) flushing: RefCell<Vec<Rc<RefCell<Memtable>>>>,
    pub(crate) sstables: RefCell<Vec<Rc<SSTable>>>,
    next_generation: Cell<u64>,
    /// Commitlog entries at or before this are already in SSTables.
    pub(crate) replay_floor: Cell<ReplayPosition>,
    pub(crate) sstable_permit: Semaphore,
    /// Serializes compactions of this table (and truncate/drop against them).
    pub(crate) compaction_permit: Semaphore,
    pub strategy: Strategy,
    /// The shard's block cache, which this table's SSTables read through.
    pub(crate) cache: Rc<BlockCache>,
}

impl Table {
    /// Opens the table's directory: loads complete SSTables and deletes the
    /// components of any generation without a TOC (an interrupted write).
    pub async fn load(
        disk: &dyn Disk,
        dir: PathBuf,
        schema: TableSchema,
        cache: Rc<BlockCache>,
    ) -> Result<Table> {
        disk.create_dir_all(&dir)?;
        crate::compaction::txn::recover(disk, &dir).await?;
        let mut generations: Vec<(u64, bool)> = Vec::new();
        for path in disk.list(&dir)? {
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            if name.starts_with("sb-") && name.ends_with(".tmp") {
                // A TOC that was being written when the process died.
                disk.remove(&path).await?;
                continue;
            }
            if let Some((generation, suffix)) = parse_generation(name) {
                let is_toc = suffix == Component::Toc.file_suffix();
                match generations.iter_mut().find(|(g, _)| *g == generation) {
                    Some(entry) => entry.1 |= is_toc,
                    None => generations.push((generation, is_toc)),
                }
            }
        }
        generations.sort();
        let mut sstables = Vec::new();
        let mut floor = ReplayPosition::NONE;
        let mut max_generation = 0;
        for (generation, complete) in generations {
            max_generation = max_generation.max(generation);
            if complete {
                let sst =
                    SSTable::open_with_cache(disk, &dir, generation, Rc::clone(&cache)).await?;
                floor = floor.max(sst.stats.commitlog_upper_bound);
                sstables.push(Rc::new(sst));
            } else {
                tracing::warn!(generation, dir = %dir.display(), "removing incomplete SSTable");
                for c in Component::ALL {
                    let path = component_path(&dir, generation, c);
                    if disk.exists(&path) {
                        disk.remove(&path).await?;
                    }
                }
            }
        }
        let comparator = Rc::new(schema.comparator());
        // The server validates options at DDL time; an unparsable leftover
        // must not make the table unreadable, so fall back to size-tiered.
        let strategy = Strategy::from_options(&schema.options.compaction).unwrap_or_else(|error| {
            tracing::warn!(%error, table = schema.id, "using SizeTieredCompactionStrategy");
            Strategy::default()
        });
        Ok(Table {
            strategy,
            compaction_permit: Semaphore::new(1),
            memtable: RefCell::new(Rc::new(RefCell::new(Memtable::new(Rc::clone(&comparator))))),
            comparator,
            schema,
            dir,
            flushing: RefCell::new(Vec::new()),
            sstables: RefCell::new(sstables),
            next_generation: Cell::new(max_generation + 1),
            replay_floor: Cell::new(floor),
            sstable_permit: Semaphore::new(1),
            cache,
        })
    }

    /// Opens one of this table's SSTables, reading through the block cache.
    pub(crate) async fn open_sstable(&self, disk: &dyn Disk, generation: u64) -> Result<SSTable> {
        SSTable::open_with_cache(disk, &self.dir, generation, Rc::clone(&self.cache)).await
    }

    pub fn memtable_size_bytes(&self) -> usize {
        self.memtable.borrow().borrow().size_bytes()
    }

    /// What compaction strategies see of the live SSTables.
    pub fn sstable_infos(&self) -> Vec<crate::compaction::SSTableInfo> {
        self.sstables
            .borrow()
            .iter()
            .map(|s| crate::compaction::SSTableInfo::of(s))
            .collect()
    }

    pub fn sstable_count(&self) -> usize {
        self.sstables.borrow().len()
    }

    pub(crate) fn take_generation(&self) -> u64 {
        let g = self.next_generation.get();
        self.next_generation.set(g + 1);
        g
    }

    /// Write options for a new SSTable of this table (takes a generation).
    pub(crate) fn write_options(
        &self,
        expected_partitions: usize,
        commitlog_upper_bound: ReplayPosition,
        level: u32,
    ) -> WriteOptions {
        WriteOptions {
            generation: self.take_generation(),
            bloom_filter_fp_chance: self.schema.options.bloom_filter_fp_chance,
            expected_partitions,
            commitlog_upper_bound,
            level,
            header: SerializationHeader::from_schema(&self.schema),
            chunk_bytes: crate::sstable::writer::CHUNK_BYTES,
        }
    }

    pub(crate) async fn lock_compaction(&self) -> Result<glommio::sync::Permit<'_>> {
        self.compaction_permit
            .acquire_permit(1)
            .await
            .map_err(|_| StorageError::Closed)
    }

    pub(crate) async fn lock(&self) -> Result<glommio::sync::Permit<'_>> {
        self.sstable_permit
            .acquire_permit(1)
            .await
            .map_err(|_| StorageError::Closed)
    }

    /// Switches memtables and writes the old one to a new SSTable. Returns the
    /// commitlog position the flushed data covers (`None` if nothing to flush).
    pub async fn flush(
        &self,
        disk: &dyn Disk,
        position_hint: ReplayPosition,
    ) -> Result<Option<ReplayPosition>> {
        let _permit = self.lock().await?;
        let old = {
            let current = self.memtable.borrow();
            if current.borrow().is_empty() {
                return Ok(None);
            }
            Rc::clone(&current)
        };
        *self.memtable.borrow_mut() =
            Rc::new(RefCell::new(Memtable::new(Rc::clone(&self.comparator))));
        self.flushing.borrow_mut().push(Rc::clone(&old));
        let result = self.write_memtable(disk, &old, position_hint).await;
        self.flushing.borrow_mut().retain(|m| !Rc::ptr_eq(m, &old));
        if result.is_err() {
            // Keep the data readable and flushable: put it back in front.
            let current = Rc::clone(&self.memtable.borrow());
            for p in current.borrow().iter() {
                old.borrow_mut().apply(&p.to_update(), ReplayPosition::NONE);
            }
            *self.memtable.borrow_mut() = old;
        }
        result.map(Some)
    }

    async fn write_memtable(
        &self,
        disk: &dyn Disk,
        memtable: &Rc<RefCell<Memtable>>,
        position_hint: ReplayPosition,
    ) -> Result<ReplayPosition> {
        let (updates, bound) = {
            // The flushing memtable no longer takes writes, so this borrow
            // may span the yields that keep a large flush from holding the
            // core (copying 10^5 partitions is tens of milliseconds).
            let m = memtable.borrow();
            let mut updates = Vec::with_capacity(m.len());
            for p in m.iter() {
                updates.push(p.to_update());
                if updates.len() % 64 == 0 {
                    super::background_yield().await;
                }
            }
            (updates, m.commitlog_upper_bound().max(position_hint))
        };
        let options = self.write_options(updates.len(), bound, 0);
        write_sstable(disk, &self.dir, &options, updates).await?;
        let sst = self.open_sstable(disk, options.generation).await?;
        self.sstables.borrow_mut().push(Rc::new(sst));
        Ok(bound)
    }

    /// Removes an SSTable's files (after it left the live set).
    pub(crate) async fn delete_sstable(disk: &dyn Disk, sst: &SSTable) -> Result<()> {
        sst.invalidate_cache();
        // TOC first: a crash midway leaves an incomplete generation, cleaned at load.
        for path in sst.component_paths().iter().rev() {
            if disk.exists(path) {
                disk.remove(path).await?;
            }
        }
        Ok(())
    }
}
