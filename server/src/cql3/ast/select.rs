//! SELECT: selectors, WHERE relations, ordering and limits.

use std::fmt;

use super::{
    ArithmeticOperator, BindMarker, CqlType, Identifier, QualifiedName, Span, Term,
    write_identifiers, write_list,
};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelectStatement {
    pub table: QualifiedName,
    pub json: bool,
    pub distinct: bool,
    pub selection: Selection,
    pub relations: Vec<Relation>,
    pub group_by: Vec<Selector>,
    pub order_by: Vec<OrderBy>,
    pub per_partition_limit: Option<Term>,
    pub limit: Option<Term>,
    pub allow_filtering: bool,
    /// ScyllaDB's `BYPASS CACHE`; accepted because Scylla-aware tools send it.
    pub bypass_cache: bool,
    /// ScyllaDB's `USING TIMEOUT <duration>` (a duration literal or a marker).
    pub timeout: Option<Term>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    /// `*`
    Wildcard,
    Items(Vec<SelectItem>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelectItem {
    pub selector: Selector,
    pub alias: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteTimeKind {
    WriteTime,
    MaxWriteTime,
    Ttl,
}

/// One selected expression (Cassandra 5.0's `unaliasedSelector`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selector {
    Column(String),
    /// A constant, `NULL` or bind marker used as a selector.
    Term(Term),
    FunctionCall {
        name: QualifiedName,
        arguments: Vec<Selector>,
    },
    /// `count(*)` (also `COUNT(*)`).
    CountAll,
    WriteTime {
        kind: WriteTimeKind,
        selector: Box<Selector>,
    },
    Cast {
        selector: Box<Selector>,
        target: CqlType,
    },
    Field {
        selector: Box<Selector>,
        field: String,
    },
    /// `m['k']`, `l[0]`, `s[e]`.
    Element {
        selector: Box<Selector>,
        key: Term,
    },
    /// `s[a..b]`, `s[..b]`, `s[a..]`.
    Slice {
        selector: Box<Selector>,
        from: Option<Term>,
        to: Option<Term>,
    },
    Arithmetic {
        operator: ArithmeticOperator,
        left: Box<Selector>,
        right: Box<Selector>,
    },
    Negate(Box<Selector>),
    TypeHint {
        target: CqlType,
        selector: Box<Selector>,
    },
    /// `(a, b)`; a single parenthesized selector is just that selector.
    Tuple(Vec<Selector>),
    List(Vec<Selector>),
    Set(Vec<Selector>),
    Map(Vec<(Selector, Selector)>),
    UserType(Vec<(String, Selector)>),
}

/// A WHERE restriction (also the IS NOT NULL list of materialized views).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relation {
    pub target: RelationTarget,
    pub operator: Operator,
    pub value: RelationValue,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RelationTarget {
    Column(String),
    /// `m['k'] = v`.
    MapElement {
        column: String,
        key: Term,
    },
    /// `token(a, b) > ?`.
    Token(Vec<String>),
    /// `(a, b) > (1, 2)`.
    Tuple(Vec<String>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RelationValue {
    Term(Term),
    /// `IN (a, b)`; for multi-column relations the elements are tuples or markers.
    InList(Vec<Term>),
    /// `IN ?` / `IN :name`: one marker for the whole list.
    InMarker(BindMarker),
    /// `BETWEEN a AND b`.
    Between(Term, Term),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    Equal,
    LessThan,
    LessThanOrEqual,
    GreaterThan,
    GreaterThanOrEqual,
    NotEqual,
    In,
    NotIn,
    Contains,
    ContainsKey,
    NotContains,
    NotContainsKey,
    Like,
    /// `IS NOT NULL` (value is [`Term::Null`]).
    IsNot,
    Between,
}

impl Operator {
    pub fn text(self) -> &'static str {
        match self {
            Operator::Equal => "=",
            Operator::LessThan => "<",
            Operator::LessThanOrEqual => "<=",
            Operator::GreaterThan => ">",
            Operator::GreaterThanOrEqual => ">=",
            Operator::NotEqual => "!=",
            Operator::In => "IN",
            Operator::NotIn => "NOT IN",
            Operator::Contains => "CONTAINS",
            Operator::ContainsKey => "CONTAINS KEY",
            Operator::NotContains => "NOT CONTAINS",
            Operator::NotContainsKey => "NOT CONTAINS KEY",
            Operator::Like => "LIKE",
            Operator::IsNot => "IS NOT",
            Operator::Between => "BETWEEN",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderDirection {
    Ascending,
    Descending,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Order {
    Direction(OrderDirection),
    /// `ORDER BY v ANN OF [..]` vector search.
    AnnOf(Term),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderBy {
    pub column: String,
    pub order: Order,
}

impl fmt::Display for SelectStatement {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("SELECT ")?;
        if self.json {
            formatter.write_str("JSON ")?;
        }
        if self.distinct {
            formatter.write_str("DISTINCT ")?;
        }
        write!(formatter, "{} FROM {}", self.selection, self.table)?;
        write_where(formatter, &self.relations)?;
        if !self.group_by.is_empty() {
            formatter.write_str(" GROUP BY ")?;
            write_list(formatter, &self.group_by, ", ")?;
        }
        if !self.order_by.is_empty() {
            formatter.write_str(" ORDER BY ")?;
            write_list(formatter, &self.order_by, ", ")?;
        }
        if let Some(limit) = &self.per_partition_limit {
            write!(formatter, " PER PARTITION LIMIT {limit}")?;
        }
        if let Some(limit) = &self.limit {
            write!(formatter, " LIMIT {limit}")?;
        }
        if self.allow_filtering {
            formatter.write_str(" ALLOW FILTERING")?;
        }
        if self.bypass_cache {
            formatter.write_str(" BYPASS CACHE")?;
        }
        if let Some(timeout) = &self.timeout {
            write!(formatter, " USING TIMEOUT {timeout}")?;
        }
        Ok(())
    }
}

/// Writes ` WHERE a AND b` when there are relations.
pub(crate) fn write_where(
    formatter: &mut fmt::Formatter<'_>,
    relations: &[Relation],
) -> fmt::Result {
    if relations.is_empty() {
        return Ok(());
    }
    formatter.write_str(" WHERE ")?;
    write_list(formatter, relations, " AND ")
}

impl fmt::Display for Selection {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Selection::Wildcard => formatter.write_str("*"),
            Selection::Items(items) => write_list(formatter, items, ", "),
        }
    }
}

impl fmt::Display for SelectItem {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{}", self.selector)?;
        if let Some(alias) = &self.alias {
            write!(formatter, " AS {}", Identifier(alias))?;
        }
        Ok(())
    }
}

impl fmt::Display for Selector {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Selector::Column(name) => write!(formatter, "{}", Identifier(name)),
            Selector::Term(term) => write!(formatter, "{term}"),
            Selector::FunctionCall { name, arguments } => {
                write!(formatter, "{name}(")?;
                write_list(formatter, arguments, ", ")?;
                formatter.write_str(")")
            }
            Selector::CountAll => formatter.write_str("count(*)"),
            Selector::WriteTime { kind, selector } => {
                let keyword = match kind {
                    WriteTimeKind::WriteTime => "WRITETIME",
                    WriteTimeKind::MaxWriteTime => "MAXWRITETIME",
                    WriteTimeKind::Ttl => "TTL",
                };
                write!(formatter, "{keyword}({selector})")
            }
            Selector::Cast { selector, target } => {
                write!(formatter, "CAST({selector} AS {target})")
            }
            Selector::Field { selector, field } => {
                write!(formatter, "{selector}.{}", Identifier(field))
            }
            Selector::Element { selector, key } => write!(formatter, "{selector}[{key}]"),
            Selector::Slice { selector, from, to } => {
                write!(formatter, "{selector}[")?;
                if let Some(from) = from {
                    write!(formatter, "{from}")?;
                }
                formatter.write_str("..")?;
                if let Some(to) = to {
                    write!(formatter, "{to}")?;
                }
                formatter.write_str("]")
            }
            // Parentheses around nested arithmetic keep the tree exact whatever
            // the precedence; the parser drops them again.
            Selector::Arithmetic {
                operator,
                left,
                right,
            } => {
                write_operand(formatter, left)?;
                write!(formatter, " {} ", operator.symbol())?;
                write_operand(formatter, right)
            }
            Selector::Negate(selector) => {
                formatter.write_str("- ")?;
                write_operand(formatter, selector)
            }
            Selector::TypeHint { target, selector } => {
                write!(formatter, "({target}) ")?;
                write_operand(formatter, selector)
            }
            Selector::Tuple(elements) => {
                formatter.write_str("(")?;
                write_list(formatter, elements, ", ")?;
                formatter.write_str(")")
            }
            Selector::List(elements) => {
                formatter.write_str("[")?;
                write_list(formatter, elements, ", ")?;
                formatter.write_str("]")
            }
            Selector::Set(elements) => {
                formatter.write_str("{")?;
                write_list(formatter, elements, ", ")?;
                formatter.write_str("}")
            }
            Selector::Map(entries) => {
                formatter.write_str("{")?;
                write_list(
                    formatter,
                    entries.iter().map(|(key, value)| format!("{key}: {value}")),
                    ", ",
                )?;
                formatter.write_str("}")
            }
            Selector::UserType(fields) => {
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
        }
    }
}

fn write_operand(formatter: &mut fmt::Formatter<'_>, selector: &Selector) -> fmt::Result {
    match selector {
        Selector::Arithmetic { .. } | Selector::Negate(_) | Selector::TypeHint { .. } => {
            write!(formatter, "({selector})")
        }
        other => write!(formatter, "{other}"),
    }
}

impl fmt::Display for Relation {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.target {
            RelationTarget::Column(name) => write!(formatter, "{}", Identifier(name))?,
            RelationTarget::MapElement { column, key } => {
                write!(formatter, "{}[{key}]", Identifier(column))?
            }
            RelationTarget::Token(columns) => {
                formatter.write_str("token(")?;
                write_identifiers(formatter, columns)?;
                formatter.write_str(")")?;
            }
            RelationTarget::Tuple(columns) => {
                formatter.write_str("(")?;
                write_identifiers(formatter, columns)?;
                formatter.write_str(")")?;
            }
        }
        write!(formatter, " {} {}", self.operator.text(), self.value)
    }
}

impl fmt::Display for RelationValue {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RelationValue::Term(term) => write!(formatter, "{term}"),
            RelationValue::InList(terms) => {
                formatter.write_str("(")?;
                write_list(formatter, terms, ", ")?;
                formatter.write_str(")")
            }
            RelationValue::InMarker(marker) => write!(formatter, "{marker}"),
            RelationValue::Between(low, high) => write!(formatter, "{low} AND {high}"),
        }
    }
}

impl fmt::Display for OrderBy {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{} ", Identifier(&self.column))?;
        match &self.order {
            Order::Direction(OrderDirection::Ascending) => formatter.write_str("ASC"),
            Order::Direction(OrderDirection::Descending) => formatter.write_str("DESC"),
            Order::AnnOf(vector) => write!(formatter, "ANN OF {vector}"),
        }
    }
}
