//! Commitlog replay at shard start: reads every segment of this shard in id
//! order and hands each valid entry to the caller. A segment stops at its first
//! torn or corrupt entry (a crash mid-write leaves exactly that); the report
//! says where and how many bytes were skipped, so an operator can tell a torn
//! tail from real damage.

use std::path::{Path, PathBuf};
use std::rc::Rc;

use super::segment::{self, ReplayPosition, SegmentEnd};
use crate::error::{Result, StorageError};
use crate::io::{Disk, read_all};
use crate::mutation::{Mutation, codec};

/// What replay found in one segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SegmentReplay {
    pub path: PathBuf,
    pub segment_id: u64,
    pub entries: u64,
    pub end: SegmentEnd,
    /// Bytes after the stopping point (zero padding and stale data included).
    pub bytes_skipped: u64,
}

/// The whole replay's outcome.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReplayReport {
    pub segments: Vec<SegmentReplay>,
    pub entries: u64,
}

impl ReplayReport {
    /// Segments that ended in a torn or corrupt entry.
    pub fn corrupt_segments(&self) -> impl Iterator<Item = &SegmentReplay> {
        self.segments
            .iter()
            .filter(|s| matches!(s.end, SegmentEnd::Corrupt { .. }))
    }
}

/// Lists this shard's segments sorted by id.
pub fn list_segments(disk: &dyn Disk, dir: &Path, shard: u32) -> Result<Vec<(u64, PathBuf)>> {
    if !disk.exists(dir) {
        return Ok(Vec::new());
    }
    let mut out: Vec<(u64, PathBuf)> = disk
        .list(dir)?
        .into_iter()
        .filter_map(|p| {
            let name = p.file_name()?.to_str()?;
            let (s, id) = segment::parse_file_name(name)?;
            (s == shard).then_some((id, p))
        })
        .collect();
    out.sort();
    Ok(out)
}

/// Replays all segments; `apply` receives each entry's end position and mutation.
pub async fn replay(
    disk: Rc<dyn Disk>,
    dir: &Path,
    shard: u32,
    mut apply: impl FnMut(ReplayPosition, Mutation) -> Result<()>,
) -> Result<ReplayReport> {
    let mut report = ReplayReport::default();
    for (file_id, path) in list_segments(disk.as_ref(), dir, shard)? {
        let file = disk.open(&path, false).await?;
        let data = read_all(file.as_ref()).await?;
        let header = data.get(..segment::HEADER_BYTES as usize).unwrap_or(&data);
        let segment_id = match segment::decode_header(header) {
            Ok((_, id)) => id,
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, "skipping commitlog segment with a bad header");
                report.segments.push(SegmentReplay {
                    path,
                    segment_id: file_id,
                    entries: 0,
                    end: SegmentEnd::Corrupt {
                        offset: 0,
                        detail: e.to_string(),
                    },
                    bytes_skipped: data.len() as u64,
                });
                continue;
            }
        };
        let mut entries = 0u64;
        let mut last_end = segment::HEADER_BYTES;
        let end = segment::scan_entries(segment_id, &data, |offset, payload| {
            let mut input = payload;
            let mutation = codec::decode_mutation(&mut input)?;
            if !input.is_empty() {
                return Err(StorageError::corrupt(
                    "commitlog entry",
                    "trailing bytes after mutation",
                ));
            }
            let entry_end = offset + (segment::ENTRY_HEADER_BYTES + payload.len()) as u64;
            last_end = entry_end;
            entries += 1;
            apply(
                ReplayPosition {
                    segment_id,
                    offset: entry_end,
                },
                mutation,
            )
        })?;
        if let SegmentEnd::Corrupt { offset, detail } = &end {
            tracing::warn!(path = %path.display(), offset, detail, "commitlog segment ends in a torn or corrupt entry");
        }
        report.entries += entries;
        report.segments.push(SegmentReplay {
            path,
            segment_id,
            entries,
            bytes_skipped: (data.len() as u64).saturating_sub(last_end),
            end,
        });
    }
    Ok(report)
}
