//! The target the tests run against: the in-process mock unless
//! `SIBYL_STRESS_TARGET=host:port` names a real server (mock-only checks are
//! then skipped).

use sibyl_stress::cli::Settings;
use sibyl_stress::mock::{MockConfig, MockServer};
use sibyl_stress::report::RunSummary;

pub struct Target {
    pub mock: Option<MockServer>,
    pub host: String,
    pub port: u16,
}

impl Target {
    pub async fn start(config: MockConfig) -> Target {
        if let Ok(addr) = std::env::var("SIBYL_STRESS_TARGET") {
            let (host, port) = addr.rsplit_once(':').expect("host:port");
            return Target {
                mock: None,
                host: host.into(),
                port: port.parse().expect("port"),
            };
        }
        let mock = MockServer::start(config).await.expect("mock");
        let addr = mock.addr();
        Target {
            mock: Some(mock),
            host: addr.ip().to_string(),
            port: addr.port(),
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
}
