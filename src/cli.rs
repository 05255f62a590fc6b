//! The command line: clap types only. `src/main.rs` parses them and hands them to [`crate::app`].

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::report::Format;

/// Teach and test how a language model generates text: train an n-gram model, flip a biased coin
/// at every step from a fixed seed, and check what came out.
#[derive(Debug, Parser)]
#[command(name = "coinflip", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run scenario files (or folders of them) and report what they generated and checked.
    Run(RunArgs),
    /// The probability the scenario's model gives each token of a text, and the perplexity.
    Score(ScoreArgs),
    /// Replay one generated sample step by step: context, candidates, the draw, the pick.
    Trace(TraceArgs),
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Scenario files or folders (searched recursively for *.toml, in sorted order).
    #[arg(default_value = "scenarios")]
    pub paths: Vec<PathBuf>,
    /// Overrides every scenario's seed.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Report format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Write the report to this file (atomically) instead of standard output.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Run only scenarios whose name contains this text.
    #[arg(long)]
    pub filter: Option<String>,
    /// Scenarios run in parallel (0: one per core). The report is the same for every value.
    #[arg(long, short = 'j', default_value_t = 0)]
    pub jobs: usize,
}

/// Text or JSON, for `score` and `trace`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SimpleFormat {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct ScoreArgs {
    /// The scenario whose model scores the text.
    pub scenario: PathBuf,
    /// The text to score (one document, from its start).
    #[arg(long)]
    pub text: String,
    /// Also score the end-of-document marker after the text.
    #[arg(long)]
    pub eos: bool,
    #[arg(long, value_enum, default_value_t = SimpleFormat::Text)]
    pub format: SimpleFormat,
}

#[derive(Debug, Args)]
pub struct TraceArgs {
    /// The scenario to replay.
    pub scenario: PathBuf,
    /// Which sample (0-based), as numbered in the report.
    #[arg(long, default_value_t = 0)]
    pub sample: usize,
    /// How many of the most probable candidates to show at each step.
    #[arg(long, default_value_t = 7)]
    pub top: usize,
    /// Overrides the scenario's seed.
    #[arg(long)]
    pub seed: Option<u64>,
    #[arg(long, value_enum, default_value_t = SimpleFormat::Text)]
    pub format: SimpleFormat,
}
