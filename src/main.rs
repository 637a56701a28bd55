//! The `quotefeed` command; everything it does lives in the library crate.

fn main() -> std::process::ExitCode {
    quotefeed::cli::main()
}
