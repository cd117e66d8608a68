//! Terms, constants and CQL types (`term`, `constant`, `comparatorType` in
//! `Parser.g`).

use sibyl_protocol::types::ColumnType;

use super::{ParseResult, Parser, is_identifier_token};
use crate::cql3::ast::{ArithmeticOperator, CqlType, Literal, QualifiedName, Term};
use crate::cql3::lexer::{Token, TokenKind, is_reserved_keyword};

const NATIVE_TYPES: &[(&str, ColumnType)] = &[
    ("ascii", ColumnType::Ascii),
    ("bigint", ColumnType::Bigint),
    ("blob", ColumnType::Blob),
    ("boolean", ColumnType::Boolean),
    ("counter", ColumnType::Counter),
    ("decimal", ColumnType::Decimal),
    ("double", ColumnType::Double),
    ("duration", ColumnType::Duration),
    ("float", ColumnType::Float),
    ("inet", ColumnType::Inet),
    ("int", ColumnType::Int),
    ("smallint", ColumnType::Smallint),
    ("text", ColumnType::Text),
    ("timestamp", ColumnType::Timestamp),
    ("tinyint", ColumnType::Tinyint),
    ("uuid", ColumnType::Uuid),
    ("varchar", ColumnType::Text),
    ("varint", ColumnType::Varint),
    ("timeuuid", ColumnType::Timeuuid),
    ("date", ColumnType::Date),
    ("time", ColumnType::Time),
];

/// Names Cassandra refuses for user types although they are not keywords.
const RESERVED_TYPE_NAMES: &[&str] = &[
    "byte",
    "complex",
    "enum",
    "date",
    "interval",
    "macaddr",
    "bitstring",
];

/// The literal a constant token stands for, if it is one.
pub(crate) fn constant_of(token: &Token) -> Option<Literal> {
    let text = token.text.clone();
    Some(match token.kind {
        TokenKind::String => Literal::String(text),
        TokenKind::Integer => Literal::Integer(text),
        TokenKind::Float => Literal::Float(text),
        TokenKind::Boolean => Literal::Boolean(text.eq_ignore_ascii_case("true")),
        TokenKind::Hex => Literal::Hex(text),
        TokenKind::Uuid => Literal::Uuid(text),
        TokenKind::Duration => Literal::Duration(text),
        TokenKind::Word if text.eq_ignore_ascii_case("nan") => Literal::Float("NaN".to_owned()),
        TokenKind::Word if text.eq_ignore_ascii_case("infinity") => {
            Literal::Float("Infinity".to_owned())
        }
        _ => return None,
    })
}

impl Parser<'_> {
    /// True if the token at `offset` can begin a term.
    pub(crate) fn can_start_term(&self, offset: usize) -> bool {
        let token = self.peek_at(offset);
        if constant_of(token).is_some() || token.kind == TokenKind::QuestionMark {
            return true;
        }
        if token.kind == TokenKind::Symbol {
            return matches!(token.text.as_str(), ":" | "[" | "{" | "(" | "-");
        }
        if token.is_keyword("null") {
            return true;
        }
        self.at_function_call(offset)
    }

    /// True if a function call (`name(` or `ks.name(`) starts at `offset`.
    pub(crate) fn at_function_call(&self, offset: usize) -> bool {
        let token = self.peek_at(offset);
        if !is_function_name_token(token) {
            return false;
        }
        let next = self.peek_at(offset + 1);
        if next.is_symbol("(") {
            return true;
        }
        next.is_symbol(".")
            && is_function_name_token(self.peek_at(offset + 2))
            && self.peek_at(offset + 3).is_symbol("(")
    }

    /// `(keyspace '.')? name` of a function; `token` and `count` are allowed.
    pub(crate) fn function_name(&mut self) -> ParseResult<QualifiedName> {
        let first = self.function_name_part()?;
        if self.accept_symbol(".") {
            let name = self.function_name_part()?;
            return Ok(QualifiedName {
                keyspace: Some(first),
                name,
            });
        }
        Ok(QualifiedName {
            keyspace: None,
            name: first,
        })
    }

    fn function_name_part(&mut self) -> ParseResult<String> {
        if is_function_name_token(self.peek()) {
            let token = self.advance();
            return Ok(match token.kind {
                TokenKind::QuotedName => token.text,
                _ => token.text.to_ascii_lowercase(),
            });
        }
        Err(self.no_viable())
    }

    /// `term`: additions of multiplications of (negated) simple terms.
    pub(crate) fn term(&mut self) -> ParseResult<Term> {
        self.nested(|parser| {
            let mut left = parser.term_multiplication()?;
            loop {
                let operator = if parser.at_symbol("+") {
                    ArithmeticOperator::Add
                } else if parser.at_symbol("-") {
                    ArithmeticOperator::Subtract
                } else {
                    break;
                };
                // `l = [1] + l` (list prepend): an identifier after the operator is
                // the assignment's column, not part of this term.
                if !parser.can_start_term(1) {
                    break;
                }
                parser.advance();
                let right = parser.term_multiplication()?;
                left = Term::Arithmetic {
                    operator,
                    left: Box::new(left),
                    right: Box::new(right),
                };
            }
            Ok(left)
        })
    }

    fn term_multiplication(&mut self) -> ParseResult<Term> {
        let mut left = self.term_group()?;
        loop {
            let operator = match self.peek().text.as_str() {
                "*" => ArithmeticOperator::Multiply,
                "/" => ArithmeticOperator::Divide,
                "%" => ArithmeticOperator::Remainder,
                _ => break,
            };
            if self.peek().kind != TokenKind::Symbol {
                break;
            }
            self.advance();
            let right = self.term_group()?;
            left = Term::Arithmetic {
                operator,
                left: Box::new(left),
                right: Box::new(right),
            };
        }
        Ok(left)
    }

    fn term_group(&mut self) -> ParseResult<Term> {
        if self.accept_symbol("-") {
            let term = self.nested(Self::simple_term)?;
            return Ok(Term::Negate(Box::new(term)));
        }
        self.simple_term()
    }

    /// A value, a function call or a type-hinted term.
    pub(crate) fn simple_term(&mut self) -> ParseResult<Term> {
        if let Some(literal) = constant_of(self.peek()) {
            self.advance();
            return Ok(Term::Literal(literal));
        }
        if let Some(marker) = self.accept_bind_marker()? {
            return Ok(Term::BindMarker(marker));
        }
        if self.accept_keyword("null") {
            return Ok(Term::Null);
        }
        if self.at_symbol("[") {
            return self.nested(Self::list_literal);
        }
        if self.at_symbol("{") {
            return self.nested(Self::brace_literal);
        }
        if self.at_symbol("(") {
            return self.nested(Self::parenthesized_term);
        }
        if self.at_function_call(0) {
            let name = self.function_name()?;
            self.expect_symbol("(")?;
            let mut arguments = Vec::new();
            if !self.accept_symbol(")") {
                arguments.push(self.term()?);
                while self.accept_symbol(",") {
                    arguments.push(self.term()?);
                }
                self.expect_symbol(")")?;
            }
            return Ok(Term::FunctionCall { name, arguments });
        }
        Err(self.no_viable())
    }

    fn list_literal(&mut self) -> ParseResult<Term> {
        self.expect_symbol("[")?;
        let mut elements = Vec::new();
        if !self.accept_symbol("]") {
            elements.push(self.term()?);
            while self.accept_symbol(",") {
                elements.push(self.term()?);
            }
            self.expect_symbol("]")?;
        }
        Ok(Term::List(elements))
    }

    /// `{}`, `{a, b}`, `{k: v}` or a user type literal `{field: v}`.
    fn brace_literal(&mut self) -> ParseResult<Term> {
        self.expect_symbol("{")?;
        if self.accept_symbol("}") {
            return Ok(Term::Set(Vec::new()));
        }
        if is_identifier_token(self.peek()) && self.peek_at(1).is_symbol(":") {
            let mut fields = Vec::new();
            loop {
                let field = self.identifier()?;
                self.expect_symbol(":")?;
                fields.push((field, self.term()?));
                if !self.accept_symbol(",") {
                    break;
                }
            }
            self.expect_symbol("}")?;
            return Ok(Term::UserType(fields));
        }
        let first = self.term()?;
        if self.accept_symbol(":") {
            let mut entries = vec![(first, self.term()?)];
            while self.accept_symbol(",") {
                let key = self.term()?;
                self.expect_symbol(":")?;
                entries.push((key, self.term()?));
            }
            self.expect_symbol("}")?;
            return Ok(Term::Map(entries));
        }
        let mut elements = vec![first];
        while self.accept_symbol(",") {
            elements.push(self.term()?);
        }
        self.expect_symbol("}")?;
        Ok(Term::Set(elements))
    }

    /// `(type) term` or a tuple literal `(a, b)`.
    fn parenthesized_term(&mut self) -> ParseResult<Term> {
        let checkpoint = self.checkpoint();
        self.expect_symbol("(")?;
        if let Ok(target) = self.cql_type()
            && self.accept_symbol(")")
            && self.can_start_term(0)
        {
            let term = self.simple_term()?;
            return Ok(Term::TypeHint {
                target,
                term: Box::new(term),
            });
        }
        self.restore(checkpoint);
        self.expect_symbol("(")?;
        let mut elements = vec![self.term()?];
        while self.accept_symbol(",") {
            elements.push(self.term()?);
        }
        self.expect_symbol(")")?;
        Ok(Term::Tuple(elements))
    }

    /// A CQL type (`comparatorType`).
    pub(crate) fn cql_type(&mut self) -> ParseResult<CqlType> {
        self.nested(Self::cql_type_inner)
    }

    fn cql_type_inner(&mut self) -> ParseResult<CqlType> {
        let token = self.peek().clone();
        if token.kind == TokenKind::String {
            self.advance();
            return Ok(CqlType::Custom(token.text));
        }
        if token.kind == TokenKind::Word {
            let lower = token.text.to_ascii_lowercase();
            if let Some((_, native)) = NATIVE_TYPES.iter().find(|(name, _)| *name == lower) {
                self.advance();
                return Ok(CqlType::Native(native.clone()));
            }
            let parameterized = matches!(
                lower.as_str(),
                "frozen" | "list" | "set" | "map" | "tuple" | "vector"
            );
            if parameterized && self.peek_at(1).is_symbol("<") {
                self.advance();
                self.advance();
                let result = match lower.as_str() {
                    "frozen" => CqlType::Frozen(Box::new(self.cql_type()?)),
                    "list" => CqlType::List(Box::new(self.cql_type()?)),
                    "set" => CqlType::Set(Box::new(self.cql_type()?)),
                    "map" => {
                        let key = self.cql_type()?;
                        self.expect_symbol(",")?;
                        CqlType::Map(Box::new(key), Box::new(self.cql_type()?))
                    }
                    "tuple" => {
                        let mut elements = vec![self.cql_type()?];
                        while self.accept_symbol(",") {
                            elements.push(self.cql_type()?);
                        }
                        CqlType::Tuple(elements)
                    }
                    _ => {
                        let element = self.cql_type()?;
                        self.expect_symbol(",")?;
                        let dimension = self.vector_dimension()?;
                        CqlType::Vector {
                            element: Box::new(element),
                            dimension,
                        }
                    }
                };
                self.expect_symbol(">")?;
                return Ok(result);
            }
        }
        self.user_type_name().map(CqlType::UserDefined)
    }

    fn vector_dimension(&mut self) -> ParseResult<u32> {
        if self.peek().kind != TokenKind::Integer {
            return Err(self.mismatched("INTEGER"));
        }
        match self.peek().text.parse::<u32>() {
            Ok(dimension) if dimension > 0 => {
                self.advance();
                Ok(dimension)
            }
            _ => Err(self.error_here("vector dimension must be a positive integer")),
        }
    }

    /// `(keyspace '.')? name` of a user type; a few names are refused.
    pub(crate) fn user_type_name(&mut self) -> ParseResult<QualifiedName> {
        let token = self.peek().clone();
        let name = self.qualified_name()?;
        if name.keyspace.is_none()
            && token.kind == TokenKind::Word
            && RESERVED_TYPE_NAMES.contains(&name.name.as_str())
        {
            self.position -= 1;
            let message = format!("Invalid (reserved) user type name {}", name.name);
            return Err(self.error_here(&message));
        }
        Ok(name)
    }

    /// An integer literal or a bind marker (`intValue`), e.g. for LIMIT and TTL.
    pub(crate) fn int_value(&mut self) -> ParseResult<Term> {
        if self.peek().kind == TokenKind::Integer {
            let token = self.advance();
            return Ok(Term::Literal(Literal::Integer(token.text)));
        }
        match self.accept_bind_marker()? {
            Some(marker) => Ok(Term::BindMarker(marker)),
            None => Err(self.mismatched("INTEGER")),
        }
    }

    /// A duration literal or bind marker, for `USING TIMEOUT`.
    pub(crate) fn duration_value(&mut self) -> ParseResult<Term> {
        if self.peek().kind == TokenKind::Duration {
            let token = self.advance();
            return Ok(Term::Literal(Literal::Duration(token.text)));
        }
        match self.accept_bind_marker()? {
            Some(marker) => Ok(Term::BindMarker(marker)),
            None => Err(self.mismatched("DURATION")),
        }
    }
}

/// Words usable as function names: identifiers plus `token` and `count`.
fn is_function_name_token(token: &Token) -> bool {
    match token.kind {
        TokenKind::QuotedName => true,
        TokenKind::Word => !is_reserved_keyword(&token.text) || token.is_keyword("token"),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use crate::cql3::ast::{Literal, Statement, Term};
    use crate::cql3::parser::parse_statement;

    /// The value of `INSERT INTO t (a) VALUES (<text>)`.
    fn value(text: &str) -> Term {
        let statement = parse_statement(&format!("INSERT INTO t (a) VALUES ({text})"))
            .unwrap_or_else(|error| panic!("{text}: {error}"));
        let Statement::Insert(insert) = statement else {
            panic!("not an insert")
        };
        let crate::cql3::ast::InsertBody::Values { mut values, .. } = insert.body else {
            panic!("not VALUES")
        };
        values.remove(0)
    }

    #[test]
    fn constants() {
        assert_eq!(value("-12"), Term::Literal(Literal::Integer("-12".into())));
        assert_eq!(value("NaN"), Term::Literal(Literal::Float("NaN".into())));
        assert_eq!(
            value("-Infinity"),
            Term::Literal(Literal::Float("-Infinity".into()))
        );
        assert_eq!(
            value("infinity"),
            Term::Literal(Literal::Float("Infinity".into()))
        );
        assert_eq!(
            value("0x00ff"),
            Term::Literal(Literal::Hex("0x00ff".into()))
        );
        assert_eq!(value("false"), Term::Literal(Literal::Boolean(false)));
        assert_eq!(
            value("1h30m"),
            Term::Literal(Literal::Duration("1h30m".into()))
        );
        assert_eq!(value("null"), Term::Null);
    }

    #[test]
    fn collections_tuples_and_user_types() {
        assert_eq!(value("{}"), Term::Set(vec![]));
        assert!(matches!(value("{1: 'a', 2: 'b'}"), Term::Map(entries) if entries.len() == 2));
        assert!(matches!(value("{'x', 'y'}"), Term::Set(elements) if elements.len() == 2));
        assert!(matches!(value("[1, 2, 3]"), Term::List(elements) if elements.len() == 3));
        assert!(matches!(value("[]"), Term::List(elements) if elements.is_empty()));
        assert!(matches!(value("(1, 'a')"), Term::Tuple(elements) if elements.len() == 2));
        let Term::UserType(fields) = value("{street: 'x', \"Zip\": 1}") else {
            panic!("udt")
        };
        assert_eq!(fields[1].0, "Zip");
    }

    #[test]
    fn functions_hints_and_arithmetic() {
        assert!(
            matches!(value("now()"), Term::FunctionCall { arguments, .. } if arguments.is_empty())
        );
        let Term::FunctionCall { name, .. } = value("ks.f(1, ?)") else {
            panic!("call")
        };
        assert_eq!(name.keyspace.as_deref(), Some("ks"));
        assert!(matches!(value("(int) ?"), Term::TypeHint { .. }));
        assert!(matches!(value("(text) 'a'"), Term::TypeHint { .. }));
        assert_eq!(value("1 + 2 * 3").to_string(), "1 + 2 * 3");
        let Term::Arithmetic { right, .. } = value("1 + 2 * 3") else {
            panic!("arithmetic")
        };
        assert!(matches!(*right, Term::Arithmetic { .. }));
        assert!(matches!(value("- 5"), Term::Negate(_)));
        assert!(matches!(
            value("fromJson('[1]')"),
            Term::FunctionCall { .. }
        ));
    }

    #[test]
    fn rejects_bad_terms() {
        for bad in ["[1,", "{1: }", "(int)", "select", "1 +", "{a: 1,}"] {
            assert!(
                parse_statement(&format!("INSERT INTO t (a) VALUES ({bad})")).is_err(),
                "{bad}"
            );
        }
    }
}
