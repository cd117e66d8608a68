//! Encode/decode of the frames on the hot path: QUERY and EXECUTE requests
//! as a stress client sends them, and a ROWS result of 100 five-column rows.
//!
//! `cargo bench -p sibyl-protocol --bench codec`

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use sibyl_protocol::frame::{FrameTarget, HEADER_LEN, ResponseExtras, encode_frame};
use sibyl_protocol::request::{
    BoundValues, Execute, Query, QueryParameters, Request, encode_values,
};
use sibyl_protocol::response::{ColumnSpec, Response, ResultBody, Rows, RowsMetadata};
use sibyl_protocol::types::ColumnType;
use sibyl_protocol::wire::{self, RawValue};
use sibyl_protocol::{Compression, Consistency, FrameHeader, Opcode, Version};

fn request_frame(request: &Request<'_>, compression: Option<Compression>) -> Vec<u8> {
    let target = FrameTarget {
        version: Version::V4,
        is_response: false,
        stream: 17,
        compression,
    };
    let (mut out, mut scratch) = (Vec::new(), Vec::new());
    encode_frame(
        &mut out,
        &mut scratch,
        target,
        request.opcode(),
        &ResponseExtras::NONE,
        false,
        |o| request.encode(Version::V4, o),
    );
    out
}

fn stress_values() -> (u16, bool, Vec<u8>) {
    let key = [7u8; 10];
    let column = [b'x'; 34];
    let values: Vec<(Option<&str>, RawValue<'_>)> =
        std::iter::once((None, RawValue::Value(&key[..])))
            .chain((0..5).map(|_| (None, RawValue::Value(&column[..]))))
            .collect();
    encode_values(&values)
}

fn rows_result() -> Response {
    let columns = ["key", "C0", "C1", "C2", "C3"]
        .iter()
        .map(|name| ColumnSpec {
            keyspace: "keyspace1".into(),
            table: "standard1".into(),
            name: (*name).into(),
            column_type: ColumnType::Blob,
        })
        .collect();
    let mut content = Vec::new();
    for _ in 0..100 {
        for _ in 0..5 {
            wire::write_bytes(&mut content, Some(&[b'v'; 34]));
        }
    }
    Response::Result(ResultBody::Rows(Rows {
        metadata: RowsMetadata::new(columns),
        rows_count: 100,
        content,
    }))
}

fn bench(c: &mut Criterion) {
    let (count, named, raw) = stress_values();
    let params = QueryParameters {
        consistency: Consistency::LocalQuorum,
        values: BoundValues::from_encoded(count, named, &raw),
        skip_metadata: true,
        page_size: Some(5000),
        ..Default::default()
    };
    let execute = Request::Execute(Execute {
        id: &[0xAB; 16],
        result_metadata_id: None,
        params: params.clone(),
    });
    let query = Request::Query(Query {
        query: "INSERT INTO keyspace1.standard1 (key, \"C0\", \"C1\", \"C2\", \"C3\", \"C4\") VALUES (?, ?, ?, ?, ?, ?)",
        params,
    });

    let mut group = c.benchmark_group("request");
    group.throughput(Throughput::Elements(1));
    for (name, request) in [("execute", &execute), ("query", &query)] {
        group.bench_function(format!("encode_{name}"), |b| {
            b.iter(|| black_box(request_frame(black_box(request), None)))
        });
        let frame = request_frame(request, None);
        group.bench_function(format!("decode_{name}"), |b| {
            b.iter(|| {
                let head: &[u8; HEADER_LEN] = frame.first_chunk().expect("header");
                let header = FrameHeader::parse(head).expect("header");
                let request = Request::decode(header.version, header.opcode, &frame[HEADER_LEN..])
                    .expect("decode");
                if let Request::Execute(e) = &request {
                    black_box(
                        e.params
                            .values
                            .iter()
                            .map(|(_, v)| v.as_value().map_or(0, <[u8]>::len))
                            .sum::<usize>(),
                    );
                }
                black_box(request);
            })
        });
    }
    group.finish();

    let rows = rows_result();
    let mut group = c.benchmark_group("rows_100x5");
    group.throughput(Throughput::Elements(100));
    for compression in [None, Some(Compression::Lz4)] {
        let label = compression.map_or("plain", |c| c.name());
        let (mut out, mut scratch) = (Vec::with_capacity(1 << 16), Vec::with_capacity(1 << 16));
        let target = FrameTarget {
            version: Version::V4,
            is_response: true,
            stream: 3,
            compression,
        };
        group.bench_function(format!("encode_{label}"), |b| {
            b.iter(|| {
                out.clear();
                encode_frame(
                    &mut out,
                    &mut scratch,
                    target,
                    Opcode::Result,
                    &ResponseExtras::NONE,
                    false,
                    |o| rows.encode(Version::V4, o),
                );
                black_box(out.len());
            })
        });
    }
    let mut body = Vec::new();
    rows.encode(Version::V4, &mut body);
    group.bench_function("decode_plain", |b| {
        b.iter(|| {
            let response =
                Response::decode(Version::V4, Opcode::Result, black_box(&body)).expect("decode");
            if let Response::Result(ResultBody::Rows(rows)) = &response {
                black_box(rows.cells().expect("cells").len());
            }
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
