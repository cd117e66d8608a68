//! Serialized collections: building them from element bytes in Cassandra's
//! canonical order, and validating and normalizing values that arrive as bytes
//! (bind markers, `blobAs*`) so that sets and maps from clients are sorted and
//! de-duplicated like Cassandra's `Sets.Value.fromSerialized` does.

use std::cmp::Ordering;

use sibyl_protocol::types::{ColumnType, CqlValue};

use super::compare::compare_values;
use crate::cql3::{CqlError, CqlResult};

/// The `[int] n` + `n × [bytes]` encoding of list, set and map payloads (maps pass
/// keys and values interleaved, `entries` counting pairs).
pub fn build_collection<'a>(
    entries: usize,
    elements: impl IntoIterator<Item = &'a [u8]>,
) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&(entries as i32).to_be_bytes());
    for element in elements {
        out.extend_from_slice(&(element.len() as i32).to_be_bytes());
        out.extend_from_slice(element);
    }
    out
}

/// Sorts set elements and drops duplicates (the first of equal elements stays, as in
/// a Java `TreeSet`).
pub(crate) fn sort_set(element: &ColumnType, mut elements: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
    elements.sort_by(|a, b| compare_values(element, a, b));
    elements.dedup_by(|later, earlier| compare_values(element, earlier, later) == Ordering::Equal);
    elements
}

/// Sorts map entries by key; for equal keys the first key and the last value stay,
/// as `TreeMap.put` does.
pub(crate) fn sort_map(
    key: &ColumnType,
    entries: Vec<(Vec<u8>, Vec<u8>)>,
) -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut indexed: Vec<_> = entries.into_iter().enumerate().collect();
    indexed.sort_by(|(i, (a, _)), (j, (b, _))| compare_values(key, a, b).then(i.cmp(j)));
    let mut out: Vec<(Vec<u8>, Vec<u8>)> = Vec::with_capacity(indexed.len());
    for (_, (k, v)) in indexed {
        match out.last_mut() {
            Some((last_key, last_value))
                if compare_values(key, last_key, &k) == Ordering::Equal =>
            {
                *last_value = v;
            }
            _ => out.push((k, v)),
        }
    }
    out
}

/// Cassandra's `validate` messages for fixed-width types, `None` for the
/// others and for valid widths (the message is only built on error: this
/// runs for every bound value of every write).
fn width_message(ty: &ColumnType, length: usize) -> Option<String> {
    let ok = match ty {
        ColumnType::Int | ColumnType::Float | ColumnType::Date => length == 4,
        ColumnType::Bigint
        | ColumnType::Counter
        | ColumnType::Double
        | ColumnType::Timestamp
        | ColumnType::Time => length == 8,
        ColumnType::Smallint => length == 2,
        ColumnType::Tinyint | ColumnType::Boolean => length == 1,
        ColumnType::Uuid | ColumnType::Timeuuid => length == 16,
        ColumnType::Inet => length == 4 || length == 16,
        _ => return None,
    };
    if ok || length == 0 {
        return None;
    }
    Some(match ty {
        ColumnType::Int => format!("Expected 4 or 0 byte int ({length})"),
        ColumnType::Bigint | ColumnType::Counter => {
            format!("Expected 8 or 0 byte long ({length})")
        }
        ColumnType::Smallint => format!("Expected 2 bytes for a smallint ({length})"),
        ColumnType::Tinyint => format!("Expected 1 byte for a tinyint ({length})"),
        ColumnType::Float => format!("Expected 4 or 0 byte value for a float ({length})"),
        ColumnType::Double => format!("Expected 8 or 0 byte value for a double ({length})"),
        ColumnType::Boolean => format!("Expected 1 or 0 byte value ({length})"),
        ColumnType::Uuid | ColumnType::Timeuuid => {
            format!("UUID should be 16 or 0 bytes ({length})")
        }
        ColumnType::Timestamp => format!("Expected 8 or 0 byte long for date ({length})"),
        ColumnType::Date => format!("Expected 4 byte long for date ({length})"),
        ColumnType::Time => format!("Expected 8 byte long for time ({length})"),
        _ => format!("Invalid length for an inet address: {length}"),
    })
}

/// Validates `bytes` as a value of `ty` (Invalid with Cassandra's message if
/// malformed) and returns them in canonical form: sets and map keys sorted and
/// de-duplicated at every nesting level.
pub fn normalize_value(ty: &ColumnType, bytes: &[u8]) -> CqlResult<Vec<u8>> {
    if let Some(message) = width_message(ty, bytes.len()) {
        return Err(CqlError::invalid(message));
    }
    // Blobs accept any bytes, and fixed-width scalars were just checked:
    // no need to decode (and copy) them to validate.
    if matches!(
        ty,
        ColumnType::Blob
            | ColumnType::Int
            | ColumnType::Bigint
            | ColumnType::Counter
            | ColumnType::Smallint
            | ColumnType::Tinyint
            | ColumnType::Float
            | ColumnType::Double
            | ColumnType::Uuid
            | ColumnType::Timestamp
            | ColumnType::Date
    ) {
        return Ok(bytes.to_vec());
    }
    let value =
        CqlValue::decode(ty, bytes).map_err(|error| CqlError::invalid(error.to_string()))?;
    if ty == &ColumnType::Timeuuid
        && let CqlValue::Timeuuid(uuid) = &value
        && uuid[6] >> 4 != 1
    {
        return Err(CqlError::invalid("Unsupported UUID version (non-timeuuid)"));
    }
    if !needs_normalizing(ty) {
        return Ok(bytes.to_vec());
    }
    Ok(canonical(ty, &value).to_bytes())
}

fn needs_normalizing(ty: &ColumnType) -> bool {
    match ty {
        ColumnType::Set(_) | ColumnType::Map(..) => true,
        ColumnType::List(element) => needs_normalizing(element),
        ColumnType::Tuple(types) => types.iter().any(needs_normalizing),
        ColumnType::Udt { fields, .. } => fields.iter().any(|(_, ty)| needs_normalizing(ty)),
        ColumnType::Vector { element, .. } => needs_normalizing(element),
        _ => false,
    }
}

/// The canonical form of a decoded value.
fn canonical(ty: &ColumnType, value: &CqlValue) -> CqlValue {
    match (ty, value) {
        (ColumnType::Set(element), CqlValue::Set(items)) => {
            let items: Vec<Vec<u8>> = items
                .iter()
                .map(|item| canonical(element, item).to_bytes())
                .collect();
            CqlValue::Set(
                sort_set(element, items)
                    .iter()
                    .filter_map(|bytes| CqlValue::decode(element, bytes).ok())
                    .collect(),
            )
        }
        (ColumnType::Map(key, value_type), CqlValue::Map(entries)) => {
            let entries: Vec<(Vec<u8>, Vec<u8>)> = entries
                .iter()
                .map(|(k, v)| {
                    (
                        canonical(key, k).to_bytes(),
                        canonical(value_type, v).to_bytes(),
                    )
                })
                .collect();
            CqlValue::Map(
                sort_map(key, entries)
                    .iter()
                    .filter_map(|(k, v)| {
                        Some((
                            CqlValue::decode(key, k).ok()?,
                            CqlValue::decode(value_type, v).ok()?,
                        ))
                    })
                    .collect(),
            )
        }
        (ColumnType::List(element), CqlValue::List(items)) => {
            CqlValue::List(items.iter().map(|item| canonical(element, item)).collect())
        }
        (ColumnType::Vector { element, .. }, CqlValue::Vector(items)) => {
            CqlValue::Vector(items.iter().map(|item| canonical(element, item)).collect())
        }
        (ColumnType::Tuple(types), CqlValue::Tuple(items)) => CqlValue::Tuple(
            items
                .iter()
                .zip(types)
                .map(|(item, ty)| item.as_ref().map(|item| canonical(ty, item)))
                .collect(),
        ),
        (ColumnType::Udt { fields, .. }, CqlValue::Udt(items)) => CqlValue::Udt(
            items
                .iter()
                .zip(fields)
                .map(|((name, item), (_, ty))| {
                    (name.clone(), item.as_ref().map(|item| canonical(ty, item)))
                })
                .collect(),
        ),
        _ => value.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bound_sets_and_maps_are_sorted_and_deduplicated() {
        let set = ColumnType::Set(Box::new(ColumnType::Int));
        let raw =
            CqlValue::Set(vec![CqlValue::Int(3), CqlValue::Int(-1), CqlValue::Int(3)]).to_bytes();
        let normalized = normalize_value(&set, &raw).unwrap();
        assert_eq!(
            normalized,
            CqlValue::Set(vec![CqlValue::Int(-1), CqlValue::Int(3)]).to_bytes()
        );
        let map = ColumnType::Map(Box::new(ColumnType::Text), Box::new(ColumnType::Int));
        let raw = CqlValue::Map(vec![
            (CqlValue::Text("b".into()), CqlValue::Int(1)),
            (CqlValue::Text("a".into()), CqlValue::Int(2)),
            (CqlValue::Text("b".into()), CqlValue::Int(3)),
        ])
        .to_bytes();
        let expected = CqlValue::Map(vec![
            (CqlValue::Text("a".into()), CqlValue::Int(2)),
            (CqlValue::Text("b".into()), CqlValue::Int(3)),
        ]);
        assert_eq!(normalize_value(&map, &raw).unwrap(), expected.to_bytes());
    }

    #[test]
    fn malformed_bound_values_are_invalid() {
        assert_eq!(
            normalize_value(&ColumnType::Int, &[1, 2, 3]).unwrap_err(),
            CqlError::invalid("Expected 4 or 0 byte int (3)")
        );
        assert_eq!(
            normalize_value(&ColumnType::Bigint, &[1]).unwrap_err(),
            CqlError::invalid("Expected 8 or 0 byte long (1)")
        );
        assert!(normalize_value(&ColumnType::Text, &[0xFF]).is_err());
        let v4 = crate::cql3::values::parse_uuid("5c1f0e8a-1234-4000-8000-000000000000").unwrap();
        assert!(normalize_value(&ColumnType::Timeuuid, &v4).is_err());
        assert_eq!(
            normalize_value(&ColumnType::Int, &[]).unwrap(),
            Vec::<u8>::new()
        );
    }
}
