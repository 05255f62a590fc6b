//! Property tests (proptest): tokenizer round trips, the sampling transforms and the draw, and
//! that the scenario parser never panics, whatever the text.
//!
//! Failures are not persisted to files (`failure_persistence: None`); a failing case is printed,
//! minimised, by proptest, and belongs in a unit test once understood.

use std::path::Path;

use coinflip::sample::{Cumulative, SamplerConfig};
use coinflip::tokenize::{Tokenizer, TokenizerKind};
use proptest::prelude::*;

fn config() -> ProptestConfig {
    ProptestConfig {
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

fn tokenizer(kind: TokenizerKind, lowercase: bool) -> Tokenizer {
    Tokenizer { kind, lowercase }
}

fn split(t: Tokenizer, text: &str) -> Vec<String> {
    t.split(text).into_iter().map(|c| c.into_owned()).collect()
}

/// Text that looks like what corpora hold: words, digits, punctuation, apostrophes, brackets, CJK,
/// runs of spaces, tabs and line breaks, and a sprinkling of anything at all.
fn texty() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        4 => "[A-Za-z]{1,8}",
        1 => "[0-9]{1,4}",
        2 => "[ ]{1,3}",
        1 => "[\t\n\r]{1,2}",
        2 => "[.,;:!?()\\[\\]{}%'’\"-]",
        2 => "[一-龥]{1,3}",
        1 => "[ぁ-ゖ]{1,3}",
        1 => "[ァ-ヺ]{1,3}",
        1 => "[가-힣]{1,3}",
        1 => "[Ａ-Ｚａ-ｚ０-９]{1,3}",
        1 => "[\u{300}-\u{36f}\u{200d}\u{fe0f}]",
        1 => any::<char>().prop_map(|c| c.to_string()),
    ];
    proptest::collection::vec(piece, 0..24).prop_map(|v| v.concat())
}

/// Any string: proptest's `String` strategy draws from all of Unicode.
fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![any::<String>(), texty()]
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn char_join_of_split_is_the_text(text in any_text()) {
        let t = tokenizer(TokenizerKind::Char, false);
        prop_assert_eq!(t.join(&t.split(&text)), text.clone());
        // Lowercasing first: the round trip gives the lowercased text.
        let t = tokenizer(TokenizerKind::Char, true);
        prop_assert_eq!(t.join(&t.split(&text)), text.to_lowercase());
    }

    #[test]
    fn whitespace_split_is_stable_under_join(text in any_text(), lowercase in any::<bool>()) {
        let t = tokenizer(TokenizerKind::Whitespace, lowercase);
        let tokens = split(t, &text);
        prop_assert!(tokens.iter().all(|s| !s.is_empty() && !s.contains(char::is_whitespace)));
        prop_assert_eq!(split(t, &t.join(&tokens)), tokens);
    }

    #[test]
    fn word_split_is_stable_under_join(text in any_text(), lowercase in any::<bool>()) {
        let t = tokenizer(TokenizerKind::Word, lowercase);
        let tokens = split(t, &text);
        prop_assert!(tokens.iter().all(|s| !s.is_empty()));
        prop_assert_eq!(split(t, &t.join(&tokens)), tokens);
    }
}
