//! Our Murmur3 tokens and token -> shard mapping agree with the ScyllaDB
//! Rust driver's own implementation, so shard-aware routing lands on the
//! owner.

use scylla::routing::partitioner::{Murmur3Partitioner, Partitioner};
use scylla::routing::{ShardCount, Sharder as DriverSharder, Token as DriverToken};
use sibyl_server::dht::{Sharder, Token, token_of_key};

fn pseudo_random_keys(n: usize) -> Vec<Vec<u8>> {
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    (0..n)
        .map(|i| {
            let len = i % 41;
            (0..len)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    state as u8
                })
                .collect()
        })
        .collect()
}

#[test]
fn tokens_match_the_driver_partitioner() {
    for key in pseudo_random_keys(20_000) {
        let ours = token_of_key(&key);
        let theirs = Murmur3Partitioner.hash_one(&key);
        assert_eq!(ours.0, theirs.value(), "key {key:02x?}");
    }
}

#[test]
fn shards_match_the_driver_sharder() {
    let tokens: Vec<i64> = pseudo_random_keys(5_000)
        .iter()
        .map(|k| token_of_key(k).0)
        // No key hashes to i64::MIN (the driver normalizes it to MAX), so it is left out.
        .chain([i64::MIN + 1, -1, 0, 1, i64::MAX])
        .collect();
    for nr_shards in 1..=16u16 {
        for ignore_msb in [0u8, 12] {
            let ours = Sharder::new(usize::from(nr_shards), u32::from(ignore_msb));
            let theirs =
                DriverSharder::new(ShardCount::new(nr_shards).expect("non-zero"), ignore_msb);
            for &t in &tokens {
                assert_eq!(
                    ours.shard_of(Token(t)) as u32,
                    theirs.shard_of(DriverToken::new(t)),
                    "token {t}, {nr_shards} shards, ignore_msb {ignore_msb}"
                );
            }
            for port in [49152u16, 49153, 50000, 65535] {
                assert_eq!(
                    usize::from(port) % usize::from(nr_shards) as usize,
                    theirs.shard_of_source_port(port) as usize
                );
            }
        }
    }
}
