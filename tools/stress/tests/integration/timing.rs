//! Tests whose assertions depend on timing (the 1 % rate check, the stall
//! tests) hold this lock so that they never overlap each other on a small
//! machine, whether they run as threads (`cargo test`) or as processes
//! (nextest): an `flock` on one file in the temp directory.

use std::fs::{File, OpenOptions};
use std::os::fd::AsRawFd;

/// Released when dropped (closing the file drops the lock).
pub struct TimingLock(#[expect(dead_code, reason = "held for its drop")] File);

pub fn exclusive() -> TimingLock {
    let path = std::env::temp_dir().join("sibyl-stress-timing.lock");
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .expect("lock file");
    // SAFETY: flock on a descriptor this function owns.
    let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) };
    assert_eq!(rc, 0, "flock {}", path.display());
    TimingLock(file)
}
