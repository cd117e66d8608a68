//! `CAST(x AS type)` conversions, Cassandra's `CastFcts`: numbers to every other
//! numeric type with Java's narrowing rules (integers wrap, floats truncate and
//! saturate, `BigDecimal.valueOf` for floating point to decimal), every native type
//! to `text`/`ascii` with its serializer's `toString`, and the temporal conversions
//! timestamp↔date, timeuuid→timestamp/date.

use sibyl_protocol::types::{ColumnType, CqlValue};

use super::ScalarFunction;
use super::native::saturate;
use super::timeuuid::timeuuid_to_unix_ms;
use crate::cql3::values::bignum::{BigDecimal, BigInt};
use crate::cql3::values::temporal::{
    DATE_EPOCH_DAYS, MILLIS_PER_DAY, format_date, format_time, format_timestamp,
};
use crate::cql3::{CqlError, CqlResult};

fn is_castable_number(ty: &ColumnType) -> bool {
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

fn is_native(ty: &ColumnType) -> bool {
    !matches!(
        ty,
        ColumnType::List(_)
            | ColumnType::Set(_)
            | ColumnType::Map(..)
            | ColumnType::Tuple(_)
            | ColumnType::Udt { .. }
            | ColumnType::Vector { .. }
            | ColumnType::Custom(_)
    )
}

/// The cast of `column` (of type `from`) to `to`, or Invalid `<column> cannot be cast
/// to <type>`. Casting to the same type is the identity.
pub fn cast_function(
    from: &ColumnType,
    to: &ColumnType,
    column: &str,
) -> CqlResult<ScalarFunction> {
    use ColumnType as T;
    let allowed = from == to
        || (is_castable_number(from) && is_castable_number(to) && to != &T::Counter)
        || (matches!(to, T::Text | T::Ascii) && is_native(from))
        || matches!(
            (from, to),
            (T::Timestamp, T::Date)
                | (T::Date, T::Timestamp)
                | (T::Timeuuid, T::Timestamp | T::Date)
        );
    if !allowed {
        return Err(CqlError::invalid(format!(
            "{column} cannot be cast to {}",
            to.cql_name()
        )));
    }
    let (source, target) = (from.clone(), to.clone());
    let name = format!("castas{}", to.cql_name());
    Ok(ScalarFunction::new(
        &name,
        vec![from.clone()],
        to.clone(),
        move |args, _| {
            let Some(bytes) = args[0] else {
                return Ok(None);
            };
            if source == target || bytes.is_empty() {
                return Ok(Some(bytes.to_vec()));
            }
            let value = CqlValue::decode(&source, bytes)
                .map_err(|error| CqlError::invalid(error.to_string()))?;
            Ok(convert(&value, &target).map(|value| value.to_bytes()))
        },
    ))
}

/// Every number as a decimal, exactly as Java's conversions to `BigDecimal` see it.
fn as_decimal(value: &CqlValue) -> Option<BigDecimal> {
    use crate::cql3::values::{java_double_to_string, java_float_to_string};
    Some(match value {
        CqlValue::Tinyint(v) => BigDecimal::from_bigint(BigInt::from_i128((*v).into())),
        CqlValue::Smallint(v) => BigDecimal::from_bigint(BigInt::from_i128((*v).into())),
        CqlValue::Int(v) => BigDecimal::from_bigint(BigInt::from_i128((*v).into())),
        CqlValue::Bigint(v) | CqlValue::Counter(v) => {
            BigDecimal::from_bigint(BigInt::from_i128((*v).into()))
        }
        CqlValue::Varint(bytes) => BigDecimal::from_bigint(BigInt::from_twos_complement(bytes)),
        CqlValue::Decimal { unscaled, scale } => BigDecimal::from_bytes(*scale, unscaled),
        CqlValue::Float(v) => BigDecimal::parse(&java_float_to_string(*v))?,
        CqlValue::Double(v) => BigDecimal::parse(&java_double_to_string(*v))?,
        _ => return None,
    })
}

fn as_f64(value: &CqlValue) -> Option<f64> {
    match value {
        CqlValue::Float(v) => Some(f64::from(*v)),
        CqlValue::Double(v) => Some(*v),
        other => as_decimal(other).map(|d| d.to_f64()),
    }
}

/// Java's `Number.longValue()`: floats saturate, big numbers keep their low bits.
fn as_wrapped_i64(value: &CqlValue) -> Option<i64> {
    match value {
        CqlValue::Float(v) => Some(saturate(f64::from(*v))),
        CqlValue::Double(v) => Some(saturate(*v)),
        other => as_decimal(other).map(|d| d.to_bigint().low_i64()),
    }
}

/// Java's `intValue()`: for floats, saturate to int first.
fn as_wrapped_i32(value: &CqlValue) -> Option<i32> {
    match value {
        CqlValue::Float(v) => Some(f64::from(*v) as i32),
        CqlValue::Double(v) => Some(*v as i32),
        other => as_wrapped_i64(other).map(|v| v as i32),
    }
}

fn convert(value: &CqlValue, target: &ColumnType) -> Option<CqlValue> {
    use crate::cql3::values::{java_double_to_string, java_float_to_string};
    use ColumnType as T;
    Some(match target {
        T::Tinyint => CqlValue::Tinyint(as_wrapped_i32(value)? as i8),
        T::Smallint => CqlValue::Smallint(as_wrapped_i32(value)? as i16),
        T::Int => CqlValue::Int(as_wrapped_i32(value)?),
        T::Bigint => CqlValue::Bigint(as_wrapped_i64(value)?),
        T::Float => CqlValue::Float(as_f64(value)? as f32),
        T::Double => CqlValue::Double(as_f64(value)?),
        T::Varint => CqlValue::Varint(as_decimal(value)?.to_bigint().to_twos_complement()),
        T::Decimal => {
            let decimal = as_decimal(value)?;
            CqlValue::Decimal {
                unscaled: decimal.unscaled.to_twos_complement(),
                scale: decimal.scale,
            }
        }
        T::Date => {
            let millis = match value {
                CqlValue::Timestamp(ms) => *ms,
                CqlValue::Timeuuid(uuid) => timeuuid_to_unix_ms(uuid),
                _ => return None,
            };
            CqlValue::Date(u32::try_from(millis.div_euclid(MILLIS_PER_DAY) + DATE_EPOCH_DAYS).ok()?)
        }
        T::Timestamp => match value {
            CqlValue::Date(days) => {
                CqlValue::Timestamp((i64::from(*days) - DATE_EPOCH_DAYS) * MILLIS_PER_DAY)
            }
            CqlValue::Timeuuid(uuid) => CqlValue::Timestamp(timeuuid_to_unix_ms(uuid)),
            _ => return None,
        },
        T::Text | T::Ascii => {
            let text = match value {
                CqlValue::Ascii(s) | CqlValue::Text(s) => s.clone(),
                CqlValue::Timestamp(ms) => format_timestamp(*ms, 'T', "Z"),
                CqlValue::Date(days) => format_date(*days),
                CqlValue::Time(nanos) => format_time(*nanos),
                CqlValue::Float(v) if v.is_nan() => "NaN".into(),
                CqlValue::Float(v) if v.is_infinite() => {
                    if *v > 0.0 { "Infinity" } else { "-Infinity" }.into()
                }
                CqlValue::Double(v) if v.is_nan() => "NaN".into(),
                CqlValue::Double(v) if v.is_infinite() => {
                    if *v > 0.0 { "Infinity" } else { "-Infinity" }.into()
                }
                CqlValue::Float(v) => java_float_to_string(*v),
                CqlValue::Double(v) => java_double_to_string(*v),
                CqlValue::Varint(_) | CqlValue::Decimal { .. } => {
                    as_decimal(value)?.to_java_string()
                }
                CqlValue::Blob(bytes) => bytes.iter().map(|b| format!("{b:02x}")).collect(),
                CqlValue::Inet(_) => {
                    let json = crate::cql3::values::value_to_json(value, &T::Inet);
                    json.trim_matches('"').to_owned()
                }
                other => other.to_cql_literal().trim_matches('\'').to_owned(),
            };
            if target == &T::Ascii {
                CqlValue::Ascii(text)
            } else {
                CqlValue::Text(text)
            }
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cql3::functions::TimeuuidGenerator;
    use crate::cql3::values::EvalContext;

    fn cast(value: CqlValue, from: ColumnType, to: ColumnType) -> CqlValue {
        let generator = TimeuuidGenerator::new();
        let ctx = EvalContext {
            now_ms: 0,
            timeuuids: &generator,
        };
        let function = cast_function(&from, &to, "c").unwrap();
        let bytes = function
            .execute(&[Some(&value.to_bytes())], &ctx)
            .unwrap()
            .unwrap();
        CqlValue::decode(&to, &bytes).unwrap()
    }

    #[test]
    fn numeric_casts_follow_java() {
        assert_eq!(
            cast(CqlValue::Int(300), ColumnType::Int, ColumnType::Tinyint),
            CqlValue::Tinyint(44)
        );
        assert_eq!(
            cast(CqlValue::Double(-1.9), ColumnType::Double, ColumnType::Int),
            CqlValue::Int(-1)
        );
        assert_eq!(
            cast(CqlValue::Double(1e20), ColumnType::Double, ColumnType::Int),
            CqlValue::Int(i32::MAX)
        );
        assert_eq!(
            cast(
                CqlValue::Double(f64::NAN),
                ColumnType::Double,
                ColumnType::Bigint
            ),
            CqlValue::Bigint(0)
        );
        assert_eq!(
            cast(
                CqlValue::Double(1.0),
                ColumnType::Double,
                ColumnType::Decimal
            ),
            CqlValue::Decimal {
                unscaled: vec![10],
                scale: 1
            }
        );
        assert_eq!(
            cast(CqlValue::Float(2.5), ColumnType::Float, ColumnType::Varint),
            CqlValue::Varint(vec![2])
        );
    }

    #[test]
    fn text_casts_use_serializer_strings() {
        let text = |v, from| cast(v, from, ColumnType::Text);
        assert_eq!(
            text(CqlValue::Timestamp(0), ColumnType::Timestamp),
            CqlValue::Text("1970-01-01T00:00:00.000Z".into())
        );
        assert_eq!(
            text(CqlValue::Double(1.0), ColumnType::Double),
            CqlValue::Text("1.0".into())
        );
        assert_eq!(
            text(CqlValue::Float(1e10), ColumnType::Float),
            CqlValue::Text("1.0E10".into())
        );
        assert_eq!(
            text(CqlValue::Blob(vec![0xAB]), ColumnType::Blob),
            CqlValue::Text("ab".into())
        );
        assert_eq!(
            text(CqlValue::Boolean(true), ColumnType::Boolean),
            CqlValue::Text("true".into())
        );
        assert_eq!(
            text(CqlValue::Date(1 << 31), ColumnType::Date),
            CqlValue::Text("1970-01-01".into())
        );
    }

    #[test]
    fn temporal_casts_and_rejections() {
        assert_eq!(
            cast(
                CqlValue::Timestamp(-1),
                ColumnType::Timestamp,
                ColumnType::Date
            ),
            CqlValue::Date((1 << 31) - 1)
        );
        let error = cast_function(&ColumnType::Text, &ColumnType::Int, "name").unwrap_err();
        assert_eq!(error, CqlError::invalid("name cannot be cast to int"));
        assert!(cast_function(&ColumnType::Int, &ColumnType::Counter, "c").is_err());
    }
}
