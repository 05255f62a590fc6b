#!/usr/bin/env python3
"""Builds an F-times-larger corpus from real text for benches/scaling.sh.

    python3 benches/scale_corpus.py KJV.txt F OUT.txt

Copy 0 is the text itself. Copies 1..F-1 are the same verses, each perturbed with its own seed so
that the n-gram counts grow as they would with more text instead of only repeating: every word
(a run of non-blank characters) is, with probability 0.18, replaced by a word drawn from the
text's own unigram distribution, and with probability 0.02 given a suffix that names the copy
(`LORD,` → `LORDqd,`), so the vocabulary grows too (more text has more types). About half of each copy's
trigrams are new; a copy has as many verses, words and characters as the original (±1%).
Deterministic: the same input and F give the same file.
"""

import random
import sys


def suffix(copy):
    letters = ""
    while True:
        letters += chr(ord("a") + copy % 26)
        copy //= 26
        if copy == 0:
            return "q" + letters


def main():
    src, factor, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    with open(src, encoding="utf-8") as f:
        verses = [line.rstrip("\n") for line in f]
    unigrams = [w for v in verses for w in v.split()]
    with open(out, "w", encoding="utf-8") as f:
        for v in verses:
            f.write(v + "\n")
        for copy in range(1, factor):
            rng = random.Random(copy)
            tag = suffix(copy)
            for v in verses:
                words = v.split()
                for i, w in enumerate(words):
                    r = rng.random()
                    if r < 0.18:
                        words[i] = unigrams[rng.randrange(len(unigrams))]
                    elif r < 0.20:
                        # before trailing punctuation, so the tokenizer sees one new word
                        core = w.rstrip(",.;:?!)'")
                        words[i] = core + tag + w[len(core):]
                f.write(" ".join(words) + "\n")


if __name__ == "__main__":
    main()
