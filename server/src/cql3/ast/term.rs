//! Terms (values in statements), literals, bind markers and CQL type syntax.

use std::fmt;

use sibyl_protocol::types::{ColumnType, ParsedCqlType};

use super::{Identifier, QualifiedName, StringLiteral, write_list};

/// A constant as written. Numbers keep their text (sign included) because their
/// type comes from the column they meet; `NaN`/`Infinity` are floats.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Literal {
    String(String),
    Integer(String),
    Float(String),
    Boolean(bool),
    /// Blob text including the `0x` prefix.
    Hex(String),
    Uuid(String),
    /// Any of the three duration syntaxes, as written.
    Duration(String),
}

impl fmt::Display for Literal {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Literal::String(text) => write!(formatter, "{}", StringLiteral(text)),
            Literal::Boolean(value) => write!(formatter, "{value}"),
            Literal::Integer(text)
            | Literal::Float(text)
            | Literal::Hex(text)
            | Literal::Uuid(text)
            | Literal::Duration(text) => formatter.write_str(text),
        }
    }
}

/// A `?` or `:name` placeholder. `index` is its position among all markers of
/// the statement in order of appearance, i.e. its slot in the values list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BindMarker {
    pub index: usize,
    pub name: Option<String>,
}

impl fmt::Display for BindMarker {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.name {
            Some(name) => write!(formatter, ":{}", Identifier(name)),
            None => formatter.write_str("?"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArithmeticOperator {
    Add,
    Subtract,
    Multiply,
    Divide,
    Remainder,
}

impl ArithmeticOperator {
    pub fn symbol(self) -> &'static str {
        match self {
            ArithmeticOperator::Add => "+",
            ArithmeticOperator::Subtract => "-",
            ArithmeticOperator::Multiply => "*",
            ArithmeticOperator::Divide => "/",
            ArithmeticOperator::Remainder => "%",
        }
    }
}

/// A value in a statement: everything Cassandra's `term` rule accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Term {
    Literal(Literal),
    Null,
    BindMarker(BindMarker),
    /// `[a, b]`; also how vector literals are written.
    List(Vec<Term>),
    /// `{a, b}`; `{}` is an empty set that execution may read as an empty map.
    Set(Vec<Term>),
    Map(Vec<(Term, Term)>),
    Tuple(Vec<Term>),
    /// `{field: value, ...}`.
    UserType(Vec<(String, Term)>),
    FunctionCall {
        name: QualifiedName,
        arguments: Vec<Term>,
    },
    /// `(type) term`.
    TypeHint {
        target: CqlType,
        term: Box<Term>,
    },
    Arithmetic {
        operator: ArithmeticOperator,
        left: Box<Term>,
        right: Box<Term>,
    },
    Negate(Box<Term>),
}

impl fmt::Display for Term {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Term::Literal(literal) => write!(formatter, "{literal}"),
            Term::Null => formatter.write_str("NULL"),
            Term::BindMarker(marker) => write!(formatter, "{marker}"),
            Term::List(elements) => {
                formatter.write_str("[")?;
                write_list(formatter, elements, ", ")?;
                formatter.write_str("]")
            }
            Term::Set(elements) => {
                formatter.write_str("{")?;
                write_list(formatter, elements, ", ")?;
                formatter.write_str("}")
            }
            Term::Map(entries) => {
                formatter.write_str("{")?;
                write_list(
                    formatter,
                    entries.iter().map(|(key, value)| format!("{key}: {value}")),
                    ", ",
                )?;
                formatter.write_str("}")
            }
            Term::Tuple(elements) => {
                formatter.write_str("(")?;
                write_list(formatter, elements, ", ")?;
                formatter.write_str(")")
            }
            Term::UserType(fields) => {
                formatter.write_str("{")?;
                write_list(
                    formatter,
                    fields
                        .iter()
                        .map(|(name, value)| format!("{}: {value}", Identifier(name))),
                    ", ",
                )?;
                formatter.write_str("}")
            }
            Term::FunctionCall { name, arguments } => {
                write!(formatter, "{name}(")?;
                write_list(formatter, arguments, ", ")?;
                formatter.write_str(")")
            }
            Term::TypeHint { target, term } => write!(formatter, "({target}) {term}"),
            // The parser builds left-associative trees whose right operands bind
            // tighter, so rendering without parentheses reads back the same tree
            // (terms have no grouping parentheses: `(x)` is a tuple).
            Term::Arithmetic {
                operator,
                left,
                right,
            } => write!(formatter, "{left} {} {right}", operator.symbol()),
            Term::Negate(term) => write!(formatter, "- {term}"),
        }
    }
}

/// CQL type syntax as written, frozenness kept at every level so execution can
/// reject non-frozen nested collections the way Cassandra does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CqlType {
    /// A native type (never a collection, tuple, UDT or vector).
    Native(ColumnType),
    List(Box<CqlType>),
    Set(Box<CqlType>),
    Map(Box<CqlType>, Box<CqlType>),
    Tuple(Vec<CqlType>),
    Vector {
        element: Box<CqlType>,
        dimension: u32,
    },
    Frozen(Box<CqlType>),
    /// A user-defined type, resolved against the schema by execution.
    UserDefined(QualifiedName),
    /// `'java.class.Name'`.
    Custom(String),
}

impl CqlType {
    /// The protocol's type with frozenness of the outer level; nested levels
    /// lose it because the wire descriptor has no room for it.
    pub fn to_parsed(&self) -> ParsedCqlType {
        match self {
            CqlType::Frozen(inner) => ParsedCqlType {
                column_type: inner.to_column_type(),
                frozen: true,
            },
            other => ParsedCqlType {
                column_type: other.to_column_type(),
                frozen: false,
            },
        }
    }

    pub fn to_column_type(&self) -> ColumnType {
        let boxed = |inner: &CqlType| Box::new(inner.to_column_type());
        match self {
            CqlType::Native(native) => native.clone(),
            CqlType::List(element) => ColumnType::List(boxed(element)),
            CqlType::Set(element) => ColumnType::Set(boxed(element)),
            CqlType::Map(key, value) => ColumnType::Map(boxed(key), boxed(value)),
            CqlType::Tuple(elements) => {
                ColumnType::Tuple(elements.iter().map(CqlType::to_column_type).collect())
            }
            CqlType::Vector { element, dimension } => ColumnType::Vector {
                element: boxed(element),
                dimension: *dimension,
            },
            CqlType::Frozen(inner) => inner.to_column_type(),
            CqlType::UserDefined(name) => ColumnType::Udt {
                keyspace: name.keyspace.clone().unwrap_or_default(),
                name: name.name.clone(),
                fields: Vec::new(),
            },
            CqlType::Custom(class) => ColumnType::from_custom_class(class),
        }
    }

    /// True if the outermost level is `frozen<...>`.
    pub fn is_frozen(&self) -> bool {
        matches!(self, CqlType::Frozen(_))
    }
}

impl fmt::Display for CqlType {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CqlType::Native(native) => formatter.write_str(&native.cql_name()),
            CqlType::List(element) => write!(formatter, "list<{element}>"),
            CqlType::Set(element) => write!(formatter, "set<{element}>"),
            CqlType::Map(key, value) => write!(formatter, "map<{key}, {value}>"),
            CqlType::Tuple(elements) => {
                formatter.write_str("tuple<")?;
                write_list(formatter, elements, ", ")?;
                formatter.write_str(">")
            }
            CqlType::Vector { element, dimension } => {
                write!(formatter, "vector<{element}, {dimension}>")
            }
            CqlType::Frozen(inner) => write!(formatter, "frozen<{inner}>"),
            CqlType::UserDefined(name) => write!(formatter, "{name}"),
            CqlType::Custom(class) => write!(formatter, "{}", StringLiteral(class)),
        }
    }
}
