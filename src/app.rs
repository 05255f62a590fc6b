//! What each command does, from parsed arguments to an exit code: 0 everything passed, 1 a check
//! failed or an input was rejected, 2 a usage error. Reports go to standard output (or `--out`),
//! problems to standard error.

use std::io::Write;
use std::path::Path;

use crate::cli::{Cli, Command, RunArgs, ScoreArgs, SimpleFormat, TraceArgs};
use crate::run::{self, CorpusCache, RunOptions};
use crate::sample::GenerateConfig;
use crate::scenario::{self, ScenarioKind};

/// Exit code: everything passed.
pub const OK: i32 = 0;
/// Exit code: a check failed or an input was rejected.
pub const FAILED: i32 = 1;
/// Exit code: the command line was wrong.
pub const USAGE: i32 = 2;

/// Runs a parsed command line and returns the exit code.
pub fn main(cli: Cli) -> i32 {
    match cli.command {
        Command::Run(a) => cmd_run(a),
        Command::Score(a) => cmd_score(a),
        Command::Trace(a) => cmd_trace(a),
    }
}

fn usage(msg: &str) -> i32 {
    eprintln!("coinflip: error: {msg}");
    USAGE
}

/// Writes `text` to `out` atomically, or to standard output.
fn emit(text: &str, out: Option<&Path>) -> i32 {
    match out {
        Some(path) => match crate::output::write_atomic(path, text.as_bytes()) {
            Ok(()) => OK,
            Err(e) => {
                eprintln!("coinflip: error: cannot write {}: {e}", path.display());
                FAILED
            }
        },
        None => {
            let mut stdout = std::io::stdout().lock();
            // A closed pipe (`coinflip run | head`) is not an error worth a panic.
            let _ = stdout.write_all(text.as_bytes());
            let _ = stdout.flush();
            OK
        }
    }
}

fn cmd_run(a: RunArgs) -> i32 {
    if let Some(out) = &a.out
        && let Some(p) = a
            .paths
            .iter()
            .find(|p| crate::output::is_same_or_inside(out, p))
    {
        return usage(&format!(
            "--out {} would write over or into the input {}",
            out.display(),
            p.display()
        ));
    }
    let files = match run::discover(&a.paths) {
        Ok(f) => f,
        Err(e) => return usage(&e),
    };
    if files.is_empty() {
        return usage(&format!(
            "no scenario files (*.toml) found in {}",
            a.paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let opts = RunOptions {
        seed: a.seed,
        filter: a.filter.clone(),
        jobs: a.jobs,
    };
    let report = run::run_files(&files, &opts);
    if report.scenarios.is_empty() {
        return usage(&format!(
            "--filter {:?} matches none of the {} scenarios",
            a.filter.unwrap_or_default(),
            files.len()
        ));
    }
    let text = crate::report::exporter(a.format).render(&report);
    let written = emit(&text, a.out.as_deref());
    if written != OK {
        return written;
    }
    report.exit_code()
}

/// Loads and prepares a model scenario for `score` and `trace`; errors are printed.
fn prepare(path: &Path) -> Result<(scenario::Scenario, run::Prepared), i32> {
    if !path.exists() {
        return Err(usage(&format!("no such file: {}", path.display())));
    }
    let print = |diags: Vec<crate::error::Diagnostic>| {
        for d in diags {
            eprintln!("coinflip: error: {d}");
        }
        FAILED
    };
    let sc = scenario::load(path, path).map_err(print)?;
    if matches!(sc.kind, ScenarioKind::Distribution(_)) {
        return Err(print(vec![crate::error::Diagnostic::file(
            path,
            "this is a [distribution] scenario: it has no trained model to score with or trace",
        )]));
    }
    let p = run::prepare(&sc, &CorpusCache::default()).map_err(print)?;
    Ok((sc, p))
}

fn cmd_score(a: ScoreArgs) -> i32 {
    let (_, p) = match prepare(&a.scenario) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let s = crate::inspect::score(&p, &a.text, a.eos);
    let text = match a.format {
        SimpleFormat::Text => crate::inspect::render_score_text(&s),
        SimpleFormat::Json => crate::inspect::render_json(&s),
    };
    emit(&text, None)
}

fn cmd_trace(a: TraceArgs) -> i32 {
    let (sc, p) = match prepare(&a.scenario) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let ScenarioKind::Model { generate, .. } = &sc.kind else {
        return FAILED;
    };
    if a.sample >= generate.samples {
        return usage(&format!(
            "--sample {} is out of range: the scenario generates {} samples (0 to {})",
            a.sample,
            generate.samples,
            generate.samples - 1
        ));
    }
    let cfg = GenerateConfig {
        max_tokens: generate.max_tokens,
        stop_at_end: generate.stop_at_end,
        sampler: sc.sampling,
    };
    let seed = a.seed.unwrap_or(sc.seed);
    let t = crate::inspect::trace(&p, seed, a.sample, &cfg, a.top);
    let text = match a.format {
        SimpleFormat::Text => crate::inspect::render_trace_text(&t, &sc.sampling),
        SimpleFormat::Json => crate::inspect::render_json(&t),
    };
    emit(&text, None)
}
