//! CREATE / ALTER / DROP KEYSPACE, and the `name = value AND ...` property
//! lists that every WITH clause uses.

use super::{ParseResult, Parser};
use crate::cql3::ast::{Property, PropertyValue, SchemaStatement, Statement, Term};
use crate::cql3::lexer::{TokenKind, is_reserved_keyword};
use crate::cql3::parser::term::constant_of;

impl Parser<'_> {
    pub(crate) fn create_keyspace(&mut self) -> ParseResult<Statement> {
        self.keyspace_keyword()?;
        let if_not_exists = self.accept_if_not_exists()?;
        let name = self.identifier()?;
        self.expect_keyword("with")?;
        let properties = self.properties()?;
        Ok(schema(SchemaStatement::CreateKeyspace {
            name,
            if_not_exists,
            properties,
        }))
    }

    pub(crate) fn alter_keyspace(&mut self) -> ParseResult<Statement> {
        self.keyspace_keyword()?;
        let if_exists = self.accept_if_exists()?;
        let name = self.identifier()?;
        self.expect_keyword("with")?;
        let properties = self.properties()?;
        Ok(schema(SchemaStatement::AlterKeyspace {
            name,
            if_exists,
            properties,
        }))
    }

    pub(crate) fn drop_keyspace(&mut self) -> ParseResult<Statement> {
        self.keyspace_keyword()?;
        let if_exists = self.accept_if_exists()?;
        let name = self.identifier()?;
        Ok(schema(SchemaStatement::DropKeyspace { name, if_exists }))
    }

    /// `KEYSPACE` or its synonym `SCHEMA`.
    fn keyspace_keyword(&mut self) -> ParseResult<()> {
        if self.accept_keyword("schema") {
            return Ok(());
        }
        self.expect_keyword("keyspace")
    }

    /// property (`AND` property)*.
    pub(crate) fn properties(&mut self) -> ParseResult<Vec<Property>> {
        let mut properties = vec![self.property()?];
        while self.accept_keyword("and") {
            properties.push(self.property()?);
        }
        Ok(properties)
    }

    pub(crate) fn property(&mut self) -> ParseResult<Property> {
        let name = self.identifier()?;
        self.expect_symbol("=")?;
        let value = self.property_value()?;
        Ok(Property { name, value })
    }

    fn property_value(&mut self) -> ParseResult<PropertyValue> {
        if let Some(literal) = constant_of(self.peek()) {
            self.advance();
            return Ok(PropertyValue::Constant(literal));
        }
        let token = self.peek();
        if token.kind == TokenKind::Word && !is_reserved_keyword(&token.text) {
            return Ok(PropertyValue::Keyword(
                self.advance().text.to_ascii_lowercase(),
            ));
        }
        if self.at_symbol("{") {
            return match self.term()? {
                Term::Map(entries) => Ok(PropertyValue::Map(entries)),
                Term::Set(elements) if elements.is_empty() => Ok(PropertyValue::Map(Vec::new())),
                _ => Err(self.error_here("expected a map literal")),
            };
        }
        Err(self.no_viable())
    }
}

pub(crate) fn schema(statement: SchemaStatement) -> Statement {
    Statement::Schema(Box::new(statement))
}

#[cfg(test)]
mod tests {
    use crate::cql3::ast::{Literal, PropertyValue, SchemaStatement, Statement};
    use crate::cql3::parser::parse_statement;

    fn schema(text: &str) -> SchemaStatement {
        match parse_statement(text).unwrap_or_else(|error| panic!("{text}: {error}")) {
            Statement::Schema(schema) => *schema,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn create_alter_drop() {
        let parsed = schema(
            "CREATE KEYSPACE IF NOT EXISTS Ks WITH replication = {'class': 'SimpleStrategy', \
             'replication_factor': 1} AND durable_writes = false",
        );
        let SchemaStatement::CreateKeyspace {
            name,
            if_not_exists,
            properties,
        } = parsed
        else {
            panic!("create keyspace")
        };
        assert_eq!(name, "ks");
        assert!(if_not_exists);
        assert!(matches!(&properties[0].value, PropertyValue::Map(entries) if entries.len() == 2));
        assert_eq!(
            properties[1].value,
            PropertyValue::Constant(Literal::Boolean(false))
        );
        assert!(matches!(
            schema("ALTER KEYSPACE \"Ks\" WITH durable_writes = true"),
            SchemaStatement::AlterKeyspace { name, .. } if name == "Ks"
        ));
        assert!(matches!(
            schema(
                "CREATE SCHEMA s WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': 3}"
            ),
            SchemaStatement::CreateKeyspace { .. }
        ));
        assert!(matches!(
            schema("DROP KEYSPACE IF EXISTS ks;"),
            SchemaStatement::DropKeyspace {
                if_exists: true,
                ..
            }
        ));
    }

    #[test]
    fn rejections() {
        for bad in [
            "CREATE KEYSPACE ks",
            "CREATE KEYSPACE ks WITH",
            "CREATE KEYSPACE ks WITH replication {'class': 'x'}",
            "CREATE KEYSPACE ks WITH replication = {'class': 'x'",
            "CREATE KEYSPACE select WITH a = 1",
            "DROP KEYSPACE",
            "DROP KEYSPACE IF ks",
            "CREATE KEYSPACE ks WITH a = [1]",
        ] {
            assert!(parse_statement(bad).is_err(), "{bad}");
        }
    }
}
