//! The crate's one integration-test binary; each concern is a module.
#![allow(clippy::unwrap_used)]

mod frame_cross_check;
mod scylla_cql_cross_check;
mod type_strategy;
mod value_round_trip;
