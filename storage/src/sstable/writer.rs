//! Writes one SSTable from partitions in ring order (flush and compaction).
//!
//! Components are written with aligned O_DIRECT writes and synced; `TOC.txt`
//! goes last, after a directory sync, so the SSTable becomes visible to a
//! restart only once complete. Memory is bounded by one data chunk, the index
//! block being built and the summary/filter (proportional to the key count).
//!
//! ## Format
//!
//! * `Data.db`: chunks `u32 compressed_len | u32 uncompressed_len | u32 crc32(compressed) | lz4 block`;
//!   (v3) zero padding before a chunk that fits in a 4 KiB page but would straddle two.
//!   Readers locate chunks by their offsets in `Summary.db`, never by adjacency.
//!   Decompressed chunks concatenate into the partition stream (partitions encoded
//!   with `mutation::codec::encode_partition`); chunk `i` holds stream bytes
//!   `[i * chunk_bytes, (i + 1) * chunk_bytes)`.
//! * `Index.db`: framed (`magic | version | body | crc`) list of blocks, each
//!   `u32 len | u32 crc32(entries) | entries`, entry = `bytes key | sv token | uv stream_offset
//!   | uv length | uv row_index_len | [uv row_index_offset if row_index_len > 0]`; the row
//!   indexes of large partitions (`row_index.rs`) sit between the blocks.
//! * `Summary.db`: framed; `uv chunk_bytes | uv n_chunks | u64le chunk_offsets[n_chunks + 1]
//!   | uv n_blocks | (bytes first_key | sv first_token | uv block_offset | uv block_len)*`.
//! * `Filter.db`, `Statistics.db`, `Header.db`: framed bloom filter, statistics
//!   and serialization header (`stats.rs`, `bloom.rs`, `header.rs`).
//! * `TOC.txt`: component file names, one per line, then `crc32 <hex>` of those lines.

use std::path::{Path, PathBuf};
use std::rc::Rc;

use super::bloom::BloomFilter;
use super::header::SerializationHeader;
use super::row_index::RowIndex;
use super::stats::Statistics;
use super::{Component, component_path, frame};
use crate::commitlog::ReplayPosition;
use crate::error::Result;
use crate::io::writer::AlignedWriter;
use crate::io::{ALIGNMENT, Disk};
use crate::mutation::PartitionUpdate;
use crate::mutation::codec::{encode_partition, put_bytes, put_sv, put_uv};
use crate::schema::ClusteringComparator;

/// Uncompressed bytes per data chunk unless the options say otherwise.
pub const CHUNK_BYTES: usize = 64 << 10;
/// Smallest chunk size accepted (smaller requests are raised to it).
pub const MIN_CHUNK_BYTES: usize = 1 << 10;
/// Index entries per index block (one summary entry each).
pub const INDEX_BLOCK_ENTRIES: usize = 64;
const WRITE_BLOCK_BYTES: usize = 256 << 10;
static ZERO_PAGE: [u8; ALIGNMENT] = [0; ALIGNMENT];

/// Options of one write.
#[derive(Debug, Clone)]
pub struct WriteOptions {
    pub generation: u64,
    pub bloom_filter_fp_chance: f64,
    pub expected_partitions: usize,
    pub commitlog_upper_bound: ReplayPosition,
    /// Leveled compaction level recorded in the statistics.
    pub level: u32,
    pub header: SerializationHeader,
    /// Uncompressed bytes per `Data.db` chunk (Cassandra's
    /// `chunk_length_in_kb`): smaller chunks make point reads read and
    /// decompress less, larger ones compress better. Clamped to
    /// [`MIN_CHUNK_BYTES`]..=[`super::reader::MAX_CHUNK_BYTES`].
    pub chunk_bytes: usize,
}

struct IndexBuilder {
    out: Vec<u8>,
    block: Vec<u8>,
    block_entries: usize,
    block_first: Option<(Vec<u8>, i64)>,
    summary_blocks: Vec<(Vec<u8>, i64, u64, u64)>,
}

impl IndexBuilder {
    fn add(&mut self, key: &[u8], token: i64, offset: u64, len: u64, rows: Option<&RowIndex>) {
        if self.block_first.is_none() {
            self.block_first = Some((key.to_vec(), token));
        }
        put_bytes(&mut self.block, key);
        put_sv(&mut self.block, token);
        put_uv(&mut self.block, offset);
        put_uv(&mut self.block, len);
        match rows {
            Some(rows) => {
                // Offsets are absolute in the framed file (after magic + version).
                let at = self.out.len();
                rows.encode(&mut self.out);
                put_uv(&mut self.block, (self.out.len() - at) as u64);
                put_uv(&mut self.block, 12 + at as u64);
            }
            None => put_uv(&mut self.block, 0),
        }
        self.block_entries += 1;
        if self.block_entries == INDEX_BLOCK_ENTRIES {
            self.finish_block();
        }
    }

    fn finish_block(&mut self) {
        let Some((key, token)) = self.block_first.take() else {
            return;
        };
        // Block offsets are relative to the framed file, after magic + version.
        let offset = 12 + self.out.len() as u64;
        self.out
            .extend_from_slice(&(self.block.len() as u32).to_le_bytes());
        self.out
            .extend_from_slice(&crc32fast::hash(&self.block).to_le_bytes());
        self.out.extend_from_slice(&self.block);
        self.summary_blocks
            .push((key, token, offset, 8 + self.block.len() as u64));
        self.block.clear();
        self.block_entries = 0;
    }
}

struct DataWriter {
    writer: AlignedWriter,
    pending: Vec<u8>,
    chunk_offsets: Vec<u64>,
    chunk_bytes: usize,
}

impl DataWriter {
    async fn push(&mut self, bytes: &[u8]) -> Result<()> {
        self.pending.extend_from_slice(bytes);
        while self.pending.len() >= self.chunk_bytes {
            let rest = self.pending.split_off(self.chunk_bytes);
            let chunk = std::mem::replace(&mut self.pending, rest);
            self.write_chunk(&chunk).await?;
        }
        Ok(())
    }

    async fn write_chunk(&mut self, chunk: &[u8]) -> Result<()> {
        let compressed = lz4_flex::block::compress(chunk);
        // A chunk that fits in one page never straddles two, so a cold point
        // read of it is one 4 KiB read (v3; readers find chunks by offset).
        let framed_bytes = 12 + compressed.len() as u64;
        let page = ALIGNMENT as u64;
        let in_page = self.writer.position() % page;
        if framed_bytes <= page && in_page + framed_bytes > page {
            let pad = ZERO_PAGE
                .get(..(page - in_page) as usize)
                .unwrap_or_default();
            self.writer.write(pad).await?;
        }
        self.chunk_offsets.push(self.writer.position());
        let mut head = Vec::with_capacity(12);
        head.extend_from_slice(&(compressed.len() as u32).to_le_bytes());
        head.extend_from_slice(&(chunk.len() as u32).to_le_bytes());
        head.extend_from_slice(&crc32fast::hash(&compressed).to_le_bytes());
        self.writer.write(&head).await?;
        self.writer.write(&compressed).await
    }
}

async fn write_framed(
    disk: &dyn Disk,
    dir: &Path,
    generation: u64,
    component: Component,
    body: &[u8],
) -> Result<()> {
    let file = disk
        .create(&component_path(dir, generation, component))
        .await?;
    let mut w = AlignedWriter::new(file, WRITE_BLOCK_BYTES);
    w.write(&frame(component, body)).await?;
    w.finish().await?;
    Ok(())
}

/// Renders the TOC text for a generation.
pub fn toc_text(generation: u64) -> String {
    let mut lines = String::new();
    for c in Component::ALL.iter().filter(|c| **c != Component::Toc) {
        lines.push_str(&format!("sb-{generation}-{}\n", c.file_suffix()));
    }
    let crc = crc32fast::hash(lines.as_bytes());
    format!("{lines}crc32 {crc:08x}\n")
}

/// Streams partitions (ring order, unique keys) into a new SSTable: flush
/// and compaction push them one by one, so memory stays bounded by one chunk
/// and the index/summary/filter being built.
pub struct SSTableWriter<'d> {
    disk: &'d dyn Disk,
    dir: PathBuf,
    generation: u64,
    header: SerializationHeader,
    comparator: ClusteringComparator,
    data: DataWriter,
    index: IndexBuilder,
    filter: BloomFilter,
    stats: Statistics,
    stream_offset: u64,
    encoded: Vec<u8>,
    scratch: Vec<u8>,
}

impl std::fmt::Debug for SSTableWriter<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SSTableWriter")
            .field("dir", &self.dir)
            .field("generation", &self.generation)
            .field("stream_offset", &self.stream_offset)
            .finish()
    }
}

impl<'d> SSTableWriter<'d> {
    pub async fn create(disk: &'d dyn Disk, dir: &Path, options: &WriteOptions) -> Result<Self> {
        let generation = options.generation;
        let chunk_bytes = options
            .chunk_bytes
            .clamp(MIN_CHUNK_BYTES, super::reader::MAX_CHUNK_BYTES);
        let data_file = disk
            .create(&component_path(dir, generation, Component::Data))
            .await?;
        Ok(SSTableWriter {
            disk,
            dir: dir.to_path_buf(),
            generation,
            comparator: options.header.comparator(),
            header: options.header.clone(),
            data: DataWriter {
                writer: AlignedWriter::new(data_file, WRITE_BLOCK_BYTES),
                pending: Vec::with_capacity(chunk_bytes * 2),
                chunk_offsets: Vec::new(),
                chunk_bytes,
            },
            index: IndexBuilder {
                out: Vec::new(),
                block: Vec::new(),
                block_entries: 0,
                block_first: None,
                summary_blocks: Vec::new(),
            },
            filter: BloomFilter::new(options.expected_partitions, options.bloom_filter_fp_chance),
            stats: Statistics {
                commitlog_upper_bound: options.commitlog_upper_bound,
                level: options.level,
                ..Statistics::default()
            },
            stream_offset: 0,
            encoded: Vec::new(),
            scratch: Vec::new(),
        })
    }

    /// Appends the next partition; partitions must come in ring order.
    pub async fn append(&mut self, p: &PartitionUpdate) -> Result<()> {
        self.encoded.clear();
        encode_partition(p, &mut self.encoded);
        let len = self.encoded.len() as u64;
        let rows = RowIndex::build(p, len, &mut self.scratch);
        self.index
            .add(&p.key, p.token, self.stream_offset, len, rows.as_ref());
        self.filter.insert(&p.key);
        self.stats.add_partition(&self.comparator, p, len);
        self.data.push(&self.encoded).await?;
        self.stream_offset += len;
        Ok(())
    }

    /// Uncompressed partition bytes appended so far (output splitting).
    pub fn uncompressed_bytes(&self) -> u64 {
        self.stream_offset
    }

    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Writes the remaining components and, last, the TOC.
    pub async fn finish(mut self) -> Result<Statistics> {
        let (disk, dir, generation) = (self.disk, self.dir.as_path(), self.generation);
        if !self.data.pending.is_empty() {
            let chunk = std::mem::take(&mut self.data.pending);
            self.data.write_chunk(&chunk).await?;
        }
        let data_len = self.data.writer.position();
        self.data.chunk_offsets.push(data_len);
        self.data.writer.finish().await?;
        self.index.finish_block();
        let index = &self.index;
        write_framed(disk, dir, generation, Component::Index, &index.out).await?;
        let mut summary = Vec::new();
        put_uv(&mut summary, self.data.chunk_bytes as u64);
        put_uv(&mut summary, self.data.chunk_offsets.len() as u64 - 1);
        for off in &self.data.chunk_offsets {
            summary.extend_from_slice(&off.to_le_bytes());
        }
        put_uv(&mut summary, index.summary_blocks.len() as u64);
        for (key, token, offset, len) in &index.summary_blocks {
            put_bytes(&mut summary, key);
            put_sv(&mut summary, *token);
            put_uv(&mut summary, *offset);
            put_uv(&mut summary, *len);
        }
        write_framed(disk, dir, generation, Component::Summary, &summary).await?;
        let mut body = Vec::new();
        self.filter.encode(&mut body);
        write_framed(disk, dir, generation, Component::Filter, &body).await?;
        let mut body = Vec::new();
        self.stats.encode(&mut body);
        write_framed(disk, dir, generation, Component::Statistics, &body).await?;
        let mut body = Vec::new();
        self.header.encode(&mut body);
        write_framed(disk, dir, generation, Component::Header, &body).await?;
        disk.sync_dir(dir).await?;
        // The TOC appears atomically (write, sync, rename): a crash while
        // writing it must leave no TOC rather than a partial one.
        let toc_path = component_path(dir, generation, Component::Toc);
        let tmp = toc_path.with_extension("txt.tmp");
        let toc = disk.create(&tmp).await?;
        let mut w = AlignedWriter::new(Rc::clone(&toc), 4096);
        w.write(toc_text(generation).as_bytes()).await?;
        w.finish().await?;
        disk.rename(&tmp, &toc_path).await?;
        disk.sync_dir(dir).await?;
        Ok(self.stats)
    }
}

/// Writes an SSTable of `partitions` (ring order, unique keys) into `dir`.
/// Returns its statistics; open it with [`super::SSTable::open`].
pub async fn write_sstable(
    disk: &dyn Disk,
    dir: &Path,
    options: &WriteOptions,
    partitions: impl IntoIterator<Item = PartitionUpdate>,
) -> Result<Statistics> {
    let mut writer = SSTableWriter::create(disk, dir, options).await?;
    for p in partitions {
        writer.append(&p).await?;
    }
    writer.finish().await
}
