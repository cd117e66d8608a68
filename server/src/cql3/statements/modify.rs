//! INSERT, UPDATE, DELETE and BATCH: primary key restrictions bound to
//! partition keys and clusterings, assignments turned into cells, USING TTL
//! and TIMESTAMP (and the table's default TTL), then one mutation per
//! partition sent to the owning shard.

use std::rc::Rc;
use std::sync::Arc;

use sibyl_protocol::response::{ColumnSpec, ResultBody, Rows, RowsMetadata};
use sibyl_protocol::types::ColumnType;
use sibyl_protocol::wire;
use sibyl_storage::mutation::{Bound as SliceBound, ClusteringSlice, Mutation};

use super::bind::Bound;
use super::lwt::ListOp;
use super::{BindSpecs, resolve_table};
use crate::cql3::ast::{
    Assignment, Attributes, BatchKind, BatchStatement, ColumnCondition, Condition, ConditionTarget,
    DeleteTarget, InsertBody, ModificationStatement, Operator, Relation, RelationTarget,
    RelationValue, Statement, Term,
};
use crate::cql3::values::TermValue;
use crate::cql3::writes::{PartitionWriter, WriteOptions};
use crate::cql3::{CqlError, CqlResult};
use crate::schema::{ColumnKind, Schema, TableMetadata};
use crate::service::{ShardServices, proxy};

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
        match &action {
            Action::Insert(_) | Action::Update(_) if !full_clustering => {
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
        if condition.is_some()
            && (partition.iter().any(|v| v.len() > 1) || clustering.iter().any(|v| v.len() > 1))
        {
            return Err(CqlError::invalid(
                "IN on the partition key is not supported with conditional updates",
            ));
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

    fn condition_plan(condition: &Condition) -> ConditionPlan {
        match condition {
            Condition::Exists => ConditionPlan::Exists,
            Condition::Columns(conditions) => ConditionPlan::Columns(conditions.clone()),
        }
    }

    /// The type a condition compares, and what part of the column it reads.
    fn condition_target(
        t: &TableMetadata,
        condition: &ColumnCondition,
    ) -> CqlResult<(usize, ColumnType, Option<ColumnType>)> {
        let (name, key_or_field) = match &condition.target {
            ConditionTarget::Column(name) => (name, None),
            ConditionTarget::Element { column, .. } => (column, Some(true)),
            ConditionTarget::Field { column, .. } => (column, Some(false)),
        };
        let index = column_index(t, name)?;
        let column = &t.columns[index];
        if column.kind.is_primary_key() {
            return Err(CqlError::invalid(format!(
                "PRIMARY KEY column '{name}' cannot have IF conditions"
            )));
        }
        let ty = column.column_type.clone();
        Ok(match (&condition.target, key_or_field) {
            (ConditionTarget::Element { .. }, _) => match &ty {
                ColumnType::Map(k, v) => (index, (**v).clone(), Some((**k).clone())),
                ColumnType::List(e) => (index, (**e).clone(), Some(ColumnType::Int)),
                _ => {
                    return Err(CqlError::invalid(format!(
                        "Invalid element access syntax for non-collection column {name}"
                    )));
                }
            },
            (ConditionTarget::Field { field, .. }, _) => match &ty {
                ColumnType::Udt { fields, .. } => {
                    let f = fields
                        .iter()
                        .find(|(n, _)| n == field)
                        .ok_or_else(|| CqlError::invalid(format!("Unknown field {field}")))?;
                    (index, f.1.clone(), None)
                }
                _ => {
                    return Err(CqlError::invalid(format!(
                        "Invalid field access for non-UDT column {name}"
                    )));
                }
            },
            _ => (index, ty, None),
        })
    }

    fn condition_binds(
        t: &TableMetadata,
        conditions: &[ColumnCondition],
        binds: &mut BindSpecs,
    ) -> CqlResult<()> {
        for condition in conditions {
            let (index, compared, key_type) = Self::condition_target(t, condition)?;
            let name = t.columns[index].name.clone();
            if let (ConditionTarget::Element { key, .. }, Some(kt)) = (&condition.target, key_type)
            {
                if let Some(m) = marker(key) {
                    binds.set(m, t, &format!("key({name})"), kt);
                }
            }
            match &condition.value {
                RelationValue::Term(term) => {
                    if let Some(m) = marker(term) {
                        binds.set(m, t, &name, compared.clone());
                    }
                }
                RelationValue::InList(terms) => {
                    for term in terms {
                        if let Some(m) = marker(term) {
                            binds.set(m, t, &name, compared.clone());
                        }
                    }
                }
                RelationValue::InMarker(m) => binds.set(
                    m.index,
                    t,
                    &format!("in({name})"),
                    ColumnType::List(Box::new(compared.clone())),
                ),
                RelationValue::Between(..) => {
                    return Err(CqlError::invalid("BETWEEN is not supported in conditions"));
                }
            }
        }
        Ok(())
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

    fn values(
        bound: &Bound<'_>,
        terms: &[Term],
        ty: &ColumnType,
        name: &str,
    ) -> CqlResult<Vec<Vec<u8>>> {
        terms
            .iter()
            .map(|t| bound.eval_required(t, ty, name))
            .collect()
    }

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

    /// The mutations this statement makes with `bound` values.
    /// The mutations this statement makes with `bound` values. List
    /// operations that need the list's current contents are refused here:
    /// only a plain statement runs them (see [`ModifyPlan::execute`]).
    pub fn mutations(
        &self,
        bound: &Bound<'_>,
        shard: u16,
        batch_timestamp: Option<i64>,
    ) -> CqlResult<Vec<Mutation>> {
        let (mutations, list_ops, _) =
            self.mutations_and_list_ops(bound, shard, batch_timestamp)?;
        if !list_ops.is_empty() {
            return Err(CqlError::invalid(
                "List operations by index or value are not supported in batches and conditional statements yet",
            ));
        }
        Ok(mutations)
    }

    fn mutations_and_list_ops(
        &self,
        bound: &Bound<'_>,
        shard: u16,
        batch_timestamp: Option<i64>,
    ) -> CqlResult<(
        Vec<Mutation>,
        Vec<(Vec<u8>, i64, PendingListOp)>,
        WriteOptions,
    )> {
        let t = self.table.as_ref();
        let timestamp_us = match &self.attributes.timestamp {
            Some(term) => bound.eval_bigint(term, "[timestamp]")?,
            None => None,
        }
        .or(batch_timestamp)
        .unwrap_or_else(ShardServices::now_us);
        let ttl_s = match &self.attributes.ttl {
            Some(term) => match bound.eval_int(term, "[ttl]")? {
                Some(n) if n < 0 => {
                    return Err(CqlError::invalid(format!(
                        "A TTL must be greater or equal to 0, but was {n}"
                    )));
                }
                Some(n) if n > 630_720_000 => {
                    return Err(CqlError::invalid(format!(
                        "ttl is too large. requested ({n}) maximum (630720000)"
                    )));
                }
                Some(n) => n as u32,
                None => t.params.default_time_to_live,
            },
            None => t.params.default_time_to_live,
        };
        let options = WriteOptions {
            timestamp_us,
            ttl_s,
            now_s: bound.now_ms.div_euclid(1000),
        };
        if let Action::InsertJson {
            value,
            default_unset,
        } = &self.action
        {
            return self
                .json_mutation(bound, value, *default_unset, options, shard)
                .map(|m| (vec![m], Vec::new(), options));
        }
        let pk_columns: Vec<_> = t.partition_key().collect();
        let keys = Self::product(
            self.partition
                .iter()
                .zip(&pk_columns)
                .map(|(terms, c)| Self::values(bound, terms, &c.column_type, &c.name))
                .collect::<CqlResult<_>>()?,
        );
        let ck_columns: Vec<_> = t.clustering_key().collect();
        let clusterings = Self::product(
            self.clustering
                .iter()
                .zip(&ck_columns)
                .map(|(terms, c)| Self::values(bound, terms, &c.column_type, &c.name))
                .collect::<CqlResult<_>>()?,
        );
        let mut mutations = Vec::with_capacity(keys.len());
        let mut pending = Vec::new();
        for key in keys {
            let refs: Vec<&[u8]> = key.iter().map(Vec::as_slice).collect();
            if refs.iter().any(|k| k.is_empty()) && refs.len() == 1 {
                return Err(CqlError::invalid("Key may not be empty"));
            }
            let mut writer = PartitionWriter::new(t, &refs, options, shard);
            let mut list_ops = Vec::new();
            for clustering in &clusterings {
                self.apply_action(&mut writer, bound, clustering, &mut list_ops)?;
            }
            let token = writer.token();
            let key_bytes = crate::dht::serialize_partition_key(&refs);
            pending.extend(
                list_ops
                    .into_iter()
                    .map(|op| (key_bytes.clone(), token, op)),
            );
            if !writer.is_empty() {
                mutations.push(writer.into_mutation());
            }
        }
        Ok((mutations, pending, options))
    }

    /// INSERT JSON: parses the object, maps its keys to columns (quoted keys
    /// are case-sensitive names), and writes the row like INSERT VALUES.
    fn json_mutation(
        &self,
        bound: &Bound<'_>,
        value: &Term,
        default_unset: bool,
        options: WriteOptions,
        shard: u16,
    ) -> CqlResult<Mutation> {
        let t = self.table.as_ref();
        let text = bound.eval_required(value, &ColumnType::Text, "[json]")?;
        let text = String::from_utf8(text)
            .map_err(|_| CqlError::invalid("Invalid UTF-8 in JSON value"))?;
        let json: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
            CqlError::invalid(format!(
                "Could not decode JSON string as a map: {e}. (String was: {text})"
            ))
        })?;
        let serde_json::Value::Object(object) = json else {
            return Err(CqlError::invalid(format!(
                "Could not decode JSON string as a map: not an object. (String was: {text})"
            )));
        };
        let mut values: Vec<Option<Option<Vec<u8>>>> = vec![None; t.columns.len()];
        for (key, json_value) in &object {
            let name = match key.strip_prefix('"').and_then(|k| k.strip_suffix('"')) {
                Some(quoted) => quoted.to_owned(),
                None => key.to_lowercase(),
            };
            let index = t
                .columns
                .iter()
                .position(|c| c.name == name)
                .ok_or_else(|| {
                    CqlError::invalid(format!(
                        "JSON values map contains unrecognized column: {key}"
                    ))
                })?;
            let column = &t.columns[index];
            let decoded =
                crate::cql3::values::json_to_value(json_value, &column.column_type, &column.name)?;
            values[index] = Some(decoded.map(|v| v.to_bytes()));
        }
        let mut key_parts = Vec::new();
        let mut clustering = Vec::new();
        for (index, column) in t.columns.iter().enumerate() {
            if !column.kind.is_primary_key() {
                continue;
            }
            let value = values[index].clone().flatten().ok_or_else(|| {
                CqlError::invalid(format!(
                    "Invalid null value in condition for column {}",
                    column.name
                ))
            })?;
            if column.kind == ColumnKind::PartitionKey {
                key_parts.push(value);
            } else {
                clustering.push(value);
            }
        }
        let refs: Vec<&[u8]> = key_parts.iter().map(Vec::as_slice).collect();
        let mut writer = PartitionWriter::new(t, &refs, options, shard);
        writer.add_row_marker(&clustering);
        for (index, column) in t.columns.iter().enumerate() {
            if column.kind.is_primary_key() {
                continue;
            }
            match &values[index] {
                Some(value) => writer.set_column(&clustering, column, value.as_deref())?,
                None if default_unset => {}
                None => writer.set_column(&clustering, column, None)?,
            }
        }
        Ok(writer.into_mutation())
    }

    fn apply_action(
        &self,
        writer: &mut PartitionWriter<'_>,
        bound: &Bound<'_>,
        clustering: &[Vec<u8>],
        list_ops: &mut Vec<PendingListOp>,
    ) -> CqlResult<()> {
        let t = self.table.as_ref();
        let full = clustering.len() == t.clustering_len();
        match &self.action {
            Action::Insert(sets) => {
                writer.add_row_marker(clustering);
                for (i, term) in sets {
                    let column = &t.columns[*i];
                    match bound.eval(term, &column.column_type, &column.name)? {
                        TermValue::Unset => {}
                        TermValue::Null => writer.set_column(clustering, column, None)?,
                        TermValue::Value(v) => writer.set_column(clustering, column, Some(&v))?,
                    }
                }
            }
            Action::Update(assignments) => {
                for assignment in assignments {
                    let column = t
                        .column(assignment.column())
                        .ok_or_else(|| CqlError::server("column vanished"))?;
                    let ty = &column.column_type;
                    match assignment {
                        Assignment::Set { value, .. } => {
                            match bound.eval(value, ty, &column.name)? {
                                TermValue::Unset => {}
                                TermValue::Null => writer.set_column(clustering, column, None)?,
                                TermValue::Value(v) => {
                                    writer.set_column(clustering, column, Some(&v))?
                                }
                            }
                        }
                        Assignment::Add { value, .. } | Assignment::Prepend { value, .. } => {
                            if column.is_counter() {
                                return Err(CqlError::invalid(
                                    "Counter updates are not supported yet",
                                ));
                            }
                            if !column.multi_cell {
                                return Err(CqlError::invalid(format!(
                                    "Invalid operation ({} = {} + ?) for non counter column {}",
                                    column.name, column.name, column.name
                                )));
                            }
                            if let TermValue::Value(v) = bound.eval(value, ty, &column.name)? {
                                writer.add_to_collection(
                                    clustering,
                                    column,
                                    &v,
                                    matches!(assignment, Assignment::Prepend { .. }),
                                )?;
                            }
                        }
                        Assignment::Subtract { value, .. } => {
                            if !column.multi_cell {
                                return Err(CqlError::invalid(format!(
                                    "Invalid operation ({} = {} - ?) for non counter column {}",
                                    column.name, column.name, column.name
                                )));
                            }
                            let paths_type = match ty {
                                ColumnType::Map(k, _) => ColumnType::Set(k.clone()),
                                other => other.clone(),
                            };
                            if let TermValue::Value(v) =
                                bound.eval(value, &paths_type, &column.name)?
                            {
                                let elements = crate::cql3::writes::collection_elements(&v)?;
                                if matches!(ty, ColumnType::List(_)) {
                                    let values = elements.into_iter().map(<[u8]>::to_vec).collect();
                                    let index = t
                                        .columns
                                        .iter()
                                        .position(|c| c.name == column.name)
                                        .unwrap_or(0);
                                    list_ops.push((
                                        clustering.to_vec(),
                                        index,
                                        ListOp::Remove(values),
                                    ));
                                    continue;
                                }
                                writer.remove_elements(
                                    clustering,
                                    column,
                                    elements.into_iter().map(<[u8]>::to_vec).collect(),
                                );
                            }
                        }
                        Assignment::SetElement { key, value, .. } => {
                            if let ColumnType::List(element_type) = ty {
                                let i = bound.eval_required(
                                    key,
                                    &ColumnType::Int,
                                    &format!("idx({})", column.name),
                                )?;
                                let i = i32::from_be_bytes(
                                    i.as_slice()
                                        .try_into()
                                        .map_err(|_| CqlError::invalid("Invalid list index"))?,
                                );
                                let element = bound.eval(
                                    value,
                                    element_type,
                                    &format!("value({})", column.name),
                                )?;
                                let index = t
                                    .columns
                                    .iter()
                                    .position(|c| c.name == column.name)
                                    .unwrap_or(0);
                                list_ops.push((
                                    clustering.to_vec(),
                                    index,
                                    ListOp::Set(i, element.as_bytes().map(<[u8]>::to_vec)),
                                ));
                                continue;
                            }
                            let ColumnType::Map(key_type, value_type) = ty else {
                                return Err(CqlError::invalid(format!(
                                    "Column {} is not a map or list",
                                    column.name
                                )));
                            };
                            let key = bound.eval_required(
                                key,
                                key_type,
                                &format!("key({})", column.name),
                            )?;
                            match bound.eval(
                                value,
                                value_type,
                                &format!("value({})", column.name),
                            )? {
                                TermValue::Unset => {}
                                TermValue::Null => {
                                    writer.set_element(clustering, column, key, None)
                                }
                                TermValue::Value(v) => {
                                    writer.set_element(clustering, column, key, Some(&v))
                                }
                            }
                        }
                        Assignment::SetField { field, value, .. } => {
                            let ColumnType::Udt { fields, .. } = ty else {
                                return Err(CqlError::invalid("not a user type"));
                            };
                            let index =
                                fields.iter().position(|(n, _)| n == field).ok_or_else(|| {
                                    CqlError::invalid(format!("Unknown field {field}"))
                                })?;
                            let field_type = &fields[index].1;
                            if !column.multi_cell {
                                return Err(CqlError::invalid(format!(
                                    "Invalid operation ({}.{field} = ?) for frozen UDT column {}",
                                    column.name, column.name
                                )));
                            }
                            let path = (index as u16).to_be_bytes().to_vec();
                            match bound.eval(
                                value,
                                field_type,
                                &format!("{}.{field}", column.name),
                            )? {
                                TermValue::Unset => {}
                                TermValue::Null => {
                                    writer.set_element(clustering, column, path, None)
                                }
                                TermValue::Value(v) => {
                                    writer.set_element(clustering, column, path, Some(&v))
                                }
                            }
                        }
                    }
                }
            }
            Action::InsertJson { .. } => {
                return Err(CqlError::server("INSERT JSON builds its own mutation"));
            }
            Action::DeleteRows => {
                if clustering.is_empty() {
                    writer.delete_partition();
                } else if full {
                    writer.delete_row(clustering);
                } else {
                    writer.delete_range(ClusteringSlice {
                        start: SliceBound::inclusive(clustering.to_vec()),
                        end: SliceBound::inclusive(clustering.to_vec()),
                    });
                }
            }
            Action::DeleteColumns(targets) => {
                for target in targets {
                    match target {
                        DeleteTarget::Column(name) => {
                            let column = t
                                .column(name)
                                .ok_or_else(|| CqlError::server("column vanished"))?;
                            writer.set_column(clustering, column, None)?;
                        }
                        DeleteTarget::Element { column: name, key } => {
                            let column = t
                                .column(name)
                                .ok_or_else(|| CqlError::server("column vanished"))?;
                            if matches!(column.column_type, ColumnType::List(_)) {
                                let i = bound.eval_required(
                                    key,
                                    &ColumnType::Int,
                                    &format!("idx({name})"),
                                )?;
                                let i = i32::from_be_bytes(
                                    i.as_slice()
                                        .try_into()
                                        .map_err(|_| CqlError::invalid("Invalid list index"))?,
                                );
                                let index =
                                    t.columns.iter().position(|c| &c.name == name).unwrap_or(0);
                                list_ops.push((clustering.to_vec(), index, ListOp::Delete(i)));
                                continue;
                            }
                            let ColumnType::Map(key_type, _) = &column.column_type else {
                                return Err(CqlError::invalid(format!(
                                    "Invalid element deletion on non-collection column {name}"
                                )));
                            };
                            let key =
                                bound.eval_required(key, key_type, &format!("key({name})"))?;
                            writer.remove_elements(clustering, column, vec![key]);
                        }
                        DeleteTarget::Field {
                            column: name,
                            field,
                        } => {
                            let column = t
                                .column(name)
                                .ok_or_else(|| CqlError::server("column vanished"))?;
                            let ColumnType::Udt { fields, .. } = &column.column_type else {
                                return Err(CqlError::invalid("not a user type"));
                            };
                            let index =
                                fields.iter().position(|(n, _)| n == field).ok_or_else(|| {
                                    CqlError::invalid(format!("Unknown field {field}"))
                                })?;
                            writer.set_element(
                                clustering,
                                column,
                                (index as u16).to_be_bytes().to_vec(),
                                None,
                            );
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// Runs the statement. Conditional statements answer with the
    /// `[applied]` row; others with nothing.
    pub async fn execute(
        &self,
        services: &Rc<ShardServices>,
        bound: &Bound<'_>,
    ) -> CqlResult<Option<ResultBody>> {
        if self.condition.is_some() {
            return self.execute_conditional(services, bound).await.map(Some);
        }
        if self.table.is_counter() && matches!(self.action, Action::Update(_)) {
            self.execute_counters(services, bound).await?;
            return Ok(None);
        }
        let (mutations, list_ops, options) =
            self.mutations_and_list_ops(bound, services.shard as u16, None)?;
        for mutation in mutations {
            proxy::apply(services, &self.table, mutation).await?;
        }
        for (key, token, (clustering, column, op)) in list_ops {
            let target = super::lwt::Target {
                key,
                token,
                clustering,
            };
            super::lwt::apply_list_ops(
                services,
                self.table.clone(),
                target,
                column,
                vec![op],
                options.timestamp_us,
                options.ttl_s,
                options.now_s,
            )
            .await?;
        }
        Ok(None)
    }

    fn bound_clusterings(&self, bound: &Bound<'_>) -> CqlResult<Vec<Vec<Vec<u8>>>> {
        let ck_columns: Vec<_> = self.table.clustering_key().collect();
        Ok(Self::product(
            self.clustering
                .iter()
                .zip(&ck_columns)
                .map(|(terms, c)| Self::values(bound, terms, &c.column_type, &c.name))
                .collect::<CqlResult<_>>()?,
        ))
    }

    fn bound_keys(&self, bound: &Bound<'_>) -> CqlResult<Vec<Vec<u8>>> {
        let pk_columns: Vec<_> = self.table.partition_key().collect();
        let keys = Self::product(
            self.partition
                .iter()
                .zip(&pk_columns)
                .map(|(terms, c)| Self::values(bound, terms, &c.column_type, &c.name))
                .collect::<CqlResult<_>>()?,
        );
        Ok(keys
            .into_iter()
            .map(|key| {
                let refs: Vec<&[u8]> = key.iter().map(Vec::as_slice).collect();
                crate::dht::serialize_partition_key(&refs)
            })
            .collect())
    }

    async fn execute_counters(
        &self,
        services: &Rc<ShardServices>,
        bound: &Bound<'_>,
    ) -> CqlResult<()> {
        let Action::Update(assignments) = &self.action else {
            return Ok(());
        };
        let t = &self.table;
        let mut deltas = Vec::new();
        let mut static_only = true;
        for assignment in assignments {
            let column = t
                .column(assignment.column())
                .ok_or_else(|| CqlError::server("column vanished"))?;
            let (value, sign) = match assignment {
                Assignment::Add { value, .. } => (value, 1i64),
                Assignment::Subtract { value, .. } => (value, -1i64),
                _ => {
                    return Err(CqlError::invalid(format!(
                        "Cannot set the value of counter column {} (counters can only be incremented/decremented, not set)",
                        column.name
                    )));
                }
            };
            static_only &= column.kind == ColumnKind::Static;
            if let Some(delta) = bound.eval_bigint(value, &column.name)? {
                deltas.push((column.id, delta.wrapping_mul(sign)));
            }
        }
        let timestamp_us = match &self.attributes.timestamp {
            Some(term) => bound.eval_bigint(term, "[timestamp]")?,
            None => None,
        }
        .unwrap_or_else(ShardServices::now_us);
        let now_s = bound.now_ms.div_euclid(1000);
        for key in self.bound_keys(bound)? {
            let token = crate::dht::token_of_key(&key).0;
            for clustering in self.bound_clusterings(bound)? {
                let target = super::lwt::Target {
                    key: key.clone(),
                    token,
                    clustering,
                };
                super::lwt::apply_counters(
                    services,
                    t.clone(),
                    target,
                    static_only,
                    deltas.clone(),
                    timestamp_us,
                    now_s,
                )
                .await?;
            }
        }
        Ok(())
    }

    fn checked_conditions(&self, bound: &Bound<'_>) -> CqlResult<super::lwt::Check> {
        use super::lwt::{Check, CheckedCondition, Element};
        let t = &self.table;
        Ok(match &self.condition {
            None | Some(ConditionPlan::Exists) => Check::Exists,
            Some(ConditionPlan::NotExists) => Check::NotExists,
            Some(ConditionPlan::Columns(conditions)) => {
                let mut checked = Vec::new();
                for condition in conditions {
                    let (column, compared_type, key_type) = Self::condition_target(t, condition)?;
                    let name = t.columns[column].name.clone();
                    let element = match (&condition.target, key_type) {
                        (ConditionTarget::Element { key, .. }, Some(ColumnType::Int)) => {
                            let bytes = bound.eval_required(
                                key,
                                &ColumnType::Int,
                                &format!("key({name})"),
                            )?;
                            Element::ListIndex(i32::from_be_bytes(
                                bytes
                                    .as_slice()
                                    .try_into()
                                    .map_err(|_| CqlError::invalid("Invalid list index"))?,
                            ))
                        }
                        (ConditionTarget::Element { key, .. }, Some(kt)) => Element::MapKey(
                            bound.eval_required(key, &kt, &format!("key({name})"))?,
                        ),
                        (ConditionTarget::Field { field, .. }, _) => {
                            match &t.columns[column].column_type {
                                ColumnType::Udt { fields, .. } => Element::Field(
                                    fields.iter().position(|(n, _)| n == field).unwrap_or(0),
                                ),
                                _ => Element::Whole,
                            }
                        }
                        _ => Element::Whole,
                    };
                    let eval = |term: &Term| -> CqlResult<Option<Vec<u8>>> {
                        Ok(bound
                            .eval(term, &compared_type, &name)?
                            .as_bytes()
                            .map(<[u8]>::to_vec))
                    };
                    let expected = match &condition.value {
                        RelationValue::Term(term) => vec![eval(term)?],
                        RelationValue::InList(terms) => {
                            terms.iter().map(eval).collect::<CqlResult<_>>()?
                        }
                        RelationValue::InMarker(m) => {
                            let list = bound.eval_required(
                                &Term::BindMarker(m.clone()),
                                &ColumnType::List(Box::new(compared_type.clone())),
                                &format!("in({name})"),
                            )?;
                            crate::cql3::writes::collection_elements(&list)?
                                .into_iter()
                                .map(|e| Some(e.to_vec()))
                                .collect()
                        }
                        RelationValue::Between(..) => {
                            return Err(CqlError::invalid(
                                "BETWEEN is not supported in conditions",
                            ));
                        }
                    };
                    checked.push(CheckedCondition {
                        column,
                        element,
                        compared_type,
                        operator: condition.operator,
                        expected,
                    });
                }
                Check::Columns(checked)
            }
        })
    }

    async fn execute_conditional(
        &self,
        services: &Rc<ShardServices>,
        bound: &Bound<'_>,
    ) -> CqlResult<ResultBody> {
        let t = &self.table;
        let mut mutations = self.mutations(bound, services.shard as u16, None)?;
        let mutation = match (mutations.pop(), mutations.is_empty()) {
            (Some(m), true) => m,
            _ => {
                return Err(CqlError::invalid(
                    "IN on the partition key is not supported with conditional updates",
                ));
            }
        };
        let clustering = mutation
            .update
            .rows
            .first()
            .map(|(c, _)| c.clone())
            .unwrap_or_default();
        let target = super::lwt::Target {
            key: mutation.update.key.clone(),
            token: mutation.update.token,
            clustering,
        };
        let check = self.checked_conditions(bound)?;
        let now_s = bound.now_ms.div_euclid(1000);
        let (applied, row) =
            super::lwt::apply_conditional(services, t.clone(), target, check, mutation, now_s)
                .await?;
        // `[applied]`, then (when not applied) the row's current values: the
        // whole row for IF NOT EXISTS, the conditions' columns otherwise.
        let shown: Vec<usize> = match (&self.condition, applied, &row) {
            (_, true, _) | (_, _, None) => Vec::new(),
            (Some(ConditionPlan::NotExists) | Some(ConditionPlan::Exists), false, Some(_)) => {
                (0..t.columns.len()).collect()
            }
            (Some(ConditionPlan::Columns(conditions)), false, Some(_)) => {
                let mut indexes: Vec<usize> = conditions
                    .iter()
                    .filter_map(|c| Self::condition_target(t, c).ok().map(|x| x.0))
                    .collect();
                indexes.sort_unstable();
                indexes.dedup();
                indexes
            }
            (None, false, Some(_)) => Vec::new(),
        };
        let mut columns = vec![ColumnSpec {
            keyspace: t.keyspace.clone(),
            table: t.name.clone(),
            name: "[applied]".into(),
            column_type: ColumnType::Boolean,
        }];
        let mut content = Vec::new();
        wire::write_bytes(&mut content, Some(&[u8::from(applied)]));
        for index in &shown {
            let column = &t.columns[*index];
            columns.push(ColumnSpec {
                keyspace: t.keyspace.clone(),
                table: t.name.clone(),
                name: column.name.clone(),
                column_type: column.column_type.clone(),
            });
            wire::write_bytes(
                &mut content,
                row.as_ref()
                    .and_then(|r| r.values.get(*index))
                    .and_then(Option::as_deref),
            );
        }
        Ok(ResultBody::Rows(Rows {
            metadata: RowsMetadata::new(columns),
            rows_count: 1,
            content,
        }))
    }

    /// The result metadata a conditional statement announces when prepared.
    pub fn is_conditional(&self) -> bool {
        self.condition.is_some()
    }
}

#[derive(Debug)]
pub struct BatchPlan {
    pub kind: BatchKind,
    statements: Vec<ModifyPlan>,
    attributes: Attributes,
}

impl BatchPlan {
    pub fn prepare(
        schema: &Arc<Schema>,
        batch: &BatchStatement,
        keyspace: Option<&str>,
        binds: &mut BindSpecs,
    ) -> CqlResult<Self> {
        if batch.attributes.ttl.is_some() {
            return Err(CqlError::invalid(
                "Global TTL on the BATCH statement is not supported.",
            ));
        }
        let statements = batch
            .statements
            .iter()
            .map(|s| ModifyPlan::prepare(schema, s, keyspace, binds))
            .collect::<CqlResult<Vec<_>>>()?;
        Ok(Self {
            kind: batch.kind,
            statements,
            attributes: batch.attributes.clone(),
        })
    }

    /// Builds the plan of a protocol BATCH from its already-prepared parts.
    pub fn from_parts(kind: BatchKind, statements: Vec<ModifyPlan>) -> Self {
        Self {
            kind,
            statements,
            attributes: Attributes::default(),
        }
    }

    pub async fn execute(
        &self,
        services: &Rc<ShardServices>,
        bound: &Bound<'_>,
        timestamp: Option<i64>,
    ) -> CqlResult<()> {
        let timestamp = match &self.attributes.timestamp {
            Some(term) => bound.eval_bigint(term, "[timestamp]")?,
            None => timestamp,
        }
        .unwrap_or_else(ShardServices::now_us);
        if self.statements.iter().any(ModifyPlan::is_conditional) {
            return Err(CqlError::invalid(
                "Conditional batches are not supported yet",
            ));
        }
        for statement in &self.statements {
            if statement.table.is_counter() && matches!(statement.action, Action::Update(_)) {
                statement.execute_counters(services, bound).await?;
                continue;
            }
            for mutation in statement.mutations(bound, services.shard as u16, Some(timestamp))? {
                proxy::apply(services, &statement.table, mutation).await?;
            }
        }
        Ok(())
    }
}
