//! The SELECT clause: every selector compiled to an expression over one row
//! (columns, writetime/ttl, token(), scalar functions, casts, constants) or
//! over a group of rows (aggregates), with Cassandra's result column names
//! and types.

use std::sync::Arc;

use sibyl_protocol::types::{ColumnType, CqlValue};

use super::BindSpecs;
use super::bind::Bound;
use super::cell_times::CellTimes;
use super::subscript::{self, Subscript};
use crate::cql3::ast::{Selection, Selector, Term};
use crate::cql3::functions::{
    Accumulator, AggregateFunction, ArgSpec, ScalarFunction, cast_function, is_aggregate_name,
    resolve_aggregate, resolve_selector_function,
};
use crate::cql3::rows::CqlRow;
use crate::cql3::values::{EvalContext, TermValue, value_to_json};
use crate::cql3::{CqlError, CqlResult};
use crate::dht::{serialize_partition_key, token_of_key};
use crate::schema::{ColumnKind, TableMetadata};

#[derive(Debug, Clone)]
pub enum Expr {
    Column(usize),
    WriteTime(usize),
    Ttl(usize),
    /// The token of the row's partition key.
    Token,
    /// A literal or bind marker, evaluated as `ColumnType`.
    Constant(Term, ColumnType),
    Function(Arc<ScalarFunction>, Vec<Expr>),
    Aggregate(AggregateFunction, Vec<Expr>),
    /// `writetime`/`maxwritetime`/`ttl` of a non-frozen collection's
    /// elements (all of them, or an element or slice), or of the part of a
    /// frozen one: see [`super::cell_times`].
    CellTimes(Box<CellTimes>),
    /// An element, slice or field of the value of `Expr` (of type `ColumnType`).
    Subscript(Box<Expr>, Subscript, ColumnType),
}

impl Expr {
    /// Whether evaluating needs the rows' per-element times.
    fn needs_cells(&self) -> bool {
        match self {
            Expr::CellTimes(times) => times.needs_cells(),
            Expr::Function(_, args) | Expr::Aggregate(_, args) => {
                args.iter().any(Expr::needs_cells)
            }
            Expr::Subscript(base, ..) => base.needs_cells(),
            _ => false,
        }
    }

    fn is_aggregate(&self) -> bool {
        match self {
            Expr::Aggregate(..) => true,
            Expr::Function(_, args) => args.iter().any(Expr::is_aggregate),
            Expr::Subscript(base, ..) => base.is_aggregate(),
            _ => false,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Output {
    pub name: String,
    pub column_type: ColumnType,
    pub expr: Expr,
}

#[derive(Debug, Clone)]
pub struct SelectionPlan {
    pub outputs: Vec<Output>,
    pub aggregate: bool,
    pub json: bool,
    /// Whether rows must carry per-element times (see `CqlRow::cells`).
    pub needs_cells: bool,
}

pub(super) fn column(table: &TableMetadata, name: &str) -> CqlResult<usize> {
    table
        .columns
        .iter()
        .position(|c| c.name == name)
        .ok_or_else(|| {
            CqlError::invalid(format!(
                "Undefined column name {name} in table {}.{}",
                table.keyspace, table.name
            ))
        })
}

/// Compiles one selector; returns (default name, type, expression).
fn compile(
    table: &TableMetadata,
    selector: &Selector,
    binds: &mut BindSpecs,
) -> CqlResult<(String, ColumnType, Expr)> {
    Ok(match selector {
        Selector::Column(name) => {
            let i = column(table, name)?;
            (
                name.clone(),
                table.columns[i].column_type.clone(),
                Expr::Column(i),
            )
        }
        Selector::WriteTime { kind, selector } => {
            super::cell_times::compile(table, *kind, selector, binds)?
        }
        Selector::CountAll => {
            let aggregate = resolve_aggregate("count", &[])?
                .ok_or_else(|| CqlError::server("count(*) missing"))?;
            (
                "count".to_owned(),
                ColumnType::Bigint,
                Expr::Aggregate(aggregate, Vec::new()),
            )
        }
        Selector::Cast { selector, target } => {
            let (name, from, expr) = compile(table, selector, binds)?;
            let to = target.to_column_type();
            let function = Arc::new(cast_function(&from, &to, &name)?);
            (
                format!("cast({name} as {})", to.cql_name()),
                to,
                Expr::Function(function, vec![expr]),
            )
        }
        Selector::Term(term) => {
            let ty = crate::cql3::values::exact_type(term).ok_or_else(|| {
                CqlError::invalid(format!("Cannot infer type for term {term} in selection clause (try using a cast to force a type)"))
            })?;
            (
                term.to_string(),
                ty.clone(),
                Expr::Constant(term.clone(), ty),
            )
        }
        Selector::FunctionCall { name, arguments } => {
            let short = name.name.to_lowercase();
            if short == "token" && name.keyspace.as_deref().is_none_or(|k| k == "system") {
                let pk: Vec<&str> = table.partition_key().map(|c| c.name.as_str()).collect();
                let given: Vec<String> = arguments
                    .iter()
                    .map(|a| {
                        if let Selector::Column(n) = a {
                            n.clone()
                        } else {
                            String::new()
                        }
                    })
                    .collect();
                if given.iter().map(String::as_str).collect::<Vec<_>>() != pk {
                    return Err(CqlError::invalid(format!(
                        "Invalid number or order of arguments for token(): expected the partition key ({})",
                        pk.join(", ")
                    )));
                }
                return Ok((
                    format!("system.token({})", given.join(", ")),
                    ColumnType::Bigint,
                    Expr::Token,
                ));
            }
            // Literal and bind marker arguments take the type of the
            // parameter they are passed to, once the function is resolved.
            let mut compiled = Vec::new();
            for argument in arguments {
                compiled.push(match argument {
                    Selector::Term(term) => (
                        term.to_string(),
                        ColumnType::Blob,
                        Expr::Constant(term.clone(), ColumnType::Blob),
                    ),
                    other => compile(table, other, binds)?,
                });
            }
            let names: Vec<String> = compiled.iter().map(|(n, _, _)| n.clone()).collect();
            let display = format!("system.{short}({})", names.join(", "));
            if is_aggregate_name(&short) && name.keyspace.as_deref().is_none_or(|k| k == "system") {
                let types: Vec<ColumnType> = compiled.iter().map(|(_, t, _)| t.clone()).collect();
                let aggregate = resolve_aggregate(&short, &types)?.ok_or_else(|| {
                    CqlError::invalid(format!(
                        "Invalid call to function {short}: wrong number or types of arguments"
                    ))
                })?;
                let return_type = aggregate.return_type().clone();
                return Ok((
                    display,
                    return_type,
                    Expr::Aggregate(aggregate, compiled.into_iter().map(|(_, _, e)| e).collect()),
                ));
            }
            let specs: Vec<ArgSpec<'_>> = compiled
                .iter()
                .zip(arguments)
                .map(|((_, ty, _), argument)| match argument {
                    Selector::Term(term) => ArgSpec::Term(term),
                    _ => ArgSpec::Typed(ty.clone()),
                })
                .collect();
            let function = resolve_selector_function(name, &specs)?;
            let function_name = function.name().to_owned();
            let args = compiled
                .into_iter()
                .zip(function.arg_types())
                .enumerate()
                .map(|(i, ((_, _, expr), parameter))| match expr {
                    Expr::Constant(term, _) => {
                        if let Term::BindMarker(marker) = &term {
                            binds.set(
                                marker.index,
                                table,
                                &format!("arg{i}({function_name})"),
                                parameter.clone(),
                            );
                        }
                        Expr::Constant(term, parameter.clone())
                    }
                    other => other,
                })
                .collect();
            (
                display,
                function.return_type().clone(),
                Expr::Function(function, args),
            )
        }
        Selector::Element { selector, key } => {
            let (name, ty, base) = compile(table, selector, binds)?;
            let key_type = subscript::key_type(&ty, &name, false)?;
            set_key_marker(table, binds, key, &name, &ty, key_type);
            (
                format!("{name}[{key}]"),
                subscript::element_type(&ty),
                Expr::Subscript(Box::new(base), Subscript::Element(key.clone()), ty),
            )
        }
        Selector::Slice { selector, from, to } => {
            let (name, ty, base) = compile(table, selector, binds)?;
            let key_type = subscript::key_type(&ty, &name, true)?;
            for bound in [from, to].into_iter().flatten() {
                set_key_marker(table, binds, bound, &name, &ty, key_type.clone());
            }
            let multi_cell = match &base {
                Expr::Column(i) => table.columns.get(*i).is_some_and(|c| c.multi_cell),
                Expr::Subscript(_, Subscript::Slice { multi_cell, .. }, _) => *multi_cell,
                _ => false,
            };
            let text = |t: &Option<Term>| t.as_ref().map(Term::to_string).unwrap_or_default();
            (
                format!("{name}[{}..{}]", text(from), text(to)),
                ty.clone(),
                Expr::Subscript(
                    Box::new(base),
                    Subscript::Slice {
                        from: from.clone(),
                        to: to.clone(),
                        multi_cell,
                    },
                    ty,
                ),
            )
        }
        Selector::Field { selector, field } => {
            let (name, ty, base) = compile(table, selector, binds)?;
            let (index, field_type) = subscript::field(&ty, &name, field)?;
            (
                format!("{name}.{field}"),
                field_type,
                Expr::Subscript(Box::new(base), Subscript::Field(index), ty),
            )
        }
        other => {
            return Err(CqlError::invalid(format!(
                "Selector {other} is not supported yet"
            )));
        }
    })
}

/// Types a bind marker used as a map key (`key(m)`) or set element (`value(s)`).
pub(super) fn set_key_marker(
    table: &TableMetadata,
    binds: &mut BindSpecs,
    term: &Term,
    name: &str,
    collection: &ColumnType,
    key_type: ColumnType,
) {
    if let Term::BindMarker(marker) = term {
        let spec = match collection {
            ColumnType::Map(..) => format!("key({name})"),
            _ => format!("value({name})"),
        };
        binds.set(marker.index, table, &spec, key_type);
    }
}

impl SelectionPlan {
    pub fn prepare(
        table: &TableMetadata,
        selection: &Selection,
        distinct: bool,
        json: bool,
        binds: &mut BindSpecs,
    ) -> CqlResult<Self> {
        let outputs: Vec<Output> = match selection {
            Selection::Wildcard => table
                .columns
                .iter()
                .enumerate()
                .filter(|(_, c)| {
                    !distinct || matches!(c.kind, ColumnKind::PartitionKey | ColumnKind::Static)
                })
                .map(|(i, c)| Output {
                    name: c.name.clone(),
                    column_type: c.column_type.clone(),
                    expr: Expr::Column(i),
                })
                .collect(),
            Selection::Items(items) => items
                .iter()
                .map(|item| {
                    let (name, column_type, expr) = compile(table, &item.selector, binds)?;
                    Ok(Output {
                        name: item.alias.clone().unwrap_or(name),
                        column_type,
                        expr,
                    })
                })
                .collect::<CqlResult<_>>()?,
        };
        let aggregate = outputs.iter().any(|o| o.expr.is_aggregate());
        let needs_cells = outputs.iter().any(|o| o.expr.needs_cells());
        Ok(Self {
            outputs,
            aggregate,
            json,
            needs_cells,
        })
    }

    /// The result's column specs (name, type); SELECT JSON has one text column.
    pub fn columns(&self) -> Vec<(String, ColumnType)> {
        if self.json {
            return vec![("[json]".to_owned(), ColumnType::Text)];
        }
        self.outputs
            .iter()
            .map(|o| (o.name.clone(), o.column_type.clone()))
            .collect()
    }
}

/// Evaluates row-level expressions; aggregates are handled by [`Groups`].
pub fn eval(
    table: &TableMetadata,
    expr: &Expr,
    row: &CqlRow,
    bound: &Bound<'_>,
) -> CqlResult<Option<Vec<u8>>> {
    Ok(match expr {
        Expr::Column(i) => row.values.get(*i).cloned().flatten(),
        Expr::WriteTime(i) => row
            .writetimes
            .get(*i)
            .copied()
            .flatten()
            .map(|t| t.to_be_bytes().to_vec()),
        Expr::Ttl(i) => row
            .ttls
            .get(*i)
            .copied()
            .flatten()
            .map(|t| t.to_be_bytes().to_vec()),
        Expr::Token => {
            let parts: Vec<Vec<u8>> = table
                .columns
                .iter()
                .zip(&row.values)
                .filter(|(c, _)| c.kind == ColumnKind::PartitionKey)
                .map(|(_, v)| v.clone().unwrap_or_default())
                .collect();
            let refs: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
            Some(
                token_of_key(&serialize_partition_key(&refs))
                    .0
                    .to_be_bytes()
                    .to_vec(),
            )
        }
        Expr::Constant(term, ty) => match bound.eval(term, ty, &term.to_string())? {
            TermValue::Value(v) => Some(v),
            TermValue::Null | TermValue::Unset => None,
        },
        Expr::Function(function, args) => {
            let values = args
                .iter()
                .map(|a| eval(table, a, row, bound))
                .collect::<CqlResult<Vec<_>>>()?;
            let refs: Vec<Option<&[u8]>> = values.iter().map(Option::as_deref).collect();
            let ctx = EvalContext {
                now_ms: bound.now_ms,
                timeuuids: bound.timeuuids,
            };
            function.execute(&refs, &ctx)?
        }
        Expr::Aggregate(..) => return Err(CqlError::server("aggregate evaluated per row")),
        Expr::CellTimes(times) => super::cell_times::eval(times, row, bound)?,
        Expr::Subscript(base, part, ty) => {
            let Some(value) = eval(table, base, row, bound)? else {
                return Ok(None);
            };
            let key = |term: &Term| -> CqlResult<Vec<u8>> {
                let key_type = match ty {
                    ColumnType::Map(k, _) | ColumnType::Set(k) => (**k).clone(),
                    other => other.clone(),
                };
                bound.eval_required(term, &key_type, &term.to_string())
            };
            match part {
                Subscript::Element(term) => subscript::element(ty, &value, &key(term)?)?,
                Subscript::Slice {
                    from,
                    to,
                    multi_cell,
                } => {
                    let from = from.as_ref().map(key).transpose()?;
                    let to = to.as_ref().map(key).transpose()?;
                    subscript::slice(ty, &value, from.as_deref(), to.as_deref(), *multi_cell)?
                }
                Subscript::Field(index) => subscript::field_value(&value, *index)?,
            }
        }
    })
}

/// One output value of an aggregate query: an accumulator, or the first
/// row's value for a plain column (Cassandra's behaviour).
#[derive(Debug)]
enum Slot {
    Accumulator(Box<dyn Accumulator>, Vec<Expr>),
    First(Option<Option<Vec<u8>>>),
}

/// Accumulates rows of one group into one result row.
#[derive(Debug)]
pub struct Groups {
    slots: Vec<Slot>,
}

impl Groups {
    pub fn new(plan: &SelectionPlan) -> CqlResult<Self> {
        let slots = plan
            .outputs
            .iter()
            .map(|o| match &o.expr {
                Expr::Aggregate(function, args) => {
                    Ok(Slot::Accumulator(function.new_accumulator(), args.clone()))
                }
                Expr::Function(..) if o.expr.is_aggregate() => Err(CqlError::invalid(
                    "Functions of aggregates are not supported yet",
                )),
                _ => Ok(Slot::First(None)),
            })
            .collect::<CqlResult<_>>()?;
        Ok(Self { slots })
    }

    pub fn add(
        &mut self,
        table: &TableMetadata,
        plan: &SelectionPlan,
        row: &CqlRow,
        bound: &Bound<'_>,
    ) -> CqlResult<()> {
        for (slot, output) in self.slots.iter_mut().zip(&plan.outputs) {
            match slot {
                Slot::Accumulator(accumulator, args) => {
                    let values = args
                        .iter()
                        .map(|a| eval(table, a, row, bound))
                        .collect::<CqlResult<Vec<_>>>()?;
                    let refs: Vec<Option<&[u8]>> = values.iter().map(Option::as_deref).collect();
                    accumulator.add(&refs)?;
                }
                Slot::First(first) => {
                    if first.is_none() {
                        *first = Some(eval(table, &output.expr, row, bound)?);
                    }
                }
            }
        }
        Ok(())
    }

    pub fn finish(self) -> Vec<Option<Vec<u8>>> {
        self.slots
            .into_iter()
            .map(|slot| match slot {
                Slot::Accumulator(accumulator, _) => accumulator.result(),
                Slot::First(first) => first.flatten(),
            })
            .collect()
    }
}

/// `SELECT JSON`: one text value holding the row as a JSON object.
pub fn json_row(plan: &SelectionPlan, values: &[Option<Vec<u8>>]) -> Vec<u8> {
    let mut out = String::from("{");
    for (i, (output, value)) in plan.outputs.iter().zip(values).enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        let key = if output
            .name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            output.name.clone()
        } else {
            format!("\"{}\"", output.name)
        };
        out.push_str(&serde_json::Value::String(key).to_string());
        out.push_str(": ");
        match value
            .as_deref()
            .map(|v| CqlValue::decode(&output.column_type, v))
        {
            Some(Ok(decoded)) => out.push_str(&value_to_json(&decoded, &output.column_type)),
            _ => out.push_str("null"),
        }
    }
    out.push('}');
    CqlValue::Text(out).to_bytes()
}
