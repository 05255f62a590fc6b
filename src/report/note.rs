//! How a [`Note`] reads: one sentence, the same in every format. The JSON report writes a note as
//! this sentence too, so its schema (`notes`: an array of strings) did not change when notes
//! became typed.

use std::fmt;

use crate::results::Note;

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Note::FallbackDiscounts { orders, discounts } => write!(
                f,
                "too little text to estimate the discounts of order(s) {}: lmplz's fallback \
                 discounts {}, {}, {} are used (as --discount_fallback)",
                list(orders, |n| n.to_string()),
                discounts[0],
                discounts[1],
                discounts[2]
            ),
            Note::UnknownPrefixTokens { tokens } => write!(
                f,
                "prefix tokens never seen in training: {}; they are <unk> (id 2), and contexts \
                 containing them back off to the tokens after them",
                list(tokens, |t| format!("{t:?}"))
            ),
            Note::UnknownContextTokens { context, tokens } => write!(
                f,
                "chi-square context {context:?} has tokens never seen in training: {}",
                list(tokens, |t| t.clone())
            ),
            Note::NoCorpusForRemix => {
                f.write_str("no [corpus]: remix statistics need the training text and are left out")
            }
            Note::RemixUnavailable { reason } => {
                write!(f, "cannot index the corpus for remix statistics: {reason}")
            }
            Note::ArpaSumsOff {
                context,
                sum,
                off,
                contexts,
                tolerance,
            } => {
                let worst = if context.is_empty() {
                    "the unigram distribution (no context)".to_string()
                } else {
                    format!("context {:?}", context.join(" "))
                };
                write!(
                    f,
                    "the ARPA model's probabilities do not sum to 1 (within {tolerance:e}) in \
                     {off} of its {contexts} contexts; the farthest, {worst}, sums to {sum:.6} \
                     (off by {:+.1e}); samples are drawn from the probabilities divided by their \
                     sum (docs/sampling.md), `score` and `trace` show them as the file gives them",
                    sum - 1.0
                )
            }
        }
    }
}

impl serde::Serialize for Note {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// `items` written by `show`, separated by ", ".
fn list<T>(items: &[T], show: impl Fn(&T) -> String) -> String {
    items.iter().map(show).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_read_as_before_they_were_typed() {
        let n = Note::FallbackDiscounts {
            orders: vec![1, 3],
            discounts: [0.5, 1.0, 1.5],
        };
        assert_eq!(
            n.to_string(),
            "too little text to estimate the discounts of order(s) 1, 3: lmplz's fallback \
             discounts 0.5, 1, 1.5 are used (as --discount_fallback)"
        );
        let n = Note::UnknownPrefixTokens {
            tokens: vec!["dragon".into(), "a\"b".into()],
        };
        assert_eq!(
            n.to_string(),
            "prefix tokens never seen in training: \"dragon\", \"a\\\"b\"; they are <unk> (id 2), \
             and contexts containing them back off to the tokens after them"
        );
        let n = Note::UnknownContextTokens {
            context: "the dragon".into(),
            tokens: vec!["dragon".into()],
        };
        assert_eq!(
            n.to_string(),
            "chi-square context \"the dragon\" has tokens never seen in training: dragon"
        );
        let n = Note::ArpaSumsOff {
            context: vec!["<s>".into(), "a".into()],
            sum: 1.25,
            off: 2,
            contexts: 40,
            tolerance: 1e-4,
        };
        assert_eq!(
            n.to_string(),
            "the ARPA model's probabilities do not sum to 1 (within 1e-4) in 2 of its 40 \
             contexts; the farthest, context \"<s> a\", sums to 1.250000 (off by +2.5e-1); samples \
             are drawn from the probabilities divided by their sum (docs/sampling.md), `score` \
             and `trace` show them as the file gives them"
        );
        let n = Note::ArpaSumsOff {
            context: vec![],
            sum: 0.5,
            off: 1,
            contexts: 1,
            tolerance: 1e-4,
        };
        assert!(
            n.to_string().contains(
                "the farthest, the unigram distribution (no context), sums to 0.500000 (off by \
                 -5.0e-1)"
            ),
            "{n}"
        );
        assert_eq!(
            serde_json::to_string(&[Note::NoCorpusForRemix]).unwrap(),
            "[\"no [corpus]: remix statistics need the training text and are left out\"]"
        );
    }
}
