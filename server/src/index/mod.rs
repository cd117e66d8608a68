//! Secondary indexes (legacy and SAI-style) of a shard's data.

pub mod hnsw;
pub mod manager;
pub mod secondary;
pub mod similarity;

pub use manager::{IndexManager, index_column};
pub use secondary::{IndexedRow, RowKey, Target, entry_bytes};
