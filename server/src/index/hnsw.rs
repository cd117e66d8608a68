//! An in-memory HNSW graph (Malkov & Yashunin, "Efficient and robust approximate
//! nearest neighbor search using Hierarchical Navigable Small World graphs",
//! 2016) answering `ORDER BY v ANN OF q LIMIT k` for one vector index on one
//! shard. Pure data structure: no I/O, no locks; the owning shard mutates it.
//!
//! ## Algorithm
//! Every vector is a node with a random level `⌊−ln(U)·mL⌋`, `mL = 1/ln(M)`
//! (capped at [`MAX_LEVEL`]); it is linked on layers `0..=level`. Insertion
//! descends greedily from the entry point down to `level + 1`, then on each
//! lower layer runs a beam search of width `ef_construction` and links the
//! node to neighbours chosen by the paper's heuristic (algorithm 4: keep a
//! candidate only if it is closer to the new node than to every neighbour
//! kept so far), adding the reverse edges and re-pruning lists that overflow.
//! Search descends greedily to layer 1, then beam-searches layer 0 with width
//! `max(ef_search, k)` and returns the best `k`.
//!
//! ## Parameters
//! - `M` (`max_connections`, Cassandra's `maximum_node_connections`, default
//!   16): links per node on upper layers; layer 0 holds `2·M`.
//! - `ef_construction` (Cassandra's `construction_beam_width`, default 100).
//! - `ef_search` per query: recall grows with it, throughput falls.
//! - a seed for the level PRNG: the same inserts in the same order give the
//!   same graph and the same answers.
//!
//! ## Deletes and compaction
//! `remove` and replacing `insert` tombstone the old node: it keeps its links
//! and still routes searches, but is never returned. When tombstones exceed
//! half of all nodes (and at least [`MIN_TOMBSTONES_FOR_REBUILD`]), the next
//! mutation rebuilds the graph from the live nodes in insertion order, so each
//! rebuild is paid for by at least as many deletes as it re-inserts. Callers
//! that want to choose the moment can check [`HnswIndex::needs_compaction`] and
//! call [`HnswIndex::compact`] themselves.
//!
//! ## Invariants
//! - Node ids are dense `u32`s; node `i`'s vector is `vectors[i·dim..][..dim]`,
//!   stored unit-length for cosine (so cosine is a dot product).
//! - `nodes_by_key[k] == i` iff `keys[i] == Some(k)`; `keys[i] == None` marks a
//!   tombstone and `tombstones` counts them.
//! - Every link points to an existing node on a layer that node has.

use std::collections::HashMap;
use std::hash::Hash;

use super::similarity::{self, Similarity, VectorError};

/// Highest layer a node can get; with M ≥ 2 level 16 needs ~2^16 nodes.
pub const MAX_LEVEL: usize = 16;
/// Fewer tombstones than this never trigger a rebuild (small graphs search
/// fast even when mostly dead).
pub const MIN_TOMBSTONES_FOR_REBUILD: usize = 64;
const DEFAULT_SEED: u64 = 0x5eed_5eed_5eed_5eed;

/// An approximate nearest-neighbour index from row keys to vectors.
#[derive(Debug, Clone)]
pub struct HnswIndex<K> {
    dimension: usize,
    similarity: Similarity,
    max_connections: usize,
    max_connections_layer0: usize,
    ef_construction: usize,
    level_multiplier: f64,
    seed: u64,
    rng: SplitMix64,
    vectors: Vec<f32>,
    /// Layer-0 links, `1 + max_connections_layer0` slots per node: count, ids.
    layer0: Vec<u32>,
    /// `upper[i][l - 1]`: node `i`'s links on layer `l ≥ 1`.
    upper: Vec<Vec<Vec<u32>>>,
    keys: Vec<Option<K>>,
    nodes_by_key: HashMap<K, u32, ahash::RandomState>,
    entry_point: Option<u32>,
    top_level: usize,
    tombstones: usize,
}

impl<K: Clone + Eq + Hash> HnswIndex<K> {
    /// An empty index; `max_connections` is clamped to `2..=512` (Cassandra's
    /// bounds) and `ef_construction` raised to at least `max_connections`.
    pub fn new(
        dimension: usize,
        similarity: Similarity,
        max_connections: usize,
        ef_construction: usize,
    ) -> Self {
        Self::with_seed(
            dimension,
            similarity,
            max_connections,
            ef_construction,
            DEFAULT_SEED,
        )
    }

    /// Like [`HnswIndex::new`] with an explicit seed for level generation.
    pub fn with_seed(
        dimension: usize,
        similarity: Similarity,
        max_connections: usize,
        ef_construction: usize,
        seed: u64,
    ) -> Self {
        let max_connections = max_connections.clamp(2, 512);
        Self {
            dimension,
            similarity,
            max_connections,
            max_connections_layer0: 2 * max_connections,
            ef_construction: ef_construction.max(max_connections),
            level_multiplier: 1.0 / (max_connections as f64).ln(),
            seed,
            rng: SplitMix64(seed),
            vectors: Vec::new(),
            layer0: Vec::new(),
            upper: Vec::new(),
            keys: Vec::new(),
            nodes_by_key: HashMap::default(),
            entry_point: None,
            top_level: 0,
            tombstones: 0,
        }
    }

    pub fn dimension(&self) -> usize {
        self.dimension
    }

    pub fn similarity(&self) -> Similarity {
        self.similarity
    }

    /// Live (searchable) vectors.
    pub fn len(&self) -> usize {
        self.nodes_by_key.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes_by_key.is_empty()
    }

    /// Tombstoned nodes still in the graph.
    pub fn tombstones(&self) -> usize {
        self.tombstones
    }

    pub fn contains_key(&self, key: &K) -> bool {
        self.nodes_by_key.contains_key(key)
    }

    /// Indexes `vector` under `key`, replacing (tombstoning) the key's previous
    /// vector; re-inserting an identical vector changes nothing.
    pub fn insert(&mut self, key: K, vector: &[f32]) -> Result<(), VectorError> {
        self.similarity.validate(vector, self.dimension)?;
        let prepared = match self.similarity {
            Similarity::Cosine => similarity::normalized(vector),
            Similarity::DotProduct | Similarity::Euclidean => vector.to_vec(),
        };
        let old = self.nodes_by_key.get(&key).copied();
        if old.is_some_and(|old| self.vector(old) == prepared.as_slice()) {
            return Ok(());
        }
        if self.keys.len() >= u32::MAX as usize {
            return Err(VectorError::IndexFull {
                nodes: self.keys.len(),
            });
        }
        if let Some(old) = old {
            self.tombstone(old);
        }
        self.insert_prepared(key, &prepared);
        self.maybe_compact();
        Ok(())
    }

    /// Removes `key`'s vector; returns whether it was indexed.
    pub fn remove(&mut self, key: &K) -> bool {
        let Some(node) = self.nodes_by_key.get(key).copied() else {
            return false;
        };
        self.tombstone(node);
        self.maybe_compact();
        true
    }

    /// The `k` live vectors most similar to `query`, best first, with
    /// Cassandra's similarity score (see [`Similarity::score`]).
    pub fn search(
        &self,
        query: &[f32],
        k: usize,
        ef_search: usize,
    ) -> Result<Vec<(K, f32)>, VectorError> {
        self.search_filtered(query, k, ef_search, |_| true)
    }

    /// Like [`HnswIndex::search`] but only returns keys `accept` admits (rows
    /// outside a restricted partition, expired rows...). Rejected nodes still
    /// route the search, which keeps exploring until it has `ef` accepted ones
    /// or runs out of graph, so selective filters cost more.
    pub fn search_filtered(
        &self,
        query: &[f32],
        k: usize,
        ef_search: usize,
        accept: impl Fn(&K) -> bool,
    ) -> Result<Vec<(K, f32)>, VectorError> {
        self.similarity.validate(query, self.dimension)?;
        let (Some(entry), true) = (self.entry_point, k > 0) else {
            return Ok(Vec::new());
        };
        let query = match self.similarity {
            Similarity::Cosine => similarity::normalized(query),
            Similarity::DotProduct | Similarity::Euclidean => query.to_vec(),
        };
        let mut nearest = self.scored(&query, entry);
        for layer in (1..=self.top_level).rev() {
            nearest = self.greedy_closest(&query, nearest, layer);
        }
        let keys = &self.keys;
        let admit = |node: u32| keys[node as usize].as_ref().is_some_and(&accept);
        let found = self.search_layer(&query, &[nearest], ef_search.max(k), 0, admit);
        Ok(found
            .into_iter()
            .take(k)
            .filter_map(|s| Some((self.keys[s.node as usize].clone()?, self.score(s.distance))))
            .collect())
    }

    /// Whether tombstones exceed the rebuild threshold (module docs).
    pub fn needs_compaction(&self) -> bool {
        self.tombstones >= MIN_TOMBSTONES_FOR_REBUILD && 2 * self.tombstones > self.keys.len()
    }

    /// Rebuilds the graph from the live nodes in insertion order, dropping
    /// tombstones; costs as much as inserting `len()` vectors.
    pub fn compact(&mut self) {
        let fresh = Self::with_seed(
            self.dimension,
            self.similarity,
            self.max_connections,
            self.ef_construction,
            self.seed,
        );
        let old = std::mem::replace(self, fresh);
        self.vectors.reserve(old.len() * old.dimension);
        for (node, key) in old.keys.into_iter().enumerate() {
            if let Some(key) = key {
                let start = node * old.dimension;
                self.insert_prepared(key, &old.vectors[start..start + old.dimension]);
            }
        }
    }

    /// Estimated heap bytes: vectors, links, key slots and the key map. Heap
    /// memory owned by the keys themselves is not counted.
    pub fn memory_bytes(&self) -> usize {
        use std::mem::size_of;
        let upper: usize = self
            .upper
            .iter()
            .map(|layers| {
                size_of::<Vec<Vec<u32>>>()
                    + layers
                        .iter()
                        .map(|l| size_of::<Vec<u32>>() + 4 * l.capacity())
                        .sum::<usize>()
            })
            .sum();
        4 * self.vectors.capacity()
            + 4 * self.layer0.capacity()
            + upper
            + self.keys.capacity() * size_of::<Option<K>>()
            + self.nodes_by_key.capacity() * (size_of::<K>() + size_of::<u32>() + 1)
    }

    fn tombstone(&mut self, node: u32) {
        if let Some(key) = self.keys[node as usize].take() {
            self.nodes_by_key.remove(&key);
            self.tombstones += 1;
        }
    }

    fn maybe_compact(&mut self) {
        if self.needs_compaction() {
            self.compact();
        }
    }

    /// Adds a validated (and, for cosine, normalised) vector as a new node.
    fn insert_prepared(&mut self, key: K, vector: &[f32]) {
        let node = self.keys.len() as u32;
        let level = self.random_level();
        self.vectors.extend_from_slice(vector);
        self.layer0
            .resize(self.layer0.len() + 1 + self.max_connections_layer0, 0);
        self.upper.push(vec![Vec::new(); level]);
        self.keys.push(Some(key.clone()));
        self.nodes_by_key.insert(key, node);
        let Some(entry) = self.entry_point else {
            self.entry_point = Some(node);
            self.top_level = level;
            return;
        };
        let mut nearest = self.scored(vector, entry);
        for layer in (level + 1..=self.top_level).rev() {
            nearest = self.greedy_closest(vector, nearest, layer);
        }
        let mut entries = vec![nearest];
        for layer in (0..=level.min(self.top_level)).rev() {
            // Tombstones are acceptable neighbours: they keep the graph connected.
            let found = self.search_layer(vector, &entries, self.ef_construction, layer, |_| true);
            let neighbours = self.select_neighbours(&found, self.max_links(layer));
            self.set_links(node, layer, &neighbours);
            for &neighbour in &neighbours {
                self.add_link(neighbour, node, layer);
            }
            entries = found;
        }
        if level > self.top_level {
            self.entry_point = Some(node);
            self.top_level = level;
        }
    }

    fn random_level(&mut self) -> usize {
        // 53 random bits in (0, 1]: never ln(0).
        let uniform = ((self.rng.next() >> 11) + 1) as f64 / (1u64 << 53) as f64;
        ((-uniform.ln() * self.level_multiplier) as usize).min(MAX_LEVEL)
    }

    fn max_links(&self, layer: usize) -> usize {
        if layer == 0 {
            self.max_connections_layer0
        } else {
            self.max_connections
        }
    }

    fn vector(&self, node: u32) -> &[f32] {
        let start = node as usize * self.dimension;
        &self.vectors[start..start + self.dimension]
    }

    /// Lower is closer: squared L2, or the negated dot product (cosine vectors
    /// are unit length).
    fn distance(&self, a: &[f32], b: &[f32]) -> f32 {
        match self.similarity {
            Similarity::Euclidean => similarity::squared_euclidean(a, b),
            Similarity::Cosine | Similarity::DotProduct => -similarity::dot(a, b),
        }
    }

    fn score(&self, distance: f32) -> f32 {
        match self.similarity {
            Similarity::Euclidean => 1.0 / (1.0 + distance),
            Similarity::Cosine | Similarity::DotProduct => (1.0 - distance) / 2.0,
        }
    }

    fn scored(&self, query: &[f32], node: u32) -> Scored {
        Scored {
            distance: self.distance(query, self.vector(node)),
            node,
        }
    }
}

mod graph;
#[cfg(test)]
mod tests;

use graph::{Scored, SplitMix64};
