//! CREATE / ALTER / DROP TABLE (also spelled COLUMNFAMILY), and the table
//! options and primary key syntax materialized views share.

use super::ddl_keyspace::schema;
use super::{ParseResult, Parser};
use crate::cql3::ast::{
    AlterTableAction, ColumnDefinition, OrderDirection, PrimaryKey, SchemaStatement, Statement,
    TableOptions,
};

impl Parser<'_> {
    /// `TABLE` or its synonym `COLUMNFAMILY`.
    pub(crate) fn table_keyword(&mut self) -> ParseResult<()> {
        if self.accept_keyword("columnfamily") {
            return Ok(());
        }
        self.expect_keyword("table")
    }

    pub(crate) fn create_table(&mut self) -> ParseResult<Statement> {
        self.table_keyword()?;
        let if_not_exists = self.accept_if_not_exists()?;
        let name = self.qualified_name()?;
        self.expect_symbol("(")?;
        let mut columns = Vec::new();
        let mut primary_key = None;
        loop {
            if self.at_keyword("primary") {
                self.advance();
                self.expect_keyword("key")?;
                primary_key = Some(self.primary_key()?);
            } else {
                columns.push(self.column_definition(true)?);
            }
            if !self.accept_symbol(",") {
                break;
            }
            // Cassandra tolerates a trailing comma before the closing parenthesis.
            if self.at_symbol(")") {
                break;
            }
        }
        self.expect_symbol(")")?;
        let options = self.table_options()?;
        Ok(schema(SchemaStatement::CreateTable {
            name,
            if_not_exists,
            columns,
            primary_key,
            options,
        }))
    }

    /// `name type [STATIC] [PRIMARY KEY]` (PRIMARY KEY only in CREATE TABLE).
    fn column_definition(&mut self, allow_primary_key: bool) -> ParseResult<ColumnDefinition> {
        let name = self.identifier()?;
        let cql_type = self.cql_type()?;
        let is_static = self.accept_keyword("static");
        let is_primary_key = allow_primary_key && self.at_keyword("primary");
        if is_primary_key {
            self.advance();
            self.expect_keyword("key")?;
        }
        Ok(ColumnDefinition {
            name,
            cql_type,
            is_static,
            is_primary_key,
        })
    }

    /// `(pk, c1, c2)` or `((pk1, pk2), c1)`, after `PRIMARY KEY`.
    pub(crate) fn primary_key(&mut self) -> ParseResult<PrimaryKey> {
        self.expect_symbol("(")?;
        let partition_key = if self.at_symbol("(") {
            self.parenthesized_identifiers()?
        } else {
            vec![self.identifier()?]
        };
        let mut clustering_columns = Vec::new();
        while self.accept_symbol(",") {
            clustering_columns.push(self.identifier()?);
        }
        self.expect_symbol(")")?;
        Ok(PrimaryKey {
            partition_key,
            clustering_columns,
        })
    }

    /// `WITH option AND ...` where an option is a property, `CLUSTERING ORDER BY
    /// (c ASC, ...)` or `COMPACT STORAGE`; nothing if there is no WITH.
    pub(crate) fn table_options(&mut self) -> ParseResult<TableOptions> {
        let mut options = TableOptions::default();
        if !self.accept_keyword("with") {
            return Ok(options);
        }
        loop {
            if self.at_keyword("clustering") && self.peek_at(1).is_keyword("order") {
                self.advance();
                self.advance();
                self.expect_keyword("by")?;
                self.expect_symbol("(")?;
                loop {
                    let column = self.identifier()?;
                    let direction = if self.accept_keyword("desc") {
                        OrderDirection::Descending
                    } else {
                        self.accept_keyword("asc");
                        OrderDirection::Ascending
                    };
                    options.clustering_order.push((column, direction));
                    if !self.accept_symbol(",") {
                        break;
                    }
                }
                self.expect_symbol(")")?;
            } else if self.at_keyword("compact") && self.peek_at(1).is_keyword("storage") {
                self.advance();
                self.advance();
                options.compact_storage = true;
            } else {
                options.properties.push(self.property()?);
            }
            if !self.accept_keyword("and") {
                return Ok(options);
            }
        }
    }

    pub(crate) fn alter_table(&mut self) -> ParseResult<Statement> {
        self.table_keyword()?;
        let if_exists = self.accept_if_exists()?;
        let name = self.qualified_name()?;
        let action = if self.accept_keyword("add") {
            let if_not_exists = self.accept_if_not_exists()?;
            let columns = if self.accept_symbol("(") {
                let mut columns = vec![self.column_definition(false)?];
                while self.accept_symbol(",") {
                    columns.push(self.column_definition(false)?);
                }
                self.expect_symbol(")")?;
                columns
            } else {
                vec![self.column_definition(false)?]
            };
            AlterTableAction::AddColumns {
                if_not_exists,
                columns,
            }
        } else if self.accept_keyword("drop") {
            if self.at_keyword("compact") && self.peek_at(1).is_keyword("storage") {
                self.advance();
                self.advance();
                AlterTableAction::DropCompactStorage
            } else {
                let if_exists = self.accept_if_exists()?;
                let columns = if self.at_symbol("(") {
                    self.parenthesized_identifiers()?
                } else {
                    vec![self.identifier()?]
                };
                let timestamp = if self.accept_keyword("using") {
                    self.expect_keyword("timestamp")?;
                    Some(self.int_value()?)
                } else {
                    None
                };
                AlterTableAction::DropColumns {
                    if_exists,
                    columns,
                    timestamp,
                }
            }
        } else if self.accept_keyword("rename") {
            let if_exists = self.accept_if_exists()?;
            AlterTableAction::RenameColumns {
                if_exists,
                renames: self.renames()?,
            }
        } else if self.accept_keyword("with") {
            AlterTableAction::Options(self.properties()?)
        } else if self.accept_keyword("alter") {
            let column = self.identifier()?;
            self.expect_keyword("type")?;
            AlterTableAction::AlterColumnType {
                column,
                cql_type: self.cql_type()?,
            }
        } else {
            return Err(self.no_viable());
        };
        Ok(schema(SchemaStatement::AlterTable {
            name,
            if_exists,
            action,
        }))
    }

    /// `a TO b (AND c TO d)*`.
    pub(crate) fn renames(&mut self) -> ParseResult<Vec<(String, String)>> {
        let mut renames = Vec::new();
        loop {
            let from = self.identifier()?;
            self.expect_keyword("to")?;
            renames.push((from, self.identifier()?));
            if !self.accept_keyword("and") {
                return Ok(renames);
            }
        }
    }

    pub(crate) fn drop_table(&mut self) -> ParseResult<Statement> {
        self.table_keyword()?;
        let if_exists = self.accept_if_exists()?;
        let name = self.qualified_name()?;
        Ok(schema(SchemaStatement::DropTable { name, if_exists }))
    }
}

#[cfg(test)]
mod tests {
    use sibyl_protocol::types::ColumnType;

    use crate::cql3::ast::{AlterTableAction, CqlType, OrderDirection, SchemaStatement, Statement};
    use crate::cql3::parser::parse_statement;

    fn schema(text: &str) -> SchemaStatement {
        match parse_statement(text).unwrap_or_else(|error| panic!("{text}: {error}")) {
            Statement::Schema(schema) => *schema,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn create_table_with_everything() {
        let parsed = schema(
            "CREATE TABLE IF NOT EXISTS ks.t (a int, b text, c timeuuid, s set<text> STATIC, \
             m frozen<map<text, list<int>>>, tu tuple<int, text>, v vector<float, 3>, \
             addr ks.address, \"Mixed\" frozen<address>, PRIMARY KEY ((a, b), c)) \
             WITH CLUSTERING ORDER BY (c DESC) AND compaction = {'class': 'LeveledCompactionStrategy'} \
             AND comment = 'hi' AND gc_grace_seconds = 10 AND COMPACT STORAGE",
        );
        let SchemaStatement::CreateTable {
            columns,
            primary_key,
            options,
            ..
        } = parsed
        else {
            panic!("create table")
        };
        assert_eq!(columns.len(), 9);
        assert!(columns[3].is_static);
        assert!(columns[4].cql_type.is_frozen());
        assert_eq!(
            columns[6].cql_type,
            CqlType::Vector {
                element: Box::new(CqlType::Native(ColumnType::Float)),
                dimension: 3
            }
        );
        assert_eq!(
            columns[6].cql_type.to_parsed().column_type.cql_name(),
            "vector<float, 3>"
        );
        assert!(
            matches!(&columns[7].cql_type, CqlType::UserDefined(name) if name.keyspace.as_deref() == Some("ks"))
        );
        assert_eq!(columns[8].name, "Mixed");
        let primary_key = primary_key.expect("primary key clause");
        assert_eq!(primary_key.partition_key, vec!["a", "b"]);
        assert_eq!(primary_key.clustering_columns, vec!["c"]);
        assert_eq!(
            options.clustering_order,
            vec![("c".to_owned(), OrderDirection::Descending)]
        );
        assert_eq!(options.properties.len(), 3);
        assert!(options.compact_storage);
    }

    #[test]
    fn inline_primary_key_and_keyword_columns() {
        let parsed = schema(
            "CREATE COLUMNFAMILY t (key text PRIMARY KEY, type int, ttl int, count counter, \
             json text, list int, map int, date date, value blob,)",
        );
        let SchemaStatement::CreateTable {
            columns,
            primary_key,
            ..
        } = parsed
        else {
            panic!("create table")
        };
        assert!(columns[0].is_primary_key && primary_key.is_none());
        assert_eq!(columns.len(), 9);
    }

    #[test]
    fn alter_and_drop() {
        assert!(matches!(
            schema("ALTER TABLE t ADD IF NOT EXISTS c int"),
            SchemaStatement::AlterTable { action: AlterTableAction::AddColumns { if_not_exists: true, columns }, .. } if columns.len() == 1
        ));
        assert!(matches!(
            schema("ALTER TABLE IF EXISTS ks.t ADD (c int, d set<text> static)"),
            SchemaStatement::AlterTable { if_exists: true, action: AlterTableAction::AddColumns { columns, .. }, .. } if columns.len() == 2 && columns[1].is_static
        ));
        assert!(matches!(
            schema("ALTER TABLE t DROP IF EXISTS (c, d) USING TIMESTAMP 5"),
            SchemaStatement::AlterTable { action: AlterTableAction::DropColumns { if_exists: true, columns, timestamp: Some(_) }, .. } if columns.len() == 2
        ));
        assert!(matches!(
            schema("ALTER TABLE t DROP c"),
            SchemaStatement::AlterTable {
                action: AlterTableAction::DropColumns { .. },
                ..
            }
        ));
        assert!(matches!(
            schema("ALTER TABLE t ALTER a TYPE blob"),
            SchemaStatement::AlterTable {
                action: AlterTableAction::AlterColumnType { .. },
                ..
            }
        ));
        assert!(matches!(
            schema("ALTER TABLE t RENAME a TO b AND c TO d"),
            SchemaStatement::AlterTable { action: AlterTableAction::RenameColumns { renames, .. }, .. } if renames.len() == 2
        ));
        assert!(matches!(
            schema("ALTER TABLE t WITH comment = 'x' AND default_time_to_live = 0"),
            SchemaStatement::AlterTable { action: AlterTableAction::Options(properties), .. } if properties.len() == 2
        ));
        assert!(matches!(
            schema("ALTER TABLE t DROP COMPACT STORAGE"),
            SchemaStatement::AlterTable {
                action: AlterTableAction::DropCompactStorage,
                ..
            }
        ));
        assert!(matches!(
            schema("DROP TABLE IF EXISTS ks.t"),
            SchemaStatement::DropTable {
                if_exists: true,
                ..
            }
        ));
        assert!(matches!(
            parse_statement("TRUNCATE TABLE ks.t").expect("parses"),
            Statement::Truncate(_)
        ));
        assert!(matches!(
            parse_statement("TRUNCATE t").expect("parses"),
            Statement::Truncate(_)
        ));
    }

    #[test]
    fn rejections() {
        for bad in [
            "CREATE TABLE select (a int PRIMARY KEY)",
            "CREATE TABLE t (from int PRIMARY KEY)",
            "CREATE TABLE t (a int PRIMARY KEY",
            "CREATE TABLE t (a PRIMARY KEY)",
            "CREATE TABLE t (a int, PRIMARY KEY ())",
            "CREATE TABLE t (a map<int>, PRIMARY KEY (a))",
            "CREATE TABLE t (a vector<float, 0> PRIMARY KEY)",
            "CREATE TABLE t (a int PRIMARY KEY) WITH",
            "CREATE TABLE t (a int PRIMARY KEY) WITH CLUSTERING ORDER (a)",
            "CREATE TABLE t (a byte PRIMARY KEY)",
            "ALTER TABLE t",
            "ALTER TABLE t ADD",
            "ALTER TABLE t RENAME a b",
            "DROP TABLE",
        ] {
            assert!(parse_statement(bad).is_err(), "{bad}");
        }
    }
}
