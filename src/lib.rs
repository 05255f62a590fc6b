//! coinflip: train an n-gram model, generate text by flipping a biased coin at every step, and
//! check what came out — reproducibly, from a fixed seed.
//!
//! The library does all the work; `src/main.rs` only parses arguments and calls [`app::main`].
//! Data flows one way: scenario → corpus → tokens → counts → model → samples → statistics →
//! report. Each module owns one idea and says so in its header.

pub mod arpa;
pub mod error;
pub mod kenlm;
pub mod output;
pub mod quiz;
pub mod remix;
pub mod stats;
