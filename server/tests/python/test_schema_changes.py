"""Schema changes that rename or extend what already holds data, through the
Python driver: ALTER TABLE ... RENAME and ALTER TYPE ... ADD / RENAME, with
Cassandra 5.0's rules and messages, the data written before the change read
back after it (also across flush and restart), and SCHEMA_CHANGE pushed to
other connections."""
import tempfile
import time
import urllib.request

import pytest
from cassandra import InvalidRequest
from cassandra.cluster import Cluster

from conftest import SibylNode


def connect(node, keyspace=None):
    cluster = Cluster(["127.0.0.1"], port=node.port, connect_timeout=5, control_connection_timeout=5)
    return cluster, cluster.connect(keyspace)


def create_keyspace(session, name="ks"):
    session.execute(f"CREATE KEYSPACE {name} WITH replication = {{'class': 'SimpleStrategy', 'replication_factor': 1}}")
    session.set_keyspace(name)


def flush(node, keyspace):
    request = urllib.request.Request(
        f"http://127.0.0.1:{node.api_port}/storage_service/keyspace_flush/{keyspace}", method="POST")
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200


def schema_version(session):
    return session.execute("SELECT schema_version FROM system.local").one().schema_version


@pytest.fixture
def session(node):
    cluster, s = connect(node)
    create_keyspace(s)
    yield s
    cluster.shutdown()


def test_rename_primary_key_columns_keeps_the_data(node, session):
    session.execute("CREATE TABLE t (k int, c int, v text, PRIMARY KEY (k, c))")
    for k in range(20):
        for c in range(3):
            session.execute("INSERT INTO t (k, c, v) VALUES (%s, %s, %s)", (k, c, f"{k}-{c}"))
    flush(node, "ks")
    session.execute("INSERT INTO t (k, c, v) VALUES (100, 0, 'memtable')")
    before = schema_version(session)
    result = session.execute("ALTER TABLE t RENAME k TO key AND c TO ck")
    assert schema_version(session) != before
    assert result.one() is None
    rows = list(session.execute("SELECT key, ck, v FROM t"))
    assert sorted((r.key, r.ck, r.v) for r in rows) == sorted(
        [(k, c, f"{k}-{c}") for k in range(20) for c in range(3)] + [(100, 0, "memtable")])
    assert session.execute("SELECT v FROM t WHERE key = 7 AND ck = 2").one().v == "7-2"
    prepared = session.prepare("INSERT INTO t (key, ck, v) VALUES (?, ?, ?)")
    session.execute(prepared, (7, 9, "new"))
    assert [r.ck for r in session.execute("SELECT ck FROM t WHERE key = 7")] == [0, 1, 2, 9]
    with pytest.raises(InvalidRequest, match="Undefined column name k"):
        session.execute("SELECT k FROM t")
    meta = session.cluster.metadata.keyspaces["ks"].tables["t"]
    assert [c.name for c in meta.partition_key] == ["key"]
    assert [c.name for c in meta.clustering_key] == ["ck"]
    assert sorted(meta.columns) == ["ck", "key", "v"]


def test_rename_is_refused_like_cassandra(session):
    session.execute("CREATE TABLE t (k int, c int, v int, w int, PRIMARY KEY (k, c))")
    with pytest.raises(InvalidRequest, match="^.*Cannot rename non PRIMARY KEY column v\"?$"):
        session.execute("ALTER TABLE t RENAME v TO x")
    with pytest.raises(InvalidRequest,
                       match="Cannot rename column c to v in table 'ks.t'; another column with that name already exists"):
        session.execute("ALTER TABLE t RENAME c TO v")
    with pytest.raises(InvalidRequest, match="Column nope was not found in table ks.t"):
        session.execute("ALTER TABLE t RENAME nope TO x")
    with pytest.raises(InvalidRequest, match="Table 'ks.missing' doesn't exist"):
        session.execute("ALTER TABLE missing RENAME k TO x")
    # A failed rename in a list changes nothing, not even the renames before it.
    with pytest.raises(InvalidRequest, match="Cannot rename non PRIMARY KEY column w"):
        session.execute("ALTER TABLE t RENAME k TO k2 AND w TO w2")
    assert session.execute("SELECT k FROM t").one() is None
    version = schema_version(session)
    session.execute("ALTER TABLE t RENAME IF EXISTS nope TO x")
    session.execute("ALTER TABLE IF EXISTS missing RENAME k TO x")
    assert schema_version(session) == version
    session.execute("CREATE INDEX c_idx ON t (c)")
    with pytest.raises(InvalidRequest,
                       match=r"Cannot rename column c because it has dependent secondary indexes \(c_idx\)"):
        session.execute("ALTER TABLE t RENAME c TO c2")
    session.execute("CREATE INDEX w_idx ON t (w)")
    with pytest.raises(InvalidRequest,
                       match=r"Cannot drop column w because it has dependent secondary indexes \(w_idx\)"):
        session.execute("ALTER TABLE t DROP w")
    # An index on another column does not stand in the way.
    session.execute("ALTER TABLE t RENAME k TO k2")
    session.execute("INSERT INTO t (k2, c, v, w) VALUES (1, 2, 3, 4)")
    assert session.execute("SELECT k2, c FROM t WHERE w = 4").one() == (1, 2)


def test_schema_change_events_reach_other_connections(node, session):
    session.execute("CREATE TYPE addr (street text)")
    session.execute("CREATE TABLE t (k int PRIMARY KEY, v int)")
    watcher, _ = connect(node)
    try:
        assert "t" in watcher.metadata.keyspaces["ks"].tables
        session.execute("ALTER TABLE t RENAME k TO id")
        session.execute("ALTER TYPE addr ADD city text")
        deadline = time.time() + 20
        while time.time() < deadline:
            ks = watcher.metadata.keyspaces["ks"]
            if "id" in ks.tables["t"].columns and ks.user_types["addr"].field_names == ["street", "city"]:
                break
            time.sleep(0.2)
        ks = watcher.metadata.keyspaces["ks"]
        assert [c.name for c in ks.tables["t"].partition_key] == ["id"]
        assert ks.user_types["addr"].field_names == ["street", "city"]
    finally:
        watcher.shutdown()


def test_alter_type_add_and_rename_fields(node, session):
    session.execute("CREATE TYPE addr (street text, city text)")
    session.execute("CREATE TABLE people (k int PRIMARY KEY, home frozen<addr>, work addr, homes list<frozen<addr>>)")
    session.execute("INSERT INTO people (k, home, work, homes) VALUES "
                    "(1, {street: 'a', city: 'b'}, {street: 'c', city: 'd'}, [{street: 'e', city: 'f'}])")
    flush(node, "ks")
    before = schema_version(session)
    session.execute("ALTER TYPE addr ADD zip int")
    assert schema_version(session) != before
    row = session.execute("SELECT home, work, homes FROM people WHERE k = 1").one()
    assert (row.home.street, row.home.city, row.home.zip) == ("a", "b", None)
    assert (row.work.street, row.work.city, row.work.zip) == ("c", "d", None)
    assert (row.homes[0].street, row.homes[0].zip) == ("e", None)
    session.execute("UPDATE people SET work.zip = 75001 WHERE k = 1")
    session.execute("INSERT INTO people (k, home) VALUES (2, {street: 'x', city: 'y', zip: 42})")
    session.execute("ALTER TYPE addr RENAME city TO town AND street TO road")
    row = session.execute("SELECT home, work FROM people WHERE k = 1").one()
    assert (row.home.road, row.home.town, row.home.zip) == ("a", "b", None)
    assert (row.work.road, row.work.town, row.work.zip) == ("c", "d", 75001)
    assert session.execute("SELECT home FROM people WHERE k = 2").one().home.town == "y"
    session.execute("UPDATE people SET work.town = 'lyon' WHERE k = 1")
    work = session.execute("SELECT work FROM people WHERE k = 1").one().work
    assert (work.road, work.town, work.zip) == ("c", "lyon", 75001)
    udt = session.cluster.metadata.keyspaces["ks"].user_types["addr"]
    assert udt.field_names == ["road", "town", "zip"]
    assert udt.field_types == ["text", "text", "int"]


def test_alter_type_is_refused_like_cassandra(session):
    session.execute("CREATE TYPE addr (street text, city text)")
    with pytest.raises(InvalidRequest, match="Type ks.nope doesn't exist"):
        session.execute("ALTER TYPE nope ADD f int")
    with pytest.raises(InvalidRequest,
                       match="Cannot add field city to type ks.addr: a field with name city already exists"):
        session.execute("ALTER TYPE addr ADD city text")
    with pytest.raises(InvalidRequest, match="Unkown field nope in user type ks.addr"):
        session.execute("ALTER TYPE addr RENAME nope TO x")
    with pytest.raises(InvalidRequest, match="Duplicate field name city in type ks"):
        session.execute("ALTER TYPE addr RENAME street TO city")
    with pytest.raises(InvalidRequest, match="as it would create a circular reference"):
        session.execute("ALTER TYPE addr ADD self frozen<addr>")
    session.execute("CREATE TABLE keyed (k frozen<addr> PRIMARY KEY, v int)")
    with pytest.raises(InvalidRequest, match="Cannot add new field zip of type int to user type ks.addr as the type "
                                             "is being used in partition key by the following tables: ks.keyed"):
        session.execute("ALTER TYPE addr ADD zip int")
    version = schema_version(session)
    session.execute("ALTER TYPE IF EXISTS nope ADD f int")
    session.execute("ALTER TYPE addr ADD IF NOT EXISTS city text")
    session.execute("ALTER TYPE addr RENAME IF EXISTS nope TO x")
    assert schema_version(session) == version
    assert session.cluster.metadata.keyspaces["ks"].user_types["addr"].field_names == ["street", "city"]


def test_renames_survive_restart():
    with tempfile.TemporaryDirectory(prefix="sibyl-py-") as workdir:
        node = SibylNode("--smp", "2", workdir=workdir)
        try:
            cluster, s = connect(node)
            create_keyspace(s, "r")
            s.execute("CREATE TYPE addr (street text)")
            s.execute("CREATE TABLE t (k int, c int, a frozen<addr>, PRIMARY KEY (k, c))")
            for k in range(10):
                s.execute("INSERT INTO t (k, c, a) VALUES (%s, 1, {street: %s})", (k, str(k)))
            flush(node, "r")
            s.execute("ALTER TABLE t RENAME k TO key")
            s.execute("ALTER TYPE addr ADD zip int")
            s.execute("ALTER TYPE addr RENAME street TO road")
            s.execute("INSERT INTO t (key, c, a) VALUES (10, 1, {road: '10', zip: 10})")
            cluster.shutdown()
        finally:
            node.stop(cleanup=False)
        node = SibylNode("--smp", "2", workdir=workdir)
        try:
            cluster, s = connect(node, "r")
            rows = sorted(s.execute("SELECT key, c, a FROM t"), key=lambda r: r.key)
            assert [(r.key, r.c, r.a.road, r.a.zip) for r in rows] == \
                [(k, 1, str(k), None) for k in range(10)] + [(10, 1, "10", 10)]
            meta = cluster.metadata.keyspaces["r"]
            assert [c.name for c in meta.tables["t"].partition_key] == ["key"]
            assert meta.user_types["addr"].field_names == ["road", "zip"]
            cluster.shutdown()
        finally:
            node.stop()


def test_views_functions_and_triggers_answer_like_cassandra_defaults(session):
    """Cassandra 5.0's default cassandra.yaml disables materialized views and
    user-defined functions, and has no trigger classes: the same statements
    get the same InvalidRequest (0x2200) messages here."""
    session.execute("CREATE TABLE base (k int PRIMARY KEY, v int)")
    version = schema_version(session)
    refused = {
        "CREATE MATERIALIZED VIEW mv AS SELECT * FROM base WHERE k IS NOT NULL AND v IS NOT NULL PRIMARY KEY (v, k)":
            "Materialized views are disabled. Enable in cassandra.yaml to use.",
        "CREATE MATERIALIZED VIEW IF NOT EXISTS ks.mv AS SELECT k, v FROM base WHERE k IS NOT NULL AND v IS NOT NULL "
        "PRIMARY KEY (v, k)":
            "Materialized views are disabled. Enable in cassandra.yaml to use.",
        "ALTER MATERIALIZED VIEW mv WITH comment = 'x'": "Materialized view 'ks.mv' doesn't exist",
        "DROP MATERIALIZED VIEW mv": "Materialized view 'ks.mv' doesn't exist",
        "CREATE FUNCTION f (a int) RETURNS NULL ON NULL INPUT RETURNS int LANGUAGE java AS 'return a;'":
            "User-defined functions are disabled in cassandra.yaml - set user_defined_functions_enabled=true to enable",
        "CREATE OR REPLACE FUNCTION ks.f (a int) CALLED ON NULL INPUT RETURNS int LANGUAGE java AS 'return a;'":
            "User-defined functions are disabled in cassandra.yaml - set user_defined_functions_enabled=true to enable",
        "DROP FUNCTION f": "Function 'ks.f' doesn't exist",
        "DROP FUNCTION ks.f (int, text)": "Function 'ks.f(int, text)' doesn't exist",
        "CREATE AGGREGATE agg (int) SFUNC acc STYPE tuple<int, bigint> INITCOND (0, 0)":
            "State function ks.acc(tuple<int, bigint>, int) doesn't exist",
        "DROP AGGREGATE agg": "Aggregate 'ks.agg' doesn't exist",
        "CREATE TRIGGER trig ON base USING 'org.example.Trigger'":
            "Trigger class 'org.example.Trigger' couldn't be loaded",
        "DROP TRIGGER trig ON base": "Trigger 'trig' on 'ks.base' doesn't exist",
    }
    for statement, message in refused.items():
        with pytest.raises(InvalidRequest) as error:
            session.execute(statement)
        assert str(error.value) == f'Error from server: code=2200 [Invalid query] message="{message}"', statement
    for statement in ["DROP MATERIALIZED VIEW IF EXISTS mv", "ALTER MATERIALIZED VIEW IF EXISTS mv WITH comment = 'x'",
                      "DROP FUNCTION IF EXISTS f", "DROP AGGREGATE IF EXISTS agg", "DROP TRIGGER IF EXISTS trig ON base"]:
        assert session.execute(statement).one() is None
    assert schema_version(session) == version


def test_alter_table_and_type_refusals_match_cassandra(session):
    session.execute("CREATE TYPE addr (street text)")
    session.execute("CREATE TABLE t (k int, c int, v int, s int static, home addr, PRIMARY KEY (k, c))")
    refused = {
        "ALTER TABLE t ALTER v TYPE blob": "Altering column types is no longer supported",
        "ALTER TYPE addr ALTER street TYPE blob": "Altering field types is no longer supported",
        "ALTER TABLE t DROP nope": "Column nope was not found in table 'ks.t'",
        "ALTER TABLE t DROP home": "Cannot drop non-frozen column home of user type addr",
        "ALTER TABLE t DROP k": "Cannot drop PRIMARY KEY column k",
    }
    for statement, message in refused.items():
        with pytest.raises(InvalidRequest) as error:
            session.execute(statement)
        assert str(error.value) == f'Error from server: code=2200 [Invalid query] message="{message}"', statement
    session.execute("ALTER TABLE t DROP v USING TIMESTAMP 1000")
    session.execute("ALTER TABLE t DROP s")
    with pytest.raises(InvalidRequest, match="Cannot re-add previously dropped column 'v' of kind STATIC, "
                                             "incompatible with previous kind REGULAR"):
        session.execute("ALTER TABLE t ADD v int static")
    with pytest.raises(InvalidRequest, match="Cannot re-add previously dropped column 's' of kind REGULAR, "
                                             "incompatible with previous kind STATIC"):
        session.execute("ALTER TABLE t ADD s int")
    session.execute("ALTER TABLE t ADD v int")
    session.execute("INSERT INTO t (k, c, v) VALUES (1, 1, 5)")
    assert session.execute("SELECT v FROM t WHERE k = 1 AND c = 1").one().v == 5


def test_drop_type_refusals_match_cassandra(session):
    session.execute("CREATE TYPE addr (street text)")
    session.execute("CREATE TYPE person (home frozen<addr>)")
    session.execute("CREATE TABLE t1 (k int PRIMARY KEY, a frozen<addr>)")
    session.execute("CREATE TABLE t2 (k int PRIMARY KEY, a list<frozen<addr>>)")
    refused = {
        "DROP TYPE nope": "Type 'ks.nope' doesn't exist",
        "DROP TYPE addr": "Cannot drop user type 'ks.addr' as it is still used by user types person",
    }
    for statement, message in refused.items():
        with pytest.raises(InvalidRequest) as error:
            session.execute(statement)
        assert str(error.value) == f'Error from server: code=2200 [Invalid query] message="{message}"', statement
    session.execute("DROP TYPE person")
    with pytest.raises(InvalidRequest, match="Cannot drop user type 'ks.addr' as it is still used by tables t1, t2"):
        session.execute("DROP TYPE addr")
    session.execute("DROP TYPE IF EXISTS nope")
    session.execute("DROP TYPE IF EXISTS missing_ks.nope")
    session.execute("DROP TABLE t1")
    session.execute("DROP TABLE t2")
    session.execute("DROP TYPE addr")
    assert "addr" not in session.cluster.metadata.keyspaces["ks"].user_types
