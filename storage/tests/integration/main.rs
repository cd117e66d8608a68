//! The storage crate's single integration-test binary.
#![allow(clippy::unwrap_used)]

mod compaction;
mod engine_model;
mod model;
mod mutation_model;
