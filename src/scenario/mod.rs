//! Scenario files: the TOML format, strict parsing and validation into a [`Scenario`].
//!
//! Parsing happens in two steps. `toml` + serde read the file into the raw tables of [`raw`],
//! which reject unknown keys and wrong types (with the span of the offending text); then
//! [`validate`] checks ranges and combinations with the spans it kept, and reports *every*
//! problem it finds, each with the file, line, column, key, what was expected and what was
//! found. The result is the validated [`spec`]. `docs/scenarios.md` documents every key with its
//! default and range.

use std::path::Path;

use crate::error::{self, Diagnostic};

pub(crate) mod raw;
mod shape;
mod spec;
mod validate;

pub use crate::stats::Statistic;
pub use spec::{
    Checks, ChiSquareCheck, CorpusSpec, DistributionSpec, GenerateSpec, Method, ModelSpec,
    OutputCheck, Prefix, RemixCheck, Scenario, ScenarioKind,
};

/// Largest n-gram order.
pub const MAX_ORDER: i64 = 16;
/// Largest `generate.max_tokens`.
pub const MAX_TOKENS: i64 = 1_000_000;
/// Largest `generate.samples`.
pub const MAX_SAMPLES: i64 = 1_000_000;
/// What generation may hold in memory, in tokens: `samples × (max_tokens + SAMPLE_TOKENS)` at
/// most 8 million per scenario (`COINFLIP_MAX_GENERATED_TOKENS`). Every sample is kept until the
/// report is written, so memory grows with the samples; at the limit an HTML report peaks near
/// 8.3 GB, a text or JSON one near 1 GB (`docs/errors.md`, "Limits").
pub const GENERATED_BUDGET: crate::input::SizeLimit = crate::input::SizeLimit {
    what: "generated tokens per scenario",
    var: "COINFLIP_MAX_GENERATED_TOKENS",
    default: 8_000_000,
};

/// The memory of a sample of its own (its texts, id lists, remix figures and report rows), in
/// generated tokens: a sample of 5 tokens costs as much as 25 (measured, `docs/errors.md`).
pub const SAMPLE_TOKENS: u64 = 20;

/// Peak bytes of memory per generated token (as [`GENERATED_BUDGET`] counts them) of a run
/// writing a text or JSON report, and an HTML report (which renders every token in a page held
/// in memory), measured with the release build: JSON 122, text 86, HTML 1,032.
pub const BYTES_PER_GENERATED_TOKEN: u64 = 125;
/// See [`BYTES_PER_GENERATED_TOKEN`].
pub const BYTES_PER_GENERATED_TOKEN_HTML: u64 = 1050;
/// Largest `checks.chi_square.samples` and `replicates`.
pub const MAX_DRAWS: i64 = 100_000_000;
/// `checks.chi_square.samples × replicates` of a Monte Carlo check, per tested distribution:
/// 10 billion draws (`COINFLIP_MAX_MONTE_CARLO_DRAWS`), about 2 minutes on one core. The
/// replicates run on every core, and a model check tests one distribution per context, so a
/// check can take several times this; the message gives the estimate.
pub const MONTE_CARLO_BUDGET: crate::input::SizeLimit = crate::input::SizeLimit {
    what: "Monte Carlo draws per tested distribution",
    var: "COINFLIP_MAX_MONTE_CARLO_DRAWS",
    default: 10_000_000_000,
};

/// Nanoseconds one Monte Carlo draw takes on one core (a uniform from the ChaCha20 stream and a
/// binary search of the cumulative table), measured with the release build on x86-64
/// (`docs/errors.md`, "Limits": 2 × 10⁸ draws in 2.0 s of user time with 10 and with 1,000
/// outcomes): what the time estimate of [`MONTE_CARLO_BUDGET`] multiplies.
pub const NS_PER_MONTE_CARLO_DRAW: f64 = 10.0;

/// The time `draws` Monte Carlo draws take on one core, for people: "3 minutes", "2.5 hours",
/// "41 days", "1.9 years".
pub fn monte_carlo_time(draws: u64) -> String {
    let s = draws as f64 * NS_PER_MONTE_CARLO_DRAW * 1e-9;
    let units = [
        (365.25 * 86400.0, "years"),
        (86400.0, "days"),
        (3600.0, "hours"),
        (60.0, "minutes"),
    ];
    for (size, name) in units {
        if s >= 2.0 * size {
            return format!("{:.1} {name}", s / size);
        }
    }
    format!("{s:.0} seconds")
}

/// Scenario files: 1 MiB each (`COINFLIP_MAX_SCENARIO_BYTES`).
pub const SCENARIO_LIMIT: crate::input::SizeLimit = crate::input::SizeLimit {
    what: "a scenario file",
    var: "COINFLIP_MAX_SCENARIO_BYTES",
    default: 1 << 20,
};

/// Reads and validates a scenario file (refusing one above [`SCENARIO_LIMIT`]). `shown` is the
/// path as the user named it.
pub fn load(path: &Path, shown: &Path) -> Result<Scenario, Vec<Diagnostic>> {
    let source =
        crate::input::read_text_limited(path, shown, &SCENARIO_LIMIT).map_err(|d| vec![d])?;
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    parse(&source, shown, &dir, &stem)
}

/// Parses and validates scenario text.
pub fn parse(
    source: &str,
    shown: &Path,
    dir: &Path,
    default_name: &str,
) -> Result<Scenario, Vec<Diagnostic>> {
    if source.trim().is_empty() {
        return Err(vec![Diagnostic::file(
            shown,
            "the scenario file is empty: expected at least a [corpus] or a [distribution] table",
        )]);
    }
    // A syntax error leaves nothing to read further: it is the one problem reported.
    toml::from_str::<toml::Table>(source).map_err(|e| vec![error::from_toml(shown, source, &e)])?;
    let (raw, mut errors) = shape::read::<raw::Raw>(source, shown);
    let Some(raw) = raw else {
        return Err(errors);
    };
    // Validation checks what the shape errors left (so a file's every problem is reported).
    match validate::validate(raw, shown, source, dir, default_name) {
        Ok(s) if errors.is_empty() => Ok(s),
        Ok(_) => Err(errors),
        Err(more) if errors.is_empty() => Err(more),
        Err(more) => {
            // In the order of the file, as the shape errors are.
            errors.extend(more);
            errors.sort_by_key(|d| (d.line.is_none(), d.line, d.column));
            Err(errors)
        }
    }
}

/// The `name` and `seed` a file declares, when they can be read (for the header of a rejected
/// file: its name and seed, not its file stem and seed 0).
pub fn declared(path: &Path) -> (Option<String>, Option<u64>) {
    let Ok(source) = crate::input::read_text_limited(path, path, &SCENARIO_LIMIT) else {
        return (None, None);
    };
    let Ok(table) = toml::from_str::<toml::Table>(&source) else {
        return (None, None);
    };
    let name = table
        .get("name")
        .and_then(|n| n.as_str())
        .filter(|n| !n.trim().is_empty())
        .map(str::to_string);
    let seed = table
        .get("seed")
        .and_then(|s| s.as_integer())
        .and_then(|s| u64::try_from(s).ok());
    (name, seed)
}

#[cfg(test)]
mod tests;
