//! User-defined functions and aggregates, and triggers.

use super::ddl_keyspace::schema;
use super::{ParseResult, Parser};
use crate::cql3::ast::{CqlType, SchemaStatement, Statement};
use crate::cql3::lexer::TokenKind;

impl Parser<'_> {
    /// After CREATE: `[OR REPLACE] FUNCTION ...` or `[OR REPLACE] AGGREGATE ...`.
    pub(crate) fn create_function_or_aggregate(&mut self) -> ParseResult<Statement> {
        let or_replace = self.accept_keyword("or");
        if or_replace {
            self.expect_keyword("replace")?;
        }
        if self.accept_keyword("aggregate") {
            return self.create_aggregate(or_replace);
        }
        self.expect_keyword("function")?;
        let if_not_exists = self.accept_if_not_exists()?;
        let name = self.function_name()?;
        self.expect_symbol("(")?;
        let mut arguments = Vec::new();
        if !self.accept_symbol(")") {
            loop {
                let argument = self.identifier()?;
                arguments.push((argument, self.cql_type()?));
                if !self.accept_symbol(",") {
                    break;
                }
            }
            self.expect_symbol(")")?;
        }
        let called_on_null_input = if self.accept_keyword("called") {
            true
        } else {
            self.expect_keyword("returns")?;
            self.expect_keyword("null")?;
            false
        };
        self.expect_keyword("on")?;
        self.expect_keyword("null")?;
        self.expect_keyword("input")?;
        self.expect_keyword("returns")?;
        let return_type = self.cql_type()?;
        self.expect_keyword("language")?;
        let language = self.identifier()?;
        self.expect_keyword("as")?;
        if self.peek().kind != TokenKind::String {
            return Err(self.mismatched("STRING_LITERAL"));
        }
        let body = self.advance().text;
        Ok(schema(SchemaStatement::CreateFunction {
            or_replace,
            if_not_exists,
            name,
            arguments,
            called_on_null_input,
            return_type,
            language,
            body,
        }))
    }

    fn create_aggregate(&mut self, or_replace: bool) -> ParseResult<Statement> {
        let if_not_exists = self.accept_if_not_exists()?;
        let name = self.function_name()?;
        let argument_types = self.type_list()?;
        self.expect_keyword("sfunc")?;
        let state_function = self.function_name()?.name;
        self.expect_keyword("stype")?;
        let state_type = self.cql_type()?;
        let final_function = if self.accept_keyword("finalfunc") {
            Some(self.function_name()?.name)
        } else {
            None
        };
        let initial_condition = if self.accept_keyword("initcond") {
            Some(self.term()?)
        } else {
            None
        };
        Ok(schema(SchemaStatement::CreateAggregate {
            or_replace,
            if_not_exists,
            name,
            argument_types,
            state_function,
            state_type,
            final_function,
            initial_condition,
        }))
    }

    /// `(type, ...)`, possibly empty.
    pub(crate) fn type_list(&mut self) -> ParseResult<Vec<CqlType>> {
        self.expect_symbol("(")?;
        let mut types = Vec::new();
        if self.accept_symbol(")") {
            return Ok(types);
        }
        types.push(self.cql_type()?);
        while self.accept_symbol(",") {
            types.push(self.cql_type()?);
        }
        self.expect_symbol(")")?;
        Ok(types)
    }

    pub(crate) fn drop_function_or_aggregate(&mut self) -> ParseResult<Statement> {
        let aggregate = self.accept_keyword("aggregate");
        if !aggregate {
            self.expect_keyword("function")?;
        }
        let if_exists = self.accept_if_exists()?;
        let name = self.function_name()?;
        let argument_types = if self.at_symbol("(") {
            Some(self.type_list()?)
        } else {
            None
        };
        Ok(schema(if aggregate {
            SchemaStatement::DropAggregate {
                name,
                if_exists,
                argument_types,
            }
        } else {
            SchemaStatement::DropFunction {
                name,
                if_exists,
                argument_types,
            }
        }))
    }

    pub(crate) fn create_trigger(&mut self) -> ParseResult<Statement> {
        self.expect_keyword("trigger")?;
        let if_not_exists = self.accept_if_not_exists()?;
        let name = self.identifier()?;
        self.expect_keyword("on")?;
        let table = self.qualified_name()?;
        self.expect_keyword("using")?;
        if self.peek().kind != TokenKind::String {
            return Err(self.mismatched("STRING_LITERAL"));
        }
        let class = self.advance().text;
        Ok(schema(SchemaStatement::CreateTrigger {
            name,
            if_not_exists,
            table,
            class,
        }))
    }

    pub(crate) fn drop_trigger(&mut self) -> ParseResult<Statement> {
        self.expect_keyword("trigger")?;
        let if_exists = self.accept_if_exists()?;
        let name = self.identifier()?;
        self.expect_keyword("on")?;
        let table = self.qualified_name()?;
        Ok(schema(SchemaStatement::DropTrigger {
            name,
            if_exists,
            table,
        }))
    }
}

#[cfg(test)]
mod tests {
    use crate::cql3::ast::{SchemaStatement, Statement};
    use crate::cql3::parser::parse_statement;

    fn schema(text: &str) -> SchemaStatement {
        match parse_statement(text).unwrap_or_else(|error| panic!("{text}: {error}")) {
            Statement::Schema(schema) => *schema,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn functions() {
        let parsed = schema(
            "CREATE OR REPLACE FUNCTION ks.fadd(a int, b int) CALLED ON NULL INPUT RETURNS int \
             LANGUAGE java AS $$ return a + b; $$",
        );
        let SchemaStatement::CreateFunction {
            or_replace,
            arguments,
            called_on_null_input,
            language,
            body,
            ..
        } = parsed
        else {
            panic!("function")
        };
        assert!(or_replace && called_on_null_input);
        assert_eq!(arguments.len(), 2);
        assert_eq!(language, "java");
        assert_eq!(body, " return a + b; ");
        assert!(matches!(
            schema(
                "CREATE FUNCTION IF NOT EXISTS f() RETURNS NULL ON NULL INPUT RETURNS text LANGUAGE javascript AS 'x'"
            ),
            SchemaStatement::CreateFunction {
                called_on_null_input: false,
                if_not_exists: true,
                ..
            }
        ));
        assert!(matches!(
            schema("DROP FUNCTION IF EXISTS ks.f(int, text)"),
            SchemaStatement::DropFunction { argument_types: Some(types), .. } if types.len() == 2
        ));
        assert!(matches!(
            schema("DROP FUNCTION f"),
            SchemaStatement::DropFunction {
                argument_types: None,
                ..
            }
        ));
    }

    #[test]
    fn aggregates_and_triggers() {
        let parsed = schema(
            "CREATE AGGREGATE IF NOT EXISTS ks.average(int) SFUNC avg_state STYPE tuple<int, bigint> \
             FINALFUNC avg_final INITCOND (0, 0)",
        );
        assert!(matches!(
            parsed,
            SchemaStatement::CreateAggregate {
                final_function: Some(_),
                initial_condition: Some(_),
                ..
            }
        ));
        assert!(matches!(
            schema("DROP AGGREGATE average(int)"),
            SchemaStatement::DropAggregate { .. }
        ));
        assert!(matches!(
            schema("CREATE TRIGGER IF NOT EXISTS trig ON ks.t USING 'org.Trigger'"),
            SchemaStatement::CreateTrigger { .. }
        ));
        assert!(matches!(
            schema("DROP TRIGGER trig ON t"),
            SchemaStatement::DropTrigger { .. }
        ));
    }

    #[test]
    fn rejections() {
        for bad in [
            "CREATE FUNCTION f(a int) RETURNS int LANGUAGE java AS 'x'",
            "CREATE FUNCTION f(a) CALLED ON NULL INPUT RETURNS int LANGUAGE java AS 'x'",
            "CREATE FUNCTION f(a int) CALLED ON NULL INPUT RETURNS int LANGUAGE java AS x",
            "CREATE OR FUNCTION f() CALLED ON NULL INPUT RETURNS int LANGUAGE java AS 'x'",
            "CREATE AGGREGATE a(int) STYPE int",
            "CREATE TRIGGER t ON x",
        ] {
            assert!(parse_statement(bad).is_err(), "{bad}");
        }
    }
}
