//! Connecting with the `scylla` driver: token- and shard-aware load balancing
//! (the driver's default policy), consistency from `cl=`, credentials and
//! pool size from `-mode`, no driver-side retries (`-errors retries=` decides).

use std::num::NonZeroUsize;
use std::sync::Arc;
use std::time::Duration;

use scylla::client::PoolSize;
use scylla::client::execution_profile::ExecutionProfile;
use scylla::client::session::Session;
use scylla::client::session_builder::SessionBuilder;
use scylla::policies::retry::FallthroughRetryPolicy;
use scylla::statement::Consistency;

use crate::cli::{ConsistencyName, Settings};
use crate::error::StressError;

/// The driver's request timeout; an operation slower than this counts as a
/// `client_timeout` error with its full latency recorded.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(12);

pub fn consistency(name: ConsistencyName) -> Consistency {
    match name {
        ConsistencyName::Any => Consistency::Any,
        ConsistencyName::One => Consistency::One,
        ConsistencyName::Two => Consistency::Two,
        ConsistencyName::Three => Consistency::Three,
        ConsistencyName::Quorum => Consistency::Quorum,
        ConsistencyName::All => Consistency::All,
        ConsistencyName::LocalQuorum => Consistency::LocalQuorum,
        ConsistencyName::EachQuorum => Consistency::EachQuorum,
        ConsistencyName::LocalOne => Consistency::LocalOne,
    }
}

fn contact_point(node: &str, port: u16) -> String {
    let has_port = node
        .rsplit_once(':')
        .is_some_and(|(host, p)| !host.contains(':') && p.parse::<u16>().is_ok());
    if has_port {
        node.to_owned()
    } else {
        format!("{node}:{port}")
    }
}

pub async fn connect(settings: &Settings) -> Result<Session, StressError> {
    let mut builder = SessionBuilder::new();
    for node in &settings.nodes {
        builder = builder.known_node(contact_point(node, settings.port));
    }
    if let (Some(user), Some(password)) = (&settings.mode.user, &settings.mode.password) {
        builder = builder.user(user, password);
    }
    if let Some(n) = settings
        .mode
        .connections_per_host
        .and_then(|n| NonZeroUsize::new(n as usize))
    {
        builder = builder.pool_size(PoolSize::PerHost(n));
    }
    let profile = ExecutionProfile::builder()
        .consistency(consistency(settings.consistency))
        .request_timeout(Some(REQUEST_TIMEOUT))
        .retry_policy(Arc::new(FallthroughRetryPolicy::new()))
        .build();
    builder
        .default_execution_profile_handle(profile.into_handle())
        .build()
        .await
        .map_err(|e| StressError::Connect(e.to_string()))
}
