//! Per-partition locks on the owning shard, for the read-check-write of
//! lightweight transactions and counter updates: two of them on the same
//! partition run one after the other; different partitions never wait.
//!
//! Shard-local (no atomics): only the owning shard ever takes a partition's
//! lock. Entries are removed when the last holder leaves, so the map is
//! bounded by the number of partitions being updated at once.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use glommio::sync::Semaphore;

type Key = (u64, Vec<u8>);

#[derive(Default)]
pub struct PartitionLocks {
    locks: RefCell<HashMap<Key, (Rc<Semaphore>, usize)>>,
}

impl std::fmt::Debug for PartitionLocks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PartitionLocks")
            .field("held", &self.locks.borrow().len())
            .finish()
    }
}

/// Holds a partition's lock until dropped.
#[allow(missing_debug_implementations)]
pub struct PartitionGuard<'a> {
    locks: &'a PartitionLocks,
    key: Key,
    semaphore: Rc<Semaphore>,
}

impl PartitionLocks {
    /// Waits for and takes the lock of `key` in table `table_id`.
    pub async fn lock(&self, table_id: u64, key: &[u8]) -> PartitionGuard<'_> {
        let key = (table_id, key.to_vec());
        let semaphore = {
            let mut locks = self.locks.borrow_mut();
            let entry = locks
                .entry(key.clone())
                .or_insert_with(|| (Rc::new(Semaphore::new(1)), 0));
            entry.1 += 1;
            entry.0.clone()
        };
        // A closed semaphore is impossible here (nobody closes it); acquiring
        // then only fails if it were, in which case we proceed unlocked.
        if let Ok(()) = semaphore.acquire(1).await {}
        PartitionGuard {
            locks: self,
            key,
            semaphore,
        }
    }
}

impl Drop for PartitionGuard<'_> {
    fn drop(&mut self) {
        self.semaphore.signal(1);
        let mut locks = self.locks.locks.borrow_mut();
        if let Some(entry) = locks.get_mut(&self.key) {
            entry.1 -= 1;
            if entry.1 == 0 {
                locks.remove(&self.key);
            }
        }
    }
}
