"""CQL on one node through the Python driver and cqlsh: schema, writes,
reads, prepared statements, paging across shards, TTL and timestamps,
collections, restarts. Written to Cassandra's behaviour."""
import os
import subprocess
import sys
import time

import pytest
from cassandra import InvalidRequest, AlreadyExists
from cassandra.protocol import SyntaxException
from cassandra.cluster import Cluster
from cassandra.query import SimpleStatement

from conftest import SibylNode


@pytest.fixture
def session(node):
    cluster = Cluster(["127.0.0.1"], port=node.port, connect_timeout=5, control_connection_timeout=5)
    s = cluster.connect()
    s.execute("CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}")
    s.set_keyspace("ks")
    yield s
    cluster.shutdown()


def test_schema_is_visible_to_the_driver_metadata(session):
    session.execute("CREATE TABLE events (tenant text, day date, at timeuuid, payload blob, "
                    "PRIMARY KEY ((tenant, day), at)) WITH CLUSTERING ORDER BY (at DESC) AND default_time_to_live = 3600")
    meta = session.cluster.metadata.keyspaces["ks"].tables["events"]
    assert [c.name for c in meta.partition_key] == ["tenant", "day"]
    assert [c.name for c in meta.clustering_key] == ["at"]
    assert meta.clustering_key[0].is_reversed
    assert meta.options["default_time_to_live"] == 3600


def test_ddl_errors_use_cassandra_codes(session):
    session.execute("CREATE TABLE t (k int PRIMARY KEY, v int)")
    with pytest.raises(AlreadyExists):
        session.execute("CREATE TABLE t (k int PRIMARY KEY, v int)")
    session.execute("CREATE TABLE IF NOT EXISTS t (k int PRIMARY KEY, v int)")
    with pytest.raises(InvalidRequest, match="No PRIMARY KEY specified"):
        session.execute("CREATE TABLE u (k int, v int)")
    with pytest.raises(SyntaxException):
        session.execute("CREAT TABLE u (k int PRIMARY KEY)")
    with pytest.raises(InvalidRequest, match="Undefined column name nope"):
        session.execute("SELECT nope FROM t")


def test_writes_reads_and_prepared_statements(session):
    session.execute("CREATE TABLE kv (k int, c int, v text, PRIMARY KEY (k, c))")
    insert = session.prepare("INSERT INTO kv (k, c, v) VALUES (?, ?, ?)")
    for k in range(20):
        for c in range(10):
            session.execute(insert, (k, c, f"{k}-{c}"))
    rows = list(session.execute("SELECT c, v FROM kv WHERE k = 7 AND c >= 3 AND c < 6"))
    assert [(r.c, r.v) for r in rows] == [(3, "7-3"), (4, "7-4"), (5, "7-5")]
    rows = list(session.execute("SELECT c FROM kv WHERE k = 7 ORDER BY c DESC LIMIT 2"))
    assert [r.c for r in rows] == [9, 8]
    rows = list(session.execute("SELECT k, c FROM kv WHERE k IN (3, 1) AND c = 0"))
    assert sorted((r.k, r.c) for r in rows) == [(1, 0), (3, 0)]
    session.execute("UPDATE kv SET v = 'changed' WHERE k = 1 AND c = 1")
    assert session.execute("SELECT v FROM kv WHERE k = 1 AND c = 1").one().v == "changed"
    session.execute("DELETE FROM kv WHERE k = 1 AND c = 1")
    assert session.execute("SELECT v FROM kv WHERE k = 1 AND c = 1").one() is None
    session.execute("DELETE FROM kv WHERE k = 2")
    assert list(session.execute("SELECT * FROM kv WHERE k = 2")) == []
    assert session.execute("SELECT count(*) FROM kv").one().count == 20 * 10 - 1 - 10


def test_paging_across_shards_returns_every_row_once(session):
    session.execute("CREATE TABLE p (k int, c int, PRIMARY KEY (k, c))")
    insert = session.prepare("INSERT INTO p (k, c) VALUES (?, ?)")
    for k in range(100):
        for c in range(7):
            session.execute(insert, (k, c))
    statement = SimpleStatement("SELECT k, c FROM p", fetch_size=33)
    seen = [(r.k, r.c) for r in session.execute(statement)]
    assert len(seen) == 700 and len(set(seen)) == 700
    statement = SimpleStatement("SELECT c FROM p WHERE k = 5", fetch_size=2)
    assert [r.c for r in session.execute(statement)] == list(range(7))


def test_ttl_timestamp_and_writetime(session):
    session.execute("CREATE TABLE t (k int PRIMARY KEY, v int)")
    session.execute("INSERT INTO t (k, v) VALUES (1, 10) USING TTL 100 AND TIMESTAMP 12345")
    row = session.execute("SELECT writetime(v) AS wt, ttl(v) AS left FROM t WHERE k = 1").one()
    assert row.wt == 12345 and 90 <= row.left <= 100
    # An older timestamp loses; a newer one wins.
    session.execute("INSERT INTO t (k, v) VALUES (1, 20) USING TIMESTAMP 100")
    assert session.execute("SELECT v FROM t WHERE k = 1").one().v == 10
    session.execute("INSERT INTO t (k, v) VALUES (2, 1) USING TTL 1")
    time.sleep(2.2)
    assert session.execute("SELECT v FROM t WHERE k = 2").one() is None


def test_collections_and_user_types(session):
    session.execute("CREATE TYPE address (street text, zip int)")
    session.execute("CREATE TABLE c (k int PRIMARY KEY, l list<int>, s set<text>, m map<text, int>, a address)")
    session.execute("INSERT INTO c (k, l, s, m, a) VALUES (1, [1, 2], {'b', 'a'}, {'x': 1}, {street: 'Main', zip: 5})")
    session.execute("UPDATE c SET l = l + [3], l = [0] + l, s = s - {'b'}, m['y'] = 2 WHERE k = 1")
    row = session.execute("SELECT l, s, m, a FROM c WHERE k = 1").one()
    assert row.l == [0, 1, 2, 3]
    assert set(row.s) == {"a"}
    assert dict(row.m) == {"x": 1, "y": 2}
    assert row.a.street == "Main" and row.a.zip == 5


def test_filtering_requires_allow_filtering(session):
    session.execute("CREATE TABLE f (k int PRIMARY KEY, v int)")
    for k in range(10):
        session.execute("INSERT INTO f (k, v) VALUES (%s, %s)", (k, k % 3))
    with pytest.raises(InvalidRequest, match="ALLOW FILTERING"):
        session.execute("SELECT k FROM f WHERE v = 1")
    rows = session.execute("SELECT k FROM f WHERE v = 1 ALLOW FILTERING")
    assert sorted(r.k for r in rows) == [1, 4, 7]


def test_data_and_schema_survive_restart():
    node = SibylNode("--smp", "2")
    workdir = node.workdir
    try:
        cluster = Cluster(["127.0.0.1"], port=node.port, connect_timeout=5)
        s = cluster.connect()
        s.execute("CREATE KEYSPACE r WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}")
        s.execute("CREATE TABLE r.t (k int PRIMARY KEY, v text)")
        for k in range(50):
            s.execute("INSERT INTO r.t (k, v) VALUES (%s, %s)", (k, str(k)))
        cluster.shutdown()
    finally:
        node.stop(cleanup=False)
    node = SibylNode("--smp", "2", workdir=workdir)
    try:
        cluster = Cluster(["127.0.0.1"], port=node.port, connect_timeout=5)
        s = cluster.connect()
        rows = list(s.execute("SELECT k, v FROM r.t"))
        assert sorted((r.k, r.v) for r in rows) == [(k, str(k)) for k in range(50)]
        cluster.shutdown()
    finally:
        node.stop()


def test_cqlsh_runs_statements(node):
    cqlsh = os.path.join(os.path.dirname(sys.executable), "cqlsh")
    script = ("CREATE KEYSPACE q WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1};"
              "CREATE TABLE q.t (k int PRIMARY KEY, v text);"
              "INSERT INTO q.t (k, v) VALUES (1, 'one');"
              "SELECT * FROM q.t;")
    out = subprocess.run([cqlsh, "127.0.0.1", str(node.port), "-e", script], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "one" in out.stdout and "(1 rows)" in out.stdout, out.stdout


def test_lightweight_transactions_return_applied_and_current_values(session):
    session.execute("CREATE TABLE users (id int PRIMARY KEY, name text, age int)")
    assert session.execute("INSERT INTO users (id, name, age) VALUES (1, 'ann', 30) IF NOT EXISTS").one().applied
    row = session.execute("INSERT INTO users (id, name, age) VALUES (1, 'bob', 40) IF NOT EXISTS").one()
    assert not row.applied and row.name == "ann" and row.age == 30
    assert session.execute("UPDATE users SET age = 31 WHERE id = 1 IF age = 30").one().applied
    row = session.execute("UPDATE users SET age = 32 WHERE id = 1 IF age = 30").one()
    assert not row.applied and row.age == 31
    assert not session.execute("DELETE FROM users WHERE id = 2 IF EXISTS").one().applied
    assert session.execute("DELETE FROM users WHERE id = 1 IF EXISTS").one().applied
    assert session.execute("SELECT * FROM users WHERE id = 1").one() is None


def test_concurrent_conditional_inserts_have_exactly_one_winner(session):
    session.execute("CREATE TABLE once (k int PRIMARY KEY, owner int)")
    insert = session.prepare("INSERT INTO once (k, owner) VALUES (?, ?) IF NOT EXISTS")
    futures = [session.execute_async(insert, (7, who)) for who in range(40)]
    winners = [f.result().one().applied for f in futures].count(True)
    assert winners == 1


def test_counters_increment_decrement_and_batch(session):
    from cassandra.query import BatchStatement, BatchType
    session.execute("CREATE TABLE hits (page text PRIMARY KEY, views counter, errors counter)")
    for _ in range(10):
        session.execute("UPDATE hits SET views = views + 1, errors = errors - 2 WHERE page = 'a'")
    add = session.prepare("UPDATE hits SET views = views + ? WHERE page = ?")
    session.execute(add, (100, "a"))
    batch = BatchStatement(batch_type=BatchType.COUNTER)
    batch.add(add, (5, "b"))
    batch.add(add, (7, "b"))
    session.execute(batch)
    rows = {r.page: (r.views, r.errors) for r in session.execute("SELECT * FROM hits")}
    assert rows == {"a": (110, -20), "b": (12, None)}
    with pytest.raises(InvalidRequest, match="INSERT statements are not allowed on counter tables"):
        session.execute("INSERT INTO hits (page, views) VALUES ('x', 1)")
    with pytest.raises(InvalidRequest, match="Cannot set the value of counter column"):
        session.execute("UPDATE hits SET views = 3 WHERE page = 'a'")


def test_aggregates_group_by_functions_and_json(session):
    session.execute("CREATE TABLE m (sensor text, ts timestamp, v double, PRIMARY KEY (sensor, ts))")
    for sensor in ["a", "b"]:
        for i in range(5):
            session.execute("INSERT INTO m (sensor, ts, v) VALUES (%s, %s, %s)", (sensor, 1700000000000 + i * 1000, float(i)))
    rows = list(session.execute("SELECT sensor, count(*), min(v), max(v), sum(v), avg(v) FROM m GROUP BY sensor"))
    assert [(r.sensor, r.count, r.system_min_v, r.system_max_v, r.system_sum_v, r.system_avg_v) for r in rows] == [
        ("a", 5, 0.0, 4.0, 10.0, 2.0), ("b", 5, 0.0, 4.0, 10.0, 2.0)]
    assert session.execute("SELECT count(*) FROM m WHERE sensor = 'zzz'").one().count == 0
    row = session.execute("SELECT JSON sensor, ts, v FROM m WHERE sensor = 'b' LIMIT 1").one()
    assert row[0] == '{"sensor": "b", "ts": "2023-11-14 22:13:20.000Z", "v": 0.0}'
    row = session.execute("SELECT token(sensor) AS t, cast(v as text) AS s, blobAsDouble(doubleAsBlob(v)) AS d "
                          "FROM m WHERE sensor = 'a' LIMIT 1").one()
    assert row.t == -8839064797231613815 and row.s == "0.0" and row.d == 0.0


def test_tracing_records_sessions_and_events(session):
    rs = session.execute("SELECT * FROM system.local", trace=True)
    trace = rs.get_query_trace(max_wait_sec=5)
    assert trace.duration is not None and trace.coordinator == "127.0.0.1"
    descriptions = [e.description for e in trace.events]
    assert any(d.startswith("Parsing SELECT * FROM system.local") for d in descriptions)
    assert descriptions[-1] == "Request complete"
    prepared = session.prepare("SELECT key FROM system.local")
    trace = session.execute(prepared, trace=True).get_query_trace(max_wait_sec=5)
    assert trace.parameters["query"] == "SELECT key FROM system.local"


def test_cqlsh_tracing_on(node):
    cqlsh = os.path.join(os.path.dirname(sys.executable), "cqlsh")
    out = subprocess.run([cqlsh, "127.0.0.1", str(node.port), "-e", "TRACING ON; SELECT cluster_name FROM system.local;"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "Tracing session:" in out.stdout and "Request complete" in out.stdout, out.stdout


def test_insert_json_and_select_json(session):
    session.execute('CREATE TABLE j (k int, c text, "Mixed" int, tags set<text>, v text, PRIMARY KEY (k, c))')
    session.execute("""INSERT INTO j JSON '{"k": 1, "c": "a", "\\"Mixed\\"": 5, "tags": ["y", "x"], "v": "hello"}'""")
    session.execute("""INSERT INTO j JSON '{"k": 1, "c": "a", "v": "only v"}' DEFAULT UNSET""")
    session.execute(session.prepare("INSERT INTO j JSON ?"), ['{"k": 2, "c": "b"}'])
    row = session.execute("SELECT JSON * FROM j WHERE k = 1").one()
    assert row[0] == '{"k": 1, "c": "a", "\\"Mixed\\"": 5, "tags": ["x", "y"], "v": "only v"}'
    row = session.execute("SELECT * FROM j WHERE k = 2").one()
    assert row.c == "b" and row.v is None and row.tags is None
    with pytest.raises(InvalidRequest, match="unrecognized column: nope"):
        session.execute("""INSERT INTO j JSON '{"k": 3, "c": "x", "nope": 1}'""")


def test_cqlsh_copy_from_and_to_10000_rows(node, tmp_path):
    import csv
    source, exported = tmp_path / "in.csv", tmp_path / "out.csv"
    expected = [[str(i), f"name-{i}", repr(i * 1.5).rstrip("0").rstrip(".") if i else "0"] for i in range(10000)]
    with open(source, "w", newline="") as f:
        csv.writer(f).writerows([[i, f"name-{i}", i * 1.5] for i in range(10000)])
    cqlsh = os.path.join(os.path.dirname(sys.executable), "cqlsh")
    script = ("CREATE KEYSPACE cp WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1};"
              "CREATE TABLE cp.t (id int PRIMARY KEY, name text, score double);"
              f"COPY cp.t (id, name, score) FROM '{source}';"
              "SELECT count(*) FROM cp.t;"
              f"COPY cp.t (id, name, score) TO '{exported}';")
    out = subprocess.run([cqlsh, "127.0.0.1", str(node.port), "-e", script], capture_output=True, text=True, timeout=180)
    assert out.returncode == 0, out.stderr
    assert "10000 rows imported" in out.stdout and "10000 rows exported" in out.stdout, out.stdout
    with open(exported, newline="") as f:
        rows = sorted(csv.reader(f), key=lambda r: int(r[0]))
    assert [r[:2] for r in rows] == [e[:2] for e in expected]
    assert all(float(r[2]) == int(r[0]) * 1.5 for r in rows)


def test_client_warnings_for_unrestricted_aggregates_and_large_batches(session):
    from cassandra.query import BatchStatement
    session.execute("CREATE TABLE w (k int PRIMARY KEY, v text)")
    rs = session.execute("SELECT count(*) FROM w")
    assert rs.response_future.warnings == ["Aggregation query used without partition key"]
    assert not session.execute("SELECT count(*) FROM w WHERE k = 1").response_future.warnings
    insert = session.prepare("INSERT INTO w (k, v) VALUES (?, ?)")
    batch = BatchStatement()
    for k in range(10):
        batch.add(insert, (k, "x" * 1000))
    warnings = session.execute(batch).response_future.warnings
    assert warnings and warnings[0].startswith("Batch for [ks.w] is of size") and "exceeding specified threshold of 5120" in warnings[0]


def test_list_operations_by_index_and_value(session):
    session.execute("CREATE TABLE l (k int PRIMARY KEY, items list<text>)")
    session.execute("INSERT INTO l (k, items) VALUES (1, ['a', 'b', 'c', 'b'])")
    session.execute("UPDATE l SET items[1] = 'B' WHERE k = 1")
    assert session.execute("SELECT items FROM l WHERE k = 1").one().items == ["a", "B", "c", "b"]
    session.execute("DELETE items[0] FROM l WHERE k = 1")
    assert session.execute("SELECT items FROM l WHERE k = 1").one().items == ["B", "c", "b"]
    session.execute("UPDATE l SET items = items - ['b', 'c'] WHERE k = 1")
    assert session.execute("SELECT items FROM l WHERE k = 1").one().items == ["B"]
    with pytest.raises(InvalidRequest, match="List index 5 out of bound, list has size 1"):
        session.execute("UPDATE l SET items[5] = 'x' WHERE k = 1")
    with pytest.raises(InvalidRequest, match="Attempted to set an element on a list which is null"):
        session.execute("UPDATE l SET items[0] = 'x' WHERE k = 2")


def test_secondary_and_sai_indexes_answer_correctly_and_survive_restart():
    node = SibylNode("--smp", "2")
    workdir = node.workdir
    try:
        cluster = Cluster(["127.0.0.1"], port=node.port, connect_timeout=5)
        s = cluster.connect()
        s.execute("CREATE KEYSPACE ix WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}")
        s.set_keyspace("ix")
        s.execute("CREATE TABLE products (id int PRIMARY KEY, category text, price int, tags set<text>, attrs map<text, text>)")
        insert = s.prepare("INSERT INTO products (id, category, price, tags, attrs) VALUES (?, ?, ?, ?, ?)")
        for i in range(90):
            s.execute(insert, (i, ["toys", "books", "food"][i % 3], i * 10, {f"t{i % 5}"}, {"color": "red"}))
        s.execute("CREATE INDEX ON products (category)")
        s.execute("CREATE INDEX price_sai ON products (price) USING 'sai'")
        s.execute("CREATE INDEX ON products (tags)")
        s.execute("CREATE INDEX ON products (keys(attrs))")
        # Writes after CREATE INDEX are indexed as they happen.
        s.execute(insert, (1000, "books", 5, {"new"}, {"size": "xl"}))
        assert len(list(s.execute("SELECT id FROM products WHERE category = 'books'"))) == 31
        assert sorted(r.id for r in s.execute("SELECT id FROM products WHERE price >= 870")) == [87, 88, 89]
        assert sorted(r.id for r in s.execute("SELECT id FROM products WHERE price < 10")) == [0, 1000]
        assert len(list(s.execute("SELECT id FROM products WHERE tags CONTAINS 't1'"))) == 18
        assert [r.id for r in s.execute("SELECT id FROM products WHERE attrs CONTAINS KEY 'size'")] == [1000]
        # An overwritten value no longer matches (stale entries are re-checked).
        s.execute("UPDATE products SET category = 'food' WHERE id = 1")
        assert len(list(s.execute("SELECT id FROM products WHERE category = 'books'"))) == 30
        with pytest.raises(InvalidRequest, match="ALLOW FILTERING"):
            s.execute("SELECT id FROM products WHERE category = 'books' AND price > 5")
        cluster.shutdown()
    finally:
        node.stop(cleanup=False)
    node = SibylNode("--smp", "2", workdir=workdir)
    try:
        cluster = Cluster(["127.0.0.1"], port=node.port, connect_timeout=5)
        s = cluster.connect("ix")
        assert len(list(s.execute("SELECT id FROM products WHERE category = 'books'"))) == 30
        s.execute("DROP INDEX products_category_idx")
        with pytest.raises(InvalidRequest, match="ALLOW FILTERING"):
            s.execute("SELECT id FROM products WHERE category = 'books'")
        cluster.shutdown()
    finally:
        node.stop()


def test_vector_search_with_sai_index(session):
    import math
    import random
    session.execute("CREATE TABLE items (id int PRIMARY KEY, name text, emb vector<float, 8>)")
    session.execute("CREATE INDEX items_emb ON items (emb) USING 'sai' WITH OPTIONS = {'similarity_function': 'cosine'}")
    rnd = random.Random(7)
    vectors = {i: [rnd.uniform(-1, 1) for _ in range(8)] for i in range(400)}
    insert = session.prepare("INSERT INTO items (id, name, emb) VALUES (?, ?, ?)")
    for i, v in vectors.items():
        session.execute(insert, (i, f"item{i}", v))

    def cosine(a, b):
        dot = sum(x * y for x, y in zip(a, b))
        return (1 + dot / (math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(x * x for x in b)))) / 2

    query = session.prepare("SELECT id, similarity_cosine(emb, ?) AS score FROM items ORDER BY emb ANN OF ? LIMIT 10")
    recalls = []
    for _ in range(10):
        q = [rnd.uniform(-1, 1) for _ in range(8)]
        truth = sorted(vectors, key=lambda i: -cosine(vectors[i], q))[:10]
        rows = list(session.execute(query, (q, q)))
        scores = [r.score for r in rows]
        assert scores == sorted(scores, reverse=True)
        recalls.append(len({r.id for r in rows} & set(truth)) / 10)
    assert sum(recalls) / len(recalls) >= 0.9, recalls
    with pytest.raises(InvalidRequest, match="requires a LIMIT"):
        session.execute("SELECT id FROM items ORDER BY emb ANN OF [1, 2, 3, 4, 5, 6, 7, 8]")
    session.execute("CREATE TABLE plain (id int PRIMARY KEY, emb vector<float, 2>)")
    with pytest.raises(InvalidRequest, match="indexed using 'sai'"):
        session.execute("SELECT id FROM plain ORDER BY emb ANN OF [1, 2] LIMIT 1")
