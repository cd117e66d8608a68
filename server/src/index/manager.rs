//! The indexes of one shard: built from the shard's data when the schema
//! gains an index (and at startup), dropped when the schema loses it, and fed
//! every write the shard applies.

use std::cell::RefCell;
use std::collections::HashMap;

use sibyl_storage::mutation::Mutation;
use sibyl_storage::query::{ReadCommand, TokenRange};

use super::secondary::{RowKey, Target, ValueIndex};
use crate::cql3::ast::Operator;
use crate::cql3::{CqlError, CqlResult};
use crate::replica::Replica;
use crate::schema::{IndexMetadata, Schema, TableMetadata};

/// Rows read per step while building an index.
const BUILD_PAGE_ROWS: u32 = 10_000;

#[derive(Default)]
pub struct IndexManager {
    /// (table storage id, index name) -> index.
    indexes: RefCell<HashMap<(u64, String), ValueIndex>>,
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
            let mut built =
                ValueIndex::new(column.id, &column.column_type, column.multi_cell, target);
            let now_s = crate::service::ShardServices::now_us() / 1_000_000;
            let mut command = ReadCommand {
                row_limit: BUILD_PAGE_ROWS,
                ..ReadCommand::range(table.storage_id, TokenRange::FULL, now_s)
            };
            loop {
                let result = data.read(&command).await?;
                for partition in &result.partitions {
                    for row in &partition.rows {
                        built.index_row(&(partition.key.clone(), row.clustering.clone()), &row.row);
                    }
                }
                match result.next_page {
                    Some(next) => command.paging = Some(next),
                    None => break,
                }
            }
            tracing::debug!(index = %index.name, entries = built.len(), "built secondary index");
            self.indexes
                .borrow_mut()
                .insert((table.storage_id, index.name.clone()), built);
        }
        Ok(())
    }

    /// Feeds a mutation this shard just applied to the table's indexes.
    pub fn on_write(&self, _schema: &Schema, mutation: &Mutation) {
        let mut indexes = self.indexes.borrow_mut();
        for ((table_id, _), index) in indexes.iter_mut() {
            if *table_id != mutation.table_id {
                continue;
            }
            for (clustering, row) in &mutation.update.rows {
                let key: RowKey = (mutation.update.key.clone(), clustering.clone());
                index.index_row(&key, row);
            }
        }
    }

    /// Candidate rows for `operator value` on index `name` of table `table_id`.
    pub fn lookup(
        &self,
        table_id: u64,
        name: &str,
        operator: Operator,
        value: &[u8],
    ) -> CqlResult<Vec<RowKey>> {
        let indexes = self.indexes.borrow();
        let index = indexes.get(&(table_id, name.to_owned())).ok_or_else(|| {
            CqlError::invalid(format!("Index {name} is not built on this node yet"))
        })?;
        Ok(index.lookup(operator, value))
    }
}
