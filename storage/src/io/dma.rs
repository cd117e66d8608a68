//! [`Disk`] on glommio DMA files: O_DIRECT through io_uring with buffers from
//! glommio's registered aligned pool. Must run inside a glommio executor; each
//! handle belongs to the executor (shard) that opened it.

use std::path::{Path, PathBuf};
use std::rc::Rc;

use glommio::io::{DmaFile, OpenOptions};

use super::{ALIGNMENT, Disk, File, LocalBoxFuture};
use crate::error::{Result, StorageError};

thread_local! {
    /// Devices whose io_uring poll support this executor thread has probed.
    static PROBED_DEVICES: std::cell::RefCell<Vec<u64>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// glommio decides once per device and thread whether reads may use the
/// io_uring poll ring, by reading the first block of the first file it opens.
/// An empty file makes that probe succeed trivially, and every later read then
/// fails with EOPNOTSUPP on devices without polling (virtio disks). So before
/// the first real open we let glommio probe a file that does hold a block.
async fn ensure_probed(path: &Path) -> Result<()> {
    use std::os::unix::fs::MetadataExt;
    let dir = path.parent().unwrap_or(Path::new("."));
    let dev = std::fs::metadata(dir)
        .map_err(|e| StorageError::io("stat", dir, e))?
        .dev();
    if PROBED_DEVICES.with(|p| p.borrow().contains(&dev)) {
        return Ok(());
    }
    let probe = dir.join(format!(".sibyl-iopoll-probe-{}", std::process::id()));
    std::fs::write(&probe, vec![0u8; ALIGNMENT])
        .map_err(|e| StorageError::io("write", &probe, e))?;
    let file = DmaFile::open(&probe)
        .await
        .map_err(io_err("open", &probe))?;
    file.close().await.map_err(io_err("close", &probe))?;
    std::fs::remove_file(&probe).map_err(|e| StorageError::io("remove", &probe, e))?;
    PROBED_DEVICES.with(|p| p.borrow_mut().push(dev));
    Ok(())
}

/// The production disk.
#[derive(Debug, Default, Clone, Copy)]
pub struct DmaDisk;

impl DmaDisk {
    pub fn new() -> Self {
        DmaDisk
    }
}

/// One O_DIRECT file.
#[derive(Debug)]
pub struct DmaHandle {
    file: DmaFile,
    path: PathBuf,
}

fn io_err<'p, T>(
    op: &'static str,
    path: &'p Path,
) -> impl FnOnce(glommio::GlommioError<T>) -> StorageError + 'p {
    move |e| StorageError::io(op, path, std::io::Error::from(e))
}

impl File for DmaHandle {
    fn path(&self) -> &Path {
        &self.path
    }

    fn write_at<'a>(&'a self, data: &'a [u8], pos: u64) -> LocalBoxFuture<'a, Result<()>> {
        Box::pin(async move {
            debug_assert!(pos % ALIGNMENT as u64 == 0 && data.len() % ALIGNMENT == 0);
            let mut buf = self.file.alloc_dma_buffer(data.len());
            buf.as_bytes_mut().copy_from_slice(data);
            let written = self
                .file
                .write_at(buf, pos)
                .await
                .map_err(io_err("write", &self.path))?;
            if written != data.len() {
                return Err(StorageError::io(
                    "write",
                    &self.path,
                    std::io::Error::new(
                        std::io::ErrorKind::WriteZero,
                        format!("short write of {written} of {} bytes", data.len()),
                    ),
                ));
            }
            Ok(())
        })
    }

    fn read_at(&self, pos: u64, len: usize) -> LocalBoxFuture<'_, Result<Vec<u8>>> {
        Box::pin(async move {
            // Align by hand: glommio's unaligned `read_at` over-reports the
            // length of a short read at end of file by the alignment slack.
            let start = super::align_down(pos);
            let skip = (pos - start) as usize;
            let size = super::align_up(skip as u64 + len as u64) as usize;
            let result = self
                .file
                .read_at_aligned(start, size)
                .await
                .map_err(io_err("read", &self.path))?;
            let end = result.len().min(skip + len);
            Ok(result
                .get(skip..end)
                .map(<[u8]>::to_vec)
                .unwrap_or_default())
        })
    }

    fn sync(&self) -> LocalBoxFuture<'_, Result<()>> {
        Box::pin(async move {
            self.file
                .fdatasync()
                .await
                .map_err(io_err("fdatasync", &self.path))
        })
    }

    fn size(&self) -> LocalBoxFuture<'_, Result<u64>> {
        Box::pin(async move {
            self.file
                .file_size()
                .await
                .map_err(io_err("stat", &self.path))
        })
    }

    fn truncate(&self, size_bytes: u64) -> LocalBoxFuture<'_, Result<()>> {
        Box::pin(async move {
            self.file
                .truncate(size_bytes)
                .await
                .map_err(io_err("truncate", &self.path))
        })
    }

    fn allocate(&self, size_bytes: u64) -> LocalBoxFuture<'_, Result<()>> {
        Box::pin(async move {
            self.file
                .pre_allocate(size_bytes, false)
                .await
                .map_err(io_err("fallocate", &self.path))
        })
    }
}

impl Disk for DmaDisk {
    fn create<'a>(&'a self, path: &'a Path) -> LocalBoxFuture<'a, Result<Rc<dyn File>>> {
        Box::pin(async move {
            ensure_probed(path).await?;
            let file = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(true)
                .dma_open(path)
                .await
                .map_err(io_err("create", path))?;
            Ok(Rc::new(DmaHandle {
                file,
                path: path.to_path_buf(),
            }) as Rc<dyn File>)
        })
    }

    fn open<'a>(
        &'a self,
        path: &'a Path,
        writable: bool,
    ) -> LocalBoxFuture<'a, Result<Rc<dyn File>>> {
        Box::pin(async move {
            ensure_probed(path).await?;
            let file = OpenOptions::new()
                .read(true)
                .write(writable)
                .dma_open(path)
                .await
                .map_err(io_err("open", path))?;
            Ok(Rc::new(DmaHandle {
                file,
                path: path.to_path_buf(),
            }) as Rc<dyn File>)
        })
    }

    fn remove<'a>(&'a self, path: &'a Path) -> LocalBoxFuture<'a, Result<()>> {
        Box::pin(async move {
            glommio::io::remove(path)
                .await
                .map_err(io_err("remove", path))
        })
    }

    fn rename<'a>(&'a self, from: &'a Path, to: &'a Path) -> LocalBoxFuture<'a, Result<()>> {
        Box::pin(async move {
            glommio::io::rename(from, to)
                .await
                .map_err(io_err("rename", from))
        })
    }

    fn sync_dir<'a>(&'a self, dir: &'a Path) -> LocalBoxFuture<'a, Result<()>> {
        Box::pin(async move {
            let d = glommio::io::Directory::open(dir)
                .await
                .map_err(io_err("open dir", dir))?;
            d.sync().await.map_err(io_err("sync dir", dir))?;
            d.close().await.map_err(io_err("close dir", dir))
        })
    }

    fn list(&self, dir: &Path) -> Result<Vec<PathBuf>> {
        let entries = std::fs::read_dir(dir).map_err(|e| StorageError::io("read_dir", dir, e))?;
        let mut out = Vec::new();
        for entry in entries {
            out.push(
                entry
                    .map_err(|e| StorageError::io("read_dir", dir, e))?
                    .path(),
            );
        }
        out.sort();
        Ok(out)
    }

    fn create_dir_all(&self, dir: &Path) -> Result<()> {
        std::fs::create_dir_all(dir).map_err(|e| StorageError::io("mkdir", dir, e))
    }

    fn remove_dir_all(&self, dir: &Path) -> Result<()> {
        match std::fs::remove_dir_all(dir) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                Err(StorageError::io("rmdir", dir, e))
            }
            _ => Ok(()),
        }
    }

    fn exists(&self, path: &Path) -> bool {
        path.exists()
    }

    fn hard_link(&self, from: &Path, to: &Path) -> Result<()> {
        std::fs::hard_link(from, to).map_err(|e| StorageError::io("link", from, e))
    }
}
