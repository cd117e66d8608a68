"""sibyl-nodetool against a real node: flush writes SSTables that the Python
driver still reads back through, status and version print nodetool's shapes,
unknown keyspaces and unimplemented commands fail with exit status 1."""
import glob
import os
import subprocess

import pytest
from cassandra.cluster import Cluster

from conftest import SIBYL_BIN

NODETOOL = os.path.join(os.path.dirname(SIBYL_BIN), "sibyl-nodetool")


def nodetool(node, *args):
    if not os.path.exists(NODETOOL):
        pytest.skip(f"{NODETOOL} is not built (cargo build --bin sibyl-nodetool)")
    return subprocess.run([NODETOOL, "-h", "127.0.0.1", "-p", str(node.api_port), *args],
                          capture_output=True, text=True, timeout=120)


def test_flush_writes_sstables_and_data_reads_back(node):
    cluster = Cluster(["127.0.0.1"], port=node.port, connect_timeout=5, control_connection_timeout=5)
    try:
        s = cluster.connect()
        s.execute("CREATE KEYSPACE nt WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}")
        s.execute("CREATE TABLE nt.kv (k int PRIMARY KEY, v text)")
        insert = s.prepare("INSERT INTO nt.kv (k, v) VALUES (?, ?)")
        for k in range(300):
            s.execute(insert, (k, f"v{k}"))
        pattern = os.path.join(node.workdir, "data", "shard-*", "nt-kv-*", "*Data.db")
        assert glob.glob(pattern) == []

        flushed = nodetool(node, "flush", "nt", "kv")
        assert flushed.returncode == 0, flushed.stderr
        assert flushed.stdout == ""
        assert glob.glob(pattern), "flush wrote no SSTable"

        compacted = nodetool(node, "compact", "nt")
        assert compacted.returncode == 0, compacted.stderr
        assert 1 <= len(glob.glob(pattern)) <= 2  # one per shard at most

        assert s.execute("SELECT count(*) FROM nt.kv").one()[0] == 300
        assert s.execute("SELECT v FROM nt.kv WHERE k = 7").one().v == "v7"
    finally:
        cluster.shutdown()


def test_status_and_version_print_nodetool_shapes(node):
    status = nodetool(node, "status")
    assert status.returncode == 0, status.stderr
    lines = status.stdout.splitlines()
    assert lines[0] == "Datacenter: datacenter1"
    assert lines[1] == "=" * len(lines[0])
    assert lines[2] == "Status=Up/Down"
    assert lines[3] == "|/ State=Normal/Leaving/Joining/Moving"
    assert lines[4].split()[:4] == ["--", "Address", "Load", "Tokens"]
    row = lines[5].split()
    assert row[0] == "UN" and row[1] == "127.0.0.1" and row[-1] == "rack1"

    version = nodetool(node, "version")
    assert version.returncode == 0 and version.stdout == "ReleaseVersion: 5.0.0\n"

    flush_all = nodetool(node, "flush")
    assert flush_all.returncode == 0, flush_all.stderr


def test_errors_exit_non_zero(node):
    missing = nodetool(node, "flush", "no_such_keyspace")
    assert missing.returncode == 1
    assert "Can't find a keyspace no_such_keyspace" in missing.stderr
    unsupported = nodetool(node, "decommission")
    assert unsupported.returncode == 1
    assert "not implemented" in unsupported.stderr
