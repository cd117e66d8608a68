//! Syntax errors worded like Cassandra's (ANTLR 3 messages plus the snippet
//! that `ErrorCollector` appends).

use crate::cql3::lexer::{Token, TokenKind};

/// How many tokens before the offending one the snippet shows, as in
/// Cassandra's `ErrorCollector.FIRST_TOKEN_OFFSET`.
const SNIPPET_TOKENS_BEFORE: usize = 10;

/// A statement that does not parse. `message` is the full text sent to the
/// client in a Syntax (0x2000) error, e.g.
/// `line 1:9 mismatched input 'FORM' expecting K_FROM (SELECT * [FORM]...)`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SyntaxError {
    /// 1-based line of the offending token.
    pub line: u32,
    /// 0-based column of the offending token.
    pub column: u32,
    pub message: String,
}

impl SyntaxError {
    pub fn new(line: u32, column: u32, message: String) -> SyntaxError {
        SyntaxError {
            line,
            column,
            message,
        }
    }

    /// An error at `tokens[index]` with ANTLR's `line L:C` prefix and the snippet.
    pub(crate) fn at_token(
        source: &str,
        tokens: &[Token],
        index: usize,
        description: &str,
    ) -> SyntaxError {
        let Some(offending) = tokens.get(index) else {
            return SyntaxError::new(1, 0, description.to_owned());
        };
        let mut message = format!("line {}:{} {description}", offending.line, offending.column);
        if offending.kind != TokenKind::End {
            message.push_str(&snippet(source, tokens, index));
        }
        SyntaxError::new(offending.line, offending.column, message)
    }
}

/// ` (text before [offending]...)`: up to ten tokens of context before the
/// offending token, which is bracketed, with `...` where text was left out.
fn snippet(source: &str, tokens: &[Token], index: usize) -> String {
    let Some(offending) = tokens.get(index) else {
        return String::new();
    };
    let first = tokens
        .get(index.saturating_sub(SNIPPET_TOKENS_BEFORE))
        .map_or(offending.start, |token| token.start);
    let before = source.get(first..offending.start).unwrap_or("");
    let text = source.get(offending.start..offending.end).unwrap_or("");
    let mut snippet = String::from(" (");
    if first > 0 {
        snippet.push_str("...");
    }
    snippet.push_str(before);
    snippet.push('[');
    snippet.push_str(text);
    snippet.push(']');
    if !source.get(offending.end..).unwrap_or("").trim().is_empty() {
        snippet.push_str("...");
    }
    snippet.push(')');
    snippet
}

/// How ANTLR names a token in "mismatched input 'x'": its text, or `<EOF>`.
pub(crate) fn token_display(source: &str, token: &Token) -> String {
    if token.kind == TokenKind::End {
        return "<EOF>".to_owned();
    }
    source
        .get(token.start..token.end)
        .unwrap_or(&token.text)
        .to_owned()
}

/// ANTLR's name for an expected keyword, e.g. `FROM` -> `K_FROM`.
pub(crate) fn keyword_token_name(keyword: &str) -> String {
    let upper = keyword.to_ascii_uppercase();
    match upper.as_str() {
        "TABLE" => "K_COLUMNFAMILY".to_owned(),
        "SCHEMA" => "K_KEYSPACE".to_owned(),
        "NAN" => "K_POSITIVE_NAN".to_owned(),
        "INFINITY" => "K_POSITIVE_INFINITY".to_owned(),
        _ => format!("K_{upper}"),
    }
}
