//! The value layer of CQL execution: turns terms of statements (literals, bind
//! markers, collection/tuple/UDT/vector literals, type hints, arithmetic, function
//! calls) into serialized values of a receiver's type, orders serialized values as
//! Cassandra does, and converts values to and from JSON.
//!
//! Invariants: every value produced here is valid for its target type and in
//! Cassandra's canonical form (sets and map keys sorted by [`compare_values`] and
//! de-duplicated, varints and decimals minimal); errors carry Cassandra's messages.
//! Everything is pure and owned by the shard executing the statement; the only
//! state is the caller's [`EvalContext`].

mod arithmetic;
pub mod bignum;
mod collections;
mod compare;
mod duration;
mod evaluate;
mod json;
mod literal;
pub mod temporal;

use sibyl_protocol::wire::RawValue;

pub use compare::{compare_values, java_float_compare, reorder_timestamp};
pub use duration::{Duration, parse_duration};
pub use evaluate::{evaluate, exact_type, is_value_compatible, test_assignment};
pub use json::{java_double_to_string, java_float_to_string, json_to_value, value_to_json};
pub use literal::{
    Assignment, from_string, literal_assignment, literal_to_value, parse_hex, parse_uuid,
};

pub use collections::{build_collection, normalize_value};

use crate::cql3::functions::TimeuuidGenerator;
use crate::cql3::{CqlError, CqlResult};

/// A term's value once bound: null, unset (leave the column alone), or bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TermValue {
    Null,
    Unset,
    Value(Vec<u8>),
}

impl TermValue {
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            TermValue::Value(bytes) => Some(bytes),
            TermValue::Null | TermValue::Unset => None,
        }
    }
}

/// Where bind marker values come from (the EXECUTE or QUERY values). Borrowed so
/// execution can hand over the request's buffer without copying it.
pub trait BoundValueSource {
    /// The value bound to the marker at `index` (0-based, in order of appearance).
    fn value(&self, index: usize) -> CqlResult<RawValue<'_>>;
}

impl BoundValueSource for [RawValue<'_>] {
    fn value(&self, index: usize) -> CqlResult<RawValue<'_>> {
        self.get(index).copied().ok_or_else(|| {
            CqlError::invalid(format!(
                "There were {} bind variables but the statement needs at least {}",
                self.len(),
                index + 1
            ))
        })
    }
}

impl BoundValueSource for Vec<RawValue<'_>> {
    fn value(&self, index: usize) -> CqlResult<RawValue<'_>> {
        self.as_slice().value(index)
    }
}

/// For statements executed without bound values (plain QUERY with no markers).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoBoundValues;

impl BoundValueSource for NoBoundValues {
    fn value(&self, index: usize) -> CqlResult<RawValue<'_>> {
        Err(CqlError::invalid(format!(
            "There were 0 bind variables but the statement needs at least {}",
            index + 1
        )))
    }
}

/// What non-deterministic functions read: the statement's clock and the shard's
/// timeuuid generator.
#[derive(Debug, Clone, Copy)]
pub struct EvalContext<'a> {
    /// The statement's "now" in milliseconds since the Unix epoch.
    pub now_ms: i64,
    pub timeuuids: &'a TimeuuidGenerator,
}
