//! Output files (issue 14, "Outputs"), end to end with the binary: `--out -` and devices, links,
//! created folders, outputs that collide, locks against a concurrent run, signals, stale
//! temporary files, the feedback folder swapped as a whole, modes under the umask, and the
//! thread count of `--jobs`. The rules are in docs/reports.md ("Output files").

use std::path::Path;
use std::time::{Duration, Instant};

use assert_cmd::Command;

const LAB: &str = "quizzes/ch06-sampling-lab.toml";
const INFERENCE: &str = "quizzes/ch06-inference.toml";
const S001: &str = "tests/fixtures/quiz/class/s001.toml";
const S002: &str = "tests/fixtures/quiz/class/s002.toml";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn coinflip() -> Command {
    let mut c = Command::cargo_bin("coinflip").unwrap();
    c.current_dir(root()).timeout(Duration::from_secs(120));
    c
}

struct Out {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn run(cmd: &mut Command) -> Out {
    let o = cmd.output().unwrap();
    Out {
        code: o.status.code(),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn temporaries(dir: &Path) -> Vec<String> {
    names(dir)
        .into_iter()
        .filter(|n| n.starts_with(".coinflip-") && n.ends_with(".tmp"))
        .collect()
}

#[test]
fn out_dash_is_standard_output() {
    let plain = run(coinflip().args(["run", "scenarios/greedy.toml"]));
    let dash = run(coinflip().args(["run", "scenarios/greedy.toml", "--out", "-"]));
    assert_eq!(dash.code, Some(0));
    assert_eq!(dash.stdout, plain.stdout);
    let plain = run(coinflip().args(["quiz", "export-gift", LAB]));
    let dash = run(coinflip().args(["quiz", "export-gift", LAB, "--out", "-"]));
    assert_eq!(dash.code, Some(0), "{}", dash.stderr);
    assert_eq!(dash.stdout, plain.stdout);
    assert!(!root().join("-").exists());
}

#[cfg(unix)]
#[test]
fn a_device_is_written_in_place_and_a_link_to_it_stays_a_link() {
    use std::os::unix::fs::FileTypeExt;
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("sink");
    std::os::unix::fs::symlink("/dev/null", &link).unwrap();
    for args in [
        vec!["run", "scenarios/greedy.toml", "--quiet", "--out"],
        vec!["quiz", "grade", LAB, S001, "--out"],
        vec!["quiz", "export-gift", LAB, "--out"],
        vec!["export-arpa", "scenarios/kenlm-arpa.toml", "--out"],
    ] {
        let r = run(coinflip().args(&args).arg(&link));
        assert_eq!(r.code, Some(0), "{args:?}: {}", r.stderr);
        assert_eq!(r.stdout, "");
        let meta = link.symlink_metadata().unwrap();
        assert!(meta.file_type().is_symlink(), "{args:?} replaced the link");
    }
    assert!(
        std::fs::metadata("/dev/null")
            .unwrap()
            .file_type()
            .is_char_device()
    );
    assert_eq!(names(dir.path()), ["sink"]);
}

#[cfg(unix)]
fn mkfifo(path: &Path) {
    let c = std::ffi::CString::new(path.to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path; mkfifo only creates a file.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0, "mkfifo");
}

#[cfg(unix)]
#[test]
fn a_fifo_receives_the_output_and_stays_a_fifo() {
    use std::os::unix::fs::FileTypeExt;
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe");
    mkfifo(&fifo);
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
    };
    let r = run(coinflip()
        .args(["quiz", "export-gift", LAB, "--out"])
        .arg(&fifo));
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let got = reader.join().unwrap();
    let want = run(coinflip().args(["quiz", "export-gift", LAB])).stdout;
    assert_eq!(got, want);
    assert!(fifo.metadata().unwrap().file_type().is_fifo());
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[cfg(unix)]
#[test]
fn a_link_to_a_regular_file_stays_a_link_and_its_target_is_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("real.csv");
    std::fs::write(&real, "old").unwrap();
    set_mode(&real, 0o640);
    let link = dir.path().join("grades.csv");
    std::os::unix::fs::symlink("real.csv", &link).unwrap();
    let r = run(coinflip()
        .args(["quiz", "grade", LAB, S001, "--format", "csv", "--out"])
        .arg(&link));
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(link.symlink_metadata().unwrap().file_type().is_symlink());
    assert!(
        std::fs::read_to_string(&real)
            .unwrap()
            .starts_with("student,")
    );
    assert_eq!(mode(&real), 0o640);
    assert_eq!(names(dir.path()), ["grades.csv", "real.csv"]);
}

#[test]
fn missing_folders_are_created_and_named_unless_the_user_named_the_folder() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("a/b/grades.csv");
    let r = run(coinflip()
        .args(["quiz", "grade", LAB, S001, "--out"])
        .arg(&out));
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(out.is_file());
    for folder in ["a", "a/b"] {
        let note = format!(
            "coinflip: note: created the folder {} (for --out {})",
            dir.path().join(folder).display(),
            out.display()
        );
        assert!(r.stderr.contains(&note), "{note}\n{}", r.stderr);
    }
    // `--out DIR` with several formats names the folder: created silently when its parent exists.
    let reports = dir.path().join("reports");
    let r = run(coinflip()
        .args([
            "run",
            "scenarios/greedy.toml",
            "--format",
            "json,junit",
            "--out",
        ])
        .arg(&reports));
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(r.stderr, "");
    assert_eq!(names(&reports), ["junit.xml", "report.json"]);
}

#[test]
fn outputs_that_would_write_over_each_other_are_refused_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let fb = dir.path().join("fb");
    let r = run(coinflip()
        .args(["quiz", "grade", LAB, S001, "--feedback"])
        .arg(&fb)
        .arg("--out")
        .arg(fb.join("a-3.md")));
    assert_eq!(r.code, Some(2));
    assert!(
        r.stderr.contains("is inside the folder of --feedback"),
        "{}",
        r.stderr
    );
    let same = dir.path().join("same");
    let r = run(coinflip()
        .args(["quiz", "grade", LAB, S001, "--feedback"])
        .arg(&same)
        .arg("--out")
        .arg(&same));
    assert_eq!(r.code, Some(2));
    assert!(r.stderr.contains("are the same path"), "{}", r.stderr);
    assert_eq!(names(dir.path()), Vec::<String>::new());
}

#[cfg(unix)]
#[test]
fn two_report_formats_that_are_one_file_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("report.json"), "mine").unwrap();
    std::os::unix::fs::symlink("report.json", dir.path().join("report.txt")).unwrap();
    let r = run(coinflip()
        .args([
            "run",
            "scenarios/greedy.toml",
            "--format",
            "json,text",
            "--out",
        ])
        .arg(dir.path()));
    assert_eq!(r.code, Some(2));
    assert!(r.stderr.contains("are the same file"), "{}", r.stderr);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("report.json")).unwrap(),
        "mine"
    );
}

/// A folder of scenarios that take a few seconds each (`--jobs 1`): time to interrupt a run.
fn slow_scenarios(n: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..n {
        std::fs::write(
            dir.path().join(format!("slow-{i}.toml")),
            format!(
                "name = \"slow-{i}\"\nseed = {i}\n\n[distribution]\ntokens = [\"a\", \"b\"]\n\
                 probs = [0.5, 0.5]\n\n[checks.chi_square]\nsamples = 100000000\n"
            ),
        )
        .unwrap();
    }
    dir
}

fn wait_for(what: &str, mut ready: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ready() {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "waited for {what}"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[cfg(target_os = "linux")]
fn spawn_slow_run(scenarios: &Path, out: &Path) -> std::process::Child {
    std::process::Command::new(assert_cmd::cargo::cargo_bin("coinflip"))
        .current_dir(root())
        .args(["run", "--jobs", "1", "--quiet", "--out"])
        .arg(out)
        .arg(scenarios)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap()
}

#[cfg(target_os = "linux")]
#[test]
fn a_signal_removes_the_temporary_files_and_exits_128_plus_the_signal() {
    let scenarios = slow_scenarios(8);
    for (signal, code) in [(libc::SIGINT, 130), (libc::SIGTERM, 143)] {
        let out_dir = tempfile::tempdir().unwrap();
        let mut child = spawn_slow_run(scenarios.path(), &out_dir.path().join("report.json"));
        wait_for("the temporary file", || {
            !temporaries(out_dir.path()).is_empty()
        });
        // SAFETY: kill only sends a signal to our own child.
        assert_eq!(unsafe { libc::kill(child.id() as i32, signal) }, 0);
        let status = child.wait().unwrap();
        assert_eq!(status.code(), Some(code), "signal {signal}");
        assert_eq!(names(out_dir.path()), Vec::<String>::new());
    }
}

#[cfg(target_os = "linux")]
#[test]
fn an_output_another_run_is_writing_is_refused() {
    let scenarios = slow_scenarios(8);
    let out_dir = tempfile::tempdir().unwrap();
    let out = out_dir.path().join("report.json");
    let mut first = spawn_slow_run(scenarios.path(), &out);
    wait_for("the temporary file", || {
        !temporaries(out_dir.path()).is_empty()
    });
    let want = format!(
        "--out {}: it is being written by another coinflip (process {}); wait for it to finish, \
         or choose another path",
        out.display(),
        first.id()
    );
    let second = run(coinflip()
        .args(["run", "scenarios/greedy.toml", "--out"])
        .arg(&out));
    assert_eq!(second.code, Some(1));
    assert!(second.stderr.contains(&want), "{}", second.stderr);
    // Another command, the same output.
    let grade = run(coinflip()
        .args(["quiz", "grade", LAB, S001, "--out"])
        .arg(&out));
    assert_eq!(grade.code, Some(1));
    assert!(grade.stderr.contains(&want), "{}", grade.stderr);
    // SAFETY: kill only sends a signal to our own child.
    assert_eq!(unsafe { libc::kill(first.id() as i32, libc::SIGTERM) }, 0);
    assert_eq!(first.wait().unwrap().code(), Some(143));
    let again = run(coinflip()
        .args(["run", "scenarios/greedy.toml", "--out"])
        .arg(&out));
    assert_eq!(again.code, Some(0), "{}", again.stderr);
    assert_eq!(names(out_dir.path()), ["report.json"]);
}

#[cfg(unix)]
fn age(path: &Path) {
    let old = std::time::SystemTime::now() - Duration::from_secs(3600);
    let f = std::fs::File::open(path).unwrap();
    f.set_modified(old).unwrap();
}

#[cfg(unix)]
#[test]
fn stale_temporary_files_are_cleaned_but_live_ones_are_kept() {
    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| dir.path().join(n);
    // Left by killed runs: a carrier of this release, one of an older release, a staging folder.
    std::fs::write(
        p(".coinflip-report.json~0123456789abcdef.99999.abcdef.tmp"),
        "x",
    )
    .unwrap();
    std::fs::write(p(".coinflip-AbC123.tmp"), "half a report").unwrap();
    let staging = p(".coinflip-fb~0123456789abcdef.99999.abcdef-new.tmp");
    std::fs::create_dir(&staging).unwrap();
    std::fs::write(staging.join("s001.md"), "x").unwrap();
    for n in [
        ".coinflip-report.json~0123456789abcdef.99999.abcdef.tmp",
        ".coinflip-AbC123.tmp",
    ] {
        age(&p(n));
    }
    age(&staging);
    // Live: one just created (its owner may be about to lock it), one locked by its owner.
    std::fs::write(p(".coinflip-fresh.tmp"), "x").unwrap();
    std::fs::write(p(".coinflip-locked.tmp"), "x").unwrap();
    age(&p(".coinflip-locked.tmp"));
    let held = std::fs::File::open(p(".coinflip-locked.tmp")).unwrap();
    held.lock().unwrap();
    let r = run(coinflip()
        .args(["run", "scenarios/greedy.toml", "--out"])
        .arg(p("report.json")));
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(
        names(dir.path()),
        [".coinflip-fresh.tmp", ".coinflip-locked.tmp", "report.json"]
    );
    drop(held);
}

fn grade_feedback(fb: &Path, answers: &[&str], lang: &str) -> Out {
    run(coinflip()
        .args(["quiz", "grade", LAB])
        .args(answers)
        .args(["--lang", lang, "--feedback"])
        .arg(fb))
}

#[test]
fn the_feedback_set_is_replaced_as_a_whole_and_other_files_are_kept() {
    let dir = tempfile::tempdir().unwrap();
    let fb = dir.path().join("fb");
    let r = grade_feedback(&fb, &[S001, S002], "en");
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(names(&fb), [".coinflip-manifest", "s001.md", "s002.md"]);
    std::fs::write(fb.join("README.txt"), "for the students").unwrap();
    // s002 is no longer graded: its old feedback must not linger beside the new set.
    let r = grade_feedback(&fb, &[S001], "zh");
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(names(&fb), [".coinflip-manifest", "README.txt", "s001.md"]);
    assert!(
        r.stderr
            .contains("kept 1 file that the last set written there did not have: README.txt"),
        "{}",
        r.stderr
    );
    assert!(
        std::fs::read_to_string(fb.join("s001.md"))
            .unwrap()
            .contains("# 反馈")
    );
    assert_eq!(names(dir.path()), ["fb"]);
}

#[cfg(target_os = "linux")]
#[test]
fn a_run_killed_while_writing_feedback_leaves_the_old_set_whole() {
    let dir = tempfile::tempdir().unwrap();
    let class = dir.path().join("class.csv");
    let mut csv = String::from("student,name,q1,q2,q3,q4\n");
    for i in 0..1_500 {
        csv.push_str(&format!("c{i:05},Student {i},b,c,a,d\n"));
    }
    std::fs::write(&class, csv).unwrap();
    let fb = dir.path().join("fb");
    let grade = |lang: &str| {
        std::process::Command::new(assert_cmd::cargo::cargo_bin("coinflip"))
            .current_dir(root())
            .args(["quiz", "grade", INFERENCE])
            .arg(&class)
            .args(["--lang", lang, "--feedback"])
            .arg(&fb)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap()
    };
    assert!(grade("en").wait().unwrap().success());
    let mut child = grade("zh");
    let staging = || {
        names(dir.path())
            .into_iter()
            .find(|n| n.ends_with("-new.tmp"))
    };
    wait_for("the new set's folder", || staging().is_some());
    child.kill().unwrap();
    child.wait().unwrap();
    let files = names(&fb);
    assert_eq!(files.len(), 1_501);
    for f in files.iter().filter(|f| f.ends_with(".md")).step_by(97) {
        let text = std::fs::read_to_string(fb.join(f)).unwrap();
        assert!(text.starts_with("# Feedback"), "{f} is from the new set");
    }
    // The next run removes what the killed one left (once it is old enough) and swaps.
    assert!(staging().is_some(), "the killed run's folder is left");
    for left in temporaries(dir.path()) {
        age(&dir.path().join(left));
    }
    assert!(grade("zh").wait().unwrap().success());
    assert_eq!(names(dir.path()), ["class.csv", "fb"]);
    let s1 = std::fs::read_to_string(fb.join("c00001.md")).unwrap();
    assert!(s1.starts_with("# 反馈"), "{s1}");
}

/// Runs coinflip under `umask`.
#[cfg(unix)]
fn with_umask(umask: &str, args: &[&std::ffi::OsStr]) -> Out {
    let mut c = Command::new("sh");
    c.current_dir(root())
        .arg("-c")
        .arg(format!("umask {umask} && exec \"$0\" \"$@\""))
        .arg(assert_cmd::cargo::cargo_bin("coinflip"))
        .args(args);
    run(&mut c)
}

#[cfg(unix)]
#[test]
fn new_files_follow_the_umask_and_replaced_files_keep_their_mode() {
    for (umask, file, folder) in [("022", 0o644, 0o755), ("077", 0o600, 0o700)] {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("grades.csv");
        let fb = dir.path().join("fb");
        let args = |out: &Path, fb: &Path| -> Vec<std::ffi::OsString> {
            let mut v: Vec<std::ffi::OsString> = ["quiz", "grade", LAB, S001, S002, "--out"]
                .iter()
                .map(Into::into)
                .collect();
            v.extend([out.into(), "--feedback".into(), fb.into()]);
            v
        };
        let a = args(&out, &fb);
        let a: Vec<&std::ffi::OsStr> = a.iter().map(|s| s.as_os_str()).collect();
        let r = with_umask(umask, &a);
        assert_eq!(r.code, Some(0), "{}", r.stderr);
        assert_eq!(mode(&out), file, "umask {umask}: report");
        assert_eq!(mode(&fb.join("s001.md")), file, "umask {umask}: feedback");
        assert_eq!(mode(&fb), folder, "umask {umask}: feedback folder");
        // Replaced files keep their mode, whatever the umask.
        set_mode(&out, 0o640);
        set_mode(&fb.join("s002.md"), 0o604);
        set_mode(&fb, 0o750);
        let r = with_umask(umask, &a);
        assert_eq!(r.code, Some(0), "{}", r.stderr);
        assert_eq!(mode(&out), 0o640, "umask {umask}: replaced report");
        assert_eq!(mode(&fb.join("s002.md")), 0o604, "umask {umask}");
        assert_eq!(mode(&fb.join("s001.md")), file, "umask {umask}");
        assert_eq!(mode(&fb), 0o750, "umask {umask}: replaced folder");
    }
}

#[test]
fn jobs_are_capped_at_the_scenarios_and_a_warning_names_the_threads_above_the_cpus() {
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    let dir = tempfile::tempdir().unwrap();
    let n = cpus + 2;
    for i in 0..n {
        std::fs::write(
            dir.path().join(format!("coin-{i}.toml")),
            format!(
                "name = \"coin-{i}\"\n\n[distribution]\ntokens = [\"a\", \"b\"]\n\
                 probs = [0.5, 0.5]\n\n[checks.chi_square]\nsamples = 1000\n"
            ),
        )
        .unwrap();
    }
    let r = run(coinflip()
        .args(["run", "--jobs", "1000", "--quiet"])
        .arg(dir.path()));
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let want = format!(
        "coinflip: warning: --jobs 1000 starts {n} threads (one per scenario at most) on {cpus} CPUs"
    );
    assert!(r.stderr.starts_with(&want), "{want}\n{}", r.stderr);
    // One scenario: one thread, no warning.
    let r = run(coinflip().args(["run", "--jobs", "1000", "scenarios/greedy.toml"]));
    assert_eq!(r.code, Some(0));
    assert_eq!(r.stderr, "");
}
