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
        /// Format of the feedback files.
        #[arg(long, value_enum, default_value_t = FeedbackFormat::Markdown)]
        feedback_format: FeedbackFormat,
        /// Language of the feedback and of the quiz title in reports.
        #[arg(long, value_enum, default_value_t = Lang::En)]
        lang: Lang,
        /// How several submissions of one student are settled: reject them all, keep the latest
        /// or first (by the timestamp column), or the best score.
        #[arg(long, value_enum, default_value_t = Duplicates::Reject)]
        duplicates: Duplicates,
        /// A TOML file naming the columns of class CSV files (student, name, timestamp, and which
        /// header is which question id).
        #[arg(long, value_name = "MAP.toml")]
        columns: Option<PathBuf>,
    },
    /// Print a blank answer sheet for QUIZ: a CSV header (student, name, the question ids), or a
    /// TOML or JSON file with every question and an empty answer.
    Template {
        /// The quiz file (TOML).
        quiz: PathBuf,
        /// The sheet's format.
        #[arg(long, value_enum, default_value_t = SheetFormat::Csv)]
        format: SheetFormat,
        /// Write the sheet to FILE (atomically) instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
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
    /// The gradebook, for a spreadsheet: every input, with its status.
    Csv,
    /// Everything, for programs.
    Json,
    /// Everything, as Markdown tables.
    Markdown,
    /// Everything, as a self-contained HTML page with charts.
    Html,
    /// Grades for Canvas's gradebook import.
    CanvasCsv,
    /// Grades and feedback for Moodle's grade import (CSV).
    MoodleCsv,
}

/// Formats of the feedback files (`--feedback-format`).
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FeedbackFormat {
    /// One Markdown file per student.
    #[default]
    Markdown,
    /// One self-contained HTML page per student.
    Html,
}

/// Formats of a blank answer sheet (`quiz template --format`).
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SheetFormat {
    /// A class CSV header: `student,name,` and the question ids.
    #[default]
    Csv,
    /// One student's TOML answer file, every answer empty.
    Toml,
    /// One student's JSON answer file, every answer empty.
    Json,
}

/// How several submissions of one student are settled (`--duplicates`).
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Duplicates {
    /// Reject all of them (the instructor decides).
    #[default]
    Reject,
    /// Keep the one with the latest timestamp.
    Latest,
    /// Keep the one with the earliest timestamp.
    First,
    /// Keep the one with the highest score.
    Best,
}

impl Duplicates {
    /// The option's value, for messages.
    pub fn name(self) -> &'static str {
        match self {
            Duplicates::Reject => "reject",
            Duplicates::Latest => "latest",
            Duplicates::First => "first",
            Duplicates::Best => "best",
        }
    }
}
