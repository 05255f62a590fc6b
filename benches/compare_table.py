#!/usr/bin/env python3
"""Turns the JSON lines of benches/compare.sh into the Markdown table of docs/performance.md.

    python3 benches/compare_table.py COINFLIP.jsonl NLTK.jsonl MEMORY.json TIME_V.txt

Every figure is the median over runs of CPU seconds (and of units per CPU second). NLTK rows
measured on a slice are extrapolated linearly to the full job: full units ÷ (slice units per
second); the table says which slice.
"""

import json
import statistics
import sys

# The full job of each step, in units (tokens trained on, tokens generated or scored, draws).
STEPS = [
    ("train-word", "1. train word trigram, Kneser–Ney (D = 0.75)", "tokens"),
    ("train-char", "1. train char 6-gram, MLE", "tokens"),
    ("generate-word", "2. generate 1,000 × 1,000 tokens, word KN", "tokens"),
    ("generate-char", "2. generate 1,000 × 1,000 tokens, char MLE", "tokens"),
    ("remix", "3. remix profile of the generated tokens", None),
    ("sample", "4. 10,000,000 draws, 10,000 outcomes", "draws"),
    ("score-word", "5. score 31,102 verses, word KN", "tokens"),
    ("score-char", "5. score 31,102 verses, char MLE", "tokens"),
]


def load(path):
    rows = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line.startswith("{"):
                r = json.loads(line)
                rows.setdefault(r["task"], []).append(r)
    return rows


def duration(seconds):
    if seconds < 1:
        return f"{seconds * 1000:.1f} ms"
    if seconds < 120:
        return f"{seconds:.2f} s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} min"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.1f} h"
    if seconds < 730 * 86400:
        return f"{seconds / 86400:.0f} days"
    return f"{seconds / 86400 / 365:.1f} years"


def rate(x):
    for div, unit in ((1e6, "M"), (1e3, "k")):
        if x >= div:
            return f"{x / div:.2f} {unit}/s"
    return f"{x:.1f} /s"


def main():
    ours, theirs = load(sys.argv[1]), load(sys.argv[2])
    memory = json.load(open(sys.argv[3], encoding="utf-8"))
    time_v = open(sys.argv[4], encoding="utf-8").read()
    print("| step | coinflip (median CPU) | coinflip rate | other tool | measured on | "
          "other tool, full job | coinflip ÷ other |")
    print("|---|---|---|---|---|---|---|")
    for task, label, unit in STEPS:
        if unit is None:
            print(f"| {label} | — | — | — | benchmarked separately (benches/remix.rs) | — | — |")
            continue
        mine = ours.get(task, [])
        other = theirs.get(task, [])
        if not mine:
            continue
        full_units = mine[0]["units"]
        c_secs = statistics.median(r["seconds"] for r in mine)
        c_rate = statistics.median(r["units"] / r["seconds"] for r in mine)
        if other:
            tool = "numpy `Generator.choice`" if other[0]["tool"] == "numpy" else "NLTK `nltk.lm`"
            o_rate = statistics.median(r["units"] / r["seconds"] for r in other)
            sl = other[0]["slice"]
            measured = (
                f"full ({duration(statistics.median(r['seconds'] for r in other))})"
                if sl == "full"
                else f"{sl}: {other[0]['units']:,} {unit if other[0]['units'] != 1 else unit[:-1]} in "
                f"{duration(statistics.median(r['seconds'] for r in other))}"
            )
            o_full = full_units / o_rate
            full = duration(o_full) if sl == "full" else f"≈ {duration(o_full)} (extrapolated)"
            ratio = f"{c_rate / o_rate:,.0f}×" if c_rate / o_rate >= 10 else f"{c_rate / o_rate:.2f}×"
        else:
            tool = measured = full = ratio = "—"
        print(f"| {label} | {duration(c_secs)} | {rate(c_rate)} {unit} | {tool} | {measured} | "
              f"{full} | {ratio} |")
    ngrams = memory["ngrams"]
    maxrss_kib = next(
        int(l.split(":")[1]) for l in time_v.splitlines() if "Maximum resident set size" in l
    )
    print()
    print(f"Memory, word trigram ({ngrams:,} stored n-grams, {memory['contexts']:,} contexts): "
          f"model {memory['model_bytes_per_ngram']:.1f} bytes per n-gram "
          f"(its arrays and tables at their capacities, `NgramModel::heap_bytes`), training peak "
          f"{memory['training_peak_bytes_per_ngram']:.1f} bytes per n-gram (VmHWM − RSS before "
          f"training); whole process (text, corpus, vocabulary and model) "
          f"{maxrss_kib / 1024:.1f} MiB = {maxrss_kib * 1024 / ngrams:.1f} bytes per n-gram "
          f"(/usr/bin/time -v).")


if __name__ == "__main__":
    main()
