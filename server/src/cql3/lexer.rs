//! CQL lexer: turns statement text into tokens with line/column positions.
//!
//! Follows Cassandra's `Lexer.g` (5.0): keywords and identifiers share one token
//! kind ([`TokenKind::Word`]) because most keywords are usable as identifiers and
//! the parser decides by context; reserved words are listed in
//! [`is_reserved_keyword`]. Where two lexer rules match, the longer match wins and
//! on equal length the rule Cassandra declares first wins (durations before
//! identifiers, UUIDs over floats and identifiers).
//!
//! Whitespace and comments (`--`, `//` to end of line, `/* ... */`) are dropped.
//! Lexing never panics; an unknown character or an unterminated literal becomes a
//! [`SyntaxError`] worded like ANTLR's "token recognition error".

use crate::cql3::parser::SyntaxError;

/// What a token is; literal values are already unescaped in [`Token::text`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// A bare identifier or keyword, as written (compare case-insensitively).
    Word,
    /// `"Quoted"` identifier; text is the name with `""` unescaped.
    QuotedName,
    /// `'string'` or `$$string$$`; text is the unescaped value.
    String,
    Integer,
    /// Decimal with fraction and/or exponent, or `-NaN` / `-Infinity`.
    Float,
    /// `0x...`; text keeps the `0x` prefix.
    Hex,
    Uuid,
    Duration,
    Boolean,
    QuestionMark,
    /// `..` between slice bounds.
    Range,
    /// Punctuation and operators: `( ) [ ] { } , ; : . = < > <= >= != + - * / % += -=`.
    Symbol,
    End,
}

/// One token with the position of its first character.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub kind: TokenKind,
    pub text: String,
    /// 1-based line.
    pub line: u32,
    /// 0-based column in characters, as ANTLR reports it.
    pub column: u32,
    /// Byte range in the source.
    pub start: usize,
    pub end: usize,
}

impl Token {
    /// True for a bare word equal (case-insensitively) to `keyword`.
    pub fn is_keyword(&self, keyword: &str) -> bool {
        self.kind == TokenKind::Word && self.text.eq_ignore_ascii_case(keyword)
    }

    pub fn is_symbol(&self, symbol: &str) -> bool {
        self.kind == TokenKind::Symbol && self.text == symbol
    }
}

/// Every keyword of `Lexer.g` that `Parser.g`'s `unreserved_keyword` does not list.
/// These cannot be used as unquoted identifiers.
const RESERVED_KEYWORDS: &[&str] = &[
    "add",
    "allow",
    "alter",
    "and",
    "apply",
    "asc",
    "authorize",
    "batch",
    "begin",
    "by",
    "columnfamily",
    "create",
    "delete",
    "desc",
    "describe",
    "drop",
    "entries",
    "execute",
    "from",
    "full",
    "grant",
    "if",
    "in",
    "index",
    "infinity",
    "insert",
    "into",
    "is",
    "keyspace",
    "limit",
    "materialized",
    "modify",
    "nan",
    "norecursive",
    "not",
    "null",
    "of",
    "on",
    "or",
    "order",
    "primary",
    "rename",
    "revoke",
    "schema",
    "select",
    "set",
    "table",
    "to",
    "token",
    "truncate",
    "unlogged",
    "update",
    "use",
    "using",
    "view",
    "where",
    "with",
];

/// True if `word` (any case) is a reserved CQL keyword.
pub fn is_reserved_keyword(word: &str) -> bool {
    let lower = word.to_ascii_lowercase();
    RESERVED_KEYWORDS.binary_search(&lower.as_str()).is_ok()
}

/// Splits `text` into tokens, ending with one [`TokenKind::End`] token.
pub fn tokenize(text: &str) -> Result<Vec<Token>, SyntaxError> {
    let mut lexer = Lexer {
        source: text,
        position: 0,
        line: 1,
        column: 0,
        tokens: Vec::new(),
    };
    lexer.run()?;
    Ok(lexer.tokens)
}

struct Lexer<'a> {
    source: &'a str,
    position: usize,
    line: u32,
    column: u32,
    tokens: Vec<Token>,
}

const SYMBOLS_TWO: &[&str] = &["<=", ">=", "!=", "+=", "-=", ".."];
const SYMBOLS_ONE: &str = "()[]{},;:.=<>+-*/%&";

impl Lexer<'_> {
    fn rest(&self) -> &str {
        self.source.get(self.position..).unwrap_or("")
    }

    fn peek_char(&self, offset: usize) -> Option<char> {
        self.rest().chars().nth(offset)
    }

    /// Moves over `byte_count` bytes, keeping line and column in step.
    fn advance(&mut self, byte_count: usize) {
        let end = (self.position + byte_count).min(self.source.len());
        let consumed = self.source.get(self.position..end).unwrap_or("");
        for c in consumed.chars() {
            if c == '\n' {
                self.line += 1;
                self.column = 0;
            } else {
                self.column += 1;
            }
        }
        self.position = end;
    }

    fn push(&mut self, kind: TokenKind, text: String, byte_count: usize) {
        let (line, column, start) = (self.line, self.column, self.position);
        self.advance(byte_count);
        self.tokens.push(Token {
            kind,
            text,
            line,
            column,
            start,
            end: self.position,
        });
    }

    fn error(&self, message: String) -> SyntaxError {
        SyntaxError::new(
            self.line,
            self.column,
            format!("line {}:{} {message}", self.line, self.column),
        )
    }

    fn run(&mut self) -> Result<(), SyntaxError> {
        while let Some(c) = self.peek_char(0) {
            let rest = self.rest();
            if c.is_whitespace() {
                self.advance(c.len_utf8());
            } else if rest.starts_with("--") || rest.starts_with("//") {
                let length = rest.find('\n').unwrap_or(rest.len());
                self.advance(length);
            } else if rest.starts_with("/*") {
                let length = rest
                    .get(2..)
                    .and_then(|body| body.find("*/"))
                    .map(|at| at + 4)
                    .ok_or_else(|| self.error("unterminated comment".to_owned()))?;
                self.advance(length);
            } else {
                self.lex_token(c)?;
            }
        }
        self.push(TokenKind::End, String::new(), 0);
        Ok(())
    }

    fn lex_token(&mut self, c: char) -> Result<(), SyntaxError> {
        let rest = self.rest();
        if let Some(length) = uuid_length(rest) {
            return {
                self.push(TokenKind::Uuid, rest[..length].to_owned(), length);
                Ok(())
            };
        }
        match c {
            '\'' => return self.quoted('\'', TokenKind::String),
            '"' => return self.quoted('"', TokenKind::QuotedName),
            '$' if rest.starts_with("$$") => return self.dollar_string(),
            '?' => {
                self.push(TokenKind::QuestionMark, "?".to_owned(), 1);
                return Ok(());
            }
            _ => {}
        }
        if let Some(length) = duration_length(rest) {
            let word_length = word_length(rest);
            if length >= word_length {
                self.push(TokenKind::Duration, rest[..length].to_owned(), length);
                return Ok(());
            }
        }
        if c == '-' {
            for special in ["-nan", "-infinity"] {
                if let Some(prefix) = rest.get(..special.len())
                    && prefix.eq_ignore_ascii_case(special)
                    && word_length(&rest[1..]) == special.len() - 1
                {
                    let text = if special == "-nan" {
                        "-NaN"
                    } else {
                        "-Infinity"
                    };
                    self.push(TokenKind::Float, text.to_owned(), special.len());
                    return Ok(());
                }
            }
        }
        if c.is_ascii_digit() || (c == '-' && self.peek_char(1).is_some_and(|d| d.is_ascii_digit()))
        {
            return self.number();
        }
        if c.is_ascii_alphabetic() {
            let length = word_length(rest);
            let word = &rest[..length];
            let kind = if word.eq_ignore_ascii_case("true") || word.eq_ignore_ascii_case("false") {
                TokenKind::Boolean
            } else {
                TokenKind::Word
            };
            self.push(kind, word.to_owned(), length);
            return Ok(());
        }
        if let Some(symbol) = SYMBOLS_TWO.iter().find(|symbol| rest.starts_with(**symbol)) {
            let kind = if *symbol == ".." {
                TokenKind::Range
            } else {
                TokenKind::Symbol
            };
            self.push(kind, (*symbol).to_owned(), 2);
            return Ok(());
        }
        if SYMBOLS_ONE.contains(c) {
            self.push(TokenKind::Symbol, c.to_string(), 1);
            return Ok(());
        }
        Err(self.error(format!("token recognition error at: '{c}'")))
    }

    /// `'...'` or `"..."` with the quote doubled inside.
    fn quoted(&mut self, quote: char, kind: TokenKind) -> Result<(), SyntaxError> {
        let rest = self.rest();
        let mut value = String::new();
        let mut chars = rest.char_indices().skip(1).peekable();
        while let Some((at, c)) = chars.next() {
            if c == quote {
                if chars.peek().is_some_and(|(_, next)| *next == quote) {
                    chars.next();
                } else {
                    if kind == TokenKind::QuotedName && value.is_empty() {
                        return Err(self.error("Empty quoted identifier".to_owned()));
                    }
                    self.push(kind, value, at + 1);
                    return Ok(());
                }
            }
            value.push(c);
        }
        Err(self.error(format!("token recognition error at: '{rest}'")))
    }

    fn dollar_string(&mut self) -> Result<(), SyntaxError> {
        let rest = self.rest();
        let body = rest.get(2..).unwrap_or("");
        match body.find("$$") {
            Some(at) => {
                self.push(TokenKind::String, body[..at].to_owned(), at + 4);
                Ok(())
            }
            None => Err(self.error(format!("token recognition error at: '{rest}'"))),
        }
    }

    /// `-? DIGIT+ ('.' DIGIT*)? EXPONENT?`, a hex blob, or an integer before `..`.
    fn number(&mut self) -> Result<(), SyntaxError> {
        let rest = self.rest();
        let bytes = rest.as_bytes();
        if rest.len() >= 2 && bytes[0] == b'0' && (bytes[1] == b'x' || bytes[1] == b'X') {
            let length = 2 + rest[2..]
                .bytes()
                .take_while(|b| b.is_ascii_hexdigit())
                .count();
            self.push(TokenKind::Hex, rest[..length].to_owned(), length);
            return Ok(());
        }
        let mut length = usize::from(bytes.first() == Some(&b'-'));
        length += count_digits(&rest[length..]);
        let mut kind = TokenKind::Integer;
        if rest[length..].starts_with('.') && !rest[length..].starts_with("..") {
            kind = TokenKind::Float;
            length += 1;
            length += count_digits(&rest[length..]);
        }
        let after = &rest[length..];
        if after.starts_with(['e', 'E']) {
            let sign = usize::from(after[1..].starts_with(['+', '-']));
            let digits = count_digits(&after[1 + sign..]);
            if digits > 0 {
                kind = TokenKind::Float;
                length += 1 + sign + digits;
            }
        }
        self.push(kind, rest[..length].to_owned(), length);
        Ok(())
    }
}

fn count_digits(text: &str) -> usize {
    text.bytes().take_while(u8::is_ascii_digit).count()
}

/// Byte length of `LETTER (LETTER | DIGIT | '_')*` at the start (0 if none).
fn word_length(text: &str) -> usize {
    if !text.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return 0;
    }
    text.bytes()
        .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
        .count()
}

/// Length of a UUID `8-4-4-4-12` hex at the start, if one is there.
fn uuid_length(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    if bytes.len() < 36 {
        return None;
    }
    let valid = bytes.iter().take(36).enumerate().all(|(at, b)| match at {
        8 | 13 | 18 | 23 => *b == b'-',
        _ => b.is_ascii_hexdigit(),
    });
    valid.then_some(36)
}

/// Length of a duration literal at the start, if one is there (any of Cassandra's
/// three forms: `1h30m`, ISO 8601 `P1DT2H` / `P2W`, or `P0001-02-03T04:05:06`).
fn duration_length(text: &str) -> Option<usize> {
    let sign = usize::from(text.starts_with('-'));
    let body = &text[sign..];
    let length = if body.starts_with('P') {
        iso_alternative_length(body).or_else(|| iso_designator_length(body))?
    } else {
        unit_form_length(body)?
    };
    Some(sign + length)
}

const DURATION_UNITS: &[&str] = &["mo", "ms", "us", "µs", "ns", "y", "w", "d", "h", "m", "s"];

fn unit_form_length(text: &str) -> Option<usize> {
    let mut length = 0;
    loop {
        let digits = count_digits(&text[length..]);
        if digits == 0 {
            break;
        }
        let after = &text[length + digits..];
        let unit = DURATION_UNITS.iter().find(|unit| {
            after
                .get(..unit.len())
                .is_some_and(|prefix| prefix.to_lowercase() == **unit)
        });
        match unit {
            Some(unit) => length += digits + unit.len(),
            None => break,
        }
    }
    (length > 0).then_some(length)
}

/// `P` then designator groups; letters are upper case only, as in `Lexer.g`.
fn iso_designator_length(text: &str) -> Option<usize> {
    let mut length = 1;
    let groups = |text: &str, allowed: &[u8]| -> usize {
        let mut length = 0;
        let mut next_allowed = 0;
        loop {
            let digits = count_digits(&text[length..]);
            let Some(designator) = text.as_bytes().get(length + digits) else {
                break;
            };
            let Some(position) = allowed.iter().position(|a| a == designator) else {
                break;
            };
            if digits == 0 || position < next_allowed {
                break;
            }
            next_allowed = position + 1;
            length += digits + 1;
        }
        length
    };
    let date = groups(&text[length..], b"YMD");
    let week = if date == 0 {
        groups(&text[length..], b"W")
    } else {
        0
    };
    length += date + week;
    if week == 0 && text[length..].starts_with('T') {
        let time = groups(&text[length + 1..], b"HMS");
        if time > 0 {
            length += 1 + time;
        }
    }
    (length > 1).then_some(length)
}

/// `PYYYY-MM-DDTHH:MM:SS`.
fn iso_alternative_length(text: &str) -> Option<usize> {
    const PATTERN: &[u8] = b"P9999-99-99T99:99:99";
    let bytes = text.as_bytes();
    let matches = bytes.len() >= PATTERN.len()
        && PATTERN.iter().zip(bytes).all(|(pattern, b)| match pattern {
            b'9' => b.is_ascii_digit(),
            other => other == b,
        });
    matches.then_some(PATTERN.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<(TokenKind, String)> {
        tokenize(text)
            .expect("lexes")
            .into_iter()
            .filter(|token| token.kind != TokenKind::End)
            .map(|token| (token.kind, token.text))
            .collect()
    }

    fn single(text: &str) -> (TokenKind, String) {
        let tokens = kinds(text);
        assert_eq!(tokens.len(), 1, "{text}: {tokens:?}");
        tokens.into_iter().next().expect("one token")
    }

    #[test]
    fn reserved_list_is_sorted_for_binary_search() {
        let mut sorted = RESERVED_KEYWORDS.to_vec();
        sorted.sort_unstable();
        assert_eq!(sorted, RESERVED_KEYWORDS);
        assert!(is_reserved_keyword("SELECT"));
        assert!(!is_reserved_keyword("key"));
        assert!(!is_reserved_keyword("ttl"));
    }

    #[test]
    fn strings_and_quoted_names_unescape() {
        assert_eq!(single("'it''s'"), (TokenKind::String, "it's".into()));
        assert_eq!(single("''"), (TokenKind::String, String::new()));
        assert_eq!(single("$$a'b$c$$"), (TokenKind::String, "a'b$c".into()));
        assert_eq!(
            single("\"Ab\"\"c\""),
            (TokenKind::QuotedName, "Ab\"c".into())
        );
        assert!(tokenize("'open").is_err());
        assert!(tokenize("\"\"").is_err());
        assert!(tokenize("$$open").is_err());
    }

    #[test]
    fn numbers_floats_and_special_values() {
        assert_eq!(single("42"), (TokenKind::Integer, "42".into()));
        assert_eq!(single("-42"), (TokenKind::Integer, "-42".into()));
        assert_eq!(single("1.5"), (TokenKind::Float, "1.5".into()));
        assert_eq!(single("1."), (TokenKind::Float, "1.".into()));
        assert_eq!(single("-1.5e-3"), (TokenKind::Float, "-1.5e-3".into()));
        assert_eq!(single("2E10"), (TokenKind::Float, "2E10".into()));
        assert_eq!(single("-NaN"), (TokenKind::Float, "-NaN".into()));
        assert_eq!(single("-infinity"), (TokenKind::Float, "-Infinity".into()));
        assert_eq!(single("NaN"), (TokenKind::Word, "NaN".into()));
        assert_eq!(single("0xCAFE"), (TokenKind::Hex, "0xCAFE".into()));
        assert_eq!(single("0x"), (TokenKind::Hex, "0x".into()));
        assert_eq!(single("TRUE"), (TokenKind::Boolean, "TRUE".into()));
    }

    #[test]
    fn integer_before_range_is_not_a_float() {
        assert_eq!(
            kinds("1..5"),
            vec![
                (TokenKind::Integer, "1".into()),
                (TokenKind::Range, "..".into()),
                (TokenKind::Integer, "5".into())
            ]
        );
    }

    #[test]
    fn uuids_win_over_numbers_and_words() {
        for uuid in [
            "550e8400-e29b-41d4-a716-446655440000",
            "abcdef01-2345-6789-abcd-ef0123456789",
            "12345678-1234-1234-1234-123456789012",
        ] {
            assert_eq!(single(uuid), (TokenKind::Uuid, uuid.into()));
        }
    }

    #[test]
    fn durations_in_all_forms() {
        for duration in [
            "1h30m",
            "2d",
            "1y2mo3w4d5h6m7s8ms9us10ns",
            "5µs",
            "2000ms",
            "-3h",
            "1MO",
            "P1DT2H",
            "P2W",
            "PT10M",
            "P1Y2M3DT4H5M6S",
            "P0001-02-03T04:05:06",
            "-P1D",
        ] {
            assert_eq!(single(duration), (TokenKind::Duration, duration.into()));
        }
        assert_eq!(single("P1DT2Hx").0, TokenKind::Word);
        assert_eq!(single("p1d").0, TokenKind::Word);
    }

    #[test]
    fn comments_and_positions() {
        let tokens = tokenize("-- c1\nSELECT /* x\n y */ a // c2\n FROM t").expect("lexes");
        let words: Vec<_> = tokens
            .iter()
            .map(|t| (t.text.as_str(), t.line, t.column))
            .collect();
        assert_eq!(
            words,
            vec![
                ("SELECT", 2, 0),
                ("a", 3, 6),
                ("FROM", 4, 1),
                ("t", 4, 6),
                ("", 4, 7)
            ]
        );
        assert!(tokenize("/* open").is_err());
    }

    #[test]
    fn symbols_and_markers() {
        let texts: Vec<_> = kinds("a<=?:n!=b+=c-=d%e")
            .into_iter()
            .map(|(_, t)| t)
            .collect();
        assert_eq!(
            texts,
            [
                "a", "<=", "?", ":", "n", "!=", "b", "+=", "c", "-=", "d", "%", "e"
            ]
        );
        let error = tokenize("SELECT #").expect_err("bad char");
        assert_eq!(error.message, "line 1:7 token recognition error at: '#'");
    }
}
