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
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(
    untagged,
    expecting = "a string, or a table with the keys `en` and `zh` (both strings)"
)]
pub enum Text {
    /// The same text in every language.
    Plain(String),
    /// English and Chinese.
    Bilingual(Bilingual),
}

/// The `{ en, zh }` form of a [`Text`]; both keys are required, no other key is allowed.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
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
        for src in ["t = 3", "t = { en = \"hi\" }", "t = { en = \"a\", zh = \"b\", fr = \"c\" }"] {
            let err = toml::from_str::<Doc>(src).err().expect(src);
            assert!(err.message().contains("a string, or a table"), "{src}: {err}");
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
