//! Starting and stopping a node: bind the CQL ports, start one pinned shard
//! per core, serve until SIGINT/SIGTERM, then shut down gracefully (stop
//! accepting, finish in-flight requests, close connections, join shards).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::api::{ApiServer, control_channels, serve_control};
use crate::config::{NodeConfig, parse_cpuset};
use crate::cql3::CqlError;
use crate::cql3::processor::CqlProcessor;
use crate::dht::{Sharder, sharder::DEFAULT_IGNORE_MSB};
use crate::replica::{Replica, StorageSettings};
use crate::schema::Schema;
use crate::service::{NodeInfo, ShardServices, startup};
use crate::shard::runtime::{allowed_cpus, spawn_shard};
use crate::shard::{Mesh, MeshEndpoint, ShardMesh, ShardSpec, StopSignal};
use crate::transport::{EventRegistry, ShardListeners};
use crate::transport::{Handoff, ShardTransport, TransportConfig, bind_listeners, serve_shard};
use sibyl_storage::commitlog::SyncMode;
use sibyl_storage::io::sched::IoScheduler;
use std::rc::Rc;

/// Messages per shard pair queue.
const MESH_CAPACITY: usize = 4096;

#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    #[error("invalid configuration: {0}")]
    Config(String),
    #[error(transparent)]
    Api(#[from] crate::api::ApiError),
    #[error("{op}: {source}")]
    Io {
        op: &'static str,
        source: std::io::Error,
    },
}

/// A running node's handle for whoever started it.
#[derive(Debug)]
pub struct RunningNode {
    /// Stops before the shards so no admin request reaches a stopping shard.
    api: Option<ApiServer>,
    stop_senders: Vec<flume::Sender<()>>,
    handles: Vec<glommio::ExecutorJoinHandle<()>>,
}

impl RunningNode {
    /// Asks every shard to stop and waits for all of them.
    pub fn shutdown(self) {
        if let Some(api) = self.api {
            api.stop();
        }
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

fn storage_settings(config: &NodeConfig) -> StorageSettings {
    StorageSettings {
        workdir: config.workdir.clone(),
        sync: if config.commitlog_sync == "batch" {
            SyncMode::Batch
        } else {
            SyncMode::Periodic {
                period_ms: config.commitlog_sync_period_in_ms.max(1),
            }
        },
        commitlog_segment_size_bytes: config.commitlog_segment_size_in_mb.max(1) << 20,
        memtable_budget_bytes: config.memtable_space_in_mb.max(1) << 20,
        compaction_throughput_mb_per_s: config.compaction_throughput_mb_per_sec.max(0.0),
        io: Default::default(),
    }
}

/// What shard 0 hands every other shard once the schema is loaded.
type Bootstrap = (Arc<Schema>, Arc<NodeInfo>);

/// One shard's life: storage, services, transport, then orderly shutdown.
#[expect(
    clippy::too_many_arguments,
    reason = "the shard's share of the node, moved in once"
)]
async fn shard_main(
    id: usize,
    sharder: Sharder,
    mesh: MeshEndpoint,
    handoff: Handoff,
    listeners: ShardListeners,
    stop_rx: flume::Receiver<()>,
    bootstrap: (Vec<flume::Sender<Bootstrap>>, flume::Receiver<Bootstrap>),
    transport_config: TransportConfig,
    node_template: NodeInfo,
    settings: StorageSettings,
) -> Result<(Rc<ShardServices>, Rc<StopSignal>, glommio::Task<()>), CqlError> {
    let stop = StopSignal::new();
    let mesh = ShardMesh::new(mesh);
    let io = Rc::new(IoScheduler::new(settings.io.clone()));
    let (system, schema, node) = if id == 0 {
        let system = startup::open_system_engine(&settings, &io).await?;
        startup::record_system_keyspaces(&system).await?;
        let schema = Arc::new(startup::load_schema(&system).await?);
        let (host_id, tokens) = startup::node_identity(&system).await?;
        let node = Arc::new(NodeInfo {
            host_id,
            tokens,
            ..node_template
        });
        for tx in &bootstrap.0 {
            let _ = tx.send_async((schema.clone(), node.clone())).await;
        }
        (Some(system), schema, node)
    } else {
        let (schema, node) = bootstrap
            .1
            .recv_async()
            .await
            .map_err(|_| CqlError::server("shard 0 failed to start"))?;
        (None, schema, node)
    };
    let tables = schema
        .tables()
        .filter(|t| {
            !t.is_virtual
                && !schema
                    .keyspace(&t.keyspace)
                    .is_some_and(|k| k.replication.is_local())
        })
        .map(|t| t.storage_schema())
        .collect();
    let data = Replica::open(&settings, &io, &format!("shard-{id}"), id as u32, tables).await?;
    let events = Rc::new(EventRegistry::default());
    let services = ShardServices::new(
        id,
        sharder,
        mesh.clone(),
        node.clone(),
        settings,
        data,
        system,
        schema.clone(),
        events.clone(),
    );
    if let Some(system) = &services.system {
        startup::write_local_row(system, &node, &schema).await?;
    }
    services.indexes.sync(&services.data, &schema).await?;
    glommio::spawn_local(mesh.clone().run_poller()).detach();
    let transport = ShardTransport::new(
        id,
        sharder,
        transport_config,
        CqlProcessor::new(services.clone()),
        stop.clone(),
        events,
    );
    let stopper = stop.clone();
    glommio::spawn_local(async move {
        let _ = stop_rx.recv_async().await;
        stopper.stop();
    })
    .detach();
    let serving = glommio::spawn_local(serve_shard(transport, listeners, handoff));
    Ok((services, stop, serving))
}

/// Starts the node and returns once every shard is accepting connections.
pub fn start(config: &NodeConfig) -> Result<RunningNode, NodeError> {
    let started_at = Instant::now();
    let specs = plan_shards(config)?;
    let nr_shards = specs.len();
    std::fs::create_dir_all(&config.workdir).map_err(|source| NodeError::Io {
        op: "creating the workdir",
        source,
    })?;
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
    let node_template = NodeInfo {
        cluster_name: config.cluster_name.clone(),
        data_center: config.dc.clone(),
        rack: config.rack.clone(),
        listen_address: config.listen_address,
        rpc_address: config.rpc_address(),
        native_port: transport_config.address.port(),
        host_id: [0; 16],
        tokens: Vec::new(),
        nr_shards,
    };
    let mut settings = storage_settings(config);
    let (io, io_source) =
        crate::replica::io::scheduler_config(config, nr_shards).map_err(NodeError::Config)?;
    tracing::info!(
        "I/O scheduler per shard from {io_source}: {:?}, latency goal {:?}",
        io.properties,
        io.latency_goal
    );
    settings.io = io;

    let sharder = Sharder::new(nr_shards, DEFAULT_IGNORE_MSB);
    let mut shard_inputs: Vec<_> = Mesh::build(nr_shards, MESH_CAPACITY)
        .into_iter()
        .zip(Handoff::build(nr_shards))
        .zip(listeners.per_shard)
        .map(|((mesh, handoff), listeners)| Some((mesh, handoff, listeners)))
        .collect();
    let (stop_senders, stop_receivers): (Vec<_>, Vec<_>) =
        (0..nr_shards).map(|_| flume::bounded::<()>(1)).unzip();
    let (bootstrap_senders, bootstrap_receivers): (Vec<_>, Vec<_>) = (0..nr_shards)
        .map(|_| flume::bounded::<Bootstrap>(1))
        .unzip();
    let (ready_tx, ready_rx) = flume::bounded::<Result<usize, String>>(nr_shards);
    let transports_done = Arc::new(AtomicUsize::new(0));
    let (control, control_receivers) = control_channels(nr_shards);

    let mut handles = Vec::with_capacity(nr_shards);
    for (((spec, stop_rx), bootstrap_rx), control_rx) in specs
        .iter()
        .zip(stop_receivers)
        .zip(bootstrap_receivers)
        .zip(control_receivers)
    {
        let Some((mesh, handoff, listeners)) = shard_inputs.get_mut(spec.id).and_then(Option::take)
        else {
            continue;
        };
        let (ready_tx, transports_done, transport_config) = (
            ready_tx.clone(),
            transports_done.clone(),
            transport_config.clone(),
        );
        let bootstrap_out = if spec.id == 0 {
            bootstrap_senders.iter().skip(1).cloned().collect()
        } else {
            Vec::new()
        };
        let (node_template, settings) = (node_template.clone(), settings.clone());
        let id = spec.id;
        let handle = spawn_shard(*spec, move || async move {
            let started = shard_main(
                id,
                sharder,
                mesh,
                handoff,
                listeners,
                stop_rx,
                (bootstrap_out, bootstrap_rx),
                transport_config,
                node_template,
                settings,
            )
            .await;
            let (services, _stop, serving) = match started {
                Ok(parts) => parts,
                Err(e) => {
                    let _ = ready_tx.send_async(Err(format!("shard {id}: {e}"))).await;
                    return;
                }
            };
            glommio::spawn_local(serve_control(services.clone(), control_rx)).detach();
            let _ = ready_tx.send_async(Ok(id)).await;
            serving.await;
            // Other shards may still forward work here until they are done
            // too, so the mesh and storage stop only after every transport has.
            transports_done.fetch_add(1, Ordering::AcqRel);
            while transports_done.load(Ordering::Acquire) < nr_shards {
                glommio::timer::sleep(Duration::from_millis(2)).await;
            }
            // Before the storage close, which may take long (memtable flush).
            services.mesh.log_traffic();
            if let Err(e) = services.data.close().await {
                tracing::error!("shard {id}: closing storage: {e}");
            }
            if let Some(system) = &services.system {
                if let Err(e) = system.close().await {
                    tracing::error!("closing the system tables: {e}");
                }
            }
            services.mesh.stop();
        })
        .map_err(|source| NodeError::Io {
            op: "starting shards",
            source,
        })?;
        handles.push(handle);
    }
    drop(ready_tx);
    let mut node = RunningNode {
        api: None,
        stop_senders,
        handles,
    };
    for _ in 0..nr_shards {
        match ready_rx.recv() {
            Ok(Ok(_)) => {}
            Ok(Err(message)) => {
                node.shutdown();
                return Err(NodeError::Config(message));
            }
            Err(_) => {
                node.shutdown();
                return Err(NodeError::Config("a shard failed to start".into()));
            }
        }
    }
    match ApiServer::start(config.api_socket_address(), control) {
        Ok(api) => node.api = Some(api),
        Err(e) => {
            node.shutdown();
            return Err(e.into());
        }
    }
    tracing::info!(
        "Sibyl {} started in {} ms: {} shard(s), CQL on {}{}, REST API on {}",
        env!("CARGO_PKG_VERSION"),
        started_at.elapsed().as_millis(),
        nr_shards,
        transport_config.address,
        transport_config
            .shard_aware_address
            .map(|a| format!(", shard-aware CQL on {a}"))
            .unwrap_or_default(),
        node.api
            .as_ref()
            .map_or(config.api_socket_address(), ApiServer::address),
    );
    Ok(node)
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
