//! CQL type descriptors and value codecs (spec v4 §4.2.5.2 and §6, v5 §3 `[vint]`,
//! §6.8 duration, and Cassandra 5.0's `VectorType`).
//!
//! - [`ColumnType`]: the `[option]` type descriptor, its CQL text (as Cassandra prints
//!   it in `system_schema.columns.type`) and its Cassandra marshal class name.
//! - [`CqlValue`]: an owned value of any CQL type, encoded without the `[bytes]`
//!   length prefix, decoded strictly against a [`ColumnType`].
//!
//! Invariants: decoding never panics and never allocates more than the input can
//! hold, whatever counts the input claims; nesting is bounded by [`MAX_NESTING_DEPTH`]
//! both in type descriptors and in values. Everything here is pure and owned by
//! whichever shard decodes the message.

mod class_name;
mod column_type;
mod cql_name;
mod literal;
mod value;
pub mod vint;

pub use column_type::ColumnType;
pub use cql_name::ParsedCqlType;
pub use value::CqlValue;

/// How deeply types may nest (a `list<list<int>>` has depth 2). Cassandra has no
/// explicit bound; ours keeps recursion on untrusted input shallow.
pub const MAX_NESTING_DEPTH: usize = 32;
