//! Writing files safely: every report, gradebook and feedback file is written to a temporary file
//! in the destination folder and renamed into place, so an interrupted run never leaves a
//! half-written file behind (the old file, if any, stays whole).

use std::io::Write;
use std::path::Path;

/// Writes `bytes` to `path` atomically (temporary file in the same folder, then rename).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_via_temp(path, bytes, true)
}

/// Like [`write_atomic`], but fails with `AlreadyExists` instead of replacing an existing file
/// (for `coinflip init`, which never overwrites).
pub fn write_new(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_via_temp(path, bytes, false)
}

fn write_via_temp(path: &Path, bytes: &[u8], replace: bool) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".coinflip-")
        .suffix(".tmp")
        .tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    if replace {
        tmp.persist(path).map_err(|e| e.error)?;
    } else {
        tmp.persist_noclobber(path).map_err(|e| e.error)?;
    }
    Ok(())
}

/// True when `a` and `b` name the same existing file or folder (after resolving links), or when
/// `b` lies inside the folder `a`. Used to refuse an `--out` that is one of the inputs.
pub fn is_same_or_inside(output: &Path, input: &Path) -> bool {
    let Ok(input) = input.canonicalize() else {
        return false;
    };
    // The output may not exist yet: resolve its parent and append the file name.
    let output = match output.canonicalize() {
        Ok(p) => p,
        Err(_) => match (output.parent(), output.file_name()) {
            (Some(parent), Some(name)) => {
                let parent = if parent.as_os_str().is_empty() {
                    Path::new(".")
                } else {
                    parent
                };
                match parent.canonicalize() {
                    Ok(p) => p.join(name),
                    Err(_) => return false,
                }
            }
            _ => return false,
        },
    };
    output == input || output.starts_with(&input)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_whole_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("sub/report.txt");
        write_atomic(&p, b"first").unwrap();
        write_atomic(&p, b"second").unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "second");
        let leftovers: Vec<_> = std::fs::read_dir(dir.path().join("sub"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(leftovers.len(), 1);
    }

    #[test]
    fn detects_output_inside_input() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.toml"), "x").unwrap();
        assert!(is_same_or_inside(&dir.path().join("a.toml"), dir.path()));
        assert!(is_same_or_inside(&dir.path().join("new.csv"), dir.path()));
        assert!(!is_same_or_inside(
            Path::new("/tmp/elsewhere.csv"),
            dir.path()
        ));
    }
}
