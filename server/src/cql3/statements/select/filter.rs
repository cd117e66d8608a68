//! The in-memory check of ALLOW FILTERING restrictions (and the re-check of
//! index hits) against a decoded row.

use std::cmp::Ordering;

use sibyl_protocol::types::ColumnType;

use super::*;
use crate::cql3::ast::{Operator, RelationValue, Term};
use crate::cql3::rows::CqlRow;
use crate::cql3::statements::bind::Bound;
use crate::cql3::values::compare_values;
use crate::cql3::{CqlError, CqlResult};

impl SelectPlan {
    pub(super) fn row_passes(&self, row: &CqlRow, bound: &Bound<'_>) -> CqlResult<bool> {
        for filter in &self.filters {
            let column = &self.table.columns[filter.column];
            let value = row.values.get(filter.column).and_then(Option::as_deref);
            let ty = &column.column_type;
            let cmp = |term: &Term| -> CqlResult<Option<Ordering>> {
                let expected = bound.eval_required(term, ty, &column.name)?;
                Ok(value.map(|v| compare_values(ty, v, &expected)))
            };
            let pass = match (&filter.operator, &filter.value) {
                (Operator::Equal, RelationValue::Term(t)) => cmp(&t)? == Some(Ordering::Equal),
                (Operator::NotEqual, RelationValue::Term(t)) => {
                    value.is_some() && cmp(&t)? != Some(Ordering::Equal)
                }
                (Operator::LessThan, RelationValue::Term(t)) => cmp(&t)? == Some(Ordering::Less),
                (Operator::LessThanOrEqual, RelationValue::Term(t)) => {
                    matches!(cmp(&t)?, Some(Ordering::Less | Ordering::Equal))
                }
                (Operator::GreaterThan, RelationValue::Term(t)) => {
                    cmp(&t)? == Some(Ordering::Greater)
                }
                (Operator::GreaterThanOrEqual, RelationValue::Term(t)) => {
                    matches!(cmp(&t)?, Some(Ordering::Greater | Ordering::Equal))
                }
                (Operator::In, RelationValue::InList(terms)) => {
                    let mut any = false;
                    for t in terms {
                        any |= cmp(&t)? == Some(Ordering::Equal);
                    }
                    any
                }
                (Operator::Contains | Operator::ContainsKey, RelationValue::Term(t)) => {
                    let (element_type, keys) = match (ty, filter.operator) {
                        (ColumnType::Map(k, _), Operator::ContainsKey) => ((**k).clone(), true),
                        (ColumnType::Map(_, v), _) => ((**v).clone(), false),
                        (ColumnType::List(e) | ColumnType::Set(e), _) => ((**e).clone(), false),
                        _ => {
                            return Err(CqlError::invalid(format!(
                                "Cannot use CONTAINS on column {}",
                                column.name
                            )));
                        }
                    };
                    let expected = bound.eval_required(&t, &element_type, &column.name)?;
                    match value {
                        None => false,
                        Some(bytes) => {
                            let elements = crate::cql3::writes::collection_elements(bytes)?;
                            let is_map = matches!(ty, ColumnType::Map(..));
                            elements.iter().enumerate().any(|(i, e)| {
                                let wanted = if is_map { (i % 2 == 0) == keys } else { true };
                                wanted
                                    && compare_values(&element_type, e, &expected)
                                        == Ordering::Equal
                            })
                        }
                    }
                }
                (op, _) => {
                    return Err(CqlError::invalid(format!(
                        "Unsupported filtering operator {}",
                        op.text()
                    )));
                }
            };
            if !pass {
                return Ok(false);
            }
        }
        Ok(true)
    }
}
