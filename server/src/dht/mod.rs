//! Distributed hash table primitives: tokens, the Murmur3 partitioner and the
//! token -> shard mapping. Pure functions; every shard uses them read-only.

mod murmur3;
pub mod sharder;
mod token;

pub use murmur3::murmur3_x64_128;
pub use sharder::Sharder;
pub use token::{
    Token, serialize_partition_key, split_partition_key, token_of_components, token_of_key,
};

/// The partitioner's Java class name, as clients expect to read it.
pub const PARTITIONER_NAME: &str = "org.apache.cassandra.dht.Murmur3Partitioner";
