//! Benchmarks of `coinflip quiz grade`'s two size-dependent steps, which used to be quadratic:
//!
//! - `quiz_csv/rows`: reading a class CSV of 80,000 rows (line numbers are counted as the rows go
//!   by, once per byte; before, every row recounted from the file start: 58 s for 80,000 rows);
//! - `quiz_grade/questions`: grading one submission of a 100,000-question quiz (one index look-up
//!   per answer; before, each question searched the answers: > 60 s).
//!
//! Throughput is rows (questions) per second. Run: `cargo bench --bench quiz`.

use std::hint::black_box;
use std::path::Path;

use coinflip::quiz::Duplicates;
use coinflip::quiz::class_csv::{self, Context};
use coinflip::quiz::gradebook::Gradebook;
use coinflip::quiz::key::Quiz;
use coinflip::quiz::submission::{Origin, Response, Submission};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn quiz(questions: usize) -> Quiz {
    let mut src = String::from("id = \"big\"\ntitle = \"big\"\n");
    for i in 0..questions {
        src.push_str(&format!(
            "[[questions]]\nid = \"q{i}\"\nkind = \"true-false\"\nprompt = \"p\"\nanswer = true\n"
        ));
    }
    Quiz::parse(Path::new("big.toml"), &src).expect("a valid quiz")
}

fn csv_rows(c: &mut Criterion) {
    const ROWS: usize = 80_000;
    let quiz = quiz(3);
    let mut src = String::from("student,name,q0,q1,q2\r\n");
    for i in 0..ROWS {
        src.push_str(&format!("s{i},Name {i},true,false,yes\r\n"));
    }
    let ctx = Context {
        quiz: &quiz,
        columns: None,
    };
    let mut g = c.benchmark_group("quiz_csv");
    g.sample_size(10);
    g.throughput(Throughput::Elements(ROWS as u64));
    g.bench_function("rows", |b| {
        b.iter(|| black_box(class_csv::parse("class.csv", black_box(&src), &ctx)))
    });
    g.finish();
}

fn grade_questions(c: &mut Criterion) {
    const QUESTIONS: usize = 100_000;
    let quiz = quiz(QUESTIONS);
    let submission = Submission {
        origin: Origin {
            file: "s.json".into(),
            line: None,
        },
        student: "s1".into(),
        name: String::new(),
        // Answered in reverse order: the worst case of a linear search per question.
        answers: (0..QUESTIONS)
            .rev()
            .map(|i| (format!("q{i}"), Response::Bool(i % 2 == 0)))
            .collect(),
        timestamp: None,
    };
    let mut g = c.benchmark_group("quiz_grade");
    g.sample_size(10);
    g.throughput(Throughput::Elements(QUESTIONS as u64));
    g.bench_function("questions", |b| {
        b.iter(|| {
            black_box(Gradebook::build(
                &quiz,
                vec![Ok(submission.clone())],
                Duplicates::Reject,
            ))
        })
    });
    g.finish();
}

criterion_group!(benches, csv_rows, grade_questions);
criterion_main!(benches);
