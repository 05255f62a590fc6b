//! The run pipeline: from scenario files to typed results. [`discover`] finds the files of a run
//! and their shards, [`run`] runs a batch, one scenario at a time: [`prepare`] trains its model
//! on a corpus from the [`corpus_cache`], samples are generated and given their
//! [`remix_figures`], and [`check`] judges them — the chi-square check drawing with [`chisq`]
//! from the distributions [`tested`] names. [`generate`] turns `coinflip generate`'s options into a scenario. [`progress`] counts the samples and draws for the progress bar. [`calibrate`] measures a check's false-positive rate
//! and power; [`inspect`] scores a text and replays a sample step by step.

pub mod calibrate;
pub mod check;
pub mod chisq;
pub mod corpus_cache;
pub mod discover;
pub mod flip;
pub mod generate;
pub mod inspect;
pub mod prepare;
pub mod progress;
pub mod remix_figures;
pub mod run;
pub mod tested;
