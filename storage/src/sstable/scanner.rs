//! Sequential scan of a whole SSTable in ring order (compaction, tools):
//! walks the index blocks and decodes the data stream with read-ahead, so each
//! chunk is read and decompressed once however many partitions it holds.
//!
//! Memory is bounded by one index block, [`READ_AHEAD_BYTES`] of compressed
//! input and the decompressed chunks that the current partition spans.
//! Owned by the task scanning on the table's shard.

use std::collections::VecDeque;
use std::rc::Rc;

use super::reader::{IndexEntry, SSTable, decode_chunk};
use crate::error::{Result, StorageError};
use crate::io::read_exact_at;
use crate::mutation::PartitionUpdate;
use crate::mutation::codec::decode_partition;

/// Compressed bytes fetched per read (several chunks in one I/O).
pub const READ_AHEAD_BYTES: u64 = 512 << 10;

/// Iterates an SSTable's partitions in order.
#[derive(Debug)]
pub struct Scanner {
    sst: Rc<SSTable>,
    next_block: usize,
    entries: VecDeque<IndexEntry>,
    /// Decompressed stream bytes starting at stream offset `stream_start`.
    stream: Vec<u8>,
    stream_start: u64,
    /// Compressed chunks read ahead but not yet decompressed, from file
    /// offset `raw_start`.
    raw: Vec<u8>,
    raw_start: u64,
    raw_pos: usize,
    next_chunk: usize,
}

impl Scanner {
    pub fn new(sst: Rc<SSTable>) -> Self {
        Scanner {
            sst,
            next_block: 0,
            entries: VecDeque::new(),
            stream: Vec::new(),
            stream_start: 0,
            raw: Vec::new(),
            raw_start: 0,
            raw_pos: 0,
            next_chunk: 0,
        }
    }

    pub fn sstable(&self) -> &Rc<SSTable> {
        &self.sst
    }

    /// Position of the next partition without reading it.
    pub async fn peek(&mut self) -> Result<Option<&IndexEntry>> {
        while self.entries.is_empty() && self.next_block < self.sst.blocks.len() {
            self.entries = self.sst.read_block_uncached(self.next_block).await?.into();
            self.next_block += 1;
        }
        Ok(self.entries.front())
    }

    /// Decompresses the next chunk, reading ahead when the buffer is empty.
    async fn load_chunk(&mut self) -> Result<()> {
        if self.raw_pos >= self.raw.len() {
            let offsets = &self.sst.chunk_offsets;
            let (Some(&start), Some(&file_end)) = (offsets.get(self.next_chunk), offsets.last())
            else {
                return Err(StorageError::corrupt(
                    "sstable data",
                    "read past the last chunk",
                ));
            };
            // Whole chunks only: extend while the next chunk still fits the budget.
            let mut end_chunk = self.next_chunk + 1;
            while end_chunk + 1 < offsets.len()
                && offsets
                    .get(end_chunk + 1)
                    .is_some_and(|e| e - start <= READ_AHEAD_BYTES)
            {
                end_chunk += 1;
            }
            let end = offsets.get(end_chunk).copied().unwrap_or(file_end);
            self.raw = read_exact_at(
                self.sst.data.as_ref(),
                start,
                (end - start) as usize,
                "sstable data",
            )
            .await?;
            self.raw_start = start;
            self.raw_pos = 0;
        }
        let (_, mut input) = self
            .sst
            .chunk_in(&self.raw, self.raw_start, self.next_chunk)?;
        self.raw_pos += input.len();
        let chunk = decode_chunk(&mut input)?;
        self.next_chunk += 1;
        self.stream.extend_from_slice(&chunk);
        Ok(())
    }

    /// Reads and decodes the next partition.
    pub async fn next(&mut self) -> Result<Option<PartitionUpdate>> {
        if self.peek().await?.is_none() {
            return Ok(None);
        }
        let Some(entry) = self.entries.pop_front() else {
            return Ok(None);
        };
        let consumed = entry.offset.saturating_sub(self.stream_start) as usize;
        if entry.offset < self.stream_start {
            return Err(StorageError::corrupt(
                "sstable index",
                "offsets go backwards",
            ));
        }
        // Drop what earlier partitions used (and any gap) before growing the buffer.
        if consumed >= self.stream.len() {
            // Skipping whole chunks: account them without keeping the bytes.
            self.stream_start += self.stream.len() as u64;
            self.stream.clear();
            while self.stream_start + self.sst.chunk_bytes <= entry.offset {
                self.load_chunk().await?;
                self.stream_start += self.stream.len() as u64;
                self.stream.clear();
            }
        } else {
            self.stream.drain(..consumed);
            self.stream_start = entry.offset;
        }
        let skip = (entry.offset - self.stream_start) as usize;
        while self.stream.len() < skip + entry.len as usize {
            self.load_chunk().await?;
        }
        self.stream.drain(..skip);
        self.stream_start = entry.offset;
        let mut slice = self
            .stream
            .get(..entry.len as usize)
            .ok_or_else(|| StorageError::corrupt("sstable data", "partition beyond stream"))?;
        decode_partition(&mut slice).map(Some)
    }
}
