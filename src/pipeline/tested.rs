//! The distributions a chi-square check tests: an explicit `[distribution]`, or a model's
//! next-token distributions after the scenario's contexts — each after the `[sampling]`
//! transforms, as the sampler draws from it.

use crate::error::Diagnostic;
use crate::lm::LanguageModel;
use crate::pipeline::chisq::{ModelContext, Tested};
use crate::pipeline::corpus_cache::CorpusCache;
use crate::pipeline::prepare::{Prepared, prepare};
use crate::results::Note;
use crate::scenario::{ChiSquareCheck, DistributionSpec, Scenario, ScenarioKind};
use crate::tokenize::TokenId;

/// An explicit distribution as tested: the `[sampling]` transforms applied, in the order given.
pub fn distribution_tested(d: &DistributionSpec, sampler: &crate::sample::SamplerConfig) -> Tested {
    // Outcome i is "token id" i here: the transforms work on (id, p) pairs in ascending id.
    let mut dist: Vec<(TokenId, f64)> = d
        .probs
        .iter()
        .enumerate()
        .filter(|(_, p)| **p > 0.0)
        .map(|(i, &p)| (i as TokenId, p))
        .collect();
    sampler.apply(&mut dist);
    let mut probs = vec![0.0; d.tokens.len()];
    for (i, p) in dist {
        probs[i as usize] = p;
    }
    normalize(&mut probs);
    Tested {
        context: d.context.clone(),
        labels: d.tokens.clone(),
        probs,
        model: None,
    }
}

fn normalize(p: &mut [f64]) {
    let total: f64 = p.iter().sum();
    if total > 0.0 {
        for x in p.iter_mut() {
            *x /= total;
        }
    }
}

/// The next-token distributions a model scenario's chi-square check tests: one per context (the
/// generate prefix by default), each read as the start of a document, after the transforms.
pub fn model_tested(
    sc: &Scenario,
    p: &Prepared,
    check: &ChiSquareCheck,
    notes: &mut Vec<Note>,
) -> Vec<Tested> {
    let contexts: Vec<(String, Vec<TokenId>)> = match &check.contexts {
        None => vec![(p.prefix_text.clone(), p.prefix_ids.clone())],
        Some(list) => list
            .iter()
            .map(|c| {
                let (ids, unknown) = p.corpus.encode(c);
                if !unknown.is_empty() {
                    notes.push(Note::UnknownContextTokens {
                        context: c.clone(),
                        tokens: unknown,
                    });
                }
                (c.clone(), ids)
            })
            .collect(),
    };
    let order = p.model.order();
    contexts
        .into_iter()
        .map(|(text, ids)| {
            let history = crate::lm::start_history(&ids, order);
            let mut dist = Vec::new();
            p.model.distribution(&history, &mut dist);
            sc.sampling.apply(&mut dist);
            let labels = dist
                .iter()
                .map(|&(id, _)| token_label(p.corpus.vocab.token(id)))
                .collect();
            let mut probs: Vec<f64> = dist.iter().map(|d| d.1).collect();
            normalize(&mut probs);
            Tested {
                context: text,
                labels,
                probs,
                model: Some(ModelContext {
                    ids: dist.iter().map(|d| d.0).collect(),
                    history,
                }),
            }
        })
        .collect()
}

/// The distributions a scenario's chi-square check tests (for `coinflip calibrate`).
pub fn tested_distributions(
    sc: &Scenario,
    cache: &CorpusCache,
) -> Result<Vec<Tested>, Vec<Diagnostic>> {
    let Some(check) = &sc.checks.chi_square else {
        return Err(vec![Diagnostic::file(
            &sc.file,
            "the scenario has no [checks.chi_square] table to calibrate",
        )]);
    };
    match &sc.kind {
        ScenarioKind::Distribution(d) => Ok(vec![distribution_tested(d, &sc.sampling)]),
        ScenarioKind::Model { .. } => {
            let p = prepare(sc, cache)?;
            Ok(model_tested(sc, &p, check, &mut Vec::new()))
        }
    }
}

/// A display label for a token: markers as written, white space made visible.
pub fn token_label(token: &str) -> String {
    match token {
        "\n" => "\\n".to_string(),
        " " => "␠".to_string(),
        "\t" => "\\t".to_string(),
        t => t.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample::SamplerConfig;
    use std::path::Path;

    #[test]
    fn an_explicit_distribution_is_tested_after_the_transforms_renormalised() {
        let d = DistributionSpec {
            context: "c".into(),
            tokens: vec!["x".into(), "y".into(), "z".into(), "never".into()],
            probs: vec![0.5, 0.3, 0.2, 0.0],
        };
        let t = distribution_tested(&d, &SamplerConfig::default());
        assert_eq!(t.probs, [0.5, 0.3, 0.2, 0.0]);
        assert_eq!(t.labels, d.tokens);
        let top2 = SamplerConfig {
            top_k: 2,
            ..SamplerConfig::default()
        };
        let t = distribution_tested(&d, &top2);
        // Outcomes keep their places; the ones dropped have probability 0.
        let want = [0.625, 0.375, 0.0, 0.0];
        assert!(
            t.probs.iter().zip(want).all(|(p, w)| (p - w).abs() < 1e-15),
            "{:?}",
            t.probs
        );
    }

    #[test]
    fn model_contexts_with_unseen_tokens_are_noted() {
        let src = "[corpus]\ntext = \"a b a c a b\"\n[model]\norder = 2\n[generate]\nsamples = 1\n\
                   [checks.chi_square]\nsamples = 100\ncontexts = [\"a\", \"q\"]\n";
        let sc = crate::scenario::parse(src, Path::new("t.toml"), Path::new("."), "t").unwrap();
        let p = prepare(&sc, &CorpusCache::default()).unwrap();
        let mut notes = Vec::new();
        let check = sc.checks.chi_square.as_ref().unwrap();
        let tested = model_tested(&sc, &p, check, &mut notes);
        assert_eq!(
            notes,
            [Note::UnknownContextTokens {
                context: "q".into(),
                tokens: vec!["q".into()]
            }]
        );
        // After "a": b twice, c once (MLE), labelled by the tokens.
        assert_eq!(tested[0].context, "a");
        let after_a: Vec<(&str, f64)> = tested[0]
            .labels
            .iter()
            .map(String::as_str)
            .zip(tested[0].probs.iter().copied())
            .collect();
        assert_eq!(after_a, [("b", 2.0 / 3.0), ("c", 1.0 / 3.0)]);
        assert!((tested[1].probs.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    }

    #[test]
    fn white_space_tokens_are_labelled_visibly() {
        assert_eq!(token_label("\n"), "\\n");
        assert_eq!(token_label(" "), "␠");
        assert_eq!(token_label("\t"), "\\t");
        assert_eq!(token_label("<s>"), "<s>");
    }
}
