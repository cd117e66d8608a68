//! Index-backed reads: candidate rows from a secondary index or the nearest
//! rows from a vector index, on every shard, read back in full.

use std::rc::Rc;

use sibyl_protocol::types::ColumnType;
use sibyl_storage::mutation::ClusteringSlice;
use sibyl_storage::query::ReadCommand;

use super::*;
use crate::cql3::ast::{Operator, RelationValue};
use crate::cql3::rows::{CqlRow, decode_partition};
use crate::cql3::statements::bind::Bound;
use crate::cql3::{CqlError, CqlResult};
use crate::dht::{serialize_partition_key, token_of_key};
use crate::schema::ColumnKind;
use crate::service::ShardServices;

impl SelectPlan {
    /// Candidate rows from the index on every shard, read back in full (the
    /// filters re-check them), in token order.
    pub(super) async fn index_rows(
        &self,
        services: &Rc<ShardServices>,
        bound: &Bound<'_>,
        index: &str,
        filter: usize,
        now_s: i64,
    ) -> CqlResult<Vec<CqlRow>> {
        let filter = &self.filters[filter];
        let RelationValue::Term(term) = &filter.value else {
            return Ok(Vec::new());
        };
        let column = &self.table.columns[filter.column];
        let value_type = match (&column.column_type, filter.operator) {
            (ColumnType::Map(k, _), Operator::ContainsKey) => (**k).clone(),
            (ColumnType::Map(_, v), Operator::Contains)
            | (ColumnType::List(v) | ColumnType::Set(v), Operator::Contains) => (**v).clone(),
            (ty, _) => ty.clone(),
        };
        let value = bound.eval_required(&term, &value_type, &column.name)?;
        let mut rows = Vec::new();
        for shard in 0..services.sharder.nr_shards() {
            let (table, index, operator, value) = (
                self.table.clone(),
                index.to_owned(),
                filter.operator,
                value.clone(),
            );
            let found = services
                .mesh
                .call(shard, move |ctx| async move {
                    let services = ShardServices::from_context(ctx)?;
                    let keys =
                        services
                            .indexes
                            .lookup(table.storage_id, &index, operator, &value)?;
                    let mut rows = Vec::new();
                    let mut by_partition: Vec<(Vec<u8>, Vec<Vec<Vec<u8>>>)> = Vec::new();
                    for (key, clustering) in keys {
                        match by_partition.iter_mut().find(|(k, _)| *k == key) {
                            Some((_, list)) => list.push(clustering),
                            None => by_partition.push((key, vec![clustering])),
                        }
                    }
                    for (key, clusterings) in by_partition {
                        let token = token_of_key(&key).0;
                        let slices = if table.clustering_len() == 0 {
                            Vec::new()
                        } else {
                            let mut slices: Vec<ClusteringSlice> = clusterings
                                .into_iter()
                                .map(ClusteringSlice::exact)
                                .collect();
                            let order: Vec<(ColumnType, bool)> = table
                                .clustering_key()
                                .map(|c| (c.column_type.clone(), c.descending))
                                .collect();
                            slices.sort_by(|a, b| {
                                compare_prefixes(&order, &a.start.prefix, &b.start.prefix)
                            });
                            slices.dedup_by(|a, b| a.start.prefix == b.start.prefix);
                            slices
                        };
                        let command = ReadCommand {
                            slices,
                            ..ReadCommand::single_partition(table.storage_id, key, token, now_s)
                        };
                        let result = services.data.read(&command).await?;
                        for partition in &result.partitions {
                            decode_partition(&table, partition, now_s, &mut rows);
                        }
                    }
                    Ok::<Vec<CqlRow>, CqlError>(rows)
                })
                .await
                .map_err(|_| CqlError::Overloaded(format!("shard {shard} is shutting down")))??;
            rows.extend(found);
        }
        let pk: Vec<usize> = self
            .table
            .columns
            .iter()
            .enumerate()
            .filter(|(_, c)| c.kind == ColumnKind::PartitionKey)
            .map(|(i, _)| i)
            .collect();
        let token = |row: &CqlRow| {
            let parts: Vec<Vec<u8>> = pk
                .iter()
                .map(|i| row.values.get(*i).cloned().flatten().unwrap_or_default())
                .collect();
            let refs: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
            token_of_key(&serialize_partition_key(&refs)).0
        };
        rows.sort_by_key(|row| token(row));
        Ok(rows)
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
            let found = services
                .mesh
                .call(shard, move |ctx| async move {
                    let services = ShardServices::from_context(ctx)?;
                    let hits = services.indexes.ann(table.storage_id, &index, &vector, k)?;
                    let mut rows = Vec::new();
                    for ((key, clustering), score) in hits {
                        let token = token_of_key(&key).0;
                        let slices = if clustering.is_empty() {
                            Vec::new()
                        } else {
                            vec![ClusteringSlice::exact(clustering)]
                        };
                        let command = ReadCommand {
                            slices,
                            ..ReadCommand::single_partition(table.storage_id, key, token, now_s)
                        };
                        let result = services.data.read(&command).await?;
                        let mut decoded = Vec::new();
                        for partition in &result.partitions {
                            decode_partition(&table, partition, now_s, &mut decoded);
                        }
                        // A deleted or overwritten row is gone or rescored below.
                        rows.extend(decoded.into_iter().map(|row| (score, row)));
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
