//! Secondary indexes (legacy and SAI-style) of a shard's data.

pub mod manager;
pub mod secondary;

pub use manager::{index_column, IndexManager};
pub use secondary::{RowKey, Target};
