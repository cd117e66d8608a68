//! On-disk layout of one commitlog segment (see `docs/dev/format/commitlog.md`).
//!
//! ## Format
//!
//! ```text
//! block 0 (4096 bytes): header
//!   u64 magic "SIBYLCL1" | u32 version | u32 shard | u64 segment_id | u32 crc32(previous 24 bytes) | zero padding
//! from byte 4096: entries, back to back
//!   u32 payload_len (LE) | u32 crc32(segment_id LE ++ payload_len LE ++ payload) | payload
//! a payload_len of 0 ends the segment (the zero padding of a partial block).
//! ```
//!
//! Seeding each entry's CRC with the segment id makes entries left over from a
//! recycled file's previous life fail their checksum, so replay stops there.

use crate::error::{Result, StorageError};
use crate::io::ALIGNMENT;

pub const MAGIC: u64 = u64::from_be_bytes(*b"SIBYLCL1");
pub const VERSION: u32 = 1;
pub const HEADER_BYTES: u64 = ALIGNMENT as u64;
pub const ENTRY_HEADER_BYTES: usize = 8;

/// A point in the commitlog: everything before it was appended earlier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct ReplayPosition {
    pub segment_id: u64,
    pub offset: u64,
}

impl ReplayPosition {
    pub const NONE: ReplayPosition = ReplayPosition {
        segment_id: 0,
        offset: 0,
    };
}

pub fn file_name(shard: u32, segment_id: u64) -> String {
    format!("CommitLog-{shard}-{segment_id:020}.log")
}

/// Parses `(shard, segment_id)` from a segment file name.
pub fn parse_file_name(name: &str) -> Option<(u32, u64)> {
    let rest = name.strip_prefix("CommitLog-")?.strip_suffix(".log")?;
    let (shard, id) = rest.split_once('-')?;
    Some((shard.parse().ok()?, id.parse().ok()?))
}

pub fn encode_header(shard: u32, segment_id: u64) -> Vec<u8> {
    let mut block = vec![0u8; ALIGNMENT];
    let mut head = Vec::with_capacity(28);
    head.extend_from_slice(&MAGIC.to_le_bytes());
    head.extend_from_slice(&VERSION.to_le_bytes());
    head.extend_from_slice(&shard.to_le_bytes());
    head.extend_from_slice(&segment_id.to_le_bytes());
    let crc = crc32fast::hash(&head);
    head.extend_from_slice(&crc.to_le_bytes());
    if let Some(dst) = block.get_mut(..head.len()) {
        dst.copy_from_slice(&head);
    }
    block
}

fn le_u32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn le_u64(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

/// Validates a header; returns `(shard, segment_id)`.
pub fn decode_header(block: &[u8]) -> Result<(u32, u64)> {
    let short = || StorageError::corrupt("commitlog header", "truncated");
    let magic = le_u64(block, 0).ok_or_else(short)?;
    if magic != MAGIC {
        return Err(StorageError::BadMagic {
            what: "commitlog header",
            expected: MAGIC,
            got: magic,
        });
    }
    let version = le_u32(block, 8).ok_or_else(short)?;
    let stored = le_u32(block, 24).ok_or_else(short)?;
    let computed = crc32fast::hash(block.get(..24).ok_or_else(short)?);
    if stored != computed {
        return Err(StorageError::ChecksumMismatch {
            what: "commitlog header",
            expected: stored,
            got: computed,
        });
    }
    if version != VERSION {
        return Err(StorageError::UnsupportedVersion {
            what: "commitlog segment",
            got: version,
            supported: VERSION,
        });
    }
    Ok((
        le_u32(block, 12).ok_or_else(short)?,
        le_u64(block, 16).ok_or_else(short)?,
    ))
}

fn entry_crc(segment_id: u64, payload: &[u8]) -> u32 {
    let mut h = crc32fast::Hasher::new();
    h.update(&segment_id.to_le_bytes());
    h.update(&(payload.len() as u32).to_le_bytes());
    h.update(payload);
    h.finalize()
}

/// Appends one framed entry to `out`.
pub fn encode_entry(segment_id: u64, payload: &[u8], out: &mut Vec<u8>) {
    out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    out.extend_from_slice(&entry_crc(segment_id, payload).to_le_bytes());
    out.extend_from_slice(payload);
}

/// How reading a segment ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SegmentEnd {
    /// Reached the zero terminator or the exact end of the file.
    Clean,
    /// A torn or corrupt entry; everything from `offset` on was skipped.
    Corrupt { offset: u64, detail: String },
}

/// Decodes entries starting after the header; calls `f(offset, payload)` for
/// each valid one and stops at the first invalid one.
pub fn scan_entries(
    segment_id: u64,
    data: &[u8],
    mut f: impl FnMut(u64, &[u8]) -> Result<()>,
) -> Result<SegmentEnd> {
    let mut pos = HEADER_BYTES as usize;
    loop {
        if pos + ENTRY_HEADER_BYTES > data.len() {
            return Ok(SegmentEnd::Clean);
        }
        let (Some(len), Some(stored)) = (le_u32(data, pos), le_u32(data, pos + 4)) else {
            return Ok(SegmentEnd::Clean);
        };
        if len == 0 && stored == 0 {
            return Ok(SegmentEnd::Clean);
        }
        let start = pos + ENTRY_HEADER_BYTES;
        let Some(payload) = data.get(start..start + len as usize) else {
            return Ok(SegmentEnd::Corrupt {
                offset: pos as u64,
                detail: format!("entry of {len} bytes runs past the end of the segment"),
            });
        };
        let computed = entry_crc(segment_id, payload);
        if computed != stored {
            return Ok(SegmentEnd::Corrupt {
                offset: pos as u64,
                detail: format!("checksum mismatch: expected {stored:#010x}, got {computed:#010x}"),
            });
        }
        f(pos as u64, payload)?;
        pos = start + len as usize;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_round_trip_and_corruption() {
        let block = encode_header(3, 42);
        assert_eq!(decode_header(&block).unwrap(), (3, 42));
        let mut bad = block.clone();
        bad[17] ^= 1;
        assert!(matches!(
            decode_header(&bad),
            Err(StorageError::ChecksumMismatch { .. })
        ));
        let mut bad = block;
        bad[0] ^= 1;
        assert!(matches!(
            decode_header(&bad),
            Err(StorageError::BadMagic { .. })
        ));
    }

    #[test]
    fn entries_round_trip_and_stop_at_corruption() {
        let mut data = encode_header(0, 9);
        for i in 0..10u8 {
            encode_entry(9, &vec![i; 100 + usize::from(i)], &mut data);
        }
        let mut seen = Vec::new();
        let end = scan_entries(9, &data, |_, p| {
            seen.push(p.to_vec());
            Ok(())
        })
        .unwrap();
        assert_eq!(end, SegmentEnd::Clean);
        assert_eq!(seen.len(), 10);
        // Flip a byte in the 5th entry's payload.
        let fifth = HEADER_BYTES as usize + (0..4).map(|i| 8 + 100 + i).sum::<usize>();
        data[fifth + 20] ^= 0xff;
        let mut count = 0;
        let end = scan_entries(9, &data, |_, _| {
            count += 1;
            Ok(())
        })
        .unwrap();
        assert_eq!(count, 4);
        assert!(matches!(end, SegmentEnd::Corrupt { offset, .. } if offset == fifth as u64));
    }

    #[test]
    fn stale_entries_of_a_recycled_segment_are_rejected() {
        let mut data = encode_header(0, 1);
        encode_entry(1, b"old", &mut data);
        // Same bytes read as segment 2 (after recycling) must not replay.
        let end = scan_entries(2, &data, |_, _| panic!("stale entry replayed")).unwrap();
        assert!(matches!(end, SegmentEnd::Corrupt { .. }));
    }

    #[test]
    fn file_names_round_trip() {
        assert_eq!(parse_file_name(&file_name(5, 77)), Some((5, 77)));
        assert_eq!(parse_file_name("other.log"), None);
    }
}
