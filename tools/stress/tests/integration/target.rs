//! The server a test runs against: the in-process mock (error injection,
//! request counters) or a real `sibyl` started for the test.
//! `SIBYL_STRESS_TARGET=host:port` points the real-server tests at an
//! already running server instead (the SIGSTOP test still starts its own).

use scylla::client::session::Session;
use scylla::client::session_builder::SessionBuilder;
use sibyl_stress::cli::Settings;
use sibyl_stress::mock::{MockConfig, MockServer};
use sibyl_stress::report::RunSummary;

use crate::sibyl::SibylProcess;

/// cassandra-stress's default `WITH compression = {}` (compression off) is
/// rejected by sibyl today (see `default_schema_creates_standard1`), so the
/// real-server runs name a compressor.
pub const SCHEMA: &str = "-schema compression=LZ4Compressor";

pub struct Target {
    pub mock: Option<MockServer>,
    pub sibyl: Option<SibylProcess>,
    pub host: String,
    pub port: u16,
}

impl Target {
    pub async fn mock(config: MockConfig) -> Target {
        let mock = MockServer::start(config).await.expect("mock");
        let addr = mock.addr();
        Target {
            mock: Some(mock),
            sibyl: None,
            host: addr.ip().to_string(),
            port: addr.port(),
        }
    }

    /// A fresh `sibyl` process (or `SIBYL_STRESS_TARGET`).
    pub fn sibyl() -> Target {
        if let Ok(addr) = std::env::var("SIBYL_STRESS_TARGET") {
            let (host, port) = addr.rsplit_once(':').expect("host:port");
            return Target {
                mock: None,
                sibyl: None,
                host: host.into(),
                port: port.parse().expect("port"),
            };
        }
        Self::spawn_sibyl()
    }

    /// Always a process of our own (for signals).
    pub fn spawn_sibyl() -> Target {
        let sibyl = SibylProcess::start();
        Target {
            host: sibyl.native.ip().to_string(),
            port: sibyl.native.port(),
            mock: None,
            sibyl: Some(sibyl),
        }
    }

    pub fn args(&self, line: &str) -> Vec<String> {
        let mut words: Vec<String> = line.split_whitespace().map(str::to_owned).collect();
        words.extend([
            "-node".into(),
            self.host.clone(),
            "-port".into(),
            format!("native={}", self.port),
        ]);
        words
    }

    /// Runs a command line; returns the summary and the console output.
    pub async fn run(&self, line: &str) -> (Result<RunSummary, sibyl_stress::StressError>, String) {
        let args = self.args(line);
        let settings = Settings::parse(&args).expect("parse");
        let mut out = Vec::new();
        let result = sibyl_stress::run::run(&settings, &args.join(" "), &mut out).await;
        (result, String::from_utf8(out).expect("utf8"))
    }

    /// A driver session of the test's own, to check what a run left behind.
    pub async fn session(&self) -> Session {
        SessionBuilder::new()
            .known_node(format!("{}:{}", self.host, self.port))
            .build()
            .await
            .expect("session")
    }

    /// `SELECT count(*) FROM <table>` through the driver.
    pub async fn count(&self, table: &str) -> i64 {
        let session = self.session().await;
        let result = session
            .query_unpaged(format!("SELECT count(*) FROM {table}"), ())
            .await
            .unwrap_or_else(|e| panic!("count {table}: {e}"))
            .into_rows_result()
            .expect("rows");
        let (count,) = result.single_row::<(i64,)>().expect("one count");
        count
    }
}
