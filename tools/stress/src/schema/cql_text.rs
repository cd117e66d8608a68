//! Just enough CQL reading for a load tool: the columns of a `CREATE TABLE`
//! and which column each `?` of a statement binds to. User profiles use it to
//! generate values of the right type; the mock server uses it to answer
//! PREPARE with typed bind variables. Not a CQL parser: unknown shapes give
//! `None` and the caller reports them.

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Token {
    /// Identifier: unquoted ones lower-cased, quoted ones verbatim.
    Name(String),
    Symbol(char),
    /// A string literal, a number or any other literal word.
    Literal(String),
    Marker,
}

pub fn tokenize(text: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if c == '"' || c == '\'' {
            chars.next();
            let mut value = String::new();
            while let Some(d) = chars.next() {
                if d == c {
                    if chars.peek() == Some(&c) {
                        chars.next();
                        value.push(c);
                        continue;
                    }
                    break;
                }
                value.push(d);
            }
            tokens.push(if c == '"' {
                Token::Name(value)
            } else {
                Token::Literal(value)
            });
        } else if c.is_alphanumeric() || c == '_' {
            let mut word = String::new();
            while let Some(&d) = chars.peek() {
                if d.is_alphanumeric()
                    || d == '_'
                    || (d == '.' && word.chars().all(|w| w.is_ascii_digit()))
                {
                    word.push(d);
                    chars.next();
                } else {
                    break;
                }
            }
            if word.starts_with(|w: char| w.is_ascii_digit()) {
                tokens.push(Token::Literal(word));
            } else {
                tokens.push(Token::Name(word.to_lowercase()));
            }
        } else if c == '?' {
            chars.next();
            tokens.push(Token::Marker);
        } else {
            chars.next();
            tokens.push(Token::Symbol(c));
        }
    }
    tokens
}

/// A table as written in its `CREATE TABLE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableDef {
    pub keyspace: Option<String>,
    pub name: String,
    /// Column names and their CQL type text (`text`, `map<text,int>`).
    pub columns: Vec<(String, String)>,
    pub partition_key: Vec<String>,
    pub clustering: Vec<String>,
}

impl TableDef {
    pub fn column_type(&self, column: &str) -> Option<&str> {
        self.columns
            .iter()
            .find(|(n, _)| n == column)
            .map(|(_, t)| t.as_str())
    }
}

fn is_word(token: Option<&Token>, word: &str) -> bool {
    matches!(token, Some(Token::Name(n)) if n == word)
}

/// Reads `[ks.]name` at `at`; returns it and the index after it.
fn qualified_name(tokens: &[Token], at: usize) -> Option<(Option<String>, String, usize)> {
    let Some(Token::Name(first)) = tokens.get(at) else {
        return None;
    };
    if tokens.get(at + 1) == Some(&Token::Symbol('.')) {
        let Some(Token::Name(second)) = tokens.get(at + 2) else {
            return None;
        };
        return Some((Some(first.clone()), second.clone(), at + 3));
    }
    Some((None, first.clone(), at + 1))
}

fn token_text(token: &Token) -> String {
    match token {
        Token::Name(n) | Token::Literal(n) => n.clone(),
        Token::Symbol(c) => c.to_string(),
        Token::Marker => "?".into(),
    }
}

fn name_list(tokens: &[Token]) -> Vec<String> {
    tokens
        .iter()
        .filter_map(|t| match t {
            Token::Name(n) => Some(n.clone()),
            _ => None,
        })
        .collect()
}

/// Parses `CREATE TABLE [IF NOT EXISTS] [ks.]name (col type, ..., PRIMARY KEY (...))`.
pub fn parse_create_table(text: &str) -> Option<TableDef> {
    let tokens = tokenize(text);
    if !is_word(tokens.first(), "create")
        || !(is_word(tokens.get(1), "table") || is_word(tokens.get(1), "columnfamily"))
    {
        return None;
    }
    let mut at = 2;
    if is_word(tokens.get(2), "if") {
        at = 5;
    }
    let (keyspace, name, after) = qualified_name(&tokens, at)?;
    if tokens.get(after) != Some(&Token::Symbol('(')) {
        return None;
    }
    // Split the body into top-level comma-separated items.
    let (mut depth, mut items, mut current) = (0i32, Vec::new(), Vec::new());
    for token in tokens.get(after + 1..)? {
        match token {
            Token::Symbol('(') | Token::Symbol('<') => depth += 1,
            Token::Symbol(')') | Token::Symbol('>') if depth > 0 => depth -= 1,
            Token::Symbol(')') => {
                items.push(std::mem::take(&mut current));
                break;
            }
            Token::Symbol(',') if depth == 0 => {
                items.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        current.push(token.clone());
    }
    let mut table = TableDef {
        keyspace,
        name,
        columns: Vec::new(),
        partition_key: Vec::new(),
        clustering: Vec::new(),
    };
    for item in items {
        if is_word(item.first(), "primary") && is_word(item.get(1), "key") {
            let inner = item.get(2..).unwrap_or_default();
            // ((a, b), c, d) or (a, c, d)
            let inner = inner
                .get(1..inner.len().saturating_sub(1))
                .unwrap_or_default();
            if inner.first() == Some(&Token::Symbol('(')) {
                let close = inner.iter().position(|t| *t == Token::Symbol(')'))?;
                table.partition_key = name_list(inner.get(1..close)?);
                table.clustering = name_list(inner.get(close + 1..)?);
            } else {
                let names = name_list(inner);
                table.partition_key = names.first().cloned().into_iter().collect();
                table.clustering = names.get(1..).unwrap_or_default().to_vec();
            }
            continue;
        }
        let Some(Token::Name(column)) = item.first() else {
            continue;
        };
        let mut type_tokens: &[Token] = item.get(1..).unwrap_or_default();
        let inline_key = type_tokens.len() >= 2
            && is_word(type_tokens.get(type_tokens.len() - 2), "primary")
            && is_word(type_tokens.last(), "key");
        if inline_key {
            type_tokens = type_tokens.get(..type_tokens.len() - 2).unwrap_or_default();
            table.partition_key = vec![column.clone()];
        }
        if is_word(type_tokens.last(), "static") {
            type_tokens = type_tokens.get(..type_tokens.len() - 1).unwrap_or_default();
        }
        let type_text: String = type_tokens
            .iter()
            .map(token_text)
            .collect::<Vec<_>>()
            .join("");
        table.columns.push((column.clone(), type_text));
    }
    Some(table)
}

/// The statement kind and table of a DML statement, and for every `?` the
/// column it binds to (`None` when it cannot tell, e.g. `LIMIT ?`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BindTargets {
    pub is_select: bool,
    pub keyspace: Option<String>,
    pub table: String,
    pub columns: Vec<Option<String>>,
    /// For INSERT/SELECT: the selected or inserted columns (`*` = empty).
    pub listed: Vec<String>,
}

pub fn bind_targets(text: &str) -> Option<BindTargets> {
    let tokens = tokenize(text);
    let first = match tokens.first()? {
        Token::Name(n) => n.as_str(),
        _ => return None,
    };
    let table_at = match first {
        "insert" => tokens.iter().position(|t| is_word(Some(t), "into"))? + 1,
        "update" => 1,
        "select" | "delete" => tokens.iter().position(|t| is_word(Some(t), "from"))? + 1,
        _ => return None,
    };
    let (keyspace, table, after) = qualified_name(&tokens, table_at)?;
    let mut targets = BindTargets {
        is_select: first == "select",
        keyspace,
        table,
        columns: Vec::new(),
        listed: Vec::new(),
    };
    if first == "insert" {
        let close = after
            + tokens
                .get(after..)?
                .iter()
                .position(|t| *t == Token::Symbol(')'))?;
        targets.listed = name_list(tokens.get(after + 1..close)?);
        let mut position = 0;
        let mut in_values = false;
        for token in tokens.get(close..)? {
            if is_word(Some(token), "values") {
                in_values = true;
            } else if is_word(Some(token), "using") {
                in_values = false;
            }
            if *token == Token::Marker {
                let column = if in_values {
                    targets.listed.get(position).cloned()
                } else {
                    None
                };
                position += usize::from(in_values);
                targets.columns.push(column);
            }
        }
        return Some(targets);
    }
    if first == "select" {
        targets.listed = name_list(tokens.get(1..table_at - 1)?)
            .into_iter()
            .filter(|n| !matches!(n.as_str(), "distinct" | "json" | "as"))
            .collect();
    }
    for (i, token) in tokens.iter().enumerate() {
        if *token != Token::Marker {
            continue;
        }
        // Walk back over the operator to the nearest column name:
        // `col = ?`, `col > ?`, `"C0" = "C0" + ?`, `col IN ?`.
        let column = tokens.get(..i).and_then(|before| {
            before.iter().rev().take(4).find_map(|t| match t {
                Token::Name(n)
                    if !matches!(
                        n.as_str(),
                        "in" | "and" | "where" | "limit" | "using" | "ttl" | "timestamp"
                    ) =>
                {
                    Some(n.clone())
                }
                Token::Name(_) => Some(String::new()),
                _ => None,
            })
        });
        targets.columns.push(column.filter(|c| !c.is_empty()));
    }
    Some(targets)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_table_with_compound_key_and_collections() {
        let t = parse_create_table(
            "CREATE TABLE IF NOT EXISTS iot.readings (sensor_id uuid, day date, ts timestamp, \"Value\" double, tags map<text, int>, PRIMARY KEY ((sensor_id, day), ts)) WITH CLUSTERING ORDER BY (ts DESC)",
        )
        .expect("parse");
        assert_eq!(t.keyspace.as_deref(), Some("iot"));
        assert_eq!(t.name, "readings");
        assert_eq!(t.partition_key, vec!["sensor_id", "day"]);
        assert_eq!(t.clustering, vec!["ts"]);
        assert_eq!(t.column_type("Value"), Some("double"));
        assert_eq!(t.column_type("tags"), Some("map<text,int>"));
        let t = parse_create_table("create table t (k blob primary key, v text)").expect("parse");
        assert_eq!(t.partition_key, vec!["k"]);
    }

    #[test]
    fn binds_of_insert_update_select() {
        let b = bind_targets("INSERT INTO ks.t (a, b, \"C\") VALUES (?, ?, ?) USING TTL ?")
            .expect("insert");
        assert_eq!(
            b.columns,
            vec![Some("a".into()), Some("b".into()), Some("C".into()), None]
        );
        let b = bind_targets("UPDATE ks.counter1 SET \"C0\" = \"C0\" + ? WHERE key = ?")
            .expect("update");
        assert_eq!(b.columns, vec![Some("C0".into()), Some("key".into())]);
        let b = bind_targets("select a, b from t where k = ? and c > ? LIMIT ?").expect("select");
        assert!(b.is_select);
        assert_eq!(b.listed, vec!["a", "b"]);
        assert_eq!(b.columns, vec![Some("k".into()), Some("c".into()), None]);
    }
}
