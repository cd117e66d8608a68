//! Starts a real `sibyl` process on loopback with a fresh workdir and
//! OS-chosen ports, and stops it (SIGTERM, then SIGKILL) when dropped.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

pub struct SibylProcess {
    child: Option<Child>,
    pub native: SocketAddr,
    pub shard_aware: Option<SocketAddr>,
    /// The REST admin API.
    pub api: SocketAddr,
    pub log: mpsc::Receiver<String>,
    _workdir: tempfile::TempDir,
}

fn address_after(line: &str, marker: &str) -> Option<SocketAddr> {
    let rest = &line[line.find(marker)? + marker.len()..];
    rest.split(|c: char| c == ',' || c.is_whitespace())
        .next()?
        .parse()
        .ok()
}

impl SibylProcess {
    pub fn start(extra_args: &[&str]) -> Self {
        let workdir = tempfile::tempdir().expect("temp workdir");
        let mut child = Command::new(env!("CARGO_BIN_EXE_sibyl"))
            .args([
                "--listen-address",
                "127.0.0.1",
                "--native-transport-port",
                "0",
            ])
            .args([
                "--native-shard-aware-transport-port",
                "0",
                "--api-port",
                "0",
            ])
            .arg("--workdir")
            .arg(workdir.path())
            .args(extra_args)
            .env("SIBYL_LOG", "debug")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn sibyl");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = rx.recv_timeout(left).unwrap_or_else(|_| {
                let _ = child.kill();
                panic!("sibyl did not report readiness within 20 s");
            });
            if line.contains(" started in ") {
                let native =
                    address_after(&line, "CQL on ").expect("native address in startup line");
                let shard_aware = address_after(&line, "shard-aware CQL on ");
                let api =
                    address_after(&line, "REST API on ").expect("API address in startup line");
                return Self {
                    child: Some(child),
                    native,
                    shard_aware,
                    api,
                    log: rx,
                    _workdir: workdir,
                };
            }
        }
    }

    /// Sends SIGTERM and waits for the exit status (bounded).
    pub fn terminate(&mut self) -> std::process::ExitStatus {
        let mut child = self.child.take().expect("running");
        // SAFETY: signalling our own child process by pid.
        unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if let Some(status) = child.try_wait().expect("wait") {
                return status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("sibyl did not exit within 15 s of SIGTERM");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The node's workdir (`data/`, `commitlog/` below it).
    pub fn workdir(&self) -> &std::path::Path {
        self._workdir.path()
    }

    /// Log lines printed so far.
    pub fn drain_log(&self) -> Vec<String> {
        self.log.try_iter().collect()
    }
}

impl Drop for SibylProcess {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
