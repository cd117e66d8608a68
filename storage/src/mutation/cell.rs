//! Cells and their reconciliation, bit-for-bit Cassandra's `Cells.reconcile`
//! (including CASSANDRA-14592: an expiring cell beats a live one on a timestamp tie).
//!
//! A cell is a tombstone when it has a local deletion time but no TTL, expiring
//! when it has a TTL (its local deletion time is then the expiry second), live
//! otherwise. Owned by whichever shard owns the partition; plain data, `Send`.

use std::cmp::Ordering;

/// Marks a cell or row marker that never expires and is not deleted.
pub const NO_DELETION_TIME: i64 = i64::MAX;
/// TTL value of a cell without a TTL.
pub const NO_TTL: u32 = 0;

/// One shard (origin) of a counter context: Cassandra's local/global shard reduced
/// to its essence. The origin is whoever applied the increments (host + shard).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CounterShard {
    pub origin: u128,
    /// Incremented by the origin on every update; the higher clock wins.
    pub clock: i64,
    pub value: i64,
}

/// A counter value: per-origin shards whose values add up to the counter.
/// Invariant: shards sorted by origin, at most one shard per origin.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct CounterContext {
    pub shards: Vec<CounterShard>,
}

impl CounterContext {
    pub fn single(origin: u128, clock: i64, value: i64) -> Self {
        CounterContext {
            shards: vec![CounterShard {
                origin,
                clock,
                value,
            }],
        }
    }

    /// The counter's value: the sum over origins.
    pub fn total(&self) -> i64 {
        self.shards
            .iter()
            .fold(0i64, |acc, s| acc.wrapping_add(s.value))
    }

    /// Merges two contexts: per origin the higher clock wins (on a clock tie the
    /// larger value, as Cassandra does for conflicting global shards).
    pub fn merge(&self, other: &CounterContext) -> CounterContext {
        let mut shards = Vec::with_capacity(self.shards.len().max(other.shards.len()));
        let (mut i, mut j) = (0, 0);
        loop {
            match (self.shards.get(i), other.shards.get(j)) {
                (Some(a), Some(b)) => match a.origin.cmp(&b.origin) {
                    Ordering::Less => {
                        shards.push(*a);
                        i += 1;
                    }
                    Ordering::Greater => {
                        shards.push(*b);
                        j += 1;
                    }
                    Ordering::Equal => {
                        let winner = if (a.clock, a.value) >= (b.clock, b.value) {
                            a
                        } else {
                            b
                        };
                        shards.push(*winner);
                        i += 1;
                        j += 1;
                    }
                },
                (Some(a), None) => {
                    shards.push(*a);
                    i += 1;
                }
                (None, Some(b)) => {
                    shards.push(*b);
                    j += 1;
                }
                (None, None) => break,
            }
        }
        CounterContext { shards }
    }
}

/// The payload of a cell.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CellValue {
    /// A serialized CQL value (empty for tombstones).
    Bytes(Vec<u8>),
    Counter(CounterContext),
}

/// One column value (or collection element) with its write metadata.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Cell {
    pub timestamp_us: i64,
    pub ttl_seconds: u32,
    /// Expiry second for expiring cells, deletion second for tombstones.
    pub local_deletion_time_s: i64,
    pub value: CellValue,
}

impl Cell {
    pub fn live(timestamp_us: i64, value: Vec<u8>) -> Self {
        Cell {
            timestamp_us,
            ttl_seconds: NO_TTL,
            local_deletion_time_s: NO_DELETION_TIME,
            value: CellValue::Bytes(value),
        }
    }

    /// A cell written at `now_s` that expires `ttl_seconds` later.
    pub fn expiring(timestamp_us: i64, ttl_seconds: u32, now_s: i64, value: Vec<u8>) -> Self {
        Cell {
            timestamp_us,
            ttl_seconds,
            local_deletion_time_s: now_s.saturating_add(i64::from(ttl_seconds)),
            value: CellValue::Bytes(value),
        }
    }

    pub fn tombstone(timestamp_us: i64, now_s: i64) -> Self {
        Cell {
            timestamp_us,
            ttl_seconds: NO_TTL,
            local_deletion_time_s: now_s,
            value: CellValue::Bytes(Vec::new()),
        }
    }

    pub fn counter(timestamp_us: i64, context: CounterContext) -> Self {
        Cell {
            timestamp_us,
            ttl_seconds: NO_TTL,
            local_deletion_time_s: NO_DELETION_TIME,
            value: CellValue::Counter(context),
        }
    }

    pub fn is_tombstone(&self) -> bool {
        self.ttl_seconds == NO_TTL && self.local_deletion_time_s != NO_DELETION_TIME
    }

    pub fn is_expiring(&self) -> bool {
        self.ttl_seconds != NO_TTL
    }

    /// Live at `now_s`: not a tombstone and not past its expiry.
    pub fn is_live(&self, now_s: i64) -> bool {
        !self.is_tombstone() && (!self.is_expiring() || now_s < self.local_deletion_time_s)
    }

    /// The second at which this cell became (or becomes) a tombstone, for gc_grace:
    /// an expired cell counts as deleted when it was written (expiry - ttl), as Cassandra does.
    pub fn deletion_time_for_purge_s(&self) -> Option<i64> {
        if self.is_tombstone() {
            Some(self.local_deletion_time_s)
        } else if self.is_expiring() {
            Some(self.local_deletion_time_s - i64::from(self.ttl_seconds))
        } else {
            None
        }
    }

    /// Converts an expired cell into the tombstone it has become.
    pub fn expired_to_tombstone(&self, now_s: i64) -> Option<Cell> {
        if self.is_expiring() && now_s >= self.local_deletion_time_s {
            Some(Cell {
                timestamp_us: self.timestamp_us,
                ttl_seconds: NO_TTL,
                local_deletion_time_s: self.local_deletion_time_s - i64::from(self.ttl_seconds),
                value: CellValue::Bytes(Vec::new()),
            })
        } else {
            None
        }
    }

    /// Heap plus inline bytes, for memtable accounting.
    pub fn size_bytes(&self) -> usize {
        std::mem::size_of::<Cell>()
            + match &self.value {
                CellValue::Bytes(b) => b.len(),
                CellValue::Counter(c) => c.shards.len() * std::mem::size_of::<CounterShard>(),
            }
    }
}

/// Reconciles two versions of the same cell; returns the survivor.
pub fn reconcile(left: &Cell, right: &Cell) -> Cell {
    let left_counter = matches!(left.value, CellValue::Counter(_));
    let right_counter = matches!(right.value, CellValue::Counter(_));
    if left_counter || right_counter {
        return reconcile_counter(left, right);
    }
    if reconcile_prefers_left(left, right) {
        left.clone()
    } else {
        right.clone()
    }
}

/// Cassandra's `Cells.resolveRegular` as a predicate.
pub fn reconcile_prefers_left(left: &Cell, right: &Cell) -> bool {
    if left.timestamp_us != right.timestamp_us {
        return left.timestamp_us > right.timestamp_us;
    }
    let left_dead_or_expiring = left.local_deletion_time_s != NO_DELETION_TIME;
    let right_dead_or_expiring = right.local_deletion_time_s != NO_DELETION_TIME;
    if left_dead_or_expiring || right_dead_or_expiring {
        if left_dead_or_expiring != right_dead_or_expiring {
            return left_dead_or_expiring;
        }
        let left_tombstone = !left.is_expiring();
        let right_tombstone = !right.is_expiring();
        if left_tombstone != right_tombstone {
            return left_tombstone;
        }
        if left.local_deletion_time_s != right.local_deletion_time_s {
            return left.local_deletion_time_s > right.local_deletion_time_s;
        }
    }
    compare_values(&left.value, &right.value) != Ordering::Less
}

fn compare_values(a: &CellValue, b: &CellValue) -> Ordering {
    match (a, b) {
        (CellValue::Bytes(x), CellValue::Bytes(y)) => x.cmp(y),
        (CellValue::Counter(x), CellValue::Counter(y)) => x.total().cmp(&y.total()),
        (CellValue::Bytes(_), CellValue::Counter(_)) => Ordering::Less,
        (CellValue::Counter(_), CellValue::Bytes(_)) => Ordering::Greater,
    }
}

/// Counters: a tombstone always wins whatever its timestamp (CASSANDRA-7346,
/// a deleted counter cannot come back); two live counters merge their contexts.
fn reconcile_counter(left: &Cell, right: &Cell) -> Cell {
    match (left.is_tombstone(), right.is_tombstone()) {
        (true, true) => {
            if reconcile_prefers_left(left, right) {
                left.clone()
            } else {
                right.clone()
            }
        }
        (true, false) => left.clone(),
        (false, true) => right.clone(),
        (false, false) => match (&left.value, &right.value) {
            (CellValue::Counter(a), CellValue::Counter(b)) => Cell {
                timestamp_us: left.timestamp_us.max(right.timestamp_us),
                ttl_seconds: NO_TTL,
                local_deletion_time_s: NO_DELETION_TIME,
                value: CellValue::Counter(a.merge(b)),
            },
            _ => {
                if reconcile_prefers_left(left, right) {
                    left.clone()
                } else {
                    right.clone()
                }
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn higher_timestamp_wins() {
        let a = Cell::live(2, b"a".to_vec());
        let b = Cell::tombstone(1, 100);
        assert_eq!(reconcile(&a, &b), a);
        assert_eq!(reconcile(&b, &a), a);
    }

    #[test]
    fn tie_tombstone_beats_live_and_expiring() {
        let live = Cell::live(5, b"z".to_vec());
        let expiring = Cell::expiring(5, 10, 100, b"a".to_vec());
        let tomb = Cell::tombstone(5, 50);
        assert_eq!(reconcile(&live, &tomb), tomb);
        assert_eq!(reconcile(&expiring, &tomb), tomb);
        assert_eq!(reconcile(&live, &expiring), expiring);
        assert_eq!(reconcile(&expiring, &live), expiring);
    }

    #[test]
    fn tie_between_live_cells_greater_value_wins() {
        let a = Cell::live(5, b"b".to_vec());
        let b = Cell::live(5, b"a".to_vec());
        assert_eq!(reconcile(&a, &b), a);
        assert_eq!(reconcile(&b, &a), a);
    }

    #[test]
    fn tie_between_expiring_cells_later_expiry_wins() {
        let a = Cell::expiring(5, 10, 100, b"a".to_vec());
        let b = Cell::expiring(5, 20, 100, b"0".to_vec());
        assert_eq!(reconcile(&a, &b), b);
    }

    #[test]
    fn counter_tombstone_wins_regardless_of_timestamp() {
        let c = Cell::counter(100, CounterContext::single(1, 1, 5));
        let t = Cell::tombstone(1, 10);
        assert_eq!(reconcile(&c, &t), t);
    }

    #[test]
    fn counters_merge_per_origin() {
        let a = Cell::counter(1, CounterContext::single(1, 3, 10));
        let b = Cell::counter(2, CounterContext::single(1, 2, 7));
        let c = Cell::counter(3, CounterContext::single(2, 1, 5));
        let merged = reconcile(&reconcile(&a, &b), &c);
        match merged.value {
            CellValue::Counter(ctx) => assert_eq!(ctx.total(), 15),
            CellValue::Bytes(_) => panic!("expected a counter"),
        }
        assert_eq!(merged.timestamp_us, 3);
    }

    #[test]
    fn expired_cell_becomes_tombstone_at_write_time() {
        let c = Cell::expiring(5, 10, 100, b"v".to_vec());
        assert!(c.is_live(109));
        assert!(!c.is_live(110));
        let t = c.expired_to_tombstone(110).expect("expired");
        assert!(t.is_tombstone());
        assert_eq!(t.local_deletion_time_s, 100);
    }
}
