//! The quiz as Markdown (`quiz render`): for students (prompts and options), or with the key
//! (`--key`: the right answers, the scoring rule and the explanations). Also the wording of
//! answers and keys that feedback files reuse. Quiz texts are Markdown, but raw HTML in them is
//! escaped (shown as text, never run by a Markdown viewer).

use super::escape::html;
use super::key::{Key, Question, Quiz, Scoring};
use super::text::{Label, Lang};

/// Points as people write them: `1`, `2.5`, `0.33`.
pub fn points_text(p: f64) -> String {
    let s = format!("{p:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// `1 point`, `2 points`, `1 分`.
pub fn points_label(p: f64, lang: Lang) -> String {
    match lang {
        Lang::En if p == 1.0 => "1 point".into(),
        Lang::En => format!("{} points", points_text(p)),
        Lang::Zh => format!("{} 分", points_text(p)),
    }
}

/// An option as `b) text`, or the id alone if the question has no such option.
pub fn option_text(q: &Question, id: &str, lang: Lang) -> String {
    match q.option(id) {
        Some(o) => format!("{id}) {}", o.text.get(lang)),
        None => id.to_string(),
    }
}

/// The right answer, in words.
pub fn key_text(q: &Question, lang: Lang) -> String {
    match &q.key {
        Key::Single(id) => option_text(q, id, lang),
        Key::Multiple { answer, .. } => q
            .options
            .iter()
            .filter(|o| answer.contains(&o.id))
            .map(|o| option_text(q, &o.id, lang))
            .collect::<Vec<_>>()
            .join("; "),
        Key::TrueFalse(b) => bool_text(*b, lang).into(),
        Key::Short { accepted, .. } => accepted.join(" / "),
        Key::Numeric {
            value,
            tolerance,
            percent,
        } => {
            let unit = if *percent { "%" } else { "" };
            if *tolerance == 0.0 {
                format!("{value}{unit}")
            } else {
                format!("{value}{unit} ± {tolerance}{unit}")
            }
        }
    }
}

/// A weight in percent as people write it: `50`, `-100`, `33.33333`.
pub fn weight_text(w: f64) -> String {
    // `+ 0.0` turns −0 (an empty sum) into 0.
    let s = format!("{:.5}", w + 0.0);
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// `true`/`false` in `lang`.
pub fn bool_text(b: bool, lang: Lang) -> &'static str {
    if b {
        Label::True.get(lang)
    } else {
        Label::False.get(lang)
    }
}

fn instruction(q: &Question, lang: Lang) -> &'static str {
    match &q.key {
        Key::Single(_) => Label::ChooseOne.get(lang),
        Key::Multiple { .. } => Label::ChooseAll.get(lang),
        Key::TrueFalse(_) => Label::TrueOrFalse.get(lang),
        Key::Short { .. } => Label::ShortAnswer.get(lang),
        Key::Numeric { .. } => Label::NumberAnswer.get(lang),
    }
}

/// The quiz as Markdown.
pub fn markdown(quiz: &Quiz, lang: Lang, with_key: bool) -> String {
    let title = html(quiz.title.get(lang));
    let count = quiz.questions.len();
    let total = points_label(quiz.max_points(), lang);
    let mut out = match lang {
        Lang::En => format!(
            "# {title}\n\n{count} {}, {total}.\n",
            Label::Questions.get(lang)
        ),
        Lang::Zh => format!(
            "# {title}\n\n共 {count} {},{total}。\n",
            Label::Questions.get(lang)
        ),
    };
    for (i, q) in quiz.questions.iter().enumerate() {
        let how = match lang {
            Lang::En => format!(
                "{} ({})",
                instruction(q, lang),
                points_label(q.points, lang)
            ),
            Lang::Zh => format!("{}({})", instruction(q, lang), points_label(q.points, lang)),
        };
        out.push_str(&format!(
            "\n## {}. {}\n\n*{how}*\n",
            i + 1,
            html(q.prompt.get(lang))
        ));
        if !q.options.is_empty() {
            out.push('\n');
            for o in &q.options {
                out.push_str(&format!("- **{})** {}\n", o.id, html(o.text.get(lang))));
            }
        }
        if with_key {
            key_section(&mut out, q, lang);
        }
    }
    out
}

/// The answer, scoring rule, weights, option feedback and explanation of `q` (`render --key`).
fn key_section(out: &mut String, q: &Question, lang: Lang) {
    out.push_str(&format!(
        "\n**{}** (`{}`): {}\n",
        Label::Answer.get(lang),
        q.id,
        html(&key_text(q, lang))
    ));
    if let Key::Multiple {
        scoring: Scoring::Partial,
        ..
    } = q.key
    {
        out.push_str(&format!("\n*{}*\n", Label::PartialCredit.get(lang)));
    }
    if q.options.iter().any(|o| o.weight.is_some()) {
        let weights: Vec<String> = q
            .options
            .iter()
            .map(|o| format!("{}) {}%", o.id, weight_text(o.weight.unwrap_or(0.0))))
            .collect();
        out.push_str(&format!(
            "\n**{}**: {}\n\n*{}*\n",
            Label::Weights.get(lang),
            weights.join(", "),
            Label::WeightedCredit.get(lang)
        ));
    }
    let with_feedback: Vec<_> = q.options.iter().filter(|o| o.feedback.is_some()).collect();
    if !with_feedback.is_empty() {
        out.push_str(&format!("\n**{}**:\n\n", Label::Feedback.get(lang)));
        for o in with_feedback {
            if let Some(f) = &o.feedback {
                out.push_str(&format!("- {}) {}\n", o.id, html(f.get(lang))));
            }
        }
    }
    if let Some(e) = &q.explanation {
        out.push_str(&format!(
            "\n**{}**: {}\n",
            Label::Explanation.get(lang),
            html(e.get(lang))
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_html_in_quiz_texts_is_shown_as_text() {
        let quiz = Quiz::parse(
            std::path::Path::new("q.toml"),
            "id = \"t\"\ntitle = \"<b>T</b>\"\n[[questions]]\nid = \"q1\"\nkind = \"single\"\nprompt = \"<script>alert(1)</script>\"\noptions = [ { id = \"a\", text = \"<img src=x>\" }, { id = \"b\", text = \"B & C\" } ]\nanswer = \"b\"\nexplanation = \"<i>why</i>\"\n",
        )
        .unwrap();
        let md = markdown(&quiz, Lang::En, true);
        assert!(!md.contains('<'), "{md}");
        assert!(md.starts_with("# &lt;b&gt;T&lt;/b&gt;\n"), "{md}");
        assert!(md.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(md.contains("- **a)** &lt;img src=x&gt;\n"));
        assert!(md.contains("**Answer** (`q1`): b) B &amp; C\n"));
    }

    #[test]
    fn points_are_written_plainly() {
        assert_eq!(points_text(1.0), "1");
        assert_eq!(points_text(2.5), "2.5");
        assert_eq!(points_text(1.0 / 3.0), "0.33");
        assert_eq!(points_label(1.0, Lang::En), "1 point");
        assert_eq!(points_label(2.0, Lang::En), "2 points");
        assert_eq!(points_label(2.0, Lang::Zh), "2 分");
    }
}
