//! Which scenario files a run runs: the PATH arguments expanded (folders searched recursively
//! for `*.toml`), sorted, and split into deterministic shards for `--partition`.

use std::path::{Path, PathBuf};

/// Scenario files under `paths`: files as given, folders searched recursively for `*.toml`.
/// Sorted by path; a path that does not exist is a usage error.
pub fn discover(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut files = Vec::new();
    for p in paths {
        if p.is_dir() {
            toml_files_under(p, &mut files)
                .map_err(|e| format!("cannot read folder {}: {e}", p.display()))?;
        } else if p.exists() {
            files.push(p.clone());
        } else {
            return Err(format!("no such file or folder: {}", p.display()));
        }
    }
    files.sort();
    files.dedup();
    Ok(files)
}

/// The `*.toml` files under `dir`, at any depth. Linked folders are not followed (a link loop
/// would list the same files forever); linked files are listed.
fn toml_files_under(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in walkdir::WalkDir::new(dir).follow_links(false) {
        // The underlying error reads as before ("Permission denied (os error 13)"); a loop
        // cannot happen without following links.
        let entry = entry.map_err(|e| {
            let text = e.to_string();
            e.into_io_error()
                .unwrap_or_else(|| std::io::Error::other(text))
        })?;
        let path = entry.path();
        // `is_dir` follows a link: a linked folder is neither walked nor listed.
        if !path.is_dir() && path.extension().is_some_and(|e| e == "toml") {
            out.push(entry.into_path());
        }
    }
    Ok(())
}

/// The shard (1..=n) of a scenario file: FNV-1a (64-bit) of its path as found — forward
/// slashes, a leading `./` removed — modulo n, plus one. Stable across machines and releases, so
/// every CI job of a sharded suite agrees on who runs what, given the same PATH arguments.
pub fn shard(path: &Path, n: u64) -> u64 {
    let s = shown(path);
    let s = s.strip_prefix("./").unwrap_or(&s);
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h % n + 1
}

/// Display form of a path: as given, with forward slashes.
pub fn shown(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}

/// Every file a run reads: the scenario files and the corpus and ARPA files they name (a file
/// that cannot be loaded names none). An output may go anywhere but over one of these.
pub fn input_files(files: &[PathBuf]) -> Vec<PathBuf> {
    use crate::corpus::CorpusSource;
    use crate::scenario::ScenarioKind;
    let mut inputs = files.to_vec();
    for f in files {
        let Ok(sc) = crate::scenario::load(f, f) else {
            continue;
        };
        if let ScenarioKind::Model { corpus, model, .. } = &sc.kind {
            if let Some(CorpusSource::Files(paths)) = corpus.as_ref().map(|c| &c.source) {
                inputs.extend(paths.iter().map(|p| sc.dir.join(p)));
            }
            if let crate::lm::Estimator::Arpa { path, .. } = &model.estimator {
                inputs.push(sc.dir.join(path));
            }
        }
    }
    inputs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(root: &Path, rel: &str) {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, "").unwrap();
    }

    #[test]
    fn folders_are_searched_for_toml_files_in_sorted_order() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for f in [
            "b.toml",
            "a/z.toml",
            "a/sub/c.toml",
            "a/notes.txt",
            "A.toml",
            ".hid/d.toml",
        ] {
            touch(root, f);
        }
        // A file named twice (once inside a folder) is listed once.
        let found = discover(&[root.to_path_buf(), root.join("b.toml")]).unwrap();
        let rel: Vec<String> = found
            .iter()
            .map(|p| shown(p.strip_prefix(root).unwrap()))
            .collect();
        assert_eq!(
            rel,
            [
                ".hid/d.toml",
                "A.toml",
                "a/sub/c.toml",
                "a/z.toml",
                "b.toml"
            ]
        );
    }

    #[test]
    fn a_file_is_taken_as_given_and_a_missing_path_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        touch(dir.path(), "scenario.txt");
        let file = dir.path().join("scenario.txt");
        assert_eq!(discover(std::slice::from_ref(&file)).unwrap(), [file]);
        let missing = dir.path().join("nope");
        let err = discover(std::slice::from_ref(&missing)).unwrap_err();
        assert_eq!(
            err,
            format!("no such file or folder: {}", missing.display())
        );
    }

    #[cfg(unix)]
    #[test]
    fn linked_folders_are_not_followed_but_linked_files_are_listed() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        touch(root, "real/a.toml");
        std::os::unix::fs::symlink(root, root.join("real/loop")).unwrap();
        std::os::unix::fs::symlink(root.join("real/a.toml"), root.join("real/b.toml")).unwrap();
        let found = discover(&[root.join("real")]).unwrap();
        assert_eq!(found, [root.join("real/a.toml"), root.join("real/b.toml")]);
    }

    #[test]
    fn shards_are_fnv1a_of_the_shown_path_and_cover_1_to_n() {
        // FNV-1a 64 of "a" is 0xaf63dc4c8601ec8c (the published test vector); that modulo
        // 1000, plus one, is 997.
        assert_eq!(shard(Path::new("a"), 1000), 997);
        // `./` and backslashes do not change a scenario's shard.
        for n in 1..=7 {
            let s = shard(Path::new("scenarios/greedy.toml"), n);
            assert!((1..=n).contains(&s));
            assert_eq!(shard(Path::new("./scenarios/greedy.toml"), n), s);
            assert_eq!(shard(Path::new("scenarios\\greedy.toml"), n), s);
        }
        assert_eq!(shard(Path::new("anything"), 1), 1);
    }
}
