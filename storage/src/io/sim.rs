//! A simulated disk for deterministic tests, in the spirit of TigerBeetle's
//! `src/testing/storage.zig`.
//!
//! ## Fault model
//!
//! * **Failed writes / syncs**: with probability `write_error_per_million`
//!   (`sync_error_per_million`) an operation returns an I/O error and changes
//!   nothing. `fail_writes` makes every write and sync fail (a dead disk).
//! * **Corrupt reads**: with probability `read_corrupt_per_million` one bit of
//!   the returned buffer is flipped; the stored bytes stay intact, so a retry
//!   may succeed, exactly like a transient media or bus error.
//! * **Latency**: every data operation sleeps a uniformly random
//!   `0..=latency_us_max` microseconds on the glommio timer.
//! * **Process crash** ([`SimDisk::crash_process`]): nothing is lost; completed
//!   writes sit in the (simulated) page cache, which survives the process.
//! * **Power loss** ([`SimDisk::power_loss`]): every write since the file's last
//!   sync is independently kept, lost, or torn at a 512-byte sector boundary
//!   (a random prefix of its sectors survives) with probability
//!   `torn_write_per_million`. Metadata operations (create, rename, remove,
//!   truncate, allocate) are treated as immediately durable — a simplification
//!   that the engine does not rely on beyond what `sync_dir` would give.
//!
//! Writes must be [`ALIGNMENT`]-aligned in position and length, like O_DIRECT;
//! a misaligned write is a bug and panics in tests. Randomness comes from a
//! seeded xorshift generator, so a failing seed replays exactly. The disk is
//! single-shard state (`Rc<RefCell<..>>`).

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::Duration;

use super::{ALIGNMENT, Disk, File, LocalBoxFuture};
use crate::error::{Result, StorageError};

/// Fault probabilities and latency; all zero means a perfect disk.
#[derive(Debug, Clone, Default)]
pub struct FaultConfig {
    pub write_error_per_million: u32,
    pub sync_error_per_million: u32,
    pub read_corrupt_per_million: u32,
    pub torn_write_per_million: u32,
    pub latency_us_max: u64,
    pub fail_writes: bool,
}

#[derive(Debug, Default)]
struct SimFileData {
    content: Vec<u8>,
    durable: Vec<u8>,
    pending: Vec<(u64, usize)>,
}

#[derive(Debug)]
struct SimState {
    files: BTreeMap<PathBuf, Rc<RefCell<SimFileData>>>,
    dirs: BTreeSet<PathBuf>,
    faults: FaultConfig,
    rng: u64,
}

impl SimState {
    fn next(&mut self) -> u64 {
        // xorshift64*
        let mut x = self.rng;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.rng = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn chance(&mut self, per_million: u32) -> bool {
        per_million > 0 && self.next() % 1_000_000 < u64::from(per_million)
    }
}

/// The simulated disk; clones share the same state.
#[derive(Debug, Clone)]
pub struct SimDisk {
    state: Rc<RefCell<SimState>>,
}

impl SimDisk {
    pub fn new(seed: u64) -> Self {
        SimDisk {
            state: Rc::new(RefCell::new(SimState {
                files: BTreeMap::new(),
                dirs: BTreeSet::new(),
                faults: FaultConfig::default(),
                rng: seed | 1,
            })),
        }
    }

    pub fn set_faults(&self, faults: FaultConfig) {
        self.state.borrow_mut().faults = faults;
    }

    /// A process crash loses nothing that a completed write put on the disk.
    pub fn crash_process(&self) {}

    /// Loses, keeps or tears every write since each file's last sync.
    pub fn power_loss(&self) {
        let mut state = self.state.borrow_mut();
        let files: Vec<_> = state.files.values().cloned().collect();
        for file in files {
            let mut f = file.borrow_mut();
            let mut image = f.durable.clone();
            let pending = std::mem::take(&mut f.pending);
            for (pos, len) in pending {
                let start = pos as usize;
                let keep = if {
                    let p = state.faults.torn_write_per_million;
                    state.chance(p)
                } {
                    let sectors = len / 512;
                    (state.next() as usize % (sectors + 1)) * 512
                } else if state.next() % 2 == 0 {
                    len
                } else {
                    0
                };
                if image.len() < start + keep {
                    image.resize(start + keep, 0);
                }
                if let (Some(dst), Some(src)) = (
                    image.get_mut(start..start + keep),
                    f.content.get(start..start + keep),
                ) {
                    dst.copy_from_slice(src);
                }
            }
            f.content = image.clone();
            f.durable = image;
        }
    }

    /// Flips one byte of a stored file (for corruption tests).
    pub fn corrupt_byte(&self, path: &Path, pos: usize) -> bool {
        let state = self.state.borrow();
        let Some(file) = state.files.get(path) else {
            return false;
        };
        let mut f = file.borrow_mut();
        let flipped = f.content.get_mut(pos).map(|b| *b ^= 0x5a).is_some();
        if let Some(b) = f.durable.get_mut(pos) {
            *b ^= 0x5a;
        }
        flipped
    }

    async fn delay(&self) {
        let max = self.state.borrow().faults.latency_us_max;
        if max > 0 {
            let us = self.state.borrow_mut().next() % (max + 1);
            glommio::timer::sleep(Duration::from_micros(us)).await;
        }
    }

    fn injected(op: &'static str, path: &Path) -> StorageError {
        StorageError::io(
            op,
            path,
            std::io::Error::other("injected fault (simulated disk)"),
        )
    }
}

#[derive(Debug)]
struct SimFile {
    disk: SimDisk,
    data: Rc<RefCell<SimFileData>>,
    path: PathBuf,
}

impl File for SimFile {
    fn path(&self) -> &Path {
        &self.path
    }

    fn write_at<'a>(&'a self, data: &'a [u8], pos: u64) -> LocalBoxFuture<'a, Result<()>> {
        Box::pin(async move {
            assert!(
                pos % ALIGNMENT as u64 == 0 && data.len() % ALIGNMENT == 0,
                "misaligned write of {} bytes at {pos}",
                data.len()
            );
            self.disk.delay().await;
            {
                let mut state = self.disk.state.borrow_mut();
                if state.faults.fail_writes || {
                    let p = state.faults.write_error_per_million;
                    state.chance(p)
                } {
                    return Err(SimDisk::injected("write", &self.path));
                }
            }
            let mut f = self.data.borrow_mut();
            let start = pos as usize;
            let end = start + data.len();
            if f.content.len() < end {
                f.content.resize(end, 0);
            }
            if let Some(dst) = f.content.get_mut(start..end) {
                dst.copy_from_slice(data);
            }
            f.pending.push((pos, data.len()));
            Ok(())
        })
    }

    fn read_at(&self, pos: u64, len: usize) -> LocalBoxFuture<'_, Result<Vec<u8>>> {
        Box::pin(async move {
            self.disk.delay().await;
            let mut out = {
                let f = self.data.borrow();
                let start = (pos as usize).min(f.content.len());
                let end = start.saturating_add(len).min(f.content.len());
                f.content
                    .get(start..end)
                    .map(<[u8]>::to_vec)
                    .unwrap_or_default()
            };
            let mut state = self.disk.state.borrow_mut();
            if !out.is_empty() && {
                let p = state.faults.read_corrupt_per_million;
                state.chance(p)
            } {
                let i = state.next() as usize % out.len();
                if let Some(b) = out.get_mut(i) {
                    *b ^= 1 << (state.next() % 8);
                }
            }
            Ok(out)
        })
    }

    fn sync(&self) -> LocalBoxFuture<'_, Result<()>> {
        Box::pin(async move {
            self.disk.delay().await;
            {
                let mut state = self.disk.state.borrow_mut();
                if state.faults.fail_writes || {
                    let p = state.faults.sync_error_per_million;
                    state.chance(p)
                } {
                    return Err(SimDisk::injected("fdatasync", &self.path));
                }
            }
            let mut f = self.data.borrow_mut();
            f.durable = f.content.clone();
            f.pending.clear();
            Ok(())
        })
    }

    fn size(&self) -> LocalBoxFuture<'_, Result<u64>> {
        Box::pin(async move { Ok(self.data.borrow().content.len() as u64) })
    }

    fn truncate(&self, size_bytes: u64) -> LocalBoxFuture<'_, Result<()>> {
        Box::pin(async move {
            let mut f = self.data.borrow_mut();
            f.content.resize(size_bytes as usize, 0);
            f.durable.resize(size_bytes as usize, 0);
            Ok(())
        })
    }

    fn allocate(&self, size_bytes: u64) -> LocalBoxFuture<'_, Result<()>> {
        Box::pin(async move {
            let mut f = self.data.borrow_mut();
            let size = size_bytes as usize;
            if f.content.len() < size {
                f.content.resize(size, 0);
            }
            if f.durable.len() < size {
                f.durable.resize(size, 0);
            }
            Ok(())
        })
    }
}

impl Disk for SimDisk {
    fn create<'a>(&'a self, path: &'a Path) -> LocalBoxFuture<'a, Result<Rc<dyn File>>> {
        Box::pin(async move {
            let data = Rc::new(RefCell::new(SimFileData::default()));
            self.state
                .borrow_mut()
                .files
                .insert(path.to_path_buf(), Rc::clone(&data));
            Ok(Rc::new(SimFile {
                disk: self.clone(),
                data,
                path: path.to_path_buf(),
            }) as Rc<dyn File>)
        })
    }

    fn open<'a>(
        &'a self,
        path: &'a Path,
        _writable: bool,
    ) -> LocalBoxFuture<'a, Result<Rc<dyn File>>> {
        Box::pin(async move {
            let data = self
                .state
                .borrow()
                .files
                .get(path)
                .cloned()
                .ok_or_else(|| {
                    StorageError::io("open", path, std::io::ErrorKind::NotFound.into())
                })?;
            Ok(Rc::new(SimFile {
                disk: self.clone(),
                data,
                path: path.to_path_buf(),
            }) as Rc<dyn File>)
        })
    }

    fn remove<'a>(&'a self, path: &'a Path) -> LocalBoxFuture<'a, Result<()>> {
        Box::pin(async move {
            match self.state.borrow_mut().files.remove(path) {
                Some(_) => Ok(()),
                None => Err(StorageError::io(
                    "remove",
                    path,
                    std::io::ErrorKind::NotFound.into(),
                )),
            }
        })
    }

    fn rename<'a>(&'a self, from: &'a Path, to: &'a Path) -> LocalBoxFuture<'a, Result<()>> {
        Box::pin(async move {
            let mut state = self.state.borrow_mut();
            let data = state.files.remove(from).ok_or_else(|| {
                StorageError::io("rename", from, std::io::ErrorKind::NotFound.into())
            })?;
            state.files.insert(to.to_path_buf(), data);
            Ok(())
        })
    }

    fn sync_dir<'a>(&'a self, _dir: &'a Path) -> LocalBoxFuture<'a, Result<()>> {
        Box::pin(async move { Ok(()) })
    }

    fn list(&self, dir: &Path) -> Result<Vec<PathBuf>> {
        let state = self.state.borrow();
        let mut out: BTreeSet<PathBuf> = BTreeSet::new();
        let children = state.files.keys().chain(state.dirs.iter());
        for path in children {
            if let Ok(rest) = path.strip_prefix(dir) {
                if let Some(first) = rest.components().next() {
                    out.insert(dir.join(first));
                }
            }
        }
        Ok(out.into_iter().collect())
    }

    fn create_dir_all(&self, dir: &Path) -> Result<()> {
        self.state.borrow_mut().dirs.insert(dir.to_path_buf());
        Ok(())
    }

    fn remove_dir_all(&self, dir: &Path) -> Result<()> {
        let mut state = self.state.borrow_mut();
        state.files.retain(|p, _| !p.starts_with(dir));
        state.dirs.retain(|p| !p.starts_with(dir));
        Ok(())
    }

    fn exists(&self, path: &Path) -> bool {
        let state = self.state.borrow();
        state.files.contains_key(path) || state.dirs.iter().any(|d| d.starts_with(path))
    }

    fn hard_link(&self, from: &Path, to: &Path) -> Result<()> {
        let mut state = self.state.borrow_mut();
        let data =
            state.files.get(from).cloned().ok_or_else(|| {
                StorageError::io("link", from, std::io::ErrorKind::NotFound.into())
            })?;
        state.files.insert(to.to_path_buf(), data);
        Ok(())
    }
}
