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

/// The words of a command line as a shell splits it: at white space, except inside double quotes
/// (which are removed), so `--context "The coin"` is two arguments.
fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut quoted = false;
    for c in line.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                word.get_or_insert_with(String::new);
            }
            c if c.is_whitespace() && !quoted => words.extend(word.take()),
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    assert!(!quoted, "unbalanced quotes in {line:?}");
    words.extend(word);
    words
}

/// Whether `got` is what a session block shows: `want`'s lines, where a line `...` stands for
/// any number of lines of output — at the end, the rest of the output (the block shows only its
/// start); in the middle, the lines up to the next ones shown, which must follow in order. The
/// lines after the last `...` (if any) end the output.
fn shows(got: &[&str], want: &[&str]) -> bool {
    let segments: Vec<&[&str]> = want.split(|l| *l == "...").collect();
    let (first, rest) = segments.split_first().expect("split gives a segment");
    if rest.is_empty() {
        return got == *first;
    }
    if !got.starts_with(first) {
        return false;
    }
    let mut at = first.len();
    for (i, seg) in rest.iter().enumerate() {
        if i + 1 == rest.len() {
            return got.len() >= at + seg.len() && got.ends_with(seg);
        }
        if seg.is_empty() {
            continue;
        }
        match got[at..].windows(seg.len()).position(|w| w == *seg) {
            Some(p) => at += p + seg.len(),
            None => return false,
        }
    }
    unreachable!("the last segment returns")
}

#[test]
fn session_blocks_match_with_elisions() {
    let got = ["a", "b", "c", "d", "e"];
    assert!(shows(&got, &["a", "b", "c", "d", "e"]));
    assert!(!shows(&got, &["a", "b"]), "without `...`, the whole output");
    assert!(shows(&got, &["a", "b", "..."]));
    assert!(
        !shows(&got, &["b", "..."]),
        "the first lines start the output"
    );
    assert!(shows(&got, &["a", "...", "d", "e"]));
    assert!(
        !shows(&got, &["a", "...", "c", "d"]),
        "the last lines end the output"
    );
    assert!(shows(&got, &["a", "...", "c", "...", "e"]));
    assert!(
        !shows(&got, &["a", "...", "d", "...", "c", "..."]),
        "in order"
    );
    assert_eq!(
        shell_words(r#"flip x.toml --context "The coin" --count 5"#),
        ["flip", "x.toml", "--context", "The coin", "--count", "5"]
    );
}

/// Fenced blocks (```text or ```console) whose first line is `$ coinflip ARGS` are sessions: the
/// command is run and its output must be the rest of the block. A line `...` stands for lines not
/// shown: at the end of the block, the rest of the output; in the middle, the lines up to the
/// ones after it ([`shows`]). Arguments are split as a shell does (double quotes group words).
/// `cargo run --release --` stands for the binary too.
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
            let args = shell_words(cmd);
            let out = common::coinflip().args(&args).output().unwrap();
            let got = String::from_utf8(out.stdout).unwrap();
            let got: Vec<&str> = got.lines().collect();
            assert!(
                shows(&got, &block[1..]),
                "{}: the session `{first}` no longer prints what the doc shows; it prints:\n{}",
                path.display(),
                got.join("\n")
            );
        }
    }
    assert!(
        sessions >= 2,
        "expected console sessions in the docs, found {sessions}"
    );
}
