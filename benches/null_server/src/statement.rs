//! Just enough reading of a prepared statement to describe its bind markers
//! and result columns the way a real server would, for the statements
//! sibyl-stress prepares by default:
//!
//! - `INSERT INTO ks.standard1 (key, "C0", ...) VALUES (?, ...)`: all blob,
//!   partition key = marker 0;
//! - `SELECT * FROM ks.standard1 WHERE key = ?`: one blob, rows
//!   `key, C0..C4` blob;
//! - `UPDATE ks.counter1 SET "C0" = "C0" + ?, ... WHERE key = ?`: counters
//!   before WHERE, the blob key after it;
//! - `SELECT * FROM ks.counter1 WHERE key = ?`: rows `key` blob, `C0..C4`
//!   counter.
//!
//! Anything else gets blob markers, partition key = the first marker after
//! WHERE (or 0), and for SELECT the standard1 columns.

use sibyl_protocol::response::{ColumnSpec, Prepared, PreparedMetadata, RowsMetadata};
use sibyl_protocol::types::ColumnType;
use sibyl_protocol::wire;

/// Value columns in the default schema (cassandra-stress: 5 × 34 bytes).
const VALUE_COLUMNS: usize = 5;
const VALUE_BYTES: usize = 34;
const KEY_BYTES: usize = 10;

/// What EXECUTE of one prepared statement answers.
#[derive(Debug, Clone)]
pub struct Statement {
    pub prepared: Prepared,
    /// `Some(encoded row)` for SELECTs: the one fixed row every read returns.
    pub row: Option<Vec<u8>>,
}

/// Markers outside quotes: `?` only (named `:x` markers are not used by the tool).
fn marker_positions(text: &str) -> Vec<usize> {
    let mut quote = None;
    let mut out = Vec::new();
    for (at, c) in text.char_indices() {
        match (quote, c) {
            (None, '\'' | '"') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '?') => out.push(at),
            _ => {}
        }
    }
    out
}

/// `(keyspace, table)` after INTO / FROM / UPDATE, quotes removed.
fn target_table(lower: &str) -> (String, String) {
    let after = ["into ", "from ", "update "]
        .iter()
        .find_map(|word| lower.find(word).and_then(|at| lower.get(at + word.len()..)))
        .unwrap_or("");
    let name = after
        .split(|c: char| c.is_whitespace() || c == '(')
        .next()
        .unwrap_or("");
    let mut parts = name.split('.').map(|p| p.trim_matches('"').to_owned());
    match (parts.next(), parts.next()) {
        (Some(ks), Some(table)) => (ks, table),
        (Some(table), None) => ("keyspace1".to_owned(), table),
        _ => ("keyspace1".to_owned(), String::new()),
    }
}

fn spec(keyspace: &str, table: &str, name: &str, column_type: ColumnType) -> ColumnSpec {
    ColumnSpec {
        keyspace: keyspace.to_owned(),
        table: table.to_owned(),
        name: name.to_owned(),
        column_type,
    }
}

/// Describes `text`; `id` is the statement id the server hands out.
pub fn describe(text: &str, id: Vec<u8>) -> Statement {
    let lower = text.to_ascii_lowercase();
    let (keyspace, table) = target_table(&lower);
    let is_counter = table == "counter1";
    let is_select = lower.trim_start().starts_with("select");
    let is_update = lower.trim_start().starts_with("update");
    let where_at = lower.find(" where ").unwrap_or(usize::MAX);
    let markers = marker_positions(text);
    let pk_index = markers.iter().position(|&at| at > where_at).unwrap_or(0);
    let binds = markers
        .iter()
        .enumerate()
        .map(|(i, &at)| {
            let column_type = if is_update && is_counter && at < where_at {
                ColumnType::Counter
            } else {
                ColumnType::Blob
            };
            spec(&keyspace, &table, &format!("[bind{i}]"), column_type)
        })
        .collect();
    let value_type = if is_counter {
        ColumnType::Counter
    } else {
        ColumnType::Blob
    };
    let (result_columns, row) = if is_select {
        let columns: Vec<ColumnSpec> =
            std::iter::once(spec(&keyspace, &table, "key", ColumnType::Blob))
                .chain(
                    (0..VALUE_COLUMNS)
                        .map(|i| spec(&keyspace, &table, &format!("C{i}"), value_type.clone())),
                )
                .collect();
        let mut row = Vec::new();
        wire::write_bytes(&mut row, Some(&[b'0'; KEY_BYTES]));
        for _ in 0..VALUE_COLUMNS {
            if is_counter {
                wire::write_bytes(&mut row, Some(&1i64.to_be_bytes()));
            } else {
                wire::write_bytes(&mut row, Some(&[0x5a; VALUE_BYTES]));
            }
        }
        (columns, Some(row))
    } else {
        (Vec::new(), None)
    };
    Statement {
        prepared: Prepared {
            id,
            result_metadata_id: None,
            metadata: PreparedMetadata {
                pk_indexes: if markers.is_empty() {
                    Vec::new()
                } else {
                    vec![u16::try_from(pk_index).unwrap_or(0)]
                },
                columns: binds,
            },
            result_metadata: RowsMetadata::new(result_columns),
        },
        row,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stress_default_statements_are_described() {
        let insert = describe(
            "INSERT INTO \"keyspace1\".standard1 (key, \"C0\", \"C1\", \"C2\", \"C3\", \"C4\") VALUES (?, ?, ?, ?, ?, ?)",
            vec![1],
        );
        assert_eq!(insert.prepared.metadata.columns.len(), 6);
        assert_eq!(insert.prepared.metadata.pk_indexes, vec![0]);
        assert!(insert.row.is_none());

        let update = describe(
            "UPDATE \"keyspace1\".counter1 SET \"C0\" = \"C0\" + ?, \"C1\" = \"C1\" + ? WHERE key = ?",
            vec![2],
        );
        let types: Vec<_> = update
            .prepared
            .metadata
            .columns
            .iter()
            .map(|c| c.column_type.clone())
            .collect();
        assert_eq!(
            types,
            vec![ColumnType::Counter, ColumnType::Counter, ColumnType::Blob]
        );
        assert_eq!(update.prepared.metadata.pk_indexes, vec![2]);

        let select = describe(
            "SELECT * FROM \"keyspace1\".standard1 WHERE key = ?",
            vec![3],
        );
        assert_eq!(select.prepared.result_metadata.columns_count, 6);
        assert_eq!(
            select.prepared.result_metadata.columns[0].keyspace,
            "keyspace1"
        );
        assert_eq!(
            select.row.as_ref().map(Vec::len),
            Some(4 + KEY_BYTES + 5 * (4 + VALUE_BYTES))
        );
    }

    #[test]
    fn quoted_question_marks_are_not_markers() {
        assert_eq!(
            marker_positions("SELECT '?' FROM t WHERE a = ? AND \"?\" = ?").len(),
            2
        );
    }
}
