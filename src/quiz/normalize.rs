//! How short answers are compared: Unicode NFKC normalization (full-width and half-width forms
//! agree, `ﬁ` becomes `fi`), full case folding (`Straße` matches `STRASSE`), then whitespace
//! collapsed to single spaces and trimmed. NFKC runs again after folding because folding can
//! produce text that is not normalized.

use unicode_normalization::UnicodeNormalization;

/// The form two short answers are compared in.
pub fn short_answer(s: &str) -> String {
    let nfkc: String = s.nfkc().collect();
    let folded = caseless::default_case_fold_str(&nfkc);
    let again: String = folded.nfkc().collect();
    again.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_width_and_half_width_agree() {
        // U+FF32 U+FF45 U+FF4D U+FF49 U+FF58 is full-width "Remix"; U+3000 is an ideographic space.
        assert_eq!(short_answer("Ｒｅｍｉｘ\u{3000}ｔｅｘｔ"), "remix text");
        assert_eq!(short_answer("ＡＢＣ１２３"), short_answer("abc123"));
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
