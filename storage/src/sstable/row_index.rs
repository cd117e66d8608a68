//! The per-partition row index of large partitions (format version 3),
//! Cassandra's `IndexInfo` list in miniature: a partition whose encoding
//! exceeds [`ROW_INDEX_MIN_PARTITION_BYTES`] gets, in `Index.db`, a list of
//! blocks of consecutive rows (first and last clustering, offset and width in
//! the partition's encoding), so a read with clustering slices decodes the
//! partition header (deletion, static row, range tombstones) and only the
//! blocks the slices meet instead of the whole partition.
//!
//! ## Format
//!
//! Stored in `Index.db` between index blocks; the partition's index entry
//! points at it (`uv row_index_len | uv row_index_offset`, length 0 = none):
//!
//! ```text
//! row_index = u32 len | u32 crc32(body) | body
//! body      = uv header_len | uv n_blocks | (clustering first | clustering last | uv offset | uv width)*
//! ```
//!
//! `header_len` is the length of the partition's encoding before its row
//! count (`mutation::codec`: key, token, deletion, static row, range
//! tombstones); `offset` is relative to the partition's start in the stream;
//! blocks are in clustering order, contiguous, and end where the partition
//! ends.

use crate::error::{Result, StorageError};
use crate::mutation::codec::{decode_clustering, encode_clustering, encode_row, get_uv, put_uv};
use crate::mutation::{Clustering, ClusteringSlice, PartitionUpdate};
use crate::schema::ClusteringComparator;

/// Partitions whose encoding is larger than this get a row index.
pub const ROW_INDEX_MIN_PARTITION_BYTES: u64 = 64 << 10;
/// Target encoded rows per row-index block (a block closes once it is this big).
pub const ROW_INDEX_BLOCK_BYTES: u64 = 16 << 10;

/// One block of consecutive rows of a large partition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowIndexBlock {
    pub first: Clustering,
    pub last: Clustering,
    /// Start of the block's first row, relative to the partition's start.
    pub offset: u64,
    pub width: u64,
}

/// The decoded row index of one partition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowIndex {
    /// Bytes of the partition encoding before its row count.
    pub header_len: u64,
    pub blocks: Vec<RowIndexBlock>,
}

impl RowIndex {
    /// Builds the row index of `p`, whose full encoding is `encoded_len`
    /// bytes, or `None` when the partition is small or has no rows. `scratch`
    /// is reused between calls.
    pub fn build(p: &PartitionUpdate, encoded_len: u64, scratch: &mut Vec<u8>) -> Option<Self> {
        if encoded_len <= ROW_INDEX_MIN_PARTITION_BYTES || p.rows.is_empty() {
            return None;
        }
        // Rows are encoded last (`clustering ++ row` each), so their widths
        // place them from the end of the encoding back.
        let mut widths = Vec::with_capacity(p.rows.len());
        for (clustering, row) in &p.rows {
            scratch.clear();
            encode_clustering(clustering, scratch);
            encode_row(row, scratch);
            widths.push(scratch.len() as u64);
        }
        let rows_bytes: u64 = widths.iter().sum();
        scratch.clear();
        put_uv(scratch, p.rows.len() as u64);
        let rows_start = encoded_len.checked_sub(rows_bytes)?;
        let header_len = rows_start.checked_sub(scratch.len() as u64)?;
        let mut blocks: Vec<RowIndexBlock> = Vec::new();
        let mut offset = rows_start;
        let mut open: Option<RowIndexBlock> = None;
        for ((clustering, _), width) in p.rows.iter().zip(widths) {
            let block = open.get_or_insert_with(|| RowIndexBlock {
                first: clustering.clone(),
                last: Vec::new(),
                offset,
                width: 0,
            });
            block.width += width;
            offset += width;
            if block.width >= ROW_INDEX_BLOCK_BYTES {
                block.last = clustering.clone();
                blocks.extend(open.take());
            }
        }
        if let (Some(mut block), Some((last, _))) = (open, p.rows.last()) {
            block.last = last.clone();
            blocks.push(block);
        }
        Some(RowIndex { header_len, blocks })
    }

    /// Appends the framed encoding (`u32 len | u32 crc32 | body`).
    pub fn encode(&self, out: &mut Vec<u8>) {
        let mut body = Vec::new();
        put_uv(&mut body, self.header_len);
        put_uv(&mut body, self.blocks.len() as u64);
        for b in &self.blocks {
            encode_clustering(&b.first, &mut body);
            encode_clustering(&b.last, &mut body);
            put_uv(&mut body, b.offset);
            put_uv(&mut body, b.width);
        }
        out.extend_from_slice(&(body.len() as u32).to_le_bytes());
        out.extend_from_slice(&crc32fast::hash(&body).to_le_bytes());
        out.extend_from_slice(&body);
    }

    /// Decodes a framed row index, verifying its checksum and that its
    /// blocks tile the partition of `partition_len` bytes after the header.
    pub fn decode(raw: &[u8], partition_len: u64) -> Result<Self> {
        Self::decode_body(
            super::checked_block(raw, "sstable row index")?,
            partition_len,
        )
    }

    /// Decodes a row index body whose checksum was verified (the fuzz
    /// target calls it directly, so it must hold for any bytes).
    pub fn decode_body(mut body: &[u8], partition_len: u64) -> Result<Self> {
        let corrupt = |detail: &str| StorageError::corrupt("sstable row index", detail);
        let b = &mut body;
        let header_len = get_uv(b)?;
        let n = get_uv(b)? as usize;
        let mut blocks = Vec::with_capacity(n.min(b.len() / 4));
        let mut expected_offset = None;
        for _ in 0..n {
            let block = RowIndexBlock {
                first: decode_clustering(b)?,
                last: decode_clustering(b)?,
                offset: get_uv(b)?,
                width: get_uv(b)?,
            };
            if block.offset < header_len
                || expected_offset.is_some_and(|o| o != block.offset)
                || block.width == 0
            {
                return Err(corrupt("blocks are not contiguous"));
            }
            expected_offset = block.offset.checked_add(block.width);
            blocks.push(block);
        }
        if !b.is_empty() {
            return Err(corrupt("trailing bytes"));
        }
        if blocks.is_empty() || expected_offset != Some(partition_len) {
            return Err(corrupt("blocks do not end with the partition"));
        }
        Ok(RowIndex { header_len, blocks })
    }

    /// Runs of consecutive blocks that any of `slices` may meet, as
    /// `(first block, last block)` inclusive.
    pub fn select(
        &self,
        cmp: &ClusteringComparator,
        slices: &[ClusteringSlice],
    ) -> Vec<(usize, usize)> {
        let mut runs: Vec<(usize, usize)> = Vec::new();
        for (i, b) in self.blocks.iter().enumerate() {
            let meets = slices.iter().any(|s| {
                s.end.admits_as_end(cmp, &b.first) && s.start.admits_as_start(cmp, &b.last)
            });
            if !meets {
                continue;
            }
            match runs.last_mut() {
                Some(run) if run.1 + 1 == i => run.1 = i,
                _ => runs.push((i, i)),
            }
        }
        runs
    }

    /// Bytes charged for caching this index.
    pub fn heap_bytes(&self) -> usize {
        let clustering = |c: &Clustering| c.iter().map(|v| v.len() + 24).sum::<usize>() + 24;
        self.blocks
            .iter()
            .map(|b| {
                std::mem::size_of::<RowIndexBlock>() + clustering(&b.first) + clustering(&b.last)
            })
            .sum()
    }
}
