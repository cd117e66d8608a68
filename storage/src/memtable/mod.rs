//! One table's in-memory write buffer on one shard: partitions sorted by
//! (token, key), rows by the table's clustering order, all merged with
//! Cassandra's reconciliation as mutations arrive.
//!
//! Invariants: `size_bytes` always equals the sum of the partitions'
//! accounted sizes (checked by tests); `commitlog_upper_bound` is at or after
//! every commitlog entry applied here, so once this memtable is flushed the
//! commitlog may release everything before it for this table. Owned by the
//! shard; never shared across threads.

use std::collections::BTreeMap;
use std::ops::Bound as RangeBound;
use std::rc::Rc;

use crate::commitlog::ReplayPosition;
use crate::mutation::{Partition, PartitionUpdate};
use crate::query::TokenRange;
use crate::schema::ClusteringComparator;

/// Ring order key of a partition.
pub type PartitionPosition = (i64, Vec<u8>);

/// A table's memtable.
#[derive(Debug)]
pub struct Memtable {
    comparator: Rc<ClusteringComparator>,
    partitions: BTreeMap<PartitionPosition, Partition>,
    size_bytes: usize,
    commitlog_upper_bound: ReplayPosition,
    max_timestamp_us: i64,
}

impl Memtable {
    pub fn new(comparator: Rc<ClusteringComparator>) -> Self {
        Memtable {
            comparator,
            partitions: BTreeMap::new(),
            size_bytes: 0,
            commitlog_upper_bound: ReplayPosition::NONE,
            max_timestamp_us: i64::MIN,
        }
    }

    /// Merges an update; `position` is the commitlog position after its entry.
    pub fn apply(&mut self, update: &PartitionUpdate, position: ReplayPosition) {
        let key = (update.token, update.key.clone());
        let delta = match self.partitions.get_mut(&key) {
            Some(p) => p.apply(update),
            None => {
                let p = Partition::from_update(update, Rc::clone(&self.comparator));
                let size = p.size_bytes() + update.key.len() + 32;
                self.partitions.insert(key, p);
                size as isize
            }
        };
        self.size_bytes = self.size_bytes.saturating_add_signed(delta);
        self.commitlog_upper_bound = self.commitlog_upper_bound.max(position);
    }

    pub fn get(&self, token: i64, key: &[u8]) -> Option<&Partition> {
        self.partitions.get(&(token, key.to_vec()))
    }

    /// Partitions whose token lies in `range`, in ring order.
    pub fn range(&self, range: TokenRange) -> impl Iterator<Item = &Partition> {
        let start = (range.start, Vec::new());
        self.partitions
            .range((RangeBound::Included(start), RangeBound::Unbounded))
            .map(|(_, p)| p)
            .skip_while(move |p| !range.contains(p.token) && p.token == range.start)
            .take_while(move |p| {
                p.token < range.end || (p.token == range.end && range.end_inclusive)
            })
    }

    /// All partitions in ring order (flush).
    pub fn iter(&self) -> impl Iterator<Item = &Partition> {
        self.partitions.values()
    }

    pub fn size_bytes(&self) -> usize {
        self.size_bytes
    }

    pub fn is_empty(&self) -> bool {
        self.partitions.is_empty()
    }

    pub fn len(&self) -> usize {
        self.partitions.len()
    }

    pub fn commitlog_upper_bound(&self) -> ReplayPosition {
        self.commitlog_upper_bound
    }

    /// Recomputes the accounted size from scratch (tests and assertions).
    pub fn recompute_size_bytes(&self) -> usize {
        self.partitions
            .iter()
            .map(|((_, k), p)| p.size_bytes() + k.len() + 32)
            .sum()
    }

    pub fn max_timestamp_us(&self) -> i64 {
        self.max_timestamp_us
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mutation::{Cell, Row};

    fn update(key: u8, token: i64, ck: u8) -> PartitionUpdate {
        PartitionUpdate::new(vec![key], token).with_row(
            vec![vec![ck]],
            Row::default().with_cell(1, Cell::live(1, vec![key; 10])),
        )
    }

    #[test]
    fn sorted_by_token_then_key_and_accounted_exactly() {
        let mut m = Memtable::new(Rc::new(ClusteringComparator::default()));
        for (key, token) in [(3u8, 5i64), (1, 9), (2, 5), (9, -4)] {
            for ck in 0..3 {
                m.apply(&update(key, token, ck), ReplayPosition::NONE);
            }
        }
        let order: Vec<(i64, u8)> = m.iter().map(|p| (p.token, p.key[0])).collect();
        assert_eq!(order, vec![(-4, 9), (5, 2), (5, 3), (9, 1)]);
        assert_eq!(m.size_bytes(), m.recompute_size_bytes());
        let in_range: Vec<u8> = m
            .range(TokenRange {
                start: 5,
                start_inclusive: false,
                end: 9,
                end_inclusive: true,
            })
            .map(|p| p.key[0])
            .collect();
        assert_eq!(in_range, vec![1]);
        let in_range: Vec<u8> = m
            .range(TokenRange {
                start: 5,
                start_inclusive: true,
                end: 9,
                end_inclusive: false,
            })
            .map(|p| p.key[0])
            .collect();
        assert_eq!(in_range, vec![2, 3]);
    }
}
