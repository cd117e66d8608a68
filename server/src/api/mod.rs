//! The REST admin API (DESIGN.md §7) that `sibyl-nodetool` calls, on
//! ScyllaDB's paths, served on `--api-address:--api-port` (127.0.0.1:10000).
//!
//! It runs on its own OS threads ([`http`]), never on a shard: requests
//! become [`control::ControlCommand`]s sent over one bounded queue per shard,
//! which each shard drains with a glommio task ([`control::serve_control`])
//! and answers on the request's own reply channel. Nothing on the data path
//! goes through here. The server stops before the shards do
//! ([`ApiServer::stop`]): in-flight requests are answered 503 and the shards'
//! control tasks end when the queues' senders are gone.

pub mod control;
pub mod http;
pub mod routes;

pub use control::{ShardControl, control_channels, serve_control};

use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ApiError {
    #[error("binding the REST API to {address}: {source}")]
    Bind {
        address: SocketAddr,
        source: std::io::Error,
    },
    #[error("starting the REST API thread: {0}")]
    Thread(std::io::Error),
}

/// The running admin API.
#[derive(Debug)]
pub struct ApiServer {
    address: SocketAddr,
    stop: Arc<AtomicBool>,
    acceptor: Option<JoinHandle<()>>,
}

impl ApiServer {
    /// Binds `address` (port 0 picks a free one) and starts serving.
    pub fn start(address: SocketAddr, control: ShardControl) -> Result<Self, ApiError> {
        let listener =
            TcpListener::bind(address).map_err(|source| ApiError::Bind { address, source })?;
        let address = listener
            .local_addr()
            .map_err(|source| ApiError::Bind { address, source })?;
        let stop = Arc::new(AtomicBool::new(false));
        let router = routes::Router::new(control, stop.clone());
        let acceptor = http::serve(
            listener,
            stop.clone(),
            Arc::new(move |request: &http::Request| router.handle(request)),
        )
        .map_err(ApiError::Thread)?;
        Ok(Self {
            address,
            stop,
            acceptor: Some(acceptor),
        })
    }

    /// The address actually bound.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Stops accepting, answers waiting requests with 503 and joins the
    /// API's threads (bounded by the socket timeouts).
    pub fn stop(mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(acceptor) = self.acceptor.take()
            && acceptor.join().is_err()
        {
            tracing::error!("the REST API thread panicked");
        }
    }
}

impl Drop for ApiServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
    }
}
