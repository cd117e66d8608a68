//! Immutable sorted tables of one table on one shard (format in
//! `docs/dev/format/sstable.md`).
//!
//! An SSTable is a set of component files sharing a generation number that is
//! unique per shard and table directory. `TOC.txt` is written and synced last:
//! an SSTable without it is an interrupted flush or compaction and is deleted at
//! load, never read. Files are immutable once the TOC exists; the owning shard
//! reads them through its [`crate::io::Disk`].

pub mod bloom;
pub mod header;
pub mod reader;
pub mod row_index;
pub mod scanner;
mod sliced;
pub mod stats;
pub mod writer;

use std::path::{Path, PathBuf};

use crate::error::{Result, StorageError};

pub use header::SerializationHeader;
pub use reader::SSTable;
pub use stats::Statistics;
pub use writer::{SSTableWriter, write_sstable};

/// Version of every SSTable component written by this build.
/// Version 2 added `Header.db` and the level, partition-level counts and
/// clustering bounds in `Statistics.db`; version 3 the per-partition row
/// index of large partitions (`row_index.rs`) and its place in index entries.
pub const VERSION: u32 = 3;
/// Oldest version this build reads (v2 differs only in its index entries).
pub const MIN_READABLE_VERSION: u32 = 2;

/// The component files of one SSTable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Component {
    Data,
    Index,
    Summary,
    Filter,
    Statistics,
    Header,
    Toc,
}

impl Component {
    pub const ALL: [Component; 7] = [
        Component::Data,
        Component::Index,
        Component::Summary,
        Component::Filter,
        Component::Statistics,
        Component::Header,
        Component::Toc,
    ];

    pub fn file_suffix(self) -> &'static str {
        match self {
            Component::Data => "Data.db",
            Component::Index => "Index.db",
            Component::Summary => "Summary.db",
            Component::Filter => "Filter.db",
            Component::Statistics => "Statistics.db",
            Component::Header => "Header.db",
            Component::Toc => "TOC.txt",
        }
    }

    /// Magic of a framed component (Data and TOC are not framed).
    pub fn magic(self) -> u64 {
        u64::from_be_bytes(match self {
            Component::Data => *b"SIBYLDAT",
            Component::Index => *b"SIBYLIDX",
            Component::Summary => *b"SIBYLSUM",
            Component::Filter => *b"SIBYLFLT",
            Component::Statistics => *b"SIBYLSTA",
            Component::Header => *b"SIBYLHDR",
            Component::Toc => *b"SIBYLTOC",
        })
    }
}

/// Path of a component: `<dir>/sb-<generation>-<suffix>`.
pub fn component_path(dir: &Path, generation: u64, component: Component) -> PathBuf {
    dir.join(format!("sb-{generation}-{}", component.file_suffix()))
}

/// Parses the generation of an SSTable component file name.
pub fn parse_generation(name: &str) -> Option<(u64, &str)> {
    let rest = name.strip_prefix("sb-")?;
    let (gen_str, suffix) = rest.split_once('-')?;
    Some((gen_str.parse().ok()?, suffix))
}

/// Wraps a component body: `u64 magic | u32 version | body | u32 crc32(all before)`.
pub fn frame(component: Component, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + 16);
    out.extend_from_slice(&component.magic().to_le_bytes());
    out.extend_from_slice(&VERSION.to_le_bytes());
    out.extend_from_slice(body);
    let crc = crc32fast::hash(&out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

/// Checks a checksummed block `u32 len | u32 crc32(body) | body` (index
/// blocks, row indexes); returns the body.
pub(crate) fn checked_block<'a>(raw: &'a [u8], what: &'static str) -> Result<&'a [u8]> {
    let word = |i: usize| {
        raw.get(i..i + 4)
            .and_then(|w| w.try_into().ok())
            .map(u32::from_le_bytes)
            .ok_or_else(|| StorageError::corrupt(what, "truncated block header"))
    };
    let (len, stored) = (word(0)? as usize, word(4)?);
    let body = raw
        .get(8..8usize.saturating_add(len))
        .ok_or_else(|| StorageError::corrupt(what, "truncated block"))?;
    let computed = crc32fast::hash(body);
    if stored != computed {
        return Err(StorageError::ChecksumMismatch {
            what,
            expected: stored,
            got: computed,
        });
    }
    Ok(body)
}

/// Checks magic, version and checksum; returns the body.
pub fn unframe<'a>(component: Component, what: &'static str, data: &'a [u8]) -> Result<&'a [u8]> {
    if data.len() < 16 {
        return Err(StorageError::corrupt(what, "shorter than its frame"));
    }
    let (content, crc_bytes) = data.split_at(data.len() - 4);
    let stored = u32::from_le_bytes(crc_bytes.try_into().unwrap_or_default());
    let computed = crc32fast::hash(content);
    if stored != computed {
        return Err(StorageError::ChecksumMismatch {
            what,
            expected: stored,
            got: computed,
        });
    }
    let magic = u64::from_le_bytes(
        content
            .get(..8)
            .and_then(|b| b.try_into().ok())
            .unwrap_or_default(),
    );
    if magic != component.magic() {
        return Err(StorageError::BadMagic {
            what,
            expected: component.magic(),
            got: magic,
        });
    }
    let version = u32::from_le_bytes(
        content
            .get(8..12)
            .and_then(|b| b.try_into().ok())
            .unwrap_or_default(),
    );
    if !(MIN_READABLE_VERSION..=VERSION).contains(&version) {
        return Err(StorageError::UnsupportedVersion {
            what,
            got: version,
            supported: VERSION,
        });
    }
    Ok(content.get(12..).unwrap_or_default())
}

#[cfg(test)]
mod row_index_tests;
#[cfg(test)]
mod tests;
