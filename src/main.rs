//! The `coinflip` binary: parses the command line and hands it to the library.

use clap::Parser;

fn main() -> std::process::ExitCode {
    coinflip::app::main(coinflip::cli::Cli::parse()).into()
}
