//! The shard-aware port: a connection belongs to shard
//! `source_port % nr_shards`, and SUPPORTED says which shard that is.

use sibyl_protocol::Version;

use crate::client::RawClient;
use crate::node::SibylProcess;

fn single(supported: &sibyl_protocol::response::Supported, key: &str) -> String {
    match supported.get(key) {
        Some([value]) => value.clone(),
        other => panic!("{key}: expected one value, got {other:?}"),
    }
}

#[test]
fn source_port_picks_the_shard_on_the_shard_aware_port() {
    let node = SibylProcess::start(&["--smp", "3"]);
    let shard_aware = node.shard_aware.expect("shard-aware port enabled");
    let mut checked = 0;
    for source_port in (50_000u16..50_400).step_by(7) {
        // A port may be taken by someone else on this machine; skip it.
        let Ok(mut client) = RawClient::connect_from(shard_aware, source_port, Version::V4) else {
            continue;
        };
        let supported = client.options();
        assert_eq!(
            single(&supported, "SCYLLA_SHARD"),
            (source_port % 3).to_string(),
            "port {source_port}"
        );
        assert_eq!(single(&supported, "SCYLLA_NR_SHARDS"), "3");
        assert_eq!(
            single(&supported, "SCYLLA_SHARD_AWARE_PORT"),
            shard_aware.port().to_string()
        );
        assert_eq!(
            single(&supported, "SCYLLA_PARTITIONER"),
            "org.apache.cassandra.dht.Murmur3Partitioner"
        );
        assert_eq!(
            single(&supported, "SCYLLA_SHARDING_ALGORITHM"),
            "biased-token-round-robin"
        );
        assert_eq!(single(&supported, "SCYLLA_SHARDING_IGNORE_MSB"), "12");
        client.handshake(None);
        checked += 1;
    }
    assert!(checked >= 40, "only {checked} source ports could be bound");
}

#[test]
fn the_regular_port_reports_a_valid_shard_and_every_shard_serves() {
    let node = SibylProcess::start(&["--smp", "2"]);
    let mut seen = [false; 2];
    for _ in 0..64 {
        let mut client = RawClient::connect(node.native, Version::V4);
        let shard: usize = single(&client.options(), "SCYLLA_SHARD")
            .parse()
            .expect("number");
        seen[shard] = true;
        if seen.iter().all(|s| *s) {
            return;
        }
    }
    panic!("SO_REUSEPORT never spread 64 connections over both shards: {seen:?}");
}

#[test]
fn without_the_shard_aware_port_no_scylla_keys_are_advertised() {
    let node = SibylProcess::start(&["--smp", "2", "--no-shard-aware-port"]);
    let mut client = RawClient::connect(node.native, Version::V4);
    let supported = client.options();
    assert!(
        supported
            .options
            .iter()
            .all(|(k, _)| !k.starts_with("SCYLLA_")),
        "{supported:?}"
    );
}
