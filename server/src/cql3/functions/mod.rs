//! Cassandra's native functions: the scalar functions of the `system` keyspace
//! (time and timeuuid functions, `blobAs*`/`*AsBlob`, casts, JSON, math, vector
//! similarity), the aggregates (`count`, `min`, `max`, `sum`, `avg`) as stateful
//! accumulators, overload resolution by argument types, and the per-shard
//! timeuuid generator.
//!
//! Invariants: the native table is immutable and built once per process; functions
//! take and return serialized values (`None` is null) and never panic on malformed
//! input. Failures inside a function are `FunctionFailure`, bad calls `Invalid`,
//! with Cassandra's messages.

mod aggregate;
mod cast;
mod native;
mod resolve;
mod timeuuid;

use std::fmt;
use std::sync::Arc;

use sibyl_protocol::types::ColumnType;

pub use aggregate::{Accumulator, AggregateFunction, resolve_aggregate};
pub use cast::cast_function;
pub use resolve::{ArgSpec, is_aggregate_name, resolve_function, resolve_selector_function};
pub use timeuuid::{
    TimeuuidGenerator, max_timeuuid, min_timeuuid, timeuuid_timestamp_100ns, timeuuid_to_unix_ms,
};

use crate::cql3::values::EvalContext;
use crate::cql3::{CqlError, CqlResult};

/// The body of a scalar function: arguments as serialized values (`None` = null).
pub type ScalarBody =
    Arc<dyn Fn(&[Option<&[u8]>], &EvalContext<'_>) -> CqlResult<Option<Vec<u8>>> + Send + Sync>;

/// A native scalar function with one signature.
#[derive(Clone)]
pub struct ScalarFunction {
    /// Cassandra's printed name, `system.<name>`.
    name: String,
    arg_types: Vec<ColumnType>,
    return_type: ColumnType,
    body: ScalarBody,
}

impl fmt::Debug for ScalarFunction {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{}", self.signature())
    }
}

impl ScalarFunction {
    pub(crate) fn new(
        name: &str,
        arg_types: Vec<ColumnType>,
        return_type: ColumnType,
        body: impl Fn(&[Option<&[u8]>], &EvalContext<'_>) -> CqlResult<Option<Vec<u8>>>
        + Send
        + Sync
        + 'static,
    ) -> ScalarFunction {
        ScalarFunction {
            name: format!("system.{name}"),
            arg_types,
            return_type,
            body: Arc::new(body),
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn arg_types(&self) -> &[ColumnType] {
        &self.arg_types
    }

    pub fn return_type(&self) -> &ColumnType {
        &self.return_type
    }

    /// `system.name : (t1, t2) -> r`, as Cassandra lists signatures in errors.
    pub fn signature(&self) -> String {
        let arguments: Vec<String> = self.arg_types.iter().map(ColumnType::cql_name).collect();
        format!(
            "{} : ({}) -> {}",
            self.name,
            arguments.join(", "),
            self.return_type.cql_name()
        )
    }

    /// Runs the function. The argument count must match [`Self::arg_types`].
    pub fn execute(
        &self,
        arguments: &[Option<&[u8]>],
        ctx: &EvalContext<'_>,
    ) -> CqlResult<Option<Vec<u8>>> {
        if arguments.len() != self.arg_types.len() {
            return Err(CqlError::invalid(format!(
                "Invalid number of arguments in call to function {}: {} required but {} provided",
                self.name,
                self.arg_types.len(),
                arguments.len()
            )));
        }
        (self.body)(arguments, ctx)
    }
}

pub(crate) fn function_failure(
    name: &str,
    arg_types: &[ColumnType],
    message: impl Into<String>,
) -> CqlError {
    let short = name.strip_prefix("system.").unwrap_or(name);
    CqlError::FunctionFailure {
        keyspace: "system".into(),
        function: short.into(),
        arg_types: arg_types.iter().map(ColumnType::cql_name).collect(),
        message: message.into(),
    }
}

#[cfg(test)]
mod tests;
