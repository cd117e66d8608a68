//! Deterministic data: every key and value derives from a 64-bit seed, so a
//! reader can recompute what a writer wrote (verification mode) and a mock
//! server can answer reads without storing anything.
//!
//! Keys are 10 bytes like cassandra-stress's: the first 8 are a bijective mix
//! of the seed (so distinct seeds never collide and [`seed_of_key`] inverts
//! them), the last 2 a checksum. Column `i` of a key is a byte stream from a
//! [`SplitMix64`] seeded by the key seed and `i`; its length comes from the
//! column size distribution, sampled from the same seed.

pub mod distribution;
pub mod population;

pub use distribution::{DistKind, DistSpec};
pub use population::Population;

/// The default key length of cassandra-stress.
pub const KEY_LEN: usize = 10;

const MIX_C1: u64 = 0xff51_afd7_ed55_8ccd;
const MIX_C2: u64 = 0xc4ce_b9fe_1a85_ec53;

/// Multiplicative inverse of an odd number modulo 2^64 (Newton iteration).
const fn inverse_mod_2_64(a: u64) -> u64 {
    let mut x = a;
    let mut i = 0;
    while i < 6 {
        x = x.wrapping_mul(2u64.wrapping_sub(a.wrapping_mul(x)));
        i += 1;
    }
    x
}

const MIX_C1_INV: u64 = inverse_mod_2_64(MIX_C1);
const MIX_C2_INV: u64 = inverse_mod_2_64(MIX_C2);

/// MurmurHash3's 64-bit finaliser: a bijection with good avalanche.
pub const fn mix64(mut x: u64) -> u64 {
    x ^= x >> 33;
    x = x.wrapping_mul(MIX_C1);
    x ^= x >> 33;
    x = x.wrapping_mul(MIX_C2);
    x ^= x >> 33;
    x
}

/// The inverse of [`mix64`].
pub const fn unmix64(mut x: u64) -> u64 {
    x ^= x >> 33;
    x = x.wrapping_mul(MIX_C2_INV);
    x ^= x >> 33;
    x = x.wrapping_mul(MIX_C1_INV);
    x ^= x >> 33;
    x
}

/// A tiny, fast generator (SplitMix64); one per worker, never shared.
#[derive(Debug, Clone)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`.
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Fills `out` with pseudo-random bytes.
    pub fn fill(&mut self, out: &mut [u8]) {
        let mut chunks = out.chunks_exact_mut(8);
        for chunk in &mut chunks {
            chunk.copy_from_slice(&self.next_u64().to_le_bytes());
        }
        let tail = chunks.into_remainder();
        let last = self.next_u64().to_le_bytes();
        let n = tail.len();
        tail.copy_from_slice(last.get(..n).unwrap_or_default());
    }
}

/// Writes the key of `seed` into `out`.
pub fn key_of_seed(seed: u64, out: &mut [u8; KEY_LEN]) {
    let mixed = mix64(seed);
    out[..8].copy_from_slice(&mixed.to_be_bytes());
    out[8..].copy_from_slice(&(mix64(mixed) as u16).to_be_bytes());
}

/// Recovers the seed a key was made from, if the key is one of ours.
pub fn seed_of_key(key: &[u8]) -> Option<u64> {
    let head: [u8; 8] = key.get(..8)?.try_into().ok()?;
    let mixed = u64::from_be_bytes(head);
    let check = key.get(8..10)?;
    (check == (mix64(mixed) as u16).to_be_bytes()).then(|| unmix64(mixed))
}

/// Generates the standard rows: `column_count` blob columns per key.
#[derive(Debug, Clone)]
pub struct RowGenerator {
    pub column_count: usize,
    pub column_size: DistSpec,
}

impl RowGenerator {
    pub fn new(column_count: usize, column_size: DistSpec) -> Self {
        Self {
            column_count,
            column_size,
        }
    }

    fn column_rng(seed: u64, column: usize) -> SplitMix64 {
        SplitMix64::new(mix64(seed ^ mix64(column as u64 + 1)))
    }

    /// The length of column `column` for `seed`.
    pub fn column_len(&self, seed: u64, column: usize) -> usize {
        match self.column_size.kind {
            DistKind::Fixed(v) => v.max(0) as usize,
            _ => {
                let mut rng = Self::column_rng(seed, column);
                self.column_size.sample(&mut rng).max(0) as usize
            }
        }
    }

    /// Writes every column of `seed` into `out` (cleared first, capacity kept)
    /// and their end offsets into `ends`.
    pub fn fill_row(&self, seed: u64, out: &mut Vec<u8>, ends: &mut Vec<usize>) {
        out.clear();
        ends.clear();
        for column in 0..self.column_count {
            let len = self.column_len(seed, column);
            let start = out.len();
            out.resize(start + len, 0);
            let mut rng = Self::column_rng(seed, column);
            rng.next_u64();
            if let Some(slot) = out.get_mut(start..) {
                rng.fill(slot);
            }
            ends.push(out.len());
        }
    }

    /// True when `value` is exactly what [`Self::fill_row`] makes for `column`.
    pub fn column_matches(
        &self,
        seed: u64,
        column: usize,
        value: &[u8],
        scratch: &mut Vec<u8>,
    ) -> bool {
        let len = self.column_len(seed, column);
        scratch.clear();
        scratch.resize(len, 0);
        let mut rng = Self::column_rng(seed, column);
        rng.next_u64();
        rng.fill(scratch);
        scratch.as_slice() == value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mix_is_inverted_and_keys_round_trip() {
        for seed in [0u64, 1, 2, 42, u64::MAX, 1 << 40] {
            assert_eq!(unmix64(mix64(seed)), seed);
            let mut key = [0u8; KEY_LEN];
            key_of_seed(seed, &mut key);
            assert_eq!(seed_of_key(&key), Some(seed));
        }
        assert_eq!(seed_of_key(b"0123456789"), None);
    }

    #[test]
    fn rows_are_deterministic_and_verifiable() {
        let generator = RowGenerator::new(5, DistSpec::fixed(34));
        let (mut a, mut ends) = (Vec::new(), Vec::new());
        generator.fill_row(9, &mut a, &mut ends);
        assert_eq!(ends, vec![34, 68, 102, 136, 170]);
        let mut b = Vec::new();
        generator.fill_row(9, &mut b, &mut ends);
        assert_eq!(a, b);
        let mut scratch = Vec::new();
        assert!(generator.column_matches(9, 1, &a[34..68], &mut scratch));
        assert!(!generator.column_matches(10, 1, &a[34..68], &mut scratch));
    }

    #[test]
    fn variable_sizes_follow_the_distribution() {
        let generator = RowGenerator::new(3, DistSpec::uniform(1, 8));
        let (mut row, mut ends) = (Vec::new(), Vec::new());
        for seed in 0..100 {
            generator.fill_row(seed, &mut row, &mut ends);
            let mut start = 0;
            for (i, end) in ends.iter().enumerate() {
                assert_eq!(end - start, generator.column_len(seed, i));
                assert!((1..=8).contains(&(end - start)));
                start = *end;
            }
        }
    }
}
