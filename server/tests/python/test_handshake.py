"""The DataStax/Apache Python driver against the real server: version
negotiation down from its beta versions, each protocol version with and
without lz4, and the shard-aware port used directly."""
import pytest
from cassandra.cluster import Cluster


def connect(node, **kwargs):
    cluster = Cluster(["127.0.0.1"], port=kwargs.pop("port", node.port), connect_timeout=5,
                      control_connection_timeout=5, **kwargs)
    return cluster, cluster.connect()


def test_driver_negotiates_v5_from_its_beta_versions(node):
    cluster, session = connect(node)
    try:
        assert cluster.protocol_version == 5
        row = session.execute("SELECT release_version, cql_version FROM system.local").one()
        assert row.release_version == "5.0.0" and row.cql_version == "3.4.7"
    finally:
        cluster.shutdown()
    # The only protocol errors are the refusals of versions 0x42 and 0x41.
    refusals = [l for l in node.log().splitlines() if "protocol error" in l]
    assert refusals and all("unsupported protocol version" in l for l in refusals), refusals


@pytest.mark.parametrize("version", [3, 4, 5])
@pytest.mark.parametrize("compression", [False, "lz4"])
def test_each_version_with_and_without_lz4(node, version, compression):
    cluster, session = connect(node, protocol_version=version, compression=compression)
    try:
        assert cluster.protocol_version == version
        assert session.execute("SELECT key FROM system.local").one().key == "local"
        # Enough rows to span several pages and, in v5, several segments.
        rows = list(session.execute("SELECT * FROM system_schema.columns"))
        assert len(rows) > 100
    finally:
        cluster.shutdown()


def test_shard_aware_port_is_usable_directly(node):
    cluster, session = connect(node, port=node.shard_aware_port, protocol_version=4)
    try:
        assert session.execute("SELECT key FROM system.local").one().key == "local"
    finally:
        cluster.shutdown()
