//! DESCRIBE executed by the server, as Cassandra 4.0+ does it
//! (`DescribeStatement.java`); cqlsh sends DESCRIBE as a statement because
//! we report release 5.0.0.
//!
//! Result shapes (all `text`, table spec `system.describe`): lists
//! (KEYSPACES, TABLES, TYPES, FUNCTIONS, AGGREGATES) return `keyspace_name,
//! type, name`; single elements, KEYSPACE and SCHEMA add `create_statement`;
//! CLUSTER returns `cluster, partitioner, snitch`, plus `range_ownership`
//! (`map<text, list<text>>`) when the connection uses a non-system keyspace.
//!
//! The result is computed from the shard's current schema snapshot at every
//! execution. Paging is by row offset: the paging state carries the schema
//! version, and a page requested after a schema change fails with Cassandra's
//! message instead of mixing two schemas in one output.

mod create_statements;
mod elements;
#[cfg(test)]
mod tests;

use sibyl_protocol::request::QueryParameters;
use sibyl_protocol::response::{ColumnSpec, ResultBody, Rows, RowsMetadata};
use sibyl_protocol::types::ColumnType;
use sibyl_protocol::wire::write_bytes;

use super::ast::{DescribeStatement, DescribeTarget};
use super::{CqlError, CqlResult};
use crate::dht::PARTITIONER_NAME;
use crate::schema::Schema;
use crate::schema::system::is_system_keyspace;
use crate::service::NodeInfo;

pub use create_statements::{cql_type, java_double};
pub use elements::Element;

/// Table spec of every DESCRIBE result column.
const RESULT_KEYSPACE: &str = "system";
const RESULT_TABLE: &str = "describe";

/// First two bytes of our paging state, so a foreign state is rejected.
const PAGING_STATE_VERSION: [u8; 2] = [0x00, 0x01];

pub const SCHEMA_CHANGED_WHILE_PAGING_MESSAGE: &str = "The schema has changed since the previous page of the DESCRIBE statement result. Please retry the DESCRIBE statement.";

/// Cassandra's default snitch as `DESCRIBE CLUSTER` names it (the dynamic
/// snitch wraps the configured one).
const SNITCH: &str = "DynamicEndpointSnitch";

/// Cassandra's default storage port, shown in `range_ownership` endpoints.
const STORAGE_PORT: u16 = 7000;

/// A prepared DESCRIBE: the target and the keyspace the connection used.
#[derive(Debug, Clone)]
pub struct DescribePlan {
    pub statement: DescribeStatement,
    /// The connection's keyspace (`USE`) at prepare time: lists and
    /// unqualified names default to it, as Cassandra's `getRawKeyspace`.
    pub keyspace: Option<String>,
}

fn text_column(name: &str) -> ColumnSpec {
    ColumnSpec {
        keyspace: RESULT_KEYSPACE.to_owned(),
        table: RESULT_TABLE.to_owned(),
        name: name.to_owned(),
        column_type: ColumnType::Text,
    }
}

impl DescribePlan {
    pub fn new(statement: &DescribeStatement, keyspace: Option<&str>) -> Self {
        Self {
            statement: statement.clone(),
            keyspace: keyspace.map(str::to_owned),
        }
    }

    fn is_list(&self) -> bool {
        matches!(
            self.statement.target,
            DescribeTarget::Keyspaces
                | DescribeTarget::Tables
                | DescribeTarget::Types
                | DescribeTarget::Functions
                | DescribeTarget::Aggregates
        )
    }

    /// Range ownership is shown only when a non-system keyspace is in use.
    fn shows_range_ownership(&self) -> bool {
        self.keyspace
            .as_deref()
            .is_some_and(|keyspace| !is_system_keyspace(keyspace))
    }

    /// The columns of the result, known before execution (for PREPARED).
    pub fn result_metadata(&self) -> RowsMetadata {
        let names: &[&str] = match self.statement.target {
            DescribeTarget::Cluster if self.shows_range_ownership() => {
                &["cluster", "partitioner", "snitch", "range_ownership"]
            }
            DescribeTarget::Cluster => &["cluster", "partitioner", "snitch"],
            _ if self.is_list() => &["keyspace_name", "type", "name"],
            _ => &["keyspace_name", "type", "name", "create_statement"],
        };
        let columns = names
            .iter()
            .map(|name| {
                let mut column = text_column(name);
                if *name == "range_ownership" {
                    column.column_type = ColumnType::Map(
                        Box::new(ColumnType::Text),
                        Box::new(ColumnType::List(Box::new(ColumnType::Text))),
                    );
                }
                column
            })
            .collect();
        RowsMetadata::new(columns)
    }

    /// Runs against `schema`, returning the page `params` asks for.
    pub fn execute(
        &self,
        schema: &Schema,
        node: &NodeInfo,
        params: &QueryParameters<'_>,
    ) -> CqlResult<ResultBody> {
        let offset = match params.paging_state {
            Some(state) => read_paging_state(state, schema)?,
            None => 0,
        };
        let page_size = params
            .page_size
            .filter(|size| *size > 0)
            .and_then(|size| usize::try_from(size).ok());
        let mut metadata = self.result_metadata();
        let mut content = Vec::new();
        let mut rows_count = 0;
        if let DescribeTarget::Cluster = self.statement.target {
            // One row, so any page holds it all.
            if offset == 0 {
                self.cluster_row(node, &mut content);
                rows_count = 1;
            }
        } else {
            let elements = elements::describe(schema, &self.statement.target, self.keyspace())?;
            let start = usize::try_from(offset)
                .unwrap_or(usize::MAX)
                .min(elements.len());
            let end = page_size.map_or(elements.len(), |size| {
                start.saturating_add(size).min(elements.len())
            });
            let with_create = metadata.columns.len() == 4;
            for element in elements.get(start..end).unwrap_or_default() {
                for cell in element.list_columns() {
                    write_bytes(&mut content, Some(cell.as_bytes()));
                }
                if with_create {
                    let create = element.create_statement(self.statement.with_internals);
                    write_bytes(&mut content, Some(create.as_bytes()));
                }
                rows_count += 1;
            }
            // Like Cassandra, a full page always announces a next one, even
            // if it turns out empty.
            if page_size.is_some_and(|size| rows_count == size) {
                metadata.paging_state =
                    Some(paging_state(schema, u64::try_from(end).unwrap_or(u64::MAX)));
            }
        }
        if params.skip_metadata {
            metadata.no_metadata = true;
            metadata.columns.clear();
        }
        Ok(ResultBody::Rows(Rows {
            metadata,
            rows_count,
            content,
        }))
    }

    fn keyspace(&self) -> Option<&str> {
        self.keyspace.as_deref()
    }

    fn cluster_row(&self, node: &NodeInfo, out: &mut Vec<u8>) {
        let partitioner = PARTITIONER_NAME
            .strip_prefix("org.apache.cassandra.dht.")
            .unwrap_or(PARTITIONER_NAME);
        for cell in [node.cluster_name.as_str(), partitioner, SNITCH] {
            write_bytes(out, Some(cell.as_bytes()));
        }
        if self.shows_range_ownership() {
            write_bytes(out, Some(&range_ownership(node)));
        }
    }
}

/// `map<text, list<text>>` (protocol v3+ collection encoding): each token
/// this node owns up to, mapped to its endpoint, in token order.
fn range_ownership(node: &NodeInfo) -> Vec<u8> {
    let endpoint = format!("/{}:{STORAGE_PORT}", node.listen_address);
    let mut tokens = node.tokens.clone();
    tokens.sort_unstable();
    let mut out = Vec::new();
    out.extend_from_slice(&count(tokens.len()).to_be_bytes());
    for token in tokens {
        write_bytes(&mut out, Some(token.to_string().as_bytes()));
        let mut list = Vec::new();
        list.extend_from_slice(&1i32.to_be_bytes());
        write_bytes(&mut list, Some(endpoint.as_bytes()));
        write_bytes(&mut out, Some(&list));
    }
    out
}

fn count(len: usize) -> i32 {
    i32::try_from(len).unwrap_or(i32::MAX)
}

/// ## Format
/// `[version: 2 bytes = 00 01][schema version: 16 bytes][next row offset: u64 BE]`
fn paging_state(schema: &Schema, offset: u64) -> Vec<u8> {
    let mut state = Vec::with_capacity(26);
    state.extend_from_slice(&PAGING_STATE_VERSION);
    state.extend_from_slice(&schema.version);
    state.extend_from_slice(&offset.to_be_bytes());
    state
}

fn read_paging_state(state: &[u8], schema: &Schema) -> CqlResult<u64> {
    let invalid = || CqlError::invalid("Invalid paging state.");
    let (version, rest) = state.split_first_chunk::<2>().ok_or_else(invalid)?;
    if *version != PAGING_STATE_VERSION {
        return Err(CqlError::invalid("Incompatible paging state"));
    }
    let (schema_version, rest) = rest.split_first_chunk::<16>().ok_or_else(invalid)?;
    let offset = rest
        .try_into()
        .map(u64::from_be_bytes)
        .map_err(|_| invalid())?;
    if *schema_version != schema.version {
        return Err(CqlError::invalid(SCHEMA_CHANGED_WHILE_PAGING_MESSAGE));
    }
    Ok(offset)
}
