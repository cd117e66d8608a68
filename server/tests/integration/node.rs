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

/// `sibyl` on loopback with OS-chosen ports and `workdir`.
pub fn sibyl_command(workdir: &std::path::Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_sibyl"));
    command
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
        .arg(workdir);
    command
}

/// One HTTP/1.1 exchange with the REST API; returns the status and the JSON body.
pub fn http(api: SocketAddr, method: &str, target: &str) -> (u16, serde_json::Value) {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(api).expect("connect to the API");
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .expect("timeout");
    write!(
        stream,
        "{method} {target} HTTP/1.1\r\nHost: {api}\r\nContent-Length: 0\r\n\r\n"
    )
    .expect("send");
    let mut text = String::new();
    stream.read_to_string(&mut text).expect("read the response");
    let (head, body) = text.split_once("\r\n\r\n").expect("a complete response");
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status code");
    (status, serde_json::from_str(body).expect("JSON body"))
}

impl SibylProcess {
    pub fn start(extra_args: &[&str]) -> Self {
        let workdir = tempfile::tempdir().expect("temp workdir");
        let mut child = sibyl_command(workdir.path())
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
