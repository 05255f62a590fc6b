//! The `coinflip` binary: parses the command line and hands it to the library.

fn main() -> std::process::ExitCode {
    coinflip::app::main(coinflip::cli::parse()).into()
}
