//! Training corpora: reading the text a scenario names and cutting it into documents, then into
//! token ids ([`TokenizedCorpus`]).
//!
//! Line endings are normalised (`\r\n` → `\n`) and a UTF-8 byte-order mark is dropped before
//! anything else, so the same text gives the same model on every operating system.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::Diagnostic;
use crate::tokenize::{TokenId, Tokenizer, Vocab};

/// How a corpus splits into training documents (scenario key `corpus.documents`).
///
/// The variants carry plain comments, not doc comments: a documented variant would turn the
/// scenario schema's `enum` of names into a `oneOf`. Their order is the schema's.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default, schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
#[schemars(
    description = "How the text splits into training documents: blocks separated by blank lines, each non-blank line, or each file. Default: \"paragraphs\".",
    extend("default" = "paragraphs")
)]
pub enum DocumentSplit {
    // Blocks separated by one or more blank lines are documents (the default).
    #[default]
    Paragraphs,
    // Each non-blank line is a document.
    Lines,
    // Each file (or the whole inline text) is one document.
    File,
}

impl DocumentSplit {
    pub fn name(self) -> &'static str {
        match self {
            DocumentSplit::File => "file",
            DocumentSplit::Lines => "lines",
            DocumentSplit::Paragraphs => "paragraphs",
        }
    }
}

/// Where the corpus text comes from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CorpusSource {
    /// Inline text from the scenario file.
    Text(String),
    /// Files, resolved against the scenario's folder (shown to users as written).
    Files(Vec<PathBuf>),
}

/// Text cut into documents.
#[derive(Debug, Clone)]
pub struct Corpus {
    pub documents: Vec<String>,
}

/// A size limit on an input file, refused up front rather than read into memory; an environment
/// variable raises it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SizeLimit {
    /// What the file is, for messages ("a corpus file").
    pub what: &'static str,
    /// The environment variable that sets the limit, in bytes.
    pub var: &'static str,
    /// The limit in bytes when the variable is not set.
    pub default: u64,
}

/// Corpus files: 512 MiB each (`COINFLIP_MAX_CORPUS_BYTES`).
pub const CORPUS_LIMIT: SizeLimit = SizeLimit {
    what: "a corpus file",
    var: "COINFLIP_MAX_CORPUS_BYTES",
    default: 512 << 20,
};

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
        match std::env::var_os(self.var) {
            None => Ok(self.default),
            Some(v) => v
                .to_str()
                .and_then(|v| v.trim().parse::<u64>().ok())
                .filter(|&n| n > 0)
                .ok_or_else(|| {
                    format!(
                        "the environment variable {} is {:?}: expected a whole number of bytes \
                         such as {}",
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

/// Reads a corpus file as UTF-8 text, normalising line endings; refuses files above
/// [`CORPUS_LIMIT`]; errors say at which byte decoding failed.
pub fn read_text(path: &Path, shown: &Path) -> Result<String, Diagnostic> {
    read_text_limited(path, shown, &CORPUS_LIMIT)
}

/// Reads a text file that a scenario names — `name` relative to the scenario's folder `dir` —
/// as [`read_text`] does. Returns the text and the path as messages show it (forward slashes on
/// every system), which is also the file its errors name.
pub fn read_named(dir: &Path, name: &Path) -> Result<(String, PathBuf), Diagnostic> {
    let full = dir.join(name);
    let shown = PathBuf::from(full.to_string_lossy().replace('\\', "/"));
    let text = read_text(&full, &shown)?;
    Ok((text, shown))
}

/// [`read_text`] with another size limit.
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
        let hint = if starts_utf16(e.as_bytes()) {
            ", the start of a UTF-16 byte-order mark: the file is UTF-16"
        } else {
            ""
        };
        Diagnostic::file(
            shown,
            format!(
                "not valid UTF-8: invalid byte sequence at byte {at}{hint} (save the file as UTF-8)"
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

/// Cuts one text into documents.
pub fn split_documents(text: &str, split: DocumentSplit) -> Vec<String> {
    match split {
        DocumentSplit::File => {
            let t = text.trim_matches('\n');
            if t.trim().is_empty() {
                vec![]
            } else {
                vec![t.to_string()]
            }
        }
        DocumentSplit::Lines => text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| l.to_string())
            .collect(),
        DocumentSplit::Paragraphs => {
            let mut docs = Vec::new();
            let mut cur: Vec<&str> = Vec::new();
            for line in text.lines() {
                if line.trim().is_empty() {
                    if !cur.is_empty() {
                        docs.push(cur.join("\n"));
                        cur.clear();
                    }
                } else {
                    cur.push(line);
                }
            }
            if !cur.is_empty() {
                docs.push(cur.join("\n"));
            }
            docs
        }
    }
}

/// A corpus as token ids, with the vocabulary that numbers them.
#[derive(Debug, Clone)]
pub struct TokenizedCorpus {
    pub vocab: Vocab,
    pub documents: Vec<Vec<TokenId>>,
    pub tokenizer: Tokenizer,
}

impl TokenizedCorpus {
    /// Tokenizes every document, numbering tokens in first-occurrence order.
    pub fn build(corpus: &Corpus, tokenizer: Tokenizer) -> Self {
        let mut vocab = Vocab::new();
        if let Some(end) = tokenizer.kind.end_of_text() {
            let documents = corpus
                .documents
                .iter()
                .map(|d| {
                    let text = if tokenizer.lowercase {
                        d.to_lowercase()
                    } else {
                        d.clone()
                    };
                    crate::tokenize::gpt_encode(tokenizer.kind, &text)
                        .into_iter()
                        .map(|(ext, shown)| vocab.intern_external(ext, &shown, end))
                        .collect::<Vec<_>>()
                })
                .filter(|d: &Vec<TokenId>| !d.is_empty())
                .collect();
            return TokenizedCorpus {
                vocab,
                documents,
                tokenizer,
            };
        }
        let documents = corpus
            .documents
            .iter()
            .map(|d| {
                tokenizer
                    .split(d)
                    .iter()
                    .map(|t| vocab.intern(t))
                    .collect::<Vec<_>>()
            })
            .filter(|d: &Vec<TokenId>| !d.is_empty())
            .collect();
        TokenizedCorpus {
            vocab,
            documents,
            tokenizer,
        }
    }

    /// Total number of tokens over all documents.
    pub fn token_count(&self) -> usize {
        self.documents.iter().map(|d| d.len()).sum()
    }

    /// Token ids of `text`; tokens never seen in training become `<unk>` and are listed.
    pub fn encode(&self, text: &str) -> (Vec<TokenId>, Vec<String>) {
        let mut unknown = Vec::new();
        if self.tokenizer.kind.bpe().is_some() {
            let text = if self.tokenizer.lowercase {
                text.to_lowercase()
            } else {
                text.to_string()
            };
            let ids = crate::tokenize::gpt_encode(self.tokenizer.kind, &text)
                .into_iter()
                .map(|(ext, shown)| match self.vocab.get_external(ext) {
                    Some(id) => id,
                    None => {
                        if !unknown.contains(&shown) {
                            unknown.push(shown);
                        }
                        crate::tokenize::UNK
                    }
                })
                .collect();
            return (ids, unknown);
        }
        let ids = self
            .tokenizer
            .split(text)
            .iter()
            .map(|t| match self.vocab.get(t) {
                Some(id) => id,
                None => {
                    if !unknown.iter().any(|u: &String| u == t) {
                        unknown.push(t.to_string());
                    }
                    crate::tokenize::UNK
                }
            })
            .collect();
        (ids, unknown)
    }

    /// Display text of token ids (markers are left out; `</s>` inside a sample shows as a
    /// document break).
    pub fn decode(&self, ids: &[TokenId]) -> String {
        if self.vocab.is_external() {
            // Bytes of consecutive GPT tokens are joined before decoding, so a character split
            // across tokens comes out whole.
            // A trailing `</s>` ends the text; it does not start a new document.
            let ids = ids.strip_suffix(&[crate::tokenize::EOS]).unwrap_or(ids);
            return ids
                .split(|&id| id == crate::tokenize::EOS)
                .map(|run| {
                    crate::tokenize::gpt_decode(self.tokenizer.kind, &self.vocab.external_ids(run))
                })
                .collect::<Vec<_>>()
                .join("\n\n");
        }
        let mut parts: Vec<&str> = Vec::new();
        let mut out = String::new();
        // The break is written when a token follows it, so a sample that stopped at `</s>`
        // ends with its text, not with a separator.
        let mut pending_break = false;
        for &id in ids {
            if id == crate::tokenize::EOS {
                out.push_str(&self.tokenizer.join(&parts));
                parts.clear();
                pending_break = true;
            } else if id != crate::tokenize::BOS {
                if pending_break {
                    out.push_str("\n\n");
                    pending_break = false;
                }
                parts.push(self.vocab.token(id));
            }
        }
        out.push_str(&self.tokenizer.join(&parts));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_ends_with_the_text_when_the_sample_stopped_at_end_of_document() {
        use crate::tokenize::{EOS, Tokenizer, TokenizerKind};
        let corpus = Corpus {
            documents: vec!["the cat sat".into(), "a dog ran".into()],
        };
        let tc = TokenizedCorpus::build(
            &corpus,
            Tokenizer {
                kind: TokenizerKind::Word,
                lowercase: false,
            },
        );
        let (cat, _) = tc.encode("the cat sat");
        let (dog, _) = tc.encode("a dog");
        let mut stopped = cat.clone();
        stopped.push(EOS);
        assert_eq!(tc.decode(&stopped), "the cat sat");
        // A break between documents is still shown when text follows it.
        let mut two = stopped.clone();
        two.extend_from_slice(&dog);
        assert_eq!(tc.decode(&two), "the cat sat\n\na dog");
    }

    #[test]
    fn paragraphs_split_on_blank_lines() {
        let docs = split_documents("a b\nc\n\n\n  \nd\n", DocumentSplit::Paragraphs);
        assert_eq!(docs, ["a b\nc", "d"]);
        assert_eq!(
            split_documents("x\n\ny\n", DocumentSplit::Lines),
            ["x", "y"]
        );
        assert_eq!(
            split_documents("\nx\n\ny\n", DocumentSplit::File),
            ["x\n\ny"]
        );
        assert!(split_documents(" \n", DocumentSplit::File).is_empty());
    }

    #[test]
    fn crlf_and_bom_normalised() {
        assert_eq!(normalize_text("\u{feff}a\r\nb\rc"), "a\nb\nc");
    }

    #[test]
    fn not_utf8_names_the_byte() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("bad.txt");
        std::fs::write(&p, b"abc\xffdef").unwrap();
        let e = read_text(&p, Path::new("bad.txt")).unwrap_err();
        assert!(e.message.contains("at byte 3"), "{}", e.message);
        let e = read_text(dir.path(), Path::new("dir")).unwrap_err();
        assert!(e.message.contains("folder"));
        std::fs::write(&p, b"\xff\xfea\x00").unwrap();
        let e = read_text(&p, Path::new("bad.txt")).unwrap_err();
        assert_eq!(
            e.message,
            "not valid UTF-8: invalid byte sequence at byte 0, the start of a UTF-16 byte-order \
             mark: the file is UTF-16 (save the file as UTF-8)"
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
