//! The CQL query processor of one shard: parse, prepare (with a bounded cache
//! of prepared statements whose ids are the same on every shard and node),
//! bind and execute.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use sibyl_protocol::request::{
    Batch, BatchStatement as WireBatchStatement, BatchType, Execute, Prepare, Query,
    QueryParameters,
};
use sibyl_protocol::response::{Prepared, PreparedMetadata, ResultBody};

use super::ast::BatchKind;
use super::ast::Statement;
use super::functions::TimeuuidGenerator;
use super::parser;
use super::statements::bind::Bound;
use super::statements::modify::{ModifyPlan, execute_batch, validate_batch};
use super::statements::{Plan, PreparedStatement, prepare};
use super::trace::Trace;
use super::{CqlError, CqlResult, ProcessorResponse, QueryProcessor, RequestContext};
use crate::dht::murmur3_x64_128;
use crate::schema::TableMetadata;
use crate::service::ShardServices;

/// Prepared statements kept per shard.
const PREPARED_CACHE_CAPACITY: usize = 10_000;

#[derive(Debug)]
struct CacheEntry {
    text: String,
    keyspace: Option<String>,
    statement: Rc<PreparedStatement>,
}

pub struct CqlProcessor {
    services: Rc<ShardServices>,
    prepared: RefCell<HashMap<[u8; 16], CacheEntry>>,
    timeuuids: TimeuuidGenerator,
}

impl std::fmt::Debug for CqlProcessor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CqlProcessor")
            .field("prepared", &self.prepared.borrow().len())
            .finish_non_exhaustive()
    }
}

/// A prepared statement's id: a hash of the keyspace and the text, so every
/// shard and node computes the same id for the same statement.
pub fn statement_id(keyspace: Option<&str>, text: &str) -> [u8; 16] {
    let mut input = Vec::with_capacity(text.len() + 64);
    input.extend_from_slice(keyspace.unwrap_or_default().as_bytes());
    input.push(0);
    input.extend_from_slice(text.as_bytes());
    let (h1, h2) = murmur3_x64_128(&input, 0x1D);
    let mut id = [0u8; 16];
    id[..8].copy_from_slice(&h1.to_be_bytes());
    id[8..].copy_from_slice(&h2.to_be_bytes());
    id
}

fn now_ms() -> i64 {
    ShardServices::now_us() / 1000
}

fn syntax(error: parser::SyntaxError) -> CqlError {
    CqlError::Syntax(error.to_string())
}

impl CqlProcessor {
    pub fn new(services: Rc<ShardServices>) -> Self {
        Self {
            services,
            prepared: RefCell::new(HashMap::new()),
            timeuuids: TimeuuidGenerator::new(),
        }
    }

    fn keyspace<'a>(ctx: &'a RequestContext<'_>, explicit: Option<&'a str>) -> Option<String> {
        explicit
            .map(str::to_owned)
            .or_else(|| ctx.client.keyspace.borrow().clone())
    }

    fn prepare_text(&self, text: &str, keyspace: Option<&str>) -> CqlResult<PreparedStatement> {
        let parsed = parser::parse(text).map_err(syntax)?;
        prepare(
            &self.services.schema(),
            &parsed.statement,
            &parsed.bind_markers,
            keyspace,
        )
    }

    /// The cached statement for `id`, re-prepared if the schema changed since.
    fn cached(&self, id: &[u8]) -> CqlResult<Rc<PreparedStatement>> {
        let key: [u8; 16] = id
            .try_into()
            .map_err(|_| CqlError::Unprepared { id: id.to_vec() })?;
        let (text, keyspace, statement) = {
            let cache = self.prepared.borrow();
            let entry = cache
                .get(&key)
                .ok_or_else(|| CqlError::Unprepared { id: id.to_vec() })?;
            (
                entry.text.clone(),
                entry.keyspace.clone(),
                entry.statement.clone(),
            )
        };
        if statement.schema_version == self.services.schema().version {
            return Ok(statement);
        }
        let fresh = Rc::new(self.prepare_text(&text, keyspace.as_deref())?);
        if let Some(entry) = self.prepared.borrow_mut().get_mut(&key) {
            entry.statement = fresh.clone();
        }
        Ok(fresh)
    }

    async fn run(
        &self,
        statement: &PreparedStatement,
        params: &QueryParameters<'_>,
        warnings: &mut Vec<String>,
    ) -> CqlResult<ResultBody> {
        let bound = Bound::new(
            &params.values,
            &statement.bind_names,
            now_ms(),
            &self.timeuuids,
        )?;
        let result = self.run_bound(statement, params, &bound).await;
        warnings.extend(bound.warnings.take());
        result
    }

    /// Runs a bound statement. The rare, large branches (batches, schema
    /// changes, TRUNCATE) are boxed: an async fn's future is as large as its
    /// largest branch, and the request path moves these futures by value
    /// (a memcpy of the whole size at every level, per request).
    async fn run_bound(
        &self,
        statement: &PreparedStatement,
        params: &QueryParameters<'_>,
        bound: &Bound<'_>,
    ) -> CqlResult<ResultBody> {
        let bound = bound;
        match &statement.plan {
            Plan::Select(plan) => {
                let mut result = plan
                    .execute(
                        &self.services,
                        &bound,
                        params.page_size,
                        params.paging_state,
                    )
                    .await?;
                if params.skip_metadata {
                    if let ResultBody::Rows(rows) = &mut result {
                        rows.metadata.no_metadata = true;
                        rows.metadata.columns.clear();
                    }
                }
                Ok(result)
            }
            Plan::Modify(plan) => plan
                .execute(&self.services, &bound)
                .await
                .map(|result| result.unwrap_or(ResultBody::Void)),
            Plan::Batch(plan) => {
                let mut warnings = Vec::new();
                let result =
                    Box::pin(plan.execute(&self.services, bound, params.timestamp, &mut warnings))
                        .await;
                bound.warnings.borrow_mut().extend(warnings);
                result
            }
            Plan::Schema(plan) => Box::pin(plan.execute(&self.services)).await,
            Plan::Use(keyspace) => Ok(ResultBody::SetKeyspace(keyspace.clone())),
            Plan::Describe(plan) => {
                plan.execute(&self.services.schema(), &self.services.node, params)
            }
            Plan::Truncate(table) => Box::pin(self.truncate(table)).await,
        }
    }

    /// TRUNCATE on every shard (Unauthorized for system keyspaces).
    async fn truncate(&self, table: &TableMetadata) -> CqlResult<ResultBody> {
        if self
            .services
            .schema()
            .keyspace(&table.keyspace)
            .is_some_and(|k| k.replication.is_local() || k.is_virtual)
        {
            return Err(CqlError::Unauthorized(format!(
                "{} keyspace is not user-modifiable.",
                table.keyspace
            )));
        }
        let id = table.storage_id;
        for shard in 0..self.services.sharder.nr_shards() {
            self.services
                .mesh
                .call(shard, move |ctx| async move {
                    ShardServices::from_context(ctx)?
                        .data
                        .truncate_table(id)
                        .await
                })
                .await
                .map_err(|_| CqlError::Truncate(format!("shard {shard} is shutting down")))??;
        }
        Ok(ResultBody::Void)
    }

    fn begin_trace(&self, ctx: &RequestContext<'_>) -> Option<Trace> {
        ctx.tracing.then(|| Trace::begin(&self.timeuuids, now_ms()))
    }

    fn statement_text(&self, id: &[u8]) -> Option<String> {
        let key: [u8; 16] = id.try_into().ok()?;
        self.prepared.borrow().get(&key).map(|e| e.text.clone())
    }

    /// Writes the trace (if any) and puts its session id on the response. A
    /// trace that fails to write is logged; the request's answer stands.
    async fn finish_trace(
        &self,
        trace: Option<Trace>,
        ctx: &RequestContext<'_>,
        request: &str,
        parameters: impl FnOnce() -> Vec<(String, String)>,
        response: ProcessorResponse,
    ) -> ProcessorResponse {
        // Parameters are built only for traced requests, and the trace's
        // writes live in a boxed future so untraced requests stay small.
        let Some(trace) = trace else { return response };
        Box::pin(self.record_trace(trace, ctx, request, parameters(), response)).await
    }

    async fn record_trace(
        &self,
        trace: Trace,
        ctx: &RequestContext<'_>,
        request: &str,
        parameters: Vec<(String, String)>,
        mut response: ProcessorResponse,
    ) -> ProcessorResponse {
        let session_id = trace.session_id;
        match trace
            .finish(
                &self.services,
                &self.timeuuids,
                ctx.client.peer.ip(),
                request,
                parameters,
            )
            .await
        {
            Ok(()) => response.tracing_id = Some(session_id),
            Err(e) => tracing::warn!("could not record trace session: {e}"),
        }
        response
    }

    fn remember(
        &self,
        id: [u8; 16],
        text: &str,
        keyspace: Option<String>,
        statement: Rc<PreparedStatement>,
    ) {
        let mut cache = self.prepared.borrow_mut();
        if cache.len() >= PREPARED_CACHE_CAPACITY && !cache.contains_key(&id) {
            // Bounded: drop an arbitrary entry; a client that still uses it
            // gets UNPREPARED and prepares again.
            if let Some(victim) = cache.keys().next().copied() {
                cache.remove(&victim);
            }
        }
        cache.insert(
            id,
            CacheEntry {
                text: text.to_owned(),
                keyspace,
                statement,
            },
        );
    }

    async fn batch_inner(
        &self,
        ctx: &RequestContext<'_>,
        batch: &Batch<'_>,
        warnings: &mut Vec<String>,
    ) -> CqlResult<ResultBody> {
        let keyspace = Self::keyspace(ctx, batch.keyspace);
        let mut prepared = Vec::with_capacity(batch.statements.len());
        for statement in &batch.statements {
            let (statement, values) = match statement {
                WireBatchStatement::Query { query, values } => {
                    let parsed = parser::parse(query).map_err(syntax)?;
                    if !matches!(
                        parsed.statement,
                        Statement::Insert(_) | Statement::Update(_) | Statement::Delete(_)
                    ) {
                        return Err(CqlError::invalid(
                            "Invalid statement in batch: only UPDATE, INSERT and DELETE statements are allowed.",
                        ));
                    }
                    (
                        Rc::new(prepare(
                            &self.services.schema(),
                            &parsed.statement,
                            &parsed.bind_markers,
                            keyspace.as_deref(),
                        )?),
                        values,
                    )
                }
                WireBatchStatement::Prepared { id, values } => (self.cached(id)?, values),
            };
            if !matches!(statement.plan, Plan::Modify(_)) {
                return Err(CqlError::invalid(
                    "Invalid statement in batch: only UPDATE, INSERT and DELETE statements are allowed.",
                ));
            }
            prepared.push((statement, values));
        }
        let plans: Vec<&ModifyPlan> = prepared
            .iter()
            .filter_map(|(statement, _)| match &statement.plan {
                Plan::Modify(plan) => Some(plan.as_ref()),
                _ => None,
            })
            .collect();
        let kind = match batch.batch_type {
            BatchType::Logged => BatchKind::Logged,
            BatchType::Unlogged => BatchKind::Unlogged,
            BatchType::Counter => BatchKind::Counter,
        };
        validate_batch(kind, false, plans.iter().copied())?;
        let mut bounds = Vec::with_capacity(prepared.len());
        for (statement, values) in &prepared {
            bounds.push(Bound::new(
                values,
                &statement.bind_names,
                now_ms(),
                &self.timeuuids,
            )?);
        }
        let items: Vec<(&ModifyPlan, &Bound<'_>)> = plans.into_iter().zip(&bounds).collect();
        let result = execute_batch(&self.services, kind, &items, batch.timestamp, warnings).await;
        for bound in &bounds {
            warnings.extend(bound.warnings.take());
        }
        result
    }
}

fn respond(result: CqlResult<ResultBody>) -> ProcessorResponse {
    match result {
        Ok(body) => ProcessorResponse::ok(body),
        Err(error) => ProcessorResponse::error(error),
    }
}

impl QueryProcessor for CqlProcessor {
    async fn query(&self, ctx: &RequestContext<'_>, query: &Query<'_>) -> ProcessorResponse {
        let keyspace = Self::keyspace(ctx, query.params.keyspace);
        let mut trace = self.begin_trace(ctx);
        if let Some(trace) = &mut trace {
            trace.event(format!("Parsing {}", query.query));
        }
        let mut warnings = Vec::new();
        let result = async {
            let statement = self.prepare_text(query.query, keyspace.as_deref())?;
            if let Some(trace) = &mut trace {
                trace.event("Preparing statement");
                trace.event(format!(
                    "Executing statement with consistency {}",
                    query.params.consistency
                ));
            }
            self.run(&statement, &query.params, &mut warnings).await
        }
        .await;
        let parameters = || {
            vec![
                ("query".to_owned(), query.query.to_owned()),
                (
                    "consistency_level".to_owned(),
                    query.params.consistency.name().to_owned(),
                ),
            ]
        };
        let mut response = respond(result);
        response.warnings = warnings;
        self.finish_trace(trace, ctx, "Execute CQL3 query", parameters, response)
            .await
    }

    async fn prepare(
        &self,
        ctx: &RequestContext<'_>,
        prepare_request: &Prepare<'_>,
    ) -> ProcessorResponse {
        let keyspace = Self::keyspace(ctx, prepare_request.keyspace);
        let result = (|| {
            let statement = Rc::new(self.prepare_text(prepare_request.query, keyspace.as_deref())?);
            let id = statement_id(keyspace.as_deref(), prepare_request.query);
            let metadata = PreparedMetadata {
                pk_indexes: statement.pk_indexes.clone(),
                columns: statement.bind_specs.clone(),
            };
            let result_metadata = statement.result_metadata.clone();
            let mut encoded = Vec::new();
            result_metadata.encode(&mut encoded);
            let result_metadata_id =
                statement_id(None, &String::from_utf8_lossy(&encoded)).to_vec();
            self.remember(id, prepare_request.query, keyspace.clone(), statement);
            Ok(ResultBody::Prepared(Prepared {
                id: id.to_vec(),
                result_metadata_id: Some(result_metadata_id),
                metadata,
                result_metadata,
            }))
        })();
        respond(result)
    }

    async fn execute(&self, ctx: &RequestContext<'_>, execute: &Execute<'_>) -> ProcessorResponse {
        let mut trace = self.begin_trace(ctx);
        let mut text = String::new();
        let mut warnings = Vec::new();
        let result = async {
            let statement = self.cached(execute.id)?;
            if let Some(trace) = &mut trace {
                text = self.statement_text(execute.id).unwrap_or_default();
                trace.event(format!(
                    "Executing prepared statement with consistency {}",
                    execute.params.consistency
                ));
            }
            self.run(&statement, &execute.params, &mut warnings).await
        }
        .await;
        let parameters = || {
            vec![
                ("query".to_owned(), text),
                (
                    "consistency_level".to_owned(),
                    execute.params.consistency.name().to_owned(),
                ),
            ]
        };
        let mut response = respond(result);
        response.warnings = warnings;
        self.finish_trace(
            trace,
            ctx,
            "Execute CQL3 prepared query",
            parameters,
            response,
        )
        .await
    }

    async fn batch(&self, ctx: &RequestContext<'_>, batch: &Batch<'_>) -> ProcessorResponse {
        let mut trace = self.begin_trace(ctx);
        if let Some(trace) = &mut trace {
            trace.event(format!(
                "Executing batch of {} statements",
                batch.statements.len()
            ));
        }
        let mut warnings = Vec::new();
        let result = self.batch_inner(ctx, batch, &mut warnings).await;
        let parameters = || {
            vec![(
                "consistency_level".to_owned(),
                batch.consistency.name().to_owned(),
            )]
        };
        let mut response = respond(result);
        response.warnings = warnings;
        self.finish_trace(
            trace,
            ctx,
            "Execute batch of CQL3 queries",
            parameters,
            response,
        )
        .await
    }
}
