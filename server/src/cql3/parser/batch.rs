//! BATCH statements: `BEGIN [UNLOGGED | COUNTER] BATCH [USING ...] ... APPLY BATCH`.

use super::{ParseResult, Parser};
use crate::cql3::ast::{BatchKind, BatchStatement, ModificationStatement, Statement};

impl Parser<'_> {
    pub(crate) fn batch_statement(&mut self) -> ParseResult<Statement> {
        self.expect_keyword("begin")?;
        let kind = if self.accept_keyword("unlogged") {
            BatchKind::Unlogged
        } else if self.accept_keyword("counter") {
            BatchKind::Counter
        } else {
            BatchKind::Logged
        };
        self.expect_keyword("batch")?;
        let attributes = self.using_clause()?;
        let mut statements = Vec::new();
        while !self.at_keyword("apply") {
            let statement = if self.at_keyword("insert") {
                ModificationStatement::Insert(self.insert()?)
            } else if self.at_keyword("update") {
                ModificationStatement::Update(self.update()?)
            } else if self.at_keyword("delete") {
                ModificationStatement::Delete(self.delete()?)
            } else {
                return Err(self.mismatched("K_APPLY"));
            };
            statements.push(statement);
            while self.accept_symbol(";") {}
        }
        self.expect_keyword("apply")?;
        self.expect_keyword("batch")?;
        Ok(Statement::Batch(Box::new(BatchStatement {
            kind,
            attributes,
            statements,
        })))
    }
}

#[cfg(test)]
mod tests {
    use crate::cql3::ast::{BatchKind, BatchStatement, ModificationStatement, Statement};
    use crate::cql3::parser::{parse, parse_statement};

    fn batch(text: &str) -> BatchStatement {
        match parse_statement(text).unwrap_or_else(|error| panic!("{text}: {error}")) {
            Statement::Batch(batch) => *batch,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn kinds_and_children() {
        let parsed = batch("BEGIN BATCH APPLY BATCH");
        assert_eq!(parsed.kind, BatchKind::Logged);
        assert!(parsed.statements.is_empty());
        let parsed = batch(
            "BEGIN UNLOGGED BATCH USING TIMESTAMP 5 \
             INSERT INTO t (a) VALUES (1); UPDATE t SET b = 2 WHERE a = 1 \
             DELETE FROM t WHERE a = 3; APPLY BATCH;",
        );
        assert_eq!(parsed.kind, BatchKind::Unlogged);
        assert!(parsed.attributes.timestamp.is_some());
        assert!(matches!(
            parsed.statements[0],
            ModificationStatement::Insert(_)
        ));
        assert!(matches!(
            parsed.statements[1],
            ModificationStatement::Update(_)
        ));
        assert!(matches!(
            parsed.statements[2],
            ModificationStatement::Delete(_)
        ));
        let parsed = batch("begin counter batch update t set c = c + 1 where k = 1; apply batch");
        assert_eq!(parsed.kind, BatchKind::Counter);
    }

    #[test]
    fn markers_span_all_children() {
        let parsed = parse(
            "BEGIN BATCH INSERT INTO t (a, b) VALUES (?, ?); UPDATE t SET b = ? WHERE a = ?; APPLY BATCH",
        )
        .expect("parses");
        let indexes: Vec<_> = parsed.bind_markers.iter().map(|m| m.index).collect();
        assert_eq!(indexes, vec![0, 1, 2, 3]);
    }

    #[test]
    fn rejections() {
        for bad in [
            "BEGIN BATCH",
            "BEGIN BATCH INSERT INTO t (a) VALUES (1)",
            "BEGIN BATCH SELECT * FROM t; APPLY BATCH",
            "BEGIN LOGGED BATCH APPLY BATCH",
            "BEGIN BATCH APPLY",
            "BEGIN BATCH BEGIN BATCH APPLY BATCH APPLY BATCH",
        ] {
            assert!(parse_statement(bad).is_err(), "{bad}");
        }
    }
}
