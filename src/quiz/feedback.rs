//! Per-student feedback (`--feedback DIR`): one Markdown file per graded student with, for each
//! question, their answer, the right one, the points and the explanation, in the chosen language.
//! This module builds file names and contents; writing them (atomically) is `run`'s job.
//!
//! File names are the student id with every character other than letters, digits, `-`, `_`, `.`
//! and `@` replaced by `_` (and a leading `.` too), plus `.md`; if two ids give the same name, the
//! later student (in sorted order) gets `-2`, `-3`, … appended.

use std::collections::HashSet;

use super::grade::{Given, Outcome, Status};
use super::gradebook::{Gradebook, StudentResult};
use super::key::Quiz;
use super::render::{bool_text, key_text, option_text, points_text};
use super::text::{Label, Lang};

/// One feedback file: its name inside DIR and its Markdown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedbackFile {
    /// File name (no folders).
    pub name: String,
    /// Markdown content.
    pub content: String,
}

/// A file name for `student`.
pub fn file_stem(student: &str) -> String {
    let mut s: String = student
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | '@') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if s.starts_with('.') {
        s.replace_range(0..1, "_");
    }
    s
}

/// Feedback for every graded student of `book`, in gradebook order.
pub fn files(quiz: &Quiz, book: &Gradebook, lang: Lang) -> Vec<FeedbackFile> {
    let mut used: HashSet<String> = HashSet::new();
    book.students
        .iter()
        .map(|s| {
            let stem = file_stem(&s.student);
            let mut name = format!("{stem}.md");
            let mut k = 2;
            while !used.insert(name.to_lowercase()) {
                name = format!("{stem}-{k}.md");
                k += 1;
            }
            FeedbackFile {
                name,
                content: student_markdown(quiz, book.max, s, lang),
            }
        })
        .collect()
}

fn given_text(quiz_q: &super::key::Question, o: &Outcome, lang: Lang) -> String {
    match (&o.given, o.status) {
        (Some(Given::Options(ids)), _) => ids
            .iter()
            .map(|id| option_text(quiz_q, id, lang))
            .collect::<Vec<_>>()
            .join("; "),
        (Some(Given::Bool(b)), _) => bool_text(*b, lang).into(),
        (Some(Given::Text(t)), _) => t.replace(['\n', '\r'], " "),
        (Some(Given::Number(x)), _) => x.to_string(),
        (None, Status::Unanswered) => Label::NotAnswered.get(lang).into(),
        (None, _) => Label::NotGradable.get(lang).into(),
    }
}

/// One student's feedback.
pub fn student_markdown(quiz: &Quiz, max: f64, s: &StudentResult, lang: Lang) -> String {
    let who = if s.name.is_empty() {
        s.student.clone()
    } else {
        format!("{} ({})", s.student, s.name)
    };
    let mut out = format!(
        "# {}: {}\n\n{}\n\n**{}: {} / {} ({}%)**\n",
        Label::Feedback.get(lang),
        quiz.title.get(lang),
        who,
        Label::Score.get(lang),
        points_text(s.score),
        points_text(max),
        super::export::fixed(s.percent, 2),
    );
    for (i, (q, o)) in quiz.questions.iter().zip(&s.outcomes).enumerate() {
        out.push_str(&format!(
            "\n## {}. {} — {} / {} ({})\n\n{}\n\n- {}: {}\n- {}: {}\n",
            i + 1,
            q.id,
            points_text(o.points),
            points_text(q.points),
            Label::Status(o.status.name()).get(lang),
            q.prompt.get(lang),
            Label::YourAnswer.get(lang),
            given_text(q, o, lang),
            Label::RightAnswer.get(lang),
            key_text(q, lang),
        ));
        if let Some(Given::Options(ids)) = &o.given {
            for id in ids {
                if let Some(f) = q.option(id).and_then(|c| c.feedback.as_ref()) {
                    out.push_str(&format!(
                        "- {} ({id}): {}\n",
                        Label::Feedback.get(lang),
                        f.get(lang)
                    ));
                }
            }
        }
        if let Some(n) = &o.note {
            out.push_str(&format!("- {}: {n}\n", Label::Note.get(lang)));
        }
        if let Some(e) = &q.explanation {
            out.push_str(&format!(
                "\n{}: {}\n",
                Label::Explanation.get(lang),
                e.get(lang)
            ));
        }
    }
    let extra: Vec<&String> = s
        .notes
        .iter()
        .filter(|n| {
            !quiz
                .questions
                .iter()
                .any(|q| n.starts_with(&format!("{}: ", q.id)))
        })
        .collect();
    if !extra.is_empty() {
        out.push_str(&format!("\n## {}\n\n", Label::Notes.get(lang)));
        for n in extra {
            out.push_str(&format!("- {n}\n"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_safe() {
        assert_eq!(file_stem("s001"), "s001");
        assert_eq!(file_stem("../etc/passwd"), "_._etc_passwd");
        assert_eq!(file_stem("王 小明"), "王_小明");
        assert_eq!(file_stem("a@b.edu"), "a@b.edu");
        assert_eq!(file_stem(".hidden"), "_hidden");
    }
}
