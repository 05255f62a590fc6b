//! The `coinflip` binary: parses the command line and hands it to the library.

use clap::Parser;

fn main() {
    let cli = coinflip::cli::Cli::parse();
    std::process::exit(coinflip::app::main(cli));
}
