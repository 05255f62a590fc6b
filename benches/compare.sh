#!/usr/bin/env bash
# coinflip against the tools a user would otherwise pick, on the whole King James Bible (one verse
# per document): NLTK's nltk.lm for training, generation and scoring, numpy's Generator.choice for
# sampling. Prints the table kept in docs/performance.md (medians of RUNS runs, CPU time).
#
#   benches/compare.sh [RUNS]        (default 5; NLTK gets at most 3, its runs are long)
#
# Installs what it needs (Debian's bible-kjv, pip's nltk and numpy). Writes its files under
# target/compare/. Takes about 10 minutes, most of it NLTK. One core: nothing here runs threads.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${1:-5}"
OUT=target/compare
mkdir -p "$OUT"

if ! command -v bible >/dev/null; then
    apt-get update
    apt-get install -y bible-kjv
fi
python3 -c 'import nltk, numpy' 2>/dev/null || pip install nltk numpy

# The text: every verse, Gen 1:1 to Rev 22:21, without its reference ("Ge1:1 In the ...").
bible -f "Gen1:1-Rev22:21" | sed -E 's/^[^ ]+:[0-9]+ //' > "$OUT/kjv.txt"
verses=$(wc -l < "$OUT/kjv.txt")
if [ "$verses" -ne 31102 ]; then
    echo "expected 31,102 verses, got $verses" >&2
    exit 1
fi

cargo build --release --quiet --example bench_pipeline
bench=target/release/examples/bench_pipeline
"$bench" "$OUT/kjv.txt" dump-tokens --tokens "$OUT/kjv.words"

echo "== coinflip ($RUNS runs each)" >&2
: > "$OUT/coinflip.jsonl"
for task in train-word train-char generate-word generate-char sample score-word score-char; do
    "$bench" "$OUT/kjv.txt" "$task" --reps "$RUNS" | tee -a "$OUT/coinflip.jsonl" >&2
done
"$bench" "$OUT/kjv.txt" memory-word > "$OUT/memory.json"
/usr/bin/time -v "$bench" "$OUT/kjv.txt" memory-word > /dev/null 2> "$OUT/time-v.txt"

echo "== NLTK and numpy" >&2
python3 benches/compare_nltk.py "$OUT/kjv.words" "$OUT/kjv.txt" "$RUNS" \
    | tee "$OUT/nltk.jsonl" >&2

echo "== $(date -u +%Y-%m-%d), $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p')"
python3 benches/compare_table.py "$OUT/coinflip.jsonl" "$OUT/nltk.jsonl" "$OUT/memory.json" \
    "$OUT/time-v.txt" | tee "$OUT/table.md"
