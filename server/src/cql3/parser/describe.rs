//! DESCRIBE / DESC statements (server-side since Cassandra 4.0).

use super::{ParseResult, Parser};
use crate::cql3::ast::{DescribeStatement, DescribeTarget, Statement};
use crate::cql3::lexer::TokenKind;

impl Parser<'_> {
    pub(crate) fn describe_statement(&mut self) -> ParseResult<Statement> {
        if !self.accept_keyword("describe") {
            self.expect_keyword("desc")?;
        }
        let keyword = self.peek().text.to_ascii_lowercase();
        let is_word = self.peek().kind == TokenKind::Word;
        let target = match keyword.as_str() {
            "cluster" if is_word => {
                self.advance();
                DescribeTarget::Cluster
            }
            "full" | "schema" if is_word => {
                let full = self.accept_keyword("full");
                self.expect_keyword("schema")?;
                DescribeTarget::Schema { full }
            }
            "keyspaces" if is_word => {
                self.advance();
                DescribeTarget::Keyspaces
            }
            "only" | "keyspace" if is_word => {
                let only = self.accept_keyword("only");
                self.expect_keyword("keyspace")?;
                let name = if self.at_identifier() {
                    Some(self.identifier()?)
                } else {
                    None
                };
                DescribeTarget::Keyspace { name, only }
            }
            "tables" | "columnfamilies" if is_word => {
                self.advance();
                DescribeTarget::Tables
            }
            "table" | "columnfamily" if is_word => {
                self.advance();
                DescribeTarget::Table(self.qualified_name()?)
            }
            "types" if is_word => {
                self.advance();
                DescribeTarget::Types
            }
            "functions" if is_word => {
                self.advance();
                DescribeTarget::Functions
            }
            "aggregates" if is_word => {
                self.advance();
                DescribeTarget::Aggregates
            }
            "index" if is_word => {
                self.advance();
                DescribeTarget::Index(self.qualified_name()?)
            }
            "materialized" if is_word => {
                self.advance();
                self.expect_keyword("view")?;
                DescribeTarget::MaterializedView(self.qualified_name()?)
            }
            // `type`, `function` and `aggregate` are unreserved, so
            // `DESCRIBE type` alone names an object called "type".
            "type" | "function" | "aggregate" if is_word && self.names_follow() => {
                self.advance();
                let name = if keyword == "type" {
                    self.user_type_name()?
                } else {
                    self.function_name()?
                };
                match keyword.as_str() {
                    "type" => DescribeTarget::Type(name),
                    "function" => DescribeTarget::Function(name),
                    _ => DescribeTarget::Aggregate(name),
                }
            }
            _ => DescribeTarget::Name(self.qualified_name()?),
        };
        let with_internals = self.accept_keyword("with");
        if with_internals {
            self.expect_keyword("internals")?;
        }
        Ok(Statement::Describe(DescribeStatement {
            target,
            with_internals,
        }))
    }

    /// True if an object name follows the current keyword.
    fn names_follow(&self) -> bool {
        super::is_identifier_token(self.peek_at(1)) || self.peek_at(1).is_keyword("token")
    }
}

#[cfg(test)]
mod tests {
    use crate::cql3::ast::{DescribeTarget, Statement};
    use crate::cql3::parser::parse_statement;

    fn target(text: &str) -> (DescribeTarget, bool) {
        match parse_statement(text).unwrap_or_else(|error| panic!("{text}: {error}")) {
            Statement::Describe(describe) => (describe.target, describe.with_internals),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn every_form() {
        assert_eq!(target("DESCRIBE CLUSTER").0, DescribeTarget::Cluster);
        assert_eq!(
            target("DESC SCHEMA").0,
            DescribeTarget::Schema { full: false }
        );
        assert_eq!(
            target("DESCRIBE FULL SCHEMA WITH INTERNALS"),
            (DescribeTarget::Schema { full: true }, true)
        );
        assert_eq!(target("DESC KEYSPACES").0, DescribeTarget::Keyspaces);
        assert_eq!(
            target("DESC KEYSPACE").0,
            DescribeTarget::Keyspace {
                name: None,
                only: false
            }
        );
        assert_eq!(
            target("DESCRIBE ONLY KEYSPACE ks;").0,
            DescribeTarget::Keyspace {
                name: Some("ks".into()),
                only: true
            }
        );
        assert_eq!(target("DESC TABLES").0, DescribeTarget::Tables);
        assert!(matches!(
            target("DESC TABLE ks.t").0,
            DescribeTarget::Table(_)
        ));
        assert!(matches!(
            target("DESC COLUMNFAMILY t").0,
            DescribeTarget::Table(_)
        ));
        assert_eq!(target("DESC TYPES").0, DescribeTarget::Types);
        assert!(matches!(
            target("DESC TYPE ks.address").0,
            DescribeTarget::Type(_)
        ));
        assert_eq!(target("DESC FUNCTIONS").0, DescribeTarget::Functions);
        assert!(matches!(
            target("DESC FUNCTION ks.f").0,
            DescribeTarget::Function(_)
        ));
        assert_eq!(target("DESC AGGREGATES").0, DescribeTarget::Aggregates);
        assert!(matches!(
            target("DESC AGGREGATE avg2").0,
            DescribeTarget::Aggregate(_)
        ));
        assert!(matches!(
            target("DESC INDEX ks.i").0,
            DescribeTarget::Index(_)
        ));
        assert!(matches!(
            target("DESC MATERIALIZED VIEW ks.mv").0,
            DescribeTarget::MaterializedView(_)
        ));
        assert!(
            matches!(target("DESCRIBE ks.t").0, DescribeTarget::Name(name) if name.keyspace.is_some())
        );
        assert!(
            matches!(target("DESCRIBE type").0, DescribeTarget::Name(name) if name.name == "type")
        );
    }

    #[test]
    fn rejections() {
        for bad in [
            "DESCRIBE",
            "DESC TABLE",
            "DESC MATERIALIZED ks.v",
            "DESC SCHEMA WITH",
            "DESC select",
        ] {
            assert!(parse_statement(bad).is_err(), "{bad}");
        }
    }
}
