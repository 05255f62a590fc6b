//! Remix statistics in reports and checks, end to end.

mod common;

use common::stdout_of;

fn json(args: &[&str]) -> (serde_json::Value, i32) {
    let (out, code) = stdout_of(args);
    (serde_json::from_str(&out).unwrap(), code)
}

#[test]
fn an_mle_trigram_only_produces_seen_trigrams() {
    let (v, code) = json(&["run", "scenarios/remix.toml", "--format", "json"]);
    assert_eq!(code, 0);
    let s = &v["scenarios"][0];
    for sample in s["samples"].as_array().unwrap() {
        let r = &sample["remix"];
        for n in ["1", "2", "3"] {
            assert_eq!(r["novel_ngram_rate"][n], 0.0, "{n}-grams of {sample}");
        }
        let profile = r["longest_match"].as_array().unwrap();
        assert_eq!(profile.len(), sample["tokens"].as_array().unwrap().len());
        // every generated token continues a seen trigram, so the profile is at least 3 once the
        // prefix ("The coin", 2 tokens) is behind
        assert!(profile.iter().all(|x| x.as_u64().unwrap() >= 3));
        let mv = &r["max_verbatim"];
        assert_eq!(
            mv["length"].as_u64().unwrap(),
            profile.iter().map(|x| x.as_u64().unwrap()).max().unwrap()
        );
        assert!(mv["document"].is_u64() && mv["offset"].is_u64());
    }
    let summary = &s["remix_summary"];
    assert_eq!(summary["samples"], 8);
    assert!(summary["novel_ngram_rate"]["8"]["mean"].as_f64().unwrap() > 0.5);
    // keys come in ascending n, as numbers written as strings
    let keys: Vec<&String> = summary["novel_ngram_rate"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    assert_eq!(keys.len(), 7);
}

#[test]
fn divergence_step_names_both_tokens() {
    let (v, code) = json(&[
        "run",
        "scenarios/prefix-from-document.toml",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0);
    for sample in v["scenarios"][0]["samples"].as_array().unwrap() {
        let d = &sample["remix"]["divergence_step"];
        let step = d["step"].as_u64().unwrap() as usize;
        let tokens = sample["tokens"].as_array().unwrap();
        if d["sampled_token"].is_null() {
            assert_eq!(step, tokens.len());
            continue;
        }
        assert_eq!(d["sampled_token"]["id"], tokens[step]);
        assert_ne!(d["sampled_token"]["id"], d["expected_token"]["id"]);
        let p = d["expected_token"]["p"].as_f64().unwrap();
        assert!(p > 0.0 && p <= 1.0);
    }
}

#[test]
fn thresholds_report_the_worst_sample() {
    let (v, code) = json(&[
        "run",
        "tests/fixtures/remix/too-strict.toml",
        "--format",
        "json",
    ]);
    assert_eq!(code, 1);
    let checks = v["scenarios"][0]["checks"].as_array().unwrap();
    let by_name = |n: &str| checks.iter().find(|c| c["name"] == n).unwrap();
    let verbatim = by_name("max_verbatim_tokens");
    assert_eq!(verbatim["status"], "fail");
    assert_eq!(verbatim["worst_sample"], 7);
    assert_eq!(verbatim["worst_value"], 14.0);
    assert_eq!(by_name("min_novel.4")["status"], "fail");
    // min_divergence_step needs prefix_from: an error, not a silent pass
    assert_eq!(by_name("min_divergence_step")["status"], "error");
}
