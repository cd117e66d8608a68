//! Sequential writer over an O_DIRECT [`File`]: buffers bytes, issues aligned
//! writes of `block_bytes`, and on `finish` pads the tail, truncates the file to
//! its logical length and syncs it. Used by flush and compaction; one writer per
//! file, owned by the shard writing it.
//!
//! Write-behind: up to [`WRITES_IN_FLIGHT`] block writes run concurrently as
//! shard-local tasks, so the disk sees a queue instead of one write at a time.
//! Memory is bounded by `block_bytes * (WRITES_IN_FLIGHT + 1)`. The first
//! failed write fails the next `write` or `finish`; `finish` waits for every
//! write before it truncates and syncs, so nothing is declared durable early.

use std::collections::VecDeque;
use std::rc::Rc;

use glommio::task::JoinHandle;

use super::{ALIGNMENT, File, align_down, align_up};
use crate::error::Result;

/// Block writes a writer keeps in flight at most.
pub const WRITES_IN_FLIGHT: usize = 4;

/// Buffered aligned writer.
pub struct AlignedWriter {
    file: Rc<dyn File>,
    in_flight: VecDeque<JoinHandle<Result<()>>>,
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
            in_flight: VecDeque::with_capacity(WRITES_IN_FLIGHT),
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
            let rest = self.buf.get(n..).unwrap_or_default().to_vec();
            let mut chunk = std::mem::replace(&mut self.buf, rest);
            chunk.truncate(n);
            self.buf.reserve(self.block_bytes + ALIGNMENT);
            let at = self.file_pos;
            self.file_pos += n as u64;
            self.submit(chunk, at).await?;
        }
        Ok(())
    }

    /// Starts a write in the background, first waiting for the oldest one
    /// when [`WRITES_IN_FLIGHT`] are already running.
    async fn submit(&mut self, chunk: Vec<u8>, at: u64) -> Result<()> {
        if self.in_flight.len() >= WRITES_IN_FLIGHT {
            self.wait_oldest().await?;
        }
        let file = Rc::clone(&self.file);
        // The write runs in its own task: carry the writer's I/O class over.
        let class = super::sched::IoClass::current();
        self.in_flight.push_back(
            glommio::spawn_local(super::sched::in_class(class, async move {
                file.write_at(&chunk, at).await
            }))
            .detach(),
        );
        Ok(())
    }

    async fn wait_oldest(&mut self) -> Result<()> {
        match self.in_flight.pop_front() {
            // `None`: the task was cancelled, which only happens when the
            // executor shuts down; report it rather than assume the write landed.
            Some(handle) => handle
                .await
                .unwrap_or(Err(crate::error::StorageError::Closed)),
            None => Ok(()),
        }
    }

    /// Writes the tail, trims the padding and makes the file durable.
    pub async fn finish(mut self) -> Result<u64> {
        if !self.buf.is_empty() {
            let padded = align_up(self.buf.len() as u64) as usize;
            self.buf.resize(padded, 0);
            let tail = std::mem::take(&mut self.buf);
            self.submit(tail, self.file_pos).await?;
        }
        while !self.in_flight.is_empty() {
            self.wait_oldest().await?;
        }
        self.file.truncate(self.logical_len).await?;
        self.file.sync().await?;
        Ok(self.logical_len)
    }
}
