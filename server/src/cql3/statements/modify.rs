//! INSERT, UPDATE, DELETE and BATCH: primary key restrictions bound to
//! partition keys and clusterings, assignments turned into cells, USING TTL
//! and TIMESTAMP (and the table's default TTL), then one mutation per
//! partition sent to the owning shard.

mod action;
mod batch;
mod cas;
mod conditions;
mod execute;
mod mutations;
mod size;

pub use batch::{BatchPlan, execute_batch, validate as validate_batch};

use std::sync::Arc;

use sibyl_protocol::types::ColumnType;

use super::lwt::ListOp;
use super::{BindSpecs, resolve_table};
use crate::cql3::ast::{
    Assignment, Attributes, ColumnCondition, DeleteTarget, InsertBody, ModificationStatement,
    Operator, Relation, RelationTarget, RelationValue, Statement, Term,
};
use crate::cql3::{CqlError, CqlResult};
use crate::schema::{ColumnKind, Schema, TableMetadata};

#[derive(Debug, Clone)]
enum Action {
    /// INSERT: row marker plus columns.
    Insert(Vec<(usize, Term)>),
    Update(Vec<Assignment>),
    /// INSERT JSON: every column comes from one JSON object.
    InsertJson {
        value: Term,
        default_unset: bool,
    },
    /// DELETE of whole rows, a range, or a partition.
    DeleteRows,
    DeleteColumns(Vec<DeleteTarget>),
}

/// A list operation waiting for the list's current cells: (clustering,
/// column index, operation).
type PendingListOp = (Vec<Vec<u8>>, usize, ListOp);

/// An `IF` clause as prepared.
#[derive(Debug, Clone)]
enum ConditionPlan {
    Exists,
    NotExists,
    Columns(Vec<ColumnCondition>),
}

#[derive(Debug)]
pub struct ModifyPlan {
    pub table: Arc<TableMetadata>,
    condition: Option<ConditionPlan>,
    /// Per partition key column, the values (`=` term or IN list).
    partition: Vec<Vec<Term>>,
    /// Per clustering column restricted (a prefix), the values.
    clustering: Vec<Vec<Term>>,
    action: Action,
    attributes: Attributes,
    pub pk_indexes: Vec<u16>,
}

fn marker(term: &Term) -> Option<usize> {
    if let Term::BindMarker(m) = term {
        Some(m.index)
    } else {
        None
    }
}

fn column_index(table: &TableMetadata, name: &str) -> CqlResult<usize> {
    table
        .columns
        .iter()
        .position(|c| c.name == name)
        .ok_or_else(|| CqlError::invalid(format!("Undefined column name {name}")))
}

impl ModifyPlan {
    pub fn prepare_statement(
        schema: &Arc<Schema>,
        statement: &Statement,
        keyspace: Option<&str>,
        binds: &mut BindSpecs,
    ) -> CqlResult<Self> {
        let modification = match statement {
            Statement::Insert(s) => ModificationStatement::Insert((**s).clone()),
            Statement::Update(s) => ModificationStatement::Update((**s).clone()),
            Statement::Delete(s) => ModificationStatement::Delete((**s).clone()),
            _ => return Err(CqlError::server("not a modification statement")),
        };
        Self::prepare(schema, &modification, keyspace, binds)
    }

    pub fn prepare(
        schema: &Arc<Schema>,
        statement: &ModificationStatement,
        keyspace: Option<&str>,
        binds: &mut BindSpecs,
    ) -> CqlResult<Self> {
        let (table_name, attributes, condition) = match statement {
            ModificationStatement::Insert(s) => (
                &s.table,
                &s.attributes,
                s.if_not_exists.then_some(ConditionPlan::NotExists),
            ),
            ModificationStatement::Update(s) => (
                &s.table,
                &s.attributes,
                s.condition.as_ref().map(Self::condition_plan),
            ),
            ModificationStatement::Delete(s) => (
                &s.table,
                &s.attributes,
                s.condition.as_ref().map(Self::condition_plan),
            ),
        };
        let table = resolve_table(schema, table_name, keyspace)?;
        let t = table.as_ref();
        if t.is_virtual
            || schema
                .keyspace(&t.keyspace)
                .is_some_and(|k| k.replication.is_local())
                && !t.keyspace.starts_with("system_auth")
        {
            return Err(CqlError::Unauthorized(format!(
                "{} keyspace is not user-modifiable.",
                t.keyspace
            )));
        }
        if let Some(ConditionPlan::Columns(conditions)) = &condition {
            Self::condition_binds(t, conditions, binds)?;
        }
        if condition.is_some() && attributes.timestamp.is_some() {
            return Err(CqlError::invalid(
                "Cannot provide custom timestamp for conditional updates",
            ));
        }
        if condition.is_some() && t.is_counter() {
            return Err(CqlError::invalid(
                "Conditional updates are not supported on counter tables",
            ));
        }
        if t.is_counter() && attributes.ttl.is_some() {
            return Err(CqlError::invalid("Cannot set the TTL on counter updates"));
        }
        for (term, name, ty) in [
            (&attributes.ttl, "[ttl]", ColumnType::Int),
            (&attributes.timestamp, "[timestamp]", ColumnType::Bigint),
        ] {
            if let Some(i) = term.as_ref().and_then(marker) {
                binds.set(i, t, name, ty);
            }
        }
        let mut partition: Vec<Vec<Term>> = vec![Vec::new(); t.partition_key_len()];
        let mut clustering: Vec<Vec<Term>> = vec![Vec::new(); t.clustering_len()];
        let action = match statement {
            ModificationStatement::Insert(insert) => {
                let (columns, values) = match &insert.body {
                    InsertBody::Values { columns, values } => (columns, values),
                    InsertBody::Json {
                        value,
                        default_unset,
                    } => {
                        if t.is_counter() {
                            return Err(CqlError::invalid(
                                "INSERT statements are not allowed on counter tables, use UPDATE instead",
                            ));
                        }
                        if let Some(m) = marker(value) {
                            binds.set(m, t, "[json]", ColumnType::Text);
                        }
                        let condition = insert.if_not_exists.then_some(ConditionPlan::NotExists);
                        return Ok(Self {
                            table: table.clone(),
                            condition,
                            partition: Vec::new(),
                            clustering: Vec::new(),
                            action: Action::InsertJson {
                                value: value.clone(),
                                default_unset: *default_unset,
                            },
                            attributes: attributes.clone(),
                            pk_indexes: Vec::new(),
                        });
                    }
                };
                if columns.len() != values.len() {
                    return Err(CqlError::invalid("Unmatched column names/values"));
                }
                let mut sets = Vec::new();
                for (name, value) in columns.iter().zip(values) {
                    let i = column_index(t, name)?;
                    let column = &t.columns[i];
                    if let Some(m) = marker(value) {
                        binds.set(m, t, name, column.column_type.clone());
                    }
                    if sets.iter().any(|(j, _)| *j == i)
                        || match column.kind {
                            ColumnKind::PartitionKey => {
                                !partition[column.position as usize].is_empty()
                            }
                            ColumnKind::Clustering => {
                                !clustering[column.position as usize].is_empty()
                            }
                            _ => false,
                        }
                    {
                        return Err(CqlError::invalid(format!(
                            "Multiple definitions found for column {name}"
                        )));
                    }
                    match column.kind {
                        ColumnKind::PartitionKey => {
                            partition[column.position as usize] = vec![value.clone()]
                        }
                        ColumnKind::Clustering => {
                            clustering[column.position as usize] = vec![value.clone()]
                        }
                        _ => {
                            if column.is_counter() {
                                return Err(CqlError::invalid(
                                    "INSERT statements are not allowed on counter tables, use UPDATE instead",
                                ));
                            }
                            sets.push((i, value.clone()));
                        }
                    }
                }
                Action::Insert(sets)
            }
            ModificationStatement::Update(update) => {
                Self::restrictions(t, &update.relations, binds, &mut partition, &mut clustering)?;
                for assignment in &update.assignments {
                    let i = column_index(t, assignment.column())?;
                    let column = &t.columns[i];
                    if column.kind.is_primary_key() {
                        return Err(CqlError::invalid(format!(
                            "PRIMARY KEY part {} found in SET part",
                            column.name
                        )));
                    }
                    let ty = column.column_type.clone();
                    match assignment {
                        Assignment::Set { value, .. }
                        | Assignment::Add { value, .. }
                        | Assignment::Prepend { value, .. }
                        | Assignment::Subtract { value, .. } => {
                            if let Some(m) = marker(value) {
                                let bind_type = match (assignment, &ty) {
                                    (Assignment::Subtract { .. }, ColumnType::Map(k, _)) => {
                                        ColumnType::Set(k.clone())
                                    }
                                    _ => ty.clone(),
                                };
                                binds.set(m, t, &column.name, bind_type);
                            }
                        }
                        Assignment::SetElement { key, value, .. } => {
                            let (key_type, value_type) = match &ty {
                                ColumnType::Map(k, v) => ((**k).clone(), (**v).clone()),
                                ColumnType::List(e) => (ColumnType::Int, (**e).clone()),
                                _ => {
                                    return Err(CqlError::invalid(format!(
                                        "Column {} is not a map or list",
                                        column.name
                                    )));
                                }
                            };
                            if let Some(m) = marker(key) {
                                binds.set(m, t, &format!("key({})", column.name), key_type);
                            }
                            if let Some(m) = marker(value) {
                                binds.set(m, t, &format!("value({})", column.name), value_type);
                            }
                        }
                        Assignment::SetField { field, value, .. } => {
                            let ColumnType::Udt { fields, .. } = &ty else {
                                return Err(CqlError::invalid(format!(
                                    "Invalid field selection: {} of type {} is not a user type",
                                    column.name,
                                    ty.cql_name()
                                )));
                            };
                            let field_type = fields
                                .iter()
                                .find(|(n, _)| n == field)
                                .map(|(_, t)| t.clone())
                                .ok_or_else(|| {
                                    CqlError::invalid(format!(
                                        "Unknown field {field} in value of user defined type {}",
                                        ty.cql_name()
                                    ))
                                })?;
                            if let Some(m) = marker(value) {
                                binds.set(m, t, &format!("{}.{field}", column.name), field_type);
                            }
                        }
                    }
                }
                Action::Update(update.assignments.clone())
            }
            ModificationStatement::Delete(delete) => {
                Self::restrictions(t, &delete.relations, binds, &mut partition, &mut clustering)?;
                if delete.targets.is_empty() {
                    Action::DeleteRows
                } else {
                    for target in &delete.targets {
                        let name = match target {
                            DeleteTarget::Column(n)
                            | DeleteTarget::Element { column: n, .. }
                            | DeleteTarget::Field { column: n, .. } => n,
                        };
                        let column = &t.columns[column_index(t, name)?];
                        if column.kind.is_primary_key() {
                            return Err(CqlError::invalid(format!(
                                "Invalid identifier {name} for deletion (should not be a PRIMARY KEY part)"
                            )));
                        }
                        if let DeleteTarget::Element { key, .. } = target {
                            if let Some(m) = marker(key) {
                                let key_type = match &column.column_type {
                                    ColumnType::Map(k, _) => (**k).clone(),
                                    _ => ColumnType::Int,
                                };
                                binds.set(m, t, &format!("key({name})"), key_type);
                            }
                        }
                    }
                    Action::DeleteColumns(delete.targets.clone())
                }
            }
        };
        if let Some((i, _)) = partition.iter().enumerate().find(|(_, v)| v.is_empty()) {
            let name = t
                .partition_key()
                .nth(i)
                .map(|c| c.name.clone())
                .unwrap_or_default();
            return Err(CqlError::invalid(format!(
                "Some partition key parts are missing: {name}"
            )));
        }
        let restricted_clustering = clustering.iter().take_while(|v| !v.is_empty()).count();
        if clustering
            .iter()
            .skip(restricted_clustering)
            .any(|v| !v.is_empty())
        {
            return Err(CqlError::invalid(
                "PRIMARY KEY column cannot be restricted as preceding column is not restricted",
            ));
        }
        let full_clustering = restricted_clustering == clustering.len();
        // Writing only static columns needs no clustering, as in Cassandra.
        let static_only = restricted_clustering == 0
            && match &action {
                Action::Insert(sets) => {
                    !sets.is_empty()
                        && sets
                            .iter()
                            .all(|(i, _)| t.columns[*i].kind == ColumnKind::Static)
                }
                Action::Update(assignments) => assignments.iter().all(|a| {
                    t.column(a.column())
                        .is_some_and(|c| c.kind == ColumnKind::Static)
                }),
                _ => false,
            };
        match &action {
            Action::Insert(_) | Action::Update(_) if !full_clustering && !static_only => {
                let missing = t
                    .clustering_key()
                    .nth(restricted_clustering)
                    .map(|c| c.name.clone())
                    .unwrap_or_default();
                return Err(CqlError::invalid(format!(
                    "Some clustering keys are missing: {missing}"
                )));
            }
            Action::DeleteColumns(_) if !full_clustering && t.clustering_len() > 0 => {
                return Err(CqlError::invalid(
                    "Range deletions are not supported for specific columns",
                ));
            }
            _ => {}
        }
        clustering.truncate(restricted_clustering);
        let pk_indexes: Vec<u16> = partition
            .iter()
            .filter_map(|v| v.first().and_then(marker))
            .map(|i| i as u16)
            .collect();
        let pk_indexes =
            if pk_indexes.len() == partition.len() && partition.iter().all(|v| v.len() == 1) {
                pk_indexes
            } else {
                Vec::new()
            };
        if condition.is_some() {
            let verb = if matches!(action, Action::DeleteRows | Action::DeleteColumns(_)) {
                "deletions"
            } else {
                "updates"
            };
            if partition.iter().any(|v| v.len() > 1) {
                return Err(CqlError::invalid(format!(
                    "IN on the partition key is not supported with conditional {verb}"
                )));
            }
            if clustering.iter().any(|v| v.len() > 1) {
                return Err(CqlError::invalid(format!(
                    "IN on the clustering key columns is not supported with conditional {verb}"
                )));
            }
        }
        Ok(Self {
            table: table.clone(),
            condition,
            partition,
            clustering,
            action,
            attributes: attributes.clone(),
            pk_indexes,
        })
    }

    fn restrictions(
        t: &TableMetadata,
        relations: &[Relation],
        binds: &mut BindSpecs,
        partition: &mut [Vec<Term>],
        clustering: &mut [Vec<Term>],
    ) -> CqlResult<()> {
        for relation in relations {
            let RelationTarget::Column(name) = &relation.target else {
                return Err(CqlError::invalid(
                    "Only column restrictions are supported in the WHERE clause of UPDATE and DELETE",
                ));
            };
            let column = &t.columns[column_index(t, name)?];
            let terms = match (&relation.operator, &relation.value) {
                (Operator::Equal, RelationValue::Term(term)) => vec![term.clone()],
                (Operator::In, RelationValue::InList(terms)) => terms.clone(),
                _ => {
                    return Err(CqlError::invalid(format!(
                        "Invalid operator {} for PRIMARY KEY part {name}",
                        relation.operator.text()
                    )));
                }
            };
            for term in &terms {
                if let Some(m) = marker(term) {
                    binds.set(m, t, name, column.column_type.clone());
                }
            }
            match column.kind {
                ColumnKind::PartitionKey => partition[column.position as usize] = terms,
                ColumnKind::Clustering => clustering[column.position as usize] = terms,
                _ => {
                    return Err(CqlError::invalid(format!(
                        "Non PRIMARY KEY columns found in where clause: {name} "
                    )));
                }
            }
        }
        Ok(())
    }

    /// The result metadata a conditional statement announces when prepared.
    pub fn is_conditional(&self) -> bool {
        self.condition.is_some()
    }
}
