//! What each command does, from parsed arguments to an [`ExitCode`]: reports go to the `out`
//! stream (or `--out`), problems to the `err` stream. The streams are passed in ([`Io`]), so a
//! command runs the same in a test as in the process (`src/main.rs` passes the standard ones).

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::cli::{
    CalibrateArgs, Cli, Command, ExportArpaArgs, ListArgs, Partition, RunArgs, ScoreArgs,
    SimpleFormat, TraceArgs,
};
use crate::error::Diagnostic;
use crate::exit::ExitCode;
use crate::pipeline::corpus_cache::CorpusCache;
use crate::pipeline::discover;
use crate::pipeline::prepare::{self, Prepared};
use crate::pipeline::run::{self, RunOptions};
use crate::sample::GenerateConfig;
use crate::scenario::{self, Scenario, ScenarioKind};

/// Where a command writes, and what the terminal it writes to allows.
pub struct Io<'a> {
    /// Reports (unless `--out` names a file).
    pub out: &'a mut dyn Write,
    /// Errors and notes.
    pub err: &'a mut dyn Write,
    /// Colour the text report's marks on `out` (a terminal, and `NO_COLOR` unset).
    pub color: bool,
    /// Draw a progress bar on the terminal's standard error (it is one, and the batch is long).
    pub progress: bool,
}

/// Runs a parsed command line with the process's standard streams.
pub fn main(cli: Cli) -> ExitCode {
    use std::io::IsTerminal;
    // Unlocked handles: the progress bar draws on standard error from worker threads.
    let (mut stdout, mut stderr) = (std::io::stdout(), std::io::stderr());
    let mut io = Io {
        color: std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && stdout.is_terminal(),
        progress: stderr.is_terminal(),
        out: &mut stdout,
        err: &mut stderr,
    };
    run(cli, &mut io)
}

/// Runs a parsed command line.
pub fn run(cli: Cli, io: &mut Io) -> ExitCode {
    match cli.command {
        Command::Run(a) => cmd_run(a, io),
        Command::Generate(a) => cmd_generate(a, io),
        Command::Score(a) => cmd_score(a, io),
        Command::Trace(a) => cmd_trace(a, io),
        Command::Flip(a) => cmd_flip(a, io),
        Command::List(a) => cmd_list(a, io),
        Command::Calibrate(a) => cmd_calibrate(a, io),
        Command::ExportArpa(a) => cmd_export_arpa(a, io),
        Command::Quiz(a) => crate::quiz::run_with(a, io.out, io.err),
        Command::Schema(a) => {
            let text = crate::schema::schema_text(a.format) + "\n";
            emit(io, &text, None)
        }
        Command::Init(a) => crate::init::run_with(&a.dir, io.out, io.err),
        Command::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            // Rendered into memory first: clap_complete writes to the stream it is given with
            // `expect`, so a closed pipe (`coinflip completions bash | head -1`) would panic.
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut cmd, "coinflip", &mut script);
            emit(io, &String::from_utf8_lossy(&script), None)
        }
        Command::Man { out } => match crate::man::render(out.as_deref()) {
            Ok(page) => emit(io, &page, None),
            Err(e) => error(io, &format!("cannot write the man page: {e}")),
        },
    }
}

/// `coinflip: error: MSG` on the error stream; [`ExitCode::Failed`].
fn error(io: &mut Io, msg: &str) -> ExitCode {
    let _ = writeln!(io.err, "coinflip: error: {msg}");
    ExitCode::Failed
}

/// `coinflip: error: MSG` on the error stream; [`ExitCode::Usage`].
fn usage(io: &mut Io, msg: &str) -> ExitCode {
    let _ = writeln!(io.err, "coinflip: error: {msg}");
    ExitCode::Usage
}

/// Every diagnostic on the error stream; [`ExitCode::Failed`].
fn rejected(io: &mut Io, diags: Vec<Diagnostic>) -> ExitCode {
    for d in diags {
        let _ = writeln!(io.err, "coinflip: error: {d}");
    }
    ExitCode::Failed
}

/// Writes `text` to the file `out` atomically, or to the out stream.
fn emit(io: &mut Io, text: &str, out: Option<&Path>) -> ExitCode {
    match out {
        Some(path) => match crate::output::write_atomic(path, text.as_bytes()) {
            Ok(()) => ExitCode::Ok,
            Err(e) => error(io, &format!("cannot write {}: {e}", path.display())),
        },
        None => {
            // A closed pipe (`coinflip run | head`) is not an error worth a panic.
            let _ = io.out.write_all(text.as_bytes());
            let _ = io.out.flush();
            ExitCode::Ok
        }
    }
}

/// [`emit`] of a text that `write` produces in pieces, so that it is never whole in memory.
fn emit_with(
    io: &mut Io,
    out: Option<&Path>,
    write: &mut dyn FnMut(&mut dyn Write) -> std::io::Result<()>,
) -> ExitCode {
    match out {
        Some(path) => match crate::output::write_atomic_with(path, write) {
            Ok(()) => ExitCode::Ok,
            Err(e) => error(io, &format!("cannot write {}: {e}", path.display())),
        },
        None => {
            // A closed pipe (`coinflip run | head`) is not an error worth a panic.
            let _ = write(&mut *io.out);
            let _ = io.out.flush();
            ExitCode::Ok
        }
    }
}

/// The files of the K-th shard (all files without a partition).
fn partitioned(files: Vec<PathBuf>, p: Option<Partition>) -> Vec<PathBuf> {
    match p {
        None => files,
        Some(p) => files
            .into_iter()
            .filter(|f| discover::shard(f, p.n) == p.k)
            .collect(),
    }
}

fn cmd_list(a: ListArgs, io: &mut Io) -> ExitCode {
    let files = match discover::discover(&a.paths) {
        Ok(f) => f,
        Err(e) => return usage(io, &e),
    };
    let mut out = String::new();
    for f in &files {
        let shard = a.partition.map(|p| discover::shard(f, p.n));
        if let (Some(p), Some(s)) = (a.partition, shard)
            && s != p.k
        {
            continue;
        }
        let name = match scenario::load(f, f) {
            Ok(s) => s.name,
            Err(_) => format!(
                "{} (rejected: run it to see why)",
                scenario::declared(f).0.unwrap_or_else(|| f
                    .file_stem()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into_owned())
            ),
        };
        let shard = shard
            .map(|s| format!("  [shard {s}/{}]", a.partition.map_or(0, |p| p.n)))
            .unwrap_or_default();
        out.push_str(&format!("{name}  {}{shard}\n", discover::shown(f)));
    }
    emit(io, &out, None)
}

/// What is wrong with `coinflip run`'s arguments before any file is read.
fn run_args_problem(a: &RunArgs, formats: &[crate::report::Format]) -> Option<String> {
    if formats.len() > 1 && a.out.is_none() {
        return Some("several --format values need --out DIR (one file per format)".into());
    }
    None
}

/// An output of `coinflip run` that would overwrite one of its input files (a scenario, a
/// corpus, an ARPA file). Reports may go into an input folder (`run . --out report.html`).
fn run_out_problem(
    out: &Path,
    formats: &[crate::report::Format],
    files: &[PathBuf],
) -> Option<String> {
    let outputs: Vec<PathBuf> = match formats {
        [_] => vec![out.to_path_buf()],
        _ => formats.iter().map(|f| out.join(f.file_name())).collect(),
    };
    let inputs = discover::input_files(files);
    outputs.iter().find_map(|o| {
        let input = inputs
            .iter()
            .find(|i| crate::output::is_same_or_inside(o, i))?;
        Some(format!(
            "--out {} would overwrite the input {}",
            o.display(),
            input.display()
        ))
    })
}

fn cmd_run(a: RunArgs, io: &mut Io) -> ExitCode {
    let mut formats = a.format.clone();
    formats.dedup();
    let found = match scenarios_to_run(&a, &formats, io) {
        Ok(found) => found,
        Err(code) => return code,
    };
    let names: Vec<&str> = formats.iter().map(|f| f.file_name()).collect();
    let _outputs = match crate::output::Plan::new()
        .reports("--out", a.out.as_deref(), &names)
        .claim()
    {
        Ok(c) => c,
        Err(r) => {
            let _ = writeln!(io.err, "coinflip: error: {r}");
            return r.code;
        }
    };
    let files = partitioned(found, a.partition);
    let opts = RunOptions {
        seed: a.seed,
        filter: a.filter.clone(),
        jobs: crate::jobs::threads(a.jobs, files.len()),
    };
    let bar = progress_bar(files.len(), a.quiet || !io.progress);
    let sink = progress_sink(&bar);
    let finished = std::sync::atomic::AtomicUsize::new(0);
    let report = run::run_files_with_progress(
        &files,
        &opts,
        &|_| {
            let k = finished.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
            bar.set_message(scenarios_done(k, files.len()));
        },
        sink.as_ref(),
    );
    bar.finish_and_clear();
    if report.scenarios.is_empty() && a.partition.is_none() {
        let msg = format!(
            "--filter {:?} matches none of the {}",
            a.filter.unwrap_or_default(),
            crate::text::count(files.len(), "scenario", "scenarios")
        );
        return usage(io, &msg);
    }
    let written = write_run_reports(&a, &formats, &report, io);
    if written != ExitCode::Ok {
        return written;
    }
    report.exit_code()
}

/// The scenario files `run` was asked for, after checking its arguments against them (a usage
/// error otherwise).
fn scenarios_to_run(
    a: &RunArgs,
    formats: &[crate::report::Format],
    io: &mut Io,
) -> Result<Vec<PathBuf>, ExitCode> {
    if let Some(problem) = run_args_problem(a, formats) {
        return Err(usage(io, &problem));
    }
    let found = discover::discover(&a.paths).map_err(|e| usage(io, &e))?;
    if found.is_empty() {
        let paths: Vec<String> = a.paths.iter().map(|p| p.display().to_string()).collect();
        return Err(usage(
            io,
            &format!("no scenario files (*.toml) found in {}", paths.join(", ")),
        ));
    }
    if let Some(out) = &a.out
        && let Some(problem) = run_out_problem(out, formats, &found)
    {
        return Err(usage(io, &problem));
    }
    Ok(found)
}

/// Writes `run`'s report in every format asked for (to stdout, `--out FILE`, or one file per
/// format in `--out DIR`), then the summary on stdout when the reports went to files.
fn write_run_reports(
    a: &RunArgs,
    formats: &[crate::report::Format],
    report: &crate::results::BatchReport,
    io: &mut Io,
) -> ExitCode {
    let written = match (formats, a.out.as_deref()) {
        ([format], out) => {
            let color = out.is_none() && io.color;
            let text = crate::report::exporter(*format, color, a.verbose).render(report);
            emit(io, &text, out)
        }
        (_, dir) => {
            let dir = dir.expect("checked by run_args_problem");
            formats
                .iter()
                .map(|f| {
                    let text = crate::report::exporter(*f, false, a.verbose).render(report);
                    emit(io, &text, Some(&dir.join(f.file_name())))
                })
                .find(|&code| code != ExitCode::Ok)
                .unwrap_or(ExitCode::Ok)
        }
    };
    if written != ExitCode::Ok {
        return written;
    }
    if let Some(out) = &a.out
        && !a.quiet
        && let Some(summary) = crate::report::text::out_summary(report, out, formats, io.color)
    {
        emit(io, &summary, None);
    }
    ExitCode::Ok
}

/// A progress bar on standard error, unless `hidden` (`--quiet`, or standard error is not a
/// terminal): the samples drawn and chi-square draws done inside the scenarios (so a single long
/// scenario moves it too), and how many scenarios are finished. Its first frame is drawn at
/// once, and redrawn while a long step runs.
fn progress_bar(scenarios: usize, hidden: bool) -> indicatif::ProgressBar {
    if hidden {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(1);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{bar:40} {percent:>3}% of samples and draws  {msg}",
    ) {
        bar.set_style(style);
    }
    bar.set_message(scenarios_done(0, scenarios));
    bar.tick();
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    bar
}

/// What moves `bar` as samples and draws are done; none for a hidden bar (no work for nothing).
fn progress_sink(bar: &indicatif::ProgressBar) -> Option<crate::pipeline::progress::Sink> {
    use crate::pipeline::progress::{Event, Sink};
    use std::sync::atomic::{AtomicBool, Ordering};
    if bar.is_hidden() {
        return None;
    }
    let bar = bar.clone();
    // The bar starts one step long (an empty bar, not a full one); the first work planned
    // replaces that step.
    let started = AtomicBool::new(false);
    let sink: Sink = std::sync::Arc::new(move |e| match e {
        Event::Planned(n) if !started.swap(true, Ordering::Relaxed) => {
            bar.inc_length(n.saturating_sub(1))
        }
        Event::Planned(n) => bar.inc_length(n),
        Event::Done(n) => bar.inc(n),
    });
    Some(sink)
}

/// `3/13 scenarios done`.
fn scenarios_done(k: usize, n: usize) -> String {
    format!(
        "{k}/{n} {} done",
        if n == 1 { "scenario" } else { "scenarios" }
    )
}

/// Loads and prepares a model scenario for `score`, `trace` and `export-arpa`; problems are
/// written to the error stream.
fn load_model(io: &mut Io, path: &Path) -> Result<(Scenario, Prepared), ExitCode> {
    let sc = load_model_scenario(io, path)?;
    let p = prepare::prepare(&sc, &CorpusCache::default()).map_err(|d| rejected(io, d))?;
    Ok((sc, p))
}

/// Loads a model scenario (refusing a [distribution] one) without training it.
fn load_model_scenario(io: &mut Io, path: &Path) -> Result<Scenario, ExitCode> {
    if !path.exists() {
        return Err(usage(io, &format!("no such file: {}", path.display())));
    }
    let sc = scenario::load(path, path).map_err(|d| rejected(io, d))?;
    if matches!(sc.kind, ScenarioKind::Distribution(_)) {
        return Err(rejected(
            io,
            vec![Diagnostic::file(
                path,
                "this is a [distribution] scenario: it has no trained model to score with or trace",
            )],
        ));
    }
    Ok(sc)
}

fn cmd_generate(a: crate::cli::GenerateArgs, io: &mut Io) -> ExitCode {
    use crate::pipeline::generate;
    if !a.corpus.exists() {
        return usage(io, &format!("no such file: {}", a.corpus.display()));
    }
    let save = a.save_scenario.as_deref();
    if let Some(save) = save
        && crate::output::is_same_or_inside(save, &a.corpus)
    {
        return usage(io, "--save-scenario would overwrite the corpus");
    }
    let opts = generate::Options {
        corpus: a.corpus,
        tokenizer: a.tokenizer,
        lowercase: a.lowercase,
        order: a.order,
        smoothing: a.smoothing,
        k: a.k,
        discount: a.discount,
        alpha: a.alpha,
        prefix: a.prefix,
        samples: a.samples,
        max_tokens: a.max_tokens,
        seed: a.seed,
        temperature: a.temperature,
        top_k: a.top_k,
        top_p: a.top_p,
    };
    let sc = match generate::scenario(&opts) {
        Ok(sc) => sc,
        Err(problems) => return usage(io, &problems.join("\ncoinflip: error: ")),
    };
    let _claim = match crate::output::Plan::new()
        .file("--save-scenario", save)
        .claim()
    {
        Ok(c) => c,
        Err(r) => {
            let _ = writeln!(io.err, "coinflip: error: {r}");
            return r.code;
        }
    };
    let r = run::run_scenario(&sc, &CorpusCache::default());
    if r.status == crate::results::Status::Error {
        for d in &r.diagnostics {
            let _ = writeln!(io.err, "coinflip: error: {}", generate::option_message(d));
        }
        return ExitCode::Failed;
    }
    let written = emit(io, &crate::report::text::render_generated(&r), None);
    match save {
        Some(path) if written == ExitCode::Ok => match generate::saved_toml(&opts, path) {
            Ok(text) => {
                let code = emit(io, &text, Some(path));
                if code == ExitCode::Ok {
                    let shown = crate::text::slashed(path);
                    let _ = writeln!(
                        io.err,
                        "coinflip: wrote {shown} (`coinflip run {shown}` draws the same samples)"
                    );
                }
                code
            }
            Err(e) => error(io, &format!("cannot write {}: {e}", path.display())),
        },
        _ => written,
    }
}

fn cmd_score(a: ScoreArgs, io: &mut Io) -> ExitCode {
    let (_, p) = match load_model(io, &a.scenario) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let text = match (a.text, &a.file) {
        (Some(t), None) if t != "-" => t,
        (_, file) => {
            let read = crate::pipeline::inspect::read_text_input(
                file.as_deref(),
                &mut std::io::stdin().lock(),
            );
            match read {
                Ok(t) => t,
                Err(d) => return rejected(io, vec![d]),
            }
        }
    };
    let s = crate::pipeline::inspect::score(&p, &text, a.eos);
    let text = match a.format {
        SimpleFormat::Text => crate::pipeline::inspect::render_score_text(&s),
        SimpleFormat::Json => crate::pipeline::inspect::render_json(&s),
    };
    emit(io, &text, None)
}

/// `trace` on a `[distribution]` scenario: the coin and the chi-square check's first draws.
/// `None` for any other scenario.
fn trace_distribution(a: &TraceArgs, io: &mut Io) -> Option<ExitCode> {
    let sc = scenario::load(&a.scenario, &a.scenario).ok()?;
    let seed = a.seed.unwrap_or(sc.seed);
    let f = crate::pipeline::flip::replay_chi_square(&sc, seed, a.draws)?;
    let text = match a.format {
        SimpleFormat::Text => crate::report::flip::text::render_trace(
            &f,
            sc.checks.chi_square.as_ref().map(|c| c.samples),
        ),
        SimpleFormat::Json => crate::report::flip::json::render(&f),
    };
    Some(emit(io, &text, None))
}

fn cmd_trace(a: TraceArgs, io: &mut Io) -> ExitCode {
    if let Some(code) = trace_distribution(&a, io) {
        return code;
    }
    let (sc, p) = match load_model(io, &a.scenario) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let ScenarioKind::Model { generate, .. } = &sc.kind else {
        unreachable!("load_model refuses distribution scenarios");
    };
    if a.sample >= generate.samples {
        let msg = format!(
            "--sample {} is out of range: the scenario generates {} (0 to {})",
            a.sample,
            crate::text::count(generate.samples, "sample", "samples"),
            generate.samples - 1
        );
        return usage(io, &msg);
    }
    let cfg = GenerateConfig {
        max_tokens: generate.max_tokens,
        stop_at_end: generate.stop_at_end,
        sampler: sc.sampling,
    };
    let seed = a.seed.unwrap_or(sc.seed);
    let t = crate::pipeline::inspect::trace(&p, seed, a.sample, &cfg, a.top);
    let text = match a.format {
        SimpleFormat::Text => {
            crate::pipeline::inspect::render_trace_text(&t, &sc.sampling, a.sort, a.top)
        }
        SimpleFormat::Json => crate::pipeline::inspect::render_json(&t),
    };
    emit(io, &text, None)
}

fn cmd_flip(a: crate::cli::FlipArgs, io: &mut Io) -> ExitCode {
    use crate::pipeline::flip::{Failure, Request, flip};
    let req = Request {
        scenario: &a.scenario,
        count: a.count,
        seed: a.seed,
        context: a.context.as_deref(),
    };
    match flip(&req) {
        Ok(f) => emit(io, &crate::report::flip::render(a.format, &f), None),
        Err(Failure::Usage(msg)) => usage(io, &msg),
        Err(Failure::Rejected(diags)) => rejected(io, diags),
    }
}

fn cmd_calibrate(a: CalibrateArgs, io: &mut Io) -> ExitCode {
    if !a.scenario.exists() {
        return usage(io, &format!("no such file: {}", a.scenario.display()));
    }
    let sc = match scenario::load(&a.scenario, &a.scenario) {
        Ok(s) => s,
        Err(d) => return rejected(io, d),
    };
    let tested = match crate::pipeline::tested::tested_distributions(&sc, &CorpusCache::default()) {
        Ok(t) => t,
        Err(d) => return rejected(io, d),
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
        Err(e) => return error(io, &e),
    };
    let text = match a.format {
        SimpleFormat::Text => crate::pipeline::calibrate::render_text(&c),
        SimpleFormat::Json => crate::pipeline::inspect::render_json(&c),
    };
    let written = emit(io, &text, None);
    if written != ExitCode::Ok {
        return written;
    }
    ExitCode::from_passed(c.verdict == "ok")
}

fn cmd_export_arpa(a: ExportArpaArgs, io: &mut Io) -> ExitCode {
    if let Some(out) = &a.out
        && crate::output::is_same_or_inside(out, &a.scenario)
    {
        return usage(io, "--out would overwrite the scenario file");
    }
    let sc = match load_model_scenario(io, &a.scenario) {
        Ok(sc) => sc,
        Err(code) => return code,
    };
    let out = a.out.as_deref();
    if let ScenarioKind::Model { model, .. } = &sc.kind
        && model.estimator == crate::lm::Estimator::ModifiedKneserNey
    {
        // Estimated as lmplz does and written as it comes, without building a model to
        // score or draw from (docs/performance.md, "export-arpa").
        let tables = prepare::prepare_with(&sc, &CorpusCache::default(), |corpus, spec| {
            crate::lm::estimator::estimate_modified_kneser_ney(corpus, spec.order, &sc.file)
        });
        return match tables {
            Ok(t) => emit_with(io, out, &mut |w| t.write_arpa(w)),
            Err(d) => rejected(io, d),
        };
    }
    let p = match prepare::prepare(&sc, &CorpusCache::default()) {
        Ok(p) => p,
        Err(d) => return rejected(io, d),
    };
    match crate::lm::export::to_backoff(&p.model, &p.corpus.documents) {
        Ok(m) => {
            drop(p);
            emit_with(io, out, &mut |w| crate::lm::arpa::write_to(&m, w))
        }
        Err(e) => error(io, &format!("{}: {e}", a.scenario.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    /// Runs `coinflip ARGS` in this process: (exit code, out, err).
    fn coinflip(args: &[&str]) -> (ExitCode, String, String) {
        let cli = Cli::try_parse_from(std::iter::once("coinflip").chain(args.iter().copied()))
            .expect("the arguments parse");
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let mut io = Io {
            out: &mut out,
            err: &mut err,
            color: false,
            progress: false,
        };
        let code = run(cli, &mut io);
        let text = |b: Vec<u8>| String::from_utf8(b).unwrap();
        (code, text(out), text(err))
    }

    #[test]
    fn a_batch_with_a_failure_exits_1_and_reports_on_out() {
        let (code, out, err) = coinflip(&["run", "tests/fixtures/mixed"]);
        assert_eq!(code, ExitCode::Failed);
        assert!(
            out.ends_with("coinflip: 1 passed, 1 failed, 2 errors\n"),
            "{out}"
        );
        assert_eq!(err, "");
    }

    #[test]
    fn usage_errors_exit_2_with_a_message_and_no_report() {
        for (args, msg) in [
            (
                &["run", "scenarios/greedy.toml", "--format", "json,text"][..],
                "coinflip: error: several --format values need --out DIR (one file per format)\n",
            ),
            (
                &["run", "no/such/folder"][..],
                "coinflip: error: no such file or folder: no/such/folder\n",
            ),
            (
                &["trace", "scenarios/greedy.toml", "--sample", "99"][..],
                "coinflip: error: --sample 99 is out of range: the scenario generates 3 samples \
                 (0 to 2)\n",
            ),
        ] {
            let (code, out, err) = coinflip(args);
            assert_eq!(
                (code, out.as_str(), err.as_str()),
                (ExitCode::Usage, "", msg)
            );
        }
    }

    #[test]
    fn rejected_inputs_exit_1_on_err() {
        let (code, out, err) =
            coinflip(&["score", "scenarios/viewing-a-single.toml", "--text", "a"]);
        assert_eq!(code, ExitCode::Failed);
        assert_eq!(out, "");
        assert!(err.contains("this is a [distribution] scenario"), "{err}");
        let (code, _, err) = coinflip(&["export-arpa", "scenarios/greedy.toml"]);
        assert_eq!(code, ExitCode::Failed);
        assert!(err.contains("has no ARPA form"), "{err}");
    }

    #[test]
    fn every_command_writes_to_the_streams_it_is_given() {
        let (code, out, _) = coinflip(&["schema", "scenario"]);
        assert_eq!(code, ExitCode::Ok);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["title"], "coinflip scenario");
        let (code, out, _) = coinflip(&["list", "tests/fixtures/mixed"]);
        assert_eq!(code, ExitCode::Ok);
        assert_eq!(out.lines().count(), 4, "{out}");
        let (code, out, _) = coinflip(&["completions", "bash"]);
        assert_eq!(code, ExitCode::Ok);
        assert!(out.contains("_coinflip()"));
        let (code, out, _) = coinflip(&["quiz", "check", "quizzes/ch06-inference.toml"]);
        assert_eq!(code, ExitCode::Ok);
        assert!(out.contains(": ok: quiz `"), "{out}");
    }
}
