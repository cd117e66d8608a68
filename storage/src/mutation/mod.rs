//! The mutation model: what a write carries and how versions of the same data
//! reconcile, following Cassandra's semantics exactly.
//!
//! A [`Mutation`] is one table's update of one partition. It is plain `Send` data
//! so that the coordinator can build it on any shard and hand it to the owner;
//! once applied it belongs to the shard that owns the token.

pub mod cell;
pub mod codec;
pub mod partition;
pub mod row;

pub use cell::{Cell, CellValue, CounterContext, CounterShard, NO_DELETION_TIME, NO_TTL};
pub use partition::{
    Bound, Clustering, ClusteringKey, ClusteringSlice, Partition, PartitionUpdate, RangeTombstone,
};
pub use row::{ColumnData, ComplexColumn, Row};

use crate::schema::TableId;

/// A deletion: everything written at or before `marked_for_delete_at_us` is shadowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DeletionTime {
    pub marked_for_delete_at_us: i64,
    /// When the deletion happened (seconds), for gc_grace purging.
    pub local_deletion_time_s: i64,
}

impl DeletionTime {
    pub const LIVE: DeletionTime = DeletionTime {
        marked_for_delete_at_us: i64::MIN,
        local_deletion_time_s: NO_DELETION_TIME,
    };

    pub fn new(marked_for_delete_at_us: i64, local_deletion_time_s: i64) -> Self {
        DeletionTime {
            marked_for_delete_at_us,
            local_deletion_time_s,
        }
    }

    pub fn is_live(&self) -> bool {
        self.marked_for_delete_at_us == i64::MIN
    }

    /// Cassandra's `DeletionTime.supersedes`.
    pub fn supersedes(&self, other: &DeletionTime) -> bool {
        self.marked_for_delete_at_us > other.marked_for_delete_at_us
            || (self.marked_for_delete_at_us == other.marked_for_delete_at_us
                && self.local_deletion_time_s > other.local_deletion_time_s)
    }

    pub fn max(self, other: DeletionTime) -> DeletionTime {
        if other.supersedes(&self) { other } else { self }
    }

    /// Whether data written at `timestamp_us` is shadowed by this deletion.
    pub fn deletes(&self, timestamp_us: i64) -> bool {
        !self.is_live() && timestamp_us <= self.marked_for_delete_at_us
    }
}

impl Default for DeletionTime {
    fn default() -> Self {
        DeletionTime::LIVE
    }
}

/// A row marker (primary key liveness): makes an INSERTed row exist without cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LivenessInfo {
    pub timestamp_us: i64,
    pub ttl_seconds: u32,
    /// Expiry second when `ttl_seconds` is non-zero, else [`NO_DELETION_TIME`].
    pub local_expiration_time_s: i64,
}

impl LivenessInfo {
    pub fn new(timestamp_us: i64) -> Self {
        LivenessInfo {
            timestamp_us,
            ttl_seconds: NO_TTL,
            local_expiration_time_s: NO_DELETION_TIME,
        }
    }

    pub fn expiring(timestamp_us: i64, ttl_seconds: u32, now_s: i64) -> Self {
        LivenessInfo {
            timestamp_us,
            ttl_seconds,
            local_expiration_time_s: now_s.saturating_add(i64::from(ttl_seconds)),
        }
    }

    pub fn is_expiring(&self) -> bool {
        self.ttl_seconds != NO_TTL
    }

    pub fn is_live(&self, now_s: i64) -> bool {
        !self.is_expiring() || now_s < self.local_expiration_time_s
    }

    /// Cassandra's `LivenessInfo.supersedes`.
    pub fn supersedes(&self, other: &LivenessInfo) -> bool {
        if self.timestamp_us != other.timestamp_us {
            return self.timestamp_us > other.timestamp_us;
        }
        if self.is_expiring() == other.is_expiring() {
            return self.local_expiration_time_s > other.local_expiration_time_s;
        }
        self.is_expiring()
    }
}

/// One table's update of one partition: the unit of the write path.
#[derive(Debug, Clone, PartialEq)]
pub struct Mutation {
    pub table_id: TableId,
    pub update: PartitionUpdate,
}

impl Mutation {
    pub fn new(table_id: TableId, update: PartitionUpdate) -> Self {
        Mutation { table_id, update }
    }
}
