//! The compaction transaction log, which makes replacing SSTables atomic
//! across crashes (Cassandra's `LogTransaction` in miniature).
//!
//! A compaction first records its inputs, then each output generation before
//! creating its files, then `commit` once every output is complete and
//! synced; only after that are the inputs deleted and the log removed. At load
//! ([`recover`]) a committed log means "finish deleting the inputs", an
//! uncommitted one "delete the outputs": either way the table holds exactly
//! the old or exactly the new set, never a mix and never a half SSTable.
//!
//! ## Format (`txn-<id>.log`, text, replaced atomically by write + fsync + rename)
//!
//! ```text
//! inputs <gen> <gen> ...
//! outputs <gen> ...
//! commit            (only once committed)
//! crc32 <8 hex digits of the lines above>
//! ```

use std::path::{Path, PathBuf};

use crate::error::{Result, StorageError};
use crate::io::Disk;
use crate::io::writer::AlignedWriter;
use crate::sstable::{Component, component_path};

/// One in-progress compaction's log in a table directory.
#[derive(Debug)]
pub struct CompactionLog {
    path: PathBuf,
    dir: PathBuf,
    inputs: Vec<u64>,
    outputs: Vec<u64>,
    committed: bool,
}

fn render(inputs: &[u64], outputs: &[u64], committed: bool) -> String {
    let list = |v: &[u64]| v.iter().map(|g| format!(" {g}")).collect::<String>();
    let mut lines = format!("inputs{}\noutputs{}\n", list(inputs), list(outputs));
    if committed {
        lines.push_str("commit\n");
    }
    let crc = crc32fast::hash(lines.as_bytes());
    format!("{lines}crc32 {crc:08x}\n")
}

/// Parses a log; `None` when it is not a valid log.
pub fn parse(text: &str) -> Option<(Vec<u64>, Vec<u64>, bool)> {
    let crc_at = text.rfind("crc32 ")?;
    let (lines, crc_line) = text.split_at(crc_at);
    let stored = u32::from_str_radix(crc_line.strip_prefix("crc32 ")?.trim(), 16).ok()?;
    if stored != crc32fast::hash(lines.as_bytes()) {
        return None;
    }
    let mut it = lines.lines();
    let gens = |line: Option<&str>, tag: &str| -> Option<Vec<u64>> {
        line?
            .strip_prefix(tag)?
            .split_whitespace()
            .map(|g| g.parse().ok())
            .collect()
    };
    let inputs = gens(it.next(), "inputs")?;
    let outputs = gens(it.next(), "outputs")?;
    let committed = it.next() == Some("commit");
    Some((inputs, outputs, committed))
}

async fn remove_generation(disk: &dyn Disk, dir: &Path, generation: u64) -> Result<()> {
    // TOC first: a crash midway leaves an incomplete generation, which load deletes.
    for c in Component::ALL.iter().rev() {
        let path = component_path(dir, generation, *c);
        if disk.exists(&path) {
            disk.remove(&path).await?;
        }
    }
    Ok(())
}

impl CompactionLog {
    /// Records the inputs durably before any output exists.
    pub async fn begin(disk: &dyn Disk, dir: &Path, id: u64, inputs: Vec<u64>) -> Result<Self> {
        let log = CompactionLog {
            path: dir.join(format!("txn-{id}.log")),
            dir: dir.to_path_buf(),
            inputs,
            outputs: Vec::new(),
            committed: false,
        };
        log.write(disk).await?;
        Ok(log)
    }

    async fn write(&self, disk: &dyn Disk) -> Result<()> {
        let tmp = self.path.with_extension("tmp");
        let file = disk.create(&tmp).await?;
        let mut w = AlignedWriter::new(file, 4096);
        w.write(render(&self.inputs, &self.outputs, self.committed).as_bytes())
            .await?;
        w.finish().await?;
        disk.rename(&tmp, &self.path).await?;
        disk.sync_dir(&self.dir).await
    }

    /// Records an output generation before its first file is created.
    pub async fn add_output(&mut self, disk: &dyn Disk, generation: u64) -> Result<()> {
        self.outputs.push(generation);
        self.write(disk).await
    }

    /// Marks every output complete: from now on the new set is the table's.
    pub async fn commit(&mut self, disk: &dyn Disk) -> Result<()> {
        self.committed = true;
        self.write(disk).await
    }

    /// Deletes what the outcome makes obsolete (inputs if committed, outputs
    /// otherwise), then the log itself.
    pub async fn finish(self, disk: &dyn Disk) -> Result<()> {
        let obsolete = if self.committed {
            &self.inputs
        } else {
            &self.outputs
        };
        for g in obsolete {
            remove_generation(disk, &self.dir, *g).await?;
        }
        disk.sync_dir(&self.dir).await?;
        disk.remove(&self.path).await?;
        disk.sync_dir(&self.dir).await
    }
}

/// Completes or rolls back every compaction interrupted by a crash in `dir`.
/// Must run before the directory's SSTables are loaded.
pub async fn recover(disk: &dyn Disk, dir: &Path) -> Result<()> {
    for path in disk.list(dir)? {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_owned();
        if !name.starts_with("txn-") {
            continue;
        }
        if name.ends_with(".tmp") {
            disk.remove(&path).await?;
            continue;
        }
        let file = disk.open(&path, false).await?;
        let raw = crate::io::read_all(file.as_ref()).await?;
        let text = String::from_utf8_lossy(&raw);
        let Some((inputs, outputs, committed)) = parse(&text) else {
            // Logs are replaced by rename, so a torn log cannot happen short
            // of media corruption: refuse rather than guess which set is live.
            return Err(StorageError::corrupt(
                "compaction log",
                format!("{} is unreadable", path.display()),
            ));
        };
        tracing::info!(log = %path.display(), committed, "recovering interrupted compaction");
        CompactionLog {
            path: path.clone(),
            dir: dir.to_path_buf(),
            inputs,
            outputs,
            committed,
        }
        .finish(disk)
        .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn render_parse_round_trip_and_corruption() {
        let text = render(&[1, 2], &[7], true);
        assert_eq!(parse(&text), Some((vec![1, 2], vec![7], true)));
        assert_eq!(
            parse(&render(&[3], &[], false)),
            Some((vec![3], vec![], false))
        );
        let flipped = text.replace("inputs 1", "inputs 4");
        assert_eq!(parse(&flipped), None);
        assert_eq!(parse(""), None);
    }
}
