//! The boundary between the transport and CQL execution.
//!
//! The transport decodes frames and hands QUERY, PREPARE, EXECUTE and BATCH to
//! a [`QueryProcessor`] with everything execution needs: the request itself
//! (statement or prepared id, consistency, serial consistency, bound values
//! with names, page size, paging state, default timestamp, v5 keyspace and
//! now_in_seconds), and the [`RequestContext`] (protocol version, tracing
//! flag, custom payload, the connection's [`ClientState`], the shard). The
//! futures are `!Send`: they run on the connection's shard.

use std::cell::RefCell;
use std::future::Future;
use std::net::SocketAddr;

use sibyl_protocol::Version;
use sibyl_protocol::request::{Batch, Execute, Prepare, Query};
use sibyl_protocol::response::ResultBody;

use super::CqlError;
use crate::shard::ShardId;

/// Per-connection state that statements read and change (`USE ks`).
#[derive(Debug)]
pub struct ClientState {
    pub peer: SocketAddr,
    pub shard: ShardId,
    pub keyspace: RefCell<Option<String>>,
    /// The authenticated role, once authentication exists.
    pub user: RefCell<Option<String>>,
    pub driver_name: Option<String>,
    pub driver_version: Option<String>,
}

/// One request's surroundings.
#[derive(Debug)]
pub struct RequestContext<'a> {
    pub version: Version,
    pub stream: i16,
    /// The client asked for a trace of this request.
    pub tracing: bool,
    pub custom_payload: &'a [(&'a str, Option<&'a [u8]>)],
    pub client: &'a ClientState,
}

/// What the processor answers: a result or an error, plus frame extras.
#[derive(Debug, Clone, PartialEq)]
pub struct ProcessorResponse {
    pub result: Result<ResultBody, CqlError>,
    pub warnings: Vec<String>,
    pub tracing_id: Option<[u8; 16]>,
}

impl ProcessorResponse {
    pub fn ok(body: ResultBody) -> Self {
        Self {
            result: Ok(body),
            warnings: Vec::new(),
            tracing_id: None,
        }
    }

    pub fn error(error: CqlError) -> Self {
        Self {
            result: Err(error),
            warnings: Vec::new(),
            tracing_id: None,
        }
    }
}

/// Executes CQL requests. One instance per shard.
pub trait QueryProcessor: 'static {
    fn query(
        &self,
        ctx: &RequestContext<'_>,
        query: &Query<'_>,
    ) -> impl Future<Output = ProcessorResponse>;
    fn prepare(
        &self,
        ctx: &RequestContext<'_>,
        prepare: &Prepare<'_>,
    ) -> impl Future<Output = ProcessorResponse>;
    fn execute(
        &self,
        ctx: &RequestContext<'_>,
        execute: &Execute<'_>,
    ) -> impl Future<Output = ProcessorResponse>;
    fn batch(
        &self,
        ctx: &RequestContext<'_>,
        batch: &Batch<'_>,
    ) -> impl Future<Output = ProcessorResponse>;
}

/// The processor until CQL execution exists: every statement is refused with
/// Invalid (0x2200), so drivers get a clean error instead of a hang.
#[derive(Debug, Default)]
pub struct NotImplementedProcessor;

fn not_implemented(what: &str) -> ProcessorResponse {
    ProcessorResponse::error(CqlError::invalid(format!("{what} is not implemented yet")))
}

impl QueryProcessor for NotImplementedProcessor {
    async fn query(&self, _ctx: &RequestContext<'_>, _query: &Query<'_>) -> ProcessorResponse {
        not_implemented("QUERY")
    }

    async fn prepare(
        &self,
        _ctx: &RequestContext<'_>,
        _prepare: &Prepare<'_>,
    ) -> ProcessorResponse {
        not_implemented("PREPARE")
    }

    async fn execute(&self, _ctx: &RequestContext<'_>, execute: &Execute<'_>) -> ProcessorResponse {
        // Nothing is ever prepared, so the honest answer is UNPREPARED.
        ProcessorResponse::error(CqlError::Unprepared {
            id: execute.id.to_vec(),
        })
    }

    async fn batch(&self, _ctx: &RequestContext<'_>, _batch: &Batch<'_>) -> ProcessorResponse {
        not_implemented("BATCH")
    }
}
