//! Reading input files safely: only regular files are opened, and only up to a size limit.
//!
//! Every file coinflip reads — scenarios, corpora, answer files, class CSVs, quizzes, GIFT and
//! ARPA files — goes through [`open_regular`] (directly, or through
//! [`SizeLimit::read`](crate::corpus::SizeLimit::read)). A FIFO among the inputs would make
//! `open` wait forever for a writer, and a device such as `/dev/zero` never ends, so anything that
//! is not a regular file is refused by its metadata *before* it is opened, with a message saying
//! what it is ("a FIFO (named pipe)", "a folder", "a character device").
//!
//! The size limits of the files read here live beside the others (`docs/errors.md`, "Limits").

use std::fs::{File, Metadata};
use std::io;
use std::path::Path;

use crate::corpus::{ReadError, SizeLimit};

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
pub fn read_arpa_text(path: &Path, shown: &Path) -> Result<String, crate::error::Diagnostic> {
    crate::corpus::read_text_limited(path, shown, &ARPA_LIMIT)
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
}
