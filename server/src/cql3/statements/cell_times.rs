//! `writetime()`, `maxwritetime()` and `ttl()` on collections, user types
//! and their parts, as Cassandra 5.0 answers them:
//! - a non-frozen collection has a time per element: `writetime(s)` and
//!   `writetime(s[a..b])` are lists (one entry per selected element, null
//!   when none is selected), `writetime(s[e])` is the element's own time,
//!   `maxwritetime(..)` the latest;
//! - a non-frozen user type has a time per field: `writetime(u)` is a list
//!   with one entry per field (null for an unset one), `writetime(u.f)` the
//!   field's, `writetime(u.f.g)` the field's when `g` is set;
//! - a frozen value is one cell: an element, slice or field answers the
//!   whole cell's time when it selects something, null otherwise.
//!
//! Per-element times come from [`CqlRow::cells`], which the SELECT fills
//! only when a selector needs them.

use std::cmp::Ordering;

use sibyl_protocol::types::ColumnType;

use super::BindSpecs;
use super::bind::Bound;
use super::selection::{self, Expr};
use super::subscript::{self, Subscript};
use crate::cql3::ast::{Selector, Term, WriteTimeKind};
use crate::cql3::rows::{CqlRow, ElementCell};
use crate::cql3::values::compare_values;
use crate::cql3::{CqlError, CqlResult};
use crate::schema::TableMetadata;

#[derive(Debug, Clone)]
pub struct CellTimes {
    pub column: usize,
    pub kind: WriteTimeKind,
    /// The chain of elements, slices and fields selected from the column,
    /// each with the type it applies to.
    pub parts: Vec<(Subscript, ColumnType)>,
    /// Whether the answer is a list with one entry per element or field.
    pub per_element: bool,
    /// Whether the column is a non-frozen collection or user type.
    pub multi_cell: bool,
    pub column_type: ColumnType,
}

impl CellTimes {
    /// Whether evaluating needs per-element times in the rows.
    pub fn needs_cells(&self) -> bool {
        self.multi_cell
    }
}

fn key_type(ty: &ColumnType) -> ColumnType {
    match ty {
        ColumnType::Map(k, _) | ColumnType::Set(k) => (**k).clone(),
        other => other.clone(),
    }
}

/// A serialized list of optional values; an absent one (no TTL) is an
/// empty value, which clients read as null.
fn list_of(values: impl ExactSizeIterator<Item = Option<Vec<u8>>>) -> Vec<u8> {
    let mut out = (values.len() as i32).to_be_bytes().to_vec();
    for value in values {
        let bytes = value.unwrap_or_default();
        out.extend_from_slice(&(bytes.len() as i32).to_be_bytes());
        out.extend_from_slice(&bytes);
    }
    out
}

/// Splits `c[k].f[a..b]` into the column and its parts, innermost first.
fn chain(selector: &Selector) -> Option<(&str, Vec<&Selector>)> {
    match selector {
        Selector::Column(name) => Some((name, Vec::new())),
        Selector::Element { selector: base, .. }
        | Selector::Slice { selector: base, .. }
        | Selector::Field { selector: base, .. } => {
            let (name, mut parts) = chain(base)?;
            parts.push(selector);
            Some((name, parts))
        }
        _ => None,
    }
}

/// `writetime(..)`, `maxwritetime(..)`, `ttl(..)` of a column or of a part
/// of it (see the module documentation for the answers).
pub fn compile(
    table: &TableMetadata,
    kind: WriteTimeKind,
    selector: &Selector,
    binds: &mut BindSpecs,
) -> CqlResult<(String, ColumnType, Expr)> {
    let function = match kind {
        WriteTimeKind::Ttl => "ttl",
        WriteTimeKind::WriteTime => "writetime",
        WriteTimeKind::MaxWriteTime => "maxwritetime",
    };
    let Some((column_name, selected)) = chain(selector) else {
        return Err(CqlError::invalid(
            "writetime() and ttl() only apply to columns and their elements or fields",
        ));
    };
    let i = selection::column(table, column_name)?;
    let meta = &table.columns[i];
    if meta.kind.is_primary_key() {
        return Err(CqlError::invalid(format!(
            "Cannot use selection function {function} on PRIMARY KEY part {column_name}"
        )));
    }
    let mut parts = Vec::with_capacity(selected.len());
    let mut ty = meta.column_type.clone();
    let mut name = column_name.to_owned();
    for part in selected {
        let (subscript, next) = match part {
            Selector::Element { key, .. } => {
                let key_type = subscript::key_type(&ty, &name, false)?;
                selection::set_key_marker(table, binds, key, &name, &ty, key_type);
                (
                    Subscript::Element(key.clone()),
                    subscript::element_type(&ty),
                )
            }
            Selector::Slice { from, to, .. } => {
                let key_type = subscript::key_type(&ty, &name, true)?;
                for bound in [from, to].into_iter().flatten() {
                    selection::set_key_marker(table, binds, bound, &name, &ty, key_type.clone());
                }
                let slice = Subscript::Slice {
                    from: from.clone(),
                    to: to.clone(),
                    multi_cell: true,
                };
                (slice, ty.clone())
            }
            Selector::Field { field, .. } => {
                let (index, field_type) = subscript::field(&ty, &name, field)?;
                (Subscript::Field(index), field_type)
            }
            _ => return Err(CqlError::server("not a part selector")),
        };
        name = part.to_string();
        parts.push((subscript, std::mem::replace(&mut ty, next)));
    }
    let scalar = match kind {
        WriteTimeKind::Ttl => ColumnType::Int,
        _ => ColumnType::Bigint,
    };
    let display = format!("{function}({selector})");
    let multi_cell = meta.multi_cell
        && matches!(
            meta.column_type,
            ColumnType::List(_) | ColumnType::Set(_) | ColumnType::Map(..) | ColumnType::Udt { .. }
        );
    if !multi_cell && parts.is_empty() {
        return Ok(match kind {
            WriteTimeKind::Ttl => (display, scalar, Expr::Ttl(i)),
            _ => (display, scalar, Expr::WriteTime(i)),
        });
    }
    let per_element = multi_cell
        && kind != WriteTimeKind::MaxWriteTime
        && match parts.first() {
            None => true,
            Some((Subscript::Slice { .. }, _)) => {
                !matches!(meta.column_type, ColumnType::Udt { .. })
            }
            Some(_) => false,
        };
    let ty = if per_element {
        ColumnType::List(Box::new(scalar))
    } else {
        scalar
    };
    Ok((
        display,
        ty,
        Expr::CellTimes(Box::new(CellTimes {
            column: i,
            kind,
            parts,
            per_element,
            multi_cell,
            column_type: meta.column_type.clone(),
        })),
    ))
}

/// The value `parts` select from `value`, if any (an empty slice is none).
fn select(
    mut value: Vec<u8>,
    parts: &[(Subscript, ColumnType)],
    bound: &Bound<'_>,
) -> CqlResult<Option<Vec<u8>>> {
    for (part, ty) in parts {
        let key = |term: &Term| bound.eval_required(term, &key_type(ty), &term.to_string());
        let next = match part {
            Subscript::Element(term) => subscript::element(ty, &value, &key(term)?)?,
            Subscript::Slice { from, to, .. } => {
                let from = from.as_ref().map(key).transpose()?;
                let to = to.as_ref().map(key).transpose()?;
                subscript::slice(ty, &value, from.as_deref(), to.as_deref(), true)?
            }
            Subscript::Field(index) => subscript::field_value(&value, *index)?,
        };
        match next {
            Some(next) => value = next,
            None => return Ok(None),
        }
    }
    Ok(Some(value))
}

pub fn eval(times: &CellTimes, row: &CqlRow, bound: &Bound<'_>) -> CqlResult<Option<Vec<u8>>> {
    let Some(value) = row.values.get(times.column).cloned().flatten() else {
        return Ok(None);
    };
    if !times.multi_cell {
        // One cell: its time, when the parts select something.
        if select(value, &times.parts, bound)?.is_none() {
            return Ok(None);
        }
        let time = match times.kind {
            WriteTimeKind::Ttl => row
                .ttls
                .get(times.column)
                .copied()
                .flatten()
                .map(|t| t.to_be_bytes().to_vec()),
            _ => row
                .writetimes
                .get(times.column)
                .copied()
                .flatten()
                .map(|t| t.to_be_bytes().to_vec()),
        };
        return Ok(time);
    }
    let Some(cells) = row.cells.get(times.column) else {
        return Err(CqlError::server("element times were not read"));
    };
    let cells: &[ElementCell] = cells.as_deref().unwrap_or_default();
    let time = |cell: &ElementCell| match times.kind {
        WriteTimeKind::Ttl => cell.ttl_s.map(|t| t.to_be_bytes().to_vec()),
        _ => Some(cell.timestamp_us.to_be_bytes().to_vec()),
    };
    // The cells the first part selects; later parts only have to select
    // something inside them.
    let selected: Vec<Option<&ElementCell>> = match (&times.column_type, times.parts.first()) {
        (ColumnType::Udt { fields, .. }, None) => (0..fields.len())
            .map(|i| {
                let path = (i as u16).to_be_bytes();
                cells.iter().find(|c| c.path == path)
            })
            .collect(),
        (ColumnType::Udt { .. }, Some((Subscript::Field(index), _))) => {
            let path = (*index as u16).to_be_bytes();
            vec![cells.iter().find(|c| c.path == path)]
        }
        (_, None) => cells.iter().map(Some).collect(),
        (ty, Some((Subscript::Element(term), _))) => {
            let wanted = bound.eval_required(term, &key_type(ty), &term.to_string())?;
            let kt = key_type(ty);
            vec![
                cells
                    .iter()
                    .find(|c| compare_values(&kt, &c.path, &wanted) == Ordering::Equal),
            ]
        }
        (ty, Some((Subscript::Slice { from, to, .. }, _))) => {
            let kt = key_type(ty);
            let key = |t: &Term| bound.eval_required(t, &kt, &t.to_string());
            let from = from.as_ref().map(key).transpose()?;
            let to = to.as_ref().map(key).transpose()?;
            cells
                .iter()
                .filter(|c| {
                    from.as_ref()
                        .is_none_or(|f| compare_values(&kt, &c.path, f) != Ordering::Less)
                        && to
                            .as_ref()
                            .is_none_or(|t| compare_values(&kt, &c.path, t) != Ordering::Greater)
                })
                .map(Some)
                .collect()
        }
        (_, Some(_)) => Vec::new(),
    };
    if times.parts.len() > 1 && select(value, &times.parts, bound)?.is_none() {
        return Ok(None);
    }
    if selected.iter().all(Option::is_none) {
        return Ok(None);
    }
    Ok(match (times.kind, times.per_element) {
        (WriteTimeKind::MaxWriteTime, _) => selected
            .iter()
            .flatten()
            .map(|c| c.timestamp_us)
            .max()
            .map(|t| t.to_be_bytes().to_vec()),
        (_, true) => Some(list_of(selected.iter().map(|c| c.and_then(&time)))),
        (_, false) => selected.first().copied().flatten().and_then(time),
    })
}
