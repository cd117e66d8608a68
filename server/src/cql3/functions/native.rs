//! The table of native scalar functions (Cassandra's `TimeFcts`, `UuidFcts`,
//! `BytesConversionFcts`, `MathFcts`, `VectorFcts`, `ToJsonFct`, `FromJsonFct`),
//! registered under their camelCase names lower-cased and, as in Cassandra 5.0,
//! their snake_case aliases. Null arguments give null results unless noted.

use sibyl_protocol::types::{ColumnType, CqlValue};

use super::timeuuid::{max_timeuuid, min_timeuuid, random_u64, timeuuid_to_unix_ms};
use super::{ScalarFunction, function_failure};
use crate::cql3::values::bignum::{BigDecimal, BigInt};
use crate::cql3::values::temporal::{DATE_EPOCH_DAYS, MILLIS_PER_DAY};
use crate::cql3::values::{json_to_value, normalize_value, value_to_json};
use crate::cql3::{CqlError, CqlResult};

pub(super) fn fixed<const N: usize>(bytes: Option<&[u8]>) -> Option<[u8; N]> {
    bytes.and_then(|bytes| <[u8; N]>::try_from(bytes).ok())
}

fn long(value: i64) -> Option<Vec<u8>> {
    Some(value.to_be_bytes().to_vec())
}

fn date_of_millis(millis: i64) -> Option<Vec<u8>> {
    let days = millis.div_euclid(MILLIS_PER_DAY) + DATE_EPOCH_DAYS;
    u32::try_from(days)
        .ok()
        .map(|days| days.to_be_bytes().to_vec())
}

fn millis_of_date(encoded: [u8; 4]) -> i64 {
    (i64::from(u32::from_be_bytes(encoded)) - DATE_EPOCH_DAYS) * MILLIS_PER_DAY
}

/// Registers `name` and its snake_case alias with the same signature and body.
fn both<F>(
    out: &mut Vec<ScalarFunction>,
    names: &[&str],
    args: Vec<ColumnType>,
    ret: ColumnType,
    body: F,
) where
    F: Fn(&[Option<&[u8]>], &crate::cql3::values::EvalContext<'_>) -> CqlResult<Option<Vec<u8>>>
        + Send
        + Sync
        + Clone
        + 'static,
{
    for name in names {
        out.push(ScalarFunction::new(
            name,
            args.clone(),
            ret.clone(),
            body.clone(),
        ));
    }
}

/// Every native scalar function with a fixed signature.
pub(super) fn native_functions() -> Vec<ScalarFunction> {
    use ColumnType as T;
    let mut out = Vec::new();
    both(
        &mut out,
        &["now", "currenttimeuuid", "current_timeuuid"],
        vec![],
        T::Timeuuid,
        |_, ctx| Ok(Some(ctx.timeuuids.next(ctx.now_ms).to_vec())),
    );
    both(&mut out, &["uuid"], vec![], T::Uuid, |_, _| {
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&random_u64().to_be_bytes());
        bytes[8..].copy_from_slice(&random_u64().to_be_bytes());
        bytes[6] = (bytes[6] & 0x0F) | 0x40;
        bytes[8] = (bytes[8] & 0x3F) | 0x80;
        Ok(Some(bytes.to_vec()))
    });
    both(
        &mut out,
        &["currenttimestamp", "current_timestamp"],
        vec![],
        T::Timestamp,
        |_, ctx| Ok(long(ctx.now_ms)),
    );
    both(
        &mut out,
        &["currentdate", "current_date"],
        vec![],
        T::Date,
        |_, ctx| Ok(date_of_millis(ctx.now_ms)),
    );
    both(
        &mut out,
        &["currenttime", "current_time"],
        vec![],
        T::Time,
        |_, ctx| Ok(long(ctx.now_ms.rem_euclid(MILLIS_PER_DAY) * 1_000_000)),
    );
    let timeuuid_ms =
        |args: &[Option<&[u8]>]| fixed::<16>(args[0]).map(|uuid| timeuuid_to_unix_ms(&uuid));
    let timestamp_ms = |args: &[Option<&[u8]>]| fixed::<8>(args[0]).map(i64::from_be_bytes);
    let date_ms = |args: &[Option<&[u8]>]| fixed::<4>(args[0]).map(millis_of_date);
    for names in [&["totimestamp", "to_timestamp"][..], &["dateof"][..]] {
        both(
            &mut out,
            names,
            vec![T::Timeuuid],
            T::Timestamp,
            move |args, _| Ok(timeuuid_ms(args).and_then(long)),
        );
    }
    both(
        &mut out,
        &["totimestamp", "to_timestamp"],
        vec![T::Date],
        T::Timestamp,
        move |args, _| Ok(date_ms(args).and_then(long)),
    );
    both(
        &mut out,
        &["todate", "to_date"],
        vec![T::Timeuuid],
        T::Date,
        move |args, _| Ok(timeuuid_ms(args).and_then(date_of_millis)),
    );
    both(
        &mut out,
        &["todate", "to_date"],
        vec![T::Timestamp],
        T::Date,
        move |args, _| Ok(timestamp_ms(args).and_then(date_of_millis)),
    );
    for names in [
        &["tounixtimestamp", "to_unix_timestamp"][..],
        &["unixtimestampof"][..],
    ] {
        both(
            &mut out,
            names,
            vec![T::Timeuuid],
            T::Bigint,
            move |args, _| Ok(timeuuid_ms(args).and_then(long)),
        );
    }
    both(
        &mut out,
        &["tounixtimestamp", "to_unix_timestamp"],
        vec![T::Timestamp],
        T::Bigint,
        move |args, _| Ok(timestamp_ms(args).and_then(long)),
    );
    both(
        &mut out,
        &["tounixtimestamp", "to_unix_timestamp"],
        vec![T::Date],
        T::Bigint,
        move |args, _| Ok(date_ms(args).and_then(long)),
    );
    both(
        &mut out,
        &["mintimeuuid", "min_timeuuid"],
        vec![T::Timestamp],
        T::Timeuuid,
        move |args, _| Ok(timestamp_ms(args).map(|ms| min_timeuuid(ms).to_vec())),
    );
    both(
        &mut out,
        &["maxtimeuuid", "max_timeuuid"],
        vec![T::Timestamp],
        T::Timeuuid,
        move |args, _| Ok(timestamp_ms(args).map(|ms| max_timeuuid(ms).to_vec())),
    );
    blob_conversions(&mut out);
    math_functions(&mut out);
    out
}

/// `<type>AsBlob` and `blobAs<type>` for every native type (`varchar` included).
fn blob_conversions(out: &mut Vec<ScalarFunction>) {
    use ColumnType as T;
    let natives = [
        ("ascii", T::Ascii),
        ("bigint", T::Bigint),
        ("boolean", T::Boolean),
        ("counter", T::Counter),
        ("date", T::Date),
        ("decimal", T::Decimal),
        ("double", T::Double),
        ("duration", T::Duration),
        ("float", T::Float),
        ("inet", T::Inet),
        ("int", T::Int),
        ("smallint", T::Smallint),
        ("text", T::Text),
        ("time", T::Time),
        ("timestamp", T::Timestamp),
        ("timeuuid", T::Timeuuid),
        ("tinyint", T::Tinyint),
        ("uuid", T::Uuid),
        ("varchar", T::Text),
        ("varint", T::Varint),
    ];
    for (name, ty) in natives {
        both(
            out,
            &[&format!("{name}asblob"), &format!("{name}_as_blob")],
            vec![ty.clone()],
            T::Blob,
            |args, _| Ok(args[0].map(<[u8]>::to_vec)),
        );
        let target = ty.clone();
        let printed = format!("system.blobas{name}");
        both(
            out,
            &[&format!("blobas{name}"), &format!("blob_as_{name}")],
            vec![T::Blob],
            ty,
            move |args, _| {
                let Some(bytes) = args[0] else {
                    return Ok(None);
                };
                normalize_value(&target, bytes).map(Some).map_err(|_| {
                let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
                CqlError::invalid(format!(
                    "In call to function {printed}, value 0x{hex} is not a valid binary representation for type {}",
                    target.cql_name()
                ))
            })
            },
        );
    }
}

fn decode(ty: &ColumnType, bytes: Option<&[u8]>) -> Option<CqlValue> {
    bytes
        .filter(|b| !b.is_empty())
        .and_then(|b| CqlValue::decode(ty, b).ok())
}

/// Java's saturating `(long) double` / `(int) double` casts (NaN is 0).
pub(super) fn saturate(value: f64) -> i64 {
    value as i64
}

/// `abs`, `exp`, `log`, `log10`, `round` of Cassandra 5 for every numeric type; the
/// result has the argument's type (integers from doubles by Java's narrowing).
fn math_functions(out: &mut Vec<ScalarFunction>) {
    use ColumnType as T;
    let numeric = [
        T::Tinyint,
        T::Smallint,
        T::Int,
        T::Bigint,
        T::Counter,
        T::Varint,
        T::Decimal,
        T::Float,
        T::Double,
    ];
    for ty in numeric {
        for name in ["abs", "exp", "log", "log10", "round"] {
            let arg_type = ty.clone();
            out.push(ScalarFunction::new(
                name,
                vec![ty.clone()],
                ty.clone(),
                move |args, _| {
                    let Some(value) = decode(&arg_type, args[0]) else {
                        return Ok(None);
                    };
                    Ok(Some(math(name, value).to_bytes()))
                },
            ));
        }
    }
}

fn math(name: &str, value: CqlValue) -> CqlValue {
    let transcendental = |x: f64| match name {
        "exp" => x.exp(),
        "log" => x.ln(),
        "log10" => x.log10(),
        _ => x,
    };
    let integer = |x: i64, min: i64, max: i64| -> i64 {
        match name {
            "abs" => x.wrapping_abs(),
            "round" => x,
            _ => saturate(transcendental(x as f64)).clamp(min, max),
        }
    };
    match value {
        CqlValue::Tinyint(x) => {
            CqlValue::Tinyint(integer(x.into(), i8::MIN.into(), i8::MAX.into()) as i8)
        }
        CqlValue::Smallint(x) => {
            CqlValue::Smallint(integer(x.into(), i16::MIN.into(), i16::MAX.into()) as i16)
        }
        CqlValue::Int(x) => {
            CqlValue::Int(integer(x.into(), i32::MIN.into(), i32::MAX.into()) as i32)
        }
        CqlValue::Bigint(x) => CqlValue::Bigint(integer(x, i64::MIN, i64::MAX)),
        CqlValue::Counter(x) => CqlValue::Counter(integer(x, i64::MIN, i64::MAX)),
        CqlValue::Float(x) => CqlValue::Float(match name {
            "abs" => x.abs(),
            "round" => (x + 0.5).floor(),
            _ => transcendental(f64::from(x)) as f32,
        }),
        CqlValue::Double(x) => CqlValue::Double(match name {
            "abs" => x.abs(),
            "round" => (x + 0.5).floor(),
            _ => transcendental(x),
        }),
        CqlValue::Varint(bytes) => {
            let x = BigInt::from_twos_complement(&bytes);
            let result = match name {
                "abs" if x.is_negative() => x.negate(),
                "abs" | "round" => x,
                _ => BigDecimal::from_f64(transcendental(BigDecimal::from_bigint(x).to_f64()))
                    .map(|d| d.to_bigint())
                    .unwrap_or_default(),
            };
            CqlValue::Varint(result.to_twos_complement())
        }
        CqlValue::Decimal { unscaled, scale } => {
            let x = BigDecimal::from_bytes(scale, &unscaled);
            let result = match name {
                "abs" if x.unscaled.is_negative() => x.negate(),
                "abs" => x,
                // setScale(0, HALF_UP): away from zero on a tie.
                "round" => {
                    let half = BigDecimal {
                        unscaled: BigInt::from_i128(if x.unscaled.is_negative() { -5 } else { 5 }),
                        scale: 1,
                    };
                    BigDecimal::from_bigint(x.add(&half).to_bigint())
                }
                _ => BigDecimal::from_f64(transcendental(x.to_f64())).unwrap_or(x),
            };
            CqlValue::Decimal {
                unscaled: result.unscaled.to_twos_complement(),
                scale: result.scale,
            }
        }
        other => other,
    }
}

/// `toJson(x)` for an argument of type `ty`; a null argument gives the text `null`.
pub(super) fn to_json_function(ty: ColumnType) -> ScalarFunction {
    let arg_type = ty.clone();
    ScalarFunction::new("tojson", vec![ty], ColumnType::Text, move |args, _| {
        let text = match args[0] {
            None => "null".to_owned(),
            Some(bytes) => match CqlValue::decode(&arg_type, bytes) {
                Ok(CqlValue::Empty) | Err(_) => "null".to_owned(),
                Ok(value) => value_to_json(&value, &arg_type),
            },
        };
        Ok(Some(text.into_bytes()))
    })
}

/// `fromJson(text)` producing the receiver's type.
pub(super) fn from_json_function(target: ColumnType) -> ScalarFunction {
    let result_type = target.clone();
    ScalarFunction::new(
        "fromjson",
        vec![ColumnType::Text],
        target,
        move |args, _| {
            let Some(bytes) = args[0] else {
                return Ok(None);
            };
            let text = String::from_utf8_lossy(bytes);
            let failure =
                |message: String| function_failure("system.fromjson", &[ColumnType::Text], message);
            let json: serde_json::Value = serde_json::from_str(&text).map_err(|error| {
                failure(format!("Could not decode JSON string '{text}': {error}"))
            })?;
            match json_to_value(&json, &result_type, "fromjson") {
                Ok(Some(value)) => Ok(Some(value.to_bytes())),
                Ok(None) => Ok(None),
                Err(error) => Err(failure(error.to_string())),
            }
        },
    )
}

/// `similarity_*(vector<float, n>, vector<float, n>)`, as Lucene's similarity
/// functions that Cassandra uses: cosine and dot product mapped to [0, 1] by
/// `(1 + x) / 2`, euclidean as `1 / (1 + squared distance)`.
pub(super) fn similarity_function(name: &str, vector: ColumnType) -> CqlResult<ScalarFunction> {
    let ColumnType::Vector { element, .. } = &vector else {
        return Err(CqlError::invalid(format!(
            "Function system.{name} requires a float vector argument"
        )));
    };
    if element.as_ref() != &ColumnType::Float {
        return Err(CqlError::invalid(format!(
            "Function system.{name} requires a float vector argument, but found argument of type {}",
            vector.cql_name()
        )));
    }
    let kind = name.to_owned();
    let printed = format!("system.{name}");
    let arg_types = vec![vector.clone(), vector.clone()];
    let types_for_errors = arg_types.clone();
    Ok(ScalarFunction::new(
        name,
        arg_types,
        ColumnType::Float,
        move |args, _| {
            let (Some(a), Some(b)) = (args[0], args[1]) else {
                return Ok(None);
            };
            let floats = |bytes: &[u8]| -> Vec<f32> {
                bytes
                    .chunks_exact(4)
                    .filter_map(|c| c.try_into().ok())
                    .map(f32::from_be_bytes)
                    .collect()
            };
            let (a, b) = (floats(a), floats(b));
            if a.len() != b.len() {
                return Err(function_failure(
                    &printed,
                    &types_for_errors,
                    "Vectors must have the same dimension",
                ));
            }
            let dot: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
            let result = match kind.as_str() {
                "similarity_cosine" => {
                    let (norm_a, norm_b): (f32, f32) =
                        (a.iter().map(|x| x * x).sum(), b.iter().map(|x| x * x).sum());
                    if norm_a == 0.0 || norm_b == 0.0 {
                        return Err(CqlError::invalid(format!(
                            "Function {printed} doesn't support all-zero vectors"
                        )));
                    }
                    let cosine =
                        (f64::from(dot) / (f64::from(norm_a) * f64::from(norm_b)).sqrt()) as f32;
                    (1.0 + cosine) / 2.0
                }
                "similarity_dot_product" => (1.0 + dot) / 2.0,
                _ => {
                    let squared: f32 = a.iter().zip(&b).map(|(x, y)| (x - y) * (x - y)).sum();
                    1.0 / (1.0 + squared)
                }
            };
            Ok(Some(result.to_be_bytes().to_vec()))
        },
    ))
}
