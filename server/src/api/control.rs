//! The control channel between the admin API thread and the shards.
//!
//! Every shard owns one bounded flume queue of [`ControlRequest`]s that a
//! glommio task ([`serve_control`]) drains; each request carries its own
//! reply sender, so the API thread blocks on the reply while the shard never
//! blocks: storage work runs as ordinary async tasks on the shard, at most
//! [`MAX_IN_FLIGHT_PER_SHARD`] at a time. Data and schema stay owned by the
//! shards; what crosses the channel is names going in and plain values or
//! immutable `Arc` snapshots (schema, node identity) coming back.

use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use sibyl_storage::io::sched::{ClassStats, IoClass, IoProperties};

use crate::schema::Schema;
use crate::service::{NodeInfo, ShardServices};

/// Requests queued per shard before the API answers 503.
pub const CONTROL_QUEUE_CAPACITY: usize = 16;
/// Control requests a shard runs concurrently.
pub const MAX_IN_FLIGHT_PER_SHARD: usize = 4;

/// What the API asks a shard to do.
#[derive(Debug, Clone)]
pub enum ControlCommand {
    /// Flush memtables of `keyspace` (all keyspaces if `None`), restricted
    /// to `tables` when not empty.
    Flush {
        keyspace: Option<String>,
        tables: Vec<String>,
    },
    /// Major compaction, same selection as `Flush`.
    Compact {
        keyspace: Option<String>,
        tables: Vec<String>,
    },
    /// Snapshot with `tag`; `keyspaces` are validated (the storage engine
    /// snapshots every table of the shard).
    Snapshot { tag: String, keyspaces: Vec<String> },
    /// The node identity and schema (asked of shard 0).
    Describe,
    /// Per-table sizes of the shard's data.
    Load,
    /// Counters of the shard's I/O scheduler.
    IoStats,
}

/// One table's size on one shard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableLoad {
    pub storage_id: u64,
    pub memtable_bytes: u64,
    pub sstable_count: usize,
    pub sstable_bytes: u64,
}

/// A shard's answer.
#[derive(Debug, Clone)]
pub enum ControlReply {
    Done,
    Snapshot {
        sstables_linked: usize,
    },
    Describe {
        node: Arc<NodeInfo>,
        schema: Arc<Schema>,
    },
    Load(Vec<TableLoad>),
    IoStats {
        /// Per class: ScyllaDB's class name and its counters.
        classes: Vec<(&'static str, ClassStats)>,
        in_flight_cost_ns: u64,
        /// The shard's share of the disk and its latency goal.
        properties: IoProperties,
        latency_goal_us: u64,
    },
}

#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum ControlError {
    /// A named keyspace or table does not exist (HTTP 400).
    #[error("{0}")]
    NotFound(String),
    /// The operation failed on the shard (HTTP 500).
    #[error("{0}")]
    Failed(String),
    /// The shard's queue is full (HTTP 503).
    #[error("shard {0} is busy with other admin requests")]
    Busy(usize),
    /// The node is shutting down (HTTP 503).
    #[error("the node is shutting down")]
    Stopped,
}

/// One request on a shard's queue.
#[derive(Debug)]
pub struct ControlRequest {
    pub command: ControlCommand,
    pub reply: flume::Sender<(usize, Result<ControlReply, ControlError>)>,
}

/// The API side: one sender per shard.
#[derive(Debug, Clone)]
pub struct ShardControl {
    shards: Vec<flume::Sender<ControlRequest>>,
}

/// Creates one bounded control queue per shard; the receivers go to the
/// shards ([`serve_control`]), the [`ShardControl`] to the API.
pub fn control_channels(nr_shards: usize) -> (ShardControl, Vec<flume::Receiver<ControlRequest>>) {
    let (shards, receivers) = (0..nr_shards)
        .map(|_| flume::bounded(CONTROL_QUEUE_CAPACITY))
        .unzip();
    (ShardControl { shards }, receivers)
}

impl ShardControl {
    pub fn nr_shards(&self) -> usize {
        self.shards.len()
    }

    /// Sends `command` to `shards` and waits for every reply, giving up when
    /// `stopped()` turns true. Returns the replies in shard order, or the
    /// first error.
    pub fn ask(
        &self,
        shards: &[usize],
        command: &ControlCommand,
        stopped: &dyn Fn() -> bool,
    ) -> Result<Vec<ControlReply>, ControlError> {
        let (reply_tx, reply_rx) = flume::bounded(shards.len().max(1));
        for &shard in shards {
            let sender = self.shards.get(shard).ok_or(ControlError::Stopped)?;
            let request = ControlRequest {
                command: command.clone(),
                reply: reply_tx.clone(),
            };
            sender.try_send(request).map_err(|e| match e {
                flume::TrySendError::Full(_) => ControlError::Busy(shard),
                flume::TrySendError::Disconnected(_) => ControlError::Stopped,
            })?;
        }
        drop(reply_tx);
        let mut replies: Vec<(usize, ControlReply)> = Vec::with_capacity(shards.len());
        let mut first_error = None;
        let mut received = 0;
        // Every shard answers before we return, so no work is left running
        // unobserved; the first failure is what the caller sees.
        while received < shards.len() {
            if stopped() {
                return Err(ControlError::Stopped);
            }
            match reply_rx.recv_deadline(Instant::now() + Duration::from_millis(100)) {
                Ok((shard, result)) => {
                    received += 1;
                    match result {
                        Ok(reply) => replies.push((shard, reply)),
                        Err(e) => {
                            first_error.get_or_insert(e);
                        }
                    }
                }
                Err(flume::RecvTimeoutError::Timeout) => {}
                Err(flume::RecvTimeoutError::Disconnected) => return Err(ControlError::Stopped),
            }
        }
        if let Some(e) = first_error {
            return Err(e);
        }
        replies.sort_by_key(|(shard, _)| *shard);
        Ok(replies.into_iter().map(|(_, reply)| reply).collect())
    }

    /// Sends `command` to every shard.
    pub fn ask_all(
        &self,
        command: &ControlCommand,
        stopped: &dyn Fn() -> bool,
    ) -> Result<Vec<ControlReply>, ControlError> {
        let shards: Vec<usize> = (0..self.shards.len()).collect();
        self.ask(&shards, command, stopped)
    }
}

/// Drains this shard's control queue until the API side hangs up.
pub async fn serve_control(services: Rc<ShardServices>, requests: flume::Receiver<ControlRequest>) {
    let permits = Rc::new(glommio::sync::Semaphore::new(
        MAX_IN_FLIGHT_PER_SHARD as u64,
    ));
    loop {
        let Ok(permit) = permits.acquire_static_permit(1).await else {
            return;
        };
        let Ok(request) = requests.recv_async().await else {
            return;
        };
        let services = services.clone();
        glommio::spawn_local(async move {
            let result = execute(&services, &request.command).await;
            // The reply queue has room for every shard's one answer.
            let _ = request.reply.try_send((services.shard, result));
            drop(permit);
        })
        .detach();
    }
}

/// A table the command applies to: its storage id and whether it lives in
/// the node-local system engine (shard 0) rather than the shard's data.
#[derive(Debug, Clone, Copy)]
struct Target {
    storage_id: u64,
    local: bool,
}

fn targets(
    schema: &Schema,
    keyspace: Option<&str>,
    tables: &[String],
) -> Result<Vec<Target>, ControlError> {
    let keyspaces: Vec<_> = match keyspace {
        Some(name) => vec![
            schema
                .keyspace(name)
                .ok_or_else(|| ControlError::NotFound(format!("Can't find a keyspace {name}")))?,
        ],
        None => schema.keyspaces.values().collect(),
    };
    let mut out = Vec::new();
    for ks in keyspaces {
        let local = ks.replication.is_local();
        if tables.is_empty() {
            out.extend(
                ks.tables
                    .values()
                    .filter(|t| !t.is_virtual)
                    .map(|t| Target {
                        storage_id: t.storage_id,
                        local,
                    }),
            );
            continue;
        }
        for name in tables {
            let table = ks.tables.get(name).ok_or_else(|| {
                ControlError::NotFound(format!(
                    "Can't find a column family {name} in keyspace {}",
                    ks.name
                ))
            })?;
            if !table.is_virtual {
                out.push(Target {
                    storage_id: table.storage_id,
                    local,
                });
            }
        }
    }
    Ok(out)
}

fn failed(e: impl std::fmt::Display) -> ControlError {
    ControlError::Failed(e.to_string())
}

async fn execute(
    services: &ShardServices,
    command: &ControlCommand,
) -> Result<ControlReply, ControlError> {
    let schema = services.schema();
    let replica_of = |target: &Target| {
        let replica = if target.local {
            services.system.as_ref()
        } else {
            Some(&services.data)
        };
        replica.filter(|r| r.has_table(target.storage_id))
    };
    match command {
        ControlCommand::Flush { keyspace, tables } => {
            for target in targets(&schema, keyspace.as_deref(), tables)? {
                if let Some(replica) = replica_of(&target) {
                    replica
                        .flush(Some(target.storage_id))
                        .await
                        .map_err(failed)?;
                }
            }
            Ok(ControlReply::Done)
        }
        ControlCommand::Compact { keyspace, tables } => {
            let now_s = ShardServices::now_us() / 1_000_000;
            for target in targets(&schema, keyspace.as_deref(), tables)? {
                if let Some(replica) = replica_of(&target) {
                    replica
                        .compact(target.storage_id, now_s)
                        .await
                        .map_err(failed)?;
                }
            }
            Ok(ControlReply::Done)
        }
        ControlCommand::Snapshot { tag, keyspaces } => {
            for keyspace in keyspaces {
                targets(&schema, Some(keyspace), &[])?;
            }
            let mut linked = services.data.snapshot(tag).await.map_err(failed)?;
            if let (Some(system), true) = (&services.system, keyspaces.is_empty()) {
                linked += system.snapshot(tag).await.map_err(failed)?;
            }
            Ok(ControlReply::Snapshot {
                sstables_linked: linked,
            })
        }
        ControlCommand::Describe => Ok(ControlReply::Describe {
            node: services.node.clone(),
            schema,
        }),
        ControlCommand::Load => {
            let mut loads = Vec::new();
            for replica in std::iter::once(&services.data).chain(services.system.as_ref()) {
                loads.extend(replica.table_sizes().into_iter().map(
                    |(storage_id, memtable_bytes, sstable_count, sstable_bytes)| TableLoad {
                        storage_id,
                        memtable_bytes,
                        sstable_count,
                        sstable_bytes,
                    },
                ));
            }
            Ok(ControlReply::Load(loads))
        }
        ControlCommand::IoStats => {
            let io = services.data.io_scheduler();
            let classes = IoClass::ALL
                .iter()
                .zip(io.stats())
                .map(|(class, stats)| (class.name(), stats))
                .collect();
            Ok(ControlReply::IoStats {
                classes,
                in_flight_cost_ns: io.in_flight_cost_ns(),
                properties: io.config().properties,
                latency_goal_us: io.config().latency_goal.as_micros() as u64,
            })
        }
    }
}
