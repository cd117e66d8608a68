//! Entry points that feed arbitrary bytes to every on-disk decoder, shared by
//! the cargo-fuzz targets (`storage/fuzz/`) and the stable-toolchain test that
//! runs the same functions over pseudo-random and mutated inputs in CI.
//! Each must return (an error is fine) and never panic, hang or allocate
//! without bound, whatever the input.

use crate::commitlog::segment;
use crate::sstable::bloom::BloomFilter;
use crate::sstable::reader::{
    decode_chunk, decode_index_block, decode_index_block_version, decode_summary,
};
use crate::sstable::row_index::RowIndex;
use crate::sstable::{Component, SerializationHeader, Statistics, unframe};

/// Commitlog: segment header block, then the entries after it.
pub fn commitlog_segment(data: &[u8]) {
    let _ = segment::decode_header(data);
    let _ = segment::scan_entries(1, data, |_, payload| {
        let mut input = payload;
        crate::mutation::codec::decode_mutation(&mut input).map(|_| ())
    });
}

/// One commitlog entry payload (a mutation).
pub fn commitlog_entry(data: &[u8]) {
    let mut input = data;
    let _ = crate::mutation::codec::decode_mutation(&mut input);
}

pub fn sstable_index(data: &[u8]) {
    let _ = unframe(Component::Index, "index", data);
    let _ = decode_index_block(data);
    let _ = decode_index_block_version(data, 2);
    let len = data.len() as u64;
    let _ = RowIndex::decode(data, len);
    // Past the checksum, which random bytes rarely satisfy: the body parser.
    if let Ok(rows) = RowIndex::decode_body(data, len.saturating_sub(len / 3)) {
        let cmp = crate::schema::ClusteringComparator::default();
        let _ = rows.select(&cmp, &[crate::mutation::ClusteringSlice::ALL]);
    }
}

pub fn sstable_summary(data: &[u8]) {
    let _ = unframe(Component::Summary, "summary", data).and_then(decode_summary);
    let _ = decode_summary(data);
}

pub fn sstable_bloom(data: &[u8]) {
    if let Ok(f) = BloomFilter::decode(data) {
        let _ = f.may_contain(b"key");
    }
}

pub fn sstable_statistics(data: &[u8]) {
    let _ = Statistics::decode(data);
    let _ = SerializationHeader::decode(data);
}

pub fn sstable_data_chunk(data: &[u8]) {
    let mut input = data;
    while let Ok(chunk) = decode_chunk(&mut input) {
        let mut stream = chunk.as_slice();
        let _ = crate::mutation::codec::decode_partition(&mut stream);
        if input.is_empty() {
            break;
        }
    }
    let _ = crate::compaction::txn::parse(&String::from_utf8_lossy(data));
}

/// Every decoder, by name (for the fuzz targets and the CI test).
pub const ALL: [(&str, fn(&[u8])); 7] = [
    ("commitlog_segment", commitlog_segment),
    ("commitlog_entry", commitlog_entry),
    ("sstable_index", sstable_index),
    ("sstable_summary", sstable_summary),
    ("sstable_bloom", sstable_bloom),
    ("sstable_statistics", sstable_statistics),
    ("sstable_data_chunk", sstable_data_chunk),
];
