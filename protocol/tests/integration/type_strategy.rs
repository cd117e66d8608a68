//! Proptest generators: an arbitrary `ColumnType` (depth-bounded) and a matching
//! `CqlValue`. Values are canonical (minimal varints, one-signed durations, times
//! within a day) so that encode → decode → encode is byte-identical. Custom
//! types and `Empty` are left out because scylla-cql cannot serialize them.

use proptest::prelude::*;
use sibyl_protocol::types::{ColumnType, CqlValue};

const MAX_ELEMENTS: usize = 3;

fn native_type() -> impl Strategy<Value = ColumnType> {
    prop_oneof![
        Just(ColumnType::Ascii),
        Just(ColumnType::Bigint),
        Just(ColumnType::Blob),
        Just(ColumnType::Boolean),
        Just(ColumnType::Counter),
        Just(ColumnType::Decimal),
        Just(ColumnType::Double),
        Just(ColumnType::Float),
        Just(ColumnType::Int),
        Just(ColumnType::Timestamp),
        Just(ColumnType::Uuid),
        Just(ColumnType::Text),
        Just(ColumnType::Varint),
        Just(ColumnType::Timeuuid),
        Just(ColumnType::Inet),
        Just(ColumnType::Date),
        Just(ColumnType::Time),
        Just(ColumnType::Smallint),
        Just(ColumnType::Tinyint),
        Just(ColumnType::Duration),
    ]
}

/// Any type up to three levels of nesting.
pub fn column_type() -> impl Strategy<Value = ColumnType> {
    native_type().prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            inner.clone().prop_map(|e| ColumnType::List(Box::new(e))),
            inner.clone().prop_map(|e| ColumnType::Set(Box::new(e))),
            (inner.clone(), inner.clone())
                .prop_map(|(k, v)| ColumnType::Map(Box::new(k), Box::new(v))),
            prop::collection::vec(inner.clone(), 1..4).prop_map(ColumnType::Tuple),
            (inner.clone(), 1u32..4).prop_map(|(e, dimension)| ColumnType::Vector {
                element: Box::new(e),
                dimension
            }),
            (
                prop::collection::vec(inner, 1..4),
                "[a-z]{1,6}",
                "[a-zA-Z_]{1,6}"
            )
                .prop_map(|(types, keyspace, name)| {
                    let fields = types
                        .into_iter()
                        .enumerate()
                        .map(|(i, t)| (format!("f{i}"), t))
                        .collect();
                    ColumnType::Udt {
                        keyspace,
                        name,
                        fields,
                    }
                }),
        ]
    })
}

fn varint_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        any::<i64>().prop_map(|v| match CqlValue::varint_from_i128(i128::from(v)) {
            CqlValue::Varint(bytes) => bytes,
            _ => unreachable!(),
        }),
        any::<i128>().prop_map(|v| match CqlValue::varint_from_i128(v) {
            CqlValue::Varint(bytes) => bytes,
            _ => unreachable!(),
        }),
    ]
}

fn duration() -> impl Strategy<Value = CqlValue> {
    (0..=i32::MAX, 0..=i32::MAX, 0..=i64::MAX, any::<bool>()).prop_map(
        |(months, days, nanoseconds, negative)| {
            let sign = if negative { -1 } else { 1 };
            CqlValue::Duration {
                months: months * sign,
                days: days * sign,
                nanoseconds: nanoseconds * i64::from(sign),
            }
        },
    )
}

/// A value of `column_type`.
pub fn value_of(column_type: &ColumnType) -> BoxedStrategy<CqlValue> {
    let elements = |t: &ColumnType| prop::collection::vec(value_of(t), 0..=MAX_ELEMENTS);
    match column_type {
        ColumnType::Custom(_) => prop::collection::vec(any::<u8>(), 0..8)
            .prop_map(CqlValue::Blob)
            .boxed(),
        ColumnType::Ascii => "[ -~]{0,8}".prop_map(CqlValue::Ascii).boxed(),
        ColumnType::Text => ".{0,8}".prop_map(CqlValue::Text).boxed(),
        ColumnType::Bigint => any::<i64>().prop_map(CqlValue::Bigint).boxed(),
        ColumnType::Counter => any::<i64>().prop_map(CqlValue::Counter).boxed(),
        ColumnType::Timestamp => any::<i64>().prop_map(CqlValue::Timestamp).boxed(),
        ColumnType::Blob => prop::collection::vec(any::<u8>(), 0..8)
            .prop_map(CqlValue::Blob)
            .boxed(),
        ColumnType::Boolean => any::<bool>().prop_map(CqlValue::Boolean).boxed(),
        ColumnType::Decimal => (varint_bytes(), any::<i32>())
            .prop_map(|(unscaled, scale)| CqlValue::Decimal { unscaled, scale })
            .boxed(),
        ColumnType::Double => any::<f64>().prop_map(CqlValue::Double).boxed(),
        ColumnType::Float => any::<f32>().prop_map(CqlValue::Float).boxed(),
        ColumnType::Int => any::<i32>().prop_map(CqlValue::Int).boxed(),
        ColumnType::Uuid => any::<[u8; 16]>().prop_map(CqlValue::Uuid).boxed(),
        ColumnType::Timeuuid => any::<[u8; 16]>().prop_map(CqlValue::Timeuuid).boxed(),
        ColumnType::Varint => varint_bytes().prop_map(CqlValue::Varint).boxed(),
        ColumnType::Inet => any::<std::net::IpAddr>().prop_map(CqlValue::Inet).boxed(),
        ColumnType::Date => any::<u32>().prop_map(CqlValue::Date).boxed(),
        ColumnType::Time => (0..86_400_000_000_000i64).prop_map(CqlValue::Time).boxed(),
        ColumnType::Smallint => any::<i16>().prop_map(CqlValue::Smallint).boxed(),
        ColumnType::Tinyint => any::<i8>().prop_map(CqlValue::Tinyint).boxed(),
        ColumnType::Duration => duration().boxed(),
        ColumnType::List(element) => elements(element).prop_map(CqlValue::List).boxed(),
        ColumnType::Set(element) => elements(element).prop_map(CqlValue::Set).boxed(),
        ColumnType::Map(key, value) => {
            prop::collection::vec((value_of(key), value_of(value)), 0..=MAX_ELEMENTS)
                .prop_map(CqlValue::Map)
                .boxed()
        }
        ColumnType::Tuple(types) => {
            let fields: Vec<_> = types
                .iter()
                .map(|t| prop::option::of(value_of(t)))
                .collect();
            fields.prop_map(CqlValue::Tuple).boxed()
        }
        ColumnType::Udt { fields, .. } => {
            let values: Vec<_> = fields
                .iter()
                .map(|(name, t)| (Just(name.clone()), prop::option::of(value_of(t))))
                .collect();
            values.prop_map(CqlValue::Udt).boxed()
        }
        ColumnType::Vector { element, dimension } => {
            prop::collection::vec(value_of(element), *dimension as usize)
                .prop_map(CqlValue::Vector)
                .boxed()
        }
    }
}

/// A type together with a value of it.
pub fn typed_value() -> impl Strategy<Value = (ColumnType, CqlValue)> {
    column_type().prop_flat_map(|t| {
        let values = value_of(&t);
        (Just(t), values)
    })
}
