//! Ordering of serialized values, matching Cassandra's `AbstractType` comparators.
//! Sets and map keys are kept in this order, and min/max/ORDER BY use it.
//!
//! Rules: an empty value sorts before every non-empty one; integers, timestamps
//! and varints/decimals compare numerically; floats as Java's `Float.compare`
//! (-0.0 < 0.0, NaN above +Infinity, all NaNs equal); uuids by version, then by
//! timestamp for version 1, then unsigned bytes; timeuuids by timestamp then the
//! low 8 bytes as signed bytes; text, blobs, inets (v4 before v6 prefixes), dates
//! and durations by unsigned bytes; collections, tuples, UDTs and vectors element
//! by element, the shorter first on a common prefix, a null element first.
//! Malformed bytes never panic: what cannot be decoded compares bytewise.

use std::cmp::Ordering;

use sibyl_protocol::types::ColumnType;
use sibyl_protocol::types::vint::read_unsigned_vint;

use super::bignum::{BigDecimal, BigInt};

/// Compares two serialized values of `ty`.
pub fn compare_values(ty: &ColumnType, a: &[u8], b: &[u8]) -> Ordering {
    match (a.is_empty(), b.is_empty()) {
        (true, true) => return Ordering::Equal,
        (true, false) => return Ordering::Less,
        (false, true) => return Ordering::Greater,
        (false, false) => {}
    }
    match ty {
        ColumnType::Tinyint => signed::<1>(a, b),
        ColumnType::Smallint => signed::<2>(a, b),
        ColumnType::Int => signed::<4>(a, b),
        ColumnType::Bigint | ColumnType::Counter | ColumnType::Timestamp | ColumnType::Time => {
            signed::<8>(a, b)
        }
        ColumnType::Float => match (<[u8; 4]>::try_from(a), <[u8; 4]>::try_from(b)) {
            (Ok(x), Ok(y)) => java_float_compare(
                f64::from(f32::from_be_bytes(x)),
                f64::from(f32::from_be_bytes(y)),
            ),
            _ => a.cmp(b),
        },
        ColumnType::Double => match (<[u8; 8]>::try_from(a), <[u8; 8]>::try_from(b)) {
            (Ok(x), Ok(y)) => java_float_compare(f64::from_be_bytes(x), f64::from_be_bytes(y)),
            _ => a.cmp(b),
        },
        ColumnType::Boolean => (a[0] != 0).cmp(&(b[0] != 0)),
        ColumnType::Varint => BigInt::from_twos_complement(a).cmp(&BigInt::from_twos_complement(b)),
        ColumnType::Decimal => match (decimal(a), decimal(b)) {
            (Some(x), Some(y)) => x.compare(&y),
            _ => a.cmp(b),
        },
        ColumnType::Uuid => compare_uuid(a, b),
        ColumnType::Timeuuid => compare_timeuuid(a, b),
        ColumnType::List(element) | ColumnType::Set(element) => {
            compare_collection(a, b, |_, x, y| compare_values(element, x, y), 1)
        }
        ColumnType::Map(key, value) => compare_collection(
            a,
            b,
            |index, x, y| compare_values(if index % 2 == 0 { key } else { value }, x, y),
            2,
        ),
        ColumnType::Tuple(types) => compare_fields(a, b, |index| types.get(index)),
        ColumnType::Udt { fields, .. } => {
            compare_fields(a, b, |index| fields.get(index).map(|(_, ty)| ty))
        }
        ColumnType::Vector { element, dimension } => {
            match (
                split_vector(element, *dimension, a),
                split_vector(element, *dimension, b),
            ) {
                (Some(x), Some(y)) => x
                    .iter()
                    .zip(&y)
                    .map(|(p, q)| compare_values(element, p, q))
                    .find(|o| o.is_ne())
                    .unwrap_or(Ordering::Equal),
                _ => a.cmp(b),
            }
        }
        // Byte-ordered types: text, ascii, blob, inet, date (unsigned days),
        // duration, custom.
        _ => a.cmp(b),
    }
}

fn signed<const N: usize>(a: &[u8], b: &[u8]) -> Ordering {
    match (<[u8; N]>::try_from(a), <[u8; N]>::try_from(b)) {
        // Flipping the sign bit turns two's complement order into byte order.
        (Ok(mut x), Ok(mut y)) => {
            x[0] ^= 0x80;
            y[0] ^= 0x80;
            x.cmp(&y)
        }
        _ => a.cmp(b),
    }
}

/// Java's `Double.compare`.
pub fn java_float_compare(x: f64, y: f64) -> Ordering {
    match (x.is_nan(), y.is_nan()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        (false, false) => x.total_cmp(&y),
    }
}

fn decimal(bytes: &[u8]) -> Option<BigDecimal> {
    let scale = i32::from_be_bytes(bytes.get(..4)?.try_into().ok()?);
    Some(BigDecimal::from_bytes(scale, bytes.get(4..)?))
}

fn halves(bytes: &[u8]) -> Option<(u64, u64)> {
    let array: [u8; 16] = bytes.try_into().ok()?;
    let (high, low) = array.split_at(8);
    Some((
        u64::from_be_bytes(high.try_into().ok()?),
        u64::from_be_bytes(low.try_into().ok()?),
    ))
}

/// Cassandra's `TimeUUIDType.reorderTimestampBytes`: time_hi, time_mid, time_low.
pub fn reorder_timestamp(msb: u64) -> u64 {
    (msb << 48) | ((msb << 16) & 0xFFFF_0000_0000) | (msb >> 32)
}

fn compare_uuid(a: &[u8], b: &[u8]) -> Ordering {
    let (Some((msb_a, lsb_a)), Some((msb_b, lsb_b))) = (halves(a), halves(b)) else {
        return a.cmp(b);
    };
    let (version_a, version_b) = ((msb_a >> 12) & 0xF, (msb_b >> 12) & 0xF);
    version_a
        .cmp(&version_b)
        .then_with(|| {
            if version_a == 1 {
                reorder_timestamp(msb_a).cmp(&reorder_timestamp(msb_b))
            } else {
                msb_a.cmp(&msb_b)
            }
        })
        .then_with(|| lsb_a.cmp(&lsb_b))
}

fn compare_timeuuid(a: &[u8], b: &[u8]) -> Ordering {
    let (Some((msb_a, _)), Some((msb_b, _))) = (halves(a), halves(b)) else {
        return a.cmp(b);
    };
    reorder_timestamp(msb_a)
        .cmp(&reorder_timestamp(msb_b))
        // The clock sequence and node compare as signed bytes, which is why min and
        // max timeuuids use 0x80 and 0x7f bytes.
        .then_with(|| {
            let signed = |bytes: &[u8]| bytes.iter().map(|b| *b as i8).collect::<Vec<_>>();
            signed(&a[8..]).cmp(&signed(&b[8..]))
        })
}

/// `[int]`-length-prefixed elements, `None` for a null (-1) element.
pub(crate) fn read_elements(mut bytes: &[u8], count: usize) -> Option<Vec<Option<&[u8]>>> {
    let mut out = Vec::with_capacity(count.min(bytes.len()));
    for _ in 0..count {
        out.push(read_element(&mut bytes)?);
    }
    bytes.is_empty().then_some(out)
}

pub(crate) fn read_element<'a>(bytes: &mut &'a [u8]) -> Option<Option<&'a [u8]>> {
    let length = i32::from_be_bytes(bytes.get(..4)?.try_into().ok()?);
    *bytes = bytes.get(4..)?;
    if length < 0 {
        return Some(None);
    }
    let length = usize::try_from(length).ok()?;
    let element = bytes.get(..length)?;
    *bytes = bytes.get(length..)?;
    Some(Some(element))
}

/// Splits a collection into `[int]` count and elements (maps: key, value, ...).
pub(crate) fn collection_elements(bytes: &[u8], per_entry: usize) -> Option<Vec<&[u8]>> {
    let count = usize::try_from(i32::from_be_bytes(bytes.get(..4)?.try_into().ok()?)).ok()?;
    let elements = read_elements(bytes.get(4..)?, count.checked_mul(per_entry)?)?;
    elements.into_iter().collect()
}

fn compare_collection(
    a: &[u8],
    b: &[u8],
    compare: impl Fn(usize, &[u8], &[u8]) -> Ordering,
    per_entry: usize,
) -> Ordering {
    let (Some(x), Some(y)) = (
        collection_elements(a, per_entry),
        collection_elements(b, per_entry),
    ) else {
        return a.cmp(b);
    };
    x.iter()
        .zip(&y)
        .enumerate()
        .map(|(index, (p, q))| compare(index, p, q))
        .find(|o| o.is_ne())
        .unwrap_or_else(|| x.len().cmp(&y.len()))
}

fn compare_fields<'t>(
    a: &[u8],
    b: &[u8],
    type_of: impl Fn(usize) -> Option<&'t ColumnType>,
) -> Ordering {
    let (mut x, mut y) = (a, b);
    let mut index = 0;
    while !x.is_empty() && !y.is_empty() {
        let (Some(p), Some(q)) = (read_element(&mut x), read_element(&mut y)) else {
            return a.cmp(b);
        };
        let order = match (p, q, type_of(index)) {
            (None, None, _) => Ordering::Equal,
            (None, Some(_), _) => Ordering::Less,
            (Some(_), None, _) => Ordering::Greater,
            (Some(p), Some(q), Some(ty)) => compare_values(ty, p, q),
            (Some(p), Some(q), None) => p.cmp(q),
        };
        if order.is_ne() {
            return order;
        }
        index += 1;
    }
    // A value with more fields sorts after its prefix.
    x.is_empty().cmp(&y.is_empty()).reverse()
}

/// The elements of a serialized vector.
pub(crate) fn split_vector<'a>(
    element: &ColumnType,
    dimension: u32,
    mut bytes: &'a [u8],
) -> Option<Vec<&'a [u8]>> {
    let dimension = usize::try_from(dimension).ok()?;
    let mut out = Vec::with_capacity(dimension.min(bytes.len()));
    if let Some(width) = element.fixed_width_in_vector() {
        if bytes.len() != width.checked_mul(dimension)? {
            return None;
        }
        return Some(bytes.chunks(width.max(1)).collect());
    }
    for _ in 0..dimension {
        let length = read_unsigned_vint(&mut bytes).ok()?;
        let length = usize::try_from(length).ok()?;
        out.push(bytes.get(..length)?);
        bytes = bytes.get(length..)?;
    }
    bytes.is_empty().then_some(out)
}

#[cfg(test)]
#[path = "compare_tests.rs"]
mod tests;
