//! `coinflip quiz template QUIZ --format csv|toml|json`: a blank answer sheet to hand out. CSV: the
//! class header `student,name,` and the question ids (in quiz order). TOML and JSON: one student's
//! answer file with `student`, `name` and every question with an empty answer (`""`, `[]` for a
//! multiple-answer question), each TOML answer under a comment with the question's kind and
//! prompt. An empty answer counts as not answered, so a sheet graded as it is scores 0 with no
//! note.

use std::io::Write;
use std::path::Path;

use super::args::SheetFormat;
use super::inputs::display;
use super::key::{Kind, Quiz};
use super::text::Lang;

/// The blank sheet of `quiz` in `format`.
pub fn sheet(quiz: &Quiz, format: SheetFormat) -> String {
    match format {
        SheetFormat::Csv => {
            let mut header = vec!["student".to_string(), "name".to_string()];
            header.extend(quiz.questions.iter().map(|q| q.id.clone()));
            super::export::csv::write(&[header])
        }
        SheetFormat::Toml => toml_sheet(quiz),
        SheetFormat::Json => json_sheet(quiz),
    }
}

fn toml_sheet(quiz: &Quiz) -> String {
    let mut out = format!(
        "# Answers to the quiz `{}`. Fill in `student`, `name` and the answers.\nstudent = \"\"\nname = \"\"\n\n[answers]\n",
        quiz.id
    );
    for q in &quiz.questions {
        let prompt = q.prompt.get(Lang::En).replace(['\n', '\r'], " ");
        let (hint, empty) = match q.kind() {
            Kind::Single => ("one option id", "\"\""),
            Kind::Multiple => ("a list of option ids", "[]"),
            Kind::TrueFalse => ("true or false", "\"\""),
            Kind::Short => ("text", "\"\""),
            Kind::Numeric => ("a number", "\"\""),
        };
        let options: Vec<&str> = q.options.iter().map(|o| o.id.as_str()).collect();
        let options = if options.is_empty() {
            String::new()
        } else {
            format!(" ({})", options.join(", "))
        };
        out.push_str(&format!(
            "# {prompt} — {hint}{options}\n{} = {empty}\n",
            q.id
        ));
    }
    out
}

fn json_sheet(quiz: &Quiz) -> String {
    let answers: serde_json::Map<String, serde_json::Value> = quiz
        .questions
        .iter()
        .map(|q| {
            let empty = match q.kind() {
                Kind::Multiple => serde_json::json!([]),
                _ => serde_json::json!(""),
            };
            (q.id.clone(), empty)
        })
        .collect();
    let doc = serde_json::json!({ "student": "", "name": "", "answers": answers });
    // A map of strings cannot fail to serialize.
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

/// `quiz template`: 0 written; 1 the quiz is invalid or the sheet cannot be written; 2 `--out`
/// is the quiz.
pub fn command(
    quiz_path: &Path,
    format: SheetFormat,
    to: Option<&Path>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> crate::exit::ExitCode {
    if let Some(o) = to
        && crate::output::is_same_or_inside(o, quiz_path)
    {
        let _ = writeln!(
            err,
            "error: --out {} would write over the quiz {}; choose another path",
            display(o),
            display(quiz_path)
        );
        return crate::exit::ExitCode::Usage;
    }
    let Some(quiz) = super::load_quiz(quiz_path, err) else {
        return crate::exit::ExitCode::Failed;
    };
    let body = sheet(&quiz, format);
    let written = match to {
        Some(p) => crate::output::write_atomic(p, body.as_bytes()).map_err(|e| {
            let _ = writeln!(err, "error: cannot write {}: {e}", display(p));
        }),
        None => out.write_all(body.as_bytes()).map_err(|_| ()),
    };
    crate::exit::ExitCode::from_passed(written.is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheets_list_every_question() {
        let quiz = Quiz::parse(
            Path::new("q.toml"),
            "id = \"t\"\ntitle = \"t\"\n[[questions]]\nid = \"q1\"\nkind = \"multiple\"\nprompt = \"Pick\"\noptions = [ { id = \"a\", text = \"A\" }, { id = \"b\", text = \"B\" } ]\nanswer = [\"a\"]\n[[questions]]\nid = \"q2\"\nkind = \"numeric\"\nprompt = \"How many?\"\nanswer = { value = 3 }\n",
        )
        .unwrap();
        assert_eq!(sheet(&quiz, SheetFormat::Csv), "student,name,q1,q2\n");
        let toml = sheet(&quiz, SheetFormat::Toml);
        assert!(
            toml.contains("# Pick — a list of option ids (a, b)\nq1 = []\n"),
            "{toml}"
        );
        assert!(toml.contains("q2 = \"\"\n"), "{toml}");
        // A blank sheet is a valid answer file (only `student` must be filled in).
        let filled = toml.replace("student = \"\"", "student = \"s1\"");
        let parsed = crate::quiz::submission::parse_one(
            "s.toml",
            &filled,
            crate::quiz::submission::Format::Toml,
        )
        .unwrap();
        assert_eq!(parsed.answers.len(), 2);
        let json: serde_json::Value =
            serde_json::from_str(&sheet(&quiz, SheetFormat::Json)).unwrap();
        assert_eq!(json["answers"]["q1"], serde_json::json!([]));
        assert_eq!(json["answers"]["q2"], "");
    }
}
