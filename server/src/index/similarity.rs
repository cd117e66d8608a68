//! Vector similarity functions of SAI vector indexes and the `similarity_*`
//! CQL functions, with Cassandra's exact score formulas.
//!
//! Cassandra delegates both to jVector's `VectorSimilarityFunction::compare`
//! (`cql3/functions/VectorFcts.java`, `index/sai/disk/v1/vector/`), which maps
//! every function onto a score where higher means more similar:
//!
//! | option          | score                                   | range  |
//! |-----------------|-----------------------------------------|--------|
//! | `cosine`        | `(1 + cos(a, b)) / 2`                   | [0, 1] |
//! | `dot_product`   | `(1 + a·b) / 2` (meant for unit vectors) | [0, 1] for unit vectors |
//! | `euclidean`     | `1 / (1 + ‖a − b‖²)` (squared distance)  | (0, 1] |
//!
//! Like jVector, sums accumulate in `f32` and the cosine's final division is
//! done in `f64`; lane order differs from jVector's SIMD, so results agree to
//! a few ulps, not bit for bit.
//!
//! Validation follows SAI's `VectorValidation`: every component must be finite,
//! and cosine rejects vectors whose components all lie within ±1e-6.

use thiserror::Error;

/// Components within this bound of zero make a vector "effectively zero" for
/// cosine (Cassandra's `VectorValidation.isEffectivelyZero`).
const EFFECTIVELY_ZERO: f32 = 1e-6;

/// Why a vector cannot be indexed or used as a query.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum VectorError {
    /// The vector's length differs from the index's dimension.
    #[error("Invalid vector dimension: expected {expected}, got {got}")]
    DimensionMismatch { expected: usize, got: usize },
    /// Cassandra's exact message for cosine on a zero vector.
    #[error("Zero and near-zero vectors cannot be indexed or queried with cosine similarity")]
    ZeroVectorCosine,
    /// NaN or infinity at `position`.
    #[error("non-finite value at vector[{position}]={value}")]
    NonFinite { position: usize, value: f32 },
    /// The index holds `u32::MAX` nodes (live and tombstoned).
    #[error("vector index is full ({nodes} nodes)")]
    IndexFull { nodes: usize },
}

/// The similarity function of a vector index (`similarity_function` option).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Similarity {
    /// Cassandra's default when the option is absent.
    #[default]
    Cosine,
    DotProduct,
    Euclidean,
}

impl Similarity {
    /// Parses the `similarity_function` index option, case-insensitively.
    pub fn from_option(value: &str) -> Option<Self> {
        match value.to_ascii_lowercase().as_str() {
            "cosine" => Some(Self::Cosine),
            "dot_product" => Some(Self::DotProduct),
            "euclidean" => Some(Self::Euclidean),
            _ => None,
        }
    }

    /// The option value, as `DESCRIBE` would print it.
    pub fn option_name(self) -> &'static str {
        match self {
            Self::Cosine => "cosine",
            Self::DotProduct => "dot_product",
            Self::Euclidean => "euclidean",
        }
    }

    /// Cassandra's similarity score of `a` and `b` (higher is more similar).
    /// Both must have the same length; a zero vector under cosine yields NaN,
    /// so callers validate first (see [`Similarity::validate`]).
    pub fn score(self, a: &[f32], b: &[f32]) -> f32 {
        match self {
            Self::Cosine => {
                let (dot, norm_a, norm_b) = dot_and_norms(a, b);
                let cosine =
                    (f64::from(dot) / (f64::from(norm_a) * f64::from(norm_b)).sqrt()) as f32;
                (1.0 + cosine) / 2.0
            }
            Self::DotProduct => (1.0 + dot(a, b)) / 2.0,
            Self::Euclidean => 1.0 / (1.0 + squared_euclidean(a, b)),
        }
    }

    /// Checks that `vector` can be indexed or queried with this function and
    /// has `dimension` components.
    pub fn validate(self, vector: &[f32], dimension: usize) -> Result<(), VectorError> {
        if vector.len() != dimension {
            return Err(VectorError::DimensionMismatch {
                expected: dimension,
                got: vector.len(),
            });
        }
        if let Some((position, &value)) = vector.iter().enumerate().find(|(_, v)| !v.is_finite()) {
            return Err(VectorError::NonFinite { position, value });
        }
        if self == Self::Cosine && vector.iter().all(|v| v.abs() <= EFFECTIVELY_ZERO) {
            return Err(VectorError::ZeroVectorCosine);
        }
        Ok(())
    }
}

/// Eight independent accumulators so the optimiser can vectorise the loop.
const LANES: usize = 8;

/// The dot product of two equal-length slices.
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut sums = [0.0f32; LANES];
    let (a_chunks, b_chunks) = (a.chunks_exact(LANES), b.chunks_exact(LANES));
    let tail: f32 = a_chunks
        .remainder()
        .iter()
        .zip(b_chunks.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in a_chunks.zip(b_chunks) {
        for lane in 0..LANES {
            sums[lane] += x[lane] * y[lane];
        }
    }
    sums.iter().sum::<f32>() + tail
}

/// The squared Euclidean distance of two equal-length slices.
pub fn squared_euclidean(a: &[f32], b: &[f32]) -> f32 {
    let mut sums = [0.0f32; LANES];
    let (a_chunks, b_chunks) = (a.chunks_exact(LANES), b.chunks_exact(LANES));
    let tail: f32 = a_chunks
        .remainder()
        .iter()
        .zip(b_chunks.remainder())
        .map(|(x, y)| (x - y) * (x - y))
        .sum();
    for (x, y) in a_chunks.zip(b_chunks) {
        for lane in 0..LANES {
            let diff = x[lane] - y[lane];
            sums[lane] += diff * diff;
        }
    }
    sums.iter().sum::<f32>() + tail
}

fn dot_and_norms(a: &[f32], b: &[f32]) -> (f32, f32, f32) {
    let (mut dot, mut norm_a, mut norm_b) = (0.0f32, 0.0f32, 0.0f32);
    for (x, y) in a.iter().zip(b) {
        dot += x * y;
        norm_a += x * x;
        norm_b += y * y;
    }
    (dot, norm_a, norm_b)
}

/// `vector` scaled to unit length; the caller has rejected zero vectors.
pub fn normalized(vector: &[f32]) -> Vec<f32> {
    let norm = dot(vector, vector).sqrt();
    vector.iter().map(|v| v / norm).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_cassandra_option_values_case_insensitively() {
        assert_eq!(Similarity::from_option("COSINE"), Some(Similarity::Cosine));
        assert_eq!(
            Similarity::from_option("dot_product"),
            Some(Similarity::DotProduct)
        );
        assert_eq!(
            Similarity::from_option("Euclidean"),
            Some(Similarity::Euclidean)
        );
        assert_eq!(Similarity::from_option("dot"), None);
        assert_eq!(Similarity::default(), Similarity::Cosine);
    }

    #[test]
    fn scores_match_cassandra_formulas() {
        let (a, b) = ([1.0f32, 0.0], [0.0f32, 1.0]);
        assert_eq!(Similarity::Cosine.score(&a, &b), 0.5);
        assert_eq!(Similarity::Cosine.score(&a, &a), 1.0);
        assert_eq!(Similarity::Cosine.score(&a, &[-2.0, 0.0]), 0.0);
        assert_eq!(Similarity::DotProduct.score(&a, &b), 0.5);
        assert_eq!(
            Similarity::DotProduct.score(&[0.6, 0.8], &[0.6, 0.8]),
            (1.0 + 1.0) / 2.0
        );
        // Squared distance 2, not sqrt(2): 1 / (1 + 2).
        assert_eq!(Similarity::Euclidean.score(&a, &b), 1.0 / 3.0);
        // cos = 0.11 / sqrt(0.05 * 0.25) = 0.983870, score (1 + cos) / 2.
        let s = Similarity::Cosine.score(&[0.1, 0.2], &[0.3, 0.4]);
        assert!((s - 0.991_935).abs() < 1e-5, "{s}");
    }

    #[test]
    fn unrolled_sums_agree_with_naive_ones() {
        let a: Vec<f32> = (0..37).map(|i| i as f32 * 0.25 - 3.0).collect();
        let b: Vec<f32> = (0..37).map(|i| 2.0 - i as f32 * 0.125).collect();
        let naive_dot: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
        let naive_l2: f32 = a.iter().zip(&b).map(|(x, y)| (x - y) * (x - y)).sum();
        assert!((dot(&a, &b) - naive_dot).abs() < 1e-3);
        assert!((squared_euclidean(&a, &b) - naive_l2).abs() < 1e-3);
    }

    #[test]
    fn validation_rejects_what_sai_rejects() {
        let cos = Similarity::Cosine;
        assert_eq!(
            cos.validate(&[0.0, 1e-7], 2),
            Err(VectorError::ZeroVectorCosine)
        );
        assert_eq!(
            VectorError::ZeroVectorCosine.to_string(),
            "Zero and near-zero vectors cannot be indexed or queried with cosine similarity"
        );
        assert!(Similarity::Euclidean.validate(&[0.0, 0.0], 2).is_ok());
        assert!(Similarity::DotProduct.validate(&[0.0, 0.0], 2).is_ok());
        assert_eq!(
            cos.validate(&[1.0], 2),
            Err(VectorError::DimensionMismatch {
                expected: 2,
                got: 1
            })
        );
        assert!(matches!(
            Similarity::Euclidean.validate(&[1.0, f32::NAN], 2),
            Err(VectorError::NonFinite { position: 1, .. })
        ));
    }
}
