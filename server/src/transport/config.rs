//! Limits and ports of the native transport (cassandra.yaml names in docs).

use std::net::SocketAddr;

#[derive(Debug, Clone)]
pub struct TransportConfig {
    /// `native_transport_port` (9042) on `rpc_address`.
    pub address: SocketAddr,
    /// `native_shard_aware_transport_port` (19042); `None` disables it.
    pub shard_aware_address: Option<SocketAddr>,
    /// `native_transport_max_frame_size_in_mb`, in bytes (default 256 MiB).
    pub max_frame_size_bytes: usize,
    /// Requests executing at once on one connection; past it the connection
    /// stops reading (`native_transport_max_requests_per_connection`).
    pub max_in_flight_per_connection: usize,
    /// Encoded responses waiting for the socket before reading pauses.
    pub max_pending_output_bytes: usize,
    /// Connections one shard serves at once; more are closed at accept.
    pub max_connections_per_shard: usize,
    /// How long shutdown waits for in-flight requests.
    pub drain_timeout_ms: u64,
}

impl TransportConfig {
    pub fn new(address: SocketAddr, shard_aware_address: Option<SocketAddr>) -> Self {
        Self {
            address,
            shard_aware_address,
            max_frame_size_bytes: 256 << 20,
            max_in_flight_per_connection: 1024,
            max_pending_output_bytes: 16 << 20,
            max_connections_per_shard: 8192,
            drain_timeout_ms: 10_000,
        }
    }
}
