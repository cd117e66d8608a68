//! `writetime()`, `maxwritetime()` and `ttl()` on collections and their
//! elements, as Cassandra 5.0 answers them:
//! - a non-frozen collection has a time per element: `writetime(s)` and
//!   `writetime(s[a..b])` are lists (one entry per selected element, null
//!   when none is selected), `writetime(s[e])` is the element's own time,
//!   `maxwritetime(..)` the latest;
//! - a frozen collection is one cell: an element or slice answers the whole
//!   cell's time when it selects something, null otherwise.
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
    /// The element or slice selected, if any.
    pub part: Option<Subscript>,
    /// Whether the answer is a list with one entry per element.
    pub per_element: bool,
    /// Whether the column is a non-frozen collection.
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

/// `writetime(..)`, `maxwritetime(..)`, `ttl(..)` of a column, or (Cassandra
/// 5.0) of a collection's elements: a non-frozen collection answers one
/// value per element, a list for `writetime(s)` and `s[a..b]`.
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
    let only_columns =
        || CqlError::invalid("writetime() and ttl() only apply to columns and their elements");
    let column_name = match selector {
        Selector::Column(name) => name,
        Selector::Element { selector, .. } | Selector::Slice { selector, .. } => {
            match selector.as_ref() {
                Selector::Column(name) => name,
                _ => return Err(only_columns()),
            }
        }
        _ => return Err(only_columns()),
    };
    let i = selection::column(table, column_name)?;
    let meta = &table.columns[i];
    if meta.kind.is_primary_key() {
        return Err(CqlError::invalid(format!(
            "Cannot use selection function {function} on PRIMARY KEY part {column_name}"
        )));
    }
    let scalar = match kind {
        WriteTimeKind::Ttl => ColumnType::Int,
        _ => ColumnType::Bigint,
    };
    let name = format!("{function}({selector})");
    let collection = matches!(
        meta.column_type,
        ColumnType::List(_) | ColumnType::Set(_) | ColumnType::Map(..)
    );
    let part = match selector {
        Selector::Element { key, .. } => {
            let key_type = subscript::key_type(&meta.column_type, column_name, false)?;
            selection::set_key_marker(table, binds, key, column_name, &meta.column_type, key_type);
            Some(Subscript::Element(key.clone()))
        }
        Selector::Slice { from, to, .. } => {
            let key_type = subscript::key_type(&meta.column_type, column_name, true)?;
            for bound in [from, to].into_iter().flatten() {
                selection::set_key_marker(
                    table,
                    binds,
                    bound,
                    column_name,
                    &meta.column_type,
                    key_type.clone(),
                );
            }
            Some(Subscript::Slice {
                from: from.clone(),
                to: to.clone(),
                multi_cell: meta.multi_cell,
            })
        }
        _ => None,
    };
    if !(collection && meta.multi_cell) && part.is_none() {
        return Ok(match kind {
            WriteTimeKind::Ttl => (name, scalar, Expr::Ttl(i)),
            _ => (name, scalar, Expr::WriteTime(i)),
        });
    }
    let per_element = collection
        && meta.multi_cell
        && kind != WriteTimeKind::MaxWriteTime
        && !matches!(part, Some(Subscript::Element(_)));
    let ty = if per_element {
        ColumnType::List(Box::new(scalar))
    } else {
        scalar
    };
    Ok((
        name,
        ty,
        Expr::CellTimes(Box::new(CellTimes {
            column: i,
            kind,
            part,
            per_element,
            multi_cell: collection && meta.multi_cell,
            column_type: meta.column_type.clone(),
        })),
    ))
}

pub fn eval(times: &CellTimes, row: &CqlRow, bound: &Bound<'_>) -> CqlResult<Option<Vec<u8>>> {
    let key = |term: &Term| -> CqlResult<Vec<u8>> {
        bound.eval_required(term, &key_type(&times.column_type), &term.to_string())
    };
    let whole = || match times.kind {
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
    if !times.multi_cell {
        // One cell: its time, when the element or slice selects something.
        let Some(value) = row.values.get(times.column).cloned().flatten() else {
            return Ok(None);
        };
        let selected = match &times.part {
            None | Some(Subscript::Field(_)) => true,
            Some(Subscript::Element(term)) => {
                subscript::element(&times.column_type, &value, &key(term)?)?.is_some()
            }
            Some(Subscript::Slice { from, to, .. }) => {
                let from = from.as_ref().map(key).transpose()?;
                let to = to.as_ref().map(key).transpose()?;
                subscript::slice(
                    &times.column_type,
                    &value,
                    from.as_deref(),
                    to.as_deref(),
                    true,
                )?
                .is_some()
            }
        };
        return Ok(if selected { whole() } else { None });
    }
    let Some(cells) = row.cells.get(times.column) else {
        return Err(CqlError::server("element times were not read"));
    };
    let cells: &[ElementCell] = cells.as_deref().unwrap_or_default();
    let ty = key_type(&times.column_type);
    let selected: Vec<&ElementCell> = match &times.part {
        None | Some(Subscript::Field(_)) => cells.iter().collect(),
        Some(Subscript::Element(term)) => {
            let wanted = key(term)?;
            cells
                .iter()
                .filter(|c| compare_values(&ty, &c.path, &wanted) == Ordering::Equal)
                .collect()
        }
        Some(Subscript::Slice { from, to, .. }) => {
            let from = from.as_ref().map(key).transpose()?;
            let to = to.as_ref().map(key).transpose()?;
            cells
                .iter()
                .filter(|c| {
                    from.as_ref()
                        .is_none_or(|f| compare_values(&ty, &c.path, f) != Ordering::Less)
                        && to
                            .as_ref()
                            .is_none_or(|t| compare_values(&ty, &c.path, t) != Ordering::Greater)
                })
                .collect()
        }
    };
    let time = |cell: &ElementCell| match times.kind {
        WriteTimeKind::Ttl => cell.ttl_s.map(|t| t.to_be_bytes().to_vec()),
        _ => Some(cell.timestamp_us.to_be_bytes().to_vec()),
    };
    if selected.is_empty() {
        return Ok(None);
    }
    Ok(match (times.kind, times.per_element) {
        (WriteTimeKind::MaxWriteTime, _) => selected
            .iter()
            .map(|c| c.timestamp_us)
            .max()
            .map(|t| t.to_be_bytes().to_vec()),
        (_, true) => Some(list_of(selected.iter().map(|c| time(c)))),
        (_, false) => selected.first().and_then(|c| time(c)),
    })
}
