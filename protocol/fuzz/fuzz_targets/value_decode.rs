//! Fuzzes value decoding (spec v4 §6): the input starts with an `[option]` type
//! descriptor, the rest is the value bytes. Either may be garbage; decoding must
//! return, never panic or allocate without bound. A value that decodes must
//! re-encode to bytes that decode to the same encoding again.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sibyl_protocol::types::{ColumnType, CqlValue};

fuzz_target!(|data: &[u8]| {
    let mut rest = data;
    let Ok(column_type) = ColumnType::read(&mut rest) else {
        return;
    };
    let Ok(value) = CqlValue::decode(&column_type, rest) else {
        return;
    };
    let encoded = value.to_bytes();
    let again = CqlValue::decode(&column_type, &encoded).expect("re-encoded value decodes");
    assert_eq!(again.to_bytes(), encoded, "encoding is stable");
    let _ = value.to_cql_literal();
    let _ = column_type.cql_name();
    let _ = column_type.marshal_class_name();
});
