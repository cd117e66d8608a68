//! Strict value decoders (spec v4 §6, v5 §6.8 duration, §7 UDTs, Cassandra 5.0
//! vectors).
//!
//! Every value must fill its bytes exactly: wrong fixed widths and trailing bytes
//! are errors. Counts read from the input are checked against the bytes left
//! before anything is allocated for them, so a four-byte input cannot make the
//! decoder reserve gigabytes. Nulls inside lists, sets, maps and vectors are
//! rejected (Cassandra rejects them); tuple and UDT fields may be null and may be
//! fewer than the type declares. A zero-length value of a non-string type is
//! [`CqlValue::Empty`]. Values of Custom types decode as opaque `Blob`s.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::error::DecodeError;
use crate::types::value::{TIME_MAX_NANOSECONDS, minimal_twos_complement};
use crate::types::vint::{read_unsigned_vint, read_vint};
use crate::types::{ColumnType, CqlValue, MAX_NESTING_DEPTH};
use crate::wire::{read_int, take};

fn invalid(type_name: &'static str, reason: impl Into<String>) -> DecodeError {
    DecodeError::InvalidValue {
        type_name,
        reason: reason.into(),
    }
}

/// Exactly `N` bytes, or an error naming the type and the width it needs.
fn fixed<const N: usize>(type_name: &'static str, bytes: &[u8]) -> Result<[u8; N], DecodeError> {
    <[u8; N]>::try_from(bytes).map_err(|_| {
        invalid(
            type_name,
            format!("expected {N} bytes, got {}", bytes.len()),
        )
    })
}

impl CqlValue {
    /// Decodes the bytes of one value (without its `[bytes]` length) as `column_type`.
    pub fn decode(column_type: &ColumnType, bytes: &[u8]) -> Result<CqlValue, DecodeError> {
        decode_nested(column_type, bytes, 0)
    }
}

fn decode_nested(
    column_type: &ColumnType,
    bytes: &[u8],
    depth: usize,
) -> Result<CqlValue, DecodeError> {
    if depth >= MAX_NESTING_DEPTH {
        return Err(DecodeError::TypeTooDeep);
    }
    let is_string_like = matches!(
        column_type,
        ColumnType::Ascii | ColumnType::Text | ColumnType::Blob | ColumnType::Custom(_)
    );
    if bytes.is_empty() && !is_string_like {
        return Ok(CqlValue::Empty);
    }
    let value = match column_type {
        ColumnType::Custom(_) | ColumnType::Blob => CqlValue::Blob(bytes.to_vec()),
        ColumnType::Ascii => {
            if let Some(position) = bytes.iter().position(|b| !b.is_ascii()) {
                return Err(invalid("ascii", format!("non-ASCII byte at {position}")));
            }
            CqlValue::Ascii(String::from_utf8_lossy(bytes).into_owned())
        }
        ColumnType::Text => CqlValue::Text(
            std::str::from_utf8(bytes)
                .map_err(|error| invalid("text", error.to_string()))?
                .to_owned(),
        ),
        ColumnType::Bigint => CqlValue::Bigint(i64::from_be_bytes(fixed("bigint", bytes)?)),
        ColumnType::Counter => CqlValue::Counter(i64::from_be_bytes(fixed("counter", bytes)?)),
        ColumnType::Timestamp => {
            CqlValue::Timestamp(i64::from_be_bytes(fixed("timestamp", bytes)?))
        }
        ColumnType::Boolean => CqlValue::Boolean(fixed::<1>("boolean", bytes)? != [0]),
        ColumnType::Double => CqlValue::Double(f64::from_be_bytes(fixed("double", bytes)?)),
        ColumnType::Float => CqlValue::Float(f32::from_be_bytes(fixed("float", bytes)?)),
        ColumnType::Int => CqlValue::Int(i32::from_be_bytes(fixed("int", bytes)?)),
        ColumnType::Smallint => CqlValue::Smallint(i16::from_be_bytes(fixed("smallint", bytes)?)),
        ColumnType::Tinyint => CqlValue::Tinyint(i8::from_be_bytes(fixed("tinyint", bytes)?)),
        ColumnType::Date => CqlValue::Date(u32::from_be_bytes(fixed("date", bytes)?)),
        ColumnType::Uuid => CqlValue::Uuid(fixed("uuid", bytes)?),
        ColumnType::Timeuuid => CqlValue::Timeuuid(fixed("timeuuid", bytes)?),
        ColumnType::Time => {
            let nanoseconds = i64::from_be_bytes(fixed("time", bytes)?);
            if !(0..=TIME_MAX_NANOSECONDS).contains(&nanoseconds) {
                return Err(invalid(
                    "time",
                    format!("{nanoseconds} ns is outside a day"),
                ));
            }
            CqlValue::Time(nanoseconds)
        }
        ColumnType::Inet => match bytes.len() {
            4 => CqlValue::Inet(IpAddr::V4(Ipv4Addr::from(fixed::<4>("inet", bytes)?))),
            16 => CqlValue::Inet(IpAddr::V6(Ipv6Addr::from(fixed::<16>("inet", bytes)?))),
            n => return Err(invalid("inet", format!("expected 4 or 16 bytes, got {n}"))),
        },
        ColumnType::Varint => CqlValue::Varint(minimal_twos_complement(bytes).to_vec()),
        ColumnType::Decimal => {
            let mut rest = bytes;
            let scale = read_int(&mut rest).map_err(|_| invalid("decimal", "missing scale"))?;
            if rest.is_empty() {
                return Err(invalid("decimal", "missing unscaled value"));
            }
            CqlValue::Decimal {
                unscaled: minimal_twos_complement(rest).to_vec(),
                scale,
            }
        }
        ColumnType::Duration => decode_duration(bytes)?,
        ColumnType::List(element) => {
            CqlValue::List(decode_elements("list", element, bytes, depth)?)
        }
        ColumnType::Set(element) => CqlValue::Set(decode_elements("set", element, bytes, depth)?),
        ColumnType::Map(key_type, value_type) => decode_map(key_type, value_type, bytes, depth)?,
        ColumnType::Tuple(element_types) => {
            let elements = decode_fields("tuple", element_types.iter(), bytes, depth)?;
            CqlValue::Tuple(elements)
        }
        ColumnType::Udt { fields, .. } => {
            let values = decode_fields("udt", fields.iter().map(|(_, t)| t), bytes, depth)?;
            let named = fields
                .iter()
                .zip(values)
                .map(|((name, _), value)| (name.clone(), value));
            CqlValue::Udt(named.collect())
        }
        ColumnType::Vector { element, dimension } => {
            decode_vector(element, *dimension, bytes, depth)?
        }
    };
    Ok(value)
}

/// Three `[vint]`s of one sign: months and days must fit 32 bits (spec v5 §6.8).
fn decode_duration(bytes: &[u8]) -> Result<CqlValue, DecodeError> {
    let mut rest = bytes;
    let truncated = |_| invalid("duration", "truncated vint");
    let months = read_vint(&mut rest).map_err(truncated)?;
    let days = read_vint(&mut rest).map_err(truncated)?;
    let nanoseconds = read_vint(&mut rest).map_err(truncated)?;
    if !rest.is_empty() {
        return Err(invalid(
            "duration",
            format!("{} trailing bytes", rest.len()),
        ));
    }
    let months = i32::try_from(months).map_err(|_| invalid("duration", "months exceed 32 bits"))?;
    let days = i32::try_from(days).map_err(|_| invalid("duration", "days exceed 32 bits"))?;
    let all_non_negative = months >= 0 && days >= 0 && nanoseconds >= 0;
    let all_non_positive = months <= 0 && days <= 0 && nanoseconds <= 0;
    if !all_non_negative && !all_non_positive {
        return Err(invalid(
            "duration",
            "months, days and nanoseconds differ in sign",
        ));
    }
    Ok(CqlValue::Duration {
        months,
        days,
        nanoseconds,
    })
}

/// A collection's `[int]` element count, checked against the bytes that remain:
/// each element needs at least `min_bytes_each` (its `[int]` length prefixes).
fn read_count(
    type_name: &'static str,
    rest: &mut &[u8],
    min_bytes_each: usize,
) -> Result<usize, DecodeError> {
    let count = read_int(rest).map_err(|_| invalid(type_name, "missing element count"))?;
    let count = usize::try_from(count)
        .map_err(|_| invalid(type_name, format!("negative count {count}")))?;
    if count > rest.len() / min_bytes_each {
        return Err(invalid(
            type_name,
            format!("{count} elements cannot fit in {} bytes", rest.len()),
        ));
    }
    Ok(count)
}

/// One `[bytes]` element; a negative length is null, and only -1 means null.
fn read_element<'a>(
    type_name: &'static str,
    rest: &mut &'a [u8],
) -> Result<Option<&'a [u8]>, DecodeError> {
    match read_int(rest)? {
        -1 => Ok(None),
        length if length < 0 => Err(invalid(type_name, format!("element length {length}"))),
        length => Ok(Some(take(rest, length as usize)?)),
    }
}

fn non_null_element<'a>(
    type_name: &'static str,
    rest: &mut &'a [u8],
) -> Result<&'a [u8], DecodeError> {
    read_element(type_name, rest)?.ok_or_else(|| invalid(type_name, "null element"))
}

fn ensure_consumed(type_name: &'static str, rest: &[u8]) -> Result<(), DecodeError> {
    if rest.is_empty() {
        Ok(())
    } else {
        Err(invalid(type_name, format!("{} trailing bytes", rest.len())))
    }
}

/// Lists and sets (spec §6.12, §6.14): `[int]` n, then n `[bytes]`.
fn decode_elements(
    type_name: &'static str,
    element_type: &ColumnType,
    bytes: &[u8],
    depth: usize,
) -> Result<Vec<CqlValue>, DecodeError> {
    let mut rest = bytes;
    let count = read_count(type_name, &mut rest, 4)?;
    let mut elements = Vec::with_capacity(count);
    for _ in 0..count {
        let element = non_null_element(type_name, &mut rest)?;
        elements.push(decode_nested(element_type, element, depth + 1)?);
    }
    ensure_consumed(type_name, rest)?;
    Ok(elements)
}

/// Maps (spec §6.13): `[int]` n, then n pairs of `[bytes]`.
fn decode_map(
    key_type: &ColumnType,
    value_type: &ColumnType,
    bytes: &[u8],
    depth: usize,
) -> Result<CqlValue, DecodeError> {
    let mut rest = bytes;
    let count = read_count("map", &mut rest, 8)?;
    let mut entries = Vec::with_capacity(count);
    for _ in 0..count {
        let key = decode_nested(key_type, non_null_element("map", &mut rest)?, depth + 1)?;
        let value = decode_nested(value_type, non_null_element("map", &mut rest)?, depth + 1)?;
        entries.push((key, value));
    }
    ensure_consumed("map", rest)?;
    Ok(CqlValue::Map(entries))
}

/// Tuples and UDTs (spec §6.21, §7): one `[bytes]` per field, possibly null, and
/// possibly stopping before the last field.
fn decode_fields<'t>(
    type_name: &'static str,
    field_types: impl ExactSizeIterator<Item = &'t ColumnType>,
    bytes: &[u8],
    depth: usize,
) -> Result<Vec<Option<CqlValue>>, DecodeError> {
    let mut rest = bytes;
    let mut values = Vec::with_capacity(field_types.len().min(bytes.len() / 4));
    for field_type in field_types {
        if rest.is_empty() {
            break;
        }
        let value = match read_element(type_name, &mut rest)? {
            None => None,
            Some(field) => Some(decode_nested(field_type, field, depth + 1)?),
        };
        values.push(value);
    }
    ensure_consumed(type_name, rest)?;
    Ok(values)
}

/// Vectors (Cassandra 5.0 `VectorType`): `dimension` elements, concatenated when
/// the element type has a fixed width, else each after an `[unsigned vint]` length.
fn decode_vector(
    element_type: &ColumnType,
    dimension: u32,
    bytes: &[u8],
    depth: usize,
) -> Result<CqlValue, DecodeError> {
    let dimension =
        usize::try_from(dimension).map_err(|_| invalid("vector", "dimension too large"))?;
    if let Some(width) = element_type.fixed_width_in_vector() {
        if width.checked_mul(dimension) != Some(bytes.len()) {
            let reason = format!(
                "expected {dimension} elements of {width} bytes, got {} bytes",
                bytes.len()
            );
            return Err(invalid("vector", reason));
        }
        let elements = bytes
            .chunks_exact(width.max(1))
            .map(|element| decode_nested(element_type, element, depth + 1))
            .collect::<Result<Vec<_>, _>>()?;
        return Ok(CqlValue::Vector(elements));
    }
    // Each variable-width element needs at least its one-byte length.
    if dimension > bytes.len() {
        return Err(invalid(
            "vector",
            format!("{dimension} elements cannot fit in {} bytes", bytes.len()),
        ));
    }
    let mut rest = bytes;
    let mut elements = Vec::with_capacity(dimension);
    for _ in 0..dimension {
        let length = read_unsigned_vint(&mut rest)?;
        let length =
            usize::try_from(length).map_err(|_| invalid("vector", "element length too large"))?;
        let element = take(&mut rest, length)?;
        elements.push(decode_nested(element_type, element, depth + 1)?);
    }
    ensure_consumed("vector", rest)?;
    Ok(CqlValue::Vector(elements))
}
