"""BATCH through the Python driver, written to Cassandra 5.0's behaviour:
conditional batches (one partition, conditions on several rows checked and
applied together, Cassandra's result rows), list operations that read the
list inside batches and conditional statements, Cassandra's batch rules and
the batch size guardrails."""
import pytest
from cassandra import InvalidRequest
from cassandra.cluster import Cluster
from cassandra.query import BatchStatement, BatchType


@pytest.fixture
def session(node):
    cluster = Cluster(["127.0.0.1"], port=node.port, connect_timeout=5, control_connection_timeout=5)
    s = cluster.connect()
    s.execute("CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}")
    s.set_keyspace("ks")
    s.execute("CREATE TABLE orders (id int, item int, qty int, status text, PRIMARY KEY (id, item))")
    yield s
    cluster.shutdown()


def columns(result):
    return list(result.column_names)


def applied(result):
    """`[applied]` of a conditional batch sent as text (the driver's
    `was_applied` wants exactly one row unless it sent a BatchStatement)."""
    return result.current_rows[0][0]


def test_conditional_batch_inserts_rows_of_one_partition_together(session):
    batch = ("BEGIN BATCH "
             "INSERT INTO orders (id, item, qty, status) VALUES (1, 1, 5, 'pending') IF NOT EXISTS; "
             "INSERT INTO orders (id, item, qty, status) VALUES (1, 2, 3, 'pending') IF NOT EXISTS; "
             "APPLY BATCH")
    result = session.execute(batch)
    assert columns(result) == ["[applied]"]
    assert [tuple(r) for r in result] == [(True,)]
    # Again: both rows exist, so nothing applies and both come back whole.
    result = session.execute(batch.replace("5, 'pending'", "50, 'again'"))
    assert columns(result) == ["[applied]", "id", "item", "qty", "status"]
    assert [tuple(r) for r in result] == [(False, 1, 1, 5, "pending"), (False, 1, 2, 3, "pending")]
    # One row of three exists: the batch is all or nothing.
    result = session.execute(
        "BEGIN BATCH "
        "INSERT INTO orders (id, item, qty, status) VALUES (1, 3, 1, 'new') IF NOT EXISTS; "
        "INSERT INTO orders (id, item, qty, status) VALUES (1, 2, 9, 'new') IF NOT EXISTS; "
        "UPDATE orders SET qty = 100 WHERE id = 1 AND item = 1; "
        "APPLY BATCH")
    assert [tuple(r) for r in result] == [(False, 1, 2, 3, "pending")]
    rows = session.execute("SELECT item, qty, status FROM orders WHERE id = 1")
    assert [tuple(r) for r in rows] == [(1, 5, "pending"), (2, 3, "pending")]


def test_conditional_batch_with_column_conditions_shows_key_and_condition_columns(session):
    session.execute("INSERT INTO orders (id, item, qty, status) VALUES (1, 1, 5, 'pending')")
    session.execute("INSERT INTO orders (id, item, qty, status) VALUES (1, 2, 3, 'pending')")
    result = session.execute(
        "BEGIN BATCH "
        "UPDATE orders SET status = 'confirmed' WHERE id = 1 AND item = 1 IF status = 'pending'; "
        "UPDATE orders SET qty = 4 WHERE id = 1 AND item = 2 IF qty = 3 AND status = 'pending'; "
        "DELETE FROM orders WHERE id = 1 AND item = 7; "
        "APPLY BATCH")
    assert [tuple(r) for r in result] == [(True,)]
    rows = session.execute("SELECT item, qty, status FROM orders WHERE id = 1")
    assert [tuple(r) for r in rows] == [(1, 5, "confirmed"), (2, 4, "pending")]
    result = session.execute(
        "BEGIN BATCH "
        "UPDATE orders SET status = 'shipped' WHERE id = 1 AND item = 2 IF qty = 4; "
        "UPDATE orders SET status = 'shipped' WHERE id = 1 AND item = 1 IF status = 'pending'; "
        "APPLY BATCH")
    assert columns(result) == ["[applied]", "id", "item", "qty", "status"]
    assert [tuple(r) for r in result] == [(False, 1, 1, 5, "confirmed"), (False, 1, 2, 4, "pending")]
    # Two conditions on one row are checked together.
    result = session.execute(
        "BEGIN BATCH "
        "UPDATE orders SET qty = 6 WHERE id = 1 AND item = 1 IF status = 'confirmed'; "
        "UPDATE orders SET qty = 7 WHERE id = 1 AND item = 1 IF qty = 5; "
        "APPLY BATCH")
    assert applied(result)
    assert session.execute("SELECT qty FROM orders WHERE id = 1 AND item = 1").one().qty == 7
    # IF EXISTS on a row that is not there: the rows that are there come
    # back whole (an IF EXISTS asks for every column).
    result = session.execute(
        "BEGIN BATCH "
        "UPDATE orders SET qty = 1 WHERE id = 1 AND item = 9 IF EXISTS; "
        "UPDATE orders SET qty = 1 WHERE id = 1 AND item = 1 IF qty = 7; "
        "APPLY BATCH")
    assert columns(result) == ["[applied]", "id", "item", "qty", "status"]
    assert [tuple(r) for r in result] == [(False, 1, 1, 7, "confirmed")]
    result = session.execute(
        "BEGIN BATCH "
        "UPDATE orders SET qty = 1 WHERE id = 1 AND item = 9 IF EXISTS; "
        "UPDATE orders SET qty = 1 WHERE id = 1 AND item = 8 IF qty = 7; "
        "APPLY BATCH")
    assert columns(result) == ["[applied]"] and [tuple(r) for r in result] == [(False,)]


def test_protocol_batch_with_conditions(session):
    insert = session.prepare("INSERT INTO orders (id, item, qty, status) VALUES (?, ?, ?, ?) IF NOT EXISTS")
    update = session.prepare("UPDATE orders SET qty = ? WHERE id = ? AND item = ? IF qty = ?")
    batch = BatchStatement()
    batch.add(insert, (5, 1, 10, "a"))
    batch.add(insert, (5, 2, 20, "b"))
    assert session.execute(batch).was_applied
    batch = BatchStatement()
    batch.add(update, (11, 5, 1, 10))
    batch.add(update, (21, 5, 2, 999))
    result = session.execute(batch)
    assert not result.was_applied
    assert [tuple(r) for r in result] == [(False, 5, 1, 10), (False, 5, 2, 20)]
    assert columns(result) == ["[applied]", "id", "item", "qty"]
    batch = BatchStatement()
    batch.add(update, (11, 5, 1, 10))
    batch.add(update, (21, 5, 2, 20))
    assert session.execute(batch).was_applied
    assert [r.qty for r in session.execute("SELECT qty FROM orders WHERE id = 5")] == [11, 21]


def test_conditional_batches_are_refused_like_cassandra(session):
    session.execute("CREATE TABLE other (id int PRIMARY KEY, v int)")
    cases = [
        ("INSERT INTO orders (id, item, qty) VALUES (1, 1, 1) IF NOT EXISTS; "
         "INSERT INTO orders (id, item, qty) VALUES (2, 1, 1) IF NOT EXISTS;",
         "Batch with conditions cannot span multiple partitions"),
        ("INSERT INTO orders (id, item, qty) VALUES (1, 1, 1) IF NOT EXISTS; "
         "INSERT INTO other (id, v) VALUES (1, 1);",
         "Batch with conditions cannot span multiple tables"),
        ("INSERT INTO orders (id, item, qty) VALUES (1, 1, 1) IF NOT EXISTS; "
         "UPDATE orders SET qty = 2 WHERE id IN (1, 2) AND item = 1;",
         r"Batch with conditions cannot span multiple partitions \(you cannot use IN on the partition key\)"),
        ("INSERT INTO orders (id, item, qty) VALUES (1, 1, 1) IF NOT EXISTS; "
         "UPDATE orders SET qty = 2 WHERE id = 1 AND item = 1 IF EXISTS;",
         "Cannot mix IF EXISTS and IF NOT EXISTS conditions for the same row"),
        ("UPDATE orders SET qty = 2 WHERE id = 1 AND item = 1 IF qty = 1; "
         "UPDATE orders SET qty = 2 WHERE id = 1 AND item = 1 IF EXISTS;",
         "Cannot mix IF conditions and IF EXISTS for the same row"),
    ]
    for body, message in cases:
        with pytest.raises(InvalidRequest, match=message):
            session.execute(f"BEGIN BATCH {body} APPLY BATCH")
    for statement, message in [
        ("UPDATE orders SET qty = 1 WHERE id IN (1, 2) AND item = 1 IF qty = 0",
         "IN on the partition key is not supported with conditional updates"),
        ("UPDATE orders SET qty = 1 WHERE id = 1 AND item IN (1, 2) IF qty = 0",
         "IN on the clustering key columns is not supported with conditional updates"),
        ("DELETE FROM orders WHERE id = 1 AND item IN (1, 2) IF EXISTS",
         "IN on the clustering key columns is not supported with conditional deletions"),
    ]:
        with pytest.raises(InvalidRequest, match=message):
            session.execute(statement)
    with pytest.raises(InvalidRequest, match="Cannot provide custom timestamp for conditional BATCH"):
        session.execute("BEGIN BATCH USING TIMESTAMP 5 "
                        "INSERT INTO orders (id, item, qty) VALUES (1, 1, 1) IF NOT EXISTS; APPLY BATCH")
    assert session.execute("SELECT * FROM orders").one() is None


def test_concurrent_conditional_batches_have_exactly_one_winner(session):
    claim = session.prepare("BEGIN BATCH "
                            "INSERT INTO orders (id, item, status) VALUES (9, 1, ?) IF NOT EXISTS; "
                            "INSERT INTO orders (id, item, status) VALUES (9, 2, ?) IF NOT EXISTS; "
                            "APPLY BATCH")
    futures = [session.execute_async(claim, (str(who), str(who))) for who in range(30)]
    results = [f.result() for f in futures]
    assert [applied(r) for r in results].count(True) == 1
    owners = {r.status for r in session.execute("SELECT status FROM orders WHERE id = 9")}
    assert len(owners) == 1


def test_list_operations_in_batches_and_conditional_statements(session):
    session.execute("CREATE TABLE l (k int PRIMARY KEY, items list<text>, n int)")
    session.execute("INSERT INTO l (k, items, n) VALUES (1, ['a', 'b', 'c', 'b'], 0)")
    assert session.execute("UPDATE l SET items[1] = 'B' WHERE k = 1 IF n = 0").one().applied
    assert not session.execute("UPDATE l SET items[0] = 'X' WHERE k = 1 IF n = 1").one().applied
    assert session.execute("SELECT items FROM l WHERE k = 1").one().items == ["a", "B", "c", "b"]
    session.execute("BEGIN BATCH "
                    "UPDATE l SET items = items - ['b'] WHERE k = 1; "
                    "DELETE items[0] FROM l WHERE k = 1; "
                    "UPDATE l SET n = 1 WHERE k = 1; "
                    "APPLY BATCH")
    assert tuple(session.execute("SELECT items, n FROM l WHERE k = 1").one()) == (["B", "c"], 1)
    result = session.execute("BEGIN BATCH "
                             "UPDATE l SET items[0] = 'first' WHERE k = 1 IF n = 1; "
                             "UPDATE l SET n = 2 WHERE k = 1; "
                             "APPLY BATCH")
    assert applied(result)
    assert tuple(session.execute("SELECT items, n FROM l WHERE k = 1").one()) == (["first", "c"], 2)
    with pytest.raises(InvalidRequest, match="List index 5 out of bound, list has size 2"):
        session.execute("UPDATE l SET items[5] = 'x' WHERE k = 1 IF EXISTS")


def test_batch_rules_and_size_guardrails(session):
    session.execute("CREATE TABLE w (k int PRIMARY KEY, v text)")
    session.execute("CREATE TABLE hits (k int PRIMARY KEY, n counter)")
    insert = session.prepare("INSERT INTO w (k, v) VALUES (?, ?)")
    add = session.prepare("UPDATE hits SET n = n + 1 WHERE k = ?")
    # Over batch_size_fail_threshold (50 KiB) across partitions: refused, nothing written.
    batch = BatchStatement()
    for k in range(60):
        batch.add(insert, (k, "x" * 1000))
    with pytest.raises(InvalidRequest, match="^.*Batch too large\"?$"):
        session.execute(batch)
    assert session.execute("SELECT * FROM w").one() is None
    # One partition is one mutation: Cassandra neither warns nor fails.
    single = BatchStatement()
    for _ in range(60):
        single.add(insert, (1, "y" * 1000))
    assert not session.execute(single).response_future.warnings
    # Unlogged across more than ten partitions warns.
    unlogged = BatchStatement(batch_type=BatchType.UNLOGGED)
    for k in range(11):
        unlogged.add(insert, (k, "z"))
    warnings = session.execute(unlogged).response_future.warnings
    assert warnings == ["Unlogged batch covering 11 partitions detected against table [ks.w]. "
                        "You should use a logged batch for atomicity, or asynchronous writes for performance."]
    mixed = BatchStatement(batch_type=BatchType.COUNTER)
    mixed.add(add, (1,))
    mixed.add(insert, (1, "v"))
    with pytest.raises(InvalidRequest, match="Cannot include non-counter statement in a counter batch"):
        session.execute(mixed)
    logged = BatchStatement(batch_type=BatchType.LOGGED)
    logged.add(add, (1,))
    with pytest.raises(InvalidRequest, match="Cannot include a counter statement in a logged batch"):
        session.execute(logged)
    with pytest.raises(InvalidRequest, match="Counter and non-counter mutations cannot exist in the same batch"):
        session.execute("BEGIN UNLOGGED BATCH UPDATE hits SET n = n + 1 WHERE k = 1; "
                        "INSERT INTO w (k, v) VALUES (1, 'a'); APPLY BATCH")
    counters = BatchStatement(batch_type=BatchType.UNLOGGED)
    counters.add(add, (3,))
    counters.add(add, (3,))
    session.execute(counters)
    assert session.execute("SELECT n FROM hits WHERE k = 3").one().n == 2


def test_oversized_mutations_are_refused_cleanly(session):
    # The test nodes run 1 MiB commitlog segments, so Cassandra's
    # max_mutation_size (half a segment) is 524288 bytes.
    session.execute("CREATE TABLE blobs (k text, c int, v blob, PRIMARY KEY (k, c))")
    insert = session.prepare("INSERT INTO blobs (k, c, v) VALUES (?, ?, ?)")
    session.execute(insert, ("fits", 1, b"x" * 400_000))
    with pytest.raises(InvalidRequest, match=r"Rejected an oversized mutation \(\d+/524288\) for keyspace: ks\. "
                                             r"Top keys are: blobs\.big"):
        session.execute(insert, ("big", 1, b"x" * 600_000))
    # Several statements on one partition add up, in a batch and under IF.
    batch = BatchStatement()
    batch.add(insert, ("big", 1, b"x" * 300_000))
    batch.add(insert, ("big", 2, b"x" * 300_000))
    with pytest.raises(InvalidRequest, match="Rejected an oversized mutation"):
        session.execute(batch)
    with pytest.raises(InvalidRequest, match="Rejected an oversized mutation"):
        session.execute("INSERT INTO blobs (k, c, v) VALUES ('big', 1, %s) IF NOT EXISTS", (b"x" * 600_000,))
    assert [r.k for r in session.execute("SELECT k FROM blobs")] == ["fits"]
    # The node is still fine.
    session.execute(insert, ("after", 1, b"y"))
    assert session.execute("SELECT v FROM blobs WHERE k = 'after' AND c = 1").one().v == b"y"


def test_conditions_on_static_columns_read_the_partition_static_row(session):
    session.execute("CREATE TABLE acct (k int, c int, s int static, v int, PRIMARY KEY (k, c))")
    session.execute("INSERT INTO acct (k, s) VALUES (1, 10)")
    # The row c = 1 does not exist; the static column does.
    assert session.execute("UPDATE acct SET v = 1 WHERE k = 1 AND c = 1 IF s = 10").one().applied
    result = session.execute("UPDATE acct SET v = 2 WHERE k = 1 AND c = 2 IF s = 11")
    assert columns(result) == ["[applied]", "s"]
    assert [tuple(r) for r in result] == [(False, 10)]
    result = session.execute("BEGIN BATCH "
                             "UPDATE acct SET s = 11 WHERE k = 1 IF s = 10; "
                             "INSERT INTO acct (k, c, v) VALUES (1, 3, 3) IF NOT EXISTS; "
                             "APPLY BATCH")
    assert applied(result)
    assert [tuple(r) for r in session.execute("SELECT c, s, v FROM acct WHERE k = 1")] == [(1, 11, 1), (3, 11, 3)]
    # Static-only writes need no clustering and create no row.
    session.execute("INSERT INTO acct (k, s) VALUES (2, 5)")
    session.execute("UPDATE acct SET s = 6 WHERE k = 3")
    assert [tuple(r) for r in session.execute("SELECT k, c, s, v FROM acct WHERE k IN (2, 3)")] == \
        [(2, None, 5, None), (3, None, 6, None)]
    with pytest.raises(InvalidRequest, match="Some clustering keys are missing: c"):
        session.execute("INSERT INTO acct (k, s, v) VALUES (4, 1, 1)")


def test_partition_keys_over_64_kib_are_refused(session):
    session.execute("CREATE TABLE keyed (k text, c int, n counter, PRIMARY KEY (k, c))")
    session.execute("CREATE TABLE pair (a text, b text, v int, PRIMARY KEY ((a, b)))")
    big = "k" * 70_000
    with pytest.raises(InvalidRequest, match="Key length of 70000 is longer than maximum of 65535"):
        session.execute("UPDATE keyed SET n = n + 1 WHERE k = %s AND c = 1", (big,))
    # Composite keys count two length bytes and an end byte per component.
    with pytest.raises(InvalidRequest, match="Key length of 70007 is longer than maximum of 65535"):
        session.execute("INSERT INTO pair (a, b, v) VALUES (%s, 'x', 1)", (big,))
    with pytest.raises(InvalidRequest, match="Key may not be empty"):
        session.execute("UPDATE keyed SET n = n + 1 WHERE k = '' AND c = 1")
    session.execute("CREATE TABLE wide (k int, c1 text, c2 text, v int, PRIMARY KEY (k, c1, c2))")
    with pytest.raises(InvalidRequest, match="Key length of 70001 is longer than maximum of 65535"):
        session.execute("INSERT INTO wide (k, c1, c2, v) VALUES (1, %s, 'x', 1)", (big,))
    session.execute("INSERT INTO pair (a, b, v) VALUES (%s, 'x', 1)", ("a" * 60_000,))
    assert session.execute("SELECT v FROM pair WHERE a = %s AND b = 'x'", ("a" * 60_000,)).one().v == 1
