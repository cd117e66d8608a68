//! DESCRIBE / DESC, executed by the server since Cassandra 4.0.

use std::fmt;

use super::{Identifier, QualifiedName};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DescribeStatement {
    pub target: DescribeTarget,
    /// `WITH INTERNALS`.
    pub with_internals: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DescribeTarget {
    Cluster,
    /// `[FULL] SCHEMA`.
    Schema {
        full: bool,
    },
    Keyspaces,
    /// `[ONLY] KEYSPACE [name]`; no name means the current keyspace.
    Keyspace {
        name: Option<String>,
        only: bool,
    },
    Tables,
    Table(QualifiedName),
    Types,
    Type(QualifiedName),
    Functions,
    Function(QualifiedName),
    Aggregates,
    Aggregate(QualifiedName),
    Index(QualifiedName),
    MaterializedView(QualifiedName),
    /// `DESCRIBE name`: a keyspace, table, view, index, type, function or aggregate.
    Name(QualifiedName),
}

impl fmt::Display for DescribeStatement {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("DESCRIBE ")?;
        match &self.target {
            DescribeTarget::Cluster => formatter.write_str("CLUSTER")?,
            DescribeTarget::Schema { full } => {
                if *full {
                    formatter.write_str("FULL ")?;
                }
                formatter.write_str("SCHEMA")?;
            }
            DescribeTarget::Keyspaces => formatter.write_str("KEYSPACES")?,
            DescribeTarget::Keyspace { name, only } => {
                if *only {
                    formatter.write_str("ONLY ")?;
                }
                formatter.write_str("KEYSPACE")?;
                if let Some(name) = name {
                    write!(formatter, " {}", Identifier(name))?;
                }
            }
            DescribeTarget::Tables => formatter.write_str("TABLES")?,
            DescribeTarget::Table(name) => write!(formatter, "TABLE {name}")?,
            DescribeTarget::Types => formatter.write_str("TYPES")?,
            DescribeTarget::Type(name) => write!(formatter, "TYPE {name}")?,
            DescribeTarget::Functions => formatter.write_str("FUNCTIONS")?,
            DescribeTarget::Function(name) => write!(formatter, "FUNCTION {name}")?,
            DescribeTarget::Aggregates => formatter.write_str("AGGREGATES")?,
            DescribeTarget::Aggregate(name) => write!(formatter, "AGGREGATE {name}")?,
            DescribeTarget::Index(name) => write!(formatter, "INDEX {name}")?,
            DescribeTarget::MaterializedView(name) => {
                write!(formatter, "MATERIALIZED VIEW {name}")?
            }
            DescribeTarget::Name(name) => write!(formatter, "{name}")?,
        }
        if self.with_internals {
            formatter.write_str(" WITH INTERNALS")?;
        }
        Ok(())
    }
}
