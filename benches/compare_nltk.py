#!/usr/bin/env python3
"""The other side of benches/compare.sh: NLTK's nltk.lm and numpy on the same tokens.

    python3 benches/compare_nltk.py WORDS TEXT RUNS    (NLTK: at most 3 runs)

WORDS holds the word tokens coinflip made (one verse per line, tokens separated by spaces, written
by `bench_pipeline KJV dump-tokens`), so both tools count exactly the same words; TEXT is the
verse text (one verse per line) for the character model. Every timing is CPU time
(time.process_time) and is printed as one JSON object per run:

    {"tool", "task", "seconds", "units", "slice"}

`units` is what was done in `seconds` (tokens trained on, generated or scored; draws). Where the
full job would take NLTK minutes to days, a slice is timed and `slice` says which; the table
extrapolates linearly from units per second and says so.

NLTK's semantics differ from coinflip's in details that do not matter for speed: its Kneser–Ney
uses its own discounting and recursion, `generate` samples among the followers seen after the
context (coinflip's draw covers every candidate), and its padding repeats `</s>` (here a drawn
`</s>` starts a new verse, as in coinflip).
"""

import json
import random
import sys
import time

import numpy as np
from nltk.lm import MLE, KneserNeyInterpolated
from nltk.lm.preprocessing import padded_everygram_pipeline


def emit(task, seconds, units, slice_note="full"):
    print(
        json.dumps(
            {"tool": "nltk" if task != "sample" else "numpy", "task": task,
             "seconds": round(seconds, 6), "units": units, "slice": slice_note}
        ),
        flush=True,
    )


def timed(f):
    t = time.process_time()
    r = f()
    return r, time.process_time() - t


def fit(model, order, sents):
    train, vocab = padded_everygram_pipeline(order, sents)
    model.fit(train, vocab)
    return model


def generate(lm, order, samples, length):
    """Like coinflip: `samples` × `length` tokens, each sample its own seeded stream, a drawn
    `</s>` starting a new verse. One `generate(1)` call a token, as `generate(n)` does inside."""
    start = ["<s>"] * (order - 1)
    n = 0
    for i in range(samples):
        rng = random.Random(i)
        history = list(start)
        for _ in range(length):
            w = lm.generate(1, text_seed=history[len(history) - (order - 1) :], random_seed=rng)
            history = list(start) if w == "</s>" else history + [w]
            n += 1
    return n


def score(lm, order, sents):
    n = 0
    log_p = 0.0
    for s in sents:
        padded = ["<s>"] * (order - 1) + list(s) + ["</s>"]
        for i in range(order - 1, len(padded)):
            log_p += lm.logscore(padded[i], padded[i - order + 1 : i])
            n += 1
    return n


def main():
    words_path, text_path, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
    # NLTK's runs are long: at most 3 of them (numpy gets all).
    numpy_runs, runs = runs, min(runs, 3)
    words = [line.split() for line in open(words_path, encoding="utf-8")]
    chars = [list(line.rstrip("\n")) for line in open(text_path, encoding="utf-8")]
    n_words = sum(len(s) for s in words)

    # (1) Word trigram, Kneser–Ney (D = 0.75): the whole Bible (about 15 s a run).
    lm = None
    for _ in range(runs):
        lm, secs = timed(lambda: fit(KneserNeyInterpolated(3, discount=0.75), 3, words))
        emit("train-word", secs, n_words)
    # (2) Generation from it: NLTK's KN `generate` scores each follower with a recursion that
    # scans its count tables, about half a minute per token here: one token a run (the first of
    # a verse, drawn among the words that start verses).
    for _ in range(runs):
        n, secs = timed(lambda: generate(lm, 3, 1, 1))
        emit("generate-word", secs, n, "1 token")
    # (5) Scoring: the first verse (Gen 1:1, 12 tokens with </s>), about 60 ms a token.
    for _ in range(runs):
        n, secs = timed(lambda: score(lm, 3, words[:1]))
        emit("score-word", secs, n, "first verse")
    del lm

    # (1) Char 6-gram, MLE: a tenth of the verses (the whole Bible takes NLTK minutes).
    cut = len(chars) // 10
    part = chars[:cut]
    n_part = sum(len(s) for s in part)
    lm = None
    for _ in range(runs):
        lm, secs = timed(lambda: fit(MLE(6), 6, part))
        emit("train-char", secs, n_part, f"first {cut} verses")
    # (2) and (5) on that model.
    for _ in range(runs):
        n, secs = timed(lambda: generate(lm, 6, 5, 200))
        emit("generate-char", secs, n, f"5 samples x 200 tokens, model of the first {cut} verses")
    for _ in range(runs):
        n, secs = timed(lambda: score(lm, 6, part[:300]))
        emit("score-char", secs, n, f"first 300 verses, model of the first {cut} verses")
    del lm

    # (4) 10,000,000 draws from a 10,000-outcome distribution, p_i ∝ 1/(i+1), as coinflip.
    w = 1.0 / np.arange(1, 10_001)
    p = w / w.sum()
    for r in range(numpy_runs):
        rng = np.random.default_rng(42 + r)
        _, secs = timed(lambda: rng.choice(10_000, size=10_000_000, p=p))
        emit("sample", secs, 10_000_000)


if __name__ == "__main__":
    main()
