//! CREATE [CUSTOM] INDEX (legacy and SAI) and DROP INDEX.

use super::ddl_keyspace::schema;
use super::{ParseResult, Parser};
use crate::cql3::ast::{IndexTarget, IndexTargetKind, SchemaStatement, Statement};
use crate::cql3::lexer::TokenKind;

impl Parser<'_> {
    pub(crate) fn create_index(&mut self) -> ParseResult<Statement> {
        let custom = self.accept_keyword("custom");
        self.expect_keyword("index")?;
        let if_not_exists = self.accept_if_not_exists()?;
        let name = if self.at_keyword("on") {
            None
        } else {
            Some(self.identifier()?)
        };
        self.expect_keyword("on")?;
        let table = self.qualified_name()?;
        self.expect_symbol("(")?;
        let mut targets = vec![self.index_target()?];
        while self.accept_symbol(",") {
            targets.push(self.index_target()?);
        }
        self.expect_symbol(")")?;
        let using = if self.accept_keyword("using") {
            if self.peek().kind != TokenKind::String {
                return Err(self.mismatched("STRING_LITERAL"));
            }
            Some(self.advance().text)
        } else {
            None
        };
        let properties = if self.accept_keyword("with") {
            self.properties()?
        } else {
            Vec::new()
        };
        Ok(schema(SchemaStatement::CreateIndex {
            name,
            table,
            if_not_exists,
            custom,
            targets,
            using,
            properties,
        }))
    }

    /// `col`, `keys(col)`, `values(col)`, `entries(col)` or `full(col)`.
    fn index_target(&mut self) -> ParseResult<IndexTarget> {
        let kind = if self.peek_at(1).is_symbol("(") {
            match self.peek().text.to_ascii_lowercase().as_str() {
                "keys" => Some(IndexTargetKind::Keys),
                "values" => Some(IndexTargetKind::Values),
                "entries" => Some(IndexTargetKind::Entries),
                "full" => Some(IndexTargetKind::Full),
                _ => None,
            }
        } else {
            None
        };
        let Some(kind) = kind.filter(|_| self.peek().kind == TokenKind::Word) else {
            return Ok(IndexTarget {
                column: self.identifier()?,
                kind: IndexTargetKind::Simple,
            });
        };
        self.advance();
        self.expect_symbol("(")?;
        let column = self.identifier()?;
        self.expect_symbol(")")?;
        Ok(IndexTarget { column, kind })
    }

    pub(crate) fn drop_index(&mut self) -> ParseResult<Statement> {
        self.expect_keyword("index")?;
        let if_exists = self.accept_if_exists()?;
        let name = self.qualified_name()?;
        Ok(schema(SchemaStatement::DropIndex { name, if_exists }))
    }
}

#[cfg(test)]
mod tests {
    use crate::cql3::ast::{IndexTargetKind, SchemaStatement, Statement};
    use crate::cql3::parser::parse_statement;

    fn schema(text: &str) -> SchemaStatement {
        match parse_statement(text).unwrap_or_else(|error| panic!("{text}: {error}")) {
            Statement::Schema(schema) => *schema,
            other => panic!("{other:?}"),
        }
    }

    fn target_kind(target: &str) -> IndexTargetKind {
        match schema(&format!("CREATE INDEX ON t ({target})")) {
            SchemaStatement::CreateIndex { targets, .. } => targets[0].kind,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn targets() {
        assert_eq!(target_kind("v"), IndexTargetKind::Simple);
        assert_eq!(target_kind("keys(m)"), IndexTargetKind::Keys);
        assert_eq!(target_kind("VALUES(m)"), IndexTargetKind::Values);
        assert_eq!(target_kind("entries(m)"), IndexTargetKind::Entries);
        assert_eq!(target_kind("full(l)"), IndexTargetKind::Full);
        assert_eq!(target_kind("keys"), IndexTargetKind::Simple);
    }

    #[test]
    fn sai_custom_and_drop() {
        let parsed = schema(
            "CREATE CUSTOM INDEX IF NOT EXISTS ann_idx ON ks.t (v) USING 'sai' \
             WITH OPTIONS = {'similarity_function': 'cosine'}",
        );
        let SchemaStatement::CreateIndex {
            name,
            custom,
            using,
            properties,
            if_not_exists,
            ..
        } = parsed
        else {
            panic!("index")
        };
        assert_eq!(name.as_deref(), Some("ann_idx"));
        assert!(custom && if_not_exists);
        assert_eq!(using.as_deref(), Some("sai"));
        assert_eq!(properties[0].name, "options");
        assert!(matches!(
            schema("CREATE INDEX i ON t (v) USING 'StorageAttachedIndex'"),
            SchemaStatement::CreateIndex { custom: false, .. }
        ));
        assert!(matches!(
            schema("DROP INDEX IF EXISTS ks.i"),
            SchemaStatement::DropIndex {
                if_exists: true,
                ..
            }
        ));
    }

    #[test]
    fn rejections() {
        for bad in [
            "CREATE INDEX ON t",
            "CREATE INDEX ON t ()",
            "CREATE INDEX i t (v)",
            "CREATE INDEX ON t (keys(m)",
            "CREATE INDEX ON t (v) USING sai",
            "DROP INDEX",
        ] {
            assert!(parse_statement(bad).is_err(), "{bad}");
        }
    }
}
