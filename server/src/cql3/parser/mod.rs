//! Hand-written recursive-descent parser for CQL 3.4.x as Cassandra 5.0 accepts
//! it (plus ScyllaDB's `USING TIMEOUT`), producing the [`ast`](crate::cql3::ast).
//!
//! The grammar follows Cassandra's `Parser.g`; each statement family lives in its
//! own file. The parser stops at the first error, like Cassandra does, and words
//! the error like ANTLR would ("mismatched input 'x' expecting K_FROM", "no viable
//! alternative at input 'x'"). Nesting depth is bounded by [`MAX_NESTING_DEPTH`]
//! so hostile input cannot overflow the stack; nothing in here panics.
//!
//! Bind markers are numbered in order of appearance while parsing; the few places
//! that backtrack restore the marker list with the token position.

mod auth;
mod batch;
mod ddl_function;
mod ddl_index;
mod ddl_keyspace;
mod ddl_table;
mod ddl_type;
mod ddl_view;
mod delete;
mod describe;
mod error;
mod insert;
mod relation;
mod select;
mod selector;
mod term;
#[cfg(test)]
mod tests;
mod update;

pub use error::SyntaxError;

use crate::cql3::ast::{BindMarker, ParsedStatement, QualifiedName, Statement};
use crate::cql3::lexer::{Token, TokenKind, is_reserved_keyword, tokenize};
use error::{keyword_token_name, token_display};

/// Stands in for the lexer's end token, which is always present in practice.
static END_TOKEN: Token = Token {
    kind: TokenKind::End,
    text: String::new(),
    line: 1,
    column: 0,
    start: 0,
    end: 0,
};

/// Deepest nesting of terms, selectors, types and relations accepted.
pub const MAX_NESTING_DEPTH: usize = 64;

/// Parses one statement (an optional trailing `;` allowed).
pub fn parse_statement(text: &str) -> Result<Statement, SyntaxError> {
    parse(text).map(|parsed| parsed.statement)
}

/// Parses one statement and returns it with its bind markers in order.
pub fn parse(text: &str) -> Result<ParsedStatement, SyntaxError> {
    let tokens = tokenize(text)?;
    let mut parser = Parser {
        source: text,
        tokens,
        position: 0,
        depth: 0,
        bind_markers: Vec::new(),
    };
    let statement = parser.statement()?;
    while parser.accept_symbol(";") {}
    if parser.peek().kind != TokenKind::End {
        return Err(parser.mismatched("EOF"));
    }
    Ok(ParsedStatement {
        statement,
        bind_markers: parser.bind_markers,
    })
}

/// A point to return to when an alternative does not match.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Checkpoint {
    position: usize,
    bind_marker_count: usize,
}

pub(crate) struct Parser<'a> {
    source: &'a str,
    /// Always ends with an [`TokenKind::End`] token.
    tokens: Vec<Token>,
    position: usize,
    depth: usize,
    bind_markers: Vec<BindMarker>,
}

pub(crate) type ParseResult<T> = Result<T, SyntaxError>;

impl Parser<'_> {
    fn statement(&mut self) -> ParseResult<Statement> {
        let token = self.peek().clone();
        if token.kind != TokenKind::Word {
            return Err(self.no_viable());
        }
        match token.text.to_ascii_lowercase().as_str() {
            "select" => self.select_statement(),
            "insert" => self.insert_statement(),
            "update" => self.update_statement(),
            "delete" => self.delete_statement(),
            "begin" => self.batch_statement(),
            "use" => {
                self.advance();
                Ok(Statement::Use(self.identifier()?))
            }
            "truncate" => {
                self.advance();
                let _ = self.accept_keyword("table") || self.accept_keyword("columnfamily");
                Ok(Statement::Truncate(self.qualified_name()?))
            }
            "create" => self.create_statement(),
            "alter" => self.alter_statement(),
            "drop" => self.drop_statement(),
            "grant" | "revoke" | "list" => self.auth_statement(),
            "describe" | "desc" => self.describe_statement(),
            _ => Err(self.no_viable()),
        }
    }

    fn create_statement(&mut self) -> ParseResult<Statement> {
        self.expect_keyword("create")?;
        let next = self.peek().text.to_ascii_lowercase();
        match next.as_str() {
            "keyspace" | "schema" => self.create_keyspace(),
            "table" | "columnfamily" => self.create_table(),
            "type" => self.create_type(),
            "index" | "custom" => self.create_index(),
            "materialized" => self.create_view(),
            "or" | "function" | "aggregate" => self.create_function_or_aggregate(),
            "trigger" => self.create_trigger(),
            "role" | "user" => self.create_role_or_user(),
            _ => Err(self.no_viable()),
        }
    }

    fn alter_statement(&mut self) -> ParseResult<Statement> {
        self.expect_keyword("alter")?;
        let next = self.peek().text.to_ascii_lowercase();
        match next.as_str() {
            "keyspace" | "schema" => self.alter_keyspace(),
            "table" | "columnfamily" => self.alter_table(),
            "type" => self.alter_type(),
            "materialized" => self.alter_view(),
            "role" | "user" => self.alter_role_or_user(),
            _ => Err(self.no_viable()),
        }
    }

    fn drop_statement(&mut self) -> ParseResult<Statement> {
        self.expect_keyword("drop")?;
        let next = self.peek().text.to_ascii_lowercase();
        match next.as_str() {
            "keyspace" | "schema" => self.drop_keyspace(),
            "table" | "columnfamily" => self.drop_table(),
            "type" => self.drop_type(),
            "index" => self.drop_index(),
            "materialized" => self.drop_view(),
            "function" | "aggregate" => self.drop_function_or_aggregate(),
            "trigger" => self.drop_trigger(),
            "role" | "user" => self.drop_role_or_user(),
            _ => Err(self.no_viable()),
        }
    }

    // ---- token cursor ----

    pub(crate) fn peek(&self) -> &Token {
        self.peek_at(0)
    }

    /// The token `offset` places ahead; past the end, the end token.
    pub(crate) fn peek_at(&self, offset: usize) -> &Token {
        let index = (self.position + offset).min(self.tokens.len().saturating_sub(1));
        self.tokens.get(index).unwrap_or(&END_TOKEN)
    }

    pub(crate) fn advance(&mut self) -> Token {
        let token = self.peek().clone();
        if token.kind != TokenKind::End {
            self.position += 1;
        }
        token
    }

    pub(crate) fn checkpoint(&self) -> Checkpoint {
        Checkpoint {
            position: self.position,
            bind_marker_count: self.bind_markers.len(),
        }
    }

    pub(crate) fn restore(&mut self, checkpoint: Checkpoint) {
        self.position = checkpoint.position;
        self.bind_markers.truncate(checkpoint.bind_marker_count);
    }

    pub(crate) fn at_keyword(&self, keyword: &str) -> bool {
        self.peek().is_keyword(keyword)
    }

    pub(crate) fn accept_keyword(&mut self, keyword: &str) -> bool {
        let found = self.at_keyword(keyword);
        if found {
            self.advance();
        }
        found
    }

    pub(crate) fn expect_keyword(&mut self, keyword: &str) -> ParseResult<()> {
        if self.accept_keyword(keyword) {
            Ok(())
        } else {
            Err(self.mismatched(&keyword_token_name(keyword)))
        }
    }

    pub(crate) fn at_symbol(&self, symbol: &str) -> bool {
        self.peek().is_symbol(symbol)
    }

    pub(crate) fn accept_symbol(&mut self, symbol: &str) -> bool {
        let found = self.at_symbol(symbol);
        if found {
            self.advance();
        }
        found
    }

    pub(crate) fn expect_symbol(&mut self, symbol: &str) -> ParseResult<()> {
        if self.accept_symbol(symbol) {
            Ok(())
        } else {
            Err(self.mismatched(&format!("'{symbol}'")))
        }
    }

    /// `IF NOT EXISTS` if present.
    pub(crate) fn accept_if_not_exists(&mut self) -> ParseResult<bool> {
        if !self.accept_keyword("if") {
            return Ok(false);
        }
        self.expect_keyword("not")?;
        self.expect_keyword("exists")?;
        Ok(true)
    }

    /// `IF EXISTS` if present.
    pub(crate) fn accept_if_exists(&mut self) -> ParseResult<bool> {
        if !self.accept_keyword("if") {
            return Ok(false);
        }
        self.expect_keyword("exists")?;
        Ok(true)
    }

    /// Runs `parse` one nesting level deeper, failing beyond the depth bound.
    pub(crate) fn nested<T>(
        &mut self,
        parse: impl FnOnce(&mut Self) -> ParseResult<T>,
    ) -> ParseResult<T> {
        if self.depth >= MAX_NESTING_DEPTH {
            return Err(self.error_here("statement is too deeply nested"));
        }
        self.depth += 1;
        let result = parse(self);
        self.depth -= 1;
        result
    }

    // ---- errors ----

    pub(crate) fn error_here(&self, description: &str) -> SyntaxError {
        SyntaxError::at_token(self.source, &self.tokens, self.position, description)
    }

    pub(crate) fn mismatched(&self, expected: &str) -> SyntaxError {
        let found = token_display(self.source, self.peek());
        self.error_here(&format!("mismatched input '{found}' expecting {expected}"))
    }

    pub(crate) fn no_viable(&self) -> SyntaxError {
        let found = token_display(self.source, self.peek());
        self.error_here(&format!("no viable alternative at input '{found}'"))
    }

    // ---- names ----

    /// True if the current token can be an identifier (`cident`).
    pub(crate) fn at_identifier(&self) -> bool {
        is_identifier_token(self.peek())
    }

    /// An identifier: unquoted (lower-cased, not a reserved keyword) or quoted.
    pub(crate) fn identifier(&mut self) -> ParseResult<String> {
        let token = self.peek();
        match token.kind {
            TokenKind::QuotedName => Ok(self.advance().text),
            TokenKind::Word if !is_reserved_keyword(&token.text) => {
                Ok(self.advance().text.to_ascii_lowercase())
            }
            TokenKind::Word => Err(self.no_viable()),
            _ => Err(self.mismatched("IDENT")),
        }
    }

    /// `name` or `keyspace.name`.
    pub(crate) fn qualified_name(&mut self) -> ParseResult<QualifiedName> {
        if self.peek().kind == TokenKind::QuestionMark {
            return Err(self.error_here("Bind variables cannot be used for keyspace names"));
        }
        let first = self.identifier()?;
        if self.accept_symbol(".") {
            let name = self.identifier()?;
            return Ok(QualifiedName {
                keyspace: Some(first),
                name,
            });
        }
        Ok(QualifiedName {
            keyspace: None,
            name: first,
        })
    }

    /// A list of identifiers in parentheses: `(a, b, c)`.
    pub(crate) fn parenthesized_identifiers(&mut self) -> ParseResult<Vec<String>> {
        self.expect_symbol("(")?;
        let mut names = vec![self.identifier()?];
        while self.accept_symbol(",") {
            names.push(self.identifier()?);
        }
        self.expect_symbol(")")?;
        Ok(names)
    }

    /// Registers a `?` or `:name` marker at the current token, if there is one.
    pub(crate) fn accept_bind_marker(&mut self) -> ParseResult<Option<BindMarker>> {
        let name = if self.peek().kind == TokenKind::QuestionMark {
            self.advance();
            None
        } else if self.at_symbol(":") {
            self.advance();
            Some(self.identifier()?)
        } else {
            return Ok(None);
        };
        let marker = BindMarker {
            index: self.bind_markers.len(),
            name,
        };
        self.bind_markers.push(marker.clone());
        Ok(Some(marker))
    }
}

/// True for a token usable as an identifier: quoted, or a non-reserved word.
pub(crate) fn is_identifier_token(token: &Token) -> bool {
    match token.kind {
        TokenKind::QuotedName => true,
        TokenKind::Word => !is_reserved_keyword(&token.text),
        _ => false,
    }
}
