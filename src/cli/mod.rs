//! The command line: `quotefeed extract` (and the daemon's commands).

mod extract;

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
}

/// Exit code for input that cannot be read.
pub const EXIT_UNREADABLE: u8 = 2;

/// Parses the command line and runs the command.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Extract(args) => extract::run(args),
    }
}

/// Prints a one-line error and returns the exit code.
pub(crate) fn fail(message: impl std::fmt::Display, code: u8) -> ExitCode {
    eprintln!("quotefeed: error: {message}");
    ExitCode::from(code)
}
