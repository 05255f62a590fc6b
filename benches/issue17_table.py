#!/usr/bin/env python3
"""Turns the JSON lines of benches/issue17.sh into the Markdown table of docs/performance.md.

    python3 benches/issue17_table.py AFTER.jsonl [BEFORE.jsonl|""] [NLTK.jsonl]

Each figure is the median over runs of units per CPU second (generation, scoring: tokens;
`run-e2e`: the 1,000,000 generated tokens over the process's user time).
"""

import json
import statistics
import sys

SMOOTHINGS = [("kn", "Kneser–Ney"), ("mkn", "modified KN"), ("add-k", "add-k"),
              ("sb", "stupid backoff"), ("mle", "MLE")]
SAMPLERS = [("T=1 k=0 p=1", "no transforms"), ("T=0.8 k=40 p=0.95", "T 0.8, top-k 40, top-p 0.95"),
            ("T=0.8 k=0 p=1", "T 0.8 alone"), ("T=1 k=0 p=0.95", "top-p 0.95 alone")]


def load(path):
    rows = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line.startswith("{"):
                r = json.loads(line)
                rows.setdefault(r["task"], []).append(r)
    return rows


def per_second(rows, task):
    rs = rows.get(task)
    if not rs:
        return None
    return statistics.median(r["units"] / r["seconds"] for r in rs)


def rate(x):
    if x is None:
        return "—"
    for div, unit in ((1e6, "M"), (1e3, "k")):
        if x >= div:
            return f"{x / div:.2f} {unit}/s"
    return f"{x:.0f} /s" if x >= 10 else f"{x:.3g} /s"


def main():
    after = load(sys.argv[1])
    before = load(sys.argv[2]) if len(sys.argv) > 2 and sys.argv[2] else {}
    nltk = load(sys.argv[3]) if len(sys.argv) > 3 and sys.argv[3] else {}
    print("| workload | before | after | speed-up |")
    print("|---|---|---|---|")

    def row(label, task):
        a, b = per_second(after, task), per_second(before, task)
        up = (f"{a / b:,.0f}×" if a / b >= 10 else f"{a / b:.2f}×") if a and b else "—"
        print(f"| {label} | {rate(b)} | {rate(a)} | {up} |")

    for sampler, slabel in SAMPLERS:
        for smoothing, mlabel in SMOOTHINGS:
            row(f"generate, {slabel}, {mlabel}", f"generate-word {smoothing} {sampler}")
    row("score, Kneser–Ney", "score-word")
    row("10,000,000 draws, 10,000 outcomes", "sample")
    row("library: generate 1,000 × 1,000, KN (bench_run_share)", "library-generate-kn")
    row("library: remix profiles of them, one sample at a time", "library-remix-profile")
    row("library: remix profiles of them, eight at a time (as `run`)", "library-remix-profiles")
    row("`coinflip run` 1,000 × 1,000, KN, remix, JSON (whole process, user time)", "run-e2e")
    g, pr, e2e = (per_second(after, t) for t in
                  ("library-generate-kn", "library-remix-profiles", "run-e2e"))
    if g and pr and e2e:
        lib = 1 / (1 / g + 1 / pr)
        print(f"\nrun ÷ library (generate + remix profile, {rate(lib)}): {e2e / lib:.2f} "
              f"(target ≥ 0.5)")
    if nltk:
        print("\n| workload | coinflip (after) | NLTK / numpy (slice measured) | coinflip ÷ other |")
        print("|---|---|---|---|")
        for label, ours, theirs in (
            ("generate, word trigram Kneser–Ney, no transforms", "generate-word kn T=1 k=0 p=1",
             "generate-word"),
            ("score, word trigram Kneser–Ney", "score-word", "score-word"),
            ("draws, 10,000 outcomes (numpy `Generator.choice`)", "sample", "sample"),
        ):
            a, o = per_second(after, ours), per_second(nltk, theirs)
            note = nltk[theirs][0]["slice"] if theirs in nltk else "—"
            up = f"{a / o:,.0f}×" if a and o else "—"
            print(f"| {label} | {rate(a)} | {rate(o)} ({note}) | {up} |")
    for task, label in (("export-arpa", "coinflip export-arpa"), ("lmplz", "lmplz -o 3 -S 100M")):
        rs = after.get(task)
        if rs:
            secs = statistics.median(r["seconds"] + r["system_seconds"] for r in rs)
            peak = statistics.median(r["peak_kib"] for r in rs) / 1024
            print(f"\n{label}, modified-KN trigram of the whole KJV: {secs:.2f} s CPU, "
                  f"{peak:.0f} MiB peak")
    if "arpa-identical" in after:
        print(f"\nARPA files identical: {after['arpa-identical'][0]}")
    for label, rows in (("before", before), ("after", after)):
        m = rows.get("memory-word")
        if m:
            print(f"\nmemory ({label}): {m[0]['model_bytes_per_ngram']} bytes per stored n-gram "
                  f"({m[0]['ngrams']:,} n-grams)")


if __name__ == "__main__":
    main()
