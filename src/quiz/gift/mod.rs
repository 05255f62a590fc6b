//! GIFT, Moodle's plain-text question format: reading a GIFT file into a coinflip quiz file
//! (`quiz import-gift`) and writing a quiz as GIFT (`quiz export-gift`).
//!
//! Hand-written because no maintained Rust crate reads or writes GIFT. The grammar follows
//! Moodle's documentation and its own importer (`question/format/gift/format.php`): questions are
//! separated by blank lines; lines starting with `//` are comments; `\~ \= \# \{ \} \: \\` are
//! escapes and `\n` a line break; `::title::` names a question; the answer is between `{` and `}`,
//! with `=` right answers, `~` other options, `%50%` weights, `#` per-answer feedback and `####`
//! general feedback. The question type is decided the way Moodle decides it: `#` first → numeric,
//! any `~` → multiple choice (single if some answer starts with `=`, multiple answers otherwise),
//! `=` with `->` → matching, `T`/`F`/`TRUE`/`FALSE` → true-false, otherwise short answer.
//!
//! What coinflip cannot grade (matching, essay, missing word, description, several full-credit
//! numeric answers) is skipped and reported with its line; what it cannot keep (partial-credit
//! short or numeric answers, per-answer feedback of non-choice questions, points on export) is
//! reported as a note. Import → export → import gives the same quiz file (tested).
//!
//! The files follow the two directions: [`read`] turns a GIFT file into a quiz file, one question
//! block at a time through [`question`]; [`write`] turns a quiz into GIFT; [`escape`] holds the
//! escapes both share. This file has the public results and the two commands.

use std::io::Write;
use std::path::Path;

use super::inputs::display;
use super::key::Quiz;
use super::text::Lang;
use crate::exit::ExitCode;

mod escape;
mod question;
mod read;
mod write;

pub use read::import;
pub use write::export;

/// Something the importer or exporter reports: a skipped question or a lossy conversion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// The GIFT line the question starts on (import), or `None` (export).
    pub line: Option<usize>,
    /// The question it concerns (export), or `None`.
    pub question: Option<String>,
    /// What happened.
    pub message: String,
    /// The question was left out.
    pub skipped: bool,
}

/// The result of [`import`].
#[derive(Debug, Clone, PartialEq)]
pub struct Imported {
    /// The quiz file (TOML).
    pub toml: String,
    /// How many questions it holds.
    pub questions: usize,
    /// Skipped questions and lossy conversions, in file order.
    pub notes: Vec<Note>,
}

/// The result of [`export`].
#[derive(Debug, Clone, PartialEq)]
pub struct Exported {
    /// The GIFT text.
    pub gift: String,
    /// What GIFT cannot say about the quiz (points, all-or-nothing scoring).
    pub notes: Vec<Note>,
}

// ---- commands ---------------------------------------------------------------------------------

fn print_notes(err: &mut dyn Write, file: &str, notes: &[Note]) {
    for n in notes {
        let what = if n.skipped { "skipped" } else { "note" };
        let _ = match (n.line, &n.question) {
            (Some(l), Some(q)) => {
                writeln!(err, "{file}:{l}: {what}: question `{q}`: {}", n.message)
            }
            (Some(l), None) => writeln!(err, "{file}:{l}: {what}: {}", n.message),
            (None, Some(q)) => writeln!(err, "{file}: {what}: question `{q}`: {}", n.message),
            (None, None) => writeln!(err, "{file}: {what}: {}", n.message),
        };
    }
}

fn emit(path: Option<&Path>, body: &str, out: &mut dyn Write, err: &mut dyn Write) -> bool {
    match path {
        Some(p) => match crate::output::write_atomic(p, body.as_bytes()) {
            Ok(()) => true,
            Err(e) => {
                let _ = writeln!(err, "error: cannot write {}: {e}", display(p));
                false
            }
        },
        None => out
            .write_all(body.as_bytes())
            .and_then(|_| out.flush())
            .is_ok(),
    }
}

fn refuse(flag_out: Option<&Path>, input: &Path, err: &mut dyn Write) -> bool {
    if let Some(o) = flag_out
        && crate::output::is_same_or_inside(o, input)
    {
        let _ = writeln!(
            err,
            "error: --out {} would write over the input {}; choose another path",
            display(o),
            display(input)
        );
        return true;
    }
    false
}

/// `quiz import-gift FILE [--out QUIZ]`: 0 every question converted; 1 a question was skipped (the
/// others are still written), nothing could be converted, or the file is unreadable; 2 `--out` is
/// the input.
pub fn import_command(
    file: &Path,
    out_path: Option<&Path>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> ExitCode {
    if refuse(out_path, file, err) {
        return ExitCode::Usage;
    }
    let shown = display(file);
    let source = match crate::input::read_limited(file, &crate::input::GIFT_LIMIT) {
        Err(e) => {
            let _ = writeln!(err, "error: {shown}: cannot read the GIFT file: {e}");
            return ExitCode::Failed;
        }
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(s) => s,
            Err(e) => {
                let (line, col) = crate::error::line_col(
                    &String::from_utf8_lossy(e.as_bytes()),
                    e.utf8_error().valid_up_to(),
                );
                let _ = writeln!(
                    err,
                    "error: {shown}:{line}:{col}: the GIFT file is not UTF-8 text"
                );
                return ExitCode::Failed;
            }
        },
    };
    let stem = file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "GIFT quiz".into());
    let imported = match import(&source, &stem) {
        Ok(i) => i,
        Err(e) => {
            let _ = writeln!(err, "error: {shown}: {e}");
            return ExitCode::Failed;
        }
    };
    print_notes(err, &shown, &imported.notes);
    let skipped = imported.notes.iter().filter(|n| n.skipped).count();
    if imported.questions == 0 {
        let _ = writeln!(
            err,
            "error: {shown}: no question could be converted ({skipped} skipped); nothing written"
        );
        return ExitCode::Failed;
    }
    // The importer only writes what the quiz reader accepts; say so loudly if it ever does not.
    if let Err(problems) = Quiz::parse(Path::new("<converted quiz>"), &imported.toml) {
        for p in problems {
            let _ = writeln!(err, "error: internal: the converted quiz is invalid: {p}");
        }
        return ExitCode::Failed;
    }
    if !emit(out_path, &imported.toml, out, err) {
        return ExitCode::Failed;
    }
    let _ = writeln!(
        err,
        "{} question{} converted, {skipped} skipped",
        imported.questions,
        if imported.questions == 1 { "" } else { "s" }
    );
    ExitCode::from_passed(skipped == 0)
}

/// `quiz export-gift QUIZ [--out FILE] [--lang]`: 0 written; 1 the quiz is invalid or unwritable;
/// 2 `--out` is the quiz.
pub fn export_command(
    quiz_path: &Path,
    out_path: Option<&Path>,
    lang: Lang,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> ExitCode {
    if refuse(out_path, quiz_path, err) {
        return ExitCode::Usage;
    }
    let Some(quiz) = super::load_quiz(quiz_path, err) else {
        return ExitCode::Failed;
    };
    let exported = export(&quiz, lang);
    print_notes(err, &display(quiz_path), &exported.notes);
    if emit(out_path, &exported.gift, out, err) {
        ExitCode::Ok
    } else {
        ExitCode::Failed
    }
}

/// Helpers the tests of every file here share.
#[cfg(test)]
mod fixtures {
    use std::path::Path;

    use super::{Imported, import};
    use crate::quiz::key::Quiz;

    pub(super) fn imp(src: &str) -> Imported {
        import(src, "test").unwrap()
    }

    pub(super) fn quiz(src: &str) -> Quiz {
        let i = imp(src);
        Quiz::parse(Path::new("q.toml"), &i.toml).unwrap_or_else(|e| panic!("{e:?}\n{}", i.toml))
    }
}
