//! The Sibyl node: shard runtime, CQL transport, CQL execution (to come),
//! and everything that makes one process a Cassandra-compatible node.
//!
//! Layout: [`dht`] tokens and sharding, [`shard`] executors and the
//! cross-shard mesh, [`transport`] the native protocol server, [`cql3`] the
//! processor interface, [`node`] startup and shutdown, [`config`] flags.

pub mod api;
pub mod config;
pub mod cql3;
pub mod dht;
pub mod index;
pub mod node;
pub mod replica;
pub mod schema;
pub mod service;
pub mod shard;
pub mod transport;
