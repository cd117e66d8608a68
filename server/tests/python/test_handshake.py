"""The DataStax/Apache Python driver against the real server.

Until CQL execution exists, the driver must get all the way through the
handshake (version negotiation, OPTIONS/SUPPORTED, STARTUP, v5 segments,
compression) to its first `SELECT ... FROM system.local`, and fail there with
the server's clean Invalid error: no hang, no protocol error.
"""
import time

import pytest
from cassandra import InvalidRequest
from cassandra.cluster import Cluster, NoHostAvailable


def connect_and_expect_clean_error(node, **kwargs):
    cluster = Cluster(["127.0.0.1"], port=node.port, connect_timeout=5,
                      control_connection_timeout=5, **kwargs)
    started = time.monotonic()
    try:
        with pytest.raises(NoHostAvailable) as excinfo:
            cluster.connect()
        errors = list(excinfo.value.errors.values())
        assert errors, excinfo.value
        assert all(isinstance(e, InvalidRequest) for e in errors), errors
        assert "not implemented yet" in str(errors[0])
        assert time.monotonic() - started < 10, "the driver took too long: a hang, not an answer"
        return cluster.protocol_version
    finally:
        cluster.shutdown()


def test_driver_negotiates_v5_from_its_beta_versions(node):
    # The driver starts at DSE_V2 (0x42), is refused, and settles on v5.
    assert connect_and_expect_clean_error(node) == 5
    # The only protocol errors are the refusals of versions 0x42 and 0x41.
    refusals = [l for l in node.log().splitlines() if "protocol error" in l]
    assert refusals and all("unsupported protocol version" in l for l in refusals), refusals


@pytest.mark.parametrize("version", [3, 4, 5])
@pytest.mark.parametrize("compression", [False, "lz4"])
def test_each_version_with_and_without_lz4(node, version, compression):
    assert connect_and_expect_clean_error(node, protocol_version=version, compression=compression) == version


def test_shard_aware_port_is_usable_directly(node):
    cluster = Cluster(["127.0.0.1"], port=node.shard_aware_port, connect_timeout=5, protocol_version=4)
    try:
        with pytest.raises(NoHostAvailable) as excinfo:
            cluster.connect()
        assert all(isinstance(e, InvalidRequest) for e in excinfo.value.errors.values())
    finally:
        cluster.shutdown()
