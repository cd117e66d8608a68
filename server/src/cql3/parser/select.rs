//! SELECT statements.

use super::{ParseResult, Parser};
use crate::cql3::ast::{Order, OrderBy, OrderDirection, SelectStatement, Statement};

impl Parser<'_> {
    pub(crate) fn select_statement(&mut self) -> ParseResult<Statement> {
        self.expect_keyword("select")?;
        // `json` and `distinct` are unreserved: they are modifiers only when a
        // complete selection and FROM follow them, otherwise they are columns.
        let json = self.accept_modifier("json");
        let distinct = self.accept_modifier("distinct");
        let selection = self.selection()?;
        self.expect_keyword("from")?;
        let table = self.qualified_name()?;
        let relations = if self.accept_keyword("where") {
            self.where_clause()?
        } else {
            Vec::new()
        };
        let mut group_by = Vec::new();
        if self.accept_keyword("group") {
            self.expect_keyword("by")?;
            group_by.push(self.selector()?);
            while self.accept_symbol(",") {
                group_by.push(self.selector()?);
            }
        }
        let mut order_by = Vec::new();
        if self.accept_keyword("order") {
            self.expect_keyword("by")?;
            order_by.push(self.ordering()?);
            while self.accept_symbol(",") {
                order_by.push(self.ordering()?);
            }
        }
        let per_partition_limit = if self.accept_keyword("per") {
            self.expect_keyword("partition")?;
            self.expect_keyword("limit")?;
            Some(self.int_value()?)
        } else {
            None
        };
        let limit = if self.accept_keyword("limit") {
            Some(self.int_value()?)
        } else {
            None
        };
        let allow_filtering = self.accept_keyword("allow");
        if allow_filtering {
            self.expect_keyword("filtering")?;
        }
        let bypass_cache = self.accept_keyword("bypass");
        if bypass_cache {
            self.expect_keyword("cache")?;
        }
        let timeout = if self.accept_keyword("using") {
            self.expect_keyword("timeout")?;
            Some(self.duration_value()?)
        } else {
            None
        };
        Ok(Statement::Select(Box::new(SelectStatement {
            table,
            json,
            distinct,
            selection,
            relations,
            group_by,
            order_by,
            per_partition_limit,
            limit,
            allow_filtering,
            bypass_cache,
            timeout,
        })))
    }

    /// Consumes `keyword` if a selection followed by FROM comes after it.
    fn accept_modifier(&mut self, keyword: &str) -> bool {
        if !self.at_keyword(keyword) {
            return false;
        }
        let checkpoint = self.checkpoint();
        self.advance();
        if keyword == "json" {
            self.accept_modifier("distinct");
        }
        let modifier = self.selection().is_ok() && self.at_keyword("from");
        self.restore(checkpoint);
        if modifier {
            self.advance();
        }
        modifier
    }

    fn ordering(&mut self) -> ParseResult<OrderBy> {
        let column = self.identifier()?;
        let order = if self.accept_keyword("desc") {
            Order::Direction(OrderDirection::Descending)
        } else if self.accept_keyword("ann") {
            self.expect_keyword("of")?;
            Order::AnnOf(self.term()?)
        } else {
            self.accept_keyword("asc");
            Order::Direction(OrderDirection::Ascending)
        };
        Ok(OrderBy { column, order })
    }
}

#[cfg(test)]
mod tests {
    use crate::cql3::ast::{
        Literal, Order, OrderDirection, SelectStatement, Selection, Statement, Term,
    };
    use crate::cql3::parser::{parse, parse_statement};

    fn select(text: &str) -> SelectStatement {
        match parse_statement(text).unwrap_or_else(|error| panic!("{text}: {error}")) {
            Statement::Select(select) => *select,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn driver_system_queries() {
        let local = select("SELECT * FROM system.local WHERE key='local'");
        assert_eq!(local.table.keyspace.as_deref(), Some("system"));
        assert_eq!(local.table.name, "local");
        assert_eq!(local.selection, Selection::Wildcard);
        assert_eq!(local.relations.len(), 1);
        let peers = select(
            "SELECT peer, data_center, host_id, rack, release_version, rpc_address, \
             schema_version, tokens FROM system.peers",
        );
        assert!(matches!(peers.selection, Selection::Items(items) if items.len() == 8));
        let columns = select(
            "SELECT * FROM system_schema.columns WHERE keyspace_name = ? AND table_name = ? \
             USING TIMEOUT 2000ms",
        );
        assert_eq!(
            columns.timeout,
            Some(Term::Literal(Literal::Duration("2000ms".into())))
        );
        let copy =
            select("SELECT \"k\", v FROM ks.\"T\" WHERE token(\"k\") > ? AND token(\"k\") <= ?");
        assert_eq!(copy.table.name, "T");
        assert_eq!(copy.relations.len(), 2);
        select("SELECT * FROM system_virtual_schema.keyspaces USING TIMEOUT 30000ms;");
        select("select cluster_name, release_version from system.local");
        select("SELECT * FROM system.peers_v2");
    }

    #[test]
    fn clauses_in_order() {
        let parsed = select(
            "SELECT JSON DISTINCT a FROM t WHERE a = 1 GROUP BY a, b ORDER BY b DESC, c ASC \
             PER PARTITION LIMIT 2 LIMIT ? ALLOW FILTERING",
        );
        assert!(parsed.json && parsed.distinct && parsed.allow_filtering);
        assert_eq!(parsed.group_by.len(), 2);
        assert_eq!(
            parsed.order_by[0].order,
            Order::Direction(OrderDirection::Descending)
        );
        assert_eq!(
            parsed.order_by[1].order,
            Order::Direction(OrderDirection::Ascending)
        );
        assert!(parsed.per_partition_limit.is_some());
        assert!(matches!(parsed.limit, Some(Term::BindMarker(_))));
    }

    #[test]
    fn json_and_distinct_as_column_names() {
        let parsed = select("SELECT json FROM t");
        assert!(!parsed.json);
        let parsed = select("SELECT distinct, json FROM t");
        assert!(!parsed.distinct && !parsed.json);
        let parsed = select("SELECT JSON json FROM t");
        assert!(parsed.json);
        let parsed = select("SELECT DISTINCT key FROM t");
        assert!(parsed.distinct);
    }

    #[test]
    fn ann_ordering_and_floor_grouping() {
        let parsed = select("SELECT * FROM t ORDER BY v ANN OF [1.0, 2.5, -3e2] LIMIT 10");
        assert!(
            matches!(&parsed.order_by[0].order, Order::AnnOf(Term::List(values)) if values.len() == 3)
        );
        let parsed = select("SELECT k, floor(ts, 1h), count(*) FROM t GROUP BY k, floor(ts, 1h)");
        assert_eq!(parsed.group_by.len(), 2);
    }

    #[test]
    fn bind_markers_are_numbered_in_order() {
        let parsed =
            parse("SELECT * FROM t WHERE a = ? AND b = :name AND c IN ? LIMIT ?").expect("parses");
        let names: Vec<_> = parsed
            .bind_markers
            .iter()
            .map(|marker| (marker.index, marker.name.clone()))
            .collect();
        assert_eq!(
            names,
            vec![(0, None), (1, Some("name".into())), (2, None), (3, None)]
        );
    }

    #[test]
    fn rejections() {
        for bad in [
            "SELECT * FORM t",
            "SELECT * FROM",
            "SELECT FROM t",
            "SELECT * FROM t LIMIT",
            "SELECT * FROM t LIMIT 'a'",
            "SELECT * FROM t ALLOW",
            "SELECT * FROM t ORDER b",
            "SELECT * FROM t USING TIMEOUT 5",
            "SELECT * FROM select",
            "SELECT * FROM t WHERE",
            "SELECT * FROM t extra",
            "SELECT * FROM t LIMIT 1 WHERE a = 1",
        ] {
            assert!(parse_statement(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn error_messages_imitate_antlr() {
        let error = parse_statement("SELECT * FORM t").expect_err("bad");
        assert_eq!(
            error.message,
            "line 1:9 mismatched input 'FORM' expecting K_FROM (SELECT * [FORM]...)"
        );
        assert_eq!((error.line, error.column), (1, 9));
        let error = parse_statement("SELEC * FROM t").expect_err("bad");
        assert_eq!(
            error.message,
            "line 1:0 no viable alternative at input 'SELEC' ([SELEC]...)"
        );
        let error = parse_statement("SELECT * FROM").expect_err("bad");
        assert!(error.message.starts_with("line 1:13 "), "{}", error.message);
        assert!(error.message.contains("'<EOF>'"), "{}", error.message);
        let error = parse_statement("SELECT *\nFROM t\nWHERE a = = 1").expect_err("bad");
        assert_eq!((error.line, error.column), (3, 10));
    }
}
