//! sibyl-stress: a cassandra-stress compatible load tool with honest latency.
//!
//! The binary is a thin `main.rs`; everything lives here so that tests and
//! benchmarks drive the same code:
//!
//! - [`cli`]: cassandra-stress's command language (`write n=1M -rate fixed=10000/s`).
//! - [`generate`]: deterministic keys, values and distributions (values derive from the key).
//! - [`schema`]: the default `keyspace1.standard1`/`counter1` schema and a small CQL text reader.
//! - [`rate`]: the schedule that paces operations (fixed, throttle, unlimited).
//! - [`stats`]: per-interval HDR histograms, corrected and raw, with errors by kind.
//! - [`report`]: interval lines, summary, HDR logs, JSON, HTML with SVG charts, `compare`.
//! - [`profile`]: cassandra-stress YAML user profiles.
//! - [`run`]: connecting with the `scylla` driver and running the workers.
//! - [`mock`]: an in-process CQL server (null target) for tests and client benchmarks.

pub mod cli;
pub mod error;
pub mod generate;
pub mod mock;
pub mod profile;
pub mod rate;
pub mod report;
pub mod run;
pub mod schema;
pub mod stats;

pub use error::StressError;
