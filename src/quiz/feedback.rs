//! Per-student feedback (`--feedback DIR`): one file per graded student with, for each question,
//! what they wrote, the right answer, the points, any note and the explanation, entirely in the
//! chosen language (notes included). Markdown (the default) or a self-contained HTML page
//! (`--feedback-format html`, from the template `templates/feedback.html`, auto-escaped). This
//! module builds file names and contents; writing them (atomically) is `run`'s job.
//!
//! File names are the student id with every character other than letters, digits, `-`, `_`, `.`
//! and `@` replaced by `_` (and a leading `.` too), cut to [`MAX_STEM_BYTES`] bytes, with `_`
//! added to a name Windows reserves (`CON`, `aux`, `COM1`, …); if two ids give the same name
//! (ignoring case), the later student (in sorted order) gets `-2`, `-3`, … appended.

use std::collections::HashSet;

use serde::Serialize;

use super::args::FeedbackFormat;
use super::escape;
use super::grade::{Given, Outcome, Status};
use super::gradebook::{Gradebook, StudentResult};
use super::key::{Question, Quiz};
use super::note::Note;
use super::render::{bool_text, key_text, option_text, points_text};
use super::text::{Label, Lang};

/// One feedback file: its name inside DIR and its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedbackFile {
    /// File name (no folders).
    pub name: String,
    /// Markdown or HTML.
    pub content: String,
}

/// The longest file stem, in bytes (file systems allow 255; the suffixes need a few).
pub const MAX_STEM_BYTES: usize = 100;

/// Names Windows reserves for devices, whatever the extension.
const WINDOWS_RESERVED: [&str; 22] = [
    "con", "prn", "aux", "nul", "com1", "com2", "com3", "com4", "com5", "com6", "com7", "com8",
    "com9", "lpt1", "lpt2", "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9",
];

/// A file name for `student`.
pub fn file_stem(student: &str) -> String {
    let mut s = String::new();
    for c in student.chars() {
        let c = if c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | '@') {
            c
        } else {
            '_'
        };
        if s.len() + c.len_utf8() > MAX_STEM_BYTES {
            break;
        }
        s.push(c);
    }
    if s.starts_with('.') {
        s.replace_range(0..1, "_");
    }
    let base = s.split('.').next().unwrap_or("").to_ascii_lowercase();
    if WINDOWS_RESERVED.contains(&base.as_str()) {
        s.insert(base.len(), '_');
    }
    s
}

/// Feedback for every graded student of `book`, in gradebook order.
pub fn files(
    quiz: &Quiz,
    book: &Gradebook,
    lang: Lang,
    format: FeedbackFormat,
) -> Vec<FeedbackFile> {
    let ext = match format {
        FeedbackFormat::Markdown => "md",
        FeedbackFormat::Html => "html",
    };
    let mut used: HashSet<String> = HashSet::new();
    book.students
        .iter()
        .map(|s| {
            let stem = file_stem(&s.student);
            let mut name = format!("{stem}.{ext}");
            let mut k = 2;
            while !used.insert(name.to_lowercase()) {
                name = format!("{stem}-{k}.{ext}");
                k += 1;
            }
            let view = view(quiz, book.max, s, lang);
            let content = match format {
                FeedbackFormat::Markdown => markdown(&view),
                FeedbackFormat::Html => super::templates::feedback(&view),
            };
            FeedbackFile { name, content }
        })
        .collect()
}

/// What one student's feedback says, in its language; the Markdown and HTML renderings share it.
#[derive(Debug, Clone, Serialize)]
pub struct View {
    /// `en` or `zh-Hans` (for HTML).
    pub lang: &'static str,
    /// `Feedback` in the language.
    pub heading: &'static str,
    /// The quiz title.
    pub title: String,
    /// `s003 (Diaz, Carla)`.
    pub who: String,
    /// `Score` in the language.
    pub score_label: &'static str,
    /// `2 / 4 (50.00%)`.
    pub score: String,
    /// Labels.
    pub labels: Labels,
    /// One per question.
    pub questions: Vec<QuestionView>,
    /// Notes on answers to questions the quiz does not have.
    pub notes: Vec<String>,
}

/// Fixed wording of a feedback page.
#[derive(Debug, Clone, Serialize)]
pub struct Labels {
    pub your_answer: &'static str,
    pub right_answer: &'static str,
    pub explanation: &'static str,
    pub note: &'static str,
    pub notes: &'static str,
    pub feedback: &'static str,
}

/// One question of a feedback page.
#[derive(Debug, Clone, Serialize)]
pub struct QuestionView {
    pub number: usize,
    pub id: String,
    pub points: String,
    pub max: String,
    pub status: &'static str,
    /// `correct`, `partial`, … (a CSS class).
    pub status_class: &'static str,
    pub prompt: String,
    /// What the student wrote (or `(not answered)`), possibly several lines.
    pub answer: String,
    pub right: String,
    /// (option id, feedback) for the options chosen.
    pub option_feedback: Vec<(String, String)>,
    pub notes: Vec<String>,
    pub explanation: Option<String>,
}

fn answer_text(q: &Question, o: &Outcome, lang: Lang) -> String {
    match (&o.given, o.status) {
        (Some(Given::Options(ids)), _) => ids
            .iter()
            .map(|id| option_text(q, id, lang))
            .collect::<Vec<_>>()
            .join("; "),
        (Some(Given::Bool(b)), _) => bool_text(*b, lang).into(),
        (Some(Given::Text(t)), _) => t.clone(),
        (Some(Given::Number(x)), _) => x.to_string(),
        (None, Status::Unanswered) => Label::NotAnswered.get(lang).into(),
        (None, _) => match &o.written {
            Some(w) => format!("{w} {}", Label::NotGradable.get(lang)),
            None => Label::NotGradable.get(lang).into(),
        },
    }
}

/// The feedback of student `s`.
pub fn view(quiz: &Quiz, max: f64, s: &StudentResult, lang: Lang) -> View {
    let questions = quiz
        .questions
        .iter()
        .zip(&s.outcomes)
        .enumerate()
        .map(|(i, (q, o))| question_view(i + 1, q, o, lang))
        .collect();
    View {
        lang: match lang {
            Lang::En => "en",
            Lang::Zh => "zh-Hans",
        },
        heading: Label::Feedback.get(lang),
        title: quiz.title.get(lang).to_string(),
        who: if s.name.is_empty() {
            s.student.clone()
        } else {
            format!("{} ({})", s.student, s.name)
        },
        score_label: Label::Score.get(lang),
        score: format!(
            "{} / {} ({}%)",
            points_text(s.score),
            points_text(max),
            super::export::fixed(s.percent, 2)
        ),
        labels: Labels {
            your_answer: Label::YourAnswer.get(lang),
            right_answer: Label::RightAnswer.get(lang),
            explanation: Label::Explanation.get(lang),
            note: Label::Note.get(lang),
            notes: Label::Notes.get(lang),
            feedback: Label::Feedback.get(lang),
        },
        questions,
        notes: s
            .notes
            .iter()
            .filter(|n| matches!(n.note, Note::UnknownQuestion(_)))
            .map(|n| n.text(lang))
            .collect(),
    }
}

fn question_view(number: usize, q: &Question, o: &Outcome, lang: Lang) -> QuestionView {
    let mut option_feedback = vec![];
    if let Some(Given::Options(ids)) = &o.given {
        for id in ids {
            if let Some(f) = q.option(id).and_then(|c| c.feedback.as_ref()) {
                option_feedback.push((id.clone(), f.get(lang).to_string()));
            }
        }
    }
    QuestionView {
        number,
        id: q.id.clone(),
        points: points_text(o.points),
        max: points_text(q.points),
        status: Label::Status(o.status.name()).get(lang),
        status_class: o.status.name(),
        prompt: q.prompt.get(lang).to_string(),
        answer: answer_text(q, o, lang),
        right: key_text(q, lang),
        option_feedback,
        notes: o.notes.iter().map(|n| n.text(lang)).collect(),
        explanation: q.explanation.as_ref().map(|e| e.get(lang).to_string()),
    }
}

/// `- label: text` for a Markdown list; text of several lines becomes a fenced block under it.
fn item(label: &str, text: &str) -> String {
    if text.contains('\n') || text.contains('\r') {
        let block = escape::fence(text);
        let indented: Vec<String> = block.lines().map(|l| format!("  {l}")).collect();
        format!("- {label}:\n\n{}\n", indented.join("\n"))
    } else {
        format!("- {label}: {}\n", escape::html(text))
    }
}

/// One student's feedback as Markdown (quiz texts and answers with raw HTML escaped).
pub fn markdown(v: &View) -> String {
    let h = escape::html;
    let mut out = format!(
        "# {}: {}\n\n{}\n\n**{}: {}**\n",
        v.heading,
        h(&v.title),
        h(&v.who),
        v.score_label,
        v.score
    );
    for q in &v.questions {
        out.push_str(&format!(
            "\n## {}. {} — {} / {} ({})\n\n{}\n\n",
            q.number,
            q.id,
            q.points,
            q.max,
            q.status,
            h(&q.prompt)
        ));
        out.push_str(&item(v.labels.your_answer, &q.answer));
        out.push_str(&item(v.labels.right_answer, &q.right));
        for (id, f) in &q.option_feedback {
            out.push_str(&item(&format!("{} ({id})", v.labels.feedback), f));
        }
        for n in &q.notes {
            out.push_str(&item(v.labels.note, n));
        }
        if let Some(e) = &q.explanation {
            out.push_str(&format!("\n{}: {}\n", v.labels.explanation, h(e)));
        }
    }
    if !v.notes.is_empty() {
        out.push_str(&format!("\n## {}\n\n", v.labels.notes));
        for n in &v.notes {
            out.push_str(&format!("- {}\n", h(n)));
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

    #[test]
    fn file_names_avoid_windows_devices_and_stay_short() {
        assert_eq!(file_stem("CON"), "CON_");
        assert_eq!(file_stem("aux"), "aux_");
        assert_eq!(file_stem("com1.txt"), "com1_.txt");
        assert_eq!(file_stem("console"), "console");
        let long = "x".repeat(500);
        assert_eq!(file_stem(&long).len(), MAX_STEM_BYTES);
        let wide = "王".repeat(200);
        let stem = file_stem(&wide);
        assert!(stem.len() <= MAX_STEM_BYTES && stem.chars().all(|c| c == '王'));
    }

    #[test]
    fn several_lines_go_into_a_fence_they_cannot_close() {
        let s = item("Your answer", "one\n```\n<b>two</b>");
        assert_eq!(
            s,
            "- Your answer:\n\n  ````text\n  one\n  ```\n  <b>two</b>\n  ````\n"
        );
        assert_eq!(
            item("Your answer", "<b>x</b>"),
            "- Your answer: &lt;b&gt;x&lt;/b&gt;\n"
        );
    }
}
