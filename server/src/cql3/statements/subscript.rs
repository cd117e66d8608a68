//! Selecting parts of a value (Cassandra 4.0+): an element of a set or map
//! (`m['k']`, `s[e]`), a slice of one (`m['a'..'c']`, `s[..e]`), and a field
//! of a user type (`u.f`). Elements come back typed as the map's values (or
//! the set's elements), slices as the collection itself; a slice of a
//! non-frozen collection that selects nothing is null, of a frozen one an
//! empty collection, as in Cassandra.

use std::cmp::Ordering;

use sibyl_protocol::types::ColumnType;

use crate::cql3::ast::Term;
use crate::cql3::values::{build_collection, compare_values};
use crate::cql3::writes::{collection_elements, udt_fields};
use crate::cql3::{CqlError, CqlResult};

/// What part of a value a subscript selects.
#[derive(Debug, Clone)]
pub enum Subscript {
    /// `c[key]` on a set or map.
    Element(Term),
    /// `c[from..to]` on a set or map, bounds inclusive.
    Slice {
        from: Option<Term>,
        to: Option<Term>,
        /// Whether the collection is non-frozen (an empty slice is null).
        multi_cell: bool,
    },
    /// `u.field`: the field's position.
    Field(usize),
}

/// The key type of a set or map (what element and slice bounds are), or
/// Cassandra's refusal for other types.
pub fn key_type(collection: &ColumnType, name: &str, slice: bool) -> CqlResult<ColumnType> {
    match collection {
        ColumnType::Map(key, _) | ColumnType::Set(key) => Ok((**key).clone()),
        ColumnType::List(_) => Err(CqlError::invalid(format!(
            "{} selection is only allowed on sets and maps, but {name} is a list",
            if slice { "Slice" } else { "Element" }
        ))),
        other => Err(CqlError::invalid(format!(
            "Invalid {} selection: {name} is of type {} is not a collection",
            if slice { "slice" } else { "element" },
            other.cql_name()
        ))),
    }
}

/// The type an element selection returns: a map's value, a set's element.
pub fn element_type(collection: &ColumnType) -> ColumnType {
    match collection {
        ColumnType::Map(_, value) => (**value).clone(),
        ColumnType::Set(element) => (**element).clone(),
        other => other.clone(),
    }
}

/// A field of a user type: its position and type.
pub fn field(ty: &ColumnType, name: &str, field: &str) -> CqlResult<(usize, ColumnType)> {
    let ColumnType::Udt { fields, .. } = ty else {
        return Err(CqlError::invalid(format!(
            "Invalid field selection: {name} of type {} is not a user type",
            ty.cql_name()
        )));
    };
    fields
        .iter()
        .position(|(f, _)| f == field)
        .and_then(|i| fields.get(i).map(|(_, t)| (i, t.clone())))
        .ok_or_else(|| {
            CqlError::invalid(format!(
                "{name} of type {} has no field {field}",
                ty.cql_name()
            ))
        })
}

/// A set element (no value) or a map entry, borrowed from its collection.
type Entry<'a> = (&'a [u8], Option<&'a [u8]>);

/// The entries of a serialized set or map: (key, value) with value `None`
/// for sets.
fn entries<'a>(ty: &ColumnType, bytes: &'a [u8]) -> CqlResult<Vec<Entry<'a>>> {
    let elements = collection_elements(bytes)?;
    Ok(match ty {
        ColumnType::Map(..) => elements
            .chunks_exact(2)
            .filter_map(|pair| match pair {
                [k, v] => Some((*k, Some(*v))),
                _ => None,
            })
            .collect(),
        _ => elements.into_iter().map(|e| (e, None)).collect(),
    })
}

/// `collection[key]`: the map's value or the set's element, if present.
pub fn element(ty: &ColumnType, bytes: &[u8], key: &[u8]) -> CqlResult<Option<Vec<u8>>> {
    let key_type = match ty {
        ColumnType::Map(k, _) | ColumnType::Set(k) => k,
        _ => return Ok(None),
    };
    Ok(entries(ty, bytes)?
        .into_iter()
        .find(|(k, _)| compare_values(key_type, k, key) == Ordering::Equal)
        .map(|(k, v)| v.unwrap_or(k).to_vec()))
}

/// `collection[from..to]`: the entries with keys in the inclusive range.
pub fn slice(
    ty: &ColumnType,
    bytes: &[u8],
    from: Option<&[u8]>,
    to: Option<&[u8]>,
    multi_cell: bool,
) -> CqlResult<Option<Vec<u8>>> {
    let key_type = match ty {
        ColumnType::Map(k, _) | ColumnType::Set(k) => k,
        _ => return Ok(None),
    };
    let kept: Vec<Entry<'_>> = entries(ty, bytes)?
        .into_iter()
        .filter(|(k, _)| {
            from.is_none_or(|f| compare_values(key_type, k, f) != Ordering::Less)
                && to.is_none_or(|t| compare_values(key_type, k, t) != Ordering::Greater)
        })
        .collect();
    if kept.is_empty() && multi_cell {
        return Ok(None);
    }
    let count = kept.len();
    let flat = kept
        .into_iter()
        .flat_map(|(k, v)| std::iter::once(k).chain(v));
    Ok(Some(build_collection(count, flat)))
}

/// `udt.field`, null when the value has fewer fields.
pub fn field_value(bytes: &[u8], index: usize) -> CqlResult<Option<Vec<u8>>> {
    Ok(udt_fields(bytes)?
        .get(index)
        .copied()
        .flatten()
        .map(<[u8]>::to_vec))
}
