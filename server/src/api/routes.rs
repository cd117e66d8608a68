//! The admin API's endpoints, on ScyllaDB's REST paths (`api/api-doc/*.json`
//! in ScyllaDB) so that tools written for it work: `storage_service`
//! (flush, compaction, snapshots, identity, load), `column_family`, `gossiper`,
//! `snitch` and `system`. Unknown keyspaces and tables answer 400 with
//! ScyllaDB's `{"message", "code"}` body.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use super::control::{ControlCommand, ControlError, ControlReply, ShardControl};
use super::http::{Request, Response};
use crate::schema::Schema;
use crate::schema::system::is_system_keyspace;
use crate::service::{NodeInfo, RELEASE_VERSION};

/// Routes requests to shards; shared by the API's worker threads.
#[derive(Debug)]
pub struct Router {
    control: ShardControl,
    stop: Arc<AtomicBool>,
    started: Instant,
    started_epoch_s: u64,
}

fn uuid_text(bytes: &[u8; 16]) -> String {
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let part = |range: std::ops::Range<usize>| hex.get(range).unwrap_or_default().to_owned();
    format!(
        "{}-{}-{}-{}-{}",
        part(0..8),
        part(8..12),
        part(12..16),
        part(16..20),
        part(20..32)
    )
}

fn control_error(e: ControlError) -> Response {
    match e {
        ControlError::NotFound(message) => Response::error(400, message),
        ControlError::Busy(_) | ControlError::Stopped => Response::error(503, e.to_string()),
        ControlError::Failed(message) => Response::error(500, message),
    }
}

/// `cf=t1,t2` as a list of table names.
fn tables_param(request: &Request) -> Vec<String> {
    request
        .param("cf")
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

fn mapper(key: impl Into<Value>, value: impl Into<Value>) -> Value {
    json!({ "key": key.into(), "value": value.into() })
}

impl Router {
    pub fn new(control: ShardControl, stop: Arc<AtomicBool>) -> Self {
        Self {
            control,
            stop,
            started: Instant::now(),
            started_epoch_s: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
        }
    }

    fn ask_all(&self, command: &ControlCommand) -> Result<Vec<ControlReply>, Response> {
        let stop = self.stop.clone();
        self.control
            .ask_all(command, &move || stop.load(Ordering::Acquire))
            .map_err(control_error)
    }

    /// Node identity and schema from shard 0.
    fn describe(&self) -> Result<(Arc<NodeInfo>, Arc<Schema>), Response> {
        let stop = self.stop.clone();
        let replies = self
            .control
            .ask(&[0], &ControlCommand::Describe, &move || {
                stop.load(Ordering::Acquire)
            })
            .map_err(control_error)?;
        match replies.into_iter().next() {
            Some(ControlReply::Describe { node, schema }) => Ok((node, schema)),
            _ => Err(Response::error(500, "shard 0 did not describe the node")),
        }
    }

    /// Bytes of live data on disk and in memtables, summed over shards.
    fn load_bytes(&self) -> Result<u64, Response> {
        let mut total = 0;
        for reply in self.ask_all(&ControlCommand::Load)? {
            if let ControlReply::Load(tables) = reply {
                total += tables
                    .iter()
                    .map(|t| t.sstable_bytes + t.memtable_bytes)
                    .sum::<u64>();
            }
        }
        Ok(total)
    }

    /// Per shard, the I/O scheduler's counters per priority class (Sibyl's
    /// own path: ScyllaDB shows these only as `scylla_io_queue_*` metrics).
    fn io_scheduler(&self) -> Result<Value, Response> {
        let mut shards = Vec::new();
        for (shard, reply) in self
            .ask_all(&ControlCommand::IoStats)?
            .into_iter()
            .enumerate()
        {
            let ControlReply::IoStats {
                classes,
                in_flight_cost_ns,
                properties: p,
                latency_goal_us,
            } = reply
            else {
                continue;
            };
            let classes: serde_json::Map<String, Value> = classes
                .into_iter()
                .map(|(name, s)| {
                    let counters = json!({
                        "queued": s.queued,
                        "in_flight": s.in_flight,
                        "dispatched": s.dispatched,
                        "delayed": s.delayed,
                        "bytes": s.bytes,
                        "cost_ns": s.cost_ns,
                        "queue_time_us_total": s.queue_time_us_total,
                        "queue_time_us_max": s.queue_time_us_max,
                    });
                    (name.to_owned(), counters)
                })
                .collect();
            shards.push(json!({
                "shard": shard,
                "read_iops": p.read_iops,
                "read_bandwidth": p.read_bandwidth_bytes_per_s,
                "write_iops": p.write_iops,
                "write_bandwidth": p.write_bandwidth_bytes_per_s,
                "latency_goal_us": latency_goal_us,
                "in_flight_cost_ns": in_flight_cost_ns,
                "classes": classes,
            }));
        }
        Ok(Value::Array(shards))
    }

    pub fn handle(&self, request: &Request) -> Response {
        match self.route(request) {
            Ok(body) => Response::ok(body),
            Err(response) => response,
        }
    }

    fn route(&self, request: &Request) -> Result<Value, Response> {
        let path = request.path.trim_end_matches('/');
        let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        match (request.method.as_str(), segments.as_slice()) {
            ("GET", ["storage_service", "release_version"]) => Ok(json!(RELEASE_VERSION)),
            ("GET", ["storage_service", "scylla_release_version"]) => {
                Ok(json!(env!("CARGO_PKG_VERSION")))
            }
            ("GET", ["storage_service", "hostid", "local"]) => {
                Ok(json!(uuid_text(&self.describe()?.0.host_id)))
            }
            ("GET", ["storage_service", "host_id"]) => {
                let (node, _) = self.describe()?;
                Ok(json!([mapper(
                    node.listen_address.to_string(),
                    uuid_text(&node.host_id)
                )]))
            }
            ("GET", ["storage_service", "cluster_name"]) => {
                Ok(json!(self.describe()?.0.cluster_name))
            }
            ("GET", ["storage_service", "schema_version"]) => {
                Ok(json!(uuid_text(&self.describe()?.1.version)))
            }
            ("GET", ["storage_service", "tokens"]) => {
                let (node, _) = self.describe()?;
                Ok(json!(
                    node.tokens.iter().map(i64::to_string).collect::<Vec<_>>()
                ))
            }
            ("GET", ["storage_service", "tokens_endpoint"]) => {
                let (node, _) = self.describe()?;
                let address = node.listen_address.to_string();
                Ok(Value::Array(
                    node.tokens
                        .iter()
                        .map(|t| mapper(t.to_string(), address.clone()))
                        .collect(),
                ))
            }
            ("GET", ["storage_service", "keyspaces"]) => {
                let (_, schema) = self.describe()?;
                let kind = request.param("type").unwrap_or("all");
                let names: Vec<&String> = schema
                    .keyspaces
                    .values()
                    .filter(|ks| match kind {
                        "user" => !is_system_keyspace(&ks.name) && !ks.is_virtual,
                        "non_local_strategy" => !ks.replication.is_local() && !ks.is_virtual,
                        _ => true,
                    })
                    .map(|ks| &ks.name)
                    .collect();
                Ok(json!(names))
            }
            ("GET", ["storage_service", "load"]) => Ok(json!(self.load_bytes()? as f64)),
            ("GET", ["storage_service", "load_map"]) => {
                let load = self.load_bytes()?;
                let (node, _) = self.describe()?;
                Ok(json!([mapper(
                    node.listen_address.to_string(),
                    load.to_string()
                )]))
            }
            ("GET", ["storage_service", "generation_number"]) => Ok(json!(self.started_epoch_s)),
            (
                "GET",
                [
                    "storage_service",
                    "gossiping" | "native_transport" | "rpc_server",
                ],
            ) => Ok(json!(true)),
            ("GET", ["storage_service", "operation_mode"]) => Ok(json!("NORMAL")),
            ("GET", ["sibyl", "io_scheduler"]) => self.io_scheduler(),
            ("GET", ["system", "uptime_ms"]) => {
                Ok(json!(self.started.elapsed().as_millis() as u64))
            }
            ("GET", ["gossiper", "endpoint", "live"]) => {
                Ok(json!([self.describe()?.0.listen_address.to_string()]))
            }
            ("GET", ["gossiper", "endpoint", "down"]) => Ok(json!([])),
            ("GET", ["snitch", "datacenter"]) => Ok(json!(self.describe()?.0.data_center)),
            ("GET", ["snitch", "rack"]) => Ok(json!(self.describe()?.0.rack)),
            ("GET", ["column_family"]) => {
                let (_, schema) = self.describe()?;
                Ok(Value::Array(
                    schema
                        .tables()
                        .map(
                            |t| json!({ "ks": t.keyspace, "cf": t.name, "type": "ColumnFamilies" }),
                        )
                        .collect(),
                ))
            }
            ("GET", ["column_family", "name"]) => {
                let (_, schema) = self.describe()?;
                Ok(json!(
                    schema
                        .tables()
                        .map(|t| format!("{}:{}", t.keyspace, t.name))
                        .collect::<Vec<_>>()
                ))
            }
            ("GET", ["column_family", "name", "keyspace"]) => {
                let (_, schema) = self.describe()?;
                Ok(json!(schema.keyspaces.keys().collect::<Vec<_>>()))
            }
            ("POST", ["storage_service", "keyspace_flush", keyspace]) => {
                self.ask_all(&ControlCommand::Flush {
                    keyspace: Some((*keyspace).to_owned()),
                    tables: tables_param(request),
                })?;
                Ok(Value::Null)
            }
            ("POST", ["storage_service", "flush"]) => {
                self.ask_all(&ControlCommand::Flush {
                    keyspace: None,
                    tables: Vec::new(),
                })?;
                Ok(Value::Null)
            }
            ("POST", ["storage_service", "keyspace_compaction", keyspace]) => {
                self.ask_all(&ControlCommand::Compact {
                    keyspace: Some((*keyspace).to_owned()),
                    tables: tables_param(request),
                })?;
                Ok(Value::Null)
            }
            ("POST", ["storage_service", "compact"]) => {
                self.ask_all(&ControlCommand::Compact {
                    keyspace: None,
                    tables: Vec::new(),
                })?;
                Ok(Value::Null)
            }
            ("POST", ["storage_service", "snapshots"]) => self.snapshot(request),
            (_, [first, ..])
                if [
                    "storage_service",
                    "column_family",
                    "gossiper",
                    "snitch",
                    "system",
                ]
                .contains(first) =>
            {
                Err(Response::error(
                    404,
                    format!("{} {} is not supported", request.method, request.path),
                ))
            }
            _ => Err(Response::error(404, format!("Not found: {}", request.path))),
        }
    }

    fn snapshot(&self, request: &Request) -> Result<Value, Response> {
        let tag = match request.param("tag") {
            Some(tag) if !tag.is_empty() => tag.to_owned(),
            _ => SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_millis())
                .to_string(),
        };
        if !tables_param(request).is_empty() {
            return Err(Response::error(
                400,
                "snapshots of single tables are not supported yet",
            ));
        }
        let keyspaces: Vec<String> = request
            .param("kn")
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .map(str::to_owned)
            .collect();
        self.ask_all(&ControlCommand::Snapshot {
            tag: tag.clone(),
            keyspaces,
        })?;
        Ok(json!(tag))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_ids_print_as_uuids() {
        let bytes = [
            0x55, 0x0e, 0x84, 0x00, 0xe2, 0x9b, 0x41, 0xd4, 0xa7, 0x16, 0x44, 0x66, 0x55, 0x44,
            0x00, 0x00,
        ];
        assert_eq!(uuid_text(&bytes), "550e8400-e29b-41d4-a716-446655440000");
    }
}
