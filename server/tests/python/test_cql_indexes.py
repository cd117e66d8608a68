"""Secondary and SAI indexes through the Python driver against the real
binary (two shards): map-entry restrictions and entries() indexes, indexes on
static columns, paging of index queries, ANN combined with other
restrictions. Expected rows and messages follow Cassandra 5.0."""
import math

import pytest
from cassandra.query import SimpleStatement

# One node and keyspace per module, and the error helper, shared with the
# restriction tests.
from test_cql_restrictions import invalid, session  # noqa: F401


def test_map_element_restrictions_filter_and_use_an_entries_index(session):
    session.execute("CREATE TABLE inventory (player int PRIMARY KEY, items map<text, int>, frozen_items frozen<map<text, int>>, "
                    "tags list<text>, level int)")
    insert = session.prepare("INSERT INTO inventory (player, items, level) VALUES (?, ?, ?)")
    for player in range(40):
        session.execute(insert, (player, {"sword": player % 3, "shield": player % 5}, player))
    query = "SELECT player FROM inventory WHERE items['sword'] = 1"
    invalid(session, "Cannot execute this query as it might involve data filtering", query)
    expected = sorted(p for p in range(40) if p % 3 == 1)
    assert sorted(r.player for r in session.execute(query + " ALLOW FILTERING")) == expected
    both = "SELECT player FROM inventory WHERE items['sword'] = 1 AND items['shield'] = 2 ALLOW FILTERING"
    assert sorted(r.player for r in session.execute(both)) == [p for p in expected if p % 5 == 2]
    # A missing key never matches.
    assert list(session.execute("SELECT player FROM inventory WHERE items['bow'] = 1 ALLOW FILTERING")) == []
    prepared = session.prepare("SELECT player FROM inventory WHERE items[?] = ? ALLOW FILTERING")
    assert [c.name for c in prepared.column_metadata] == ["key(items)", "value(items)"]
    assert sorted(r.player for r in session.execute(prepared, ("shield", 4))) == [p for p in range(40) if p % 5 == 4]

    session.execute("CREATE INDEX items_entries ON inventory (entries(items))")
    assert sorted(r.player for r in session.execute(query)) == expected
    # Written after CREATE INDEX, then overwritten: the index follows.
    session.execute("UPDATE inventory SET items['sword'] = 1 WHERE player = 100")
    session.execute("UPDATE inventory SET items['sword'] = 7 WHERE player = 1")
    assert sorted(r.player for r in session.execute(query)) == sorted([p for p in expected if p != 1] + [100])
    assert sorted(r.player for r in session.execute(prepared, ("sword", 7))) == [1]

    invalid(session, "Column level cannot be used as a map", "SELECT * FROM inventory WHERE level['a'] = 1 ALLOW FILTERING")
    invalid(session, "Indexes on list entries (tags[index] = value) are not currently supported.",
            "SELECT * FROM inventory WHERE tags[0] = 'a' ALLOW FILTERING")
    invalid(session, "Map-entry equality predicates on frozen map column frozen_items are not supported",
            "SELECT * FROM inventory WHERE frozen_items['a'] = 1 ALLOW FILTERING")
    invalid(session, "Only EQ relations are supported on map entries",
            "SELECT * FROM inventory WHERE items['a'] > 1 ALLOW FILTERING")
    invalid(session, "Cannot create index on entries of column level with non-map type",
            "CREATE INDEX ON inventory (entries(level))")
    invalid(session, "Cannot create entries() index on frozen column frozen_items",
            "CREATE INDEX ON inventory (entries(frozen_items))")


def test_index_on_a_static_column_returns_every_row_of_matching_partitions(session):
    session.execute("CREATE TABLE accounts (owner text, tx int, region text STATIC, amount int, PRIMARY KEY (owner, tx))")
    for owner, region in [("ann", "eu"), ("bob", "us"), ("cid", "eu")]:
        for tx in range(3):
            session.execute("INSERT INTO accounts (owner, tx, region, amount) VALUES (%s, %s, %s, %s)",
                            (owner, tx, region, tx * 10))
    session.execute("CREATE INDEX ON accounts (region)")
    rows = sorted((r.owner, r.tx) for r in session.execute("SELECT owner, tx FROM accounts WHERE region = 'eu'"))
    assert rows == [("ann", 0), ("ann", 1), ("ann", 2), ("cid", 0), ("cid", 1), ("cid", 2)]
    # Moving a partition to another region (a write of the static column
    # alone) moves all of its rows.
    session.execute("UPDATE accounts SET region = 'us' WHERE owner = 'ann'")
    rows = sorted((r.owner, r.tx) for r in session.execute("SELECT owner, tx FROM accounts WHERE region = 'eu'"))
    assert rows == [("cid", 0), ("cid", 1), ("cid", 2)]
    assert sorted((r.owner, r.tx) for r in session.execute("SELECT owner, tx FROM accounts WHERE region = 'us'")) == \
        [("ann", 0), ("ann", 1), ("ann", 2), ("bob", 0), ("bob", 1), ("bob", 2)]
    assert sorted({r.owner for r in session.execute("SELECT owner FROM accounts WHERE region = 'us'")}) == ["ann", "bob"]


@pytest.mark.parametrize("using", ["", " USING 'sai'"])
def test_index_queries_page_across_shards_and_keep_limit(session, using):
    table = "paged_sai" if using else "paged"
    session.execute(f"CREATE TABLE {table} (k int, c int, colour text, n int, PRIMARY KEY (k, c))")
    session.execute(f"CREATE INDEX ON {table} (colour){using}")
    insert = session.prepare(f"INSERT INTO {table} (k, c, colour, n) VALUES (?, ?, ?, ?)")
    expected = set()
    for k in range(120):
        for c in range(5):
            colour = "red" if (k + c) % 3 == 0 else "blue"
            session.execute(insert, (k, c, colour, k * 10 + c))
            if colour == "red":
                expected.add((k, c))
    query = f"SELECT k, c, n FROM {table} WHERE colour = 'red'"
    statement = SimpleStatement(query, fetch_size=7)
    result = session.execute(statement)
    seen, pages = [], 0
    while True:
        page = list(result.current_rows)
        assert len(page) <= 7
        seen.extend((r.k, r.c) for r in page)
        pages += 1
        if not result.has_more_pages:
            break
        result.fetch_next_page()
    assert len(seen) == len(set(seen)), "a row came back twice"
    assert set(seen) == expected
    assert pages >= len(expected) // 7
    # The same order as an unpaged read: token order, clustering order inside.
    assert [(r.k, r.c) for r in session.execute(query)] == seen
    # LIMIT survives paging.
    limited = list(session.execute(SimpleStatement(query + " LIMIT 30", fetch_size=7)))
    assert [(r.k, r.c) for r in limited] == seen[:30]
    # Filters on other columns are applied before a page is counted.
    filtered = SimpleStatement(f"SELECT k, c FROM {table} WHERE colour = 'red' AND n > 600 ALLOW FILTERING", fetch_size=5)
    assert [(r.k, r.c) for r in session.execute(filtered)] == [(k, c) for k, c in seen if k * 10 + c > 600]
    # Clustering restrictions apply to the index's hits, without ALLOW FILTERING.
    for where, keep in [("c = 2", lambda c: c == 2), ("c >= 3", lambda c: c >= 3), ("c IN (0, 4)", lambda c: c in (0, 4))]:
        got = [(r.k, r.c) for r in session.execute(SimpleStatement(
            f"SELECT k, c FROM {table} WHERE colour = 'red' AND {where}", fetch_size=6))]
        assert got == [(k, c) for k, c in seen if keep(c)], where
    # Two SAI indexes intersect without ALLOW FILTERING; a legacy index does not.
    both = f"SELECT k, c FROM {table} WHERE colour = 'red' AND n > 600"
    if using:
        session.execute(f"CREATE INDEX ON {table} (n){using}")
        assert [(r.k, r.c) for r in session.execute(SimpleStatement(both, fetch_size=5))] == \
            [(k, c) for k, c in seen if k * 10 + c > 600]
    else:
        invalid(session, "ALLOW FILTERING", both)


def test_ann_with_partition_key_or_indexed_restrictions(session):
    session.execute("CREATE TABLE docs (tenant int, id int, kind text, note text, emb vector<float, 3>, PRIMARY KEY (tenant, id))")
    session.execute("CREATE INDEX docs_emb ON docs (emb) USING 'sai' WITH OPTIONS = {'similarity_function': 'euclidean'}")
    session.execute("CREATE INDEX docs_kind ON docs (kind) USING 'sai'")
    insert = session.prepare("INSERT INTO docs (tenant, id, kind, note, emb) VALUES (?, ?, ?, ?, ?)")
    vectors = {}
    for tenant in range(4):
        for i in range(25):
            v = [float(i), float(tenant), float((i * 7) % 5)]
            kind = "a" if i % 2 == 0 else "b"
            vectors[(tenant, i)] = (v, kind)
            session.execute(insert, (tenant, i, kind, "x", v))
    q = [3.2, 1.0, 2.0]

    def nearest(keys, k):
        return sorted(keys, key=lambda key: math.dist(vectors[key][0], q))[:k]

    got = [(r.tenant, r.id) for r in session.execute(
        "SELECT tenant, id FROM docs WHERE tenant = 2 ORDER BY emb ANN OF [3.2, 1.0, 2.0] LIMIT 4")]
    assert got == nearest([key for key in vectors if key[0] == 2], 4)
    got = [(r.tenant, r.id) for r in session.execute(
        "SELECT tenant, id FROM docs WHERE kind = 'b' ORDER BY emb ANN OF [3.2, 1.0, 2.0] LIMIT 5")]
    assert got == nearest([key for key in vectors if vectors[key][1] == "b"], 5)
    prepared = session.prepare("SELECT id FROM docs WHERE tenant = ? AND kind = ? ORDER BY emb ANN OF ? LIMIT 3")
    got = [(3, r.id) for r in session.execute(prepared, (3, "a", q))]
    assert got == nearest([key for key in vectors if key[0] == 3 and vectors[key][1] == "a"], 3)
    invalid(session, "ANN ordering by vector requires all restricted column(s) to be indexed",
            "SELECT id FROM docs WHERE note = 'x' ORDER BY emb ANN OF [1, 2, 3] LIMIT 3")


def test_static_and_entries_indexes_are_rebuilt_at_startup():
    from cassandra.cluster import Cluster
    from conftest import SibylNode

    node = SibylNode("--smp", "2")
    workdir = node.workdir
    try:
        cluster = Cluster(["127.0.0.1"], port=node.port, connect_timeout=5)
        s = cluster.connect()
        s.execute("CREATE KEYSPACE rb WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}")
        s.set_keyspace("rb")
        s.execute("CREATE TABLE t (k int, c int, s text STATIC, m map<text, int>, PRIMARY KEY (k, c))")
        s.execute("CREATE INDEX ON t (s)")
        s.execute("CREATE INDEX ON t (entries(m))")
        for k in range(20):
            for c in range(2):
                s.execute("INSERT INTO t (k, c, s, m) VALUES (%s, %s, %s, %s)", (k, c, f"s{k % 2}", {"a": k % 4}))
        cluster.shutdown()
    finally:
        node.stop(cleanup=False)
    node = SibylNode("--smp", "2", workdir=workdir)
    try:
        cluster = Cluster(["127.0.0.1"], port=node.port, connect_timeout=5)
        s = cluster.connect("rb")
        assert sorted((r.k, r.c) for r in s.execute("SELECT k, c FROM t WHERE s = 's1'")) == \
            [(k, c) for k in range(1, 20, 2) for c in range(2)]
        assert sorted({r.k for r in s.execute("SELECT k FROM t WHERE m['a'] = 3")}) == [3, 7, 11, 15, 19]
        cluster.shutdown()
    finally:
        node.stop()
