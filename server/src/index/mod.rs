//! Secondary indexes (legacy and SAI-style) of a shard's data.

pub mod hnsw;
pub mod manager;
pub mod secondary;
pub mod similarity;

pub use manager::{index_column, IndexManager};
pub use secondary::{RowKey, Target};
