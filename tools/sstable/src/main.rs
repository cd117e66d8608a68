//! `sibyl-sstable`: inspect and validate SSTables offline (DESIGN.md §1).
//! Thin wrapper over [`sibyl_sstable`]; exits 1 when any SSTable is corrupt.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(name = "sibyl-sstable", about = "Inspect and validate Sibyl SSTables")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Prints partitions, rows, cells and tombstones as JSON.
    Dump { paths: Vec<PathBuf> },
    /// Prints statistics and the serialization header as JSON.
    Metadata { paths: Vec<PathBuf> },
    /// Verifies every checksum and decodes every partition.
    Validate { paths: Vec<PathBuf> },
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let (mode, paths) = match cli.command {
        Command::Dump { paths } => (sibyl_sstable::Mode::Dump, paths),
        Command::Metadata { paths } => (sibyl_sstable::Mode::Metadata, paths),
        Command::Validate { paths } => (sibyl_sstable::Mode::Validate, paths),
    };
    let (output, ok) = sibyl_sstable::run_blocking(mode, paths);
    #[expect(
        clippy::print_stdout,
        reason = "the tool's output is its JSON on stdout"
    )]
    {
        println!("{output:#}");
    }
    if ok {
        std::process::ExitCode::SUCCESS
    } else {
        std::process::ExitCode::FAILURE
    }
}
