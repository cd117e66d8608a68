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
//! Point lookups (every write and every single-partition read) go through a
//! hash table from token to slab index instead of the tree: a tree descent
//! over 10^5 partitions is several cache misses and was 9–19 % of the
//! server's CPU time in the e2e profiles; the tree stays for ordered scans.
//!
//! Invariants: `size_bytes` always equals the sum of the partitions'
//! accounted sizes (checked by tests); `commitlog_upper_bound` is at or after
//! every commitlog entry applied here, so once this memtable is flushed the
//! commitlog may release everything before it for this table. Owned by the
//! shard; never shared across threads.

use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasherDefault, Hasher};
use std::ops::Bound as RangeBound;
use std::rc::Rc;

use crate::commitlog::ReplayPosition;
use crate::mutation::{Partition, PartitionUpdate};
use crate::query::TokenRange;
use crate::schema::ClusteringComparator;

/// Ring order key of a partition.
pub type PartitionPosition = (i64, Vec<u8>);

/// Accounted bytes of one partition's index entries (tree and hash table)
/// beyond its key bytes.
const INDEX_ENTRY_BYTES: usize = 56;

/// Hash table value for a token shared by several keys: look in the tree.
const SHARED_TOKEN: usize = usize::MAX;

/// Tokens are Murmur3 hashes already: use them as their own hash.
#[derive(Default)]
struct TokenHasher(u64);

impl Hasher for TokenHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_i64(&mut self, v: i64) {
        self.0 = v as u64;
    }
}

type TokenLookup = HashMap<i64, usize, BuildHasherDefault<TokenHasher>>;

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
    /// Token to slab index, or [`SHARED_TOKEN`]; same keys as `by_token`.
    lookup: TokenLookup,
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
            lookup: TokenLookup::default(),
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

    /// [`Memtable::apply`] that moves the update's rows in (no copy).
    pub fn apply_owned(&mut self, mut update: PartitionUpdate, position: ReplayPosition) {
        let delta = match self.find_index(update.token, &update.key) {
            Ok(index) => match self.slab.get_mut(index) {
                Some(p) => p.apply_owned(update),
                None => 0,
            },
            Err(insert_at) => {
                let key = std::mem::take(&mut update.key);
                let token = update.token;
                let key_len = key.len();
                let (index, empty_bytes) = self.push_empty(key, token);
                let delta = self
                    .slab
                    .get_mut(index)
                    .map_or(0, |p| p.apply_owned(update));
                self.index_new(token, index, insert_at);
                (empty_bytes + key_len + INDEX_ENTRY_BYTES) as isize + delta
            }
        };
        self.size_bytes = self.size_bytes.saturating_add_signed(delta);
        self.commitlog_upper_bound = self.commitlog_upper_bound.max(position);
    }

    /// Pushes an empty partition onto the slab; returns its index and size.
    fn push_empty(&mut self, key: Vec<u8>, token: i64) -> (usize, usize) {
        let index = self.slab.len();
        // Built in place: a `Partition` is large, and moving it after filling
        // it showed up as a tenth of the insert time in profiles.
        let p = Partition::empty(key, token, Rc::clone(&self.comparator));
        let size = p.size_bytes();
        self.slab.push(p);
        (index, size)
    }

    /// Adds a partition not present yet; `insert_at` is its place among the
    /// partitions sharing its token. Returns the accounted bytes added.
    fn insert_new(&mut self, update: &PartitionUpdate, insert_at: usize) -> isize {
        let (index, empty_bytes) = self.push_empty(update.key.clone(), update.token);
        let delta = self.slab.get_mut(index).map_or(0, |p| p.apply(update));
        self.index_new(update.token, index, insert_at);
        (empty_bytes + update.key.len() + INDEX_ENTRY_BYTES) as isize + delta
    }

    /// Indexes the new partition at slab `index` under `token`.
    fn index_new(&mut self, token: i64, index: usize, insert_at: usize) {
        match self.by_token.get_mut(&token) {
            None => {
                self.by_token.insert(token, TokenSlot::One(index));
                self.lookup.insert(token, index);
            }
            Some(slot) => {
                let mut v = slot.indices().to_vec();
                v.insert(insert_at.min(v.len()), index);
                *slot = TokenSlot::Many(v);
                self.lookup.insert(token, SHARED_TOKEN);
            }
        }
    }

    /// `Ok(slab index)` of the partition, or `Err(position)` where it would
    /// go among the partitions sharing its token.
    fn find_index(&self, token: i64, key: &[u8]) -> Result<usize, usize> {
        match self.lookup.get(&token) {
            None => return Err(0),
            Some(&SHARED_TOKEN) => {}
            Some(&index) => {
                return match self.slab.get(index).map(|p| p.key.as_slice().cmp(key)) {
                    Some(std::cmp::Ordering::Equal) => Ok(index),
                    Some(std::cmp::Ordering::Less) => Err(1),
                    _ => Err(0),
                };
            }
        }
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

    #[test]
    fn owned_apply_and_lookup_match_borrowed_apply() {
        let comparator = Rc::new(ClusteringComparator::default());
        let mut borrowed = Memtable::new(Rc::clone(&comparator));
        let mut owned = Memtable::new(comparator);
        // Keys 2, 3 and 4 share token 5: the hash table defers to the tree.
        for (key, token) in [(3u8, 5i64), (1, 9), (2, 5), (9, -4), (4, 5), (1, 9)] {
            for ck in 0..3 {
                borrowed.apply(&update(key, token, ck), ReplayPosition::NONE);
                owned.apply_owned(update(key, token, ck), ReplayPosition::NONE);
            }
        }
        let dump = |m: &Memtable| -> Vec<(i64, Vec<u8>, usize)> {
            m.iter()
                .map(|p| (p.token, p.key.clone(), p.rows.len()))
                .collect()
        };
        assert_eq!(dump(&borrowed), dump(&owned));
        assert_eq!(owned.size_bytes(), owned.recompute_size_bytes());
        assert_eq!(borrowed.size_bytes(), owned.size_bytes());
        for (key, token) in [(3u8, 5i64), (1, 9), (2, 5), (9, -4), (4, 5)] {
            let p = owned.get(token, &[key]).map(|p| p.key.clone());
            assert_eq!(p, Some(vec![key]), "key {key} token {token}");
        }
        assert!(owned.get(5, &[7]).is_none(), "absent key on a shared token");
        assert!(
            owned.get(9, &[0]).is_none(),
            "absent key on a single-key token"
        );
        assert!(owned.get(6, &[1]).is_none(), "absent token");
    }
}
