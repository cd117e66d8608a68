//! Selectors of SELECT (Cassandra 5.0's `selector` / `unaliasedSelector`):
//! columns, literals, function calls, casts, writetime/ttl, field and element
//! access, slices and arithmetic.

use super::{ParseResult, Parser, is_identifier_token};
use crate::cql3::ast::{ArithmeticOperator, SelectItem, Selection, Selector, WriteTimeKind};
use crate::cql3::lexer::TokenKind;
use crate::cql3::parser::term::constant_of;

impl Parser<'_> {
    /// `*` or selector (`,` selector)*.
    pub(crate) fn selection(&mut self) -> ParseResult<Selection> {
        if self.accept_symbol("*") {
            return Ok(Selection::Wildcard);
        }
        let mut items = vec![self.select_item()?];
        while self.accept_symbol(",") {
            items.push(self.select_item()?);
        }
        Ok(Selection::Items(items))
    }

    fn select_item(&mut self) -> ParseResult<SelectItem> {
        let selector = self.selector()?;
        let alias = if self.accept_keyword("as") {
            Some(self.identifier()?)
        } else {
            None
        };
        Ok(SelectItem { selector, alias })
    }

    /// An unaliased selector with `+ -` over `* / %` precedence.
    pub(crate) fn selector(&mut self) -> ParseResult<Selector> {
        self.nested(|parser| {
            let mut left = parser.selector_multiplication()?;
            loop {
                let operator = if parser.at_symbol("+") {
                    ArithmeticOperator::Add
                } else if parser.at_symbol("-") {
                    ArithmeticOperator::Subtract
                } else {
                    break;
                };
                parser.advance();
                let right = parser.selector_multiplication()?;
                left = Selector::Arithmetic {
                    operator,
                    left: Box::new(left),
                    right: Box::new(right),
                };
            }
            Ok(left)
        })
    }

    fn selector_multiplication(&mut self) -> ParseResult<Selector> {
        let mut left = self.selector_group()?;
        loop {
            let operator = if self.at_symbol("*") {
                ArithmeticOperator::Multiply
            } else if self.at_symbol("/") {
                ArithmeticOperator::Divide
            } else if self.at_symbol("%") {
                ArithmeticOperator::Remainder
            } else {
                break;
            };
            self.advance();
            let right = self.selector_group()?;
            left = Selector::Arithmetic {
                operator,
                left: Box::new(left),
                right: Box::new(right),
            };
        }
        Ok(left)
    }

    fn selector_group(&mut self) -> ParseResult<Selector> {
        if self.accept_symbol("-") {
            let inner = self.nested(Self::selector_group)?;
            return Ok(Selector::Negate(Box::new(inner)));
        }
        let mut selector = self.selector_primary()?;
        loop {
            if self.at_symbol(".") && is_identifier_token(self.peek_at(1)) {
                self.advance();
                let field = self.identifier()?;
                selector = Selector::Field {
                    selector: Box::new(selector),
                    field,
                };
            } else if self.accept_symbol("[") {
                selector = self.element_or_slice(selector)?;
            } else {
                return Ok(selector);
            }
        }
    }

    /// After `[`: `key]`, `from..to]`, `..to]`, `from..]`.
    fn element_or_slice(&mut self, selector: Selector) -> ParseResult<Selector> {
        let selector = Box::new(selector);
        if self.peek().kind == TokenKind::Range {
            self.advance();
            let to = self.term()?;
            self.expect_symbol("]")?;
            return Ok(Selector::Slice {
                selector,
                from: None,
                to: Some(to),
            });
        }
        let key = self.term()?;
        if self.peek().kind == TokenKind::Range {
            self.advance();
            let to = if self.at_symbol("]") {
                None
            } else {
                Some(self.term()?)
            };
            self.expect_symbol("]")?;
            return Ok(Selector::Slice {
                selector,
                from: Some(key),
                to,
            });
        }
        self.expect_symbol("]")?;
        Ok(Selector::Element { selector, key })
    }

    fn selector_primary(&mut self) -> ParseResult<Selector> {
        if constant_of(self.peek()).is_some()
            || self.peek().kind == TokenKind::QuestionMark
            || self.at_symbol(":")
            || self.at_keyword("null")
        {
            return self.simple_term().map(Selector::Term);
        }
        if self.at_symbol("(") {
            return self.nested(Self::parenthesized_selector);
        }
        if self.at_symbol("[") {
            self.advance();
            let elements = self.selector_list("]")?;
            return Ok(Selector::List(elements));
        }
        if self.at_symbol("{") {
            return self.nested(Self::brace_selector);
        }
        let next_is_call = self.peek_at(1).is_symbol("(");
        if self.peek().kind == TokenKind::Word && next_is_call {
            let keyword = self.peek().text.to_ascii_lowercase();
            let write_time = match keyword.as_str() {
                "writetime" => Some(WriteTimeKind::WriteTime),
                "maxwritetime" => Some(WriteTimeKind::MaxWriteTime),
                "ttl" => Some(WriteTimeKind::Ttl),
                _ => None,
            };
            if let Some(kind) = write_time {
                self.advance();
                self.advance();
                let selector = Box::new(self.selector()?);
                self.expect_symbol(")")?;
                return Ok(Selector::WriteTime { kind, selector });
            }
            if keyword == "count" && self.peek_at(2).is_symbol("*") {
                self.advance();
                self.advance();
                self.advance();
                self.expect_symbol(")")?;
                return Ok(Selector::CountAll);
            }
            if keyword == "cast" {
                self.advance();
                self.advance();
                let selector = Box::new(self.selector()?);
                self.expect_keyword("as")?;
                let target = self.cql_type()?;
                self.expect_symbol(")")?;
                return Ok(Selector::Cast { selector, target });
            }
        }
        if self.at_function_call(0) {
            let name = self.function_name()?;
            self.expect_symbol("(")?;
            let arguments = self.selector_list(")")?;
            return Ok(Selector::FunctionCall { name, arguments });
        }
        self.identifier().map(Selector::Column)
    }

    /// Selectors separated by commas up to `close` (which may come at once).
    fn selector_list(&mut self, close: &str) -> ParseResult<Vec<Selector>> {
        let mut elements = Vec::new();
        if self.accept_symbol(close) {
            return Ok(elements);
        }
        elements.push(self.selector()?);
        while self.accept_symbol(",") {
            elements.push(self.selector()?);
        }
        self.expect_symbol(close)?;
        Ok(elements)
    }

    /// `(type) selector`, `(selector)` or a tuple `(a, b)`.
    fn parenthesized_selector(&mut self) -> ParseResult<Selector> {
        let checkpoint = self.checkpoint();
        self.expect_symbol("(")?;
        if let Ok(target) = self.cql_type()
            && self.accept_symbol(")")
            && !self.at_symbol(",")
            && !self.peek().is_keyword("from")
            && !self.peek().is_keyword("as")
            && self.peek().kind != TokenKind::End
        {
            let checkpoint_after_hint = self.checkpoint();
            if let Ok(selector) = self.selector_group() {
                return Ok(Selector::TypeHint {
                    target,
                    selector: Box::new(selector),
                });
            }
            self.restore(checkpoint_after_hint);
        }
        self.restore(checkpoint);
        self.expect_symbol("(")?;
        let mut elements = self.selector_list(")")?;
        if elements.len() == 1 {
            return Ok(elements.remove(0));
        }
        if elements.is_empty() {
            return Err(self.no_viable());
        }
        Ok(Selector::Tuple(elements))
    }

    /// `{}`, `{a, b}`, `{k: v}` or `{field: v}` of selectors.
    fn brace_selector(&mut self) -> ParseResult<Selector> {
        self.expect_symbol("{")?;
        if self.accept_symbol("}") {
            return Ok(Selector::Set(Vec::new()));
        }
        if is_identifier_token(self.peek()) && self.peek_at(1).is_symbol(":") {
            let mut fields = Vec::new();
            loop {
                let field = self.identifier()?;
                self.expect_symbol(":")?;
                fields.push((field, self.selector()?));
                if !self.accept_symbol(",") {
                    break;
                }
            }
            self.expect_symbol("}")?;
            return Ok(Selector::UserType(fields));
        }
        let first = self.selector()?;
        if self.accept_symbol(":") {
            let mut entries = vec![(first, self.selector()?)];
            while self.accept_symbol(",") {
                let key = self.selector()?;
                self.expect_symbol(":")?;
                entries.push((key, self.selector()?));
            }
            self.expect_symbol("}")?;
            return Ok(Selector::Map(entries));
        }
        let mut elements = vec![first];
        while self.accept_symbol(",") {
            elements.push(self.selector()?);
        }
        self.expect_symbol("}")?;
        Ok(Selector::Set(elements))
    }
}

#[cfg(test)]
mod tests {
    use crate::cql3::ast::{Selection, Selector, Statement, WriteTimeKind};
    use crate::cql3::parser::parse_statement;

    fn selectors(selection: &str) -> Vec<Selector> {
        let text = format!("SELECT {selection} FROM t");
        match parse_statement(&text).unwrap_or_else(|error| panic!("{text}: {error}")) {
            Statement::Select(select) => match select.selection {
                Selection::Items(items) => items.into_iter().map(|item| item.selector).collect(),
                Selection::Wildcard => Vec::new(),
            },
            other => panic!("{other:?}"),
        }
    }

    fn one(selection: &str) -> Selector {
        selectors(selection).remove(0)
    }

    #[test]
    fn counts_and_write_times() {
        assert_eq!(one("count(*)"), Selector::CountAll);
        assert_eq!(one("COUNT(*)"), Selector::CountAll);
        assert!(
            matches!(one("COUNT(1)"), Selector::FunctionCall { name, .. } if name.name == "count")
        );
        assert!(matches!(
            one("WRITETIME(v)"),
            Selector::WriteTime {
                kind: WriteTimeKind::WriteTime,
                ..
            }
        ));
        assert!(matches!(
            one("maxwritetime(v)"),
            Selector::WriteTime {
                kind: WriteTimeKind::MaxWriteTime,
                ..
            }
        ));
        assert!(matches!(
            one("TTL(v)"),
            Selector::WriteTime {
                kind: WriteTimeKind::Ttl,
                ..
            }
        ));
        assert!(matches!(
            one("writetime(m['k'])"),
            Selector::WriteTime { .. }
        ));
        assert_eq!(one("ttl"), Selector::Column("ttl".into()));
        assert_eq!(one("count"), Selector::Column("count".into()));
    }

    #[test]
    fn casts_functions_and_tokens() {
        assert!(matches!(one("CAST(v AS text)"), Selector::Cast { .. }));
        assert!(
            matches!(one("token(k)"), Selector::FunctionCall { name, .. } if name.name == "token")
        );
        assert!(
            matches!(one("ks.fn(a, 1)"), Selector::FunctionCall { name, arguments } if name.keyspace.is_some() && arguments.len() == 2)
        );
        assert!(matches!(one("toJson(v)"), Selector::FunctionCall { .. }));
        assert!(
            matches!(one("now()"), Selector::FunctionCall { arguments, .. } if arguments.is_empty())
        );
    }

    #[test]
    fn fields_elements_slices_and_arithmetic() {
        assert!(matches!(one("u.street"), Selector::Field { field, .. } if field == "street"));
        assert!(matches!(one("m['k']"), Selector::Element { .. }));
        assert!(matches!(
            one("s[1..3]"),
            Selector::Slice {
                from: Some(_),
                to: Some(_),
                ..
            }
        ));
        assert!(matches!(one("s[..3]"), Selector::Slice { from: None, .. }));
        assert!(matches!(one("s['a'..]"), Selector::Slice { to: None, .. }));
        assert!(matches!(one("a + b * 2"), Selector::Arithmetic { .. }));
        assert!(matches!(one("(a + b) * 2"), Selector::Arithmetic { .. }));
        assert!(matches!(one("-a"), Selector::Negate(_)));
        assert!(matches!(one("(int) ?"), Selector::TypeHint { .. }));
        assert!(matches!(one("(a, b)"), Selector::Tuple(elements) if elements.len() == 2));
        assert!(matches!(one("(a)"), Selector::Column(_)));
        assert!(matches!(one("[a, 1]"), Selector::List(_)));
        assert!(matches!(one("{a: 1}"), Selector::UserType(_)));
        assert!(matches!(one("{'a': b}"), Selector::Map(_)));
        assert!(matches!(one("'lit'"), Selector::Term(_)));
        assert_eq!(selectors("key, type, \"Mixed\"").len(), 3);
    }

    #[test]
    fn aliases() {
        let text = "SELECT a AS x, count(*) AS \"N\" FROM t";
        let Statement::Select(select) = parse_statement(text).expect("parses") else {
            panic!("select")
        };
        let Selection::Items(items) = select.selection else {
            panic!("items")
        };
        assert_eq!(items[0].alias.as_deref(), Some("x"));
        assert_eq!(items[1].alias.as_deref(), Some("N"));
    }

    #[test]
    fn rejects_bad_selectors() {
        for bad in [
            "",
            "a,",
            "count(",
            "cast(a text)",
            "a AS",
            "m[",
            "s[1..2",
            "a +",
            "from",
        ] {
            assert!(
                parse_statement(&format!("SELECT {bad} FROM t")).is_err(),
                "{bad}"
            );
        }
    }
}
