//! What this node is: names, addresses, identity and tokens. Immutable after
//! startup and shared by every shard (`Arc`).

use std::net::IpAddr;

/// The release we present to clients: starting with "5" makes cqlsh use
/// server-side DESCRIBE, as with Cassandra 5.0.
pub const RELEASE_VERSION: &str = "5.0.0";

#[derive(Debug, Clone)]
pub struct NodeInfo {
    pub cluster_name: String,
    pub data_center: String,
    pub rack: String,
    pub listen_address: IpAddr,
    pub rpc_address: IpAddr,
    pub native_port: u16,
    pub host_id: [u8; 16],
    /// This node's tokens as decimal strings, sorted.
    pub tokens: Vec<i64>,
    pub nr_shards: usize,
}
