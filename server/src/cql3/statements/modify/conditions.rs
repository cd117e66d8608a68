//! IF clauses: which column part each condition reads, the types of its
//! bind markers, the bound check, and the `[applied]` result.

use sibyl_protocol::types::ColumnType;

use super::{ConditionPlan, ModifyPlan, column_index, marker};
use crate::cql3::ast::{ColumnCondition, Condition, ConditionTarget, RelationValue, Term};
use crate::cql3::statements::BindSpecs;
use crate::cql3::statements::bind::Bound;
use crate::cql3::{CqlError, CqlResult};
use crate::schema::TableMetadata;

impl ModifyPlan {
    pub(super) fn condition_plan(condition: &Condition) -> ConditionPlan {
        match condition {
            Condition::Exists => ConditionPlan::Exists,
            Condition::Columns(conditions) => ConditionPlan::Columns(conditions.clone()),
        }
    }

    /// The type a condition compares, and what part of the column it reads.
    pub(super) fn condition_target(
        t: &TableMetadata,
        condition: &ColumnCondition,
    ) -> CqlResult<(usize, ColumnType, Option<ColumnType>)> {
        let (name, key_or_field) = match &condition.target {
            ConditionTarget::Column(name) => (name, None),
            ConditionTarget::Element { column, .. } => (column, Some(true)),
            ConditionTarget::Field { column, .. } => (column, Some(false)),
        };
        let index = column_index(t, name)?;
        let column = &t.columns[index];
        if column.kind.is_primary_key() {
            return Err(CqlError::invalid(format!(
                "PRIMARY KEY column '{name}' cannot have IF conditions"
            )));
        }
        let ty = column.column_type.clone();
        Ok(match (&condition.target, key_or_field) {
            (ConditionTarget::Element { .. }, _) => match &ty {
                ColumnType::Map(k, v) => (index, (**v).clone(), Some((**k).clone())),
                ColumnType::List(e) => (index, (**e).clone(), Some(ColumnType::Int)),
                _ => {
                    return Err(CqlError::invalid(format!(
                        "Invalid element access syntax for non-collection column {name}"
                    )));
                }
            },
            (ConditionTarget::Field { field, .. }, _) => match &ty {
                ColumnType::Udt { fields, .. } => {
                    let f = fields
                        .iter()
                        .find(|(n, _)| n == field)
                        .ok_or_else(|| CqlError::invalid(format!("Unknown field {field}")))?;
                    (index, f.1.clone(), None)
                }
                _ => {
                    return Err(CqlError::invalid(format!(
                        "Invalid field access for non-UDT column {name}"
                    )));
                }
            },
            _ => (index, ty, None),
        })
    }

    pub(super) fn condition_binds(
        t: &TableMetadata,
        conditions: &[ColumnCondition],
        binds: &mut BindSpecs,
    ) -> CqlResult<()> {
        for condition in conditions {
            let (index, compared, key_type) = Self::condition_target(t, condition)?;
            let name = t.columns[index].name.clone();
            if let (ConditionTarget::Element { key, .. }, Some(kt)) = (&condition.target, key_type)
            {
                if let Some(m) = marker(key) {
                    binds.set(m, t, &format!("key({name})"), kt);
                }
            }
            match &condition.value {
                RelationValue::Term(term) => {
                    if let Some(m) = marker(term) {
                        binds.set(m, t, &name, compared.clone());
                    }
                }
                RelationValue::InList(terms) => {
                    for term in terms {
                        if let Some(m) = marker(term) {
                            binds.set(m, t, &name, compared.clone());
                        }
                    }
                }
                RelationValue::InMarker(m) => binds.set(
                    m.index,
                    t,
                    &format!("in({name})"),
                    ColumnType::List(Box::new(compared.clone())),
                ),
                RelationValue::Between(..) => {
                    return Err(CqlError::invalid("BETWEEN is not supported in conditions"));
                }
            }
        }
        Ok(())
    }

    pub(super) fn checked_conditions(
        &self,
        bound: &Bound<'_>,
    ) -> CqlResult<crate::cql3::statements::lwt::Check> {
        use crate::cql3::statements::lwt::{Check, CheckedCondition, Element};
        let t = &self.table;
        Ok(match &self.condition {
            None | Some(ConditionPlan::Exists) => Check::Exists,
            Some(ConditionPlan::NotExists) => Check::NotExists,
            Some(ConditionPlan::Columns(conditions)) => {
                let mut checked = Vec::new();
                for condition in conditions {
                    let (column, compared_type, key_type) = Self::condition_target(t, condition)?;
                    let name = t.columns[column].name.clone();
                    let element = match (&condition.target, key_type) {
                        (ConditionTarget::Element { key, .. }, Some(ColumnType::Int)) => {
                            let bytes = bound.eval_required(
                                key,
                                &ColumnType::Int,
                                &format!("key({name})"),
                            )?;
                            Element::ListIndex(i32::from_be_bytes(
                                bytes
                                    .as_slice()
                                    .try_into()
                                    .map_err(|_| CqlError::invalid("Invalid list index"))?,
                            ))
                        }
                        (ConditionTarget::Element { key, .. }, Some(kt)) => Element::MapKey(
                            bound.eval_required(key, &kt, &format!("key({name})"))?,
                        ),
                        (ConditionTarget::Field { field, .. }, _) => {
                            match &t.columns[column].column_type {
                                ColumnType::Udt { fields, .. } => Element::Field(
                                    fields.iter().position(|(n, _)| n == field).unwrap_or(0),
                                ),
                                _ => Element::Whole,
                            }
                        }
                        _ => Element::Whole,
                    };
                    let eval = |term: &Term| -> CqlResult<Option<Vec<u8>>> {
                        Ok(bound
                            .eval(term, &compared_type, &name)?
                            .as_bytes()
                            .map(<[u8]>::to_vec))
                    };
                    let expected = match &condition.value {
                        RelationValue::Term(term) => vec![eval(term)?],
                        RelationValue::InList(terms) => {
                            terms.iter().map(eval).collect::<CqlResult<_>>()?
                        }
                        RelationValue::InMarker(m) => {
                            let list = bound.eval_required(
                                &Term::BindMarker(m.clone()),
                                &ColumnType::List(Box::new(compared_type.clone())),
                                &format!("in({name})"),
                            )?;
                            crate::cql3::writes::collection_elements(&list)?
                                .into_iter()
                                .map(|e| Some(e.to_vec()))
                                .collect()
                        }
                        RelationValue::Between(..) => {
                            return Err(CqlError::invalid(
                                "BETWEEN is not supported in conditions",
                            ));
                        }
                    };
                    checked.push(CheckedCondition {
                        column,
                        element,
                        compared_type,
                        operator: condition.operator,
                        expected,
                    });
                }
                Check::Columns(checked)
            }
        })
    }
}
