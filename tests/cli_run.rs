//! End-to-end tests of `coinflip run`, `score` and `trace`: exit codes, reports (insta
//! snapshots small enough to review by reading, and structural checks of the whole bundled
//! report), error messages for bad scenario files, and determinism across processes and thread
//! counts.

mod common;

use common::{coinflip, stdout_of};

/// The bundled scenario files, as `coinflip run scenarios/` finds them (sorted paths).
fn bundled() -> Vec<String> {
    let mut files: Vec<String> = std::fs::read_dir("scenarios")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .map(|p| p.to_string_lossy().replace('\\', "/"))
        .collect();
    files.sort();
    files
}

#[test]
fn bundled_scenarios_text_report() {
    let (text, code) = stdout_of(&["run", "scenarios/"]);
    assert_eq!(code, 0, "{text}");
    let n = bundled().len();
    assert!(
        text.ends_with(&format!("\ncoinflip: {n} passed, 0 failed\n")),
        "{text}"
    );
    insta::assert_snapshot!("bundled_text", text);
}

/// The whole bundled report, checked by structure rather than by a snapshot no one can read:
/// every bundled file is there, in order, with its status; each generated what its file asks
/// for; and the report has the documented shape (tests/fixtures/report.schema.json).
#[test]
fn bundled_scenarios_json_report() {
    let (json, code) = stdout_of(&["run", "scenarios/", "--format", "json"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string("tests/fixtures/report.schema.json").unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the report schema is valid");
    let problems: Vec<String> = validator
        .iter_errors(&v)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(problems.is_empty(), "{problems:#?}");
    // Strict enough to notice a changed report: an unknown status, an undocumented key.
    let mut changed = v.clone();
    changed["scenarios"][0]["status"] = "ok".into();
    changed["scenarios"][1]["model"]["extra"] = 1.into();
    assert_eq!(validator.iter_errors(&changed).count(), 2);

    let scenarios = v["scenarios"].as_array().unwrap();
    let found: Vec<(&str, &str)> = scenarios
        .iter()
        .map(|s| (s["file"].as_str().unwrap(), s["status"].as_str().unwrap()))
        .collect();
    let files = bundled();
    let want: Vec<(&str, &str)> = files.iter().map(|f| (f.as_str(), "pass")).collect();
    assert_eq!(found, want, "every bundled scenario, in order, passing");
    let n = files.len();
    assert_eq!(
        v["summary"],
        serde_json::json!({"passed": n, "failed": 0, "errors": 0})
    );

    for s in scenarios {
        let file = s["file"].as_str().unwrap();
        let sc = coinflip::scenario::load(file.as_ref(), file.as_ref()).unwrap();
        assert_eq!(s["name"], sc.name.as_str());
        assert_eq!(s["seed"], sc.seed);
        let samples = s["samples"].as_array().unwrap();
        let wanted = match &sc.kind {
            coinflip::scenario::ScenarioKind::Model { generate, .. } => generate.samples,
            coinflip::scenario::ScenarioKind::Distribution(_) => 0,
        };
        assert_eq!(samples.len(), wanted, "{file}: samples");
        for (i, smp) in samples.iter().enumerate() {
            assert_eq!(smp["index"], i, "{file}");
            let full = smp["full_text"].as_str().unwrap();
            assert!(
                full.ends_with(smp["text"].as_str().unwrap()),
                "{file}: sample {i}"
            );
        }
        let has_checks = sc.checks.output.is_some()
            || sc.checks.chi_square.is_some()
            || sc.checks.remix.is_some();
        assert_eq!(
            !s["checks"].as_array().unwrap().is_empty(),
            has_checks,
            "{file}: checks"
        );
    }
}

/// One small model scenario's full JSON report (samples, remix figures, output checks), and one
/// explicit distribution's (the chi-square figures and bins): the report's content, reviewable.
#[test]
fn focused_json_reports() {
    let (json, code) = stdout_of(&["run", "scenarios/greedy.toml", "--format", "json"]);
    assert_eq!(code, 0);
    insta::assert_snapshot!("greedy_json", json);
    let (json, code) = stdout_of(&["run", "scenarios/viewing-a-single.toml", "--format", "json"]);
    assert_eq!(code, 0);
    insta::assert_snapshot!("viewing_a_single_json", json);
}

#[test]
fn default_path_is_scenarios_folder() {
    let (a, _) = stdout_of(&["run"]);
    let (b, _) = stdout_of(&["run", "scenarios"]);
    assert_eq!(a, b);
}

#[test]
fn same_bytes_in_two_processes_and_any_jobs() {
    let (one, _) = stdout_of(&["run", "scenarios/", "--format", "json", "--jobs", "1"]);
    let (two, _) = stdout_of(&["run", "scenarios/", "--format", "json", "--jobs", "2"]);
    let (again, _) = stdout_of(&["run", "scenarios/", "--format", "json", "--jobs", "8"]);
    assert_eq!(one, two);
    assert_eq!(one, again);
}

#[test]
fn a_sample_does_not_depend_on_the_sample_count_or_batch() {
    // Sample 0 of word-trigram alone, with --filter, equals sample 0 in the whole batch.
    let (alone, _) = stdout_of(&["run", "scenarios/word-trigram.toml", "--format", "json"]);
    let (batch, _) = stdout_of(&[
        "run",
        "scenarios/",
        "--format",
        "json",
        "--filter",
        "trigram",
    ]);
    let a: serde_json::Value = serde_json::from_str(&alone).unwrap();
    let b: serde_json::Value = serde_json::from_str(&batch).unwrap();
    assert_eq!(a["scenarios"][0]["samples"], b["scenarios"][0]["samples"]);
}

#[test]
fn seed_override_changes_samples() {
    let (a, _) = stdout_of(&["run", "scenarios/word-trigram.toml", "--seed", "1"]);
    let (b, _) = stdout_of(&["run", "scenarios/word-trigram.toml", "--seed", "2"]);
    assert_ne!(a, b);
    assert!(a.contains("seed 1)"));
}

#[test]
fn exit_codes() {
    coinflip()
        .args(["run", "scenarios/greedy.toml"])
        .assert()
        .code(0);
    coinflip()
        .args(["run", "tests/fixtures/mixed/c-failing.toml"])
        .assert()
        .code(1);
    coinflip()
        .args(["run", "tests/fixtures/bad/order-zero.toml"])
        .assert()
        .code(1);
    coinflip().args(["run", "--no-such-flag"]).assert().code(2);
    coinflip().args(["run", "does/not/exist"]).assert().code(2);
    coinflip()
        .args(["run", "scenarios/", "--filter", "zzz-nothing"])
        .assert()
        .code(2);
    coinflip()
        .args(["run", "scenarios/", "--format", "xml"])
        .assert()
        .code(2);
    coinflip().assert().code(2);
}

#[test]
fn mixed_batch_reports_every_file() {
    let (text, code) = stdout_of(&["run", "tests/fixtures/mixed"]);
    assert_eq!(code, 1);
    insta::assert_snapshot!("mixed_batch", text);
    let (json, _) = stdout_of(&["run", "tests/fixtures/mixed", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let statuses: Vec<&str> = v["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["status"].as_str().unwrap())
        .collect();
    // four files in, four results out: nothing lost
    assert_eq!(statuses, ["pass", "error", "fail", "error"]);
    assert_eq!(v["summary"]["passed"], 1);
    assert_eq!(v["summary"]["failed"], 1);
    assert_eq!(v["summary"]["errors"], 2);
}

#[test]
fn bad_scenario_messages() {
    let mut files: Vec<_> = std::fs::read_dir("tests/fixtures/bad")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    assert!(files.len() >= 15);
    let mut all = String::new();
    for f in files {
        let f = f.to_string_lossy().into_owned();
        let (text, code) = stdout_of(&["run", &f]);
        assert_eq!(code, 1, "{f} should be rejected");
        assert!(text.contains("[error]"), "{f}: {text}");
        all.push_str(&format!("==> {f}\n{text}\n"));
    }
    insta::assert_snapshot!("bad_scenarios", all);
}

#[test]
fn out_writes_file_and_refuses_inputs() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report.json");
    coinflip()
        .args([
            "run",
            "scenarios/greedy.toml",
            "--format",
            "json",
            "--quiet",
            "--out",
        ])
        .arg(&out)
        .assert()
        .code(0)
        .stdout("");
    let written = std::fs::read_to_string(&out).unwrap();
    let (stdout, _) = stdout_of(&["run", "scenarios/greedy.toml", "--format", "json"]);
    assert_eq!(written, stdout);
    coinflip()
        .args([
            "run",
            "scenarios/greedy.toml",
            "--out",
            "scenarios/greedy.toml",
        ])
        .assert()
        .code(2);
    assert!(
        std::fs::read_to_string("scenarios/greedy.toml")
            .unwrap()
            .contains("[corpus]")
    );
}

#[test]
fn score_report() {
    let (text, code) = stdout_of(&[
        "score",
        "scenarios/greedy.toml",
        "--text",
        "the sky is blue and the dragon",
        "--eos",
    ]);
    assert_eq!(code, 0);
    insta::assert_snapshot!("score_text", text);
    let (json, _) = stdout_of(&[
        "score",
        "scenarios/prefix-from-document.toml",
        "--text",
        "the rain falls on the town .",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let tokens = v["tokens"].as_array().unwrap();
    assert_eq!(tokens.len(), 7);
    let sum: f64 = tokens.iter().map(|t| t["log10_p"].as_f64().unwrap()).sum();
    assert!((sum - v["log10_prob"].as_f64().unwrap()).abs() < 1e-12);
    let ppl = 10f64.powf(-sum / 7.0);
    assert!((ppl - v["perplexity"].as_f64().unwrap()).abs() < 1e-9 * ppl);
    insta::assert_snapshot!("score_json", json);
}

/// An empty text scores no token: both formats say the sum is 0 and the perplexity undefined
/// (JSON null), where a token of probability 0 makes it infinite (also null in JSON, `inf` in
/// text).
#[test]
fn score_of_an_empty_text_says_the_same_in_text_and_json() {
    let (text, code) = stdout_of(&["score", "scenarios/greedy.toml", "--text", ""]);
    assert_eq!(code, 0);
    assert!(
        text.ends_with("total log10 probability: 0.000000\nperplexity: undefined over 0 tokens\n"),
        "{text}"
    );
    let (json, code) = stdout_of(&[
        "score",
        "scenarios/greedy.toml",
        "--text",
        "",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["tokens"].as_array().unwrap().len(), 0);
    assert_eq!(v["log10_prob"].as_f64(), Some(0.0));
    assert!(v["perplexity"].is_null());
    // A token of probability 0 (MLE never saw it): −inf and inf, null and null.
    let (text, _) = stdout_of(&["score", "scenarios/greedy.toml", "--text", "dragon"]);
    assert!(
        text.ends_with("total log10 probability: -inf\nperplexity: inf over 1 token\nnote: never seen in training (scored as <unk>): \"dragon\"\n"),
        "{text}"
    );
    // With --eos the empty text scores </s> (here p = 0: no document of this corpus is empty).
    let (json, _) = stdout_of(&[
        "score",
        "scenarios/greedy.toml",
        "--text",
        "",
        "--eos",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["tokens"].as_array().unwrap().len(), 1);
    assert!(
        v["log10_prob"].is_null() && v["perplexity"].is_null(),
        "{json}"
    );
}

#[test]
fn trace_replays_the_reported_sample() {
    let (text, code) = stdout_of(&[
        "trace",
        "scenarios/word-trigram.toml",
        "--sample",
        "3",
        "--top",
        "4",
    ]);
    assert_eq!(code, 0);
    insta::assert_snapshot!("trace_text", text);
    // The traced text is the text the run reported for sample 3.
    let (json, _) = stdout_of(&["run", "scenarios/word-trigram.toml", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let reported = v["scenarios"][0]["samples"][3]["text"].as_str().unwrap();
    assert!(text.contains(&format!("text: {reported}\n")), "{text}");
    coinflip()
        .args(["trace", "scenarios/word-trigram.toml", "--sample", "99"])
        .assert()
        .code(2);
}

#[test]
fn partitions_split_the_suite_exactly() {
    let (all, _) = stdout_of(&["list"]);
    let mut union: Vec<String> = Vec::new();
    for k in 1..=3 {
        let (part, code) = stdout_of(&["list", "--partition", &format!("{k}/3")]);
        assert_eq!(code, 0);
        union.extend(
            part.lines()
                .map(|l| l.split("  [shard").next().unwrap().to_string()),
        );
    }
    union.sort();
    let mut all: Vec<String> = all.lines().map(|l| l.to_string()).collect();
    all.sort();
    assert_eq!(union, all, "every scenario in exactly one shard");
    // A sharded run reports exactly its shard's scenarios.
    let (json, _) = stdout_of(&["run", "--partition", "hash:2/2", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let (listed, _) = stdout_of(&["list", "--partition", "2/2"]);
    assert_eq!(
        v["scenarios"].as_array().unwrap().len(),
        listed.lines().count()
    );
    coinflip()
        .args(["run", "--partition", "3/2"])
        .assert()
        .code(2);
    coinflip()
        .args(["run", "--partition", "0/2"])
        .assert()
        .code(2);
}

#[test]
fn markdown_and_junit_reports() {
    let (md, code) = stdout_of(&["run", "tests/fixtures/mixed", "--format", "markdown"]);
    assert_eq!(code, 1);
    insta::assert_snapshot!("mixed_markdown", md);
    let (xml, _) = stdout_of(&["run", "tests/fixtures/mixed", "--format", "junit"]);
    let parsed = quick_junit::Report::deserialize_from_str(&xml).unwrap();
    assert_eq!(parsed.test_suites.len(), 4);
    assert_eq!(parsed.failures, 1);
    assert_eq!(parsed.errors, 2);
    insta::assert_snapshot!("mixed_junit", xml);
}

#[test]
fn several_formats_into_a_folder() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("reports");
    coinflip()
        .args([
            "run",
            "scenarios/",
            "--format",
            "json,junit,markdown,text",
            "--out",
        ])
        .arg(&out)
        .assert()
        .code(0);
    for f in ["report.json", "junit.xml", "report.md", "report.txt"] {
        assert!(out.join(f).is_file(), "{f} missing");
    }
    let (text, _) = stdout_of(&["run", "scenarios/"]);
    assert_eq!(
        std::fs::read_to_string(out.join("report.txt")).unwrap(),
        text
    );
    coinflip()
        .args(["run", "scenarios/", "--format", "json,junit"])
        .assert()
        .code(2);
}

#[test]
fn completions_and_man_page() {
    let (bash, code) = stdout_of(&["completions", "bash"]);
    assert_eq!(code, 0);
    assert!(bash.contains("coinflip"));
    let (man, code) = stdout_of(&["man"]);
    assert_eq!(code, 0);
    assert!(man.contains(".TH coinflip"));
}

#[test]
fn no_color_when_not_a_terminal() {
    let (text, _) = stdout_of(&["run", "scenarios/greedy.toml"]);
    assert!(!text.contains('\x1b'));
}

/// Training is refused before counting when its memory estimate is above the limit; the message
/// gives the estimate and the variable, and raising the variable to the figure it names lets the
/// same scenario run.
#[test]
fn training_memory_is_refused_up_front() {
    let out = coinflip()
        .args(["run", "scenarios/word-trigram.toml"])
        .env("COINFLIP_MAX_TRAINING_BYTES", "1000")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    let at = "set the environment variable COINFLIP_MAX_TRAINING_BYTES to at least ";
    let line = text
        .lines()
        .find(|l| l.contains(at))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(
        line.contains(": `model.order`: order 3 on ")
            && line.contains(" corpus tokens needs about ")
            && line.contains(" bytes a token, when every n-gram is new")
            && line.contains("more than the limit of 1000 bytes of memory for training"),
        "{line}"
    );
    let needed = &line[line.find(at).unwrap() + at.len()..];
    assert!(needed.chars().all(|c| c.is_ascii_digit()), "{needed}");
    coinflip()
        .args(["run", "scenarios/word-trigram.toml"])
        .env("COINFLIP_MAX_TRAINING_BYTES", needed)
        .assert()
        .code(0);
    let below = (needed.parse::<u64>().unwrap() - 1).to_string();
    coinflip()
        .args(["run", "scenarios/word-trigram.toml"])
        .env("COINFLIP_MAX_TRAINING_BYTES", below)
        .assert()
        .code(1);
}

#[cfg(unix)]
#[test]
fn linked_folders_are_not_followed() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy("scenarios/greedy.toml", dir.path().join("greedy.toml")).unwrap();
    std::fs::create_dir(dir.path().join("corpora")).unwrap();
    std::fs::copy(
        "scenarios/corpora/weather.txt",
        dir.path().join("corpora/weather.txt"),
    )
    .unwrap();
    std::os::unix::fs::symlink(dir.path(), dir.path().join("loop")).unwrap();
    let out = coinflip().arg("run").arg(dir.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.ends_with("coinflip: 1 passed, 0 failed\n"), "{text}");
}

#[test]
fn fallback_discounts_are_noted() {
    // Six tokens: too few to estimate order 2's discounts, so lmplz's fallback applies and the
    // report says so (docs/scenarios.md); the note was once built and then dropped.
    let file = "tests/fixtures/notes/fallback-discounts.toml";
    let note = "too little text to estimate the discounts of order(s) 2: lmplz's fallback \
                discounts 0.5, 1, 1.5 are used (as --discount_fallback)";
    let (json, code) = stdout_of(&["run", file, "--format", "json"]);
    assert_eq!(code, 0, "{json}");
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let scenario = &v["scenarios"][0];
    assert_eq!(scenario["notes"], serde_json::json!([note]));
    assert_eq!(
        scenario["model"]["discounts"][1],
        serde_json::json!([0.5, 1.0, 1.5])
    );
    let (text, code) = stdout_of(&["run", file]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains(&format!("\n  note: {note}\n")), "{text}");
}

/// An ARPA model whose probabilities do not sum to 1 runs with a note that names the farthest
/// context, in every report format; a KenLM model gets none.
#[test]
fn arpa_sums_are_checked_on_load_and_noted_in_every_format() {
    let note = "the ARPA model's probabilities do not sum to 1 (within 1e-4) in 1 of its 13 \
                contexts; the farthest, context \"<s>\", sums to 1.419643";
    for format in ["text", "json", "markdown", "html"] {
        let (out, code) = stdout_of(&[
            "run",
            "tests/fixtures/notes/arpa-sums-off.toml",
            "--format",
            format,
        ]);
        assert_eq!(code, 0, "{format}");
        let shown = out
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("\\\"", "\"")
            .replace("\\<", "<")
            .replace("\\>", ">");
        assert!(shown.contains(note), "{format}: {out}");
    }
    let (out, _) = stdout_of(&["run", "scenarios/kenlm-arpa.toml"]);
    assert!(!out.contains("do not sum to 1"), "{out}");
}
