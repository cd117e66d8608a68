//! Index-backed reads: candidate rows from a secondary index, a page at a
//! time, or the nearest rows from a vector index, on every shard, read back
//! in full.
//!
//! Index answers come in (token, partition key, clustering) order. Each
//! shard reads its own candidates after the page's start position, re-checks
//! them against the bound filters (index entries can be stale) and returns
//! at most a page of rows; the coordinator merges the shards' answers and
//! keeps the first page, so a page costs each shard one index lookup and at
//! most a page of row reads past the filters.

use std::cmp::Ordering;
use std::rc::Rc;

use sibyl_protocol::types::ColumnType;
use sibyl_storage::mutation::ClusteringSlice;
use sibyl_storage::query::{PagingPosition, ReadCommand};

use super::filter::{BoundFilter, row_passes};
use super::*;
use crate::cql3::rows::{CqlRow, decode_partition, decode_partition_cells};
use crate::cql3::{CqlError, CqlResult};
use crate::dht::token_of_key;
use crate::schema::ColumnKind;
use crate::service::ShardServices;

/// Where a row sits in index-answer order: token, partition key, clustering.
type RowPosition = (i64, Vec<u8>, Vec<Vec<u8>>);

/// Clustering columns' types and directions, for ordering clusterings.
fn clustering_order(table: &TableMetadata) -> Vec<(ColumnType, bool)> {
    table
        .clustering_key()
        .map(|c| (c.column_type.clone(), c.descending))
        .collect()
}

fn compare_positions(
    order: &[(ColumnType, bool)],
    a: (i64, &[u8], &[Vec<u8>]),
    b: (i64, &[u8], &[Vec<u8>]),
) -> Ordering {
    (a.0, a.1)
        .cmp(&(b.0, b.1))
        .then_with(|| compare_prefixes(order, a.2, b.2))
}

/// A row's clustering values (empty values for a static-only row).
fn row_clustering(table: &TableMetadata, row: &CqlRow) -> Vec<Vec<u8>> {
    table
        .columns
        .iter()
        .zip(&row.values)
        .filter(|(c, _)| c.kind == ColumnKind::Clustering)
        .map(|(_, v)| v.clone().unwrap_or_default())
        .collect()
}

/// Reads the rows of one partition that index entries point at: the given
/// clusterings, or the whole partition when an entry covers it (an index on
/// a static column or a partition key component).
async fn read_entries(
    services: &ShardServices,
    table: &TableMetadata,
    key: Vec<u8>,
    mut clusterings: Vec<Vec<Vec<u8>>>,
    now_s: i64,
    with_cells: bool,
) -> CqlResult<Vec<CqlRow>> {
    let token = token_of_key(&key).0;
    let whole = table.clustering_len() == 0 || clusterings.iter().any(Vec::is_empty);
    let slices = if whole {
        Vec::new()
    } else {
        let order = clustering_order(table);
        clusterings.sort_by(|a, b| compare_prefixes(&order, a, b));
        clusterings.dedup();
        clusterings
            .into_iter()
            .map(ClusteringSlice::exact)
            .collect()
    };
    let command = ReadCommand {
        slices,
        ..ReadCommand::single_partition(table.storage_id, key, token, now_s)
    };
    let result = services.data.read(&command).await?;
    let mut rows = Vec::new();
    for partition in &result.partitions {
        if with_cells {
            decode_partition_cells(table, partition, now_s, &mut rows);
        } else {
            decode_partition(table, partition, now_s, &mut rows);
        }
    }
    Ok(rows)
}

/// What each shard reads for one page of an index query.
#[derive(Debug, Clone)]
struct PageRequest {
    index: String,
    operator: crate::cql3::ast::Operator,
    /// The value looked up (see [`index_value`]).
    value: Vec<u8>,
    after: Option<PagingPosition>,
    /// Clustering restrictions the rows must meet (none: every row).
    slices: Vec<ClusteringSlice>,
    want: usize,
    filters: Vec<BoundFilter>,
    now_s: i64,
    with_cells: bool,
}

/// Index hits looked up per step: a page's worth, at least this many.
const MIN_LOOKUP_ROWS: usize = 64;

/// This shard's first `want` rows after `after` among the index hits that
/// pass the filters, in order, and whether it has more. The index is read a
/// page of hits at a time from the position's partition on, so a page costs
/// about a page of hits whatever the index holds.
async fn shard_index_page(
    services: &ShardServices,
    table: &TableMetadata,
    request: &PageRequest,
) -> CqlResult<(Vec<(RowPosition, CqlRow)>, bool)> {
    let (after, want) = (request.after.as_ref(), request.want);
    let order = clustering_order(table);
    let is_after = |token: i64, key: &[u8], clustering: &[Vec<u8>]| {
        after.is_none_or(|p| {
            let last = p.last_clustering.as_deref().unwrap_or_default();
            match (token, key).cmp(&(p.token, p.key.as_slice())) {
                Ordering::Equal => compare_prefixes(&order, clustering, last) == Ordering::Greater,
                other => other == Ordering::Greater,
            }
        })
    };
    let mut from: Option<(i64, Vec<u8>)> = after.map(|p| (p.token, p.key.clone()));
    let mut out = Vec::new();
    loop {
        let (hits, more_hits) = services.indexes.lookup_page(
            table.storage_id,
            &request.index,
            request.operator,
            &request.value,
            from.as_ref().map(|(token, key)| (*token, key.as_slice())),
            want.saturating_add(1).max(MIN_LOOKUP_ROWS),
        )?;
        let mut hits = hits.into_iter().peekable();
        let mut last_partition = None;
        while let Some((token, key, clustering)) = hits.next() {
            // The hits of one partition are read together.
            let mut clusterings = vec![clustering];
            while let Some((_, next_key, _)) = hits.peek() {
                if *next_key != key {
                    break;
                }
                if let Some((_, _, c)) = hits.next() {
                    clusterings.push(c);
                }
            }
            let rows = read_entries(
                services,
                table,
                key.clone(),
                clusterings,
                request.now_s,
                request.with_cells,
            )
            .await?;
            for row in rows {
                let clustering = row_clustering(table, &row);
                if !is_after(token, &key, &clustering)
                    || !in_slices(&order, &request.slices, &clustering)
                    || !row_passes(&request.filters, &row)?
                {
                    continue;
                }
                if out.len() >= want {
                    return Ok((out, true));
                }
                out.push(((token, key.clone(), clustering), row));
            }
            last_partition = Some((token, key));
        }
        // Continue after the last partition read: the smallest key above it.
        match last_partition {
            Some((token, mut key)) if more_hits => {
                key.push(0);
                from = Some((token, key));
            }
            _ => return Ok((out, false)),
        }
    }
}

/// Whether a row's clustering falls in one of `slices` (all rows when there
/// are none): a bound admits every clustering under its prefix when
/// inclusive, none when exclusive.
fn in_slices(
    order: &[(ColumnType, bool)],
    slices: &[ClusteringSlice],
    clustering: &[Vec<u8>],
) -> bool {
    let side = |bound: &sibyl_storage::mutation::Bound, wanted: Ordering| {
        let n = bound.prefix.len().min(clustering.len());
        match compare_prefixes(order, &clustering[..n], &bound.prefix[..n]) {
            Ordering::Equal => bound.inclusive,
            other => other == wanted,
        }
    };
    slices.is_empty()
        || slices
            .iter()
            .any(|s| side(&s.start, Ordering::Greater) && side(&s.end, Ordering::Less))
}

/// The value an index holds for a filter: the compared value, or for
/// `m[k] = v` on an `entries(m)` index the (key, value) pair as a tuple.
fn index_value(filter: &BoundFilter) -> Vec<u8> {
    let value = filter.values.first().cloned().unwrap_or_default();
    match &filter.map_key {
        Some(key) => crate::index::entry_bytes(key, &value),
        None => value,
    }
}

impl SelectPlan {
    /// One page of an index-backed SELECT: at most `want` rows after `after`
    /// over all shards, and the position to resume from when more remain.
    #[expect(clippy::too_many_arguments, reason = "one page's inputs")]
    pub(super) async fn index_page(
        &self,
        services: &Rc<ShardServices>,
        filters: &[BoundFilter],
        slices: &[ClusteringSlice],
        (index, filter): (&str, usize),
        after: Option<PagingPosition>,
        want: u32,
        now_s: i64,
    ) -> CqlResult<(Vec<CqlRow>, Option<PagingPosition>)> {
        let Some(lookup) = filters.get(filter) else {
            return Err(CqlError::server("index filter out of range"));
        };
        let request = PageRequest {
            index: index.to_owned(),
            operator: lookup.operator,
            value: index_value(lookup),
            after,
            slices: slices.to_vec(),
            want: want as usize,
            filters: filters.to_vec(),
            now_s,
            with_cells: self.selection.needs_cells,
        };
        let want = want as usize;
        let mut pages = Vec::new();
        let mut more = false;
        for shard in 0..services.sharder.nr_shards() {
            let (table, request) = (self.table.clone(), request.clone());
            let (rows, shard_more) = services
                .mesh
                .call(shard, move |ctx| async move {
                    let services = ShardServices::from_context(ctx)?;
                    shard_index_page(&services, &table, &request).await
                })
                .await
                .map_err(|_| CqlError::Overloaded(format!("shard {shard} is shutting down")))??;
            more |= shard_more;
            pages.extend(rows);
        }
        let order = clustering_order(&self.table);
        pages.sort_by(|(a, _), (b, _)| {
            compare_positions(&order, (a.0, &a.1, &a.2), (b.0, &b.1, &b.2))
        });
        more |= pages.len() > want;
        pages.truncate(want);
        let next = match pages.last() {
            Some(((token, key, clustering), _)) if more => Some(PagingPosition {
                token: *token,
                key: key.clone(),
                last_clustering: Some(clustering.clone()),
                remaining_in_partition: u32::MAX,
            }),
            _ => None,
        };
        Ok((pages.into_iter().map(|(_, row)| row).collect(), next))
    }

    /// The `k` rows nearest to `vector` over all shards, best first.
    pub(super) async fn ann_rows(
        &self,
        services: &Rc<ShardServices>,
        index: &str,
        vector: Vec<f32>,
        k: usize,
        now_s: i64,
    ) -> CqlResult<Vec<CqlRow>> {
        let mut scored: Vec<(f32, CqlRow)> = Vec::new();
        for shard in 0..services.sharder.nr_shards() {
            let (table, index, vector) = (self.table.clone(), index.to_owned(), vector.clone());
            let cells = self.selection.needs_cells;
            let found = services
                .mesh
                .call(shard, move |ctx| async move {
                    let services = ShardServices::from_context(ctx)?;
                    let hits = services.indexes.ann(table.storage_id, &index, &vector, k)?;
                    let mut rows = Vec::new();
                    for ((key, clustering), score) in hits {
                        // A deleted or overwritten row is gone or rescored below.
                        let found =
                            read_entries(&services, &table, key, vec![clustering], now_s, cells);
                        rows.extend(found.await?.into_iter().map(|row| (score, row)));
                    }
                    Ok::<Vec<(f32, CqlRow)>, CqlError>(rows)
                })
                .await
                .map_err(|_| CqlError::Overloaded(format!("shard {shard} is shutting down")))??;
            scored.extend(found);
        }
        scored.sort_by(|a, b| b.0.total_cmp(&a.0));
        scored.truncate(k);
        Ok(scored.into_iter().map(|(_, row)| row).collect())
    }
}

/// Keeps the `k` rows of `rows` whose `column` is nearest to `query`, best first.
pub(super) fn nearest(
    rows: Vec<CqlRow>,
    column: usize,
    query: &[f32],
    similarity: crate::index::similarity::Similarity,
    k: usize,
) -> Vec<CqlRow> {
    let mut scored: Vec<(f32, CqlRow)> = rows
        .into_iter()
        .filter_map(|row| {
            let vector = row
                .values
                .get(column)
                .cloned()
                .flatten()
                .and_then(|bytes| crate::index::manager::floats(&bytes))?;
            (vector.len() == query.len()).then(|| (similarity.score(query, &vector), row))
        })
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    scored.truncate(k);
    scored.into_iter().map(|(_, row)| row).collect()
}
