//! Purging during compaction (Cassandra's rule): a tombstone, or an expired
//! cell turned tombstone, is dropped only when its local deletion time is older
//! than `now - gc_grace_seconds` **and** its timestamp is older than anything
//! a source outside the compaction (other SSTables whose bloom filter admits
//! the key, memtables) may hold for that partition, so it cannot be shadowing
//! data that would come back. Pure functions; the caller owns the partition.

use crate::mutation::{Cell, ColumnData, DeletionTime, Partition, Row};

/// What may be purged from one partition: tombstones deleted before
/// `gc_before_s` whose timestamp is below `max_purgeable_timestamp_us` (the
/// smallest timestamp any source outside the compaction may hold for this
/// partition; `i64::MAX` when none can, `i64::MIN` to purge nothing).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PurgeRule {
    pub gc_before_s: i64,
    pub now_s: i64,
    pub max_purgeable_timestamp_us: i64,
}

impl PurgeRule {
    fn purgeable(&self, local_deletion_time_s: i64, timestamp_us: i64) -> bool {
        local_deletion_time_s < self.gc_before_s && timestamp_us < self.max_purgeable_timestamp_us
    }

    fn deletion(&self, d: &DeletionTime) -> bool {
        !d.is_live() && self.purgeable(d.local_deletion_time_s, d.marked_for_delete_at_us)
    }
}

/// Turns expired cells into tombstones and drops purgeable tombstones from
/// `p` (in place), following `rule`.
pub fn purge(p: &mut Partition, rule: &PurgeRule) {
    let purgeable = |d: &DeletionTime| rule.deletion(d);
    if purgeable(&p.deletion) {
        p.deletion = DeletionTime::LIVE;
    }
    p.range_tombstones.retain(|rt| !purgeable(&rt.deletion));
    purge_row(&mut p.static_row, rule);
    p.rows.retain(|_, row| {
        purge_row(row, rule);
        !row.is_empty()
    });
}

fn purge_cell(cell: &Cell, rule: &PurgeRule) -> Option<Cell> {
    let cell = cell
        .expired_to_tombstone(rule.now_s)
        .unwrap_or_else(|| cell.clone());
    if cell.is_tombstone() && rule.purgeable(cell.local_deletion_time_s, cell.timestamp_us) {
        None
    } else {
        Some(cell)
    }
}

fn purge_row(row: &mut Row, rule: &PurgeRule) {
    if rule.deletion(&row.deletion) {
        row.deletion = DeletionTime::LIVE;
    }
    if row.marker.is_some_and(|m| {
        m.is_expiring()
            && rule.purgeable(
                m.local_expiration_time_s - i64::from(m.ttl_seconds),
                m.timestamp_us,
            )
            && !m.is_live(rule.now_s)
    }) {
        row.marker = None;
    }
    row.columns.retain(|_, data| match data {
        ColumnData::Simple(cell) => match purge_cell(cell, rule) {
            Some(c) => {
                *cell = c;
                true
            }
            None => false,
        },
        ColumnData::Complex(complex) => {
            if rule.deletion(&complex.deletion) {
                complex.deletion = DeletionTime::LIVE;
            }
            let cells = std::mem::take(&mut complex.cells);
            complex.cells = cells
                .into_iter()
                .filter_map(|(k, c)| purge_cell(&c, rule).map(|c| (k, c)))
                .collect();
            !complex.cells.is_empty() || !complex.deletion.is_live()
        }
    });
}
