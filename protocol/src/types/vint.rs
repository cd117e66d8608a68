//! Cassandra's variable-length integers (spec v5 §3 `[unsigned vint]` and `[vint]`).
//!
//! ## Format
//! The number of leading one bits in the first byte is the number of extra bytes
//! (0 to 8) that follow; the remaining low bits of the first byte are the most
//! significant bits of the value, the extra bytes the rest, big-endian. A first
//! byte of `0xFF` is followed by all 8 bytes of the value. Signed values are
//! zig-zag encoded first. Non-minimal encodings are accepted on read, as Cassandra
//! accepts them; writers always produce the minimal form.

use crate::error::DecodeError;
use crate::wire::{read_u8, take};

/// Appends `value` as an `[unsigned vint]`.
pub fn write_unsigned_vint(out: &mut Vec<u8>, value: u64) {
    let significant_bits = 64 - value.leading_zeros() as usize;
    // Each extra byte adds 8 value bits but costs one bit of the first byte, so
    // n extra bytes hold 7 + 7n bits, up to n = 8 which holds all 64.
    let extra_bytes = if significant_bits <= 7 {
        0
    } else {
        significant_bits.div_ceil(7) - 1
    };
    if extra_bytes >= 8 {
        out.push(0xFF);
        out.extend_from_slice(&value.to_be_bytes());
        return;
    }
    let marker = !(0xFFu8 >> extra_bytes);
    let all = value.to_be_bytes();
    let first_value_bits = (value >> (8 * extra_bytes)) as u8;
    out.push(marker | first_value_bits);
    out.extend_from_slice(&all[8 - extra_bytes..]);
}

/// Reads an `[unsigned vint]` and advances `buf` past it.
pub fn read_unsigned_vint(buf: &mut &[u8]) -> Result<u64, DecodeError> {
    let first = read_u8(buf)?;
    let extra_bytes = first.leading_ones() as usize;
    let mut value = if extra_bytes >= 8 {
        0
    } else {
        u64::from(first & (0xFF >> extra_bytes))
    };
    for byte in take(buf, extra_bytes)? {
        value = (value << 8) | u64::from(*byte);
    }
    Ok(value)
}

/// Zig-zag maps signed to unsigned so that small magnitudes stay short.
pub fn zigzag_encode(value: i64) -> u64 {
    ((value << 1) ^ (value >> 63)) as u64
}

pub fn zigzag_decode(value: u64) -> i64 {
    ((value >> 1) as i64) ^ -((value & 1) as i64)
}

/// Appends `value` as a `[vint]`.
pub fn write_vint(out: &mut Vec<u8>, value: i64) {
    write_unsigned_vint(out, zigzag_encode(value));
}

/// Reads a `[vint]` and advances `buf` past it.
pub fn read_vint(buf: &mut &[u8]) -> Result<i64, DecodeError> {
    Ok(zigzag_decode(read_unsigned_vint(buf)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encoded(value: u64) -> Vec<u8> {
        let mut out = Vec::new();
        write_unsigned_vint(&mut out, value);
        out
    }

    #[test]
    fn spec_example_256000_is_three_bytes() {
        // Spec v5 §3: 256 000 is [110]00011 11101000 00000000.
        assert_eq!(encoded(256_000), vec![0b1100_0011, 0b1110_1000, 0]);
    }

    #[test]
    fn boundaries_round_trip_with_minimal_sizes() {
        let cases: [(u64, usize); 8] = [
            (0, 1),
            (127, 1),
            (128, 2),
            ((1 << 14) - 1, 2),
            (1 << 14, 3),
            ((1 << 56) - 1, 8),
            (1 << 56, 9),
            (u64::MAX, 9),
        ];
        for (value, size) in cases {
            let bytes = encoded(value);
            assert_eq!(bytes.len(), size, "size of {value}");
            let mut buf = bytes.as_slice();
            assert_eq!(read_unsigned_vint(&mut buf), Ok(value));
            assert!(buf.is_empty());
        }
    }

    #[test]
    fn zigzag_matches_spec_table() {
        // Spec v5 §3: 0 = 0, -1 = 1, 1 = 2, -2 = 3, 2 = 4.
        for (signed, unsigned) in [(0i64, 0u64), (-1, 1), (1, 2), (-2, 3), (2, 4)] {
            assert_eq!(zigzag_encode(signed), unsigned);
            assert_eq!(zigzag_decode(unsigned), signed);
        }
        for v in [i64::MIN, i64::MAX, -123_456_789] {
            let mut out = Vec::new();
            write_vint(&mut out, v);
            assert_eq!(read_vint(&mut out.as_slice()), Ok(v));
        }
    }

    #[test]
    fn truncated_vint_is_an_error() {
        assert!(read_unsigned_vint(&mut [0xC0u8, 1].as_slice()).is_err());
        assert!(read_unsigned_vint(&mut [].as_slice()).is_err());
    }
}
