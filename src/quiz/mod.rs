//! `coinflip quiz`: score a class's answer files against a quiz key, with item analysis and
//! per-student feedback; check a quiz; render it as Markdown; convert it from and to Moodle's
//! GIFT ([`gift`]).
//!
//! Data flows one way: quiz file → [`key::Quiz`]; answer paths → [`inputs`] → answer files
//! ([`submission`], [`class_csv`] with a [`columns`] map) → [`gradebook::Gradebook`] (scored by
//! [`grade`], reading lenient forms with [`accept`], noting them as [`note::Note`]s; duplicates
//! settled by [`timestamp`] or score) → [`analysis::Analysis`] → an exporter in [`export`] (and
//! [`feedback`] files; HTML through [`templates`]). Computing and formatting stay apart: only
//! exporters, `feedback`, `render` and `template` make text, escaped for their format
//! ([`escape`]).
//!
//! Exit codes of [`run_with`]: 0 everything graded (or the quiz is valid); 1 a submission was rejected,
//! no submission was found, the quiz is unreadable or invalid, or a report could not be written;
//! 2 a usage error (`--out` or `--feedback` would write over or into an input).

pub mod accept;
pub mod analysis;
pub mod args;
pub mod class_csv;
pub mod columns;
pub mod escape;
pub mod export;
pub mod feedback;
pub mod gift;
pub mod grade;
pub mod gradebook;
pub mod inputs;
pub mod key;
pub mod normalize;
pub mod note;
pub mod render;
pub mod submission;
pub mod template;
pub mod templates;
pub mod text;
pub mod timestamp;

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::exit::ExitCode;

pub use args::{Duplicates, FeedbackFormat, Format, QuizArgs, QuizCommand, SheetFormat};
pub use text::Lang;

use analysis::Analysis;
use columns::ColumnMap;
use export::Report;
use gradebook::Gradebook;
use key::Quiz;

/// Runs a `coinflip quiz` command: reports to `out` (or `--out`), messages to `err`; returns the
/// exit code.
pub fn run_with(args: QuizArgs, out: &mut dyn Write, err: &mut dyn Write) -> ExitCode {
    match args.command {
        QuizCommand::Grade {
            quiz,
            answers,
            format,
            out: out_file,
            feedback,
            feedback_format,
            lang,
            duplicates,
            columns,
        } => grade_command(
            &GradeOptions {
                quiz,
                answers,
                format,
                out: out_file,
                feedback,
                feedback_format,
                lang,
                duplicates,
                columns,
            },
            out,
            err,
        ),
        QuizCommand::Template {
            quiz,
            format,
            out: to,
        } => template::command(&quiz, format, to.as_deref(), out, err),
        QuizCommand::Check { quiz } => check_command(&quiz, out, err),
        QuizCommand::Render { quiz, lang, key } => render_command(&quiz, lang, key, out, err),
        QuizCommand::ImportGift { file, out: to } => {
            gift::import_command(&file, to.as_deref(), out, err)
        }
        QuizCommand::ExportGift {
            quiz,
            out: to,
            lang,
        } => gift::export_command(&quiz, to.as_deref(), lang, out, err),
    }
}

/// The options of `quiz grade`.
#[derive(Debug, Clone)]
pub struct GradeOptions {
    /// The quiz file.
    pub quiz: PathBuf,
    /// Answer files and folders.
    pub answers: Vec<PathBuf>,
    /// Report format.
    pub format: Format,
    /// Report file (stdout when `None`).
    pub out: Option<PathBuf>,
    /// Feedback folder.
    pub feedback: Option<PathBuf>,
    /// Format of the feedback files.
    pub feedback_format: FeedbackFormat,
    /// Language of feedback and titles.
    pub lang: Lang,
    /// How several submissions of one student are settled.
    pub duplicates: Duplicates,
    /// The `--columns` map.
    pub columns: Option<PathBuf>,
}

/// Writes `line` to stderr with control and bidirectional characters made visible.
fn say(err: &mut dyn Write, line: &str) {
    let _ = writeln!(err, "{}", escape::terminal(line));
}

fn print_problems(
    path: &Path,
    problems: &[crate::error::Diagnostic],
    what: &str,
    err: &mut dyn Write,
) {
    for p in problems {
        say(err, &format!("error: {p}"));
    }
    let n = problems.len();
    // A file that could not be read has said so; a read file gets the count.
    if problems.iter().any(|p| p.line.is_some()) {
        say(
            err,
            &format!(
                "{}: the {what} is invalid ({n} problem{})",
                inputs::display(path),
                if n == 1 { "" } else { "s" }
            ),
        );
    }
}

fn load_quiz(path: &Path, err: &mut dyn Write) -> Option<Quiz> {
    match Quiz::load(path) {
        Ok(q) => Some(q),
        Err(problems) => {
            print_problems(path, &problems, "quiz", err);
            None
        }
    }
}

/// Refuses an output path that is an input or lies inside an input folder.
fn refuse_overlap(flag: &str, output: &Path, opts: &GradeOptions) -> Option<String> {
    std::iter::once(&opts.quiz)
        .chain(&opts.answers)
        .chain(&opts.columns)
        .find(|input| crate::output::is_same_or_inside(output, input))
        .map(|input| {
            format!(
                "error: {flag} {} would write over or into the input {}; choose a path outside the quiz and answer files",
                inputs::display(output),
                inputs::display(input)
            )
        })
}

/// Usage problems of `quiz grade`'s output paths (exit 2), before anything is read.
fn refusals(opts: &GradeOptions) -> Vec<String> {
    let mut refusals: Vec<String> = [("--out", &opts.out), ("--feedback", &opts.feedback)]
        .into_iter()
        .filter_map(|(flag, p)| p.as_ref().and_then(|p| refuse_overlap(flag, p, opts)))
        .collect();
    if let Some(dir) = &opts.feedback
        && dir.exists()
        && !dir.is_dir()
    {
        refusals.push(format!(
            "error: --feedback {} is a file; it must be a folder (it is created if missing)",
            inputs::display(dir)
        ));
    }
    refusals
}

/// Reads every answer path into a gradebook (notes on skipped files go to stderr).
fn read_answers(
    opts: &GradeOptions,
    quiz: &Quiz,
    map: Option<&ColumnMap>,
    err: &mut dyn Write,
) -> Gradebook {
    let collected = inputs::collect(&opts.answers, &opts.quiz);
    for n in &collected.notes {
        say(err, &format!("note: {n}"));
    }
    let ctx = class_csv::Context { quiz, columns: map };
    let mut parsed: Vec<_> = collected.rejected.into_iter().map(Err).collect();
    let mut file_notes = vec![];
    for f in &collected.files {
        let read = submission::read_file(&f.path, &f.display, &ctx);
        parsed.extend(read.inputs);
        file_notes.extend(
            read.notes
                .into_iter()
                .map(|n| format!("{}: {n}", f.display)),
        );
    }
    let mut book = Gradebook::build(quiz, parsed, opts.duplicates);
    book.file_notes = file_notes;
    book
}

/// Messages after grading: rejections, duplicates not counted, and (when the report is a CSV
/// holding grades only) the notes.
fn report_messages(opts: &GradeOptions, book: &Gradebook, err: &mut dyn Write) {
    for r in &book.rejected {
        say(err, &format!("rejected: {}", r.diagnostic));
    }
    for n in &book.not_counted {
        say(err, &format!("not counted: {}: {}", n.origin, n.reason));
    }
    if matches!(
        opts.format,
        Format::Csv | Format::CanvasCsv | Format::MoodleCsv
    ) {
        for n in &book.file_notes {
            say(err, &format!("note: {n}"));
        }
        for s in &book.students {
            for n in &s.notes {
                say(
                    err,
                    &format!("note: {} ({}): {}", s.student, s.origin, n.text(Lang::En)),
                );
            }
        }
    }
}

/// Writes the report to `--out` or `out`, and the feedback files; false if anything failed.
fn write_outputs(
    opts: &GradeOptions,
    quiz: &Quiz,
    book: &Gradebook,
    body: &str,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> bool {
    let mut ok = true;
    match &opts.out {
        Some(path) => {
            if let Err(e) = crate::output::write_atomic(path, body.as_bytes()) {
                say(
                    err,
                    &format!("error: cannot write {}: {e}", inputs::display(path)),
                );
                ok = false;
            }
        }
        None => {
            ok &= out
                .write_all(body.as_bytes())
                .and_then(|_| out.flush())
                .is_ok()
        }
    }
    if let Some(dir) = &opts.feedback {
        let files = feedback::files(quiz, book, opts.lang, opts.feedback_format)
            .into_iter()
            .map(|f| (f.name, f.content));
        if let Err(e) = crate::output::write_dir_atomically(dir, files) {
            say(
                err,
                &format!(
                    "error: cannot write the feedback folder {}: {e}",
                    inputs::display(dir)
                ),
            );
            ok = false;
        }
    }
    ok
}

/// `quiz grade`.
pub fn grade_command(opts: &GradeOptions, out: &mut dyn Write, err: &mut dyn Write) -> ExitCode {
    let refusals = refusals(opts);
    if !refusals.is_empty() {
        for r in refusals {
            say(err, &r);
        }
        return ExitCode::Usage;
    }
    let _outputs = match crate::output::Plan::new()
        .file("--out", opts.out.as_deref())
        .folder("--feedback", opts.feedback.as_deref())
        .claim()
    {
        Ok(c) => c,
        Err(r) => {
            let _ = writeln!(err, "error: {r}");
            return r.code;
        }
    };
    let Some(quiz) = load_quiz(&opts.quiz, err) else {
        return ExitCode::Failed;
    };
    let map = match &opts.columns {
        None => None,
        Some(path) => match ColumnMap::load(path, &quiz) {
            Ok(m) => Some(m),
            Err(problems) => {
                print_problems(path, &problems, "column map", err);
                return ExitCode::Failed;
            }
        },
    };
    let book = read_answers(opts, &quiz, map.as_ref(), err);
    let analysis = Analysis::of(&quiz, &book);
    let report = Report {
        quiz: &quiz,
        book: &book,
        analysis: &analysis,
        lang: opts.lang,
    };
    let body = export::render(opts.format, &report);
    report_messages(opts, &book, err);
    let mut code = ExitCode::from_passed(book.rejected.is_empty());
    if !write_outputs(opts, &quiz, &book, &body, out, err) {
        code = ExitCode::Failed;
    }
    if book.inputs() == 0 {
        say(err, "error: no answer files found in the ANSWERS paths");
        code = ExitCode::Failed;
    }
    say(err, &book.tally());
    code
}

/// `quiz check`.
pub fn check_command(path: &Path, out: &mut dyn Write, err: &mut dyn Write) -> ExitCode {
    let Some(quiz) = load_quiz(path, err) else {
        return ExitCode::Failed;
    };
    let _ = writeln!(
        out,
        "{}: ok: quiz `{}`, {} questions, {} points",
        inputs::display(path),
        quiz.id,
        quiz.questions.len(),
        export::pts(quiz.max_points())
    );
    ExitCode::Ok
}

/// `quiz render`.
pub fn render_command(
    path: &Path,
    lang: Lang,
    with_key: bool,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> ExitCode {
    let Some(quiz) = load_quiz(path, err) else {
        return ExitCode::Failed;
    };
    match out.write_all(render::markdown(&quiz, lang, with_key).as_bytes()) {
        Ok(()) => ExitCode::Ok,
        Err(_) => ExitCode::Failed,
    }
}
