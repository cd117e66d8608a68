//! Native aggregates as accumulators, with Cassandra's result types and arithmetic:
//! `count(*)` and `count(x)` are bigints; `sum` has its argument's type and wraps
//! like Java for fixed-width integers; `avg` of integers is the truncated quotient of
//! the exact sum in the argument's type, of floats a compensated sum divided, of
//! decimals Cassandra's running average rounded half-even, of varints the truncated
//! quotient; empty inputs give 0 for `sum` and `avg` and null for `min`/`max`.
//! `min` and `max` accept every type, ordered by [`compare_values`].

use std::cmp::Ordering;
use std::fmt;

use sibyl_protocol::types::{ColumnType, CqlValue};

use crate::cql3::values::bignum::{BigDecimal, BigInt};
use crate::cql3::values::compare_values;
use crate::cql3::{CqlError, CqlResult};

/// The running state of one aggregate over one group of rows.
pub trait Accumulator: fmt::Debug + Send {
    /// Feeds one row's arguments (none for `count(*)`).
    fn add(&mut self, args: &[Option<&[u8]>]) -> CqlResult<()>;
    /// The aggregate's value so far (`None` = null).
    fn result(&self) -> Option<Vec<u8>>;
}

/// A resolved aggregate: its signature and a factory for fresh accumulators.
#[derive(Debug, Clone)]
pub struct AggregateFunction {
    name: String,
    arg_types: Vec<ColumnType>,
    return_type: ColumnType,
}

impl AggregateFunction {
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn arg_types(&self) -> &[ColumnType] {
        &self.arg_types
    }

    pub fn return_type(&self) -> &ColumnType {
        &self.return_type
    }

    pub fn new_accumulator(&self) -> Box<dyn Accumulator> {
        let short = self.name.trim_start_matches("system.");
        let ty = self
            .arg_types
            .first()
            .cloned()
            .unwrap_or(ColumnType::Bigint);
        match short {
            "count" => Box::new(Count {
                rows: self.arg_types.is_empty(),
                count: 0,
            }),
            "min" | "max" => Box::new(Extreme {
                ty,
                keep: if short == "min" {
                    Ordering::Less
                } else {
                    Ordering::Greater
                },
                best: None,
            }),
            "sum" => Box::new(Sum::new(ty, false)),
            _ => Box::new(Sum::new(ty, true)),
        }
    }
}

fn is_summable(ty: &ColumnType) -> bool {
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

/// Resolves a native aggregate by name and argument types (`count` with no
/// arguments is `count(*)`). `Ok(None)` when `name` is not an aggregate.
pub fn resolve_aggregate(
    name: &str,
    arg_types: &[ColumnType],
) -> CqlResult<Option<AggregateFunction>> {
    let return_type = match (name, arg_types) {
        ("count", [] | [_]) => ColumnType::Bigint,
        ("min" | "max", [ty]) => ty.clone(),
        ("sum" | "avg", [ty]) if is_summable(ty) => ty.clone(),
        ("sum" | "avg", [ty]) => {
            return Err(CqlError::invalid(format!(
                "Invalid call to function system.{name}, none of its type signatures match (argument of type {})",
                ty.cql_name()
            )));
        }
        ("count" | "min" | "max" | "sum" | "avg", _) => {
            return Err(CqlError::invalid(format!(
                "Invalid number of arguments in call to function system.{name}: 1 required but {} provided",
                arg_types.len()
            )));
        }
        _ => return Ok(None),
    };
    Ok(Some(AggregateFunction {
        name: format!("system.{name}"),
        arg_types: arg_types.to_vec(),
        return_type,
    }))
}

#[derive(Debug)]
struct Count {
    rows: bool,
    count: i64,
}

impl Accumulator for Count {
    fn add(&mut self, args: &[Option<&[u8]>]) -> CqlResult<()> {
        if self.rows || args.first().is_some_and(Option::is_some) {
            self.count += 1;
        }
        Ok(())
    }

    fn result(&self) -> Option<Vec<u8>> {
        Some(self.count.to_be_bytes().to_vec())
    }
}

#[derive(Debug)]
struct Extreme {
    ty: ColumnType,
    keep: Ordering,
    best: Option<Vec<u8>>,
}

impl Accumulator for Extreme {
    fn add(&mut self, args: &[Option<&[u8]>]) -> CqlResult<()> {
        let Some(Some(value)) = args.first() else {
            return Ok(());
        };
        let better = match &self.best {
            None => true,
            Some(best) => compare_values(&self.ty, value, best) == self.keep,
        };
        if better {
            self.best = Some(value.to_vec());
        }
        Ok(())
    }

    fn result(&self) -> Option<Vec<u8>> {
        self.best.clone()
    }
}

/// One accumulator for sum and avg of every numeric type.
#[derive(Debug)]
struct Sum {
    ty: ColumnType,
    average: bool,
    count: u64,
    integer: i128,
    wrapped: i64,
    float: f64,
    compensation: f64,
    big: BigInt,
    decimal: BigDecimal,
}

impl Sum {
    fn new(ty: ColumnType, average: bool) -> Sum {
        Sum {
            ty,
            average,
            count: 0,
            integer: 0,
            wrapped: 0,
            float: 0.0,
            compensation: 0.0,
            big: BigInt::zero(),
            decimal: BigDecimal::from_bigint(BigInt::zero()),
        }
    }
}

impl Accumulator for Sum {
    fn add(&mut self, args: &[Option<&[u8]>]) -> CqlResult<()> {
        let Some(Some(bytes)) = args.first() else {
            return Ok(());
        };
        if bytes.is_empty() {
            return Ok(());
        }
        let value = CqlValue::decode(&self.ty, bytes)
            .map_err(|error| CqlError::invalid(error.to_string()))?;
        self.count += 1;
        let mut add_integer = |v: i64| {
            self.integer += i128::from(v);
            self.wrapped = self.wrapped.wrapping_add(v);
        };
        match value {
            CqlValue::Tinyint(v) => add_integer(v.into()),
            CqlValue::Smallint(v) => add_integer(v.into()),
            CqlValue::Int(v) => add_integer(v.into()),
            CqlValue::Bigint(v) | CqlValue::Counter(v) => add_integer(v),
            CqlValue::Float(v) => kahan(&mut self.float, &mut self.compensation, f64::from(v)),
            CqlValue::Double(v) => kahan(&mut self.float, &mut self.compensation, v),
            CqlValue::Varint(bytes) => {
                self.big = self.big.add(&BigInt::from_twos_complement(&bytes))
            }
            CqlValue::Decimal { unscaled, scale } => {
                let number = BigDecimal::from_bytes(scale, &unscaled);
                self.decimal = if self.average {
                    // Cassandra's running average: avg += (x - avg) / n, half-even.
                    let step = number.sub(&self.decimal).div_count_half_even(self.count);
                    self.decimal.add(&step)
                } else {
                    self.decimal.add(&number)
                };
            }
            _ => {}
        }
        Ok(())
    }

    fn result(&self) -> Option<Vec<u8>> {
        let count = self.count.max(1);
        let integer = if self.average {
            (self.integer / i128::from(count)) as i64
        } else {
            self.wrapped
        };
        let float = if self.average && self.count > 0 {
            self.float / self.count as f64
        } else {
            self.float
        };
        let value = match self.ty {
            ColumnType::Tinyint => CqlValue::Tinyint(integer as i8),
            ColumnType::Smallint => CqlValue::Smallint(integer as i16),
            ColumnType::Int => CqlValue::Int(integer as i32),
            ColumnType::Bigint => CqlValue::Bigint(integer),
            ColumnType::Counter => CqlValue::Counter(integer),
            ColumnType::Float => CqlValue::Float(float as f32),
            ColumnType::Double => CqlValue::Double(float),
            ColumnType::Varint => {
                let big = if self.average {
                    self.big.div_rem_u64(count).0
                } else {
                    self.big.clone()
                };
                CqlValue::Varint(big.to_twos_complement())
            }
            ColumnType::Decimal => CqlValue::Decimal {
                unscaled: self.decimal.unscaled.to_twos_complement(),
                scale: self.decimal.scale,
            },
            _ => return None,
        };
        Some(value.to_bytes())
    }
}

/// Kahan-Babuska compensated summation, as Cassandra's float and double sums.
fn kahan(sum: &mut f64, compensation: &mut f64, value: f64) {
    let corrected = value - *compensation;
    let total = *sum + corrected;
    *compensation = (total - *sum) - corrected;
    *sum = total;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(name: &str, ty: ColumnType, values: &[Option<CqlValue>]) -> Option<CqlValue> {
        let function = resolve_aggregate(name, std::slice::from_ref(&ty))
            .unwrap()
            .unwrap();
        let mut accumulator = function.new_accumulator();
        for value in values {
            let bytes = value.as_ref().map(CqlValue::to_bytes);
            accumulator.add(&[bytes.as_deref()]).unwrap();
        }
        accumulator
            .result()
            .map(|bytes| CqlValue::decode(function.return_type(), &bytes).unwrap())
    }

    fn ints(values: &[i32]) -> Vec<Option<CqlValue>> {
        values.iter().map(|v| Some(CqlValue::Int(*v))).collect()
    }

    #[test]
    fn count_rows_and_values() {
        let rows = resolve_aggregate("count", &[]).unwrap().unwrap();
        let mut accumulator = rows.new_accumulator();
        for _ in 0..3 {
            accumulator.add(&[]).unwrap();
        }
        assert_eq!(accumulator.result(), Some(3i64.to_be_bytes().to_vec()));
        let values = [Some(CqlValue::Int(1)), None, Some(CqlValue::Int(2))];
        assert_eq!(
            run("count", ColumnType::Int, &values),
            Some(CqlValue::Bigint(2))
        );
    }

    #[test]
    fn sums_wrap_and_averages_truncate_in_the_argument_type() {
        assert_eq!(
            run("sum", ColumnType::Int, &ints(&[i32::MAX, 1])),
            Some(CqlValue::Int(i32::MIN))
        );
        // The average uses the exact sum, so it does not overflow.
        assert_eq!(
            run("avg", ColumnType::Int, &ints(&[i32::MAX, i32::MAX])),
            Some(CqlValue::Int(i32::MAX))
        );
        assert_eq!(
            run("avg", ColumnType::Int, &ints(&[1, 2])),
            Some(CqlValue::Int(1))
        );
        assert_eq!(
            run("avg", ColumnType::Int, &ints(&[-1, -2])),
            Some(CqlValue::Int(-1))
        );
        assert_eq!(run("avg", ColumnType::Int, &[]), Some(CqlValue::Int(0)));
        assert_eq!(run("sum", ColumnType::Int, &[]), Some(CqlValue::Int(0)));
        let doubles = [Some(CqlValue::Double(1.0)), Some(CqlValue::Double(2.0))];
        assert_eq!(
            run("avg", ColumnType::Double, &doubles),
            Some(CqlValue::Double(1.5))
        );
        let decimal = |u: i128, s| {
            Some(CqlValue::Decimal {
                unscaled: BigInt::from_i128(u).to_twos_complement(),
                scale: s,
            })
        };
        assert_eq!(
            run(
                "avg",
                ColumnType::Decimal,
                &[decimal(10, 1), decimal(20, 1)]
            ),
            decimal(15, 1)
        );
        assert_eq!(
            run("sum", ColumnType::Decimal, &[decimal(1, 1), decimal(1, 2)]),
            decimal(11, 2)
        );
        let varint = |v: i128| Some(CqlValue::varint_from_i128(v));
        assert_eq!(
            run("avg", ColumnType::Varint, &[varint(1), varint(2)]),
            varint(1)
        );
    }

    #[test]
    fn min_and_max_of_any_type() {
        assert_eq!(
            run("min", ColumnType::Int, &ints(&[3, -7, 5])),
            Some(CqlValue::Int(-7))
        );
        assert_eq!(
            run("max", ColumnType::Int, &ints(&[3, -7, 5])),
            Some(CqlValue::Int(5))
        );
        assert_eq!(run("max", ColumnType::Int, &[None]), None);
        let texts = [
            Some(CqlValue::Text("b".into())),
            Some(CqlValue::Text("a".into())),
        ];
        assert_eq!(
            run("min", ColumnType::Text, &texts),
            Some(CqlValue::Text("a".into()))
        );
        let list = ColumnType::List(Box::new(ColumnType::Int));
        let lists = [
            Some(CqlValue::List(vec![CqlValue::Int(2)])),
            Some(CqlValue::List(vec![CqlValue::Int(1), CqlValue::Int(9)])),
        ];
        assert_eq!(
            run("max", list, &lists),
            Some(CqlValue::List(vec![CqlValue::Int(2)]))
        );
        assert!(resolve_aggregate("sum", &[ColumnType::Text]).is_err());
        assert!(
            resolve_aggregate("foo", &[ColumnType::Text])
                .unwrap()
                .is_none()
        );
    }
}
