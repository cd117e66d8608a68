//! Compaction of one table's SSTables on its shard.
//!
//! * [`strategy`] parses the table's `compaction` options (Cassandra's class
//!   and option names) into a [`Strategy`] that picks the next task among
//!   SSTable descriptions: [`size_tiered`], [`leveled`], [`time_window`].
//! * [`runner`] executes a task: streaming merge, purge ([`purge`]), outputs
//!   split by size, atomic swap, fully-expired SSTable drop.
//! * [`txn`] is the crash-safety log; [`throttle`] the shard's MB/s cap.
//!
//! The engine runs one background compaction at a time per shard, after
//! flushes, so compaction never holds locks that reads or writes need.

pub mod leveled;
pub mod purge;
pub mod runner;
pub mod size_tiered;
pub mod strategy;
pub mod throttle;
pub mod time_window;
pub mod txn;

pub use purge::{PurgeRule, purge};
pub use strategy::{CompactionTask, SSTableInfo, Strategy};
pub use throttle::Throttle;
