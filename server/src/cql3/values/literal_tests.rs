use super::*;

fn ok(literal: Literal, target: ColumnType) -> CqlValue {
    literal_to_value(&literal, &target, "k").unwrap()
}

fn err(literal: Literal, target: ColumnType) -> String {
    match literal_to_value(&literal, &target, "k").unwrap_err() {
        CqlError::Invalid(message) => message,
        other => panic!("expected Invalid, got {other:?}"),
    }
}

fn int(text: &str) -> Literal {
    Literal::Integer(text.into())
}

fn float(text: &str) -> Literal {
    Literal::Float(text.into())
}

fn string(text: &str) -> Literal {
    Literal::String(text.into())
}

#[test]
fn integers_into_every_numeric_type() {
    assert_eq!(
        ok(int("-128"), ColumnType::Tinyint),
        CqlValue::Tinyint(-128)
    );
    assert_eq!(
        ok(int("32767"), ColumnType::Smallint),
        CqlValue::Smallint(32767)
    );
    assert_eq!(ok(int("-5"), ColumnType::Int), CqlValue::Int(-5));
    assert_eq!(
        ok(int("9223372036854775807"), ColumnType::Bigint),
        CqlValue::Bigint(i64::MAX)
    );
    assert_eq!(ok(int("7"), ColumnType::Counter), CqlValue::Counter(7));
    assert_eq!(
        ok(int("300"), ColumnType::Varint),
        CqlValue::Varint(vec![0x01, 0x2C])
    );
    assert_eq!(
        ok(int("12"), ColumnType::Decimal),
        CqlValue::Decimal {
            unscaled: vec![12],
            scale: 0
        }
    );
    assert_eq!(ok(int("3"), ColumnType::Float), CqlValue::Float(3.0));
    assert_eq!(ok(int("3"), ColumnType::Double), CqlValue::Double(3.0));
    assert_eq!(
        ok(int("1000"), ColumnType::Timestamp),
        CqlValue::Timestamp(1000)
    );
    assert_eq!(
        ok(int("2147483648"), ColumnType::Date),
        CqlValue::Date(1 << 31)
    );
    assert_eq!(ok(int("5"), ColumnType::Time), CqlValue::Time(5));
}

#[test]
fn integers_out_of_range() {
    assert_eq!(
        err(int("128"), ColumnType::Tinyint),
        "Unable to make byte from '128'"
    );
    assert_eq!(
        err(int("40000"), ColumnType::Smallint),
        "Unable to make short from '40000'"
    );
    assert_eq!(
        err(int("2147483648"), ColumnType::Int),
        "Unable to make int from '2147483648'"
    );
    assert_eq!(
        err(int("9223372036854775808"), ColumnType::Bigint),
        "Unable to make long from '9223372036854775808'"
    );
    assert_eq!(
        err(int("5"), ColumnType::Duration),
        "Unable to convert '5' to a duration"
    );
}

#[test]
fn wrong_kinds_are_rejected_with_the_constant_message() {
    assert_eq!(
        err(float("1.5"), ColumnType::Int),
        "Invalid FLOAT constant (1.5) for \"k\" of type int"
    );
    assert_eq!(
        err(string("foo"), ColumnType::Int),
        "Invalid STRING constant (foo) for \"k\" of type int"
    );
    assert_eq!(
        err(int("1"), ColumnType::Text),
        "Invalid INTEGER constant (1) for \"k\" of type text"
    );
    assert_eq!(
        err(Literal::Boolean(true), ColumnType::Int),
        "Invalid BOOLEAN constant (true) for \"k\" of type int"
    );
    assert_eq!(
        err(Literal::Hex("0x01".into()), ColumnType::Int),
        "Invalid HEX constant (0x01) for \"k\" of type int"
    );
    assert_eq!(
        err(int("1"), ColumnType::List(Box::new(ColumnType::Int))),
        "Invalid INTEGER constant (1) for \"k\" of type list<int>"
    );
    assert_eq!(
        err(string("true"), ColumnType::Boolean),
        "Invalid STRING constant (true) for \"k\" of type boolean"
    );
    assert_eq!(
        err(string("abc"), ColumnType::Blob),
        "Invalid STRING constant (abc) for \"k\" of type blob"
    );
    assert!(
        err(
            Literal::Uuid("5c1f0e8a-0000-4000-8000-000000000000".into()),
            ColumnType::Text
        )
        .contains("UUID constant")
    );
    assert!(
        err(Literal::Duration("1h".into()), ColumnType::Timestamp)
            .contains("DURATION constant (1h)")
    );
}

#[test]
fn floats() {
    assert_eq!(ok(float("1.5"), ColumnType::Float), CqlValue::Float(1.5));
    assert_eq!(
        ok(float("-2.5e3"), ColumnType::Double),
        CqlValue::Double(-2500.0)
    );
    assert!(matches!(ok(float("NaN"), ColumnType::Double), CqlValue::Double(v) if v.is_nan()));
    assert_eq!(
        ok(float("-Infinity"), ColumnType::Float),
        CqlValue::Float(f32::NEG_INFINITY)
    );
    assert_eq!(
        ok(float("1.50"), ColumnType::Decimal),
        CqlValue::Decimal {
            unscaled: vec![0, 150],
            scale: 2
        }
    );
    assert_eq!(
        err(float("NaN"), ColumnType::Decimal),
        "unable to make BigDecimal from 'NaN'"
    );
}

#[test]
fn strings() {
    assert_eq!(
        ok(string("hé"), ColumnType::Text),
        CqlValue::Text("hé".into())
    );
    assert_eq!(
        ok(string("abc"), ColumnType::Ascii),
        CqlValue::Ascii("abc".into())
    );
    assert!(
        err(string("hé"), ColumnType::Ascii)
            .starts_with("Invalid ASCII character in string literal")
    );
    assert_eq!(
        ok(string("10.0.0.1"), ColumnType::Inet),
        CqlValue::Inet("10.0.0.1".parse().unwrap())
    );
    assert_eq!(
        ok(string("::1"), ColumnType::Inet),
        CqlValue::Inet("::1".parse().unwrap())
    );
    assert_eq!(
        err(string("host"), ColumnType::Inet),
        "Unable to make inet address from 'host'"
    );
    assert_eq!(
        ok(string("1970-01-02"), ColumnType::Date),
        CqlValue::Date((1 << 31) + 1)
    );
    assert_eq!(
        ok(string("00:00:01"), ColumnType::Time),
        CqlValue::Time(1_000_000_000)
    );
    assert_eq!(
        ok(string("1970-01-01 00:00:01+0000"), ColumnType::Timestamp),
        CqlValue::Timestamp(1000)
    );
    assert_eq!(
        ok(string("1000"), ColumnType::Timestamp),
        CqlValue::Timestamp(1000)
    );
    assert_eq!(
        err(string("x"), ColumnType::Date),
        "Unable to coerce 'x' to a formatted date (long)"
    );
}

#[test]
fn uuids_hex_booleans_durations() {
    let v4 = "5c1f0e8a-1234-4000-8000-000000000000";
    let v1 = "5c1f0e8a-1234-1000-8000-000000000000";
    assert!(matches!(
        ok(Literal::Uuid(v4.into()), ColumnType::Uuid),
        CqlValue::Uuid(_)
    ));
    assert!(matches!(
        ok(Literal::Uuid(v1.into()), ColumnType::Uuid),
        CqlValue::Uuid(_)
    ));
    assert!(matches!(
        ok(Literal::Uuid(v1.into()), ColumnType::Timeuuid),
        CqlValue::Timeuuid(_)
    ));
    assert_eq!(
        err(Literal::Uuid(v4.into()), ColumnType::Timeuuid),
        "TimeUUID supports only version 1 UUIDs"
    );
    assert_eq!(
        ok(Literal::Hex("0xCAFE".into()), ColumnType::Blob),
        CqlValue::Blob(vec![0xCA, 0xFE])
    );
    assert_eq!(
        ok(Literal::Hex("0x".into()), ColumnType::Blob),
        CqlValue::Blob(vec![])
    );
    assert_eq!(
        err(Literal::Hex("0x123".into()), ColumnType::Blob),
        "cannot parse '123' as hex bytes"
    );
    assert_eq!(
        ok(Literal::Boolean(false), ColumnType::Boolean),
        CqlValue::Boolean(false)
    );
    assert_eq!(
        ok(Literal::Duration("1mo2d3ns".into()), ColumnType::Duration),
        CqlValue::Duration {
            months: 1,
            days: 2,
            nanoseconds: 3
        }
    );
}

#[test]
fn assignment_prefers_exact_types() {
    assert_eq!(
        literal_assignment(&int("1"), &ColumnType::Int),
        Assignment::ExactMatch
    );
    assert_eq!(
        literal_assignment(&int("1"), &ColumnType::Bigint),
        Assignment::WeaklyAssignable
    );
    assert_eq!(
        literal_assignment(&int("3000000000"), &ColumnType::Bigint),
        Assignment::ExactMatch
    );
    assert_eq!(
        literal_assignment(&float("1.5"), &ColumnType::Double),
        Assignment::ExactMatch
    );
    assert_eq!(
        literal_assignment(&string("a"), &ColumnType::Ascii),
        Assignment::ExactMatch
    );
    assert_eq!(
        literal_assignment(&string("a"), &ColumnType::Text),
        Assignment::WeaklyAssignable
    );
    assert_eq!(
        literal_assignment(&string("a"), &ColumnType::Uuid),
        Assignment::NotAssignable
    );
}
