//! CQL type names as Cassandra prints them in `system_schema.columns.type`
//! (`map<text, frozen<list<int>>>`, `vector<float, 3>`) and a parser for them.
//!
//! Rendering: nested collections and UDTs are always `frozen<...>` (they cannot be
//! multi-cell); tuples are always `frozen<tuple<...>>`; vectors are never wrapped;
//! the top level is wrapped only when the caller says the column is frozen. UDT
//! names are double-quoted unless they are lower-case identifiers. Custom types
//! print as their quoted class name.
//!
//! Parsing accepts any case for native type names and keywords, any whitespace,
//! `frozen<...>` anywhere, and `'class.Name'` custom types. A name that is not a
//! native type is a UDT reference: `ColumnType::Udt` with no fields and the
//! keyspace given as `ks.name`, or empty; the caller resolves it from its schema.
//! Unquoted names are lower-cased and quoted ones kept, as CQL identifiers are.

use crate::error::DecodeError;
use crate::types::{ColumnType, MAX_NESTING_DEPTH};

/// A type parsed from CQL text, with whether its outermost level is frozen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedCqlType {
    pub column_type: ColumnType,
    pub frozen: bool,
}

const NATIVE_NAMES: &[(&str, ColumnType)] = &[
    ("ascii", ColumnType::Ascii),
    ("bigint", ColumnType::Bigint),
    ("blob", ColumnType::Blob),
    ("boolean", ColumnType::Boolean),
    ("counter", ColumnType::Counter),
    ("decimal", ColumnType::Decimal),
    ("double", ColumnType::Double),
    ("float", ColumnType::Float),
    ("int", ColumnType::Int),
    ("timestamp", ColumnType::Timestamp),
    ("uuid", ColumnType::Uuid),
    ("text", ColumnType::Text),
    ("varchar", ColumnType::Text),
    ("varint", ColumnType::Varint),
    ("timeuuid", ColumnType::Timeuuid),
    ("inet", ColumnType::Inet),
    ("date", ColumnType::Date),
    ("time", ColumnType::Time),
    ("smallint", ColumnType::Smallint),
    ("tinyint", ColumnType::Tinyint),
    ("duration", ColumnType::Duration),
];

impl ColumnType {
    /// The CQL name of a non-frozen column of this type: `list<int>`.
    pub fn cql_name(&self) -> String {
        let mut out = String::new();
        write_cql(self, false, &mut out);
        out
    }

    /// The CQL name of a frozen column of this type: `frozen<list<int>>`.
    pub fn cql_name_frozen(&self) -> String {
        let mut out = String::new();
        write_cql(self, true, &mut out);
        out
    }

    /// Parses CQL type text such as `frozen<map<text, int>>`; see the module docs.
    pub fn parse_cql(text: &str) -> Result<ParsedCqlType, DecodeError> {
        let mut parser = Parser { rest: text };
        let parsed = parser.parse_type(0)?;
        parser.rest = parser.rest.trim_start();
        if !parser.rest.is_empty() {
            return Err(parser.error("end of type"));
        }
        Ok(parsed)
    }
}

impl std::str::FromStr for ColumnType {
    type Err = DecodeError;

    /// Parses CQL type text, dropping whether the outer level was frozen.
    fn from_str(text: &str) -> Result<ColumnType, DecodeError> {
        ColumnType::parse_cql(text).map(|parsed| parsed.column_type)
    }
}

fn write_cql(column_type: &ColumnType, frozen: bool, out: &mut String) {
    if let Some((name, _)) = NATIVE_NAMES
        .iter()
        .find(|(_, native)| native == column_type)
    {
        out.push_str(name);
        return;
    }
    let wrap =
        (frozen && column_type.can_be_multi_cell()) || matches!(column_type, ColumnType::Tuple(_));
    if wrap {
        out.push_str("frozen<");
    }
    match column_type {
        ColumnType::Custom(class) => push_quoted(out, class, '\''),
        ColumnType::List(element) => push_generic(out, "list", &[element], None),
        ColumnType::Set(element) => push_generic(out, "set", &[element], None),
        ColumnType::Map(key, value) => push_generic(out, "map", &[key, value], None),
        ColumnType::Tuple(elements) => {
            push_generic(out, "tuple", &elements.iter().collect::<Vec<_>>(), None)
        }
        ColumnType::Vector { element, dimension } => {
            push_generic(out, "vector", &[element], Some(*dimension))
        }
        ColumnType::Udt { name, .. } => push_identifier(out, name),
        _ => {}
    }
    if wrap {
        out.push('>');
    }
}

fn push_generic(
    out: &mut String,
    keyword: &str,
    parameters: &[&ColumnType],
    dimension: Option<u32>,
) {
    out.push_str(keyword);
    out.push('<');
    for (index, parameter) in parameters.iter().enumerate() {
        if index > 0 {
            out.push_str(", ");
        }
        write_cql(parameter, true, out);
    }
    if let Some(dimension) = dimension {
        out.push_str(", ");
        out.push_str(&dimension.to_string());
    }
    out.push('>');
}

/// Writes an identifier bare if CQL would read it back unchanged, else quoted.
pub(crate) fn push_identifier(out: &mut String, name: &str) {
    let mut chars = name.chars();
    let bare = chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if bare {
        out.push_str(name);
    } else {
        push_quoted(out, name, '"');
    }
}

/// Quotes with `quote`, doubling the quote character inside, as CQL escapes it.
pub(crate) fn push_quoted(out: &mut String, text: &str, quote: char) {
    out.push(quote);
    for c in text.chars() {
        if c == quote {
            out.push(quote);
        }
        out.push(c);
    }
    out.push(quote);
}

struct Parser<'a> {
    rest: &'a str,
}

enum Token {
    Word(String),
    Quoted(String),
    Literal(String),
}

impl Parser<'_> {
    fn error(&self, expected: &str) -> DecodeError {
        DecodeError::Malformed(format!("CQL type: expected {expected} at {:?}", self.rest))
    }

    fn accept(&mut self, token: char) -> bool {
        self.rest = self.rest.trim_start();
        match self.rest.strip_prefix(token) {
            Some(rest) => {
                self.rest = rest;
                true
            }
            None => false,
        }
    }

    fn expect(&mut self, token: char) -> Result<(), DecodeError> {
        if self.accept(token) {
            Ok(())
        } else {
            Err(self.error(&format!("{token:?}")))
        }
    }

    /// A bare word, a `"quoted identifier"` or a `'string literal'`.
    fn token(&mut self) -> Result<Token, DecodeError> {
        self.rest = self.rest.trim_start();
        for (quote, make) in [
            ('"', Token::Quoted as fn(String) -> Token),
            ('\'', Token::Literal),
        ] {
            if self.rest.starts_with(quote) {
                return self.quoted(quote).map(make);
            }
        }
        let end = self
            .rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(self.rest.len());
        if end == 0 {
            return Err(self.error("a type"));
        }
        let (word, rest) = self.rest.split_at(end);
        self.rest = rest;
        Ok(Token::Word(word.to_owned()))
    }

    fn quoted(&mut self, quote: char) -> Result<String, DecodeError> {
        let mut chars = self.rest.char_indices().skip(1).peekable();
        let mut text = String::new();
        while let Some((at, c)) = chars.next() {
            if c == quote {
                if chars.peek().is_some_and(|(_, next)| *next == quote) {
                    chars.next();
                } else {
                    self.rest = self.rest.get(at + 1..).unwrap_or("");
                    return Ok(text);
                }
            }
            text.push(c);
        }
        Err(self.error("a closing quote"))
    }

    fn parse_type(&mut self, depth: usize) -> Result<ParsedCqlType, DecodeError> {
        if depth >= MAX_NESTING_DEPTH {
            return Err(DecodeError::TypeTooDeep);
        }
        let unfrozen = |column_type| ParsedCqlType {
            column_type,
            frozen: false,
        };
        let word = match self.token()? {
            Token::Literal(class) => return Ok(unfrozen(ColumnType::from_custom_class(&class))),
            Token::Quoted(name) => return self.udt_reference(name),
            Token::Word(word) => word,
        };
        let keyword = word.to_ascii_lowercase();
        if let Some((_, native)) = NATIVE_NAMES.iter().find(|(name, _)| *name == keyword) {
            return Ok(unfrozen(native.clone()));
        }
        if !matches!(
            keyword.as_str(),
            "frozen" | "list" | "set" | "map" | "tuple" | "vector"
        ) || !self.accept('<')
        {
            return self.udt_reference(keyword);
        }
        let nested = |parser: &mut Self| {
            parser
                .parse_type(depth + 1)
                .map(|p| Box::new(p.column_type))
        };
        let column_type = match keyword.as_str() {
            "frozen" => {
                let inner = *nested(self)?;
                self.expect('>')?;
                return Ok(ParsedCqlType {
                    column_type: inner,
                    frozen: true,
                });
            }
            "list" => ColumnType::List(nested(self)?),
            "set" => ColumnType::Set(nested(self)?),
            "map" => {
                let key = nested(self)?;
                self.expect(',')?;
                ColumnType::Map(key, nested(self)?)
            }
            "tuple" => {
                let mut elements = vec![*nested(self)?];
                while self.accept(',') {
                    elements.push(*nested(self)?);
                }
                ColumnType::Tuple(elements)
            }
            _ => {
                let element = nested(self)?;
                self.expect(',')?;
                let dimension = match self.token()? {
                    Token::Word(digits) => digits.parse::<u32>().ok().filter(|d| *d > 0),
                    _ => None,
                };
                let dimension = dimension.ok_or_else(|| self.error("a vector dimension"))?;
                ColumnType::Vector { element, dimension }
            }
        };
        self.expect('>')?;
        Ok(unfrozen(column_type))
    }

    /// `name` or `keyspace.name`, each part bare (lower-cased) or quoted.
    fn udt_reference(&mut self, first: String) -> Result<ParsedCqlType, DecodeError> {
        let (keyspace, name) = if self.accept('.') {
            let name = match self.token()? {
                Token::Word(word) => word.to_lowercase(),
                Token::Quoted(name) => name,
                Token::Literal(_) => return Err(self.error("a type name")),
            };
            (first, name)
        } else {
            (String::new(), first)
        };
        Ok(ParsedCqlType {
            column_type: ColumnType::Udt {
                keyspace,
                name,
                fields: Vec::new(),
            },
            frozen: false,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> ParsedCqlType {
        ColumnType::parse_cql(text).expect("parses")
    }

    fn udt(name: &str) -> ColumnType {
        ColumnType::Udt {
            keyspace: String::new(),
            name: name.to_owned(),
            fields: Vec::new(),
        }
    }

    #[test]
    fn renders_as_cassandra_prints_schema() {
        let map = ColumnType::Map(
            Box::new(ColumnType::Text),
            Box::new(ColumnType::List(Box::new(ColumnType::Int))),
        );
        assert_eq!(map.cql_name(), "map<text, frozen<list<int>>>");
        assert_eq!(
            map.cql_name_frozen(),
            "frozen<map<text, frozen<list<int>>>>"
        );
        let tuple = ColumnType::Tuple(vec![ColumnType::Int, ColumnType::Text]);
        assert_eq!(tuple.cql_name(), "frozen<tuple<int, text>>");
        let vector = ColumnType::Vector {
            element: Box::new(ColumnType::Float),
            dimension: 3,
        };
        assert_eq!(vector.cql_name_frozen(), "vector<float, 3>");
        assert_eq!(udt("Addr").cql_name_frozen(), "frozen<\"Addr\">");
        assert_eq!(udt("addr").cql_name(), "addr");
        assert_eq!(ColumnType::Custom("a.B".to_owned()).cql_name(), "'a.B'");
    }

    #[test]
    fn parses_frozen_whitespace_and_case() {
        let parsed = parse(" FROZEN < Map <TEXT,frozen<list< int >>> > ");
        assert!(parsed.frozen);
        assert_eq!(
            parsed.column_type.cql_name(),
            "map<text, frozen<list<int>>>"
        );
        assert_eq!(parse("varchar").column_type, ColumnType::Text);
        assert_eq!(
            parse("vector<float,3>").column_type,
            ColumnType::Vector {
                element: Box::new(ColumnType::Float),
                dimension: 3
            }
        );
    }

    #[test]
    fn udt_references_keep_quoted_case() {
        assert_eq!(parse("Address").column_type, udt("address"));
        assert_eq!(parse("\"Addr\"\"ess\"").column_type, udt("Addr\"ess"));
        assert_eq!(
            parse("ks.\"T\"").column_type,
            ColumnType::Udt {
                keyspace: "ks".to_owned(),
                name: "T".to_owned(),
                fields: Vec::new()
            }
        );
        let list_of_udt = parse("list<frozen<address>>").column_type;
        assert_eq!(list_of_udt, ColumnType::List(Box::new(udt("address"))));
    }

    #[test]
    fn custom_classes_parse() {
        assert_eq!(
            parse("'org.apache.cassandra.db.marshal.DurationType'").column_type,
            ColumnType::Duration
        );
        assert_eq!(
            parse("'com.example.T'").column_type,
            ColumnType::Custom("com.example.T".to_owned())
        );
    }

    #[test]
    fn rendering_round_trips_through_the_parser() {
        let column_type = ColumnType::Tuple(vec![
            ColumnType::Set(Box::new(udt("Weird Name"))),
            ColumnType::Vector {
                element: Box::new(ColumnType::Map(
                    Box::new(ColumnType::Int),
                    Box::new(ColumnType::Blob),
                )),
                dimension: 2,
            },
            ColumnType::Duration,
        ]);
        assert_eq!(
            parse(&column_type.cql_name()),
            ParsedCqlType {
                column_type,
                frozen: true
            }
        );
    }

    #[test]
    fn malformed_text_is_an_error() {
        for text in [
            "list<int",
            "map<int>",
            "vector<float, 0>",
            "vector<float, x>",
            "tuple<>",
            "",
            "int int",
            "'open",
            "list<>",
        ] {
            assert!(ColumnType::parse_cql(text).is_err(), "{text}");
        }
        let deep = "list<".repeat(100) + "int" + &">".repeat(100);
        assert_eq!(ColumnType::parse_cql(&deep), Err(DecodeError::TypeTooDeep));
    }
}
