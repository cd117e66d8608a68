//! INSERT, UPDATE, DELETE and BATCH.

use std::fmt;

use super::select::write_where;
use super::{
    Identifier, Operator, QualifiedName, Relation, RelationValue, Span, Term, write_identifiers,
    write_list,
};

/// The `USING TTL x AND TIMESTAMP y AND TIMEOUT z` clause.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Attributes {
    pub ttl: Option<Term>,
    pub timestamp: Option<Term>,
    /// ScyllaDB's `TIMEOUT <duration>`.
    pub timeout: Option<Term>,
}

impl Attributes {
    pub fn is_empty(&self) -> bool {
        self.ttl.is_none() && self.timestamp.is_none() && self.timeout.is_none()
    }
}

impl fmt::Display for Attributes {
    /// Renders ` USING ...` or nothing.
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = [
            self.ttl.as_ref().map(|ttl| format!("TTL {ttl}")),
            self.timestamp.as_ref().map(|at| format!("TIMESTAMP {at}")),
            self.timeout
                .as_ref()
                .map(|timeout| format!("TIMEOUT {timeout}")),
        ]
        .into_iter()
        .flatten()
        .collect();
        if parts.is_empty() {
            return Ok(());
        }
        write!(formatter, " USING {}", parts.join(" AND "))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InsertStatement {
    pub table: QualifiedName,
    pub body: InsertBody,
    pub if_not_exists: bool,
    pub attributes: Attributes,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InsertBody {
    Values {
        columns: Vec<String>,
        values: Vec<Term>,
    },
    /// `JSON '...'` (or a marker); `default_unset` for `DEFAULT UNSET`.
    Json { value: Term, default_unset: bool },
}

/// One `SET` item of UPDATE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Assignment {
    /// `c = v`
    Set {
        column: String,
        value: Term,
        span: Span,
    },
    /// `c[k] = v`
    SetElement {
        column: String,
        key: Term,
        value: Term,
        span: Span,
    },
    /// `c.f = v`
    SetField {
        column: String,
        field: String,
        value: Term,
        span: Span,
    },
    /// `c = c + v` or `c += v` (counter increment, append, set union, map put).
    Add {
        column: String,
        value: Term,
        span: Span,
    },
    /// `c = v + c` (list prepend).
    Prepend {
        column: String,
        value: Term,
        span: Span,
    },
    /// `c = c - v` or `c -= v`.
    Subtract {
        column: String,
        value: Term,
        span: Span,
    },
}

impl Assignment {
    /// The column this assignment writes.
    pub fn column(&self) -> &str {
        match self {
            Assignment::Set { column, .. }
            | Assignment::SetElement { column, .. }
            | Assignment::SetField { column, .. }
            | Assignment::Add { column, .. }
            | Assignment::Prepend { column, .. }
            | Assignment::Subtract { column, .. } => column,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    /// `IF EXISTS`
    Exists,
    /// `IF a = 1 AND l[0] > 2 ...`
    Columns(Vec<ColumnCondition>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnCondition {
    pub target: ConditionTarget,
    pub operator: Operator,
    pub value: RelationValue,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConditionTarget {
    Column(String),
    Element { column: String, key: Term },
    Field { column: String, field: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdateStatement {
    pub table: QualifiedName,
    pub attributes: Attributes,
    pub assignments: Vec<Assignment>,
    pub relations: Vec<Relation>,
    pub condition: Option<Condition>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeleteStatement {
    pub table: QualifiedName,
    /// Empty for a whole-row (or range / partition) delete.
    pub targets: Vec<DeleteTarget>,
    pub attributes: Attributes,
    pub relations: Vec<Relation>,
    pub condition: Option<Condition>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeleteTarget {
    Column(String),
    Element { column: String, key: Term },
    Field { column: String, field: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchKind {
    Logged,
    Unlogged,
    Counter,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchStatement {
    pub kind: BatchKind,
    pub attributes: Attributes,
    pub statements: Vec<ModificationStatement>,
}

/// A statement allowed inside a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModificationStatement {
    Insert(InsertStatement),
    Update(UpdateStatement),
    Delete(DeleteStatement),
}

impl fmt::Display for InsertStatement {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "INSERT INTO {}", self.table)?;
        match &self.body {
            InsertBody::Values { columns, values } => {
                formatter.write_str(" (")?;
                write_identifiers(formatter, columns)?;
                formatter.write_str(") VALUES (")?;
                write_list(formatter, values, ", ")?;
                formatter.write_str(")")?;
            }
            InsertBody::Json {
                value,
                default_unset,
            } => {
                write!(formatter, " JSON {value}")?;
                if *default_unset {
                    formatter.write_str(" DEFAULT UNSET")?;
                }
            }
        }
        if self.if_not_exists {
            formatter.write_str(" IF NOT EXISTS")?;
        }
        write!(formatter, "{}", self.attributes)
    }
}

impl fmt::Display for Assignment {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let column = Identifier(self.column());
        match self {
            Assignment::Set { value, .. } => write!(formatter, "{column} = {value}"),
            Assignment::SetElement { key, value, .. } => {
                write!(formatter, "{column}[{key}] = {value}")
            }
            Assignment::SetField { field, value, .. } => {
                write!(formatter, "{column}.{} = {value}", Identifier(field))
            }
            Assignment::Add { value, .. } => write!(formatter, "{column} = {column} + {value}"),
            Assignment::Prepend { value, .. } => {
                write!(formatter, "{column} = {value} + {column}")
            }
            Assignment::Subtract { value, .. } => {
                write!(formatter, "{column} = {column} - {value}")
            }
        }
    }
}

impl fmt::Display for Condition {
    /// Renders ` IF ...`.
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Condition::Exists => formatter.write_str(" IF EXISTS"),
            Condition::Columns(conditions) => {
                formatter.write_str(" IF ")?;
                write_list(formatter, conditions, " AND ")
            }
        }
    }
}

impl fmt::Display for ColumnCondition {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.target {
            ConditionTarget::Column(column) => write!(formatter, "{}", Identifier(column))?,
            ConditionTarget::Element { column, key } => {
                write!(formatter, "{}[{key}]", Identifier(column))?
            }
            ConditionTarget::Field { column, field } => {
                write!(formatter, "{}.{}", Identifier(column), Identifier(field))?
            }
        }
        write!(formatter, " {} {}", self.operator.text(), self.value)
    }
}

impl fmt::Display for UpdateStatement {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "UPDATE {}{} SET ", self.table, self.attributes)?;
        write_list(formatter, &self.assignments, ", ")?;
        write_where(formatter, &self.relations)?;
        if let Some(condition) = &self.condition {
            write!(formatter, "{condition}")?;
        }
        Ok(())
    }
}

impl fmt::Display for DeleteTarget {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeleteTarget::Column(column) => write!(formatter, "{}", Identifier(column)),
            DeleteTarget::Element { column, key } => {
                write!(formatter, "{}[{key}]", Identifier(column))
            }
            DeleteTarget::Field { column, field } => {
                write!(formatter, "{}.{}", Identifier(column), Identifier(field))
            }
        }
    }
}

impl fmt::Display for DeleteStatement {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("DELETE ")?;
        if !self.targets.is_empty() {
            write_list(formatter, &self.targets, ", ")?;
            formatter.write_str(" ")?;
        }
        write!(formatter, "FROM {}{}", self.table, self.attributes)?;
        write_where(formatter, &self.relations)?;
        if let Some(condition) = &self.condition {
            write!(formatter, "{condition}")?;
        }
        Ok(())
    }
}

impl fmt::Display for ModificationStatement {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ModificationStatement::Insert(insert) => write!(formatter, "{insert}"),
            ModificationStatement::Update(update) => write!(formatter, "{update}"),
            ModificationStatement::Delete(delete) => write!(formatter, "{delete}"),
        }
    }
}

impl fmt::Display for BatchStatement {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("BEGIN ")?;
        match self.kind {
            BatchKind::Logged => {}
            BatchKind::Unlogged => formatter.write_str("UNLOGGED ")?,
            BatchKind::Counter => formatter.write_str("COUNTER ")?,
        }
        write!(formatter, "BATCH{}", self.attributes)?;
        for statement in &self.statements {
            write!(formatter, " {statement};")?;
        }
        formatter.write_str(" APPLY BATCH")
    }
}
