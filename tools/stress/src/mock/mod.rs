//! A mock CQL server (protocol v4) built on `sibyl-protocol`: the null target
//! for the tool's tests and client-efficiency benchmarks, and a stand-in
//! until the real server executes CQL.
//!
//! It answers OPTIONS, STARTUP and REGISTER; PREPARE with one typed bind
//! variable per `?` (types from the `CREATE TABLE`s it has seen, or the
//! predefined `standard1`/`counter1` schema); EXECUTE of writes with VOID and
//! of `SELECT ... WHERE key = ?` on `standard1` with the row the
//! deterministic generator makes for that key (nothing is stored); BATCH with
//! VOID; queries on `system.*` with an Invalid error (the driver then runs
//! on dummy topology). It can fail every k-th EXECUTE, corrupt every k-th
//! row, and stall (stop answering) for a while on command.

mod answer;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::generate::{DistSpec, RowGenerator};
use answer::Answerer;
use sibyl_protocol::frame::{FrameHeader, HEADER_LEN};

/// What the mock does besides answering.
#[derive(Debug, Clone)]
pub struct MockConfig {
    /// Must match the client's `-col` settings for reads to verify.
    pub rows: RowGenerator,
    /// Every k-th EXECUTE fails (write timeout for writes, read timeout for reads).
    pub fail_every: Option<u64>,
    /// Rows whose seed is a multiple of k come back with one byte flipped.
    pub corrupt_every: Option<u64>,
}

impl Default for MockConfig {
    fn default() -> Self {
        Self {
            rows: RowGenerator::new(5, DistSpec::fixed(34)),
            fail_every: None,
            corrupt_every: None,
        }
    }
}

/// Requests seen, for assertions.
#[derive(Debug, Default)]
pub struct MockCounters {
    pub executes: AtomicU64,
    pub prepares: AtomicU64,
    pub queries: AtomicU64,
    pub batches: AtomicU64,
    pub batch_statements: AtomicU64,
    pub connections: AtomicU64,
}

#[derive(Debug)]
pub(crate) struct Shared {
    config: MockConfig,
    stall_until: Mutex<Option<Instant>>,
    counters: MockCounters,
    answerer: Answerer,
}

/// A running mock; stops when dropped.
#[derive(Debug)]
pub struct MockServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl MockServer {
    /// Listens on `127.0.0.1:0` (or `bind`) inside the current tokio runtime.
    pub async fn start(config: MockConfig) -> std::io::Result<Self> {
        Self::start_on("127.0.0.1:0", config).await
    }

    pub async fn start_on(bind: &str, config: MockConfig) -> std::io::Result<Self> {
        let listener = TcpListener::bind(bind).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            answerer: Answerer::new(config.rows.clone()),
            config,
            stall_until: Mutex::new(None),
            counters: MockCounters::default(),
        });
        let accept_shared = shared.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let _ = stream.set_nodelay(true);
                accept_shared
                    .counters
                    .connections
                    .fetch_add(1, Ordering::Relaxed);
                tokio::spawn(serve(stream, accept_shared.clone()));
            }
        });
        Ok(Self { addr, shared, task })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops answering for `duration`, starting now (requests queue up).
    pub fn stall_for(&self, duration: Duration) {
        if let Ok(mut until) = self.shared.stall_until.lock() {
            *until = Some(Instant::now() + duration);
        }
    }

    pub fn counters(&self) -> &MockCounters {
        &self.shared.counters
    }

    pub fn executes(&self) -> u64 {
        self.shared.counters.executes.load(Ordering::Relaxed)
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn wait_if_stalled(shared: &Shared) {
    let until = shared.stall_until.lock().ok().and_then(|u| *u);
    if let Some(until) = until {
        if until > Instant::now() {
            tokio::time::sleep_until(until.into()).await;
        }
    }
}

async fn serve(mut stream: TcpStream, shared: Arc<Shared>) {
    let mut input: Vec<u8> = Vec::with_capacity(64 * 1024);
    let (mut out, mut scratch) = (Vec::with_capacity(64 * 1024), Vec::new());
    loop {
        match stream.read_buf(&mut input).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        wait_if_stalled(&shared).await;
        let mut consumed = 0;
        while let Some(head) = input.get(consumed..consumed + HEADER_LEN) {
            let Ok(head) = <&[u8; HEADER_LEN]>::try_from(head) else {
                return;
            };
            let Ok(header) = FrameHeader::parse(head) else {
                return;
            };
            let end = consumed + HEADER_LEN + header.length as usize;
            let Some(body) = input.get(consumed + HEADER_LEN..end) else {
                break;
            };
            shared.answerer.answer(
                &shared.config,
                &shared.counters,
                &header,
                body,
                &mut out,
                &mut scratch,
            );
            consumed = end;
        }
        input.drain(..consumed);
        if !out.is_empty() {
            if stream.write_all(&out).await.is_err() {
                return;
            }
            out.clear();
        }
    }
}
