//! The typed syntax tree of CQL statements, as the parser produces it and as
//! execution consumes it: nothing in here needs the statement text again.
//!
//! Identifiers are stored normalized (unquoted names lower-cased, quoted names
//! verbatim). Numbers stay as their source text because their CQL type is only
//! known once execution resolves the column they are compared with.
//!
//! Every node implements `Display`, rendering normalized CQL that parses back to
//! an equal tree (keywords upper case, identifiers quoted only when needed).
//! [`Span`]s never take part in equality, so a re-rendered statement compares
//! equal to the original.

mod auth;
mod ddl;
mod describe;
mod dml;
mod select;
mod statement;
mod term;

use std::fmt;

pub use auth::{Permission, Permissions, Resource, RoleOption, RoleStatement, UserPassword};
pub use ddl::{
    AlterTableAction, AlterTypeAction, ColumnDefinition, IndexTarget, IndexTargetKind, PrimaryKey,
    Property, PropertyValue, SchemaStatement, TableOptions,
};
pub use describe::{DescribeStatement, DescribeTarget};
pub use dml::{
    Assignment, Attributes, BatchKind, BatchStatement, ColumnCondition, Condition, ConditionTarget,
    DeleteStatement, DeleteTarget, InsertBody, InsertStatement, ModificationStatement,
    UpdateStatement,
};
pub use select::{
    Operator, Order, OrderBy, OrderDirection, Relation, RelationTarget, RelationValue, SelectItem,
    SelectStatement, Selection, Selector, WriteTimeKind,
};
pub use statement::{ParsedStatement, Statement};
pub use term::{ArithmeticOperator, BindMarker, CqlType, Literal, Term};

use crate::cql3::lexer::is_reserved_keyword;

/// Where a node came from in the statement text (byte range, 1-based line and
/// 0-based column of its first character). Always equal to any other span.
#[derive(Debug, Clone, Copy, Default)]
pub struct Span {
    pub start: usize,
    pub end: usize,
    pub line: u32,
    pub column: u32,
}

impl PartialEq for Span {
    /// Spans are diagnostics only; two trees that differ only in where their
    /// text was are the same statement.
    fn eq(&self, _other: &Span) -> bool {
        true
    }
}

impl Eq for Span {}

/// A schema object name with an optional keyspace: `ks.name` or `name`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct QualifiedName {
    pub keyspace: Option<String>,
    pub name: String,
}

impl QualifiedName {
    pub fn new(keyspace: Option<&str>, name: &str) -> QualifiedName {
        QualifiedName {
            keyspace: keyspace.map(str::to_owned),
            name: name.to_owned(),
        }
    }
}

impl fmt::Display for QualifiedName {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(keyspace) = &self.keyspace {
            write!(formatter, "{}.", Identifier(keyspace))?;
        }
        write!(formatter, "{}", Identifier(&self.name))
    }
}

/// Renders a name bare when CQL reads it back unchanged, otherwise quoted.
#[derive(Debug, Clone, Copy)]
pub struct Identifier<'a>(pub &'a str);

impl fmt::Display for Identifier<'_> {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = self.0;
        let mut chars = name.chars();
        let bare = chars.next().is_some_and(|c| c.is_ascii_lowercase())
            && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            && !is_reserved_keyword(name)
            && name != "true"
            && name != "false";
        if bare {
            formatter.write_str(name)
        } else {
            write!(formatter, "\"{}\"", name.replace('"', "\"\""))
        }
    }
}

/// Renders text as a `'single quoted'` CQL string literal.
#[derive(Debug, Clone, Copy)]
pub struct StringLiteral<'a>(pub &'a str);

impl fmt::Display for StringLiteral<'_> {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "'{}'", self.0.replace('\'', "''"))
    }
}

/// Writes `items` separated by `separator`.
pub(crate) fn write_list<T: fmt::Display>(
    formatter: &mut fmt::Formatter<'_>,
    items: impl IntoIterator<Item = T>,
    separator: &str,
) -> fmt::Result {
    for (index, item) in items.into_iter().enumerate() {
        if index > 0 {
            formatter.write_str(separator)?;
        }
        write!(formatter, "{item}")?;
    }
    Ok(())
}

/// Writes identifiers separated by `, `.
pub(crate) fn write_identifiers(
    formatter: &mut fmt::Formatter<'_>,
    names: &[String],
) -> fmt::Result {
    write_list(formatter, names.iter().map(|name| Identifier(name)), ", ")
}
