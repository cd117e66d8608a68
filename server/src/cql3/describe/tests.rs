//! Expected texts come from Cassandra 5.0's `DescribeStatementTest.java`
//! (tables `test."Test"`, `test.users`, `test.has_all_types`, the static /
//! composite-key table, the clustering-order table, dependent types), not
//! from our own output.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;

use sibyl_protocol::request::QueryParameters;
use sibyl_protocol::response::ResultBody;
use sibyl_protocol::types::ColumnType;

use super::create_statements::{java_double, speculative_retry_text};
use super::{DescribePlan, elements};
use crate::cql3::ast::Statement;
use crate::cql3::parser::parse;
use crate::schema::{
    ColumnKind, ColumnMetadata, IndexMetadata, KeyspaceMetadata, ReplicationParams, Schema,
    TableMetadata, TableParams, UserType,
};
use crate::service::NodeInfo;

const TABLE_PARAMETERS: &str = "additional_write_policy = '99p'\n    AND allow_auto_snapshot = true\n    AND bloom_filter_fp_chance = 0.01\n    AND caching = {'keys': 'ALL', 'rows_per_partition': 'NONE'}\n    AND cdc = false\n    AND comment = ''\n    AND compaction = {'class': 'org.apache.cassandra.db.compaction.SizeTieredCompactionStrategy', 'max_threshold': '32', 'min_threshold': '4'}\n    AND compression = {'chunk_length_in_kb': '16', 'class': 'org.apache.cassandra.io.compress.LZ4Compressor'}\n    AND memtable = 'default'\n    AND crc_check_chance = 1.0\n    AND default_time_to_live = 0\n    AND extensions = {}\n    AND gc_grace_seconds = 864000\n    AND incremental_backups = true\n    AND max_index_interval = 2048\n    AND memtable_flush_period_in_ms = 0\n    AND min_index_interval = 128\n    AND read_repair = 'BLOCKING'\n    AND speculative_retry = '99p';";

const KEYSPACE_TEST: &str = "CREATE KEYSPACE test WITH replication = {'class': 'SimpleStrategy', 'replication_factor': '1'}  AND durable_writes = true;";

/// `(name, type, kind)`; key columns take their position from their order.
fn table(keyspace: &str, name: &str, columns: &[(&str, &str, ColumnKind)]) -> TableMetadata {
    let mut positions = BTreeMap::new();
    let columns = columns
        .iter()
        .map(|(column, type_text, kind)| {
            let parsed = ColumnType::parse_cql(type_text).expect(type_text);
            let position = if kind.is_primary_key() {
                let next = positions.entry(*kind).or_insert(0);
                *next += 1;
                *next - 1
            } else {
                -1
            };
            ColumnMetadata {
                name: (*column).to_owned(),
                multi_cell: !parsed.frozen && parsed.column_type.can_be_multi_cell(),
                column_type: parsed.column_type,
                kind: *kind,
                position,
                descending: false,
                id: 0,
            }
        })
        .collect();
    TableMetadata::new(keyspace, name, [7; 16], columns, TableParams::default())
}

use ColumnKind::{Clustering as C, PartitionKey as P, Regular as R, Static as S};

fn index(name: &str, target: &str) -> IndexMetadata {
    IndexMetadata {
        name: name.to_owned(),
        kind: "COMPOSITES".to_owned(),
        options: BTreeMap::from([("target".to_owned(), target.to_owned())]),
    }
}

fn user_type(keyspace: &str, name: &str, fields: &[(&str, ColumnType)]) -> UserType {
    UserType {
        keyspace: keyspace.to_owned(),
        name: name.to_owned(),
        fields: fields
            .iter()
            .map(|(n, t)| ((*n).to_owned(), t.clone()))
            .collect(),
    }
}

fn udt(name: &str) -> ColumnType {
    ColumnType::Udt {
        keyspace: "test".to_owned(),
        name: name.to_owned(),
        fields: Vec::new(),
    }
}

/// Cassandra's `test` keyspace of `testDescribe` (without the view) plus
/// the dependent types of `testDescribeTypes`.
fn test_schema() -> Schema {
    let mut keyspace = KeyspaceMetadata::new("test", ReplicationParams::simple(1), true);
    let mut users = table(
        "test",
        "users",
        &[
            ("userid", "text", P),
            ("firstname", "text", R),
            ("lastname", "text", R),
            ("age", "int", R),
        ],
    );
    users.indexes.push(index("myindex", "age"));
    let mut test = table(
        "test",
        "Test",
        &[("id", "int", P), ("col", "int", C), ("val", "text", R)],
    );
    test.indexes.push(index("Test_val_idx", "val"));
    test.indexes.push(index("Test_col_idx", "col"));
    for t in [users, test] {
        keyspace.tables.insert(t.name.clone(), Arc::new(t));
    }
    let types = [
        user_type(
            "test",
            "type_a",
            &[("a", ColumnType::Int), ("b", udt("type_c"))],
        ),
        user_type(
            "test",
            "type_b",
            &[("x", ColumnType::Text), ("y", ColumnType::Text)],
        ),
        user_type(
            "test",
            "type_c",
            &[("a", ColumnType::Text), ("b", udt("type_b"))],
        ),
    ];
    for t in types {
        keyspace.types.insert(t.name.clone(), Arc::new(t));
    }
    let mut schema = Schema::default();
    schema
        .keyspaces
        .insert("test".to_owned(), Arc::new(keyspace));
    schema
}

fn node() -> NodeInfo {
    NodeInfo {
        cluster_name: "Test Cluster".to_owned(),
        data_center: "datacenter1".to_owned(),
        rack: "rack1".to_owned(),
        listen_address: IpAddr::V4(Ipv4Addr::LOCALHOST),
        rpc_address: IpAddr::V4(Ipv4Addr::LOCALHOST),
        native_port: 9042,
        host_id: [1; 16],
        tokens: vec![5, -3],
        nr_shards: 1,
    }
}

/// Runs `text` and returns its rows as strings (maps as raw bytes skipped).
fn run(schema: &Schema, text: &str, keyspace: Option<&str>) -> Result<Vec<Vec<String>>, String> {
    let parsed = parse(text).map_err(|e| e.to_string())?;
    let Statement::Describe(describe) = parsed.statement else {
        panic!("{text} is not DESCRIBE");
    };
    let plan = DescribePlan::new(&describe, keyspace);
    let result = plan
        .execute(schema, &node(), &QueryParameters::default())
        .map_err(|e| e.to_string())?;
    let ResultBody::Rows(rows) = result else {
        panic!("not rows");
    };
    let width = rows.metadata.columns.len();
    assert_eq!(width, plan.result_metadata().columns.len());
    let mut cells = &rows.content[..];
    let mut out = Vec::new();
    for _ in 0..rows.rows_count {
        let mut row = Vec::new();
        for _ in 0..width {
            let value = sibyl_protocol::wire::read_bytes(&mut cells)
                .expect("cell")
                .expect("not null");
            row.push(String::from_utf8_lossy(value).into_owned());
        }
        out.push(row);
    }
    Ok(out)
}

fn row(cells: &[&str]) -> Vec<String> {
    cells.iter().map(|c| (*c).to_owned()).collect()
}

#[test]
fn tables_match_cassandra_text() {
    let users = format!(
        "CREATE TABLE test.users (\n    userid text PRIMARY KEY,\n    age int,\n    firstname text,\n    lastname text\n) WITH {TABLE_PARAMETERS}"
    );
    let test = format!(
        "CREATE TABLE test.\"Test\" (\n    id int,\n    col int,\n    val text,\n    PRIMARY KEY (id, col)\n) WITH CLUSTERING ORDER BY (col ASC)\n    AND {TABLE_PARAMETERS}"
    );
    let schema = test_schema();
    assert_eq!(
        run(&schema, "DESCRIBE TABLE test.users", None),
        Ok(vec![
            row(&["test", "table", "users", &users]),
            row(&[
                "test",
                "index",
                "myindex",
                "CREATE INDEX myindex ON test.users (age);"
            ]),
        ])
    );
    assert_eq!(
        run(&schema, "DESC \"Test\"", Some("test")),
        Ok(vec![
            row(&["test", "table", "\"Test\"", &test]),
            row(&[
                "test",
                "index",
                "\"Test_col_idx\"",
                "CREATE INDEX \"Test_col_idx\" ON test.\"Test\" (col);"
            ]),
            row(&[
                "test",
                "index",
                "\"Test_val_idx\"",
                "CREATE INDEX \"Test_val_idx\" ON test.\"Test\" (val);"
            ]),
        ])
    );
}

#[test]
fn all_types_static_columns_and_clustering_order() {
    let all_types = table(
        "test",
        "has_all_types",
        &[
            ("num", "int", P),
            ("asciicol", "ascii", R),
            ("bigintcol", "bigint", R),
            ("blobcol", "blob", R),
            ("booleancol", "boolean", R),
            ("decimalcol", "decimal", R),
            ("doublecol", "double", R),
            ("durationcol", "duration", R),
            ("floatcol", "float", R),
            ("frozenlistcol", "frozen<list<text>>", R),
            ("frozenmapcol", "frozen<map<timestamp, timeuuid>>", R),
            ("frozensetcol", "frozen<set<bigint>>", R),
            ("intcol", "int", R),
            ("smallintcol", "smallint", R),
            ("textcol", "text", R),
            ("timestampcol", "timestamp", R),
            ("tinyintcol", "tinyint", R),
            ("tuplecol", "tuple<text, int, frozen<tuple<timestamp>>>", R),
            ("uuidcol", "uuid", R),
            ("varcharcol", "varchar", R),
            ("varintcol", "varint", R),
            ("listcol", "list<decimal>", R),
            ("mapcol", "map<timestamp, timeuuid>", R),
            ("setcol", "set<tinyint>", R),
        ],
    );
    let expected = "CREATE TABLE test.has_all_types (\n    num int PRIMARY KEY,\n    asciicol ascii,\n    bigintcol bigint,\n    blobcol blob,\n    booleancol boolean,\n    decimalcol decimal,\n    doublecol double,\n    durationcol duration,\n    floatcol float,\n    frozenlistcol frozen<list<text>>,\n    frozenmapcol frozen<map<timestamp, timeuuid>>,\n    frozensetcol frozen<set<bigint>>,\n    intcol int,\n    smallintcol smallint,\n    textcol text,\n    timestampcol timestamp,\n".to_owned()
        + "    tinyintcol tinyint,\n    tuplecol frozen<tuple<text, int, frozen<tuple<timestamp>>>>,\n    uuidcol uuid,\n    varcharcol text,\n    varintcol varint,\n    listcol list<decimal>,\n    mapcol map<timestamp, timeuuid>,\n    setcol set<tinyint>\n) WITH "
        + TABLE_PARAMETERS;
    assert_eq!(Element::Table(&all_types).create_statement(false), expected);

    // testDescribeTableWithInternals, with our id and a dropped column.
    let mut with_static = table(
        "ks",
        "t",
        &[
            ("pk1", "text", P),
            ("pk2", "int", P),
            ("c", "int", C),
            ("s", "decimal", S),
            ("v1", "text", R),
            ("v2", "int", R),
        ],
    );
    with_static.dropped_columns.insert(
        "v3".to_owned(),
        (1_589_286_942_065_000, "int".to_owned(), R),
    );
    let body = "CREATE TABLE ks.t (\n    pk1 text,\n    pk2 int,\n    c int,\n    s decimal static,\n    v1 text,\n    v2 int,\n";
    assert_eq!(
        Element::Table(&with_static).create_statement(false),
        format!(
            "{body}    PRIMARY KEY ((pk1, pk2), c)\n) WITH CLUSTERING ORDER BY (c ASC)\n    AND {TABLE_PARAMETERS}"
        )
    );
    assert_eq!(
        Element::Table(&with_static).create_statement(true),
        format!(
            "{body}    v3 int,\n    PRIMARY KEY ((pk1, pk2), c)\n) WITH ID = 07070707-0707-0707-0707-070707070707\n    AND CLUSTERING ORDER BY (c ASC)\n    AND {TABLE_PARAMETERS}\nALTER TABLE ks.t DROP v3 USING TIMESTAMP 1589286942065000;"
        )
    );

    // testDescribeTableAndMaterializedViewWithClustringOrder: multi-cell last.
    let mut ordered = table(
        "ks",
        "t",
        &[
            ("pk1", "int", P),
            ("pk2", "int", P),
            ("ck1", "int", C),
            ("ck2", "int", C),
            ("reg1", "int", R),
            ("reg2", "list<int>", R),
            ("reg3", "int", R),
        ],
    );
    ordered
        .columns
        .iter_mut()
        .filter(|c| c.name == "ck2")
        .for_each(|c| c.descending = true);
    assert_eq!(
        Element::Table(&ordered).create_statement(false),
        format!(
            "CREATE TABLE ks.t (\n    pk1 int,\n    pk2 int,\n    ck1 int,\n    ck2 int,\n    reg1 int,\n    reg3 int,\n    reg2 list<int>,\n    PRIMARY KEY ((pk1, pk2), ck1, ck2)\n) WITH CLUSTERING ORDER BY (ck1 ASC, ck2 DESC)\n    AND {TABLE_PARAMETERS}"
        )
    );
}

use super::Element;

#[test]
fn keyspace_types_and_lists() {
    let schema = test_schema();
    let type_b = "CREATE TYPE test.type_b (\n    x text,\n    y text\n);";
    let type_c = "CREATE TYPE test.type_c (\n    a text,\n    b frozen<type_b>\n);";
    let type_a = "CREATE TYPE test.type_a (\n    a int,\n    b frozen<type_c>\n);";
    let rows = run(&schema, "DESCRIBE KEYSPACE test", None).expect("describe");
    let heads: Vec<(&str, &str)> = rows
        .iter()
        .map(|r| (r[1].as_str(), r[2].as_str()))
        .collect();
    assert_eq!(
        heads,
        [
            ("keyspace", "test"),
            ("type", "type_b"),
            ("type", "type_c"),
            ("type", "type_a"),
            ("table", "\"Test\""),
            ("index", "\"Test_col_idx\""),
            ("index", "\"Test_val_idx\""),
            ("table", "users"),
            ("index", "myindex"),
        ]
    );
    assert_eq!(
        (rows[0][3].as_str(), rows[1][3].as_str()),
        (KEYSPACE_TEST, type_b)
    );
    assert_eq!((rows[2][3].as_str(), rows[3][3].as_str()), (type_c, type_a));
    assert_eq!(
        run(&schema, "DESCRIBE ONLY KEYSPACE", Some("test")),
        Ok(vec![row(&["test", "keyspace", "test", KEYSPACE_TEST])])
    );
    assert_eq!(run(&schema, "DESC test", None), Ok(rows));
    assert_eq!(
        run(&schema, "DESC TYPES", Some("test")),
        Ok(vec![
            row(&["test", "type", "type_a"]),
            row(&["test", "type", "type_b"]),
            row(&["test", "type", "type_c"])
        ])
    );
    assert_eq!(
        run(&schema, "describe TABLES", None),
        Ok(vec![
            row(&["test", "table", "\"Test\""]),
            row(&["test", "table", "users"])
        ])
    );
    assert_eq!(
        run(&schema, "DESC KEYSPACES", Some("test")),
        Ok(vec![row(&["test", "keyspace", "test"])])
    );
    assert_eq!(run(&schema, "DESC FUNCTIONS", None), Ok(vec![]));
    assert_eq!(run(&schema, "DESC AGGREGATES", Some("test")), Ok(vec![]));
    assert_eq!(
        run(&schema, "DESC INDEX test.myindex", None).map(|r| r.len()),
        Ok(1)
    );
}

#[test]
fn errors_use_cassandra_messages() {
    let schema = test_schema();
    let cases = [
        ("DESCRIBE test2", None, "'test2' not found in keyspaces"),
        (
            "DESCRIBE users2",
            Some("test"),
            "'users2' not found in keyspace 'test'",
        ),
        (
            "DESCRIBE test.myindex2",
            None,
            "'myindex2' not found in keyspace 'test'",
        ),
        (
            "DESCRIBE TABLE foop",
            None,
            "No keyspace specified and no current keyspace",
        ),
        (
            "DESCRIBE INDEX foop",
            None,
            "No keyspace specified and no current keyspace",
        ),
        (
            "DESCRIBE TYPE foop",
            None,
            "No keyspace specified and no current keyspace",
        ),
        (
            "DESCRIBE TABLE test.nope",
            None,
            "Table 'nope' not found in keyspace 'test'",
        ),
        (
            "DESCRIBE TYPE test.nope",
            None,
            "User defined type 'nope' not found in 'test'",
        ),
        (
            "DESCRIBE FUNCTION test.func_foo",
            None,
            "User defined function 'func_foo' not found in 'test'",
        ),
        (
            "DESCRIBE AGGREGATE test.aggr_foo",
            None,
            "User defined aggregate 'aggr_foo' not found in 'test'",
        ),
        (
            "DESCRIBE MATERIALIZED VIEW test.mv",
            None,
            "Materialized view 'mv' not found in 'test'",
        ),
        (
            "DESCRIBE KEYSPACE nope",
            None,
            "'nope' not found in keyspaces",
        ),
        (
            "DESCRIBE TABLES",
            Some("gone"),
            "'gone' not found in keyspaces",
        ),
    ];
    for (text, keyspace, message) in cases {
        assert_eq!(
            run(&schema, text, keyspace),
            Err(message.to_owned()),
            "{text}"
        );
    }
}

#[test]
fn cluster_and_paging() {
    let schema = test_schema();
    assert_eq!(
        run(&schema, "DESC CLUSTER", None),
        Ok(vec![row(&[
            "Test Cluster",
            "Murmur3Partitioner",
            "DynamicEndpointSnitch"
        ])])
    );
    let parsed = parse("DESC CLUSTER").expect("parse");
    let Statement::Describe(describe) = parsed.statement else {
        panic!()
    };
    assert_eq!(
        DescribePlan::new(&describe, Some("test"))
            .result_metadata()
            .columns
            .len(),
        4
    );
    assert_eq!(
        DescribePlan::new(&describe, Some("system"))
            .result_metadata()
            .columns
            .len(),
        3
    );

    let parsed = parse("DESCRIBE SCHEMA").expect("parse");
    let Statement::Describe(describe) = parsed.statement else {
        panic!()
    };
    let plan = DescribePlan::new(&describe, None);
    let mut seen = 0;
    let mut state: Option<Vec<u8>> = None;
    loop {
        let params = QueryParameters {
            page_size: Some(4),
            paging_state: state.as_deref(),
            ..Default::default()
        };
        let Ok(ResultBody::Rows(rows)) = plan.execute(&schema, &node(), &params) else {
            panic!()
        };
        seen += rows.rows_count;
        state = rows.metadata.paging_state.clone();
        if state.is_none() {
            break;
        }
    }
    assert_eq!(seen, 9);
    let mut changed = schema.clone();
    changed.version = [9; 16];
    let params = QueryParameters {
        page_size: Some(4),
        ..Default::default()
    };
    let Ok(ResultBody::Rows(first)) = plan.execute(&schema, &node(), &params) else {
        panic!()
    };
    let params = QueryParameters {
        paging_state: first.metadata.paging_state.as_deref(),
        ..params
    };
    assert!(
        matches!(plan.execute(&changed, &node(), &params), Err(e) if e.to_string() == super::SCHEMA_CHANGED_WHILE_PAGING_MESSAGE)
    );
}

/// Every CREATE statement DESCRIBE prints must parse back as CQL.
#[test]
fn generated_statements_parse() {
    let mut schema = test_schema();
    for keyspace in crate::schema::system::system_keyspaces() {
        schema.keyspaces.insert(keyspace.name.clone(), keyspace);
    }
    let rows = elements::describe(
        &schema,
        &crate::cql3::ast::DescribeTarget::Schema { full: true },
        None,
    )
    .expect("schema");
    assert!(rows.len() > 20);
    for element in rows {
        let text = element.create_statement(false);
        if text.starts_with("/*") {
            continue; // virtual: a comment for reference only
        }
        parse(&text).unwrap_or_else(|e| panic!("{text}\n{e}"));
    }
}

#[test]
fn java_formats() {
    assert_eq!(
        [
            java_double(0.01),
            java_double(1.0),
            java_double(0.1),
            java_double(1e-4),
            java_double(0.0)
        ],
        ["0.01", "1.0", "0.1", "1.0E-4", "0.0"]
    );
    assert_eq!(
        [
            "99PERCENTILE",
            "99.9p",
            "50ms",
            "always",
            "NONE",
            "min(99p,50MS)"
        ]
        .map(speculative_retry_text),
        ["99p", "99.9p", "50ms", "ALWAYS", "NEVER", "MIN(99p,50ms)"]
    );
}
