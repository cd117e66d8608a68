//! The indexes of one shard: built from the shard's data when the schema
//! gains an index (and at startup), dropped when the schema loses it, and fed
//! every write the shard applies.

use std::cell::RefCell;
use std::collections::HashMap;

use sibyl_storage::mutation::Mutation;
use sibyl_storage::query::{ReadCommand, TokenRange};

use sibyl_protocol::types::ColumnType;

use super::hnsw::HnswIndex;
use super::secondary::{IndexedRow, RowKey, Target, ValueIndex};
use super::similarity::Similarity;
use crate::cql3::ast::Operator;
use crate::cql3::{CqlError, CqlResult};
use crate::replica::Replica;
use crate::schema::{IndexMetadata, Schema, TableMetadata};

/// Rows read per step while building an index.
const BUILD_PAGE_ROWS: u32 = 10_000;

/// Graph degree and build beam of vector indexes (Cassandra SAI's defaults).
const VECTOR_MAX_CONNECTIONS: usize = 16;
const VECTOR_EF_CONSTRUCTION: usize = 100;

/// One index of one table on this shard.
#[derive(Debug)]
enum LocalIndex {
    Values(ValueIndex),
    Vector {
        column_id: u32,
        graph: Box<HnswIndex<RowKey>>,
    },
}

impl LocalIndex {
    fn index_row(&mut self, hit: &IndexedRow, row: &sibyl_storage::mutation::Row) {
        match self {
            LocalIndex::Values(index) => index.index_row(hit, row),
            LocalIndex::Vector { column_id, graph } => {
                let key: RowKey = (hit.1.clone(), hit.2.clone());
                let Some(sibyl_storage::mutation::ColumnData::Simple(cell)) =
                    row.columns.get(column_id)
                else {
                    return;
                };
                if cell.is_tombstone() {
                    graph.remove(&key);
                    return;
                }
                if let sibyl_storage::mutation::CellValue::Bytes(bytes) = &cell.value
                    && let Some(vector) = floats(bytes)
                {
                    // A vector the index refuses (zero under cosine) is
                    // simply not findable by ANN; the write itself stands.
                    let _ = graph.insert(key, &vector);
                }
                if graph.needs_compaction() {
                    graph.compact();
                }
            }
        }
    }
}

/// A serialized `vector<float, n>` as floats.
pub fn floats(bytes: &[u8]) -> Option<Vec<f32>> {
    if !bytes.len().is_multiple_of(4) {
        return None;
    }
    Some(
        bytes
            .chunks_exact(4)
            .map(|c| f32::from_be_bytes([c[0], c[1], c[2], c[3]]))
            .collect(),
    )
}

#[derive(Default)]
pub struct IndexManager {
    /// (table storage id, index name) -> index.
    indexes: RefCell<HashMap<(u64, String), LocalIndex>>,
}

impl std::fmt::Debug for IndexManager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IndexManager")
            .field("indexes", &self.indexes.borrow().len())
            .finish()
    }
}

/// The column an index covers and how.
pub fn index_column<'a>(
    table: &'a TableMetadata,
    index: &IndexMetadata,
) -> CqlResult<(Target, &'a crate::schema::ColumnMetadata)> {
    let target = index
        .options
        .get("target")
        .ok_or_else(|| CqlError::server(format!("index {} has no target", index.name)))?;
    let (kind, column) = Target::parse(target);
    let column = table.column(&column).ok_or_else(|| {
        CqlError::server(format!("index {} targets an unknown column", index.name))
    })?;
    Ok((kind, column))
}

impl IndexManager {
    /// Makes this shard's indexes match `schema`, building new ones from `data`.
    pub async fn sync(&self, data: &Replica, schema: &Schema) -> CqlResult<()> {
        let mut wanted = Vec::new();
        for ks in schema
            .keyspaces
            .values()
            .filter(|k| !k.is_virtual && !k.replication.is_local())
        {
            for table in ks.tables.values() {
                for index in &table.indexes {
                    wanted.push((table.clone(), index.clone()));
                }
            }
        }
        self.indexes.borrow_mut().retain(|(id, name), _| {
            wanted
                .iter()
                .any(|(t, i)| t.storage_id == *id && i.name == *name)
        });
        for (table, index) in wanted {
            if self
                .indexes
                .borrow()
                .contains_key(&(table.storage_id, index.name.clone()))
            {
                continue;
            }
            let (target, column) = index_column(&table, &index)?;
            let mut built = match &column.column_type {
                ColumnType::Vector { dimension, .. } => {
                    let similarity = index
                        .options
                        .get("similarity_function")
                        .and_then(|s| Similarity::from_option(s))
                        .unwrap_or(Similarity::Cosine);
                    LocalIndex::Vector {
                        column_id: column.id,
                        graph: Box::new(HnswIndex::new(
                            *dimension as usize,
                            similarity,
                            VECTOR_MAX_CONNECTIONS,
                            VECTOR_EF_CONSTRUCTION,
                        )),
                    }
                }
                _ => LocalIndex::Values(ValueIndex::new(
                    column.id,
                    &column.column_type,
                    column.multi_cell,
                    target,
                )),
            };
            let now_s = crate::service::ShardServices::now_us() / 1_000_000;
            let mut command = ReadCommand {
                row_limit: BUILD_PAGE_ROWS,
                ..ReadCommand::range(table.storage_id, TokenRange::FULL, now_s)
            };
            loop {
                let result = data.read(&command).await?;
                for partition in &result.partitions {
                    // Static cells index the whole partition (empty clustering).
                    if let Some(static_row) = &partition.static_row {
                        let hit = (partition.token, partition.key.clone(), Vec::new());
                        built.index_row(&hit, static_row);
                    }
                    for row in &partition.rows {
                        let hit = (
                            partition.token,
                            partition.key.clone(),
                            row.clustering.clone(),
                        );
                        built.index_row(&hit, &row.row);
                    }
                }
                match result.next_page {
                    Some(next) => command.paging = Some(next),
                    None => break,
                }
            }
            tracing::debug!(index = %index.name, "built secondary index");
            self.indexes
                .borrow_mut()
                .insert((table.storage_id, index.name.clone()), built);
        }
        Ok(())
    }

    /// Whether any index of this shard covers table `table_id`.
    pub fn covers_table(&self, table_id: u64) -> bool {
        self.indexes.borrow().keys().any(|(id, _)| *id == table_id)
    }

    /// Feeds a mutation this shard just applied to the table's indexes.
    pub fn on_write(&self, _schema: &Schema, mutation: &Mutation) {
        let mut indexes = self.indexes.borrow_mut();
        for ((table_id, _), index) in indexes.iter_mut() {
            if *table_id != mutation.table_id {
                continue;
            }
            let update = &mutation.update;
            if !update.static_row.is_empty() {
                let hit = (update.token, update.key.clone(), Vec::new());
                index.index_row(&hit, &update.static_row);
            }
            for (clustering, row) in &update.rows {
                let hit = (update.token, update.key.clone(), clustering.clone());
                index.index_row(&hit, row);
            }
        }
    }

    /// One page of candidate rows for `operator value` on index `name` of
    /// table `table_id`, from partition `from` on: see
    /// [`ValueIndex::lookup_page`](super::secondary::ValueIndex::lookup_page).
    pub fn lookup_page(
        &self,
        table_id: u64,
        name: &str,
        operator: Operator,
        value: &[u8],
        from: Option<(i64, &[u8])>,
        limit: usize,
    ) -> CqlResult<(Vec<IndexedRow>, bool)> {
        let indexes = self.indexes.borrow();
        match indexes.get(&(table_id, name.to_owned())) {
            Some(LocalIndex::Values(index)) => Ok(index.lookup_page(operator, value, from, limit)),
            Some(LocalIndex::Vector { .. }) => Err(CqlError::invalid(format!(
                "Index {name} is a vector index: use ORDER BY ... ANN OF"
            ))),
            None => Err(CqlError::invalid(format!(
                "Index {name} is not built on this node yet"
            ))),
        }
    }

    /// This shard's `k` rows nearest to `query` by vector index `name`, best first.
    pub fn ann(
        &self,
        table_id: u64,
        name: &str,
        query: &[f32],
        k: usize,
    ) -> CqlResult<Vec<(RowKey, f32)>> {
        let indexes = self.indexes.borrow();
        match indexes.get(&(table_id, name.to_owned())) {
            Some(LocalIndex::Vector { graph, .. }) => graph
                .search(query, k, k.max(64))
                .map_err(|e| CqlError::invalid(e.to_string())),
            _ => Err(CqlError::invalid(format!(
                "Index {name} is not a vector index"
            ))),
        }
    }
}
