//! The storage crate's single integration-test binary.
#![allow(clippy::unwrap_used)]

mod model;
mod mutation_model;
