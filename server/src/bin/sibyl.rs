//! `sibyl`: the server binary. All logic lives in the `sibyl_server` crate.

use clap::Parser;
use sibyl_server::config::NodeConfig;

fn main() {
    tracing_subscriber::fmt()
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("SIBYL_LOG")
                .unwrap_or_else(|_| "info".into()),
        )
        .init();
    let config = NodeConfig::parse();
    if let Err(e) = sibyl_server::node::run(&config) {
        tracing::error!("{e}");
        std::process::exit(1);
    }
}
