//! The storage layer's only door to the disk. Everything above talks to
//! [`Disk`] and [`File`], so the same code runs on glommio DMA files
//! ([`dma::DmaDisk`], O_DIRECT through io_uring) or on a simulated disk with
//! injected faults ([`sim::SimDisk`]). [`sched::SchedDisk`] wraps either and
//! sends every request through the shard's I/O scheduler by priority class.
//!
//! Invariants: writes are positioned, and both the position and the length of a
//! write are multiples of [`ALIGNMENT`] (O_DIRECT requires it; the simulator
//! enforces it so tests catch violations). Reads may be unaligned and return
//! fewer bytes only at end of file. Files and handles belong to the shard that
//! opened them; futures are `!Send`.

pub mod dma;
pub mod layer;
pub mod sched;
pub mod sim;
pub mod writer;

use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::rc::Rc;

use crate::error::Result;

/// Block size every write position and length is a multiple of.
pub const ALIGNMENT: usize = 4096;

/// A boxed future that stays on the current shard.
pub type LocalBoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + 'a>>;

/// Rounds `v` up to the next multiple of [`ALIGNMENT`].
pub fn align_up(v: u64) -> u64 {
    v.div_ceil(ALIGNMENT as u64) * ALIGNMENT as u64
}

/// Rounds `v` down to a multiple of [`ALIGNMENT`].
pub fn align_down(v: u64) -> u64 {
    v / ALIGNMENT as u64 * ALIGNMENT as u64
}

/// An open file.
pub trait File: std::fmt::Debug {
    fn path(&self) -> &Path;
    /// Writes `data` at `pos`; both multiples of [`ALIGNMENT`].
    fn write_at<'a>(&'a self, data: &'a [u8], pos: u64) -> LocalBoxFuture<'a, Result<()>>;
    /// Reads up to `len` bytes at `pos`; short only at end of file.
    fn read_at(&self, pos: u64, len: usize) -> LocalBoxFuture<'_, Result<Vec<u8>>>;
    /// Makes every completed write durable (fdatasync).
    fn sync(&self) -> LocalBoxFuture<'_, Result<()>>;
    fn size(&self) -> LocalBoxFuture<'_, Result<u64>>;
    fn truncate(&self, size_bytes: u64) -> LocalBoxFuture<'_, Result<()>>;
    /// Reserves blocks up to `size_bytes` so later writes do not grow the file.
    fn allocate(&self, size_bytes: u64) -> LocalBoxFuture<'_, Result<()>>;
}

/// A file system namespace.
pub trait Disk: std::fmt::Debug {
    /// Creates (or truncates) a file for reading and writing.
    fn create<'a>(&'a self, path: &'a Path) -> LocalBoxFuture<'a, Result<Rc<dyn File>>>;
    /// Opens an existing file; `writable` also allows writes.
    fn open<'a>(
        &'a self,
        path: &'a Path,
        writable: bool,
    ) -> LocalBoxFuture<'a, Result<Rc<dyn File>>>;
    fn remove<'a>(&'a self, path: &'a Path) -> LocalBoxFuture<'a, Result<()>>;
    fn rename<'a>(&'a self, from: &'a Path, to: &'a Path) -> LocalBoxFuture<'a, Result<()>>;
    /// Makes creations, renames and removals inside `dir` durable.
    fn sync_dir<'a>(&'a self, dir: &'a Path) -> LocalBoxFuture<'a, Result<()>>;
    /// Lists a directory's entries (startup and lifecycle paths only).
    fn list(&self, dir: &Path) -> Result<Vec<PathBuf>>;
    fn create_dir_all(&self, dir: &Path) -> Result<()>;
    fn remove_dir_all(&self, dir: &Path) -> Result<()>;
    fn exists(&self, path: &Path) -> bool;
    /// Hard-links a file (snapshots).
    fn hard_link(&self, from: &Path, to: &Path) -> Result<()>;
    /// This disk with `class` as the I/O class of requests issued outside
    /// any class scope; `None` when the disk does not schedule (see
    /// [`sched::classed`]).
    fn with_default_class(&self, _class: sched::IoClass) -> Option<Rc<dyn Disk>> {
        None
    }
}

/// Reads exactly `len` bytes or fails with a `Corrupt` error naming `what`.
pub async fn read_exact_at(
    file: &dyn File,
    pos: u64,
    len: usize,
    what: &'static str,
) -> Result<Vec<u8>> {
    let data = file.read_at(pos, len).await?;
    if data.len() != len {
        return Err(crate::error::StorageError::corrupt(
            what,
            format!(
                "short read of {} bytes at {pos} in {}, wanted {len}",
                data.len(),
                file.path().display()
            ),
        ));
    }
    Ok(data)
}

/// Reads a whole file.
pub async fn read_all(file: &dyn File) -> Result<Vec<u8>> {
    let size = file.size().await?;
    let len = usize::try_from(size).map_err(|_| {
        crate::error::StorageError::corrupt("file", format!("file size {size} too large"))
    })?;
    read_exact_at(file, 0, len, "file").await
}

#[cfg(test)]
mod tests;
