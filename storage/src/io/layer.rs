//! Disks layered over another disk: a [`DiskLayer`] wraps the files its
//! lower disk opens and passes every namespace operation (remove, rename,
//! list, ...) straight down. Implementing it gives a full [`Disk`]; the
//! scheduler's [`super::sched::SchedDisk`] is one, test disks that count or
//! delay requests can be others.

use std::path::{Path, PathBuf};
use std::rc::Rc;

use super::sched::IoClass;
use super::{Disk, File, LocalBoxFuture};
use crate::error::Result;

/// A disk that adds behaviour to the files of another.
pub trait DiskLayer: std::fmt::Debug {
    /// The disk below.
    fn lower(&self) -> &dyn Disk;
    /// Wraps a file the disk below opened or created.
    fn wrap_file(&self, file: Rc<dyn File>) -> Rc<dyn File>;
    /// See [`Disk::with_default_class`].
    fn layer_with_default_class(&self, _class: IoClass) -> Option<Rc<dyn Disk>> {
        None
    }
}

impl<L: DiskLayer> Disk for L {
    fn create<'a>(&'a self, path: &'a Path) -> LocalBoxFuture<'a, Result<Rc<dyn File>>> {
        Box::pin(async move { Ok(self.wrap_file(self.lower().create(path).await?)) })
    }

    fn open<'a>(
        &'a self,
        path: &'a Path,
        writable: bool,
    ) -> LocalBoxFuture<'a, Result<Rc<dyn File>>> {
        Box::pin(async move { Ok(self.wrap_file(self.lower().open(path, writable).await?)) })
    }

    fn remove<'a>(&'a self, path: &'a Path) -> LocalBoxFuture<'a, Result<()>> {
        self.lower().remove(path)
    }

    fn rename<'a>(&'a self, from: &'a Path, to: &'a Path) -> LocalBoxFuture<'a, Result<()>> {
        self.lower().rename(from, to)
    }

    fn sync_dir<'a>(&'a self, dir: &'a Path) -> LocalBoxFuture<'a, Result<()>> {
        self.lower().sync_dir(dir)
    }

    fn list(&self, dir: &Path) -> Result<Vec<PathBuf>> {
        self.lower().list(dir)
    }

    fn create_dir_all(&self, dir: &Path) -> Result<()> {
        self.lower().create_dir_all(dir)
    }

    fn remove_dir_all(&self, dir: &Path) -> Result<()> {
        self.lower().remove_dir_all(dir)
    }

    fn exists(&self, path: &Path) -> bool {
        self.lower().exists(path)
    }

    fn hard_link(&self, from: &Path, to: &Path) -> Result<()> {
        self.lower().hard_link(from, to)
    }

    fn with_default_class(&self, class: IoClass) -> Option<Rc<dyn Disk>> {
        self.layer_with_default_class(class)
    }
}
