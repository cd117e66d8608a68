//! Starting and stopping a node: bind the CQL ports, start one pinned shard
//! per core, serve until SIGINT/SIGTERM, then shut down gracefully (stop
//! accepting, finish in-flight requests, close connections, join shards).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::config::{NodeConfig, parse_cpuset};
use crate::cql3::NotImplementedProcessor;
use crate::dht::{Sharder, sharder::DEFAULT_IGNORE_MSB};
use crate::shard::runtime::{allowed_cpus, spawn_shard};
use crate::shard::{Mesh, ShardMesh, ShardSpec, StopSignal};
use crate::transport::{Handoff, ShardTransport, TransportConfig, bind_listeners, serve_shard};

/// Messages per shard pair queue.
const MESH_CAPACITY: usize = 4096;

#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    #[error("invalid configuration: {0}")]
    Config(String),
    #[error("{op}: {source}")]
    Io {
        op: &'static str,
        source: std::io::Error,
    },
}

/// A running node's handle for whoever started it.
#[derive(Debug)]
pub struct RunningNode {
    stop_senders: Vec<flume::Sender<()>>,
    handles: Vec<glommio::ExecutorJoinHandle<()>>,
}

impl RunningNode {
    /// Asks every shard to stop and waits for all of them.
    pub fn shutdown(self) {
        for tx in &self.stop_senders {
            let _ = tx.try_send(());
        }
        for handle in self.handles {
            if let Err(e) = handle.join() {
                tracing::error!("shard ended with an error: {e}");
            }
        }
    }
}

fn plan_shards(config: &NodeConfig) -> Result<Vec<ShardSpec>, NodeError> {
    let cpus = match &config.cpuset {
        Some(text) => parse_cpuset(text).map_err(NodeError::Config)?,
        None => allowed_cpus(),
    };
    let nr_shards = config.smp.unwrap_or(cpus.len());
    if nr_shards == 0 {
        return Err(NodeError::Config("--smp must be at least 1".into()));
    }
    if nr_shards > cpus.len() {
        tracing::warn!(
            "--smp {nr_shards} exceeds the {} CPUs available; shards will share cores",
            cpus.len()
        );
    }
    Ok((0..nr_shards)
        .map(|id| ShardSpec {
            id,
            cpu: cpus.get(id % cpus.len().max(1)).copied(),
            idle_poll: Duration::from_micros(config.idle_poll_time_us),
        })
        .collect())
}

/// Starts the node and returns once every shard is accepting connections.
pub fn start(config: &NodeConfig) -> Result<RunningNode, NodeError> {
    let started_at = Instant::now();
    let specs = plan_shards(config)?;
    let nr_shards = specs.len();
    for dir in ["data", "commitlog"] {
        std::fs::create_dir_all(config.workdir.join(dir)).map_err(|source| NodeError::Io {
            op: "creating the workdir",
            source,
        })?;
    }
    let mut transport_config =
        TransportConfig::new(config.native_address(), config.shard_aware_address());
    transport_config.max_frame_size_bytes = config.native_transport_max_frame_size_in_mb << 20;
    transport_config.max_in_flight_per_connection =
        config.native_transport_max_requests_per_connection.max(1);
    let listeners =
        bind_listeners(&mut transport_config, nr_shards).map_err(|source| NodeError::Io {
            op: "binding CQL ports",
            source,
        })?;

    let sharder = Sharder::new(nr_shards, DEFAULT_IGNORE_MSB);
    let mut shard_inputs: Vec<_> = Mesh::build(nr_shards, MESH_CAPACITY)
        .into_iter()
        .zip(Handoff::build(nr_shards))
        .zip(listeners.per_shard)
        .map(|((mesh, handoff), listeners)| Some((mesh, handoff, listeners)))
        .collect();
    let (stop_senders, stop_receivers): (Vec<_>, Vec<_>) =
        (0..nr_shards).map(|_| flume::bounded::<()>(1)).unzip();
    let (ready_tx, ready_rx) = flume::bounded::<usize>(nr_shards);
    let transports_done = Arc::new(AtomicUsize::new(0));

    let mut handles = Vec::with_capacity(nr_shards);
    for (spec, stop_rx) in specs.iter().zip(stop_receivers) {
        let Some((mesh, handoff, listeners)) = shard_inputs.get_mut(spec.id).and_then(Option::take)
        else {
            continue;
        };
        let (ready_tx, transports_done, transport_config) = (
            ready_tx.clone(),
            transports_done.clone(),
            transport_config.clone(),
        );
        let id = spec.id;
        let handle = spawn_shard(*spec, move || async move {
            let stop = StopSignal::new();
            let mesh = ShardMesh::new(mesh);
            let poller = glommio::spawn_local(mesh.clone().run_poller());
            let transport = ShardTransport::new(
                id,
                sharder,
                transport_config,
                NotImplementedProcessor,
                stop.clone(),
            );
            let stopper = stop.clone();
            glommio::spawn_local(async move {
                let _ = stop_rx.recv_async().await;
                stopper.stop();
            })
            .detach();
            let serving = glommio::spawn_local(serve_shard(transport, listeners, handoff));
            let _ = ready_tx.send_async(id).await;
            serving.await;
            // Other shards may still forward work here until they are done
            // too, so the mesh stops only after every transport has.
            transports_done.fetch_add(1, Ordering::AcqRel);
            while transports_done.load(Ordering::Acquire) < nr_shards {
                glommio::timer::sleep(Duration::from_millis(2)).await;
            }
            mesh.stop();
            poller.await;
        })
        .map_err(|source| NodeError::Io {
            op: "starting shards",
            source,
        })?;
        handles.push(handle);
    }
    drop(ready_tx);
    for _ in 0..nr_shards {
        if ready_rx.recv().is_err() {
            return Err(NodeError::Config("a shard failed to start".into()));
        }
    }
    tracing::info!(
        "Sibyl {} started in {} ms: {} shard(s), CQL on {}{}",
        env!("CARGO_PKG_VERSION"),
        started_at.elapsed().as_millis(),
        nr_shards,
        transport_config.address,
        transport_config
            .shard_aware_address
            .map(|a| format!(", shard-aware CQL on {a}"))
            .unwrap_or_default(),
    );
    Ok(RunningNode {
        stop_senders,
        handles,
    })
}

/// Runs a node until SIGINT or SIGTERM.
pub fn run(config: &NodeConfig) -> Result<(), NodeError> {
    let mut signals = signal_hook::iterator::Signals::new([
        signal_hook::consts::SIGINT,
        signal_hook::consts::SIGTERM,
    ])
    .map_err(|source| NodeError::Io {
        op: "installing signal handlers",
        source,
    })?;
    let node = start(config)?;
    if let Some(signal) = signals.forever().next() {
        tracing::info!("signal {signal} received, shutting down");
    }
    node.shutdown();
    tracing::info!("shutdown complete");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[test]
    fn smp_larger_than_the_cpuset_shares_cores() {
        let config = NodeConfig::parse_from(["sibyl", "--smp", "3", "--cpuset", "0"]);
        let specs = plan_shards(&config).expect("plan");
        assert_eq!(
            specs.iter().map(|s| s.cpu).collect::<Vec<_>>(),
            vec![Some(0); 3]
        );
    }
}
