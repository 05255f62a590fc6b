//! End-to-end tests of `coinflip flip` (the chapter's biased coin) and of `coinflip trace` on a
//! `[distribution]` scenario: the flips follow the coin (a chi-square test of 100,000 flips with
//! statrs, independent of coinflip's own statistics), every flip's token is the one whose
//! interval holds its `u`, the seed decides the flips, the coin of a model scenario is the
//! distribution `run`'s chi-square check tests, `trace` replays exactly the check's draws, the
//! HTML page is well-formed and self-contained, and the page's JavaScript ChaCha20 gives the
//! streams of rand_chacha.

use assert_cmd::Command;
use quick_xml::events::Event;
use serde_json::Value;
use statrs::distribution::{ChiSquared, ContinuousCDF};

const DEMO: &str = "scenarios/viewing-a-single.toml";
const MODEL: &str = "scenarios/chi-square-model.toml";

fn coinflip() -> Command {
    Command::cargo_bin("coinflip").unwrap()
}

fn run(args: &[&str]) -> (String, String, i32) {
    let out = coinflip().args(args).output().unwrap();
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
        out.status.code().unwrap_or(-1),
    )
}

fn json(args: &[&str]) -> Value {
    let (out, err, code) = run(args);
    assert_eq!(code, 0, "{args:?}: {err}");
    serde_json::from_str(&out).unwrap()
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap()
}

/// Every flip lies in its candidate's interval, the intervals tile [0, 1) in draw order, and the
/// tally counts the flips.
fn check_flips(v: &Value) {
    let cands = v["candidates"].as_array().unwrap();
    assert_eq!(f(&cands[0]["interval"][0]), 0.0);
    assert_eq!(f(&cands.last().unwrap()["interval"][1]), 1.0);
    for w in cands.windows(2) {
        assert_eq!(
            w[0]["interval"][1], w[1]["interval"][0],
            "intervals tile [0, 1)"
        );
    }
    let mut counts = vec![0u64; cands.len()];
    for flip in v["flips"].as_array().unwrap() {
        let u = f(&flip["u"]);
        let holding: Vec<usize> = (0..cands.len())
            .filter(|&j| {
                let iv = &cands[j]["interval"];
                f(&iv[0]) <= u && u < f(&iv[1])
            })
            .collect();
        assert_eq!(holding.len(), 1, "u = {u} is in exactly one interval");
        let c = &cands[holding[0]];
        assert_eq!(flip["id"], c["id"], "flip {}: u = {u}", flip["index"]);
        assert_eq!(flip["token"], c["token"]);
        assert_eq!(flip["interval"], c["interval"]);
        counts[holding[0]] += 1;
    }
    let tally: Vec<u64> = v["tally"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["observed"].as_u64().unwrap())
        .collect();
    assert_eq!(tally, counts);
}

#[test]
fn a_hundred_thousand_flips_follow_the_coin() {
    let v = json(&["flip", DEMO, "--count", "100000", "--format", "json"]);
    assert_eq!(v["count"], 100000);
    assert_eq!(v["flips"].as_array().unwrap().len(), 100000);
    check_flips(&v);
    // Pearson's statistic of the tally against the scenario's probabilities, and its p-value from
    // statrs' chi-squared distribution (df = 7 tokens - 1).
    let probs = [0.32, 0.21, 0.14, 0.11, 0.09, 0.07, 0.06];
    let tally = v["tally"].as_array().unwrap();
    let stat: f64 = tally
        .iter()
        .zip(probs)
        .map(|(t, p)| {
            assert_eq!(f(&t["expected_p"]), p);
            let e = 100000.0 * p;
            let o = t["observed"].as_u64().unwrap() as f64;
            (o - e) * (o - e) / e
        })
        .sum();
    let p_value = 1.0 - ChiSquared::new(6.0).unwrap().cdf(stat);
    assert!(p_value > 0.01, "X² = {stat}, p = {p_value}");
    // coinflip's own verdict says the same.
    let cs = &v["chi_square"];
    assert_eq!(cs["verdict"], "tested");
    assert_eq!(cs["df"], 6);
    assert!((f(&cs["statistic"]) - stat).abs() < 1e-9 * stat.max(1.0));
    assert!((f(&cs["p_value"]) - p_value).abs() < 1e-9);
}

#[test]
fn the_seed_decides_the_flips() {
    let a = json(&["flip", DEMO, "--count", "50", "--format", "json"]);
    let b = json(&["flip", DEMO, "--count", "50", "--format", "json"]);
    assert_eq!(a, b);
    assert_eq!(a["seed"], 7, "the scenario's seed by default");
    let seeded = json(&[
        "flip", DEMO, "--count", "50", "--seed", "7", "--format", "json",
    ]);
    assert_eq!(a["flips"], seeded["flips"]);
    let other = json(&[
        "flip", DEMO, "--count", "50", "--seed", "8", "--format", "json",
    ]);
    assert_ne!(a["flips"], other["flips"]);
    // Flip k does not depend on how many flips are asked for.
    let ten = json(&["flip", DEMO, "--format", "json"]);
    assert_eq!(ten["count"], 10, "the default count");
    assert_eq!(
        ten["flips"].as_array().unwrap()[..],
        a["flips"].as_array().unwrap()[..10]
    );
}

#[test]
fn flips_have_their_own_stream() {
    let flip = json(&["flip", DEMO, "--format", "json"]);
    assert_eq!(
        (flip["domain"].clone(), flip["index"].clone()),
        (4.into(), 0.into())
    );
    // The chi-square check's draws (domain 1) are others.
    let trace = json(&["trace", DEMO, "--format", "json"]);
    assert_eq!(trace["domain"], 1);
    assert_ne!(flip["flips"], trace["flips"]);
}

#[test]
fn json_shape() {
    let v = json(&["flip", DEMO, "--count", "3", "--format", "json"]);
    for key in [
        "scenario",
        "file",
        "context",
        "seed",
        "domain",
        "index",
        "count",
        "sampling",
        "candidates",
        "flips",
        "tally",
        "chi_square",
        "notes",
    ] {
        assert!(v.get(key).is_some(), "missing {key}");
    }
    assert_eq!(v["context"], "Viewing a single");
    let c = &v["candidates"][2];
    assert_eq!(
        c.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["id", "interval", "p", "token"]
    );
    assert_eq!(
        (c["id"].clone(), c["token"].clone()),
        (2.into(), "article".into())
    );
    let flip = &v["flips"][0];
    assert_eq!(
        flip.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["id", "index", "interval", "token", "u"]
    );
    assert_eq!(flip["index"], 1, "flips count from 1");
    let t = &v["tally"][0];
    assert_eq!(
        t.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["expected_p", "id", "observed", "token"]
    );
    // Three flips: too few for a test, and the JSON says how many it would take.
    assert_eq!(v["chi_square"]["verdict"], "too_few");
    assert_eq!(v["chi_square"]["needed"], 16);
    assert_eq!(v["chi_square"]["needed_unpooled"], 84);
}

#[test]
fn text_output_of_the_demo() {
    let (text, _, code) = run(&["flip", DEMO]);
    assert_eq!(code, 0);
    assert!(!text.contains("df = 0"));
    insta::assert_snapshot!("flip_demo_text", text);
}

#[test]
fn enough_flips_get_a_chi_square_sentence() {
    let (text, _, _) = run(&["flip", DEMO, "--count", "1000"]);
    assert!(
        text.contains("Chi-square test against the coin (Pearson): X² = "),
        "{text}"
    );
    assert!(text.contains("df = 6"));
    // The text lists 100 flips and says where the rest are.
    assert!(text.contains("  … flip 101 to 1000 not listed (--format json lists every one)"));
    assert!(!text.contains("\n   101  "));
}

/// The coin of a model scenario after a context is the distribution `run`'s chi-square check
/// tests after that context (temperature 0.7 applied), token for token.
#[test]
fn a_model_coin_is_the_distribution_the_sampler_uses() {
    let v = json(&[
        "flip",
        MODEL,
        "--context",
        "the model",
        "--count",
        "2000",
        "--format",
        "json",
    ]);
    check_flips(&v);
    assert_eq!(v["context"], "the model");
    let report = json(&["run", MODEL, "--format", "json"]);
    let check = report["scenarios"][0]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["context"] == "the model")
        .unwrap()
        .clone();
    let mut compared = 0;
    for bin in check["bins"].as_array().unwrap() {
        if bin["kind"] != "single" {
            continue;
        }
        let cand = v["candidates"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["token"] == bin["label"])
            .unwrap_or_else(|| panic!("{} not on the coin", bin["label"]));
        assert!((f(&cand["p"]) - f(&bin["expected_p"])).abs() < 1e-12);
        compared += 1;
    }
    assert!(compared >= 2, "compared {compared} tokens");
    // Without --context: the scenario's prefix.
    let prefix = json(&["flip", MODEL, "--count", "0", "--format", "json"]);
    assert_eq!(prefix["context"], "The coin");
    assert_eq!(prefix["chi_square"]["verdict"], "no_flips");
}

/// `trace` on the demo replays the chi-square check's draws: its first 10,000 draws tally to the
/// counts `run` reports.
#[test]
fn trace_replays_the_chi_square_draws() {
    let t = json(&["trace", DEMO, "--draws", "10000", "--format", "json"]);
    check_flips(&t);
    let report = json(&["run", DEMO, "--format", "json"]);
    let bins = report["scenarios"][0]["checks"][0]["bins"]
        .as_array()
        .unwrap();
    for (bin, tally) in bins.iter().zip(t["tally"].as_array().unwrap()) {
        assert_eq!(bin["label"], tally["token"]);
        assert_eq!(bin["observed"], tally["observed"]);
    }
    let (text, _, code) = run(&["trace", DEMO, "--draws", "3"]);
    assert_eq!(code, 0);
    assert!(
        text.starts_with(
            "chi-square draws of viewing-a-single: the coin after “Viewing a single”\n"
        )
    );
    assert!(
        text.contains(
            "the first 3 of the check's 10000 draws (seed 7; stream: domain 1, index 0):"
        )
    );
}

#[test]
fn usage_errors() {
    let (_, err, code) = run(&["flip", DEMO, "--context", "Viewing a"]);
    assert_eq!(code, 2);
    assert!(err.contains("--context is for model scenarios"), "{err}");
    let (_, err, code) = run(&["flip", "no/such.toml"]);
    assert_eq!(code, 2);
    assert!(err.contains("no such file"), "{err}");
    let (_, _, code) = run(&["flip", DEMO, "--count", "10000001"]);
    assert_eq!(code, 2);
    let (_, _, code) = run(&["flip", DEMO, "--format", "csv"]);
    assert_eq!(code, 2);
}

/// Parses the page as XML (a well-formed page: every element closed, attributes quoted, only XML's
/// entities) and returns the text of its scripts.
fn well_formed(html: &str) -> Vec<String> {
    let mut reader = quick_xml::Reader::from_str(html);
    reader.config_mut().check_end_names = true;
    let mut scripts = Vec::new();
    let mut in_script = false;
    let mut depth = 0i32;
    loop {
        let pos = reader.buffer_position();
        match reader
            .read_event()
            .unwrap_or_else(|e| panic!("not well formed at byte {pos}: {e}"))
        {
            Event::Start(e) => {
                depth += 1;
                in_script = e.name().as_ref() == b"script";
                if in_script {
                    scripts.push(String::new());
                }
            }
            Event::End(_) => {
                depth -= 1;
                in_script = false;
            }
            Event::Text(t) if in_script => {
                scripts.last_mut().unwrap().push_str(&t.decode().unwrap())
            }
            Event::CData(c) if in_script => {
                scripts.last_mut().unwrap().push_str(&c.decode().unwrap())
            }
            Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(depth, 0, "every element is closed");
    scripts
}

#[test]
fn the_page_is_well_formed_and_self_contained() {
    for args in [
        vec!["flip", DEMO, "--format", "html"],
        vec![
            "flip",
            MODEL,
            "--context",
            "A fair coin shows",
            "--format",
            "html",
        ],
    ] {
        let (html, _, code) = run(&args);
        assert_eq!(code, 0);
        let scripts = well_formed(&html);
        assert_eq!(scripts.len(), 2, "the data and the script");
        let lower = html.to_lowercase();
        for needle in [
            "http:", "https:", " src=", " href=", "<link", "<img", "url(", "@import",
        ] {
            assert!(!lower.contains(needle), "{args:?}: the page has {needle:?}");
        }
        // The data the script reads is the coin the JSON has.
        let data: Value = serde_json::from_str(&scripts[0]).unwrap();
        let mut json_args = args.clone();
        *json_args.last_mut().unwrap() = "json";
        let v = json(&json_args);
        let want: Vec<f64> = v["candidates"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| f(&c["p"]))
            .collect();
        let got: Vec<f64> = data["weights"].as_array().unwrap().iter().map(f).collect();
        assert_eq!(got, want);
        assert_eq!(data["seed"], v["seed"].to_string());
        assert_eq!(data["domain"], 4);
        // The page lists the flips the command line made, in the DOM's data attributes.
        for flip in v["flips"].as_array().unwrap() {
            let row = format!(
                "<tr data-index=\"{}\" data-u=\"{}\" data-id=\"{}\"",
                flip["index"], flip["u"], flip["id"]
            );
            assert!(html.contains(&row), "missing {row}");
        }
        assert!(html.contains("<button id=\"flip-1\" type=\"button\">Flip</button>"));
    }
}

/// The page's ChaCha20 (`flip.js`, run by Node when it is installed) gives the same 64-bit
/// outputs as rand_chacha for several seeds, domains and indices, across block boundaries.
#[test]
fn the_pages_chacha20_is_rand_chachas() {
    use rand_core::Rng;
    if std::process::Command::new("node")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!(
            "SKIPPED: node is not installed (tests/html/flip_check.sh checks the page in Chromium)"
        );
        return;
    }
    let cases: [(u64, coinflip::sample::Domain, u64); 4] = [
        (0, coinflip::sample::Domain::Generate, 0),
        (7, coinflip::sample::Domain::Flip, 0),
        (u64::MAX - 58, coinflip::sample::Domain::Flip, 0),
        (42, coinflip::sample::Domain::ChiSquare, 3),
    ];
    for (seed, domain, index) in cases {
        let mut r = coinflip::sample::stream(seed, domain, index);
        let want: Vec<String> = (0..70).map(|_| r.next_u64().to_string()).collect();
        let script = format!(
            "const f = require('./src/report/flip/flip.js'); \
             console.log(JSON.stringify(f.u64s('{seed}', {}, {index}, 70)));",
            domain as u8
        );
        let out = std::process::Command::new("node")
            .args(["-e", &script])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let got: Vec<String> = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(
            got, want,
            "seed {seed}, domain {}, index {index}",
            domain as u8
        );
    }
}
