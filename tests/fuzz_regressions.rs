//! Every input the fuzzers found a bug with, replayed through the same harness on every
//! `cargo test`: `tests/fixtures/fuzz/<target>/<file>` goes to the harness of fuzz target
//! `<target>` (`fuzz/harness.rs`). Each file's name says what it used to do; `docs/fuzzing.md`
//! says how to add one.

#[path = "../fuzz/harness.rs"]
mod harness;

use std::path::Path;

#[test]
fn every_saved_fuzz_input_runs_without_panicking() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fuzz");
    let mut count = 0;
    let mut panics = vec![];
    for entry in std::fs::read_dir(&root).unwrap() {
        let dir = entry.unwrap().path();
        if !dir.is_dir() {
            continue;
        }
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let (_, harness) = harness::TARGETS
            .iter()
            .find(|(t, _)| *t == name)
            .unwrap_or_else(|| panic!("tests/fixtures/fuzz/{name}: no fuzz target of that name"));
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        for file in files {
            let data = std::fs::read(&file).unwrap();
            if std::panic::catch_unwind(|| harness(&data)).is_err() {
                panics.push(file.display().to_string());
            }
            count += 1;
        }
    }
    assert!(
        count > 0,
        "no saved fuzz inputs found under {}",
        root.display()
    );
    assert!(
        panics.is_empty(),
        "these inputs panic:\n{}",
        panics.join("\n")
    );
}
