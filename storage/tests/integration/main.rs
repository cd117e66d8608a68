//! The storage crate's single integration-test binary.
#![allow(clippy::unwrap_used)]

mod compaction;
mod crash;
mod decoders;
mod engine_model;
mod faults;
mod model;
mod mutation_model;
