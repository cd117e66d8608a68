//! UPDATE statements, their SET assignments, and the IF conditions shared with
//! DELETE.

use super::{ParseResult, Parser, is_identifier_token};
use crate::cql3::ast::{
    Assignment, ColumnCondition, Condition, ConditionTarget, Literal, Operator, RelationValue,
    Statement, Term, UpdateStatement,
};
use crate::cql3::lexer::TokenKind;

impl Parser<'_> {
    pub(crate) fn update_statement(&mut self) -> ParseResult<Statement> {
        self.update()
            .map(|update| Statement::Update(Box::new(update)))
    }

    pub(crate) fn update(&mut self) -> ParseResult<UpdateStatement> {
        self.expect_keyword("update")?;
        let table = self.qualified_name()?;
        let attributes = self.using_clause()?;
        self.expect_keyword("set")?;
        let mut assignments = vec![self.assignment()?];
        while self.accept_symbol(",") {
            assignments.push(self.assignment()?);
        }
        self.expect_keyword("where")?;
        let relations = self.where_clause()?;
        let condition = self.condition()?;
        Ok(UpdateStatement {
            table,
            attributes,
            assignments,
            relations,
            condition,
        })
    }

    fn assignment(&mut self) -> ParseResult<Assignment> {
        let span = self.span_here();
        let column = self.identifier()?;
        if self.accept_symbol("[") {
            let key = self.term()?;
            self.expect_symbol("]")?;
            self.expect_symbol("=")?;
            let value = self.term()?;
            return Ok(Assignment::SetElement {
                column,
                key,
                value,
                span,
            });
        }
        if self.accept_symbol(".") {
            let field = self.identifier()?;
            self.expect_symbol("=")?;
            let value = self.term()?;
            return Ok(Assignment::SetField {
                column,
                field,
                value,
                span,
            });
        }
        if self.accept_symbol("+=") {
            let value = self.term()?;
            return Ok(Assignment::Add {
                column,
                value,
                span,
            });
        }
        if self.accept_symbol("-=") {
            let value = self.term()?;
            return Ok(Assignment::Subtract {
                column,
                value,
                span,
            });
        }
        self.expect_symbol("=")?;
        // `c = c + v` / `c = c - v`: a bare identifier cannot start a term.
        if is_identifier_token(self.peek()) && !self.at_function_call(0) {
            let other = self.identifier()?;
            if other != column {
                return Err(
                    self.error_here("Only expressions of the form X = <value> + X are supported.")
                );
            }
            return self.counter_or_collection_operation(column, span);
        }
        let value = self.term()?;
        if self.accept_symbol("+") {
            let other = self.identifier()?;
            if other != column {
                return Err(
                    self.error_here("Only expressions of the form X = <value> + X are supported.")
                );
            }
            return Ok(Assignment::Prepend {
                column,
                value,
                span,
            });
        }
        Ok(Assignment::Set {
            column,
            value,
            span,
        })
    }

    /// After `c = c`: `+ v` or `- v`. A negative number glued to the operator
    /// (`c = c -1`) is read as subtraction, which is what the writer meant.
    fn counter_or_collection_operation(
        &mut self,
        column: String,
        span: crate::cql3::ast::Span,
    ) -> ParseResult<Assignment> {
        if self.accept_symbol("+") {
            let value = self.term()?;
            return Ok(Assignment::Add {
                column,
                value,
                span,
            });
        }
        if self.accept_symbol("-") {
            let value = self.term()?;
            return Ok(Assignment::Subtract {
                column,
                value,
                span,
            });
        }
        let token = self.peek().clone();
        if matches!(token.kind, TokenKind::Integer | TokenKind::Float)
            && let Some(magnitude) = token.text.strip_prefix('-')
        {
            self.advance();
            let literal = if token.kind == TokenKind::Integer {
                Literal::Integer(magnitude.to_owned())
            } else {
                Literal::Float(magnitude.to_owned())
            };
            return Ok(Assignment::Subtract {
                column,
                value: Term::Literal(literal),
                span,
            });
        }
        Err(self.error_here("Only expressions of the form X = X <op> <value> are supported."))
    }

    /// `IF EXISTS`, `IF cond AND ...`, or nothing.
    pub(crate) fn condition(&mut self) -> ParseResult<Option<Condition>> {
        if !self.accept_keyword("if") {
            return Ok(None);
        }
        if self.accept_keyword("exists") {
            return Ok(Some(Condition::Exists));
        }
        let mut conditions = vec![self.column_condition()?];
        while self.accept_keyword("and") {
            conditions.push(self.column_condition()?);
        }
        Ok(Some(Condition::Columns(conditions)))
    }

    fn column_condition(&mut self) -> ParseResult<ColumnCondition> {
        let column = self.identifier()?;
        let target = if self.accept_symbol("[") {
            let key = self.term()?;
            self.expect_symbol("]")?;
            ConditionTarget::Element { column, key }
        } else if self.accept_symbol(".") {
            let field = self.identifier()?;
            ConditionTarget::Field { column, field }
        } else {
            ConditionTarget::Column(column)
        };
        if let Some(operator) = self.accept_in_operator()? {
            let value = self.in_values()?;
            return Ok(ColumnCondition {
                target,
                operator,
                value,
            });
        }
        if self.accept_keyword("is") {
            self.expect_keyword("not")?;
            self.expect_keyword("null")?;
            return Ok(ColumnCondition {
                target,
                operator: Operator::IsNot,
                value: RelationValue::Term(Term::Null),
            });
        }
        let operator = match self.accept_contains_operator()? {
            Some(operator) => operator,
            None if self.accept_keyword("like") => Operator::Like,
            None => self.comparison_operator()?,
        };
        let value = RelationValue::Term(self.term()?);
        Ok(ColumnCondition {
            target,
            operator,
            value,
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::cql3::ast::{
        Assignment, Condition, ConditionTarget, Operator, Statement, Term, UpdateStatement,
    };
    use crate::cql3::parser::parse_statement;

    fn update(text: &str) -> UpdateStatement {
        match parse_statement(text).unwrap_or_else(|error| panic!("{text}: {error}")) {
            Statement::Update(update) => *update,
            other => panic!("{other:?}"),
        }
    }

    fn assignment(set: &str) -> Assignment {
        update(&format!("UPDATE t SET {set} WHERE k = 1"))
            .assignments
            .remove(0)
    }

    #[test]
    fn assignment_forms() {
        assert!(matches!(assignment("c = 1"), Assignment::Set { .. }));
        assert!(matches!(assignment("c = c + 1"), Assignment::Add { .. }));
        assert!(matches!(
            assignment("c = c - 1"),
            Assignment::Subtract { .. }
        ));
        assert!(matches!(
            assignment("c = c -1"),
            Assignment::Subtract { .. }
        ));
        assert!(matches!(assignment("c += 2"), Assignment::Add { .. }));
        assert!(matches!(assignment("c -= 2"), Assignment::Subtract { .. }));
        assert!(matches!(
            assignment("l = l + [1, 2]"),
            Assignment::Add {
                value: Term::List(_),
                ..
            }
        ));
        assert!(matches!(
            assignment("l = [0] + l"),
            Assignment::Prepend { .. }
        ));
        assert!(matches!(
            assignment("s = s - {'a'}"),
            Assignment::Subtract { .. }
        ));
        assert!(matches!(
            assignment("m = m + {'k': 1}"),
            Assignment::Add {
                value: Term::Map(_),
                ..
            }
        ));
        assert!(matches!(
            assignment("l[0] = 'x'"),
            Assignment::SetElement { .. }
        ));
        assert!(matches!(
            assignment("m['k'] = 'v'"),
            Assignment::SetElement { .. }
        ));
        assert!(matches!(
            assignment("u.street = 'x'"),
            Assignment::SetField { .. }
        ));
        assert!(
            matches!(assignment("\"C\" = \"C\" + 1"), Assignment::Add { column, .. } if column == "C")
        );
        assert!(matches!(
            assignment("t = now()"),
            Assignment::Set {
                value: Term::FunctionCall { .. },
                ..
            }
        ));
        assert!(matches!(
            assignment("c = 1 + 2"),
            Assignment::Set {
                value: Term::Arithmetic { .. },
                ..
            }
        ));
    }

    #[test]
    fn using_where_and_conditions() {
        let parsed = update(
            "UPDATE ks.t USING TTL 10 AND TIMESTAMP 5 SET a = 1, b = b + 2 WHERE k = 1 AND c = 2 \
             IF a = 1 AND l[0] > 2 AND u.f IN (1, 2) AND m CONTAINS KEY 'x'",
        );
        assert!(parsed.attributes.ttl.is_some());
        assert_eq!(parsed.assignments.len(), 2);
        assert_eq!(parsed.relations.len(), 2);
        let Some(Condition::Columns(conditions)) = parsed.condition else {
            panic!("conditions")
        };
        assert_eq!(conditions.len(), 4);
        assert!(matches!(
            conditions[1].target,
            ConditionTarget::Element { .. }
        ));
        assert!(matches!(
            conditions[2].target,
            ConditionTarget::Field { .. }
        ));
        assert_eq!(conditions[2].operator, Operator::In);
        assert_eq!(conditions[3].operator, Operator::ContainsKey);
        let parsed = update("UPDATE t SET a = 1 WHERE k = 1 IF EXISTS");
        assert_eq!(parsed.condition, Some(Condition::Exists));
        let parsed = update("UPDATE t SET a = 1 WHERE k = 1 IF a != NULL AND b IN ?");
        assert!(matches!(parsed.condition, Some(Condition::Columns(c)) if c.len() == 2));
    }

    #[test]
    fn rejections() {
        for bad in [
            "UPDATE t SET c = d + 1 WHERE k = 1",
            "UPDATE t SET l = [1] + m WHERE k = 1",
            "UPDATE t SET a = 1",
            "UPDATE t SET WHERE k = 1",
            "UPDATE t a = 1 WHERE k = 1",
            "UPDATE t SET a = 1 WHERE k = 1 IF",
            "UPDATE t SET a = 1 WHERE k = 1 IF NOT EXISTS",
            "UPDATE t SET a = 1, WHERE k = 1",
            "UPDATE t SET c = c * 2 WHERE k = 1",
            "UPDATE t SET a == 1 WHERE k = 1",
        ] {
            assert!(parse_statement(bad).is_err(), "{bad}");
        }
    }
}
