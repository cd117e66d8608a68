//! The per-shard block cache: decompressed, checksum-verified `Data.db`
//! chunks and decoded `Index.db` blocks of the shard's SSTables, so that a
//! hot partition is read without touching the disk (DESIGN.md §4 "I/O").
//!
//! One cache per shard engine, shared by every table of the shard and owned by
//! the shard's thread (`Rc`, `RefCell`, no locks). Entries are keyed by
//! ([`BlockKey`]) a file id the cache hands out when an SSTable is opened (never
//! reused, so a deleted SSTable's blocks can never be served for a new one),
//! the block kind and the block's offset in its file.
//!
//! Memory bound: every entry is charged its payload bytes plus a fixed
//! per-entry overhead ([`ENTRY_OVERHEAD_BYTES`]); the sum of charges never
//! exceeds the capacity; least recently used entries are evicted first. A
//! capacity of 0 disables the cache (lookups miss without counting).
//! Optionally ([`BlockCache::with_index_pool`]) index blocks and row indexes
//! get a pool of their own, like Cassandra's key cache beside its chunk
//! cache, so a scan of cold data cannot evict the partition index.
//!
//! Invalidation: [`BlockCache::invalidate_file`] when an SSTable leaves the live
//! set (compaction, truncate, drop) and again when the last handle to it is
//! dropped, since a read that was in flight may have re-inserted blocks.
//! Compaction scans and `verify` bypass the cache so they do not evict the
//! foreground working set.

pub mod lru;

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use crate::sstable::reader::IndexEntry;
use crate::sstable::row_index::RowIndex;
use lru::Lru;

/// Default capacity per shard.
pub const DEFAULT_CAPACITY_BYTES: usize = 64 << 20;

/// Bytes charged per entry beyond its payload: the slab slot, the key's
/// B-tree entry and the `Rc` header, rounded up.
pub const ENTRY_OVERHEAD_BYTES: usize = 128;

/// Which component a cached block comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum BlockKind {
    /// A decoded `Index.db` block (offset = the block's file offset).
    Index,
    /// A decompressed `Data.db` chunk (offset = the chunk's file offset).
    DataChunk,
    /// A decoded per-partition row index (offset = the row index's offset in `Index.db`).
    RowIndex,
}

/// Identifies one block of one open SSTable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BlockKey {
    pub file_id: u64,
    pub kind: BlockKind,
    pub offset: u64,
}

/// A cached block.
#[derive(Debug, Clone)]
pub enum CachedBlock {
    Bytes(Rc<[u8]>),
    Index(Rc<[IndexEntry]>),
    RowIndex(Rc<RowIndex>),
}

impl CachedBlock {
    /// Bytes this block is charged against the capacity.
    pub fn charge_bytes(&self) -> usize {
        ENTRY_OVERHEAD_BYTES
            + match self {
                CachedBlock::Bytes(b) => b.len(),
                CachedBlock::Index(entries) => entries
                    .iter()
                    .map(|e| std::mem::size_of::<IndexEntry>() + e.key.len())
                    .sum(),
                CachedBlock::RowIndex(rows) => rows.heap_bytes(),
            }
    }
}

/// Counters and gauges of one shard's cache (what the server can publish).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CacheStats {
    pub capacity_bytes: usize,
    pub size_bytes: usize,
    pub entries: usize,
    pub hits: u64,
    pub misses: u64,
    pub insertions: u64,
    pub evictions: u64,
    /// Entries removed because their SSTable went away.
    pub invalidations: u64,
}

/// One shard's block cache; share it with `Rc`.
#[derive(Debug)]
pub struct BlockCache {
    /// Data chunks, and everything else unless `index` exists.
    lru: RefCell<Lru<BlockKey, CachedBlock>>,
    /// Index blocks and row indexes, when they have their own pool.
    index: Option<RefCell<Lru<BlockKey, CachedBlock>>>,
    next_file_id: Cell<u64>,
    counters: Cell<CacheStats>,
}

impl BlockCache {
    pub fn new(capacity_bytes: usize) -> Self {
        BlockCache {
            lru: RefCell::new(Lru::new(capacity_bytes)),
            index: None,
            next_file_id: Cell::new(1),
            counters: Cell::new(CacheStats::default()),
        }
    }

    /// A cache whose index blocks and row indexes live in a pool of
    /// `index_bytes` apart from the `data_bytes` of data chunks.
    pub fn with_index_pool(data_bytes: usize, index_bytes: usize) -> Self {
        BlockCache {
            index: Some(RefCell::new(Lru::new(index_bytes))),
            ..Self::new(data_bytes)
        }
    }

    fn pool(&self, kind: BlockKind) -> Option<&RefCell<Lru<BlockKey, CachedBlock>>> {
        let pool = match (&self.index, kind) {
            (Some(index), BlockKind::Index | BlockKind::RowIndex) => index,
            _ => &self.lru,
        };
        (pool.borrow().capacity_bytes() > 0).then_some(pool)
    }

    fn pools(&self) -> impl Iterator<Item = &RefCell<Lru<BlockKey, CachedBlock>>> {
        std::iter::once(&self.lru).chain(self.index.as_ref())
    }

    /// A cache that stores nothing (tools, and SSTables opened without one).
    pub fn disabled() -> Rc<Self> {
        Rc::new(Self::new(0))
    }

    pub fn is_enabled(&self) -> bool {
        self.pools().any(|p| p.borrow().capacity_bytes() > 0)
    }

    /// A fresh id for an SSTable being opened; ids are never reused.
    pub fn new_file_id(&self) -> u64 {
        let id = self.next_file_id.get();
        self.next_file_id.set(id + 1);
        id
    }

    fn count(&self, f: impl FnOnce(&mut CacheStats)) {
        let mut c = self.counters.get();
        f(&mut c);
        self.counters.set(c);
    }

    pub fn get(&self, key: &BlockKey) -> Option<CachedBlock> {
        let pool = self.pool(key.kind)?;
        let found = pool.borrow_mut().get(key).cloned();
        self.count(|c| match found {
            Some(_) => c.hits += 1,
            None => c.misses += 1,
        });
        found
    }

    /// A cached data chunk or row index (`None` on a miss or a kind mismatch).
    pub fn get_bytes(&self, key: &BlockKey) -> Option<Rc<[u8]>> {
        match self.get(key)? {
            CachedBlock::Bytes(b) => Some(b),
            _ => None,
        }
    }

    /// A cached index block.
    pub fn get_index(&self, key: &BlockKey) -> Option<Rc<[IndexEntry]>> {
        match self.get(key)? {
            CachedBlock::Index(entries) => Some(entries),
            _ => None,
        }
    }

    /// A cached row index of a large partition.
    pub fn get_row_index(&self, key: &BlockKey) -> Option<Rc<RowIndex>> {
        match self.get(key)? {
            CachedBlock::RowIndex(rows) => Some(rows),
            _ => None,
        }
    }

    /// Caches a verified block, evicting least recently used ones to fit.
    pub fn insert(&self, key: BlockKey, block: CachedBlock) {
        let Some(pool) = self.pool(key.kind) else {
            return;
        };
        let charge = block.charge_bytes();
        let done = pool.borrow_mut().insert(key, block, charge);
        self.count(|c| {
            c.insertions += u64::from(done.stored);
            c.evictions += done.evicted as u64;
        });
    }

    /// Drops every block of one SSTable.
    pub fn invalidate_file(&self, file_id: u64) {
        if !self.is_enabled() {
            return;
        }
        let first = BlockKey {
            file_id,
            kind: BlockKind::Index,
            offset: 0,
        };
        let last = BlockKey {
            file_id,
            kind: BlockKind::RowIndex,
            offset: u64::MAX,
        };
        let removed: usize = self
            .pools()
            .map(|p| p.borrow_mut().remove_range(first..=last))
            .sum();
        self.count(|c| c.invalidations += removed as u64);
    }

    pub fn stats(&self) -> CacheStats {
        let mut stats = self.counters.get();
        for pool in self.pools() {
            let lru = pool.borrow();
            stats.capacity_bytes += lru.capacity_bytes();
            stats.size_bytes += lru.size_bytes();
            stats.entries += lru.len();
        }
        stats
    }
}

#[cfg(test)]
pub(crate) mod tests;
