//! Reading input files safely: only regular files are opened, and only up to a size limit.
//!
//! Every file coinflip reads — scenarios, corpora, answer files, class CSVs, quizzes, GIFT and
//! ARPA files — goes through [`open_regular`] (directly, or through
//! [`SizeLimit::read`]). A FIFO among the inputs would make
//! `open` wait forever for a writer, and a device such as `/dev/zero` never ends, so anything that
//! is not a regular file is refused by its metadata *before* it is opened, with a message saying
//! what it is ("a FIFO (named pipe)", "a folder", "a character device").
//!
//! [`SizeLimit`] is every limit of coinflip read from an environment variable: the sizes of the
//! files read here, and (through [`SizeLimit::check`]) the counts whose memory or time a
//! scenario would need (n-gram positions, generated tokens, Monte Carlo draws; `docs/errors.md`,
//! "Limits"). This module sits below everything that reads a file (it imports nothing of
//! coinflip but `error`), so the scenario, corpus, lm and quiz modules all use it without a cycle.

use std::fs::{File, Metadata};
use std::io;
use std::path::Path;

use crate::error::Diagnostic;

/// A limit on the size of an input file, refused up front rather than read into memory, or on a
/// count whose memory or time is estimated before anything is allocated; an environment variable
/// raises it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SizeLimit {
    /// What the file is, for messages ("a corpus file").
    pub what: &'static str,
    /// The environment variable that sets the limit, in bytes (or in what a limit on a count
    /// counts: [`SizeLimit::count`]).
    pub var: &'static str,
    /// The limit when the variable is not set.
    pub default: u64,
}

/// Why [`SizeLimit::read`] returned no bytes.
#[derive(Debug)]
pub enum ReadError {
    /// The file could not be opened or read.
    Io(std::io::Error),
    /// The file is larger than the limit, or the limit variable is not a number: the message.
    Limit(String),
}

impl SizeLimit {
    /// The limit in force: the environment variable if set, else the default.
    pub fn bytes(&self) -> Result<u64, String> {
        self.value("whole number of bytes")
    }

    /// The limit in force of a limit on a count rather than on bytes (n-gram positions,
    /// generated tokens, Monte Carlo draws): the environment variable if set, else the default.
    pub fn count(&self) -> Result<u64, String> {
        self.value("whole number")
    }

    /// Refuses a count `n` above the limit of a count. `found` says what was counted and what it
    /// would cost (the estimate), `advice` how to need less; the message ends with the variable
    /// that raises the limit. A variable that is not a number is an error too.
    pub fn check_count(&self, n: u64, found: &str, advice: &str) -> Result<(), String> {
        let limit = self.count()?;
        self.refuse_above(n, limit, &limit.to_string(), found, advice)
    }

    /// [`SizeLimit::check_count`] for a limit on bytes of memory: `n` is the estimate, and the
    /// limit is shown for people too ("12.0 GiB (12884901888 bytes)").
    pub fn check_bytes(&self, n: u64, found: &str, advice: &str) -> Result<(), String> {
        let limit = self.bytes()?;
        let shown = if limit < 1024 {
            format!("{limit} bytes")
        } else {
            format!("{} ({limit} bytes)", human_bytes(limit))
        };
        self.refuse_above(n, limit, &shown, found, advice)
    }

    fn refuse_above(
        &self,
        n: u64,
        limit: u64,
        shown: &str,
        found: &str,
        advice: &str,
    ) -> Result<(), String> {
        if n <= limit {
            return Ok(());
        }
        Err(format!(
            "{found}, more than the limit of {shown} {}: {advice}, or set the environment \
             variable {} to at least {n}",
            self.what, self.var
        ))
    }

    fn value(&self, expected: &str) -> Result<u64, String> {
        match std::env::var_os(self.var) {
            None => Ok(self.default),
            Some(v) => v
                .to_str()
                .and_then(|v| v.trim().parse::<u64>().ok())
                .filter(|&n| n > 0)
                .ok_or_else(|| {
                    format!(
                        "the environment variable {} is {:?}: expected a {expected} such as {}",
                        self.var, v, self.default
                    )
                }),
        }
    }

    /// Reads the file at `path` if it is no larger than the limit. The size is checked before
    /// reading, and reading stops one byte past the limit (a file that grows cannot exhaust
    /// memory either); anything but a regular file is refused unopened ([`crate::input`]).
    pub fn read(&self, path: &Path) -> Result<Vec<u8>, ReadError> {
        use std::io::Read;
        let limit = self.bytes().map_err(ReadError::Limit)?;
        let file = crate::input::open_regular(path).map_err(ReadError::Io)?;
        let size = file.metadata().map(|m| m.len()).unwrap_or(0);
        if size > limit {
            return Err(ReadError::Limit(self.too_large(Some(size), limit)));
        }
        let mut bytes = Vec::with_capacity(size as usize);
        file.take(limit.saturating_add(1))
            .read_to_end(&mut bytes)
            .map_err(ReadError::Io)?;
        if bytes.len() as u64 > limit {
            return Err(ReadError::Limit(self.too_large(None, limit)));
        }
        Ok(bytes)
    }

    fn too_large(&self, size: Option<u64>, limit: u64) -> String {
        let (found, raise) = match size {
            Some(n) if n < 1024 => (format!("the file is {n} bytes"), format!("to at least {n}")),
            Some(n) => (
                format!("the file is {} ({n} bytes)", human_bytes(n)),
                format!("to at least {n}"),
            ),
            None => (
                format!("the file holds more than {limit} bytes"),
                "higher".to_string(),
            ),
        };
        let limit_text = if limit < 1024 {
            format!("{limit} bytes")
        } else {
            format!("{} ({limit} bytes)", human_bytes(limit))
        };
        format!(
            "{found}, more than the limit of {limit_text} for {}; to read it anyway, set the \
             environment variable {} {raise}",
            self.what, self.var
        )
    }
}

/// A byte count for people: `512.0 MiB`, `3.2 KiB`, `17 bytes`.
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if n < 1024 {
        return format!("{n} bytes");
    }
    let mut x = n as f64 / 1024.0;
    let mut unit = 0;
    while x >= 1024.0 && unit + 1 < UNITS.len() {
        x /= 1024.0;
        unit += 1;
    }
    format!("{x:.1} {}", UNITS[unit])
}

/// True when `bytes` start with a UTF-16 byte-order mark (how Windows saves "Unicode" text): the
/// one encoding that can be named with confidence when a file is not UTF-8.
pub fn starts_utf16(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF])
}

/// Reads a text file as UTF-8, normalising line endings ([`normalize_text`]), refusing it above
/// `limit`; errors name `shown` and say at which byte decoding failed.
pub fn read_text_limited(
    path: &Path,
    shown: &Path,
    limit: &SizeLimit,
) -> Result<String, Diagnostic> {
    if path.is_dir() {
        return Err(Diagnostic::file(
            shown,
            "expected a text file, found a folder",
        ));
    }
    let bytes = limit.read(path).map_err(|e| {
        let why = match e {
            ReadError::Io(e) if e.kind() == std::io::ErrorKind::NotFound => {
                "file not found".to_string()
            }
            ReadError::Io(e) => format!("cannot read file: {e}"),
            ReadError::Limit(why) => why,
        };
        Diagnostic::file(shown, why)
    })?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        // Where, as an editor counts: the text before the bad byte is valid UTF-8.
        let valid = std::str::from_utf8(&e.as_bytes()[..at]).unwrap_or_default();
        let (line, column) = crate::error::line_col(valid, at);
        let hint = if starts_utf16(e.as_bytes()) {
            ", the start of a UTF-16 byte-order mark: the file is UTF-16"
        } else {
            ""
        };
        Diagnostic::file(
            shown,
            format!(
                "not valid UTF-8: invalid byte sequence at line {line}, column {column} (byte \
                 {at}){hint} (save the file as UTF-8)"
            ),
        )
    })?;
    Ok(normalize_text(&text))
}

/// Drops a leading byte-order mark and turns `\r\n` (and lone `\r`) into `\n`.
pub fn normalize_text(text: &str) -> String {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.contains('\r') {
        text.replace("\r\n", "\n").replace('\r', "\n")
    } else {
        text.to_string()
    }
}

/// Quiz files: 16 MiB each (`COINFLIP_MAX_QUIZ_BYTES`), about 30,000 questions of the bundled
/// quizzes' size; `quiz check` on a quiz at the limit peaks at 0.4 GB (`docs/errors.md`).
pub const QUIZ_LIMIT: SizeLimit = SizeLimit {
    what: "a quiz file",
    var: "COINFLIP_MAX_QUIZ_BYTES",
    default: 16 << 20,
};

/// GIFT files (`quiz import-gift`): 16 MiB each (`COINFLIP_MAX_GIFT_BYTES`); a file at the limit
/// peaks at 0.6 GB.
pub const GIFT_LIMIT: SizeLimit = SizeLimit {
    what: "a GIFT file",
    var: "COINFLIP_MAX_GIFT_BYTES",
    default: 16 << 20,
};

/// ARPA files (`model.arpa`): 1 GiB each (`COINFLIP_MAX_ARPA_BYTES`); loading takes about 2.5
/// bytes of memory per byte of a KenLM file, 5.2 for the shortest lines: at most about 5.6 GB.
pub const ARPA_LIMIT: SizeLimit = SizeLimit {
    what: "an ARPA file",
    var: "COINFLIP_MAX_ARPA_BYTES",
    default: 1 << 30,
};

/// Reads an ARPA file named by a scenario as text (UTF-8, line endings normalised), refusing it
/// above [`ARPA_LIMIT`]; `shown` names it in messages.
pub fn read_arpa_text(path: &Path, shown: &Path) -> Result<String, Diagnostic> {
    read_text_limited(path, shown, &ARPA_LIMIT)
}

/// What a non-regular file is, for messages: "a FIFO (named pipe)", "a folder", …; `None` for a
/// regular file.
pub fn kind_of(meta: &Metadata) -> Option<&'static str> {
    let t = meta.file_type();
    if t.is_file() {
        return None;
    }
    if t.is_dir() {
        return Some("a folder");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return Some("a FIFO (named pipe)");
        }
        if t.is_char_device() {
            return Some("a character device");
        }
        if t.is_block_device() {
            return Some("a block device");
        }
        if t.is_socket() {
            return Some("a socket");
        }
    }
    Some("not a regular file")
}

/// The error for a path that is not a regular file.
fn not_regular(kind: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("it is {kind}, not a regular file; coinflip reads regular files only"),
    )
}

/// Opens `path` for reading if it is a regular file (a link to one is followed). The type is
/// checked with `stat` before opening (which never blocks), and again on the opened file, so a
/// path swapped for a FIFO in between cannot hang the run: on Unix the file is opened
/// non-blocking, which a regular file ignores.
pub fn open_regular(path: &Path) -> io::Result<File> {
    let meta = std::fs::metadata(path)?;
    if let Some(kind) = kind_of(&meta) {
        return Err(not_regular(kind));
    }
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path)?;
    if let Some(kind) = kind_of(&file.metadata()?) {
        return Err(not_regular(kind));
    }
    Ok(file)
}

/// Reads the regular file at `path`, refusing it (before reading) when it is larger than `limit`.
/// A drop-in for `std::fs::read`: a file over the limit, or a limit variable that is not a number,
/// is an error whose message says so and names the variable that raises the limit.
pub fn read_limited(path: &Path, limit: &SizeLimit) -> io::Result<Vec<u8>> {
    limit.read(path).map_err(|e| match e {
        ReadError::Io(e) => e,
        ReadError::Limit(why) => io::Error::new(io::ErrorKind::InvalidData, why),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_regular_file_within_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("q.toml");
        std::fs::write(&p, "id = 1").unwrap();
        assert_eq!(read_limited(&p, &QUIZ_LIMIT).unwrap(), b"id = 1");
    }

    #[test]
    fn refuses_a_folder_before_opening_it() {
        let dir = tempfile::tempdir().unwrap();
        let e = read_limited(dir.path(), &QUIZ_LIMIT).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidInput);
        assert_eq!(
            e.to_string(),
            "it is a folder, not a regular file; coinflip reads regular files only"
        );
    }

    #[test]
    fn a_missing_file_is_not_found() {
        let dir = tempfile::tempdir().unwrap();
        let e = open_regular(&dir.path().join("none")).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::NotFound);
    }

    #[cfg(unix)]
    #[test]
    fn refuses_devices_and_fifos_without_blocking() {
        let e = open_regular(Path::new("/dev/zero")).unwrap_err();
        assert!(e.to_string().starts_with("it is a character device"), "{e}");
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("answers.toml");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: a valid NUL-terminated path; mkfifo only creates a file.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let e = read_limited(&fifo, &GIFT_LIMIT).unwrap_err();
        assert!(
            e.to_string().starts_with("it is a FIFO (named pipe)"),
            "{e}"
        );
    }

    #[test]
    fn over_the_limit_names_the_variable() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("big.gift");
        std::fs::write(&p, "x".repeat(100)).unwrap();
        let small = SizeLimit {
            default: 10,
            var: "COINFLIP_TEST_LIMIT_THAT_IS_NEVER_SET",
            ..GIFT_LIMIT
        };
        let e = read_limited(&p, &small).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidData);
        assert!(
            e.to_string()
                .contains("for a GIFT file; to read it anyway, set the environment variable"),
            "{e}"
        );
    }

    #[test]
    fn size_limit_refuses_before_reading() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("big.txt");
        std::fs::write(&p, "x".repeat(3000)).unwrap();
        let limit = SizeLimit {
            what: "a test file",
            var: "COINFLIP_TEST_LIMIT_THAT_IS_NEVER_SET",
            default: 2048,
        };
        let e = read_text_limited(&p, Path::new("big.txt"), &limit).unwrap_err();
        assert_eq!(
            e.message,
            "the file is 2.9 KiB (3000 bytes), more than the limit of 2.0 KiB (2048 bytes) for a \
             test file; to read it anyway, set the environment variable \
             COINFLIP_TEST_LIMIT_THAT_IS_NEVER_SET to at least 3000"
        );
        let exact = SizeLimit {
            default: 3000,
            ..limit
        };
        assert_eq!(
            read_text_limited(&p, Path::new("big.txt"), &exact)
                .unwrap()
                .len(),
            3000
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_device_is_refused_before_reading() {
        let limit = SizeLimit {
            what: "a test file",
            var: "COINFLIP_TEST_LIMIT_THAT_IS_NEVER_SET",
            default: 1000,
        };
        // A device is refused before it is opened (crate::input); were it read, the limit
        // would stop it one byte past the limit.
        match limit.read(Path::new("/dev/zero")) {
            Err(ReadError::Io(e)) => {
                assert!(e.to_string().starts_with("it is a character device"), "{e}")
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn human_bytes_units() {
        assert_eq!(human_bytes(17), "17 bytes");
        assert_eq!(human_bytes(512 << 20), "512.0 MiB");
        assert_eq!(human_bytes(10 << 30), "10.0 GiB");
    }
}
