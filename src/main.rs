//! The `coinflip` binary: parses the command line and hands it to the library.

fn main() {
    let cli = coinflip::cli::parse();
    std::process::exit(coinflip::app::main(cli));
}
