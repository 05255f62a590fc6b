//! The examples in docs/ are real: every ```toml block that starts with `# scenario` parses as a
//! valid scenario, and the test vectors printed in docs/sampling.md are what the code draws.

mod common;

use coinflip::sample::{Domain, stream};
use rand_core::Rng;
use std::path::Path;

fn toml_blocks(markdown: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        match (&mut current, line.trim_start()) {
            (None, l) if l.starts_with("```toml") => current = Some(String::new()),
            (Some(_), l) if l.starts_with("```") => blocks.push(current.take().unwrap()),
            (Some(b), _) => {
                b.push_str(line);
                b.push('\n');
            }
            _ => {}
        }
    }
    blocks
}

#[test]
fn scenario_examples_in_docs_parse() {
    let mut n = 0;
    for doc in std::fs::read_dir("docs").unwrap() {
        let path = doc.unwrap().path();
        if path.extension().is_none_or(|e| e != "md") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        for block in toml_blocks(&text) {
            if !block.starts_with("# scenario") {
                continue;
            }
            n += 1;
            if let Err(e) = coinflip::scenario::parse(&block, &path, Path::new("docs"), "example") {
                panic!("{}: example does not parse: {:?}", path.display(), e);
            }
        }
    }
    assert!(n >= 2, "expected scenario examples in docs/, found {n}");
}

#[test]
fn sampling_doc_test_vectors_match_the_code() {
    let doc = std::fs::read_to_string("docs/sampling.md").unwrap();
    for (seed, index) in [(0u64, 0u64), (42, 1)] {
        let mut r = stream(seed, Domain::Generate, index);
        let xs: Vec<String> = (0..3).map(|_| r.next_u64().to_string()).collect();
        let row = format!("| {seed} | 0 | {index} | {} |", xs.join(", "));
        assert!(doc.contains(&row), "docs/sampling.md lacks the row {row}");
    }
}

/// Fenced blocks (```text or ```console) whose first line is `$ coinflip ARGS` are sessions: the
/// command is run and its output must be the rest of the block. A line `...` ends the comparison
/// (the block shows only the start of the output). `cargo run --release --` stands for the
/// binary too.
#[test]
fn console_sessions_in_docs_are_real() {
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir("docs")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        // errors.md shows excerpts of outputs; tests/errors_catalogue.rs checks it case by case.
        .filter(|p| !p.ends_with("errors.md"))
        .collect();
    files.push("README.md".into());
    let mut sessions = 0;
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let mut lines = text.lines();
        while let Some(line) = lines.next() {
            let fence = line.trim_start();
            if !(fence.starts_with("```text") || fence.starts_with("```console")) {
                continue;
            }
            let block: Vec<&str> = lines
                .by_ref()
                .take_while(|l| !l.starts_with("```"))
                .collect();
            let Some(first) = block.first() else { continue };
            let Some(cmd) = first
                .strip_prefix("$ coinflip ")
                .or_else(|| first.strip_prefix("$ cargo run --release -- "))
            else {
                continue;
            };
            sessions += 1;
            let args: Vec<&str> = cmd.split_whitespace().collect();
            let out = common::coinflip().args(&args).output().unwrap();
            let got = String::from_utf8(out.stdout).unwrap();
            let got: Vec<&str> = got.lines().collect();
            let want: Vec<&str> = block[1..]
                .iter()
                .take_while(|l| **l != "...")
                .copied()
                .collect();
            let truncated = want.len() < block.len() - 1;
            let compare = if truncated {
                &got[..want.len().min(got.len())]
            } else {
                &got[..]
            };
            assert_eq!(
                compare,
                &want[..],
                "{}: the session `{first}` no longer prints what the doc shows",
                path.display()
            );
        }
    }
    assert!(
        sessions >= 2,
        "expected console sessions in the docs, found {sessions}"
    );
}
