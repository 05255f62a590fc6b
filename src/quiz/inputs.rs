//! Which files are answer files: the ANSWERS arguments, with folders walked recursively in sorted
//! (byte-wise file name) order so the same folder always gives the same list.
//!
//! Nothing is dropped silently. A path that does not exist or a folder that cannot be read is a
//! rejection. What is deliberately not read is named on stderr as a note: hidden entries (names
//! starting with `.`, such as `.DS_Store`), symbolic links to folders (to avoid loops), the quiz
//! file itself, and a file named twice (read once).

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use super::submission::Rejection;

/// One answer file to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputFile {
    /// Where it is.
    pub path: PathBuf,
    /// How reports name it: the argument, joined with the path under it, `/`-separated.
    pub display: String,
}

/// The outcome of collecting the ANSWERS arguments.
#[derive(Debug, Default)]
pub struct Collected {
    /// Files to read, in argument order, each folder's files sorted.
    pub files: Vec<InputFile>,
    /// Arguments or folders that could not be read.
    pub rejected: Vec<Rejection>,
    /// What was skipped on purpose, and why (for stderr).
    pub notes: Vec<String>,
}

/// `path` as reports show it.
pub fn display(path: &Path) -> String {
    path.display().to_string().replace('\\', "/")
}

/// Expands `args` into answer files; `quiz` is skipped if met.
pub fn collect(args: &[PathBuf], quiz: &Path) -> Collected {
    let mut c = Collected::default();
    let mut seen: HashSet<PathBuf> = HashSet::new();
    if let Ok(q) = quiz.canonicalize() {
        seen.insert(q);
    }
    let quiz_canon = quiz.canonicalize().ok();
    let mut found = vec![];
    for arg in args {
        match std::fs::metadata(arg) {
            Err(e) => c.rejected.push(Rejection::file(
                &display(arg),
                match e.kind() {
                    // The same words on every system (the OS's own text differs).
                    std::io::ErrorKind::NotFound => {
                        "cannot read this answer path: no such file or folder".to_string()
                    }
                    _ => format!("cannot read this answer path: {e}"),
                },
            )),
            Ok(m) if m.is_dir() => walk(arg, &mut found, &mut c),
            Ok(_) => found.push(arg.clone()),
        }
    }
    for path in found {
        let canon = path.canonicalize().unwrap_or_else(|_| path.clone());
        if Some(&canon) == quiz_canon.as_ref() {
            c.notes.push(format!(
                "{}: skipped: this is the quiz file",
                display(&path)
            ));
            continue;
        }
        if !seen.insert(canon) {
            c.notes.push(format!(
                "{}: skipped: this file was already named (it is read once)",
                display(&path)
            ));
            continue;
        }
        c.files.push(InputFile {
            display: display(&path),
            path,
        });
    }
    c
}

/// The files under `dir`, depth first, each folder's entries in byte-wise name order. Hidden
/// entries and linked folders are skipped with a note.
fn walk(dir: &Path, found: &mut Vec<PathBuf>, c: &mut Collected) {
    let mut entries = walkdir::WalkDir::new(dir)
        .min_depth(1)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter();
    while let Some(entry) = entries.next() {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let folder = e.path().unwrap_or(dir).to_path_buf();
                let reason = match e.into_io_error() {
                    Some(io) => io.to_string(),
                    None => "a folder links back to itself".to_string(),
                };
                c.rejected.push(Rejection::file(
                    &display(&folder),
                    format!("cannot read this folder: {reason}"),
                ));
                continue;
            }
        };
        let path = entry.path();
        if entry.file_name().to_string_lossy().starts_with('.') {
            c.notes
                .push(format!("{}: skipped: hidden file or folder", display(path)));
            if entry.file_type().is_dir() {
                entries.skip_current_dir();
            }
            continue;
        }
        if entry.file_type().is_dir() {
            continue;
        }
        if entry.path_is_symlink() && path.is_dir() {
            c.notes.push(format!(
                "{}: skipped: symbolic link to a folder (name the folder itself to read it)",
                display(path)
            ));
            continue;
        }
        // Files, and links that cannot be followed (reading them reports why).
        found.push(entry.into_path());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walks_folders_sorted_and_notes_what_it_skips() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("b/sub")).unwrap();
        std::fs::create_dir_all(root.join(".git")).unwrap();
        for f in [
            "b/z.toml",
            "b/a.json",
            "b/sub/m.csv",
            "b/.DS_Store",
            "quiz.toml",
            "c.toml",
        ] {
            std::fs::write(root.join(f), "x").unwrap();
        }
        let args = vec![
            root.join("b"),
            root.join("b/a.json"),
            root.to_path_buf(),
            root.join("nope"),
        ];
        let c = collect(&args, &root.join("quiz.toml"));
        let rel = |s: &str| s.strip_prefix(&display(root)).unwrap().to_string();
        let files: Vec<_> = c.files.iter().map(|f| rel(&f.display)).collect();
        assert_eq!(files, ["/b/a.json", "/b/sub/m.csv", "/b/z.toml", "/c.toml"]);
        let notes: Vec<_> = c.notes.iter().map(|n| rel(n)).collect();
        assert_eq!(
            notes,
            [
                "/b/.DS_Store: skipped: hidden file or folder",
                "/.git: skipped: hidden file or folder",
                "/b/.DS_Store: skipped: hidden file or folder",
                "/b/a.json: skipped: this file was already named (it is read once)",
                "/b/a.json: skipped: this file was already named (it is read once)",
                "/b/sub/m.csv: skipped: this file was already named (it is read once)",
                "/b/z.toml: skipped: this file was already named (it is read once)",
                "/quiz.toml: skipped: this is the quiz file",
            ]
        );
        assert_eq!(c.rejected.len(), 1);
        assert!(
            c.rejected[0]
                .reason()
                .starts_with("cannot read this answer path")
        );
    }

    #[cfg(unix)]
    #[test]
    fn linked_folders_are_noted_not_walked_and_linked_files_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("class/real")).unwrap();
        std::fs::write(root.join("class/real/s1.toml"), "x").unwrap();
        std::os::unix::fs::symlink(root.join("class"), root.join("class/loop")).unwrap();
        std::os::unix::fs::symlink(root.join("class/real/s1.toml"), root.join("class/s2.toml"))
            .unwrap();
        let c = collect(&[root.join("class")], &root.join("quiz.toml"));
        let rel = |s: &str| s.strip_prefix(&display(root)).unwrap().to_string();
        let files: Vec<_> = c.files.iter().map(|f| rel(&f.display)).collect();
        assert_eq!(files, ["/class/real/s1.toml"]);
        let notes: Vec<_> = c.notes.iter().map(|n| rel(n)).collect();
        assert_eq!(
            notes,
            [
                "/class/loop: skipped: symbolic link to a folder (name the folder itself to read it)",
                "/class/s2.toml: skipped: this file was already named (it is read once)",
            ]
        );
    }
}
