//! Property tests of the value and type codecs: round trips of arbitrary typed
//! values, and arbitrary bytes never panicking the decoders.

use proptest::prelude::*;
use sibyl_protocol::types::{ColumnType, CqlValue};

use crate::type_strategy::{column_type, typed_value};

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn typed_values_round_trip_byte_identically((column_type, value) in typed_value()) {
        let bytes = value.to_bytes();
        let decoded = CqlValue::decode(&column_type, &bytes).unwrap();
        prop_assert_eq!(decoded.to_bytes(), bytes);
        // NaN != NaN, so compare values only through their bytes above, and
        // literals (which spell NaN the same) here.
        prop_assert_eq!(decoded.to_cql_literal(), value.to_cql_literal());
    }

    #[test]
    fn type_descriptors_round_trip_in_v4_and_v5(column_type in column_type(), version in 4u8..=5) {
        let mut out = Vec::new();
        column_type.write_for_version(&mut out, version);
        let mut buf = out.as_slice();
        prop_assert_eq!(ColumnType::read(&mut buf).unwrap(), column_type.clone());
        prop_assert!(buf.is_empty());
        let parsed = ColumnType::parse_cql(&column_type.cql_name()).unwrap();
        // CQL text carries UDT names only; compare the rendering instead.
        prop_assert_eq!(parsed.column_type.cql_name(), column_type.cql_name());
        prop_assert_eq!(ColumnType::from_custom_class(&column_type.marshal_class_name()), match &column_type {
            ColumnType::Vector { .. } | ColumnType::Duration => column_type.clone(),
            _ => ColumnType::Custom(column_type.marshal_class_name()),
        });
    }

    #[test]
    fn arbitrary_bytes_never_panic_the_value_decoder(
        column_type in column_type(),
        bytes in prop::collection::vec(any::<u8>(), 0..64),
    ) {
        let _ = CqlValue::decode(&column_type, &bytes);
    }

    #[test]
    fn corrupted_values_never_panic((column_type, value) in typed_value(), at in any::<usize>(), xor in 1u8..) {
        let mut bytes = value.to_bytes();
        if !bytes.is_empty() {
            let at = at % bytes.len();
            bytes[at] ^= xor;
            let _ = CqlValue::decode(&column_type, &bytes);
            let _ = CqlValue::decode(&column_type, &bytes[..at]);
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic_the_type_reader(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
        let _ = ColumnType::read(&mut bytes.as_slice());
    }

    #[test]
    fn arbitrary_text_never_panics_the_cql_type_parser(text in "[a-zA-Z<>,.'\" 0-9]{0,40}") {
        let _ = ColumnType::parse_cql(&text);
    }
}
