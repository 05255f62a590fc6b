//! The ARPA text format that KenLM, SRILM and IRSTLM exchange: reading it into a
//! [`BackoffModel`] with located errors, and writing a model back byte for byte as `lmplz` does.
//!
//! Hand-written because no maintained Rust crate reads ARPA files with located errors, and the
//! exact output layout is what the tests pin down.
//!
//! Output order (deterministic): unigrams in vocabulary (id) order; higher orders in *suffix order*
//! by id — compare the last word, then the one before it, and so on. That is the order `lmplz`
//! writes, so a model estimated here (whose ids are given in first-occurrence order, as lmplz
//! does) or read from a KenLM file is written back in KenLM's own order. [`write_to`] hands the
//! text out in pieces, so a large model's file is never whole in memory.

// `Diagnostic` is the crate's one error type for located input errors; errors are rare, so
// returning it unboxed (as every reader of the crate does) costs nothing that matters.
#![allow(clippy::result_large_err)]

use std::collections::HashMap;
use std::path::Path;

use crate::error::Diagnostic;
use crate::lm::backoff::{BackoffModel, ModelError, NgramTable};

/// Formats a stored value as KenLM does: the shortest decimal that reads back as the same `f32`
/// (so a written model reads back identically), the even one of two equally close (lmplz's
/// double-conversion), `1.5e-7` below 10⁻⁶, `0` for zero. See `lm::kenlm_float`.
pub fn format_value(x: f32) -> String {
    let mut s = String::new();
    push_value(&mut s, x);
    s
}

/// The model as ARPA text: `\data\`, one `ngram N=COUNT` line per order, then each
/// `\N-grams:` section with lines `log10prob<TAB>w1 w2 ... wN<TAB>log10backoff` (no backoff at
/// the highest order; every lower-order line carries one, 0 included, as current lmplz writes),
/// a blank line after each section, and `\end\`. Row order: see the module header.
pub fn write(model: &BackoffModel) -> String {
    let mut out = Vec::with_capacity(model.count(model.order()) * 32);
    write_to(model, &mut out).expect("writing to memory cannot fail");
    String::from_utf8(out).expect("ARPA text is UTF-8")
}

/// [`write()`] to `w`, in chunks of about 64 KiB (the text is never whole in memory).
pub fn write_to(model: &BackoffModel, w: &mut dyn std::io::Write) -> std::io::Result<()> {
    let order = model.order();
    let counts: Vec<usize> = (1..=order).map(|n| model.count(n)).collect();
    let mut out = String::with_capacity(CHUNK + 4096);
    push_header(&mut out, &counts);
    for n in 1..=order {
        push_section(&mut out, n);
        for (gram, p, b) in model.ngrams(n) {
            let words = gram.iter().map(|&w| model.word(w));
            push_line(&mut out, p as f32, words, (n < order).then_some(b as f32));
            if out.len() >= CHUNK {
                w.write_all(out.as_bytes())?;
                out.clear();
            }
        }
        out.push('\n');
    }
    out.push_str(END);
    w.write_all(out.as_bytes())
}

/// `\data\`, the `ngram N=COUNT` lines (`counts[N - 1]`) and the blank line after them.
pub(crate) fn push_header(out: &mut String, counts: &[usize]) {
    use std::fmt::Write as _;
    out.push_str("\\data\\\n");
    for (n, count) in (1..).zip(counts) {
        let _ = writeln!(out, "ngram {n}={count}");
    }
    out.push('\n');
}

/// The `\N-grams:` line that opens the section of order `n` (a blank line closes it).
pub(crate) fn push_section(out: &mut String, n: usize) {
    use std::fmt::Write as _;
    let _ = writeln!(out, "\\{n}-grams:");
}

/// One n-gram's line: `log10prob<TAB>w1 w2 ... wN`, then `<TAB>log10backoff` when given.
pub(crate) fn push_line<'a>(
    out: &mut String,
    log10_prob: f32,
    words: impl Iterator<Item = &'a str>,
    log10_backoff: Option<f32>,
) {
    push_value(out, log10_prob);
    out.push('\t');
    for (i, w) in words.enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(w);
    }
    if let Some(b) = log10_backoff {
        out.push('\t');
        push_value(out, b);
    }
    out.push('\n');
}

/// Bytes of ARPA text gathered before each write.
pub(crate) const CHUNK: usize = 1 << 16;

/// The last line of an ARPA file.
pub(crate) const END: &str = "\\end\\\n";

/// Appends [`format_value`] of `x` without an intermediate string.
fn push_value(out: &mut String, x: f32) {
    crate::lm::kenlm_float::push(out, x);
}

/// Reads an ARPA file from disk. A gzip-compressed or non-UTF-8 file gets a clear error.
pub fn read_file(path: &Path) -> Result<BackoffModel, Diagnostic> {
    let bytes = crate::input::read_limited(path, &crate::input::ARPA_LIMIT)
        .map_err(|e| Diagnostic::file(path, format!("cannot read the ARPA file: {e}")))?;
    if bytes.starts_with(&[0x1f, 0x8b]) {
        return Err(Diagnostic::file(
            path,
            "this looks like a gzip-compressed file; decompress it first (gunzip) and name the \
             .arpa file",
        ));
    }
    let text = match std::str::from_utf8(&bytes) {
        Ok(t) => t,
        Err(e) => {
            let good = e.valid_up_to();
            let prefix = std::str::from_utf8(&bytes[..good]).unwrap_or("");
            let (line, column) = crate::error::line_col(prefix, prefix.len());
            let mut d = Diagnostic::file(
                path,
                "the ARPA file is not valid UTF-8 here; coinflip reads UTF-8 text only",
            );
            d.line = Some(line);
            d.column = Some(column);
            return Err(d);
        }
    };
    read(text, path)
}

/// Reads ARPA text; `source` names the file in error messages.
///
/// Accepted: blank lines and `#` comment lines before `\data\`; tabs or spaces (any number)
/// between fields; a missing backoff below the highest order (weight log10 1 = 0); `-inf` and
/// SRILM's `-99`. Rejected with the line and what was expected: a missing `\data\`, a bad
/// `ngram N=COUNT` line, a missing or unknown section, an n-gram line with the wrong number of
/// fields or a bad number, a word not among the unigrams, a duplicate n-gram, a section whose
/// line count differs from its `ngram N=` count, a missing `\end\`.
pub fn read(text: &str, source: impl AsRef<Path>) -> Result<BackoffModel, Diagnostic> {
    Reader::new(text, source.as_ref()).read()
}

/// One line of the source: its byte offset and its text without the line break.
#[derive(Clone, Copy)]
struct Line<'a> {
    start: usize,
    text: &'a str,
}

/// What the sections read so far hold.
struct Sections<'a> {
    vocab: Vec<String>,
    ids: HashMap<&'a str, u32>,
    unigrams: Vec<(f32, f32)>,
    /// Where each unigram's line starts (to name the first line of a repeated word).
    unigram_lines: Vec<usize>,
    higher: Vec<NgramTable>,
    /// Per order from 2: where each n-gram's line starts (to name a repeated n-gram's lines).
    higher_lines: Vec<Vec<usize>>,
}

impl Sections<'_> {
    fn with_capacity(order: usize, unigrams: usize) -> Self {
        Sections {
            vocab: Vec::with_capacity(unigrams),
            ids: HashMap::with_capacity(unigrams),
            unigrams: Vec::with_capacity(unigrams),
            unigram_lines: Vec::with_capacity(unigrams),
            higher: Vec::with_capacity(order.saturating_sub(1)),
            higher_lines: Vec::with_capacity(order.saturating_sub(1)),
        }
    }
}

struct Reader<'a> {
    src: &'a str,
    name: &'a Path,
    pos: usize,
    peeked: Option<Line<'a>>,
}

impl<'a> Reader<'a> {
    fn new(src: &'a str, name: &'a Path) -> Self {
        let pos = if src.starts_with('\u{feff}') { 3 } else { 0 };
        Reader {
            src,
            name,
            pos,
            peeked: None,
        }
    }

    fn next_line(&mut self) -> Option<Line<'a>> {
        if let Some(l) = self.peeked.take() {
            return Some(l);
        }
        if self.pos >= self.src.len() {
            return None;
        }
        let start = self.pos;
        let rest = &self.src[start..];
        let (text, advance) = match rest.find('\n') {
            Some(i) => (&rest[..i], i + 1),
            None => (rest, rest.len()),
        };
        self.pos += advance;
        let text = text.strip_suffix('\r').unwrap_or(text);
        Some(Line { start, text })
    }

    fn peek_line(&mut self) -> Option<Line<'a>> {
        if self.peeked.is_none() {
            self.peeked = self.next_line();
        }
        self.peeked
    }

    /// Skips blank lines; returns the next non-blank one.
    fn next_nonblank(&mut self) -> Option<Line<'a>> {
        loop {
            let l = self.next_line()?;
            if !l.text.trim().is_empty() {
                return Some(l);
            }
        }
    }

    fn err_at(&self, start: usize, msg: impl Into<String>) -> Diagnostic {
        Diagnostic::at(self.name, self.src, Some(start..start), None, msg)
    }

    fn err_token(&self, token: &str, msg: impl Into<String>) -> Diagnostic {
        let offset = token.as_ptr() as usize - self.src.as_ptr() as usize;
        self.err_at(offset, msg)
    }

    /// An error at the end of the file, located on its last line that has text.
    fn err_eof(&self, msg: impl Into<String>) -> Diagnostic {
        let text = self.src.trim_end();
        let mut d = Diagnostic::file(self.name, msg);
        d.line = Some(crate::error::line_col(text, text.len()).0);
        d
    }

    fn read(mut self) -> Result<BackoffModel, Diagnostic> {
        let counts = self.read_header()?;
        let order = counts.len();
        let mut sections = Sections::with_capacity(order, self.cap(counts[0]));
        for n in 1..=order {
            self.read_section(n, &counts, &mut sections)?;
        }
        self.expect_end(order)?;
        self.build(sections)
    }

    /// Room to reserve for `count` n-grams: what the header announces, but no more than the file
    /// could hold (an n-gram line has at least 4 bytes), so a corrupt header cannot exhaust
    /// memory.
    fn cap(&self, count: usize) -> usize {
        count.min(self.src.len() / 4 + 1)
    }

    /// Reads the `\n-grams:` section into `sections`; `counts` is what the header announced.
    fn read_section(
        &mut self,
        n: usize,
        counts: &[usize],
        sections: &mut Sections<'a>,
    ) -> Result<(), Diagnostic> {
        let order = counts.len();
        let heading = self.expect_section(n, order)?;
        let mut table = (n >= 2).then(|| NgramTable::with_capacity(n, self.cap(counts[n - 1])));
        let mut lines = Vec::new();
        let mut gram: Vec<u32> = Vec::with_capacity(order);
        let mut fields: Vec<&'a str> = Vec::with_capacity(order + 2);
        let mut seen = 0usize;
        while let Some(line) = self.peek_line() {
            let t = line.text.trim();
            if t.is_empty() || t.starts_with('\\') {
                break;
            }
            self.next_line();
            seen += 1;
            fields.clear();
            fields.extend(line.text.split([' ', '\t']).filter(|s| !s.is_empty()));
            let (prob, backoff) = self.values(line, &fields, n, order)?;
            if n == 1 {
                self.unigram(line, fields[1], (prob, backoff), sections)?;
            } else {
                self.word_ids(&fields[1..=n], n, &sections.ids, &mut gram)?;
                if let Some(table) = table.as_mut() {
                    table.push(&gram, prob, backoff);
                }
                lines.push(line.start);
            }
        }
        if seen != counts[n - 1] {
            let at = self.peek_line().map_or(heading, |l| l.start);
            return Err(self.err_at(
                at,
                format!(
                    "the \\data\\ header announces ngram {n}={} but the \\{n}-grams: section has \
                     {seen} line{}",
                    counts[n - 1],
                    if seen == 1 { "" } else { "s" }
                ),
            ));
        }
        if let Some(table) = table {
            sections.higher.push(table);
            sections.higher_lines.push(lines);
        }
        Ok(())
    }

    /// The log10 probability and backoff of an n-gram line of order `n` split into `fields`,
    /// once the number of fields is right.
    fn values(
        &self,
        line: Line<'a>,
        fields: &[&'a str],
        n: usize,
        order: usize,
    ) -> Result<(f32, f32), Diagnostic> {
        let with_backoff = n < order;
        let ok_len = fields.len() == n + 1 || (with_backoff && fields.len() == n + 2);
        if !ok_len {
            let words = if n == 1 { "" } else { "s" };
            let expected = if with_backoff {
                format!(
                    "a log10 probability, {n} word{words}, and optionally a backoff ({} or {} \
                     fields)",
                    n + 1,
                    n + 2
                )
            } else {
                format!(
                    "a log10 probability and {n} word{words} ({} fields; the highest order has \
                     no backoff)",
                    n + 1
                )
            };
            return Err(self.err_at(
                line.start,
                format!(
                    "a line of the \\{n}-grams: section must hold {expected}; found {} field{}",
                    fields.len(),
                    if fields.len() == 1 { "" } else { "s" }
                ),
            ));
        }
        let prob = self.parse_value(fields[0], "log10 probability")?;
        if prob > 0.0 {
            return Err(self.err_token(
                fields[0],
                format!(
                    "a log10 probability must be at most 0 (a probability at most 1); found `{}`",
                    fields[0]
                ),
            ));
        }
        let backoff = if fields.len() == n + 2 {
            self.parse_value(fields[n + 1], "log10 backoff")?
        } else {
            0.0
        };
        Ok((prob, backoff))
    }

    /// Adds unigram `w` (a new word) with its values.
    fn unigram(
        &self,
        line: Line<'a>,
        w: &'a str,
        values: (f32, f32),
        sections: &mut Sections<'a>,
    ) -> Result<(), Diagnostic> {
        if let Some(&first) = sections.ids.get(w) {
            let (l, _) = crate::error::line_col(self.src, sections.unigram_lines[first as usize]);
            return Err(self.err_token(
                w,
                format!("the word `{w}` is listed twice among the unigrams (first on line {l})"),
            ));
        }
        sections.ids.insert(w, sections.vocab.len() as u32);
        sections.vocab.push(w.to_string());
        sections.unigrams.push(values);
        sections.unigram_lines.push(line.start);
        Ok(())
    }

    /// The ids of the words of an `n`-gram into `gram`; each must be a unigram.
    fn word_ids(
        &self,
        words: &[&'a str],
        n: usize,
        ids: &HashMap<&'a str, u32>,
        gram: &mut Vec<u32>,
    ) -> Result<(), Diagnostic> {
        gram.clear();
        for &w in words {
            match ids.get(w) {
                Some(&id) => gram.push(id),
                None => {
                    return Err(self.err_token(
                        w,
                        format!("the word `{w}` of this {n}-gram is not in the \\1-grams: section"),
                    ));
                }
            }
        }
        Ok(())
    }

    /// Expects `\\end\\` after the last section.
    fn expect_end(&mut self, order: usize) -> Result<(), Diagnostic> {
        match self.next_nonblank() {
            Some(l) if l.text.trim() == "\\end\\" => Ok(()),
            Some(l) => Err(self.err_at(
                l.start,
                format!(
                    "expected `\\end\\` after the \\{order}-grams: section (the header announces \
                     order {order}); found `{}`",
                    l.text.trim()
                ),
            )),
            None => Err(self.err_eof(
                "the file ends without `\\end\\` (truncated?); expected `\\end\\` after the last \
                 section",
            )),
        }
    }

    /// The model of the sections read; a duplicate n-gram is reported on its second line.
    fn build(&self, s: Sections<'a>) -> Result<BackoffModel, Diagnostic> {
        BackoffModel::new(s.vocab, s.unigrams, s.higher).map_err(|e| match e {
            ModelError::DuplicateNgram {
                order,
                first,
                second,
            } => {
                let lines = &s.higher_lines[order - 2];
                let (first_line, _) = crate::error::line_col(self.src, lines[first]);
                self.err_at(
                    lines[second],
                    format!("{e}: this line repeats line {first_line}"),
                )
            }
            other => Diagnostic::file(self.name, other.to_string()),
        })
    }

    fn parse_value(&self, tok: &str, what: &str) -> Result<f32, Diagnostic> {
        match tok.parse::<f32>() {
            Ok(v) if !v.is_nan() && v != f32::INFINITY => Ok(v),
            _ => Err(self.err_token(
                tok,
                format!("expected a {what} (a decimal number such as -1.2345); found `{tok}`"),
            )),
        }
    }

    /// Reads up to and including the `ngram N=COUNT` lines; returns the counts (index = N - 1).
    fn read_header(&mut self) -> Result<Vec<usize>, Diagnostic> {
        loop {
            let Some(line) = self.next_line() else {
                return Err(self.err_eof(
                    "the file has no `\\data\\` line; an ARPA file starts with `\\data\\`",
                ));
            };
            let t = line.text.trim();
            if t.is_empty() || t.starts_with('#') {
                continue;
            }
            if t == "\\data\\" {
                break;
            }
            return Err(self.err_at(
                line.start,
                format!("expected `\\data\\` (the start of an ARPA file); found `{t}`"),
            ));
        }
        let mut counts: Vec<usize> = Vec::new();
        while let Some(line) = self.peek_line() {
            let t = line.text.trim();
            if t.is_empty() {
                self.next_line();
                if counts.is_empty() {
                    continue;
                }
                break;
            }
            if t.starts_with('\\') {
                break;
            }
            self.next_line();
            let parsed = t.strip_prefix("ngram").and_then(|rest| {
                let (n, c) = rest.split_once('=')?;
                let n: usize = n.trim().parse().ok()?;
                let c: usize = c.trim().parse().ok()?;
                Some((n, c))
            });
            match parsed {
                Some((1, 0)) => {
                    return Err(self.err_at(
                        line.start,
                        "the \\data\\ header announces ngram 1=0; a model needs its unigrams",
                    ));
                }
                Some((n, c)) if n == counts.len() + 1 => counts.push(c),
                Some((n, _)) => {
                    return Err(self.err_at(
                        line.start,
                        format!(
                            "expected `ngram {}=COUNT` (orders listed 1, 2, 3, ... in turn); found order {n}",
                            counts.len() + 1
                        ),
                    ));
                }
                None => {
                    return Err(self.err_at(
                        line.start,
                        format!(
                            "expected `ngram {}=COUNT` in the \\data\\ header; found `{t}`",
                            counts.len() + 1
                        ),
                    ));
                }
            }
        }
        if counts.is_empty() {
            let msg = "the \\data\\ header lists no `ngram 1=COUNT` line";
            return Err(match self.peek_line() {
                Some(l) => self.err_at(l.start, msg),
                None => self.err_eof(msg),
            });
        }
        Ok(counts)
    }

    /// Expects the `\n-grams:` heading (after blank lines); returns its offset.
    fn expect_section(&mut self, n: usize, order: usize) -> Result<usize, Diagnostic> {
        let want = format!("\\{n}-grams:");
        let Some(line) = self.next_nonblank() else {
            return Err(self.err_eof(format!(
                "the file ends before the {want} section (the header announces order {order})"
            )));
        };
        let t = line.text.trim();
        if t == want {
            return Ok(line.start);
        }
        let msg = if t == "\\end\\" {
            format!(
                "expected the {want} section (the header announces order {order}); found `\\end\\`"
            )
        } else if let Some(k) = t
            .strip_prefix('\\')
            .and_then(|r| r.strip_suffix("-grams:"))
            .and_then(|k| k.parse::<usize>().ok())
        {
            format!(
                "expected the {want} section; found the \\{k}-grams: section (sections come in order 1, 2, ... {order})"
            )
        } else if t.starts_with('\\') {
            format!("unknown section `{t}`; expected {want}")
        } else {
            format!("expected the {want} heading; found `{t}`")
        };
        Err(self.err_at(line.start, msg))
    }
}

// The tests quote values from ARPA files, such as -0.30103; they are file contents, not LOG10_2.
#[allow(clippy::approx_constant)]
#[cfg(test)]
mod tests {
    use super::*;
    use crate::lm::backoff::UNK;

    fn score(m: &BackoffModel, context: &str, word: &str) -> (f64, usize) {
        let ctx: Vec<u32> = context
            .split(' ')
            .filter(|w| !w.is_empty())
            .map(|w| m.id_or_unk(w))
            .collect();
        m.log10_prob(&ctx, m.id_or_unk(word))
    }

    fn close(a: (f64, usize), b: (f64, usize)) -> bool {
        (a.0 - b.0).abs() < 1e-6 && a.1 == b.1
    }

    #[test]
    fn accepts_spaces_comments_missing_backoffs_and_srilm_conventions() {
        let text = "# made by hand\n\n\\data\\\nngram 1=4\nngram 2=2\n\n\\1-grams:\n\
                    -99 <s>   -0.5\n-0.5 </s>\n-0.4  a -0.2\n-inf b\n\n\\2-grams:\n\
                    -0.1 <s> a\n-0.2  a   </s>\n\n\\end\\\n";
        let m = read(text, "hand.arpa").unwrap();
        assert_eq!(m.order(), 2);
        // <unk> was missing: appended, as KenLM substitutes it, with log10 p = -100.
        assert_eq!(m.vocab().last().map(String::as_str), Some(UNK));
        assert_eq!(m.get_words(&["<unk>"]), Some((-100.0, 0.0)));
        assert_eq!(m.get_words(&["<s>"]), Some((-99.0, -0.5)));
        assert_eq!(m.get_words(&["b"]), Some((f64::NEG_INFINITY, 0.0)));
        // p(</s> | a): "a </s>" is a bigram.
        assert!(close(score(&m, "a", "</s>"), (-0.2, 2)));
        // p(a | </s>): no "</s> a", backoff(</s>) missing = 0, p(a) = -0.4.
        assert!(close(score(&m, "</s>", "a"), (-0.4, 1)));
        // p(b | a): no "a b", backoff(a) = -0.2, p(b) = -inf.
        assert_eq!(score(&m, "a", "b"), (f64::NEG_INFINITY, 1));
        // Tabs and spaces read alike.
        assert_eq!(read(&text.replace(' ', "\t"), "tabs.arpa").unwrap(), m);
        // Windows line ends too.
        assert_eq!(read(&text.replace('\n', "\r\n"), "crlf.arpa").unwrap(), m);
    }

    #[test]
    fn write_format_is_lmplz_layout() {
        let text = "\\data\\\nngram 1=4\nngram 2=2\n\n\\1-grams:\n-1 <unk>\t0\n0\t<s>\t-0.5\n\
                    -0.5\t</s>\t0\n-0.25\ta\t-0.125\n\n\\2-grams:\n-0.75\ta </s>\n-0.5\t<s> a\n\n\\end\\\n";
        let m = read(text, "x.arpa").unwrap();
        // Rows in suffix order: "a </s>" (last word </s> = id 2) before "<s> a" (a = id 3).
        let expected = text.replace("-1 <unk>", "-1\t<unk>");
        assert_eq!(write(&m), expected);
        assert_eq!(format_value(-0.0), "0");
        assert_eq!(format_value(-0.088179775), "-0.088179775");
    }

    /// Reads `text` and returns the error's one-line form.
    fn error(text: &str) -> String {
        read(text, "bad.arpa").unwrap_err().headline()
    }

    const GOOD: &str = "\\data\\\nngram 1=3\nngram 2=1\n\n\\1-grams:\n-1\t<s>\t-0.5\n\
                        -0.5\t</s>\t0\n-0.4\ta\t-0.2\n\n\\2-grams:\n-0.1\t<s> a\n\n\\end\\\n";

    #[test]
    fn the_good_file_reads() {
        let m = read(GOOD, "good.arpa").unwrap();
        assert_eq!((m.count(1), m.count(2)), (4, 1));
    }

    #[test]
    fn malformed_files_get_located_errors() {
        let cases: &[(String, &str)] = &[
            (
                String::new(),
                "bad.arpa:1: the file has no `\\data\\` line; an ARPA file starts with `\\data\\`",
            ),
            (
                GOOD.replace("\\data\\", "hello"),
                "bad.arpa:1:1: expected `\\data\\` (the start of an ARPA file); found `hello`",
            ),
            (
                GOOD.replace("ngram 2=1", "ngram 2:1"),
                "bad.arpa:3:1: expected `ngram 2=COUNT` in the \\data\\ header; found `ngram 2:1`",
            ),
            (
                GOOD.replace("ngram 2=1", "ngram 3=1"),
                "bad.arpa:3:1: expected `ngram 2=COUNT` (orders listed 1, 2, 3, ... in turn); found order 3",
            ),
            (
                GOOD.replace("ngram 1=3", "ngram 1=4"),
                "bad.arpa:9:1: the \\data\\ header announces ngram 1=4 but the \\1-grams: section has 3 lines",
            ),
            (
                GOOD.replace("-0.4\ta", "-0.4x\ta"),
                "bad.arpa:8:1: expected a log10 probability (a decimal number such as -1.2345); found `-0.4x`",
            ),
            (
                GOOD.replace("a\t-0.2", "a\tnan"),
                "bad.arpa:8:8: expected a log10 backoff (a decimal number such as -1.2345); found `nan`",
            ),
            (
                GOOD.replace("-0.4\ta", "0.4\ta"),
                "bad.arpa:8:1: a log10 probability must be at most 0 (a probability at most 1); found `0.4`",
            ),
            (
                GOOD.replace("-0.4\ta\t-0.2", "-0.4\ta b\t-0.2"),
                "bad.arpa:8:1: a line of the \\1-grams: section must hold a log10 probability, 1 word, and optionally a backoff (2 or 3 fields); found 4 fields",
            ),
            (
                GOOD.replace("-0.1\t<s> a", "-0.1\t<s> a\t-0.3"),
                "bad.arpa:11:1: a line of the \\2-grams: section must hold a log10 probability and 2 words (3 fields; the highest order has no backoff); found 4 fields",
            ),
            (
                GOOD.replace("<s> a", "<s> b"),
                "bad.arpa:11:10: the word `b` of this 2-gram is not in the \\1-grams: section",
            ),
            (
                GOOD.replace("\\2-grams:", "\\foo\\"),
                "bad.arpa:10:1: unknown section `\\foo\\`; expected \\2-grams:",
            ),
            (
                GOOD.replace("\\2-grams:", "\\3-grams:"),
                "bad.arpa:10:1: expected the \\2-grams: section; found the \\3-grams: section (sections come in order 1, 2, ... 2)",
            ),
            (
                GOOD.replace("\\end\\\n", ""),
                "bad.arpa:11: the file ends without `\\end\\` (truncated?); expected `\\end\\` after the last section",
            ),
            (
                GOOD.replace("\n\\end\\", "\\3-grams:\n\\end\\"),
                "bad.arpa:12:1: expected `\\end\\` after the \\2-grams: section (the header announces order 2); found `\\3-grams:`",
            ),
            (
                GOOD.replace("-0.4\ta", "-0.4\t<s>"),
                "bad.arpa:8:6: the word `<s>` is listed twice among the unigrams (first on line 6)",
            ),
            (
                GOOD.replace("ngram 2=1", "ngram 2=2")
                    .replace("-0.1\t<s> a\n", "-0.1\t<s> a\n-0.3\t<s>  a\n"),
                "bad.arpa:12:1: the same 2-gram is listed twice: this line repeats line 11",
            ),
            (
                GOOD.replace("</s>", "b"),
                "bad.arpa: the model has no `</s>` unigram; an ARPA model needs both `<s>` and `</s>`",
            ),
            (
                GOOD.replace("ngram 1=3", "ngram 1=999999999999999"),
                "bad.arpa:9:1: the \\data\\ header announces ngram 1=999999999999999 but the \\1-grams: section has 3 lines",
            ),
            (
                GOOD.replace("ngram 1=3", "ngram 1=0"),
                "bad.arpa:2:1: the \\data\\ header announces ngram 1=0; a model needs its unigrams",
            ),
        ];
        let wrong: Vec<String> = cases
            .iter()
            .filter(|(text, expected)| error(text) != *expected)
            .map(|(text, expected)| format!("{text}\n  got:  {}\n  want: {expected}", error(text)))
            .collect();
        assert!(wrong.is_empty(), "{}", wrong.join("\n\n"));
    }

    #[test]
    fn diagnostics_show_the_offending_line() {
        let d = read(&GOOD.replace("-0.4\ta", "-0.4x\ta"), "bad.arpa").unwrap_err();
        assert_eq!(d.snippet.as_deref(), Some("-0.4x\ta\t-0.2"));
        assert!(d.to_string().contains("8 | -0.4x\ta\t-0.2"));
    }

    #[test]
    fn read_file_refuses_gzip_and_non_utf8() {
        let dir = tempfile::tempdir().unwrap();
        let gz = dir.path().join("m.arpa.gz");
        std::fs::write(&gz, [0x1f, 0x8b, 8, 0, 0]).unwrap();
        assert!(read_file(&gz).unwrap_err().message.contains("gzip"));
        let latin1 = dir.path().join("m.arpa");
        let mut bytes = GOOD.as_bytes().to_vec();
        bytes.splice(60..60, [0xe9]);
        std::fs::write(&latin1, &bytes).unwrap();
        let d = read_file(&latin1).unwrap_err();
        assert!(d.message.contains("UTF-8"), "{d}");
        assert_eq!(d.line, Some(crate::error::line_col(GOOD, 60).0));
        let missing = read_file(&dir.path().join("none.arpa")).unwrap_err();
        assert!(missing.message.starts_with("cannot read the ARPA file"));
        let good = dir.path().join("good.arpa");
        std::fs::write(&good, GOOD).unwrap();
        assert_eq!(read_file(&good).unwrap(), read(GOOD, "x").unwrap());
    }
}
