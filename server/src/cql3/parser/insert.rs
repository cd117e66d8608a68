//! INSERT statements and the `USING TTL/TIMESTAMP/TIMEOUT` clause shared by all
//! modification statements.

use super::{ParseResult, Parser};
use crate::cql3::ast::{Attributes, InsertBody, InsertStatement, Literal, Statement, Term};
use crate::cql3::lexer::TokenKind;

impl Parser<'_> {
    pub(crate) fn insert_statement(&mut self) -> ParseResult<Statement> {
        self.insert()
            .map(|insert| Statement::Insert(Box::new(insert)))
    }

    pub(crate) fn insert(&mut self) -> ParseResult<InsertStatement> {
        self.expect_keyword("insert")?;
        self.expect_keyword("into")?;
        let table = self.qualified_name()?;
        let body = if self.accept_keyword("json") {
            let value = if self.peek().kind == TokenKind::String {
                Term::Literal(Literal::String(self.advance().text))
            } else {
                match self.accept_bind_marker()? {
                    Some(marker) => Term::BindMarker(marker),
                    None => return Err(self.mismatched("STRING_LITERAL")),
                }
            };
            let mut default_unset = false;
            if self.accept_keyword("default") {
                if self.accept_keyword("unset") {
                    default_unset = true;
                } else if !self.accept_keyword("null") {
                    return Err(self.no_viable());
                }
            }
            InsertBody::Json {
                value,
                default_unset,
            }
        } else {
            let columns = self.parenthesized_identifiers()?;
            self.expect_keyword("values")?;
            self.expect_symbol("(")?;
            let mut values = vec![self.term()?];
            while self.accept_symbol(",") {
                values.push(self.term()?);
            }
            self.expect_symbol(")")?;
            InsertBody::Values { columns, values }
        };
        let if_not_exists = self.accept_if_not_exists()?;
        let attributes = self.using_clause()?;
        Ok(InsertStatement {
            table,
            body,
            if_not_exists,
            attributes,
        })
    }

    /// `USING TTL x AND TIMESTAMP y AND TIMEOUT z` in any order, or nothing.
    pub(crate) fn using_clause(&mut self) -> ParseResult<Attributes> {
        let mut attributes = Attributes::default();
        if !self.accept_keyword("using") {
            return Ok(attributes);
        }
        loop {
            if self.accept_keyword("ttl") {
                attributes.ttl = Some(self.int_value()?);
            } else if self.accept_keyword("timestamp") {
                attributes.timestamp = Some(self.int_value()?);
            } else if self.accept_keyword("timeout") {
                attributes.timeout = Some(self.duration_value()?);
            } else {
                return Err(self.no_viable());
            }
            if !self.accept_keyword("and") {
                return Ok(attributes);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::cql3::ast::{InsertBody, InsertStatement, Literal, Statement, Term};
    use crate::cql3::parser::{parse, parse_statement};

    fn insert(text: &str) -> InsertStatement {
        match parse_statement(text).unwrap_or_else(|error| panic!("{text}: {error}")) {
            Statement::Insert(insert) => *insert,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn values_with_every_using_combination() {
        let parsed = insert("INSERT INTO ks.t (a, b) VALUES (1, 'x')");
        assert!(parsed.attributes.is_empty() && !parsed.if_not_exists);
        let parsed = insert("INSERT INTO t (a, b) VALUES (?, ?)USING TTL 3600");
        assert_eq!(
            parsed.attributes.ttl,
            Some(Term::Literal(Literal::Integer("3600".into())))
        );
        let parsed = insert(
            "INSERT INTO t (a) VALUES (1) IF NOT EXISTS USING TTL 5 AND TIMESTAMP 123 AND TIMEOUT 1s",
        );
        assert!(parsed.if_not_exists);
        assert!(parsed.attributes.ttl.is_some());
        assert!(parsed.attributes.timestamp.is_some());
        assert!(parsed.attributes.timeout.is_some());
        let parsed = insert("INSERT INTO t (a) VALUES (1) USING TIMESTAMP ? AND TTL ?");
        assert!(
            matches!(parsed.attributes.timestamp, Some(Term::BindMarker(ref m)) if m.index == 0)
        );
        assert!(matches!(parsed.attributes.ttl, Some(Term::BindMarker(ref m)) if m.index == 1));
    }

    #[test]
    fn json_forms() {
        let parsed = insert("INSERT INTO t JSON '{\"a\": 1}'");
        assert!(matches!(
            parsed.body,
            InsertBody::Json {
                default_unset: false,
                ..
            }
        ));
        let parsed = insert("INSERT INTO t JSON ? DEFAULT UNSET IF NOT EXISTS");
        assert!(matches!(
            parsed.body,
            InsertBody::Json {
                default_unset: true,
                ..
            }
        ));
        let parsed = insert("INSERT INTO t JSON '{}' DEFAULT NULL USING TTL 1");
        assert!(matches!(
            parsed.body,
            InsertBody::Json {
                default_unset: false,
                ..
            }
        ));
    }

    #[test]
    fn markers_cover_values_then_attributes() {
        let parsed = parse("INSERT INTO t (a, b) VALUES (?, :b) USING TTL ?").expect("parses");
        assert_eq!(parsed.bind_markers.len(), 3);
        assert_eq!(parsed.bind_markers[1].name.as_deref(), Some("b"));
    }

    #[test]
    fn rejections() {
        for bad in [
            "INSERT t (a) VALUES (1)",
            "INSERT INTO t (a) VALUES ()",
            "INSERT INTO t (a) VALUE (1)",
            "INSERT INTO t VALUES (1)",
            "INSERT INTO t (a) VALUES (1) USING",
            "INSERT INTO t (a) VALUES (1) USING TTL 1 AND",
            "INSERT INTO t (a) VALUES (1) USING TTL 'x'",
            "INSERT INTO t (a) VALUES (1) IF EXISTS",
            "INSERT INTO t JSON",
            "INSERT INTO t JSON '{}' DEFAULT",
            "INSERT INTO t (a,) VALUES (1)",
        ] {
            assert!(parse_statement(bad).is_err(), "{bad}");
        }
    }
}
