//! The command line: `quotefeed extract`, `run`, `poll`, `check`, `export` and `sources`.

mod daemon;
mod extract;
mod sources;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Turns the quotes embedded in news articles into feeds of their own.
#[derive(Debug, Parser)]
#[command(name = "quotefeed", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print the quotes of one article, or of every item of a feed file.
    Extract(extract::ExtractArgs),
    /// Run the daemon: poll every source on its schedule and serve the feeds.
    Run(daemon::ConfigArg),
    /// Poll every enabled source once, now, and print what each gave.
    Poll(daemon::PollArgs),
    /// Check the configuration and print each source's next runs.
    Check(daemon::ConfigArg),
    /// Write every feed and page as static files (for nginx or a CDN).
    Export(daemon::ExportArgs),
    /// List, add, remove, import (OPML) and export (OPML) the configured sources.
    Sources(sources::SourcesArgs),
    /// Copy the configured SQLite store into PostgreSQL (safe to run again).
    Migrate(daemon::MigrateArgs),
}

/// Exit code for input that cannot be read.
pub const EXIT_UNREADABLE: u8 = 2;

/// Parses the command line and runs the command.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Extract(args) => extract::run(args),
        Command::Run(args) => daemon::run(args),
        Command::Poll(args) => daemon::poll(args),
        Command::Check(args) => daemon::check(args),
        Command::Export(args) => daemon::export(args),
        Command::Sources(args) => sources::run(args),
        Command::Migrate(args) => daemon::migrate(args),
    }
}

/// Prints a one-line error and returns the exit code.
pub(crate) fn fail(message: impl std::fmt::Display, code: u8) -> ExitCode {
    eprintln!("quotefeed: error: {message}");
    ExitCode::from(code)
}
