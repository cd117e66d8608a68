//! Bloom filter over partition keys, sized from the table's
//! `bloom_filter_fp_chance`. Lets reads skip SSTables that cannot hold a key.
//!
//! ## Format (inside `Filter.db`, framed by [`super::frame`])
//!
//! ```text
//! u32 num_hashes | u64 num_bits | u64 words[num_bits / 64]  (all LE)
//! ```
//! Hashing: FNV-1a 64 of the key, then double hashing with a splitmix64 of it.

use crate::error::{Result, StorageError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BloomFilter {
    num_hashes: u32,
    words: Vec<u64>,
}

fn fnv1a(key: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in key {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

impl BloomFilter {
    /// A filter for `expected_keys` keys at false-positive chance `fp_chance`.
    pub fn new(expected_keys: usize, fp_chance: f64) -> Self {
        let n = expected_keys.max(1) as f64;
        let p = fp_chance.clamp(1e-9, 0.5);
        let bits = (-(n * p.ln()) / (std::f64::consts::LN_2.powi(2)))
            .ceil()
            .max(64.0);
        let num_hashes = ((bits / n) * std::f64::consts::LN_2)
            .round()
            .clamp(1.0, 20.0) as u32;
        let words = vec![0u64; (bits as usize).div_ceil(64)];
        BloomFilter { num_hashes, words }
    }

    fn positions(&self, key: &[u8]) -> impl Iterator<Item = usize> + '_ {
        let h1 = fnv1a(key);
        let h2 = splitmix(h1) | 1;
        let bits = (self.words.len() * 64) as u64;
        (0..u64::from(self.num_hashes))
            .map(move |i| (h1.wrapping_add(i.wrapping_mul(h2)) % bits) as usize)
    }

    pub fn insert(&mut self, key: &[u8]) {
        let positions: Vec<usize> = self.positions(key).collect();
        for bit in positions {
            if let Some(w) = self.words.get_mut(bit / 64) {
                *w |= 1 << (bit % 64);
            }
        }
    }

    pub fn may_contain(&self, key: &[u8]) -> bool {
        self.positions(key).all(|bit| {
            self.words
                .get(bit / 64)
                .is_some_and(|w| w & (1 << (bit % 64)) != 0)
        })
    }

    pub fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.num_hashes.to_le_bytes());
        out.extend_from_slice(&((self.words.len() * 64) as u64).to_le_bytes());
        for w in &self.words {
            out.extend_from_slice(&w.to_le_bytes());
        }
    }

    pub fn decode(body: &[u8]) -> Result<Self> {
        let bad = |d: &str| StorageError::corrupt("bloom filter", d.to_owned());
        let num_hashes = u32::from_le_bytes(
            body.get(..4)
                .and_then(|b| b.try_into().ok())
                .ok_or_else(|| bad("truncated"))?,
        );
        let num_bits = u64::from_le_bytes(
            body.get(4..12)
                .and_then(|b| b.try_into().ok())
                .ok_or_else(|| bad("truncated"))?,
        );
        // `new` never makes more than 20; a corrupt count must not make
        // every lookup loop for billions of iterations.
        if num_hashes == 0 || num_hashes > 64 {
            return Err(bad("hash count out of range"));
        }
        let rest = body.get(12..).unwrap_or_default();
        if num_bits % 64 != 0 || rest.len() as u64 != num_bits / 8 || num_bits == 0 {
            return Err(bad("bit count does not match the body"));
        }
        let words = rest
            .chunks_exact(8)
            .map(|c| u64::from_le_bytes(c.try_into().unwrap_or_default()))
            .collect();
        Ok(BloomFilter { num_hashes, words })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_false_negatives_and_bounded_false_positives() {
        let mut f = BloomFilter::new(10_000, 0.01);
        for i in 0..10_000u32 {
            f.insert(&i.to_be_bytes());
        }
        assert!((0..10_000u32).all(|i| f.may_contain(&i.to_be_bytes())));
        let fp = (10_000..110_000u32)
            .filter(|i| f.may_contain(&i.to_be_bytes()))
            .count();
        assert!(fp < 2_000, "false positives {fp} of 100000");
        let mut bytes = Vec::new();
        f.encode(&mut bytes);
        assert_eq!(BloomFilter::decode(&bytes).unwrap(), f);
    }
}
