//! WHERE relations (`relation` in `Parser.g`), shared by SELECT, UPDATE, DELETE
//! and materialized views.

use super::{ParseResult, Parser};
use crate::cql3::ast::{Operator, Relation, RelationTarget, RelationValue, Span, Term};
use crate::cql3::lexer::TokenKind;

impl Parser<'_> {
    /// `WHERE` relation (`AND` relation)*; call after consuming WHERE.
    pub(crate) fn where_clause(&mut self) -> ParseResult<Vec<Relation>> {
        let mut relations = Vec::new();
        self.relation_into(&mut relations)?;
        while self.accept_keyword("and") {
            self.relation_into(&mut relations)?;
        }
        Ok(relations)
    }

    /// The span of the current token.
    pub(crate) fn span_here(&self) -> Span {
        let token = self.peek();
        Span {
            start: token.start,
            end: token.end,
            line: token.line,
            column: token.column,
        }
    }

    /// One relation; `(relation)` in parentheses is unwrapped.
    fn relation_into(&mut self, relations: &mut Vec<Relation>) -> ParseResult<()> {
        self.nested(|parser| {
            let span = parser.span_here();
            if parser.at_symbol("(") {
                if let Some(columns) = parser.try_tuple_of_identifiers() {
                    let relation = parser.multi_column_relation(columns, span)?;
                    relations.push(relation);
                    return Ok(());
                }
                parser.expect_symbol("(")?;
                parser.relation_into(relations)?;
                return parser.expect_symbol(")");
            }
            if parser.at_keyword("token") && parser.peek_at(1).is_symbol("(") {
                parser.advance();
                let columns = parser.parenthesized_identifiers()?;
                let target = RelationTarget::Token(columns);
                let relation = if parser.accept_keyword("between") {
                    parser.between(target, span)?
                } else {
                    let operator = parser.comparison_operator()?;
                    let value = RelationValue::Term(parser.term()?);
                    Relation {
                        target,
                        operator,
                        value,
                        span,
                    }
                };
                relations.push(relation);
                return Ok(());
            }
            let column = parser.identifier()?;
            if parser.accept_symbol("[") {
                let key = parser.term()?;
                parser.expect_symbol("]")?;
                let operator = parser.comparison_operator()?;
                let value = RelationValue::Term(parser.term()?);
                relations.push(Relation {
                    target: RelationTarget::MapElement { column, key },
                    operator,
                    value,
                    span,
                });
                return Ok(());
            }
            let relation = parser.single_column_relation(column, span)?;
            relations.push(relation);
            Ok(())
        })
    }

    fn single_column_relation(&mut self, column: String, span: Span) -> ParseResult<Relation> {
        let target = RelationTarget::Column(column);
        if self.accept_keyword("between") {
            return self.between(target, span);
        }
        if self.accept_keyword("is") {
            self.expect_keyword("not")?;
            self.expect_keyword("null")?;
            return Ok(Relation {
                target,
                operator: Operator::IsNot,
                value: RelationValue::Term(Term::Null),
                span,
            });
        }
        let (operator, value) = if let Some(operator) = self.accept_in_operator()? {
            (operator, self.in_values()?)
        } else if self.accept_keyword("like") {
            (Operator::Like, RelationValue::Term(self.term()?))
        } else if let Some(operator) = self.accept_contains_operator()? {
            (operator, RelationValue::Term(self.term()?))
        } else {
            let operator = self.comparison_operator()?;
            (operator, RelationValue::Term(self.term()?))
        };
        Ok(Relation {
            target,
            operator,
            value,
            span,
        })
    }

    fn multi_column_relation(&mut self, columns: Vec<String>, span: Span) -> ParseResult<Relation> {
        let target = RelationTarget::Tuple(columns);
        if self.accept_keyword("between") {
            return self.between(target, span);
        }
        let (operator, value) = if let Some(operator) = self.accept_in_operator()? {
            (operator, self.in_values()?)
        } else {
            let operator = self.comparison_operator()?;
            (operator, RelationValue::Term(self.term()?))
        };
        Ok(Relation {
            target,
            operator,
            value,
            span,
        })
    }

    fn between(&mut self, target: RelationTarget, span: Span) -> ParseResult<Relation> {
        let low = self.term()?;
        self.expect_keyword("and")?;
        let high = self.term()?;
        Ok(Relation {
            target,
            operator: Operator::Between,
            value: RelationValue::Between(low, high),
            span,
        })
    }

    /// `(a, b, ...)` followed by an operator, or nothing (position unchanged).
    fn try_tuple_of_identifiers(&mut self) -> Option<Vec<String>> {
        let checkpoint = self.checkpoint();
        if let Ok(columns) = self.parenthesized_identifiers() {
            let next = self.peek();
            let is_operator = (next.kind == TokenKind::Symbol
                && matches!(next.text.as_str(), "=" | "<" | "<=" | ">" | ">=" | "!="))
                || next.is_keyword("in")
                || next.is_keyword("not")
                || next.is_keyword("between");
            if is_operator {
                return Some(columns);
            }
        }
        self.restore(checkpoint);
        None
    }

    /// `= < <= > >= !=`.
    pub(crate) fn comparison_operator(&mut self) -> ParseResult<Operator> {
        let operator = match self.peek().text.as_str() {
            "=" => Operator::Equal,
            "<" => Operator::LessThan,
            "<=" => Operator::LessThanOrEqual,
            ">" => Operator::GreaterThan,
            ">=" => Operator::GreaterThanOrEqual,
            "!=" => Operator::NotEqual,
            _ => return Err(self.no_viable()),
        };
        if self.peek().kind != TokenKind::Symbol {
            return Err(self.no_viable());
        }
        self.advance();
        Ok(operator)
    }

    /// `IN` or `NOT IN`.
    pub(crate) fn accept_in_operator(&mut self) -> ParseResult<Option<Operator>> {
        if self.accept_keyword("in") {
            return Ok(Some(Operator::In));
        }
        if self.at_keyword("not") && self.peek_at(1).is_keyword("in") {
            self.advance();
            self.advance();
            return Ok(Some(Operator::NotIn));
        }
        Ok(None)
    }

    /// `[NOT] CONTAINS [KEY]`.
    pub(crate) fn accept_contains_operator(&mut self) -> ParseResult<Option<Operator>> {
        let negated = self.at_keyword("not") && self.peek_at(1).is_keyword("contains");
        if negated {
            self.advance();
        }
        if !self.accept_keyword("contains") {
            return Ok(None);
        }
        // `CONTAINS KEY` unless `key` is the start of the value (it cannot be:
        // terms never start with a bare identifier other than a function call).
        let key = self.at_keyword("key") && !self.at_function_call(0);
        if key {
            self.advance();
        }
        Ok(Some(match (negated, key) {
            (false, false) => Operator::Contains,
            (false, true) => Operator::ContainsKey,
            (true, false) => Operator::NotContains,
            (true, true) => Operator::NotContainsKey,
        }))
    }

    /// After IN: `(t, ...)`, `()`, or a single marker for the whole list.
    pub(crate) fn in_values(&mut self) -> ParseResult<RelationValue> {
        if let Some(marker) = self.accept_bind_marker()? {
            return Ok(RelationValue::InMarker(marker));
        }
        self.expect_symbol("(")?;
        let mut terms = Vec::new();
        if !self.accept_symbol(")") {
            terms.push(self.term()?);
            while self.accept_symbol(",") {
                terms.push(self.term()?);
            }
            self.expect_symbol(")")?;
        }
        Ok(RelationValue::InList(terms))
    }
}

#[cfg(test)]
mod tests {
    use crate::cql3::ast::{Operator, Relation, RelationTarget, RelationValue, Statement, Term};
    use crate::cql3::parser::parse_statement;

    fn relations(where_clause: &str) -> Vec<Relation> {
        let text = format!("SELECT * FROM t WHERE {where_clause}");
        match parse_statement(&text).unwrap_or_else(|error| panic!("{text}: {error}")) {
            Statement::Select(select) => select.relations,
            other => panic!("{other:?}"),
        }
    }

    fn operators(where_clause: &str) -> Vec<Operator> {
        relations(where_clause).iter().map(|r| r.operator).collect()
    }

    #[test]
    fn comparison_operators() {
        assert_eq!(
            operators("a = 1 AND b < 2 AND c <= 3 AND d > 4 AND e >= 5 AND f != 6"),
            vec![
                Operator::Equal,
                Operator::LessThan,
                Operator::LessThanOrEqual,
                Operator::GreaterThan,
                Operator::GreaterThanOrEqual,
                Operator::NotEqual
            ]
        );
    }

    #[test]
    fn in_contains_like_is_not_null() {
        let parsed = relations("a IN (1, 2) AND b IN ? AND c IN () AND d NOT IN (3)");
        assert!(matches!(&parsed[0].value, RelationValue::InList(terms) if terms.len() == 2));
        assert!(matches!(&parsed[1].value, RelationValue::InMarker(marker) if marker.index == 0));
        assert!(matches!(&parsed[2].value, RelationValue::InList(terms) if terms.is_empty()));
        assert_eq!(parsed[3].operator, Operator::NotIn);
        assert_eq!(
            operators("s CONTAINS 1 AND m CONTAINS KEY 'k' AND n LIKE 'a%' AND v IS NOT NULL"),
            vec![
                Operator::Contains,
                Operator::ContainsKey,
                Operator::Like,
                Operator::IsNot
            ]
        );
        assert_eq!(
            relations("v IS NOT NULL")[0].value,
            RelationValue::Term(Term::Null)
        );
    }

    #[test]
    fn multi_column_token_and_map_element() {
        let parsed = relations("(a, b) > (1, 2) AND (a, b) IN ((1, 2), (3, 4)) AND (c) = ?");
        assert_eq!(
            parsed[0].target,
            RelationTarget::Tuple(vec!["a".into(), "b".into()])
        );
        assert!(matches!(&parsed[1].value, RelationValue::InList(terms) if terms.len() == 2));
        assert!(matches!(&parsed[2].target, RelationTarget::Tuple(columns) if columns.len() == 1));
        let parsed = relations("token(a, b) > ? AND token(a, b) <= :hi");
        assert_eq!(
            parsed[0].target,
            RelationTarget::Token(vec!["a".into(), "b".into()])
        );
        let parsed = relations("m['k'] = 1");
        assert!(
            matches!(&parsed[0].target, RelationTarget::MapElement { column, .. } if column == "m")
        );
        let parsed = relations("(a = 1) AND ((b = 2))");
        assert_eq!(parsed.len(), 2);
        let parsed = relations("a BETWEEN 1 AND 5 AND b = 2");
        assert!(matches!(&parsed[0].value, RelationValue::Between(..)));
        assert_eq!(parsed.len(), 2);
    }

    #[test]
    fn rejects_bad_relations() {
        for bad in [
            "a",
            "a = ",
            "a IN",
            "a IS NULL",
            "(a, b) >",
            "token(a) ",
            "a == 1",
            "select = 1",
            "a = 1 AND",
            "a = 1 OR b = 2",
        ] {
            assert!(
                parse_statement(&format!("SELECT * FROM t WHERE {bad}")).is_err(),
                "{bad}"
            );
        }
    }
}
