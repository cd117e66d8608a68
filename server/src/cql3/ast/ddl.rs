//! Schema statements: keyspaces, tables, types, indexes, views, functions,
//! aggregates and triggers.

use std::fmt;

use super::select::write_where;
use super::{
    CqlType, Identifier, Literal, OrderDirection, QualifiedName, Relation, Selection,
    StringLiteral, Term, write_identifiers, write_list,
};

/// `name = value` in a WITH clause.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Property {
    pub name: String,
    pub value: PropertyValue,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PropertyValue {
    Constant(Literal),
    /// An unreserved keyword used as a value (e.g. `caching = ALL`), lower-cased.
    Keyword(String),
    /// `{'class': 'SimpleStrategy', ...}`.
    Map(Vec<(Term, Term)>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnDefinition {
    pub name: String,
    pub cql_type: CqlType,
    pub is_static: bool,
    /// `PRIMARY KEY` written after the column's type.
    pub is_primary_key: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrimaryKey {
    pub partition_key: Vec<String>,
    pub clustering_columns: Vec<String>,
}

/// Everything after WITH in CREATE TABLE / CREATE MATERIALIZED VIEW.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TableOptions {
    pub properties: Vec<Property>,
    pub clustering_order: Vec<(String, OrderDirection)>,
    pub compact_storage: bool,
}

impl TableOptions {
    pub fn is_empty(&self) -> bool {
        self.properties.is_empty() && self.clustering_order.is_empty() && !self.compact_storage
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AlterTableAction {
    AddColumns {
        if_not_exists: bool,
        columns: Vec<ColumnDefinition>,
    },
    DropColumns {
        if_exists: bool,
        columns: Vec<String>,
        /// `USING TIMESTAMP n`.
        timestamp: Option<Term>,
    },
    RenameColumns {
        if_exists: bool,
        renames: Vec<(String, String)>,
    },
    Options(Vec<Property>),
    DropCompactStorage,
    /// `ALTER c TYPE t`: parsed so that it gets Cassandra's refusal.
    AlterColumnType {
        column: String,
        cql_type: CqlType,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AlterTypeAction {
    AddField {
        if_not_exists: bool,
        name: String,
        cql_type: CqlType,
    },
    RenameFields {
        if_exists: bool,
        renames: Vec<(String, String)>,
    },
    /// `ALTER f TYPE t`: parsed so that it gets Cassandra's refusal.
    AlterFieldType { field: String, cql_type: CqlType },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexTargetKind {
    Simple,
    Keys,
    Values,
    Entries,
    Full,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexTarget {
    pub column: String,
    pub kind: IndexTargetKind,
}

/// Every DDL statement. `if_exists` / `if_not_exists` mirror the IF clauses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SchemaStatement {
    CreateKeyspace {
        name: String,
        if_not_exists: bool,
        properties: Vec<Property>,
    },
    AlterKeyspace {
        name: String,
        if_exists: bool,
        properties: Vec<Property>,
    },
    DropKeyspace {
        name: String,
        if_exists: bool,
    },
    CreateTable {
        name: QualifiedName,
        if_not_exists: bool,
        columns: Vec<ColumnDefinition>,
        /// The `PRIMARY KEY (...)` clause, if written as a separate clause.
        primary_key: Option<PrimaryKey>,
        options: TableOptions,
    },
    AlterTable {
        name: QualifiedName,
        if_exists: bool,
        action: AlterTableAction,
    },
    DropTable {
        name: QualifiedName,
        if_exists: bool,
    },
    CreateType {
        name: QualifiedName,
        if_not_exists: bool,
        fields: Vec<(String, CqlType)>,
    },
    AlterType {
        name: QualifiedName,
        if_exists: bool,
        action: AlterTypeAction,
    },
    DropType {
        name: QualifiedName,
        if_exists: bool,
    },
    CreateIndex {
        /// The index name; its keyspace is the table's.
        name: Option<String>,
        table: QualifiedName,
        if_not_exists: bool,
        custom: bool,
        targets: Vec<IndexTarget>,
        /// `USING 'sai'` or a class name.
        using: Option<String>,
        properties: Vec<Property>,
    },
    DropIndex {
        name: QualifiedName,
        if_exists: bool,
    },
    CreateMaterializedView {
        name: QualifiedName,
        if_not_exists: bool,
        selection: Selection,
        base_table: QualifiedName,
        relations: Vec<Relation>,
        primary_key: PrimaryKey,
        options: TableOptions,
    },
    AlterMaterializedView {
        name: QualifiedName,
        if_exists: bool,
        properties: Vec<Property>,
    },
    DropMaterializedView {
        name: QualifiedName,
        if_exists: bool,
    },
    CreateFunction {
        or_replace: bool,
        if_not_exists: bool,
        name: QualifiedName,
        arguments: Vec<(String, CqlType)>,
        called_on_null_input: bool,
        return_type: CqlType,
        language: String,
        body: String,
    },
    DropFunction {
        name: QualifiedName,
        if_exists: bool,
        /// `None` when no signature was given.
        argument_types: Option<Vec<CqlType>>,
    },
    CreateAggregate {
        or_replace: bool,
        if_not_exists: bool,
        name: QualifiedName,
        argument_types: Vec<CqlType>,
        state_function: String,
        state_type: CqlType,
        final_function: Option<String>,
        initial_condition: Option<Term>,
    },
    DropAggregate {
        name: QualifiedName,
        if_exists: bool,
        argument_types: Option<Vec<CqlType>>,
    },
    CreateTrigger {
        name: String,
        if_not_exists: bool,
        table: QualifiedName,
        class: String,
    },
    DropTrigger {
        name: String,
        if_exists: bool,
        table: QualifiedName,
    },
}

fn if_not_exists(flag: bool) -> &'static str {
    if flag { "IF NOT EXISTS " } else { "" }
}

fn if_exists(flag: bool) -> &'static str {
    if flag { "IF EXISTS " } else { "" }
}

impl fmt::Display for Property {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{} = ", Identifier(&self.name))?;
        match &self.value {
            PropertyValue::Constant(literal) => write!(formatter, "{literal}"),
            PropertyValue::Keyword(word) => formatter.write_str(word),
            PropertyValue::Map(entries) => write!(formatter, "{}", Term::Map(entries.clone())),
        }
    }
}

fn write_properties(formatter: &mut fmt::Formatter<'_>, properties: &[Property]) -> fmt::Result {
    if properties.is_empty() {
        return Ok(());
    }
    formatter.write_str(" WITH ")?;
    write_list(formatter, properties, " AND ")
}

impl fmt::Display for ColumnDefinition {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{} {}", Identifier(&self.name), self.cql_type)?;
        if self.is_static {
            formatter.write_str(" STATIC")?;
        }
        if self.is_primary_key {
            formatter.write_str(" PRIMARY KEY")?;
        }
        Ok(())
    }
}

impl fmt::Display for PrimaryKey {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("PRIMARY KEY ((")?;
        write_identifiers(formatter, &self.partition_key)?;
        formatter.write_str(")")?;
        for column in &self.clustering_columns {
            write!(formatter, ", {}", Identifier(column))?;
        }
        formatter.write_str(")")
    }
}

impl fmt::Display for TableOptions {
    /// Renders ` WITH ...` or nothing.
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts: Vec<String> = Vec::new();
        if self.compact_storage {
            parts.push("COMPACT STORAGE".to_owned());
        }
        if !self.clustering_order.is_empty() {
            let columns: Vec<String> = self
                .clustering_order
                .iter()
                .map(|(column, direction)| {
                    let direction = match direction {
                        OrderDirection::Ascending => "ASC",
                        OrderDirection::Descending => "DESC",
                    };
                    format!("{} {direction}", Identifier(column))
                })
                .collect();
            parts.push(format!("CLUSTERING ORDER BY ({})", columns.join(", ")));
        }
        parts.extend(self.properties.iter().map(ToString::to_string));
        if parts.is_empty() {
            return Ok(());
        }
        write!(formatter, " WITH {}", parts.join(" AND "))
    }
}

fn write_renames(formatter: &mut fmt::Formatter<'_>, renames: &[(String, String)]) -> fmt::Result {
    write_list(
        formatter,
        renames
            .iter()
            .map(|(from, to)| format!("{} TO {}", Identifier(from), Identifier(to))),
        " AND ",
    )
}

fn write_types(formatter: &mut fmt::Formatter<'_>, types: &[CqlType]) -> fmt::Result {
    formatter.write_str("(")?;
    write_list(formatter, types, ", ")?;
    formatter.write_str(")")
}

impl fmt::Display for SchemaStatement {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        use SchemaStatement as S;
        match self {
            S::CreateKeyspace {
                name,
                if_not_exists: flag,
                properties,
            } => {
                let name = Identifier(name);
                write!(formatter, "CREATE KEYSPACE {}{name}", if_not_exists(*flag))?;
                write_properties(formatter, properties)
            }
            S::AlterKeyspace {
                name,
                if_exists: flag,
                properties,
            } => {
                let name = Identifier(name);
                write!(formatter, "ALTER KEYSPACE {}{name}", if_exists(*flag))?;
                write_properties(formatter, properties)
            }
            S::DropKeyspace {
                name,
                if_exists: flag,
            } => write!(
                formatter,
                "DROP KEYSPACE {}{}",
                if_exists(*flag),
                Identifier(name)
            ),
            S::CreateTable {
                name,
                if_not_exists: flag,
                columns,
                primary_key,
                options,
            } => {
                write!(formatter, "CREATE TABLE {}{name} (", if_not_exists(*flag))?;
                write_list(formatter, columns, ", ")?;
                if let Some(primary_key) = primary_key {
                    write!(formatter, ", {primary_key}")?;
                }
                write!(formatter, "){options}")
            }
            S::AlterTable {
                name,
                if_exists: flag,
                action,
            } => {
                write!(formatter, "ALTER TABLE {}{name} ", if_exists(*flag))?;
                match action {
                    AlterTableAction::AddColumns {
                        if_not_exists: flag,
                        columns,
                    } => {
                        write!(formatter, "ADD {}(", if_not_exists(*flag))?;
                        write_list(formatter, columns, ", ")?;
                        formatter.write_str(")")
                    }
                    AlterTableAction::DropColumns {
                        if_exists: flag,
                        columns,
                        timestamp,
                    } => {
                        write!(formatter, "DROP {}(", if_exists(*flag))?;
                        write_identifiers(formatter, columns)?;
                        formatter.write_str(")")?;
                        if let Some(timestamp) = timestamp {
                            write!(formatter, " USING TIMESTAMP {timestamp}")?;
                        }
                        Ok(())
                    }
                    AlterTableAction::RenameColumns {
                        if_exists: flag,
                        renames,
                    } => {
                        write!(formatter, "RENAME {}", if_exists(*flag))?;
                        write_renames(formatter, renames)
                    }
                    AlterTableAction::Options(properties) => {
                        formatter.write_str("WITH ")?;
                        write_list(formatter, properties, " AND ")
                    }
                    AlterTableAction::DropCompactStorage => {
                        formatter.write_str("DROP COMPACT STORAGE")
                    }
                    AlterTableAction::AlterColumnType { column, cql_type } => {
                        write!(formatter, "ALTER {} TYPE {cql_type}", Identifier(column))
                    }
                }
            }
            S::DropTable {
                name,
                if_exists: flag,
            } => write!(formatter, "DROP TABLE {}{name}", if_exists(*flag)),
            S::CreateType {
                name,
                if_not_exists: flag,
                fields,
            } => {
                write!(formatter, "CREATE TYPE {}{name} (", if_not_exists(*flag))?;
                write_list(
                    formatter,
                    fields
                        .iter()
                        .map(|(field, cql_type)| format!("{} {cql_type}", Identifier(field))),
                    ", ",
                )?;
                formatter.write_str(")")
            }
            S::AlterType {
                name,
                if_exists: flag,
                action,
            } => {
                write!(formatter, "ALTER TYPE {}{name} ", if_exists(*flag))?;
                match action {
                    AlterTypeAction::AddField {
                        if_not_exists: flag,
                        name,
                        cql_type,
                    } => write!(
                        formatter,
                        "ADD {}{} {cql_type}",
                        if_not_exists(*flag),
                        Identifier(name)
                    ),
                    AlterTypeAction::RenameFields {
                        if_exists: flag,
                        renames,
                    } => {
                        write!(formatter, "RENAME {}", if_exists(*flag))?;
                        write_renames(formatter, renames)
                    }
                    AlterTypeAction::AlterFieldType { field, cql_type } => {
                        write!(formatter, "ALTER {} TYPE {cql_type}", Identifier(field))
                    }
                }
            }
            S::DropType {
                name,
                if_exists: flag,
            } => write!(formatter, "DROP TYPE {}{name}", if_exists(*flag)),
            S::CreateIndex {
                name,
                table,
                if_not_exists: flag,
                custom,
                targets,
                using,
                properties,
            } => {
                let custom = if *custom { "CUSTOM " } else { "" };
                write!(formatter, "CREATE {custom}INDEX {}", if_not_exists(*flag))?;
                if let Some(name) = name {
                    write!(formatter, "{} ", Identifier(name))?;
                }
                write!(formatter, "ON {table} (")?;
                write_list(formatter, targets, ", ")?;
                formatter.write_str(")")?;
                if let Some(using) = using {
                    write!(formatter, " USING {}", StringLiteral(using))?;
                }
                write_properties(formatter, properties)
            }
            S::DropIndex {
                name,
                if_exists: flag,
            } => write!(formatter, "DROP INDEX {}{name}", if_exists(*flag)),
            S::CreateMaterializedView {
                name,
                if_not_exists: flag,
                selection,
                base_table,
                relations,
                primary_key,
                options,
            } => {
                write!(
                    formatter,
                    "CREATE MATERIALIZED VIEW {}{name} AS SELECT {selection} FROM {base_table}",
                    if_not_exists(*flag)
                )?;
                write_where(formatter, relations)?;
                write!(formatter, " {primary_key}{options}")
            }
            S::AlterMaterializedView {
                name,
                if_exists: flag,
                properties,
            } => {
                write!(
                    formatter,
                    "ALTER MATERIALIZED VIEW {}{name}",
                    if_exists(*flag)
                )?;
                write_properties(formatter, properties)
            }
            S::DropMaterializedView {
                name,
                if_exists: flag,
            } => write!(
                formatter,
                "DROP MATERIALIZED VIEW {}{name}",
                if_exists(*flag)
            ),
            S::CreateFunction {
                or_replace,
                if_not_exists: flag,
                name,
                arguments,
                called_on_null_input,
                return_type,
                language,
                body,
            } => {
                let replace = if *or_replace { "OR REPLACE " } else { "" };
                write!(
                    formatter,
                    "CREATE {replace}FUNCTION {}{name}(",
                    if_not_exists(*flag)
                )?;
                write_list(
                    formatter,
                    arguments
                        .iter()
                        .map(|(argument, cql_type)| format!("{} {cql_type}", Identifier(argument))),
                    ", ",
                )?;
                let on_null = if *called_on_null_input {
                    "CALLED"
                } else {
                    "RETURNS NULL"
                };
                write!(
                    formatter,
                    ") {on_null} ON NULL INPUT RETURNS {return_type} LANGUAGE {} AS {}",
                    Identifier(language),
                    StringLiteral(body)
                )
            }
            S::DropFunction {
                name,
                if_exists: flag,
                argument_types,
            } => {
                write!(formatter, "DROP FUNCTION {}{name}", if_exists(*flag))?;
                match argument_types {
                    Some(types) => write_types(formatter, types),
                    None => Ok(()),
                }
            }
            S::CreateAggregate {
                or_replace,
                if_not_exists: flag,
                name,
                argument_types,
                state_function,
                state_type,
                final_function,
                initial_condition,
            } => {
                let replace = if *or_replace { "OR REPLACE " } else { "" };
                write!(
                    formatter,
                    "CREATE {replace}AGGREGATE {}{name}",
                    if_not_exists(*flag)
                )?;
                write_types(formatter, argument_types)?;
                write!(
                    formatter,
                    " SFUNC {} STYPE {state_type}",
                    Identifier(state_function)
                )?;
                if let Some(final_function) = final_function {
                    write!(formatter, " FINALFUNC {}", Identifier(final_function))?;
                }
                if let Some(initial_condition) = initial_condition {
                    write!(formatter, " INITCOND {initial_condition}")?;
                }
                Ok(())
            }
            S::DropAggregate {
                name,
                if_exists: flag,
                argument_types,
            } => {
                write!(formatter, "DROP AGGREGATE {}{name}", if_exists(*flag))?;
                match argument_types {
                    Some(types) => write_types(formatter, types),
                    None => Ok(()),
                }
            }
            S::CreateTrigger {
                name,
                if_not_exists: flag,
                table,
                class,
            } => write!(
                formatter,
                "CREATE TRIGGER {}{} ON {table} USING {}",
                if_not_exists(*flag),
                Identifier(name),
                StringLiteral(class)
            ),
            S::DropTrigger {
                name,
                if_exists: flag,
                table,
            } => write!(
                formatter,
                "DROP TRIGGER {}{} ON {table}",
                if_exists(*flag),
                Identifier(name)
            ),
        }
    }
}

impl fmt::Display for IndexTarget {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let column = Identifier(&self.column);
        match self.kind {
            IndexTargetKind::Simple => write!(formatter, "{column}"),
            IndexTargetKind::Keys => write!(formatter, "KEYS({column})"),
            IndexTargetKind::Values => write!(formatter, "VALUES({column})"),
            IndexTargetKind::Entries => write!(formatter, "ENTRIES({column})"),
            IndexTargetKind::Full => write!(formatter, "FULL({column})"),
        }
    }
}
