//! JSON forms of values, as Cassandra's `toJSONString` (`SELECT JSON`, `toJson()`)
//! renders them and `fromJSONObject` (`INSERT JSON`, `fromJson()`) accepts them.
//!
//! Output: strings, timestamps (`yyyy-mm-dd hh:mm:ss.SSSZ`), dates, times, uuids,
//! inets, durations and blobs (`0x..`) are JSON strings; numbers are bare (floats as
//! Java prints them, NaN and infinities as `null`); lists, sets, vectors and tuples
//! are arrays; maps are objects whose non-string keys are quoted JSON; UDTs are
//! objects keyed by field name (case-sensitive names in escaped double quotes).
//! Collections are written with `", "` and `": "` separators, as Cassandra does.
//!
//! Input: numbers may come as strings (read with the type's `fromString`), nested
//! collections may come as strings holding JSON, map keys are strings parsed as
//! their type, and UDT keys follow CQL identifier case rules.

use std::net::IpAddr;

use serde_json::Value as Json;
use sibyl_protocol::types::{ColumnType, CqlValue};

use super::bignum::{BigDecimal, BigInt};
use super::literal::{from_string, parse_hex};
use super::temporal::{format_date, format_time, format_timestamp};
use crate::cql3::{CqlError, CqlResult};

/// Cassandra's JSON rendering of a (non-null) value of type `ty`.
pub fn value_to_json(value: &CqlValue, ty: &ColumnType) -> String {
    let mut out = String::new();
    write_json(value, ty, &mut out);
    out
}

fn quote(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| String::from("\"\""))
}

fn write_json(value: &CqlValue, ty: &ColumnType, out: &mut String) {
    use CqlValue as V;
    match value {
        V::Ascii(text) | V::Text(text) => out.push_str(&quote(text)),
        V::Bigint(v) | V::Counter(v) => out.push_str(&v.to_string()),
        V::Int(v) => out.push_str(&v.to_string()),
        V::Smallint(v) => out.push_str(&v.to_string()),
        V::Tinyint(v) => out.push_str(&v.to_string()),
        V::Boolean(v) => out.push_str(&v.to_string()),
        V::Float(v) if v.is_finite() => out.push_str(&java_float_to_string(*v)),
        V::Double(v) if v.is_finite() => out.push_str(&java_double_to_string(*v)),
        V::Float(_) | V::Double(_) | V::Empty => out.push_str("null"),
        V::Varint(bytes) => out.push_str(&BigInt::from_twos_complement(bytes).to_decimal_string()),
        V::Decimal { unscaled, scale } => {
            out.push_str(&BigDecimal::from_bytes(*scale, unscaled).to_java_string())
        }
        V::Timestamp(millis) => out.push_str(&quote(&format_timestamp(*millis, ' ', "Z"))),
        V::Date(days) => out.push_str(&quote(&format_date(*days))),
        V::Time(nanos) => out.push_str(&quote(&format_time(*nanos))),
        V::Uuid(_) | V::Timeuuid(_) => out.push_str(&quote(&value.to_cql_literal())),
        V::Inet(ip) => out.push_str(&quote(&java_host_address(ip))),
        V::Blob(bytes) => {
            out.push_str("\"0x");
            for byte in bytes {
                out.push_str(&format!("{byte:02x}"));
            }
            out.push('"');
        }
        V::Duration { .. } => out.push_str(&quote(&value.to_cql_literal())),
        V::List(elements) | V::Set(elements) | V::Vector(elements) => {
            let element_type = match ty {
                ColumnType::List(e)
                | ColumnType::Set(e)
                | ColumnType::Vector { element: e, .. } => e.as_ref(),
                other => other,
            };
            out.push('[');
            for (index, element) in elements.iter().enumerate() {
                if index > 0 {
                    out.push_str(", ");
                }
                write_json(element, element_type, out);
            }
            out.push(']');
        }
        V::Map(entries) => {
            let (key_type, value_type) = match ty {
                ColumnType::Map(k, v) => (k.as_ref(), v.as_ref()),
                other => (other, other),
            };
            out.push('{');
            for (index, (key, entry)) in entries.iter().enumerate() {
                if index > 0 {
                    out.push_str(", ");
                }
                let key_json = value_to_json(key, key_type);
                if key_json.starts_with('"') {
                    out.push_str(&key_json);
                } else {
                    out.push_str(&quote(&key_json));
                }
                out.push_str(": ");
                write_json(entry, value_type, out);
            }
            out.push('}');
        }
        V::Tuple(elements) => {
            let types: &[ColumnType] = match ty {
                ColumnType::Tuple(types) => types,
                _ => &[],
            };
            out.push('[');
            for (index, element) in elements.iter().enumerate() {
                if index > 0 {
                    out.push_str(", ");
                }
                match (element, types.get(index)) {
                    (Some(element), Some(ty)) => write_json(element, ty, out),
                    (Some(element), None) => write_json(element, &ColumnType::Blob, out),
                    (None, _) => out.push_str("null"),
                }
            }
            out.push(']');
        }
        V::Udt(fields) => {
            let types: &[(String, ColumnType)] = match ty {
                ColumnType::Udt { fields, .. } => fields,
                _ => &[],
            };
            out.push('{');
            for (index, (name, element)) in fields.iter().enumerate() {
                if index > 0 {
                    out.push_str(", ");
                }
                // Case-sensitive names keep their CQL quotes inside the JSON key.
                let key = if name.chars().any(|c| c.is_uppercase()) {
                    format!("\"{name}\"")
                } else {
                    name.clone()
                };
                out.push_str(&quote(&key));
                out.push_str(": ");
                match (element, types.get(index)) {
                    (Some(element), Some((_, ty))) => write_json(element, ty, out),
                    (Some(element), None) => write_json(element, &ColumnType::Blob, out),
                    (None, _) => out.push_str("null"),
                }
            }
            out.push('}');
        }
    }
}

/// Java's `InetAddress.getHostAddress()`: IPv6 in full, uncompressed hex groups.
fn java_host_address(ip: &IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => v6
            .segments()
            .iter()
            .map(|s| format!("{s:x}"))
            .collect::<Vec<_>>()
            .join(":"),
    }
}

/// Java's `Double.toString` for finite values: plain between 10^-3 and 10^7 with at
/// least one fraction digit, else `d.dddE±n`; shortest round-trip digits.
pub fn java_double_to_string(value: f64) -> String {
    java_format(
        &format!("{value:e}"),
        value == 0.0,
        value.is_sign_negative(),
    )
}

/// Java's `Float.toString`, with single-precision shortest digits.
pub fn java_float_to_string(value: f32) -> String {
    java_format(
        &format!("{value:e}"),
        value == 0.0,
        value.is_sign_negative(),
    )
}

fn java_format(scientific: &str, zero: bool, negative: bool) -> String {
    let sign = if negative { "-" } else { "" };
    if zero {
        return format!("{sign}0.0");
    }
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((scientific, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    if (-3..7).contains(&exponent) {
        if exponent >= 0 {
            let split = (exponent + 1) as usize;
            let padded = format!("{digits:0<split$}");
            let (integer, fraction) = padded.split_at(split);
            let fraction = if fraction.is_empty() { "0" } else { fraction };
            format!("{sign}{integer}.{fraction}")
        } else {
            format!("{sign}0.{}{digits}", "0".repeat((-exponent - 1) as usize))
        }
    } else {
        let (first, rest) = digits.split_at(1.min(digits.len()));
        let rest = if rest.is_empty() { "0" } else { rest };
        format!("{sign}{first}.{rest}E{exponent}")
    }
}

/// Jackson's class name for a parsed JSON value, as Cassandra's messages print it.
fn java_class(json: &Json) -> &'static str {
    match json {
        Json::Null => "null",
        Json::Bool(_) => "Boolean",
        Json::Number(n) if n.is_f64() => "Double",
        Json::Number(n) if n.as_i64().is_some_and(|v| i32::try_from(v).is_ok()) => "Integer",
        Json::Number(n) if n.as_i64().is_some() => "Long",
        Json::Number(_) => "BigInteger",
        Json::String(_) => "String",
        Json::Array(_) => "ArrayList",
        Json::Object(_) => "LinkedHashMap",
    }
}

fn got(expected: &str, json: &Json) -> CqlError {
    CqlError::invalid(format!(
        "Expected {expected}, but got a {}: {json}",
        java_class(json)
    ))
}

/// A JSON value as a value of `ty` (`None` for JSON null), errors prefixed with
/// `Error decoding JSON value for <receiver>: ` as INSERT JSON reports them.
pub fn json_to_value(json: &Json, ty: &ColumnType, receiver: &str) -> CqlResult<Option<CqlValue>> {
    from_json_object(json, ty).map_err(|error| match error {
        CqlError::Invalid(message) => CqlError::invalid(format!(
            "Error decoding JSON value for {receiver}: {message}"
        )),
        other => other,
    })
}

/// Cassandra's `fromJSONObject`, errors unprefixed.
pub(crate) fn from_json_object(json: &Json, ty: &ColumnType) -> CqlResult<Option<CqlValue>> {
    use ColumnType as T;
    if json.is_null() {
        return Ok(None);
    }
    // Collections, tuples and UDTs also come as strings holding JSON (map keys).
    let nested;
    let json = match (json, ty) {
        (
            Json::String(text),
            T::List(_) | T::Set(_) | T::Map(..) | T::Tuple(_) | T::Udt { .. } | T::Vector { .. },
        ) => {
            nested = serde_json::from_str::<Json>(text).map_err(|error| {
                CqlError::invalid(format!("Could not decode JSON string '{text}': {error}"))
            })?;
            &nested
        }
        _ => json,
    };
    let text = |json: &Json| match json {
        Json::String(text) => Some(text.clone()),
        Json::Number(number) => Some(number.to_string()),
        _ => None,
    };
    let value =
        match ty {
            T::Ascii | T::Text => match json {
                Json::String(text) => from_string(text, ty)?,
                _ if ty == &T::Ascii => return Err(got("an ascii string", json)),
                _ => return Err(got("a UTF-8 string", json)),
            },
            T::Tinyint | T::Smallint | T::Bigint | T::Counter | T::Varint => match json {
                Json::Number(n) if n.is_f64() => {
                    return Err(got(&format!("{} value", integer_article(ty)), json));
                }
                Json::String(_) | Json::Number(_) => {
                    from_string(text(json).unwrap_or_default().trim(), ty)?
                }
                _ => return Err(got(&format!("{} value", integer_article(ty)), json)),
            },
            T::Int => match json {
                Json::Number(n) if n.as_i64().is_some_and(|v| i32::try_from(v).is_ok()) => {
                    from_string(&n.to_string(), ty)?
                }
                Json::String(s) => from_string(s, ty)?,
                _ => return Err(got("an int value", json)),
            },
            T::Decimal | T::Float | T::Double => match text(json) {
                Some(text) => from_string(&text, ty).map_err(|_| {
                    CqlError::invalid(format!(
                        "Value '{text}' is not a valid representation of a {} value",
                        ty.cql_name()
                    ))
                })?,
                None => return Err(got(&format!("a {} value", ty.cql_name()), json)),
            },
            T::Boolean => match json {
                Json::Bool(value) => CqlValue::Boolean(*value),
                Json::String(s) => from_string(s, ty)?,
                _ => return Err(got("a boolean value", json)),
            },
            T::Timestamp => match json {
                Json::String(s) => from_string(s, ty)?,
                Json::Number(n) if n.as_i64().is_some() => {
                    CqlValue::Timestamp(n.as_i64().unwrap_or_default())
                }
                _ => {
                    return Err(got(
                        "a long or a datestring representation of a timestamp value",
                        json,
                    ));
                }
            },
            T::Date | T::Time => match text(json) {
                Some(text) => from_string(&text, ty)?,
                None => {
                    return Err(got(
                        &format!("a string representation of a {} value", ty.cql_name()),
                        json,
                    ));
                }
            },
            T::Uuid | T::Timeuuid | T::Inet | T::Duration => match json {
                Json::String(s) => from_string(s, ty)?,
                _ => {
                    let article = if ty == &T::Inet { "an" } else { "a" };
                    return Err(got(
                        &format!("a string representation of {article} {}", ty.cql_name()),
                        json,
                    ));
                }
            },
            T::Blob | T::Custom(_) => match json {
                Json::String(s) => match s.strip_prefix("0x") {
                    Some(hex) => CqlValue::Blob(parse_hex(hex)?),
                    None => {
                        return Err(CqlError::invalid(format!(
                            "String representation of blob is missing 0x prefix: {s}"
                        )));
                    }
                },
                _ => return Err(got("a string representation of blob", json)),
            },
            T::List(element) | T::Set(element) | T::Vector { element, .. } => {
                let Json::Array(items) = json else {
                    return Err(got(
                        if matches!(ty, T::Set(_)) {
                            "a list (representing a set)"
                        } else {
                            "a list"
                        },
                        json,
                    ));
                };
                if let T::Vector { dimension, .. } = ty
                    && items.len() != *dimension as usize
                {
                    return Err(CqlError::invalid(format!(
                        "Expected {dimension} elements in vector, but received {}",
                        items.len()
                    )));
                }
                let kind = match ty {
                    T::Set(_) => "set",
                    T::List(_) => "list",
                    _ => "vector",
                };
                let mut values = Vec::with_capacity(items.len());
                for item in items {
                    values.push(from_json_object(item, element)?.ok_or_else(|| {
                        CqlError::invalid(format!("Invalid null element in {kind}"))
                    })?);
                }
                match ty {
                    T::Set(_) => return canonical(ty, CqlValue::Set(values)),
                    T::List(_) => CqlValue::List(values),
                    _ => CqlValue::Vector(values),
                }
            }
            T::Map(key_type, value_type) => {
                let Json::Object(entries) = json else {
                    return Err(got("a map", json));
                };
                let mut values = Vec::with_capacity(entries.len());
                for (key, value) in entries {
                    let key = from_json_object(&Json::String(key.clone()), key_type)?
                        .ok_or_else(|| CqlError::invalid("Invalid null key in map"))?;
                    let value = from_json_object(value, value_type)?
                        .ok_or_else(|| CqlError::invalid("Invalid null value in map"))?;
                    values.push((key, value));
                }
                return canonical(ty, CqlValue::Map(values));
            }
            T::Tuple(types) => {
                let Json::Array(items) = json else {
                    return Err(got("a list representation of a tuple", json));
                };
                if items.len() > types.len() {
                    return Err(CqlError::invalid(format!(
                        "Tuple contains extra items (expected {}): {json}",
                        types.len()
                    )));
                }
                let mut values = Vec::with_capacity(types.len());
                for (index, ty) in types.iter().enumerate() {
                    values.push(match items.get(index) {
                        Some(item) => from_json_object(item, ty)?,
                        None => None,
                    });
                }
                CqlValue::Tuple(values)
            }
            T::Udt { name, fields, .. } => {
                let Json::Object(entries) = json else {
                    return Err(got("a map", json));
                };
                let mut given = Vec::with_capacity(entries.len());
                for (key, value) in entries {
                    // `"Name"` is case-sensitive; bare names are lower-cased.
                    let field = match key.strip_prefix('"').and_then(|k| k.strip_suffix('"')) {
                        Some(quoted) => quoted.to_owned(),
                        None => key.to_lowercase(),
                    };
                    if !fields.iter().any(|(known, _)| known == &field) {
                        return Err(CqlError::invalid(format!(
                            "Unknown field '{field}' in value of user defined type {name}"
                        )));
                    }
                    given.push((field, value));
                }
                let mut values = Vec::with_capacity(fields.len());
                for (field, ty) in fields {
                    let value = match given.iter().find(|(name, _)| name == field) {
                        Some((_, value)) => from_json_object(value, ty)?,
                        None => None,
                    };
                    values.push((field.clone(), value));
                }
                CqlValue::Udt(values)
            }
        };
    Ok(Some(value))
}

fn integer_article(ty: &ColumnType) -> String {
    match ty {
        ColumnType::Varint => "a varint".into(),
        other => format!("a {}", other.cql_name()),
    }
}

/// Sorts and de-duplicates sets and map keys by re-encoding through the bound-value
/// normalizer, so JSON input has the same canonical form as literals.
fn canonical(ty: &ColumnType, value: CqlValue) -> CqlResult<Option<CqlValue>> {
    let bytes = super::collections::normalize_value(ty, &value.to_bytes())?;
    CqlValue::decode(ty, &bytes)
        .map(Some)
        .map_err(|error| CqlError::invalid(error.to_string()))
}

#[cfg(test)]
#[path = "json_tests.rs"]
mod tests;
