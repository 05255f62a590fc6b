//! The remix figures of a model scenario: which statistics to compute (its `[checks.remix]`
//! settings or its tokenizer's defaults), each sample's figures with the step where it left its
//! source document, and the aggregates over the samples. The statistics themselves are
//! [`crate::remix`]'s; this turns them into the values [`crate::results`] reports.

use crate::lm::LanguageModel;
use crate::pipeline::prepare::Prepared;
use crate::pipeline::tested::token_label;
use crate::results::{Divergence, TokenAt};
use crate::scenario::{GenerateSpec, ModelSpec, Prefix, Scenario};
use crate::tokenize::TokenId;

/// What remix statistics to compute: the scenario's `[checks.remix]` settings, or the defaults
/// for its tokenizer.
pub fn remix_config(sc: &Scenario, mspec: &ModelSpec) -> crate::remix::RemixConfig {
    use crate::remix::{Granularity, RemixConfig};
    let granularity = match mspec.tokenizer.kind {
        crate::tokenize::TokenizerKind::Char => Granularity::Char,
        _ => Granularity::Word,
    };
    let mut cfg = RemixConfig::new(granularity);
    if let Some(check) = &sc.checks.remix {
        cfg.ngram_orders = check.ngram_orders.clone();
        if let Some(l) = check.copied_min_len {
            cfg.copied_min_len = l as u32;
        }
    }
    cfg
}

/// For a `prefix_from` scenario, what the source document actually says after the prefix
/// (its remaining tokens, then `</s>`).
pub fn source_continuation(generate: &GenerateSpec, p: &Prepared) -> Option<Vec<TokenId>> {
    let Prefix::FromDocument {
        document, tokens, ..
    } = &generate.prefix
    else {
        return None;
    };
    let doc = p.corpus.documents.get(*document)?;
    let mut rest = doc[*tokens..].to_vec();
    rest.push(crate::tokenize::EOS);
    Some(rest)
}

/// The reported remix figures of one sample, with its divergence step.
pub fn sample_remix(
    stats: &crate::remix::RemixStats,
    p: &Prepared,
    source: Option<&[TokenId]>,
    generated: &[TokenId],
) -> crate::results::SampleRemix {
    use crate::results::{ByN, CopiedFraction, MaxVerbatim, SampleRemix};
    let longest = &stats.longest;
    let divergence_step = source.map(|src| divergence(p, src, generated));
    SampleRemix {
        longest_match: stats.profile.clone(),
        covering_runs: crate::results::covering_runs(&stats.profile),
        max_verbatim: MaxVerbatim {
            length: longest.length,
            text: p.corpus.decode(&longest.tokens).trim_end().to_string(),
            document: longest.occurrence.map(|o| o.document),
            offset: longest.occurrence.map(|o| o.offset),
        },
        novel_ngram_rate: ByN(stats.novel_ngram_rate.clone()),
        copied_fraction: CopiedFraction {
            min_len: stats.copied_min_len,
            value: stats.copied_fraction,
        },
        divergence_step,
    }
}

/// The first step at which `generated` leaves `source`, with what each has there and the
/// probability the model gave both (the sample's length when it never left).
fn divergence(p: &Prepared, source: &[TokenId], generated: &[TokenId]) -> Divergence {
    let step = generated
        .iter()
        .zip(source)
        .position(|(g, s)| g != s)
        .unwrap_or(generated.len().min(source.len()));
    if step >= generated.len() || step >= source.len() {
        return Divergence {
            step: generated.len(),
            expected_token: None,
            sampled_token: None,
        };
    }
    // The model's view at that step: the padded prefix and the tokens before it.
    let mut history = crate::lm::start_history(&p.prefix_ids, p.model.order());
    history.extend_from_slice(&generated[..step]);
    let at = |id: TokenId| TokenAt {
        id: p.corpus.vocab.display_id(id),
        text: token_label(p.corpus.vocab.token(id)),
        p: p.model.prob(&history, id).p,
    };
    Divergence {
        step,
        expected_token: Some(at(source[step])),
        sampled_token: Some(at(generated[step])),
    }
}

/// Remix statistics aggregated over a scenario's samples.
pub fn remix_summary(
    stats: &[(crate::remix::RemixStats, Option<usize>)],
    cfg: &crate::remix::RemixConfig,
) -> crate::results::RemixSummary {
    use crate::results::{Aggregate, ByN, RemixSummary};
    let agg = |s: Option<crate::remix::Summary>| {
        s.map(|s| Aggregate {
            mean: s.mean,
            median: s.median,
            max: s.max,
        })
    };
    let only: Vec<crate::remix::RemixStats> = stats.iter().map(|(s, _)| s.clone()).collect();
    let sum = crate::remix::RemixSummary::of(&only, cfg);
    let steps: Vec<f64> = stats
        .iter()
        .filter_map(|(_, d)| d.map(|d| d as f64))
        .collect();
    RemixSummary {
        samples: sum.samples,
        max_verbatim: agg(sum.max_verbatim),
        novel_ngram_rate: ByN(sum
            .novel_ngram_rate
            .into_iter()
            .map(|(n, s)| (n, agg(s)))
            .collect()),
        copied_fraction: agg(sum.copied_fraction),
        divergence_step: agg(crate::remix::Summary::of(&steps)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::corpus_cache::CorpusCache;
    use crate::pipeline::prepare::prepare;
    use crate::scenario::ScenarioKind;
    use std::path::Path;

    fn prepared(src: &str) -> (Scenario, Prepared) {
        let sc = crate::scenario::parse(src, Path::new("t.toml"), Path::new("."), "t").unwrap();
        let p = prepare(&sc, &CorpusCache::default()).unwrap();
        (sc, p)
    }

    #[test]
    fn a_sample_diverges_where_it_first_differs_from_its_source() {
        let (sc, p) = prepared(
            "[corpus]\ntext = \"a b c d\\na c\"\ndocuments = \"lines\"\n[model]\norder = 2\n\
             [generate]\nprefix_from = { document = 0, tokens = 1 }\nsamples = 1\n",
        );
        let ScenarioKind::Model { generate, .. } = &sc.kind else {
            unreachable!()
        };
        let id = |t: &str| p.corpus.vocab.get(t).unwrap();
        let eos = crate::tokenize::EOS;
        // What document 0 says after its first token: b c d, then the end.
        let source = source_continuation(generate, &p).unwrap();
        assert_eq!(source, [id("b"), id("c"), id("d"), eos]);
        let same = divergence(&p, &source, &source);
        assert_eq!((same.step, same.expected_token.is_none()), (4, true));
        // "a c" instead of "a b": step 0; the model gave b and c one half each after "a".
        let d = divergence(&p, &source, &[id("c"), eos]);
        assert_eq!(d.step, 0);
        let (e, s) = (d.expected_token.unwrap(), d.sampled_token.unwrap());
        assert_eq!((e.text.as_str(), e.p), ("b", 0.5));
        assert_eq!((s.text.as_str(), s.p), ("c", 0.5));
        // A sample that stops early, before leaving the source, never diverged.
        assert_eq!(divergence(&p, &source, &[id("b")]).step, 1);
    }

    #[test]
    fn a_free_prefix_has_no_source() {
        let (sc, p) = prepared(
            "[corpus]\ntext = \"a b\"\n[model]\norder = 2\n[generate]\nprefix = \"a\"\nsamples = 1\n",
        );
        let ScenarioKind::Model {
            generate, model, ..
        } = &sc.kind
        else {
            unreachable!()
        };
        assert_eq!(source_continuation(generate, &p), None);
        use crate::remix::{Granularity, RemixConfig};
        assert_eq!(
            remix_config(&sc, model),
            RemixConfig::new(Granularity::Word)
        );
    }
}
