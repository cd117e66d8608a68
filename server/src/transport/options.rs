//! The SUPPORTED answer to OPTIONS (see CLIENTS.md "Handshake" and
//! "Shard-aware extension"): the scylla keys come all together or not at all.

use sibyl_protocol::response::Supported;

use crate::dht::{PARTITIONER_NAME, Sharder};

pub const CQL_VERSION: &str = "3.4.7";

pub fn supported(shard: usize, sharder: &Sharder, shard_aware_port: Option<u16>) -> Supported {
    let one = |s: &str| vec![s.to_owned()];
    let mut options = vec![
        ("CQL_VERSION".to_owned(), one(CQL_VERSION)),
        (
            "COMPRESSION".to_owned(),
            vec!["lz4".to_owned(), "snappy".to_owned()],
        ),
        (
            "PROTOCOL_VERSIONS".to_owned(),
            vec!["3/v3".into(), "4/v4".into(), "5/v5".into()],
        ),
    ];
    if let Some(port) = shard_aware_port {
        options.extend([
            ("SCYLLA_SHARD".to_owned(), one(&shard.to_string())),
            (
                "SCYLLA_NR_SHARDS".to_owned(),
                one(&sharder.nr_shards().to_string()),
            ),
            ("SCYLLA_PARTITIONER".to_owned(), one(PARTITIONER_NAME)),
            (
                "SCYLLA_SHARDING_ALGORITHM".to_owned(),
                one("biased-token-round-robin"),
            ),
            (
                "SCYLLA_SHARDING_IGNORE_MSB".to_owned(),
                one(&sharder.ignore_msb().to_string()),
            ),
            ("SCYLLA_SHARD_AWARE_PORT".to_owned(), one(&port.to_string())),
        ]);
    }
    Supported { options }
}
