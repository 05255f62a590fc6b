//! Notes about one answer: why it could not be graded (`expected a number, found "abc"`), or how a
//! form the student wrote was read (`accepted "A" as option a`), so the instructor can audit every
//! lenient reading. Notes are typed so that feedback can say them in the student's language
//! (`--lang zh`) while the reports for the instructor stay in English.

use super::text::Lang;

/// What an answer of a question's kind looks like (for wrong-type notes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expected {
    /// `single`: one option.
    OneOption,
    /// `multiple`: a list of options.
    OptionList,
    /// `true-false`.
    TrueFalse,
    /// `short`.
    Text,
    /// `numeric`.
    Number,
}

/// How a leniently read answer was understood.
#[derive(Debug, Clone, PartialEq)]
pub enum Reading {
    /// One option (its id).
    Option(String),
    /// Several options (ids, quiz order).
    Options(Vec<String>),
    /// A truth value.
    Bool(bool),
    /// A number.
    Number(f64),
    /// The accepted short answer it matched, as the key writes it.
    Text(String),
}

/// A note on one answer.
#[derive(Debug, Clone, PartialEq)]
pub enum Note {
    /// The answer has a type the question cannot take (`found` names it, in English).
    WrongType {
        expected: Expected,
        found: &'static str,
    },
    /// Text that is no truth value.
    NotTrueFalse(String),
    /// Text that is no number.
    NotANumber(String),
    /// `nan`, `inf`.
    NotFinite(String),
    /// An option the question does not have.
    UnknownOption {
        chosen: String,
        options: Vec<String>,
    },
    /// Options chosen more than once (counted once).
    ChosenTwice(Vec<String>),
    /// An answer to a question the quiz does not have (ignored).
    UnknownQuestion(String),
    /// What the student wrote was accepted as `reading`.
    Accepted { written: String, reading: Reading },
}

fn ticked(ids: &[String], sep: &str) -> String {
    ids.iter()
        .map(|s| format!("`{s}`"))
        .collect::<Vec<_>>()
        .join(sep)
}

impl Expected {
    fn text(self, lang: Lang) -> &'static str {
        use Expected::*;
        match (self, lang) {
            (OneOption, Lang::En) => "one option id (a string)",
            (OptionList, Lang::En) => "a list of option ids",
            (TrueFalse, Lang::En) => "`true` or `false`",
            (Text, Lang::En) => "text",
            (Number, Lang::En) => "a number",
            (OneOption, Lang::Zh) => "一个选项",
            (OptionList, Lang::Zh) => "选项列表",
            (TrueFalse, Lang::Zh) => "对或错",
            (Text, Lang::Zh) => "文字",
            (Number, Lang::Zh) => "数字",
        }
    }
}

/// The Chinese name of a response type named by `submission::Response::type_name`.
fn type_zh(found: &str) -> &'static str {
    match found {
        "null" => "空值",
        "a string" => "字符串",
        "a list" => "列表",
        "a boolean" => "布尔值",
        "a number" => "数字",
        "a table (or a date)" => "表(或日期)",
        _ => "含非字符串的列表",
    }
}

impl Reading {
    fn text(&self, lang: Lang) -> String {
        match (self, lang) {
            (Reading::Option(id), Lang::En) => format!("option {id}"),
            (Reading::Option(id), Lang::Zh) => format!("选项 {id}"),
            (Reading::Options(ids), Lang::En) if ids.len() == 1 => format!("option {}", ids[0]),
            (Reading::Options(ids), Lang::En) => format!("options {}", ids.join(", ")),
            (Reading::Options(ids), Lang::Zh) => format!("选项 {}", ids.join("、")),
            (Reading::Bool(b), _) => super::render::bool_text(*b, lang).to_string(),
            (Reading::Number(x), Lang::En) => format!("the number {x}"),
            (Reading::Number(x), Lang::Zh) => format!("数字 {x}"),
            (Reading::Text(t), Lang::En) => format!("{t:?}"),
            (Reading::Text(t), Lang::Zh) => format!("「{t}」"),
        }
    }
}

impl Note {
    /// True for a note that explains why an answer scored 0 as ungradable.
    pub fn is_problem(&self) -> bool {
        !matches!(self, Note::Accepted { .. } | Note::ChosenTwice(_))
    }

    /// The note in `lang`.
    pub fn text(&self, lang: Lang) -> String {
        match lang {
            Lang::En => self.en(),
            Lang::Zh => self.zh(),
        }
    }

    fn en(&self) -> String {
        match self {
            Note::WrongType { expected, found } => format!(
                "expected {}, found {found}; scored 0",
                expected.text(Lang::En)
            ),
            Note::NotTrueFalse(s) => format!(
                "expected true or false (or yes/no, t/f, 1/0, 对/错), found {s:?}; scored 0"
            ),
            Note::NotANumber(s) => format!("expected a number, found {s:?}; scored 0"),
            Note::NotFinite(s) => format!("expected a finite number, found {s}; scored 0"),
            Note::UnknownOption { chosen, options } => format!(
                "`{chosen}` is not an option (expected one of {}); scored 0",
                ticked(options, ", ")
            ),
            Note::ChosenTwice(ids) => {
                format!("chose {} more than once; counted once", ticked(ids, ", "))
            }
            Note::UnknownQuestion(id) => {
                format!("the quiz has no question `{id}`; this answer is ignored")
            }
            Note::Accepted { written, reading } => {
                format!("accepted {written:?} as {}", reading.text(Lang::En))
            }
        }
    }

    fn zh(&self) -> String {
        match self {
            Note::WrongType { expected, found } => format!(
                "应为{},实际为{};记 0 分",
                expected.text(Lang::Zh),
                type_zh(found)
            ),
            Note::NotTrueFalse(s) => {
                format!("应为对或错(也可写 是/否、true/false、yes/no、1/0),实际为 {s:?};记 0 分")
            }
            Note::NotANumber(s) => format!("应为数字,实际为 {s:?};记 0 分"),
            Note::NotFinite(s) => format!("应为有限的数字,实际为 {s};记 0 分"),
            Note::UnknownOption { chosen, options } => format!(
                "`{chosen}` 不是选项(应为 {} 之一);记 0 分",
                ticked(options, "、")
            ),
            Note::ChosenTwice(ids) => format!("{} 选了不止一次;只计一次", ticked(ids, "、")),
            Note::UnknownQuestion(id) => format!("测验中没有题目 `{id}`;此答案不计分"),
            Note::Accepted { written, reading } => {
                format!("已将 {written:?} 视为{}", reading.text(Lang::Zh))
            }
        }
    }
}

/// A note on one student's submission: the question it concerns and the note.
#[derive(Debug, Clone, PartialEq)]
pub struct StudentNote {
    /// The question id (for an unknown question, the id the student answered).
    pub question: String,
    /// The note.
    pub note: Note,
}

impl StudentNote {
    /// `question: note`, in `lang`.
    pub fn text(&self, lang: Lang) -> String {
        format!("{}: {}", self.question, self.note.text(lang))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_in_both_languages() {
        let n = Note::Accepted {
            written: "A".into(),
            reading: Reading::Option("a".into()),
        };
        assert_eq!(n.text(Lang::En), "accepted \"A\" as option a");
        assert_eq!(n.text(Lang::Zh), "已将 \"A\" 视为选项 a");
        let n = Note::UnknownOption {
            chosen: "x".into(),
            options: vec!["a".into(), "b".into()],
        };
        assert_eq!(
            n.text(Lang::En),
            "`x` is not an option (expected one of `a`, `b`); scored 0"
        );
        assert_eq!(n.text(Lang::Zh), "`x` 不是选项(应为 `a`、`b` 之一);记 0 分");
        let n = Note::WrongType {
            expected: Expected::Number,
            found: "a list",
        };
        assert_eq!(n.text(Lang::Zh), "应为数字,实际为列表;记 0 分");
        // A written form with a line break stays on one line (Debug escapes it).
        let n = Note::Accepted {
            written: "yes\n".into(),
            reading: Reading::Bool(true),
        };
        assert_eq!(n.text(Lang::En), "accepted \"yes\\n\" as true");
    }
}
