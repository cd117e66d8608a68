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
//! uv level | uv partition_deletions | uv static_rows
//! u8 has_clustering_bounds | [clustering min_clustering | clustering max_clustering]
//! ```
//!
//! `max_local_deletion_time_s` is [`NO_DELETION_TIME`] as soon as the SSTable
//! holds one live cell, marker or counter that never expires (Cassandra's
//! convention): only SSTables whose every datum expires or is a tombstone can
//! be dropped whole once it is older than gc_grace. The clustering bounds cover
//! rows and range-tombstone bounds (an empty prefix means unbounded) in the
//! table's clustering order; partition deletions and static rows apply to every
//! slice, so their counts tell reads when the bounds cannot be used to skip.

use crate::commitlog::ReplayPosition;
use crate::error::{Result, StorageError};
use std::cmp::Ordering;

use crate::mutation::codec::{
    decode_clustering, encode_clustering, get_sv, get_u8, get_uv, put_sv, put_uv,
};
use crate::mutation::{
    Clustering, ClusteringSlice, ColumnData, NO_DELETION_TIME, PartitionUpdate, Row,
};
use crate::schema::ClusteringComparator;

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
    /// Leveled compaction level (0 for flushes and other strategies).
    pub level: u32,
    pub partition_deletions: u64,
    pub static_rows: u64,
    /// Smallest and largest clustering (or range-tombstone bound) in clustering order.
    pub clustering_bounds: Option<(Clustering, Clustering)>,
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
            level: 0,
            partition_deletions: 0,
            static_rows: 0,
            clustering_bounds: None,
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

    /// Cassandra's convention: data that never expires makes the maximum
    /// local deletion time "never", so the SSTable is never fully expired.
    fn never_expires(&mut self) {
        self.max_local_deletion_time_s = NO_DELETION_TIME;
    }

    fn cover(&mut self, cmp: &ClusteringComparator, c: &Clustering) {
        match &mut self.clustering_bounds {
            None => self.clustering_bounds = Some((c.clone(), c.clone())),
            Some((min, max)) => {
                // An empty prefix is an unbounded range-tombstone end: keep it.
                if !min.is_empty() && (c.is_empty() || cmp.compare(c, min) == Ordering::Less) {
                    *min = c.clone();
                }
                if !max.is_empty() && (c.is_empty() || cmp.compare(c, max) == Ordering::Greater) {
                    *max = c.clone();
                }
            }
        }
    }

    /// Whether some row or range tombstone of this SSTable may fall in one of
    /// `slices` (true when unknown). Partition-level data is checked separately.
    pub fn may_intersect(&self, cmp: &ClusteringComparator, slices: &[ClusteringSlice]) -> bool {
        let Some((min, max)) = &self.clustering_bounds else {
            return false;
        };
        slices.is_empty()
            || slices.iter().any(|s| {
                (min.is_empty() || s.end.admits_as_end(cmp, min))
                    && (max.is_empty() || s.start.admits_as_start(cmp, max))
            })
    }

    fn row(&mut self, row: &Row) {
        row.for_each_timestamp(|ts| self.timestamp(ts));
        if row.marker.is_some_and(|m| !m.is_expiring()) {
            self.never_expires();
        }
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
                } else if !c.is_expiring() {
                    self.never_expires();
                }
                self.deletion_time(c.local_deletion_time_s);
            }
        }
    }

    /// Accounts one partition of `encoded_bytes`.
    pub fn add_partition(
        &mut self,
        cmp: &ClusteringComparator,
        p: &PartitionUpdate,
        encoded_bytes: u64,
    ) {
        self.partitions += 1;
        self.min_token = self.min_token.min(p.token);
        self.max_token = self.max_token.max(p.token);
        self.uncompressed_bytes += encoded_bytes;
        self.max_partition_bytes = self.max_partition_bytes.max(encoded_bytes);
        if !p.deletion.is_live() {
            self.partition_deletions += 1;
            self.tombstones += 1;
            self.timestamp(p.deletion.marked_for_delete_at_us);
            self.deletion_time(p.deletion.local_deletion_time_s);
        }
        for rt in &p.range_tombstones {
            self.tombstones += 1;
            self.timestamp(rt.deletion.marked_for_delete_at_us);
            self.deletion_time(rt.deletion.local_deletion_time_s);
            self.cover(cmp, &rt.slice.start.prefix);
            self.cover(cmp, &rt.slice.end.prefix);
        }
        if !p.static_row.is_empty() {
            self.static_rows += 1;
        }
        self.row(&p.static_row);
        for (clustering, row) in &p.rows {
            self.rows += 1;
            self.cover(cmp, clustering);
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
        put_uv(out, u64::from(self.level));
        put_uv(out, self.partition_deletions);
        put_uv(out, self.static_rows);
        match &self.clustering_bounds {
            None => out.push(0),
            Some((min, max)) => {
                out.push(1);
                encode_clustering(min, out);
                encode_clustering(max, out);
            }
        }
    }

    pub fn decode(mut body: &[u8]) -> Result<Self> {
        let b = &mut body;
        let stats = Statistics {
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
            level: u32::try_from(get_uv(b)?)
                .map_err(|_| StorageError::corrupt("sstable statistics", "level beyond u32"))?,
            partition_deletions: get_uv(b)?,
            static_rows: get_uv(b)?,
            clustering_bounds: match get_u8(b)? {
                0 => None,
                1 => Some((decode_clustering(b)?, decode_clustering(b)?)),
                f => {
                    return Err(StorageError::corrupt(
                        "sstable statistics",
                        format!("bad clustering-bounds flag {f}"),
                    ));
                }
            },
        };
        if !b.is_empty() {
            return Err(StorageError::corrupt(
                "sstable statistics",
                "trailing bytes",
            ));
        }
        Ok(stats)
    }

    /// Whether every datum has expired or is a tombstone older than `gc_before_s`.
    pub fn fully_expired(&self, gc_before_s: i64) -> bool {
        self.max_local_deletion_time_s < gc_before_s && self.partitions > 0
    }
}
