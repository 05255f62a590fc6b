#!/usr/bin/env bash
# The table of issue 17 (docs/performance.md, "Randomness contract 2"): generation on the whole
# King James Bible (word trigram) for every smoothing and sampler setting, scoring, model memory,
# and `coinflip run` end to end (1,000 × 1,000 tokens with remix statistics and the JSON report).
#
#   benches/issue17.sh [RUNS]      (default 3; medians of CPU time)
#
# With BEFORE=DIR, DIR is another checkout of coinflip (e.g. `git worktree add DIR COMMIT`), built
# and measured the same way with its own `examples/bench_pipeline.rs`, for a before/after table. A
# checkout older than 63a55c9 needs that commit's bench (same tasks and flags, and the library
# calls of its time): BEFORE_BENCH=63a55c9 copies it in first (`git show`). Contract 1's dense draws are slow, so the before rows of the smoothed
# models draw fewer samples; BEFORE_FAST=1 says the before checkout already draws by contract 2 and
# measures it like the after one. Writes under target/issue17/. One core: nothing here runs threads.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${1:-3}"
OUT=target/issue17
mkdir -p "$OUT/e2e"
bash benches/kjv.sh "$OUT/kjv.txt" >&2
cp "$OUT/kjv.txt" "$OUT/e2e/kjv.txt"
cat > "$OUT/e2e/kjv-kn.toml" <<'EOF'
name = "kjv-kn"
description = "The whole KJV, word trigram, Kneser-Ney: 1,000 samples of 1,000 tokens with remix statistics."
seed = 42

[corpus]
path = "kjv.txt"
documents = "lines"

[model]
order = 3
tokenizer = "word"
smoothing = "kneser-ney"
discount = 0.75

[generate]
max_tokens = 1000
samples = 1000
stop_at_end = false

[checks.remix]
max_verbatim_tokens = 1000
EOF

# measure LABEL CHECKOUT TARGET_DIR: every row, as JSON lines in $OUT/LABEL.jsonl.
measure() {
    local label=$1 dir=$2 target
    target=$(realpath -m "$3")
    local share=()
    [ "$label" = after ] && share=(--example bench_run_share)
    (cd "$dir" && CARGO_TARGET_DIR="$target" cargo build --release --quiet --example bench_pipeline \
        "${share[@]}" --bin coinflip)
    local bench="$target/release/examples/bench_pipeline" out="$OUT/$label.jsonl"
    : > "$out"
    for smoothing in kn mkn add-k sb mle; do
        for sampler in 1,0,1 0.8,40,0.95 0.8,0,1 1,0,0.95; do
            # 1,000 samples of 1,000 tokens without transforms, 200 with. The dense draws of
            # contract 1 (before) run at 1-40 k tokens/s: 20 samples without transforms, 2 with,
            # one run (rates are per token, so the figures compare).
            samples=1000 reps=$RUNS
            [ "$sampler" != 1,0,1 ] && samples=200
            if [ "$label" = before ] && [ "$smoothing" != mle ] && [ "${BEFORE_FAST:-0}" != 1 ]; then
                reps=1 samples=20
                [ "$sampler" != 1,0,1 ] && samples=2
            fi
            "$bench" "$OUT/kjv.txt" generate-word --smoothing "$smoothing" --sampler "$sampler" \
                --samples "$samples" --reps "$reps" >> "$out"
        done
    done
    "$bench" "$OUT/kjv.txt" score-word --reps "$RUNS" >> "$out"
    "$bench" "$OUT/kjv.txt" sample --reps "$RUNS" >> "$out"
    "$bench" "$OUT/kjv.txt" memory-word >> "$out"
    # The library's share of the run below: generation, then the remix profiles.
    [ "$label" = after ] && "$target/release/examples/bench_run_share" "$OUT/kjv.txt" --reps "$RUNS" >> "$out"
    # `coinflip run` end to end; before, one run (it takes minutes).
    local e2e_runs=$RUNS
    [ "$label" = before ] && [ "${BEFORE_FAST:-0}" != 1 ] && e2e_runs=1
    for _ in $(seq "$e2e_runs"); do
        /usr/bin/time -f '{"task":"run-e2e","seconds":%U,"system_seconds":%S,"wall_seconds":%e,"peak_kib":%M,"units":1000000}' \
            "$target/release/coinflip" run "$OUT/e2e/kjv-kn.toml" --format json --jobs 1 --quiet \
            --out "$OUT/e2e/report-$label.json" 2>> "$out" || true
    done
}

measure after . "${CARGO_TARGET_DIR:-target}"

# export-arpa of a modified-KN trigram of the pre-tokenised KJV (whitespace tokenizer), whole
# process, against KenLM's `lmplz -o 3 -S 100M` on the same file when lmplz is on the PATH (the
# files must be byte-identical).
mkdir -p "$OUT/arpa"
"${CARGO_TARGET_DIR:-target}/release/examples/bench_pipeline" "$OUT/kjv.txt" dump-tokens \
    --tokens "$OUT/arpa/kjv.words"
cat > "$OUT/arpa/kjv-mkn.toml" <<'EOF2'
name = "kjv-mkn"
description = "The pre-tokenised KJV, word trigram, modified Kneser-Ney as lmplz estimates it."
seed = 42

[corpus]
path = "kjv.words"
documents = "lines"

[model]
order = 3
tokenizer = "whitespace"
smoothing = "modified-kneser-ney"

[generate]
max_tokens = 10
samples = 1
EOF2
# The two tools alternate, run by run, so that each pair shares the machine's load (2 shared
# cores here: compare the two medians, not absolute times across sessions).
LMPLZ=$(command -v lmplz || true)
for _ in $(seq "$RUNS"); do
    /usr/bin/time -f '{"task":"export-arpa","seconds":%U,"system_seconds":%S,"wall_seconds":%e,"peak_kib":%M,"units":1}' \
        "${CARGO_TARGET_DIR:-target}/release/coinflip" export-arpa "$OUT/arpa/kjv-mkn.toml" \
        --out "$OUT/arpa/coinflip.arpa" 2>> "$OUT/after.jsonl"
    if [ -n "$LMPLZ" ]; then
        /usr/bin/time -f '{"task":"lmplz","seconds":%U,"system_seconds":%S,"wall_seconds":%e,"peak_kib":%M,"units":1}' \
            "$LMPLZ" -o 3 -S 100M < "$OUT/arpa/kjv.words" > "$OUT/arpa/lmplz.arpa" 2>> "$OUT/arpa/lmplz.log"
        tail -1 "$OUT/arpa/lmplz.log" >> "$OUT/after.jsonl"
    fi
done
if [ -n "$LMPLZ" ]; then
    if cmp "$OUT/arpa/coinflip.arpa" "$OUT/arpa/lmplz.arpa"; then
        echo '{"task":"arpa-identical","identical":true}' >> "$OUT/after.jsonl"
    else
        echo "{\"task\":\"arpa-identical\",\"identical\":false,\"lines_differing\":$(diff "$OUT/arpa/coinflip.arpa" "$OUT/arpa/lmplz.arpa" | grep -c '^>')}" >> "$OUT/after.jsonl"
    fi
else
    echo "lmplz is not on the PATH: the export is timed alone, not compared" >&2
fi
# NLTK and numpy on the same tokens, as benches/compare.sh (one run: NLTK's are long). NLTK=0 skips.
if [ "${NLTK:-1}" != 0 ]; then
    python3 -c 'import nltk, numpy' 2>/dev/null || pip install nltk numpy
    "${CARGO_TARGET_DIR:-target}/release/examples/bench_pipeline" "$OUT/kjv.txt" dump-tokens \
        --tokens "$OUT/kjv.words"
    python3 benches/compare_nltk.py "$OUT/kjv.words" "$OUT/kjv.txt" 1 > "$OUT/nltk.jsonl"
fi
if [ -n "${BEFORE:-}" ]; then
    if [ -n "${BEFORE_BENCH:-}" ]; then
        git show "$BEFORE_BENCH:examples/bench_pipeline.rs" > "$BEFORE/examples/bench_pipeline.rs"
    fi
    measure before "$BEFORE" "$OUT/before-target"
fi
echo "== $(date -u +%Y-%m-%d), $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p'), load $(cut -d' ' -f1-3 /proc/loadavg)"
python3 benches/issue17_table.py "$OUT/after.jsonl" "${BEFORE:+$OUT/before.jsonl}" \
    "$([ "${NLTK:-1}" != 0 ] && echo "$OUT/nltk.jsonl")" | tee "$OUT/table.md"
