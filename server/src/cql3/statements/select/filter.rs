//! The in-memory check of ALLOW FILTERING restrictions (and the re-check of
//! index hits) against a decoded row. The restrictions' terms are evaluated
//! once per execution into [`BoundFilter`]s: plain bytes that any shard can
//! apply.

use std::cmp::Ordering;

use sibyl_protocol::types::ColumnType;

use super::*;
use crate::cql3::ast::{Operator, RelationValue, Term};
use crate::cql3::rows::CqlRow;
use crate::cql3::statements::bind::Bound;
use crate::cql3::values::compare_values;
use crate::cql3::writes::collection_elements;
use crate::cql3::{CqlError, CqlResult};

/// A filter with its values bound.
#[derive(Debug, Clone)]
pub(super) struct BoundFilter {
    column: usize,
    pub(super) operator: Operator,
    /// The column's type.
    column_type: ColumnType,
    /// The type `values` compare as: the column's, a collection's element
    /// (CONTAINS), a map's key (CONTAINS KEY) or value (`m[k]`).
    value_type: ColumnType,
    /// One value; several for IN.
    pub(super) values: Vec<Vec<u8>>,
    /// `m[key] op value`: the key.
    pub(super) map_key: Option<Vec<u8>>,
}

/// The type a filter's value has, and the map key type for `m[k]`.
pub(super) fn filter_types(
    column: &crate::schema::ColumnMetadata,
    filter: &Filter,
) -> CqlResult<(ColumnType, Option<ColumnType>)> {
    let ty = &column.column_type;
    Ok(match (ty, filter.operator, filter.map_key.is_some()) {
        (ColumnType::Map(k, v), _, true) => ((**v).clone(), Some((**k).clone())),
        (ColumnType::Map(k, _), Operator::ContainsKey, _) => ((**k).clone(), None),
        (
            ColumnType::Map(_, e) | ColumnType::List(e) | ColumnType::Set(e),
            Operator::Contains,
            _,
        ) => ((**e).clone(), None),
        (_, Operator::Contains, _) => {
            return Err(CqlError::invalid(format!(
                "Cannot use CONTAINS on non-collection column {}",
                column.name
            )));
        }
        (_, Operator::ContainsKey, _) => {
            return Err(CqlError::invalid(format!(
                "Cannot use CONTAINS KEY on non-map column {}",
                column.name
            )));
        }
        _ => (ty.clone(), None),
    })
}

impl SelectPlan {
    /// Evaluates every filter's terms once for this execution.
    pub(super) fn bind_filters(&self, bound: &Bound<'_>) -> CqlResult<Vec<BoundFilter>> {
        self.filters
            .iter()
            .map(|filter| {
                let column = &self.table.columns[filter.column];
                let (value_type, key_type) = filter_types(column, filter)?;
                let eval = |term: &Term| bound.eval_required(term, &value_type, &column.name);
                let values = match &filter.value {
                    RelationValue::Term(term) => vec![eval(term)?],
                    RelationValue::InList(terms) => {
                        terms.iter().map(eval).collect::<CqlResult<_>>()?
                    }
                    RelationValue::InMarker(marker) => {
                        let list = bound.eval_required(
                            &Term::BindMarker(marker.clone()),
                            &ColumnType::List(Box::new(value_type.clone())),
                            &format!("in({})", column.name),
                        )?;
                        collection_elements(&list)?
                            .into_iter()
                            .map(<[u8]>::to_vec)
                            .collect()
                    }
                    RelationValue::Between(..) => {
                        return Err(CqlError::invalid(format!(
                            "Unsupported filtering operator {}",
                            filter.operator.text()
                        )));
                    }
                };
                let map_key = match (&filter.map_key, &key_type) {
                    (Some(term), Some(ty)) => {
                        Some(bound.eval_required(term, ty, &format!("key({})", column.name))?)
                    }
                    _ => None,
                };
                Ok(BoundFilter {
                    column: filter.column,
                    operator: filter.operator,
                    column_type: column.column_type.clone(),
                    value_type,
                    values,
                    map_key,
                })
            })
            .collect()
    }
}

/// Whether `row` satisfies every filter.
pub(super) fn row_passes(filters: &[BoundFilter], row: &CqlRow) -> CqlResult<bool> {
    for filter in filters {
        if !filter.admits(row)? {
            return Ok(false);
        }
    }
    Ok(true)
}

impl BoundFilter {
    fn admits(&self, row: &CqlRow) -> CqlResult<bool> {
        let mut value = row.values.get(self.column).and_then(Option::as_deref);
        if let (Some(key), ColumnType::Map(key_type, _)) = (&self.map_key, &self.column_type) {
            value = match value {
                Some(bytes) => map_value(key_type, bytes, key)?,
                None => None,
            };
        }
        let ty = &self.value_type;
        let first = self.values.first().map(Vec::as_slice).unwrap_or_default();
        let cmp = || value.map(|v| compare_values(ty, v, first));
        Ok(match self.operator {
            Operator::Equal => cmp() == Some(Ordering::Equal),
            Operator::NotEqual => value.is_some() && cmp() != Some(Ordering::Equal),
            Operator::LessThan => cmp() == Some(Ordering::Less),
            Operator::LessThanOrEqual => matches!(cmp(), Some(Ordering::Less | Ordering::Equal)),
            Operator::GreaterThan => cmp() == Some(Ordering::Greater),
            Operator::GreaterThanOrEqual => {
                matches!(cmp(), Some(Ordering::Greater | Ordering::Equal))
            }
            Operator::In => value.is_some_and(|v| {
                self.values
                    .iter()
                    .any(|e| compare_values(ty, v, e) == Ordering::Equal)
            }),
            Operator::Contains | Operator::ContainsKey => {
                let Some(bytes) = value else {
                    return Ok(false);
                };
                let elements = collection_elements(bytes)?;
                let is_map = matches!(self.column_type, ColumnType::Map(..));
                let keys = self.operator == Operator::ContainsKey;
                elements.iter().enumerate().any(|(i, e)| {
                    let wanted = !is_map || ((i % 2 == 0) == keys);
                    wanted && compare_values(ty, e, first) == Ordering::Equal
                })
            }
            other => {
                return Err(CqlError::invalid(format!(
                    "Unsupported filtering operator {}",
                    other.text()
                )));
            }
        })
    }
}

/// The value of `key` in a serialized map, if present.
pub(super) fn map_value<'a>(
    key_type: &ColumnType,
    map: &'a [u8],
    key: &[u8],
) -> CqlResult<Option<&'a [u8]>> {
    let elements = collection_elements(map)?;
    Ok(elements.chunks_exact(2).find_map(|pair| match pair {
        [k, v] if compare_values(key_type, k, key) == Ordering::Equal => Some(*v),
        _ => None,
    }))
}
