//! [`Disk`] layer that sends every data request of its files through the
//! shard's [`IoScheduler`]: reads, writes and syncs wait for a dispatch slot
//! in their class; metadata operations (open, size, truncate, allocate,
//! rename, remove) go straight through. Requests above the scheduler's
//! `max_request_bytes` are split, so one large background request cannot
//! hold the device for long.

use std::path::Path;
use std::rc::Rc;

use super::{IoClass, IoKind, IoScheduler};
use crate::error::Result;
use crate::io::layer::DiskLayer;
use crate::io::{Disk, File, LocalBoxFuture, align_down};

/// A disk whose files' requests are scheduled; clones share the scheduler.
#[derive(Debug, Clone)]
pub struct SchedDisk {
    inner: Rc<dyn Disk>,
    scheduler: Rc<IoScheduler>,
    /// Class of requests issued outside any [`IoClass::scope`].
    class: IoClass,
}

impl SchedDisk {
    /// Files opened through it default to [`IoClass::Read`].
    pub fn new(inner: Rc<dyn Disk>, scheduler: Rc<IoScheduler>) -> Self {
        SchedDisk {
            inner,
            scheduler,
            class: IoClass::Read,
        }
    }

    pub fn scheduler(&self) -> &Rc<IoScheduler> {
        &self.scheduler
    }
}

/// `disk` with `class` as the default class of its files' requests, when it
/// is scheduled; otherwise `disk` itself.
pub fn classed(disk: &Rc<dyn Disk>, class: IoClass) -> Rc<dyn Disk> {
    disk.with_default_class(class)
        .unwrap_or_else(|| Rc::clone(disk))
}

/// A file whose data requests wait for the scheduler.
#[derive(Debug)]
pub struct SchedFile {
    inner: Rc<dyn File>,
    scheduler: Rc<IoScheduler>,
    class: IoClass,
}

impl SchedFile {
    fn class(&self) -> IoClass {
        IoClass::current().unwrap_or(self.class)
    }
}

impl File for SchedFile {
    fn path(&self) -> &Path {
        self.inner.path()
    }

    fn write_at<'a>(&'a self, data: &'a [u8], pos: u64) -> LocalBoxFuture<'a, Result<()>> {
        // Read the class now: the caller's scope is current while it polls.
        Box::pin(async move {
            let class = self.class();
            let max = self.scheduler.max_request_bytes();
            let mut done = 0;
            while done < data.len() {
                let end = (done + max).min(data.len());
                let piece = data.get(done..end).unwrap_or_default();
                let _permit = self
                    .scheduler
                    .acquire(class, IoKind::Write, piece.len() as u64)
                    .await;
                self.inner.write_at(piece, pos + done as u64).await?;
                done = end;
            }
            Ok(())
        })
    }

    fn read_at(&self, pos: u64, len: usize) -> LocalBoxFuture<'_, Result<Vec<u8>>> {
        Box::pin(async move {
            let class = self.class();
            let max = self.scheduler.max_request_bytes() as u64;
            let end = pos + len as u64;
            // Split at aligned boundaries so no block is read twice.
            let first_end = align_down(pos) + max;
            if end <= first_end {
                let _permit = self
                    .scheduler
                    .acquire(class, IoKind::Read, len as u64)
                    .await;
                return self.inner.read_at(pos, len).await;
            }
            let mut out = Vec::with_capacity(len);
            let mut at = pos;
            let mut piece_end = first_end;
            while at < end {
                let want = (piece_end.min(end) - at) as usize;
                let _permit = self
                    .scheduler
                    .acquire(class, IoKind::Read, want as u64)
                    .await;
                let piece = self.inner.read_at(at, want).await?;
                out.extend_from_slice(&piece);
                if piece.len() < want {
                    break;
                }
                at += want as u64;
                piece_end += max;
            }
            Ok(out)
        })
    }

    fn sync(&self) -> LocalBoxFuture<'_, Result<()>> {
        Box::pin(async move {
            let _permit = self.scheduler.acquire(self.class(), IoKind::Write, 0).await;
            self.inner.sync().await
        })
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

impl DiskLayer for SchedDisk {
    fn lower(&self) -> &dyn Disk {
        self.inner.as_ref()
    }

    fn wrap_file(&self, file: Rc<dyn File>) -> Rc<dyn File> {
        Rc::new(SchedFile {
            inner: file,
            scheduler: Rc::clone(&self.scheduler),
            class: self.class,
        })
    }

    fn layer_with_default_class(&self, class: IoClass) -> Option<Rc<dyn Disk>> {
        Some(Rc::new(SchedDisk {
            class,
            ..self.clone()
        }))
    }
}
