//! `coinflip init [DIR]`: writes a starter project — a scenario with its small corpus, the
//! chapter's demo distribution, a quiz with two answer files, the JSON Schemas the TOML files
//! name on their `#:schema` line, and a GitHub Actions workflow that installs coinflip from its
//! source (a git URL the user fills in: [`GIT_PLACEHOLDER`]), runs the scenarios and keeps the
//! reports.
//!
//! The files are templates under `templates/init/`, embedded in the binary with `include_str!`;
//! the schemas are generated ([`crate::schema`]). Nothing is ever overwritten: if any file
//! already exists, all of them are listed and none is written. Each file is created atomically
//! and without clobbering (a file that appears meanwhile is not replaced either).

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::exit::ExitCode;
use crate::schema::{SchemaFormat, schema_text};

/// The value of `COINFLIP_GIT` in the workflow until the user sets it: the git URL of coinflip's
/// source, which the workflow installs from (the crate named `coinflip` on crates.io is another
/// project, so the workflow never installs a crate by name). `init` says what to fill in.
pub const GIT_PLACEHOLDER: &str = "FILL-IN-coinflip-git-url";

/// The workflow file, by its path in the new project.
pub const WORKFLOW: &str = ".github/workflows/coinflip.yml";

/// The template files, by their path in the new project.
const TEMPLATES: [(&str, &str); 8] = [
    ("README.md", include_str!("../templates/init/README.md")),
    (
        "scenarios/garden.toml",
        include_str!("../templates/init/scenarios/garden.toml"),
    ),
    (
        "scenarios/corpora/garden.txt",
        include_str!("../templates/init/scenarios/corpora/garden.txt"),
    ),
    (
        "scenarios/viewing-a-single.toml",
        include_str!("../templates/init/scenarios/viewing-a-single.toml"),
    ),
    (
        "quizzes/starter.toml",
        include_str!("../templates/init/quizzes/starter.toml"),
    ),
    (
        "answers/s001.toml",
        include_str!("../templates/init/answers/s001.toml"),
    ),
    (
        "answers/s002.json",
        include_str!("../templates/init/answers/s002.json"),
    ),
    (
        WORKFLOW,
        include_str!("../templates/init/.github/workflows/coinflip.yml"),
    ),
];

/// Every file of the starter project: relative path and content, in writing order.
pub fn files() -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = TEMPLATES
        .iter()
        .map(|(p, c)| (p.to_string(), c.to_string()))
        .collect();
    for (name, format) in [
        ("scenario", SchemaFormat::Scenario),
        ("quiz", SchemaFormat::Quiz),
        ("answers", SchemaFormat::Answers),
    ] {
        out.push((
            format!("schemas/{name}.schema.json"),
            schema_text(format) + "\n",
        ));
    }
    out
}

/// Runs `coinflip init DIR`: [`ExitCode::Ok`] every file written; [`ExitCode::Failed`] a file
/// already exists (nothing is written), DIR is not a folder, or a file could not be written.
pub fn run_with(dir: &Path, out: &mut dyn Write, err: &mut dyn Write) -> ExitCode {
    let shown = crate::text::slashed;
    if dir.exists() && !dir.is_dir() {
        let _ = writeln!(err, "error: {} is a file, not a folder", shown(dir));
        return ExitCode::Failed;
    }
    let files = files();
    let existing: Vec<PathBuf> = files
        .iter()
        .map(|(p, _)| dir.join(p))
        .filter(|p| p.symlink_metadata().is_ok())
        .collect();
    if !existing.is_empty() {
        let _ = writeln!(
            err,
            "error: coinflip init writes nothing because {} of its files already exist{}:",
            existing.len(),
            if existing.len() == 1 { "s" } else { "" }
        );
        for p in &existing {
            let _ = writeln!(err, "  {}", shown(p));
        }
        let _ = writeln!(err, "move them away or choose another folder");
        return ExitCode::Failed;
    }
    for (rel, content) in &files {
        let path = dir.join(rel);
        if let Err(e) = crate::output::write_new(&path, content.as_bytes()) {
            let _ = writeln!(err, "error: cannot write {}: {e}", shown(&path));
            return ExitCode::Failed;
        }
        let _ = writeln!(out, "created {}", shown(&path));
    }
    let cd = if dir == Path::new(".") {
        String::new()
    } else {
        format!("cd {} && ", shown(dir))
    };
    let _ = writeln!(
        out,
        "\nNext: {cd}coinflip run scenarios/ && coinflip quiz grade quizzes/starter.toml answers/"
    );
    let _ = writeln!(
        out,
        "\nFill in before pushing: {} installs coinflip from its source in CI; replace \
         {GIT_PLACEHOLDER} (COINFLIP_GIT) with the git URL of coinflip's source, the repository \
         you got coinflip from.",
        shown(&dir.join(WORKFLOW))
    );
    ExitCode::Ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_to_overwrite_and_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("quizzes")).unwrap();
        std::fs::write(dir.path().join("quizzes/starter.toml"), "mine").unwrap();
        std::fs::write(dir.path().join("README.md"), "mine too").unwrap();
        let (mut out, mut err) = (vec![], vec![]);
        assert_eq!(run_with(dir.path(), &mut out, &mut err), ExitCode::Failed);
        let err = String::from_utf8(err).unwrap();
        assert!(err.contains("2 of its files already exist:"), "{err}");
        assert!(err.contains("quizzes/starter.toml") && err.contains("README.md"));
        assert_eq!(
            std::fs::read_to_string(dir.path().join("quizzes/starter.toml")).unwrap(),
            "mine"
        );
        assert!(!dir.path().join("scenarios").exists(), "nothing written");
        assert!(out.is_empty());
    }

    #[test]
    fn a_file_as_dir_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("f");
        std::fs::write(&f, "x").unwrap();
        let (mut out, mut err) = (vec![], vec![]);
        assert_eq!(run_with(&f, &mut out, &mut err), ExitCode::Failed);
        assert!(String::from_utf8(err).unwrap().contains("is a file"));
    }

    #[test]
    fn the_workflow_has_the_placeholder_init_names() {
        let (_, workflow) = TEMPLATES.iter().find(|(p, _)| *p == WORKFLOW).unwrap();
        assert!(
            workflow.contains(&format!("COINFLIP_GIT: \"{GIT_PLACEHOLDER}\"")),
            "{workflow}"
        );
        let dir = tempfile::tempdir().unwrap();
        let (mut out, mut err) = (vec![], vec![]);
        assert_eq!(
            run_with(&dir.path().join("p"), &mut out, &mut err),
            ExitCode::Ok
        );
        let out = String::from_utf8(out).unwrap();
        assert!(
            out.contains(GIT_PLACEHOLDER) && out.contains(WORKFLOW),
            "{out}"
        );
    }

    #[test]
    fn the_demo_distribution_is_the_bundled_one() {
        let bundled = include_str!("../scenarios/viewing-a-single.toml");
        let (_, copy) = TEMPLATES
            .iter()
            .find(|(p, _)| *p == "scenarios/viewing-a-single.toml")
            .unwrap();
        assert_eq!(
            copy.strip_prefix("#:schema ../schemas/scenario.schema.json\n"),
            Some(bundled)
        );
    }
}
