//! The cells one statement writes into one row (or the rows and ranges it
//! deletes): assignments, collection operations, deletions.

use sibyl_protocol::types::ColumnType;
use sibyl_storage::mutation::{Bound as SliceBound, ClusteringSlice};

use super::{Action, ModifyPlan, PendingListOp};
use crate::cql3::ast::{Assignment, DeleteTarget};
use crate::cql3::statements::bind::Bound;
use crate::cql3::statements::lwt::ListOp;
use crate::cql3::values::TermValue;
use crate::cql3::writes::PartitionWriter;
use crate::cql3::{CqlError, CqlResult};

impl ModifyPlan {
    pub(super) fn apply_action(
        &self,
        writer: &mut PartitionWriter<'_>,
        bound: &Bound<'_>,
        clustering: &[Vec<u8>],
        list_ops: &mut Vec<PendingListOp>,
    ) -> CqlResult<()> {
        let t = self.table.as_ref();
        let full = clustering.len() == t.clustering_len();
        match &self.action {
            Action::Insert(sets) => {
                // A static-only INSERT names no row, so it marks none.
                if full {
                    writer.add_row_marker(clustering);
                }
                for (i, term) in sets {
                    let column = &t.columns[*i];
                    match bound.eval(term, &column.column_type, &column.name)? {
                        TermValue::Unset => {}
                        TermValue::Null => writer.set_column(clustering, column, None)?,
                        TermValue::Value(v) => writer.set_column(clustering, column, Some(&v))?,
                    }
                }
            }
            Action::Update(assignments) => {
                for assignment in assignments {
                    let column = t
                        .column(assignment.column())
                        .ok_or_else(|| CqlError::server("column vanished"))?;
                    let ty = &column.column_type;
                    match assignment {
                        Assignment::Set { value, .. } => {
                            match bound.eval(value, ty, &column.name)? {
                                TermValue::Unset => {}
                                TermValue::Null => writer.set_column(clustering, column, None)?,
                                TermValue::Value(v) => {
                                    writer.set_column(clustering, column, Some(&v))?
                                }
                            }
                        }
                        Assignment::Add { value, .. } | Assignment::Prepend { value, .. } => {
                            if column.is_counter() {
                                return Err(CqlError::invalid(
                                    "Counter updates are not supported yet",
                                ));
                            }
                            if !column.multi_cell {
                                return Err(CqlError::invalid(format!(
                                    "Invalid operation ({} = {} + ?) for non counter column {}",
                                    column.name, column.name, column.name
                                )));
                            }
                            if let TermValue::Value(v) = bound.eval(value, ty, &column.name)? {
                                writer.add_to_collection(
                                    clustering,
                                    column,
                                    &v,
                                    matches!(assignment, Assignment::Prepend { .. }),
                                )?;
                            }
                        }
                        Assignment::Subtract { value, .. } => {
                            if !column.multi_cell {
                                return Err(CqlError::invalid(format!(
                                    "Invalid operation ({} = {} - ?) for non counter column {}",
                                    column.name, column.name, column.name
                                )));
                            }
                            let paths_type = match ty {
                                ColumnType::Map(k, _) => ColumnType::Set(k.clone()),
                                other => other.clone(),
                            };
                            if let TermValue::Value(v) =
                                bound.eval(value, &paths_type, &column.name)?
                            {
                                let elements = crate::cql3::writes::collection_elements(&v)?;
                                if matches!(ty, ColumnType::List(_)) {
                                    let values = elements.into_iter().map(<[u8]>::to_vec).collect();
                                    let index = t
                                        .columns
                                        .iter()
                                        .position(|c| c.name == column.name)
                                        .unwrap_or(0);
                                    list_ops.push((
                                        clustering.to_vec(),
                                        index,
                                        ListOp::Remove(values),
                                    ));
                                    continue;
                                }
                                writer.remove_elements(
                                    clustering,
                                    column,
                                    elements.into_iter().map(<[u8]>::to_vec).collect(),
                                );
                            }
                        }
                        Assignment::SetElement { key, value, .. } => {
                            if let ColumnType::List(element_type) = ty {
                                let i = bound.eval_required(
                                    key,
                                    &ColumnType::Int,
                                    &format!("idx({})", column.name),
                                )?;
                                let i = i32::from_be_bytes(
                                    i.as_slice()
                                        .try_into()
                                        .map_err(|_| CqlError::invalid("Invalid list index"))?,
                                );
                                let element = bound.eval(
                                    value,
                                    element_type,
                                    &format!("value({})", column.name),
                                )?;
                                let index = t
                                    .columns
                                    .iter()
                                    .position(|c| c.name == column.name)
                                    .unwrap_or(0);
                                list_ops.push((
                                    clustering.to_vec(),
                                    index,
                                    ListOp::Set(i, element.as_bytes().map(<[u8]>::to_vec)),
                                ));
                                continue;
                            }
                            let ColumnType::Map(key_type, value_type) = ty else {
                                return Err(CqlError::invalid(format!(
                                    "Column {} is not a map or list",
                                    column.name
                                )));
                            };
                            let key = bound.eval_required(
                                key,
                                key_type,
                                &format!("key({})", column.name),
                            )?;
                            match bound.eval(
                                value,
                                value_type,
                                &format!("value({})", column.name),
                            )? {
                                TermValue::Unset => {}
                                TermValue::Null => {
                                    writer.set_element(clustering, column, key, None)
                                }
                                TermValue::Value(v) => {
                                    writer.set_element(clustering, column, key, Some(&v))
                                }
                            }
                        }
                        Assignment::SetField { field, value, .. } => {
                            let ColumnType::Udt { fields, .. } = ty else {
                                return Err(CqlError::invalid("not a user type"));
                            };
                            let index =
                                fields.iter().position(|(n, _)| n == field).ok_or_else(|| {
                                    CqlError::invalid(format!("Unknown field {field}"))
                                })?;
                            let field_type = &fields[index].1;
                            if !column.multi_cell {
                                return Err(CqlError::invalid(format!(
                                    "Invalid operation ({}.{field} = ?) for frozen UDT column {}",
                                    column.name, column.name
                                )));
                            }
                            let path = (index as u16).to_be_bytes().to_vec();
                            match bound.eval(
                                value,
                                field_type,
                                &format!("{}.{field}", column.name),
                            )? {
                                TermValue::Unset => {}
                                TermValue::Null => {
                                    writer.set_element(clustering, column, path, None)
                                }
                                TermValue::Value(v) => {
                                    writer.set_element(clustering, column, path, Some(&v))
                                }
                            }
                        }
                    }
                }
            }
            Action::InsertJson { .. } => {
                return Err(CqlError::server("INSERT JSON builds its own mutation"));
            }
            Action::DeleteRows => {
                if clustering.is_empty() {
                    writer.delete_partition();
                } else if full {
                    writer.delete_row(clustering);
                } else {
                    writer.delete_range(ClusteringSlice {
                        start: SliceBound::inclusive(clustering.to_vec()),
                        end: SliceBound::inclusive(clustering.to_vec()),
                    });
                }
            }
            Action::DeleteColumns(targets) => {
                for target in targets {
                    match target {
                        DeleteTarget::Column(name) => {
                            let column = t
                                .column(name)
                                .ok_or_else(|| CqlError::server("column vanished"))?;
                            writer.set_column(clustering, column, None)?;
                        }
                        DeleteTarget::Element { column: name, key } => {
                            let column = t
                                .column(name)
                                .ok_or_else(|| CqlError::server("column vanished"))?;
                            if matches!(column.column_type, ColumnType::List(_)) {
                                let i = bound.eval_required(
                                    key,
                                    &ColumnType::Int,
                                    &format!("idx({name})"),
                                )?;
                                let i = i32::from_be_bytes(
                                    i.as_slice()
                                        .try_into()
                                        .map_err(|_| CqlError::invalid("Invalid list index"))?,
                                );
                                let index =
                                    t.columns.iter().position(|c| &c.name == name).unwrap_or(0);
                                list_ops.push((clustering.to_vec(), index, ListOp::Delete(i)));
                                continue;
                            }
                            let ColumnType::Map(key_type, _) = &column.column_type else {
                                return Err(CqlError::invalid(format!(
                                    "Invalid element deletion on non-collection column {name}"
                                )));
                            };
                            let key =
                                bound.eval_required(key, key_type, &format!("key({name})"))?;
                            writer.remove_elements(clustering, column, vec![key]);
                        }
                        DeleteTarget::Field {
                            column: name,
                            field,
                        } => {
                            let column = t
                                .column(name)
                                .ok_or_else(|| CqlError::server("column vanished"))?;
                            let ColumnType::Udt { fields, .. } = &column.column_type else {
                                return Err(CqlError::invalid("not a user type"));
                            };
                            let index =
                                fields.iter().position(|(n, _)| n == field).ok_or_else(|| {
                                    CqlError::invalid(format!("Unknown field {field}"))
                                })?;
                            writer.set_element(
                                clustering,
                                column,
                                (index as u16).to_be_bytes().to_vec(),
                                None,
                            );
                        }
                    }
                }
            }
        }
        Ok(())
    }
}
