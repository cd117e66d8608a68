//! Schema changes. Every DDL statement is executed on shard 0, one at a time:
//! the new keyspace definition is written to `system_schema`, the schema is
//! rebuilt from those rows, `system.local.schema_version` is refreshed, and the
//! new snapshot is installed on every shard (which creates or drops storage
//! and pushes SCHEMA_CHANGE to registered connections) before the client is
//! answered.

use std::collections::BTreeMap;
use std::rc::Rc;
use std::sync::Arc;

use sibyl_protocol::response::{
    Event, ResultBody, SchemaChange, SchemaChangeTarget, SchemaChangeType,
};
use sibyl_protocol::types::ColumnType;

use crate::cql3::ast::{
    AlterTableAction, ColumnDefinition, CqlType, Literal, OrderDirection, PrimaryKey, Property,
    PropertyValue, SchemaStatement, TableOptions, Term,
};
use crate::cql3::{CqlError, CqlResult};
use crate::schema::params::OptionValue;
use crate::schema::persist::{keyspace_mutations, resolve_type};
use crate::schema::system::{SYSTEM_SCHEMA, is_system_keyspace};
use crate::schema::{
    ColumnKind, ColumnMetadata, KeyspaceMetadata, ReplicationParams, Schema, TableMetadata,
    TableParams, UserType, column_id_of, new_table_uuid,
};
use crate::service::{ShardServices, startup};

#[derive(Debug)]
pub struct SchemaPlan {
    statement: SchemaStatement,
    /// The connection's keyspace when the statement was prepared.
    keyspace: Option<String>,
}

fn term_text(term: &Term) -> CqlResult<String> {
    match term {
        Term::Literal(Literal::String(s)) => Ok(s.clone()),
        Term::Literal(
            Literal::Integer(s) | Literal::Float(s) | Literal::Uuid(s) | Literal::Duration(s),
        ) => Ok(s.clone()),
        Term::Literal(Literal::Boolean(b)) => Ok(b.to_string()),
        other => Err(CqlError::Syntax(format!(
            "Invalid value {other} in property map"
        ))),
    }
}

fn literal_text(literal: &Literal) -> String {
    match literal {
        Literal::String(s)
        | Literal::Integer(s)
        | Literal::Float(s)
        | Literal::Uuid(s)
        | Literal::Duration(s)
        | Literal::Hex(s) => s.clone(),
        Literal::Boolean(b) => b.to_string(),
    }
}

fn option_value(value: &PropertyValue) -> CqlResult<OptionValue> {
    Ok(match value {
        PropertyValue::Constant(literal) => OptionValue::Text(literal_text(literal)),
        PropertyValue::Keyword(k) => OptionValue::Text(k.clone()),
        PropertyValue::Map(entries) => OptionValue::Map(
            entries
                .iter()
                .map(|(k, v)| Ok((term_text(k)?, term_text(v)?)))
                .collect::<CqlResult<BTreeMap<_, _>>>()?,
        ),
    })
}

fn options(properties: &[Property]) -> CqlResult<Vec<(String, OptionValue)>> {
    properties
        .iter()
        .map(|p| Ok((p.name.to_lowercase(), option_value(&p.value)?)))
        .collect()
}

fn keyspace_of<'a>(name: Option<&'a str>, current: Option<&'a str>) -> CqlResult<&'a str> {
    name.or(current).ok_or_else(|| {
        CqlError::invalid("No keyspace has been specified. USE a keyspace, or explicitly specify keyspace.tablename")
    })
}

/// Parses `replication = {...}` and `durable_writes` of CREATE/ALTER KEYSPACE.
fn keyspace_params(
    properties: &[Property],
    mut replication: Option<ReplicationParams>,
    mut durable: bool,
    data_center: &str,
) -> CqlResult<(ReplicationParams, bool)> {
    for (name, value) in options(properties)? {
        match (name.as_str(), value) {
            ("replication", OptionValue::Map(mut map)) => {
                let class = map
                    .remove("class")
                    .ok_or_else(|| CqlError::config("Missing replication strategy class"))?;
                let short = class.rsplit('.').next().unwrap_or(&class).to_owned();
                let class = match short.as_str() {
                    "SimpleStrategy" => {
                        let rf = map.get("replication_factor").ok_or_else(|| {
                            CqlError::config(
                                "SimpleStrategy requires a replication_factor strategy option.",
                            )
                        })?;
                        if rf.parse::<u32>().is_err() {
                            return Err(CqlError::config(format!(
                                "Replication factor must be non-negative; found {rf}"
                            )));
                        }
                        if let Some(extra) = map.keys().find(|k| *k != "replication_factor") {
                            return Err(CqlError::config(format!(
                                "Unrecognized strategy option {{{extra}}} passed to SimpleStrategy for keyspace"
                            )));
                        }
                        ReplicationParams::SIMPLE
                    }
                    "NetworkTopologyStrategy" => {
                        if let Some(rf) = map.remove("replication_factor") {
                            map.insert(data_center.to_owned(), rf);
                        }
                        for (dc, rf) in &map {
                            if rf.parse::<u32>().is_err() {
                                return Err(CqlError::config(format!(
                                    "Replication factor must be non-negative; found {rf} for {dc}"
                                )));
                            }
                        }
                        ReplicationParams::NETWORK_TOPOLOGY
                    }
                    "LocalStrategy" | "EverywhereStrategy" => {
                        return Err(CqlError::config(format!(
                            "Unable to use given strategy class: {short} is reserved for internal use."
                        )));
                    }
                    _ => {
                        return Err(CqlError::config(format!(
                            "Unable to find replication strategy class '{class}'"
                        )));
                    }
                };
                replication = Some(ReplicationParams {
                    class: class.to_owned(),
                    options: map,
                });
            }
            ("replication", OptionValue::Text(_)) => {
                return Err(CqlError::Syntax(
                    "Invalid value for property 'replication'. It should be a map.".into(),
                ));
            }
            ("durable_writes", OptionValue::Text(v)) => {
                durable = match v.to_lowercase().as_str() {
                    "true" => true,
                    "false" => false,
                    _ => {
                        return Err(CqlError::Syntax(format!(
                            "Invalid boolean value {v} for 'durable_writes'"
                        )));
                    }
                };
            }
            (other, _) => return Err(CqlError::Syntax(format!("Unknown property '{other}'"))),
        }
    }
    let replication =
        replication.ok_or_else(|| CqlError::config("Missing mandatory option 'replication'"))?;
    Ok((replication, durable))
}

/// Resolves a column's declared type (user types from `types`), rejecting
/// what Cassandra rejects.
fn column_type(
    declared: &CqlType,
    keyspace: &str,
    types: &BTreeMap<String, Arc<UserType>>,
    name: &str,
) -> CqlResult<(ColumnType, bool)> {
    fn check_nested(t: &CqlType, top: bool) -> CqlResult<()> {
        match t {
            CqlType::List(e) | CqlType::Set(e) => {
                if !top
                    && !matches!(**e, CqlType::Frozen(_))
                    && matches!(**e, CqlType::List(_) | CqlType::Set(_) | CqlType::Map(..))
                {
                    return Err(CqlError::invalid(format!(
                        "Non-frozen collections are not allowed inside collections: {t}"
                    )));
                }
                if matches!(
                    **e,
                    CqlType::List(_) | CqlType::Set(_) | CqlType::Map(..) | CqlType::UserDefined(_)
                ) {
                    return Err(CqlError::invalid(format!(
                        "Non-frozen collections are not allowed inside collections: {t}"
                    )));
                }
                check_nested(e, false)
            }
            CqlType::Map(k, v) => {
                for e in [k, v] {
                    if matches!(
                        **e,
                        CqlType::List(_)
                            | CqlType::Set(_)
                            | CqlType::Map(..)
                            | CqlType::UserDefined(_)
                    ) {
                        return Err(CqlError::invalid(format!(
                            "Non-frozen collections are not allowed inside collections: {t}"
                        )));
                    }
                    check_nested(e, false)?;
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }
    check_nested(declared, true)?;
    let parsed = declared.to_parsed();
    let ty = resolve_type(parsed.column_type, keyspace, types).map_err(|_| {
        CqlError::invalid(format!(
            "Unknown type {keyspace}.{} for column {name}",
            declared
        ))
    })?;
    Ok((ty, parsed.frozen))
}

fn build_table(
    keyspace: &KeyspaceMetadata,
    name: &str,
    columns: &[ColumnDefinition],
    primary_key: Option<&PrimaryKey>,
    table_options: &TableOptions,
) -> CqlResult<TableMetadata> {
    if table_options.compact_storage {
        return Err(CqlError::invalid(
            "Compact tables are not allowed in Cassandra starting with 4.0 version.",
        ));
    }
    let inline: Vec<&ColumnDefinition> = columns.iter().filter(|c| c.is_primary_key).collect();
    let key = match (primary_key, inline.as_slice()) {
        (Some(_), [_, ..]) | (None, [_, _, ..]) => {
            return Err(CqlError::invalid(
                "Multiple PRIMARY KEYs specified (exactly one required)",
            ));
        }
        (None, []) => {
            return Err(CqlError::invalid(
                "No PRIMARY KEY specified (exactly one required)",
            ));
        }
        (None, [column]) => PrimaryKey {
            partition_key: vec![column.name.clone()],
            clustering_columns: Vec::new(),
        },
        (Some(key), []) => key.clone(),
    };
    let mut seen = std::collections::HashSet::new();
    for c in columns {
        if !seen.insert(c.name.as_str()) {
            return Err(CqlError::invalid(format!(
                "Multiple definition of identifier {}",
                c.name
            )));
        }
    }
    for k in key.partition_key.iter().chain(&key.clustering_columns) {
        if !columns.iter().any(|c| &c.name == k) {
            return Err(CqlError::invalid(format!(
                "Unknown definition {k} referenced in PRIMARY KEY"
            )));
        }
    }
    // CLUSTERING ORDER BY must list clustering columns in key order.
    let mut descending = BTreeMap::new();
    for (i, (column, direction)) in table_options.clustering_order.iter().enumerate() {
        match key.clustering_columns.iter().position(|c| c == column) {
            None => {
                return Err(CqlError::invalid(format!(
                    "Only clustering key columns can be defined in CLUSTERING ORDER directive: {column} is not a clustering column"
                )));
            }
            Some(p) if p != i => {
                let expected = key.clustering_columns.get(i).cloned().unwrap_or_default();
                return Err(CqlError::invalid(format!(
                    "The order of columns in the CLUSTERING ORDER directive must match that of the clustering columns ({expected} must appear before {column})"
                )));
            }
            Some(_) => {
                descending.insert(column.clone(), *direction == OrderDirection::Descending);
            }
        }
    }
    let mut metadata_columns = Vec::new();
    let mut counters = 0;
    for definition in columns {
        let (ty, frozen) = column_type(
            &definition.cql_type,
            &keyspace.name,
            &keyspace.types,
            &definition.name,
        )?;
        let (kind, position) = if let Some(p) =
            key.partition_key.iter().position(|k| *k == definition.name)
        {
            (ColumnKind::PartitionKey, p as i32)
        } else if let Some(p) = key
            .clustering_columns
            .iter()
            .position(|k| *k == definition.name)
        {
            (ColumnKind::Clustering, p as i32)
        } else if definition.is_static {
            if key.clustering_columns.is_empty() {
                return Err(CqlError::invalid(
                    "Static columns are only useful (and thus allowed) if the table has at least one clustering column",
                ));
            }
            (ColumnKind::Static, -1)
        } else {
            (ColumnKind::Regular, -1)
        };
        if definition.is_static && kind.is_primary_key() {
            return Err(CqlError::invalid(format!(
                "Static column {} cannot be part of the PRIMARY KEY",
                definition.name
            )));
        }
        let multi_cell = !frozen && ty.can_be_multi_cell();
        if kind.is_primary_key() {
            if multi_cell {
                return Err(CqlError::invalid(format!(
                    "Invalid non-frozen collection type for PRIMARY KEY component {}",
                    definition.name
                )));
            }
            if ty == ColumnType::Counter {
                return Err(CqlError::invalid(format!(
                    "counter type is not supported for PRIMARY KEY column '{}'",
                    definition.name
                )));
            }
            if matches!(ty, ColumnType::Duration) {
                return Err(CqlError::invalid(format!(
                    "duration type is not supported for PRIMARY KEY column '{}'",
                    definition.name
                )));
            }
        }
        if ty == ColumnType::Counter {
            counters += 1;
        }
        metadata_columns.push(ColumnMetadata {
            name: definition.name.clone(),
            multi_cell,
            column_type: ty,
            kind,
            position,
            descending: descending.get(&definition.name).copied().unwrap_or(false),
            id: column_id_of(&definition.name),
        });
    }
    let regular = metadata_columns
        .iter()
        .filter(|c| !c.kind.is_primary_key())
        .count();
    if counters > 0 && counters != regular {
        return Err(CqlError::invalid(
            "Cannot mix counter and non counter columns in the same table",
        ));
    }
    let mut params = TableParams::default();
    params.apply(&options(&table_options.properties)?)?;
    if counters > 0 && params.default_time_to_live > 0 {
        return Err(CqlError::invalid(
            "Cannot set default_time_to_live on a table with counters",
        ));
    }
    Ok(TableMetadata::new(
        &keyspace.name,
        name,
        new_table_uuid(),
        metadata_columns,
        params,
    ))
}

/// The outcome of one change on shard 0.
struct Change {
    keyspace: String,
    new: Option<KeyspaceMetadata>,
    event: SchemaChange,
}

impl SchemaPlan {
    pub fn prepare(
        _schema: &Arc<Schema>,
        statement: &SchemaStatement,
        keyspace: Option<&str>,
    ) -> CqlResult<Self> {
        Ok(Self {
            statement: statement.clone(),
            keyspace: keyspace.map(str::to_owned),
        })
    }

    /// Runs the change on shard 0 and returns the SCHEMA_CHANGE result (or
    /// VOID when `IF [NOT] EXISTS` made it a no-op).
    pub async fn execute(self: &Arc<Self>, services: &Rc<ShardServices>) -> CqlResult<ResultBody> {
        let plan = self.clone();
        services
            .mesh
            .call(0, move |ctx| async move {
                let services = ShardServices::from_context(ctx)?;
                plan.apply_on_shard0(&services).await
            })
            .await
            .map_err(|_| CqlError::Overloaded("shard 0 is shutting down".into()))?
    }

    fn change(&self, schema: &Schema, data_center: &str) -> CqlResult<Option<Change>> {
        let current = self.keyspace.as_deref();
        let created = |target| SchemaChange {
            change: SchemaChangeType::Created,
            target,
        };
        let updated = |target| SchemaChange {
            change: SchemaChangeType::Updated,
            target,
        };
        let dropped = |target| SchemaChange {
            change: SchemaChangeType::Dropped,
            target,
        };
        let existing = |name: &str| -> CqlResult<KeyspaceMetadata> {
            schema
                .keyspace(name)
                .map(|k| (**k).clone())
                .ok_or_else(|| CqlError::invalid(format!("Keyspace '{name}' doesn't exist")))
        };
        let guard_system = |name: &str| {
            if is_system_keyspace(name) {
                Err(CqlError::Unauthorized(format!(
                    "{name} keyspace is not user-modifiable."
                )))
            } else {
                Ok(())
            }
        };
        Ok(Some(match &self.statement {
            SchemaStatement::CreateKeyspace {
                name,
                if_not_exists,
                properties,
            } => {
                if schema.keyspace(name).is_some() {
                    if *if_not_exists {
                        return Ok(None);
                    }
                    return Err(CqlError::AlreadyExists {
                        keyspace: name.clone(),
                        table: String::new(),
                        message: format!("Keyspace '{name}' already exists"),
                    });
                }
                guard_system(name)?;
                if name.len() > 48 || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                    return Err(CqlError::invalid(format!(
                        "Keyspace name must not be empty, more than 48 characters long, or contain non-alphanumeric-underscore characters (got \"{name}\")"
                    )));
                }
                let (replication, durable) = keyspace_params(properties, None, true, data_center)?;
                Change {
                    keyspace: name.clone(),
                    new: Some(KeyspaceMetadata::new(name, replication, durable)),
                    event: created(SchemaChangeTarget::Keyspace {
                        keyspace: name.clone(),
                    }),
                }
            }
            SchemaStatement::AlterKeyspace {
                name,
                if_exists,
                properties,
            } => {
                let Some(ks) = schema.keyspace(name) else {
                    if *if_exists {
                        return Ok(None);
                    }
                    return Err(CqlError::invalid(format!(
                        "Keyspace '{name}' doesn't exist"
                    )));
                };
                guard_system(name)?;
                let mut ks = (**ks).clone();
                let (replication, durable) = keyspace_params(
                    properties,
                    Some(ks.replication.clone()),
                    ks.durable_writes,
                    data_center,
                )?;
                ks.replication = replication;
                ks.durable_writes = durable;
                Change {
                    keyspace: name.clone(),
                    new: Some(ks),
                    event: updated(SchemaChangeTarget::Keyspace {
                        keyspace: name.clone(),
                    }),
                }
            }
            SchemaStatement::DropKeyspace { name, if_exists } => {
                if schema.keyspace(name).is_none() {
                    if *if_exists {
                        return Ok(None);
                    }
                    return Err(CqlError::config(format!("Keyspace '{name}' doesn't exist")));
                }
                guard_system(name)?;
                Change {
                    keyspace: name.clone(),
                    new: None,
                    event: dropped(SchemaChangeTarget::Keyspace {
                        keyspace: name.clone(),
                    }),
                }
            }
            SchemaStatement::CreateTable {
                name,
                if_not_exists,
                columns,
                primary_key,
                options,
            } => {
                let ks_name = keyspace_of(name.keyspace.as_deref(), current)?;
                guard_system(ks_name)?;
                let mut ks = existing(ks_name)?;
                if ks.tables.contains_key(&name.name) {
                    if *if_not_exists {
                        return Ok(None);
                    }
                    return Err(CqlError::AlreadyExists {
                        keyspace: ks_name.to_owned(),
                        table: name.name.clone(),
                        message: format!(
                            "Cannot add already existing table \"{}\" to keyspace \"{ks_name}\"",
                            name.name
                        ),
                    });
                }
                if name.name.len() > 48
                    || !name
                        .name
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_')
                {
                    return Err(CqlError::invalid(format!(
                        "Table name must not be empty, more than 48 characters long, or contain non-alphanumeric-underscore characters (got \"{}\")",
                        name.name
                    )));
                }
                let table = build_table(&ks, &name.name, columns, primary_key.as_ref(), options)?;
                ks.tables.insert(name.name.clone(), Arc::new(table));
                Change {
                    keyspace: ks_name.to_owned(),
                    new: Some(ks),
                    event: created(SchemaChangeTarget::Table {
                        keyspace: ks_name.to_owned(),
                        table: name.name.clone(),
                    }),
                }
            }
            SchemaStatement::DropTable { name, if_exists } => {
                let ks_name = keyspace_of(name.keyspace.as_deref(), current)?;
                let mut ks = existing(ks_name)?;
                if ks.tables.remove(&name.name).is_none() {
                    if *if_exists {
                        return Ok(None);
                    }
                    return Err(CqlError::invalid(format!(
                        "Table '{ks_name}.{}' doesn't exist",
                        name.name
                    )));
                }
                guard_system(ks_name)?;
                Change {
                    keyspace: ks_name.to_owned(),
                    new: Some(ks),
                    event: dropped(SchemaChangeTarget::Table {
                        keyspace: ks_name.to_owned(),
                        table: name.name.clone(),
                    }),
                }
            }
            SchemaStatement::AlterTable {
                name,
                if_exists,
                action,
            } => {
                let ks_name = keyspace_of(name.keyspace.as_deref(), current)?;
                let mut ks = existing(ks_name)?;
                let Some(table) = ks.tables.get(&name.name).cloned() else {
                    if *if_exists {
                        return Ok(None);
                    }
                    return Err(CqlError::invalid(format!(
                        "Table '{ks_name}.{}' doesn't exist",
                        name.name
                    )));
                };
                guard_system(ks_name)?;
                let mut table = (*table).clone();
                match action {
                    AlterTableAction::AddColumns {
                        if_not_exists,
                        columns,
                    } => {
                        for definition in columns {
                            if table.column(&definition.name).is_some() {
                                if *if_not_exists {
                                    continue;
                                }
                                return Err(CqlError::invalid(format!(
                                    "Column with name '{}' already exists",
                                    definition.name
                                )));
                            }
                            let (ty, frozen) = column_type(
                                &definition.cql_type,
                                ks_name,
                                &ks.types,
                                &definition.name,
                            )?;
                            if definition.is_static && table.clustering_len() == 0 {
                                return Err(CqlError::invalid(
                                    "Static columns are only useful (and thus allowed) if the table has at least one clustering column",
                                ));
                            }
                            if (ty == ColumnType::Counter) != table.is_counter()
                                && table.regular_and_static().count() > 0
                            {
                                return Err(CqlError::invalid(
                                    "Cannot mix counter and non counter columns in the same table",
                                ));
                            }
                            let column = ColumnMetadata {
                                name: definition.name.clone(),
                                multi_cell: !frozen && ty.can_be_multi_cell(),
                                column_type: ty,
                                kind: if definition.is_static {
                                    ColumnKind::Static
                                } else {
                                    ColumnKind::Regular
                                },
                                position: -1,
                                descending: false,
                                id: column_id_of(&definition.name),
                            };
                            table.dropped_columns.remove(&column.name);
                            table.columns.push(column);
                        }
                    }
                    AlterTableAction::DropColumns {
                        if_exists, columns, ..
                    } => {
                        for column_name in columns {
                            let Some(position) =
                                table.columns.iter().position(|c| &c.name == column_name)
                            else {
                                if *if_exists {
                                    continue;
                                }
                                return Err(CqlError::invalid(format!(
                                    "Column {column_name} was not found in table {}",
                                    table.name
                                )));
                            };
                            let column = table.columns[position].clone();
                            if column.kind.is_primary_key() {
                                return Err(CqlError::invalid(format!(
                                    "Cannot drop PRIMARY KEY column {column_name}"
                                )));
                            }
                            table.columns.remove(position);
                            table.dropped_columns.insert(
                                column.name.clone(),
                                (ShardServices::now_us(), column.type_text(), column.kind),
                            );
                        }
                    }
                    AlterTableAction::Options(properties) => {
                        table.params.apply(&options(properties)?)?
                    }
                    AlterTableAction::RenameColumns { .. } => {
                        return Err(CqlError::invalid("Renaming columns is not supported yet"));
                    }
                    AlterTableAction::DropCompactStorage => {
                        return Err(CqlError::invalid(
                            "Cannot DROP COMPACT STORAGE on a table that is not compact",
                        ));
                    }
                }
                // Rebuilding puts added columns in SELECT * order; indexes and
                // the dropped-column record carry over.
                let mut rebuilt = TableMetadata::new(
                    &table.keyspace.clone(),
                    &table.name.clone(),
                    table.id,
                    table.columns.clone(),
                    table.params.clone(),
                );
                rebuilt.dropped_columns = table.dropped_columns.clone();
                // An index whose column was dropped goes with it.
                rebuilt.indexes = table
                    .indexes
                    .iter()
                    .filter(|index| crate::index::index_column(&rebuilt, index).is_ok())
                    .cloned()
                    .collect();
                ks.tables.insert(name.name.clone(), Arc::new(rebuilt));
                Change {
                    keyspace: ks_name.to_owned(),
                    new: Some(ks),
                    event: updated(SchemaChangeTarget::Table {
                        keyspace: ks_name.to_owned(),
                        table: name.name.clone(),
                    }),
                }
            }
            SchemaStatement::CreateType {
                name,
                if_not_exists,
                fields,
            } => {
                let ks_name = keyspace_of(name.keyspace.as_deref(), current)?;
                guard_system(ks_name)?;
                let mut ks = existing(ks_name)?;
                if ks.types.contains_key(&name.name) {
                    if *if_not_exists {
                        return Ok(None);
                    }
                    return Err(CqlError::AlreadyExists {
                        keyspace: ks_name.to_owned(),
                        table: name.name.clone(),
                        message: format!("A user type with name '{}' already exists", name.name),
                    });
                }
                let mut resolved = Vec::new();
                for (field, declared) in fields {
                    if resolved
                        .iter()
                        .any(|(n, _): &(String, ColumnType)| n == field)
                    {
                        return Err(CqlError::invalid(format!(
                            "Duplicate field name {field} in type {}",
                            name.name
                        )));
                    }
                    let (ty, _) = column_type(declared, ks_name, &ks.types, field)?;
                    resolved.push((field.clone(), ty));
                }
                ks.types.insert(
                    name.name.clone(),
                    Arc::new(UserType {
                        keyspace: ks_name.to_owned(),
                        name: name.name.clone(),
                        fields: resolved,
                    }),
                );
                Change {
                    keyspace: ks_name.to_owned(),
                    new: Some(ks),
                    event: created(SchemaChangeTarget::Type {
                        keyspace: ks_name.to_owned(),
                        type_name: name.name.clone(),
                    }),
                }
            }
            SchemaStatement::DropType { name, if_exists } => {
                let ks_name = keyspace_of(name.keyspace.as_deref(), current)?;
                let mut ks = existing(ks_name)?;
                if !ks.types.contains_key(&name.name) {
                    if *if_exists {
                        return Ok(None);
                    }
                    return Err(CqlError::invalid(format!(
                        "No user type named {} exists.",
                        name.name
                    )));
                }
                let used = ks.tables.values().find(|t| {
                    t.columns
                        .iter()
                        .any(|c| c.column_type.cql_name().contains(&name.name))
                });
                if let Some(t) = used {
                    return Err(CqlError::invalid(format!(
                        "Cannot drop user type {ks_name}.{} as it is still used by table {}",
                        name.name, t.name
                    )));
                }
                ks.types.remove(&name.name);
                Change {
                    keyspace: ks_name.to_owned(),
                    new: Some(ks),
                    event: dropped(SchemaChangeTarget::Type {
                        keyspace: ks_name.to_owned(),
                        type_name: name.name.clone(),
                    }),
                }
            }
            SchemaStatement::CreateIndex {
                name: index_name,
                table,
                if_not_exists,
                custom,
                targets,
                using,
                properties,
            } => {
                let ks_name = keyspace_of(table.keyspace.as_deref(), current)?;
                guard_system(ks_name)?;
                let mut ks = existing(ks_name)?;
                let table_meta = ks.tables.get(&table.name).cloned().ok_or_else(|| {
                    CqlError::invalid(format!("Table '{ks_name}.{}' doesn't exist", table.name))
                })?;
                let [target] = targets.as_slice() else {
                    return Err(CqlError::invalid(
                        "Only CUSTOM indexes support multiple columns",
                    ));
                };
                let column = table_meta.column(&target.column).ok_or_else(|| {
                    CqlError::invalid(format!("Column '{}' doesn't exist", target.column))
                })?;
                if column.kind == ColumnKind::PartitionKey && table_meta.partition_key_len() == 1 {
                    return Err(CqlError::invalid(format!(
                        "Cannot create secondary index on the only partition key column {}",
                        column.name
                    )));
                }
                if column.is_counter() {
                    return Err(CqlError::invalid(
                        "Cannot create secondary index on a counter column",
                    ));
                }
                if column.kind == ColumnKind::Static {
                    return Err(CqlError::invalid(
                        "Secondary indexes on static columns are not supported yet",
                    ));
                }
                let is_collection = matches!(
                    column.column_type,
                    ColumnType::List(_) | ColumnType::Set(_) | ColumnType::Map(..)
                );
                use crate::cql3::ast::IndexTargetKind as K;
                let target_text = match target.kind {
                    K::Simple if is_collection && column.multi_cell => {
                        format!("values({})", column.name)
                    }
                    K::Simple => column.name.clone(),
                    K::Keys if matches!(column.column_type, ColumnType::Map(..)) => {
                        format!("keys({})", column.name)
                    }
                    K::Keys => {
                        return Err(CqlError::invalid(format!(
                            "Cannot create index on keys of column {} with non-map type",
                            column.name
                        )));
                    }
                    K::Values if is_collection => format!("values({})", column.name),
                    K::Values => {
                        return Err(CqlError::invalid(format!(
                            "Cannot create index on values of column {} with non-collection type",
                            column.name
                        )));
                    }
                    K::Entries => {
                        return Err(CqlError::invalid(
                            "Indexes on map entries are not supported yet",
                        ));
                    }
                    K::Full if is_collection && !column.multi_cell => {
                        format!("full({})", column.name)
                    }
                    K::Full => {
                        return Err(CqlError::invalid(
                            "full() indexes can only be created on frozen collections",
                        ));
                    }
                };
                let name = index_name
                    .clone()
                    .unwrap_or_else(|| format!("{}_{}_idx", table.name, column.name));
                if ks
                    .tables
                    .values()
                    .any(|t| t.indexes.iter().any(|i| i.name == name))
                {
                    if *if_not_exists {
                        return Ok(None);
                    }
                    return Err(CqlError::invalid(format!("Index '{name}' already exists")));
                }
                let mut index_options: BTreeMap<String, String> = BTreeMap::new();
                for (option, value) in options(properties)? {
                    match (option.as_str(), value) {
                        ("options", OptionValue::Map(map)) => index_options.extend(map),
                        (other, _) => {
                            return Err(CqlError::Syntax(format!("Unknown property '{other}'")));
                        }
                    }
                }
                let class = using.clone().filter(|_| *custom || using.is_some());
                let kind = match class.as_deref().map(str::to_lowercase).as_deref() {
                    None | Some("legacy_local_table") => "COMPOSITES",
                    Some("sai")
                    | Some("storageattachedindex")
                    | Some("org.apache.cassandra.index.sai.storageattachedindex") => {
                        index_options.insert(
                            "class_name".into(),
                            "org.apache.cassandra.index.sai.StorageAttachedIndex".into(),
                        );
                        "CUSTOM"
                    }
                    Some(other) => {
                        return Err(CqlError::config(format!(
                            "Unable to find custom indexer class '{other}'"
                        )));
                    }
                };
                if let ColumnType::Vector { element, .. } = &column.column_type {
                    if kind != "CUSTOM" {
                        return Err(CqlError::invalid(format!(
                            "Cannot create secondary index on vector column {}: vector columns need a storage-attached index (USING 'sai')",
                            column.name
                        )));
                    }
                    if **element != ColumnType::Float {
                        return Err(CqlError::invalid(format!(
                            "Vector indexes only support vector<float, n> columns, {} is {}",
                            column.name,
                            column.column_type.cql_name()
                        )));
                    }
                    if let Some(function) = index_options.get("similarity_function") {
                        if crate::index::similarity::Similarity::from_option(function).is_none() {
                            return Err(CqlError::invalid(format!(
                                "Similarity function {function} was not recognized for vector index; use one of COSINE, DOT_PRODUCT, EUCLIDEAN"
                            )));
                        }
                    }
                } else if index_options.contains_key("similarity_function") {
                    return Err(CqlError::invalid(
                        "similarity_function is only supported on vector indexes",
                    ));
                }
                index_options.insert("target".into(), target_text);
                let mut updated = (*table_meta).clone();
                updated.indexes.push(crate::schema::IndexMetadata {
                    name,
                    kind: kind.to_owned(),
                    options: index_options,
                });
                ks.tables.insert(table.name.clone(), Arc::new(updated));
                Change {
                    keyspace: ks_name.to_owned(),
                    new: Some(ks),
                    event: updated_table(ks_name, &table.name),
                }
            }
            SchemaStatement::DropIndex { name, if_exists } => {
                let ks_name = keyspace_of(name.keyspace.as_deref(), current)?;
                let mut ks = existing(ks_name)?;
                let owner = ks
                    .tables
                    .values()
                    .find(|t| t.indexes.iter().any(|i| i.name == name.name))
                    .cloned();
                let Some(owner) = owner else {
                    if *if_exists {
                        return Ok(None);
                    }
                    return Err(CqlError::invalid(format!(
                        "Index '{}' could not be found in any of the tables of keyspace '{ks_name}'",
                        name.name
                    )));
                };
                let mut updated = (*owner).clone();
                updated.indexes.retain(|i| i.name != name.name);
                ks.tables.insert(updated.name.clone(), Arc::new(updated));
                Change {
                    keyspace: ks_name.to_owned(),
                    new: Some(ks),
                    event: updated_table(ks_name, &owner.name),
                }
            }
            other => {
                return Err(CqlError::invalid(format!(
                    "{} is not supported yet",
                    statement_kind(other)
                )));
            }
        }))
    }

    async fn apply_on_shard0(&self, services: &Rc<ShardServices>) -> CqlResult<ResultBody> {
        let _permit = services
            .schema_lock
            .acquire_permit(1)
            .await
            .map_err(|_| CqlError::server("schema lock closed"))?;
        let schema = services.schema();
        let Some(change) = self.change(&schema, &services.node.data_center)? else {
            return Ok(ResultBody::Void);
        };
        let system = services
            .system
            .as_ref()
            .ok_or_else(|| CqlError::server("schema changes run on shard 0"))?;
        let schema_tables = schema
            .keyspace(SYSTEM_SCHEMA)
            .ok_or_else(|| CqlError::server("no system_schema"))?
            .clone();
        let timestamp = ShardServices::now_us().max(services.last_schema_timestamp_us.get() + 2);
        services.last_schema_timestamp_us.set(timestamp);
        let now_s = timestamp / 1_000_000;
        for mutation in keyspace_mutations(
            &schema_tables,
            &change.keyspace,
            change.new.as_ref(),
            timestamp,
            now_s,
        )? {
            system.apply(&mutation).await?;
        }
        tracing::debug!("schema change: rows written");
        let new_schema = Arc::new(startup::load_schema(system).await?);
        tracing::debug!("schema change: schema reloaded");
        startup::write_local_row(system, &services.node, &new_schema).await?;
        tracing::debug!("schema change: local row written");
        let event = Event::SchemaChange(change.event.clone());
        for shard in 0..services.sharder.nr_shards() {
            let (schema, event) = (new_schema.clone(), event.clone());
            services
                .mesh
                .call(shard, move |ctx| async move {
                    ShardServices::from_context(ctx)?
                        .install_schema(schema, Some(event))
                        .await
                })
                .await
                .map_err(|_| CqlError::Overloaded(format!("shard {shard} is shutting down")))??;
        }
        Ok(ResultBody::SchemaChange(change.event))
    }
}

fn updated_table(keyspace: &str, table: &str) -> SchemaChange {
    SchemaChange {
        change: SchemaChangeType::Updated,
        target: SchemaChangeTarget::Table {
            keyspace: keyspace.to_owned(),
            table: table.to_owned(),
        },
    }
}

fn statement_kind(statement: &SchemaStatement) -> &'static str {
    match statement {
        SchemaStatement::CreateIndex { .. } | SchemaStatement::DropIndex { .. } => {
            "Secondary indexes"
        }
        SchemaStatement::CreateMaterializedView { .. }
        | SchemaStatement::AlterMaterializedView { .. }
        | SchemaStatement::DropMaterializedView { .. } => "Materialized views",
        SchemaStatement::AlterType { .. } => "ALTER TYPE",
        _ => "User-defined functions, aggregates and triggers",
    }
}
