//! The null [`QueryProcessor`]: the transport's own work (frame decode,
//! request dispatch, response encode, socket I/O) and nothing else, so a
//! client's throughput against it is the protocol ceiling Sibyl's request
//! path is compared with.
//!
//! One instance per shard; prepared statements live in a shard-local map
//! (drivers prepare on every connection before executing there).

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use sibyl_protocol::request::{Batch, Execute, Prepare, Query};
use sibyl_protocol::response::{ResultBody, Rows, RowsMetadata};
use sibyl_server::cql3::{CqlError, ProcessorResponse, QueryProcessor, RequestContext};

use crate::statement::{Statement, describe};

/// Answers every request immediately; stores nothing but prepared ids.
#[derive(Debug, Default)]
pub struct NullProcessor {
    prepared: RefCell<HashMap<Vec<u8>, Rc<Statement>>>,
}

/// FNV-1a of the text: the same statement gets the same id on every shard.
fn statement_id(text: &str) -> Vec<u8> {
    let hash = text.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    hash.to_be_bytes().to_vec()
}

impl QueryProcessor for NullProcessor {
    async fn query(&self, _ctx: &RequestContext<'_>, query: &Query<'_>) -> ProcessorResponse {
        let lower = query.query.trim().to_ascii_lowercase();
        if lower.contains("system.") || lower.contains("system_schema.") {
            // Drivers fall back to the contact point as the whole topology.
            return ProcessorResponse::error(CqlError::invalid("null server: no system tables"));
        }
        if let Some(keyspace) = lower.strip_prefix("use ") {
            let keyspace = keyspace.trim_matches(|c| c == '"' || c == ';' || c == ' ');
            return ProcessorResponse::ok(ResultBody::SetKeyspace(keyspace.into()));
        }
        if lower.starts_with("select") {
            return ProcessorResponse::error(CqlError::invalid(
                "null server: unprepared SELECT is not served",
            ));
        }
        // DDL and unprepared writes: VOID (not SCHEMA_CHANGE, so the driver
        // does not wait for schema agreement on tables that do not exist).
        ProcessorResponse::ok(ResultBody::Void)
    }

    async fn prepare(&self, _ctx: &RequestContext<'_>, prepare: &Prepare<'_>) -> ProcessorResponse {
        let id = statement_id(prepare.query);
        let statement = Rc::new(describe(prepare.query, id.clone()));
        let prepared = statement.prepared.clone();
        self.prepared.borrow_mut().insert(id, statement);
        ProcessorResponse::ok(ResultBody::Prepared(prepared))
    }

    async fn execute(&self, _ctx: &RequestContext<'_>, execute: &Execute<'_>) -> ProcessorResponse {
        let Some(statement) = self.prepared.borrow().get(execute.id).cloned() else {
            return ProcessorResponse::error(CqlError::Unprepared {
                id: execute.id.to_vec(),
            });
        };
        let Some(row) = &statement.row else {
            return ProcessorResponse::ok(ResultBody::Void);
        };
        let full = &statement.prepared.result_metadata;
        let metadata = if execute.params.skip_metadata {
            RowsMetadata {
                columns_count: full.columns_count,
                no_metadata: true,
                ..RowsMetadata::default()
            }
        } else {
            full.clone()
        };
        ProcessorResponse::ok(ResultBody::Rows(Rows {
            metadata,
            rows_count: 1,
            content: row.clone(),
        }))
    }

    async fn batch(&self, _ctx: &RequestContext<'_>, _batch: &Batch<'_>) -> ProcessorResponse {
        ProcessorResponse::ok(ResultBody::Void)
    }
}
