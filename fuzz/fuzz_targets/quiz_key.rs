//! cargo-fuzz target `quiz_key`: see `fuzz/harness.rs` and `docs/fuzzing.md`.
#![no_main]

#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::quiz_key(data));
