//! CQL literals for values, as cqlsh would write them, and `Display` on top.
//!
//! Strings are single-quoted with `''` escaping; blobs are `0x...`; uuids bare;
//! dates, times and inets are quoted strings (`'2024-01-31'`, `'12:00:00.000000000'`,
//! `'127.0.0.1'`); timestamps are integer milliseconds; durations use units
//! (`1y2mo3d4h5m6s7ms8us9ns`); lists `[...]`, sets `{...}`, maps `{k: v}`, tuples
//! `(...)`, UDTs `{field: value}`, nulls `null`. An empty value has no typed
//! literal: it renders as `0x` (wrap it in `blobAs<type>()` where a type is needed).

use std::fmt::{self, Write as _};

use crate::types::CqlValue;
use crate::types::cql_name::{push_identifier, push_quoted};
use crate::types::value::DATE_EPOCH;

impl CqlValue {
    /// This value as CQL literal text.
    pub fn to_cql_literal(&self) -> String {
        let mut out = String::new();
        write_literal(self, &mut out);
        out
    }
}

impl fmt::Display for CqlValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_cql_literal())
    }
}

fn write_literal(value: &CqlValue, out: &mut String) {
    match value {
        CqlValue::Ascii(text) | CqlValue::Text(text) => push_quoted(out, text, '\''),
        CqlValue::Blob(bytes) => push_blob(out, bytes),
        CqlValue::Empty => out.push_str("0x"),
        CqlValue::Bigint(v) | CqlValue::Counter(v) | CqlValue::Timestamp(v) => push(out, v),
        CqlValue::Int(v) => push(out, v),
        CqlValue::Smallint(v) => push(out, v),
        CqlValue::Tinyint(v) => push(out, v),
        CqlValue::Boolean(v) => push(out, v),
        CqlValue::Double(v) => push_float(out, *v),
        CqlValue::Float(v) => push_float(out, f64::from(*v)),
        CqlValue::Varint(bytes) => out.push_str(&varint_to_decimal(bytes)),
        CqlValue::Decimal { unscaled, scale } => {
            push_decimal(out, &varint_to_decimal(unscaled), *scale)
        }
        CqlValue::Uuid(bytes) | CqlValue::Timeuuid(bytes) => push_uuid(out, bytes),
        CqlValue::Inet(ip) => push_quoted(out, &ip.to_string(), '\''),
        CqlValue::Date(days) => {
            let (year, month, day) = civil_from_days(i64::from(*days) - i64::from(DATE_EPOCH));
            let _ = write!(out, "'{year:04}-{month:02}-{day:02}'");
        }
        CqlValue::Time(nanoseconds) => {
            let seconds = nanoseconds / 1_000_000_000;
            let _ = write!(
                out,
                "'{:02}:{:02}:{:02}.{:09}'",
                seconds / 3600,
                seconds / 60 % 60,
                seconds % 60,
                nanoseconds % 1_000_000_000
            );
        }
        CqlValue::Duration {
            months,
            days,
            nanoseconds,
        } => push_duration(out, *months, *days, *nanoseconds),
        CqlValue::List(elements) | CqlValue::Vector(elements) => {
            push_sequence(out, '[', ']', elements.iter().map(Some))
        }
        CqlValue::Set(elements) => push_sequence(out, '{', '}', elements.iter().map(Some)),
        CqlValue::Tuple(elements) => {
            push_sequence(out, '(', ')', elements.iter().map(Option::as_ref))
        }
        CqlValue::Map(entries) => {
            out.push('{');
            for (index, (key, value)) in entries.iter().enumerate() {
                if index > 0 {
                    out.push_str(", ");
                }
                write_literal(key, out);
                out.push_str(": ");
                write_literal(value, out);
            }
            out.push('}');
        }
        CqlValue::Udt(fields) => {
            out.push('{');
            for (index, (name, value)) in fields.iter().enumerate() {
                if index > 0 {
                    out.push_str(", ");
                }
                push_identifier(out, name);
                out.push_str(": ");
                write_optional(value.as_ref(), out);
            }
            out.push('}');
        }
    }
}

fn push(out: &mut String, value: impl fmt::Display) {
    let _ = write!(out, "{value}");
}

fn write_optional(value: Option<&CqlValue>, out: &mut String) {
    match value {
        Some(value) => write_literal(value, out),
        None => out.push_str("null"),
    }
}

fn push_sequence<'a>(
    out: &mut String,
    open: char,
    close: char,
    elements: impl Iterator<Item = Option<&'a CqlValue>>,
) {
    out.push(open);
    for (index, element) in elements.enumerate() {
        if index > 0 {
            out.push_str(", ");
        }
        write_optional(element, out);
    }
    out.push(close);
}

/// CQL spells the non-finite floats `NaN`, `Infinity` and `-Infinity`.
fn push_float(out: &mut String, value: f64) {
    if value.is_nan() {
        out.push_str("NaN");
    } else if value.is_infinite() {
        out.push_str(if value > 0.0 { "Infinity" } else { "-Infinity" });
    } else {
        // Debug keeps a fraction or an exponent, so the literal stays a float.
        let _ = write!(out, "{value:?}");
    }
}

fn push_blob(out: &mut String, bytes: &[u8]) {
    out.push_str("0x");
    for byte in bytes {
        let _ = write!(out, "{byte:02x}");
    }
}

fn push_uuid(out: &mut String, bytes: &[u8; 16]) {
    for (index, byte) in bytes.iter().enumerate() {
        if matches!(index, 4 | 6 | 8 | 10) {
            out.push('-');
        }
        let _ = write!(out, "{byte:02x}");
    }
}

/// `unscaled * 10^-scale` in plain notation, or with an exponent when scale < 0.
/// Java's `BigDecimal.toString`: plain notation when the scale is not
/// negative and the adjusted exponent is at least -6, otherwise scientific
/// (`1.23E+5`, `8E-1612054549`). Scientific notation also bounds the text a
/// huge scale can produce.
fn push_decimal(out: &mut String, unscaled: &str, scale: i32) {
    let (sign, digits) = match unscaled.strip_prefix('-') {
        Some(digits) => ("-", digits),
        None => ("", unscaled),
    };
    out.push_str(sign);
    let adjusted = i64::from(digits.len() as u32) - 1 - i64::from(scale);
    if scale >= 0 && adjusted >= -6 {
        let scale = scale as usize;
        if scale == 0 {
            out.push_str(digits);
        } else if digits.len() > scale {
            let (whole, fraction) = digits.split_at(digits.len() - scale);
            let _ = write!(out, "{whole}.{fraction}");
        } else {
            let _ = write!(out, "0.{}{digits}", "0".repeat(scale - digits.len()));
        }
        return;
    }
    let (first, rest) = digits.split_at(digits.len().min(1));
    out.push_str(first);
    if !rest.is_empty() {
        let _ = write!(out, ".{rest}");
    }
    let _ = write!(out, "E{}{adjusted}", if adjusted >= 0 { "+" } else { "" });
}

/// Two's complement big-endian bytes to decimal text, by repeated division.
pub(crate) fn varint_to_decimal(bytes: &[u8]) -> String {
    let negative = bytes.first().is_some_and(|b| *b >= 0x80);
    // Magnitude as big-endian bytes: negate (invert and add one) when negative.
    let mut magnitude: Vec<u8> = if negative {
        bytes.iter().map(|b| !b).collect()
    } else {
        bytes.to_vec()
    };
    if negative {
        for byte in magnitude.iter_mut().rev() {
            let (sum, carry) = byte.overflowing_add(1);
            *byte = sum;
            if !carry {
                break;
            }
        }
    }
    let mut digits = Vec::new();
    while magnitude.iter().any(|b| *b != 0) {
        let mut remainder = 0u32;
        for byte in magnitude.iter_mut() {
            let current = (remainder << 8) | u32::from(*byte);
            *byte = (current / 10) as u8;
            remainder = current % 10;
        }
        digits.push(b'0' + remainder as u8);
    }
    if digits.is_empty() {
        digits.push(b'0');
    }
    if negative {
        digits.push(b'-');
    }
    digits.reverse();
    String::from_utf8_lossy(&digits).into_owned()
}

fn push_duration(out: &mut String, months: i32, days: i32, nanoseconds: i64) {
    if months == 0 && days == 0 && nanoseconds == 0 {
        out.push_str("0s");
        return;
    }
    if months < 0 || days < 0 || nanoseconds < 0 {
        out.push('-');
    }
    let months = months.unsigned_abs();
    let nanoseconds = nanoseconds.unsigned_abs();
    let units: [(u64, &str); 9] = [
        (u64::from(months / 12), "y"),
        (u64::from(months % 12), "mo"),
        (u64::from(days.unsigned_abs()), "d"),
        (nanoseconds / 3_600_000_000_000, "h"),
        (nanoseconds / 60_000_000_000 % 60, "m"),
        (nanoseconds / 1_000_000_000 % 60, "s"),
        (nanoseconds / 1_000_000 % 1000, "ms"),
        (nanoseconds / 1000 % 1000, "us"),
        (nanoseconds % 1000, "ns"),
    ];
    for (amount, unit) in units {
        if amount > 0 {
            let _ = write!(out, "{amount}{unit}");
        }
    }
}

/// Proleptic Gregorian (year, month, day) of a day count from 1970-01-01, after
/// Howard Hinnant's `civil_from_days`.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * month_index + 2) / 5 + 1) as u32;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_render_as_cqlsh_writes_them() {
        assert_eq!(
            CqlValue::Text("it's".to_owned()).to_cql_literal(),
            "'it''s'"
        );
        assert_eq!(CqlValue::Blob(vec![0xCA, 0xFE]).to_cql_literal(), "0xcafe");
        assert_eq!(CqlValue::Double(1.0).to_cql_literal(), "1.0");
        assert_eq!(
            CqlValue::Float(f32::NEG_INFINITY).to_cql_literal(),
            "-Infinity"
        );
        let uuid = [
            0x55, 0x0e, 0x84, 0x00, 0xe2, 0x9b, 0x41, 0xd4, 0xa7, 0x16, 0x44, 0x66, 0x55, 0x44, 0,
            0,
        ];
        assert_eq!(
            CqlValue::Uuid(uuid).to_cql_literal(),
            "550e8400-e29b-41d4-a716-446655440000"
        );
        assert_eq!(CqlValue::Date(DATE_EPOCH).to_cql_literal(), "'1970-01-01'");
        assert_eq!(
            CqlValue::Date(DATE_EPOCH + 19_753).to_cql_literal(),
            "'2024-01-31'"
        );
        assert_eq!(
            CqlValue::Date(DATE_EPOCH - 1).to_cql_literal(),
            "'1969-12-31'"
        );
        assert_eq!(
            CqlValue::Time(3_723_000_000_004).to_cql_literal(),
            "'01:02:03.000000004'"
        );
        assert_eq!(
            CqlValue::Inet("::1".parse().expect("ip")).to_cql_literal(),
            "'::1'"
        );
    }

    #[test]
    fn numbers_in_bytes_render_in_decimal() {
        assert_eq!(varint_to_decimal(&[0x00, 0x80]), "128");
        assert_eq!(varint_to_decimal(&[0xFF, 0x7F]), "-129");
        assert_eq!(varint_to_decimal(&[0x80]), "-128");
        assert_eq!(
            CqlValue::varint_from_i128(i128::MIN).to_cql_literal(),
            i128::MIN.to_string()
        );
        let decimal = |unscaled: i128, scale| CqlValue::Decimal {
            unscaled: i128::to_be_bytes(unscaled).to_vec(),
            scale,
        };
        assert_eq!(decimal(-12345, 2).to_cql_literal(), "-123.45");
        assert_eq!(decimal(5, 3).to_cql_literal(), "0.005");
        assert_eq!(decimal(7, -2).to_cql_literal(), "7E+2");
    }

    #[test]
    fn durations_use_units() {
        let duration = |months, days, nanoseconds| CqlValue::Duration {
            months,
            days,
            nanoseconds,
        };
        assert_eq!(
            duration(14, 3, 3_723_004_005_006).to_cql_literal(),
            "1y2mo3d1h2m3s4ms5us6ns"
        );
        assert_eq!(duration(0, 0, -3_600_000_000_000).to_cql_literal(), "-1h");
        assert_eq!(duration(0, 0, 0).to_cql_literal(), "0s");
    }

    #[test]
    fn collections_and_nulls() {
        let value = CqlValue::Map(vec![(
            CqlValue::Int(1),
            CqlValue::Tuple(vec![
                Some(CqlValue::Set(vec![CqlValue::Boolean(true)])),
                None,
            ]),
        )]);
        assert_eq!(value.to_string(), "{1: ({true}, null)}");
        let udt = CqlValue::Udt(vec![
            (
                "Street".to_owned(),
                Some(CqlValue::List(vec![CqlValue::Ascii("a".to_owned())])),
            ),
            ("zip".to_owned(), None),
        ]);
        assert_eq!(udt.to_string(), "{\"Street\": ['a'], zip: null}");
        assert_eq!(
            CqlValue::Vector(vec![CqlValue::Float(0.5)]).to_string(),
            "[0.5]"
        );
    }

    #[test]
    fn decimals_print_like_java_big_decimal() {
        let render = |unscaled: i128, scale: i32| {
            let mut out = String::new();
            push_decimal(&mut out, &unscaled.to_string(), scale);
            out
        };
        assert_eq!(render(123, 2), "1.23");
        assert_eq!(render(-123, 5), "-0.00123");
        assert_eq!(render(123, 0), "123");
        assert_eq!(render(123, -3), "1.23E+5");
        assert_eq!(render(1, 7), "1E-7");
        assert_eq!(render(8, 1_612_054_549), "8E-1612054549");
        assert_eq!(render(12, 8), "1.2E-7");
    }
}
