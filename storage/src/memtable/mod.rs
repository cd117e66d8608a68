//! One table's in-memory write buffer on one shard: partitions sorted by
//! (token, key), rows by the table's clustering order, all merged with
//! Cassandra's reconciliation as mutations arrive.
//!
//! Layout, chosen for insert speed (issue 3: >= 1M small-row inserts/s per
//! shard): partitions live in a slab (`Vec<Partition>`, insertion order, never
//! moved once pushed except by the `Vec` growing) and a `BTreeMap<i64, TokenSlot>`
//! indexes them by token. The index nodes hold 24-byte entries, so inserts
//! shift little memory and a lookup needs no key allocation; the rare tokens
//! shared by several keys keep a small vector sorted by key. Dropping the
//! memtable frees the slab linearly instead of walking a tree of large nodes.
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

/// Accounted bytes of one partition's index entry beyond its key bytes.
const INDEX_ENTRY_BYTES: usize = 32;

/// Slab indices of the partitions sharing one token, sorted by key.
#[derive(Debug)]
enum TokenSlot {
    One(usize),
    Many(Vec<usize>),
}

impl TokenSlot {
    fn indices(&self) -> &[usize] {
        match self {
            TokenSlot::One(i) => std::slice::from_ref(i),
            TokenSlot::Many(v) => v,
        }
    }
}

/// A table's memtable.
#[derive(Debug)]
pub struct Memtable {
    comparator: Rc<ClusteringComparator>,
    /// Partitions in insertion order; `by_token` gives the ring order.
    slab: Vec<Partition>,
    by_token: BTreeMap<i64, TokenSlot>,
    size_bytes: usize,
    commitlog_upper_bound: ReplayPosition,
    max_timestamp_us: i64,
}

impl Memtable {
    pub fn new(comparator: Rc<ClusteringComparator>) -> Self {
        Memtable {
            comparator,
            slab: Vec::new(),
            by_token: BTreeMap::new(),
            size_bytes: 0,
            commitlog_upper_bound: ReplayPosition::NONE,
            max_timestamp_us: i64::MIN,
        }
    }

    /// Merges an update; `position` is the commitlog position after its entry.
    pub fn apply(&mut self, update: &PartitionUpdate, position: ReplayPosition) {
        let delta = match self.find_index(update.token, &update.key) {
            Ok(index) => match self.slab.get_mut(index) {
                Some(p) => p.apply(update),
                None => 0,
            },
            Err(insert_at) => self.insert_new(update, insert_at),
        };
        self.size_bytes = self.size_bytes.saturating_add_signed(delta);
        self.commitlog_upper_bound = self.commitlog_upper_bound.max(position);
    }

    /// Adds a partition not present yet; `insert_at` is its place among the
    /// partitions sharing its token. Returns the accounted bytes added.
    fn insert_new(&mut self, update: &PartitionUpdate, insert_at: usize) -> isize {
        let index = self.slab.len();
        // Built in place: a `Partition` is large, and moving it after filling
        // it showed up as a tenth of the insert time in profiles.
        self.slab.push(Partition::empty(
            update.key.clone(),
            update.token,
            Rc::clone(&self.comparator),
        ));
        let Some(p) = self.slab.last_mut() else {
            return 0;
        };
        let empty_bytes = p.size_bytes();
        let delta = p.apply(update);
        match self.by_token.get_mut(&update.token) {
            None => {
                self.by_token.insert(update.token, TokenSlot::One(index));
            }
            Some(slot) => {
                let mut v = slot.indices().to_vec();
                v.insert(insert_at.min(v.len()), index);
                *slot = TokenSlot::Many(v);
            }
        }
        (empty_bytes + update.key.len() + INDEX_ENTRY_BYTES) as isize + delta
    }

    /// `Ok(slab index)` of the partition, or `Err(position)` where it would
    /// go among the partitions sharing its token.
    fn find_index(&self, token: i64, key: &[u8]) -> Result<usize, usize> {
        let Some(slot) = self.by_token.get(&token) else {
            return Err(0);
        };
        let found = slot.indices().binary_search_by(|&i| {
            self.slab
                .get(i as usize)
                .map_or(std::cmp::Ordering::Less, |p| p.key.as_slice().cmp(key))
        });
        match found {
            Ok(pos) => Ok(slot.indices().get(pos).map_or(0, |&i| i)),
            Err(pos) => Err(pos),
        }
    }

    pub fn get(&self, token: i64, key: &[u8]) -> Option<&Partition> {
        self.find_index(token, key)
            .ok()
            .and_then(|i| self.slab.get(i))
    }

    fn partitions_of<'a>(&'a self, slot: &'a TokenSlot) -> impl Iterator<Item = &'a Partition> {
        slot.indices().iter().filter_map(move |&i| self.slab.get(i))
    }

    /// Partitions whose token lies in `range`, in ring order.
    pub fn range(&self, range: TokenRange) -> impl Iterator<Item = &Partition> {
        let start = if range.start_inclusive {
            RangeBound::Included(range.start)
        } else {
            RangeBound::Excluded(range.start)
        };
        self.by_token
            .range((start, RangeBound::Unbounded))
            .take_while(move |(t, _)| **t < range.end || (**t == range.end && range.end_inclusive))
            .flat_map(move |(_, slot)| self.partitions_of(slot))
    }

    /// All partitions in ring order (flush).
    pub fn iter(&self) -> impl Iterator<Item = &Partition> {
        self.by_token
            .values()
            .flat_map(move |slot| self.partitions_of(slot))
    }

    pub fn size_bytes(&self) -> usize {
        self.size_bytes
    }

    pub fn is_empty(&self) -> bool {
        self.slab.is_empty()
    }

    pub fn len(&self) -> usize {
        self.slab.len()
    }

    pub fn commitlog_upper_bound(&self) -> ReplayPosition {
        self.commitlog_upper_bound
    }

    /// Recomputes the accounted size from scratch (tests and assertions).
    pub fn recompute_size_bytes(&self) -> usize {
        self.slab
            .iter()
            .map(|p| p.size_bytes() + p.key.len() + INDEX_ENTRY_BYTES)
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
