"""Server-side DESCRIBE through cqlsh 6.2 (which sends DESCRIBE to servers
reporting release 4.0 or later) and the Python driver. Expected texts follow
Cassandra 5.0's DescribeStatement and its DescribeStatementTest."""
import os
import subprocess
import sys

import pytest
from cassandra.cluster import Cluster
from cassandra.query import SimpleStatement

CQLSH = os.path.join(os.path.dirname(sys.executable), "cqlsh")

TABLE_PARAMETERS = (
    "additional_write_policy = '99p'\n"
    "    AND allow_auto_snapshot = true\n"
    "    AND bloom_filter_fp_chance = 0.01\n"
    "    AND caching = {'keys': 'ALL', 'rows_per_partition': 'NONE'}\n"
    "    AND cdc = false\n"
    "    AND comment = ''\n"
    "    AND compaction = {'class': 'org.apache.cassandra.db.compaction.SizeTieredCompactionStrategy', "
    "'max_threshold': '32', 'min_threshold': '4'}\n"
    "    AND compression = {'chunk_length_in_kb': '16', 'class': 'org.apache.cassandra.io.compress.LZ4Compressor'}\n"
    "    AND memtable = 'default'\n"
    "    AND crc_check_chance = 1.0\n"
    "    AND default_time_to_live = 0\n"
    "    AND extensions = {}\n"
    "    AND gc_grace_seconds = 864000\n"
    "    AND incremental_backups = true\n"
    "    AND max_index_interval = 2048\n"
    "    AND memtable_flush_period_in_ms = 0\n"
    "    AND min_index_interval = 128\n"
    "    AND read_repair = 'BLOCKING'\n"
    "    AND speculative_retry = '99p';"
)

KEYSPACE_KS = ("CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': '1'}"
               "  AND durable_writes = true;")

TABLE_T = (
    "CREATE TABLE ks.t (\n"
    "    k int,\n"
    "    c text,\n"
    "    s int static,\n"
    "    addr frozen<address>,\n"
    "    v int,\n"
    "    tags set<text>,\n"
    "    PRIMARY KEY (k, c)\n"
    ") WITH CLUSTERING ORDER BY (c DESC)\n"
    "    AND " + TABLE_PARAMETERS
)

TYPE_ADDRESS = "CREATE TYPE ks.address (\n    street text,\n    city text\n);"

SCHEMA = [
    "CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}",
    "CREATE TYPE ks.address (street text, city text)",
    "CREATE TABLE ks.t (k int, c text, s int static, v int, addr frozen<address>, tags set<text>, "
    "PRIMARY KEY (k, c)) WITH CLUSTERING ORDER BY (c DESC)",
    "CREATE TABLE ks.\"Mixed\" (id uuid PRIMARY KEY, \"Value\" text) WITH comment = 'it''s' AND gc_grace_seconds = 3600",
]


def cqlsh(node, statement, keyspace=None):
    args = [CQLSH, "127.0.0.1", str(node.port), "-e", statement]
    if keyspace:
        args += ["-k", keyspace]
    out = subprocess.run(args, capture_output=True, text=True, timeout=60)
    return out


@pytest.fixture
def session(node):
    cluster = Cluster(["127.0.0.1"], port=node.port, connect_timeout=5, control_connection_timeout=5)
    s = cluster.connect()
    for statement in SCHEMA:
        s.execute(statement)
    yield s
    cluster.shutdown()


def test_cqlsh_describe_keyspaces(session, node):
    out = cqlsh(node, "DESCRIBE KEYSPACES")
    assert out.returncode == 0, out.stderr
    names = out.stdout.split()
    for name in ("ks", "system", "system_schema", "system_auth", "system_traces", "system_virtual_schema"):
        assert name in names, out.stdout


def test_cqlsh_describe_table_is_cassandras_text(session, node):
    out = cqlsh(node, "DESCRIBE TABLE ks.t")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == TABLE_T
    out = cqlsh(node, "DESC \"Mixed\"", keyspace="ks")
    assert out.stdout.strip() == (
        "CREATE TABLE ks.\"Mixed\" (\n    id uuid PRIMARY KEY,\n    \"Value\" text\n) WITH "
        + TABLE_PARAMETERS.replace("comment = ''", "comment = 'it''s'").replace("864000", "3600")
    )
    out = cqlsh(node, "DESCRIBE TABLE ks.nope")
    assert "Table 'nope' not found in keyspace 'ks'" in out.stderr


def test_cqlsh_describe_keyspace(session, node):
    out = cqlsh(node, "DESCRIBE KEYSPACE ks")
    assert out.returncode == 0, out.stderr
    text = out.stdout
    # Keyspace, then types, then tables by name (ignoring case).
    assert text.index(KEYSPACE_KS) < text.index(TYPE_ADDRESS) < text.index("CREATE TABLE ks.\"Mixed\"") \
        < text.index(TABLE_T)
    out = cqlsh(node, "DESCRIBE ONLY KEYSPACE ks")
    assert out.stdout.strip() == KEYSPACE_KS


def test_cqlsh_describe_schema_recreates_it(session, node):
    out = cqlsh(node, "DESCRIBE SCHEMA")
    assert out.returncode == 0, out.stderr
    schema = out.stdout
    assert KEYSPACE_KS in schema and TABLE_T in schema and TYPE_ADDRESS in schema
    assert "CREATE KEYSPACE system" not in schema
    full = cqlsh(node, "DESCRIBE FULL SCHEMA").stdout
    assert "CREATE KEYSPACE system_schema WITH replication = {'class': 'LocalStrategy'}" in full
    assert "VIRTUAL KEYSPACE system_virtual_schema;" in full

    # Replay the output on an empty keyspace set: the same schema comes back.
    session.execute("DROP KEYSPACE ks")
    # cqlsh -e appends ';' to text not ending in one, so replay from a file.
    path = os.path.join(node.workdir, "schema.cql")
    with open(path, "w") as f:
        f.write(schema)
    replay = subprocess.run([CQLSH, "127.0.0.1", str(node.port), "-f", path], capture_output=True, text=True,
                            timeout=60)
    assert replay.returncode == 0 and replay.stderr == "", replay.stderr
    assert cqlsh(node, "DESCRIBE SCHEMA").stdout == schema


def test_cqlsh_describe_cluster(session, node):
    out = cqlsh(node, "DESC CLUSTER")
    assert out.returncode == 0, out.stderr
    assert "Cluster: Test Cluster" in out.stdout
    assert "Partitioner: Murmur3Partitioner" in out.stdout
    assert "Snitch: DynamicEndpointSnitch" in out.stdout
    assert "Range ownership" not in out.stdout
    out = cqlsh(node, "DESC CLUSTER", keyspace="ks")
    assert "Range ownership:" in out.stdout
    assert "/127.0.0.1:7000" in out.stdout


def test_cqlsh_describe_lists(session, node):
    out = cqlsh(node, "DESCRIBE TABLES", keyspace="ks")
    assert out.stdout.split() == ['"Mixed"', "t"]
    out = cqlsh(node, "DESCRIBE TYPES", keyspace="ks")
    assert out.stdout.split() == ["address"]
    out = cqlsh(node, "DESCRIBE TYPE ks.address")
    assert out.stdout.strip() == TYPE_ADDRESS
    out = cqlsh(node, "DESCRIBE FUNCTIONS", keyspace="ks")
    assert out.returncode == 0 and out.stdout.strip() == "", out.stderr


def test_driver_describe_rows_and_paging(session):
    rows = list(session.execute("DESCRIBE TABLE ks.t"))
    assert len(rows) == 1
    assert rows[0]._fields == ("keyspace_name", "type", "name", "create_statement")
    assert (rows[0].keyspace_name, rows[0].type, rows[0].name) == ("ks", "table", "t")
    assert rows[0].create_statement == TABLE_T

    rows = list(session.execute("DESCRIBE KEYSPACES"))
    assert rows[0]._fields == ("keyspace_name", "type", "name")

    # Small pages: every row arrives once, in the same order as one page.
    whole = [tuple(r) for r in session.execute("DESCRIBE FULL SCHEMA")]
    paged = session.execute(SimpleStatement("DESCRIBE FULL SCHEMA", fetch_size=3))
    assert paged.has_more_pages
    assert [tuple(r) for r in paged] == whole

    cluster = list(session.execute("DESCRIBE CLUSTER"))
    assert cluster[0]._fields == ("cluster", "partitioner", "snitch")
    session.set_keyspace("ks")
    cluster = list(session.execute("DESCRIBE CLUSTER"))
    assert cluster[0]._fields == ("cluster", "partitioner", "snitch", "range_ownership")
    assert all(v == ["/127.0.0.1:7000"] for v in cluster[0].range_ownership.values())
