//! Arithmetic on terms (Cassandra 4+ `OperationFcts`): `+ - * / %` on numbers in the
//! receiver's type with Java semantics (integers wrap, `/ 0` fails, floats follow
//! IEEE), and `timestamp`/`date` plus or minus a `duration`. Operands are evaluated
//! as the receiver's type, which is how untyped literals get their type.

use sibyl_protocol::types::{ColumnType, CqlValue};

use super::bignum::{BigDecimal, BigInt};
use super::evaluate::{evaluate, is_numeric};
use super::temporal::{DATE_EPOCH_DAYS, MILLIS_PER_DAY, civil_from_days, days_from_civil};
use super::{BoundValueSource, EvalContext, TermValue};
use crate::cql3::ast::{ArithmeticOperator, Literal, Term};
use crate::cql3::{CqlError, CqlResult};

fn failure(operation: String, message: &str) -> CqlError {
    CqlError::FunctionFailure {
        keyspace: "system".into(),
        function: operation.clone(),
        arg_types: Vec::new(),
        message: format!("the operation '{operation}' failed: {message}"),
    }
}

fn operand(
    term: &Term,
    ty: &ColumnType,
    receiver: &str,
    bound: &dyn BoundValueSource,
    ctx: &EvalContext<'_>,
) -> CqlResult<Option<CqlValue>> {
    match evaluate(term, ty, receiver, bound, ctx)? {
        TermValue::Value(bytes) if !bytes.is_empty() => CqlValue::decode(ty, &bytes)
            .map(Some)
            .map_err(|error| CqlError::invalid(error.to_string())),
        TermValue::Unset => Err(CqlError::invalid(
            "Invalid unset value in arithmetic operation",
        )),
        _ => Ok(None),
    }
}

fn is_duration_term(term: &Term) -> bool {
    matches!(term, Term::Literal(Literal::Duration(_)))
        || matches!(term, Term::TypeHint { target, .. } if target.to_column_type() == ColumnType::Duration)
}

pub(super) fn evaluate_arithmetic(
    operator: ArithmeticOperator,
    left: &Term,
    right: &Term,
    target: &ColumnType,
    receiver: &str,
    bound: &dyn BoundValueSource,
    ctx: &EvalContext<'_>,
) -> CqlResult<TermValue> {
    let right_type =
        if matches!(target, ColumnType::Timestamp | ColumnType::Date) && is_duration_term(right) {
            ColumnType::Duration
        } else if is_numeric(target) || matches!(target, ColumnType::Timestamp | ColumnType::Date) {
            target.clone()
        } else {
            return Err(CqlError::invalid(format!(
                "the '{}' operation is not supported between {left} and {right}",
                operator.symbol()
            )));
        };
    let (Some(a), Some(b)) = (
        operand(left, target, receiver, bound, ctx)?,
        operand(right, &right_type, receiver, bound, ctx)?,
    ) else {
        return Ok(TermValue::Null);
    };
    let operation = format!(
        "{} {} {}",
        target.cql_name(),
        operator.symbol(),
        right_type.cql_name()
    );
    Ok(TermValue::Value(
        apply(operator, &a, &b, &operation)?.to_bytes(),
    ))
}

pub(super) fn evaluate_negation(
    inner: &Term,
    target: &ColumnType,
    receiver: &str,
    bound: &dyn BoundValueSource,
    ctx: &EvalContext<'_>,
) -> CqlResult<TermValue> {
    if !is_numeric(target) && target != &ColumnType::Duration {
        return Err(CqlError::invalid(format!(
            "the '-' operation is not supported on {inner} for {receiver} of type {}",
            target.cql_name()
        )));
    }
    let Some(value) = operand(inner, target, receiver, bound, ctx)? else {
        return Ok(TermValue::Null);
    };
    let negated = match value {
        CqlValue::Tinyint(v) => CqlValue::Tinyint(v.wrapping_neg()),
        CqlValue::Smallint(v) => CqlValue::Smallint(v.wrapping_neg()),
        CqlValue::Int(v) => CqlValue::Int(v.wrapping_neg()),
        CqlValue::Bigint(v) => CqlValue::Bigint(v.wrapping_neg()),
        CqlValue::Counter(v) => CqlValue::Counter(v.wrapping_neg()),
        CqlValue::Float(v) => CqlValue::Float(-v),
        CqlValue::Double(v) => CqlValue::Double(-v),
        CqlValue::Varint(bytes) => CqlValue::Varint(
            BigInt::from_twos_complement(&bytes)
                .negate()
                .to_twos_complement(),
        ),
        CqlValue::Decimal { unscaled, scale } => CqlValue::Decimal {
            unscaled: BigInt::from_twos_complement(&unscaled)
                .negate()
                .to_twos_complement(),
            scale,
        },
        CqlValue::Duration {
            months,
            days,
            nanoseconds,
        } => CqlValue::Duration {
            months: -months,
            days: -days,
            nanoseconds: -nanoseconds,
        },
        other => other,
    };
    Ok(TermValue::Value(negated.to_bytes()))
}

macro_rules! integer_op {
    ($operator:expr, $a:expr, $b:expr, $operation:expr) => {
        match $operator {
            ArithmeticOperator::Add => $a.wrapping_add($b),
            ArithmeticOperator::Subtract => $a.wrapping_sub($b),
            ArithmeticOperator::Multiply => $a.wrapping_mul($b),
            ArithmeticOperator::Divide if $b == 0 => {
                return Err(failure($operation.to_owned(), "/ by zero"))
            }
            ArithmeticOperator::Divide => $a.wrapping_div($b),
            ArithmeticOperator::Remainder if $b == 0 => {
                return Err(failure($operation.to_owned(), "/ by zero"))
            }
            ArithmeticOperator::Remainder => $a.wrapping_rem($b),
        }
    };
}

macro_rules! float_op {
    ($operator:expr, $a:expr, $b:expr) => {
        match $operator {
            ArithmeticOperator::Add => $a + $b,
            ArithmeticOperator::Subtract => $a - $b,
            ArithmeticOperator::Multiply => $a * $b,
            ArithmeticOperator::Divide => $a / $b,
            ArithmeticOperator::Remainder => $a % $b,
        }
    };
}

/// Applies `operator` to two values of the same numeric type, or a temporal value
/// and a duration.
pub(crate) fn apply(
    operator: ArithmeticOperator,
    a: &CqlValue,
    b: &CqlValue,
    operation: &str,
) -> CqlResult<CqlValue> {
    use CqlValue as V;
    let value = match (a, b) {
        (V::Tinyint(x), V::Tinyint(y)) => V::Tinyint(integer_op!(operator, *x, *y, operation)),
        (V::Smallint(x), V::Smallint(y)) => V::Smallint(integer_op!(operator, *x, *y, operation)),
        (V::Int(x), V::Int(y)) => V::Int(integer_op!(operator, *x, *y, operation)),
        (V::Bigint(x), V::Bigint(y)) => V::Bigint(integer_op!(operator, *x, *y, operation)),
        (V::Counter(x), V::Counter(y)) => V::Counter(integer_op!(operator, *x, *y, operation)),
        (V::Float(x), V::Float(y)) => V::Float(float_op!(operator, *x, *y)),
        (V::Double(x), V::Double(y)) => V::Double(float_op!(operator, *x, *y)),
        (V::Varint(x), V::Varint(y)) => {
            let (x, y) = (
                BigInt::from_twos_complement(x),
                BigInt::from_twos_complement(y),
            );
            let result = match operator {
                ArithmeticOperator::Add => x.add(&y),
                ArithmeticOperator::Subtract => x.sub(&y),
                ArithmeticOperator::Multiply => x.mul(&y),
                ArithmeticOperator::Divide | ArithmeticOperator::Remainder => {
                    let (Some(x), Some(y)) = (x.to_i128(), y.to_i128()) else {
                        return Err(failure(
                            operation.to_owned(),
                            "varint too large for division",
                        ));
                    };
                    if y == 0 {
                        return Err(failure(operation.to_owned(), "BigInteger divide by zero"));
                    }
                    BigInt::from_i128(if operator == ArithmeticOperator::Divide {
                        x / y
                    } else {
                        x % y
                    })
                }
            };
            V::Varint(result.to_twos_complement())
        }
        (
            V::Decimal {
                unscaled: ux,
                scale: sx,
            },
            V::Decimal {
                unscaled: uy,
                scale: sy,
            },
        ) => {
            let (x, y) = (
                BigDecimal::from_bytes(*sx, ux),
                BigDecimal::from_bytes(*sy, uy),
            );
            let result = match operator {
                ArithmeticOperator::Add => x.add(&y),
                ArithmeticOperator::Subtract => x.sub(&y),
                ArithmeticOperator::Multiply => x.mul(&y),
                ArithmeticOperator::Divide | ArithmeticOperator::Remainder => {
                    return Err(failure(
                        operation.to_owned(),
                        "decimal division is not supported",
                    ));
                }
            };
            V::Decimal {
                unscaled: result.unscaled.to_twos_complement(),
                scale: result.scale,
            }
        }
        (
            V::Timestamp(millis),
            V::Duration {
                months,
                days,
                nanoseconds,
            },
        ) => {
            let sign = match operator {
                ArithmeticOperator::Add => 1,
                ArithmeticOperator::Subtract => -1,
                _ => return Err(unsupported(operator, a, b)),
            };
            V::Timestamp(add_duration(
                *millis,
                sign * *months,
                sign * *days,
                i64::from(sign) * *nanoseconds,
            ))
        }
        (
            V::Date(encoded),
            V::Duration {
                months,
                days,
                nanoseconds,
            },
        ) => {
            if nanoseconds % (MILLIS_PER_DAY * 1_000_000) != 0 {
                return Err(CqlError::invalid(format!(
                    "The duration must have a day precision. Was: {}",
                    b.to_cql_literal()
                )));
            }
            let sign = match operator {
                ArithmeticOperator::Add => 1,
                ArithmeticOperator::Subtract => -1,
                _ => return Err(unsupported(operator, a, b)),
            };
            let millis = (i64::from(*encoded) - DATE_EPOCH_DAYS) * MILLIS_PER_DAY;
            let result = add_duration(
                millis,
                sign * *months,
                sign * *days,
                i64::from(sign) * *nanoseconds,
            );
            let days = result.div_euclid(MILLIS_PER_DAY) + DATE_EPOCH_DAYS;
            V::Date(
                u32::try_from(days)
                    .map_err(|_| failure(operation.to_owned(), "date out of range"))?,
            )
        }
        _ => return Err(unsupported(operator, a, b)),
    };
    Ok(value)
}

fn unsupported(operator: ArithmeticOperator, a: &CqlValue, b: &CqlValue) -> CqlError {
    CqlError::invalid(format!(
        "the '{}' operation is not supported between {a} and {b}",
        operator.symbol()
    ))
}

/// Java's `Calendar` in UTC: add months (clamping the day to the month's end),
/// then days, then the nanoseconds truncated to milliseconds.
pub(crate) fn add_duration(millis: i64, months: i32, days: i32, nanoseconds: i64) -> i64 {
    let mut result = millis;
    if months != 0 {
        let day_number = millis.div_euclid(MILLIS_PER_DAY);
        let millis_of_day = millis.rem_euclid(MILLIS_PER_DAY);
        let (year, month, day) = civil_from_days(day_number);
        let total = year * 12 + i64::from(month) - 1 + i64::from(months);
        let (new_year, new_month) = (total.div_euclid(12), (total.rem_euclid(12) + 1) as u32);
        let last_day = (1..=31)
            .rev()
            .find(|d| civil_from_days(days_from_civil(new_year, new_month, *d)).1 == new_month)
            .unwrap_or(28);
        result = days_from_civil(new_year, new_month, day.min(last_day)) * MILLIS_PER_DAY
            + millis_of_day;
    }
    result + i64::from(days) * MILLIS_PER_DAY + nanoseconds / 1_000_000
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_wrap_like_java() {
        let result = apply(
            ArithmeticOperator::Add,
            &CqlValue::Int(i32::MAX),
            &CqlValue::Int(1),
            "int + int",
        );
        assert_eq!(result.unwrap(), CqlValue::Int(i32::MIN));
        let result = apply(
            ArithmeticOperator::Divide,
            &CqlValue::Int(-7),
            &CqlValue::Int(2),
            "int / int",
        );
        assert_eq!(result.unwrap(), CqlValue::Int(-3));
        let result = apply(
            ArithmeticOperator::Remainder,
            &CqlValue::Int(-7),
            &CqlValue::Int(2),
            "int % int",
        );
        assert_eq!(result.unwrap(), CqlValue::Int(-1));
        let error = apply(
            ArithmeticOperator::Divide,
            &CqlValue::Int(1),
            &CqlValue::Int(0),
            "int / int",
        )
        .unwrap_err();
        assert_eq!(
            error.to_string(),
            "the operation 'int / int' failed: / by zero"
        );
        let result = apply(
            ArithmeticOperator::Divide,
            &CqlValue::Double(1.0),
            &CqlValue::Double(0.0),
            "",
        );
        assert_eq!(result.unwrap(), CqlValue::Double(f64::INFINITY));
    }

    #[test]
    fn timestamps_plus_durations_clamp_months() {
        // 2024-01-31 + 1mo = 2024-02-29 (leap year), as java.util.Calendar does.
        let jan31 = days_from_civil(2024, 1, 31) * MILLIS_PER_DAY;
        let feb29 = days_from_civil(2024, 2, 29) * MILLIS_PER_DAY;
        assert_eq!(add_duration(jan31, 1, 0, 0), feb29);
        assert_eq!(
            add_duration(jan31, -1, 0, 0),
            days_from_civil(2023, 12, 31) * MILLIS_PER_DAY
        );
        assert_eq!(add_duration(0, 0, 1, 1_500_000), MILLIS_PER_DAY + 1);
        let date = CqlValue::Date((1u32 << 31) + 1);
        let day = CqlValue::Duration {
            months: 0,
            days: 1,
            nanoseconds: 0,
        };
        assert_eq!(
            apply(ArithmeticOperator::Subtract, &date, &day, "").unwrap(),
            CqlValue::Date(1 << 31)
        );
        let hour = CqlValue::Duration {
            months: 0,
            days: 0,
            nanoseconds: 3_600_000_000_000,
        };
        assert!(apply(ArithmeticOperator::Add, &date, &hour, "").is_err());
    }
}
