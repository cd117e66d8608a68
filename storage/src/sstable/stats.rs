//! `Statistics.db`: what an SSTable holds, so reads and compaction can skip it
//! without opening data (timestamps for tombstone purging and TWCS, tokens for
//! range scans, the commitlog bound for idempotent replay).
//!
//! ## Format (body inside [`super::frame`]; `sv` zigzag varint, `uv` varint)
//!
//! ```text
//! sv min_timestamp_us | sv max_timestamp_us | sv min_local_deletion_time_s | sv max_local_deletion_time_s
//! uv partitions | uv rows | uv tombstones | sv min_token | sv max_token
//! uv commitlog_segment_id | uv commitlog_offset | uv uncompressed_bytes | uv max_partition_bytes
//! ```

use crate::commitlog::ReplayPosition;
use crate::error::Result;
use crate::mutation::codec::{get_sv, get_uv, put_sv, put_uv};
use crate::mutation::{ColumnData, NO_DELETION_TIME, PartitionUpdate, Row};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statistics {
    pub min_timestamp_us: i64,
    pub max_timestamp_us: i64,
    pub min_local_deletion_time_s: i64,
    pub max_local_deletion_time_s: i64,
    pub partitions: u64,
    pub rows: u64,
    pub tombstones: u64,
    pub min_token: i64,
    pub max_token: i64,
    /// Every commitlog entry of this table at or before this was flushed.
    pub commitlog_upper_bound: ReplayPosition,
    pub uncompressed_bytes: u64,
    pub max_partition_bytes: u64,
}

impl Default for Statistics {
    fn default() -> Self {
        Statistics {
            min_timestamp_us: i64::MAX,
            max_timestamp_us: i64::MIN,
            min_local_deletion_time_s: NO_DELETION_TIME,
            max_local_deletion_time_s: i64::MIN,
            partitions: 0,
            rows: 0,
            tombstones: 0,
            min_token: i64::MAX,
            max_token: i64::MIN,
            commitlog_upper_bound: ReplayPosition::NONE,
            uncompressed_bytes: 0,
            max_partition_bytes: 0,
        }
    }
}

impl Statistics {
    fn timestamp(&mut self, ts: i64) {
        self.min_timestamp_us = self.min_timestamp_us.min(ts);
        self.max_timestamp_us = self.max_timestamp_us.max(ts);
    }

    fn deletion_time(&mut self, ldt: i64) {
        if ldt != NO_DELETION_TIME {
            self.min_local_deletion_time_s = self.min_local_deletion_time_s.min(ldt);
            self.max_local_deletion_time_s = self.max_local_deletion_time_s.max(ldt);
        }
    }

    fn row(&mut self, row: &Row) {
        row.for_each_timestamp(|ts| self.timestamp(ts));
        if !row.deletion.is_live() {
            self.tombstones += 1;
            self.deletion_time(row.deletion.local_deletion_time_s);
        }
        if let Some(m) = row.marker {
            self.deletion_time(m.local_expiration_time_s);
        }
        for data in row.columns.values() {
            let cells: Vec<_> = match data {
                ColumnData::Simple(c) => vec![c],
                ColumnData::Complex(cc) => {
                    if !cc.deletion.is_live() {
                        self.tombstones += 1;
                        self.deletion_time(cc.deletion.local_deletion_time_s);
                    }
                    cc.cells.values().collect()
                }
            };
            for c in cells {
                if c.is_tombstone() {
                    self.tombstones += 1;
                }
                self.deletion_time(c.local_deletion_time_s);
            }
        }
    }

    /// Accounts one partition of `encoded_bytes`.
    pub fn add_partition(&mut self, p: &PartitionUpdate, encoded_bytes: u64) {
        self.partitions += 1;
        self.min_token = self.min_token.min(p.token);
        self.max_token = self.max_token.max(p.token);
        self.uncompressed_bytes += encoded_bytes;
        self.max_partition_bytes = self.max_partition_bytes.max(encoded_bytes);
        if !p.deletion.is_live() {
            self.tombstones += 1;
            self.timestamp(p.deletion.marked_for_delete_at_us);
            self.deletion_time(p.deletion.local_deletion_time_s);
        }
        for rt in &p.range_tombstones {
            self.tombstones += 1;
            self.timestamp(rt.deletion.marked_for_delete_at_us);
            self.deletion_time(rt.deletion.local_deletion_time_s);
        }
        self.row(&p.static_row);
        for (_, row) in &p.rows {
            self.rows += 1;
            self.row(row);
        }
    }

    pub fn encode(&self, out: &mut Vec<u8>) {
        put_sv(out, self.min_timestamp_us);
        put_sv(out, self.max_timestamp_us);
        put_sv(out, self.min_local_deletion_time_s);
        put_sv(out, self.max_local_deletion_time_s);
        put_uv(out, self.partitions);
        put_uv(out, self.rows);
        put_uv(out, self.tombstones);
        put_sv(out, self.min_token);
        put_sv(out, self.max_token);
        put_uv(out, self.commitlog_upper_bound.segment_id);
        put_uv(out, self.commitlog_upper_bound.offset);
        put_uv(out, self.uncompressed_bytes);
        put_uv(out, self.max_partition_bytes);
    }

    pub fn decode(mut body: &[u8]) -> Result<Self> {
        let b = &mut body;
        Ok(Statistics {
            min_timestamp_us: get_sv(b)?,
            max_timestamp_us: get_sv(b)?,
            min_local_deletion_time_s: get_sv(b)?,
            max_local_deletion_time_s: get_sv(b)?,
            partitions: get_uv(b)?,
            rows: get_uv(b)?,
            tombstones: get_uv(b)?,
            min_token: get_sv(b)?,
            max_token: get_sv(b)?,
            commitlog_upper_bound: ReplayPosition {
                segment_id: get_uv(b)?,
                offset: get_uv(b)?,
            },
            uncompressed_bytes: get_uv(b)?,
            max_partition_bytes: get_uv(b)?,
        })
    }
}
