//! Text a quiz shows to people: every prompt, option, title and explanation is either one plain
//! string (used for every language) or a `{ en = "…", zh = "…" }` table. This module owns that
//! type and the language choice (`--lang`).

use serde::Deserialize;

/// The language feedback and rendered quizzes are written in.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// English.
    #[default]
    En,
    /// Chinese (简体中文).
    Zh,
}

/// A text field: one string for every language, or one string per language.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(
    untagged,
    expecting = "expected text: a string, or a table with the keys `en` and `zh` (both strings)"
)]
pub enum Text {
    /// The same text in every language.
    Plain(String),
    /// English and Chinese.
    Bilingual(Bilingual),
}

/// The `{ en, zh }` form of a [`Text`]; both keys are required, no other key is allowed.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Bilingual {
    /// English text.
    pub en: String,
    /// Chinese text.
    pub zh: String,
}

impl Text {
    /// The text in `lang`.
    pub fn get(&self, lang: Lang) -> &str {
        match (self, lang) {
            (Text::Plain(s), _) => s,
            (Text::Bilingual(b), Lang::En) => &b.en,
            (Text::Bilingual(b), Lang::Zh) => &b.zh,
        }
    }

    /// The languages whose text is empty (after trimming), for validation.
    pub fn empty_in(&self) -> Vec<&'static str> {
        match self {
            Text::Plain(s) if s.trim().is_empty() => vec!["text"],
            Text::Plain(_) => vec![],
            Text::Bilingual(b) => {
                let mut v = vec![];
                if b.en.trim().is_empty() {
                    v.push("en");
                }
                if b.zh.trim().is_empty() {
                    v.push("zh");
                }
                v
            }
        }
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Self {
        Text::Plain(s.to_string())
    }
}

/// A fixed piece of wording in feedback and rendered quizzes, in each language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Label {
    Feedback,
    Score,
    Question,
    YourAnswer,
    RightAnswer,
    Points,
    Explanation,
    Note,
    NotAnswered,
    NotGradable,
    True,
    False,
    ChooseOne,
    ChooseAll,
    TrueOrFalse,
    ShortAnswer,
    NumberAnswer,
    Answer,
    PartialCredit,
    WeightedCredit,
    Weights,
    AcceptedAnswers,
    Questions,
    PointsTotal,
    Notes,
    Status(&'static str),
}

impl Label {
    /// The wording in `lang`.
    pub fn get(self, lang: Lang) -> &'static str {
        use Label::*;
        let (en, zh) = match self {
            Feedback => ("Feedback", "反馈"),
            Score => ("Score", "得分"),
            Question => ("Question", "题目"),
            YourAnswer => ("Your answer", "你的答案"),
            RightAnswer => ("Right answer", "正确答案"),
            Points => ("Points", "分数"),
            Explanation => ("Explanation", "解析"),
            Note => ("Note", "说明"),
            NotAnswered => ("(not answered)", "(未作答)"),
            NotGradable => ("(could not be graded)", "(无法评分)"),
            True => ("true", "对"),
            False => ("false", "错"),
            ChooseOne => ("Choose one.", "单选。"),
            ChooseAll => ("Choose all that apply.", "多选:选出所有正确的选项。"),
            TrueOrFalse => ("True or false?", "判断对错。"),
            ShortAnswer => ("Answer in a few words.", "简答。"),
            NumberAnswer => ("Answer with a number.", "填写一个数字。"),
            Answer => ("Answer", "答案"),
            PartialCredit => (
                "Partial credit: points × max(0, (right choices − wrong choices) / right options).",
                "部分得分:分数 × max(0, (选对的个数 − 选错的个数) / 正确选项个数)。",
            ),
            WeightedCredit => (
                "Weighted credit: points × the chosen options' weights, between 0 and the full points.",
                "按权重得分:分数 × 所选选项的权重,介于 0 与满分之间。",
            ),
            Weights => ("Weights", "权重"),
            AcceptedAnswers => ("accepted answers", "可接受的答案"),
            Questions => ("questions", "道题"),
            PointsTotal => ("points", "分"),
            Notes => ("Notes", "备注"),
            Status("correct") => ("correct", "正确"),
            Status("partial") => ("partly correct", "部分正确"),
            Status("wrong") => ("wrong", "错误"),
            Status("unanswered") => ("not answered", "未作答"),
            Status(_) => ("not gradable", "无法评分"),
        };
        match lang {
            Lang::En => en,
            Lang::Zh => zh,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Doc {
        t: Text,
    }

    #[test]
    fn plain_string_serves_every_language() {
        let d: Doc = toml::from_str("t = \"hello\"").unwrap();
        assert_eq!(d.t.get(Lang::En), "hello");
        assert_eq!(d.t.get(Lang::Zh), "hello");
    }

    #[test]
    fn table_gives_one_string_per_language() {
        let d: Doc = toml::from_str("t = { en = \"hi\", zh = \"你好\" }").unwrap();
        assert_eq!(d.t.get(Lang::En), "hi");
        assert_eq!(d.t.get(Lang::Zh), "你好");
    }

    #[test]
    fn other_shapes_are_refused_with_what_was_expected() {
        for src in [
            "t = 3",
            "t = { en = \"hi\" }",
            "t = { en = \"a\", zh = \"b\", fr = \"c\" }",
        ] {
            let err = toml::from_str::<Doc>(src).err().expect(src);
            assert!(
                err.message().contains("a string, or a table"),
                "{src}: {err}"
            );
        }
    }

    #[test]
    fn reports_empty_languages() {
        let t = Text::Bilingual(Bilingual {
            en: "x".into(),
            zh: " ".into(),
        });
        assert_eq!(t.empty_in(), vec!["zh"]);
        assert_eq!(Text::from("").empty_in(), vec!["text"]);
    }
}
