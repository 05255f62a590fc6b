//! The output plan of a command: every path it will write, checked and claimed before any work
//! starts.
//!
//! A command lists its outputs ([`Plan::file`], [`Plan::folder`], [`Plan::reports`]) and calls
//! [`Plan::claim`], which refuses (nothing written, nothing created):
//! - exit 2, when one output would write over another: the same file under two names (a link),
//!   a file inside a folder that is replaced as a whole (`--feedback DIR --out DIR/a-3.md`), two
//!   nested folders, standard output twice, or a path that cannot be written (a folder where a
//!   file is expected, a dangling link);
//! - exit 1, when another coinflip holds one of the outputs (see [`super::temp`]).
//!
//! Then it creates the missing folders on the way (saying so on standard error, except for a
//! folder the user named whose parent exists) and a locked carrier for each output, kept in
//! [`CLAIMED`] until [`super::write_atomic`] or [`super::write_dir_atomically`] uses it or the
//! [`Claim`] is dropped.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use super::dest::{self, Dest};
use super::temp::{self, Carrier};

/// Carriers claimed for outputs not yet written, by real path.
static CLAIMED: Mutex<Vec<(PathBuf, Carrier)>> = Mutex::new(Vec::new());

/// The carrier claimed for the output at `real`, if any (taken: it is used once).
pub(crate) fn take_claimed(real: &Path) -> Option<Carrier> {
    let mut claimed = CLAIMED.lock().unwrap_or_else(|e| e.into_inner());
    let i = claimed.iter().position(|(p, _)| p == real)?;
    Some(claimed.swap_remove(i).1)
}

/// Why a plan was refused: the message (without a prefix) and the exit code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// 2 when the outputs collide or cannot be written; 1 when another coinflip holds one.
    pub code: crate::exit::ExitCode,
    pub message: String,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// The outputs of one command.
#[derive(Debug, Default)]
pub struct Plan {
    items: Vec<Item>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Item {
    /// The option that names it (`--out`), for messages.
    label: String,
    path: PathBuf,
    folder: bool,
    /// The file's folder was named by the user (`--out DIR` with several formats): created
    /// without a note when its own parent exists.
    named_parent: bool,
}

/// One output, classified and resolved.
struct Target {
    item: Item,
    /// The real path, or `None` for standard output and standard error.
    real: Option<PathBuf>,
    /// Written in place (a device, a FIFO): no carrier, no lock.
    stream: bool,
}

impl Plan {
    pub fn new() -> Plan {
        Plan::default()
    }

    /// A file written by `label` (nothing when `path` is `None`).
    pub fn file(mut self, label: &str, path: Option<&Path>) -> Plan {
        if let Some(p) = path {
            self.push(label, p, false, false);
        }
        self
    }

    /// A folder whose content is replaced as a whole ([`super::write_dir_atomically`]).
    pub fn folder(mut self, label: &str, path: Option<&Path>) -> Plan {
        if let Some(p) = path {
            self.push(label, p, true, false);
        }
        self
    }

    /// Reports named `names`: one goes to the file `out`; several go into the folder `out`, one
    /// file per name.
    pub fn reports(mut self, label: &str, out: Option<&Path>, names: &[&str]) -> Plan {
        match (out, names.len()) {
            (None, _) => {}
            (Some(p), 0 | 1) => self.push(label, p, false, false),
            (Some(dir), _) if dest::is_std_stream(dir) => self.push(label, dir, true, false),
            (Some(dir), _) => {
                for n in names {
                    self.push(label, &dir.join(n), false, true);
                }
            }
        }
        self
    }

    fn push(&mut self, label: &str, path: &Path, folder: bool, named_parent: bool) {
        let item = Item {
            label: label.to_string(),
            path: path.to_path_buf(),
            folder,
            named_parent,
        };
        // The same output listed twice (`--format json,text,json`) is one output.
        if !self.items.contains(&item) {
            self.items.push(item);
        }
    }

    /// Checks the outputs against each other, then creates their folders and claims them.
    pub fn claim(self) -> Result<Claim, Refusal> {
        let mut targets = Vec::new();
        for item in self.items {
            targets.push(classify(item)?);
        }
        check_collisions(&targets)?;
        let mut claim = Claim { reals: Vec::new() };
        for t in &targets {
            let (Some(real), false) = (&t.real, t.stream) else {
                continue;
            };
            let carrier = claim_path(real, &t.item)?;
            CLAIMED
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push((real.clone(), carrier));
            claim.reals.push(real.clone());
        }
        Ok(claim)
    }
}

fn shown(item: &Item) -> String {
    format!("{} {}", item.label, item.path.display())
}

fn classify(item: Item) -> Result<Target, Refusal> {
    let refuse = |e: std::io::Error| Refusal {
        code: crate::exit::ExitCode::Usage,
        message: format!("{}: {e}", shown(&item)),
    };
    if item.folder {
        let (real, _) = dest::classify_folder(&item.path).map_err(refuse)?;
        return Ok(Target {
            item,
            real: Some(real),
            stream: false,
        });
    }
    let (real, stream) = match dest::classify_file(&item.path).map_err(refuse)? {
        Dest::Stdout | Dest::Stderr => (None, true),
        Dest::Stream(p) => (Some(dest::resolve(&p).unwrap_or(p)), true),
        Dest::File { real, .. } => (Some(real), false),
    };
    Ok(Target { item, real, stream })
}

fn check_collisions(targets: &[Target]) -> Result<(), Refusal> {
    let refuse = |message: String| {
        Err(Refusal {
            code: crate::exit::ExitCode::Usage,
            message,
        })
    };
    for (i, a) in targets.iter().enumerate() {
        for b in &targets[i + 1..] {
            let (sa, sb) = (shown(&a.item), shown(&b.item));
            match (&a.real, &b.real) {
                (None, None) => {
                    return refuse(format!(
                        "{sa} and {sb} would both write to standard output; give one a file"
                    ));
                }
                (Some(ra), Some(rb)) if ra == rb => {
                    return refuse(format!(
                        "{sa} and {sb} are the same {}; give each output its own path",
                        if a.item.folder || b.item.folder {
                            "path"
                        } else {
                            "file"
                        }
                    ));
                }
                (Some(ra), Some(rb)) => {
                    let inside = |inner: &str, outer: &str| {
                        format!(
                            "{inner} is inside the folder of {outer}, which is replaced as a \
                             whole; choose a path outside it"
                        )
                    };
                    if a.item.folder && rb.starts_with(ra) {
                        return refuse(inside(&sb, &sa));
                    }
                    if b.item.folder && ra.starts_with(rb) {
                        return refuse(inside(&sa, &sb));
                    }
                }
                _ => {}
            }
        }
    }
    Ok(())
}

/// Creates the missing folders on the way to `real` and claims it.
fn claim_path(real: &Path, item: &Item) -> Result<Carrier, Refusal> {
    let refuse = |code, why: String| Refusal {
        code,
        message: format!("{}: {why}", shown(item)),
    };
    let (Some(parent), Some(name)) = (real.parent(), real.file_name()) else {
        return Err(refuse(
            crate::exit::ExitCode::Usage,
            "not a file name".into(),
        ));
    };
    // A folder output is created by its swap; only its missing parents are created here.
    let silent = usize::from(item.named_parent);
    create_folders(parent, silent, &shown(item)).map_err(|e| {
        refuse(
            crate::exit::ExitCode::Failed,
            format!("cannot create its folder: {e}"),
        )
    })?;
    match temp::claim(parent, name) {
        Ok(Ok(c)) => Ok(c),
        Ok(Err(busy)) => Err(refuse(
            crate::exit::ExitCode::Failed,
            busy.into_io().to_string(),
        )),
        Err(e) => Err(refuse(
            crate::exit::ExitCode::Failed,
            format!("cannot create a temporary file beside it: {e}"),
        )),
    }
}

/// Creates `dir` and its missing parents. When at most `silent` folders are missing (the folder
/// the user named, its parent existing), nothing is said; otherwise each created folder is
/// named on standard error.
pub(crate) fn create_folders(dir: &Path, silent: usize, why: &str) -> std::io::Result<()> {
    let mut missing = Vec::new();
    let mut d = dir;
    while !d.exists() {
        missing.push(d.to_path_buf());
        match d.parent() {
            Some(p) => d = p,
            None => break,
        }
    }
    std::fs::create_dir_all(dir)?;
    if missing.len() > silent {
        for m in missing.iter().rev() {
            eprintln!(
                "coinflip: note: created the folder {} (for {why})",
                m.display()
            );
        }
    }
    Ok(())
}

/// The outputs a [`Plan`] claimed; those not written when it is dropped are released (their
/// temporary files removed).
#[derive(Debug)]
#[must_use = "the outputs are released when the claim is dropped"]
pub struct Claim {
    reals: Vec<PathBuf>,
}

impl Drop for Claim {
    fn drop(&mut self) {
        for r in &self.reals {
            drop(take_claimed(r));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(plan: Plan) -> Refusal {
        plan.claim().unwrap_err()
    }

    #[test]
    fn a_file_inside_a_replaced_folder_is_refused_before_anything_is_created() {
        let dir = tempfile::tempdir().unwrap();
        let fb = dir.path().join("fb");
        let r = refusal(
            Plan::new()
                .file("--out", Some(&fb.join("a-3.md")))
                .folder("--feedback", Some(&fb)),
        );
        assert_eq!(r.code, crate::exit::ExitCode::Usage);
        assert!(
            r.message.contains("is inside the folder of --feedback"),
            "{r}"
        );
        assert!(!fb.exists());
    }

    #[cfg(unix)]
    #[test]
    fn a_link_to_another_output_is_the_same_file() {
        let dir = tempfile::tempdir().unwrap();
        let json = dir.path().join("report.json");
        std::fs::write(&json, "{}").unwrap();
        std::os::unix::fs::symlink(&json, dir.path().join("report.txt")).unwrap();
        let r =
            refusal(Plan::new().reports("--out", Some(dir.path()), &["report.json", "report.txt"]));
        assert!(r.message.contains("are the same file"), "{r}");
    }

    #[test]
    fn standard_output_once_and_not_as_a_folder() {
        let r = refusal(Plan::new().reports("--out", Some(Path::new("-")), &["a", "b"]));
        assert!(
            r.message
                .starts_with("--out -: standard output cannot hold"),
            "{r}"
        );
        let r = refusal(
            Plan::new()
                .file("--out", Some(Path::new("-")))
                .file("--copy", Some(Path::new("/dev/stdout"))),
        );
        assert!(r.message.contains("both write to standard output"), "{r}");
        assert!(
            Plan::new()
                .file("--out", Some(Path::new("-")))
                .claim()
                .is_ok()
        );
    }

    #[test]
    fn claimed_outputs_are_released_when_the_claim_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out.csv");
        let claim = Plan::new().file("--out", Some(&out)).claim().unwrap();
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        drop(claim);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
