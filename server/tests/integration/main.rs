//! End-to-end tests of the `sibyl` binary and the transport, driven with raw
//! frames built by the protocol crate. One test binary, one module per area.

#![allow(clippy::unwrap_used)]

mod admin_api;
mod bad_input;
mod client;
mod handshake;
mod in_process;
mod io_scheduler;
mod lwt_batches;
mod node;
mod real_drivers;
mod select_indexes;
mod shard_aware;
mod sharding;
