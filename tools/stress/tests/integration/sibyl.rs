//! A real `sibyl` process for the tests: fresh workdir, loopback, OS-chosen
//! ports, two shards. Killed by PID when dropped.
//!
//! The binary is `target/debug/sibyl` (or `$SIBYL_BIN`). The tests do not
//! build it: a nested `cargo build` would wait on the build-directory lock the
//! running `cargo test` holds. `scripts/test-all.sh` builds it first.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

pub struct SibylProcess {
    child: Child,
    pub native: SocketAddr,
    _workdir: tempfile::TempDir,
}

fn binary() -> PathBuf {
    let path = std::env::var_os("SIBYL_BIN").map_or_else(
        || {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../target/debug/sibyl"
            ))
        },
        PathBuf::from,
    );
    assert!(
        path.exists(),
        "{} is missing: run `cargo build --bin sibyl` before `cargo test -p sibyl-stress` \
         (scripts/test-all.sh does), or point SIBYL_BIN at a sibyl binary",
        path.display()
    );
    path
}

fn address_after(line: &str, marker: &str) -> Option<SocketAddr> {
    let rest = &line[line.find(marker)? + marker.len()..];
    rest.split(|c: char| c == ',' || c.is_whitespace())
        .next()?
        .parse()
        .ok()
}

impl SibylProcess {
    pub fn start() -> Self {
        let workdir = tempfile::tempdir().expect("temp workdir");
        let mut child = Command::new(binary())
            .args(["--listen-address", "127.0.0.1"])
            .args(["--native-transport-port", "0"])
            .args(["--native-shard-aware-transport-port", "0"])
            .args(["--api-port", "0"])
            .args(["--smp", "2", "--commitlog-segment-size-in-mb", "1"])
            .arg("--workdir")
            .arg(workdir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn sibyl");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel();
        // Keeps draining stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let Ok(line) = rx.recv_timeout(left) else {
                let _ = child.kill();
                let _ = child.wait();
                panic!("sibyl did not report readiness within 30 s");
            };
            if line.contains(" started in ") {
                let native = address_after(&line, " CQL on ").expect("CQL address");
                assert!(
                    address_after(&line, "shard-aware CQL on ").is_some(),
                    "no shard-aware port in {line}"
                );
                return Self {
                    child,
                    native,
                    _workdir: workdir,
                };
            }
        }
    }

    pub fn pid(&self) -> i32 {
        self.child.id() as i32
    }
}

impl Drop for SibylProcess {
    fn drop(&mut self) {
        // SAFETY: signalling our own child by PID; SIGCONT first in case a
        // failed stall test left it stopped.
        unsafe { libc::kill(self.pid(), libc::SIGCONT) };
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
