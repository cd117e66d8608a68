use serde_json::json;

use super::*;

fn round_trip(value: CqlValue, ty: ColumnType) {
    let text = value_to_json(&value, &ty);
    let parsed: Json = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
    let back = json_to_value(&parsed, &ty, "c").unwrap().unwrap();
    assert_eq!(back, value, "{text}");
}

fn udt() -> ColumnType {
    ColumnType::Udt {
        keyspace: "ks".into(),
        name: "u".into(),
        fields: vec![
            ("a".into(), ColumnType::Int),
            ("Bee".into(), ColumnType::Text),
        ],
    }
}

#[test]
fn renders_every_type_as_cassandra() {
    let cases: Vec<(CqlValue, ColumnType, &str)> = vec![
        (CqlValue::Text("a\"b".into()), ColumnType::Text, r#""a\"b""#),
        (CqlValue::Int(-3), ColumnType::Int, "-3"),
        (CqlValue::Double(1.0), ColumnType::Double, "1.0"),
        (CqlValue::Double(1e-5), ColumnType::Double, "1.0E-5"),
        (CqlValue::Float(f32::NAN), ColumnType::Float, "null"),
        (CqlValue::Float(0.1), ColumnType::Float, "0.1"),
        (
            CqlValue::Double(12345678.9),
            ColumnType::Double,
            "1.23456789E7",
        ),
        (CqlValue::Varint(vec![0xFF]), ColumnType::Varint, "-1"),
        (
            CqlValue::Decimal {
                unscaled: vec![0x0F],
                scale: 1,
            },
            ColumnType::Decimal,
            "1.5",
        ),
        (
            CqlValue::Timestamp(1_000),
            ColumnType::Timestamp,
            "\"1970-01-01 00:00:01.000Z\"",
        ),
        (CqlValue::Date(1 << 31), ColumnType::Date, "\"1970-01-01\""),
        (
            CqlValue::Time(1),
            ColumnType::Time,
            "\"00:00:00.000000001\"",
        ),
        (
            CqlValue::Blob(vec![0xCA, 0xFE]),
            ColumnType::Blob,
            "\"0xcafe\"",
        ),
        (
            CqlValue::Inet("::1".parse().unwrap()),
            ColumnType::Inet,
            "\"0:0:0:0:0:0:0:1\"",
        ),
        (CqlValue::Boolean(true), ColumnType::Boolean, "true"),
        (
            CqlValue::Duration {
                months: 14,
                days: 0,
                nanoseconds: 0,
            },
            ColumnType::Duration,
            "\"1y2mo\"",
        ),
        (
            CqlValue::Map(vec![(CqlValue::Int(1), CqlValue::Text("x".into()))]),
            ColumnType::Map(Box::new(ColumnType::Int), Box::new(ColumnType::Text)),
            r#"{"1": "x"}"#,
        ),
        (
            CqlValue::Tuple(vec![Some(CqlValue::Int(1)), None]),
            ColumnType::Tuple(vec![ColumnType::Int, ColumnType::Text]),
            "[1, null]",
        ),
        (
            CqlValue::Udt(vec![
                ("a".into(), Some(CqlValue::Int(1))),
                ("Bee".into(), None),
            ]),
            udt(),
            r#"{"a": 1, "\"Bee\"": null}"#,
        ),
    ];
    for (value, ty, expected) in cases {
        assert_eq!(value_to_json(&value, &ty), expected);
    }
}

#[test]
fn round_trips_every_type_including_nested() {
    round_trip(CqlValue::Ascii("abc".into()), ColumnType::Ascii);
    round_trip(CqlValue::Bigint(i64::MIN), ColumnType::Bigint);
    round_trip(CqlValue::Smallint(-2), ColumnType::Smallint);
    round_trip(CqlValue::Tinyint(7), ColumnType::Tinyint);
    round_trip(CqlValue::Counter(9), ColumnType::Counter);
    round_trip(CqlValue::Double(-2.5e300), ColumnType::Double);
    round_trip(CqlValue::Float(3.25), ColumnType::Float);
    round_trip(
        CqlValue::varint_from_i128(i128::from(i64::MIN)),
        ColumnType::Varint,
    );
    // Beyond 64 bits a varint only survives as a JSON string (serde_json reads bare
    // big numbers as doubles).
    let big = Json::String("-170141183460469231731687303715884105728".into());
    let big = json_to_value(&big, &ColumnType::Varint, "c").unwrap();
    assert_eq!(big, Some(CqlValue::varint_from_i128(i128::MIN)));
    round_trip(
        CqlValue::Decimal {
            unscaled: vec![0xF1],
            scale: 1,
        },
        ColumnType::Decimal,
    );
    round_trip(CqlValue::Timestamp(-86_400_001), ColumnType::Timestamp);
    round_trip(CqlValue::Date(12345), ColumnType::Date);
    round_trip(CqlValue::Time(86_399_999_999_999), ColumnType::Time);
    round_trip(CqlValue::Uuid([7; 16]), ColumnType::Uuid);
    let v1 = crate::cql3::functions::min_timeuuid(5);
    round_trip(CqlValue::Timeuuid(v1), ColumnType::Timeuuid);
    round_trip(
        CqlValue::Inet("10.1.2.3".parse().unwrap()),
        ColumnType::Inet,
    );
    round_trip(CqlValue::Inet("fe80::1".parse().unwrap()), ColumnType::Inet);
    round_trip(
        CqlValue::Duration {
            months: -1,
            days: -2,
            nanoseconds: -3,
        },
        ColumnType::Duration,
    );
    round_trip(CqlValue::Blob(vec![]), ColumnType::Blob);
    let nested = ColumnType::Map(
        Box::new(ColumnType::List(Box::new(ColumnType::Int))),
        Box::new(ColumnType::Set(Box::new(ColumnType::Text))),
    );
    round_trip(
        CqlValue::Map(vec![(
            CqlValue::List(vec![CqlValue::Int(1), CqlValue::Int(2)]),
            CqlValue::Set(vec![CqlValue::Text("a".into()), CqlValue::Text("b".into())]),
        )]),
        nested,
    );
    round_trip(
        CqlValue::Udt(vec![
            ("a".into(), Some(CqlValue::Int(1))),
            ("Bee".into(), Some(CqlValue::Text("x".into()))),
        ]),
        udt(),
    );
    let vector = ColumnType::Vector {
        element: Box::new(ColumnType::Float),
        dimension: 2,
    };
    round_trip(
        CqlValue::Vector(vec![CqlValue::Float(1.5), CqlValue::Float(-2.0)]),
        vector,
    );
}

#[test]
fn accepts_strings_for_numbers_and_rejects_wrong_shapes() {
    let parse = |json: Json, ty: ColumnType| json_to_value(&json, &ty, "v");
    assert_eq!(
        parse(json!("42"), ColumnType::Int).unwrap(),
        Some(CqlValue::Int(42))
    );
    assert_eq!(
        parse(json!("1.5"), ColumnType::Double).unwrap(),
        Some(CqlValue::Double(1.5))
    );
    assert_eq!(
        parse(json!(1000), ColumnType::Timestamp).unwrap(),
        Some(CqlValue::Timestamp(1000))
    );
    assert_eq!(parse(json!(null), ColumnType::Int).unwrap(), None);
    assert_eq!(
        parse(json!(1.5), ColumnType::Int).unwrap_err(),
        CqlError::invalid(
            "Error decoding JSON value for v: Expected an int value, but got a Double: 1.5"
        )
    );
    assert_eq!(
        parse(json!(5), ColumnType::Text).unwrap_err(),
        CqlError::invalid(
            "Error decoding JSON value for v: Expected a UTF-8 string, but got a Integer: 5"
        )
    );
    assert_eq!(
        parse(json!("cafe"), ColumnType::Blob).unwrap_err(),
        CqlError::invalid(
            "Error decoding JSON value for v: String representation of blob is missing 0x prefix: cafe"
        )
    );
    let set = ColumnType::Set(Box::new(ColumnType::Int));
    assert_eq!(
        parse(json!([3, 1, 3]), set).unwrap(),
        Some(CqlValue::Set(vec![CqlValue::Int(1), CqlValue::Int(3)]))
    );
    assert!(
        parse(json!({"zzz": 1}), udt())
            .unwrap_err()
            .to_string()
            .contains("Unknown field 'zzz'")
    );
    assert_eq!(
        parse(json!({"A": 1, "\"Bee\"": "x"}), udt()).unwrap(),
        Some(CqlValue::Udt(vec![
            ("a".into(), Some(CqlValue::Int(1))),
            ("Bee".into(), Some(CqlValue::Text("x".into())))
        ]))
    );
    let tuple = ColumnType::Tuple(vec![ColumnType::Int]);
    assert!(
        parse(json!([1, 2]), tuple)
            .unwrap_err()
            .to_string()
            .contains("Tuple contains extra items")
    );
    assert!(
        parse(
            json!([1, null]),
            ColumnType::List(Box::new(ColumnType::Int))
        )
        .is_err()
    );
}
