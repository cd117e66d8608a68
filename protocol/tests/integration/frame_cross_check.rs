//! Frame- and message-level cross-check against `scylla-cql` 1.8 (the ScyllaDB
//! Rust driver's codec): requests it serializes decode with ours to the same
//! content, our QUERY/EXECUTE/BATCH decode with its (test-only) request
//! deserializer, and every response we encode decodes with its response
//! parser to the same content, field by field.
//!
//! scylla-cql speaks protocol v4 only (`SerializedRequest::make` writes version
//! 4, `read_response_frame` refuses others), so v5 framing and the v5-only
//! message fields are not covered here. Message bodies that are the same in v4
//! and v5 are checked to encode identically in both versions, so the v4
//! cross-check covers them for v5 too.
//!
//! Deviations of scylla-cql from the spec noticed here (not mirrored by us):
//! - `TOPOLOGY_CHANGE` with `MOVED_NODE` (v4 spec §4.2.6) is refused.
//! - `CDC_WRITE_FAILURE` (0x1600) and `CAS_WRITE_UNKNOWN` (0x1700) are read as
//!   `DbError::Other`, their bodies left unread (both are v5 codes).
//! - The rate-limit error (a ScyllaDB extension) is only recognised when
//!   SUPPORTED negotiated its code.

use std::collections::HashMap;
use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use bytes::Bytes;
use scylla_cql::Consistency as SConsistency;
use scylla_cql::frame::protocol_features::ProtocolFeatures;
use scylla_cql::frame::request::batch::{
    Batch as SBatch, BatchStatement as SBatchStatement, BatchType as SBatchType,
};
use scylla_cql::frame::request::execute::ExecuteV2;
use scylla_cql::frame::request::query::{
    PagingState, PagingStateResponse, Query as SQuery, QueryParameters as SQueryParameters,
};
use scylla_cql::frame::request::register::Register as SRegister;
use scylla_cql::frame::request::{
    AuthResponse as SAuthResponse, Options as SOptions, Prepare as SPrepare, RequestOpcode,
    RequestV2, SerializableRequest, Startup as SStartup,
};
use scylla_cql::frame::response::Response as SResponse;
use scylla_cql::frame::response::error::{DbError, OperationType, WriteType};
use scylla_cql::frame::response::event::{
    Event as SEvent, SchemaChangeEvent, SchemaChangeType as SChangeType, StatusChangeEvent,
    TopologyChangeEvent,
};
use scylla_cql::frame::response::result::{
    CollectionType, ColumnSpec as SColumnSpec, ColumnType as SType, NativeType, Result as SResult,
    ResultMetadata, UserDefinedType,
};
use scylla_cql::frame::server_event_type::EventType;
use scylla_cql::frame::types::{RawValue as SRawValue, SerialConsistency};
use scylla_cql::frame::{
    Compression as SCompression, SerializedRequest, parse_response_body_extensions,
    read_response_frame,
};
use scylla_cql::serialize::row::SerializedValues;
use scylla_cql::value::{
    CqlDate, CqlDecimal, CqlTimestamp, CqlTimeuuid, CqlValue as SValue, CqlVarint, Row, Unset,
};
use sibyl_protocol::frame::{
    FrameTarget, HEADER_LEN, ResponseExtras, decode_request_envelope, encode_frame,
};
use sibyl_protocol::request::{
    Batch, BatchStatement, BatchType, BoundValues, Execute, Query, QueryParameters, Request,
    encode_values,
};
use sibyl_protocol::response::{
    AuthChallenge, AuthSuccess, Authenticate, ColumnSpec, ErrorKind, ErrorResponse, Event,
    FailureInfo, Prepared, PreparedMetadata, Response, ResultBody, Rows, RowsMetadata,
    SchemaChange, SchemaChangeTarget, SchemaChangeType, StatusChange, Supported, TopologyChange,
};
use sibyl_protocol::types::{ColumnType, CqlValue};
use sibyl_protocol::wire::{self, RawValue};
use sibyl_protocol::{Compression, Consistency, FrameFlags, FrameHeader, Opcode, Version};

// ---------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------

/// Polls a future that cannot pend (reads from a byte slice) to completion.
fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    match future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("reading from a slice pended"),
    }
}

fn to_scylla_compression(compression: Compression) -> SCompression {
    match compression {
        Compression::Lz4 => SCompression::Lz4,
        Compression::Snappy => SCompression::Snappy,
    }
}

fn scylla_consistency(consistency: Consistency) -> SConsistency {
    SConsistency::try_from(consistency.code()).unwrap()
}

fn scylla_serial(consistency: Option<Consistency>) -> Option<SerialConsistency> {
    consistency.map(|c| SerialConsistency::try_from(c.code() as i16).unwrap())
}

fn ours_raw(value: SRawValue<'_>) -> RawValue<'_> {
    match value {
        SRawValue::Null => RawValue::Null,
        SRawValue::Unset => RawValue::Unset,
        SRawValue::Value(v) => RawValue::Value(v),
    }
}

fn native(n: NativeType) -> SType<'static> {
    SType::Native(n)
}

/// Our type descriptor as scylla-cql models it (frozen flags are not on the wire).
fn to_scylla_type(column_type: &ColumnType) -> SType<'static> {
    let collection = |typ| SType::Collection { frozen: false, typ };
    match column_type {
        ColumnType::Ascii => native(NativeType::Ascii),
        ColumnType::Bigint => native(NativeType::BigInt),
        ColumnType::Blob => native(NativeType::Blob),
        ColumnType::Boolean => native(NativeType::Boolean),
        ColumnType::Counter => native(NativeType::Counter),
        ColumnType::Decimal => native(NativeType::Decimal),
        ColumnType::Double => native(NativeType::Double),
        ColumnType::Float => native(NativeType::Float),
        ColumnType::Int => native(NativeType::Int),
        ColumnType::Timestamp => native(NativeType::Timestamp),
        ColumnType::Uuid => native(NativeType::Uuid),
        ColumnType::Text => native(NativeType::Text),
        ColumnType::Varint => native(NativeType::Varint),
        ColumnType::Timeuuid => native(NativeType::Timeuuid),
        ColumnType::Inet => native(NativeType::Inet),
        ColumnType::Date => native(NativeType::Date),
        ColumnType::Time => native(NativeType::Time),
        ColumnType::Smallint => native(NativeType::SmallInt),
        ColumnType::Tinyint => native(NativeType::TinyInt),
        ColumnType::Duration => native(NativeType::Duration),
        ColumnType::List(e) => collection(CollectionType::List(Box::new(to_scylla_type(e)))),
        ColumnType::Set(e) => collection(CollectionType::Set(Box::new(to_scylla_type(e)))),
        ColumnType::Map(k, v) => collection(CollectionType::Map(
            Box::new(to_scylla_type(k)),
            Box::new(to_scylla_type(v)),
        )),
        ColumnType::Tuple(elements) => SType::Tuple(elements.iter().map(to_scylla_type).collect()),
        ColumnType::Udt {
            keyspace,
            name,
            fields,
        } => SType::UserDefinedType {
            frozen: false,
            definition: Arc::new(UserDefinedType {
                name: name.clone().into(),
                keyspace: keyspace.clone().into(),
                field_types: fields
                    .iter()
                    .map(|(n, t)| (n.clone().into(), to_scylla_type(t)))
                    .collect(),
            }),
        },
        other => panic!("not used in this cross-check: {other:?}"),
    }
}

/// One sample value: our type and value, and the same independently written
/// in scylla-cql's model. `None` is a null.
struct Sample {
    ours: (ColumnType, Option<CqlValue>),
    theirs: Option<SValue>,
}

fn uuid_bytes(seed: u8) -> [u8; 16] {
    std::array::from_fn(|i| seed.wrapping_mul(31).wrapping_add(i as u8))
}

fn samples() -> Vec<Sample> {
    let sample = |t, v, s| Sample {
        ours: (t, v),
        theirs: s,
    };
    let address_type = ColumnType::Udt {
        keyspace: "ks".into(),
        name: "address".into(),
        fields: vec![
            ("street".into(), ColumnType::Text),
            ("zip".into(), ColumnType::Int),
        ],
    };
    vec![
        sample(
            ColumnType::Int,
            Some(CqlValue::Int(-42)),
            Some(SValue::Int(-42)),
        ),
        sample(
            ColumnType::Text,
            Some(CqlValue::Text("héllo, wörld".into())),
            Some(SValue::Text("héllo, wörld".into())),
        ),
        sample(ColumnType::Bigint, None, None),
        sample(
            ColumnType::Boolean,
            Some(CqlValue::Boolean(true)),
            Some(SValue::Boolean(true)),
        ),
        sample(
            ColumnType::Double,
            Some(CqlValue::Double(-2.5e10)),
            Some(SValue::Double(-2.5e10)),
        ),
        sample(
            ColumnType::Blob,
            Some(CqlValue::Blob(vec![0, 1, 0xFE, 0xFF])),
            Some(SValue::Blob(vec![0, 1, 0xFE, 0xFF])),
        ),
        sample(
            ColumnType::Uuid,
            Some(CqlValue::Uuid(uuid_bytes(7))),
            Some(SValue::Uuid(CqlTimeuuid::from_bytes(uuid_bytes(7)).into())),
        ),
        sample(
            ColumnType::Timestamp,
            Some(CqlValue::Timestamp(1_700_000_000_123)),
            Some(SValue::Timestamp(CqlTimestamp(1_700_000_000_123))),
        ),
        sample(
            ColumnType::Date,
            Some(CqlValue::Date((1 << 31) + 19_000)),
            Some(SValue::Date(CqlDate((1 << 31) + 19_000))),
        ),
        sample(
            ColumnType::Varint,
            Some(CqlValue::Varint(vec![0xFF, 0x00, 0x01])),
            Some(SValue::Varint(CqlVarint::from_signed_bytes_be(vec![
                0xFF, 0x00, 0x01,
            ]))),
        ),
        sample(
            ColumnType::Decimal,
            Some(CqlValue::Decimal {
                unscaled: vec![0x30, 0x39],
                scale: 2,
            }),
            Some(SValue::Decimal(
                CqlDecimal::from_signed_be_bytes_and_exponent(vec![0x30, 0x39], 2),
            )),
        ),
        sample(
            ColumnType::Inet,
            Some(CqlValue::Inet(IpAddr::V6(Ipv6Addr::LOCALHOST))),
            Some(SValue::Inet(IpAddr::V6(Ipv6Addr::LOCALHOST))),
        ),
        sample(
            ColumnType::List(Box::new(ColumnType::Int)),
            Some(CqlValue::List(vec![CqlValue::Int(1), CqlValue::Int(2)])),
            Some(SValue::List(vec![SValue::Int(1), SValue::Int(2)])),
        ),
        sample(
            ColumnType::Set(Box::new(ColumnType::Text)),
            Some(CqlValue::Set(vec![
                CqlValue::Text("a".into()),
                CqlValue::Text("b".into()),
            ])),
            Some(SValue::Set(vec![
                SValue::Text("a".into()),
                SValue::Text("b".into()),
            ])),
        ),
        sample(
            ColumnType::Map(Box::new(ColumnType::Text), Box::new(ColumnType::Bigint)),
            Some(CqlValue::Map(vec![(
                CqlValue::Text("k".into()),
                CqlValue::Bigint(i64::MIN),
            )])),
            Some(SValue::Map(vec![(
                SValue::Text("k".into()),
                SValue::BigInt(i64::MIN),
            )])),
        ),
        sample(
            ColumnType::Tuple(vec![ColumnType::Int, ColumnType::Text]),
            Some(CqlValue::Tuple(vec![Some(CqlValue::Int(5)), None])),
            Some(SValue::Tuple(vec![Some(SValue::Int(5)), None])),
        ),
        sample(
            address_type,
            Some(CqlValue::Udt(vec![
                ("street".into(), Some(CqlValue::Text("Main".into()))),
                ("zip".into(), Some(CqlValue::Int(12345))),
            ])),
            Some(SValue::UserDefinedType {
                keyspace: "ks".into(),
                name: "address".into(),
                fields: vec![
                    ("street".into(), Some(SValue::Text("Main".into()))),
                    ("zip".into(), Some(SValue::Int(12345))),
                ],
            }),
        ),
        sample(ColumnType::Text, None, None),
    ]
}

/// The samples as scylla-cql bound values, with an `unset` appended.
fn scylla_values(samples: &[Sample]) -> SerializedValues {
    let mut values = SerializedValues::new();
    for sample in samples {
        let typ = to_scylla_type(&sample.ours.0);
        values.add_value(&sample.theirs, &typ).unwrap();
    }
    values.add_value(&Unset, &native(NativeType::Int)).unwrap();
    values
}

/// Our bound values hold exactly the samples (then one unset), checked by
/// decoding each with our value codec, and match scylla-cql's raw values.
fn assert_values_match(ours: &BoundValues<'_>, theirs: &SerializedValues, samples: &[Sample]) {
    assert!(!ours.is_named());
    assert_eq!(ours.len(), usize::from(theirs.element_count()));
    assert_eq!(ours.len(), samples.len() + 1);
    let decoded: Vec<_> = ours.iter().collect();
    let raw: Vec<_> = theirs.iter().map(ours_raw).collect();
    assert_eq!(decoded.iter().map(|(_, v)| *v).collect::<Vec<_>>(), raw);
    for ((name, value), sample) in decoded.iter().zip(samples) {
        assert_eq!(*name, None);
        let (column_type, expected) = &sample.ours;
        let value = value
            .as_value()
            .map(|bytes| CqlValue::decode(column_type, bytes).unwrap());
        assert_eq!(&value, expected, "bound value of type {column_type:?}");
    }
    assert_eq!(decoded.last().map(|(_, v)| *v), Some(RawValue::Unset));
}

/// Our encoding of the samples (then one unset) as bound-value wire bytes.
fn our_values_raw(samples: &[Sample]) -> (u16, bool, Vec<u8>) {
    let encoded: Vec<Option<Vec<u8>>> = samples
        .iter()
        .map(|s| s.ours.1.as_ref().map(CqlValue::to_bytes))
        .collect();
    let mut values: Vec<(Option<&str>, RawValue<'_>)> = encoded
        .iter()
        .map(|e| (None, e.as_deref().map_or(RawValue::Null, RawValue::Value)))
        .collect();
    values.push((None, RawValue::Unset));
    encode_values(&values)
}

// ---------------------------------------------------------------------------
// Requests: scylla-cql serializes, we decode
// ---------------------------------------------------------------------------

/// A whole request frame from scylla-cql, its header and body parsed by us.
/// Returns the header and the (decompressed) message body, and checks the body
/// equals `SerializableRequest::to_bytes`.
fn scylla_request_frame<R: SerializableRequest>(
    request: &R,
    compression: Option<Compression>,
) -> (FrameHeader, Vec<u8>) {
    let mut frame =
        SerializedRequest::make(request, compression.map(to_scylla_compression), false).unwrap();
    frame.set_stream(0x1234);
    let data = frame.get_data();
    let header = FrameHeader::parse(data.first_chunk::<HEADER_LEN>().unwrap()).unwrap();
    assert_eq!(header.version, Version::V4);
    assert!(!header.is_response);
    assert_eq!(header.stream, 0x1234);
    assert_eq!(header.opcode as u8, R::OPCODE as u8);
    assert_eq!(header.length as usize, data.len() - HEADER_LEN);
    assert_eq!(
        header.flags.has(FrameFlags::COMPRESSION),
        compression.is_some()
    );
    assert!(!header.flags.has(FrameFlags::TRACING));
    let body = &data[HEADER_LEN..];
    let body = match compression {
        Some(c) => c.decompress(body, 1 << 20).unwrap(),
        None => body.to_vec(),
    };
    assert_eq!(body, request.to_bytes().unwrap().to_vec());
    (header, body)
}

/// Decodes a request body with ours and checks it re-encodes to the same bytes.
fn decode_request<'a>(version: Version, opcode: Opcode, body: &'a [u8]) -> Request<'a> {
    let request = Request::decode(version, opcode, body).unwrap();
    assert_eq!(request.opcode(), opcode);
    let mut again = Vec::new();
    request.encode(version, &mut again);
    assert_eq!(
        again, body,
        "{opcode:?} does not re-encode to the same bytes"
    );
    request
}

const COMPRESSIONS: [Option<Compression>; 3] =
    [None, Some(Compression::Lz4), Some(Compression::Snappy)];

#[test]
fn startup_from_scylla_cql_decodes() {
    for compression in [Compression::Lz4, Compression::Snappy] {
        let options: HashMap<_, _> = [
            ("CQL_VERSION", "4.0.0"),
            ("COMPRESSION", compression.name()),
            ("DRIVER_NAME", "ScyllaDB Rust Driver"),
            ("DRIVER_VERSION", "1.8.0"),
            ("APPLICATION_NAME", "sibyl-tests"),
            ("APPLICATION_VERSION", "0.1"),
            ("CLIENT_ID", "6f1c2a4e-0000-4000-8000-000000000001"),
            ("SCYLLA_RATE_LIMIT_ERROR", ""),
        ]
        .into_iter()
        .map(|(k, v)| (k.into(), v.into()))
        .collect();
        let startup = SStartup { options };
        // STARTUP itself is never compressed.
        let (header, body) = scylla_request_frame(&startup, None);
        let Request::Startup(ours) = decode_request(Version::V4, header.opcode, &body) else {
            panic!("not a STARTUP");
        };
        assert_eq!(ours.options.len(), startup.options.len());
        for (key, value) in &startup.options {
            assert_eq!(ours.option(key), Some(value.as_ref()), "option {key}");
        }
        assert_eq!(
            ours.option("COMPRESSION").and_then(Compression::from_name),
            Some(compression)
        );
        // The body is the same in v5.
        assert_eq!(
            Request::decode(Version::V5, Opcode::Startup, &body).unwrap(),
            Request::Startup(ours)
        );
    }
}

#[test]
fn options_and_register_from_scylla_cql_decode() {
    let (header, body) = scylla_request_frame(&SOptions, None);
    assert_eq!(header.opcode, Opcode::Options);
    assert_eq!(
        decode_request(Version::V4, header.opcode, &body),
        Request::Options
    );

    let register = SRegister {
        event_types_to_register_for: vec![
            EventType::TopologyChange,
            EventType::StatusChange,
            EventType::SchemaChange,
        ],
    };
    for compression in COMPRESSIONS {
        let (header, body) = scylla_request_frame(&register, compression);
        let Request::Register(ours) = decode_request(Version::V4, header.opcode, &body) else {
            panic!("not a REGISTER");
        };
        assert_eq!(
            ours.events,
            ["TOPOLOGY_CHANGE", "STATUS_CHANGE", "SCHEMA_CHANGE"]
        );
        assert_eq!(
            Request::decode(Version::V5, Opcode::Register, &body).unwrap(),
            Request::Register(ours)
        );
    }
}

#[test]
fn traced_compressed_request_frame_from_scylla_cql_decodes() {
    let query = SQuery {
        contents: "SELECT now() FROM system.local".into(),
        parameters: SQueryParameters::default(),
    };
    for compression in COMPRESSIONS {
        let mut frame =
            SerializedRequest::make(&query, compression.map(to_scylla_compression), true).unwrap();
        frame.set_stream(-2);
        let data = frame.get_data();
        let header = FrameHeader::parse(data.first_chunk::<HEADER_LEN>().unwrap()).unwrap();
        assert_eq!(header.stream, -2);
        assert!(header.flags.has(FrameFlags::TRACING));
        let body = &data[HEADER_LEN..];
        let body = match compression {
            Some(c) => c.decompress(body, 1 << 20).unwrap(),
            None => body.to_vec(),
        };
        let envelope = decode_request_envelope(&header, &body).unwrap();
        assert!(envelope.tracing);
        assert!(envelope.custom_payload.is_empty());
        let Request::Query(ours) = decode_request(Version::V4, header.opcode, envelope.message)
        else {
            panic!("not a QUERY");
        };
        assert_eq!(ours.query, "SELECT now() FROM system.local");
    }
}

#[test]
fn prepare_and_auth_response_from_scylla_cql_decode() {
    let text = "SELECT a, b FROM ks.t WHERE pk = ? AND ck > ? -- ünïcode";
    for compression in COMPRESSIONS {
        let (header, body) = scylla_request_frame(&SPrepare { query: text }, compression);
        let Request::Prepare(ours) = decode_request(Version::V4, header.opcode, &body) else {
            panic!("not a PREPARE");
        };
        assert_eq!(ours.query, text);
        assert_eq!(ours.keyspace, None);
    }

    for token in [
        Some(b"\0cassandra\0cassandra".to_vec()),
        Some(Vec::new()),
        None,
    ] {
        let request = SAuthResponse {
            response: token.clone(),
        };
        let (header, body) = scylla_request_frame(&request, Some(Compression::Lz4));
        let Request::AuthResponse(ours) = decode_request(Version::V4, header.opcode, &body) else {
            panic!("not an AUTH_RESPONSE");
        };
        assert_eq!(ours.token, token.as_deref());
    }
}

fn scylla_parameters(values: &SerializedValues) -> SQueryParameters<'_> {
    SQueryParameters {
        consistency: SConsistency::LocalQuorum,
        serial_consistency: Some(SerialConsistency::LocalSerial),
        timestamp: Some(-1_234_567_890_123),
        page_size: Some(5000),
        paging_state: PagingState::new_from_raw_bytes(&[0xDE, 0xAD, 0, 0xBE, 0xEF][..]),
        skip_metadata: true,
        values: std::borrow::Cow::Borrowed(values),
    }
}

fn assert_parameters_match(
    ours: &QueryParameters<'_>,
    theirs: &SQueryParameters<'_>,
    samples: &[Sample],
) {
    assert_eq!(scylla_consistency(ours.consistency), theirs.consistency);
    assert_eq!(
        scylla_serial(ours.serial_consistency),
        theirs.serial_consistency
    );
    assert_eq!(ours.timestamp, theirs.timestamp);
    assert_eq!(ours.page_size, theirs.page_size);
    assert_eq!(
        ours.paging_state,
        theirs.paging_state.as_bytes_slice().map(|s| &s[..])
    );
    assert_eq!(ours.skip_metadata, theirs.skip_metadata);
    assert_eq!(ours.keyspace, None);
    assert_eq!(ours.now_in_seconds, None);
    if theirs.values.is_empty() {
        assert!(ours.values.is_empty());
    } else {
        assert_values_match(&ours.values, &theirs.values, samples);
    }
}

#[test]
fn query_from_scylla_cql_decodes() {
    let samples = samples();
    let values = scylla_values(&samples);
    let text = "INSERT INTO ks.t (a, b, c) VALUES (?, ?, ?)";
    for compression in COMPRESSIONS {
        let query = SQuery {
            contents: text.into(),
            parameters: scylla_parameters(&values),
        };
        let (header, body) = scylla_request_frame(&query, compression);
        let Request::Query(ours) = decode_request(Version::V4, header.opcode, &body) else {
            panic!("not a QUERY");
        };
        assert_eq!(ours.query, text);
        assert_parameters_match(&ours.params, &query.parameters, &samples);
    }

    // No flags at all: defaults everywhere.
    let query = SQuery {
        contents: "SELECT * FROM system.local".into(),
        parameters: SQueryParameters::default(),
    };
    let (header, body) = scylla_request_frame(&query, None);
    let Request::Query(ours) = decode_request(Version::V4, header.opcode, &body) else {
        panic!("not a QUERY");
    };
    assert_eq!(ours.query, "SELECT * FROM system.local");
    assert_parameters_match(&ours.params, &query.parameters, &[]);
    // scylla-cql's default consistency is LOCAL_QUORUM.
    assert_eq!(
        ours.params,
        QueryParameters {
            consistency: Consistency::LocalQuorum,
            ..Default::default()
        }
    );
}

#[test]
fn execute_from_scylla_cql_decodes() {
    let samples = samples();
    let values = scylla_values(&samples);
    let id = [0x5Au8, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 0xA5];
    for compression in COMPRESSIONS {
        let execute = ExecuteV2 {
            id: id.as_slice().into(),
            result_metadata_id: None,
            parameters: scylla_parameters(&values),
        };
        let (header, body) = scylla_request_frame(&execute, compression);
        let Request::Execute(ours) = decode_request(Version::V4, header.opcode, &body) else {
            panic!("not an EXECUTE");
        };
        assert_eq!(ours.id, id);
        assert_eq!(ours.result_metadata_id, None);
        assert_parameters_match(&ours.params, &execute.parameters, &samples);
    }
}

fn batch_statements(id: &[u8]) -> Vec<SBatchStatement<'_>> {
    vec![
        SBatchStatement::Query {
            text: "INSERT INTO ks.t (a, b) VALUES (?, ?)".into(),
        },
        SBatchStatement::Prepared { id: id.into() },
        SBatchStatement::Query {
            text: "UPDATE ks.t SET b = 1 WHERE a = 0".into(),
        },
    ]
}

fn assert_batch_statements_match(
    ours: &[BatchStatement<'_>],
    theirs: &[SBatchStatement<'_>],
    their_values: &[SerializedValues],
    samples: &[Sample],
) {
    assert_eq!(ours.len(), theirs.len());
    for ((ours, theirs), values) in ours.iter().zip(theirs).zip(their_values) {
        match (ours, theirs) {
            (BatchStatement::Query { query, .. }, SBatchStatement::Query { text }) => {
                assert_eq!(*query, text.as_ref());
            }
            (BatchStatement::Prepared { id, .. }, SBatchStatement::Prepared { id: theirs }) => {
                assert_eq!(*id, theirs.as_ref());
            }
            (ours, theirs) => panic!("{ours:?} vs {theirs:?}"),
        }
        if values.is_empty() {
            assert!(ours.values().is_empty());
        } else {
            assert_values_match(ours.values(), values, samples);
        }
    }
}

#[test]
fn batch_from_scylla_cql_decodes() {
    let samples = samples();
    let values = scylla_values(&samples);
    let id = [9u8; 16];
    let kinds = [
        (SBatchType::Logged, BatchType::Logged),
        (SBatchType::Unlogged, BatchType::Unlogged),
        (SBatchType::Counter, BatchType::Counter),
    ];
    for ((their_type, our_type), compression) in kinds.into_iter().zip(COMPRESSIONS) {
        for (serial_consistency, timestamp) in [
            (Some(SerialConsistency::Serial), Some(1_600_000_000_000_000)),
            (None, None),
        ] {
            let batch = SBatch {
                statements: batch_statements(&id).into(),
                batch_type: their_type,
                consistency: SConsistency::Quorum,
                serial_consistency,
                timestamp,
                values: vec![values.clone(), values.clone(), SerializedValues::new()],
            };
            let (header, body) = scylla_request_frame(&batch, compression);
            let Request::Batch(ours) = decode_request(Version::V4, header.opcode, &body) else {
                panic!("not a BATCH");
            };
            assert_eq!(ours.batch_type, our_type);
            assert_eq!(scylla_consistency(ours.consistency), batch.consistency);
            assert_eq!(
                scylla_serial(ours.serial_consistency),
                batch.serial_consistency
            );
            assert_eq!(ours.timestamp, batch.timestamp);
            assert_eq!((ours.keyspace, ours.now_in_seconds), (None, None));
            assert_batch_statements_match(
                &ours.statements,
                &batch.statements,
                &batch.values,
                &samples,
            );
        }
    }
}

// ---------------------------------------------------------------------------
// Requests: we encode, scylla-cql decodes
// ---------------------------------------------------------------------------

fn scylla_decode_request(opcode: RequestOpcode, body: &[u8]) -> RequestV2<'static> {
    let mut buf = body;
    let request = RequestV2::deserialize(&mut buf, opcode, &ProtocolFeatures::default()).unwrap();
    assert!(buf.is_empty(), "scylla-cql left {} bytes", buf.len());
    request
}

fn our_parameters<'a>(values: BoundValues<'a>, paging_state: &'a [u8]) -> QueryParameters<'a> {
    QueryParameters {
        consistency: Consistency::EachQuorum,
        values,
        skip_metadata: true,
        page_size: Some(100),
        paging_state: Some(paging_state),
        serial_consistency: Some(Consistency::Serial),
        timestamp: Some(i64::MAX - 7),
        keyspace: None,
        now_in_seconds: None,
    }
}

#[test]
fn our_query_and_execute_decode_in_scylla_cql() {
    let samples = samples();
    let (count, named, raw) = our_values_raw(&samples);
    let values = BoundValues::from_encoded(count, named, &raw);
    let paging_state = [1u8, 2, 3, 0, 4];
    for params in [
        our_parameters(values, &paging_state),
        QueryParameters {
            consistency: Consistency::LocalOne,
            ..Default::default()
        },
    ] {
        let query = Query {
            query: "SELECT * FROM ks.t WHERE a = ?",
            params: params.clone(),
        };
        let mut body = Vec::new();
        query.encode(Version::V4, &mut body);
        let RequestV2::Query(theirs) = scylla_decode_request(RequestOpcode::Query, &body) else {
            panic!("not a QUERY");
        };
        assert_eq!(theirs.contents, query.query);
        assert_parameters_match(&params, &theirs.parameters, &samples);

        let id = [0xC0u8, 0xFF, 0xEE];
        let execute = Execute {
            id: &id,
            result_metadata_id: None,
            params: params.clone(),
        };
        let mut body = Vec::new();
        execute.encode(Version::V4, &mut body);
        let RequestV2::Execute(theirs) = scylla_decode_request(RequestOpcode::Execute, &body)
        else {
            panic!("not an EXECUTE");
        };
        assert_eq!(theirs.id.as_ref(), id);
        assert!(theirs.result_metadata_id.is_none());
        assert_parameters_match(&params, &theirs.parameters, &samples);
    }
}

#[test]
fn our_batch_decodes_in_scylla_cql() {
    let samples = samples();
    let (count, named, raw) = our_values_raw(&samples);
    let values = BoundValues::from_encoded(count, named, &raw);
    let id = [0xABu8; 16];
    for (batch_type, their_type) in [
        (BatchType::Logged, SBatchType::Logged),
        (BatchType::Unlogged, SBatchType::Unlogged),
        (BatchType::Counter, SBatchType::Counter),
    ] {
        for (serial_consistency, timestamp) in
            [(Some(Consistency::LocalSerial), Some(42)), (None, None)]
        {
            let batch = Batch {
                batch_type,
                statements: vec![
                    BatchStatement::Prepared { id: &id, values },
                    BatchStatement::Query {
                        query: "INSERT INTO ks.t (a) VALUES (1)",
                        values: BoundValues::default(),
                    },
                    BatchStatement::Query {
                        query: "INSERT INTO ks.t (a, b) VALUES (?, ?)",
                        values,
                    },
                ],
                consistency: Consistency::Two,
                serial_consistency,
                timestamp,
                keyspace: None,
                now_in_seconds: None,
            };
            let mut body = Vec::new();
            batch.encode(Version::V4, &mut body);
            let RequestV2::Batch(theirs) = scylla_decode_request(RequestOpcode::Batch, &body)
            else {
                panic!("not a BATCH");
            };
            assert_eq!(theirs.batch_type, their_type);
            assert_eq!(theirs.consistency, scylla_consistency(batch.consistency));
            assert_eq!(theirs.serial_consistency, scylla_serial(serial_consistency));
            assert_eq!(theirs.timestamp, timestamp);
            assert_batch_statements_match(
                &batch.statements,
                &theirs.statements,
                &theirs.values,
                &samples,
            );
        }
    }
}

// ---------------------------------------------------------------------------
// Responses: we encode, scylla-cql decodes
// ---------------------------------------------------------------------------

/// Frames `response` with our `encode_frame` (v4), reads the frame with
/// scylla-cql's frame reader and body-extension parser, and parses the message
/// with its `Response::deserialize`. Also checks our decoder reads the body back.
fn through_scylla_with(
    response: &Response,
    features: &ProtocolFeatures,
    compression: Option<Compression>,
    extras: &ResponseExtras,
    cached_metadata: Option<&Arc<ResultMetadata<'static>>>,
) -> SResponse {
    let (mut frame, mut scratch) = (Vec::new(), Vec::new());
    let target = FrameTarget {
        version: Version::V4,
        is_response: true,
        stream: -1,
        compression,
    };
    encode_frame(
        &mut frame,
        &mut scratch,
        target,
        response.opcode(),
        extras,
        false,
        |out| response.encode(Version::V4, out),
    );
    let (params, opcode, body) = block_on(read_response_frame(&mut frame.as_slice())).unwrap();
    assert_eq!(params.version, 0x84);
    assert_eq!(params.stream, -1);
    assert_eq!(opcode as u8, response.opcode() as u8);
    let with_extensions =
        parse_response_body_extensions(params.flags, compression.map(to_scylla_compression), body)
            .unwrap();
    assert_eq!(
        with_extensions.trace_id.map(|id| *id.as_bytes()),
        extras.tracing_id
    );
    assert_eq!(with_extensions.warnings, extras.warnings);
    let payload: Option<Vec<(String, Option<Vec<u8>>)>> =
        with_extensions.custom_payload.map(|map| {
            let mut entries: Vec<_> = map
                .into_iter()
                .map(|(k, v)| (k, Some(v.to_vec())))
                .collect();
            entries.sort();
            entries
        });
    let mut expected_payload = extras.custom_payload.clone();
    expected_payload.sort();
    assert_eq!(
        payload.unwrap_or_default(),
        expected_payload,
        "custom payload"
    );
    let body = with_extensions.body;

    let ours = Response::decode(Version::V4, response.opcode(), &body).unwrap();
    assert_eq!(&ours, response, "our own decoder disagrees");
    SResponse::deserialize(features, opcode, body, cached_metadata).unwrap()
}

fn through_scylla(response: &Response) -> SResponse {
    through_scylla_with(
        response,
        &ProtocolFeatures::default(),
        None,
        &ResponseExtras::NONE,
        None,
    )
}

/// For messages whose body is the same in v4 and v5.
fn assert_same_in_v5(response: &Response) {
    let (mut v4, mut v5) = (Vec::new(), Vec::new());
    response.encode(Version::V4, &mut v4);
    response.encode(Version::V5, &mut v5);
    assert_eq!(v4, v5, "{response:?} differs between v4 and v5");
}

fn body_bytes(response: &Response) -> Vec<u8> {
    let mut body = Vec::new();
    response.encode(Version::V4, &mut body);
    body
}

#[test]
fn response_frames_with_extras_and_compression_read_by_scylla_cql() {
    let extras = ResponseExtras {
        tracing_id: Some(uuid_bytes(3)),
        warnings: vec![
            "Aggregation query used without partition key".into(),
            "second".into(),
        ],
        custom_payload: vec![
            ("k1".into(), Some(b"v1".to_vec())),
            ("k2".into(), Some(Vec::new())),
        ],
    };
    let response = Response::Result(ResultBody::SetKeyspace("ks_with_extras".into()));
    for compression in COMPRESSIONS {
        for extras in [&extras, &ResponseExtras::NONE] {
            let theirs = through_scylla_with(
                &response,
                &ProtocolFeatures::default(),
                compression,
                extras,
                None,
            );
            let SResponse::Result(SResult::SetKeyspace(set)) = theirs else {
                panic!("not SET_KEYSPACE: {theirs:?}");
            };
            assert_eq!(set.keyspace_name, "ks_with_extras");
        }
    }
}

fn rate_limit_features() -> ProtocolFeatures {
    let supported = HashMap::from([(
        "SCYLLA_RATE_LIMIT_ERROR".to_owned(),
        vec!["ERROR_CODE=61440".to_owned()],
    )]);
    let features = ProtocolFeatures::parse_from_supported(&supported);
    assert_eq!(features.rate_limit_error, Some(0xF000));
    features
}

#[test]
fn errors_decode_in_scylla_cql() {
    let features = rate_limit_features();
    let write_types = [
        ("SIMPLE", WriteType::Simple),
        ("BATCH", WriteType::Batch),
        ("UNLOGGED_BATCH", WriteType::UnloggedBatch),
        ("COUNTER", WriteType::Counter),
        ("BATCH_LOG", WriteType::BatchLog),
        ("CAS", WriteType::Cas),
        ("VIEW", WriteType::View),
        ("CDC", WriteType::Cdc),
    ];
    let mut cases = vec![
        (ErrorKind::ServerError, DbError::ServerError),
        (ErrorKind::ProtocolError, DbError::ProtocolError),
        (ErrorKind::AuthenticationError, DbError::AuthenticationError),
        (
            ErrorKind::Unavailable {
                consistency: Consistency::LocalQuorum,
                required: 3,
                alive: 1,
            },
            DbError::Unavailable {
                consistency: SConsistency::LocalQuorum,
                required: 3,
                alive: 1,
            },
        ),
        (ErrorKind::Overloaded, DbError::Overloaded),
        (ErrorKind::IsBootstrapping, DbError::IsBootstrapping),
        (ErrorKind::TruncateError, DbError::TruncateError),
        (
            ErrorKind::ReadFailure {
                consistency: Consistency::All,
                received: 1,
                block_for: 3,
                failures: FailureInfo {
                    num_failures: 2,
                    reasons: Vec::new(),
                },
                data_present: true,
            },
            DbError::ReadFailure {
                consistency: SConsistency::All,
                received: 1,
                required: 3,
                numfailures: 2,
                data_present: true,
            },
        ),
        (
            ErrorKind::FunctionFailure {
                keyspace: "ks".into(),
                function: "my_fn".into(),
                arg_types: vec!["int".into(), "frozen<list<text>>".into()],
            },
            DbError::FunctionFailure {
                keyspace: "ks".into(),
                function: "my_fn".into(),
                arg_types: vec!["int".into(), "frozen<list<text>>".into()],
            },
        ),
        (ErrorKind::SyntaxError, DbError::SyntaxError),
        (ErrorKind::Unauthorized, DbError::Unauthorized),
        (ErrorKind::Invalid, DbError::Invalid),
        (ErrorKind::ConfigError, DbError::ConfigError),
        (
            ErrorKind::AlreadyExists {
                keyspace: "ks".into(),
                table: "t".into(),
            },
            DbError::AlreadyExists {
                keyspace: "ks".into(),
                table: "t".into(),
            },
        ),
        (
            // A keyspace that already exists: the table is empty (spec §9).
            ErrorKind::AlreadyExists {
                keyspace: "ks".into(),
                table: String::new(),
            },
            DbError::AlreadyExists {
                keyspace: "ks".into(),
                table: String::new(),
            },
        ),
        (
            ErrorKind::Unprepared {
                id: vec![0xDE, 0xAD, 0xBE, 0xEF, 0, 1],
            },
            DbError::Unprepared {
                statement_id: Bytes::from_static(&[0xDE, 0xAD, 0xBE, 0xEF, 0, 1]),
            },
        ),
    ];
    for data_present in [false, true] {
        cases.push((
            ErrorKind::ReadTimeout {
                consistency: Consistency::Quorum,
                received: 1,
                block_for: 2,
                data_present,
            },
            DbError::ReadTimeout {
                consistency: SConsistency::Quorum,
                received: 1,
                required: 2,
                data_present,
            },
        ));
    }
    for (name, write_type) in write_types {
        cases.push((
            ErrorKind::WriteTimeout {
                consistency: Consistency::EachQuorum,
                received: 0,
                block_for: 4,
                write_type: name.into(),
                contentions: None,
            },
            DbError::WriteTimeout {
                consistency: SConsistency::EachQuorum,
                received: 0,
                required: 4,
                write_type: write_type.clone(),
            },
        ));
        cases.push((
            ErrorKind::WriteFailure {
                consistency: Consistency::Three,
                received: 2,
                block_for: 3,
                failures: FailureInfo {
                    num_failures: 1,
                    reasons: Vec::new(),
                },
                write_type: name.into(),
            },
            DbError::WriteFailure {
                consistency: SConsistency::Three,
                received: 2,
                required: 3,
                numfailures: 1,
                write_type,
            },
        ));
    }
    for (op_type, theirs) in [
        (0, OperationType::Read),
        (1, OperationType::Write),
        (7, OperationType::Other(7)),
    ] {
        for rejected_by_coordinator in [false, true] {
            cases.push((
                ErrorKind::RateLimitReached {
                    op_type,
                    rejected_by_coordinator,
                },
                DbError::RateLimitReached {
                    op_type: theirs.clone(),
                    rejected_by_coordinator,
                },
            ));
        }
    }

    let message = "Something went wrong: ünïcode";
    for (kind, expected) in cases {
        let response = Response::Error(ErrorResponse::new(kind.clone(), message));
        let theirs = through_scylla_with(&response, &features, None, &ResponseExtras::NONE, None);
        let SResponse::Error(error) = theirs else {
            panic!("not an ERROR: {theirs:?}");
        };
        assert_eq!(error.error, expected, "for {kind:?}");
        assert_eq!(error.error.code(&features), kind.code());
        assert_eq!(error.reason, message);
        // scylla-cql read the whole body.
        let body = body_bytes(&response);
        let mut rest = body.as_slice();
        scylla_cql::frame::response::error::Error::deserialize(&features, &mut rest).unwrap();
        assert!(rest.is_empty(), "{} bytes left for {kind:?}", rest.len());
        // Only READ/WRITE_FAILURE (reason map) and a CAS WRITE_TIMEOUT
        // (contentions) differ in v5.
        let v5_specific = match &kind {
            ErrorKind::ReadFailure { .. } | ErrorKind::WriteFailure { .. } => true,
            ErrorKind::WriteTimeout { write_type, .. } => write_type == "CAS",
            _ => false,
        };
        if !v5_specific {
            assert_same_in_v5(&response);
        }
    }
}

#[test]
fn handshake_responses_decode_in_scylla_cql() {
    assert_same_in_v5(&Response::Ready);
    assert!(matches!(through_scylla(&Response::Ready), SResponse::Ready));

    let authenticator = "org.apache.cassandra.auth.PasswordAuthenticator";
    let response = Response::Authenticate(Authenticate {
        authenticator: authenticator.into(),
    });
    assert_same_in_v5(&response);
    let SResponse::Authenticate(theirs) = through_scylla(&response) else {
        panic!("not AUTHENTICATE");
    };
    assert_eq!(theirs.authenticator_name, authenticator);

    for token in [Some(b"\x01challenge\xff".to_vec()), Some(Vec::new()), None] {
        let response = Response::AuthChallenge(AuthChallenge {
            token: token.clone(),
        });
        assert_same_in_v5(&response);
        let SResponse::AuthChallenge(theirs) = through_scylla(&response) else {
            panic!("not AUTH_CHALLENGE");
        };
        assert_eq!(theirs.authenticate_message, token);

        let response = Response::AuthSuccess(AuthSuccess {
            token: token.clone(),
        });
        assert_same_in_v5(&response);
        let SResponse::AuthSuccess(theirs) = through_scylla(&response) else {
            panic!("not AUTH_SUCCESS");
        };
        assert_eq!(theirs.success_message, token);
    }
}

#[test]
fn supported_decodes_in_scylla_cql_with_scylla_extensions() {
    let options: Vec<(String, Vec<String>)> = [
        ("CQL_VERSION", vec!["3.4.7"]),
        ("COMPRESSION", vec!["lz4", "snappy"]),
        ("PROTOCOL_VERSIONS", vec!["3/v3", "4/v4", "5/v5"]),
        ("SCYLLA_SHARD", vec!["5"]),
        ("SCYLLA_NR_SHARDS", vec!["12"]),
        (
            "SCYLLA_SHARDING_ALGORITHM",
            vec!["biased-token-round-robin"],
        ),
        ("SCYLLA_SHARDING_IGNORE_MSB", vec!["12"]),
        (
            "SCYLLA_PARTITIONER",
            vec!["org.apache.cassandra.dht.Murmur3Partitioner"],
        ),
        ("SCYLLA_SHARD_AWARE_PORT", vec!["19042"]),
        ("SCYLLA_RATE_LIMIT_ERROR", vec!["ERROR_CODE=61440"]),
        (
            "SCYLLA_LWT_ADD_METADATA_MARK",
            vec!["LWT_OPTIMIZATION_META_BIT_MASK=2147483648"],
        ),
        ("TABLETS_ROUTING_V1", vec![""]),
        ("EMPTY_LIST", vec![]),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.into_iter().map(str::to_owned).collect()))
    .collect();
    let response = Response::Supported(Supported {
        options: options.clone(),
    });
    assert_same_in_v5(&response);
    let SResponse::Supported(theirs) = through_scylla(&response) else {
        panic!("not SUPPORTED");
    };
    let expected: HashMap<String, Vec<String>> = options.into_iter().collect();
    assert_eq!(theirs.options, expected);

    // The driver's feature negotiation reads the extensions it knows.
    let features = ProtocolFeatures::parse_from_supported(&theirs.options);
    assert_eq!(features.rate_limit_error, Some(0xF000));
    assert_eq!(features.lwt_optimization_meta_bit_mask, Some(1 << 31));
    assert!(features.tablets_v1_supported);
    assert!(!features.tablets_v2_supported);
    assert!(!features.scylla_metadata_id_supported);

    // The driver's shard-info parser (`scylla::routing::ShardInfo`, crate-private)
    // takes the first value of each of these keys and parses it as u16, u16
    // and u8; mirror that on what scylla-cql decoded.
    let first = |key: &str| theirs.options[key].first().unwrap().clone();
    assert_eq!(first("SCYLLA_SHARD").parse::<u16>().unwrap(), 5);
    assert_eq!(first("SCYLLA_NR_SHARDS").parse::<u16>().unwrap(), 12);
    assert_eq!(
        first("SCYLLA_SHARDING_IGNORE_MSB").parse::<u8>().unwrap(),
        12
    );
    assert_eq!(
        first("SCYLLA_SHARD_AWARE_PORT").parse::<u16>().unwrap(),
        19042
    );
}

fn schema_changes() -> Vec<SchemaChange> {
    let mut changes = Vec::new();
    for change in [
        SchemaChangeType::Created,
        SchemaChangeType::Updated,
        SchemaChangeType::Dropped,
    ] {
        let targets = [
            SchemaChangeTarget::Keyspace {
                keyspace: "ks1".into(),
            },
            SchemaChangeTarget::Table {
                keyspace: "ks1".into(),
                table: "tbl".into(),
            },
            SchemaChangeTarget::Type {
                keyspace: "ks1".into(),
                type_name: "address".into(),
            },
            SchemaChangeTarget::Function {
                keyspace: "ks1".into(),
                name: "plus".into(),
                arg_types: vec!["int".into(), "int".into()],
            },
            SchemaChangeTarget::Aggregate {
                keyspace: "ks1".into(),
                name: "average".into(),
                arg_types: vec!["frozen<map<text, int>>".into()],
            },
            SchemaChangeTarget::Function {
                keyspace: "ks1".into(),
                name: "no_args".into(),
                arg_types: Vec::new(),
            },
        ];
        for target in targets {
            changes.push(SchemaChange { change, target });
        }
    }
    changes
}

fn assert_schema_change_matches(ours: &SchemaChange, theirs: &SchemaChangeEvent) {
    let change_matches = |theirs: &SChangeType| {
        matches!(
            (ours.change, theirs),
            (SchemaChangeType::Created, SChangeType::Created)
                | (SchemaChangeType::Updated, SChangeType::Updated)
                | (SchemaChangeType::Dropped, SChangeType::Dropped)
        )
    };
    match (&ours.target, theirs) {
        (
            SchemaChangeTarget::Keyspace { keyspace },
            SchemaChangeEvent::KeyspaceChange {
                change_type,
                keyspace_name,
            },
        ) => {
            assert!(change_matches(change_type), "{ours:?} vs {theirs:?}");
            assert_eq!(keyspace, keyspace_name);
        }
        (
            SchemaChangeTarget::Table { keyspace, table },
            SchemaChangeEvent::TableChange {
                change_type,
                keyspace_name,
                object_name,
            },
        ) => {
            assert!(change_matches(change_type), "{ours:?} vs {theirs:?}");
            assert_eq!((keyspace, table), (keyspace_name, object_name));
        }
        (
            SchemaChangeTarget::Type {
                keyspace,
                type_name,
            },
            SchemaChangeEvent::TypeChange {
                change_type,
                keyspace_name,
                type_name: their_type,
            },
        ) => {
            assert!(change_matches(change_type), "{ours:?} vs {theirs:?}");
            assert_eq!((keyspace, type_name), (keyspace_name, their_type));
        }
        (
            SchemaChangeTarget::Function {
                keyspace,
                name,
                arg_types,
            },
            SchemaChangeEvent::FunctionChange {
                change_type,
                keyspace_name,
                function_name,
                arguments,
            },
        )
        | (
            SchemaChangeTarget::Aggregate {
                keyspace,
                name,
                arg_types,
            },
            SchemaChangeEvent::AggregateChange {
                change_type,
                keyspace_name,
                aggregate_name: function_name,
                arguments,
            },
        ) => {
            assert!(change_matches(change_type), "{ours:?} vs {theirs:?}");
            assert_eq!(
                (keyspace, name, arg_types),
                (keyspace_name, function_name, arguments)
            );
        }
        (ours, theirs) => panic!("{ours:?} vs {theirs:?}"),
    }
}

#[test]
fn events_decode_in_scylla_cql() {
    let addresses = [
        SocketAddr::new(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 7)), 9042),
        SocketAddr::new(
            IpAddr::V6(Ipv6Addr::new(0xfe80, 0, 0, 0, 1, 2, 3, 4)),
            19042,
        ),
    ];
    for address in addresses {
        // MOVED_NODE is left out: scylla-cql 1.8 refuses it (see module docs).
        for change in [TopologyChange::NewNode, TopologyChange::RemovedNode] {
            let response = Response::Event(Event::TopologyChange { change, address });
            assert_same_in_v5(&response);
            let SResponse::Event(SEvent::TopologyChange(theirs)) = through_scylla(&response) else {
                panic!("not TOPOLOGY_CHANGE");
            };
            match (change, theirs) {
                (TopologyChange::NewNode, TopologyChangeEvent::NewNode(a))
                | (TopologyChange::RemovedNode, TopologyChangeEvent::RemovedNode(a)) => {
                    assert_eq!(a, address);
                }
                (ours, theirs) => panic!("{ours:?} vs {theirs:?}"),
            }
        }
        for change in [StatusChange::Up, StatusChange::Down] {
            let response = Response::Event(Event::StatusChange { change, address });
            assert_same_in_v5(&response);
            let SResponse::Event(SEvent::StatusChange(theirs)) = through_scylla(&response) else {
                panic!("not STATUS_CHANGE");
            };
            match (change, theirs) {
                (StatusChange::Up, StatusChangeEvent::Up(a))
                | (StatusChange::Down, StatusChangeEvent::Down(a)) => assert_eq!(a, address),
                (ours, theirs) => panic!("{ours:?} vs {theirs:?}"),
            }
        }
    }
    for change in schema_changes() {
        let response = Response::Event(Event::SchemaChange(change.clone()));
        assert_same_in_v5(&response);
        let SResponse::Event(SEvent::SchemaChange(theirs)) = through_scylla(&response) else {
            panic!("not SCHEMA_CHANGE");
        };
        assert_schema_change_matches(&change, &theirs);
    }
}

#[test]
fn simple_results_decode_in_scylla_cql() {
    let response = Response::Result(ResultBody::Void);
    assert_same_in_v5(&response);
    assert!(matches!(
        through_scylla(&response),
        SResponse::Result(SResult::Void)
    ));

    for keyspace in ["ks", "\"Quoted Keyspace\"", ""] {
        let response = Response::Result(ResultBody::SetKeyspace(keyspace.into()));
        assert_same_in_v5(&response);
        let SResponse::Result(SResult::SetKeyspace(theirs)) = through_scylla(&response) else {
            panic!("not SET_KEYSPACE");
        };
        assert_eq!(theirs.keyspace_name, keyspace);
    }

    for change in schema_changes() {
        let response = Response::Result(ResultBody::SchemaChange(change.clone()));
        assert_same_in_v5(&response);
        let SResponse::Result(SResult::SchemaChange(theirs)) = through_scylla(&response) else {
            panic!("not SCHEMA_CHANGE");
        };
        assert_schema_change_matches(&change, &theirs.event);
    }
}

fn column(keyspace: &str, table: &str, name: &str, column_type: ColumnType) -> ColumnSpec {
    ColumnSpec {
        keyspace: keyspace.into(),
        table: table.into(),
        name: name.into(),
        column_type,
    }
}

/// One column per sample, all in `ks.t` unless `split_tables`.
fn sample_columns(samples: &[Sample], split_tables: bool) -> Vec<ColumnSpec> {
    samples
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let table = if split_tables && i % 2 == 1 {
                "other"
            } else {
                "t"
            };
            column("ks", table, &format!("c{i}"), s.ours.0.clone())
        })
        .collect()
}

fn assert_col_specs_match(ours: &[ColumnSpec], theirs: &[SColumnSpec<'_>]) {
    assert_eq!(ours.len(), theirs.len());
    for (ours, theirs) in ours.iter().zip(theirs) {
        assert_eq!(theirs.table_spec().ks_name(), ours.keyspace);
        assert_eq!(theirs.table_spec().table_name(), ours.table);
        assert_eq!(theirs.name(), ours.name);
        assert_eq!(theirs.typ(), &to_scylla_type(&ours.column_type));
    }
}

fn prepared(samples: &[Sample], split_tables: bool) -> Prepared {
    Prepared {
        id: vec![0x11, 0x22, 0x33, 0x44, 0, 0xFF],
        result_metadata_id: None,
        metadata: PreparedMetadata {
            // The partition key is (c2, c0): index order differs from key order.
            pk_indexes: vec![2, 0],
            columns: sample_columns(samples, split_tables)
                .into_iter()
                .take(4)
                .collect(),
        },
        result_metadata: RowsMetadata::new(sample_columns(samples, split_tables)),
    }
}

/// A PREPARED through scylla-cql; returns its result metadata for later use
/// as the cached metadata of skip-metadata ROWS.
fn check_prepared(ours: &Prepared) -> ResultMetadata<'static> {
    let response = Response::Result(ResultBody::Prepared(ours.clone()));
    let SResponse::Result(SResult::Prepared(theirs)) = through_scylla(&response) else {
        panic!("not PREPARED");
    };
    assert_eq!(theirs.id.as_ref(), ours.id.as_slice());
    let metadata = &theirs.prepared_metadata;
    let columns = &ours.metadata.columns;
    let global = columns.first().is_some_and(|first| {
        columns
            .iter()
            .all(|c| (&c.keyspace, &c.table) == (&first.keyspace, &first.table))
    });
    assert_eq!(metadata.flags & 0x0001 != 0, global);
    assert_eq!(metadata.col_count, ours.metadata.columns.len());
    // scylla-cql sorts the pk indexes by bind index, keeping key order in
    // `sequence`.
    let mut expected: Vec<(u16, u16)> = ours
        .metadata
        .pk_indexes
        .iter()
        .enumerate()
        .map(|(sequence, index)| (*index, sequence as u16))
        .collect();
    expected.sort();
    let pk: Vec<(u16, u16)> = metadata
        .pk_indexes
        .iter()
        .map(|pk| (pk.index, pk.sequence))
        .collect();
    assert_eq!(pk, expected);
    assert_col_specs_match(&ours.metadata.columns, &metadata.col_specs);
    assert_eq!(
        theirs.result_metadata.col_count(),
        ours.result_metadata.columns_count
    );
    assert_col_specs_match(
        &ours.result_metadata.columns,
        theirs.result_metadata.col_specs(),
    );
    assert_eq!(theirs.result_metadata.id(), None);
    theirs.result_metadata
}

#[test]
fn prepared_decodes_in_scylla_cql() {
    let samples = samples();
    for split_tables in [false, true] {
        check_prepared(&prepared(&samples, split_tables));
    }
    // A statement without bind variables or result columns (e.g. an INSERT
    // of literals): empty metadata on both sides.
    check_prepared(&Prepared {
        id: vec![1],
        result_metadata_id: None,
        metadata: PreparedMetadata::default(),
        result_metadata: RowsMetadata::new(Vec::new()),
    });
}

/// Rows cycling through the samples, with a null in every column somewhere.
fn sample_rows(samples: &[Sample], rows: usize) -> (Vec<u8>, Vec<Vec<Option<SValue>>>) {
    let mut content = Vec::new();
    let mut expected = Vec::new();
    for r in 0..rows {
        let mut row = Vec::new();
        for (c, sample) in samples.iter().enumerate() {
            let null = (r + c) % 3 == 0;
            let ours = sample.ours.1.as_ref().filter(|_| !null);
            wire::write_bytes(&mut content, ours.map(CqlValue::to_bytes).as_deref());
            row.push(sample.theirs.clone().filter(|_| !null));
        }
        expected.push(row);
    }
    (content, expected)
}

fn check_rows(
    rows: &Rows,
    expected: &[Vec<Option<SValue>>],
    cached: Option<&Arc<ResultMetadata<'static>>>,
    expected_columns: &[ColumnSpec],
) {
    let response = Response::Result(ResultBody::Rows(rows.clone()));
    assert_same_in_v5(&response);
    let theirs = through_scylla_with(
        &response,
        &ProtocolFeatures::default(),
        Some(Compression::Lz4),
        &ResponseExtras::NONE,
        cached,
    );
    let SResponse::Result(SResult::Rows((raw, paging))) = theirs else {
        panic!("not ROWS");
    };
    assert_eq!(raw.no_metadata(), rows.metadata.no_metadata);
    assert!(!raw.metadata_changed());
    match (&rows.metadata.paging_state, paging) {
        (Some(ours), PagingStateResponse::HasMorePages { state }) => {
            assert_eq!(
                state.as_bytes_slice().map(|s| &s[..]),
                Some(ours.as_slice())
            );
        }
        (None, PagingStateResponse::NoMorePages) => {}
        (ours, theirs) => panic!("paging state {ours:?} vs {theirs:?}"),
    }
    let deserialized = raw.deserialize_metadata().unwrap();
    assert_eq!(deserialized.rows_count(), rows.rows_count);
    assert_eq!(deserialized.metadata().col_count(), expected_columns.len());
    assert_col_specs_match(expected_columns, deserialized.metadata().col_specs());
    let got: Vec<Vec<Option<SValue>>> = deserialized
        .rows_iter::<Row>()
        .unwrap()
        .map(|row| row.unwrap().columns)
        .collect();
    assert_eq!(got, expected);
}

#[test]
fn rows_decode_in_scylla_cql() {
    let samples = samples();
    for split_tables in [false, true] {
        for (row_count, paging_state) in [
            (5, Some(vec![0x00, 0x01, 0xAB, 0xCD])),
            (3, None),
            (0, None),
        ] {
            let columns = sample_columns(&samples, split_tables);
            let (content, expected) = sample_rows(&samples, row_count);
            let rows = Rows {
                metadata: RowsMetadata {
                    paging_state,
                    ..RowsMetadata::new(columns.clone())
                },
                rows_count: row_count,
                content,
            };
            check_rows(&rows, &expected, None, &columns);
        }
    }

    // Skip-metadata ROWS: the driver reads them with the result metadata it
    // cached from PREPARED.
    let prepared = prepared(&samples, false);
    let cached = Arc::new(check_prepared(&prepared));
    let (content, expected) = sample_rows(&samples, 4);
    let rows = Rows {
        metadata: RowsMetadata {
            columns_count: samples.len(),
            paging_state: Some(vec![7; 9]),
            new_metadata_id: None,
            no_metadata: true,
            columns: Vec::new(),
        },
        rows_count: 4,
        content,
    };
    check_rows(
        &rows,
        &expected,
        Some(&cached),
        &prepared.result_metadata.columns,
    );

    // A ROWS result with no columns at all.
    check_rows(
        &Rows {
            metadata: RowsMetadata::new(Vec::new()),
            rows_count: 0,
            content: Vec::new(),
        },
        &[],
        None,
        &[],
    );
}
