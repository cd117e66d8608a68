//! Binding request values to a prepared statement's markers, and evaluating
//! its terms (through `cql3::values`).

use sibyl_protocol::request::BoundValues;
use sibyl_protocol::types::ColumnType;
use sibyl_protocol::wire::RawValue;

use crate::cql3::ast::Term;
use crate::cql3::functions::TimeuuidGenerator;
use crate::cql3::values::{EvalContext, TermValue, evaluate};
use crate::cql3::{CqlError, CqlResult};

/// The values of one execution, by marker index, plus the statement clock.
#[derive(Debug)]
pub struct Bound<'a> {
    pub values: Vec<RawValue<'a>>,
    pub now_ms: i64,
    pub timeuuids: &'a TimeuuidGenerator,
    /// Client warnings the execution produced (sent in the frame's warnings).
    pub warnings: std::cell::RefCell<Vec<String>>,
}

impl<'a> Bound<'a> {
    /// Orders the request's values by marker (by name when the client sent names).
    pub fn new(
        values: &BoundValues<'a>,
        names: &[Option<String>],
        now_ms: i64,
        timeuuids: &'a TimeuuidGenerator,
    ) -> CqlResult<Self> {
        let sent: Vec<(Option<&'a str>, RawValue<'a>)> = values.iter().collect();
        let values = if values.is_named() {
            names
                .iter()
                .enumerate()
                .map(|(i, name)| {
                    let name = name.as_deref().ok_or_else(|| {
                        CqlError::invalid(format!(
                            "Bind marker {i} has no name, but values were sent by name"
                        ))
                    })?;
                    sent.iter()
                        .find(|(n, _)| n.is_some_and(|n| n.eq_ignore_ascii_case(name)))
                        .map(|(_, v)| *v)
                        .ok_or_else(|| {
                            CqlError::invalid(format!("Missing value for bind variable {name}"))
                        })
                })
                .collect::<CqlResult<Vec<_>>>()?
        } else {
            sent.into_iter().map(|(_, v)| v).collect()
        };
        if values.len() != names.len() {
            return Err(CqlError::invalid(format!(
                "There were {} markers(?) in CQL but {} bound variables",
                names.len(),
                values.len()
            )));
        }
        Ok(Self {
            values,
            now_ms,
            timeuuids,
            warnings: std::cell::RefCell::new(Vec::new()),
        })
    }

    pub fn eval(&self, term: &Term, target: &ColumnType, receiver: &str) -> CqlResult<TermValue> {
        let ctx = EvalContext {
            now_ms: self.now_ms,
            timeuuids: self.timeuuids,
        };
        evaluate(term, target, receiver, &self.values, &ctx)
    }

    /// A value that must be present (keys, limits).
    pub fn eval_required(
        &self,
        term: &Term,
        target: &ColumnType,
        receiver: &str,
    ) -> CqlResult<Vec<u8>> {
        match self.eval(term, target, receiver)? {
            TermValue::Value(v) => Ok(v),
            TermValue::Null => Err(CqlError::invalid(format!(
                "Invalid null value for {receiver}"
            ))),
            TermValue::Unset => Err(CqlError::invalid(format!(
                "Invalid unset value for {receiver}"
            ))),
        }
    }

    /// An `int` setting like LIMIT or TTL.
    pub fn eval_int(&self, term: &Term, receiver: &str) -> CqlResult<Option<i32>> {
        match self.eval(term, &ColumnType::Int, receiver)? {
            TermValue::Value(v) => {
                Ok(Some(i32::from_be_bytes(v.as_slice().try_into().map_err(
                    |_| CqlError::invalid(format!("Invalid value for {receiver}")),
                )?)))
            }
            TermValue::Null => Err(CqlError::invalid(format!(
                "Invalid null value of {receiver}"
            ))),
            TermValue::Unset => Ok(None),
        }
    }

    pub fn eval_bigint(&self, term: &Term, receiver: &str) -> CqlResult<Option<i64>> {
        match self.eval(term, &ColumnType::Bigint, receiver)? {
            TermValue::Value(v) => {
                Ok(Some(i64::from_be_bytes(v.as_slice().try_into().map_err(
                    |_| CqlError::invalid(format!("Invalid value for {receiver}")),
                )?)))
            }
            TermValue::Null => Err(CqlError::invalid(format!(
                "Invalid null value of {receiver}"
            ))),
            TermValue::Unset => Ok(None),
        }
    }
}
