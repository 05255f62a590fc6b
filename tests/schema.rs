//! The JSON Schemas (`coinflip schema scenario|quiz|answers`) agree with the readers: every
//! bundled scenario and quiz, the `coinflip init` templates and the graded answer files validate
//! against them (with the `jsonschema` crate), and files the readers refuse for their shape
//! (unknown key, wrong type, value out of range, missing required key) are refused by the schema
//! too — so the schema and the parser cannot drift apart.

mod common;

use std::path::{Path, PathBuf};

use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The schema as the binary prints it.
fn schema(format: &str) -> Value {
    let out = common::coinflip()
        .args(["schema", format])
        .output()
        .unwrap();
    assert!(out.status.success(), "coinflip schema {format}");
    serde_json::from_slice(&out.stdout).unwrap()
}

fn validator(format: &str) -> jsonschema::Validator {
    jsonschema::validator_for(&schema(format)).expect("the schema is itself valid")
}

/// A TOML or JSON file as a JSON value (TOML through `toml`, as editors see it).
fn instance(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap();
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    if path.extension().is_some_and(|e| e == "json") {
        serde_json::from_str(text).unwrap()
    } else {
        let v: toml::Value =
            toml::from_str(text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        serde_json::to_value(v).unwrap()
    }
}

fn errors(v: &jsonschema::Validator, path: &Path) -> Vec<String> {
    v.iter_errors(&instance(path))
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

fn files(dir: &Path, exts: &[&str]) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| exts.iter().any(|x| e == *x)))
        .collect();
    out.sort();
    out
}

fn assert_all_valid(format: &str, paths: &[PathBuf], at_least: usize) {
    let v = validator(format);
    assert!(paths.len() >= at_least, "{format}: found {paths:?}");
    for p in paths {
        let errs = errors(&v, p);
        assert!(errs.is_empty(), "{}: {errs:#?}", p.display());
    }
}

fn assert_all_refused(format: &str, paths: &[PathBuf]) {
    let v = validator(format);
    for p in paths {
        assert!(
            !v.is_valid(&instance(p)),
            "{}: the schema accepts a file the reader refuses",
            p.display()
        );
    }
}

#[test]
fn bundled_scenarios_and_templates_are_valid() {
    let mut paths = files(&root().join("scenarios"), &["toml"]);
    paths.extend(files(&root().join("templates/init/scenarios"), &["toml"]));
    paths.extend(files(&root().join("tests/fixtures/mixed"), &["toml"]));
    paths.retain(|p| !p.ends_with("b-bad.toml"));
    assert_all_valid("scenario", &paths, 12);
}

#[test]
fn scenarios_refused_for_their_shape_are_refused_by_the_schema() {
    let bad = root().join("tests/fixtures/bad");
    let refused: Vec<PathBuf> = [
        "bad-sampling.toml", // temperature −1, top_p 1.5
        "order-zero.toml",
        "unknown-key.toml",
        "wrong-type.toml",
        "nan-temperature.toml",
    ]
    .iter()
    .map(|f| bad.join(f))
    .collect();
    assert_all_refused("scenario", &refused);
    // Each one is refused by `coinflip run` too.
    for p in &refused {
        common::coinflip()
            .args(["run", "-q"])
            .arg(p)
            .assert()
            .code(1);
    }
}

#[test]
fn every_scenario_key_is_in_the_schema_and_unknown_keys_are_refused() {
    let v = validator("scenario");
    let s = schema("scenario");
    for p in files(&root().join("scenarios"), &["toml"]) {
        let mut doc = instance(&p);
        doc["colour"] = Value::String("blue".into());
        assert!(!v.is_valid(&doc), "{}: unknown top-level key", p.display());
        let mut doc = instance(&p);
        if let Some(Value::Object(model)) = doc.get_mut("model") {
            model.insert("ordr".into(), 3.into());
            assert!(!v.is_valid(&doc), "{}: unknown model key", p.display());
        }
    }
    // Every field has a description that states its default (or that it is required).
    let defs = s["definitions"].as_object().unwrap();
    let mut checked = 0;
    for (name, def) in defs
        .iter()
        .chain([("Raw".to_string(), s.clone())].iter().map(|(k, v)| (k, v)))
    {
        if let Some(props) = def["properties"].as_object() {
            for (key, p) in props {
                let d = p["description"].as_str().unwrap_or("");
                assert!(
                    d.contains("Default:") || d.contains("Required"),
                    "{name}.{key}: {d:?}"
                );
                checked += 1;
            }
        }
    }
    assert!(checked >= 50, "{checked}");
}

/// A change that breaks a quiz.
type Breaker = fn(&mut Value);

#[test]
fn bundled_quizzes_are_valid_and_broken_ones_refused() {
    let mut paths = files(&root().join("quizzes"), &["toml"]);
    paths.extend(files(&root().join("templates/init/quizzes"), &["toml"]));
    assert_all_valid("quiz", &paths, 3);

    assert_all_refused(
        "quiz",
        &[root().join("tests/fixtures/quiz/invalid-quiz.toml")],
    );
    let v = validator("quiz");
    let lab = instance(&root().join("quizzes/ch06-sampling-lab.toml"));
    let broken: [(&str, Breaker); 8] = [
        ("unknown key", |q| q["questions"][0]["promt"] = "x".into()),
        ("unknown kind", |q| {
            q["questions"][0]["kind"] = "essay".into()
        }),
        ("points 0", |q| q["questions"][0]["points"] = 0.into()),
        ("missing answer", |q| {
            q["questions"][0].as_object_mut().unwrap().remove("answer");
        }),
        ("no questions", |q| q["questions"] = Value::Array(vec![])),
        ("true-false with a string answer", |q| {
            q["questions"][1]["answer"] = "false".into()
        }),
        (
            "short with options",
            |q| {
                q["questions"][2]["options"] =
                    serde_json::json!([{"id": "a", "text": "A"}, {"id": "b", "text": "B"}])
            },
        ),
        ("text with a third language", |q| {
            q["title"]["fr"] = "Le quiz".into()
        }),
    ];
    for (what, breaks) in broken {
        let mut q = lab.clone();
        breaks(&mut q);
        assert!(!v.is_valid(&q), "{what}: accepted by the schema");
        // The reader refuses it too.
        let toml_text = toml::to_string(&q).unwrap();
        assert!(
            coinflip::quiz::key::Quiz::parse(Path::new("q.toml"), &toml_text).is_err(),
            "{what}: accepted by the reader"
        );
    }
}

#[test]
fn graded_answer_files_are_valid_and_rejected_ones_refused() {
    let mut paths = files(&root().join("tests/fixtures/quiz/class"), &["toml", "json"]);
    paths.extend(files(
        &root().join("templates/init/answers"),
        &["toml", "json"],
    ));
    assert_all_valid("answers", &paths, 20);
    let bad = root().join("tests/fixtures/quiz/class/bad");
    assert_all_refused(
        "answers",
        &[
            bad.join("typo-key.toml"),
            bad.join("no-student.json"),
            bad.join("empty-student.toml"),
        ],
    );
}

/// docs/editors.md: the commands that write the schemas name real formats, and the `#:schema`
/// example is the line `coinflip init` writes.
#[test]
fn editors_doc_matches_the_program() {
    let doc = std::fs::read_to_string(root().join("docs/editors.md")).unwrap();
    for format in ["scenario", "quiz", "answers"] {
        let line = format!("schemas/{format}.schema.json");
        assert!(
            doc.lines()
                .any(|l| l.starts_with(&format!("coinflip schema {format} "))
                    && l.ends_with(&format!("> {line}"))),
            "docs/editors.md: no command writing {line}"
        );
        schema(format);
    }
    let garden =
        std::fs::read_to_string(root().join("templates/init/scenarios/garden.toml")).unwrap();
    let example = doc
        .split("```toml\n")
        .nth(1)
        .and_then(|b| b.split("```").next())
        .unwrap();
    for line in example.lines() {
        assert!(
            garden.lines().any(|g| g == line),
            "not in garden.toml: {line}"
        );
    }
    // The example is a valid scenario fragment for the schema.
    let v: toml::Value = toml::from_str(example).unwrap();
    assert!(validator("scenario").is_valid(&serde_json::to_value(v).unwrap()));
}

/// Quizzes converted from GIFT (weights, option feedback) are valid for the schema too.
#[test]
fn quizzes_converted_from_gift_are_valid() {
    let v = validator("quiz");
    for name in ["chapter6", "lossy"] {
        let out = common::coinflip()
            .args(["quiz", "import-gift"])
            .arg(root().join(format!("tests/fixtures/gift/{name}.gift")))
            .output()
            .unwrap();
        let quiz: toml::Value = toml::from_str(&String::from_utf8(out.stdout).unwrap()).unwrap();
        let quiz = serde_json::to_value(quiz).unwrap();
        let errs: Vec<String> = v.iter_errors(&quiz).map(|e| e.to_string()).collect();
        assert!(errs.is_empty(), "{name}: {errs:#?}");
    }
}
