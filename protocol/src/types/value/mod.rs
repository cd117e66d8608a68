//! Owned CQL values (spec v4 §6, v5 §6, §7 for UDTs) and their byte encodings.
//!
//! [`CqlValue::encode`] writes the value bytes without the `[bytes]` length
//! prefix; [`CqlValue::decode`] reads them back against a [`ColumnType`],
//! validating widths, UTF-8, ranges, counts and nesting (see `decode.rs`).

mod decode;
mod encode;

use std::net::IpAddr;

/// A value of any CQL type. Nulls are `None` where the protocol allows them
/// (tuple and UDT fields); a top-level null is the caller's `Option`.
#[derive(Debug, Clone, PartialEq)]
pub enum CqlValue {
    Ascii(String),
    Bigint(i64),
    /// Also the value of a Custom type, whose bytes are opaque here.
    Blob(Vec<u8>),
    Boolean(bool),
    Counter(i64),
    /// `unscaled * 10^-scale`; `unscaled` is a minimal two's complement big-endian
    /// varint (spec §6.6).
    Decimal {
        unscaled: Vec<u8>,
        scale: i32,
    },
    Double(f64),
    Float(f32),
    Int(i32),
    /// Milliseconds since the Unix epoch.
    Timestamp(i64),
    Uuid([u8; 16]),
    Text(String),
    /// Minimal two's complement big-endian bytes, at least one (spec §6.24).
    Varint(Vec<u8>),
    Timeuuid([u8; 16]),
    Inet(IpAddr),
    /// Days with the Unix epoch at 2^31 (spec §6.5).
    Date(u32),
    /// Nanoseconds since midnight, 0 to 86 399 999 999 999 (spec §6.17).
    Time(i64),
    Smallint(i16),
    Tinyint(i8),
    /// All three components have the same sign (spec v5 §6.8).
    Duration {
        months: i32,
        days: i32,
        nanoseconds: i64,
    },
    List(Vec<CqlValue>),
    Set(Vec<CqlValue>),
    Map(Vec<(CqlValue, CqlValue)>),
    /// As many elements as were on the wire: Cassandra allows fewer than the type has.
    Tuple(Vec<Option<CqlValue>>),
    /// Field names and values, a prefix of the type's fields (spec §7 allows fewer).
    Udt(Vec<(String, Option<CqlValue>)>),
    Vector(Vec<CqlValue>),
    /// The zero-length value that non-string types allow for legacy reasons (§6).
    Empty,
}

/// The Unix epoch as a `date` value (spec §6.5).
pub const DATE_EPOCH: u32 = 1 << 31;

/// The largest valid `time` value, the last nanosecond of a day (spec §6.17).
pub const TIME_MAX_NANOSECONDS: i64 = 86_400_000_000_000 - 1;

impl CqlValue {
    /// A varint value from a machine integer, in minimal form.
    pub fn varint_from_i128(value: i128) -> CqlValue {
        CqlValue::Varint(minimal_twos_complement(&value.to_be_bytes()).to_vec())
    }

    /// The width of this value's encoding inside a vector when it has no length
    /// prefix there (Cassandra's fixed-length types), else `None`.
    pub(crate) fn fixed_width_in_vector(&self) -> Option<usize> {
        match self {
            CqlValue::Boolean(_) => Some(1),
            CqlValue::Float(_) | CqlValue::Int(_) => Some(4),
            CqlValue::Double(_) | CqlValue::Bigint(_) | CqlValue::Timestamp(_) => Some(8),
            CqlValue::Uuid(_) | CqlValue::Timeuuid(_) => Some(16),
            CqlValue::Vector(elements) => {
                let width = elements.first()?.fixed_width_in_vector()?;
                width.checked_mul(elements.len())
            }
            _ => None,
        }
    }
}

/// Strips redundant sign-extension bytes: a leading 0x00 before a byte below 0x80,
/// or 0xFF before a byte at or above 0x80. Empty input stays empty.
pub(crate) fn minimal_twos_complement(bytes: &[u8]) -> &[u8] {
    let mut start = 0;
    while let [first, second, ..] = bytes.get(start..).unwrap_or_default() {
        let redundant = (*first == 0x00 && *second < 0x80) || (*first == 0xFF && *second >= 0x80);
        if !redundant {
            break;
        }
        start += 1;
    }
    bytes.get(start..).unwrap_or_default()
}

#[cfg(test)]
mod tests;
