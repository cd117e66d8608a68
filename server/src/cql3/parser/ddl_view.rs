//! CREATE / ALTER / DROP MATERIALIZED VIEW.

use super::ddl_keyspace::schema;
use super::{ParseResult, Parser};
use crate::cql3::ast::{SchemaStatement, Statement};

impl Parser<'_> {
    fn materialized_view_keywords(&mut self) -> ParseResult<()> {
        self.expect_keyword("materialized")?;
        self.expect_keyword("view")
    }

    pub(crate) fn create_view(&mut self) -> ParseResult<Statement> {
        self.materialized_view_keywords()?;
        let if_not_exists = self.accept_if_not_exists()?;
        let name = self.qualified_name()?;
        self.expect_keyword("as")?;
        self.expect_keyword("select")?;
        let selection = self.selection()?;
        self.expect_keyword("from")?;
        let base_table = self.qualified_name()?;
        let relations = if self.accept_keyword("where") {
            self.where_clause()?
        } else {
            Vec::new()
        };
        self.expect_keyword("primary")?;
        self.expect_keyword("key")?;
        let primary_key = self.primary_key()?;
        let options = self.table_options()?;
        Ok(schema(SchemaStatement::CreateMaterializedView {
            name,
            if_not_exists,
            selection,
            base_table,
            relations,
            primary_key,
            options,
        }))
    }

    pub(crate) fn alter_view(&mut self) -> ParseResult<Statement> {
        self.materialized_view_keywords()?;
        let if_exists = self.accept_if_exists()?;
        let name = self.qualified_name()?;
        self.expect_keyword("with")?;
        let properties = self.properties()?;
        Ok(schema(SchemaStatement::AlterMaterializedView {
            name,
            if_exists,
            properties,
        }))
    }

    pub(crate) fn drop_view(&mut self) -> ParseResult<Statement> {
        self.materialized_view_keywords()?;
        let if_exists = self.accept_if_exists()?;
        let name = self.qualified_name()?;
        Ok(schema(SchemaStatement::DropMaterializedView {
            name,
            if_exists,
        }))
    }
}

#[cfg(test)]
mod tests {
    use crate::cql3::ast::{Operator, SchemaStatement, Selection, Statement};
    use crate::cql3::parser::parse_statement;

    fn schema(text: &str) -> SchemaStatement {
        match parse_statement(text).unwrap_or_else(|error| panic!("{text}: {error}")) {
            Statement::Schema(schema) => *schema,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn create_view() {
        let parsed = schema(
            "CREATE MATERIALIZED VIEW IF NOT EXISTS ks.by_v AS SELECT * FROM ks.t \
             WHERE v IS NOT NULL AND k IS NOT NULL PRIMARY KEY (v, k) \
             WITH CLUSTERING ORDER BY (k DESC) AND comment = 'x'",
        );
        let SchemaStatement::CreateMaterializedView {
            selection,
            relations,
            primary_key,
            options,
            ..
        } = parsed
        else {
            panic!("view")
        };
        assert_eq!(selection, Selection::Wildcard);
        assert!(relations.iter().all(|r| r.operator == Operator::IsNot));
        assert_eq!(primary_key.partition_key, vec!["v"]);
        assert_eq!(options.clustering_order.len(), 1);
        assert!(matches!(
            schema(
                "CREATE MATERIALIZED VIEW mv AS SELECT a, b FROM t WHERE a IS NOT NULL AND b IS NOT NULL PRIMARY KEY ((a, b))"
            ),
            SchemaStatement::CreateMaterializedView { .. }
        ));
    }

    #[test]
    fn alter_drop_and_rejections() {
        assert!(matches!(
            schema("ALTER MATERIALIZED VIEW ks.mv WITH comment = 'y'"),
            SchemaStatement::AlterMaterializedView { .. }
        ));
        assert!(matches!(
            schema("DROP MATERIALIZED VIEW IF EXISTS mv"),
            SchemaStatement::DropMaterializedView {
                if_exists: true,
                ..
            }
        ));
        for bad in [
            "CREATE MATERIALIZED VIEW mv SELECT * FROM t PRIMARY KEY (a)",
            "CREATE MATERIALIZED VIEW mv AS SELECT * FROM t WHERE a IS NOT NULL",
            "CREATE VIEW mv AS SELECT * FROM t PRIMARY KEY (a)",
            "DROP MATERIALIZED mv",
        ] {
            assert!(parse_statement(bad).is_err(), "{bad}");
        }
    }
}
