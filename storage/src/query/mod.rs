//! Reads: what the server asks of a shard ([`ReadCommand`]) and what it gets
//! back ([`ReadResult`]). Results contain live data only, already reconciled,
//! with deletions and expired TTLs applied as of `now_s`; cells keep their
//! timestamp and TTL so the server can answer `writetime()` and `ttl()`.

pub mod filter;

use crate::mutation::{Clustering, ClusteringSlice, Row};
use crate::schema::{ColumnId, TableId};

/// Which partitions a read touches.
#[derive(Debug, Clone, PartialEq)]
pub enum PartitionSelection {
    /// One partition by key (token computed by the server).
    Single { key: Vec<u8>, token: i64 },
    /// All partitions whose token lies in the range, in ring order.
    TokenRange(TokenRange),
}

/// A token range with per-end inclusivity (Cassandra's `(start, end]` is
/// `start_inclusive: false, end_inclusive: true`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenRange {
    pub start: i64,
    pub start_inclusive: bool,
    pub end: i64,
    pub end_inclusive: bool,
}

impl TokenRange {
    pub const FULL: TokenRange = TokenRange {
        start: i64::MIN,
        start_inclusive: true,
        end: i64::MAX,
        end_inclusive: true,
    };

    pub fn contains(&self, token: i64) -> bool {
        let after_start = token > self.start || (self.start_inclusive && token == self.start);
        let before_end = token < self.end || (self.end_inclusive && token == self.end);
        after_start && before_end
    }
}

/// Where the previous page stopped: the last partition returned and, when the
/// page ended inside it, the last clustering returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PagingPosition {
    pub token: i64,
    pub key: Vec<u8>,
    /// `None`: the partition was finished; continue with the next one.
    pub last_clustering: Option<Clustering>,
    /// Rows still allowed in that partition under the per-partition limit.
    pub remaining_in_partition: u32,
}

/// A read of one table on one shard.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadCommand {
    pub table_id: TableId,
    pub selection: PartitionSelection,
    /// Clustering slices in clustering order; empty means all rows.
    pub slices: Vec<ClusteringSlice>,
    /// Return rows in reverse clustering order (`ORDER BY ... DESC` against the table's order).
    pub reversed: bool,
    /// Columns to return; `None` returns every column.
    pub columns: Option<Vec<ColumnId>>,
    /// Maximum rows in the whole result (`LIMIT` or page size).
    pub row_limit: u32,
    /// `PER PARTITION LIMIT`.
    pub per_partition_limit: u32,
    pub paging: Option<PagingPosition>,
    /// Current time in seconds, for TTL expiry.
    pub now_s: i64,
}

impl ReadCommand {
    /// A read of a whole single partition with no limits.
    pub fn single_partition(table_id: TableId, key: Vec<u8>, token: i64, now_s: i64) -> Self {
        ReadCommand {
            table_id,
            selection: PartitionSelection::Single { key, token },
            slices: Vec::new(),
            reversed: false,
            columns: None,
            row_limit: u32::MAX,
            per_partition_limit: u32::MAX,
            paging: None,
            now_s,
        }
    }

    /// A token-range scan with no limits.
    pub fn range(table_id: TableId, range: TokenRange, now_s: i64) -> Self {
        ReadCommand {
            selection: PartitionSelection::TokenRange(range),
            ..ReadCommand::single_partition(table_id, Vec::new(), 0, now_s)
        }
    }
}

/// One returned row: clustering plus the live marker and cells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultRow {
    pub clustering: Clustering,
    pub row: Row,
}

/// One returned partition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultPartition {
    pub key: Vec<u8>,
    pub token: i64,
    /// Live static cells, if any.
    pub static_row: Option<Row>,
    pub rows: Vec<ResultRow>,
}

/// The answer to a [`ReadCommand`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReadResult {
    pub partitions: Vec<ResultPartition>,
    /// Set when a limit stopped the read: pass it back to continue.
    pub next_page: Option<PagingPosition>,
}
