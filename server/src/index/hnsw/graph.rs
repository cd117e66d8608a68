//! The HNSW graph primitives: adjacency lists, the neighbour-selection
//! heuristic, greedy descent and the layer beam search, plus the visited set
//! and level PRNG they use. See the parent module for the algorithm.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;
use std::hash::Hash;

use super::HnswIndex;

/// A node and its distance to the current query (lower is closer), ordered by
/// distance then id so that searches are deterministic.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Scored {
    pub(super) distance: f32,
    pub(super) node: u32,
}

impl Eq for Scored {}
impl PartialOrd for Scored {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Scored {
    fn cmp(&self, other: &Self) -> Ordering {
        self.distance
            .total_cmp(&other.distance)
            .then(self.node.cmp(&other.node))
    }
}

impl<K: Clone + Eq + Hash> HnswIndex<K> {
    pub(super) fn links(&self, node: u32, layer: usize) -> &[u32] {
        if layer == 0 {
            let start = node as usize * (1 + self.max_connections_layer0);
            let len = self.layer0[start] as usize;
            &self.layer0[start + 1..start + 1 + len]
        } else {
            &self.upper[node as usize][layer - 1]
        }
    }

    pub(super) fn set_links(&mut self, node: u32, layer: usize, links: &[u32]) {
        debug_assert!(links.len() <= self.max_links(layer));
        if layer == 0 {
            let start = node as usize * (1 + self.max_connections_layer0);
            self.layer0[start] = links.len() as u32;
            self.layer0[start + 1..start + 1 + links.len()].copy_from_slice(links);
        } else {
            let list = &mut self.upper[node as usize][layer - 1];
            list.clear();
            list.extend_from_slice(links);
        }
    }

    /// Adds the edge `from → to`, re-pruning `from`'s list with the heuristic
    /// when it is full.
    pub(super) fn add_link(&mut self, from: u32, to: u32, layer: usize) {
        let max = self.max_links(layer);
        let mut links = self.links(from, layer).to_vec();
        if links.len() < max {
            links.push(to);
        } else {
            let origin = self.vector(from);
            let mut candidates: Vec<Scored> = links
                .iter()
                .chain(std::iter::once(&to))
                .map(|&n| Scored {
                    distance: self.distance(origin, self.vector(n)),
                    node: n,
                })
                .collect();
            candidates.sort_unstable();
            links = self.select_neighbours(&candidates, max);
        }
        self.set_links(from, layer, &links);
    }

    /// The paper's heuristic over `candidates` sorted closest first: keep a
    /// candidate only if it is closer to the base than to any kept one.
    pub(super) fn select_neighbours(&self, candidates: &[Scored], max: usize) -> Vec<u32> {
        let mut kept: Vec<u32> = Vec::with_capacity(max);
        for candidate in candidates {
            if kept.len() >= max {
                break;
            }
            let vector = self.vector(candidate.node);
            if kept
                .iter()
                .all(|&k| self.distance(vector, self.vector(k)) > candidate.distance)
            {
                kept.push(candidate.node);
            }
        }
        kept
    }

    /// Greedy walk on `layer` towards `query`, through tombstones too.
    pub(super) fn greedy_closest(
        &self,
        query: &[f32],
        mut nearest: Scored,
        layer: usize,
    ) -> Scored {
        loop {
            let mut improved = false;
            for &neighbour in self.links(nearest.node, layer) {
                let scored = self.scored(query, neighbour);
                if scored < nearest {
                    nearest = scored;
                    improved = true;
                }
            }
            if !improved {
                return nearest;
            }
        }
    }

    /// Beam search of width `ef` on `layer` from `entries`; returns up to `ef`
    /// nodes that `admit` accepts, closest first. Rejected nodes still route.
    pub(super) fn search_layer(
        &self,
        query: &[f32],
        entries: &[Scored],
        ef: usize,
        layer: usize,
        admit: impl Fn(u32) -> bool,
    ) -> Vec<Scored> {
        let mut visited = VisitedSet::new(self.keys.len());
        let mut candidates: BinaryHeap<Reverse<Scored>> = BinaryHeap::with_capacity(4 * ef);
        let mut results: BinaryHeap<Scored> = BinaryHeap::with_capacity(ef + 1);
        for &entry in entries {
            if visited.insert(entry.node) {
                candidates.push(Reverse(entry));
                if admit(entry.node) {
                    results.push(entry);
                }
            }
        }
        while results.len() > ef {
            results.pop();
        }
        while let Some(Reverse(closest)) = candidates.pop() {
            if results.len() >= ef && results.peek().is_some_and(|worst| closest > *worst) {
                break;
            }
            for &neighbour in self.links(closest.node, layer) {
                if !visited.insert(neighbour) {
                    continue;
                }
                let scored = self.scored(query, neighbour);
                if results.len() < ef || results.peek().is_some_and(|worst| scored < *worst) {
                    candidates.push(Reverse(scored));
                    if admit(neighbour) {
                        results.push(scored);
                        if results.len() > ef {
                            results.pop();
                        }
                    }
                }
            }
        }
        results.into_sorted_vec()
    }
}

/// One bit per node, allocated per layer search (n/8 bytes: cheaper than the
/// distance computations it saves, and keeps `search` free of shared state).
struct VisitedSet(Vec<u64>);

impl VisitedSet {
    fn new(nodes: usize) -> Self {
        Self(vec![0; nodes.div_ceil(64)])
    }

    /// Marks `node`; returns whether it was not marked before.
    fn insert(&mut self, node: u32) -> bool {
        let (word, bit) = (node as usize / 64, 1u64 << (node % 64));
        let fresh = self.0[word] & bit == 0;
        self.0[word] |= bit;
        fresh
    }
}

/// SplitMix64 (Steele, Lea & Flood 2014): tiny, seedable, good enough for levels.
#[derive(Debug, Clone)]
pub(super) struct SplitMix64(pub(super) u64);

impl SplitMix64 {
    pub(super) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}
