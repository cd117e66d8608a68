//! CQL request tracing (`TRACING ON`, the frame's tracing flag): a traced
//! request gets a session id (a timeuuid) in its response, and its session and
//! events are written to `system_traces.sessions` / `system_traces.events`
//! (with Cassandra's 24 h TTL) before the response leaves, so a driver that
//! polls for the finished session finds it at once.

use std::rc::Rc;
use std::time::Instant;

use sibyl_protocol::types::CqlValue;

use super::functions::TimeuuidGenerator;
use super::writes::{PartitionWriter, WriteOptions};
use super::{CqlError, CqlResult};
use crate::schema::system::SYSTEM_TRACES;
use crate::service::{ShardServices, proxy};

/// Seconds traces live (Cassandra's `tracetype_query_ttl`).
const TRACE_TTL_S: u32 = 86_400;

/// One traced request in progress.
#[derive(Debug)]
pub struct Trace {
    pub session_id: [u8; 16],
    started: Instant,
    started_ms: i64,
    events: Vec<(i64, String, i32)>,
}

impl Trace {
    pub fn begin(timeuuids: &TimeuuidGenerator, now_ms: i64) -> Self {
        Self {
            session_id: timeuuids.next(now_ms),
            started: Instant::now(),
            started_ms: now_ms,
            events: Vec::new(),
        }
    }

    /// Records an activity with the microseconds elapsed since the start.
    pub fn event(&mut self, activity: impl Into<String>) {
        let elapsed_us = self.started.elapsed().as_micros().min(i32::MAX as u128) as i32;
        self.events.push((
            self.started_ms + i64::from(elapsed_us) / 1000,
            activity.into(),
            elapsed_us,
        ));
    }

    /// Writes the session and its events to `system_traces`.
    pub async fn finish(
        mut self,
        services: &Rc<ShardServices>,
        timeuuids: &TimeuuidGenerator,
        client: std::net::IpAddr,
        request: &str,
        parameters: Vec<(String, String)>,
    ) -> CqlResult<()> {
        self.event("Request complete");
        let duration_us = self.started.elapsed().as_micros().min(i32::MAX as u128) as i32;
        let schema = services.schema();
        let table = |name: &str| {
            schema
                .table(SYSTEM_TRACES, name)
                .cloned()
                .ok_or_else(|| CqlError::server(format!("no {SYSTEM_TRACES}.{name}")))
        };
        let (sessions, events) = (table("sessions")?, table("events")?);
        let now_s = self.started_ms / 1000;
        let options = WriteOptions {
            timestamp_us: ShardServices::now_us(),
            ttl_s: TRACE_TTL_S,
            now_s,
        };
        let id = CqlValue::Uuid(self.session_id).to_bytes();
        let thread = format!("shard-{}", services.shard);
        let mut writer = PartitionWriter::new(&events, &[&id], options, services.shard as u16);
        for (at_ms, activity, elapsed_us) in &self.events {
            let clustering = vec![CqlValue::Timeuuid(timeuuids.next(*at_ms)).to_bytes()];
            for (column, value) in [
                ("activity", CqlValue::Text(activity.clone())),
                ("source", CqlValue::Inet(services.node.rpc_address)),
                ("source_elapsed", CqlValue::Int(*elapsed_us)),
                ("source_port", CqlValue::Int(7000)),
                ("thread", CqlValue::Text(thread.clone())),
            ] {
                if let Some(column) = events.column(column) {
                    writer.set_column(&clustering, column, Some(&value.to_bytes()))?;
                }
            }
        }
        proxy::apply(services, &events, writer.into_mutation()).await?;
        let mut writer = PartitionWriter::new(&sessions, &[&id], options, services.shard as u16);
        let parameters = CqlValue::Map(
            parameters
                .into_iter()
                .map(|(k, v)| (CqlValue::Text(k), CqlValue::Text(v)))
                .collect(),
        );
        for (column, value) in [
            ("client", CqlValue::Inet(client)),
            ("command", CqlValue::Text("QUERY".into())),
            ("coordinator", CqlValue::Inet(services.node.rpc_address)),
            ("coordinator_port", CqlValue::Int(7000)),
            ("duration", CqlValue::Int(duration_us)),
            ("parameters", parameters),
            ("request", CqlValue::Text(request.to_owned())),
            ("started_at", CqlValue::Timestamp(self.started_ms)),
        ] {
            if let Some(column) = sessions.column(column) {
                writer.set_column(&[], column, Some(&value.to_bytes()))?;
            }
        }
        writer.add_row_marker(&[]);
        proxy::apply(services, &sessions, writer.into_mutation()).await
    }
}
