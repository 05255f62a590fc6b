//! Writing output files safely. Every report, gradebook, export and feedback set goes through
//! here; `docs/reports.md` ("Output files") states the rules for users.
//!
//! - **Where**: `-` (and `/dev/stdout`) is standard output; a character device (`/dev/null`), a
//!   FIFO or anything under `/dev` or `/proc` is written in place; a regular file, or a new path,
//!   is written to a temporary file beside it and renamed into place, so a reader sees the old
//!   file or the new one, never half of one ([`dest`]). A link to a regular file stays a link:
//!   its target is replaced.
//! - **Modes**: a new file gets `0666` less the umask, as any program's; a replaced file keeps its
//!   mode (and owner, where allowed).
//! - **Folders**: a missing folder on the way is created; only the folder the user named, when
//!   its parent exists, is created without a note on standard error ([`plan::create_folders`]).
//! - **Temporary files** are locked while in use, removed on SIGINT, SIGTERM and SIGHUP, and
//!   removed by the next run when a killed run left them ([`temp`]).
//! - **One plan per command**: [`Plan`] refuses outputs that would write over each other and
//!   outputs another coinflip is writing, before any work starts ([`plan`]).
//! - **Folders of files** (`quiz grade --feedback DIR`) are written aside and swapped in as a
//!   whole ([`write_dir_atomically`]).

mod dest;
mod dir;
mod plan;
mod temp;

use std::io::Write;
use std::path::Path;

pub use dest::is_std_stream;
pub use dir::{MANIFEST, write_dir_atomically};
pub use plan::{Claim, Plan, Refusal};

use dest::Dest;

/// Writes `bytes` to the output `path`: standard output for `-`, in place for a device or FIFO,
/// otherwise atomically (a temporary file beside it, then a rename), using the carrier a
/// [`Plan`] claimed for it if any.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_atomic_with(path, &mut |w| w.write_all(bytes))
}

/// [`write_atomic`] of the text that `write` writes, in as many pieces as it likes (for an
/// output too large to hold whole in memory). On an error the old file stays as it was.
pub fn write_atomic_with(
    path: &Path,
    write: &mut dyn FnMut(&mut dyn Write) -> std::io::Result<()>,
) -> std::io::Result<()> {
    match dest::classify_file(path)? {
        Dest::Stdout => ignore_closed_pipe(std_write(&mut std::io::stdout().lock(), write)),
        Dest::Stderr => std_write(&mut std::io::stderr().lock(), write),
        Dest::Stream(p) => {
            let mut f = std::fs::OpenOptions::new().write(true).open(p)?;
            std_write(&mut f, write)
        }
        Dest::File { real, existing } => {
            let mut carrier = match plan::take_claimed(&real) {
                Some(c) => c,
                None => claim_alone(&real)?,
            };
            write(&mut carrier.file)?;
            keep_mode_and_owner(&carrier.file, existing.as_ref())?;
            carrier.file.sync_all()?;
            carrier.rename_onto(&real)
        }
    }
}

fn std_write(
    w: &mut dyn Write,
    write: &mut dyn FnMut(&mut dyn Write) -> std::io::Result<()>,
) -> std::io::Result<()> {
    write(w)?;
    w.flush()
}

/// A closed pipe (`coinflip run --out - | head`) is not an error worth reporting.
fn ignore_closed_pipe(r: std::io::Result<()>) -> std::io::Result<()> {
    match r {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// Claims one output that no plan claimed (commands with a single output claim at write time).
fn claim_alone(real: &Path) -> std::io::Result<temp::Carrier> {
    let (Some(parent), Some(name)) = (real.parent(), real.file_name()) else {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "not a file name",
        ));
    };
    plan::create_folders(parent, 0, &real.display().to_string())?;
    temp::claim(parent, name)?.map_err(temp::Busy::into_io)
}

/// Gives a file that replaces `existing` the same mode, and the same owner when allowed (root,
/// or a group the user belongs to); a new file keeps `0666` less the umask.
fn keep_mode_and_owner(
    file: &std::fs::File,
    existing: Option<&std::fs::Metadata>,
) -> std::io::Result<()> {
    let Some(m) = existing else { return Ok(()) };
    file.set_permissions(m.permissions())?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        // Best effort: most users may not give a file away.
        let _ = std::os::unix::fs::fchown(file, Some(m.uid()), Some(m.gid()));
    }
    Ok(())
}

/// Like [`write_atomic`] for a new file, but fails with `AlreadyExists` instead of replacing an
/// existing one, and creates missing folders silently (for `coinflip init`, which lays out a
/// project and never overwrites).
pub fn write_new(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir)?;
    let name = path.file_name().unwrap_or_default();
    let mut carrier = temp::claim(dir, name)?.map_err(temp::Busy::into_io)?;
    carrier.file.write_all(bytes)?;
    carrier.file.sync_all()?;
    // The carrier removes itself if the new name is taken; `tempfile` knows each system's
    // no-clobber rename (renameat2 RENAME_NOREPLACE, or link and unlink).
    let tmp = tempfile::TempPath::try_from_path(&carrier.path)?;
    let result = tmp.persist_noclobber(path).map_err(|e| e.error);
    if result.is_ok() {
        carrier.persisted();
    }
    result
}

/// True when `output` names the same existing file or folder as `input` (after resolving links),
/// or lies inside the folder `input` (also when its own folders do not exist yet). Used to
/// refuse an `--out` that is one of the inputs. Standard output is never an input.
pub fn is_same_or_inside(output: &Path, input: &Path) -> bool {
    if is_std_stream(output) {
        return false;
    }
    let (Ok(input), Ok(output)) = (input.canonicalize(), dest::resolve(output)) else {
        return false;
    };
    output == input || output.starts_with(&input)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn atomic_write_replaces_whole_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("sub/report.txt");
        write_atomic(&p, b"first").unwrap();
        write_atomic(&p, b"second").unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "second");
        assert_eq!(names(&dir.path().join("sub")), ["report.txt"]);
    }

    #[test]
    fn write_new_never_replaces() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a/b.toml");
        write_new(&p, b"one").unwrap();
        let e = write_new(&p, b"two").unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::AlreadyExists);
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "one");
        assert_eq!(names(&dir.path().join("a")), ["b.toml"]);
    }

    #[test]
    fn detects_output_inside_input() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.toml"), "x").unwrap();
        assert!(is_same_or_inside(&dir.path().join("a.toml"), dir.path()));
        assert!(is_same_or_inside(&dir.path().join("new.csv"), dir.path()));
        assert!(is_same_or_inside(
            &dir.path().join("new/deeper/x.csv"),
            dir.path()
        ));
        assert!(!is_same_or_inside(
            Path::new("/tmp/elsewhere.csv"),
            dir.path()
        ));
        assert!(!is_same_or_inside(Path::new("-"), Path::new(".")));
    }

    #[cfg(unix)]
    #[test]
    fn devices_are_written_in_place_and_links_keep_pointing_at_their_target() {
        use std::os::unix::fs::FileTypeExt;
        let dir = tempfile::tempdir().unwrap();
        // Through a link: were the rule broken, the link would be replaced, never /dev/null.
        let sink = dir.path().join("sink");
        std::os::unix::fs::symlink("/dev/null", &sink).unwrap();
        write_atomic(&sink, b"discarded").unwrap();
        assert!(sink.symlink_metadata().unwrap().file_type().is_symlink());
        assert!(
            std::fs::metadata("/dev/null")
                .unwrap()
                .file_type()
                .is_char_device()
        );
        std::fs::remove_file(&sink).unwrap();
        let target = dir.path().join("target.csv");
        std::fs::write(&target, "old").unwrap();
        let link = dir.path().join("link.csv");
        std::os::unix::fs::symlink("target.csv", &link).unwrap();
        write_atomic(&link, b"new").unwrap();
        assert!(link.symlink_metadata().unwrap().file_type().is_symlink());
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "new");
        assert_eq!(names(dir.path()), ["link.csv", "target.csv"]);
    }
}
