//! The HNSW vector index at 100k × 128-dim vectors: build throughput, memory
//! per vector, recall@10 against brute force and queries/s at several
//! `ef_search`, then criterion timings of one search and one insert.
//!
//! `cargo bench -p sibyl-server --bench hnsw`
//! (`SIBYL_HNSW_BENCH_N=20000` for a quicker run.)
//!
//! By default vectors have a low intrinsic dimension like real embeddings
//! (SIFT, GloVe): a 16-dim Gaussian latent through a fixed random 16×128
//! projection plus 5 % noise. `SIBYL_HNSW_BENCH_DATA=uniform` uses uniform
//! [-1, 1]^128 instead, the worst case for any graph index: neighbours are
//! barely closer than random points. Parameters are Cassandra's SAI defaults:
//! M = 16, construction beam width 100, cosine.

use std::hint::black_box;
use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use sibyl_server::index::hnsw::HnswIndex;
use sibyl_server::index::similarity::Similarity;

const DIMENSION: usize = 128;
const QUERIES: usize = 200;
const K: usize = 10;

const LATENT: usize = 16;

struct Rng {
    state: u64,
    /// `LATENT × DIMENSION` projection; empty for uniform data.
    projection: Vec<f32>,
}

impl Rng {
    fn uniform(&mut self) -> f32 {
        self.state ^= self.state >> 12;
        self.state ^= self.state << 25;
        self.state ^= self.state >> 27;
        let bits = self.state.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 40;
        bits as f32 / (1u64 << 24) as f32 * 2.0 - 1.0
    }

    /// Approximately standard normal (Irwin–Hall of 6 uniforms).
    fn gaussian(&mut self) -> f32 {
        (0..6).map(|_| self.uniform()).sum::<f32>() / 2.0f32.sqrt()
    }

    fn vector(&mut self) -> Vec<f32> {
        if self.projection.is_empty() {
            return (0..DIMENSION).map(|_| self.uniform()).collect();
        }
        let latent: Vec<f32> = (0..LATENT).map(|_| self.gaussian()).collect();
        (0..DIMENSION)
            .map(|d| {
                let mixed: f32 = (0..LATENT)
                    .map(|l| latent[l] * self.projection[l * DIMENSION + d])
                    .sum();
                mixed + 0.05 * self.gaussian()
            })
            .collect()
    }
}

fn brute_force(data: &[Vec<f32>], query: &[f32]) -> Vec<usize> {
    let mut all: Vec<(usize, f32)> = data
        .iter()
        .enumerate()
        .map(|(i, v)| (i, Similarity::Cosine.score(query, v)))
        .collect();
    all.select_nth_unstable_by(K, |a, b| b.1.total_cmp(&a.1));
    all.truncate(K);
    all.into_iter().map(|(i, _)| i).collect()
}

fn hnsw(c: &mut Criterion) {
    let n: usize = std::env::var("SIBYL_HNSW_BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let uniform = std::env::var("SIBYL_HNSW_BENCH_DATA").is_ok_and(|v| v == "uniform");
    let mut rng = Rng {
        state: 0x9e37_79b9_7f4a_7c15,
        projection: Vec::new(),
    };
    if !uniform {
        rng.projection = (0..LATENT * DIMENSION)
            .map(|_| rng.uniform() / 4.0)
            .collect();
    }
    let data: Vec<Vec<f32>> = (0..n).map(|_| rng.vector()).collect();
    let queries: Vec<Vec<f32>> = (0..QUERIES).map(|_| rng.vector()).collect();
    let extra: Vec<Vec<f32>> = (0..20_000).map(|_| rng.vector()).collect();

    let started = Instant::now();
    let mut index = HnswIndex::new(DIMENSION, Similarity::Cosine, 16, 100);
    for (i, v) in data.iter().enumerate() {
        index.insert(i, v).expect("valid vector");
    }
    let build_s = started.elapsed().as_secs_f64();
    eprintln!(
        "{} data, build: {n} x {DIMENSION} in {build_s:.1} s = {:.0} inserts/s; {:.0} bytes/vector ({} raw)",
        if uniform { "uniform" } else { "latent-16" },
        n as f64 / build_s,
        index.memory_bytes() as f64 / n as f64,
        4 * DIMENSION
    );

    let truth: Vec<Vec<usize>> = queries.iter().map(|q| brute_force(&data, q)).collect();
    for ef in [10, 32, 64, 128, 256] {
        let started = Instant::now();
        let mut hits = 0;
        for (query, truth) in queries.iter().zip(&truth) {
            let found = index.search(query, K, ef).expect("valid query");
            hits += found.iter().filter(|f| truth.contains(&f.0)).count();
        }
        let qps = QUERIES as f64 / started.elapsed().as_secs_f64();
        let recall = hits as f64 / (QUERIES * K) as f64;
        eprintln!("ef_search {ef:>3}: recall@10 {recall:.3}, {qps:.0} queries/s");
    }

    let mut group = c.benchmark_group("hnsw");
    group.sample_size(20);
    let mut next = 0;
    group.bench_function("search k=10 ef=64", |b| {
        b.iter(|| {
            next = (next + 1) % QUERIES;
            black_box(index.search(&queries[next], K, 64).expect("valid query"))
        })
    });
    let mut key = n;
    group.bench_function("insert (index of n vectors)", |b| {
        b.iter(|| {
            key += 1;
            index
                .insert(key, &extra[key % extra.len()])
                .expect("valid vector");
        })
    });
    group.finish();
}

criterion_group!(benches, hnsw);
criterion_main!(benches);
