//! Which schema elements each DESCRIBE target returns, in Cassandra's order
//! and with its error messages (`DescribeStatement.java`: `Listing`,
//! `Element`, `generic`, `getKeyspaceElements`, `getTableElements`).
//!
//! Elements borrow from one schema snapshot; their CREATE text is rendered
//! only for the rows of the requested page.

use std::collections::BTreeSet;

use sibyl_protocol::types::ColumnType;

use super::create_statements;
use crate::cql3::ast::{DescribeTarget, Identifier, QualifiedName};
use crate::cql3::{CqlError, CqlResult};
use crate::schema::system::is_system_keyspace;
use crate::schema::{IndexMetadata, KeyspaceMetadata, Schema, TableMetadata, UserType};

/// One schema element: a row of a DESCRIBE result.
#[derive(Debug, Clone, Copy)]
pub enum Element<'a> {
    Keyspace(&'a KeyspaceMetadata),
    Type(&'a UserType),
    Table(&'a TableMetadata),
    Index(&'a TableMetadata, &'a IndexMetadata),
}

impl Element<'_> {
    /// The `type` column (Cassandra's `SchemaElementType`, lower case).
    pub fn kind(&self) -> &'static str {
        match self {
            Element::Keyspace(_) => "keyspace",
            Element::Type(_) => "type",
            Element::Table(_) => "table",
            Element::Index(..) => "index",
        }
    }

    pub fn keyspace(&self) -> &str {
        match self {
            Element::Keyspace(keyspace) => &keyspace.name,
            Element::Type(user_type) => &user_type.keyspace,
            Element::Table(table) | Element::Index(table, _) => &table.keyspace,
        }
    }

    pub fn name(&self) -> &str {
        match self {
            Element::Keyspace(keyspace) => &keyspace.name,
            Element::Type(user_type) => &user_type.name,
            Element::Table(table) => &table.name,
            Element::Index(_, index) => &index.name,
        }
    }

    /// `keyspace_name`, `type` and `name`, names quoted where CQL needs it.
    pub fn list_columns(&self) -> [String; 3] {
        [
            Identifier(self.keyspace()).to_string(),
            self.kind().to_owned(),
            Identifier(self.name()).to_string(),
        ]
    }

    pub fn create_statement(&self, with_internals: bool) -> String {
        match self {
            Element::Keyspace(keyspace) => create_statements::keyspace(keyspace),
            Element::Type(user_type) => create_statements::user_type(user_type),
            Element::Table(table) => create_statements::table(table, with_internals),
            Element::Index(table, index) => create_statements::index(table, index),
        }
    }
}

/// Cassandra's `SchemaElement.NAME_COMPARATOR`: names compared ignoring case.
fn by_name<'a, T>(items: impl Iterator<Item = &'a T>, name: impl Fn(&T) -> &str) -> Vec<&'a T>
where
    T: 'a,
{
    let mut items: Vec<&T> = items.collect();
    items.sort_by_key(|item| name(item).to_lowercase());
    items
}

fn keyspaces_sorted(schema: &Schema) -> Vec<&KeyspaceMetadata> {
    by_name(schema.keyspaces.values().map(|k| k.as_ref()), |k| &k.name)
}

/// `'x' not found in keyspaces` (Cassandra's `validateKeyspace`).
fn validate_keyspace<'a>(schema: &'a Schema, name: &str) -> CqlResult<&'a KeyspaceMetadata> {
    schema
        .keyspace(name)
        .map(|k| k.as_ref())
        .ok_or_else(|| CqlError::invalid(format!("'{name}' not found in keyspaces")))
}

/// The keyspace of a single-element target: explicit, else the current one.
fn element_keyspace<'a>(
    schema: &'a Schema,
    name: &QualifiedName,
    current: Option<&str>,
) -> CqlResult<&'a KeyspaceMetadata> {
    let keyspace = name
        .keyspace
        .as_deref()
        .or(current)
        .ok_or_else(|| CqlError::invalid("No keyspace specified and no current keyspace"))?;
    validate_keyspace(schema, keyspace)
}

/// The keyspace, then its types in dependency order, then each table with its
/// indexes (functions, aggregates and views do not exist yet).
fn keyspace_elements<'a>(keyspace: &'a KeyspaceMetadata, only: bool, out: &mut Vec<Element<'a>>) {
    out.push(Element::Keyspace(keyspace));
    if only {
        return;
    }
    out.extend(
        types_in_dependency_order(keyspace)
            .into_iter()
            .map(Element::Type),
    );
    for table in by_name(keyspace.tables.values().map(|t| t.as_ref()), |t| &t.name) {
        table_elements(table, out);
    }
}

fn table_elements<'a>(table: &'a TableMetadata, out: &mut Vec<Element<'a>>) {
    out.push(Element::Table(table));
    for index in by_name(table.indexes.iter(), |i| &i.name) {
        out.push(Element::Index(table, index));
    }
}

/// Types sorted by name, each preceded by the types it uses, so that the
/// CREATE TYPE statements replay in order (Cassandra's `Types.sortedStream`).
fn types_in_dependency_order(keyspace: &KeyspaceMetadata) -> Vec<&UserType> {
    fn visit<'a>(
        keyspace: &'a KeyspaceMetadata,
        user_type: &'a UserType,
        seen: &mut BTreeSet<&'a str>,
        out: &mut Vec<&'a UserType>,
    ) {
        if !seen.insert(&user_type.name) {
            return;
        }
        let mut used = Vec::new();
        for (_, field_type) in &user_type.fields {
            collect_user_types(field_type, &mut used);
        }
        for name in used {
            if let Some(dependency) = keyspace.types.get(name) {
                visit(keyspace, dependency, seen, out);
            }
        }
        out.push(user_type);
    }
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for user_type in by_name(keyspace.types.values().map(|t| t.as_ref()), |t| &t.name) {
        visit(keyspace, user_type, &mut seen, &mut out);
    }
    out
}

fn collect_user_types<'a>(column_type: &'a ColumnType, out: &mut Vec<&'a str>) {
    match column_type {
        ColumnType::Udt { name, fields, .. } => {
            for (_, field_type) in fields {
                collect_user_types(field_type, out);
            }
            out.push(name);
        }
        ColumnType::List(element) | ColumnType::Set(element) => collect_user_types(element, out),
        ColumnType::Vector { element, .. } => collect_user_types(element, out),
        ColumnType::Map(key, value) => {
            collect_user_types(key, out);
            collect_user_types(value, out);
        }
        ColumnType::Tuple(elements) => {
            for element in elements {
                collect_user_types(element, out);
            }
        }
        _ => {}
    }
}

/// The elements a DESCRIBE target returns, for every target but CLUSTER.
pub fn describe<'a>(
    schema: &'a Schema,
    target: &DescribeTarget,
    current: Option<&str>,
) -> CqlResult<Vec<Element<'a>>> {
    let mut out = Vec::new();
    match target {
        DescribeTarget::Cluster => {}
        DescribeTarget::Keyspaces => {
            out.extend(keyspaces_sorted(schema).into_iter().map(Element::Keyspace));
        }
        DescribeTarget::Schema { full } => {
            for keyspace in keyspaces_sorted(schema) {
                if *full || !is_system_keyspace(&keyspace.name) {
                    keyspace_elements(keyspace, false, &mut out);
                }
            }
        }
        DescribeTarget::Tables | DescribeTarget::Types => {
            // Lists cover the current keyspace, or every keyspace without one.
            let keyspaces = match current {
                Some(name) => vec![validate_keyspace(schema, name)?],
                None => keyspaces_sorted(schema),
            };
            for keyspace in keyspaces {
                if matches!(target, DescribeTarget::Tables) {
                    let tables = by_name(keyspace.tables.values().map(|t| t.as_ref()), |t| &t.name);
                    out.extend(tables.into_iter().map(Element::Table));
                } else {
                    let types = by_name(keyspace.types.values().map(|t| t.as_ref()), |t| &t.name);
                    out.extend(types.into_iter().map(Element::Type));
                }
            }
        }
        // No user-defined functions or aggregates exist yet: empty lists, but
        // still Cassandra's error for an unknown current keyspace.
        DescribeTarget::Functions | DescribeTarget::Aggregates => {
            if let Some(name) = current {
                validate_keyspace(schema, name)?;
            }
        }
        DescribeTarget::Keyspace { name, only } => {
            let name = name.as_deref().or(current).ok_or_else(|| {
                CqlError::invalid("No keyspace specified and no current keyspace")
            })?;
            keyspace_elements(validate_keyspace(schema, name)?, *only, &mut out);
        }
        DescribeTarget::Table(name) => {
            let keyspace = element_keyspace(schema, name, current)?;
            let table = keyspace.tables.get(&name.name).ok_or_else(|| {
                CqlError::invalid(format!(
                    "Table '{}' not found in keyspace '{}'",
                    name.name, keyspace.name
                ))
            })?;
            table_elements(table, &mut out);
        }
        DescribeTarget::Type(name) => {
            let keyspace = element_keyspace(schema, name, current)?;
            let user_type = keyspace.types.get(&name.name).ok_or_else(|| {
                CqlError::invalid(format!(
                    "User defined type '{}' not found in '{}'",
                    name.name, keyspace.name
                ))
            })?;
            out.push(Element::Type(user_type));
        }
        DescribeTarget::Index(name) => {
            let keyspace = element_keyspace(schema, name, current)?;
            out.push(find_index(keyspace, &name.name).ok_or_else(|| {
                CqlError::invalid(format!(
                    "Table for existing index '{}' not found in '{}'",
                    name.name, keyspace.name
                ))
            })?);
        }
        DescribeTarget::Function(name) | DescribeTarget::Aggregate(name) => {
            let keyspace = element_keyspace(schema, name, current)?;
            let what = if matches!(target, DescribeTarget::Function(_)) {
                "function"
            } else {
                "aggregate"
            };
            return Err(CqlError::invalid(format!(
                "User defined {what} '{}' not found in '{}'",
                name.name, keyspace.name
            )));
        }
        DescribeTarget::MaterializedView(name) => {
            let keyspace = element_keyspace(schema, name, current)?;
            return Err(CqlError::invalid(format!(
                "Materialized view '{}' not found in '{}'",
                name.name, keyspace.name
            )));
        }
        DescribeTarget::Name(name) => generic(schema, name, current, &mut out)?,
    }
    Ok(out)
}

fn find_index<'a>(keyspace: &'a KeyspaceMetadata, name: &str) -> Option<Element<'a>> {
    keyspace.tables.values().find_map(|table| {
        table
            .indexes
            .iter()
            .find(|index| index.name == name)
            .map(|index| Element::Index(table, index))
    })
}

/// `DESCRIBE name`: a keyspace, else a table, an index or a view of the
/// given or current keyspace, in that order (as cqlsh's help says).
fn generic<'a>(
    schema: &'a Schema,
    name: &QualifiedName,
    current: Option<&str>,
    out: &mut Vec<Element<'a>>,
) -> CqlResult<()> {
    let keyspace_name = match name.keyspace.as_deref() {
        Some(keyspace) => keyspace,
        None => {
            if let Some(keyspace) = schema.keyspace(&name.name) {
                keyspace_elements(keyspace, false, out);
                return Ok(());
            }
            current.unwrap_or(&name.name)
        }
    };
    let keyspace = validate_keyspace(schema, keyspace_name)?;
    if let Some(table) = keyspace.tables.get(&name.name) {
        table_elements(table, out);
        return Ok(());
    }
    if let Some(index) = find_index(keyspace, &name.name) {
        out.push(index);
        return Ok(());
    }
    Err(CqlError::invalid(format!(
        "'{}' not found in keyspace '{keyspace_name}'",
        name.name
    )))
}
