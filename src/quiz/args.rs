//! The `coinflip quiz` command line: subcommands and their options (clap derive). Parsing only;
//! [`super::run`] does the work.

use std::path::PathBuf;

pub use super::text::Lang;

/// `coinflip quiz …`: grade a class against a quiz key, check a quiz, render it, convert it from
/// and to GIFT.
#[derive(clap::Args, Debug)]
pub struct QuizArgs {
    #[command(subcommand)]
    pub command: QuizCommand,
}

/// The quiz subcommands.
#[derive(clap::Subcommand, Debug)]
pub enum QuizCommand {
    /// Grade answer files (TOML/JSON per student, or CSV per class) against QUIZ: gradebook, class
    /// summary, item analysis; exit 1 when any submission is rejected.
    Grade {
        /// The quiz file (TOML).
        quiz: PathBuf,
        /// Answer files or folders (read recursively, in sorted order).
        #[arg(required = true)]
        answers: Vec<PathBuf>,
        /// Report format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Write the report to FILE (atomically) instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Write one Markdown feedback file per graded student into DIR.
        #[arg(long, value_name = "DIR")]
        feedback: Option<PathBuf>,
        /// Language of the feedback and of the quiz title in reports.
        #[arg(long, value_enum, default_value_t = Lang::En)]
        lang: Lang,
    },
    /// Validate QUIZ and list every problem; exit 1 if there is any.
    Check {
        /// The quiz file (TOML).
        quiz: PathBuf,
    },
    /// Print QUIZ as Markdown for students (or with the answer key).
    Render {
        /// The quiz file (TOML).
        quiz: PathBuf,
        /// Language to render in.
        #[arg(long, value_enum, default_value_t = Lang::En)]
        lang: Lang,
        /// Include the answers, scoring and explanations.
        #[arg(long)]
        key: bool,
    },
    /// Convert a GIFT file (Moodle's question format) into a quiz file. Questions coinflip cannot
    /// grade (matching, essay, missing word, description) are listed with their line and skipped
    /// (exit 1; the others are still written).
    ImportGift {
        /// The GIFT file.
        file: PathBuf,
        /// Write the quiz (TOML) to FILE (atomically) instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Write QUIZ as GIFT, for Moodle.
    ExportGift {
        /// The quiz file (TOML).
        quiz: PathBuf,
        /// Write the GIFT text to FILE (atomically) instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Language of the texts (a text given in one language is used as is).
        #[arg(long, value_enum, default_value_t = Lang::En)]
        lang: Lang,
    },
}

/// Report formats of `quiz grade`.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// Aligned plain text: gradebook, notes, rejections, summary, histogram, items.
    #[default]
    Text,
    /// The gradebook only, for a spreadsheet or an LMS.
    Csv,
    /// Everything, for programs.
    Json,
    /// Everything, as Markdown tables.
    Markdown,
}
