//! The CQL text DESCRIBE returns for each schema element, byte for byte as
//! Cassandra 5.0 prints it (`KeyspaceMetadata`, `TableMetadata`,
//! `TableParams`, `UserType` and `IndexMetadata` `toCqlString`), so that the
//! output of one server can be replayed on another and compared textually.
//!
//! Layout rules taken from Cassandra's `CqlBuilder`: one level of indentation
//! is four spaces and applies to every line after the first; identifiers are
//! quoted only when CQL would not read them back unchanged; maps print with
//! sorted keys as `{'k': 'v'}`.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use sibyl_protocol::types::ColumnType;

use crate::cql3::ast::{Identifier, StringLiteral};
use crate::schema::{
    ColumnKind, ColumnMetadata, IndexMetadata, KeyspaceMetadata, TableMetadata, TableParams,
    UserType, uuid_to_string,
};

const INDENT: &str = "    ";

/// `CREATE KEYSPACE ks WITH replication = {...}  AND durable_writes = true;`
/// (the two spaces before `AND` are Cassandra's).
pub fn keyspace(keyspace: &KeyspaceMetadata) -> String {
    let name = Identifier(&keyspace.name);
    if keyspace.is_virtual {
        return format!(
            "/*\nWarning: Keyspace {name} is a virtual keyspace and cannot be recreated with CQL.\n\
             Structure, for reference:\nVIRTUAL KEYSPACE {name};\n*/"
        );
    }
    // Strategies of Cassandra's own package print by their simple name.
    let class = &keyspace.replication.class;
    let class = class
        .strip_prefix("org.apache.cassandra.locator.")
        .filter(|simple| !simple.contains('.'))
        .unwrap_or(class);
    let mut out = format!(
        "CREATE KEYSPACE {name} WITH replication = {{'class': {}",
        StringLiteral(class)
    );
    for (key, value) in &keyspace.replication.options {
        let _ = write!(out, ", {}: {}", StringLiteral(key), StringLiteral(value));
    }
    let _ = write!(out, "}}  AND durable_writes = {};", keyspace.durable_writes);
    out
}

/// `CREATE TYPE ks.t (\n    field type,\n    ...\n);`
pub fn user_type(user_type: &UserType) -> String {
    let mut out = format!(
        "CREATE TYPE {}.{} (\n",
        Identifier(&user_type.keyspace),
        Identifier(&user_type.name)
    );
    let count = user_type.fields.len();
    for (index, (name, field_type)) in user_type.fields.iter().enumerate() {
        // Collections and UDTs inside a UDT are always frozen.
        let _ = write!(
            out,
            "{INDENT}{} {}",
            Identifier(name),
            cql_type(field_type, true)
        );
        out.push_str(if index + 1 < count { ",\n" } else { "\n" });
    }
    out.push_str(");");
    out
}

/// `CREATE [CUSTOM] INDEX name ON ks.t (target) [USING 'class' [WITH OPTIONS = {...}]];`
pub fn index(table: &TableMetadata, index: &IndexMetadata) -> String {
    let target = index.options.get("target").map_or("", String::as_str);
    let on = format!(
        "{} ON {}.{} ({target})",
        Identifier(&index.name),
        Identifier(&table.keyspace),
        Identifier(&table.name)
    );
    if !index.kind.eq_ignore_ascii_case("CUSTOM") {
        return format!("CREATE INDEX {on};");
    }
    let class = index.options.get("class_name").map_or("", String::as_str);
    let mut out = format!("CREATE CUSTOM INDEX {on} USING {}", StringLiteral(class));
    let options: BTreeMap<&String, &String> = index
        .options
        .iter()
        .filter(|(key, _)| *key != "target" && *key != "class_name")
        .collect();
    if !options.is_empty() {
        out.push_str(" WITH OPTIONS = ");
        push_map(&mut out, options.into_iter(), true);
    }
    out.push(';');
    out
}

/// `CREATE TABLE ks.t (...) WITH ...;`. `with_internals` adds the table id and
/// replays dropped columns (`ALTER TABLE ... DROP ... USING TIMESTAMP`), as
/// `DESCRIBE ... WITH INTERNALS` does.
pub fn table(table: &TableMetadata, with_internals: bool) -> String {
    let qualified = format!(
        "{}.{}",
        Identifier(&table.keyspace),
        Identifier(&table.name)
    );
    let mut out = String::with_capacity(2048);
    if table.is_virtual {
        let _ = write!(
            out,
            "/*\nWarning: Table {qualified} is a virtual table and cannot be recreated with CQL.\n\
             Structure, for reference:\nVIRTUAL TABLE {qualified} (\n"
        );
    } else {
        let _ = writeln!(out, "CREATE TABLE {qualified} (");
    }
    let partition_key: Vec<&ColumnMetadata> = table.partition_key().collect();
    let clustering: Vec<&ColumnMetadata> = table.clustering_key().collect();
    let single_column_key = partition_key.len() == 1 && clustering.is_empty();
    let include_dropped = with_internals && !table.dropped_columns.is_empty();

    let columns = columns_in_create_order(table);
    for (index, column) in columns.iter().enumerate() {
        // A column re-added after a drop is declared by the replayed ALTERs.
        if include_dropped && table.dropped_columns.contains_key(&column.name) {
            continue;
        }
        let _ = write!(out, "{INDENT}{}", column_definition(column));
        if single_column_key && column.kind == ColumnKind::PartitionKey {
            out.push_str(" PRIMARY KEY");
        }
        if !single_column_key || include_dropped || index + 1 < columns.len() {
            out.push(',');
        }
        out.push('\n');
    }
    if include_dropped {
        let count = table.dropped_columns.len();
        for (index, (name, (_, type_text, kind))) in table.dropped_columns.iter().enumerate() {
            let _ = write!(out, "{INDENT}{} {type_text}", Identifier(name));
            if *kind == ColumnKind::Static {
                out.push_str(" static");
            }
            if !single_column_key || index + 1 < count {
                out.push(',');
            }
            out.push('\n');
        }
    }
    if !single_column_key {
        out.push_str(INDENT);
        out.push_str("PRIMARY KEY (");
        let names = |columns: &[&ColumnMetadata]| {
            columns
                .iter()
                .map(|c| Identifier(&c.name).to_string())
                .collect::<Vec<_>>()
                .join(", ")
        };
        if partition_key.len() > 1 {
            let _ = write!(out, "({})", names(&partition_key));
        } else {
            out.push_str(&names(&partition_key));
        }
        if !clustering.is_empty() {
            let _ = write!(out, ", {}", names(&clustering));
        }
        out.push_str(")\n");
    }
    out.push_str(") WITH ");

    let mut options = Vec::new();
    if with_internals {
        options.push(format!("ID = {}", uuid_to_string(&table.id)));
    }
    if !clustering.is_empty() {
        let order: Vec<String> = clustering
            .iter()
            .map(|c| {
                let direction = if c.descending { "DESC" } else { "ASC" };
                format!("{} {direction}", Identifier(&c.name))
            })
            .collect();
        options.push(format!("CLUSTERING ORDER BY ({})", order.join(", ")));
    }
    if table.is_virtual {
        options.push(format!(
            "comment = {}",
            StringLiteral(&table.params.comment)
        ));
    } else {
        options.extend(table_options(&table.params));
    }
    out.push_str(&options.join(&format!("\n{INDENT}AND ")));
    out.push(';');
    if table.is_virtual {
        out.push_str("\n*/");
    }
    if include_dropped {
        for (name, (timestamp_us, _, _)) in &table.dropped_columns {
            let _ = write!(
                out,
                "\nALTER TABLE {qualified} DROP {} USING TIMESTAMP {timestamp_us};",
                Identifier(name)
            );
            if let Some(column) = table.column(name) {
                let _ = write!(
                    out,
                    "\nALTER TABLE {qualified} ADD {};",
                    column_definition(column)
                );
            }
        }
    }
    out
}

/// Partition key, clustering key, then static and regular columns: within
/// each of those two groups single-cell columns before multi-cell ones, each
/// sorted by name (Cassandra's `RegularAndStaticColumns` iteration order).
fn columns_in_create_order(table: &TableMetadata) -> Vec<&ColumnMetadata> {
    let mut columns: Vec<&ColumnMetadata> = table.partition_key().collect();
    columns.extend(table.clustering_key());
    let mut others: Vec<&ColumnMetadata> = table.regular_and_static().collect();
    others.sort_by(|a, b| {
        let group = |c: &ColumnMetadata| (c.kind != ColumnKind::Static, c.multi_cell);
        (group(a), a.name.as_bytes()).cmp(&(group(b), b.name.as_bytes()))
    });
    columns.extend(others);
    columns
}

/// `name type[ static]`.
fn column_definition(column: &ColumnMetadata) -> String {
    let frozen = !column.multi_cell;
    let mut out = format!(
        "{} {}",
        Identifier(&column.name),
        cql_type(&column.column_type, frozen)
    );
    if column.kind == ColumnKind::Static {
        out.push_str(" static");
    }
    out
}

/// Every table option in `TableParams.appendCqlTo`'s order (alphabetical,
/// except `memtable`, which Cassandra 5.0 prints after `compression`).
fn table_options(params: &TableParams) -> Vec<String> {
    let map = |map: &BTreeMap<String, String>| {
        let mut out = String::new();
        push_map(&mut out, map.iter(), true);
        out
    };
    let extensions: BTreeMap<&String, String> = params
        .extensions
        .iter()
        .map(|(key, value)| {
            let hex: String = value.iter().map(|b| format!("{b:02x}")).collect();
            (key, format!("0x{hex}"))
        })
        .collect();
    let mut extensions_text = String::new();
    push_map(&mut extensions_text, extensions.iter(), false);
    vec![
        format!(
            "additional_write_policy = {}",
            StringLiteral(&speculative_retry_text(&params.additional_write_policy))
        ),
        format!("allow_auto_snapshot = {}", params.allow_auto_snapshot),
        format!(
            "bloom_filter_fp_chance = {}",
            java_double(params.bloom_filter_fp_chance)
        ),
        format!("caching = {}", map(&params.caching)),
        format!("cdc = {}", params.cdc),
        format!("comment = {}", StringLiteral(&params.comment)),
        format!("compaction = {}", map(&params.compaction)),
        format!("compression = {}", map(&params.compression)),
        format!("memtable = {}", StringLiteral(&params.memtable)),
        format!(
            "crc_check_chance = {}",
            java_double(params.crc_check_chance)
        ),
        format!("default_time_to_live = {}", params.default_time_to_live),
        format!("extensions = {extensions_text}"),
        format!("gc_grace_seconds = {}", params.gc_grace_seconds),
        format!("incremental_backups = {}", params.incremental_backups),
        format!("max_index_interval = {}", params.max_index_interval),
        format!(
            "memtable_flush_period_in_ms = {}",
            params.memtable_flush_period_in_ms
        ),
        format!("min_index_interval = {}", params.min_index_interval),
        format!(
            "read_repair = {}",
            StringLiteral(&params.read_repair.to_ascii_uppercase())
        ),
        format!(
            "speculative_retry = {}",
            StringLiteral(&speculative_retry_text(&params.speculative_retry))
        ),
    ]
}

/// `{'k': 'v', ...}`; extensions print their hex values unquoted.
fn push_map<K: AsRef<str>, V: AsRef<str>>(
    out: &mut String,
    entries: impl Iterator<Item = (K, V)>,
    quote_values: bool,
) {
    out.push('{');
    for (index, (key, value)) in entries.enumerate() {
        if index > 0 {
            out.push_str(", ");
        }
        let _ = write!(out, "{}: ", StringLiteral(key.as_ref()));
        if quote_values {
            let _ = write!(out, "{}", StringLiteral(value.as_ref()));
        } else {
            out.push_str(value.as_ref());
        }
    }
    out.push('}');
}

/// A type as Cassandra's `CQL3Type.toString()` prints it: nested collections
/// and UDTs frozen, tuples always frozen, UDT names unqualified and quoted
/// only when needed (reserved words included, unlike `ColumnType::cql_name`).
pub fn cql_type(column_type: &ColumnType, frozen: bool) -> String {
    let wrap = |text: String| {
        if frozen {
            format!("frozen<{text}>")
        } else {
            text
        }
    };
    match column_type {
        ColumnType::List(element) => wrap(format!("list<{}>", cql_type(element, true))),
        ColumnType::Set(element) => wrap(format!("set<{}>", cql_type(element, true))),
        ColumnType::Map(key, value) => wrap(format!(
            "map<{}, {}>",
            cql_type(key, true),
            cql_type(value, true)
        )),
        ColumnType::Udt { name, .. } => wrap(Identifier(name).to_string()),
        ColumnType::Tuple(elements) => {
            let elements: Vec<String> = elements.iter().map(|e| cql_type(e, true)).collect();
            format!("frozen<tuple<{}>>", elements.join(", "))
        }
        ColumnType::Vector { element, dimension } => {
            format!("vector<{}, {dimension}>", cql_type(element, true))
        }
        other => other.cql_name(),
    }
}

/// Java's `Double.toString`: plain decimal with at least one fractional digit
/// in [1e-3, 1e7), computerized scientific notation (`1.0E-4`) outside it.
pub fn java_double(value: f64) -> String {
    if !value.is_finite() {
        return if value.is_nan() {
            "NaN".to_owned()
        } else if value > 0.0 {
            "Infinity".to_owned()
        } else {
            "-Infinity".to_owned()
        };
    }
    let magnitude = value.abs();
    if magnitude == 0.0 || (1e-3..1e7).contains(&magnitude) {
        let text = format!("{value}");
        return if text.contains('.') {
            text
        } else {
            format!("{text}.0")
        };
    }
    let text = format!("{value:e}");
    let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
    if mantissa.contains('.') {
        format!("{mantissa}E{exponent}")
    } else {
        format!("{mantissa}.0E{exponent}")
    }
}

/// The canonical form Cassandra's speculative retry policies print
/// (`99PERCENTILE` -> `99p`, `50MS` -> `50ms`, `NONE` -> `NEVER`).
pub fn speculative_retry_text(policy: &str) -> String {
    let upper = policy.trim().to_ascii_uppercase();
    match upper.as_str() {
        "ALWAYS" => return "ALWAYS".to_owned(),
        "NEVER" | "NONE" => return "NEVER".to_owned(),
        _ => {}
    }
    if let Some((function, inner)) = upper
        .strip_suffix(')')
        .and_then(|rest| rest.split_once('('))
    {
        let parts: Vec<String> = inner.split(',').map(speculative_retry_text).collect();
        return format!("{function}({})", parts.join(","));
    }
    let percentile = upper
        .strip_suffix("PERCENTILE")
        .or_else(|| upper.strip_suffix('P'));
    if let Some(number) = percentile.and_then(|n| n.parse::<f64>().ok()) {
        // DecimalFormat("#.####"): at most four decimals, no trailing zeros.
        let text = format!("{number:.4}");
        let text = text.trim_end_matches('0').trim_end_matches('.');
        return format!("{text}p");
    }
    if let Some(number) = upper.strip_suffix("MS").and_then(|n| n.parse::<f64>().ok()) {
        return format!("{}ms", number.trunc() as i64);
    }
    policy.to_owned()
}
