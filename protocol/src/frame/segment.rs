//! The v5 segment layer (native_protocol_v5.spec §2): after STARTUP, frames
//! travel inside segments that protect header and payload with CRCs.
//!
//! ## Format
//! Uncompressed segment: a 6-byte header read as a little-endian integer,
//! bits 0-16 payload length, bit 17 self-contained, bits 18-23 padding,
//! bits 24-47 the CRC24 of the first three bytes; then the payload; then the
//! CRC32 of the payload, little-endian.
//!
//! lz4 segment: an 8-byte header, bits 0-16 compressed length, bits 17-33
//! uncompressed length (0 means "sent uncompressed"), bit 34 self-contained,
//! bits 35-39 padding, bits 40-63 the CRC24 of the first five bytes; then the
//! payload (a raw lz4 block) and its CRC32.
//!
//! CRC24 is Cassandra's (polynomial 0x1974F0B, initial value 0x875060, bytes
//! fed least significant first). CRC32 is the standard CRC-32 after first
//! feeding the four bytes `FA 2D 55 CA`.
//!
//! A self-contained segment holds one or more whole frames; a frame larger than
//! one segment is cut into consecutive segments that are not self-contained.

use super::compression::{lz4_block_compress, lz4_block_decompress};
use crate::error::DecodeError;

/// The largest payload one segment carries (17 bits).
pub const MAX_PAYLOAD_LEN: usize = (1 << 17) - 1;

const CRC24_INIT: u32 = 0x87_5060;
const CRC24_POLY: u32 = 0x197_4F0B;
const CRC32_PREFIX: [u8; 4] = [0xFA, 0x2D, 0x55, 0xCA];

/// CRC24 over the low `len` bytes of `bytes`, least significant byte first.
pub fn crc24(mut bytes: u64, len: usize) -> u32 {
    let mut crc = CRC24_INIT;
    for _ in 0..len {
        crc ^= ((bytes & 0xFF) as u32) << 16;
        bytes >>= 8;
        for _ in 0..8 {
            crc <<= 1;
            if crc & 0x100_0000 != 0 {
                crc ^= CRC24_POLY;
            }
        }
    }
    crc & 0xFF_FFFF
}

/// Cassandra's payload CRC32 (see the module docs).
pub fn crc32(payload: &[u8]) -> u32 {
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(&CRC32_PREFIX);
    hasher.update(payload);
    hasher.finalize()
}

/// Whether segments are lz4-compressed (negotiated in STARTUP).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SegmentCodec {
    Plain,
    Lz4,
}

impl SegmentCodec {
    pub fn header_len(self) -> usize {
        match self {
            Self::Plain => 6,
            Self::Lz4 => 8,
        }
    }
}

/// Appends one segment carrying `payload` (at most [`MAX_PAYLOAD_LEN`] bytes).
pub fn write_segment(out: &mut Vec<u8>, codec: SegmentCodec, payload: &[u8], self_contained: bool) {
    assert!(
        payload.len() <= MAX_PAYLOAD_LEN,
        "segment payload of {} bytes",
        payload.len()
    );
    let contained = u64::from(self_contained);
    match codec {
        SegmentCodec::Plain => {
            let mut header = payload.len() as u64 | contained << 17;
            header |= u64::from(crc24(header, 3)) << 24;
            out.extend_from_slice(header.to_le_bytes().get(..6).unwrap_or_default());
            out.extend_from_slice(payload);
            out.extend_from_slice(&crc32(payload).to_le_bytes());
        }
        SegmentCodec::Lz4 => {
            let header_at = out.len();
            out.extend_from_slice(&[0u8; 8]);
            let body_at = out.len();
            lz4_block_compress(payload, out);
            let mut compressed_len = out.len() - body_at;
            let mut uncompressed_len = payload.len();
            // Incompressible data goes as is, flagged by an uncompressed length of 0.
            if compressed_len >= payload.len() {
                out.truncate(body_at);
                out.extend_from_slice(payload);
                compressed_len = payload.len();
                uncompressed_len = 0;
            }
            let mut header =
                compressed_len as u64 | (uncompressed_len as u64) << 17 | contained << 34;
            header |= u64::from(crc24(header, 5)) << 40;
            if let Some(slot) = out.get_mut(header_at..body_at) {
                slot.copy_from_slice(&header.to_le_bytes());
            }
            let crc = crc32(out.get(body_at..).unwrap_or_default());
            out.extend_from_slice(&crc.to_le_bytes());
        }
    }
}

/// Wraps a run of whole frames into segments: small frames share
/// self-contained segments, a frame over [`MAX_PAYLOAD_LEN`] is cut up.
/// `frame_ends` lists where each frame in `frames` ends.
pub fn write_frames(out: &mut Vec<u8>, codec: SegmentCodec, frames: &[u8], frame_ends: &[usize]) {
    let mut start = 0; // first byte not yet in a segment
    let mut pending_end = 0; // end of the frames gathered for the next segment
    for &end in frame_ends {
        if end - start <= MAX_PAYLOAD_LEN {
            pending_end = end;
            continue;
        }
        if pending_end > start {
            write_segment(
                out,
                codec,
                frames.get(start..pending_end).unwrap_or_default(),
                true,
            );
            start = pending_end;
        }
        if end - start > MAX_PAYLOAD_LEN {
            let frame = frames.get(start..end).unwrap_or_default();
            for chunk in frame.chunks(MAX_PAYLOAD_LEN) {
                write_segment(out, codec, chunk, false);
            }
            start = end;
        }
        pending_end = end;
    }
    if pending_end > start {
        write_segment(
            out,
            codec,
            frames.get(start..pending_end).unwrap_or_default(),
            true,
        );
    }
}

/// A segment whose CRCs or lengths are wrong; the connection cannot recover.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SegmentError {
    #[error("segment header CRC24 mismatch: expected {expected:#08x}, got {got:#08x}")]
    HeaderChecksumMismatch { expected: u32, got: u32 },
    #[error("segment payload CRC32 mismatch: expected {expected:#010x}, got {got:#010x}")]
    PayloadChecksumMismatch { expected: u32, got: u32 },
    #[error("segment payload does not decompress: {0}")]
    Decompression(DecodeError),
}

/// One decoded segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    pub self_contained: bool,
    pub payload: Vec<u8>,
}

/// Decodes the segment at the start of `input`. Returns `Ok(None)` when more
/// bytes are needed, else the segment and how many bytes it took.
pub fn read_segment(
    input: &[u8],
    codec: SegmentCodec,
) -> Result<Option<(Segment, usize)>, SegmentError> {
    let header_len = codec.header_len();
    let Some(head) = input.get(..header_len) else {
        return Ok(None);
    };
    let mut header_bytes = [0u8; 8];
    header_bytes
        .get_mut(..header_len)
        .unwrap_or_default()
        .copy_from_slice(head);
    let header = u64::from_le_bytes(header_bytes);
    let (payload_len, uncompressed_len, self_contained, crc_shift, crc_bytes) = match codec {
        SegmentCodec::Plain => (
            (header & 0x1FFFF) as usize,
            0,
            header & (1 << 17) != 0,
            24,
            3,
        ),
        SegmentCodec::Lz4 => (
            (header & 0x1FFFF) as usize,
            ((header >> 17) & 0x1FFFF) as usize,
            header & (1 << 34) != 0,
            40,
            5,
        ),
    };
    let got = ((header >> crc_shift) & 0xFF_FFFF) as u32;
    let expected = crc24(header, crc_bytes);
    if got != expected {
        return Err(SegmentError::HeaderChecksumMismatch { expected, got });
    }
    let total = header_len + payload_len + 4;
    let Some(segment) = input.get(..total) else {
        return Ok(None);
    };
    let (payload, trailer) = segment
        .get(header_len..)
        .unwrap_or_default()
        .split_at(payload_len);
    let got = u32::from_le_bytes(trailer.try_into().unwrap_or_default());
    let expected = crc32(payload);
    if got != expected {
        return Err(SegmentError::PayloadChecksumMismatch { expected, got });
    }
    let payload = if uncompressed_len == 0 {
        payload.to_vec()
    } else {
        lz4_block_decompress(payload, uncompressed_len, MAX_PAYLOAD_LEN)
            .map_err(SegmentError::Decompression)?
    };
    Ok(Some((
        Segment {
            self_contained,
            payload,
        },
        total,
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_flipped_header_bit_is_caught() {
        let mut out = Vec::new();
        write_segment(&mut out, SegmentCodec::Plain, b"hello", true);
        assert_eq!(out.len(), 6 + 5 + 4);
        for bit in 0..48 {
            let mut bad = out.clone();
            if let Some(b) = bad.get_mut(bit / 8) {
                *b ^= 1 << (bit % 8);
            }
            assert!(
                read_segment(&bad, SegmentCodec::Plain).is_err(),
                "bit {bit}"
            );
        }
    }

    #[test]
    fn plain_and_lz4_segments_round_trip() {
        let compressible = vec![b'a'; 10_000];
        let random: Vec<u8> = (0..10_000u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        for codec in [SegmentCodec::Plain, SegmentCodec::Lz4] {
            for payload in [&compressible[..], &random[..], b""] {
                let mut out = Vec::new();
                write_segment(&mut out, codec, payload, true);
                let (segment, used) = read_segment(&out, codec).expect("valid").expect("complete");
                assert_eq!(used, out.len());
                assert!(segment.self_contained);
                assert_eq!(segment.payload, payload);
                // Every proper prefix asks for more bytes, never errors.
                for cut in 0..out.len() {
                    assert_eq!(
                        read_segment(out.get(..cut).expect("prefix"), codec),
                        Ok(None),
                        "cut {cut}"
                    );
                }
            }
        }
    }

    #[test]
    fn corrupt_payload_is_detected() {
        let mut out = Vec::new();
        write_segment(&mut out, SegmentCodec::Plain, b"payload", true);
        if let Some(b) = out.get_mut(8) {
            *b ^= 0x40;
        }
        assert!(matches!(
            read_segment(&out, SegmentCodec::Plain),
            Err(SegmentError::PayloadChecksumMismatch { .. })
        ));
    }

    #[test]
    fn large_frames_are_cut_and_small_ones_share_segments() {
        let big = vec![1u8; MAX_PAYLOAD_LEN * 2 + 10];
        let mut frames = vec![2u8; 100];
        frames.extend_from_slice(&big);
        frames.extend_from_slice(&[3u8; 50]);
        frames.extend_from_slice(&[4u8; 60]);
        let ends = [100, 100 + big.len(), 150 + big.len(), 210 + big.len()];
        for codec in [SegmentCodec::Plain, SegmentCodec::Lz4] {
            let mut out = Vec::new();
            write_frames(&mut out, codec, &frames, &ends);
            let mut rest = out.as_slice();
            let mut shapes = Vec::new();
            let mut joined = Vec::new();
            while let Some((segment, used)) = read_segment(rest, codec).expect("valid") {
                shapes.push((segment.self_contained, segment.payload.len()));
                joined.extend_from_slice(&segment.payload);
                rest = rest.get(used..).expect("advance");
            }
            assert!(rest.is_empty());
            assert_eq!(joined, frames);
            assert_eq!(
                shapes,
                vec![
                    (true, 100),
                    (false, MAX_PAYLOAD_LEN),
                    (false, MAX_PAYLOAD_LEN),
                    (false, 10),
                    (true, 110)
                ]
            );
        }
    }
}
