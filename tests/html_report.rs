//! The HTML report (`--format html`): an insta snapshot of a small batch (reviewed by reading it),
//! well-formedness checked with an XML parser (every element closed, attributes well formed, only
//! the five escapes), texts full of markup shown as text, charts counted against the report, and
//! the per-token texts the page shades checked against the sample texts.
//! tests/html/check.sh renders the bundled scenarios' page in headless Chromium (run by .ci/run).

mod common;

use std::collections::BTreeSet;
use std::path::PathBuf;

use quick_xml::events::Event;

use common::{coinflip, stdout_of as run};

/// What the XML parser saw: element names in order with their class, every id, every entity.
struct Parsed {
    elements: Vec<(String, String)>,
    ids: Vec<String>,
    texts: String,
}

/// Parses the page as XML: fails on an unclosed or mismatched element, a malformed attribute, a
/// duplicate attribute, or an entity other than the five XML ones and numeric references.
fn parse(html: &str) -> Parsed {
    let mut reader = quick_xml::Reader::from_str(html);
    reader.config_mut().check_end_names = true;
    reader.config_mut().check_comments = true;
    let mut stack: Vec<String> = Vec::new();
    let mut parsed = Parsed {
        elements: Vec::new(),
        ids: Vec::new(),
        texts: String::new(),
    };
    let mut doctype = false;
    loop {
        let pos = reader.buffer_position();
        let event = reader
            .read_event()
            .unwrap_or_else(|e| panic!("not well formed at byte {pos}: {e}"));
        match event {
            Event::DocType(d) => {
                assert_eq!(d.decode().unwrap().trim(), "html");
                doctype = true;
            }
            Event::Start(e) => {
                let name = element(&e, &mut parsed);
                stack.push(name);
            }
            Event::Empty(e) => {
                element(&e, &mut parsed);
            }
            Event::End(e) => {
                let name = String::from_utf8(e.name().as_ref().to_vec()).unwrap();
                assert_eq!(stack.pop().as_deref(), Some(name.as_str()));
            }
            Event::Text(t) => parsed.texts.push_str(&t.decode().unwrap()),
            Event::GeneralRef(r) => {
                let name = String::from_utf8(r.to_vec()).unwrap();
                let known =
                    ["amp", "lt", "gt", "quot"].contains(&name.as_str()) || name.starts_with('#');
                assert!(known, "entity &{name}; is not an XML entity");
                parsed.texts.push_str(match name.as_str() {
                    "amp" => "&",
                    "lt" => "<",
                    "gt" => ">",
                    "quot" => "\"",
                    "#39" => "'",
                    _ => "?",
                });
            }
            Event::Eof => break,
            Event::CData(_) | Event::PI(_) | Event::Decl(_) => panic!("unexpected XML construct"),
            Event::Comment(_) => {}
        }
    }
    assert!(stack.is_empty(), "unclosed elements at the end: {stack:?}");
    assert!(doctype, "no <!DOCTYPE html>");
    parsed
}

/// Records an element's name, class and id; fails on a malformed or duplicate attribute.
fn element(e: &quick_xml::events::BytesStart, parsed: &mut Parsed) -> String {
    let name = String::from_utf8(e.name().as_ref().to_vec()).unwrap();
    let mut class = String::new();
    for a in e.attributes().with_checks(true) {
        let a = a.unwrap_or_else(|err| panic!("bad attribute in <{name}>: {err}"));
        let value = a
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .unwrap()
            .into_owned();
        match a.key.as_ref() {
            b"id" => parsed.ids.push(value),
            b"class" => class = value,
            _ => {}
        }
    }
    parsed.elements.push((name.clone(), class));
    name
}

fn count(p: &Parsed, name: &str, class: &str) -> usize {
    p.elements
        .iter()
        .filter(|(n, c)| n == name && c.split(' ').any(|x| x == class))
        .count()
}

/// The structure every page has, whatever the batch.
fn check_structure(html: &str, json: &serde_json::Value) -> Parsed {
    let p = parse(html);
    let ids: BTreeSet<&String> = p.ids.iter().collect();
    assert_eq!(ids.len(), p.ids.len(), "duplicate ids");
    let scenarios = json["scenarios"].as_array().unwrap();
    let chi = scenarios
        .iter()
        .flat_map(|s| s["checks"].as_array().unwrap())
        .filter(|c| c["kind"] == "chi_square")
        .count();
    let profiles = scenarios
        .iter()
        .flat_map(|s| s["samples"].as_array().unwrap())
        .filter(|s| {
            s["remix"]["longest_match"]
                .as_array()
                .is_some_and(|p| !p.is_empty())
        })
        .count();
    assert_eq!(count(&p, "section", "scenario"), scenarios.len());
    assert_eq!(count(&p, "svg", "chi-square-chart"), chi);
    assert_eq!(count(&p, "svg", "profile-chart"), profiles);
    // No script, no external anything.
    for (name, _) in &p.elements {
        assert!(
            !["script", "link", "img", "iframe", "object", "embed"].contains(&name.as_str()),
            "<{name}> in a self-contained page"
        );
    }
    assert!(!html.contains(" src=\"") && !html.contains("url("));
    p
}

#[test]
fn mixed_batch_snapshot() {
    let (html, code) = run(&[
        "run",
        "tests/fixtures/mixed",
        "scenarios/viewing-a-single.toml",
        "--format",
        "html",
    ]);
    assert_eq!(code, 1, "the mixed batch has a failure and errors");
    let (json, _) = run(&[
        "run",
        "tests/fixtures/mixed",
        "scenarios/viewing-a-single.toml",
        "--format",
        "json",
    ]);
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    let p = check_structure(&html, &json);
    // Every scenario's name and status appear; the rejected file's reason is shown.
    for s in json["scenarios"].as_array().unwrap() {
        assert!(p.texts.contains(s["name"].as_str().unwrap()));
    }
    assert!(
        p.texts.contains("order"),
        "the bad scenario's error is shown"
    );
    assert!(p.texts.contains("1 passed") || p.texts.contains("passed"));
    insta::assert_snapshot!("mixed_html", html);
}

#[test]
fn bundled_scenarios_are_well_formed_with_every_chart() {
    let (html, code) = run(&["run", "scenarios/", "--format", "html"]);
    assert_eq!(code, 0);
    let (json, _) = run(&["run", "scenarios/", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    let p = check_structure(&html, &json);
    assert!(count(&p, "svg", "chi-square-chart") >= 8);
    assert!(count(&p, "svg", "profile-chart") >= 30);
    // Each bin of each chi-square check is a group with an expected and an observed bar (up to
    // 40 groups per chart: the rest are summed into one).
    let bars: usize = json["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["checks"].as_array().unwrap())
        .filter(|c| c["kind"] == "chi_square")
        .map(|c| c["bins"].as_array().unwrap().len().min(40))
        .sum();
    let charts = json["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["checks"].as_array().unwrap())
        .filter(|c| c["kind"] == "chi_square")
        .count();
    assert_eq!(
        count(&p, "rect", "observed"),
        bars + charts,
        "one per group + legends"
    );
    assert_eq!(count(&p, "rect", "expected"), bars + charts);
}

#[test]
fn markup_in_names_tokens_and_texts_is_shown_as_text() {
    let file = "tests/fixtures/html/markup.toml";
    let (html, code) = run(&["run", file, "--format", "html"]);
    assert_eq!(code, 0);
    let (json, _) = run(&["run", file, "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    let p = check_structure(&html, &json);
    // The only elements are the page's own: no <script>, <b> or <tags> from the texts.
    let names: BTreeSet<&str> = p.elements.iter().map(|(n, _)| n.as_str()).collect();
    for n in ["script", "b", "tags"] {
        assert!(!names.contains(n), "<{n}> leaked into the markup");
    }
    // …and the texts read as written.
    let s = &json["scenarios"][0];
    assert!(p.texts.contains(s["name"].as_str().unwrap()));
    assert!(p.texts.contains(s["description"].as_str().unwrap()));
    assert!(p.texts.contains("<script>"));
    assert!(p.texts.contains("\"x\""));
    assert!(html.contains("&lt;b&gt;markup&lt;/b&gt; &amp; &quot;quotes&quot; &#39;n&#39;"));
}

/// Control characters, bidi controls and characters XML 1.0 forbids (tests/fixtures/report/
/// hostile.toml) are written out, so the page stays well-formed XML; the markup stays text.
#[test]
fn hostile_texts_keep_the_page_well_formed() {
    let file = "tests/fixtures/report/hostile.toml";
    let (html, code) = run(&["run", file, "--format", "html"]);
    assert_eq!(code, 1, "the fixture's second `contains` fails");
    let (json, _) = run(&["run", file, "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    // XML 1.0's Char production: tab, line breaks, U+0020–U+D7FF, U+E000–U+FFFD, U+10000 and up.
    let forbidden: Vec<char> = html
        .chars()
        .filter(|&c| {
            let c = c as u32;
            let allowed = c == 0x9
                || c == 0xA
                || c == 0xD
                || (0x20..=0xD7FF).contains(&c)
                || (0xE000..=0xFFFD).contains(&c)
                || c >= 0x10000;
            !allowed
        })
        .collect();
    assert!(forbidden.is_empty(), "{forbidden:?}");
    let p = check_structure(&html, &json);
    assert!(!p.elements.iter().any(|(n, _)| n == "img"), "<img> leaked");
    assert!(
        p.texts
            .contains("hostile \\u{1b}]0;pwned\\u{7} \u{202e}evil\u{202c} <img src=x")
    );
    assert!(p.texts.contains("\\u{1b}[31mred\\u{0}"));
}

#[test]
fn same_page_for_any_jobs_and_in_a_folder() {
    let (one, _) = run(&["run", "scenarios/", "--format", "html", "--jobs", "1"]);
    let (two, _) = run(&["run", "scenarios/", "--format", "html", "--jobs", "2"]);
    assert_eq!(one, two);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("reports");
    coinflip()
        .args(["run", "scenarios/", "--format", "junit,html", "--out"])
        .arg(&out)
        .assert()
        .code(0);
    assert_eq!(
        std::fs::read_to_string(out.join("report.html")).unwrap(),
        one
    );
    assert!(out.join("junit.xml").exists());
}

/// The per-token texts the page shades, concatenated, are the sample's continuation as the
/// report's `full_text` shows it (with the separator before the first token).
#[test]
fn token_texts_rebuild_the_sample_text() {
    let files: Vec<PathBuf> = coinflip::pipeline::discover::discover(&[
        PathBuf::from("scenarios"),
        PathBuf::from("tests/fixtures/html"),
    ])
    .unwrap();
    let opts = coinflip::pipeline::run::RunOptions {
        seed: None,
        filter: None,
        jobs: 1,
    };
    let report = coinflip::pipeline::run::run_files(&files, &opts, &|_| {});
    let mut checked = 0;
    for s in &report.scenarios {
        for smp in &s.samples {
            assert_eq!(smp.token_texts.len(), smp.tokens.len(), "{}", s.name);
            let joined: String = smp.token_texts.concat();
            assert!(
                smp.full_text.ends_with(&joined),
                "{} sample {}: {:?} does not end with {:?}",
                s.name,
                smp.index,
                smp.full_text,
                joined
            );
            // `text` starts at the first token, without the separator written before it.
            assert!(
                joined == smp.text || joined.strip_prefix(' ') == Some(smp.text.as_str()),
                "{} sample {}: {joined:?} against {:?}",
                s.name,
                smp.index,
                smp.text
            );
            checked += 1;
        }
    }
    assert!(checked >= 30, "{checked} samples checked");
}

#[test]
#[should_panic(expected = "not well formed")]
fn the_parser_rejects_a_mismatched_element() {
    parse("<!DOCTYPE html>\n<html><body><p><b>x</p></b></body></html>");
}

#[test]
#[should_panic(expected = "unclosed elements")]
fn the_parser_rejects_an_unclosed_element() {
    parse("<!DOCTYPE html>\n<html><body><p>x");
}

#[test]
#[should_panic(expected = "is not an XML entity")]
fn the_parser_rejects_an_html_only_entity() {
    parse("<!DOCTYPE html>\n<html><body><p>&nbsp;</p></body></html>");
}

#[test]
fn an_empty_batch_is_a_well_formed_page() {
    use coinflip::report::Exporter;
    let report = coinflip::results::BatchReport::new(Vec::new());
    let html = coinflip::report::html::HtmlExporter.render(&report);
    let p = parse(&html);
    assert!(
        p.texts
            .contains("0 passed, 0 failed, 0 errors (0 scenarios)")
    );
    assert_eq!(count(&p, "section", "scenario"), 0);
}
