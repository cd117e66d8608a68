//! CREATE / ALTER / DROP TYPE (user-defined types).

use super::ddl_keyspace::schema;
use super::{ParseResult, Parser};
use crate::cql3::ast::{AlterTypeAction, SchemaStatement, Statement};

impl Parser<'_> {
    pub(crate) fn create_type(&mut self) -> ParseResult<Statement> {
        self.expect_keyword("type")?;
        let if_not_exists = self.accept_if_not_exists()?;
        let name = self.user_type_name()?;
        self.expect_symbol("(")?;
        let mut fields = Vec::new();
        loop {
            let field = self.identifier()?;
            fields.push((field, self.cql_type()?));
            if !self.accept_symbol(",") {
                break;
            }
        }
        self.expect_symbol(")")?;
        Ok(schema(SchemaStatement::CreateType {
            name,
            if_not_exists,
            fields,
        }))
    }

    pub(crate) fn alter_type(&mut self) -> ParseResult<Statement> {
        self.expect_keyword("type")?;
        let if_exists = self.accept_if_exists()?;
        let name = self.user_type_name()?;
        let action = if self.accept_keyword("add") {
            let if_not_exists = self.accept_if_not_exists()?;
            let field = self.identifier()?;
            AlterTypeAction::AddField {
                if_not_exists,
                name: field,
                cql_type: self.cql_type()?,
            }
        } else if self.accept_keyword("rename") {
            let if_exists = self.accept_if_exists()?;
            AlterTypeAction::RenameFields {
                if_exists,
                renames: self.renames()?,
            }
        } else if self.accept_keyword("alter") {
            let field = self.identifier()?;
            self.expect_keyword("type")?;
            AlterTypeAction::AlterFieldType {
                field,
                cql_type: self.cql_type()?,
            }
        } else {
            return Err(self.no_viable());
        };
        Ok(schema(SchemaStatement::AlterType {
            name,
            if_exists,
            action,
        }))
    }

    pub(crate) fn drop_type(&mut self) -> ParseResult<Statement> {
        self.expect_keyword("type")?;
        let if_exists = self.accept_if_exists()?;
        let name = self.user_type_name()?;
        Ok(schema(SchemaStatement::DropType { name, if_exists }))
    }
}

#[cfg(test)]
mod tests {
    use crate::cql3::ast::{AlterTypeAction, SchemaStatement, Statement};
    use crate::cql3::parser::parse_statement;

    fn schema(text: &str) -> SchemaStatement {
        match parse_statement(text).unwrap_or_else(|error| panic!("{text}: {error}")) {
            Statement::Schema(schema) => *schema,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn create_alter_drop_type() {
        assert!(matches!(
            schema("CREATE TYPE IF NOT EXISTS ks.address (street text, zip int, tags frozen<set<text>>)"),
            SchemaStatement::CreateType { if_not_exists: true, fields, .. } if fields.len() == 3
        ));
        assert!(matches!(
            schema("ALTER TYPE address ADD IF NOT EXISTS country text"),
            SchemaStatement::AlterType {
                action: AlterTypeAction::AddField {
                    if_not_exists: true,
                    ..
                },
                ..
            }
        ));
        assert!(matches!(
            schema("ALTER TYPE IF EXISTS address RENAME IF EXISTS zip TO postcode AND street TO road"),
            SchemaStatement::AlterType { if_exists: true, action: AlterTypeAction::RenameFields { if_exists: true, renames }, .. } if renames.len() == 2
        ));
        assert!(matches!(
            schema("ALTER TYPE address ALTER zip TYPE text"),
            SchemaStatement::AlterType {
                action: AlterTypeAction::AlterFieldType { .. },
                ..
            }
        ));
        assert!(matches!(
            schema("DROP TYPE IF EXISTS ks.address"),
            SchemaStatement::DropType {
                if_exists: true,
                ..
            }
        ));
    }

    #[test]
    fn rejections() {
        for bad in [
            "CREATE TYPE t ()",
            "CREATE TYPE t (a)",
            "CREATE TYPE date (a int)",
            "CREATE TYPE t (a int,)",
            "ALTER TYPE t DROP a",
            "ALTER TYPE t ADD a",
            "DROP TYPE",
        ] {
            assert!(parse_statement(bad).is_err(), "{bad}");
        }
    }
}
