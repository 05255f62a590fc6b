//! The command lines in docs/ci.md and docs/reports.md are real: every `coinflip run` and
//! `coinflip list` in their code (blocks and inline) parses with coinflip's own command line, the
//! `$ coinflip …` console examples print what the docs show, and the `--out DIR` file-name table
//! matches the exporters.

mod common;

use clap::{Parser, ValueEnum};
use coinflip::cli::Cli;
use coinflip::report::Format;

const DOCS: [&str; 2] = ["docs/ci.md", "docs/reports.md"];

fn read(path: &str) -> String {
    std::fs::read_to_string(path).unwrap()
}

/// The code of a markdown page: fenced blocks and inline code spans, as (kind, text).
fn code(markdown: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut block: Option<(String, String)> = None;
    for line in markdown.lines() {
        let t = line.trim_start();
        match &mut block {
            None if t.starts_with("```") => {
                block = Some((t.trim_start_matches('`').to_string(), String::new()))
            }
            Some(_) if t.starts_with("```") => out.push(block.take().unwrap()),
            Some((_, text)) => {
                text.push_str(line);
                text.push('\n');
            }
            None => {
                for (i, span) in line.split('`').enumerate() {
                    if i % 2 == 1 {
                        out.push(("inline".to_string(), span.to_string()));
                    }
                }
            }
        }
    }
    out
}

/// Every `coinflip run …` / `coinflip list …` command in a piece of code, with CI variables
/// replaced by values they take.
fn commands(text: &str) -> Vec<Vec<String>> {
    let mut found = Vec::new();
    for line in text.lines() {
        let Some(at) = line
            .find("coinflip run ")
            .or_else(|| line.find("coinflip list "))
        else {
            continue;
        };
        let line = line[at..]
            .split(" #")
            .next()
            .unwrap()
            .replace("${{ matrix.shard }}", "2")
            .replace("$CI_NODE_INDEX", "2")
            .replace("$CI_NODE_TOTAL", "4")
            .replace("K/N", "1/2");
        found.push(line.split_whitespace().map(str::to_string).collect());
    }
    found
}

#[test]
fn documented_command_lines_parse() {
    let mut n = 0;
    for doc in DOCS {
        for (kind, text) in code(&read(doc)) {
            // Synopses (`[--format FORMAT]`, `run … --format …`) are not command lines.
            if kind == "text" {
                continue;
            }
            for args in commands(&text) {
                if args.iter().any(|a| a.starts_with('[') || a.contains('…')) {
                    continue;
                }
                if let Err(e) = Cli::try_parse_from(&args) {
                    panic!("{doc}: `{}` does not parse:\n{e}", args.join(" "));
                }
                n += 1;
            }
        }
    }
    assert!(n >= 5, "only {n} command lines found");
}

#[test]
fn console_examples_print_what_the_docs_show() {
    let mut n = 0;
    for doc in DOCS {
        for (kind, text) in code(&read(doc)) {
            if kind != "console" {
                continue;
            }
            let mut lines = text.lines().peekable();
            while let Some(line) = lines.next() {
                let Some(cmd) = line.strip_prefix("$ coinflip ") else {
                    continue;
                };
                let mut expected = String::new();
                while let Some(l) = lines.next_if(|l| !l.starts_with("$ ")) {
                    expected.push_str(l);
                    expected.push('\n');
                }
                let out = common::coinflip()
                    .args(cmd.split_whitespace())
                    .output()
                    .unwrap();
                assert_eq!(
                    String::from_utf8(out.stdout).unwrap(),
                    expected,
                    "{doc}: $ coinflip {cmd}"
                );
                n += 1;
            }
        }
    }
    assert!(n >= 1);
}

#[test]
fn out_dir_file_names_are_documented() {
    let doc = read("docs/reports.md");
    for f in Format::value_variants() {
        let name = f.to_possible_value().unwrap().get_name().to_string();
        let row = format!("| `{name}` | `{}` |", f.file_name());
        assert!(doc.contains(&row), "docs/reports.md lacks the row {row}");
    }
}
