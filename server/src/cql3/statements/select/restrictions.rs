//! WHERE relations sorted into partition key, token, clustering and filter
//! restrictions at preparation, and the index or vector index that serves them.

use sibyl_protocol::types::ColumnType;

use super::clustering::{TupleKind, TupleRelation, tuple_name, tuple_type};
use super::*;
use crate::cql3::ast::{
    Operator, Order, Relation, RelationTarget, RelationValue, SelectStatement, Term,
};
use crate::cql3::statements::BindSpecs;
use crate::cql3::{CqlError, CqlResult};
use crate::index::similarity::Similarity;
use crate::schema::{ColumnKind, TableMetadata};

/// Values a key column is restricted to: one (`=`) or several (`IN`).
#[derive(Debug, Clone)]
pub(super) enum KeyValues {
    Eq(Term),
    In(Vec<Term>),
    InMarker(Term),
}

#[derive(Debug, Clone)]
pub(super) struct SliceBounds {
    pub(super) lower: Option<(Term, bool)>,
    pub(super) upper: Option<(Term, bool)>,
}

#[derive(Debug, Clone)]
pub(super) enum PartitionRestriction {
    Keys(Vec<KeyValues>),
    Token(SliceBounds),
    All,
}

#[derive(Debug, Clone)]
pub(super) struct Filter {
    pub(super) column: usize,
    pub(super) operator: Operator,
    pub(super) value: RelationValue,
    /// `m[key] op value`: the key term.
    pub(super) map_key: Option<Term>,
}

/// `ORDER BY v ANN OF q`: the vector index, the column and the query term.
#[derive(Debug, Clone)]
pub(super) struct AnnPlan {
    pub(super) index: String,
    pub(super) column: usize,
    pub(super) query: Term,
    pub(super) similarity: Similarity,
}

/// The restrictions of a WHERE clause, sorted by what they restrict.
#[derive(Debug)]
pub(super) struct Slots {
    pub(super) pk: Vec<Option<KeyValues>>,
    pub(super) ck: Vec<Option<KeyValues>>,
    /// Single-column clustering slices: (clustering position, bounds).
    pub(super) slices: Vec<(usize, SliceBounds)>,
    pub(super) tuples: Vec<TupleRelation>,
    pub(super) token: Option<SliceBounds>,
    pub(super) filters: Vec<Filter>,
}

impl Slots {
    pub(super) fn new(t: &TableMetadata) -> Self {
        Self {
            pk: vec![None; t.partition_key_len()],
            ck: vec![None; t.clustering_len()],
            slices: Vec::new(),
            tuples: Vec::new(),
            token: None,
            filters: Vec::new(),
        }
    }
}

impl SelectPlan {
    pub(super) fn add_relation(
        t: &TableMetadata,
        relation: &Relation,
        binds: &mut BindSpecs,
        slots: &mut Slots,
    ) -> CqlResult<()> {
        let Slots {
            pk,
            ck,
            slices,
            tuples,
            token,
            filters,
        } = slots;
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
                        let at = match slices.iter().position(|(p, _)| *p == position) {
                            Some(at) => at,
                            None => {
                                slices.push((
                                    position,
                                    SliceBounds {
                                        lower: None,
                                        upper: None,
                                    },
                                ));
                                slices.len() - 1
                            }
                        };
                        let Some(entry) = slices.get_mut(at) else {
                            return Err(CqlError::server("slice slot vanished"));
                        };
                        let inclusive = matches!(
                            relation.operator,
                            Operator::GreaterThanOrEqual | Operator::LessThanOrEqual
                        );
                        let is_lower = matches!(
                            relation.operator,
                            Operator::GreaterThan | Operator::GreaterThanOrEqual
                        );
                        let side = if is_lower {
                            &mut entry.1.lower
                        } else {
                            &mut entry.1.upper
                        };
                        if side.is_some() {
                            return Err(CqlError::invalid(format!(
                                "More than one restriction was found for the {} bound on {name}",
                                if is_lower { "start" } else { "end" }
                            )));
                        }
                        *side = Some((term.clone(), inclusive));
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
                            map_key: None,
                            column: index,
                            operator: relation.operator,
                            value: relation.value.clone(),
                        });
                        Ok(())
                    }
                }
            }
            RelationTarget::Tuple(names) => {
                tuples.push(tuple_relation(t, relation, names, binds)?);
                Ok(())
            }
            RelationTarget::MapElement { column, key } => {
                filters.push(map_element_filter(t, relation, column, key, binds)?);
                Ok(())
            }
        }
    }

    /// `ORDER BY v ANN OF [...]`: needs a SAI vector index on `v` and a LIMIT.
    pub(super) fn ann(
        t: &TableMetadata,
        statement: &SelectStatement,
        filters: &[Filter],
        binds: &mut BindSpecs,
    ) -> CqlResult<Option<AnnPlan>> {
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
        // Key restrictions narrow the rows to score; any other restricted
        // column must be indexed, as Cassandra 5.0 requires.
        if filters
            .iter()
            .any(|f| Self::serving_index(t, f).is_none_or(|(_, sai)| !sai))
        {
            return Err(CqlError::invalid(
                "ANN ordering by vector requires all restricted column(s) to be indexed",
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
        let similarity = index
            .options
            .get("similarity_function")
            .and_then(|s| Similarity::from_option(s))
            .unwrap_or(Similarity::Cosine);
        Ok(Some(AnnPlan {
            index: index.name.clone(),
            column,
            query: query.clone(),
            similarity,
        }))
    }

    /// The index that can answer `filter`, if any: (index name, is SAI).
    pub(super) fn serving_index(t: &TableMetadata, filter: &Filter) -> Option<(String, bool)> {
        use crate::index::Target;
        if !matches!(filter.value, RelationValue::Term(_)) {
            return None;
        }
        t.indexes.iter().find_map(|index| {
            let (target, column) = crate::index::index_column(t, index).ok()?;
            if t.columns.get(filter.column).map(|c| &c.name) != Some(&column.name) {
                return None;
            }
            let sai = index.kind == "CUSTOM";
            let usable = match (target, filter.operator, filter.map_key.is_some()) {
                (Target::Entries, Operator::Equal, true) => true,
                (_, _, true) => false,
                (Target::Whole, Operator::Equal, _) => {
                    !matches!(column.column_type, ColumnType::Vector { .. })
                }
                (
                    Target::Whole,
                    Operator::LessThan
                    | Operator::LessThanOrEqual
                    | Operator::GreaterThan
                    | Operator::GreaterThanOrEqual,
                    _,
                ) => sai && !matches!(column.column_type, ColumnType::Vector { .. }),
                (Target::Values, Operator::Contains, _)
                | (Target::Keys, Operator::ContainsKey, _) => true,
                _ => false,
            };
            usable.then(|| (index.name.clone(), sai))
        })
    }

    /// The first filter an index of the table can answer.
    pub(super) fn choose_index(t: &TableMetadata, filters: &[Filter]) -> Option<(String, usize)> {
        filters.iter().enumerate().find_map(|(position, filter)| {
            Self::serving_index(t, filter).map(|(name, _)| (name, position))
        })
    }
}

/// Checks a multi-column relation `(c1, c2) op ...` like Cassandra and types
/// its markers.
fn tuple_relation(
    t: &TableMetadata,
    relation: &Relation,
    names: &[String],
    binds: &mut BindSpecs,
) -> CqlResult<TupleRelation> {
    let mut columns = Vec::with_capacity(names.len());
    for name in names {
        let column = t
            .column(name)
            .ok_or_else(|| CqlError::invalid(format!("Undefined column name {name}")))?;
        if column.kind != ColumnKind::Clustering {
            return Err(CqlError::invalid(format!(
                "Multi-column relations can only be applied to clustering columns but was applied to: {name}"
            )));
        }
        if columns
            .iter()
            .any(|c: &&crate::schema::ColumnMetadata| c.name == column.name)
        {
            return Err(CqlError::invalid(format!(
                "Column \"{name}\" appeared twice in a relation: {relation}"
            )));
        }
        if let Some(previous) = columns.last()
            && column.position != previous.position + 1
        {
            return Err(CqlError::invalid(format!(
                "Clustering columns must appear in the PRIMARY KEY order in multi-column relations: {relation}"
            )));
        }
        columns.push(column);
    }
    let Some(first) = columns.first() else {
        return Err(CqlError::invalid("Empty multi-column relation"));
    };
    let start = first.position as usize;
    // A tuple literal's arity is checked here; its markers take the columns'
    // types, a marker for the whole tuple takes the tuple type.
    let tuple_value = |term: &Term, binds: &mut BindSpecs| -> CqlResult<()> {
        match term {
            Term::Tuple(elements) => {
                if elements.len() != columns.len() {
                    return Err(CqlError::invalid(format!(
                        "Expected {} elements in value tuple, but got {}: {term}",
                        columns.len(),
                        elements.len()
                    )));
                }
                for (element, column) in elements.iter().zip(&columns) {
                    if let Some(index) = marker_index(element) {
                        binds.set(index, t, &column.name, column.column_type.clone());
                    }
                }
                Ok(())
            }
            Term::BindMarker(marker) => {
                binds.set(marker.index, t, &tuple_name(&columns), tuple_type(&columns));
                Ok(())
            }
            _ => Err(CqlError::invalid(format!(
                "Invalid value {term} for a multi-column relation on {}",
                tuple_name(&columns)
            ))),
        }
    };
    let kind = match (&relation.operator, &relation.value) {
        (Operator::Equal, RelationValue::Term(term)) => {
            tuple_value(term, binds)?;
            TupleKind::Values(KeyValues::Eq(term.clone()))
        }
        (Operator::In, RelationValue::InList(terms)) => {
            for term in terms {
                tuple_value(term, binds)?;
            }
            TupleKind::Values(KeyValues::In(terms.clone()))
        }
        (Operator::In, RelationValue::InMarker(marker)) => {
            binds.set(
                marker.index,
                t,
                &format!("in({})", tuple_name(&columns)),
                ColumnType::List(Box::new(tuple_type(&columns))),
            );
            TupleKind::Values(KeyValues::InMarker(Term::BindMarker(marker.clone())))
        }
        (
            op @ (Operator::GreaterThan
            | Operator::GreaterThanOrEqual
            | Operator::LessThan
            | Operator::LessThanOrEqual),
            RelationValue::Term(term),
        ) => {
            tuple_value(term, binds)?;
            let inclusive = matches!(op, Operator::GreaterThanOrEqual | Operator::LessThanOrEqual);
            if matches!(op, Operator::GreaterThan | Operator::GreaterThanOrEqual) {
                TupleKind::Lower(term.clone(), inclusive)
            } else {
                TupleKind::Upper(term.clone(), inclusive)
            }
        }
        (op, _) => {
            return Err(CqlError::invalid(format!(
                "Unsupported \"{}\" relation: {relation}",
                op.text()
            )));
        }
    };
    Ok(TupleRelation {
        start,
        width: columns.len(),
        kind,
    })
}

/// `m[key] = value`: filtered (or answered by an `entries(m)` index).
fn map_element_filter(
    t: &TableMetadata,
    relation: &Relation,
    name: &str,
    key: &Term,
    binds: &mut BindSpecs,
) -> CqlResult<Filter> {
    let index = column_index(t, name)?;
    let column = &t.columns[index];
    let ColumnType::Map(key_type, value_type) = &column.column_type else {
        return Err(CqlError::invalid(
            if matches!(column.column_type, ColumnType::List(_)) {
                format!(
                    "Indexes on list entries ({name}[index] = value) are not currently supported."
                )
            } else {
                format!("Column {name} cannot be used as a map")
            },
        ));
    };
    if !column.multi_cell {
        return Err(CqlError::invalid(format!(
            "Map-entry equality predicates on frozen map column {name} are not supported"
        )));
    }
    let RelationValue::Term(value) = &relation.value else {
        return Err(CqlError::invalid(
            "Only EQ relations are supported on map entries",
        ));
    };
    if relation.operator != Operator::Equal {
        return Err(CqlError::invalid(
            "Only EQ relations are supported on map entries",
        ));
    }
    if let Some(marker) = marker_index(key) {
        binds.set(marker, t, &format!("key({name})"), (**key_type).clone());
    }
    if let Some(marker) = marker_index(value) {
        binds.set(marker, t, &format!("value({name})"), (**value_type).clone());
    }
    Ok(Filter {
        column: index,
        operator: Operator::Equal,
        value: relation.value.clone(),
        map_key: Some(key.clone()),
    })
}
