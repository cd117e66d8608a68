//! `sibyl-nodetool`: see the `sibyl_nodetool` library.

use clap::Parser;

fn main() {
    let cli = sibyl_nodetool::Cli::parse();
    let mut out = std::io::stdout().lock();
    if let Err(e) = sibyl_nodetool::run(&cli, &mut out) {
        eprintln!("error: {e}");
        std::process::exit(e.exit_code());
    }
}
