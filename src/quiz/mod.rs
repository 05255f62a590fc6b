//! `coinflip quiz`: score a class's answer files against a quiz key, with item analysis and
//! per-student feedback; check a quiz; render it as Markdown; convert it from and to Moodle's
//! GIFT ([`gift`]).
//!
//! Data flows one way: quiz file → [`key::Quiz`]; answer paths → [`inputs`] → answer files
//! ([`submission`], [`class_csv`]) → [`gradebook::Gradebook`] (scored by [`grade`]) →
//! [`analysis::Analysis`] → an exporter in [`export`] (and [`feedback`] files). Computing and
//! formatting stay apart: only exporters, `feedback` and `render` make text.
//!
//! Exit codes of [`run_with`]: 0 everything graded (or the quiz is valid); 1 a submission was rejected,
//! no submission was found, the quiz is unreadable or invalid, or a report could not be written;
//! 2 a usage error (`--out` or `--feedback` would write over or into an input).

pub mod analysis;
pub mod args;
pub mod class_csv;
pub mod export;
pub mod feedback;
pub mod gift;
pub mod grade;
pub mod gradebook;
pub mod inputs;
pub mod key;
pub mod normalize;
pub mod render;
pub mod submission;
pub mod text;

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::exit::ExitCode;

pub use args::{Format, QuizArgs, QuizCommand};
pub use text::Lang;

use analysis::Analysis;
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
            lang,
        } => grade_command(
            &GradeOptions {
                quiz,
                answers,
                format,
                out: out_file,
                feedback,
                lang,
            },
            out,
            err,
        ),
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
    /// Language of feedback and titles.
    pub lang: Lang,
}

fn load_quiz(path: &Path, err: &mut dyn Write) -> Option<Quiz> {
    match Quiz::load(path) {
        Ok(q) => Some(q),
        Err(problems) => {
            for p in &problems {
                let _ = writeln!(err, "error: {p}");
            }
            let n = problems.len();
            // A file that could not be read has said so; a read file gets the count.
            if problems.iter().any(|p| p.line.is_some()) {
                let _ = writeln!(
                    err,
                    "{}: the quiz is invalid ({n} problem{})",
                    inputs::display(path),
                    if n == 1 { "" } else { "s" }
                );
            }
            None
        }
    }
}

/// Refuses an output path that is an input or lies inside an input folder.
fn refuse_overlap(flag: &str, output: &Path, opts: &GradeOptions) -> Option<String> {
    std::iter::once(&opts.quiz)
        .chain(&opts.answers)
        .find(|input| crate::output::is_same_or_inside(output, input))
        .map(|input| {
            format!(
                "error: {flag} {} would write over or into the input {}; choose a path outside the quiz and answer files",
                inputs::display(output),
                inputs::display(input)
            )
        })
}

/// `quiz grade`.
pub fn grade_command(opts: &GradeOptions, out: &mut dyn Write, err: &mut dyn Write) -> ExitCode {
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
    if !refusals.is_empty() {
        for r in refusals {
            let _ = writeln!(err, "{r}");
        }
        return ExitCode::Usage;
    }
    let Some(quiz) = load_quiz(&opts.quiz, err) else {
        return ExitCode::Failed;
    };

    let collected = inputs::collect(&opts.answers, &opts.quiz);
    for n in &collected.notes {
        let _ = writeln!(err, "note: {n}");
    }
    let mut parsed: Vec<_> = collected.rejected.into_iter().map(Err).collect();
    for f in &collected.files {
        parsed.extend(submission::read_file(&f.path, &f.display));
    }
    let book = Gradebook::build(&quiz, parsed);
    let analysis = Analysis::of(&quiz, &book);
    let report = Report {
        quiz: &quiz,
        book: &book,
        analysis: &analysis,
        lang: opts.lang,
    };
    let body = export::render(opts.format, &report);

    for r in &book.rejected {
        let _ = writeln!(err, "rejected: {}", r.diagnostic);
    }
    if opts.format == Format::Csv {
        for s in &book.students {
            for n in &s.notes {
                let _ = writeln!(err, "note: {} ({}): {n}", s.student, s.origin);
            }
        }
    }

    let mut code = ExitCode::from_passed(book.rejected.is_empty());
    match &opts.out {
        Some(path) => {
            if let Err(e) = crate::output::write_atomic(path, body.as_bytes()) {
                let _ = writeln!(err, "error: cannot write {}: {e}", inputs::display(path));
                code = ExitCode::Failed;
            }
        }
        None => {
            if out
                .write_all(body.as_bytes())
                .and_then(|_| out.flush())
                .is_err()
            {
                code = ExitCode::Failed;
            }
        }
    }
    if let Some(dir) = &opts.feedback {
        for f in feedback::files(&quiz, &book, opts.lang) {
            let path = dir.join(&f.name);
            if let Err(e) = crate::output::write_atomic(&path, f.content.as_bytes()) {
                let _ = writeln!(err, "error: cannot write {}: {e}", inputs::display(&path));
                code = ExitCode::Failed;
            }
        }
    }
    if book.students.is_empty() && book.rejected.is_empty() {
        let _ = writeln!(err, "error: no answer files found in the ANSWERS paths");
        code = ExitCode::Failed;
    }
    let _ = writeln!(err, "{}", book.tally());
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
