//! sibyl-stress end to end: runs against a real `sibyl` started by each test
//! (`target/debug/sibyl`, built before the tests) and against the in-process
//! mock CQL server (error injection, request counts); outputs parsed back; the
//! coordinated-omission stall tests.

mod cli_runs;
mod columns;
mod outputs;
mod sibyl;
mod sibyl_runs;
mod stall;
mod target;
mod timing;
