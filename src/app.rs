//! What each command does, from parsed arguments to an exit code: 0 everything passed, 1 a check
//! failed or an input was rejected, 2 a usage error. Reports go to standard output (or `--out`),
//! problems to standard error.

use std::io::Write;
use std::path::Path;

use crate::cli::{
    CalibrateArgs, Cli, Command, ExportArpaArgs, ListArgs, Partition, RunArgs, ScoreArgs,
    SimpleFormat, TraceArgs,
};
use crate::pipeline::run::{self, CorpusCache, RunOptions};
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
        Command::List(a) => cmd_list(a),
        Command::Calibrate(a) => cmd_calibrate(a),
        Command::ExportArpa(a) => cmd_export_arpa(a),
        Command::Quiz(a) => crate::quiz::run(a),
        Command::Schema(a) => crate::schema::run(a),
        Command::Init(a) => crate::init::run(a),
        Command::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut cmd, "coinflip", &mut std::io::stdout());
            OK
        }
        Command::Man => {
            let cmd = <Cli as clap::CommandFactory>::command();
            let mut out = Vec::new();
            match clap_mangen::Man::new(cmd).render(&mut out) {
                Ok(()) => emit(&String::from_utf8_lossy(&out), None),
                Err(e) => {
                    eprintln!("coinflip: error: cannot render the man page: {e}");
                    FAILED
                }
            }
        }
    }
}

/// The files of the K-th shard (all files without a partition).
fn partitioned(files: Vec<std::path::PathBuf>, p: Option<Partition>) -> Vec<std::path::PathBuf> {
    match p {
        None => files,
        Some(p) => files
            .into_iter()
            .filter(|f| run::shard(f, p.n) == p.k)
            .collect(),
    }
}

fn cmd_list(a: ListArgs) -> i32 {
    let files = match run::discover(&a.paths) {
        Ok(f) => f,
        Err(e) => return usage(&e),
    };
    let mut out = String::new();
    for f in &files {
        let shard = a.partition.map(|p| run::shard(f, p.n));
        if let (Some(p), Some(s)) = (a.partition, shard)
            && s != p.k
        {
            continue;
        }
        let name = match scenario::load(f, f) {
            Ok(s) => s.name,
            Err(_) => format!(
                "{} (rejected: run it to see why)",
                f.file_stem().unwrap_or_default().to_string_lossy()
            ),
        };
        let shard = shard
            .map(|s| format!("  [shard {s}/{}]", a.partition.map_or(0, |p| p.n)))
            .unwrap_or_default();
        out.push_str(&format!("{name}  {}{shard}\n", run::shown(f)));
    }
    emit(&out, None)
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
    let mut formats = a.format.clone();
    formats.dedup();
    if formats.len() > 1 && a.out.is_none() {
        return usage("several --format values need --out DIR (one file per format)");
    }
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
    let found = match run::discover(&a.paths) {
        Ok(f) => f,
        Err(e) => return usage(&e),
    };
    if found.is_empty() {
        return usage(&format!(
            "no scenario files (*.toml) found in {}",
            a.paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let files = partitioned(found, a.partition);
    let opts = RunOptions {
        seed: a.seed,
        filter: a.filter.clone(),
        jobs: a.jobs,
    };
    let bar = progress_bar(files.len() as u64, a.quiet);
    let report = run::run_files(&files, &opts, &|_| bar.inc(1));
    bar.finish_and_clear();
    if report.scenarios.is_empty() && a.partition.is_none() {
        return usage(&format!(
            "--filter {:?} matches none of the {} scenarios",
            a.filter.unwrap_or_default(),
            files.len()
        ));
    }
    if formats.len() == 1 {
        let color = a.out.is_none() && use_color();
        let text = crate::report::exporter(formats[0], color).render(&report);
        let written = emit(&text, a.out.as_deref());
        if written != OK {
            return written;
        }
    } else {
        let dir = a.out.as_deref().expect("checked above");
        for f in formats {
            let text = crate::report::exporter(f, false).render(&report);
            let written = emit(&text, Some(&dir.join(f.file_name())));
            if written != OK {
                return written;
            }
        }
    }
    report.exit_code()
}

/// Colour only on a terminal, and never when `NO_COLOR` is set (https://no-color.org).
fn use_color() -> bool {
    use std::io::IsTerminal;
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stdout().is_terminal()
}

/// A progress bar on standard error, shown only when it is a terminal, the batch has more than a
/// handful of scenarios, and `--quiet` is off.
fn progress_bar(len: u64, quiet: bool) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if quiet || len < 4 || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(len);
    if let Ok(style) = indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} scenarios") {
        bar.set_style(style);
    }
    bar
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
    let s = crate::pipeline::inspect::score(&p, &a.text, a.eos);
    let text = match a.format {
        SimpleFormat::Text => crate::pipeline::inspect::render_score_text(&s),
        SimpleFormat::Json => crate::pipeline::inspect::render_json(&s),
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
    let t = crate::pipeline::inspect::trace(&p, seed, a.sample, &cfg, a.top);
    let text = match a.format {
        SimpleFormat::Text => crate::pipeline::inspect::render_trace_text(&t, &sc.sampling),
        SimpleFormat::Json => crate::pipeline::inspect::render_json(&t),
    };
    emit(&text, None)
}

fn cmd_calibrate(a: CalibrateArgs) -> i32 {
    if !a.scenario.exists() {
        return usage(&format!("no such file: {}", a.scenario.display()));
    }
    let print = |diags: Vec<crate::error::Diagnostic>| {
        for d in diags {
            eprintln!("coinflip: error: {d}");
        }
        FAILED
    };
    let sc = match scenario::load(&a.scenario, &a.scenario) {
        Ok(s) => s,
        Err(d) => return print(d),
    };
    let tested = match run::tested_distributions(&sc, &CorpusCache::default()) {
        Ok(t) => t,
        Err(d) => return print(d),
    };
    let check = sc
        .checks
        .chi_square
        .clone()
        .expect("checked by tested_distributions");
    let seed = a.seed.unwrap_or(sc.seed);
    let c = match crate::pipeline::calibrate::calibrate(
        &sc.name,
        &tested,
        &check,
        seed,
        a.replications,
        a.bias,
    ) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("coinflip: error: {e}");
            return FAILED;
        }
    };
    let text = match a.format {
        SimpleFormat::Text => crate::pipeline::calibrate::render_text(&c),
        SimpleFormat::Json => crate::pipeline::inspect::render_json(&c),
    };
    let written = emit(&text, None);
    if written != OK {
        return written;
    }
    if c.verdict == "ok" { OK } else { FAILED }
}

fn cmd_export_arpa(a: ExportArpaArgs) -> i32 {
    if let Some(out) = &a.out
        && crate::output::is_same_or_inside(out, &a.scenario)
    {
        return usage("--out would overwrite the scenario file");
    }
    let (_, p) = match prepare(&a.scenario) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let model = crate::lm::export::to_backoff(&p.model, &p.corpus.documents);
    match model {
        Ok(m) => emit(&crate::lm::arpa::write(&m), a.out.as_deref()),
        Err(e) => {
            eprintln!("coinflip: error: {}: {e}", a.scenario.display());
            FAILED
        }
    }
}
