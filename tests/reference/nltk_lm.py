#!/usr/bin/env python3
"""Reference probabilities from NLTK's nltk.lm for tests/nltk_reference.rs.

coinflip pads each document with order-1 `<s>` and one `</s>`; NLTK's padded_everygram_pipeline
pads with order-1 of each. The order-n counts of contexts that contain no `</s>` are the same.
For Lidstone, coinflip's vocabulary size V is the number of tokens it can generate (the corpus
types plus `</s>`). NLTK's len(vocab) counts its `<UNK>` too, so the vocabulary here is built from
the corpus words alone: len(vocab) = types + 1 = coinflip's V, and NLTK maps `<s>`/`</s>` to `<UNK>`,
which for these queries (`<s>` only in contexts, `</s>` only as the predicted word) counts the
same n-grams.

    python3 tests/reference/nltk_lm.py   (nltk 3.10.4)
"""
from nltk.lm import MLE, Lidstone, Vocabulary
from nltk.lm.preprocessing import padded_everygram_pipeline

docs = [l.split() for l in open("scenarios/corpora/weather.txt", encoding="utf-8") if l.strip()]
vocab = Vocabulary([w for d in docs for w in d])
queries = [
    ("is", ["the", "sky"]),
    ("blue", ["sky", "is"]),
    ("the", ["<s>", "<s>"]),
    ("sky", ["<s>", "the"]),
    ("on", ["rain", "falls"]),
    ("</s>", ["town", "."]),
    ("hills", ["on", "the"]),
    ("river", ["the", "sky"]),  # unseen trigram
]
for name, make in [("MLE", lambda: MLE(3, vocabulary=vocab)),
                   ("Lidstone(0.5)", lambda: Lidstone(0.5, 3, vocabulary=vocab))]:
    train, _ = padded_everygram_pipeline(3, docs)
    lm = make()
    lm.fit(train)
    print(name, "len(vocab) =", len(lm.vocab))
    for w, ctx in queries:
        print(f"  P({w!r} | {ctx!r}) = {lm.score(w, ctx)!r}")
