//! coinflip: train an n-gram model, generate text by flipping a biased coin at every step, and
//! check what came out — reproducibly, from a fixed seed.
//!
//! The library does all the work; `src/main.rs` only parses arguments and calls [`app::main`].
//! Data flows one way: scenario → corpus → tokens → counts → model → samples → statistics →
//! report. Each module owns one idea and says so in its header.

// Diagnostics are large (file, key, message, snippet) but only travel on the error path.
#![allow(clippy::result_large_err)]

pub mod app;
pub mod cli;
pub mod corpus;
pub mod error;
pub mod exit;
pub mod init;
pub mod input;
pub mod jobs;
pub mod lm;
pub mod output;
pub mod pipeline;
pub mod quiz;
pub mod remix;
pub mod report;
pub mod results;
pub mod sample;
pub mod scenario;
pub mod schema;
pub mod stats;
pub mod text;
pub mod tokenize;
