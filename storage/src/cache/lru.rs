//! A byte-bounded least-recently-used map: the eviction policy of the block
//! cache. Entries live in a slab (`Vec` of slots with a free list) linked
//! into a doubly linked recency list by slot index, so a hit or an insert
//! moves no memory and allocates nothing once the slab has grown. Keys are
//! kept in a `BTreeMap` so that every entry of one file can be removed by a
//! range walk (invalidation when an SSTable is deleted).
//!
//! Invariant: `size_bytes` is the sum of the charges of the live entries and
//! never exceeds `capacity_bytes` after an operation returns.

use std::collections::BTreeMap;
use std::ops::RangeInclusive;

const NIL: usize = usize::MAX;

#[derive(Debug)]
struct Slot<K, V> {
    key: K,
    value: Option<V>,
    charge_bytes: usize,
    /// Towards the most recently used end.
    prev: usize,
    /// Towards the least recently used end.
    next: usize,
}

/// A map whose entries are evicted least recently used first once the sum of
/// their charges would exceed the capacity.
#[derive(Debug)]
pub struct Lru<K, V> {
    map: BTreeMap<K, usize>,
    slots: Vec<Slot<K, V>>,
    free: Vec<usize>,
    /// Most recently used.
    head: usize,
    /// Least recently used: the next victim.
    tail: usize,
    size_bytes: usize,
    capacity_bytes: usize,
}

/// What an insert did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Inserted {
    /// The entry is in the map (false when its charge exceeds the capacity).
    pub stored: bool,
    /// Entries evicted to make room.
    pub evicted: usize,
}

impl<K: Ord + Copy, V> Lru<K, V> {
    pub fn new(capacity_bytes: usize) -> Self {
        Lru {
            map: BTreeMap::new(),
            slots: Vec::new(),
            free: Vec::new(),
            head: NIL,
            tail: NIL,
            size_bytes: 0,
            capacity_bytes,
        }
    }

    pub fn capacity_bytes(&self) -> usize {
        self.capacity_bytes
    }

    pub fn size_bytes(&self) -> usize {
        self.size_bytes
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Looks `key` up and marks it most recently used.
    pub fn get(&mut self, key: &K) -> Option<&V> {
        let slot = *self.map.get(key)?;
        self.unlink(slot);
        self.push_front(slot);
        self.slots.get(slot).and_then(|s| s.value.as_ref())
    }

    /// Inserts (or replaces) `key`, evicting least recently used entries until
    /// it fits. An entry larger than the whole capacity is not stored.
    pub fn insert(&mut self, key: K, value: V, charge_bytes: usize) -> Inserted {
        self.remove(&key);
        if charge_bytes > self.capacity_bytes {
            return Inserted::default();
        }
        let mut evicted = 0;
        while self.size_bytes + charge_bytes > self.capacity_bytes && self.tail != NIL {
            let victim = self.tail;
            self.remove_slot(victim);
            evicted += 1;
        }
        let slot = Slot {
            key,
            value: Some(value),
            charge_bytes,
            prev: NIL,
            next: NIL,
        };
        let index = match self.free.pop() {
            Some(i) => {
                if let Some(s) = self.slots.get_mut(i) {
                    *s = slot;
                }
                i
            }
            None => {
                self.slots.push(slot);
                self.slots.len() - 1
            }
        };
        self.map.insert(key, index);
        self.push_front(index);
        self.size_bytes += charge_bytes;
        Inserted {
            stored: true,
            evicted,
        }
    }

    /// Removes `key`; returns whether it was present.
    pub fn remove(&mut self, key: &K) -> bool {
        match self.map.get(key) {
            Some(&slot) => {
                self.remove_slot(slot);
                true
            }
            None => false,
        }
    }

    /// Removes every key in `range`; returns how many were removed.
    pub fn remove_range(&mut self, range: RangeInclusive<K>) -> usize {
        let slots: Vec<usize> = self.map.range(range).map(|(_, s)| *s).collect();
        for &slot in &slots {
            self.remove_slot(slot);
        }
        slots.len()
    }

    /// Keys from least to most recently used (tests and diagnostics).
    pub fn keys_lru_first(&self) -> Vec<K> {
        let mut out = Vec::with_capacity(self.map.len());
        let mut at = self.tail;
        while let Some(s) = self.slots.get(at) {
            out.push(s.key);
            at = s.prev;
        }
        out
    }

    fn remove_slot(&mut self, slot: usize) {
        self.unlink(slot);
        let Some(s) = self.slots.get_mut(slot) else {
            return;
        };
        s.value = None;
        self.size_bytes -= s.charge_bytes;
        s.charge_bytes = 0;
        let key = s.key;
        self.map.remove(&key);
        self.free.push(slot);
    }

    fn unlink(&mut self, slot: usize) {
        let Some(s) = self.slots.get(slot) else {
            return;
        };
        let (prev, next) = (s.prev, s.next);
        match self.slots.get_mut(prev) {
            Some(p) => p.next = next,
            None => self.head = next,
        }
        match self.slots.get_mut(next) {
            Some(n) => n.prev = prev,
            None => self.tail = prev,
        }
        if let Some(s) = self.slots.get_mut(slot) {
            s.prev = NIL;
            s.next = NIL;
        }
    }

    fn push_front(&mut self, slot: usize) {
        let old_head = self.head;
        if let Some(s) = self.slots.get_mut(slot) {
            s.prev = NIL;
            s.next = old_head;
        }
        match self.slots.get_mut(old_head) {
            Some(h) => h.prev = slot,
            None => self.tail = slot,
        }
        self.head = slot;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evicts_least_recently_used_first() {
        let mut lru = Lru::new(30);
        lru.insert(1u32, "a", 10);
        lru.insert(2, "b", 10);
        lru.insert(3, "c", 10);
        assert_eq!(lru.get(&1), Some(&"a"));
        // 2 is now the least recently used.
        let ins = lru.insert(4, "d", 10);
        assert_eq!(ins.evicted, 1);
        assert!(lru.get(&2).is_none());
        assert_eq!(lru.keys_lru_first(), vec![3, 1, 4]);
        assert_eq!(lru.size_bytes(), 30);
    }

    #[test]
    fn large_entry_evicts_several_and_oversized_is_refused() {
        let mut lru = Lru::new(30);
        for k in 0..3u32 {
            lru.insert(k, k, 10);
        }
        let ins = lru.insert(9, 9, 25);
        assert_eq!((ins.stored, ins.evicted), (true, 3));
        assert_eq!(lru.len(), 1);
        let ins = lru.insert(10, 10, 31);
        assert!(!ins.stored);
        assert_eq!(lru.size_bytes(), 25);
    }

    #[test]
    fn replace_and_range_removal_keep_accounting_exact() {
        let mut lru = Lru::new(100);
        for k in 0..10u32 {
            lru.insert(k, k, 5);
        }
        lru.insert(3, 33, 20);
        assert_eq!(lru.size_bytes(), 9 * 5 + 20);
        assert_eq!(lru.remove_range(2..=5), 4);
        assert_eq!(lru.size_bytes(), 6 * 5);
        assert_eq!(lru.keys_lru_first(), vec![0, 1, 6, 7, 8, 9]);
        // Freed slots are reused.
        lru.insert(50, 50, 5);
        assert!(lru.slots.len() <= 10);
    }

    #[test]
    fn bound_holds_under_churn() {
        let mut lru = Lru::new(1000);
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let key = x % 500;
            if x.is_multiple_of(7) {
                lru.remove_range(key..=key + 10);
            } else if lru.get(&key).is_none() {
                lru.insert(key, key, (x % 200) as usize + 1);
            }
            assert!(lru.size_bytes() <= 1000);
            let sum: usize = lru
                .map
                .values()
                .filter_map(|s| lru.slots.get(*s))
                .map(|s| s.charge_bytes)
                .sum();
            assert_eq!(sum, lru.size_bytes());
            assert_eq!(lru.keys_lru_first().len(), lru.len());
        }
    }
}
