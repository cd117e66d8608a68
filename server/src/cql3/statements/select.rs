//! SELECT: restrictions turned into partition keys or a token range plus
//! clustering slices, an in-memory filter for ALLOW FILTERING, the selection
//! (columns, writetime/ttl, count), limits and paging.

use std::cmp::Ordering;
use std::rc::Rc;
use std::sync::Arc;

use sibyl_protocol::response::{ColumnSpec, ResultBody, Rows, RowsMetadata};
use sibyl_protocol::types::ColumnType;
use sibyl_protocol::wire;
use sibyl_storage::mutation::{Bound as SliceBound, ClusteringSlice};
use sibyl_storage::query::{PartitionSelection, ReadCommand, TokenRange};

use super::bind::Bound;
use super::paging::PagingState;
use super::selection::{Groups, SelectionPlan, eval, json_row};
use super::{BindSpecs, resolve_table};
use crate::cql3::ast::{
    Operator, Order, OrderDirection, Relation, RelationTarget, RelationValue, SelectStatement,
    Selector, Term,
};
use crate::cql3::rows::{CqlRow, decode_partition};
use crate::cql3::values::compare_values;
use crate::cql3::{CqlError, CqlResult};
use crate::dht::{serialize_partition_key, token_of_key};
use crate::schema::{ColumnKind, Schema, TableMetadata};
use crate::service::{ShardServices, proxy};

const FILTERING_MESSAGE: &str = "Cannot execute this query as it might involve data filtering and thus may have unpredictable performance. If you want to execute this query despite the performance unpredictability, use ALLOW FILTERING";

/// Values a key column is restricted to: one (`=`) or several (`IN`).
#[derive(Debug, Clone)]
enum KeyValues {
    Eq(Term),
    In(Vec<Term>),
    InMarker(Term),
}

#[derive(Debug, Clone)]
struct SliceBounds {
    lower: Option<(Term, bool)>,
    upper: Option<(Term, bool)>,
}

#[derive(Debug, Clone)]
enum PartitionRestriction {
    Keys(Vec<KeyValues>),
    Token(SliceBounds),
    All,
}

#[derive(Debug, Clone)]
struct Filter {
    column: usize,
    operator: Operator,
    value: RelationValue,
}

#[derive(Debug)]
pub struct SelectPlan {
    pub table: Arc<TableMetadata>,
    partition: PartitionRestriction,
    /// EQ/IN restrictions on a clustering prefix, then an optional slice.
    clustering_prefix: Vec<KeyValues>,
    clustering_slice: Option<SliceBounds>,
    filters: Vec<Filter>,
    selection: SelectionPlan,
    /// GROUP BY columns (indexes into the table's columns), a key prefix.
    group_by: Vec<usize>,
    /// A secondary index serving one of the filters: (index name, filter).
    index_scan: Option<(String, usize)>,
    /// `ORDER BY v ANN OF q`: (vector index name, column index, query term).
    ann: Option<(String, usize, Term)>,
    limit: Option<Term>,
    per_partition_limit: Option<Term>,
    reversed: bool,
    distinct: bool,
    pub pk_indexes: Vec<u16>,
}

fn column_index(table: &TableMetadata, name: &str) -> CqlResult<usize> {
    table
        .columns
        .iter()
        .position(|c| c.name == name)
        .ok_or_else(|| {
            CqlError::invalid(format!(
                "Undefined column name {name} in table {}.{}",
                table.keyspace, table.name
            ))
        })
}

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
        let mut pk: Vec<Option<KeyValues>> = vec![None; t.partition_key_len()];
        let mut ck: Vec<Option<KeyValues>> = vec![None; t.clustering_len()];
        let mut slice: Option<(usize, SliceBounds)> = None;
        let mut token: Option<SliceBounds> = None;
        let mut filters = Vec::new();
        for relation in &statement.relations {
            Self::add_relation(
                t,
                relation,
                binds,
                &mut pk,
                &mut ck,
                &mut slice,
                &mut token,
                &mut filters,
            )?;
        }
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
        // Clustering: an unbroken prefix, then at most one slice.
        let mut clustering_prefix = Vec::new();
        let mut gap: Option<usize> = None;
        for (i, r) in ck.into_iter().enumerate() {
            match (r, gap) {
                (Some(values), None) => clustering_prefix.push(values),
                (Some(values), Some(missing)) => {
                    if !allow_filtering {
                        let name = |p: usize| {
                            t.clustering_key()
                                .nth(p)
                                .map(|c| c.name.clone())
                                .unwrap_or_default()
                        };
                        return Err(CqlError::invalid(format!(
                            "PRIMARY KEY column \"{}\" cannot be restricted as preceding column \"{}\" is not restricted",
                            name(i),
                            name(missing)
                        )));
                    }
                    if let KeyValues::Eq(term) = values {
                        let column = t
                            .columns
                            .iter()
                            .position(|c| {
                                c.kind == ColumnKind::Clustering && c.position == i as i32
                            })
                            .unwrap_or(0);
                        filters.push(Filter {
                            column,
                            operator: Operator::Equal,
                            value: RelationValue::Term(term),
                        });
                    }
                }
                (None, None) => gap = Some(i),
                (None, Some(_)) => {}
            }
        }
        let clustering_slice = match slice {
            Some((position, bounds)) if position == clustering_prefix.len() => Some(bounds),
            Some((position, _)) if !allow_filtering => {
                let name = |p: usize| {
                    t.clustering_key()
                        .nth(p)
                        .map(|c| c.name.clone())
                        .unwrap_or_default()
                };
                return Err(CqlError::invalid(format!(
                    "Clustering column \"{}\" cannot be restricted (preceding column \"{}\" is restricted by a non-EQ relation)",
                    name(position),
                    name(clustering_prefix.len())
                )));
            }
            Some(_) => {
                return Err(CqlError::invalid(
                    "Filtering on a clustering slice after a gap is not supported yet",
                ));
            }
            None => None,
        };
        // An index on one filtered column serves the query; any other
        // non-key restriction still needs ALLOW FILTERING.
        let index_scan = Self::choose_index(t, &filters);
        let unindexed = filters.len() - usize::from(index_scan.is_some());
        if unindexed > 0 && !allow_filtering {
            return Err(CqlError::invalid(FILTERING_MESSAGE));
        }
        let index_scan = index_scan.filter(|_| matches!(partition, PartitionRestriction::All));
        if matches!(
            partition,
            PartitionRestriction::All | PartitionRestriction::Token(_)
        ) && !clustering_prefix.is_empty()
            && !allow_filtering
        {
            return Err(CqlError::invalid(FILTERING_MESSAGE));
        }
        let ann = Self::ann(t, statement, &partition, &filters, binds)?;
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
            clustering_prefix,
            clustering_slice,
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

    #[expect(
        clippy::too_many_arguments,
        reason = "the restriction slots being filled"
    )]
    fn add_relation(
        t: &TableMetadata,
        relation: &Relation,
        binds: &mut BindSpecs,
        pk: &mut [Option<KeyValues>],
        ck: &mut [Option<KeyValues>],
        slice: &mut Option<(usize, SliceBounds)>,
        token: &mut Option<SliceBounds>,
        filters: &mut Vec<Filter>,
    ) -> CqlResult<()> {
        match &relation.target {
            RelationTarget::Token(columns) => {
                let pk_names: Vec<&str> = t.partition_key().map(|c| c.name.as_str()).collect();
                if columns.iter().map(String::as_str).collect::<Vec<_>>() != pk_names {
                    return Err(CqlError::invalid(format!(
                        "The token function arguments must be in the partition key order: {}",
                        pk_names.join(", ")
                    )));
                }
                let RelationValue::Term(term) = &relation.value else {
                    return Err(CqlError::invalid(
                        "Only EQ, <, <=, > and >= are supported on token()",
                    ));
                };
                if let Some(index) = marker_index(term) {
                    binds.set(index, t, "partition key token", ColumnType::Bigint);
                }
                let bounds = token.get_or_insert(SliceBounds {
                    lower: None,
                    upper: None,
                });
                match relation.operator {
                    Operator::GreaterThan => bounds.lower = Some((term.clone(), false)),
                    Operator::GreaterThanOrEqual => bounds.lower = Some((term.clone(), true)),
                    Operator::LessThan => bounds.upper = Some((term.clone(), false)),
                    Operator::LessThanOrEqual => bounds.upper = Some((term.clone(), true)),
                    Operator::Equal => {
                        bounds.lower = Some((term.clone(), true));
                        bounds.upper = Some((term.clone(), true));
                    }
                    other => {
                        return Err(CqlError::invalid(format!(
                            "Unsupported operator {} on token()",
                            other.text()
                        )));
                    }
                }
                Ok(())
            }
            RelationTarget::Column(name) => {
                let index = column_index(t, name)?;
                let column = &t.columns[index];
                let ty = column.column_type.clone();
                let set_marker =
                    |binds: &mut BindSpecs, term: &Term, ty: ColumnType, name: &str| {
                        if let Some(i) = marker_index(term) {
                            binds.set(i, t, name, ty);
                        }
                    };
                let values = match (&relation.operator, &relation.value) {
                    (Operator::Equal, RelationValue::Term(term)) => {
                        set_marker(binds, term, ty.clone(), name);
                        Some(KeyValues::Eq(term.clone()))
                    }
                    (Operator::In, RelationValue::InList(terms)) => {
                        for term in terms {
                            set_marker(binds, term, ty.clone(), name);
                        }
                        Some(KeyValues::In(terms.clone()))
                    }
                    (Operator::In, RelationValue::InMarker(marker)) => {
                        binds.set(
                            marker.index,
                            t,
                            &format!("in({name})"),
                            ColumnType::List(Box::new(ty.clone())),
                        );
                        Some(KeyValues::InMarker(Term::BindMarker(marker.clone())))
                    }
                    _ => None,
                };
                match (column.kind, values) {
                    (ColumnKind::PartitionKey, Some(values)) => {
                        pk[column.position as usize] = Some(values);
                        Ok(())
                    }
                    (ColumnKind::Clustering, Some(values)) => {
                        ck[column.position as usize] = Some(values);
                        Ok(())
                    }
                    (ColumnKind::Clustering, None)
                        if matches!(
                            relation.operator,
                            Operator::GreaterThan
                                | Operator::GreaterThanOrEqual
                                | Operator::LessThan
                                | Operator::LessThanOrEqual
                        ) =>
                    {
                        let RelationValue::Term(term) = &relation.value else {
                            return Err(CqlError::invalid("Invalid slice restriction"));
                        };
                        set_marker(binds, term, ty, name);
                        let position = column.position as usize;
                        let entry = slice.get_or_insert((
                            position,
                            SliceBounds {
                                lower: None,
                                upper: None,
                            },
                        ));
                        if entry.0 != position {
                            return Err(CqlError::invalid(format!(
                                "Clustering column \"{name}\" cannot be restricted (preceding column is restricted by a non-EQ relation)"
                            )));
                        }
                        let inclusive = matches!(
                            relation.operator,
                            Operator::GreaterThanOrEqual | Operator::LessThanOrEqual
                        );
                        if matches!(
                            relation.operator,
                            Operator::GreaterThan | Operator::GreaterThanOrEqual
                        ) {
                            entry.1.lower = Some((term.clone(), inclusive));
                        } else {
                            entry.1.upper = Some((term.clone(), inclusive));
                        }
                        Ok(())
                    }
                    _ => {
                        match &relation.value {
                            RelationValue::Term(term) => {
                                let marker_type = match relation.operator {
                                    Operator::Contains => match &ty {
                                        ColumnType::List(e)
                                        | ColumnType::Set(e)
                                        | ColumnType::Map(_, e) => (**e).clone(),
                                        _ => {
                                            return Err(CqlError::invalid(format!(
                                                "Cannot use CONTAINS on non-collection column {name}"
                                            )));
                                        }
                                    },
                                    Operator::ContainsKey => match &ty {
                                        ColumnType::Map(k, _) => (**k).clone(),
                                        _ => {
                                            return Err(CqlError::invalid(format!(
                                                "Cannot use CONTAINS KEY on non-map column {name}"
                                            )));
                                        }
                                    },
                                    _ => ty,
                                };
                                set_marker(binds, term, marker_type, name);
                            }
                            RelationValue::InList(terms) => {
                                for term in terms {
                                    set_marker(binds, term, ty.clone(), name);
                                }
                            }
                            _ => {}
                        }
                        filters.push(Filter {
                            column: index,
                            operator: relation.operator,
                            value: relation.value.clone(),
                        });
                        Ok(())
                    }
                }
            }
            RelationTarget::MapElement { .. } | RelationTarget::Tuple(_) => Err(CqlError::invalid(
                "Multi-column and map-element restrictions are not supported yet",
            )),
        }
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

    /// `ORDER BY v ANN OF [...]`: needs a SAI vector index on `v` and a LIMIT.
    fn ann(
        t: &TableMetadata,
        statement: &SelectStatement,
        partition: &PartitionRestriction,
        filters: &[Filter],
        binds: &mut BindSpecs,
    ) -> CqlResult<Option<(String, usize, Term)>> {
        let [order] = statement.order_by.as_slice() else {
            if statement
                .order_by
                .iter()
                .any(|o| matches!(o.order, Order::AnnOf(_)))
            {
                return Err(CqlError::invalid(
                    "ANN ordering does not support any other ordering",
                ));
            }
            return Ok(None);
        };
        let Order::AnnOf(query) = &order.order else {
            return Ok(None);
        };
        let column = column_index(t, &order.column)?;
        let index = t.indexes.iter().find(|index| {
            index.kind == "CUSTOM"
                && crate::index::index_column(t, index).is_ok_and(|(_, c)| c.name == order.column)
                && matches!(t.columns[column].column_type, ColumnType::Vector { .. })
        });
        let Some(index) = index else {
            return Err(CqlError::invalid(format!(
                "ANN ordering by vector requires the column to be indexed using 'sai': {}",
                order.column
            )));
        };
        if statement.limit.is_none() {
            return Err(CqlError::invalid(
                "SAI based ORDER BY clause requires a LIMIT that is not greater than 1000. LIMIT was NO LIMIT",
            ));
        }
        if !matches!(partition, PartitionRestriction::All) || !filters.is_empty() {
            return Err(CqlError::invalid(
                "ANN ordering combined with other restrictions is not supported yet",
            ));
        }
        if let Term::BindMarker(marker) = query {
            binds.set(
                marker.index,
                t,
                &order.column,
                t.columns[column].column_type.clone(),
            );
        }
        Ok(Some((index.name.clone(), column, query.clone())))
    }

    /// The first filter an index of the table can answer.
    fn choose_index(t: &TableMetadata, filters: &[Filter]) -> Option<(String, usize)> {
        use crate::index::Target;
        for (position, filter) in filters.iter().enumerate() {
            for index in &t.indexes {
                let Ok((target, column)) = crate::index::index_column(t, index) else {
                    continue;
                };
                if t.columns.get(filter.column).map(|c| &c.name) != Some(&column.name) {
                    continue;
                }
                let sai = index.kind == "CUSTOM";
                let usable = match (target, filter.operator) {
                    (Target::Whole, Operator::Equal) => true,
                    (
                        Target::Whole,
                        Operator::LessThan
                        | Operator::LessThanOrEqual
                        | Operator::GreaterThan
                        | Operator::GreaterThanOrEqual,
                    ) => sai,
                    (Target::Values, Operator::Contains)
                    | (Target::Keys, Operator::ContainsKey) => true,
                    _ => false,
                };
                if usable && matches!(filter.value, RelationValue::Term(_)) {
                    return Some((index.name.clone(), position));
                }
            }
        }
        None
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

    fn key_values(
        &self,
        bound: &Bound<'_>,
        values: &KeyValues,
        ty: &ColumnType,
        name: &str,
    ) -> CqlResult<Vec<Vec<u8>>> {
        let mut out = match values {
            KeyValues::Eq(term) => vec![bound.eval_required(term, ty, name)?],
            KeyValues::In(terms) => terms
                .iter()
                .map(|t| bound.eval_required(t, ty, name))
                .collect::<CqlResult<_>>()?,
            KeyValues::InMarker(term) => {
                let list = bound.eval_required(
                    term,
                    &ColumnType::List(Box::new(ty.clone())),
                    &format!("in({name})"),
                )?;
                crate::cql3::writes::collection_elements(&list)?
                    .into_iter()
                    .map(<[u8]>::to_vec)
                    .collect()
            }
        };
        out.sort_by(|a, b| compare_values(ty, a, b));
        out.dedup();
        Ok(out)
    }

    /// Cartesian product of per-component value lists.
    fn product(lists: Vec<Vec<Vec<u8>>>) -> Vec<Vec<Vec<u8>>> {
        let mut out: Vec<Vec<Vec<u8>>> = vec![Vec::new()];
        for list in lists {
            out = out
                .into_iter()
                .flat_map(|prefix| {
                    list.iter()
                        .map(move |v| [prefix.clone(), vec![v.clone()]].concat())
                })
                .collect();
        }
        out
    }

    fn slices(&self, bound: &Bound<'_>) -> CqlResult<Vec<ClusteringSlice>> {
        if self.clustering_prefix.is_empty() && self.clustering_slice.is_none() {
            return Ok(Vec::new());
        }
        let columns: Vec<_> = self.table.clustering_key().collect();
        let mut lists = Vec::new();
        for (values, column) in self.clustering_prefix.iter().zip(&columns) {
            lists.push(self.key_values(bound, values, &column.column_type, &column.name)?);
        }
        let prefixes = Self::product(lists);
        let mut slices = Vec::new();
        for prefix in prefixes {
            let Some(bounds) = &self.clustering_slice else {
                slices.push(ClusteringSlice {
                    start: SliceBound::inclusive(prefix.clone()),
                    end: SliceBound::inclusive(prefix),
                });
                continue;
            };
            let column = columns
                .get(prefix.len())
                .ok_or_else(|| CqlError::server("slice past the clustering key"))?;
            let eval = |side: &Option<(Term, bool)>| -> CqlResult<Option<(Vec<u8>, bool)>> {
                side.as_ref()
                    .map(|(term, inclusive)| {
                        Ok((
                            bound.eval_required(term, &column.column_type, &column.name)?,
                            *inclusive,
                        ))
                    })
                    .transpose()
            };
            let (lower, upper) = (eval(&bounds.lower)?, eval(&bounds.upper)?);
            let make = |side: Option<(Vec<u8>, bool)>| match side {
                Some((value, inclusive)) => {
                    let mut p = prefix.clone();
                    p.push(value);
                    SliceBound {
                        prefix: p,
                        inclusive,
                    }
                }
                None => SliceBound::inclusive(prefix.clone()),
            };
            let (start, end) = if column.descending {
                (make(upper), make(lower))
            } else {
                (make(lower), make(upper))
            };
            slices.push(ClusteringSlice { start, end });
        }
        // Slices go to storage in clustering order.
        let order: Vec<(ColumnType, bool)> = columns
            .iter()
            .map(|c| (c.column_type.clone(), c.descending))
            .collect();
        slices.sort_by(|a, b| compare_prefixes(&order, &a.start.prefix, &b.start.prefix));
        Ok(slices)
    }

    fn partition_selection(&self, bound: &Bound<'_>) -> CqlResult<Vec<PartitionSelection>> {
        match &self.partition {
            PartitionRestriction::All => Ok(vec![PartitionSelection::TokenRange(TokenRange::FULL)]),
            PartitionRestriction::Token(bounds) => {
                let eval = |side: &Option<(Term, bool)>| -> CqlResult<Option<(i64, bool)>> {
                    side.as_ref()
                        .map(|(term, inclusive)| {
                            Ok((
                                bound
                                    .eval_bigint(term, "partition key token")?
                                    .unwrap_or(i64::MIN),
                                *inclusive,
                            ))
                        })
                        .transpose()
                };
                let (start, start_inclusive) = eval(&bounds.lower)?.unwrap_or((i64::MIN, true));
                let (end, end_inclusive) = eval(&bounds.upper)?.unwrap_or((i64::MAX, true));
                Ok(vec![PartitionSelection::TokenRange(TokenRange {
                    start,
                    start_inclusive,
                    end,
                    end_inclusive,
                })])
            }
            PartitionRestriction::Keys(values) => {
                let columns: Vec<_> = self.table.partition_key().collect();
                let lists = values
                    .iter()
                    .zip(&columns)
                    .map(|(v, c)| self.key_values(bound, v, &c.column_type, &c.name))
                    .collect::<CqlResult<Vec<_>>>()?;
                Ok(Self::product(lists)
                    .into_iter()
                    .map(|components| {
                        let refs: Vec<&[u8]> = components.iter().map(Vec::as_slice).collect();
                        let key = serialize_partition_key(&refs);
                        let token = token_of_key(&key).0;
                        PartitionSelection::Single { key, token }
                    })
                    .collect())
            }
        }
    }

    fn row_passes(&self, row: &CqlRow, bound: &Bound<'_>) -> CqlResult<bool> {
        for filter in &self.filters {
            let column = &self.table.columns[filter.column];
            let value = row.values.get(filter.column).and_then(Option::as_deref);
            let ty = &column.column_type;
            let cmp = |term: &Term| -> CqlResult<Option<Ordering>> {
                let expected = bound.eval_required(term, ty, &column.name)?;
                Ok(value.map(|v| compare_values(ty, v, &expected)))
            };
            let pass = match (&filter.operator, &filter.value) {
                (Operator::Equal, RelationValue::Term(t)) => cmp(t)? == Some(Ordering::Equal),
                (Operator::NotEqual, RelationValue::Term(t)) => {
                    value.is_some() && cmp(t)? != Some(Ordering::Equal)
                }
                (Operator::LessThan, RelationValue::Term(t)) => cmp(t)? == Some(Ordering::Less),
                (Operator::LessThanOrEqual, RelationValue::Term(t)) => {
                    matches!(cmp(t)?, Some(Ordering::Less | Ordering::Equal))
                }
                (Operator::GreaterThan, RelationValue::Term(t)) => {
                    cmp(t)? == Some(Ordering::Greater)
                }
                (Operator::GreaterThanOrEqual, RelationValue::Term(t)) => {
                    matches!(cmp(t)?, Some(Ordering::Greater | Ordering::Equal))
                }
                (Operator::In, RelationValue::InList(terms)) => {
                    let mut any = false;
                    for t in terms {
                        any |= cmp(t)? == Some(Ordering::Equal);
                    }
                    any
                }
                (Operator::Contains | Operator::ContainsKey, RelationValue::Term(t)) => {
                    let (element_type, keys) = match (ty, filter.operator) {
                        (ColumnType::Map(k, _), Operator::ContainsKey) => ((**k).clone(), true),
                        (ColumnType::Map(_, v), _) => ((**v).clone(), false),
                        (ColumnType::List(e) | ColumnType::Set(e), _) => ((**e).clone(), false),
                        _ => {
                            return Err(CqlError::invalid(format!(
                                "Cannot use CONTAINS on column {}",
                                column.name
                            )));
                        }
                    };
                    let expected = bound.eval_required(t, &element_type, &column.name)?;
                    match value {
                        None => false,
                        Some(bytes) => {
                            let elements = crate::cql3::writes::collection_elements(bytes)?;
                            let is_map = matches!(ty, ColumnType::Map(..));
                            elements.iter().enumerate().any(|(i, e)| {
                                let wanted = if is_map { (i % 2 == 0) == keys } else { true };
                                wanted
                                    && compare_values(&element_type, e, &expected)
                                        == Ordering::Equal
                            })
                        }
                    }
                }
                (op, _) => {
                    return Err(CqlError::invalid(format!(
                        "Unsupported filtering operator {}",
                        op.text()
                    )));
                }
            };
            if !pass {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Runs the SELECT for one page.
    pub async fn execute(
        &self,
        services: &Rc<ShardServices>,
        bound: &Bound<'_>,
        page_size: Option<i32>,
        paging_state: Option<&[u8]>,
    ) -> CqlResult<ResultBody> {
        let now_s = bound.now_ms.div_euclid(1000);
        let limit = match &self.limit {
            Some(term) => match bound.eval_int(term, "[limit]")? {
                Some(n) if n <= 0 => {
                    return Err(CqlError::invalid(format!(
                        "LIMIT must be strictly positive, got {n}"
                    )));
                }
                other => other.map(|n| n as u32),
            },
            None => None,
        };
        let per_partition_limit = match &self.per_partition_limit {
            Some(term) => match bound.eval_int(term, "[per_partition_limit]")? {
                Some(n) if n <= 0 => {
                    return Err(CqlError::invalid(format!(
                        "PER PARTITION LIMIT must be strictly positive, got {n}"
                    )));
                }
                other => other.map(|n| n as u32),
            },
            None => None,
        };
        let counting = self.selection.aggregate;
        if counting && !matches!(self.partition, PartitionRestriction::Keys(_)) {
            bound
                .warnings
                .borrow_mut()
                .push("Aggregation query used without partition key".to_owned());
        }
        let state = match paging_state {
            Some(bytes) if !counting => Some(PagingState::decode(bytes)?),
            _ => None,
        };
        let mut remaining = if counting {
            u32::MAX
        } else {
            state
                .as_ref()
                .map_or(limit.unwrap_or(u32::MAX), |s| s.remaining)
        };
        let page = match page_size {
            Some(n) if n > 0 && !counting => n as u32,
            _ => u32::MAX,
        };
        if let Some((index, column, query)) = &self.ann {
            let k = limit.unwrap_or(0);
            if k > 1000 {
                return Err(CqlError::invalid(format!(
                    "SAI based ORDER BY clause requires a LIMIT that is not greater than 1000. LIMIT was {k}"
                )));
            }
            let column_type = self.table.columns[*column].column_type.clone();
            let bytes =
                bound.eval_required(query, &column_type, &self.table.columns[*column].name)?;
            let vector = crate::index::manager::floats(&bytes)
                .ok_or_else(|| CqlError::invalid("Invalid vector literal"))?;
            let rows = self
                .ann_rows(services, index, vector, k as usize, now_s)
                .await?;
            return self.render(rows, bound, limit, None);
        }
        if let Some((index, filter)) = &self.index_scan {
            let rows = self
                .index_rows(services, bound, index, *filter, now_s)
                .await?;
            let mut kept = Vec::new();
            for row in rows {
                if self.row_passes(&row, bound)? {
                    kept.push(row);
                    if kept.len() as u32 >= remaining {
                        break;
                    }
                }
            }
            return self.render(kept, bound, limit, None);
        }
        let selections = self.partition_selection(bound)?;
        let slices = self.slices(bound)?;
        let mut rows: Vec<CqlRow> = Vec::new();
        let mut next: Option<PagingState> = None;
        let start_index = state.as_ref().map_or(0, |s| s.partition_index as usize);
        let mut position = state.and_then(|s| s.position);
        'partitions: for (index, selection) in selections.iter().enumerate().skip(start_index) {
            loop {
                let want = page.saturating_sub(rows.len() as u32).min(remaining);
                if want == 0 {
                    // The page is full before this partition: resume here.
                    if remaining > 0 {
                        next = Some(PagingState {
                            partition_index: index as u32,
                            position: position.take(),
                            remaining,
                        });
                    }
                    break 'partitions;
                }
                let command = ReadCommand {
                    table_id: self.table.storage_id,
                    selection: selection.clone(),
                    slices: slices.clone(),
                    reversed: self.reversed,
                    columns: None,
                    row_limit: want,
                    per_partition_limit: if self.distinct {
                        1
                    } else {
                        per_partition_limit.unwrap_or(u32::MAX)
                    },
                    paging: position.take(),
                    now_s,
                };
                let result = self.read(services, command).await?;
                let mut produced = 0u32;
                for partition in &result.partitions {
                    let mut decoded = Vec::new();
                    decode_partition(&self.table, partition, now_s, &mut decoded);
                    for row in decoded {
                        if self.row_passes(&row, bound)? {
                            rows.push(row);
                            produced += 1;
                        }
                    }
                }
                remaining = remaining.saturating_sub(produced);
                match result.next_page {
                    Some(next_position) => {
                        if rows.len() as u32 >= page || remaining == 0 {
                            if remaining > 0 {
                                next = Some(PagingState {
                                    partition_index: index as u32,
                                    position: Some(next_position),
                                    remaining,
                                });
                            }
                            break 'partitions;
                        }
                        position = Some(next_position);
                    }
                    None => break,
                }
            }
        }
        self.render(rows, bound, limit, next)
    }

    /// Candidate rows from the index on every shard, read back in full (the
    /// filters re-check them), in token order.
    async fn index_rows(
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
        let value = bound.eval_required(term, &value_type, &column.name)?;
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
    async fn ann_rows(
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

    async fn read(
        &self,
        services: &Rc<ShardServices>,
        command: ReadCommand,
    ) -> CqlResult<sibyl_storage::query::ReadResult> {
        if self.table.is_virtual {
            return crate::cql3::virtual_tables::read(services, &self.table, &command);
        }
        proxy::read(services, &self.table, command).await
    }

    fn render(
        &self,
        rows: Vec<CqlRow>,
        bound: &Bound<'_>,
        limit: Option<u32>,
        next: Option<PagingState>,
    ) -> CqlResult<ResultBody> {
        let t = self.table.as_ref();
        let plan = &self.selection;
        let mut output_rows: Vec<Vec<Option<Vec<u8>>>> = Vec::new();
        if plan.aggregate {
            let mut current: Option<(Vec<Option<Vec<u8>>>, Groups)> = None;
            for row in &rows {
                let key: Vec<Option<Vec<u8>>> = self
                    .group_by
                    .iter()
                    .map(|i| row.values.get(*i).cloned().flatten())
                    .collect();
                match &mut current {
                    Some((k, groups)) if *k == key => groups.add(t, plan, row, bound)?,
                    _ => {
                        if let Some((_, groups)) = current.take() {
                            output_rows.push(groups.finish());
                        }
                        let mut groups = Groups::new(plan)?;
                        groups.add(t, plan, row, bound)?;
                        current = Some((key, groups));
                    }
                }
            }
            match current {
                Some((_, groups)) => output_rows.push(groups.finish()),
                // Without GROUP BY an aggregate over no rows still answers one row.
                None if self.group_by.is_empty() => output_rows.push(Groups::new(plan)?.finish()),
                None => {}
            }
            if let Some(limit) = limit {
                output_rows.truncate(limit as usize);
            }
        } else {
            for row in &rows {
                output_rows.push(
                    plan.outputs
                        .iter()
                        .map(|o| eval(t, &o.expr, row, bound))
                        .collect::<CqlResult<_>>()?,
                );
            }
        }
        let mut metadata = self.result_metadata();
        let mut content = Vec::new();
        for values in &output_rows {
            if plan.json {
                wire::write_bytes(&mut content, Some(&json_row(plan, values)));
            } else {
                for value in values {
                    wire::write_bytes(&mut content, value.as_deref());
                }
            }
        }
        metadata.paging_state = next.map(|s| s.encode());
        Ok(ResultBody::Rows(Rows {
            metadata,
            rows_count: output_rows.len(),
            content,
        }))
    }
}

/// Orders clustering prefixes by the columns' types and directions.
fn compare_prefixes(order: &[(ColumnType, bool)], a: &[Vec<u8>], b: &[Vec<u8>]) -> Ordering {
    for ((x, y), (ty, desc)) in a.iter().zip(b).zip(order) {
        let o = compare_values(ty, x, y);
        let o = if *desc { o.reverse() } else { o };
        if o != Ordering::Equal {
            return o;
        }
    }
    a.len().cmp(&b.len())
}
