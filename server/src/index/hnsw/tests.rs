//! Exactness, tombstone semantics, validation and recall of [`HnswIndex`].

use super::*;

/// xorshift64*: deterministic test vectors without a rand dependency.
pub(super) struct TestRng(u64);

impl TestRng {
    fn uniform(&mut self) -> f32 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let bits = self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 40;
        bits as f32 / (1u64 << 24) as f32 * 2.0 - 1.0
    }

    fn vector(&mut self, dimension: usize, unit: bool) -> Vec<f32> {
        let v: Vec<f32> = (0..dimension).map(|_| self.uniform()).collect();
        if unit { similarity::normalized(&v) } else { v }
    }
}

fn brute_force(
    similarity: Similarity,
    data: &[Vec<f32>],
    query: &[f32],
    k: usize,
) -> Vec<(usize, f32)> {
    let mut all: Vec<(usize, f32)> = data
        .iter()
        .enumerate()
        .map(|(i, v)| (i, similarity.score(query, v)))
        .collect();
    all.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    all.truncate(k);
    all
}

#[test]
fn tiny_sets_are_searched_exactly() {
    for similarity in [
        Similarity::Cosine,
        Similarity::DotProduct,
        Similarity::Euclidean,
    ] {
        let mut rng = TestRng(7);
        let unit = similarity == Similarity::DotProduct;
        let data: Vec<Vec<f32>> = (0..40).map(|_| rng.vector(8, unit)).collect();
        let mut index = HnswIndex::new(8, similarity, 16, 100);
        for (i, v) in data.iter().enumerate() {
            index.insert(i, v).unwrap();
        }
        assert_eq!(index.len(), 40);
        for _ in 0..20 {
            let query = rng.vector(8, unit);
            let got = index.search(&query, 5, 40).unwrap();
            let expected = brute_force(similarity, &data, &query, 5);
            let got_keys: Vec<usize> = got.iter().map(|g| g.0).collect();
            let expected_keys: Vec<usize> = expected.iter().map(|e| e.0).collect();
            assert_eq!(got_keys, expected_keys, "{similarity:?}");
            for ((_, g), (_, e)) in got.iter().zip(&expected) {
                assert!((g - e).abs() < 1e-5, "{similarity:?}: score {g} vs {e}");
            }
        }
    }
}

#[test]
fn empty_index_and_zero_k_return_nothing() {
    let mut index: HnswIndex<u32> = HnswIndex::new(2, Similarity::Euclidean, 16, 100);
    assert!(index.search(&[1.0, 2.0], 3, 10).unwrap().is_empty());
    index.insert(1, &[1.0, 2.0]).unwrap();
    assert!(index.search(&[1.0, 2.0], 0, 10).unwrap().is_empty());
    assert_eq!(index.search(&[1.0, 2.0], 3, 10).unwrap(), vec![(1, 1.0)]);
}

#[test]
fn removed_keys_are_never_returned_but_still_route() {
    let mut index = HnswIndex::new(1, Similarity::Euclidean, 4, 8);
    for i in 0..30u32 {
        index.insert(i, &[i as f32]).unwrap();
    }
    assert!(index.remove(&10));
    assert!(!index.remove(&10));
    assert!(!index.contains_key(&10));
    assert_eq!(index.len(), 29);
    assert_eq!(index.tombstones(), 1);
    let keys: Vec<u32> = index
        .search(&[10.0], 3, 16)
        .unwrap()
        .into_iter()
        .map(|r| r.0)
        .collect();
    assert_eq!(keys.len(), 3);
    assert!(!keys.contains(&10));
    assert!(keys.contains(&9) && keys.contains(&11));
}

#[test]
fn insert_replaces_the_keys_old_vector() {
    let mut index = HnswIndex::new(2, Similarity::Cosine, 16, 100);
    index.insert("a", &[1.0, 0.0]).unwrap();
    index.insert("b", &[0.0, 1.0]).unwrap();
    index.insert("a", &[2.0, 2.0]).unwrap();
    assert_eq!(index.len(), 2);
    assert_eq!(index.tombstones(), 1);
    let found = index.search(&[1.0, 0.0], 10, 10).unwrap();
    let keys: Vec<&str> = found.iter().map(|f| f.0).collect();
    assert_eq!(keys, ["a", "b"], "the old [1, 0] would score 1.0");
    assert!((found[0].1 - (1.0 + 0.5f32.sqrt()) / 2.0).abs() < 1e-6);
    // The same vector again is not a replacement.
    index.insert("a", &[2.0, 2.0]).unwrap();
    assert_eq!(index.tombstones(), 1);
}

#[test]
fn cosine_rejects_zero_vectors_on_insert_and_query() {
    let mut index = HnswIndex::new(3, Similarity::Cosine, 16, 100);
    let err = index.insert(1, &[0.0, 0.0, 0.0]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Zero and near-zero vectors cannot be indexed or queried with cosine similarity"
    );
    index.insert(2, &[1.0, 0.0, 0.0]).unwrap();
    assert_eq!(
        index.search(&[0.0, 1e-7, 0.0], 1, 10),
        Err(VectorError::ZeroVectorCosine)
    );
    assert!(matches!(
        index.insert(3, &[1.0]),
        Err(VectorError::DimensionMismatch { .. })
    ));
    assert_eq!(index.len(), 1);
}

#[test]
fn filtered_search_returns_only_accepted_keys() {
    let mut index = HnswIndex::new(1, Similarity::Euclidean, 4, 16);
    for i in 0..200u32 {
        index.insert(i, &[i as f32]).unwrap();
    }
    let odd: Vec<u32> = index
        .search_filtered(&[50.0], 4, 16, |k| k % 2 == 1)
        .unwrap()
        .into_iter()
        .map(|r| r.0)
        .collect();
    assert_eq!(odd.len(), 4);
    assert!(odd.iter().all(|k| k % 2 == 1));
    assert!(odd.contains(&49) && odd.contains(&51));
}

#[test]
fn tombstones_beyond_half_trigger_a_rebuild() {
    let mut index = HnswIndex::new(4, Similarity::Euclidean, 8, 32);
    let mut rng = TestRng(3);
    for i in 0..300u32 {
        index.insert(i, &rng.vector(4, false)).unwrap();
    }
    for i in 0..150u32 {
        index.remove(&i);
    }
    assert_eq!(index.tombstones(), 150, "exactly half: no rebuild yet");
    let before = index.memory_bytes();
    index.remove(&150);
    assert_eq!(index.tombstones(), 0);
    assert_eq!(index.len(), 149);
    assert!(index.memory_bytes() < before);
    let found = index.search(&rng.vector(4, false), 149, 200).unwrap();
    assert_eq!(found.len(), 149);
    assert!(found.iter().all(|(k, _)| *k > 150));
}

#[test]
fn same_seed_same_answers() {
    let build = || {
        let mut rng = TestRng(11);
        let mut index = HnswIndex::with_seed(16, Similarity::Euclidean, 8, 40, 42);
        for i in 0..500u32 {
            index.insert(i, &rng.vector(16, false)).unwrap();
        }
        index
    };
    let (a, b) = (build(), build());
    let query = TestRng(5).vector(16, false);
    assert_eq!(
        a.search(&query, 10, 20).unwrap(),
        b.search(&query, 10, 20).unwrap()
    );
}

/// Recall@10 against brute force on uniform random vectors, a hard case for
/// graph indexes (no cluster structure). Sized to take about a second in a
/// debug build; `benches/hnsw.rs` measures 100k vectors.
fn assert_recall_at_10(similarity: Similarity) {
    const N: usize = 1_000;
    const DIMENSION: usize = 64;
    const QUERIES: usize = 100;
    const K: usize = 10;
    let unit = similarity == Similarity::DotProduct;
    let mut rng = TestRng(0x1234_5678);
    let data: Vec<Vec<f32>> = (0..N).map(|_| rng.vector(DIMENSION, unit)).collect();
    let mut index = HnswIndex::new(DIMENSION, similarity, 16, 64);
    for (i, v) in data.iter().enumerate() {
        index.insert(i, v).unwrap();
    }
    let mut hits = 0;
    for _ in 0..QUERIES {
        let query = rng.vector(DIMENSION, unit);
        let truth: Vec<usize> = brute_force(similarity, &data, &query, K)
            .into_iter()
            .map(|t| t.0)
            .collect();
        let found = index.search(&query, K, 64).unwrap();
        hits += found.iter().filter(|f| truth.contains(&f.0)).count();
    }
    let recall = hits as f64 / (QUERIES * K) as f64;
    eprintln!("{similarity:?} recall@10 {recall}");
    assert!(recall >= 0.95, "{similarity:?}: recall@10 {recall}");
}

#[test]
fn cosine_recall_at_10_is_at_least_95_percent_at_ef_64() {
    assert_recall_at_10(Similarity::Cosine);
}

#[test]
fn dot_product_recall_at_10_is_at_least_95_percent_at_ef_64() {
    assert_recall_at_10(Similarity::DotProduct);
}

#[test]
fn euclidean_recall_at_10_is_at_least_95_percent_at_ef_64() {
    assert_recall_at_10(Similarity::Euclidean);
}
