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
/// Largest `samples × max_tokens` in one scenario.
pub const MAX_GENERATED: i64 = 50_000_000;
/// Largest `checks.chi_square.samples` and `replicates`.
pub const MAX_DRAWS: i64 = 100_000_000;
/// Scenario files: 1 MiB each (`COINFLIP_MAX_SCENARIO_BYTES`).
pub const SCENARIO_LIMIT: crate::corpus::SizeLimit = crate::corpus::SizeLimit {
    what: "a scenario file",
    var: "COINFLIP_MAX_SCENARIO_BYTES",
    default: 1 << 20,
};

/// Reads and validates a scenario file (refusing one above [`SCENARIO_LIMIT`]). `shown` is the
/// path as the user named it.
pub fn load(path: &Path, shown: &Path) -> Result<Scenario, Vec<Diagnostic>> {
    let source =
        crate::corpus::read_text_limited(path, shown, &SCENARIO_LIMIT).map_err(|d| vec![d])?;
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
    let Ok(source) = crate::corpus::read_text_limited(path, path, &SCENARIO_LIMIT) else {
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
