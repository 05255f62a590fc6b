//! Writing a folder of files as one set (`quiz grade --feedback DIR`): a reader of the folder
//! sees the whole old set or the whole new one, never a mix, also when the run is killed.
//!
//! The new set is written into a sibling folder (`.coinflip-…-new.tmp`, see [`super::temp`]),
//! then swapped with the folder in one step (Linux `renameat2(RENAME_EXCHANGE)`; elsewhere two
//! renames, during which the folder is briefly absent, never mixed), and the old set removed.
//!
//! The folder is coinflip's, but not only: the hidden file [`MANIFEST`] lists the files of the
//! set written last. Files of that set that the new set does not have are dropped (feedback of
//! a student who is now rejected must not linger); every other file or folder found there (a
//! README, the files of an older release without a manifest) is kept, linked into the new set
//! before the swap, and named on standard error. When the folder cannot be swapped (a mount
//! point), its files are replaced one by one, and a note says so.

use std::io::{self, Write};
use std::path::Path;

use super::dest;
use super::plan;
use super::temp;

/// The hidden file listing the files of the set written last into a folder.
pub const MANIFEST: &str = ".coinflip-manifest";

/// A manifest larger than this is ignored (every file then counts as not coinflip's, and is kept).
const MANIFEST_LIMIT: crate::input::SizeLimit = crate::input::SizeLimit {
    what: "a manifest",
    var: "COINFLIP_MAX_MANIFEST_BYTES",
    default: 64 << 20,
};

fn invalid(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, message)
}

/// Writes `files` (name, content) as the new content of the folder `dir`, replacing the set
/// written there last as a whole. Names are plain file names; the folder is created if missing
/// (its missing parents with a note), a link to a folder is followed (the link stays).
pub fn write_dir_atomically<I, N, C>(dir: &Path, files: I) -> io::Result<()>
where
    I: IntoIterator<Item = (N, C)>,
    N: Into<String>,
    C: AsRef<[u8]>,
{
    let files: Vec<(String, C)> = files.into_iter().map(|(n, c)| (n.into(), c)).collect();
    check_names(&files)?;
    let (real, exists) = dest::classify_folder(dir)?;
    let (Some(parent), Some(name)) = (real.parent(), real.file_name()) else {
        return Err(invalid("not a folder name".into()));
    };
    let carrier = match plan::take_claimed(&real) {
        Some(c) => c,
        None => {
            plan::create_folders(parent, 0, &dir.display().to_string())?;
            temp::claim(parent, name)?.map_err(temp::Busy::into_io)?
        }
    };
    let old_manifest = if exists { read_manifest(&real) } else { None };
    let staging = carrier.sibling("new");
    temp::register(&staging);
    let swapped = build_and_swap(
        &staging,
        &carrier.sibling("old"),
        &real,
        exists,
        &files,
        old_manifest.as_deref(),
    );
    // After a swap the staging folder holds the old set; after a failure, part of the new one.
    let _ = std::fs::remove_dir_all(&staging);
    temp::deregister(&staging);
    match swapped {
        Ok(kept) => {
            note_kept(dir, &kept);
            Ok(())
        }
        Err(e) if exists && cannot_swap(&e) => {
            in_place(&real, &files, old_manifest.as_deref())?;
            eprintln!(
                "coinflip: note: {} could not be replaced as a whole ({e}); its files were \
                 replaced one by one",
                dir.display()
            );
            Ok(())
        }
        Err(e) => Err(e),
    }
}

fn check_names<C>(files: &[(String, C)]) -> io::Result<()> {
    let mut seen: Vec<&str> = Vec::with_capacity(files.len());
    for (name, _) in files {
        let plain = !name.is_empty()
            && name != "."
            && name != ".."
            && !name.contains(['/', '\\', '\0'])
            && name != MANIFEST;
        if !plain {
            return Err(invalid(format!("{name:?} is not a plain file name")));
        }
        seen.push(name);
    }
    seen.sort_unstable();
    if let Some(w) = seen.windows(2).find(|w| w[0] == w[1]) {
        return Err(invalid(format!("two files are named {:?}", w[0])));
    }
    Ok(())
}

fn manifest_text(names: &[&str]) -> String {
    let mut names = names.to_vec();
    names.sort_unstable();
    let mut text = String::from(
        "# coinflip: the files of the set written here last; the next set replaces them.\n\
         # Other files in this folder are kept.\n",
    );
    for n in names {
        text.push_str(n);
        text.push('\n');
    }
    text
}

fn read_manifest(dir: &Path) -> Option<Vec<String>> {
    let bytes = crate::input::read_limited(&dir.join(MANIFEST), &MANIFEST_LIMIT).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    Some(
        text.lines()
            .filter(|l| !l.is_empty() && !l.starts_with('#') && !l.contains(['/', '\\']))
            .map(str::to_string)
            .collect(),
    )
}

fn build_and_swap<C: AsRef<[u8]>>(
    staging: &Path,
    old: &Path,
    real: &Path,
    exists: bool,
    files: &[(String, C)],
    old_manifest: Option<&[String]>,
) -> io::Result<Vec<String>> {
    std::fs::create_dir(staging)?;
    for (name, content) in files {
        let existing = std::fs::symlink_metadata(real.join(name))
            .ok()
            .filter(|m| m.is_file());
        let mut f = temp::create_file(&staging.join(name))?;
        f.write_all(content.as_ref())?;
        super::keep_mode_and_owner(&f, existing.as_ref())?;
        if !cfg!(target_os = "linux") {
            f.sync_all()?;
        }
    }
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    std::fs::write(staging.join(MANIFEST), manifest_text(&names))?;
    sync_folder(staging)?;
    if !exists {
        swap(staging, old, real, false)?;
        return Ok(vec![]);
    }
    let kept = carry_over(real, staging, &names, old_manifest)?;
    std::fs::set_permissions(staging, std::fs::metadata(real)?.permissions())?;
    swap(staging, old, real, true)?;
    Ok(kept)
}

/// Makes the new set durable before it is swapped in. On Linux one `syncfs` flushes every file
/// at once: a `fsync` per file costs about 5 ms on a virtual machine's disk, a minute for 10,000
/// students. Elsewhere each file was synced as it was written.
fn sync_folder(dir: &Path) -> io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        let d = std::fs::File::open(dir)?;
        // SAFETY: a file descriptor that stays open for the call.
        if unsafe { libc::syncfs(d.as_raw_fd()) } != 0 {
            return Err(io::Error::last_os_error());
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = dir;
    Ok(())
}

/// Links into `staging` every entry of the old folder that is neither in the new set nor in the
/// set written last; returns their names.
fn carry_over(
    real: &Path,
    staging: &Path,
    new: &[&str],
    old_manifest: Option<&[String]>,
) -> io::Result<Vec<String>> {
    let mut entries: Vec<_> = std::fs::read_dir(real)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    let mut kept = Vec::new();
    for e in entries {
        let name = e.file_name();
        let ours = name.to_str().is_some_and(|n| {
            n == MANIFEST
                || (n.starts_with(temp::PREFIX) && n.ends_with(temp::SUFFIX))
                || new.contains(&n)
                || old_manifest.is_some_and(|m| m.iter().any(|x| x == n))
        });
        if !ours {
            link_tree(&e.path(), &staging.join(&name))?;
            kept.push(name.to_string_lossy().into_owned());
        }
    }
    Ok(kept)
}

/// A copy of `src` at `dst` that costs no space: files hard-linked (copied where links are not
/// possible), folders recreated, symbolic links recreated.
fn link_tree(src: &Path, dst: &Path) -> io::Result<()> {
    let m = std::fs::symlink_metadata(src)?;
    if m.file_type().is_symlink() {
        #[cfg(unix)]
        return std::os::unix::fs::symlink(std::fs::read_link(src)?, dst);
        #[cfg(not(unix))]
        return std::fs::copy(src, dst).map(|_| ());
    }
    if m.is_dir() {
        std::fs::create_dir(dst)?;
        for e in std::fs::read_dir(src)? {
            let e = e?;
            link_tree(&e.path(), &dst.join(e.file_name()))?;
        }
        return std::fs::set_permissions(dst, m.permissions());
    }
    match std::fs::hard_link(src, dst) {
        Ok(()) => Ok(()),
        Err(_) if m.is_file() => std::fs::copy(src, dst).map(|_| ()),
        Err(e) => Err(e),
    }
}

/// Puts the folder `staging` in the place of `real`; afterwards `staging` holds the old set (or
/// nothing). Runs under the signal registry: a signal waits for it.
fn swap(staging: &Path, old: &Path, real: &Path, exists: bool) -> io::Result<()> {
    temp::atomically(|_| {
        if !exists {
            return std::fs::rename(staging, real);
        }
        #[cfg(target_os = "linux")]
        match exchange(staging, real) {
            Ok(()) => return Ok(()),
            // The file system cannot exchange: two renames.
            Err(e) if matches!(e.raw_os_error(), Some(libc::EINVAL | libc::ENOSYS)) => {}
            Err(e) => return Err(e),
        }
        std::fs::rename(real, old)?;
        if let Err(e) = std::fs::rename(staging, real) {
            let _ = std::fs::rename(old, real);
            return Err(e);
        }
        if std::fs::rename(old, staging).is_err() {
            let _ = std::fs::remove_dir_all(old);
        }
        Ok(())
    })
}

#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    let a = std::ffi::CString::new(a.as_os_str().as_bytes())?;
    let b = std::ffi::CString::new(b.as_os_str().as_bytes())?;
    // SAFETY: two valid NUL-terminated paths that outlive the call; renameat2 only renames.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_renameat2,
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// The folder is a mount point, or on another device than its parent.
fn cannot_swap(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::CrossesDevices | io::ErrorKind::ResourceBusy
    )
}

/// The fallback: each file replaced atomically in place, the files of the last set that the new
/// one lacks removed, the manifest rewritten.
fn in_place<C: AsRef<[u8]>>(
    real: &Path,
    files: &[(String, C)],
    old_manifest: Option<&[String]>,
) -> io::Result<()> {
    for (name, content) in files {
        super::write_atomic(&real.join(name), content.as_ref())?;
    }
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    for stale in old_manifest.unwrap_or_default() {
        let p = real.join(stale);
        if !names.contains(&stale.as_str()) && p.symlink_metadata().is_ok_and(|m| m.is_file()) {
            std::fs::remove_file(p)?;
        }
    }
    super::write_atomic(&real.join(MANIFEST), manifest_text(&names).as_bytes())
}

fn note_kept(dir: &Path, kept: &[String]) {
    if kept.is_empty() {
        return;
    }
    let mut list = kept.iter().take(5).cloned().collect::<Vec<_>>().join(", ");
    if kept.len() > 5 {
        list.push_str(&format!(" and {} more", kept.len() - 5));
    }
    eprintln!(
        "coinflip: note: {}: kept {} file{} that the last set written there did not have: {list}",
        dir.display(),
        kept.len(),
        if kept.len() == 1 { "" } else { "s" }
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listing(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn the_new_set_replaces_the_last_one_and_keeps_other_files() {
        let root = tempfile::tempdir().unwrap();
        let fb = root.path().join("fb");
        write_dir_atomically(&fb, [("s1.md", "one"), ("s2.md", "two")]).unwrap();
        assert_eq!(listing(&fb), [MANIFEST, "s1.md", "s2.md"]);
        std::fs::write(fb.join("README.txt"), "mine").unwrap();
        std::fs::create_dir(fb.join("notes")).unwrap();
        std::fs::write(fb.join("notes/a.txt"), "also mine").unwrap();
        write_dir_atomically(&fb, [("s1.md", "ONE"), ("s3.md", "three")]).unwrap();
        assert_eq!(
            listing(&fb),
            [MANIFEST, "README.txt", "notes", "s1.md", "s3.md"]
        );
        assert_eq!(std::fs::read_to_string(fb.join("s1.md")).unwrap(), "ONE");
        assert_eq!(
            std::fs::read_to_string(fb.join("notes/a.txt")).unwrap(),
            "also mine"
        );
        // Nothing is left beside the folder.
        assert_eq!(listing(root.path()), ["fb"]);
    }

    #[test]
    fn a_folder_without_manifest_keeps_every_file_the_new_set_does_not_replace() {
        let root = tempfile::tempdir().unwrap();
        let fb = root.path().join("fb");
        std::fs::create_dir(&fb).unwrap();
        std::fs::write(fb.join("s1.md"), "old").unwrap();
        std::fs::write(fb.join("s9.md"), "old, from an older release").unwrap();
        write_dir_atomically(&fb, [("s1.md", "new")]).unwrap();
        assert_eq!(listing(&fb), [MANIFEST, "s1.md", "s9.md"]);
        assert_eq!(std::fs::read_to_string(fb.join("s1.md")).unwrap(), "new");
    }

    #[test]
    fn names_must_be_plain_and_distinct() {
        let root = tempfile::tempdir().unwrap();
        for bad in [
            vec!["../x.md"],
            vec!["a/b.md"],
            vec![MANIFEST],
            vec!["a", "a"],
        ] {
            let files: Vec<(&str, &str)> = bad.iter().map(|n| (*n, "x")).collect();
            let e = write_dir_atomically(&root.path().join("fb"), files).unwrap_err();
            assert_eq!(e.kind(), io::ErrorKind::InvalidInput, "{bad:?}");
        }
        assert_eq!(listing(root.path()), Vec::<String>::new());
    }
}
