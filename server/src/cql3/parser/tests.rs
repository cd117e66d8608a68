//! Whole-parser tests: statements real clients send, the parse -> display ->
//! parse round trip over every statement family, nesting bounds and a
//! deterministic mutation fuzz that must never panic.

use super::{MAX_NESTING_DEPTH, parse, parse_statement};

/// One statement of every family and most tricky forms.
const CORPUS: &[&str] = &[
    "SELECT * FROM system.local WHERE key='local'",
    "SELECT peer, data_center, host_id, rack, release_version, rpc_address, schema_version, tokens FROM system.peers",
    "SELECT * FROM system_schema.columns WHERE keyspace_name = ? AND table_name = ? USING TIMEOUT 2000ms",
    "SELECT \"k\", v FROM ks.t WHERE token(\"k\") > ? AND token(\"k\") <= ?",
    "SELECT JSON DISTINCT a, b AS \"B\" FROM t WHERE a IN (1, 2) AND b CONTAINS KEY 'x' GROUP BY a ORDER BY b DESC PER PARTITION LIMIT 1 LIMIT 10 ALLOW FILTERING",
    "SELECT count(*), COUNT(1), CAST(v AS text), WRITETIME(v), TTL(v), maxwritetime(v), m['k'], s[1..2], s[..3], u.f, a + b * 2, (a - b) / 3, - a, (int) ?, token(k) FROM t",
    "SELECT * FROM t WHERE (a, b) > (1, 2) AND (a, b) IN ((1, 2), (3, 4)) AND m['k'] = 1 AND v IS NOT NULL AND n LIKE 'a%' AND x != 3 AND y NOT IN ?",
    "SELECT * FROM t ORDER BY v ANN OF [1.0, -2.5, 3e10] LIMIT ?",
    "SELECT a FROM t WHERE a = :first AND b = NaN AND c = -Infinity AND d = 0xcafe AND e = 550e8400-e29b-41d4-a716-446655440000 AND f = P1DT2H AND g = 'it''s' AND h = true",
    "SELECT {a: 1, b: 'x'}, [1, 2], {1, 2}, {'k': v}, (a, b) FROM t",
    "INSERT INTO t (a, b) VALUES (?, ?)USING TTL 3600",
    "INSERT INTO ks.t (a, b, c, d, e) VALUES (1, [1, 2], {'a': 1}, {1, 2}, (1, 'x')) IF NOT EXISTS USING TTL 1 AND TIMESTAMP 2 AND TIMEOUT 3s",
    "INSERT INTO t JSON '{\"a\": 1}' DEFAULT UNSET",
    "INSERT INTO t (u, f, h) VALUES ({street: 'x', zip: 1}, fromJson('1'), (blob) 0x00)",
    "UPDATE t USING TTL 5 SET c = c + 1, l = l + [1], p = [0] + p, s = s - {'a'}, m = m + {'k': 1}, l[0] = 2, m['k'] = 'v', u.f = 3, d -= 1 WHERE k = 1 IF c = 1 AND l[0] > 2 AND u.f IN (1, 2)",
    "UPDATE t SET a = 1 WHERE k = 1 IF EXISTS",
    "DELETE a, l[0], m['k'], u.f FROM t USING TIMESTAMP 10 WHERE k = 1 IF EXISTS",
    "DELETE FROM t WHERE k = 1 AND c >= 2 IF a != 3",
    "BEGIN BATCH APPLY BATCH",
    "BEGIN UNLOGGED BATCH USING TIMESTAMP 1 INSERT INTO t (a) VALUES (1); DELETE FROM t WHERE a = 2; APPLY BATCH",
    "BEGIN COUNTER BATCH UPDATE t SET c = c + 1 WHERE k = 1; APPLY BATCH",
    "USE \"MyKs\"",
    "TRUNCATE TABLE ks.t",
    "CREATE KEYSPACE IF NOT EXISTS ks WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': 3} AND durable_writes = false",
    "ALTER KEYSPACE ks WITH durable_writes = true",
    "DROP KEYSPACE IF EXISTS ks",
    "CREATE TABLE IF NOT EXISTS ks.t (a int, b text, c frozen<list<int>> STATIC, v vector<float, 3>, m map<text, frozen<set<int>>>, tu tuple<int, text>, u ks.addr, \"Key\" blob, PRIMARY KEY ((a, b), \"Key\")) WITH CLUSTERING ORDER BY (\"Key\" DESC) AND compaction = {'class': 'LeveledCompactionStrategy'} AND comment = 'x' AND COMPACT STORAGE",
    "CREATE TABLE t (k text PRIMARY KEY, v 'org.apache.cassandra.db.marshal.BytesType')",
    "ALTER TABLE t ADD IF NOT EXISTS (c int, d set<text> STATIC)",
    "ALTER TABLE t DROP IF EXISTS (c, d) USING TIMESTAMP 5",
    "ALTER TABLE t RENAME IF EXISTS a TO b AND c TO d",
    "ALTER TABLE t WITH gc_grace_seconds = 0 AND caching = {'keys': 'ALL'}",
    "ALTER TABLE t DROP COMPACT STORAGE",
    "DROP TABLE t",
    "CREATE TYPE IF NOT EXISTS ks.addr (street text, zip int)",
    "ALTER TYPE addr ADD IF NOT EXISTS country text",
    "ALTER TYPE addr RENAME zip TO code AND street TO road",
    "DROP TYPE IF EXISTS addr",
    "CREATE CUSTOM INDEX IF NOT EXISTS idx ON ks.t (v) USING 'sai' WITH OPTIONS = {'similarity_function': 'cosine'}",
    "CREATE INDEX ON t (keys(m))",
    "CREATE INDEX i2 ON t (entries(m), values(l), full(f))",
    "DROP INDEX IF EXISTS ks.idx",
    "CREATE MATERIALIZED VIEW IF NOT EXISTS mv AS SELECT a, b FROM t WHERE a IS NOT NULL AND b IS NOT NULL PRIMARY KEY (b, a) WITH comment = 'v'",
    "ALTER MATERIALIZED VIEW mv WITH comment = 'w'",
    "DROP MATERIALIZED VIEW mv",
    "CREATE OR REPLACE FUNCTION ks.f(a int, \"B\" text) RETURNS NULL ON NULL INPUT RETURNS text LANGUAGE java AS 'return B;'",
    "DROP FUNCTION IF EXISTS ks.f(int, text)",
    "CREATE AGGREGATE IF NOT EXISTS avg2(int) SFUNC st STYPE tuple<int, bigint> FINALFUNC fin INITCOND (0, 0)",
    "DROP AGGREGATE avg2",
    "CREATE TRIGGER trig ON t USING 'org.T'",
    "DROP TRIGGER IF EXISTS trig ON t",
    "CREATE ROLE IF NOT EXISTS alice WITH PASSWORD = 'p' AND LOGIN = true AND SUPERUSER = false AND ACCESS TO ALL DATACENTERS",
    "ALTER ROLE alice WITH OPTIONS = {'x': 1} AND ACCESS FROM CIDRS {'region1'}",
    "DROP ROLE IF EXISTS 'Alice'",
    "CREATE USER IF NOT EXISTS bob WITH PASSWORD 'p' NOSUPERUSER",
    "ALTER USER bob WITH HASHED PASSWORD 'h'",
    "DROP USER bob",
    "GRANT SELECT, MODIFY ON KEYSPACE ks TO alice",
    "REVOKE ALL PERMISSIONS ON ALL FUNCTIONS IN KEYSPACE ks FROM alice",
    "GRANT EXECUTE ON FUNCTION ks.f(int) TO alice",
    "GRANT admin TO alice",
    "REVOKE admin FROM alice",
    "LIST ALL PERMISSIONS ON ks.t OF alice NORECURSIVE",
    "LIST ROLES OF alice",
    "LIST USERS",
    "DESCRIBE KEYSPACES",
    "DESC ONLY KEYSPACE ks WITH INTERNALS",
    "DESCRIBE FULL SCHEMA",
    "DESCRIBE TABLE ks.t",
    "DESCRIBE MATERIALIZED VIEW ks.mv",
    "DESCRIBE ks.something",
    "DESC CLUSTER",
];

#[test]
fn corpus_round_trips_through_display() {
    for text in CORPUS {
        let first = parse(text).unwrap_or_else(|error| panic!("{text}: {error}"));
        let rendered = first.statement.to_string();
        let second =
            parse(&rendered).unwrap_or_else(|error| panic!("{text}\n-> {rendered}\n{error}"));
        assert_eq!(first, second, "{text}\n-> {rendered}");
        assert_eq!(
            second.statement.to_string(),
            rendered,
            "rendering is not stable"
        );
    }
}

#[test]
fn display_is_normalized_cql() {
    let cases = [
        (
            "select * from KS.Tbl where \"Key\"='a' limit 5",
            "SELECT * FROM ks.tbl WHERE \"Key\" = 'a' LIMIT 5",
        ),
        (
            "update t set c=c+1 where k=1",
            "UPDATE t SET c = c + 1 WHERE k = 1",
        ),
        ("truncate t;", "TRUNCATE TABLE t"),
        (
            "create table t (\"select\" int primary key)",
            "CREATE TABLE t (\"select\" int PRIMARY KEY)",
        ),
    ];
    for (input, expected) in cases {
        assert_eq!(
            parse_statement(input).expect("parses").to_string(),
            expected
        );
    }
}

#[test]
fn keywords_are_case_insensitive_and_identifiers_fold() {
    let lower = parse_statement("select a from t where b = 1").expect("parses");
    let upper = parse_statement("SELECT A FROM T WHERE B = 1").expect("parses");
    assert_eq!(lower, upper);
    let quoted = parse_statement("SELECT \"A\" FROM t WHERE b = 1").expect("parses");
    assert_ne!(lower.to_string(), quoted.to_string());
}

#[test]
fn trailing_semicolons_and_comments() {
    parse_statement("SELECT * FROM t;").expect("one semicolon");
    parse_statement("SELECT * FROM t;;").expect("two semicolons");
    parse_statement("-- leading\nSELECT * /* inline */ FROM t // trailing").expect("comments");
    assert!(parse_statement("SELECT * FROM t; SELECT * FROM t").is_err());
    assert!(parse_statement("").is_err());
    assert!(parse_statement(";").is_err());
}

#[test]
fn nesting_is_bounded() {
    let deep_list = format!(
        "INSERT INTO t (a) VALUES ({}1{})",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    let error = parse_statement(&deep_list).expect_err("too deep");
    assert!(
        error.message.contains("too deeply nested"),
        "{}",
        error.message
    );
    let deep_type = format!(
        "CREATE TABLE t (a {}int{} PRIMARY KEY)",
        "list<".repeat(5_000),
        ">".repeat(5_000)
    );
    assert!(parse_statement(&deep_type).is_err());
    let deep_relation = format!(
        "SELECT * FROM t WHERE {}a = 1{}",
        "(".repeat(5_000),
        ")".repeat(5_000)
    );
    assert!(parse_statement(&deep_relation).is_err());
    let nested_ok = format!(
        "INSERT INTO t (a) VALUES ({}1{})",
        "[".repeat(MAX_NESTING_DEPTH / 2 - 2),
        "]".repeat(MAX_NESTING_DEPTH / 2 - 2)
    );
    parse_statement(&nested_ok).expect("moderate nesting parses");
}

/// xorshift64*: deterministic, dependency-free randomness for the fuzz test.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound.max(1) as u64) as usize
    }
}

const FRAGMENTS: &[&str] = &[
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ",",
    ";",
    ":",
    ".",
    "..",
    "=",
    "<",
    ">=",
    "!=",
    "+",
    "-",
    "*",
    "?",
    ":n",
    "'",
    "\"",
    "$$",
    "--",
    "/*",
    "*/",
    "0x",
    "1",
    "-1",
    "1.5e",
    "NaN",
    "-Infinity",
    "1h",
    "P1D",
    "PT",
    "µs",
    "é",
    "SELECT",
    "FROM",
    "WHERE",
    "AND",
    "IN",
    "IF",
    "NOT",
    "EXISTS",
    "token",
    "frozen<",
    "list<",
    "map<",
    "vector<",
    "AS",
    "CAST",
    "count(*)",
    "KEY",
    "BATCH",
    "APPLY",
    "USING",
    "TTL",
    "TIMEOUT",
    " ",
    "\n",
    "\u{0}",
    "550e8400-e29b-41d4-a716-4466554400",
];

#[test]
fn mutated_statements_never_panic() {
    let mut random = Random(0x5EED_CAFE_F00D_D00D);
    let mut parsed = 0;
    for round in 0..6_000 {
        let base = CORPUS[round % CORPUS.len()];
        let mut text: Vec<char> = base.chars().collect();
        for _ in 0..=random.below(4) {
            let at = random.below(text.len() + 1);
            match random.below(4) {
                0 if !text.is_empty() => {
                    let end = (at + random.below(8)).min(text.len());
                    text.drain(at.min(end)..end);
                }
                1 => {
                    let fragment = FRAGMENTS[random.below(FRAGMENTS.len())];
                    for (offset, c) in fragment.chars().enumerate() {
                        text.insert(at + offset, c);
                    }
                }
                2 => {
                    let c = char::from_u32((random.next() % 0x80) as u32).unwrap_or('x');
                    text.insert(at, c);
                }
                _ => {
                    let at = at.min(text.len().saturating_sub(1));
                    if at < text.len() {
                        text.truncate(at);
                    }
                }
            }
        }
        let text: String = text.into_iter().collect();
        if parse(&text).is_ok() {
            parsed += 1;
        }
    }
    // Some mutations keep statements valid; most do not. Either way no panic.
    assert!(parsed > 0);
}

#[test]
fn random_fragment_soup_never_panics() {
    let mut random = Random(42);
    for _ in 0..3_000 {
        let mut text = String::new();
        for _ in 0..random.below(24) {
            text.push_str(FRAGMENTS[random.below(FRAGMENTS.len())]);
            if random.below(2) == 0 {
                text.push(' ');
            }
        }
        let _ = parse(&text);
    }
}

/// Parser.g's `unreserved_keyword` (basic ones, native types and the extras).
const UNRESERVED: &[&str] = &[
    "key",
    "keys",
    "as",
    "cluster",
    "clustering",
    "compact",
    "storage",
    "tables",
    "type",
    "types",
    "values",
    "map",
    "list",
    "filtering",
    "permission",
    "permissions",
    "keyspaces",
    "all",
    "user",
    "users",
    "role",
    "roles",
    "superuser",
    "superusers",
    "nosuperuser",
    "login",
    "nologin",
    "options",
    "password",
    "exists",
    "custom",
    "trigger",
    "contains",
    "static",
    "frozen",
    "tuple",
    "function",
    "functions",
    "aggregate",
    "aggregates",
    "sfunc",
    "stype",
    "finalfunc",
    "initcond",
    "returns",
    "language",
    "called",
    "input",
    "like",
    "per",
    "partition",
    "group",
    "default",
    "unset",
    "vector",
    "ann",
    "between",
    "ttl",
    "count",
    "writetime",
    "maxwritetime",
    "cast",
    "json",
    "distinct",
    "ascii",
    "bigint",
    "blob",
    "boolean",
    "counter",
    "decimal",
    "double",
    "duration",
    "float",
    "inet",
    "int",
    "smallint",
    "text",
    "timestamp",
    "tinyint",
    "uuid",
    "varchar",
    "varint",
    "timeuuid",
    "date",
    "time",
];

#[test]
fn unreserved_keywords_are_identifiers() {
    for word in UNRESERVED {
        for text in [
            format!("SELECT {word} FROM t WHERE {word} = 1"),
            format!("CREATE TABLE {word} ({word} int PRIMARY KEY)"),
            format!("UPDATE t SET {word} = 1 WHERE k = 1"),
            format!("INSERT INTO ks.{word} ({word}) VALUES (1)"),
        ] {
            let statement =
                parse_statement(&text).unwrap_or_else(|error| panic!("{text}: {error}"));
            let rendered = statement.to_string();
            assert_eq!(
                parse_statement(&rendered).as_ref(),
                Ok(&statement),
                "{rendered}"
            );
        }
    }
}

#[test]
fn reserved_keywords_need_quotes() {
    for word in [
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
    ] {
        let bare = format!("CREATE TABLE t ({word} int PRIMARY KEY)");
        assert!(parse_statement(&bare).is_err(), "{bare}");
        let quoted = format!("CREATE TABLE t (\"{word}\" int PRIMARY KEY)");
        let statement =
            parse_statement(&quoted).unwrap_or_else(|error| panic!("{quoted}: {error}"));
        assert_eq!(statement.to_string(), quoted);
    }
}

#[test]
fn reserved_identifier_error_names_the_token() {
    let error = parse_statement("CREATE TABLE select (a int PRIMARY KEY)").expect_err("reserved");
    assert_eq!(
        error.message,
        "line 1:13 no viable alternative at input 'select' (CREATE TABLE [select]...)"
    );
}

#[test]
fn named_markers_render_and_keep_order() {
    let parsed =
        parse("UPDATE t USING TTL :ttl SET v = :\"Value\" WHERE k = ? IF v = ?").expect("parses");
    let names: Vec<_> = parsed
        .bind_markers
        .iter()
        .map(|m| m.name.as_deref())
        .collect();
    assert_eq!(names, vec![Some("ttl"), Some("Value"), None, None]);
    assert_eq!(
        parsed.statement.to_string(),
        "UPDATE t USING TTL :ttl SET v = :\"Value\" WHERE k = ? IF v = ?"
    );
}

#[test]
fn long_snippets_are_elided_at_both_ends() {
    let error = parse_statement(
        "SELECT a, b, c, d, e, f, g, h, i, j, k, l FROM t WHERE a = 1 LIMIT x ALLOW FILTERING",
    )
    .expect_err("bad limit");
    assert!(
        error
            .message
            .starts_with("line 1:67 mismatched input 'x' expecting INTEGER (..."),
        "{}",
        error.message
    );
    assert!(
        error.message.ends_with("LIMIT [x]...)"),
        "{}",
        error.message
    );
}
