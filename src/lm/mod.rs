//! Language models: everything that, given a context, gives a probability for each next token.
//!
//! - [`ngram`]: the counting n-gram model (MLE, add-k, Kneser–Ney, stupid backoff) and the
//!   [`LanguageModel`] trait every model implements;
//! - [`arpa`]: reading ARPA backoff files; [`backoff`]: a backoff model behind the trait;
//! - [`kenlm`]: KenLM-exact modified Kneser–Ney estimation; [`export`]: writing ARPA files.

pub mod arpa;
pub mod backoff;
pub mod export;
pub mod kenlm;
pub mod ngram;

pub use ngram::LanguageModel;
