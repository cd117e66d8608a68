//! sibyl-stress end to end: runs against a target (today the in-process mock
//! CQL server; `SIBYL_STRESS_TARGET=host:port` points the same tests at a real
//! server once it executes CQL), outputs parsed back, the stall test.

mod cli_runs;
mod outputs;
mod stall;
mod target;
