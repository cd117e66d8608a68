//! Body compression for v3/v4 frames (spec §5) and the lz4 block codec the v5
//! segment layer reuses.
//!
//! lz4 bodies start with the uncompressed length as a 4-byte big-endian
//! integer, then one lz4 block. Snappy bodies are one raw snappy block.

use crate::error::DecodeError;

/// A compression algorithm negotiated in STARTUP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    Lz4,
    Snappy,
}

impl Compression {
    /// Parses the STARTUP `COMPRESSION` option (case-insensitive).
    pub fn from_name(name: &str) -> Option<Self> {
        if name.eq_ignore_ascii_case("lz4") {
            Some(Self::Lz4)
        } else if name.eq_ignore_ascii_case("snappy") {
            Some(Self::Snappy)
        } else {
            None
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Lz4 => "lz4",
            Self::Snappy => "snappy",
        }
    }

    /// Appends the compressed form of `body` to `out`.
    pub fn compress(self, body: &[u8], out: &mut Vec<u8>) {
        match self {
            Self::Lz4 => {
                let len = u32::try_from(body.len()).unwrap_or(u32::MAX);
                out.extend_from_slice(&len.to_be_bytes());
                lz4_block_compress(body, out);
            }
            Self::Snappy => {
                let start = out.len();
                out.resize(start + snap::raw::max_compress_len(body.len()), 0);
                let written = snap::raw::Encoder::new()
                    .compress(body, out.get_mut(start..).unwrap_or_default())
                    .unwrap_or_else(|e| {
                        unreachable!("snappy output sized by max_compress_len: {e}")
                    });
                out.truncate(start + written);
            }
        }
    }

    /// Decompresses `body`, refusing to produce more than `max_len` bytes so a
    /// small frame cannot claim a huge allocation.
    pub fn decompress(self, body: &[u8], max_len: usize) -> Result<Vec<u8>, DecodeError> {
        match self {
            Self::Lz4 => {
                let Some((len, block)) = body.split_first_chunk::<4>() else {
                    return Err(DecodeError::Decompression(
                        "lz4 body shorter than its length prefix".into(),
                    ));
                };
                let len = u32::from_be_bytes(*len) as usize;
                lz4_block_decompress(block, len, max_len)
            }
            Self::Snappy => {
                let len = snap::raw::decompress_len(body)
                    .map_err(|e| DecodeError::Decompression(e.to_string()))?;
                if len > max_len {
                    return Err(DecodeError::Decompression(format!(
                        "snappy body claims {len} bytes, limit is {max_len}"
                    )));
                }
                snap::raw::Decoder::new()
                    .decompress_vec(body)
                    .map_err(|e| DecodeError::Decompression(e.to_string()))
            }
        }
    }
}

/// Appends one raw lz4 block (no length prefix) to `out`.
pub fn lz4_block_compress(input: &[u8], out: &mut Vec<u8>) {
    let start = out.len();
    out.resize(
        start + lz4_flex::block::get_maximum_output_size(input.len()),
        0,
    );
    let written = lz4_flex::block::compress_into(input, out.get_mut(start..).unwrap_or_default())
        .unwrap_or_else(|e| unreachable!("lz4 output sized by get_maximum_output_size: {e}"));
    out.truncate(start + written);
}

/// Decompresses one raw lz4 block that must expand to exactly `len` bytes.
pub fn lz4_block_decompress(
    block: &[u8],
    len: usize,
    max_len: usize,
) -> Result<Vec<u8>, DecodeError> {
    if len > max_len {
        return Err(DecodeError::Decompression(format!(
            "lz4 body claims {len} bytes, limit is {max_len}"
        )));
    }
    let mut out = vec![0u8; len];
    let written = lz4_flex::block::decompress_into(block, &mut out)
        .map_err(|e| DecodeError::Decompression(e.to_string()))?;
    if written != len {
        return Err(DecodeError::Decompression(format!(
            "lz4 body expanded to {written} bytes, header said {len}"
        )));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_algorithms_round_trip() {
        let body: Vec<u8> = (0..10_000u32)
            .flat_map(|i| (i % 97).to_le_bytes())
            .collect();
        for c in [Compression::Lz4, Compression::Snappy] {
            let mut packed = Vec::new();
            c.compress(&body, &mut packed);
            assert!(packed.len() < body.len());
            assert_eq!(c.decompress(&packed, 1 << 20).expect("decompress"), body);
        }
    }

    #[test]
    fn lz4_prefix_is_big_endian_length() {
        let mut packed = Vec::new();
        Compression::Lz4.compress(b"hello hello hello", &mut packed);
        assert_eq!(packed.get(..4), Some(&[0u8, 0, 0, 17][..]));
    }

    #[test]
    fn claimed_size_over_limit_is_refused() {
        let mut packed = Vec::new();
        Compression::Lz4.compress(&[7u8; 4096], &mut packed);
        assert!(Compression::Lz4.decompress(&packed, 1024).is_err());
        let mut packed = Vec::new();
        Compression::Snappy.compress(&[7u8; 4096], &mut packed);
        assert!(Compression::Snappy.decompress(&packed, 1024).is_err());
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for c in [Compression::Lz4, Compression::Snappy] {
            assert!(
                c.decompress(&[0, 0, 0, 50, 0xFF, 0xFF, 0x01], 1 << 20)
                    .is_err()
            );
            assert!(c.decompress(&[], 1 << 20).is_err());
        }
    }
}
