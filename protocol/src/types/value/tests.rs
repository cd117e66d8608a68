//! Round trips of every type and strict-decoding cases (spec v4 §6, v5 §6.8).

use super::*;
use crate::error::DecodeError;
use crate::types::{ColumnType, MAX_NESTING_DEPTH};

fn boxed(column_type: ColumnType) -> Box<ColumnType> {
    Box::new(column_type)
}

fn round_trip(column_type: &ColumnType, value: &CqlValue) {
    let bytes = value.to_bytes();
    let decoded =
        CqlValue::decode(column_type, &bytes).unwrap_or_else(|e| panic!("{value:?}: {e}"));
    assert_eq!(&decoded, value, "as {column_type:?}");
    assert_eq!(decoded.to_bytes(), bytes);
}

fn address_type() -> ColumnType {
    ColumnType::Udt {
        keyspace: "ks".to_owned(),
        name: "address".to_owned(),
        fields: vec![
            ("street".to_owned(), ColumnType::Text),
            ("zip".to_owned(), ColumnType::Int),
        ],
    }
}

fn every_type_and_value() -> Vec<(ColumnType, CqlValue)> {
    vec![
        (ColumnType::Ascii, CqlValue::Ascii("abc".to_owned())),
        (ColumnType::Bigint, CqlValue::Bigint(i64::MIN)),
        (ColumnType::Blob, CqlValue::Blob(vec![0, 1, 255])),
        (ColumnType::Boolean, CqlValue::Boolean(true)),
        (ColumnType::Counter, CqlValue::Counter(-5)),
        (
            ColumnType::Decimal,
            CqlValue::Decimal {
                unscaled: vec![0x00, 0x80],
                scale: -3,
            },
        ),
        (ColumnType::Double, CqlValue::Double(-0.25)),
        (ColumnType::Float, CqlValue::Float(3.5)),
        (ColumnType::Int, CqlValue::Int(i32::MAX)),
        (
            ColumnType::Timestamp,
            CqlValue::Timestamp(1_700_000_000_000),
        ),
        (ColumnType::Uuid, CqlValue::Uuid([7; 16])),
        (ColumnType::Text, CqlValue::Text("zażółć".to_owned())),
        (ColumnType::Varint, CqlValue::Varint(vec![0xFF, 0x7F])),
        (ColumnType::Timeuuid, CqlValue::Timeuuid([0x11; 16])),
        (
            ColumnType::Inet,
            CqlValue::Inet("10.0.0.1".parse().expect("ip")),
        ),
        (
            ColumnType::Inet,
            CqlValue::Inet("2001:db8::1".parse().expect("ip")),
        ),
        (ColumnType::Date, CqlValue::Date(DATE_EPOCH)),
        (ColumnType::Time, CqlValue::Time(TIME_MAX_NANOSECONDS)),
        (ColumnType::Smallint, CqlValue::Smallint(-2)),
        (ColumnType::Tinyint, CqlValue::Tinyint(i8::MIN)),
        (
            ColumnType::Duration,
            CqlValue::Duration {
                months: -1,
                days: -2,
                nanoseconds: i64::MIN,
            },
        ),
        (
            ColumnType::List(boxed(ColumnType::Int)),
            CqlValue::List(vec![CqlValue::Int(1), CqlValue::Int(2)]),
        ),
        (
            ColumnType::Set(boxed(ColumnType::Text)),
            CqlValue::Set(vec![CqlValue::Text(String::new())]),
        ),
        (
            ColumnType::Map(
                boxed(ColumnType::Text),
                boxed(ColumnType::List(boxed(ColumnType::Bigint))),
            ),
            CqlValue::Map(vec![(
                CqlValue::Text("k".to_owned()),
                CqlValue::List(vec![CqlValue::Bigint(9)]),
            )]),
        ),
        (
            ColumnType::Tuple(vec![ColumnType::Int, ColumnType::Text, address_type()]),
            CqlValue::Tuple(vec![
                Some(CqlValue::Int(1)),
                None,
                Some(CqlValue::Udt(vec![
                    ("street".to_owned(), None),
                    ("zip".to_owned(), Some(CqlValue::Int(5))),
                ])),
            ]),
        ),
        (
            ColumnType::Vector {
                element: boxed(ColumnType::Float),
                dimension: 3,
            },
            CqlValue::Vector(vec![
                CqlValue::Float(1.0),
                CqlValue::Float(2.0),
                CqlValue::Float(3.0),
            ]),
        ),
        (
            ColumnType::Vector {
                element: boxed(ColumnType::Text),
                dimension: 2,
            },
            CqlValue::Vector(vec![
                CqlValue::Text("a".to_owned()),
                CqlValue::Text("bc".to_owned()),
            ]),
        ),
        (
            ColumnType::Vector {
                element: boxed(ColumnType::Vector {
                    element: boxed(ColumnType::Int),
                    dimension: 2,
                }),
                dimension: 2,
            },
            CqlValue::Vector(vec![
                CqlValue::Vector(vec![CqlValue::Int(1), CqlValue::Int(2)]),
                CqlValue::Vector(vec![CqlValue::Int(3), CqlValue::Int(4)]),
            ]),
        ),
        (
            ColumnType::Custom("com.example.T".to_owned()),
            CqlValue::Blob(vec![1, 2]),
        ),
        (ColumnType::Int, CqlValue::Empty),
        (ColumnType::List(boxed(ColumnType::Int)), CqlValue::Empty),
    ]
}

#[test]
fn every_type_round_trips() {
    for (column_type, value) in every_type_and_value() {
        round_trip(&column_type, &value);
    }
}

#[test]
fn known_encodings_match_the_spec() {
    // Spec §6.24 varint examples, and a float vector as plain concatenation.
    for (value, bytes) in [
        (0i128, vec![0x00]),
        (128, vec![0x00, 0x80]),
        (-129, vec![0xFF, 0x7F]),
        (-1, vec![0xFF]),
    ] {
        assert_eq!(CqlValue::varint_from_i128(value).to_bytes(), bytes);
    }
    let vector = CqlValue::Vector(vec![CqlValue::Float(1.0), CqlValue::Float(-2.0)]);
    assert_eq!(vector.to_bytes(), vec![0x3F, 0x80, 0, 0, 0xC0, 0, 0, 0]);
    let text_vector = CqlValue::Vector(vec![CqlValue::Text("ab".to_owned())]);
    assert_eq!(text_vector.to_bytes(), vec![2, b'a', b'b']);
    let duration = CqlValue::Duration {
        months: 1,
        days: -0,
        nanoseconds: 1,
    };
    assert_eq!(duration.to_bytes(), vec![2, 0, 2]);
}

#[test]
fn non_minimal_varints_are_normalised() {
    let decoded = CqlValue::decode(&ColumnType::Varint, &[0x00, 0x00, 0x7F]).expect("varint");
    assert_eq!(decoded, CqlValue::Varint(vec![0x7F]));
    let decoded = CqlValue::decode(&ColumnType::Varint, &[0xFF, 0xFF, 0x80]).expect("varint");
    assert_eq!(decoded, CqlValue::Varint(vec![0x80]));
}

fn rejects(column_type: &ColumnType, bytes: &[u8]) {
    assert!(
        CqlValue::decode(column_type, bytes).is_err(),
        "{column_type:?} accepted {bytes:?}"
    );
}

#[test]
fn wrong_widths_and_invalid_contents_are_rejected() {
    rejects(&ColumnType::Int, &[0, 0, 1]);
    rejects(&ColumnType::Bigint, &[0; 9]);
    rejects(&ColumnType::Uuid, &[0; 15]);
    rejects(&ColumnType::Inet, &[0; 5]);
    rejects(&ColumnType::Boolean, &[1, 1]);
    rejects(&ColumnType::Ascii, &[b'a', 0x80]);
    rejects(&ColumnType::Text, &[0xC3, 0x28]);
    rejects(&ColumnType::Time, &(-1i64).to_be_bytes());
    rejects(&ColumnType::Time, &(TIME_MAX_NANOSECONDS + 1).to_be_bytes());
    rejects(&ColumnType::Decimal, &[0, 0, 0, 1]);
    rejects(&ColumnType::Decimal, &[0, 0, 1]);
    rejects(&ColumnType::Duration, &[2, 1, 2]); // mixed signs: +1 month, -1 day
    rejects(&ColumnType::Duration, &[2, 0]);
    rejects(&ColumnType::Duration, &[2, 0, 0, 0]);
    // 2^32 months, zig-zagged, does not fit an int.
    let mut too_many_months = Vec::new();
    crate::types::vint::write_vint(&mut too_many_months, 1 << 32);
    too_many_months.extend_from_slice(&[0, 0]);
    rejects(&ColumnType::Duration, &too_many_months);
}

#[test]
fn corrupt_collections_are_rejected_without_allocating() {
    let list = ColumnType::List(boxed(ColumnType::Int));
    rejects(&list, &[0x7F, 0xFF, 0xFF, 0xFF]); // two billion elements in no bytes
    rejects(&list, &[0xFF, 0xFF, 0xFF, 0xFE]); // negative count
    rejects(&list, &[0, 0, 0, 1, 0xFF, 0xFF, 0xFF, 0xFF]); // null element
    rejects(&list, &[0, 0, 0, 1, 0, 0, 0, 4, 0, 0, 0]); // truncated element
    rejects(&list, &[0, 0, 0, 0, 9]); // trailing byte
    let map = ColumnType::Map(boxed(ColumnType::Int), boxed(ColumnType::Int));
    rejects(&map, &[0, 0, 0, 1, 0, 0, 0, 0]);
    let tuple = ColumnType::Tuple(vec![ColumnType::Int]);
    rejects(&tuple, &[0xFF, 0xFF, 0xFF, 0xFE]); // "unset" is not a tuple element
    rejects(&tuple, &[0, 0, 0, 0, 0, 0, 0, 0]); // more elements than the type
    let vector = ColumnType::Vector {
        element: boxed(ColumnType::Float),
        dimension: u32::MAX,
    };
    rejects(&vector, &[0; 8]);
    let text_vector = ColumnType::Vector {
        element: boxed(ColumnType::Text),
        dimension: 1_000_000,
    };
    rejects(&text_vector, &[0; 8]);
    let text_vector = ColumnType::Vector {
        element: boxed(ColumnType::Text),
        dimension: 1,
    };
    rejects(&text_vector, &[5, b'a']);
}

#[test]
fn fewer_tuple_and_udt_fields_than_declared_are_accepted() {
    let bytes = [0, 0, 0, 1, b'x'];
    assert_eq!(
        CqlValue::decode(&address_type(), &bytes),
        Ok(CqlValue::Udt(vec![(
            "street".to_owned(),
            Some(CqlValue::Text("x".to_owned()))
        )]))
    );
}

#[test]
fn every_truncation_of_every_value_is_an_error_or_a_value_never_a_panic() {
    for (column_type, value) in every_type_and_value() {
        let bytes = value.to_bytes();
        for end in 0..bytes.len() {
            let _ = CqlValue::decode(&column_type, &bytes[..end]);
        }
        let mut flipped = bytes.clone();
        for at in 0..flipped.len() {
            flipped[at] ^= 0xA5;
            let _ = CqlValue::decode(&column_type, &flipped);
            flipped[at] ^= 0xA5;
        }
    }
}

#[test]
fn deep_values_are_rejected() {
    let mut column_type = ColumnType::Int;
    let mut bytes = vec![0, 0, 0, 7];
    for _ in 0..MAX_NESTING_DEPTH {
        column_type = ColumnType::List(boxed(column_type));
        let mut outer = vec![0, 0, 0, 1];
        outer.extend_from_slice(&(bytes.len() as i32).to_be_bytes());
        outer.extend_from_slice(&bytes);
        bytes = outer;
    }
    assert_eq!(
        CqlValue::decode(&column_type, &bytes),
        Err(DecodeError::TypeTooDeep)
    );
}
