//! Temporary files and folders beside an output, and the locks they carry.
//!
//! Every output that is replaced by a rename first gets a *carrier*: a hidden file
//! `.coinflip-KEY.PID.RAND.tmp` in the destination's folder, created with mode `0666` (so the
//! umask decides, as for any new file), and held under an exclusive advisory lock (`flock`) for
//! as long as the process lives. `KEY` is the output's file name, shortened and made safe, plus a
//! hash of the whole name. The carrier is where a file's bytes are written before the rename;
//! for a folder of files (`--feedback DIR`) it is only the lock, and the new set is written into
//! the sibling folder `…-new.tmp`.
//!
//! The lock gives three things at once:
//! - **one writer per output**: a second coinflip that wants the same output finds a locked
//!   carrier with the same key and refuses ([`Busy`]);
//! - **stale clean-up**: a carrier nobody holds belongs to a process that died (killed with
//!   SIGKILL, a power cut); the next run removes it, and its `-new` folder, when it is more than
//!   [`STALE_AFTER`] old (the age keeps a carrier whose owner is between creating and locking it);
//! - **signals**: SIGINT, SIGTERM and SIGHUP remove every registered temporary path, then exit
//!   with 128 + the signal number (130, 143, 129). Renames and folder swaps run under the same
//!   registry lock, so a signal waits for them to finish and never leaves a half-swapped folder.

use std::ffi::OsStr;
use std::fs::{File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

pub(crate) const PREFIX: &str = ".coinflip-";
pub(crate) const SUFFIX: &str = ".tmp";

/// A temporary file not locked by anyone is removed once it is this old.
pub(crate) const STALE_AFTER: Duration = Duration::from_secs(10);

/// Temporary paths to remove on a signal.
static REGISTRY: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Folders already cleaned of stale temporary files by this process.
static CLEANED: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

fn registry() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    REGISTRY.lock().unwrap_or_else(|e| e.into_inner())
}

/// Adds `path` to what a signal removes (and installs the handler on first use).
pub(crate) fn register(path: &Path) {
    install_signal_handler();
    registry().push(path.to_path_buf());
}

/// Takes `path` off the list of what a signal removes.
pub(crate) fn deregister(path: &Path) {
    registry().retain(|p| p != path);
}

/// Runs `f` (a rename, a folder swap) while holding the registry: a signal arriving meanwhile
/// waits for it to finish. `f` gets the registry to take its paths off.
pub(crate) fn atomically<R>(f: impl FnOnce(&mut Vec<PathBuf>) -> R) -> R {
    f(&mut registry())
}

fn remove_path(path: &Path) {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => {
            let _ = std::fs::remove_dir_all(path);
        }
        Ok(_) => {
            let _ = std::fs::remove_file(path);
        }
        Err(_) => {}
    }
}

/// Installs, once, a thread that waits for SIGINT, SIGTERM or SIGHUP, removes the registered
/// temporary paths and exits with 128 + the signal. Commands that write only to standard output
/// never register a path and keep the default handling.
fn install_signal_handler() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        #[cfg(unix)]
        {
            use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
            let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP])
            else {
                return;
            };
            let _ = std::thread::Builder::new()
                .name("coinflip-signals".into())
                .spawn(move || {
                    if let Some(sig) = signals.forever().next() {
                        let paths = registry();
                        for p in paths.iter() {
                            remove_path(p);
                        }
                        std::process::exit(128 + sig);
                    }
                });
        }
    });
}

/// The part of a temporary name that identifies the output: its name, shortened to 40 safe
/// characters, and a 64-bit FNV-1a hash of the whole name.
pub(crate) fn key(name: &OsStr) -> String {
    let bytes = name.as_encoded_bytes();
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    let readable: String = name
        .to_string_lossy()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .take(40)
        .collect();
    format!("{readable}~{h:016x}")
}

/// A name that differs on every call: time, counter and process id, mixed.
fn random24() -> u32 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    let mut x = nanos
        ^ COUNTER.fetch_add(1, Ordering::Relaxed).rotate_left(32)
        ^ u64::from(std::process::id()).rotate_left(48);
    // SplitMix64 finaliser.
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    ((x ^ (x >> 31)) & 0xff_ffff) as u32
}

/// Another process holds an output: its process id (from the temporary file's name).
#[derive(Debug)]
pub(crate) struct Busy {
    pub pid: Option<u32>,
}

impl Busy {
    pub(crate) fn into_io(self) -> io::Error {
        let who = match self.pid {
            Some(pid) => format!("another coinflip (process {pid})"),
            None => "another coinflip".to_string(),
        };
        io::Error::new(
            io::ErrorKind::ResourceBusy,
            format!("it is being written by {who}; wait for it to finish, or choose another path"),
        )
    }
}

/// A locked temporary file beside an output; removed when dropped unless renamed into place.
#[derive(Debug)]
pub(crate) struct Carrier {
    pub path: PathBuf,
    pub file: File,
    persisted: bool,
}

impl Carrier {
    /// A sibling path for a folder of files: `…-new.tmp` (or `-old`).
    pub(crate) fn sibling(&self, kind: &str) -> PathBuf {
        let name = self.path.file_name().unwrap_or_default().to_string_lossy();
        let stem = name.strip_suffix(SUFFIX).unwrap_or(&name);
        self.path.with_file_name(format!("{stem}-{kind}{SUFFIX}"))
    }

    /// Renames the carrier onto `dest` under the registry lock; it is no longer removed.
    pub(crate) fn rename_onto(&mut self, dest: &Path) -> io::Result<()> {
        atomically(|reg| {
            std::fs::rename(&self.path, dest)?;
            reg.retain(|p| p != &self.path);
            self.persisted = true;
            Ok(())
        })
    }
}

impl Carrier {
    /// Marks the carrier as moved into place by other means (a no-clobber rename).
    pub(crate) fn persisted(&mut self) {
        self.persisted = true;
        deregister(&self.path);
    }
}

impl Drop for Carrier {
    fn drop(&mut self) {
        if !self.persisted {
            let _ = std::fs::remove_file(&self.path);
            deregister(&self.path);
        }
    }
}

/// Opens a new file with mode `0666` before the umask (the mode any program gives a new file).
pub(crate) fn create_file(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true).write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o666);
    }
    options.open(path)
}

/// Claims the output named `name` in the folder `dir`: cleans stale temporary files there, then
/// creates and locks a carrier, and refuses when another process holds the same output.
pub(crate) fn claim(dir: &Path, name: &OsStr) -> io::Result<Result<Carrier, Busy>> {
    clean_stale(dir);
    let key = key(name);
    let carrier = create(dir, &key)?;
    if let Some(pid) = holder(dir, &key, &carrier.path) {
        return Ok(Err(Busy { pid }));
    }
    Ok(Ok(carrier))
}

fn create(dir: &Path, key: &str) -> io::Result<Carrier> {
    let pid = std::process::id();
    let mut last = None;
    for _ in 0..32 {
        let path = dir.join(format!("{PREFIX}{key}.{pid}.{:06x}{SUFFIX}", random24()));
        // Registered first: a signal between creating and registering would leave it.
        register(&path);
        match create_file(&path) {
            Ok(file) => {
                // A file system without locks still gets atomic writes, without the guard
                // against a concurrent writer.
                let _ = file.try_lock();
                return Ok(Carrier {
                    path,
                    file,
                    persisted: false,
                });
            }
            Err(e) => {
                deregister(&path);
                if e.kind() != io::ErrorKind::AlreadyExists {
                    return Err(e);
                }
                last = Some(e);
            }
        }
    }
    Err(last.unwrap_or_else(|| io::Error::other("cannot create a temporary file")))
}

/// True when nobody holds the lock of the regular file at `path`.
fn unlocked(path: &Path) -> bool {
    match File::open(path) {
        Ok(f) => f.try_lock().is_ok(),
        Err(_) => false,
    }
}

/// The parts of a temporary name: (key, pid, kind) with kind "" for a carrier, "new" or "old".
fn parse(name: &str) -> Option<(&str, Option<u32>, &str)> {
    let body = name.strip_prefix(PREFIX)?.strip_suffix(SUFFIX)?;
    let (body, kind) = match body.rsplit_once('-') {
        Some((b, k @ ("new" | "old"))) => (b, k),
        _ => (body, ""),
    };
    let (rest, _rand) = body.rsplit_once('.')?;
    let (key, pid) = rest.rsplit_once('.')?;
    Some((key, pid.parse().ok(), kind))
}

/// A live carrier of the same output held by another process: its pid.
fn holder(dir: &Path, key: &str, mine: &Path) -> Option<Option<u32>> {
    for entry in std::fs::read_dir(dir).ok()?.flatten() {
        let path = entry.path();
        if path == mine {
            continue;
        }
        let name = entry.file_name();
        let Some((k, pid, "")) = name.to_str().and_then(parse) else {
            continue;
        };
        let is_file = entry.file_type().is_ok_and(|t| t.is_file());
        if k == key && is_file && !unlocked(&path) {
            return Some(pid);
        }
    }
    None
}

fn old_enough(meta: &std::fs::Metadata) -> bool {
    meta.modified()
        .ok()
        .and_then(|m| m.elapsed().ok())
        .is_some_and(|age| age >= STALE_AFTER)
}

/// Removes, once per folder and process, the temporary files and `-new` folders that no live
/// coinflip holds (their carrier is unlocked or gone) and that are older than [`STALE_AFTER`]:
/// what a killed run left. An `-old` folder (the previous content of a folder whose swap was
/// cut short) is left alone and named on standard error.
pub(crate) fn clean_stale(dir: &Path) {
    {
        let mut cleaned = CLEANED.lock().unwrap_or_else(|e| e.into_inner());
        if cleaned.iter().any(|d| d == dir) {
            return;
        }
        cleaned.push(dir.to_path_buf());
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if !name.starts_with(PREFIX) || !name.ends_with(SUFFIX) {
            continue;
        }
        let path = entry.path();
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            continue;
        };
        if !old_enough(&meta) {
            continue;
        }
        if meta.is_file() {
            if unlocked(&path) {
                let _ = std::fs::remove_file(&path);
            }
            continue;
        }
        if !meta.is_dir() {
            continue;
        }
        match parse(name) {
            Some((_, _, "new")) => {
                let carrier = path.with_file_name(name.replacen("-new.tmp", ".tmp", 1));
                if !carrier.exists() || unlocked(&carrier) {
                    let _ = std::fs::remove_dir_all(&path);
                }
            }
            Some((_, _, "old")) => eprintln!(
                "coinflip: note: {} holds the previous content of a folder whose replacement \
                 was interrupted; check it, then remove it",
                path.display()
            ),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_back() {
        let k = key(OsStr::new("report.json"));
        assert!(k.starts_with("report.json~"), "{k}");
        let name = format!("{PREFIX}{k}.123.abcdef{SUFFIX}");
        assert_eq!(parse(&name), Some((k.as_str(), Some(123), "")));
        let new = format!("{PREFIX}{k}.123.abcdef-new{SUFFIX}");
        assert_eq!(parse(&new), Some((k.as_str(), Some(123), "new")));
        // The temporary files of older releases: no key, cleaned all the same.
        assert_eq!(parse(".coinflip-AbC123.tmp"), None);
        assert_ne!(key(OsStr::new("a b")), key(OsStr::new("a_b")));
    }

    #[test]
    fn a_second_claim_of_the_same_output_is_refused_until_the_first_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let first = claim(dir.path(), OsStr::new("out.csv")).unwrap().unwrap();
        let second = claim(dir.path(), OsStr::new("out.csv")).unwrap();
        assert_eq!(second.unwrap_err().pid, Some(std::process::id()));
        let other = claim(dir.path(), OsStr::new("other.csv")).unwrap();
        assert!(other.is_ok());
        drop(first);
        assert!(claim(dir.path(), OsStr::new("out.csv")).unwrap().is_ok());
    }
}
