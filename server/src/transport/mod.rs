//! The CQL native transport: listeners, connections, and the frame plumbing
//! between sockets and the [`QueryProcessor`](crate::cql3::QueryProcessor).
//!
//! Each shard accepts on the shared port 9042 (SO_REUSEPORT: the kernel picks
//! the shard) and on the shard-aware port 19042, where a connection belongs to
//! shard `source_port % nr_shards` and is handed over if the kernel delivered
//! it elsewhere. A connection lives on one shard from accept to close.

mod config;
mod connection;
mod errors;
mod events;
mod inbox;
mod listener;
mod options;
mod outbox;

pub use config::TransportConfig;
pub use connection::ConnectionStats;
pub use errors::to_error_response;
pub use events::EventRegistry;
pub use listener::{
    BoundListeners, Handoff, ShardListeners, ShardTransport, bind_listeners, serve_shard,
};
pub use options::CQL_VERSION;
