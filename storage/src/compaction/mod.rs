//! Compaction of one table's SSTables on its shard: merges SSTables into one,
//! reconciling versions and purging what gc_grace allows.
//!
//! Purge rule (Cassandra's): a tombstone, or an expired cell turned tombstone,
//! is dropped only when its local deletion time is older than
//! `now - gc_grace_seconds` **and** no data outside the compaction could be
//! shadowed by it. This version only purges in major compactions of every
//! SSTable and only for partitions absent from the memtables, which makes the
//! second condition hold by construction. New files are complete (TOC synced)
//! before old ones are removed, so a crash mid-compaction loses nothing.

use crate::mutation::{Cell, ColumnData, DeletionTime, Partition, Row};

/// Drops purgeable tombstones and expired cells from `p` (in place).
pub fn purge(p: &mut Partition, gc_before_s: i64, now_s: i64) {
    let purgeable = |d: &DeletionTime| !d.is_live() && d.local_deletion_time_s < gc_before_s;
    if purgeable(&p.deletion) {
        p.deletion = DeletionTime::LIVE;
    }
    p.range_tombstones.retain(|rt| !purgeable(&rt.deletion));
    purge_row(&mut p.static_row, gc_before_s, now_s);
    p.rows.retain(|_, row| {
        purge_row(row, gc_before_s, now_s);
        !row.is_empty()
    });
}

fn purge_cell(cell: &Cell, gc_before_s: i64, now_s: i64) -> Option<Cell> {
    let cell = cell
        .expired_to_tombstone(now_s)
        .unwrap_or_else(|| cell.clone());
    if cell.is_tombstone() && cell.local_deletion_time_s < gc_before_s {
        None
    } else {
        Some(cell)
    }
}

fn purge_row(row: &mut Row, gc_before_s: i64, now_s: i64) {
    if !row.deletion.is_live() && row.deletion.local_deletion_time_s < gc_before_s {
        row.deletion = DeletionTime::LIVE;
    }
    if row.marker.is_some_and(|m| {
        m.is_expiring()
            && m.local_expiration_time_s - i64::from(m.ttl_seconds) < gc_before_s
            && !m.is_live(now_s)
    }) {
        row.marker = None;
    }
    row.columns.retain(|_, data| match data {
        ColumnData::Simple(cell) => match purge_cell(cell, gc_before_s, now_s) {
            Some(c) => {
                *cell = c;
                true
            }
            None => false,
        },
        ColumnData::Complex(complex) => {
            if !complex.deletion.is_live() && complex.deletion.local_deletion_time_s < gc_before_s {
                complex.deletion = DeletionTime::LIVE;
            }
            let cells = std::mem::take(&mut complex.cells);
            complex.cells = cells
                .into_iter()
                .filter_map(|(k, c)| purge_cell(&c, gc_before_s, now_s).map(|c| (k, c)))
                .collect();
            !complex.cells.is_empty() || !complex.deletion.is_live()
        }
    });
}
