//! How short answers (and option texts, and CSV column headers) are compared: Unicode NFKC
//! normalization (full-width and half-width forms agree, `ﬁ` becomes `fi`), full case folding
//! (`Straße` matches `STRASSE`), whitespace collapsed to single spaces and trimmed, then trailing
//! punctuation removed (`.` `。` `!` `！` `?` `？`, so `Remix.` matches `remix`). NFKC runs again
//! after folding because folding can produce text that is not normalized.
//!
//! A short question with `exact = true` skips all this: its answers must be written as in the key
//! (only the surrounding white space is trimmed).

use unicode_normalization::UnicodeNormalization;

/// Trailing punctuation that does not change a short answer (ASCII and full-width forms; NFKC
/// already turned `！` and `？` into `!` and `?`, `。` stays).
const TRAILING: [char; 6] = ['.', '。', '!', '！', '?', '？'];

/// The form two short answers are compared in.
pub fn short_answer(s: &str) -> String {
    let nfkc: String = s.nfkc().collect();
    let folded = caseless::default_case_fold_str(&nfkc);
    let again: String = folded.nfkc().collect();
    let spaced = again.split_whitespace().collect::<Vec<_>>().join(" ");
    spaced.trim_end_matches(TRAILING).trim_end().to_string()
}

/// Half-width text: NFKC only (full-width digits, `％`, `，` become ASCII), trimmed.
pub fn half_width(s: &str) -> String {
    s.nfkc().collect::<String>().trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_width_and_half_width_agree() {
        // U+FF32 U+FF45 U+FF4D U+FF49 U+FF58 is full-width "Remix"; U+3000 is an ideographic space.
        assert_eq!(short_answer("Ｒｅｍｉｘ\u{3000}ｔｅｘｔ"), "remix text");
        assert_eq!(short_answer("ＡＢＣ１２３"), short_answer("abc123"));
        assert_eq!(half_width(" ３２，５％ "), "32,5%");
    }

    #[test]
    fn case_folding_is_full_not_just_lowercase() {
        assert_eq!(short_answer("STRASSE"), short_answer("straße"));
        assert_eq!(short_answer("ΣΊΣΥΦΟΣ"), short_answer("σίσυφος"));
    }

    #[test]
    fn whitespace_is_collapsed_and_trimmed() {
        assert_eq!(short_answer("  biased \t\n coin "), "biased coin");
    }

    #[test]
    fn trailing_punctuation_is_dropped() {
        assert_eq!(short_answer("Remix."), "remix");
        assert_eq!(short_answer("混合。"), "混合");
        assert_eq!(short_answer("remix ！？"), "remix");
        assert_eq!(short_answer("remix!!"), "remix");
        // Only at the end: inner punctuation is kept.
        assert_eq!(short_answer("a.b"), "a.b");
        assert_eq!(short_answer("..."), "");
    }

    #[test]
    fn compatibility_forms_are_unfolded() {
        // U+FB01 LATIN SMALL LIGATURE FI; U+2460 CIRCLED DIGIT ONE.
        assert_eq!(short_answer("\u{FB01}ne \u{2460}"), "fine 1");
    }

    #[test]
    fn chinese_text_is_kept() {
        assert_eq!(short_answer(" 掷 硬币 "), "掷 硬币");
        assert_ne!(short_answer("掷硬币"), short_answer("掷 硬币"));
    }
}
