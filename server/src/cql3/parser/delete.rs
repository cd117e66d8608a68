//! DELETE statements.

use super::{ParseResult, Parser};
use crate::cql3::ast::{DeleteStatement, DeleteTarget, Statement};

impl Parser<'_> {
    pub(crate) fn delete_statement(&mut self) -> ParseResult<Statement> {
        self.delete()
            .map(|delete| Statement::Delete(Box::new(delete)))
    }

    pub(crate) fn delete(&mut self) -> ParseResult<DeleteStatement> {
        self.expect_keyword("delete")?;
        let mut targets = Vec::new();
        if !self.at_keyword("from") {
            targets.push(self.delete_target()?);
            while self.accept_symbol(",") {
                targets.push(self.delete_target()?);
            }
        }
        self.expect_keyword("from")?;
        let table = self.qualified_name()?;
        let attributes = self.using_clause()?;
        self.expect_keyword("where")?;
        let relations = self.where_clause()?;
        let condition = self.condition()?;
        Ok(DeleteStatement {
            table,
            targets,
            attributes,
            relations,
            condition,
        })
    }

    fn delete_target(&mut self) -> ParseResult<DeleteTarget> {
        let column = self.identifier()?;
        if self.accept_symbol("[") {
            let key = self.term()?;
            self.expect_symbol("]")?;
            return Ok(DeleteTarget::Element { column, key });
        }
        if self.accept_symbol(".") {
            let field = self.identifier()?;
            return Ok(DeleteTarget::Field { column, field });
        }
        Ok(DeleteTarget::Column(column))
    }
}

#[cfg(test)]
mod tests {
    use crate::cql3::ast::{Condition, DeleteStatement, DeleteTarget, Statement};
    use crate::cql3::parser::parse_statement;

    fn delete(text: &str) -> DeleteStatement {
        match parse_statement(text).unwrap_or_else(|error| panic!("{text}: {error}")) {
            Statement::Delete(delete) => *delete,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn row_and_cell_deletes() {
        let parsed = delete("DELETE FROM ks.t WHERE k = 1");
        assert!(parsed.targets.is_empty());
        let parsed = delete("DELETE a, l[0], m['k'], u.f FROM t USING TIMESTAMP 10 WHERE k = 1");
        assert_eq!(parsed.targets.len(), 4);
        assert!(matches!(parsed.targets[1], DeleteTarget::Element { .. }));
        assert!(matches!(parsed.targets[3], DeleteTarget::Field { .. }));
        assert!(parsed.attributes.timestamp.is_some());
        let parsed = delete("DELETE FROM t WHERE k = 1 AND c > 2 AND c <= 5 IF EXISTS");
        assert_eq!(parsed.condition, Some(Condition::Exists));
        let parsed = delete("DELETE FROM t WHERE k IN (1, 2) IF a = 1 AND b > 2");
        assert!(matches!(parsed.condition, Some(Condition::Columns(c)) if c.len() == 2));
        delete("DELETE FROM t USING TIMEOUT 5s WHERE k = ?;");
    }

    #[test]
    fn rejections() {
        for bad in [
            "DELETE FROM t",
            "DELETE t WHERE k = 1",
            "DELETE a FROM WHERE k = 1",
            "DELETE a, FROM t WHERE k = 1",
            "DELETE FROM t WHERE k = 1 IF NOT EXISTS",
            "DELETE l[ FROM t WHERE k = 1",
        ] {
            assert!(parse_statement(bad).is_err(), "{bad}");
        }
    }
}
