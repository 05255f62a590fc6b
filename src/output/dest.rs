//! What an output path names, decided before anything is written: standard output, a stream
//! (a character device such as `/dev/null`, a FIFO, anything under `/dev` or `/proc`) that is
//! written in place, or a regular file — new, or existing and then replaced as a whole, through
//! a link if the path is one (the link stays). Only regular files are ever replaced by a rename,
//! so `--out /dev/null` never turns a device node into a file.

use std::fs::Metadata;
use std::io;
use std::path::{Component, Path, PathBuf};

/// Where one output file goes.
#[derive(Debug)]
pub(crate) enum Dest {
    /// `-`, `/dev/stdout`, `/dev/fd/1`, `/proc/self/fd/1`: the process's standard output.
    Stdout,
    /// `/dev/stderr`, `/dev/fd/2`, `/proc/self/fd/2`.
    Stderr,
    /// Opened and written in place, never replaced: a character device, a FIFO, a path under
    /// `/dev` or `/proc`.
    Stream(PathBuf),
    /// A regular file at `real` (links resolved), replaced by a rename; `existing` is the file
    /// it replaces, whose mode (and owner, where allowed) the new file keeps.
    File {
        real: PathBuf,
        existing: Option<Metadata>,
    },
}

/// The standard streams, by the names users give them.
pub(crate) fn std_stream(path: &Path) -> Option<Dest> {
    match path.to_str()? {
        "-" | "/dev/stdout" | "/dev/fd/1" | "/proc/self/fd/1" => Some(Dest::Stdout),
        "/dev/stderr" | "/dev/fd/2" | "/proc/self/fd/2" => Some(Dest::Stderr),
        _ => None,
    }
}

/// True for `-` and the other names of standard output and standard error.
pub fn is_std_stream(path: &Path) -> bool {
    std_stream(path).is_some()
}

fn error(kind: io::ErrorKind, message: String) -> io::Error {
    io::Error::new(kind, message)
}

/// The error for an existing symbolic link whose target does not exist: writing through it
/// would create a file somewhere the user did not name, and replacing it would drop the link.
fn dangling(path: &Path) -> io::Error {
    let target = std::fs::read_link(path)
        .map(|t| t.display().to_string())
        .unwrap_or_else(|_| "a missing file".into());
    error(
        io::ErrorKind::NotFound,
        format!(
            "it is a symbolic link to {target}, which does not exist; create it or remove the link"
        ),
    )
}

/// Where the output file `path` goes; an error when it cannot be one (a folder, a block device,
/// a socket, a dangling link).
pub(crate) fn classify_file(path: &Path) -> io::Result<Dest> {
    if let Some(d) = std_stream(path) {
        return Ok(d);
    }
    match std::fs::symlink_metadata(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Ok(Dest::File {
                real: resolve(path)?,
                existing: None,
            });
        }
        Err(e) => return Err(e),
        Ok(_) => {}
    }
    let meta = match std::fs::metadata(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(dangling(path)),
        other => other?,
    };
    if meta.is_dir() {
        return Err(error(
            io::ErrorKind::IsADirectory,
            "it is a folder; name a file".into(),
        ));
    }
    if meta.is_file() {
        if under_system_folder(path)? {
            return Ok(Dest::Stream(path.to_path_buf()));
        }
        return Ok(Dest::File {
            real: path.canonicalize()?,
            existing: Some(meta),
        });
    }
    match crate::input::kind_of(&meta) {
        Some("a FIFO (named pipe)" | "a character device") => Ok(Dest::Stream(path.to_path_buf())),
        kind => Err(error(
            io::ErrorKind::InvalidInput,
            format!(
                "it is {}; coinflip writes to regular files, character devices, FIFOs or \
                 standard output (-)",
                kind.unwrap_or("not a regular file")
            ),
        )),
    }
}

/// Where the output folder `path` goes: its real path (links resolved) and whether it exists.
pub(crate) fn classify_folder(path: &Path) -> io::Result<(PathBuf, bool)> {
    if std_stream(path).is_some() {
        return Err(error(
            io::ErrorKind::InvalidInput,
            "standard output cannot hold a folder of files; name a folder".into(),
        ));
    }
    match std::fs::symlink_metadata(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok((resolve(path)?, false)),
        Err(e) => return Err(e),
        Ok(_) => {}
    }
    let meta = match std::fs::metadata(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(dangling(path)),
        other => other?,
    };
    if !meta.is_dir() {
        let kind = crate::input::kind_of(&meta).unwrap_or("a file");
        return Err(error(
            io::ErrorKind::NotADirectory,
            format!("it is {kind}; it must be a folder (it is created if missing)"),
        ));
    }
    Ok((path.canonicalize()?, true))
}

/// Paths under `/dev` and `/proc` are never replaced, even when they lead to a regular file
/// (`/dev/fd/3` redirected to a file): they are opened and written in place.
fn under_system_folder(path: &Path) -> io::Result<bool> {
    let abs = absolute(path)?;
    Ok(cfg!(unix) && (abs.starts_with("/dev") || abs.starts_with("/proc")))
}

fn absolute(path: &Path) -> io::Result<PathBuf> {
    Ok(if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()?.join(path)
    })
}

/// The real path `path` names: its longest existing prefix with links resolved, then the rest
/// (which does not exist yet) with `.` and `..` applied. Two outputs are the same file exactly
/// when their real paths are equal.
pub(crate) fn resolve(path: &Path) -> io::Result<PathBuf> {
    let abs = absolute(path)?;
    let comps: Vec<Component> = abs.components().collect();
    for k in (1..=comps.len()).rev() {
        let prefix: PathBuf = comps[..k].iter().collect();
        if let Ok(mut out) = prefix.canonicalize() {
            for c in &comps[k..] {
                match c {
                    Component::Normal(n) => out.push(n),
                    Component::ParentDir => {
                        out.pop();
                    }
                    _ => {}
                }
            }
            return Ok(out);
        }
    }
    Ok(abs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_path_resolves_through_existing_links() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().canonicalize().unwrap();
        let got = resolve(&dir.path().join("a/../b/./c.txt")).unwrap();
        assert_eq!(got, real.join("b/c.txt"));
        match classify_file(&dir.path().join("new.txt")).unwrap() {
            Dest::File { real: r, existing } => {
                assert_eq!(r, real.join("new.txt"));
                assert!(existing.is_none());
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn standard_streams_and_folders() {
        assert!(matches!(
            classify_file(Path::new("-")).unwrap(),
            Dest::Stdout
        ));
        let dir = tempfile::tempdir().unwrap();
        let e = classify_file(dir.path()).unwrap_err();
        assert_eq!(e.to_string(), "it is a folder; name a file");
        let e = classify_folder(Path::new("-")).unwrap_err();
        assert!(e.to_string().starts_with("standard output cannot hold"));
    }

    #[cfg(unix)]
    #[test]
    fn devices_are_streams_and_links_resolve_to_their_target() {
        assert!(matches!(
            classify_file(Path::new("/dev/null")).unwrap(),
            Dest::Stream(_)
        ));
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("target.txt");
        std::fs::write(&target, "x").unwrap();
        let link = dir.path().join("link.txt");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        match classify_file(&link).unwrap() {
            Dest::File { real, existing } => {
                assert_eq!(real, target.canonicalize().unwrap());
                assert!(existing.is_some());
            }
            other => panic!("{other:?}"),
        }
        let dangling = dir.path().join("dangling.txt");
        std::os::unix::fs::symlink(dir.path().join("gone"), &dangling).unwrap();
        let e = classify_file(&dangling).unwrap_err();
        assert!(e.to_string().contains("which does not exist"), "{e}");
    }
}
