//! Overload resolution, as Cassandra's `FunctionResolver`: candidates by name, then
//! by arity and argument assignability, an exact match beating weak ones; a single
//! candidate reports precisely which argument does not fit. Functions generic over
//! their argument type (`toJson`, `fromJson`, `similarity_*`) are instantiated here.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use sibyl_protocol::types::ColumnType;

use super::ScalarFunction;
use super::native::{from_json_function, native_functions, similarity_function, to_json_function};
use crate::cql3::ast::{QualifiedName, Term};
use crate::cql3::values::{
    Assignment, exact_type, is_value_compatible, literal_assignment, test_assignment,
};
use crate::cql3::{CqlError, CqlResult};

/// What is known about an argument: a typed expression (a column, a selector) or a
/// term whose type comes from the signature.
#[derive(Debug, Clone)]
pub enum ArgSpec<'a> {
    Typed(ColumnType),
    Term(&'a Term),
}

impl ArgSpec<'_> {
    fn assignment(&self, parameter: &ColumnType) -> Assignment {
        match self {
            ArgSpec::Typed(ty) if ty == parameter => Assignment::ExactMatch,
            ArgSpec::Typed(ty) if is_value_compatible(parameter, ty) => {
                Assignment::WeaklyAssignable
            }
            ArgSpec::Typed(_) => Assignment::NotAssignable,
            ArgSpec::Term(term) => test_assignment(term, parameter),
        }
    }

    /// The argument's own type: declared, from a hint or function, or a literal's
    /// preferred type (Cassandra's `getCompatibleTypeIfKnown`).
    fn known_type(&self) -> Option<ColumnType> {
        match self {
            ArgSpec::Typed(ty) => Some(ty.clone()),
            ArgSpec::Term(Term::Literal(literal)) => {
                use crate::cql3::ast::Literal as L;
                let candidates: &[ColumnType] = match literal {
                    L::String(_) => &[ColumnType::Ascii, ColumnType::Text],
                    L::Integer(_) => &[ColumnType::Int, ColumnType::Bigint, ColumnType::Varint],
                    L::Float(_) => &[ColumnType::Double],
                    L::Boolean(_) => &[ColumnType::Boolean],
                    L::Hex(_) => &[ColumnType::Blob],
                    L::Uuid(_) => &[ColumnType::Timeuuid, ColumnType::Uuid],
                    L::Duration(_) => &[ColumnType::Duration],
                };
                candidates
                    .iter()
                    .find(|ty| literal_assignment(literal, ty) == Assignment::ExactMatch)
                    .or(candidates.last())
                    .cloned()
            }
            ArgSpec::Term(term) => exact_type(term),
        }
    }

    fn text(&self) -> String {
        match self {
            ArgSpec::Typed(ty) => ty.cql_name(),
            ArgSpec::Term(term) => term.to_string(),
        }
    }
}

fn registry() -> &'static HashMap<String, Vec<Arc<ScalarFunction>>> {
    static REGISTRY: OnceLock<HashMap<String, Vec<Arc<ScalarFunction>>>> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        let mut map: HashMap<String, Vec<Arc<ScalarFunction>>> = HashMap::new();
        for function in native_functions() {
            let short = function.name().trim_start_matches("system.").to_owned();
            map.entry(short).or_default().push(Arc::new(function));
        }
        map
    })
}

/// Whether `name` is one of the native aggregates.
pub fn is_aggregate_name(name: &str) -> bool {
    matches!(name, "count" | "min" | "max" | "sum" | "avg")
}

fn system_name(name: &QualifiedName) -> Option<&str> {
    match name.keyspace.as_deref() {
        None | Some("system") => Some(name.name.as_str()),
        Some(_) => None,
    }
}

/// Resolves a function called in a term (WHERE, VALUES, SET): unknown names give
/// `Unknown function <name> called`. `receiver` is the spec the result is assigned
/// to, needed by `fromJson`.
pub fn resolve_function(
    name: &QualifiedName,
    args: &[ArgSpec<'_>],
    receiver: Option<(&str, &ColumnType)>,
) -> CqlResult<Arc<ScalarFunction>> {
    resolve(name, args, receiver).and_then(|found| {
        found.ok_or_else(|| CqlError::invalid(format!("Unknown function {name} called")))
    })
}

/// Resolves a scalar function called in a selection: unknown names give
/// `Unknown function '<name>'`.
pub fn resolve_selector_function(
    name: &QualifiedName,
    args: &[ArgSpec<'_>],
) -> CqlResult<Arc<ScalarFunction>> {
    resolve(name, args, None).and_then(|found| {
        found.ok_or_else(|| CqlError::invalid(format!("Unknown function '{name}'")))
    })
}

fn resolve(
    name: &QualifiedName,
    args: &[ArgSpec<'_>],
    receiver: Option<(&str, &ColumnType)>,
) -> CqlResult<Option<Arc<ScalarFunction>>> {
    let Some(short) = system_name(name) else {
        return Ok(None);
    };
    if is_aggregate_name(short) && receiver.is_some() {
        return Err(CqlError::invalid(
            "Aggregation function are not supported in the where clause",
        ));
    }
    match short {
        "tojson" | "to_json" => {
            if args.len() != 1 {
                return Err(CqlError::invalid(format!(
                    "toJson() only accepts one argument (got {})",
                    args.len()
                )));
            }
            let ty = args[0]
                .known_type()
                .ok_or_else(|| cannot_infer(&args[0], "system.tojson"))?;
            return Ok(Some(Arc::new(to_json_function(ty))));
        }
        "fromjson" | "from_json" => {
            if args.len() != 1 {
                return Err(CqlError::invalid(format!(
                    "fromJson() only accepts one argument (got {})",
                    args.len()
                )));
            }
            let Some((_, target)) = receiver else {
                return Err(CqlError::invalid(
                    "fromJson() cannot be used in the selection clause of a SELECT statement",
                ));
            };
            return Ok(Some(Arc::new(from_json_function(target.clone()))));
        }
        "similarity_cosine" | "similarity_dot_product" | "similarity_euclidean" => {
            let vector = args.iter().find_map(|arg| match arg.known_type() {
                Some(ty @ ColumnType::Vector { .. }) => Some(ty),
                _ => None,
            });
            let Some(vector) = vector else {
                return Err(cannot_infer(
                    args.first().unwrap_or(&ArgSpec::Typed(ColumnType::Blob)),
                    &format!("system.{short}"),
                ));
            };
            let function = similarity_function(short, vector)?;
            return check_single(&function, args).map(|()| Some(Arc::new(function)));
        }
        _ => {}
    }
    let Some(candidates) = registry().get(short) else {
        return Ok(None);
    };
    if let [only] = candidates.as_slice() {
        check_single(only, args)?;
        return Ok(Some(only.clone()));
    }
    let mut exact = Vec::new();
    let mut compatible = Vec::new();
    for candidate in candidates {
        if candidate.arg_types().len() != args.len() {
            continue;
        }
        let fit = args
            .iter()
            .zip(candidate.arg_types())
            .map(|(arg, ty)| arg.assignment(ty))
            .min()
            .unwrap_or(Assignment::ExactMatch);
        match fit {
            Assignment::ExactMatch => exact.push(candidate.clone()),
            Assignment::WeaklyAssignable => compatible.push(candidate.clone()),
            Assignment::NotAssignable => {}
        }
    }
    let printed = format!("system.{short}");
    match (exact.as_slice(), compatible.as_slice()) {
        ([one], _) => Ok(Some(one.clone())),
        ([], [one]) => Ok(Some(one.clone())),
        ([], []) => Err(CqlError::invalid(format!(
            "Invalid call to function {printed}, none of its type signatures match (known type signatures: {})",
            signatures(candidates)
        ))),
        ([], many) | (many, _) => Err(CqlError::invalid(format!(
            "Ambiguous call to function {printed} (can be matched by following signatures: {}): use type casts to disambiguate",
            signatures(many)
        ))),
    }
}

fn signatures(functions: &[Arc<ScalarFunction>]) -> String {
    functions
        .iter()
        .map(|function| function.signature())
        .collect::<Vec<_>>()
        .join(", ")
}

fn cannot_infer(arg: &ArgSpec<'_>, function: &str) -> CqlError {
    CqlError::invalid(format!(
        "Cannot infer type of argument {} in call to function {function}: use type casts to disambiguate",
        arg.text()
    ))
}

fn check_single(function: &ScalarFunction, args: &[ArgSpec<'_>]) -> CqlResult<()> {
    if function.arg_types().len() != args.len() {
        return Err(CqlError::invalid(format!(
            "Invalid number of arguments in call to function {}: {} required but {} provided",
            function.name(),
            function.arg_types().len(),
            args.len()
        )));
    }
    for (index, (arg, ty)) in args.iter().zip(function.arg_types()).enumerate() {
        if !arg.assignment(ty).is_assignable() {
            return Err(CqlError::invalid(format!(
                "Type error: {} cannot be passed as argument {index} of function {} of type {}",
                arg.text(),
                function.name(),
                ty.cql_name()
            )));
        }
    }
    Ok(())
}
