//! Tests of the remix statistics: the worked examples of `docs/remix.md` (parsed from the file and
//! recomputed), small hand-worked cases, and property tests comparing every statistic with a
//! brute-force implementation on random small corpora.

use super::*;
use proptest::prelude::*;

// ---------------------------------------------------------------------------------------------
// Brute force: every statistic straight from its definition, by scanning the documents.

fn occurs(docs: &[Vec<u32>], span: &[u32]) -> bool {
    span.is_empty()
        || docs
            .iter()
            .any(|d| d.windows(span.len()).any(|w| w == span))
}

fn naive_first(docs: &[Vec<u32>], span: &[u32]) -> Option<Occurrence> {
    if span.is_empty() {
        return None;
    }
    for (document, d) in docs.iter().enumerate() {
        if let Some(offset) = d.windows(span.len()).position(|w| w == span) {
            return Some(Occurrence { document, offset });
        }
    }
    None
}

fn joined(context: &[u32], generated: &[u32]) -> Vec<u32> {
    context.iter().chain(generated).copied().collect()
}

fn naive_profile(docs: &[Vec<u32>], context: &[u32], generated: &[u32]) -> Vec<u32> {
    let s = joined(context, generated);
    (0..generated.len())
        .map(|i| {
            let j = context.len() + i;
            (0..=j + 1)
                .rev()
                .find(|&l| occurs(docs, &s[j + 1 - l..=j]))
                .unwrap() as u32
        })
        .collect()
}

fn naive_novel(docs: &[Vec<u32>], context: &[u32], generated: &[u32], n: usize) -> Option<f64> {
    if n == 0 {
        return None;
    }
    let s = joined(context, generated);
    let (mut total, mut novel) = (0usize, 0usize);
    for i in 0..generated.len() {
        let j = context.len() + i;
        if j + 1 >= n {
            total += 1;
            if !occurs(docs, &s[j + 1 - n..=j]) {
                novel += 1;
            }
        }
    }
    (total > 0).then(|| novel as f64 / total as f64)
}

fn naive_copied(
    docs: &[Vec<u32>],
    context: &[u32],
    generated: &[u32],
    min_len: u32,
) -> Option<f64> {
    if generated.is_empty() {
        return None;
    }
    let s = joined(context, generated);
    let min_len = (min_len as usize).max(1);
    let covered = (0..generated.len())
        .filter(|&i| {
            let j = context.len() + i;
            (0..=j).any(|a| (j..s.len()).any(|b| b + 1 - a >= min_len && occurs(docs, &s[a..=b])))
        })
        .count();
    Some(covered as f64 / generated.len() as f64)
}

/// Checks every statistic of one sample against the brute force.
fn check_against_naive(
    docs: &[Vec<u32>],
    context: &[u32],
    generated: &[u32],
    orders: &[usize],
    min_len: u32,
) {
    let index = CorpusIndex::build(docs);
    let config = RemixConfig {
        ngram_orders: orders.to_vec(),
        copied_min_len: min_len,
    };
    let stats = index.remix_stats(context, generated, &config);
    let profile = naive_profile(docs, context, generated);
    assert_eq!(stats.profile, profile, "profile");

    // Longest span: first position of the maximum, its tokens and first occurrence.
    let s = joined(context, generated);
    match profile.iter().max() {
        None => assert_eq!(stats.longest.end, None),
        Some(&max) => {
            let end = profile.iter().position(|&m| m == max).unwrap();
            let j = context.len() + end;
            let tokens = &s[j + 1 - max as usize..=j];
            assert_eq!(stats.longest.length, max);
            assert_eq!(stats.longest.end, Some(end));
            assert_eq!(stats.longest.tokens, tokens);
            assert_eq!(
                stats.longest.prefix_tokens,
                (max as usize).saturating_sub(end + 1)
            );
            assert_eq!(stats.longest.occurrence, naive_first(docs, tokens));
        }
    }
    for (k, &n) in orders.iter().enumerate() {
        assert_eq!(
            stats.novel_ngram_rate[k],
            (n, naive_novel(docs, context, generated, n)),
            "novel n={n}"
        );
    }
    assert_eq!(
        stats.copied_fraction,
        naive_copied(docs, context, generated, min_len),
        "copied"
    );
    assert_eq!(stats.copied_min_len, min_len);

    // Locating any span: first occurrence or None, as the brute force says.
    for a in 0..s.len() {
        for b in a..s.len().min(a + 6) {
            assert_eq!(
                index.locate(&s[a..=b]),
                naive_first(docs, &s[a..=b]),
                "locate {:?}",
                &s[a..=b]
            );
        }
    }
}

fn tokens(alphabet: Vec<u32>, max_len: usize) -> impl Strategy<Value = Vec<u32>> {
    prop::collection::vec(prop::sample::select(alphabet), 0..max_len)
}

/// Documents, context, generated, n-gram orders, copied_min_len.
type Case = (Vec<Vec<u32>>, Vec<u32>, Vec<u32>, Vec<usize>, u32);

fn sample_case(alphabet: Vec<u32>, docs: usize, doc_len: usize) -> impl Strategy<Value = Case> {
    (
        prop::collection::vec(tokens(alphabet.clone(), doc_len), 0..docs),
        tokens(alphabet.clone(), 5),
        tokens(alphabet, 14),
        prop::collection::vec(0usize..12, 0..5),
        0u32..9,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Dense small alphabet (the root uses its dense table).
    #[test]
    fn matches_brute_force_small_alphabet(case in sample_case(vec![0, 1, 2], 6, 12)) {
        let (docs, context, generated, orders, min_len) = case;
        check_against_naive(&docs, &context, &generated, &orders, min_len);
    }

    /// Sparse ids, including the largest `u32` (the root's edges are searched).
    #[test]
    fn matches_brute_force_sparse_ids(case in sample_case(vec![0, 7, 100_000, u32::MAX], 6, 12)) {
        let (docs, context, generated, orders, min_len) = case;
        check_against_naive(&docs, &context, &generated, &orders, min_len);
    }

    /// Binary alphabet, longer documents: many repeats, so many state splits (clones).
    #[test]
    fn matches_brute_force_binary_long_docs(case in sample_case(vec![0, 1], 5, 40)) {
        let (docs, context, generated, orders, min_len) = case;
        check_against_naive(&docs, &context, &generated, &orders, min_len);
    }

    /// `profiles` (samples walked eight at a time, of unequal lengths, more than one group)
    /// gives each sample's `profile` and the naive longest matches, and `remix_stats_of` with
    /// it gives `remix_stats`.
    #[test]
    fn profiles_of_many_samples_are_each_samples_profile(
        docs in prop::collection::vec(tokens(vec![0, 1, 2, 9], 30), 0..6),
        context in tokens(vec![0, 1, 2, 9], 5),
        samples in prop::collection::vec(tokens(vec![0, 1, 2, 9, 5], 20), 0..19),
    ) {
        let index = CorpusIndex::build(&docs);
        let many = index.profiles(&context, &samples);
        prop_assert_eq!(many.len(), samples.len());
        let config = RemixConfig::new(Granularity::Word);
        for (g, p) in samples.iter().zip(many) {
            prop_assert_eq!(&p, &index.profile(&context, g));
            prop_assert_eq!(&p, &naive_profile(&docs, &context, g));
            prop_assert_eq!(
                index.remix_stats_of(&context, g, p, &config),
                index.remix_stats(&context, g, &config)
            );
        }
    }

    /// Summary: mean, median (mean of the two middle values for an even count) and max.
    #[test]
    fn summary_matches_definition(values in prop::collection::vec(0u32..1000, 1..20)) {
        let values: Vec<f64> = values.into_iter().map(f64::from).collect();
        let s = Summary::of(&values).unwrap();
        let mut sorted = values.clone();
        sorted.sort_by(|a, b| a.partial_cmp(b).unwrap());
        let n = sorted.len();
        // The median is a value with at least half the values on each side.
        prop_assert!(values.iter().filter(|&&v| v <= s.median).count() * 2 >= n);
        prop_assert!(values.iter().filter(|&&v| v >= s.median).count() * 2 >= n);
        if n.is_multiple_of(2) {
            prop_assert_eq!(s.median * 2.0, sorted[n / 2 - 1] + sorted[n / 2]);
        } else {
            prop_assert_eq!(s.median, sorted[n / 2]);
        }
        prop_assert!((s.mean * n as f64 - values.iter().sum::<f64>()).abs() < 1e-9);
        prop_assert_eq!(s.max, sorted[n - 1]);
    }
}

// ---------------------------------------------------------------------------------------------
// The worked examples of docs/remix.md, parsed from the file.

const DOC: &str = include_str!("../../docs/remix.md");

/// The `text` blocks that follow a `<!-- checked: WHAT -->` marker, as key → value lines.
fn checked_blocks(what: &str) -> Vec<Vec<(String, String)>> {
    let marker = format!("<!-- checked: {what} -->");
    let mut blocks = Vec::new();
    let mut rest = DOC;
    while let Some(at) = rest.find(&marker) {
        rest = &rest[at + marker.len()..];
        let body = rest
            .trim_start()
            .strip_prefix("```text\n")
            .expect("a ```text block after the marker");
        let end = body.find("```").expect("closed block");
        let lines = body[..end]
            .lines()
            .map(|l| {
                let (k, v) = l.split_once(':').expect("key: value");
                (k.trim().to_string(), v.trim().to_string())
            })
            .collect();
        blocks.push(lines);
        rest = &body[end..];
    }
    blocks
}

fn ints(s: &str) -> Vec<usize> {
    s.split(|c: char| !c.is_ascii_digit())
        .filter(|p| !p.is_empty())
        .map(|p| p.parse().unwrap())
        .collect()
}

fn fraction(s: &str) -> Option<f64> {
    if s == "none" {
        return None;
    }
    let (a, b) = s.split_once('/').expect("a/b or none");
    Some(a.trim().parse::<f64>().unwrap() / b.trim().parse::<f64>().unwrap())
}

#[test]
fn docs_remix_examples_are_what_the_code_computes() {
    let blocks = checked_blocks("remix example");
    assert_eq!(blocks.len(), 3, "examples in docs/remix.md");
    for block in blocks {
        let get = |key: &str| -> &str {
            &block
                .iter()
                .find(|(k, _)| k == key)
                .unwrap_or_else(|| panic!("no `{key}`"))
                .1
        };
        // A tiny vocabulary: words or characters → ids in order of first appearance.
        let mut vocab: Vec<String> = Vec::new();
        let by_words = get("tokens") == "words";
        let mut encode = |text: &str| -> Vec<u32> {
            let pieces: Vec<String> = if by_words {
                text.split_whitespace().map(str::to_string).collect()
            } else {
                text.chars().map(String::from).collect()
            };
            pieces
                .into_iter()
                .map(|p| match vocab.iter().position(|v| *v == p) {
                    Some(i) => i as u32,
                    None => {
                        vocab.push(p);
                        (vocab.len() - 1) as u32
                    }
                })
                .collect()
        };
        let docs: Vec<Vec<u32>> = block
            .iter()
            .filter(|(k, _)| k.starts_with("doc "))
            .map(|(_, v)| encode(v))
            .collect();
        let context = encode(get("prefix"));
        let generated = encode(get("generated"));
        let index = CorpusIndex::build(&docs);
        let novel: Vec<(usize, Option<f64>)> = get("novel")
            .split(", ")
            .map(|item| {
                let (n, f) = item.split_once(": ").unwrap();
                (n.parse().unwrap(), fraction(f))
            })
            .collect();
        let config = RemixConfig {
            ngram_orders: novel.iter().map(|&(n, _)| n).collect(),
            copied_min_len: 8,
        };
        let stats = index.remix_stats(&context, &generated, &config);

        let profile: Vec<u32> = ints(get("profile")).into_iter().map(|m| m as u32).collect();
        assert_eq!(stats.profile, profile);
        assert_eq!(
            ints(get("longest")),
            vec![stats.longest.length as usize, stats.longest.end.unwrap()]
        );
        let (span_text, from_prefix) = get("span").rsplit_once(" (").unwrap();
        assert_eq!(stats.longest.tokens, encode(span_text));
        assert_eq!(ints(from_prefix), vec![stats.longest.prefix_tokens]);
        let occ = stats.longest.occurrence.unwrap();
        assert_eq!(ints(get("first seen")), vec![occ.document, occ.offset]);
        assert_eq!(stats.novel_ngram_rate, novel);
        for item in get("copied").split(", ") {
            let (l, f) = item.strip_prefix("L=").unwrap().split_once(": ").unwrap();
            let min_len: u32 = l.parse().unwrap();
            assert_eq!(
                copied_fraction(&stats.profile, min_len),
                fraction(f),
                "copied L={min_len}"
            );
        }
    }
}

#[test]
fn docs_summary_example_is_what_the_code_computes() {
    let blocks = checked_blocks("summary example");
    assert_eq!(blocks.len(), 1);
    let block = &blocks[0];
    let get = |key: &str| -> f64 {
        block
            .iter()
            .find(|(k, _)| k == key)
            .unwrap()
            .1
            .parse()
            .unwrap()
    };
    let values: Vec<f64> = block[0]
        .1
        .split_whitespace()
        .map(|v| v.parse().unwrap())
        .collect();
    assert_eq!(
        Summary::of(&values),
        Some(Summary {
            mean: get("mean"),
            median: get("median"),
            max: get("max"),
        })
    );
}

// ---------------------------------------------------------------------------------------------
// Small hand-worked cases.

/// The word example of docs/remix.md, as ids: the=0 cat=1 sat=2 on=3 mat=4 dog=5 and=6.
fn example() -> (Vec<Vec<u32>>, Vec<u32>, Vec<u32>) {
    (
        vec![vec![0, 1, 2, 3, 0, 4], vec![0, 5, 2, 3, 0, 4]],
        vec![0, 5],
        vec![2, 3, 0, 4, 6, 0, 1, 2],
    )
}

#[test]
fn summary_over_two_samples() {
    let (docs, context, generated) = example();
    let index = CorpusIndex::build(&docs);
    let config = RemixConfig {
        ngram_orders: vec![1, 9],
        copied_min_len: 4,
    };
    // Sample 2, free prefix: "on the mat sat on the mat" → profile 1 2 3 1 2 3 4.
    let second = [3, 0, 4, 2, 3, 0, 4];
    let stats = vec![
        index.remix_stats(&context, &generated, &config),
        index.remix_stats(&[], &second, &config),
    ];
    assert_eq!(stats[1].profile, vec![1, 2, 3, 1, 2, 3, 4]);
    // "sat on the mat" is in both documents at offset 2: the first is doc 0.
    assert_eq!(
        stats[1].longest.occurrence,
        Some(Occurrence {
            document: 0,
            offset: 2
        })
    );
    let summary = RemixSummary::of(&stats, &config);
    assert_eq!(summary.samples, 2);
    // Longest lengths 6 and 4.
    assert_eq!(
        summary.max_verbatim,
        Some(Summary {
            mean: 5.0,
            median: 5.0,
            max: 6.0
        })
    );
    // Unigram novelty 1/8 and 0/7.
    assert_eq!(
        summary.novel_ngram_rate[0],
        (
            1,
            Some(Summary {
                mean: 0.0625,
                median: 0.0625,
                max: 0.125
            })
        )
    );
    // Sample 1 has one 9-gram (ending at the last token, unseen); sample 2 (7 tokens) has none.
    assert_eq!(
        summary.novel_ngram_rate[1],
        (
            9,
            Some(Summary {
                mean: 1.0,
                median: 1.0,
                max: 1.0
            })
        )
    );
    // Copied at L=4: 4/8 and 4/7 (only "sat on the mat" at the end of sample 2).
    let c = summary.copied_fraction.unwrap();
    assert_eq!(c.max, 4.0 / 7.0);
    assert_eq!(c.mean, (0.5 + 4.0 / 7.0) / 2.0);
}

#[test]
fn summary_of_no_samples_is_empty() {
    let config = RemixConfig::new(Granularity::Word);
    let summary = RemixSummary::of(&[], &config);
    assert_eq!(summary.samples, 0);
    assert_eq!(summary.max_verbatim, None);
    assert_eq!(summary.copied_fraction, None);
    assert_eq!(summary.novel_ngram_rate.len(), 8);
    assert!(summary.novel_ngram_rate.iter().all(|(_, s)| s.is_none()));
    assert_eq!(Summary::of(&[]), None);
}

#[test]
fn defaults() {
    assert_eq!(default_copied_min_len(Granularity::Word), 8);
    assert_eq!(default_copied_min_len(Granularity::Char), 20);
    let c = RemixConfig::new(Granularity::Char);
    assert_eq!(c.ngram_orders, vec![1, 2, 3, 4, 5, 6, 7, 8]);
    assert_eq!(c.copied_min_len, 20);
}

#[test]
fn nothing_generated() {
    let (docs, context, _) = example();
    let index = CorpusIndex::build(&docs);
    let stats = index.remix_stats(&context, &[], &RemixConfig::new(Granularity::Word));
    assert!(stats.profile.is_empty());
    assert_eq!(stats.longest.length, 0);
    assert_eq!(stats.longest.end, None);
    assert_eq!(stats.copied_fraction, None);
    assert!(stats.novel_ngram_rate.iter().all(|(_, r)| r.is_none()));
}

#[test]
fn nothing_matches() {
    let (docs, _, _) = example();
    let index = CorpusIndex::build(&docs);
    let stats = index.remix_stats(&[], &[9, 9], &RemixConfig::new(Granularity::Word));
    assert_eq!(stats.profile, vec![0, 0]);
    assert_eq!(stats.longest.length, 0);
    assert_eq!(stats.longest.end, Some(0));
    assert!(stats.longest.tokens.is_empty());
    assert_eq!(stats.longest.occurrence, None);
    assert_eq!(stats.novel_ngram_rate[0], (1, Some(1.0)));
    assert_eq!(stats.novel_ngram_rate[1], (2, Some(1.0)));
    assert_eq!(stats.novel_ngram_rate[2], (3, None));
    assert_eq!(stats.copied_fraction, Some(0.0));
}

#[test]
fn empty_corpus_and_empty_documents() {
    let empty: Vec<Vec<u32>> = Vec::new();
    let index = CorpusIndex::build(&empty);
    assert_eq!(index.profile(&[1], &[1, 2]), vec![0, 0]);
    assert_eq!(index.locate(&[1]), None);
    // Empty documents keep their index: [], [5 6], [], [6 7].
    let docs = vec![vec![], vec![5, 6], vec![], vec![6, 7]];
    let index = CorpusIndex::build(&docs);
    assert_eq!(index.document_count(), 4);
    assert_eq!(index.token_count(), 4);
    assert_eq!(
        index.locate(&[6]),
        Some(Occurrence {
            document: 1,
            offset: 1
        })
    );
    assert_eq!(
        index.locate(&[7]),
        Some(Occurrence {
            document: 3,
            offset: 1
        })
    );
    assert_eq!(
        index.locate(&[6, 7]),
        Some(Occurrence {
            document: 3,
            offset: 0
        })
    );
    assert_eq!(index.locate(&[5, 6, 7]), None, "no match across documents");
    assert_eq!(index.locate(&[]), None);
    assert_eq!(index.profile(&[], &[5, 6, 7]), vec![1, 2, 2]);
}

#[test]
fn degenerate_orders_and_lengths() {
    // n = 0 has no n-grams; L = 0 counts as 1.
    assert_eq!(novel_ngram_rate(&[1, 0], 0, 0), None);
    assert_eq!(copied_fraction(&[1, 0], 0), Some(0.5));
    assert_eq!(copied_fraction(&[1, 0], 1), Some(0.5));
    assert_eq!(longest_position(&[2, 5, 5, 1]), Some((1, 5)));
    assert_eq!(longest_position(&[]), None);
}

#[test]
fn size_bounds() {
    // A repetitive corpus: at most 2n states and 3n transitions.
    let doc: Vec<u32> = (0..500u32).map(|i| (i * i + i / 7) % 5).collect();
    let index = CorpusIndex::build(&[doc.clone(), doc[100..].to_vec()]);
    let n = index.token_count();
    assert_eq!(n, 900);
    assert!(index.state_count() <= 2 * n);
    assert!(index.transition_count() <= 3 * n);
    assert!(index.heap_bytes() >= 16 * index.state_count() + 8 * index.transition_count());
}
