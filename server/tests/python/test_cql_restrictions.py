"""SELECT restrictions through the Python driver against the real binary:
multi-column (tuple) relations on clustering columns, map-element
restrictions, selection of collection elements and slices. Expected rows and
messages follow Cassandra 5.0 (MultiColumnRelationTest and friends)."""
import itertools
import random

import pytest
from cassandra import InvalidRequest
from cassandra.cluster import Cluster
from cassandra.query import SimpleStatement

from conftest import SibylNode


@pytest.fixture(scope="module")
def session():
    node = SibylNode("--smp", "2")
    cluster = Cluster(["127.0.0.1"], port=node.port, connect_timeout=5, control_connection_timeout=5)
    s = cluster.connect()
    s.execute("CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}")
    s.set_keyspace("ks")
    yield s
    cluster.shutdown()
    node.stop()


def rows(session, query, *args):
    return [tuple(r) for r in session.execute(query, args if args else None)]


def invalid(session, message, query, *args):
    with pytest.raises(InvalidRequest) as error:
        session.execute(query, args if args else None)
    assert message in str(error.value), str(error.value)


@pytest.fixture(scope="module")
def abcd(session):
    session.execute("CREATE TABLE abcd (a int, b int, c int, d int, PRIMARY KEY (a, b, c, d))")
    for a, b, c, d in [(0, 0, 0, 0), (0, 0, 1, 0), (0, 0, 1, 1), (0, 1, 0, 0), (0, 1, 1, 0), (0, 1, 1, 1),
                       (1, 0, 0, 0), (1, 0, 1, 0), (1, 0, 1, 1)]:
        session.execute("INSERT INTO abcd (a, b, c, d) VALUES (%s, %s, %s, %s)", (a, b, c, d))
    return "abcd"


def test_multi_column_equalities_and_in(session, abcd):
    q = "SELECT * FROM abcd WHERE "
    assert rows(session, q + "a = 0 AND (b) = (1)") == [(0, 1, 0, 0), (0, 1, 1, 0), (0, 1, 1, 1)]
    assert rows(session, q + "a = 0 AND (b, c) = (1, 1)") == [(0, 1, 1, 0), (0, 1, 1, 1)]
    assert rows(session, q + "a = 0 AND (b, c, d) = (1, 1, 1)") == [(0, 1, 1, 1)]
    assert rows(session, q + "a = 0 AND (b, c, d) IN ((0, 1, 1), (0, 1, 0))") == [(0, 0, 1, 0), (0, 0, 1, 1)]
    assert rows(session, q + "a = 0 AND (b, c, d) IN ()") == []
    assert rows(session, q + "a IN (0, 1) AND (b, c) IN ((0, 1))") == [
        (0, 0, 1, 0), (0, 0, 1, 1), (1, 0, 1, 0), (1, 0, 1, 1)]
    # Single-column restrictions after or before a tuple on other columns.
    assert rows(session, q + "a = 0 AND b = 1 AND (c, d) = (0, 0)") == [(0, 1, 0, 0)]
    assert rows(session, q + "a = 0 AND (b, c) = (0, 1) AND d = 0") == [(0, 0, 1, 0)]
    assert rows(session, q + "a = 0 AND b IN (0, 1) AND (c, d) > (0, 0)") == [
        (0, 0, 1, 0), (0, 0, 1, 1), (0, 1, 1, 0), (0, 1, 1, 1)]
    assert rows(session, q + "a = 0 AND (b, c) IN ((0, 1), (0, 0)) AND d = 0") == [(0, 0, 0, 0), (0, 0, 1, 0)]


def test_multi_column_markers(session, abcd):
    whole = session.prepare("SELECT * FROM abcd WHERE a = ? AND (b, c) = ?")
    assert [c.name for c in whole.column_metadata] == ["a", "(b,c)"]
    assert [tuple(r) for r in session.execute(whole, (0, (1, 1)))] == [(0, 1, 1, 0), (0, 1, 1, 1)]
    each = session.prepare("SELECT * FROM abcd WHERE a = ? AND (b, c, d) > (?, ?, ?) AND (b, c, d) < ?")
    assert [c.name for c in each.column_metadata] == ["a", "b", "c", "d", "(b,c,d)"]
    assert [tuple(r) for r in session.execute(each, (0, 0, 1, 1, (1, 1, 0)))] == [(0, 1, 0, 0)]
    in_list = session.prepare("SELECT * FROM abcd WHERE a IN ? AND (b, c, d) IN ?")
    assert [c.name for c in in_list.column_metadata] == ["in(a)", "in((b,c,d))"]
    got = [tuple(r) for r in session.execute(in_list, ([0, 1], [(0, 1, 1), (0, 1, 0)]))]
    assert got == [(0, 0, 1, 0), (0, 0, 1, 1), (1, 0, 1, 0), (1, 0, 1, 1)]
    in_tuples = session.prepare("SELECT * FROM abcd WHERE a = ? AND (b, c, d) IN (?, ?)")
    assert [tuple(r) for r in session.execute(in_tuples, (0, (0, 1, 1), (0, 1, 0)))] == [(0, 0, 1, 0), (0, 0, 1, 1)]
    invalid(session, "Invalid null value in condition for column c",
            "SELECT * FROM abcd WHERE a = 0 AND (b, c) > (1, null)")


def test_multi_column_slices_in_both_directions(session, abcd):
    q = "SELECT * FROM abcd WHERE a = 0 AND "
    assert rows(session, q + "(b, c) > (1, 0)") == [(0, 1, 1, 0), (0, 1, 1, 1)]
    assert rows(session, q + "(b, c) >= (1, 0)") == [(0, 1, 0, 0), (0, 1, 1, 0), (0, 1, 1, 1)]
    assert rows(session, q + "(b, c, d) > (1, 1, 0)") == [(0, 1, 1, 1)]
    assert rows(session, q + "(b, c) < (0, 1)") == [(0, 0, 0, 0)]
    assert rows(session, q + "(b, c) <= (0, 1)") == [(0, 0, 0, 0), (0, 0, 1, 0), (0, 0, 1, 1)]
    assert rows(session, q + "(b, c, d) > (0, 1, 0) AND (b) < (1)") == [(0, 0, 1, 1)]
    assert rows(session, q + "(b, c, d) > (0, 1, 1) AND (b, c) < (1, 1)") == [(0, 1, 0, 0)]
    assert rows(session, q + "(b, c, d) > (0, 1, 1) AND (b, c, d) < (1, 1, 0)") == [(0, 1, 0, 0)]
    assert rows(session, q + "(b, c) > (0, 1) ORDER BY b DESC, c DESC, d DESC") == [
        (0, 1, 1, 1), (0, 1, 1, 0), (0, 1, 0, 0)]
    assert rows(session, q + "b = 1 AND (c, d) >= (0, 0) AND (c, d) < (1, 1)") == [(0, 1, 0, 0), (0, 1, 1, 0)]


def test_tuple_slices_on_mixed_clustering_order_match_brute_force(session):
    session.execute("CREATE TABLE mixed (a int, b int, c int, d int, PRIMARY KEY (a, b, c, d)) "
                    "WITH CLUSTERING ORDER BY (b DESC, c ASC, d DESC)")
    values = range(3)
    insert = session.prepare("INSERT INTO mixed (a, b, c, d) VALUES (0, ?, ?, ?)")
    for b, c, d in itertools.product(values, values, values):
        session.execute(insert, (b, c, d))
    # Storage (clustering) order: b descending, then c ascending, then d descending.
    ordered = sorted(itertools.product(values, values, values), key=lambda r: (-r[0], r[1], -r[2]))
    ops = {">": lambda x, y: x > y, ">=": lambda x, y: x >= y, "<": lambda x, y: x < y, "<=": lambda x, y: x <= y}
    rng = random.Random(7)
    for _ in range(60):
        conditions = []
        if rng.random() < 0.8:
            conditions.append((rng.randint(1, 3), rng.choice([">", ">="])))
        if rng.random() < 0.8 or not conditions:
            conditions.append((rng.randint(1, 3), rng.choice(["<", "<="])))
        conditions = [(op, tuple(rng.choice(values) for _ in range(width))) for width, op in conditions]
        where = [f"({', '.join(('b', 'c', 'd')[:len(t)])}) {op} ({', '.join(map(str, t))})" for op, t in conditions]
        query = "SELECT b, c, d FROM mixed WHERE a = 0 AND " + " AND ".join(where)
        expected = [r for r in ordered if all(ops[op](r[:len(t)], t) for op, t in conditions)]
        assert rows(session, query) == expected, query
        reversed_query = query + " ORDER BY b ASC, c DESC, d ASC"
        assert rows(session, reversed_query) == expected[::-1], reversed_query
        # The same through pages of 2 rows: a page may end inside any slice.
        paged = [tuple(r) for r in session.execute(SimpleStatement(query, fetch_size=2))]
        assert paged == expected, query
        paged = [tuple(r) for r in session.execute(SimpleStatement(reversed_query, fetch_size=2))]
        assert paged == expected[::-1], reversed_query


def test_multi_column_rejections_use_cassandra_messages(session, abcd):
    q = "SELECT * FROM abcd WHERE "
    invalid(session, "Multi-column relations can only be applied to clustering columns but was applied to: a",
            q + "(a, b) = (0, 0)")
    invalid(session, "Clustering columns must appear in the PRIMARY KEY order in multi-column relations: (d, c, b) = (0, 0, 0)",
            q + "a = 0 AND (d, c, b) = (0, 0, 0)")
    invalid(session, "Expected 2 elements in value tuple, but got 3: (1, 2, 3)", q + "a = 0 AND (b, c) > (1, 2, 3)")
    invalid(session, "Expected 3 elements in value tuple, but got 2: (0, 1)", q + "a = 0 AND (b, c, d) IN ((0, 1))")
    invalid(session, 'PRIMARY KEY column "c" cannot be restricted as preceding column "b" is not restricted',
            q + "a = 0 AND (c, d) = (0, 0)")
    invalid(session, 'PRIMARY KEY column "c" cannot be restricted as preceding column "b" is not restricted',
            q + "a = 0 AND (c, d) > (0, 0)")
    for mix in ["(b, c, d) > (0, 1, 0) AND b < 1", "(b, c, d) > (0, 1, 0) AND c < 1", "b > 1 AND (b, c, d) < (1, 1, 0)",
                "c > 1 AND (b, c, d) < (1, 1, 0)"]:
        invalid(session, "Mixing single column relations and multi column relations on clustering columns is not allowed",
                q + "a = 0 AND " + mix)
    invalid(session, "b cannot be restricted by more than one relation if it includes an Equal",
            q + "a = 0 AND (b) = (0) AND (b) > (0)")
    invalid(session, "More than one restriction was found for the start bound on b", q + "a = 0 AND (b) > (0) AND (b) > (1)")
    invalid(session, 'Clustering column "c" cannot be restricted (preceding column "b" is restricted by a non-EQ relation)',
            q + "a = 0 AND b > 0 AND (c, d) IN ((0, 0))")
    invalid(session, 'Column "c" cannot be restricted by two tuple-notation inequalities not starting with the same column',
            q + "a = 0 AND (b, c) > (0, 0) AND (b) < (1) AND (c) < (1)")
    invalid(session, 'Unsupported "!=" relation: (b) != (0)', q + "a = 0 AND (b) != (0)")
    invalid(session, "Cannot execute this query as it might involve data filtering", q + "(b, c) = (1, 1)")
    assert rows(session, q + "(b, c) = (1, 1) ALLOW FILTERING") == [(0, 1, 1, 0), (0, 1, 1, 1)]


def test_clustering_restrictions_after_a_gap_are_filtered(session, abcd):
    q = "SELECT b, c, d FROM abcd WHERE a = 0 AND "
    invalid(session, 'PRIMARY KEY column "c" cannot be restricted as preceding column "b" is not restricted', q + "c = 1")
    assert rows(session, q + "c = 1 ALLOW FILTERING") == [(0, 1, 0), (0, 1, 1), (1, 1, 0), (1, 1, 1)]
    assert rows(session, q + "d IN (1) ALLOW FILTERING") == [(0, 1, 1), (1, 1, 1)]
    assert rows(session, q + "c > 0 AND d < 1 ALLOW FILTERING") == [(0, 1, 0), (1, 1, 0)]
    prepared = session.prepare("SELECT b, c, d FROM abcd WHERE a = 0 AND d IN ? ALLOW FILTERING")
    assert [tuple(r) for r in session.execute(prepared, ([1],))] == [(0, 1, 1), (1, 1, 1)]
    invalid(session, 'Clustering column "d" cannot be restricted (preceding column "c" is restricted by a non-EQ relation)',
            q + "b = 0 AND c > 0 AND d < 1")
    assert rows(session, q + "b = 0 AND c > 0 AND d < 1 ALLOW FILTERING") == [(0, 1, 0)]
    invalid(session, "More than one restriction was found for the start bound on c", q + "b = 0 AND c > 0 AND c >= 1")
    # A clustering IN () selects nothing rather than the whole partition.
    assert rows(session, q + "b IN ()") == []
