//! Temporary entry point for the quiz branch: only `coinflip quiz …`. The lead replaces this file
//! on merge with the real CLI (`Quiz(coinflip::quiz::QuizArgs)`).

use clap::{Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(name = "coinflip")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Grade, check and render quizzes.
    Quiz(coinflip::quiz::QuizArgs),
}

fn main() {
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Quiz(args) => coinflip::quiz::run(args),
    };
    std::process::exit(code);
}
