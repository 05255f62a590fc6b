//! Tokenizers and the vocabulary: text → token strings → token ids, and back.
//!
//! Ids are assigned in first-occurrence order over the training corpus, after three reserved ids:
//! `0` is `<s>` (start-of-document padding, never generated), `1` is `</s>` (end of document) and
//! `2` is `<unk>` (a token of a prefix or scored text that never occurs in training; never
//! generated). So in a word model trained on "In the beginning", `In` is 3, `the` 4, `beginning` 5.

use std::hash::BuildHasher;

use foldhash::SharedSeed;
use foldhash::fast::SeedableRandomState;
use hashbrown::HashTable;
use serde::{Deserialize, Serialize};
use unicode_segmentation::UnicodeSegmentation;

/// A token id: an index into the [`Vocab`].
pub type TokenId = u32;

/// Id of the start-of-document marker `<s>`.
pub const BOS: TokenId = 0;
/// Id of the end-of-document marker `</s>`.
pub const EOS: TokenId = 1;
/// Id of the unknown-token marker `<unk>`.
pub const UNK: TokenId = 2;
/// Number of reserved ids before the corpus's own tokens.
pub const RESERVED: usize = 3;

/// How text is cut into tokens (scenario key `model.tokenizer`).
///
/// The variants carry plain comments, not doc comments: a documented variant would turn the
/// scenario schema's `enum` of names into a `oneOf`. Their order is the schema's.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    PartialOrd,
    Ord,
    schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
#[schemars(
    description = "How text is cut into tokens: \"word\" (words, punctuation marks and CJK ideographs), \"char\" (every character), \"whitespace\" (split on white space), \"gpt2\" and \"cl100k\" (GPT-2's and GPT-4's byte-level BPE). Default: \"word\" (\"whitespace\" beside `arpa`).",
    extend("default" = "word")
)]
pub enum TokenizerKind {
    // Words, each punctuation mark and each CJK ideograph (Unicode word boundaries, UAX #29);
    // white space separates tokens and is not a token.
    Word,
    // Every Unicode scalar value is a token; text round-trips exactly.
    Char,
    // The text split on white space (the convention of KenLM and SRILM training text).
    Whitespace,
    // GPT-2's byte-level BPE (tiktoken's `r50k_base`); reports show GPT-2's own token ids.
    Gpt2,
    // GPT-3.5/GPT-4's byte-level BPE (tiktoken's `cl100k_base`); reports show its token ids.
    Cl100k,
}

impl TokenizerKind {
    /// The name used in scenario files and reports.
    pub fn name(self) -> &'static str {
        match self {
            TokenizerKind::Char => "char",
            TokenizerKind::Word => "word",
            TokenizerKind::Whitespace => "whitespace",
            TokenizerKind::Gpt2 => "gpt2",
            TokenizerKind::Cl100k => "cl100k",
        }
    }

    /// The byte-level BPE of a GPT tokenizer (its vocabulary ships inside the tiktoken-rs crate,
    /// so this works offline).
    pub fn bpe(self) -> Option<&'static tiktoken_rs::CoreBPE> {
        match self {
            TokenizerKind::Gpt2 => Some(tiktoken_rs::r50k_base_singleton()),
            TokenizerKind::Cl100k => Some(tiktoken_rs::cl100k_base_singleton()),
            _ => None,
        }
    }

    /// The id GPT itself gives `<|endoftext|>`, which stands for both document markers.
    pub fn end_of_text(self) -> Option<u32> {
        match self {
            TokenizerKind::Gpt2 => Some(50256),
            TokenizerKind::Cl100k => Some(100257),
            _ => None,
        }
    }
}

/// Text of one GPT token's bytes: valid UTF-8 as it is, every byte of an incomplete character
/// as `\xNN` (a token may hold part of a character).
pub fn show_bytes(bytes: &[u8]) -> String {
    let mut s = String::new();
    for chunk in bytes.utf8_chunks() {
        s.push_str(chunk.valid());
        for b in chunk.invalid() {
            s.push_str(&format!("\\x{b:02X}"));
        }
    }
    s
}

/// GPT token ids of `text`, and each token's display text.
pub fn gpt_encode(kind: TokenizerKind, text: &str) -> Vec<(u32, String)> {
    let Some(bpe) = kind.bpe() else {
        return Vec::new();
    };
    bpe.encode_ordinary(text)
        .into_iter()
        .map(|id| {
            let bytes = bpe.decode_bytes(&[id]).unwrap_or_default();
            (id, show_bytes(&bytes))
        })
        .collect()
}

/// The text of a sequence of GPT token ids: their bytes joined, then decoded as UTF-8 with
/// U+FFFD only where a character is incomplete.
pub fn gpt_decode(kind: TokenizerKind, ids: &[u32]) -> String {
    let Some(bpe) = kind.bpe() else {
        return String::new();
    };
    let bytes = bpe.decode_bytes(ids).unwrap_or_default();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// A tokenizer: a kind plus whether text is lowercased first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tokenizer {
    pub kind: TokenizerKind,
    pub lowercase: bool,
}

impl Tokenizer {
    /// Calls `f` on each token string of `text` in order, without collecting them: training
    /// tokenizes a corpus this way, so a corpus of N tokens costs N ids, not N string slices
    /// (a `Vec` of slices was 24 bytes a token, 9.6 GB for 400 million tokens). GPT tokenizers
    /// encode the whole text first, as [`Tokenizer::split`] does (training numbers their tokens
    /// by GPT id instead, in `TokenizedCorpus::build`).
    pub fn each(&self, text: &str, mut f: impl FnMut(&str)) {
        let lower;
        let text = if self.lowercase {
            lower = text.to_lowercase();
            lower.as_str()
        } else {
            text
        };
        match self.kind {
            TokenizerKind::Char => {
                for (i, c) in text.char_indices() {
                    f(&text[i..i + c.len_utf8()]);
                }
            }
            TokenizerKind::Word => word_pieces(text).for_each(f),
            TokenizerKind::Whitespace => text.split_whitespace().for_each(f),
            TokenizerKind::Gpt2 | TokenizerKind::Cl100k => {
                for (_, s) in gpt_encode(self.kind, text) {
                    f(&s);
                }
            }
        }
    }

    /// Cuts `text` into token strings.
    pub fn split<'t>(&self, text: &'t str) -> Vec<std::borrow::Cow<'t, str>> {
        use std::borrow::Cow;
        let text: Cow<'t, str> = if self.lowercase {
            Cow::Owned(text.to_lowercase())
        } else {
            Cow::Borrowed(text)
        };
        let owned = |s: &str| Cow::Owned(s.to_string());
        match (self.kind, text) {
            (TokenizerKind::Char, Cow::Borrowed(t)) => t
                .char_indices()
                .map(|(i, c)| Cow::Borrowed(&t[i..i + c.len_utf8()]))
                .collect(),
            (TokenizerKind::Char, Cow::Owned(t)) => t
                .chars()
                .map(|c| owned(c.encode_utf8(&mut [0; 4])))
                .collect(),
            (TokenizerKind::Word, Cow::Borrowed(t)) => word_pieces(t).map(Cow::Borrowed).collect(),
            (TokenizerKind::Word, Cow::Owned(t)) => word_pieces(&t).map(owned).collect(),
            (TokenizerKind::Whitespace, Cow::Borrowed(t)) => {
                t.split_whitespace().map(Cow::Borrowed).collect()
            }
            (TokenizerKind::Whitespace, Cow::Owned(t)) => t.split_whitespace().map(owned).collect(),
            (kind @ (TokenizerKind::Gpt2 | TokenizerKind::Cl100k), t) => gpt_encode(kind, &t)
                .into_iter()
                .map(|(_, s)| Cow::Owned(s))
                .collect(),
        }
    }

    /// Joins token strings back into display text.
    ///
    /// `char` concatenates (exact round trip). `whitespace` joins with single spaces. `word` joins
    /// with a space between tokens except before closing punctuation, after opening brackets, and
    /// next to CJK characters, so "the earth ." reads "the earth.". The ids are the truth; this
    /// text is a rendering of them.
    /// What [`Tokenizer::join`] writes between `prev` and `next` when they are the only two
    /// tokens: `join(&[prev, next])` is `prev + separator + next`. Allocates nothing.
    pub fn separator(&self, prev: &str, next: &str) -> &'static str {
        match self.kind {
            TokenizerKind::Char | TokenizerKind::Gpt2 | TokenizerKind::Cl100k => "",
            TokenizerKind::Whitespace => " ",
            // join's first glue decision: the tail is `prev` alone, starting at 0.
            TokenizerKind::Word if needs_space(prev, next, prev, 0) => " ",
            TokenizerKind::Word => "",
        }
    }

    pub fn join<S: AsRef<str>>(&self, tokens: &[S]) -> String {
        match self.kind {
            TokenizerKind::Char => tokens.iter().map(|t| t.as_ref()).collect(),
            TokenizerKind::Whitespace => {
                let v: Vec<&str> = tokens.iter().map(|t| t.as_ref()).collect();
                v.join(" ")
            }
            // GPT tokens carry their own spaces; ids decode exactly (TokenizedCorpus::decode).
            TokenizerKind::Gpt2 | TokenizerKind::Cl100k => {
                tokens.iter().map(|t| t.as_ref()).collect()
            }
            TokenizerKind::Word => {
                let mut out = String::new();
                // Where the last two tokens start in `out`: a glue decision looks at both.
                let (mut before_last, mut last) = (0, 0);
                let mut prev: Option<&str> = None;
                for t in tokens {
                    let t = t.as_ref();
                    if let Some(p) = prev
                        && needs_space(p, t, &out[before_last..], last - before_last)
                    {
                        out.push(' ');
                    }
                    (before_last, last) = (last, out.len());
                    out.push_str(t);
                    prev = Some(t);
                }
                out
            }
        }
    }
}

fn word_pieces(text: &str) -> impl Iterator<Item = &str> {
    // A combining mark (or ZWJ, or a format character) right after white space joins the white
    // space's segment (UAX #29 rule WB4): trim, so no token holds white space.
    text.split_word_bounds()
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// True for CJK ideographs, kana, Hangul and CJK punctuation: scripts written without spaces.
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3000..=0x303F | 0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xAC00..=0xD7AF
        | 0xF900..=0xFAFF | 0xFF00..=0xFFEF | 0x20000..=0x2FA1F)
}

/// Whether `join` puts a space between `prev` and `next`. `tail` is the end of the text joined so
/// far, starting with the token before `prev` (so `prev` starts at `tail[prev_at..]`).
fn needs_space(prev: &str, next: &str, tail: &str, prev_at: usize) -> bool {
    if prev == "\n" || next == "\n" {
        return false;
    }
    let (Some(p), Some(n)) = (prev.chars().last(), next.chars().next()) else {
        return false;
    };
    let glue = spaceless(p)
        || spaceless(n)
        || matches!(
            n,
            ',' | '.' | ';' | ':' | '!' | '?' | ')' | ']' | '}' | '%' | '\'' | '’'
        )
        || matches!(p, '(' | '[' | '{');
    // Glued, the tokens must still split where they did: Katakana runs join, a combining mark
    // joins what precedes it, and a mid-word mark (`'`, `.`, `:`, fullwidth `．`, `：`, …)
    // between two letters or digits joins all three (UAX #29 rules WB4, WB6, WB7, WB11–13).
    // Then a space keeps them apart.
    !glue || !splits_at(tail, next, prev_at)
}

/// CJK written without spaces between words. Not Hangul (Korean puts spaces between words) nor
/// fullwidth letters and digits, which are letters and digits to UAX #29.
fn spaceless(c: char) -> bool {
    is_cjk(c)
        && !matches!(c as u32,
            0xAC00..=0xD7AF | 0xFF10..=0xFF19 | 0xFF21..=0xFF3A | 0xFF41..=0xFF5A | 0xFFA0..=0xFFDC)
}

/// True when the word tokenizer, given `tail` followed directly by `next`, still cuts at
/// `prev_at` (the start of the last token of `tail`) and at the end of `tail`.
fn splits_at(tail: &str, next: &str, prev_at: usize) -> bool {
    let glued = format!("{tail}{next}");
    let cuts: Vec<usize> = glued.split_word_bound_indices().map(|(i, _)| i).collect();
    cuts.contains(&tail.len()) && cuts.contains(&prev_at)
}

/// Heap bytes of a hashbrown table (std's `HashMap`, `FxHashMap`) of `capacity()` `capacity`
/// with entries of `entry` bytes, as hashbrown lays it out: a power-of-two number of buckets (4
/// or 8 for the smallest tables, else the least power of two at most 7/8 full, which is what
/// `capacity()` reports: buckets × 7/8), each an entry and one control byte, plus one group (16
/// control bytes) repeated at the end.
pub fn hash_table_bytes(capacity: usize, entry: usize) -> usize {
    let buckets = match capacity {
        0 => return 0,
        1..=3 => 4,
        4..=7 => 8,
        c => (c * 8 / 7).next_power_of_two(),
    };
    buckets * (entry + 1) + 16
}

/// The vocabulary: token strings by id and ids by string.
///
/// Each token's text is stored once, in one arena (`text`, with every token's end offset in
/// `ends`); the look-up table by string holds only ids and hashes a token's text in the arena when
/// it probes. Two owned `String`s per token (by id, and as the key by string) were 1.86 bytes per
/// stored n-gram of the King James Bible word trigram. The table's hasher is randomly keyed
/// ([`random_hasher`]): corpora are user input, so a fixed hash would let a crafted corpus collide
/// every token. Ids are in first-occurrence order and the tables are never iterated, so their order
/// cannot reach any output.
#[derive(Clone)]
pub struct Vocab {
    /// Every token's text, in id order, concatenated.
    text: String,
    /// Where each token's text ends in `text` (it starts where the previous one ends).
    ends: Vec<u32>,
    /// The ids interned by string ([`Vocab::intern`]), found by the hash of their text.
    ids: HashTable<TokenId>,
    /// GPT tokenizers: the GPT id of each coinflip id (markers: `<|endoftext|>`).
    external: Vec<u32>,
    /// The ids interned by GPT id ([`Vocab::intern_external`]), found by the hash of that id.
    by_external: HashTable<TokenId>,
    /// foldhash keyed by std's randomness ([`random_hasher`]), shared by both tables.
    hasher: SeedableRandomState,
}

/// The tokens in id order (and their GPT ids): not the tables, whose order is the hasher's.
impl std::fmt::Debug for Vocab {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let tokens: Vec<&str> = (0..self.len() as TokenId)
            .map(|id| self.token(id))
            .collect();
        f.debug_struct("Vocab")
            .field("tokens", &tokens)
            .field("external", &self.external)
            .finish()
    }
}

/// foldhash with a per-table seed drawn from std's `RandomState`, whose keys come from the
/// operating system's randomness: foldhash's own per-table seed is a counter and a stack
/// address. A look-up hashes a token of a few bytes, where std's SipHash costs several times
/// foldhash: it was over half of interning's instructions on the King James Bible.
fn random_hasher() -> SeedableRandomState {
    let seed = std::hash::RandomState::new().hash_one(0u64);
    SeedableRandomState::with_seed(seed, SharedSeed::global_random())
}

impl Default for Vocab {
    fn default() -> Self {
        Self::new()
    }
}

impl Vocab {
    /// A vocabulary holding only the reserved markers.
    pub fn new() -> Self {
        let mut v = Vocab {
            text: String::new(),
            ends: Vec::new(),
            ids: HashTable::new(),
            external: Vec::new(),
            by_external: HashTable::new(),
            hasher: random_hasher(),
        };
        for m in ["<s>", "</s>", "<unk>"] {
            v.intern(m);
        }
        v
    }

    /// Bytes the vocabulary holds on the heap: the text arena and its offsets, the arrays and the
    /// hash tables at their capacities (see [`hash_table_bytes`]; an entry is an id, 4 bytes).
    pub fn heap_bytes(&self) -> usize {
        self.text.capacity()
            + 4 * self.ends.capacity()
            + hash_table_bytes(self.ids.capacity(), std::mem::size_of::<TokenId>())
            + 4 * self.external.capacity()
            + hash_table_bytes(self.by_external.capacity(), std::mem::size_of::<TokenId>())
    }

    /// The text of id `id`, which must be below `len()`: a free function of the arena so the
    /// table's closures borrow only it while the table itself is borrowed mutably.
    fn text_of<'a>(text: &'a str, ends: &[u32], id: usize) -> &'a str {
        let start = if id == 0 { 0 } else { ends[id - 1] as usize };
        &text[start..ends[id] as usize]
    }

    /// Whether id `id`'s text is `token`: its bytes, compared without the char-boundary checks
    /// of slicing a `str` (the offsets are a token's own bounds), on every probe of a look-up.
    fn text_is(text: &str, ends: &[u32], id: usize, token: &str) -> bool {
        let start = if id == 0 { 0 } else { ends[id - 1] as usize };
        text.as_bytes()[start..ends[id] as usize] == *token.as_bytes()
    }

    /// Appends `token`'s text to the arena; returns its id.
    fn push(&mut self, token: &str) -> TokenId {
        let id = self.ends.len() as TokenId;
        self.text.push_str(token);
        let end = u32::try_from(self.text.len())
            .expect("the vocabulary's distinct tokens hold under 4 GiB of text");
        self.ends.push(end);
        id
    }

    /// The id of `token`, adding it if new (first occurrence order).
    pub fn intern(&mut self, token: &str) -> TokenId {
        let hash = self.hasher.hash_one(token);
        if let Some(id) = self.get_hashed(hash, token) {
            return id;
        }
        let id = self.push(token);
        let (text, ends, hasher) = (&self.text, &self.ends, &self.hasher);
        self.ids.insert_unique(hash, id, |&i| {
            hasher.hash_one(Self::text_of(text, ends, i as usize))
        });
        id
    }

    /// The id of `token` whose hash is `hash`, if it was interned by string.
    fn get_hashed(&self, hash: u64, token: &str) -> Option<TokenId> {
        let (text, ends) = (&self.text, &self.ends);
        self.ids
            .find(hash, |&i| Self::text_is(text, ends, i as usize, token))
            .copied()
    }

    /// For GPT tokenizers: the id of GPT token `external` (display text `text`), adding it if new.
    /// `end_of_text` is GPT's id for the document markers.
    pub fn intern_external(&mut self, external: u32, text: &str, end_of_text: u32) -> TokenId {
        if self.external.is_empty() {
            self.external = vec![end_of_text, end_of_text, u32::MAX];
        }
        let hash = self.hasher.hash_one(external);
        if let Some(id) = self.get_external_hashed(hash, external) {
            return id;
        }
        let id = self.push(text);
        self.external.push(external);
        let (gpt, hasher) = (&self.external, &self.hasher);
        self.by_external
            .insert_unique(hash, id, |&i| hasher.hash_one(gpt[i as usize]));
        id
    }

    /// The coinflip id of a GPT token id, if it occurred in training.
    pub fn get_external(&self, external: u32) -> Option<TokenId> {
        self.get_external_hashed(self.hasher.hash_one(external), external)
    }

    /// The coinflip id of GPT id `external` whose hash is `hash`, if it was interned by GPT id.
    fn get_external_hashed(&self, hash: u64, external: u32) -> Option<TokenId> {
        let gpt = &self.external;
        self.by_external
            .find(hash, |&i| gpt[i as usize] == external)
            .copied()
    }

    /// The id shown in reports: GPT's own id for GPT tokenizers, coinflip's otherwise.
    pub fn display_id(&self, id: TokenId) -> u32 {
        match self.external.get(id as usize) {
            Some(&e) if e != u32::MAX => e,
            _ => id,
        }
    }

    /// The GPT ids of coinflip ids (markers and `<unk>` left out).
    pub fn external_ids(&self, ids: &[TokenId]) -> Vec<u32> {
        ids.iter()
            .filter(|&&id| id as usize >= RESERVED)
            .filter_map(|&id| self.external.get(id as usize).copied())
            .collect()
    }

    /// True when ids map to a GPT tokenizer's ids.
    pub fn is_external(&self) -> bool {
        !self.external.is_empty()
    }

    /// The id of `token`, or `None` when it never occurred in training.
    pub fn get(&self, token: &str) -> Option<TokenId> {
        self.get_hashed(self.hasher.hash_one(token), token)
    }

    /// The string of an id (`<unk>` for an id out of range).
    pub fn token(&self, id: TokenId) -> &str {
        if (id as usize) < self.ends.len() {
            Self::text_of(&self.text, &self.ends, id as usize)
        } else {
            "<unk>"
        }
    }

    /// Number of ids, reserved markers included.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// True when only the reserved markers are present.
    pub fn is_empty(&self) -> bool {
        self.ends.len() <= RESERVED
    }

    /// The ids a model may generate, ascending: `</s>` and every corpus token.
    pub fn candidates(&self) -> impl Iterator<Item = TokenId> + '_ {
        std::iter::once(EOS).chain(RESERVED as TokenId..self.ends.len() as TokenId)
    }

    /// How many ids a model may generate (`len() - 2`: everything but `<s>` and `<unk>`).
    pub fn candidate_count(&self) -> usize {
        self.ends.len() - 2
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    /// The bucket count behind every `capacity()` hashbrown reports: a power of two, 7/8 of
    /// which (all of it below 8 buckets, less one) is the capacity.
    #[test]
    fn hash_table_bytes_follow_hashbrown_capacities() {
        for asked in 0..3000 {
            let m: HashMap<u64, u32> = HashMap::with_capacity(asked);
            let cap = m.capacity();
            assert!(cap >= asked);
            if cap == 0 {
                assert_eq!(hash_table_bytes(cap, 12), 0);
                continue;
            }
            let buckets = (hash_table_bytes(cap, 12) - 16) / 13;
            assert!(buckets.is_power_of_two());
            let usable = if buckets < 8 {
                buckets - 1
            } else {
                buckets / 8 * 7
            };
            assert_eq!(usable, cap, "asked {asked}");
            // The vocabulary's `HashTable`s are the same tables: the same capacities.
            let t: hashbrown::HashTable<TokenId> = hashbrown::HashTable::with_capacity(asked);
            assert_eq!(t.capacity(), cap, "asked {asked}");
        }
    }

    use super::*;

    /// `separator` is what `join` puts between exactly two tokens, for every tokenizer and
    /// pairs that glue or not (punctuation, brackets, apostrophes, CJK, digits, combining marks).
    #[test]
    fn separator_is_what_join_puts_between_two_tokens() {
        let tokens = [
            "a", "In", ",", ".", "(", ")", "'", "s", "’", "3", "4.5", "日本", "語", "\u{301}", ":",
            "x", "!", "[", "%", "ア", "イ", "-", "\n",
        ];
        for kind in [
            TokenizerKind::Word,
            TokenizerKind::Char,
            TokenizerKind::Whitespace,
        ] {
            for p in tokens {
                for t in tokens {
                    let joined = tok(kind).join(&[p, t]);
                    let sep = tok(kind).separator(p, t);
                    assert_eq!(format!("{p}{sep}{t}"), joined, "{kind:?} {p:?} {t:?}");
                }
            }
        }
    }

    fn tok(kind: TokenizerKind) -> Tokenizer {
        Tokenizer {
            kind,
            lowercase: false,
        }
    }

    fn split(kind: TokenizerKind, text: &str) -> Vec<String> {
        tok(kind)
            .split(text)
            .into_iter()
            .map(|c| c.into_owned())
            .collect()
    }

    #[test]
    fn each_gives_the_tokens_of_split() {
        let text = "And God said, Let THERE be  light:\ndon't. 推理 e\u{301}\u{0}\u{0}. .";
        for kind in [
            TokenizerKind::Word,
            TokenizerKind::Char,
            TokenizerKind::Whitespace,
            TokenizerKind::Gpt2,
        ] {
            for lowercase in [false, true] {
                let t = Tokenizer { kind, lowercase };
                let mut seen = Vec::new();
                t.each(text, |s| seen.push(s.to_string()));
                let split: Vec<String> =
                    t.split(text).into_iter().map(|c| c.into_owned()).collect();
                assert_eq!(seen, split, "{kind:?} lowercase {lowercase}");
            }
        }
    }

    #[test]
    fn word_splits_punctuation_and_cjk() {
        assert_eq!(
            split(
                TokenizerKind::Word,
                "And God said, Let there be light: don't."
            ),
            [
                "And", "God", "said", ",", "Let", "there", "be", "light", ":", "don't", "."
            ]
        );
        assert_eq!(
            split(TokenizerKind::Word, "推理:从模型 生成"),
            ["推", "理", ":", "从", "模", "型", "生", "成"]
        );
    }

    #[test]
    fn word_join_reads_naturally() {
        let t = tok(TokenizerKind::Word);
        assert_eq!(
            t.join(&["the", "earth", ".", "And", "(", "God", ")"]),
            "the earth. And (God)"
        );
        assert_eq!(t.join(&["推", "理", ",", "a"]), "推理, a");
        assert_eq!(t.join(&["推", "理", ":", "从"]), "推理:从");
    }

    #[test]
    fn word_join_keeps_tokens_apart() {
        // Found by tests/properties.rs: each joined text used to split into other tokens.
        let t = tok(TokenizerKind::Word);
        for (text, tokens, joined) in [
            // a combining mark after a space was a token holding the space
            ("a \u{301}", &["a", "\u{301}"][..], "a \u{301}"),
            // Korean is written with spaces
            ("한국어 문장.", &["한국어", "문장", "."], "한국어 문장."),
            // Katakana runs and fullwidth letters join when glued
            ("カタ カナ", &["カタ", "カナ"], "カタ カナ"),
            ("ＡＢ ＣＤ", &["ＡＢ", "ＣＤ"], "ＡＢ ＣＤ"),
            // a fullwidth mid-word mark between letters joins all three
            ("a ．b", &["a", "．", "b"], "a． b"),
        ] {
            assert_eq!(split(TokenizerKind::Word, text), tokens, "{text:?}");
            assert_eq!(t.join(tokens), joined, "{text:?}");
            assert_eq!(split(TokenizerKind::Word, joined), tokens, "{text:?}");
        }
    }

    #[test]
    fn char_round_trips() {
        let text = "Héllo, 世界!\n  x";
        let t = tok(TokenizerKind::Char);
        assert_eq!(t.join(&t.split(text)), text);
    }

    #[test]
    fn lowercase_applies_before_split() {
        let t = Tokenizer {
            kind: TokenizerKind::Whitespace,
            lowercase: true,
        };
        let v: Vec<String> = t
            .split("The  EARTH")
            .into_iter()
            .map(|c| c.into_owned())
            .collect();
        assert_eq!(v, ["the", "earth"]);
    }

    #[test]
    fn gpt2_ids_are_gpt2s() {
        // In GPT-2, " the" is 262 and "Hello" 15496 (r50k_base).
        let ids: Vec<u32> = gpt_encode(TokenizerKind::Gpt2, "Hello the")
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        assert_eq!(ids, [15496, 262]);
        // A CJK character GPT-2 splits into byte tokens decodes back whole, and alone shows
        // its bytes honestly.
        let pieces = gpt_encode(TokenizerKind::Gpt2, "推");
        assert!(pieces.len() > 1, "{pieces:?}");
        let all: Vec<u32> = pieces.iter().map(|p| p.0).collect();
        assert_eq!(gpt_decode(TokenizerKind::Gpt2, &all), "推");
        assert!(pieces[0].1.starts_with("\\x"), "{pieces:?}");
        assert_eq!(gpt_decode(TokenizerKind::Gpt2, &all[..1]), "\u{FFFD}");
    }

    #[test]
    fn vocab_first_occurrence_order() {
        let mut v = Vocab::new();
        assert_eq!(v.intern("In"), 3);
        assert_eq!(v.intern("the"), 4);
        assert_eq!(v.intern("In"), 3);
        assert_eq!(v.get("nope"), None);
        assert_eq!(v.candidates().collect::<Vec<_>>(), [1, 3, 4]);
        assert_eq!(v.candidate_count(), 3);
    }

    /// Every id's text and every text's id, checked both ways against `expected` (by id).
    fn assert_vocab(v: &Vocab, expected: &[String]) {
        assert_eq!(v.len(), expected.len());
        for (id, t) in expected.iter().enumerate() {
            assert_eq!(v.token(id as TokenId), t, "id {id}");
            assert_eq!(v.get(t), Some(id as TokenId), "{t:?}");
        }
    }

    #[test]
    fn vocab_interns_many_strings() {
        let mut v = Vocab::new();
        let mut expected: Vec<String> = ["<s>", "</s>", "<unk>"].map(String::from).to_vec();
        // Prefixes of one another and texts that are two others glued ("w1" + "2" is "w12"):
        // the arena must keep each token's bounds.
        for i in 0..20_000 {
            let t = if i % 3 == 0 {
                i.to_string()
            } else {
                format!("w{i}")
            };
            assert_eq!(v.get(&t), None, "{t:?}");
            assert_eq!(v.intern(&t) as usize, expected.len(), "{t:?}");
            expected.push(t);
        }
        assert_vocab(&v, &expected);
        // Interning again adds nothing and gives the first id.
        for (id, t) in expected.iter().enumerate() {
            assert_eq!(v.intern(t), id as TokenId);
        }
        assert_eq!(v.len(), expected.len());
        assert_eq!(v.get("w"), None);
        assert_eq!(v.get("w1w2"), None);
        assert_eq!(v.token(expected.len() as TokenId), "<unk>");
        assert_eq!(v.token(TokenId::MAX), "<unk>");
        assert_eq!(v.candidate_count(), expected.len() - 2);
    }

    #[test]
    fn vocab_empty_string_is_a_token() {
        let mut v = Vocab::new();
        assert_eq!(v.get(""), None);
        assert_eq!(v.intern("a"), 3);
        assert_eq!(v.intern(""), 4);
        assert_eq!(v.intern("b"), 5);
        assert_eq!(v.intern(""), 4);
        assert_eq!(v.get(""), Some(4));
        assert_eq!(v.get("ab"), None);
        let expected = ["<s>", "</s>", "<unk>", "a", "", "b"].map(String::from);
        assert_vocab(&v, &expected);
    }

    #[test]
    fn vocab_non_ascii() {
        let mut v = Vocab::new();
        // Precomposed and decomposed é stay apart (no normalisation here), as do NUL and CJK.
        let tokens = ["é", "e\u{301}", "日本", "日", "本", "🦀", "\u{0}", "Ω", "ω"];
        for (i, t) in tokens.iter().enumerate() {
            assert_eq!(v.intern(t) as usize, RESERVED + i);
        }
        let mut expected: Vec<String> = ["<s>", "</s>", "<unk>"].map(String::from).to_vec();
        expected.extend(tokens.map(String::from));
        assert_vocab(&v, &expected);
        assert_eq!(v.get("日本本"), None);
    }

    #[test]
    fn vocab_clone_is_equal_and_independent() {
        let mut v = Vocab::new();
        for t in ["In", "the", "beginning", "", "推"] {
            v.intern(t);
        }
        let mut c = v.clone();
        let expected: Vec<String> = (0..v.len() as TokenId)
            .map(|id| v.token(id).to_string())
            .collect();
        assert_vocab(&c, &expected);
        assert_eq!(format!("{c:?}"), format!("{v:?}"));
        assert_eq!(
            format!("{v:?}"),
            r#"Vocab { tokens: ["<s>", "</s>", "<unk>", "In", "the", "beginning", "", "推"], external: [] }"#
        );
        // The clone grows on its own; the original keeps what it had.
        assert_eq!(c.intern("God"), 8);
        assert_eq!(c.intern("the"), 4);
        assert_eq!(v.get("God"), None);
        assert_eq!(v.len(), 8);
        assert_eq!(c.len(), 9);
    }

    #[test]
    fn vocab_external_ids() {
        let mut v = Vocab::new();
        assert!(!v.is_external());
        // " the" is GPT-2's 262, "Hello" its 15496; 50256 is <|endoftext|>.
        assert_eq!(v.intern_external(15496, "Hello", 50256), 3);
        assert_eq!(v.intern_external(262, " the", 50256), 4);
        assert_eq!(v.intern_external(15496, "Hello", 50256), 3);
        assert!(v.is_external());
        assert_eq!(v.get_external(262), Some(4));
        assert_eq!(v.get_external(50256), None);
        assert_eq!(v.token(4), " the");
        assert_eq!(v.display_id(4), 262);
        assert_eq!(v.display_id(EOS), 50256);
        assert_eq!(v.display_id(UNK), UNK);
        assert_eq!(v.external_ids(&[BOS, 3, 4, EOS]), [15496, 262]);
        // GPT tokens are found by GPT id only, as before; the markers by text.
        assert_eq!(v.get("Hello"), None);
        assert_eq!(v.get("</s>"), Some(EOS));
        let c = v.clone();
        assert_eq!(c.get_external(15496), Some(3));
    }

    /// The vocabulary's bytes against an independent count: its text once, four bytes of offset
    /// per id, and a table of at least one bucket (an id and a control byte) per id, at most
    /// twice that and the arena's doubling.
    #[test]
    fn vocab_heap_bytes_count_the_text_once() {
        let mut v = Vocab::new();
        let tokens: Vec<String> = (0..5000).map(|i| format!("token{i}")).collect();
        for t in &tokens {
            v.intern(t);
        }
        let n = v.len();
        let text: usize = (0..n as TokenId).map(|id| v.token(id).len()).sum();
        let least = text + 4 * n + 5 * n;
        assert!(v.heap_bytes() >= least, "{} < {least}", v.heap_bytes());
        assert!(v.heap_bytes() <= 2 * least + 16, "{}", v.heap_bytes());
        // The old layout (two `String`s a token, 24 bytes each besides the text, and a table
        // entry of a `String` and an id) held more than twice as much.
        let old = 2 * text + 24 * n + hash_table_bytes(n, 32);
        assert!(2 * v.heap_bytes() < old, "{} vs {old}", v.heap_bytes());
        let empty = Vocab::new().heap_bytes();
        assert!(empty > 0 && empty < 128, "{empty}");
    }
}
