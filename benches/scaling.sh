#!/usr/bin/env bash
# How cost grows (docs/performance.md, "How cost grows"): train, generate, remix index build and
# score on 1×, 4× and 16× the King James Bible, with CPU time and the peak resident memory of the
# whole process (/usr/bin/time -v) at each size.
#
#   benches/scaling.sh [FACTORS]      (default "1 4 16")
#
# The larger corpora are the KJV plus perturbed copies of it (benches/scale_corpus.py: words
# resampled or renamed so that n-gram and vocabulary counts grow). Generation makes F × 1,000
# samples of 1,000 tokens (word trigram, Kneser–Ney), so every stage's workload grows with F. Writes under target/scaling/. One core: nothing here runs threads.
set -euo pipefail
cd "$(dirname "$0")/.."
FACTORS="${1:-1 4 16}"
OUT=target/scaling
mkdir -p "$OUT"
bash benches/kjv.sh "$OUT/kjv.txt" >&2
cargo build --release --quiet --example bench_pipeline
bench=${CARGO_TARGET_DIR:-target}/release/examples/bench_pipeline
: > "$OUT/scaling.jsonl"
for f in $FACTORS; do
    corpus="$OUT/kjv-x$f.txt"
    [ -s "$corpus" ] || python3 benches/scale_corpus.py "$OUT/kjv.txt" "$f" "$corpus"
    echo "== ${f}×: $(wc -l <"$corpus") lines, $(wc -w <"$corpus") words, $(wc -c <"$corpus") bytes" >&2
    for task in train-word generate-word remix-build score-word; do
        args=()
        [ "$task" = generate-word ] && args=(--samples "$((1000 * f))")
        /usr/bin/time -v "$bench" "$corpus" "$task" "${args[@]}" > "$OUT/run.json" 2> "$OUT/time.txt"
        peak=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$OUT/time.txt")
        user=$(sed -n 's/.*User time (seconds): //p' "$OUT/time.txt")
        sys=$(sed -n 's/.*System time (seconds): //p' "$OUT/time.txt")
        python3 - "$f" "$task" "$peak" "$user" "$sys" "$(wc -c <"$corpus")" "$OUT/run.json" \
            >> "$OUT/scaling.jsonl" <<'EOF'
import json, sys
f, task, peak, user, sys_s, size, path = sys.argv[1:]
run = json.loads(open(path).read().splitlines()[-1])
run.update(factor=int(f), stage=task, peak_kib=int(peak), process_user_seconds=float(user),
           process_system_seconds=float(sys_s), corpus_bytes=int(size))
print(json.dumps(run))
EOF
        tail -1 "$OUT/scaling.jsonl" >&2
    done
done
python3 - "$OUT/scaling.jsonl" <<'EOF' | tee "$OUT/table.md"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
print("| stage | size | corpus | work | CPU time (stage) | rate | process peak RSS | peak per corpus byte |")
print("|---|---|---|---|---|---|---|---|")
for r in rows:
    unit = "tokens"
    print(f"| {r['stage']} | {r['factor']}× | {r['corpus_bytes'] / 2**20:.1f} MiB | "
          f"{r['units']:,} {unit} | {r['seconds']:.3f} s | {r['units'] / r['seconds'] / 1e6:.2f} M/s | "
          f"{r['peak_kib'] / 1024:.0f} MiB | {r['peak_kib'] * 1024 / r['corpus_bytes']:.1f} B |")
EOF
