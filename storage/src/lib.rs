//! One shard's data: mutation model, commitlog, memtables, SSTables, compaction
//! and the I/O layer.
//!
//! Everything here is owned by exactly one shard (one glommio executor pinned to
//! one core): types use `Rc`/`RefCell`, never locks or atomics on the data path.
//! Only [`mutation::Mutation`], [`query::ReadCommand`] and results are `Send`, so
//! the server can move them between shards. This crate knows nothing of CQL
//! syntax or sockets (DESIGN.md §4, §6).

#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod error;
pub mod mutation;
pub mod query;
pub mod schema;

pub use error::{Result, StorageError};
pub mod cache;
pub mod commitlog;
pub mod compaction;
pub mod engine;
pub mod io;
pub mod memtable;
pub mod sstable;
pub mod testing;
