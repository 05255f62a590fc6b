//! `coinflip schema scenario|quiz|answers`: JSON Schemas of coinflip's file formats, so that
//! editors which check TOML against a JSON Schema (taplo, Even Better TOML) flag mistakes and
//! complete keys while the author types.
//!
//! The schemas are generated with schemars from the same serde structs the readers use
//! (`scenario::raw::Raw…`, `quiz::key::Raw…`, `quiz::submission::RawSubmission`, and the value
//! types they name, which derive `JsonSchema` where they are defined), with each key's default
//! and range in its `description`; `tests/schema.rs` validates every bundled file against
//! them and checks that broken files are refused, so the schema and the readers cannot drift
//! apart. What a schema cannot say (one key *or* another, sums, answers that name existing
//! options) is left to `coinflip run` and `coinflip quiz check`.

use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, SchemaGenerator};
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
fn generate<T: JsonSchema>() -> Value {
    let generator = SchemaGenerator::new(SchemaSettings::draft07());
    generator.into_root_schema_for::<T>().to_value()
}

/// The schema of `format`, with a title and without the `null`s schemars adds for optional keys
/// (TOML has no null; JSON answer files keep them, `null` meaning not answered).
pub fn schema(format: SchemaFormat) -> Value {
    let (mut v, title) = match format {
        SchemaFormat::Scenario => (generate::<crate::scenario::raw::Raw>(), "coinflip scenario"),
        SchemaFormat::Quiz => (generate::<crate::quiz::key::RawQuiz>(), "coinflip quiz"),
        SchemaFormat::Answers => (
            generate::<crate::quiz::submission::RawSubmission>(),
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

    /// The schema's words about each smoothing parameter and the values validation uses come
    /// from two places (doc attributes, `EstimatorKind::parameter`): they must agree.
    #[test]
    fn smoothing_parameters_agree_with_the_estimators() {
        let s = schema(SchemaFormat::Scenario);
        let model = &s["definitions"]["RawModel"]["properties"];
        for kind in crate::lm::EstimatorKind::ALL {
            let Some(p) = kind.parameter() else { continue };
            let key = &model[p.key];
            assert_eq!(key["default"], json!(p.default), "{}", p.key);
            let description = key["description"].as_str().unwrap();
            assert!(
                description.starts_with(&format!("`{}` only", kind.name())),
                "{description}"
            );
        }
        let names: Vec<&str> = crate::lm::EstimatorKind::ALL
            .iter()
            .map(|k| k.name())
            .filter(|&n| n != "arpa")
            .collect();
        assert_eq!(s["definitions"]["SmoothingName"]["enum"], json!(names));
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
