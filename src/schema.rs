//! `coinflip schema scenario|quiz|answers`: JSON Schemas of coinflip's file formats, so that
//! editors which check TOML against a JSON Schema (taplo, Even Better TOML) flag mistakes and
//! complete keys while the author types.
//!
//! The schemas are generated with schemars from the same serde structs the readers use
//! (`scenario::Raw…`, `quiz::key::Raw…`, `quiz::submission::RawSubmission`), with each key's
//! default and range in its `description`; `tests/schema.rs` validates every bundled file against
//! them and checks that broken files are refused, so the schema and the readers cannot drift
//! apart. What a schema cannot say (one key *or* another, sums, answers that name existing
//! options) is left to `coinflip run` and `coinflip quiz check`.

use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde_json::Value;

/// The file formats that have a schema (spelt on the command line by `crate::cli`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SchemaFormat {
    /// A scenario file (`coinflip run`).
    Scenario,
    /// A quiz file (`coinflip quiz`).
    Quiz,
    /// A student's answer file (TOML or JSON).
    Answers,
}

/// The JSON Schema (draft 7, which taplo and most editors read) of `T`'s serde shape.
pub fn generate<T: JsonSchema>() -> Value {
    let generator = SchemaGenerator::new(SchemaSettings::draft07());
    generator.into_root_schema_for::<T>().to_value()
}

/// The schema of `format`, with a title and without the `null`s schemars adds for optional keys
/// (TOML has no null; JSON answer files keep them, `null` meaning not answered).
pub fn schema(format: SchemaFormat) -> Value {
    let (mut v, title) = match format {
        SchemaFormat::Scenario => (crate::scenario::scenario_schema(), "coinflip scenario"),
        SchemaFormat::Quiz => (crate::quiz::key::quiz_schema(), "coinflip quiz"),
        SchemaFormat::Answers => (
            crate::quiz::submission::answers_schema(),
            "coinflip quiz answer file",
        ),
    };
    if format != SchemaFormat::Answers {
        strip_null(&mut v);
    }
    if let Value::Object(m) = &mut v {
        m.insert("title".into(), Value::String(title.into()));
    }
    v
}

/// Removes `null` from `type` lists and `anyOf` alternatives, everywhere in `v`.
fn strip_null(v: &mut Value) {
    match v {
        Value::Object(m) => {
            if let Some(Value::Array(types)) = m.get_mut("type") {
                types.retain(|t| t != "null");
                if types.len() == 1 {
                    let only = types.remove(0);
                    m.insert("type".into(), only);
                }
            }
            if let Some(Value::Array(alts)) = m.get_mut("anyOf") {
                alts.retain(|a| a.get("type").is_none_or(|t| t != "null"));
                if alts.len() == 1 {
                    let only = alts.remove(0);
                    m.remove("anyOf");
                    if let Value::Object(inner) = only {
                        for (k, val) in inner {
                            m.entry(k).or_insert(val);
                        }
                    }
                }
            }
            m.values_mut().for_each(strip_null);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_null),
        _ => {}
    }
}

/// The schema of `format` as the pretty-printed JSON `coinflip schema` prints and `coinflip
/// init` writes (without the final newline).
pub fn schema_text(format: SchemaFormat) -> String {
    serde_json::to_string_pretty(&schema(format)).expect("a JSON value prints")
}

// ---- schemas of types defined elsewhere -------------------------------------------------------

/// Stands for a type defined outside this module's reach in `#[schemars(with = …)]`.
macro_rules! stand_in {
    ($name:ident, $title:literal, $schema:ident) => {
        #[doc = concat!("The schema of `", $title, "` (see [`", stringify!($schema), "`]).")]
        pub struct $name;
        impl JsonSchema for $name {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                $title.into()
            }
            fn json_schema(generator: &mut SchemaGenerator) -> Schema {
                $schema(generator)
            }
        }
    };
}
stand_in!(TokenizerKindSchema, "TokenizerKind", tokenizer_kind);
stand_in!(DocumentSplitSchema, "DocumentSplit", document_split);
stand_in!(StatisticSchema, "Statistic", statistic);

/// An enum of the names `values` serialize to, with `description`.
fn names<T: serde::Serialize>(values: &[T], description: &str) -> Schema {
    let names: Vec<Value> = values
        .iter()
        .map(|v| serde_json::to_value(v).expect("a unit variant serializes to its name"))
        .collect();
    json_schema!({ "type": "string", "enum": names, "description": description })
}

/// `model.tokenizer`.
pub fn tokenizer_kind(_: &mut SchemaGenerator) -> Schema {
    use crate::tokenize::TokenizerKind::{self, *};
    // The match fails to compile when a variant is added, so the list cannot fall behind.
    let all = [Word, Char, Whitespace, Gpt2, Cl100k];
    for k in all {
        match k {
            TokenizerKind::Word
            | TokenizerKind::Char
            | TokenizerKind::Whitespace
            | TokenizerKind::Gpt2
            | TokenizerKind::Cl100k => {}
        }
    }
    let mut s = names(
        &all,
        "How text is cut into tokens: \"word\" (words, punctuation marks and CJK ideographs), \"char\" (every character), \"whitespace\" (split on white space), \"gpt2\" and \"cl100k\" (GPT-2's and GPT-4's byte-level BPE). Default: \"word\" (\"whitespace\" beside `arpa`).",
    );
    s.insert("default".into(), "word".into());
    s
}

/// `corpus.documents`.
pub fn document_split(_: &mut SchemaGenerator) -> Schema {
    use crate::corpus::DocumentSplit::{self, *};
    let all = [Paragraphs, Lines, File];
    for d in all {
        match d {
            DocumentSplit::Paragraphs | DocumentSplit::Lines | DocumentSplit::File => {}
        }
    }
    let mut s = names(
        &all,
        "How the text splits into training documents: blocks separated by blank lines, each non-blank line, or each file. Default: \"paragraphs\".",
    );
    s.insert("default".into(), "paragraphs".into());
    s
}

/// `checks.chi_square.statistic`.
pub fn statistic(_: &mut SchemaGenerator) -> Schema {
    use crate::stats::Statistic::{self, *};
    let all = [Pearson, GTest];
    for st in all {
        match st {
            Statistic::Pearson | Statistic::GTest => {}
        }
    }
    let mut s = names(
        &all,
        "The test statistic: Pearson's X² or the G-test. Default: \"pearson\".",
    );
    s.insert("default".into(), "pearson".into());
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nulls_are_stripped_from_optional_keys() {
        let mut v = json!({
            "properties": {
                "a": { "type": ["integer", "null"], "minimum": 1 },
                "b": { "anyOf": [{ "$ref": "#/definitions/X" }, { "type": "null" }], "description": "d" },
                "c": { "type": ["string", "number", "null"] }
            }
        });
        strip_null(&mut v);
        assert_eq!(
            v,
            json!({
                "properties": {
                    "a": { "type": "integer", "minimum": 1 },
                    "b": { "$ref": "#/definitions/X", "description": "d" },
                    "c": { "type": ["string", "number"] }
                }
            })
        );
    }

    #[test]
    fn every_format_has_a_titled_draft7_schema() {
        for (f, title) in [
            (SchemaFormat::Scenario, "coinflip scenario"),
            (SchemaFormat::Quiz, "coinflip quiz"),
            (SchemaFormat::Answers, "coinflip quiz answer file"),
        ] {
            let s = schema(f);
            assert_eq!(s["title"], title);
            assert_eq!(s["$schema"], "http://json-schema.org/draft-07/schema#");
            assert_eq!(
                s["additionalProperties"], false,
                "{f:?}: unknown keys are refused"
            );
        }
    }

    #[test]
    fn scenario_keys_carry_defaults_ranges_and_enums() {
        let s = schema(SchemaFormat::Scenario);
        let model = &s["definitions"]["RawModel"]["properties"];
        assert_eq!(model["order"]["default"], 3);
        assert_eq!(model["order"]["minimum"], 1);
        assert_eq!(model["order"]["maximum"], 16);
        assert!(
            model["order"]["description"]
                .as_str()
                .unwrap()
                .contains("Default: 3.")
        );
        assert_eq!(model["tokenizer"]["$ref"], "#/definitions/TokenizerKind");
        assert_eq!(
            s["definitions"]["TokenizerKind"]["enum"],
            json!(["word", "char", "whitespace", "gpt2", "cl100k"])
        );
        assert_eq!(
            s["definitions"]["SmoothingName"]["enum"],
            json!([
                "mle",
                "add-k",
                "kneser-ney",
                "stupid-backoff",
                "modified-kneser-ney"
            ])
        );
    }
}
