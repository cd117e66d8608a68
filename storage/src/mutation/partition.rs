//! Partitions: the partition-level deletion, the static row, clustered rows in
//! clustering order and range tombstones.
//!
//! [`PartitionUpdate`] is the `Send` form carried by a mutation (rows in any
//! order). [`Partition`] is the sorted, merged form a shard keeps in memtables
//! and builds on reads; its keys hold an `Rc` to the table's comparator, so it
//! never leaves the owning shard.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::collections::btree_map::Entry;
use std::rc::Rc;

use super::DeletionTime;
use super::row::Row;
use crate::schema::ClusteringComparator;

/// Serialized clustering column values, in key order (a prefix for bounds).
pub type Clustering = Vec<Vec<u8>>;

/// One end of a clustering range. An empty inclusive prefix is unbounded.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Bound {
    pub prefix: Clustering,
    pub inclusive: bool,
}

impl Bound {
    pub const UNBOUNDED: Bound = Bound {
        prefix: Vec::new(),
        inclusive: true,
    };

    pub fn inclusive(prefix: Clustering) -> Self {
        Bound {
            prefix,
            inclusive: true,
        }
    }

    pub fn exclusive(prefix: Clustering) -> Self {
        Bound {
            prefix,
            inclusive: false,
        }
    }

    /// Whether clustering `c` lies at or after this bound used as a start.
    pub fn admits_as_start(&self, cmp: &ClusteringComparator, c: &[Vec<u8>]) -> bool {
        match cmp.compare_prefix(c, &self.prefix) {
            Ordering::Greater => true,
            Ordering::Equal => self.inclusive,
            Ordering::Less => false,
        }
    }

    /// Whether clustering `c` lies at or before this bound used as an end.
    pub fn admits_as_end(&self, cmp: &ClusteringComparator, c: &[Vec<u8>]) -> bool {
        match cmp.compare_prefix(c, &self.prefix) {
            Ordering::Less => true,
            Ordering::Equal => self.inclusive,
            Ordering::Greater => false,
        }
    }
}

/// A range of clusterings `[start, end]` with per-bound inclusivity.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ClusteringSlice {
    pub start: Bound,
    pub end: Bound,
}

impl ClusteringSlice {
    pub const ALL: ClusteringSlice = ClusteringSlice {
        start: Bound::UNBOUNDED,
        end: Bound::UNBOUNDED,
    };

    /// The slice selecting exactly one clustering (or every row under a prefix).
    pub fn exact(clustering: Clustering) -> Self {
        ClusteringSlice {
            start: Bound::inclusive(clustering.clone()),
            end: Bound::inclusive(clustering),
        }
    }

    pub fn contains(&self, cmp: &ClusteringComparator, c: &[Vec<u8>]) -> bool {
        self.start.admits_as_start(cmp, c) && self.end.admits_as_end(cmp, c)
    }
}

/// Deletes every row in a clustering range (`DELETE ... WHERE ck > x`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RangeTombstone {
    pub slice: ClusteringSlice,
    pub deletion: DeletionTime,
}

/// One partition's update as carried by a [`super::Mutation`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PartitionUpdate {
    pub key: Vec<u8>,
    /// Murmur3 token of `key`, computed by the caller.
    pub token: i64,
    pub deletion: DeletionTime,
    pub static_row: Row,
    pub rows: Vec<(Clustering, Row)>,
    pub range_tombstones: Vec<RangeTombstone>,
}

impl PartitionUpdate {
    pub fn new(key: Vec<u8>, token: i64) -> Self {
        PartitionUpdate {
            key,
            token,
            ..PartitionUpdate::default()
        }
    }

    pub fn with_row(mut self, clustering: Clustering, row: Row) -> Self {
        self.rows.push((clustering, row));
        self
    }
}

/// A clustering with its table's comparator, so it can key a `BTreeMap`.
#[derive(Debug, Clone)]
pub struct ClusteringKey {
    pub comparator: Rc<ClusteringComparator>,
    pub values: Clustering,
}

impl PartialEq for ClusteringKey {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for ClusteringKey {}
impl PartialOrd for ClusteringKey {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for ClusteringKey {
    fn cmp(&self, other: &Self) -> Ordering {
        self.comparator.compare(&self.values, &other.values)
    }
}

/// The merged, sorted form of a partition kept by one shard.
#[derive(Debug, Clone)]
pub struct Partition {
    pub key: Vec<u8>,
    pub token: i64,
    pub deletion: DeletionTime,
    pub static_row: Row,
    pub rows: BTreeMap<ClusteringKey, Row>,
    pub range_tombstones: Vec<RangeTombstone>,
    pub comparator: Rc<ClusteringComparator>,
}

impl Partition {
    pub fn empty(key: Vec<u8>, token: i64, comparator: Rc<ClusteringComparator>) -> Self {
        Partition {
            key,
            token,
            deletion: DeletionTime::LIVE,
            static_row: Row::default(),
            rows: BTreeMap::new(),
            range_tombstones: Vec::new(),
            comparator,
        }
    }

    /// No data and no deletion at all (a fresh partition).
    pub fn is_empty(&self) -> bool {
        self.deletion.is_live()
            && self.static_row.is_empty()
            && self.rows.is_empty()
            && self.range_tombstones.is_empty()
    }

    pub fn from_update(update: &PartitionUpdate, comparator: Rc<ClusteringComparator>) -> Self {
        let mut p = Partition::empty(update.key.clone(), update.token, comparator);
        p.apply(update);
        p
    }

    /// Applies an update; returns the change in accounted bytes (may be negative).
    pub fn apply(&mut self, update: &PartitionUpdate) -> isize {
        let before = self.size_bytes_shallow();
        let mut delta = self.apply_partition_level(update);
        for (clustering, row) in &update.rows {
            delta += self.apply_row(Cow::Borrowed(clustering), Cow::Borrowed(row));
        }
        delta + self.size_bytes_shallow() as isize - before as isize
    }

    /// [`Partition::apply`] that moves the update's rows in instead of
    /// copying them (the write path owns its mutation).
    pub fn apply_owned(&mut self, mut update: PartitionUpdate) -> isize {
        let before = self.size_bytes_shallow();
        let mut delta = self.apply_partition_level(&update);
        for (clustering, row) in std::mem::take(&mut update.rows) {
            delta += self.apply_row(Cow::Owned(clustering), Cow::Owned(row));
        }
        delta + self.size_bytes_shallow() as isize - before as isize
    }

    /// The partition deletion, static row and range tombstones of `update`;
    /// returns the change in accounted row bytes.
    fn apply_partition_level(&mut self, update: &PartitionUpdate) -> isize {
        let mut delta: isize = 0;
        if update.deletion.supersedes(&self.deletion) {
            self.deletion = update.deletion;
            let deletion = self.deletion;
            let mut removed = 0usize;
            self.rows.retain(|key, row| {
                let old = row.size_bytes();
                row.drop_shadowed(deletion);
                if row.is_empty() {
                    removed += old + key_size_bytes(&key.values);
                    false
                } else {
                    removed += old - row.size_bytes();
                    true
                }
            });
            delta -= removed as isize;
            let old = self.static_row.size_bytes();
            self.static_row.drop_shadowed(deletion);
            delta -= old as isize - self.static_row.size_bytes() as isize;
            self.range_tombstones
                .retain(|rt| !deletion.deletes(rt.deletion.marked_for_delete_at_us));
        }
        if !update.static_row.is_empty() {
            let old = self.static_row.size_bytes();
            self.static_row.merge_from(&update.static_row);
            self.static_row.drop_shadowed(self.deletion);
            delta += self.static_row.size_bytes() as isize - old as isize;
        }
        for rt in &update.range_tombstones {
            if !self.deletion.deletes(rt.deletion.marked_for_delete_at_us)
                && !self.range_tombstones.contains(rt)
            {
                self.range_tombstones.push(rt.clone());
                delta -= self.drop_rows_shadowed_by(rt) as isize;
            }
        }
        delta
    }

    fn apply_row(&mut self, clustering: Cow<'_, Clustering>, row: Cow<'_, Row>) -> isize {
        let outer = self.deletion_covering(&clustering);
        let key = ClusteringKey {
            comparator: Rc::clone(&self.comparator),
            values: clustering.into_owned(),
        };
        // One tree descent whether the row exists or not.
        match self.rows.entry(key) {
            Entry::Occupied(mut e) => {
                let existing = e.get_mut();
                let old = existing.size_bytes();
                existing.merge_from(&row);
                existing.drop_shadowed(outer);
                let new = existing.size_bytes();
                if existing.is_empty() {
                    let key_bytes = key_size_bytes(&e.key().values);
                    e.remove();
                    return -((old + key_bytes) as isize);
                }
                new as isize - old as isize
            }
            Entry::Vacant(e) => {
                let mut row = row.into_owned();
                row.drop_shadowed(outer);
                if row.is_empty() {
                    return 0;
                }
                let size = row.size_bytes() + key_size_bytes(&e.key().values);
                e.insert(row);
                size as isize
            }
        }
    }

    /// Drops what a newly added range tombstone shadows in existing rows, so
    /// that purging the tombstone later cannot resurrect it. Returns bytes freed.
    fn drop_rows_shadowed_by(&mut self, rt: &RangeTombstone) -> usize {
        let comparator = Rc::clone(&self.comparator);
        let mut freed = 0usize;
        self.rows.retain(|key, row| {
            if !rt.slice.contains(&comparator, &key.values) {
                return true;
            }
            let old = row.size_bytes();
            row.drop_shadowed(rt.deletion);
            if row.is_empty() {
                freed += old + key_size_bytes(&key.values);
                false
            } else {
                freed += old - row.size_bytes();
                true
            }
        });
        freed
    }

    /// The strongest partition or range deletion covering `clustering`.
    pub fn deletion_covering(&self, clustering: &[Vec<u8>]) -> DeletionTime {
        let mut deletion = self.deletion;
        for rt in &self.range_tombstones {
            if rt.slice.contains(&self.comparator, clustering) {
                deletion = deletion.max(rt.deletion);
            }
        }
        deletion
    }

    /// Merges another partition (same key) into this one.
    pub fn merge_from(&mut self, other: &Partition) {
        if self.is_empty() {
            // The first source of a read: `other` is already merged and
            // purged of what its deletions shadow, so a copy is the merge
            // (a bulk tree clone instead of one insertion per row).
            self.deletion = other.deletion;
            self.static_row = other.static_row.clone();
            self.rows = other.rows.clone();
            self.range_tombstones = other.range_tombstones.clone();
            return;
        }
        let update = PartitionUpdate {
            key: other.key.clone(),
            token: other.token,
            deletion: other.deletion,
            static_row: other.static_row.clone(),
            rows: Vec::new(),
            range_tombstones: other.range_tombstones.clone(),
        };
        self.apply(&update);
        for (key, row) in &other.rows {
            self.apply_row(Cow::Borrowed(&key.values), Cow::Borrowed(row));
        }
    }

    /// Oldest timestamp of any datum or deletion (`i64::MAX` when empty).
    pub fn min_timestamp_us(&self) -> i64 {
        let mut min = i64::MAX;
        let mut f = |t: i64| min = min.min(t);
        if !self.deletion.is_live() {
            f(self.deletion.marked_for_delete_at_us);
        }
        for rt in &self.range_tombstones {
            f(rt.deletion.marked_for_delete_at_us);
        }
        self.static_row.for_each_timestamp(&mut f);
        for row in self.rows.values() {
            row.for_each_timestamp(&mut f);
        }
        min
    }

    /// Converts back to the `Send` form (rows in clustering order).
    pub fn to_update(&self) -> PartitionUpdate {
        PartitionUpdate {
            key: self.key.clone(),
            token: self.token,
            deletion: self.deletion,
            static_row: self.static_row.clone(),
            rows: self
                .rows
                .iter()
                .map(|(k, r)| (k.values.clone(), r.clone()))
                .collect(),
            range_tombstones: self.range_tombstones.clone(),
        }
    }

    /// Size of everything except rows (rows are tracked incrementally).
    fn size_bytes_shallow(&self) -> usize {
        let rts: usize = self
            .range_tombstones
            .iter()
            .map(|rt| {
                std::mem::size_of::<RangeTombstone>()
                    + rt.slice.start.prefix.iter().map(Vec::len).sum::<usize>()
                    + rt.slice.end.prefix.iter().map(Vec::len).sum::<usize>()
            })
            .sum();
        std::mem::size_of::<Partition>() + self.key.len() + rts
    }

    /// Exact accounted size, recomputed from scratch (used to check accounting).
    pub fn size_bytes(&self) -> usize {
        let rows: usize = self
            .rows
            .iter()
            .map(|(k, r)| r.size_bytes() + key_size_bytes(&k.values))
            .sum();
        self.size_bytes_shallow() + self.static_row.size_bytes() + rows
    }
}

/// Accounted bytes of a row's clustering key plus its map entry.
fn key_size_bytes(clustering: &[Vec<u8>]) -> usize {
    clustering.iter().map(|v| v.len() + 24).sum::<usize>() + 48
}
