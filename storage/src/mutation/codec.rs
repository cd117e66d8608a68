//! Binary encoding of mutations and partitions, shared by the commitlog and the
//! SSTable data file. Checksums and framing belong to the containers; this is
//! the payload only.
//!
//! ## Format
//!
//! Integers are LEB128 varints (`uv`), signed ones zigzag-encoded (`sv`);
//! byte strings are `uv length ++ bytes`.
//!
//! ```text
//! mutation  = uv table_id ++ partition
//! partition = bytes key ++ sv token ++ deletion ++ row(static)
//!             ++ uv n_range_tombstones ++ range_tombstone*  ++ uv n_rows ++ (clustering ++ row)*
//! deletion  = sv marked_for_delete_at_us ++ sv local_deletion_time_s
//! row       = u8 flags(1 marker, 2 deletion) ++ [liveness] ++ [deletion] ++ uv n_columns ++ column*
//! liveness  = sv timestamp_us ++ uv ttl_seconds ++ sv local_expiration_time_s
//! column    = uv column_id ++ u8 kind(0 simple, 1 complex) ++ (cell | deletion ++ uv n ++ (bytes path ++ cell)*)
//! cell      = sv timestamp_us ++ uv ttl_seconds ++ sv local_deletion_time_s ++ u8 value_kind
//!             ++ (bytes value | uv n_shards ++ (u128le origin ++ sv clock ++ sv value)*)
//! clustering= uv n ++ bytes*
//! range_tombstone = clustering start ++ u8 start_inclusive ++ clustering end ++ u8 end_inclusive ++ deletion
//! ```

use std::collections::BTreeMap;

use super::cell::{Cell, CellValue, CounterContext, CounterShard};
use super::partition::{Bound, Clustering, ClusteringSlice, PartitionUpdate, RangeTombstone};
use super::row::{ColumnData, ComplexColumn, Row};
use super::{DeletionTime, LivenessInfo, Mutation};
use crate::error::{Result, StorageError};

const WHAT: &str = "mutation encoding";

pub fn put_uv(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

pub fn put_sv(out: &mut Vec<u8>, v: i64) {
    put_uv(out, ((v << 1) ^ (v >> 63)) as u64);
}

pub fn put_bytes(out: &mut Vec<u8>, b: &[u8]) {
    put_uv(out, b.len() as u64);
    out.extend_from_slice(b);
}

pub fn get_u8(input: &mut &[u8]) -> Result<u8> {
    let (first, rest) = input
        .split_first()
        .ok_or_else(|| StorageError::corrupt(WHAT, "unexpected end of input"))?;
    *input = rest;
    Ok(*first)
}

pub fn get_uv(input: &mut &[u8]) -> Result<u64> {
    let mut v: u64 = 0;
    for shift in (0..64).step_by(7) {
        let b = get_u8(input)?;
        v |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Ok(v);
        }
    }
    Err(StorageError::corrupt(WHAT, "varint too long"))
}

pub fn get_sv(input: &mut &[u8]) -> Result<i64> {
    let u = get_uv(input)?;
    Ok(((u >> 1) as i64) ^ -((u & 1) as i64))
}

pub fn get_bytes<'a>(input: &mut &'a [u8]) -> Result<&'a [u8]> {
    let len = usize::try_from(get_uv(input)?)
        .map_err(|_| StorageError::corrupt(WHAT, "length overflow"))?;
    if len > input.len() {
        return Err(StorageError::corrupt(
            WHAT,
            format!("length {len} beyond end"),
        ));
    }
    let (head, rest) = input.split_at(len);
    *input = rest;
    Ok(head)
}

fn get_count(input: &mut &[u8]) -> Result<usize> {
    let n = get_uv(input)?;
    // Every element takes at least one byte, so a larger count is corruption,
    // and checking here keeps a corrupt count from driving a huge allocation.
    if n > input.len() as u64 {
        return Err(StorageError::corrupt(WHAT, format!("count {n} beyond end")));
    }
    Ok(n as usize)
}

pub fn encode_mutation(m: &Mutation, out: &mut Vec<u8>) {
    put_uv(out, m.table_id);
    encode_partition(&m.update, out);
}

pub fn decode_mutation(input: &mut &[u8]) -> Result<Mutation> {
    let table_id = get_uv(input)?;
    let update = decode_partition(input)?;
    Ok(Mutation { table_id, update })
}

pub fn encode_partition(p: &PartitionUpdate, out: &mut Vec<u8>) {
    put_bytes(out, &p.key);
    put_sv(out, p.token);
    encode_deletion(&p.deletion, out);
    encode_row(&p.static_row, out);
    put_uv(out, p.range_tombstones.len() as u64);
    for rt in &p.range_tombstones {
        encode_clustering(&rt.slice.start.prefix, out);
        out.push(u8::from(rt.slice.start.inclusive));
        encode_clustering(&rt.slice.end.prefix, out);
        out.push(u8::from(rt.slice.end.inclusive));
        encode_deletion(&rt.deletion, out);
    }
    put_uv(out, p.rows.len() as u64);
    for (clustering, row) in &p.rows {
        encode_clustering(clustering, out);
        encode_row(row, out);
    }
}

pub fn decode_partition(input: &mut &[u8]) -> Result<PartitionUpdate> {
    let key = get_bytes(input)?.to_vec();
    let token = get_sv(input)?;
    let deletion = decode_deletion(input)?;
    let static_row = decode_row(input)?;
    let n_rts = get_count(input)?;
    let mut range_tombstones = Vec::with_capacity(n_rts);
    for _ in 0..n_rts {
        let start = decode_clustering(input)?;
        let start_inclusive = get_u8(input)? != 0;
        let end = decode_clustering(input)?;
        let end_inclusive = get_u8(input)? != 0;
        let deletion = decode_deletion(input)?;
        range_tombstones.push(RangeTombstone {
            slice: ClusteringSlice {
                start: Bound {
                    prefix: start,
                    inclusive: start_inclusive,
                },
                end: Bound {
                    prefix: end,
                    inclusive: end_inclusive,
                },
            },
            deletion,
        });
    }
    let n_rows = get_count(input)?;
    let mut rows = Vec::with_capacity(n_rows);
    for _ in 0..n_rows {
        let clustering = decode_clustering(input)?;
        let row = decode_row(input)?;
        rows.push((clustering, row));
    }
    Ok(PartitionUpdate {
        key,
        token,
        deletion,
        static_row,
        rows,
        range_tombstones,
    })
}

pub fn encode_clustering(c: &Clustering, out: &mut Vec<u8>) {
    put_uv(out, c.len() as u64);
    for v in c {
        put_bytes(out, v);
    }
}

pub fn decode_clustering(input: &mut &[u8]) -> Result<Clustering> {
    let n = get_count(input)?;
    let mut c = Vec::with_capacity(n);
    for _ in 0..n {
        c.push(get_bytes(input)?.to_vec());
    }
    Ok(c)
}

fn encode_deletion(d: &DeletionTime, out: &mut Vec<u8>) {
    put_sv(out, d.marked_for_delete_at_us);
    put_sv(out, d.local_deletion_time_s);
}

fn decode_deletion(input: &mut &[u8]) -> Result<DeletionTime> {
    Ok(DeletionTime {
        marked_for_delete_at_us: get_sv(input)?,
        local_deletion_time_s: get_sv(input)?,
    })
}

pub fn encode_row(row: &Row, out: &mut Vec<u8>) {
    let flags = u8::from(row.marker.is_some()) | (u8::from(!row.deletion.is_live()) << 1);
    out.push(flags);
    if let Some(m) = &row.marker {
        put_sv(out, m.timestamp_us);
        put_uv(out, u64::from(m.ttl_seconds));
        put_sv(out, m.local_expiration_time_s);
    }
    if !row.deletion.is_live() {
        encode_deletion(&row.deletion, out);
    }
    put_uv(out, row.columns.len() as u64);
    for (id, data) in &row.columns {
        put_uv(out, u64::from(*id));
        match data {
            ColumnData::Simple(cell) => {
                out.push(0);
                encode_cell(cell, out);
            }
            ColumnData::Complex(complex) => {
                out.push(1);
                encode_deletion(&complex.deletion, out);
                put_uv(out, complex.cells.len() as u64);
                for (path, cell) in &complex.cells {
                    put_bytes(out, path);
                    encode_cell(cell, out);
                }
            }
        }
    }
}

pub fn decode_row(input: &mut &[u8]) -> Result<Row> {
    let flags = get_u8(input)?;
    let marker = if flags & 1 != 0 {
        Some(LivenessInfo {
            timestamp_us: get_sv(input)?,
            ttl_seconds: get_u32(input)?,
            local_expiration_time_s: get_sv(input)?,
        })
    } else {
        None
    };
    let deletion = if flags & 2 != 0 {
        decode_deletion(input)?
    } else {
        DeletionTime::LIVE
    };
    let n = get_count(input)?;
    let mut columns = BTreeMap::new();
    for _ in 0..n {
        let id = u32::try_from(get_uv(input)?)
            .map_err(|_| StorageError::corrupt(WHAT, "column id overflow"))?;
        let data = match get_u8(input)? {
            0 => ColumnData::Simple(decode_cell(input)?),
            1 => {
                let deletion = decode_deletion(input)?;
                let m = get_count(input)?;
                let mut cells = BTreeMap::new();
                for _ in 0..m {
                    let path = get_bytes(input)?.to_vec();
                    cells.insert(path, decode_cell(input)?);
                }
                ColumnData::Complex(ComplexColumn { deletion, cells })
            }
            kind => return Err(StorageError::corrupt(WHAT, format!("column kind {kind}"))),
        };
        columns.insert(id, data);
    }
    Ok(Row {
        marker,
        deletion,
        columns,
    })
}

fn get_u32(input: &mut &[u8]) -> Result<u32> {
    u32::try_from(get_uv(input)?).map_err(|_| StorageError::corrupt(WHAT, "u32 overflow"))
}

fn encode_cell(cell: &Cell, out: &mut Vec<u8>) {
    put_sv(out, cell.timestamp_us);
    put_uv(out, u64::from(cell.ttl_seconds));
    put_sv(out, cell.local_deletion_time_s);
    match &cell.value {
        CellValue::Bytes(b) => {
            out.push(0);
            put_bytes(out, b);
        }
        CellValue::Counter(ctx) => {
            out.push(1);
            put_uv(out, ctx.shards.len() as u64);
            for s in &ctx.shards {
                out.extend_from_slice(&s.origin.to_le_bytes());
                put_sv(out, s.clock);
                put_sv(out, s.value);
            }
        }
    }
}

fn decode_cell(input: &mut &[u8]) -> Result<Cell> {
    let timestamp_us = get_sv(input)?;
    let ttl_seconds = get_u32(input)?;
    let local_deletion_time_s = get_sv(input)?;
    let value = match get_u8(input)? {
        0 => CellValue::Bytes(get_bytes(input)?.to_vec()),
        1 => {
            let n = get_count(input)?;
            let mut shards = Vec::with_capacity(n);
            for _ in 0..n {
                let (origin, rest) = input
                    .split_first_chunk::<16>()
                    .ok_or_else(|| StorageError::corrupt(WHAT, "truncated counter origin"))?;
                *input = rest;
                shards.push(CounterShard {
                    origin: u128::from_le_bytes(*origin),
                    clock: get_sv(input)?,
                    value: get_sv(input)?,
                });
            }
            CellValue::Counter(CounterContext { shards })
        }
        kind => {
            return Err(StorageError::corrupt(
                WHAT,
                format!("cell value kind {kind}"),
            ));
        }
    };
    Ok(Cell {
        timestamp_us,
        ttl_seconds,
        local_deletion_time_s,
        value,
    })
}
