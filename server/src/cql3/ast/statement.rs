//! The top-level statement and the parse result with its bind markers.

use std::fmt;

use super::{
    BatchStatement, BindMarker, DeleteStatement, DescribeStatement, Identifier, InsertStatement,
    QualifiedName, RoleStatement, SchemaStatement, SelectStatement, UpdateStatement,
};

/// One CQL statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Statement {
    Select(Box<SelectStatement>),
    Insert(Box<InsertStatement>),
    Update(Box<UpdateStatement>),
    Delete(Box<DeleteStatement>),
    Batch(Box<BatchStatement>),
    Use(String),
    Truncate(QualifiedName),
    Schema(Box<SchemaStatement>),
    Role(Box<RoleStatement>),
    Describe(DescribeStatement),
}

impl fmt::Display for Statement {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Statement::Select(select) => write!(formatter, "{select}"),
            Statement::Insert(insert) => write!(formatter, "{insert}"),
            Statement::Update(update) => write!(formatter, "{update}"),
            Statement::Delete(delete) => write!(formatter, "{delete}"),
            Statement::Batch(batch) => write!(formatter, "{batch}"),
            Statement::Use(keyspace) => write!(formatter, "USE {}", Identifier(keyspace)),
            Statement::Truncate(table) => write!(formatter, "TRUNCATE TABLE {table}"),
            Statement::Schema(schema) => write!(formatter, "{schema}"),
            Statement::Role(role) => write!(formatter, "{role}"),
            Statement::Describe(describe) => write!(formatter, "{describe}"),
        }
    }
}

/// A parsed statement with every bind marker in order of appearance; marker
/// `i` of the list has `index == i` and sits at its place in the tree, where
/// execution finds the column or clause (LIMIT, TTL, ...) it binds to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedStatement {
    pub statement: Statement,
    pub bind_markers: Vec<BindMarker>,
}
