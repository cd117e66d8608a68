//! Deterministic data: every key and value derives from a 64-bit seed, so a
//! reader can recompute what a writer wrote (verification mode) and a mock
//! server can answer reads without storing anything.
//!
//! Keys are 10 bytes like cassandra-stress's: the first 8 are a bijective mix
//! of the seed (so distinct seeds never collide and [`seed_of_key`] inverts
//! them), the last 2 a checksum. Column `i` of a key is a byte stream from a
//! [`SplitMix64`] seeded by the key seed and `i`; its length comes from the
//! column size distribution, sampled from the same seed.
//!
//! `-col n=DIST`: the table has `max(DIST)` columns and the row of a seed
//! holds the first [`RowGenerator::columns_for`] of them, a count drawn from
//! `DIST` with the key seed (so a rewrite of a key writes the same columns and
//! a reader knows which columns must be null).

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

/// Generates the standard rows: up to `column_count` blob columns per key.
#[derive(Debug, Clone)]
pub struct RowGenerator {
    /// Columns of the table (the count distribution's maximum).
    pub column_count: usize,
    pub column_size: DistSpec,
    /// Columns written per row; `FIXED(column_count)` unless `-col n=DIST`.
    pub count: DistSpec,
}

/// Salt of the column-count stream, apart from the column value streams.
const COUNT_SALT: u64 = 0x636f_6c73_636f_756e;

impl RowGenerator {
    pub fn new(column_count: usize, column_size: DistSpec) -> Self {
        Self {
            column_count,
            column_size,
            count: DistSpec::fixed(column_count as i64),
        }
    }

    /// Rows of a variable column count: the table has `count.max()` columns.
    pub fn with_count(count: DistSpec, column_size: DistSpec) -> Self {
        Self {
            column_count: count.max().max(0) as usize,
            column_size,
            count,
        }
    }

    /// How many columns (the first ones) the row of `seed` holds.
    pub fn columns_for(&self, seed: u64) -> usize {
        let drawn = match self.count.kind {
            DistKind::Fixed(v) => v,
            _ => {
                let mut rng = SplitMix64::new(mix64(seed ^ COUNT_SALT));
                self.count.sample_at(seed, &mut rng)
            }
        };
        drawn.clamp(0, self.column_count as i64) as usize
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
                self.column_size.sample_at(seed, &mut rng).max(0) as usize
            }
        }
    }

    /// Writes the columns the row of `seed` holds into `out` (cleared first,
    /// capacity kept) and their end offsets into `ends`: `ends.len()` is
    /// [`Self::columns_for`], the columns after those are not written.
    pub fn fill_row(&self, seed: u64, out: &mut Vec<u8>, ends: &mut Vec<usize>) {
        out.clear();
        ends.clear();
        for column in 0..self.columns_for(seed) {
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

    /// True when `value` is exactly what [`Self::fill_row`] makes for
    /// `column`: the generated bytes, or null (`None`) for a column after the
    /// row's count.
    pub fn column_matches(
        &self,
        seed: u64,
        column: usize,
        value: Option<&[u8]>,
        scratch: &mut Vec<u8>,
    ) -> bool {
        let Some(value) = value else {
            return column >= self.columns_for(seed);
        };
        if column >= self.columns_for(seed) {
            return false;
        }
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
        assert!(generator.column_matches(9, 1, Some(&a[34..68]), &mut scratch));
        assert!(!generator.column_matches(10, 1, Some(&a[34..68]), &mut scratch));
        assert!(!generator.column_matches(9, 1, None, &mut scratch));
    }

    #[test]
    fn variable_counts_write_a_prefix_and_expect_nulls_after_it() {
        let generator = RowGenerator::with_count(DistSpec::uniform(1, 10), DistSpec::fixed(4));
        assert_eq!(generator.column_count, 10);
        let fixed = RowGenerator::new(10, DistSpec::fixed(4));
        let (mut row, mut ends, mut scratch) = (Vec::new(), Vec::new(), Vec::new());
        let mut seen = [0u32; 11];
        for seed in 0..2000 {
            let count = generator.columns_for(seed);
            assert_eq!(count, generator.columns_for(seed), "deterministic");
            seen[count] += 1;
            generator.fill_row(seed, &mut row, &mut ends);
            assert_eq!(ends.len(), count);
            let (mut full, mut full_ends) = (Vec::new(), Vec::new());
            fixed.fill_row(seed, &mut full, &mut full_ends);
            // The written columns are the first `count` of the full row.
            assert_eq!(row, full[..4 * count]);
            for column in 0..10 {
                let value = full.get(4 * column..4 * column + 4);
                let written = column < count;
                assert_eq!(
                    generator.column_matches(seed, column, value, &mut scratch),
                    written
                );
                assert_eq!(
                    generator.column_matches(seed, column, None, &mut scratch),
                    !written
                );
            }
        }
        assert_eq!(seen[0], 0);
        // Uniform over 1..=10: every count shows up, none dominates.
        assert!(
            seen[1..].iter().all(|&n| (120..280).contains(&n)),
            "{seen:?}"
        );
    }

    #[test]
    fn sequence_counts_follow_the_key_seed() {
        let generator =
            RowGenerator::with_count(DistSpec::parse("seq(2..4)").unwrap(), DistSpec::fixed(1));
        let counts: Vec<usize> = (0..6).map(|s| generator.columns_for(s)).collect();
        assert_eq!(counts, vec![2, 3, 4, 2, 3, 4]);
        let fixed = RowGenerator::new(5, DistSpec::fixed(1));
        assert!((0..100).all(|s| fixed.columns_for(s) == 5));
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
