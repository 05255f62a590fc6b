//! The error catalogue: `docs/errors.md` shows, for every class of bad input, the command and what
//! coinflip prints. This test runs each command and checks that the block under its
//! `<!-- case: ID -->` marker is exactly the output, so the document cannot drift from the program.
//! Every scenario file in `tests/fixtures/bad/` and every file in `tests/fixtures/quiz-bad/` must
//! be in a case, and every marker must name a case.
//!
//! To rewrite the blocks after a deliberate change of wording, run
//! `COINFLIP_BLESS_ERRORS_DOC=1 cargo test --test errors_catalogue` and review the diff.

mod common;

use std::path::Path;

#[derive(Clone, Copy)]
enum Stream {
    Stdout,
    Stderr,
}

#[derive(Clone, Copy)]
enum Pick {
    /// The whole stream.
    All,
    /// The lines from the first one starting with this text to the next blank line.
    Block(&'static str),
    /// The lines containing this text.
    Lines(&'static str),
}

struct Case {
    id: &'static str,
    args: &'static [&'static str],
    env: &'static [(&'static str, &'static str)],
    code: i32,
    stream: Stream,
    pick: Pick,
}

const LAB: &str = "quizzes/ch06-sampling-lab.toml";

/// `coinflip run FILE` on a bad scenario: the whole report, exit 1.
const fn run_bad(id: &'static str, args: &'static [&'static str]) -> Case {
    Case {
        id,
        args,
        env: &[],
        code: 1,
        stream: Stream::Stdout,
        pick: Pick::All,
    }
}

/// `coinflip quiz grade LAB FILES…`: what goes to stderr (rejections and the tally).
const fn grade(id: &'static str, args: &'static [&'static str], code: i32) -> Case {
    Case {
        id,
        args,
        env: &[],
        code,
        stream: Stream::Stderr,
        pick: Pick::All,
    }
}

const CASES: &[Case] = &[
    // ---- scenario files
    run_bad("syntax", &["run", "tests/fixtures/bad/syntax-error.toml"]),
    run_bad("empty-scenario", &["run", "tests/fixtures/bad/empty.toml"]),
    run_bad(
        "unknown-key",
        &["run", "tests/fixtures/bad/unknown-key.toml"],
    ),
    run_bad(
        "misspelled-table",
        &["run", "tests/fixtures/bad/misspelled-table.toml"],
    ),
    run_bad(
        "shape-and-range",
        &["run", "tests/fixtures/bad/shape-and-range.toml"],
    ),
    run_bad(
        "unknown-name",
        &["run", "tests/fixtures/bad/unknown-name.toml"],
    ),
    run_bad(
        "missing-key",
        &["run", "tests/fixtures/bad/missing-key.toml"],
    ),
    run_bad("wrong-type", &["run", "tests/fixtures/bad/wrong-type.toml"]),
    run_bad(
        "samples-float",
        &["run", "tests/fixtures/bad/samples-float.toml"],
    ),
    run_bad(
        "wrong-smoothing-param",
        &["run", "tests/fixtures/bad/wrong-smoothing-param.toml"],
    ),
    run_bad("order-zero", &["run", "tests/fixtures/bad/order-zero.toml"]),
    run_bad(
        "order-too-high",
        &["run", "tests/fixtures/bad/order-too-high.toml"],
    ),
    run_bad(
        "negative-temperature",
        &["run", "tests/fixtures/bad/negative-temperature.toml"],
    ),
    run_bad(
        "top-p-above-one",
        &["run", "tests/fixtures/bad/top-p-above-one.toml"],
    ),
    run_bad(
        "several-problems",
        &["run", "tests/fixtures/bad/bad-sampling.toml"],
    ),
    run_bad("nan", &["run", "tests/fixtures/bad/nan-temperature.toml"]),
    run_bad("inf", &["run", "tests/fixtures/bad/infinite-top-p.toml"]),
    run_bad(
        "samples-too-many",
        &["run", "tests/fixtures/bad/samples-too-many.toml"],
    ),
    run_bad(
        "too-many-tokens",
        &["run", "tests/fixtures/bad/too-many-tokens.toml"],
    ),
    run_bad(
        "monte-carlo-too-long",
        &["run", "tests/fixtures/bad/monte-carlo-too-long.toml"],
    ),
    run_bad(
        "seed-out-of-range",
        &["run", "tests/fixtures/bad/seed-out-of-range.toml"],
    ),
    run_bad(
        "probs-not-one",
        &["run", "tests/fixtures/bad/probs-not-one.toml"],
    ),
    run_bad(
        "duplicate-token",
        &["run", "tests/fixtures/bad/distribution-bad.toml"],
    ),
    // ---- corpora
    run_bad(
        "corpus-missing",
        &["run", "tests/fixtures/bad/missing-corpus.toml"],
    ),
    run_bad(
        "corpus-empty",
        &["run", "tests/fixtures/bad/corpus-empty.toml"],
    ),
    run_bad(
        "corpus-folder",
        &["run", "tests/fixtures/bad/corpus-is-folder.toml"],
    ),
    run_bad(
        "corpus-not-utf8",
        &["run", "tests/fixtures/bad/not-utf8.toml"],
    ),
    run_bad(
        "corpus-utf16",
        &["run", "tests/fixtures/bad/corpus-utf16.toml"],
    ),
    run_bad(
        "corpus-too-small",
        &["run", "tests/fixtures/bad/corpus-too-small.toml"],
    ),
    // ---- generation
    Case {
        id: "unknown-prefix",
        args: &["run", "tests/fixtures/notes/unknown-prefix.toml"],
        env: &[],
        code: 0,
        stream: Stream::Stdout,
        pick: Pick::Lines("note:"),
    },
    Case {
        id: "arpa-sums-off",
        args: &["run", "tests/fixtures/notes/arpa-sums-off.toml"],
        env: &[],
        code: 0,
        stream: Stream::Stdout,
        pick: Pick::Lines("note:"),
    },
    run_bad(
        "prefix-from-past-end",
        &["run", "tests/fixtures/bad/prefix-from-past-end.toml"],
    ),
    // ---- batches
    Case {
        id: "duplicate-name",
        args: &["run", "tests/fixtures/mixed"],
        env: &[],
        code: 1,
        stream: Stream::Stdout,
        pick: Pick::Block("! d-duplicate-name"),
    },
    Case {
        id: "run-out-is-input",
        args: &[
            "run",
            "scenarios/greedy.toml",
            "--out",
            "scenarios/greedy.toml",
        ],
        env: &[],
        code: 2,
        stream: Stream::Stderr,
        pick: Pick::All,
    },
    // ---- limits
    Case {
        id: "corpus-too-large",
        args: &["run", "scenarios/greedy.toml"],
        env: &[("COINFLIP_MAX_CORPUS_BYTES", "500")],
        code: 1,
        stream: Stream::Stdout,
        pick: Pick::All,
    },
    Case {
        id: "scenario-too-large",
        args: &["run", "scenarios/greedy.toml"],
        env: &[("COINFLIP_MAX_SCENARIO_BYTES", "100")],
        code: 1,
        stream: Stream::Stdout,
        pick: Pick::All,
    },
    Case {
        id: "training-too-large",
        args: &["run", "scenarios/greedy.toml"],
        env: &[("COINFLIP_MAX_TRAINING_BYTES", "1000")],
        code: 1,
        stream: Stream::Stdout,
        pick: Pick::All,
    },
    Case {
        id: "limit-not-a-number",
        args: &["run", "scenarios/greedy.toml"],
        env: &[("COINFLIP_MAX_CORPUS_BYTES", "1GB")],
        code: 1,
        stream: Stream::Stdout,
        pick: Pick::All,
    },
    Case {
        id: "answer-too-large",
        args: &[
            "quiz",
            "grade",
            LAB,
            "tests/fixtures/quiz/class/s001.toml",
            "tests/fixtures/quiz/ch06-class.csv",
        ],
        env: &[("COINFLIP_MAX_ANSWER_BYTES", "200")],
        code: 1,
        stream: Stream::Stderr,
        pick: Pick::All,
    },
    Case {
        id: "quiz-too-large",
        args: &["quiz", "check", LAB],
        env: &[("COINFLIP_MAX_QUIZ_BYTES", "100")],
        code: 1,
        stream: Stream::Stderr,
        pick: Pick::All,
    },
    Case {
        id: "gift-too-large",
        args: &["quiz", "import-gift", "tests/fixtures/gift/chapter6.gift"],
        env: &[("COINFLIP_MAX_GIFT_BYTES", "100")],
        code: 1,
        stream: Stream::Stderr,
        pick: Pick::All,
    },
    Case {
        id: "arpa-too-large",
        args: &["run", "scenarios/kenlm-arpa.toml"],
        env: &[("COINFLIP_MAX_ARPA_BYTES", "100")],
        code: 1,
        stream: Stream::Stdout,
        pick: Pick::All,
    },
    // ---- inputs that are not regular files
    Case {
        id: "input-not-a-file",
        args: &["quiz", "check", "/dev/null"],
        env: &[],
        code: 1,
        stream: Stream::Stderr,
        pick: Pick::All,
    },
    // ---- outputs
    Case {
        id: "outputs-collide",
        args: &[
            "quiz",
            "grade",
            LAB,
            "tests/fixtures/quiz/class/s001.toml",
            "--feedback",
            "feedback",
            "--out",
            "feedback/s001.md",
        ],
        env: &[],
        code: 2,
        stream: Stream::Stderr,
        pick: Pick::All,
    },
    Case {
        id: "several-reports-to-stdout",
        args: &[
            "run",
            "scenarios/greedy.toml",
            "--format",
            "json,junit",
            "--out",
            "-",
        ],
        env: &[],
        code: 2,
        stream: Stream::Stderr,
        pick: Pick::All,
    },
    // ---- answer files
    grade(
        "answers-bom-crlf",
        &[
            "quiz",
            "grade",
            LAB,
            "tests/fixtures/quiz-bad/bom-crlf.toml",
        ],
        0,
    ),
    grade(
        "answers-mixed-encoding",
        &[
            "quiz",
            "grade",
            LAB,
            "tests/fixtures/quiz-bad/mixed-encoding.toml",
        ],
        1,
    ),
    grade(
        "answers-latin1",
        &[
            "quiz",
            "grade",
            LAB,
            "tests/fixtures/quiz/class/bad/latin1.toml",
        ],
        1,
    ),
    grade(
        "answers-utf16",
        &["quiz", "grade", LAB, "tests/fixtures/quiz-bad/utf16.json"],
        1,
    ),
    grade(
        "answers-empty",
        &[
            "quiz",
            "grade",
            LAB,
            "tests/fixtures/quiz-bad/empty.toml",
            "tests/fixtures/quiz-bad/blank.json",
        ],
        1,
    ),
    grade(
        "answers-duplicate-students",
        &[
            "quiz",
            "grade",
            LAB,
            "tests/fixtures/quiz-bad/duplicate-a.toml",
            "tests/fixtures/quiz-bad/duplicate-b.json",
        ],
        1,
    ),
    grade(
        "answers-csv-rows",
        &[
            "quiz",
            "grade",
            LAB,
            "tests/fixtures/quiz-bad/class-duplicate-and-short-row.csv",
        ],
        1,
    ),
    grade(
        "answers-csv-header",
        &[
            "quiz",
            "grade",
            LAB,
            "tests/fixtures/quiz-bad/class-no-student-column.csv",
        ],
        1,
    ),
    grade(
        "answers-syntax",
        &[
            "quiz",
            "grade",
            LAB,
            "tests/fixtures/quiz/class/bad/broken.toml",
        ],
        1,
    ),
    grade(
        "answers-unknown-key",
        &[
            "quiz",
            "grade",
            LAB,
            "tests/fixtures/quiz/class/bad/typo-key.toml",
        ],
        1,
    ),
    grade(
        "answers-no-student",
        &[
            "quiz",
            "grade",
            LAB,
            "tests/fixtures/quiz/class/bad/no-student.json",
            "tests/fixtures/quiz/class/bad/empty-student.toml",
        ],
        1,
    ),
    grade(
        "answers-not-an-answer-file",
        &[
            "quiz",
            "grade",
            LAB,
            "tests/fixtures/quiz/class/bad/s041.txt",
        ],
        1,
    ),
    grade(
        "answers-missing-path",
        &[
            "quiz",
            "grade",
            LAB,
            "tests/fixtures/quiz-bad/no-such-file.toml",
        ],
        1,
    ),
    grade(
        "answers-out-inside-answers",
        &[
            "quiz",
            "grade",
            LAB,
            "tests/fixtures/quiz-bad",
            "--out",
            "tests/fixtures/quiz-bad/report.txt",
        ],
        2,
    ),
    // ---- quiz files
    Case {
        id: "quiz-invalid",
        args: &["quiz", "check", "tests/fixtures/quiz/invalid-quiz.toml"],
        env: &[],
        code: 1,
        stream: Stream::Stderr,
        pick: Pick::All,
    },
];

const DOC: &str = "docs/errors.md";

/// What the doc shows for a case: the command line, then the picked output.
fn shown(case: &Case) -> String {
    let mut cmd = common::coinflip();
    cmd.args(case.args);
    for (k, v) in case.env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(case.code),
        "{}: exit code\nstdout:\n{}\nstderr:\n{}",
        case.id,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let stream = match case.stream {
        Stream::Stdout => out.stdout,
        Stream::Stderr => out.stderr,
    };
    let text = String::from_utf8(stream).unwrap();
    let picked: Vec<&str> = match case.pick {
        Pick::All => text.lines().collect(),
        Pick::Block(start) => text
            .lines()
            .skip_while(|l| !l.starts_with(start))
            .take_while(|l| !l.is_empty())
            .collect(),
        Pick::Lines(needle) => text.lines().filter(|l| l.contains(needle)).collect(),
    };
    assert!(
        !picked.is_empty(),
        "{}: nothing picked from:\n{text}",
        case.id
    );
    let env: String = case.env.iter().map(|(k, v)| format!("{k}={v} ")).collect();
    let mut block = format!("$ {env}coinflip {}\n", case.args.join(" "));
    for l in picked {
        block.push_str(l.trim_end());
        block.push('\n');
    }
    block
}

/// The doc split at its case blocks: (marker id, byte range of the block's content).
fn blocks(doc: &str) -> Vec<(String, std::ops::Range<usize>)> {
    let mut found = vec![];
    let mut rest = 0;
    while let Some(i) = doc[rest..].find("<!-- case: ") {
        let at = rest + i + "<!-- case: ".len();
        let end = at + doc[at..].find(" -->").expect("marker closes with ` -->`");
        let id = doc[at..end].to_string();
        let open = end
            + doc[end..]
                .find("```text\n")
                .expect("a ```text block follows")
            + 8;
        let close = open + doc[open..].find("```").expect("the block closes");
        found.push((id, open..close));
        rest = close;
    }
    found
}

#[test]
fn docs_errors_md_shows_what_coinflip_prints() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let path = root.join(DOC);
    let mut doc = std::fs::read_to_string(&path).unwrap();
    let found = blocks(&doc);
    for (id, _) in &found {
        assert!(
            CASES.iter().any(|c| c.id == *id),
            "{DOC}: marker `{id}` names no case in tests/errors_catalogue.rs"
        );
    }
    let bless = std::env::var_os("COINFLIP_BLESS_ERRORS_DOC").is_some();
    let mut wrong = vec![];
    let mut updates = vec![];
    for case in CASES {
        let Some((_, range)) = found.iter().find(|(id, _)| id == case.id) else {
            wrong.push(format!(
                "{DOC}: no `<!-- case: {} -->` block (add one where it belongs)",
                case.id
            ));
            continue;
        };
        let want = shown(case);
        if doc[range.clone()] != want {
            if bless {
                updates.push((range.clone(), want));
            } else {
                wrong.push(format!(
                    "{DOC}: block `{}` is out of date; coinflip prints:\n{want}",
                    case.id
                ));
            }
        }
    }
    // From the end of the document, so the earlier ranges stay valid.
    updates.sort_by_key(|(range, _)| std::cmp::Reverse(range.start));
    for (range, want) in updates {
        doc.replace_range(range, &want);
    }
    if bless {
        std::fs::write(&path, &doc).unwrap();
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn every_bad_input_fixture_is_in_the_catalogue() {
    let named = |file: &str| CASES.iter().any(|c| c.args.contains(&file));
    for dir in ["tests/fixtures/bad", "tests/fixtures/quiz-bad"] {
        for entry in std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(dir)).unwrap() {
            let name = entry.unwrap().file_name().to_string_lossy().into_owned();
            let file = format!("{dir}/{name}");
            // Corpus files are read through the scenarios that name them.
            if dir.ends_with("/bad") && !name.ends_with(".toml") {
                continue;
            }
            assert!(
                named(&file),
                "{file} is in no case of tests/errors_catalogue.rs"
            );
        }
    }
}
