//! Evaluation of terms against a receiver (a column, or an element/field spec such
//! as `value(l)`, `key(m)`, `t[0]`, `u.f`, `arg0(system.blobasint)`), following
//! Cassandra's `Term.Raw.prepare` + `bind`: assignability is checked first with
//! Cassandra's messages, then the value is built in canonical form.

use sibyl_protocol::types::ColumnType;
use sibyl_protocol::wire::RawValue;

use super::arithmetic::evaluate_arithmetic;
use super::collections::{build_collection, normalize_value, sort_map, sort_set};
use super::literal::{Assignment, literal_assignment, literal_to_value};
use super::{BoundValueSource, EvalContext, TermValue};
use crate::cql3::ast::{CqlType, Term};
use crate::cql3::functions::{ArgSpec, resolve_function};
use crate::cql3::{CqlError, CqlResult};

/// Evaluates `term` as a value of `target`; `receiver` names it in messages.
pub fn evaluate(
    term: &Term,
    target: &ColumnType,
    receiver: &str,
    bound: &dyn BoundValueSource,
    ctx: &EvalContext<'_>,
) -> CqlResult<TermValue> {
    match term {
        Term::Literal(literal) => Ok(TermValue::Value(
            literal_to_value(literal, target, receiver)?.to_bytes(),
        )),
        Term::Null => {
            if target == &ColumnType::Counter {
                return Err(CqlError::invalid(
                    "Invalid null value for counter increment/decrement",
                ));
            }
            Ok(TermValue::Null)
        }
        Term::BindMarker(marker) => match bound.value(marker.index)? {
            RawValue::Null => Ok(TermValue::Null),
            RawValue::Unset => Ok(TermValue::Unset),
            RawValue::Value(bytes) => Ok(TermValue::Value(normalize_value(target, bytes)?)),
        },
        Term::List(elements) => evaluate_list(elements, target, receiver, bound, ctx),
        Term::Set(elements) => evaluate_set(elements, target, receiver, bound, ctx),
        Term::Map(entries) => evaluate_map(entries, target, receiver, bound, ctx),
        Term::Tuple(elements) => evaluate_tuple(elements, target, receiver, bound, ctx),
        Term::UserType(fields) => evaluate_udt(fields, target, receiver, bound, ctx),
        Term::FunctionCall { name, arguments } => {
            let specs: Vec<ArgSpec<'_>> = arguments.iter().map(ArgSpec::Term).collect();
            let function = resolve_function(name, &specs, Some((receiver, target)))?;
            if !is_value_compatible(target, function.return_type()) {
                return Err(CqlError::invalid(format!(
                    "Type error: cannot assign result of function {} (type {}) to {receiver} (type {})",
                    function.name(),
                    function.return_type().cql_name(),
                    target.cql_name()
                )));
            }
            let mut values = Vec::with_capacity(arguments.len());
            for (index, (argument, arg_type)) in
                arguments.iter().zip(function.arg_types()).enumerate()
            {
                let spec = format!("arg{index}({})", function.name());
                match evaluate(argument, arg_type, &spec, bound, ctx)? {
                    TermValue::Unset => {
                        return Err(CqlError::invalid(format!(
                            "Invalid unset value for argument in call to function {}",
                            function.name()
                        )));
                    }
                    TermValue::Null => values.push(None),
                    TermValue::Value(bytes) => values.push(Some(bytes)),
                }
            }
            let arguments: Vec<Option<&[u8]>> = values.iter().map(Option::as_deref).collect();
            Ok(match function.execute(&arguments, ctx)? {
                Some(bytes) => TermValue::Value(bytes),
                None => TermValue::Null,
            })
        }
        Term::TypeHint { target: hint, term } => {
            let hinted = hint_type(hint, target);
            if !is_value_compatible(target, &hinted) {
                return Err(CqlError::invalid(format!(
                    "Cannot assign value {term_text} to {receiver} of type {}",
                    target.cql_name(),
                    term_text = Term::TypeHint {
                        target: hint.clone(),
                        term: term.clone()
                    }
                )));
            }
            evaluate(term, &hinted, receiver, bound, ctx)
        }
        Term::Arithmetic {
            operator,
            left,
            right,
        } => evaluate_arithmetic(*operator, left, right, target, receiver, bound, ctx),
        Term::Negate(inner) => {
            super::arithmetic::evaluate_negation(inner, target, receiver, bound, ctx)
        }
    }
}

/// The type a hint names; an unresolved UDT name takes the receiver's definition
/// when the names agree (execution resolves UDTs before calling in).
fn hint_type(hint: &CqlType, target: &ColumnType) -> ColumnType {
    let hinted = hint.to_column_type();
    match (&hinted, target) {
        (
            ColumnType::Udt { name, fields, .. },
            ColumnType::Udt {
                name: target_name, ..
            },
        ) if fields.is_empty() && name == target_name => target.clone(),
        _ => hinted,
    }
}

/// Whether bytes of type `source` are valid bytes of `target` (Cassandra's
/// `isValueCompatibleWith`), e.g. anything into blob, ascii into text.
pub fn is_value_compatible(target: &ColumnType, source: &ColumnType) -> bool {
    use ColumnType as T;
    if target == source {
        return true;
    }
    match (target, source) {
        (T::Blob, _) => true,
        (T::Text, T::Ascii) => true,
        (T::Bigint, T::Timestamp) | (T::Timestamp, T::Bigint) => true,
        (T::Varint, T::Int | T::Bigint | T::Timestamp) => true,
        (T::Uuid, T::Timeuuid) => true,
        (T::List(a), T::List(b)) | (T::Set(a), T::Set(b)) => is_value_compatible(a, b),
        (T::Map(ka, va), T::Map(kb, vb)) => ka == kb && is_value_compatible(va, vb),
        (
            T::Udt { name: a, .. },
            T::Udt {
                name: b, fields, ..
            },
        ) => a == b && fields.is_empty(),
        _ => false,
    }
}

/// Cassandra's `testAssignment` of a term to a type, used to pick function overloads.
pub fn test_assignment(term: &Term, target: &ColumnType) -> Assignment {
    use ColumnType as T;
    let all = |terms: &mut dyn Iterator<Item = (&Term, &ColumnType)>| {
        let mut result = Assignment::ExactMatch;
        for (term, ty) in terms {
            result = result.min(test_assignment(term, ty));
        }
        // A collection of exact elements is still only weakly a collection type.
        result.min(Assignment::WeaklyAssignable)
    };
    match (term, target) {
        (Term::Literal(literal), _) => literal_assignment(literal, target),
        (Term::Null, T::Counter) => Assignment::NotAssignable,
        (Term::Null | Term::BindMarker(_), _) => Assignment::WeaklyAssignable,
        (Term::List(elements), T::List(element) | T::Vector { element, .. }) => {
            all(&mut elements.iter().map(|e| (e, element.as_ref())))
        }
        (Term::Set(elements), T::Set(element)) => {
            all(&mut elements.iter().map(|e| (e, element.as_ref())))
        }
        (Term::Set(elements), T::Map(..)) if elements.is_empty() => Assignment::WeaklyAssignable,
        (Term::Map(entries), T::Map(key, value)) => all(&mut entries
            .iter()
            .flat_map(|(k, v)| [(k, key.as_ref()), (v, value.as_ref())])),
        (Term::Tuple(elements), T::Tuple(types)) if elements.len() <= types.len() => {
            all(&mut elements.iter().zip(types))
        }
        (Term::UserType(_), T::Udt { .. }) => Assignment::WeaklyAssignable,
        (Term::TypeHint { target: hint, .. }, _) => {
            let hinted = hint_type(hint, target);
            if &hinted == target {
                Assignment::ExactMatch
            } else if is_value_compatible(target, &hinted) {
                Assignment::WeaklyAssignable
            } else {
                Assignment::NotAssignable
            }
        }
        (Term::FunctionCall { .. }, _) => match exact_type(term) {
            Some(ty) if &ty == target => Assignment::ExactMatch,
            Some(ty) if is_value_compatible(target, &ty) => Assignment::WeaklyAssignable,
            Some(_) => Assignment::NotAssignable,
            // fromJson() and friends take the receiver's type.
            None => Assignment::WeaklyAssignable,
        },
        (Term::Arithmetic { .. } | Term::Negate(_), _) => {
            if is_numeric(target) || matches!(target, T::Timestamp | T::Date) {
                Assignment::WeaklyAssignable
            } else {
                Assignment::NotAssignable
            }
        }
        _ => Assignment::NotAssignable,
    }
}

/// The type a term has on its own, if it has one (type hints and function calls).
pub fn exact_type(term: &Term) -> Option<ColumnType> {
    match term {
        Term::TypeHint { target, .. } => Some(target.to_column_type()),
        Term::FunctionCall { name, arguments } => {
            let specs: Vec<ArgSpec<'_>> = arguments.iter().map(ArgSpec::Term).collect();
            resolve_function(name, &specs, None)
                .ok()
                .map(|function| function.return_type().clone())
        }
        _ => None,
    }
}

pub(crate) fn is_numeric(ty: &ColumnType) -> bool {
    matches!(
        ty,
        ColumnType::Tinyint
            | ColumnType::Smallint
            | ColumnType::Int
            | ColumnType::Bigint
            | ColumnType::Counter
            | ColumnType::Varint
            | ColumnType::Decimal
            | ColumnType::Float
            | ColumnType::Double
    )
}

fn literal_error(kind: &str, receiver: &str, target: &ColumnType) -> CqlError {
    CqlError::invalid(format!(
        "Invalid {kind} literal for {receiver} of type {}",
        target.cql_name()
    ))
}

/// Evaluates one collection element; `Ok(None)` means an unset marker.
fn element(
    term: &Term,
    ty: &ColumnType,
    spec: &str,
    bound: &dyn BoundValueSource,
    ctx: &EvalContext<'_>,
) -> CqlResult<Option<Vec<u8>>> {
    match evaluate(term, ty, spec, bound, ctx)? {
        TermValue::Null => Err(CqlError::invalid(
            "null is not supported inside collections",
        )),
        TermValue::Unset => Ok(None),
        TermValue::Value(bytes) => Ok(Some(bytes)),
    }
}

fn check_elements(
    elements: &[Term],
    element_type: &ColumnType,
    kind: &str,
    receiver: &str,
) -> CqlResult<()> {
    for term in elements {
        if !test_assignment(term, element_type).is_assignable() {
            return Err(CqlError::invalid(format!(
                "Invalid {kind} literal for {receiver}: value {term} is not of type {}",
                element_type.cql_name()
            )));
        }
    }
    Ok(())
}

fn evaluate_list(
    elements: &[Term],
    target: &ColumnType,
    receiver: &str,
    bound: &dyn BoundValueSource,
    ctx: &EvalContext<'_>,
) -> CqlResult<TermValue> {
    let spec = format!("value({receiver})");
    match target {
        ColumnType::List(element_type) => {
            check_elements(elements, element_type, "list", receiver)?;
            let mut values = Vec::with_capacity(elements.len());
            for term in elements {
                match element(term, element_type, &spec, bound, ctx)? {
                    Some(bytes) => values.push(bytes),
                    // Cassandra makes the whole list unset when an element is.
                    None => return Ok(TermValue::Unset),
                }
            }
            Ok(TermValue::Value(build_collection(
                values.len(),
                values.iter().map(Vec::as_slice),
            )))
        }
        ColumnType::Vector {
            element: element_type,
            dimension,
        } => {
            if elements.len() != *dimension as usize {
                return Err(CqlError::invalid(format!(
                    "Invalid vector literal for {receiver} of type {}; expected {dimension} elements, but given {}",
                    target.cql_name(),
                    elements.len()
                )));
            }
            check_elements(elements, element_type, "vector", receiver)?;
            let mut out = Vec::new();
            for term in elements {
                let bytes = match evaluate(term, element_type, &spec, bound, ctx)? {
                    TermValue::Value(bytes) => bytes,
                    TermValue::Null => {
                        return Err(CqlError::invalid("null is not supported inside vectors"));
                    }
                    TermValue::Unset => return Ok(TermValue::Unset),
                };
                if element_type.fixed_width_in_vector().is_none() {
                    sibyl_protocol::types::vint::write_unsigned_vint(&mut out, bytes.len() as u64);
                }
                out.extend_from_slice(&bytes);
            }
            Ok(TermValue::Value(out))
        }
        _ => Err(literal_error("list", receiver, target)),
    }
}

fn evaluate_set(
    elements: &[Term],
    target: &ColumnType,
    receiver: &str,
    bound: &dyn BoundValueSource,
    ctx: &EvalContext<'_>,
) -> CqlResult<TermValue> {
    match target {
        ColumnType::Set(element_type) => {
            let spec = format!("value({receiver})");
            check_elements(elements, element_type, "set", receiver)?;
            let mut values = Vec::with_capacity(elements.len());
            for term in elements {
                match element(term, element_type, &spec, bound, ctx)? {
                    Some(bytes) => values.push(bytes),
                    None => return Ok(TermValue::Unset),
                }
            }
            let values = sort_set(element_type, values);
            Ok(TermValue::Value(build_collection(
                values.len(),
                values.iter().map(Vec::as_slice),
            )))
        }
        // `{}` is also the empty map.
        ColumnType::Map(..) if elements.is_empty() => Ok(TermValue::Value(build_collection(0, []))),
        _ => Err(literal_error("set", receiver, target)),
    }
}

fn evaluate_map(
    entries: &[(Term, Term)],
    target: &ColumnType,
    receiver: &str,
    bound: &dyn BoundValueSource,
    ctx: &EvalContext<'_>,
) -> CqlResult<TermValue> {
    let ColumnType::Map(key_type, value_type) = target else {
        return Err(literal_error("map", receiver, target));
    };
    let key_spec = format!("key({receiver})");
    let value_spec = format!("value({receiver})");
    for (key, value) in entries {
        if !test_assignment(key, key_type).is_assignable() {
            return Err(CqlError::invalid(format!(
                "Invalid map literal for {receiver}: key {key} is not of type {}",
                key_type.cql_name()
            )));
        }
        if !test_assignment(value, value_type).is_assignable() {
            return Err(CqlError::invalid(format!(
                "Invalid map literal for {receiver}: value {value} is not of type {}",
                value_type.cql_name()
            )));
        }
    }
    let mut pairs = Vec::with_capacity(entries.len());
    for (key, value) in entries {
        let key = match evaluate(key, key_type, &key_spec, bound, ctx)? {
            TermValue::Value(bytes) => bytes,
            TermValue::Null => {
                return Err(CqlError::invalid(
                    "null is not supported inside collections",
                ));
            }
            TermValue::Unset => {
                return Err(CqlError::invalid(
                    "unset value is not supported for map keys",
                ));
            }
        };
        let value = match evaluate(value, value_type, &value_spec, bound, ctx)? {
            TermValue::Value(bytes) => bytes,
            TermValue::Null => {
                return Err(CqlError::invalid(
                    "null is not supported inside collections",
                ));
            }
            TermValue::Unset => {
                return Err(CqlError::invalid(
                    "unset value is not supported for map values",
                ));
            }
        };
        pairs.push((key, value));
    }
    let pairs = sort_map(key_type, pairs);
    Ok(TermValue::Value(build_collection(
        pairs.len(),
        pairs.iter().flat_map(|(k, v)| [k.as_slice(), v.as_slice()]),
    )))
}

/// Appends a nested `[bytes]` (null as length -1).
fn push_field(out: &mut Vec<u8>, value: Option<&[u8]>) {
    match value {
        None => out.extend_from_slice(&(-1i32).to_be_bytes()),
        Some(bytes) => {
            out.extend_from_slice(&(bytes.len() as i32).to_be_bytes());
            out.extend_from_slice(bytes);
        }
    }
}

fn evaluate_tuple(
    elements: &[Term],
    target: &ColumnType,
    receiver: &str,
    bound: &dyn BoundValueSource,
    ctx: &EvalContext<'_>,
) -> CqlResult<TermValue> {
    let ColumnType::Tuple(types) = target else {
        return Err(literal_error("tuple type", receiver, target));
    };
    if elements.len() > types.len() {
        return Err(CqlError::invalid(format!(
            "Invalid tuple literal for {receiver}: too many elements. Type {} expects {} but got {}",
            target.cql_name(),
            types.len(),
            elements.len()
        )));
    }
    let mut out = Vec::new();
    for (index, (term, ty)) in elements.iter().zip(types).enumerate() {
        if !test_assignment(term, ty).is_assignable() {
            return Err(CqlError::invalid(format!(
                "Invalid tuple literal for {receiver}: component {index} is not of type {}",
                ty.cql_name()
            )));
        }
        let spec = format!("{receiver}[{index}]");
        match evaluate(term, ty, &spec, bound, ctx)? {
            TermValue::Null => push_field(&mut out, None),
            TermValue::Value(bytes) => push_field(&mut out, Some(&bytes)),
            TermValue::Unset => {
                return Err(CqlError::invalid(format!(
                    "Invalid unset value for tuple field number {index}"
                )));
            }
        }
    }
    Ok(TermValue::Value(out))
}

fn evaluate_udt(
    fields: &[(String, Term)],
    target: &ColumnType,
    receiver: &str,
    bound: &dyn BoundValueSource,
    ctx: &EvalContext<'_>,
) -> CqlResult<TermValue> {
    let ColumnType::Udt {
        name,
        fields: definition,
        ..
    } = target
    else {
        return Err(literal_error("user type", receiver, target));
    };
    for (field, _) in fields {
        if !definition.iter().any(|(known, _)| known == field) {
            return Err(CqlError::invalid(format!(
                "Unknown field '{field}' in value of user defined type {name}"
            )));
        }
    }
    let mut out = Vec::new();
    for (field, ty) in definition {
        let Some((_, term)) = fields.iter().rev().find(|(given, _)| given == field) else {
            push_field(&mut out, None);
            continue;
        };
        if !test_assignment(term, ty).is_assignable() {
            return Err(CqlError::invalid(format!(
                "Invalid user type literal for {receiver}: field {field} is not of type {}",
                ty.cql_name()
            )));
        }
        let spec = format!("{receiver}.{field}");
        match evaluate(term, ty, &spec, bound, ctx)? {
            TermValue::Null => push_field(&mut out, None),
            TermValue::Value(bytes) => push_field(&mut out, Some(&bytes)),
            TermValue::Unset => {
                return Err(CqlError::invalid(format!(
                    "Invalid unset value for field '{field}' of user defined type {name}"
                )));
            }
        }
    }
    Ok(TermValue::Value(out))
}

#[cfg(test)]
#[path = "evaluate_tests.rs"]
mod tests;
