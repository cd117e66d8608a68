//! Which seed each operation works on (cassandra-stress `-pop`): `seq=a..b`
//! visits the range in order and wraps; `dist=...` draws from a distribution.

use super::{DistSpec, SplitMix64};

#[derive(Debug, Clone, PartialEq)]
pub enum Population {
    Sequence { first: i64, last: i64 },
    Distribution(DistSpec),
}

impl Population {
    /// The seed for operation number `sequence` (0-based, global across
    /// workers). `rng` is the worker's own generator, used by distributions.
    pub fn seed(&self, sequence: u64, rng: &mut SplitMix64) -> u64 {
        match self {
            Population::Sequence { first, last } => {
                let width = (last - first).max(0) as u64 + 1;
                (*first as u64).wrapping_add(sequence % width)
            }
            Population::Distribution(dist) => dist.sample_at(sequence, rng) as u64,
        }
    }

    /// The number of distinct seeds, for summaries.
    pub fn size(&self) -> u64 {
        match self {
            Population::Sequence { first, last } => (last - first).max(0) as u64 + 1,
            Population::Distribution(dist) => (dist.max() - dist.min()).max(0) as u64 + 1,
        }
    }
}

impl std::fmt::Display for Population {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Population::Sequence { first, last } => write!(f, "seq={first}..{last}"),
            Population::Distribution(d) => write!(f, "dist={d}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequence_wraps() {
        let pop = Population::Sequence { first: 1, last: 3 };
        let mut rng = SplitMix64::new(0);
        let seeds: Vec<u64> = (0..5).map(|i| pop.seed(i, &mut rng)).collect();
        assert_eq!(seeds, vec![1, 2, 3, 1, 2]);
        // `dist=seq(...)` follows the operation number like `seq=`.
        let dist = Population::Distribution(DistSpec::parse("seq(1..3)").unwrap());
        let seeds: Vec<u64> = (0..5).map(|i| dist.seed(i, &mut rng)).collect();
        assert_eq!(seeds, vec![1, 2, 3, 1, 2]);
    }
}
