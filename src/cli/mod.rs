//! The command line: clap types only — every command's arguments, and (in `values`) how the
//! library's own enums are spelt on it. `src/main.rs` parses them and hands them to
//! [`crate::app`]. `coinflip quiz`'s arguments still live in `crate::quiz::args`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::report::Format;
use crate::schema::SchemaFormat;

mod values;

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
    /// Train a model on a corpus and print samples, without a scenario file (`--save-scenario`
    /// writes one).
    Generate(GenerateArgs),
    /// The probability the scenario's model gives each token of a text, and the perplexity.
    Score(ScoreArgs),
    /// Replay one generated sample step by step: context, candidates, the draw, the pick.
    Trace(TraceArgs),
    /// Flip the biased coin: a next-token distribution as intervals of [0, 1), N flips, the tally.
    Flip(FlipArgs),
    /// Test the test: run a scenario's chi-square check many times under H0 and against a
    /// deliberately biased coin; report the false-positive rate and the power.
    Calibrate(CalibrateArgs),
    /// Write a scenario's model as an ARPA backoff file (Kneser–Ney variants and ARPA models).
    ExportArpa(ExportArpaArgs),
    /// List the scenarios a run would run (with their shard under --partition).
    List(ListArgs),
    /// Print a shell completion script.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), or with `--out DIR` write one page per command into DIR:
    /// coinflip.1, coinflip-run.1, coinflip-quiz-grade.1, …
    Man {
        /// The folder that receives a page per command (created if needed).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Grade students' answer files against a quiz key; check or render a quiz.
    Quiz(crate::quiz::QuizArgs),
    /// Print the JSON Schema of a file format (scenario, quiz, answers) for editors.
    Schema(SchemaArgs),
    /// Write a starter project: a scenario and its corpus, the chapter's demo distribution, a
    /// quiz with two answer files, and a GitHub Actions workflow.
    Init(InitArgs),
}

/// `coinflip schema …`: print the JSON Schema of a file format.
#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// Which file format.
    #[arg(value_enum)]
    pub format: SchemaFormat,
}

/// `coinflip init [DIR]`: write a starter project.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// The folder to write into (created if missing).
    #[arg(default_value = ".")]
    pub dir: PathBuf,
}

/// `K/N` (or nextest's spelling `hash:K/N`): the K-th of N deterministic shards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Partition {
    pub k: u64,
    pub n: u64,
}

impl std::str::FromStr for Partition {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let body = s.strip_prefix("hash:").unwrap_or(s);
        let bad = || format!("expected K/N with 1 ≤ K ≤ N (for example 2/4), found {s:?}");
        let (k, n) = body.split_once('/').ok_or_else(bad)?;
        let k: u64 = k.trim().parse().map_err(|_| bad())?;
        let n: u64 = n.trim().parse().map_err(|_| bad())?;
        if k == 0 || n == 0 || k > n {
            return Err(bad());
        }
        Ok(Partition { k, n })
    }
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Scenario files or folders.
    #[arg(default_value = "scenarios")]
    pub paths: Vec<PathBuf>,
    /// Show only the K-th of N shards.
    #[arg(long)]
    pub partition: Option<Partition>,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Scenario files or folders (searched recursively for *.toml, in sorted order).
    #[arg(default_value = "scenarios")]
    pub paths: Vec<PathBuf>,
    /// Overrides every scenario's seed.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Report format; several (`--format json,junit`) need `--out DIR`.
    #[arg(long, value_enum, value_delimiter = ',', default_values_t = [Format::Text])]
    pub format: Vec<Format>,
    /// Write the report to this file (atomically) instead of standard output; with several
    /// formats, a folder that receives one file per format.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Run only the K-th of N deterministic shards (by a hash of each scenario's path).
    #[arg(long)]
    pub partition: Option<Partition>,
    /// No progress bar, and with `--out` no summary on standard output.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// The text report shows passing scenarios in full too (model, samples, every check and
    /// chi-square bin), not one line each.
    #[arg(long, short = 'v')]
    pub verbose: bool,
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
#[command(group(clap::ArgGroup::new("input").required(true).args(["text", "file"])))]
pub struct ScoreArgs {
    /// The scenario whose model scores the text.
    pub scenario: PathBuf,
    /// The text to score (one document, from its start); `-` reads it from standard input.
    #[arg(long)]
    pub text: Option<String>,
    /// Read the text to score from this file (UTF-8).
    #[arg(long)]
    pub file: Option<PathBuf>,
    /// Also score the end-of-document marker after the text.
    #[arg(long)]
    pub eos: bool,
    #[arg(long, value_enum, default_value_t = SimpleFormat::Text)]
    pub format: SimpleFormat,
}

/// `coinflip generate`: the options of a scenario file, on the command line. Defaults are the
/// scenario keys' defaults (docs/scenarios.md).
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// The training text (a UTF-8 file; documents separated by blank lines).
    #[arg(long)]
    pub corpus: PathBuf,
    /// How text is cut into tokens (`model.tokenizer`).
    #[arg(long, default_value = "word",
          value_parser = ["word", "char", "whitespace", "gpt2", "cl100k"])]
    pub tokenizer: String,
    /// Lowercase the corpus and the prefix (`model.lowercase`).
    #[arg(long)]
    pub lowercase: bool,
    /// The n of the n-gram, 1 to 16 (`model.order`).
    #[arg(long, default_value_t = 3, allow_negative_numbers = true)]
    pub order: i64,
    /// How counts become probabilities (`model.smoothing`).
    #[arg(long, default_value = "mle",
          value_parser = ["mle", "add-k", "kneser-ney", "modified-kneser-ney", "stupid-backoff"])]
    pub smoothing: String,
    /// `add-k` only: the k added to every count (default 1).
    #[arg(long)]
    pub k: Option<f64>,
    /// `kneser-ney` only: the discount D in (0, 1] (default 0.75).
    #[arg(long)]
    pub discount: Option<f64>,
    /// `stupid-backoff` only: the back-off factor in (0, 1] (default 0.4).
    #[arg(long)]
    pub alpha: Option<f64>,
    /// The text the samples continue (`generate.prefix`).
    #[arg(long, default_value = "")]
    pub prefix: String,
    /// How many samples, each from its own stream (`generate.samples`).
    #[arg(long, default_value_t = 5, allow_negative_numbers = true)]
    pub samples: i64,
    /// Tokens per sample at most (`generate.max_tokens`).
    #[arg(long, default_value_t = 50, allow_negative_numbers = true)]
    pub max_tokens: i64,
    /// The seed of the samples' streams (0 to 2^63 − 1, as a scenario's `seed`).
    #[arg(long, default_value_t = 0,
          value_parser = clap::value_parser!(u64).range(0..=i64::MAX as u64))]
    pub seed: u64,
    /// 1 leaves the distribution alone, below 1 sharpens it, 0 is greedy (`sampling.temperature`).
    #[arg(long, allow_negative_numbers = true)]
    pub temperature: Option<f64>,
    /// Keep only the k most probable tokens; 0 is off (`sampling.top_k`).
    #[arg(long, allow_negative_numbers = true)]
    pub top_k: Option<i64>,
    /// Keep the most probable tokens whose probability reaches p; 1 is off (`sampling.top_p`).
    #[arg(long, allow_negative_numbers = true)]
    pub top_p: Option<f64>,
    /// Also write the equivalent scenario file here (atomically), for `coinflip run`.
    #[arg(long, value_name = "PATH")]
    pub save_scenario: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ExportArpaArgs {
    /// The scenario whose model is written.
    pub scenario: PathBuf,
    /// The ARPA file to write (atomically); standard output when absent.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct CalibrateArgs {
    /// A scenario with a [checks.chi_square] table.
    pub scenario: PathBuf,
    /// How many times the check is run under H0 (and again against the biased coin).
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub replications: u64,
    /// The biased coin: `swap` (the two most probable outcomes trade probabilities) or
    /// `shift:E` (E of probability moves from the most to the least probable outcome).
    #[arg(long, default_value = "swap")]
    pub bias: crate::pipeline::calibrate::Bias,
    /// Overrides the scenario's seed.
    #[arg(long)]
    pub seed: Option<u64>,
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
    /// How each step's candidates are listed (the `--top` most probable and the one drawn; with
    /// `draw`, the others summed up in rows of their own).
    #[arg(long, value_enum, default_value_t = crate::pipeline::inspect::TraceOrder::Draw)]
    pub sort: crate::pipeline::inspect::TraceOrder,
    /// [distribution] scenarios: how many of the chi-square check's draws to replay.
    #[arg(long, default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(0..=crate::pipeline::flip::MAX_COUNT))]
    pub draws: u64,
    /// Overrides the scenario's seed.
    #[arg(long)]
    pub seed: Option<u64>,
    #[arg(long, value_enum, default_value_t = SimpleFormat::Text)]
    pub format: SimpleFormat,
}

#[derive(Debug, Args)]
pub struct FlipArgs {
    /// A [distribution] scenario, or a model scenario (its next-token distribution after
    /// --context).
    pub scenario: PathBuf,
    /// How many flips (0 to 10,000,000).
    #[arg(long, default_value_t = crate::pipeline::flip::DEFAULT_COUNT,
          value_parser = clap::value_parser!(u64).range(0..=crate::pipeline::flip::MAX_COUNT))]
    pub count: u64,
    /// The seed of the flips' stream (default: the scenario's seed).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Model scenarios: the text the next token follows, read as the start of a document
    /// (default: the scenario's prefix).
    #[arg(long)]
    pub context: Option<String>,
    #[arg(long, value_enum, default_value_t = crate::report::flip::FlipFormat::Text)]
    pub format: crate::report::flip::FlipFormat,
}

/// Parses the process's arguments (exits on a usage error, as `Cli::parse` does), adding a
/// "did you mean" for a mistyped subcommand that clap's own suggestion misses: clap suggests by
/// Jaro similarity above 0.7, which a dropped letter in a short name (`rn` for `run`) is not.
pub fn parse() -> Cli {
    Cli::try_parse().unwrap_or_else(|e| suggest_subcommand(e).exit())
}

/// `e` with the closest subcommand (Damerau–Levenshtein distance 1, or a third of the name for
/// long ones) as its suggestion, when it is an unknown subcommand and clap suggested none.
pub fn suggest_subcommand(mut e: clap::Error) -> clap::Error {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    if e.kind() != ErrorKind::InvalidSubcommand || e.get(ContextKind::SuggestedSubcommand).is_some()
    {
        return e;
    }
    let Some(ContextValue::String(typed)) = e.get(ContextKind::InvalidSubcommand) else {
        return e;
    };
    let cmd = <Cli as clap::CommandFactory>::command();
    let best = cmd
        .get_subcommands()
        .filter(|s| !s.is_hide_set())
        .map(|s| {
            let name = s.get_name().to_string();
            (strsim::damerau_levenshtein(typed, &name), name)
        })
        .min();
    if let Some((d, name)) = best
        && d <= 1.max(typed.chars().count() / 3)
    {
        e.insert(
            ContextKind::SuggestedSubcommand,
            ContextValue::Strings(vec![name]),
        );
    }
    e
}
