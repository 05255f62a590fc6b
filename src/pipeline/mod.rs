//! The run pipeline: from a validated scenario to typed results. [`run`] discovers and runs a
//! batch, [`check`] judges samples against a scenario's checks, [`chisq`] draws and tests the
//! sampler, [`calibrate`] measures a check's false-positive rate and power, [`inspect`] scores a
//! text and replays a sample step by step.

pub mod calibrate;
pub mod check;
pub mod chisq;
pub mod flip;
pub mod inspect;
pub mod run;
