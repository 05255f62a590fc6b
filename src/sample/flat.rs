//! The flat draw of contract 1 over a model's weights ([`LanguageModel::weights`]): every
//! candidate's weight in ascending id, one uniform. MLE is drawn this way under contract 2 too
//! (its candidates are one context's followers), and the dense form is the test oracle that the
//! hierarchical draw of contract 2 is checked against.

use super::Cumulative;
use crate::lm::levels::{count_in_row, counts_from_sums};
use crate::lm::{Candidates, LanguageModel, Scratch, Weights};
use crate::tokenize::{EOS, RESERVED, TokenId};

/// One generation step without transforms: the draw of `docs/sampling.md` over the model's
/// weights ([`LanguageModel::weights`]): cumulative sums in ascending id, the first j with
/// `u · C_m < C_j`. `None` when there is no candidate. Whatever form the model gives its weights
/// in, the sums are formed over the same numbers in the same order, so the pick is the same.
pub fn draw<M: LanguageModel + ?Sized>(
    model: &M,
    history: &[TokenId],
    u: f64,
    scratch: &mut DrawScratch,
) -> Option<Drawn> {
    let Weights {
        candidates,
        context_len,
    } = model.weights(history, &mut scratch.model);
    let c = &mut scratch.cumulative;
    let (token, p) = match candidates {
        Candidates::Listed(listed) => {
            c.rebuild(listed.iter().map(|d| d.1));
            listed[c.pick(u)?]
        }
        Candidates::Counted {
            ids,
            sums,
            total,
            cum,
        } if !cum.is_empty() => {
            // The sums kept by the model are the ones the loop below would form.
            let c_m = cum[cum.len() - 1];
            let j = cum.partition_point(|&c| c <= u * c_m).min(cum.len() - 1);
            return Some(Drawn {
                token: ids[j],
                p: count_in_row(sums, j) as f64 / total,
                total: c_m,
                context_len,
            });
        }
        Candidates::Counted {
            ids, sums, total, ..
        } => {
            c.rebuild(counts_from_sums(sums).map(|n| n as f64 / total));
            let j = c.pick(u)?;
            (ids[j], count_in_row(sums, j) as f64 / total)
        }
        Candidates::Dense(p) => draw_dense(p, u, c)?,
    };
    Some(Drawn {
        token,
        p,
        total: c.total(),
        context_len,
    })
}

/// The draw over dense weights `p[id]` (0 for `<s>`, `<unk>` and impossible tokens): the same
/// pick, total and weight as the draw over the (id, p > 0) pairs. A zero weight adds nothing to a
/// cumulative sum and is never the first j with `x < C_j`; only when `x ≥ C_m` (the last
/// candidate is taken) must the zeros at the end be skipped.
fn draw_dense(p: &[f64], u: f64, c: &mut Cumulative) -> Option<(TokenId, f64)> {
    // Candidate j: `</s>`, then every corpus token in id order. (One range, not a chain of two
    // iterators: the summing loop then compiles to a tight loop, 2.6× faster.)
    let token_of = |j: usize| {
        if j == 0 {
            EOS
        } else {
            (j - 1 + RESERVED) as TokenId
        }
    };
    let m = 1 + p.len().saturating_sub(RESERVED);
    c.rebuild((0..m).map(|j| p[token_of(j) as usize]));
    let mut j = c.pick(u)?;
    while p[token_of(j) as usize] == 0.0 {
        j = j.checked_sub(1)?;
    }
    let token = token_of(j);
    Some((token, p[token as usize]))
}

/// What one generation step drew ([`draw`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Drawn {
    pub token: TokenId,
    /// The model's weight of the token (its probability).
    pub p: f64,
    /// `C_m`, the sum of all weights.
    pub total: f64,
    /// Context tokens the model used.
    pub context_len: usize,
}

/// Buffers reused from one generation step to the next: the model's and the draw's.
#[derive(Debug, Default)]
pub struct DrawScratch {
    model: Scratch,
    cumulative: Cumulative,
}
