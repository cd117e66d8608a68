//! Routing of writes and reads to the shard that owns the data: user tables
//! by token (ScyllaDB's sharding), node-local tables to shard 0's system
//! engine. A local call runs inline; a remote one goes over the mesh once.
//!
//! Range scans ask every shard for up to `row_limit` rows past the paging
//! position and merge the shards' answers in ring order: shards own disjoint
//! token sets, so the merge is a plain k-way merge by (token, key).

use std::rc::Rc;
use std::sync::Arc;

use sibyl_storage::mutation::Mutation;
use sibyl_storage::query::{PagingPosition, PartitionSelection, ReadCommand, ReadResult};

use super::ShardServices;
use crate::cql3::{CqlError, CqlResult};
use crate::dht::Token;
use crate::schema::TableMetadata;
use crate::shard::ShardId;

fn is_local_table(services: &ShardServices, table: &TableMetadata) -> bool {
    services
        .schema()
        .keyspace(&table.keyspace)
        .is_some_and(|ks| ks.replication.is_local())
}

fn unavailable(shard: ShardId) -> CqlError {
    CqlError::Overloaded(format!("shard {shard} is shutting down"))
}

/// Applies `mutation` on the shard that owns it.
pub async fn apply(
    services: &Rc<ShardServices>,
    table: &TableMetadata,
    mutation: Mutation,
) -> CqlResult<()> {
    if table.is_virtual {
        return Err(CqlError::invalid(format!(
            "Modification on virtual table {}.{} is not supported",
            table.keyspace, table.name
        )));
    }
    // The system-table and cross-shard paths are boxed: an async fn's future
    // is as large as its largest branch, and the common local write's
    // future is moved by value at every level of the request path.
    if is_local_table(services, table) {
        return Box::pin(services.mesh.call(0, move |ctx| async move {
            let shard = ShardServices::from_context(ctx)?;
            match &shard.system {
                Some(system) => system.apply(&mutation).await,
                None => Err(CqlError::server("system tables live on shard 0")),
            }
        }))
        .await
        .map_err(|_| unavailable(0))?;
    }
    let owner = services.sharder.shard_of(Token(mutation.update.token));
    if owner == services.shard {
        return services.write_owned(mutation).await;
    }
    Box::pin(services.mesh.call(owner, move |ctx| async move {
        ShardServices::from_context(ctx)?
            .write_owned(mutation)
            .await
    }))
    .await
    .map_err(|_| unavailable(owner))?
}

async fn read_on(
    services: &Rc<ShardServices>,
    shard: ShardId,
    local_table: bool,
    command: ReadCommand,
) -> CqlResult<ReadResult> {
    if shard == services.shard && !local_table {
        return services.data.read(&command).await;
    }
    // Boxed: a shard-aware client rarely needs it, and an unboxed mesh call
    // would make every local read's future (moved by value) larger.
    Box::pin(services.mesh.call(shard, move |ctx| async move {
        let services = ShardServices::from_context(ctx)?;
        if local_table {
            match &services.system {
                Some(system) => system.read(&command).await,
                None => Err(CqlError::server("system tables live on shard 0")),
            }
        } else {
            services.data.read(&command).await
        }
    }))
    .await
    .map_err(|_| unavailable(shard))?
}

/// Executes `command` where the data lives and merges shard answers.
pub async fn read(
    services: &Rc<ShardServices>,
    table: &Arc<TableMetadata>,
    command: ReadCommand,
) -> CqlResult<ReadResult> {
    let local_table = is_local_table(services, table);
    if local_table {
        return Box::pin(read_on(services, 0, true, command)).await;
    }
    match &command.selection {
        PartitionSelection::Single { token, .. } => {
            let owner = services.sharder.shard_of(Token(*token));
            read_on(services, owner, false, command).await
        }
        PartitionSelection::TokenRange(_) => {
            let nr_shards = services.sharder.nr_shards();
            let mut answers = Vec::with_capacity(nr_shards);
            // Shards are asked one after another to bound memory; each
            // answer is at most `row_limit` rows.
            for shard in 0..nr_shards {
                answers.push(Box::pin(read_on(services, shard, false, command.clone())).await?);
            }
            Ok(merge_ranges(answers, command.row_limit))
        }
    }
}

/// Merges per-shard range answers in (token, key) order, keeping at most
/// `row_limit` rows; the next page starts after the last row kept.
fn merge_ranges(answers: Vec<ReadResult>, row_limit: u32) -> ReadResult {
    let mut partitions: Vec<_> = answers.into_iter().flat_map(|a| a.partitions).collect();
    partitions.sort_by(|a, b| (a.token, &a.key).cmp(&(b.token, &b.key)));
    let mut rows_left = row_limit as usize;
    let mut kept = Vec::new();
    let mut next_page = None;
    for mut partition in partitions {
        if rows_left == 0 {
            break;
        }
        let rows = partition.rows.len().max(1);
        if partition.rows.len() > rows_left {
            partition.rows.truncate(rows_left);
        }
        rows_left = rows_left.saturating_sub(rows.min(rows_left.max(1)));
        if rows_left == 0 {
            let last = partition.rows.last().map(|r| r.clustering.clone());
            next_page = Some(PagingPosition {
                token: partition.token,
                key: partition.key.clone(),
                last_clustering: last,
                remaining_in_partition: u32::MAX,
            });
        }
        kept.push(partition);
    }
    ReadResult {
        partitions: kept,
        next_page,
    }
}
