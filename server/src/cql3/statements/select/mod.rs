//! SELECT: restrictions turned into partition keys or a token range plus
//! clustering slices, an in-memory filter for ALLOW FILTERING, the selection
//! (columns, writetime/ttl, count), limits and paging.

use std::sync::Arc;

use sibyl_protocol::response::{ColumnSpec, RowsMetadata};
use sibyl_protocol::types::ColumnType;

use super::selection::SelectionPlan;
use super::{BindSpecs, resolve_table};
use crate::cql3::ast::{
    Operator, Order, OrderDirection, RelationValue, SelectStatement, Selector, Term,
};
use crate::cql3::{CqlError, CqlResult};
use crate::schema::{ColumnKind, Schema, TableMetadata};

const FILTERING_MESSAGE: &str = "Cannot execute this query as it might involve data filtering and thus may have unpredictable performance. If you want to execute this query despite the performance unpredictability, use ALLOW FILTERING";

mod clustering;
mod execute;
mod filter;
mod index_read;
mod keys;
mod restrictions;

use clustering::ClusteringPlan;
use keys::compare_prefixes;
use restrictions::*;

#[derive(Debug)]
pub struct SelectPlan {
    pub table: Arc<TableMetadata>,
    partition: PartitionRestriction,
    /// EQ/IN restrictions on a clustering prefix, then an optional slice.
    clustering: ClusteringPlan,
    filters: Vec<Filter>,
    selection: SelectionPlan,
    /// GROUP BY columns (indexes into the table's columns), a key prefix.
    group_by: Vec<usize>,
    /// A secondary index serving one of the filters: (index name, filter).
    index_scan: Option<(String, usize)>,
    /// `ORDER BY v ANN OF q`.
    ann: Option<AnnPlan>,
    limit: Option<Term>,
    per_partition_limit: Option<Term>,
    reversed: bool,
    distinct: bool,
    pub pk_indexes: Vec<u16>,
}

use super::selection::column as column_index;

fn marker_index(term: &Term) -> Option<usize> {
    match term {
        Term::BindMarker(m) => Some(m.index),
        _ => None,
    }
}

impl SelectPlan {
    pub fn prepare(
        schema: &Arc<Schema>,
        statement: &SelectStatement,
        keyspace: Option<&str>,
        binds: &mut BindSpecs,
    ) -> CqlResult<Self> {
        let table = resolve_table(schema, &statement.table, keyspace)?;
        let t = table.as_ref();
        let mut slots = Slots::new(t);
        for relation in &statement.relations {
            Self::add_relation(t, relation, binds, &mut slots)?;
        }
        let (pk, token, mut filters) = (slots.pk, slots.token, slots.filters);
        let allow_filtering = statement.allow_filtering;
        // Partition key: all components restricted, or none (range scan).
        let restricted = pk.iter().filter(|r| r.is_some()).count();
        let mut pk_filters = Vec::new();
        let partition = if let Some(bounds) = token {
            if restricted > 0 {
                return Err(CqlError::invalid(
                    "Columns \"token\" cannot be restricted by both a normal relation and a token relation",
                ));
            }
            PartitionRestriction::Token(bounds)
        } else if restricted == pk.len() && !pk.is_empty() {
            PartitionRestriction::Keys(pk.into_iter().flatten().collect())
        } else if restricted == 0 {
            PartitionRestriction::All
        } else if allow_filtering {
            for (i, r) in pk.into_iter().enumerate() {
                if let Some(KeyValues::Eq(term)) = r {
                    let column = t
                        .columns
                        .iter()
                        .position(|c| c.kind == ColumnKind::PartitionKey && c.position == i as i32)
                        .unwrap_or(0);
                    pk_filters.push(Filter {
                        map_key: None,
                        column,
                        operator: Operator::Equal,
                        value: RelationValue::Term(term),
                    });
                }
            }
            PartitionRestriction::All
        } else {
            return Err(CqlError::invalid(FILTERING_MESSAGE));
        };
        filters.extend(pk_filters);
        let clustering = ClusteringPlan::prepare(
            t,
            slots.ck,
            slots.slices,
            slots.tuples,
            allow_filtering,
            &mut filters,
        )?;
        let ann = Self::ann(t, statement, &filters, binds)?;
        // An index on one filtered column serves the query; the other
        // filters need ALLOW FILTERING, unless SAI indexes serve all of them
        // (SAI intersects its indexes; a legacy index does not).
        let index_scan = Self::choose_index(t, &filters);
        let sai = |f: &Filter| Self::serving_index(t, f).is_some_and(|(_, sai)| sai);
        let all_sai = filters.iter().all(sai);
        let unindexed = filters
            .iter()
            .enumerate()
            .filter(|(i, _)| index_scan.as_ref().is_none_or(|(_, chosen)| chosen != i))
            .filter(|(_, f)| !(all_sai && sai(f)))
            .count();
        if unindexed > 0 && !allow_filtering {
            return Err(CqlError::invalid(FILTERING_MESSAGE));
        }
        // An index query applies clustering restrictions to its hits; a scan
        // without partition key needs ALLOW FILTERING for them.
        let index_scan = index_scan.filter(|_| matches!(partition, PartitionRestriction::All));
        if matches!(
            partition,
            PartitionRestriction::All | PartitionRestriction::Token(_)
        ) && clustering.is_restricted()
            && index_scan.is_none()
            && !allow_filtering
        {
            return Err(CqlError::invalid(FILTERING_MESSAGE));
        }
        let reversed = if ann.is_some() {
            false
        } else {
            Self::order(t, statement, &partition)?
        };
        let selection = SelectionPlan::prepare(
            t,
            &statement.selection,
            statement.distinct,
            statement.json,
            binds,
        )?;
        let group_by = Self::group_by(t, statement)?;
        for (term, name) in [
            (&statement.limit, "[limit]"),
            (&statement.per_partition_limit, "[per_partition_limit]"),
        ] {
            if let Some(index) = term.as_ref().and_then(marker_index) {
                binds.set(index, t, name, ColumnType::Int);
            }
        }
        let pk_indexes = match &partition {
            PartitionRestriction::Keys(values) => values
                .iter()
                .filter_map(|v| {
                    if let KeyValues::Eq(term) = v {
                        marker_index(term).map(|i| i as u16)
                    } else {
                        None
                    }
                })
                .collect::<Vec<_>>(),
            _ => Vec::new(),
        };
        let pk_indexes = if pk_indexes.len() == t.partition_key_len() {
            pk_indexes
        } else {
            Vec::new()
        };
        Ok(Self {
            table: table.clone(),
            partition,
            clustering,
            filters,
            selection,
            group_by,
            index_scan,
            ann,
            limit: statement.limit.clone(),
            per_partition_limit: statement.per_partition_limit.clone(),
            reversed,
            distinct: statement.distinct,
            pk_indexes,
        })
    }

    /// Whether rows come back in reverse clustering order.
    fn order(
        t: &TableMetadata,
        statement: &SelectStatement,
        partition: &PartitionRestriction,
    ) -> CqlResult<bool> {
        if statement.order_by.is_empty() {
            return Ok(false);
        }
        if !matches!(partition, PartitionRestriction::Keys(_)) {
            return Err(CqlError::invalid(
                "ORDER BY is only supported when the partition key is restricted by an EQ or an IN.",
            ));
        }
        let mut reversed = None;
        let clustering: Vec<_> = t.clustering_key().collect();
        for (i, order) in statement.order_by.iter().enumerate() {
            let column = t.column(&order.column).ok_or_else(|| {
                CqlError::invalid(format!("Order by on unknown column {}", order.column))
            })?;
            if column.kind != ColumnKind::Clustering {
                return Err(CqlError::invalid(format!(
                    "Order by is currently only supported on the clustered columns of the PRIMARY KEY, got {}",
                    order.column
                )));
            }
            if clustering.get(i).map(|c| &c.name) != Some(&column.name) {
                return Err(CqlError::invalid(
                    "Order by currently only supports the ordering of columns following their declared order in the PRIMARY KEY",
                ));
            }
            let Order::Direction(direction) = &order.order else {
                return Err(CqlError::invalid(
                    "ANN ordering requires a vector index, which is not supported yet",
                ));
            };
            let wants_desc = *direction == OrderDirection::Descending;
            let this = wants_desc != column.descending;
            match reversed {
                None => reversed = Some(this),
                Some(r) if r != this => {
                    return Err(CqlError::invalid("Unsupported order by relation"));
                }
                _ => {}
            }
        }
        Ok(reversed.unwrap_or(false))
    }

    fn group_by(t: &TableMetadata, statement: &SelectStatement) -> CqlResult<Vec<usize>> {
        let key: Vec<usize> = t
            .columns
            .iter()
            .enumerate()
            .filter(|(_, c)| c.kind.is_primary_key())
            .map(|(i, _)| i)
            .collect();
        let mut indexes = Vec::new();
        for (position, selector) in statement.group_by.iter().enumerate() {
            let Selector::Column(name) = selector else {
                return Err(CqlError::invalid("Only columns are supported in GROUP BY"));
            };
            let index = column_index(t, name)?;
            if key.get(position) != Some(&index) {
                return Err(CqlError::invalid(
                    "Group by currently only support groups of columns following their declared order in the PRIMARY KEY",
                ));
            }
            indexes.push(index);
        }
        Ok(indexes)
    }

    pub fn result_metadata(&self) -> RowsMetadata {
        RowsMetadata::new(
            self.selection
                .columns()
                .into_iter()
                .map(|(name, column_type)| ColumnSpec {
                    keyspace: self.table.keyspace.clone(),
                    table: self.table.name.clone(),
                    name,
                    column_type,
                })
                .collect(),
        )
    }
}
