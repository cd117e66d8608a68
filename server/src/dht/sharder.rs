//! Token -> shard, ScyllaDB's biased-token-round-robin algorithm, so that
//! shard-aware drivers send each request straight to the owning core:
//! `shard = (((token + 2^63) << ignore_msb) as u128 * nr_shards) >> 64`.

use super::Token;

/// The default number of most significant token bits ignored.
pub const DEFAULT_IGNORE_MSB: u32 = 12;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sharder {
    nr_shards: usize,
    ignore_msb: u32,
}

impl Sharder {
    pub fn new(nr_shards: usize, ignore_msb: u32) -> Self {
        assert!(nr_shards > 0, "a node has at least one shard");
        assert!(ignore_msb < 64, "ignore_msb must be below 64");
        Self {
            nr_shards,
            ignore_msb,
        }
    }

    pub fn nr_shards(&self) -> usize {
        self.nr_shards
    }

    pub fn ignore_msb(&self) -> u32 {
        self.ignore_msb
    }

    pub fn shard_of(&self, token: Token) -> usize {
        let unbiased = (token.0 as u64) ^ (1 << 63);
        let shifted = unbiased << self.ignore_msb;
        ((u128::from(shifted) * self.nr_shards as u128) >> 64) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_shard_owns_everything() {
        let sharder = Sharder::new(1, DEFAULT_IGNORE_MSB);
        for t in [i64::MIN, -1, 0, 1, i64::MAX] {
            assert_eq!(sharder.shard_of(Token(t)), 0);
        }
    }

    #[test]
    fn shards_are_spread_and_in_range() {
        let sharder = Sharder::new(7, DEFAULT_IGNORE_MSB);
        let mut counts = [0usize; 7];
        for i in 0..70_000i64 {
            let token = super::super::token_of_key(&i.to_be_bytes());
            let shard = sharder.shard_of(token);
            counts[shard] += 1;
        }
        for c in counts {
            assert!((8_000..12_000).contains(&c), "uneven spread: {counts:?}");
        }
    }
}
