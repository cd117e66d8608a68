//! Test support: runs a future on a fresh glommio executor, the way a shard
//! runs. Public so integration tests, benches and tools share it.

use std::future::Future;

/// Runs the future built by `make` to completion on a new single-threaded glommio executor.
///
/// # Panics
/// Panics when the executor cannot start (for example io_uring unavailable);
/// callers are tests, benches and tools.
#[expect(
    clippy::unwrap_used,
    reason = "test/tool entry point: failing loudly is the point"
)]
pub fn run<M, F, T>(make: M) -> T
where
    M: FnOnce() -> F + Send + 'static,
    F: Future<Output = T> + 'static,
    T: Send + 'static,
{
    glommio::LocalExecutorBuilder::new(glommio::Placement::Unbound)
        .spawn(make)
        .unwrap()
        .join()
        .unwrap()
}

/// A temporary directory on a file system that supports O_DIRECT (`/tmp` is
/// often tmpfs, which does not): `$SIBYL_TEST_DIR` or the workspace `target/`.
#[expect(clippy::unwrap_used, reason = "test/tool helper")]
pub fn temp_dir() -> tempfile::TempDir {
    let base = std::env::var_os("SIBYL_TEST_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/sibyl-test-tmp")
        });
    std::fs::create_dir_all(&base).unwrap();
    tempfile::tempdir_in(base).unwrap()
}
