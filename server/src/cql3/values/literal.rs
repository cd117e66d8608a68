//! Constants into typed values, following Cassandra's `Constants.Literal`: a literal
//! kind is first tested for assignability to the receiver's type (else `Invalid
//! <KIND> constant (<text>) for "<receiver>" of type <type>`), then parsed with the
//! type's `fromString`, whose `MarshalException` message becomes the Invalid message.

use std::net::IpAddr;

use sibyl_protocol::types::{ColumnType, CqlValue};

use super::bignum::{BigDecimal, BigInt};
use super::duration::parse_duration;
use super::temporal::{parse_date, parse_time, parse_timestamp};
use crate::cql3::ast::Literal;
use crate::cql3::{CqlError, CqlResult};

/// How well a term fits a type (Cassandra's `AssignmentTestable.TestResult`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Assignment {
    NotAssignable,
    WeaklyAssignable,
    ExactMatch,
}

impl Assignment {
    pub fn is_assignable(self) -> bool {
        self != Assignment::NotAssignable
    }
}

/// The kind name Cassandra prints in `Invalid <KIND> constant`.
pub fn literal_kind(literal: &Literal) -> &'static str {
    match literal {
        Literal::String(_) => "STRING",
        Literal::Integer(_) => "INTEGER",
        Literal::Float(_) => "FLOAT",
        Literal::Boolean(_) => "BOOLEAN",
        Literal::Hex(_) => "HEX",
        Literal::Uuid(_) => "UUID",
        Literal::Duration(_) => "DURATION",
    }
}

/// The literal's text as Cassandra's error messages show it (strings unquoted).
pub fn literal_text(literal: &Literal) -> String {
    match literal {
        Literal::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// `Constants.Literal.testAssignment`.
pub fn literal_assignment(literal: &Literal, target: &ColumnType) -> Assignment {
    use ColumnType as T;
    let weak = match (literal, target) {
        (_, T::Custom(_)) => return Assignment::WeaklyAssignable,
        (Literal::String(text), T::Ascii) if text.is_ascii() => return Assignment::ExactMatch,
        (Literal::String(text), T::Text) if !text.is_ascii() => return Assignment::ExactMatch,
        (Literal::String(_), T::Ascii | T::Text | T::Inet | T::Date | T::Time | T::Timestamp) => {
            true
        }
        (Literal::Integer(text), T::Int) if text.parse::<i32>().is_ok() => {
            return Assignment::ExactMatch;
        }
        (Literal::Integer(text), T::Bigint)
            if text.parse::<i32>().is_err() && text.parse::<i64>().is_ok() =>
        {
            return Assignment::ExactMatch;
        }
        (Literal::Integer(text), T::Varint) if text.parse::<i64>().is_err() => {
            return Assignment::ExactMatch;
        }
        (
            Literal::Integer(_),
            T::Bigint
            | T::Counter
            | T::Date
            | T::Decimal
            | T::Double
            | T::Duration
            | T::Float
            | T::Int
            | T::Smallint
            | T::Time
            | T::Timestamp
            | T::Tinyint
            | T::Varint,
        ) => true,
        (Literal::Uuid(text), T::Timeuuid) if uuid_version(text) == Some(1) => {
            return Assignment::ExactMatch;
        }
        (Literal::Uuid(text), T::Uuid) if uuid_version(text) != Some(1) => {
            return Assignment::ExactMatch;
        }
        (Literal::Uuid(_), T::Uuid | T::Timeuuid) => true,
        (Literal::Float(_), T::Double) => return Assignment::ExactMatch,
        (Literal::Float(_), T::Decimal | T::Float) => true,
        (Literal::Boolean(_), T::Boolean) => return Assignment::ExactMatch,
        (Literal::Hex(_), T::Blob) => true,
        (Literal::Duration(_), T::Duration) => return Assignment::ExactMatch,
        _ => false,
    };
    if weak {
        Assignment::WeaklyAssignable
    } else {
        Assignment::NotAssignable
    }
}

/// A literal as a value of `target`; `receiver` names the column (or element spec
/// such as `value(l)`) in messages.
pub fn literal_to_value(
    literal: &Literal,
    target: &ColumnType,
    receiver: &str,
) -> CqlResult<CqlValue> {
    if !literal_assignment(literal, target).is_assignable() {
        return Err(CqlError::invalid(format!(
            "Invalid {} constant ({}) for \"{receiver}\" of type {}",
            literal_kind(literal),
            literal_text(literal),
            target.cql_name()
        )));
    }
    if let Literal::Hex(text) = literal {
        let bytes = parse_hex(text.get(2..).unwrap_or_default())?;
        return Ok(CqlValue::Blob(bytes));
    }
    if let Literal::Boolean(value) = literal {
        return Ok(CqlValue::Boolean(*value));
    }
    let text = literal_text(literal);
    from_string(&text, target)
}

/// A type's `fromString` (the CQL text form of a value). Counters read as bigints.
pub fn from_string(text: &str, target: &ColumnType) -> CqlResult<CqlValue> {
    let unable = |what: &str| CqlError::invalid(format!("Unable to make {what} from '{text}'"));
    let value = match target {
        ColumnType::Ascii => {
            if !text.is_ascii() {
                return Err(CqlError::invalid(
                    "Invalid ASCII character in string literal: java.nio.charset.UnmappableCharacterException: Input length = 1",
                ));
            }
            CqlValue::Ascii(text.to_owned())
        }
        ColumnType::Text => CqlValue::Text(text.to_owned()),
        ColumnType::Tinyint => CqlValue::Tinyint(text.parse().map_err(|_| unable("byte"))?),
        ColumnType::Smallint => CqlValue::Smallint(text.parse().map_err(|_| unable("short"))?),
        ColumnType::Int => CqlValue::Int(text.parse().map_err(|_| unable("int"))?),
        ColumnType::Bigint => CqlValue::Bigint(text.parse().map_err(|_| unable("long"))?),
        ColumnType::Counter => CqlValue::Counter(text.parse().map_err(|_| unable("long"))?),
        ColumnType::Varint => {
            let value = BigInt::parse(text).ok_or_else(|| {
                CqlError::invalid(format!("unable to make integer from '{text}'"))
            })?;
            CqlValue::Varint(value.to_twos_complement())
        }
        ColumnType::Decimal => {
            let value = BigDecimal::parse(text).ok_or_else(|| {
                CqlError::invalid(format!("unable to make BigDecimal from '{text}'"))
            })?;
            CqlValue::Decimal {
                unscaled: value.unscaled.to_twos_complement(),
                scale: value.scale,
            }
        }
        ColumnType::Float => CqlValue::Float(parse_java_f32(text).ok_or_else(|| unable("float"))?),
        ColumnType::Double => {
            CqlValue::Double(parse_java_float(text).ok_or_else(|| unable("double"))?)
        }
        ColumnType::Boolean => match text.to_ascii_lowercase().as_str() {
            "true" => CqlValue::Boolean(true),
            "false" => CqlValue::Boolean(false),
            _ => return Err(unable("boolean")),
        },
        ColumnType::Timestamp => CqlValue::Timestamp(parse_timestamp(text)?),
        ColumnType::Date => CqlValue::Date(parse_date(text)?),
        ColumnType::Time => CqlValue::Time(parse_time(text)?),
        ColumnType::Inet => CqlValue::Inet(text.parse::<IpAddr>().map_err(|_| {
            CqlError::invalid(format!("Unable to make inet address from '{text}'"))
        })?),
        ColumnType::Uuid => CqlValue::Uuid(parse_uuid(text).ok_or_else(|| unable("UUID"))?),
        ColumnType::Timeuuid => {
            let bytes = parse_uuid(text).ok_or_else(|| {
                CqlError::invalid(format!("Unknown timeuuid representation: {text}"))
            })?;
            if bytes[6] >> 4 != 1 {
                return Err(CqlError::invalid("TimeUUID supports only version 1 UUIDs"));
            }
            CqlValue::Timeuuid(bytes)
        }
        ColumnType::Duration => {
            let duration = parse_duration(text)?;
            CqlValue::Duration {
                months: duration.months,
                days: duration.days,
                nanoseconds: duration.nanoseconds,
            }
        }
        ColumnType::Blob | ColumnType::Custom(_) => {
            let hex = text.strip_prefix("0x").unwrap_or(text);
            CqlValue::Blob(parse_hex(hex)?)
        }
        other => {
            return Err(CqlError::invalid(format!(
                "Cannot parse '{text}' as a value of type {}",
                other.cql_name()
            )));
        }
    };
    Ok(value)
}

/// Java's `Double.parseDouble` on the forms CQL produces, including `NaN` and
/// signed `Infinity`.
pub fn parse_java_float(text: &str) -> Option<f64> {
    let trimmed = text.trim();
    match trimmed {
        "NaN" | "-NaN" | "+NaN" => return Some(f64::NAN),
        "Infinity" | "+Infinity" => return Some(f64::INFINITY),
        "-Infinity" => return Some(f64::NEG_INFINITY),
        _ => {}
    }
    // Rust accepts "inf"/"nan" spellings Java rejects; only digits reach the parser.
    if trimmed
        .bytes()
        .any(|b| b.is_ascii_alphabetic() && !matches!(b, b'e' | b'E'))
    {
        return None;
    }
    trimmed.parse().ok()
}

/// Java's `Float.parseFloat`: rounds the decimal text straight to single precision.
pub fn parse_java_f32(text: &str) -> Option<f32> {
    let value = parse_java_float(text)?;
    if value.is_finite() {
        text.trim().parse().ok()
    } else {
        Some(value as f32)
    }
}

/// `BytesType.fromString`: hex digits without prefix, even count.
pub fn parse_hex(hex: &str) -> CqlResult<Vec<u8>> {
    let error = || CqlError::invalid(format!("cannot parse '{hex}' as hex bytes"));
    if !hex.len().is_multiple_of(2) {
        return Err(error());
    }
    (0..hex.len())
        .step_by(2)
        .map(|at| {
            hex.get(at..at + 2)
                .and_then(|pair| u8::from_str_radix(pair, 16).ok())
                .ok_or_else(error)
        })
        .collect()
}

/// The canonical 8-4-4-4-12 form.
pub fn parse_uuid(text: &str) -> Option<[u8; 16]> {
    let bytes = text.as_bytes();
    if bytes.len() != 36
        || [8, 13, 18, 23]
            .iter()
            .any(|at| bytes.get(*at) != Some(&b'-'))
    {
        return None;
    }
    let hex: String = text.chars().filter(|c| *c != '-').collect();
    let mut out = [0u8; 16];
    for (index, slot) in out.iter_mut().enumerate() {
        *slot = u8::from_str_radix(hex.get(index * 2..index * 2 + 2)?, 16).ok()?;
    }
    Some(out)
}

fn uuid_version(text: &str) -> Option<u8> {
    parse_uuid(text).map(|bytes| bytes[6] >> 4)
}

#[cfg(test)]
#[path = "literal_tests.rs"]
mod tests;
