//! The predefined schema of cassandra-stress and the statements its commands
//! run: `keyspace1.standard1 (key blob PRIMARY KEY, "C0" blob, ...)` and
//! `keyspace1.counter1` with counter columns, created `IF NOT EXISTS`.

pub mod cql_text;

use crate::cli::SchemaSettings;

/// Double-quotes an identifier (column names are case-sensitive: `"C0"`).
pub fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

pub fn create_keyspace(schema: &SchemaSettings) -> String {
    let mut options = String::new();
    if schema.replication_options.is_empty() {
        options.push_str(", 'replication_factor': '1'");
    }
    for (key, value) in &schema.replication_options {
        options.push_str(&format!(", '{key}': '{value}'"));
    }
    format!(
        "CREATE KEYSPACE IF NOT EXISTS {} WITH replication = {{'class': '{}'{options}}} AND durable_writes = true",
        quote(&schema.keyspace),
        schema.replication_strategy
    )
}

fn table_options(schema: &SchemaSettings) -> String {
    let mut text = String::from(" WITH compression = {");
    if let Some(compression) = &schema.compression {
        text.push_str(&format!("'class' : '{compression}'"));
    }
    text.push('}');
    if let Some(strategy) = &schema.compaction_strategy {
        text.push_str(&format!(" AND compaction = {{ 'class' : '{strategy}'"));
        for (key, value) in &schema.compaction_options {
            text.push_str(&format!(", '{key}' : '{value}'"));
        }
        text.push('}');
    }
    text
}

fn create_table(
    schema: &SchemaSettings,
    table: &str,
    columns: &[String],
    column_type: &str,
) -> String {
    let mut text = format!(
        "CREATE TABLE IF NOT EXISTS {}.{table} (key blob PRIMARY KEY",
        quote(&schema.keyspace)
    );
    for name in columns {
        text.push_str(&format!(", {} {column_type}", quote(name)));
    }
    text.push(')');
    text.push_str(&table_options(schema));
    text
}

pub fn create_standard1(schema: &SchemaSettings, columns: &[String]) -> String {
    create_table(schema, "standard1", columns, "blob")
}

pub fn create_counter1(schema: &SchemaSettings, columns: &[String]) -> String {
    create_table(schema, "counter1", columns, "counter")
}

/// `INSERT INTO ks.standard1 (key, "C0", ...) VALUES (?, ?, ...)`: key first.
pub fn insert_standard1(keyspace: &str, columns: &[String]) -> String {
    let names: Vec<String> = columns.iter().map(|c| quote(c)).collect();
    let markers = vec!["?"; columns.len() + 1].join(", ");
    format!(
        "INSERT INTO {}.standard1 (key, {}) VALUES ({markers})",
        quote(keyspace),
        names.join(", ")
    )
}

pub fn select_standard1(keyspace: &str) -> String {
    format!("SELECT * FROM {}.standard1 WHERE key = ?", quote(keyspace))
}

/// `UPDATE ks.counter1 SET "C0" = "C0" + ?, ... WHERE key = ?`: key last.
pub fn update_counter1(keyspace: &str, columns: &[String]) -> String {
    let sets: Vec<String> = columns
        .iter()
        .map(|c| format!("{0} = {0} + ?", quote(c)))
        .collect();
    format!(
        "UPDATE {}.counter1 SET {} WHERE key = ?",
        quote(keyspace),
        sets.join(", ")
    )
}

pub fn select_counter1(keyspace: &str) -> String {
    format!("SELECT * FROM {}.counter1 WHERE key = ?", quote(keyspace))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema() -> SchemaSettings {
        SchemaSettings {
            keyspace: "keyspace1".into(),
            replication_strategy: "org.apache.cassandra.locator.SimpleStrategy".into(),
            replication_options: Vec::new(),
            compaction_strategy: Some("LeveledCompactionStrategy".into()),
            compaction_options: vec![("sstable_size_in_mb".into(), "10".into())],
            compression: None,
        }
    }

    #[test]
    fn default_schema_matches_cassandra_stress() {
        let columns: Vec<String> = (0..5).map(|i| format!("C{i}")).collect();
        assert_eq!(
            create_keyspace(&schema()),
            "CREATE KEYSPACE IF NOT EXISTS \"keyspace1\" WITH replication = {'class': 'org.apache.cassandra.locator.SimpleStrategy', 'replication_factor': '1'} AND durable_writes = true"
        );
        let table = create_standard1(&schema(), &columns);
        assert!(table.starts_with("CREATE TABLE IF NOT EXISTS \"keyspace1\".standard1 (key blob PRIMARY KEY, \"C0\" blob, \"C1\" blob"));
        assert!(table.ends_with(
            "compaction = { 'class' : 'LeveledCompactionStrategy', 'sstable_size_in_mb' : '10'}"
        ));
        assert!(create_counter1(&schema(), &columns).contains("\"C4\" counter)"));
        assert_eq!(
            update_counter1("keyspace1", &columns[..2]),
            "UPDATE \"keyspace1\".counter1 SET \"C0\" = \"C0\" + ?, \"C1\" = \"C1\" + ? WHERE key = ?"
        );
    }
}
