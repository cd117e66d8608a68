//! Reads one SSTable: keeps summary, chunk offsets, bloom filter and
//! statistics in memory (small, bounded by key count / 64) and reads one index
//! block plus the needed data chunks per partition lookup, through the shard's
//! [`BlockCache`] (decoded index blocks and decompressed chunks). Every block
//! read from disk is checksum-verified before it is used or cached. Owned by
//! the shard whose table directory holds it.

use std::path::{Path, PathBuf};
use std::rc::Rc;

use super::bloom::BloomFilter;
use super::header::SerializationHeader;
use super::stats::Statistics;
use super::{Component, component_path, unframe};
use crate::cache::{BlockCache, BlockKey, BlockKind, CachedBlock};
use crate::error::{Result, StorageError};
use crate::io::{Disk, File, read_all, read_exact_at};
use crate::mutation::PartitionUpdate;
use crate::mutation::codec::{decode_partition, get_bytes, get_sv, get_uv};
use crate::query::TokenRange;

#[derive(Debug, Clone)]
pub(super) struct SummaryBlock {
    first_key: Vec<u8>,
    first_token: i64,
    offset: u64,
    len: u64,
}

/// One partition's place in the data stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexEntry {
    pub key: Vec<u8>,
    pub token: i64,
    pub offset: u64,
    pub len: u64,
    /// `(offset, length)` in `Index.db` of the partition's row index (v3,
    /// large partitions only).
    pub row_index: Option<(u64, u64)>,
}

/// An open, immutable SSTable.
#[derive(Debug)]
pub struct SSTable {
    pub generation: u64,
    pub dir: PathBuf,
    pub(super) data: Rc<dyn File>,
    pub(super) index: Rc<dyn File>,
    /// Format version of `Index.db` (entries differ between v2 and v3).
    index_version: u32,
    pub(super) chunk_bytes: u64,
    pub(super) chunk_offsets: Vec<u64>,
    pub(super) blocks: Vec<SummaryBlock>,
    filter: BloomFilter,
    pub stats: Statistics,
    pub header: SerializationHeader,
    pub(super) cache: Rc<BlockCache>,
    /// This SSTable's id in `cache` (unique per open, never reused).
    pub(super) cache_id: u64,
}

impl Drop for SSTable {
    fn drop(&mut self) {
        // A read in flight when the SSTable left the live set may have cached
        // blocks after the explicit invalidation; the last handle frees them.
        self.cache.invalidate_file(self.cache_id);
    }
}

/// The decoded `Summary.db` body: chunk layout of `Data.db` and the sampled
/// first key of every index block.
#[derive(Debug, Clone)]
pub struct Summary {
    pub chunk_bytes: u64,
    pub chunk_offsets: Vec<u64>,
    blocks: Vec<SummaryBlock>,
}

impl Summary {
    pub fn block_count(&self) -> usize {
        self.blocks.len()
    }
}

/// Decodes a `Summary.db` body (after [`super::unframe`]).
pub fn decode_summary(mut body: &[u8]) -> Result<Summary> {
    let b = &mut body;
    let chunk_bytes = get_uv(b)?;
    if chunk_bytes == 0 {
        return Err(StorageError::corrupt("sstable summary", "zero chunk size"));
    }
    let n_chunks = get_uv(b)? as usize;
    let mut chunk_offsets = Vec::with_capacity(n_chunks.min(b.len() / 8) + 1);
    for _ in 0..=n_chunks {
        let (off, rest) = b
            .split_first_chunk::<8>()
            .ok_or_else(|| StorageError::corrupt("sstable summary", "truncated chunk offsets"))?;
        chunk_offsets.push(u64::from_le_bytes(*off));
        *b = rest;
    }
    if chunk_offsets.windows(2).any(|w| w[0] > w[1]) {
        return Err(StorageError::corrupt(
            "sstable summary",
            "chunk offsets not sorted",
        ));
    }
    let n_blocks = get_uv(b)? as usize;
    let mut blocks = Vec::with_capacity(n_blocks.min(b.len()));
    for _ in 0..n_blocks {
        blocks.push(SummaryBlock {
            first_key: get_bytes(b)?.to_vec(),
            first_token: get_sv(b)?,
            offset: get_uv(b)?,
            len: get_uv(b)?,
        });
    }
    Ok(Summary {
        chunk_bytes,
        chunk_offsets,
        blocks,
    })
}

/// Decodes one index block of the current version.
pub fn decode_index_block(raw: &[u8]) -> Result<Vec<IndexEntry>> {
    decode_index_block_version(raw, super::VERSION)
}

/// Decodes one index block (`u32 len | u32 crc32(entries) | entries`) of
/// format `version`, verifying its checksum.
pub fn decode_index_block_version(raw: &[u8], version: u32) -> Result<Vec<IndexEntry>> {
    let entries = super::checked_block(raw, "sstable index block")?;
    let mut input = entries;
    let mut out = Vec::new();
    while !input.is_empty() {
        let key = get_bytes(&mut input)?.to_vec();
        let token = get_sv(&mut input)?;
        let offset = get_uv(&mut input)?;
        let len = get_uv(&mut input)?;
        let row_index = match (version >= 3).then(|| get_uv(&mut input)).transpose()? {
            Some(0) | None => None,
            Some(ri_len) => Some((get_uv(&mut input)?, ri_len)),
        };
        out.push(IndexEntry {
            key,
            token,
            offset,
            len,
            row_index,
        });
    }
    Ok(out)
}

fn position_cmp(a: (i64, &[u8]), b: (i64, &[u8])) -> std::cmp::Ordering {
    a.0.cmp(&b.0).then_with(|| a.1.cmp(b.1))
}

impl SSTable {
    /// Opens a complete SSTable without a block cache (tools, tests).
    pub async fn open(disk: &dyn Disk, dir: &Path, generation: u64) -> Result<SSTable> {
        Self::open_with_cache(disk, dir, generation, BlockCache::disabled()).await
    }

    /// Opens a complete SSTable (its TOC must exist and be valid) whose reads
    /// go through the shard's block `cache`.
    pub async fn open_with_cache(
        disk: &dyn Disk,
        dir: &Path,
        generation: u64,
        cache: Rc<BlockCache>,
    ) -> Result<SSTable> {
        let toc_path = component_path(dir, generation, Component::Toc);
        let toc = read_all(disk.open(&toc_path, false).await?.as_ref()).await?;
        let expected = super::writer::toc_text(generation);
        if toc != expected.as_bytes() {
            return Err(StorageError::ChecksumMismatch {
                what: "sstable TOC",
                expected: crc32fast::hash(expected.as_bytes()),
                got: crc32fast::hash(&toc),
            });
        }
        let load = |c: Component| component_path(dir, generation, c);
        let summary_raw =
            read_all(disk.open(&load(Component::Summary), false).await?.as_ref()).await?;
        let summary = decode_summary(unframe(
            Component::Summary,
            "sstable summary",
            &summary_raw,
        )?)?;
        let filter_raw =
            read_all(disk.open(&load(Component::Filter), false).await?.as_ref()).await?;
        let filter =
            BloomFilter::decode(unframe(Component::Filter, "sstable filter", &filter_raw)?)?;
        let stats_raw = read_all(
            disk.open(&load(Component::Statistics), false)
                .await?
                .as_ref(),
        )
        .await?;
        let stats = Statistics::decode(unframe(
            Component::Statistics,
            "sstable statistics",
            &stats_raw,
        )?)?;
        let header_raw =
            read_all(disk.open(&load(Component::Header), false).await?.as_ref()).await?;
        let header = SerializationHeader::decode(unframe(
            Component::Header,
            "sstable header",
            &header_raw,
        )?)?;
        let index = disk.open(&load(Component::Index), false).await?;
        // Verify the index frame's head once; blocks carry their own checksums.
        let head = read_exact_at(index.as_ref(), 0, 12, "sstable index").await?;
        let magic = u64::from_le_bytes(
            head.get(..8)
                .and_then(|h| h.try_into().ok())
                .unwrap_or_default(),
        );
        if magic != Component::Index.magic() {
            return Err(StorageError::BadMagic {
                what: "sstable index",
                expected: Component::Index.magic(),
                got: magic,
            });
        }
        let index_version = u32::from_le_bytes(
            head.get(8..12)
                .and_then(|h| h.try_into().ok())
                .unwrap_or_default(),
        );
        if !(super::MIN_READABLE_VERSION..=super::VERSION).contains(&index_version) {
            return Err(StorageError::UnsupportedVersion {
                what: "sstable index",
                got: index_version,
                supported: super::VERSION,
            });
        }
        Ok(SSTable {
            generation,
            dir: dir.to_path_buf(),
            data: disk.open(&load(Component::Data), false).await?,
            index,
            index_version,
            chunk_bytes: summary.chunk_bytes,
            chunk_offsets: summary.chunk_offsets,
            blocks: summary.blocks,
            filter,
            stats,
            header,
            cache_id: cache.new_file_id(),
            cache,
        })
    }

    /// Drops this SSTable's cached blocks (it is leaving the live set).
    pub fn invalidate_cache(&self) {
        self.cache.invalidate_file(self.cache_id);
    }

    pub(super) fn cache_key(&self, kind: BlockKind, offset: u64) -> BlockKey {
        BlockKey {
            file_id: self.cache_id,
            kind,
            offset,
        }
    }

    /// Bytes of `Data.db` (compressed), the size compaction strategies weigh.
    pub fn data_size_bytes(&self) -> u64 {
        self.chunk_offsets.last().copied().unwrap_or_default()
    }

    pub fn may_contain(&self, key: &[u8]) -> bool {
        self.filter.may_contain(key)
    }

    pub fn component_paths(&self) -> Vec<PathBuf> {
        Component::ALL
            .iter()
            .map(|c| component_path(&self.dir, self.generation, *c))
            .collect()
    }

    /// Index block `i`, from the cache or read, verified and cached.
    pub(super) async fn read_block(&self, i: usize) -> Result<Rc<[IndexEntry]>> {
        let Some(block) = self.blocks.get(i) else {
            return Ok(Rc::from(Vec::new()));
        };
        let key = self.cache_key(BlockKind::Index, block.offset);
        if let Some(entries) = self.cache.get_index(&key) {
            return Ok(entries);
        }
        let entries: Rc<[IndexEntry]> = self.read_block_uncached(i).await?.into();
        self.cache
            .insert(key, CachedBlock::Index(Rc::clone(&entries)));
        Ok(entries)
    }

    /// Index block `i` straight from disk (scans, verification).
    pub(super) async fn read_block_uncached(&self, i: usize) -> Result<Vec<IndexEntry>> {
        let Some(block) = self.blocks.get(i) else {
            return Ok(Vec::new());
        };
        let raw = read_exact_at(
            self.index.as_ref(),
            block.offset,
            block.len as usize,
            "sstable index",
        )
        .await?;
        decode_index_block_version(&raw, self.index_version)
    }

    /// The index entry of one partition (bloom filter, summary, one cached
    /// index block), or `None` when the SSTable does not hold it.
    pub(super) async fn find(&self, token: i64, key: &[u8]) -> Result<Option<IndexEntry>> {
        if token < self.stats.min_token || token > self.stats.max_token || !self.may_contain(key) {
            return Ok(None);
        }
        let Some(block) = self.block_for(token, key) else {
            return Ok(None);
        };
        let entries = self.read_block(block).await?;
        Ok(entries
            .iter()
            .find(|e| e.token == token && e.key == key)
            .cloned())
    }

    /// Index of the last block whose first position is <= (token, key).
    fn block_for(&self, token: i64, key: &[u8]) -> Option<usize> {
        let n = self
            .blocks
            .partition_point(|b| position_cmp((b.first_token, &b.first_key), (token, key)).is_le());
        n.checked_sub(1)
    }

    /// Looks one partition up (bloom filter, summary, one index block, its chunks).
    pub async fn get(&self, token: i64, key: &[u8]) -> Result<Option<PartitionUpdate>> {
        match self.find(token, key).await? {
            Some(entry) => Ok(Some(self.read_partition(&entry).await?)),
            None => Ok(None),
        }
    }

    /// Index entries with tokens in `range`, in ring order.
    pub async fn entries_in(&self, range: TokenRange) -> Result<Vec<IndexEntry>> {
        if range.end < self.stats.min_token || range.start > self.stats.max_token {
            return Ok(Vec::new());
        }
        let first = self.block_for(range.start, &[]).unwrap_or(0);
        let mut out = Vec::new();
        for i in first..self.blocks.len() {
            if self
                .blocks
                .get(i)
                .is_some_and(|b| b.first_token > range.end)
            {
                break;
            }
            for e in self.read_block(i).await?.iter() {
                if range.contains(e.token) {
                    out.push(e.clone());
                }
            }
        }
        Ok(out)
    }

    /// Decodes the partition at an index entry, verifying chunk checksums.
    pub async fn read_partition(&self, entry: &IndexEntry) -> Result<PartitionUpdate> {
        let stream = self.read_stream(entry.offset, entry.len).await?;
        let mut slice = stream.bytes();
        decode_partition(&mut slice)
    }

    /// Partition-stream bytes `[offset, offset + len)`: borrowed from one
    /// cached chunk when they lie in one, else assembled from several.
    pub(super) async fn read_stream(&self, offset: u64, len: u64) -> Result<StreamBytes> {
        let first = (offset / self.chunk_bytes) as usize;
        let last = ((offset + len.max(1) - 1) / self.chunk_bytes) as usize;
        let chunks = self.chunks(first, last).await?;
        let skip = (offset - first as u64 * self.chunk_bytes) as usize;
        let end = skip + len as usize;
        let beyond =
            || StorageError::corrupt("sstable data", "partition beyond decompressed chunks");
        if let [chunk] = chunks.as_slice() {
            if end > chunk.len() {
                return Err(beyond());
            }
            return Ok(StreamBytes::Shared(Rc::clone(chunk), skip, end));
        }
        let mut stream = Vec::with_capacity(chunks.iter().map(|c| c.len()).sum());
        for c in &chunks {
            stream.extend_from_slice(c);
        }
        stream.truncate(end);
        if stream.len() != end {
            return Err(beyond());
        }
        stream.drain(..skip);
        Ok(StreamBytes::Owned(stream))
    }

    /// Decompressed chunks `first..=last`: cached ones from the cache, each run
    /// of missing ones with one read, verified, then cached.
    async fn chunks(&self, first: usize, last: usize) -> Result<Vec<Rc<[u8]>>> {
        let mut out: Vec<Option<Rc<[u8]>>> = (first..=last)
            .map(|i| {
                let offset = self.chunk_offsets.get(i)?;
                self.cache
                    .get_bytes(&self.cache_key(BlockKind::DataChunk, *offset))
            })
            .collect();
        let mut i = 0;
        while i < out.len() {
            if out.get(i).is_some_and(Option::is_some) {
                i += 1;
                continue;
            }
            let run_end = (i..out.len())
                .find(|&j| out.get(j).is_some_and(Option::is_some))
                .unwrap_or(out.len());
            let (Some(&start), Some(&end)) = (
                self.chunk_offsets.get(first + i),
                self.chunk_offsets.get(first + run_end),
            ) else {
                return Err(StorageError::corrupt(
                    "sstable data",
                    "partition beyond the last chunk",
                ));
            };
            let raw = read_exact_at(
                self.data.as_ref(),
                start,
                (end - start) as usize,
                "sstable data",
            )
            .await?;
            for (k, slot) in out.iter_mut().enumerate().take(run_end).skip(i) {
                let (offset, mut input) = self.chunk_in(&raw, start, first + k)?;
                let chunk: Rc<[u8]> = decode_chunk(&mut input)?.into();
                self.cache.insert(
                    self.cache_key(BlockKind::DataChunk, offset),
                    CachedBlock::Bytes(Rc::clone(&chunk)),
                );
                *slot = Some(chunk);
            }
            i = run_end;
        }
        Ok(out.into_iter().flatten().collect())
    }

    /// Reads every index block and data chunk, verifying all checksums.
    pub async fn verify(&self) -> Result<u64> {
        let mut partitions = 0;
        for i in 0..self.blocks.len() {
            partitions += self.read_block_uncached(i).await?.len() as u64;
        }
        let raw = read_all(self.data.as_ref()).await?;
        for i in 0..self.chunk_offsets.len().saturating_sub(1) {
            let (_, mut input) = self.chunk_in(&raw, 0, i)?;
            decode_chunk(&mut input)?;
        }
        Ok(partitions)
    }

    /// Chunk `i`'s bytes (up to the next chunk, padding included) inside
    /// `raw`, which holds `Data.db` from file offset `raw_start`; and the
    /// chunk's file offset.
    pub(super) fn chunk_in<'a>(
        &self,
        raw: &'a [u8],
        raw_start: u64,
        i: usize,
    ) -> Result<(u64, &'a [u8])> {
        let bytes = match (self.chunk_offsets.get(i), self.chunk_offsets.get(i + 1)) {
            (Some(&a), Some(&b)) if a >= raw_start && a <= b => raw
                .get((a - raw_start) as usize..(b - raw_start) as usize)
                .map(|bytes| (a, bytes)),
            _ => None,
        };
        bytes.ok_or_else(|| StorageError::corrupt("sstable data", "chunk outside the read bytes"))
    }

    /// Every partition in ring order (tools and compaction).
    pub async fn all_entries(&self) -> Result<Vec<IndexEntry>> {
        self.entries_in(TokenRange::FULL).await
    }
}

/// Decompressed partition-stream bytes: a range of one shared (cached) chunk,
/// or bytes assembled from several chunks.
#[derive(Debug)]
pub enum StreamBytes {
    Shared(Rc<[u8]>, usize, usize),
    Owned(Vec<u8>),
}

impl StreamBytes {
    pub fn bytes(&self) -> &[u8] {
        match self {
            StreamBytes::Shared(chunk, start, end) => chunk.get(*start..*end).unwrap_or_default(),
            StreamBytes::Owned(v) => v,
        }
    }
}

/// Largest uncompressed chunk any version writes (checked before allocating).
pub const MAX_CHUNK_BYTES: usize = 16 << 20;

/// Decodes the data chunk at the start of `input` (verifying its checksum)
/// and advances `input` past it.
pub fn decode_chunk(input: &mut &[u8]) -> Result<Vec<u8>> {
    let head = input
        .get(..12)
        .ok_or_else(|| StorageError::corrupt("sstable data", "truncated chunk header"))?;
    let word = |i: usize| {
        u32::from_le_bytes(
            head.get(i..i + 4)
                .and_then(|b| b.try_into().ok())
                .unwrap_or_default(),
        )
    };
    let (compressed_len, uncompressed_len, stored) = (word(0) as usize, word(4) as usize, word(8));
    // Bound the allocation before trusting a header that may be corrupt.
    if uncompressed_len > MAX_CHUNK_BYTES {
        return Err(StorageError::corrupt(
            "sstable data",
            format!("chunk claims {uncompressed_len} uncompressed bytes"),
        ));
    }
    let compressed = input
        .get(12..12 + compressed_len)
        .ok_or_else(|| StorageError::corrupt("sstable data", "truncated chunk"))?;
    let computed = crc32fast::hash(compressed);
    if stored != computed {
        return Err(StorageError::ChecksumMismatch {
            what: "sstable data chunk",
            expected: stored,
            got: computed,
        });
    }
    let out = lz4_flex::block::decompress(compressed, uncompressed_len)
        .map_err(|e| StorageError::corrupt("sstable data", e.to_string()))?;
    *input = input.get(12 + compressed_len..).unwrap_or_default();
    Ok(out)
}
