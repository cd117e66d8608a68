//! Block cache tests: the byte bound, eviction order and invalidation of the
//! cache itself, then through SSTables and the engine over a disk that counts
//! reads (a repeated read must not reach the disk; a compacted-away SSTable
//! must leave no blocks behind).

use std::cell::Cell as StdCell;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use super::*;
use crate::engine::{EngineConfig, ShardEngine};
use crate::error::Result;
use crate::io::sim::SimDisk;
use crate::io::{Disk, File, LocalBoxFuture};
use crate::query::ReadCommand;
use crate::testing::{crash, run};

fn key(file_id: u64, offset: u64) -> BlockKey {
    BlockKey {
        file_id,
        kind: BlockKind::DataChunk,
        offset,
    }
}

fn bytes(n: usize) -> CachedBlock {
    CachedBlock::Bytes(Rc::from(vec![7u8; n]))
}

#[test]
fn capacity_bound_holds_under_churn_with_exact_accounting() {
    let cache = BlockCache::new(64 << 10);
    let mut inserted_charge = 0;
    for i in 0..5_000u64 {
        // Half the accesses go to a hot set of four blocks, the rest churn.
        let k = if i % 2 == 0 {
            key(100, i % 4)
        } else {
            key(i % 13, (i * 7919) % 1000)
        };
        if cache.get(&k).is_none() {
            let block = bytes((i as usize * 37) % 9000 + 1);
            inserted_charge += block.charge_bytes();
            cache.insert(k, block);
        }
        if i % 97 == 0 {
            cache.invalidate_file(i % 13);
        }
        let s = cache.stats();
        assert!(s.size_bytes <= s.capacity_bytes, "{s:?}");
    }
    let s = cache.stats();
    assert!(
        s.evictions > 0 && s.invalidations > 0 && s.hits > 0,
        "{s:?}"
    );
    assert!(inserted_charge > s.capacity_bytes);
    // Dropping every file brings the accounting back to exactly zero.
    for f in (0..13).chain([100]) {
        cache.invalidate_file(f);
    }
    assert_eq!((cache.stats().size_bytes, cache.stats().entries), (0, 0));
}

#[test]
fn evicts_least_recently_used_block() {
    let block = bytes(1000);
    let cache = BlockCache::new(3 * block.charge_bytes());
    for off in 0..3 {
        cache.insert(key(1, off), block.clone());
    }
    assert!(cache.get(&key(1, 0)).is_some());
    cache.insert(key(1, 3), block.clone());
    assert!(
        cache.get(&key(1, 1)).is_none(),
        "block 1 was least recently used"
    );
    for off in [0, 2, 3] {
        assert!(cache.get(&key(1, off)).is_some());
    }
    assert_eq!(cache.stats().evictions, 1);
}

#[test]
fn invalidation_removes_only_that_files_blocks_of_every_kind() {
    let cache = BlockCache::new(1 << 20);
    for file in [4, 5, 6] {
        for kind in [BlockKind::Index, BlockKind::DataChunk, BlockKind::RowIndex] {
            for offset in [0, 4096, u64::MAX] {
                let k = BlockKey {
                    file_id: file,
                    kind,
                    offset,
                };
                cache.insert(k, bytes(10));
            }
        }
    }
    cache.invalidate_file(5);
    let s = cache.stats();
    assert_eq!((s.entries, s.invalidations), (18, 9));
    assert!(cache.get(&key(5, 0)).is_none());
    assert!(cache.get(&key(4, u64::MAX)).is_some());
    assert!(cache.get(&key(6, 0)).is_some());
}

#[test]
fn disabled_cache_stores_nothing_and_oversized_blocks_are_skipped() {
    let off = BlockCache::disabled();
    off.insert(key(1, 0), bytes(10));
    assert!(off.get(&key(1, 0)).is_none());
    assert_eq!(off.stats(), CacheStats::default());
    let small = BlockCache::new(1000);
    small.insert(key(1, 0), bytes(2000));
    assert_eq!(small.stats().entries, 0);
    assert!(small.stats().size_bytes <= 1000);
}

/// A disk that counts `read_at` calls and bytes read on the files it opens.
#[derive(Debug, Clone)]
pub(crate) struct CountingDisk {
    pub(crate) inner: SimDisk,
    pub(crate) reads: Rc<StdCell<u64>>,
    pub(crate) read_bytes: Rc<StdCell<u64>>,
    /// Reads in flight now, and the most seen at once.
    in_flight: Rc<StdCell<(u64, u64)>>,
}

impl CountingDisk {
    pub(crate) fn new(seed: u64) -> Self {
        CountingDisk {
            inner: SimDisk::new(seed),
            reads: Rc::new(StdCell::new(0)),
            read_bytes: Rc::new(StdCell::new(0)),
            in_flight: Rc::new(StdCell::new((0, 0))),
        }
    }

    pub(crate) fn max_reads_in_flight(&self) -> u64 {
        self.in_flight.get().1
    }

    fn wrap(&self, file: Rc<dyn File>) -> Rc<dyn File> {
        Rc::new(CountingFile {
            inner: file,
            reads: Rc::clone(&self.reads),
            read_bytes: Rc::clone(&self.read_bytes),
            in_flight: Rc::clone(&self.in_flight),
        })
    }
}

#[derive(Debug)]
struct CountingFile {
    inner: Rc<dyn File>,
    reads: Rc<StdCell<u64>>,
    read_bytes: Rc<StdCell<u64>>,
    in_flight: Rc<StdCell<(u64, u64)>>,
}

impl File for CountingFile {
    fn path(&self) -> &Path {
        self.inner.path()
    }
    fn write_at<'a>(&'a self, data: &'a [u8], pos: u64) -> LocalBoxFuture<'a, Result<()>> {
        self.inner.write_at(data, pos)
    }
    fn read_at(&self, pos: u64, len: usize) -> LocalBoxFuture<'_, Result<Vec<u8>>> {
        self.reads.set(self.reads.get() + 1);
        self.read_bytes.set(self.read_bytes.get() + len as u64);
        Box::pin(async move {
            let (now, max) = self.in_flight.get();
            self.in_flight.set((now + 1, max.max(now + 1)));
            let result = self.inner.read_at(pos, len).await;
            let (now, max) = self.in_flight.get();
            self.in_flight.set((now - 1, max));
            result
        })
    }
    fn sync(&self) -> LocalBoxFuture<'_, Result<()>> {
        self.inner.sync()
    }
    fn size(&self) -> LocalBoxFuture<'_, Result<u64>> {
        self.inner.size()
    }
    fn truncate(&self, size_bytes: u64) -> LocalBoxFuture<'_, Result<()>> {
        self.inner.truncate(size_bytes)
    }
    fn allocate(&self, size_bytes: u64) -> LocalBoxFuture<'_, Result<()>> {
        self.inner.allocate(size_bytes)
    }
}

impl Disk for CountingDisk {
    fn create<'a>(&'a self, path: &'a Path) -> LocalBoxFuture<'a, Result<Rc<dyn File>>> {
        Box::pin(async move { Ok(self.wrap(self.inner.create(path).await?)) })
    }
    fn open<'a>(
        &'a self,
        path: &'a Path,
        writable: bool,
    ) -> LocalBoxFuture<'a, Result<Rc<dyn File>>> {
        Box::pin(async move { Ok(self.wrap(self.inner.open(path, writable).await?)) })
    }
    fn remove<'a>(&'a self, path: &'a Path) -> LocalBoxFuture<'a, Result<()>> {
        self.inner.remove(path)
    }
    fn rename<'a>(&'a self, from: &'a Path, to: &'a Path) -> LocalBoxFuture<'a, Result<()>> {
        self.inner.rename(from, to)
    }
    fn sync_dir<'a>(&'a self, dir: &'a Path) -> LocalBoxFuture<'a, Result<()>> {
        self.inner.sync_dir(dir)
    }
    fn list(&self, dir: &Path) -> Result<Vec<PathBuf>> {
        self.inner.list(dir)
    }
    fn create_dir_all(&self, dir: &Path) -> Result<()> {
        self.inner.create_dir_all(dir)
    }
    fn remove_dir_all(&self, dir: &Path) -> Result<()> {
        self.inner.remove_dir_all(dir)
    }
    fn exists(&self, path: &Path) -> bool {
        self.inner.exists(path)
    }
    fn hard_link(&self, from: &Path, to: &Path) -> Result<()> {
        self.inner.hard_link(from, to)
    }
}

fn config(cache_bytes: usize) -> EngineConfig {
    let mut c = EngineConfig::new(Path::new("/w"), 0);
    c.compaction.background = false;
    c.compaction.throughput_mb_per_s = 0.0;
    c.block_cache_bytes = cache_bytes;
    c
}

async fn engine_with_sstables(disk: &CountingDisk, cache_bytes: usize) -> ShardEngine {
    let engine = ShardEngine::open(
        Rc::new(disk.clone()),
        config(cache_bytes),
        vec![crash::schema()],
    )
    .await
    .unwrap();
    // Two SSTables, each holding every partition (so compaction merges them).
    for _ in 0..2 {
        for seq in 0..300 {
            engine.apply(&crash::mutation(seq)).await.unwrap();
        }
        engine.flush(crash::TABLE).await.unwrap();
    }
    engine
}

fn point_read(seq: u64) -> ReadCommand {
    ReadCommand::single_partition(
        crash::TABLE,
        seq.to_be_bytes().to_vec(),
        crash::token(seq),
        0,
    )
}

#[test]
fn second_read_of_a_partition_does_no_disk_read() {
    run(|| async {
        let disk = CountingDisk::new(3);
        let engine = engine_with_sstables(&disk, 8 << 20).await;
        let first = engine.read(&point_read(42)).await.unwrap();
        assert_eq!(first.partitions.len(), 1);
        let reads_after_first = disk.reads.get();
        let misses = engine.block_cache_stats().misses;
        assert!(misses > 0);
        let second = engine.read(&point_read(42)).await.unwrap();
        assert_eq!(second, first);
        assert_eq!(
            disk.reads.get(),
            reads_after_first,
            "a cached partition must not touch the disk"
        );
        let s = engine.block_cache_stats();
        assert_eq!(s.misses, misses);
        assert!(s.hits >= 4, "index block + chunk of two SSTables: {s:?}");
        assert!(s.size_bytes <= s.capacity_bytes);
    });
}

#[test]
fn without_cache_every_read_goes_to_disk() {
    run(|| async {
        let disk = CountingDisk::new(4);
        let engine = engine_with_sstables(&disk, 0).await;
        let first = engine.read(&point_read(7)).await.unwrap();
        let before = disk.reads.get();
        assert_eq!(engine.read(&point_read(7)).await.unwrap(), first);
        assert!(disk.reads.get() >= before + 4);
        assert_eq!(engine.block_cache_stats().hits, 0);
    });
}

#[test]
fn compaction_and_truncate_invalidate_the_removed_sstables() {
    run(|| async {
        let disk = CountingDisk::new(5);
        let engine = engine_with_sstables(&disk, 8 << 20).await;
        let before = engine.read(&point_read(9)).await.unwrap();
        assert!(engine.block_cache_stats().entries >= 4);
        engine.compact(crash::TABLE, 0).await.unwrap();
        let s = engine.block_cache_stats();
        assert_eq!(s.entries, 0, "inputs' blocks must be gone: {s:?}");
        assert!(s.invalidations >= 4);
        // The output is read (and cached) afresh, with the same answer.
        assert_eq!(engine.read(&point_read(9)).await.unwrap(), before);
        assert!(engine.block_cache_stats().entries >= 2);
        engine.truncate_table(crash::TABLE).await.unwrap();
        assert_eq!(engine.block_cache_stats().entries, 0);
        assert!(
            engine
                .read(&point_read(9))
                .await
                .unwrap()
                .partitions
                .is_empty()
        );
    });
}

#[test]
fn index_pool_keeps_index_blocks_when_data_churns() {
    let block = bytes(1000);
    let cache = BlockCache::with_index_pool(2 * block.charge_bytes(), 1 << 20);
    let index_key = BlockKey {
        file_id: 1,
        kind: BlockKind::Index,
        offset: 0,
    };
    cache.insert(index_key, block.clone());
    for off in 0..100 {
        cache.insert(key(1, off), block.clone());
    }
    assert!(
        cache.get(&index_key).is_some(),
        "data churn evicted an index block"
    );
    let s = cache.stats();
    assert_eq!((s.entries, s.evictions), (3, 98));
    assert_eq!(s.capacity_bytes, 2 * block.charge_bytes() + (1 << 20));
    cache.invalidate_file(1);
    assert_eq!(cache.stats().entries, 0);
    // A zero data pool caches index blocks only.
    let index_only = BlockCache::with_index_pool(0, 1 << 20);
    index_only.insert(key(2, 0), block.clone());
    index_only.insert(index_key, block);
    assert_eq!(index_only.stats().entries, 1);
    assert!(index_only.get(&key(2, 0)).is_none());
}

#[test]
fn with_index_pool_only_a_cold_data_read_reaches_the_disk() {
    run(|| async {
        let disk = CountingDisk::new(6);
        let mut c = config(0);
        c.index_cache_bytes = Some(1 << 20);
        let engine = ShardEngine::open(Rc::new(disk.clone()), c, vec![crash::schema()])
            .await
            .unwrap();
        for seq in 0..300 {
            engine.apply(&crash::mutation(seq)).await.unwrap();
        }
        engine.flush(crash::TABLE).await.unwrap();
        let first = engine.read(&point_read(11)).await.unwrap();
        let before = disk.reads.get();
        assert_eq!(engine.read(&point_read(11)).await.unwrap(), first);
        assert_eq!(
            disk.reads.get() - before,
            1,
            "one data chunk read, no index read"
        );
    });
}

#[test]
fn a_point_read_looks_up_every_sstable_at_once() {
    run(|| async {
        let disk = CountingDisk::new(7);
        // Two flushes of every partition: two SSTables to look in.
        let engine = engine_with_sstables(&disk, 0).await;
        disk.inner.set_faults(crate::io::sim::FaultConfig {
            latency_us_max: 500,
            ..Default::default()
        });
        let before = disk.max_reads_in_flight();
        assert_eq!(before, 1, "the set-up reads one at a time");
        let result = engine.read(&point_read(5)).await.unwrap();
        assert_eq!(result.partitions.len(), 1);
        assert_eq!(
            disk.max_reads_in_flight(),
            2,
            "both SSTables' index reads must be in flight together"
        );
    });
}
