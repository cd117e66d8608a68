//! Sequential writer over an O_DIRECT [`File`]: buffers bytes, issues aligned
//! writes of `block_bytes`, and on `finish` pads the tail, truncates the file to
//! its logical length and syncs it. Used by flush and compaction; one writer per
//! file, owned by the shard writing it. Memory is bounded by `block_bytes`.

use std::rc::Rc;

use super::{ALIGNMENT, File, align_down, align_up};
use crate::error::Result;

/// Buffered aligned writer.
pub struct AlignedWriter {
    file: Rc<dyn File>,
    buf: Vec<u8>,
    /// Aligned file offset where `buf` starts.
    file_pos: u64,
    logical_len: u64,
    block_bytes: usize,
}

impl std::fmt::Debug for AlignedWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AlignedWriter")
            .field("path", &self.file.path())
            .field("logical_len", &self.logical_len)
            .finish()
    }
}

impl AlignedWriter {
    pub fn new(file: Rc<dyn File>, block_bytes: usize) -> Self {
        let block_bytes = align_up(block_bytes.max(ALIGNMENT) as u64) as usize;
        AlignedWriter {
            file,
            buf: Vec::with_capacity(block_bytes + ALIGNMENT),
            file_pos: 0,
            logical_len: 0,
            block_bytes,
        }
    }

    /// Logical bytes written so far.
    pub fn position(&self) -> u64 {
        self.logical_len
    }

    pub async fn write(&mut self, data: &[u8]) -> Result<()> {
        self.buf.extend_from_slice(data);
        self.logical_len += data.len() as u64;
        if self.buf.len() >= self.block_bytes {
            let n = align_down(self.buf.len() as u64) as usize;
            let chunk = self.buf.get(..n).unwrap_or_default();
            self.file.write_at(chunk, self.file_pos).await?;
            self.buf.drain(..n);
            self.file_pos += n as u64;
        }
        Ok(())
    }

    /// Writes the tail, trims the padding and makes the file durable.
    pub async fn finish(mut self) -> Result<u64> {
        if !self.buf.is_empty() {
            let padded = align_up(self.buf.len() as u64) as usize;
            self.buf.resize(padded, 0);
            self.file.write_at(&self.buf, self.file_pos).await?;
        }
        self.file.truncate(self.logical_len).await?;
        self.file.sync().await?;
        Ok(self.logical_len)
    }
}
