#!/usr/bin/env bash
# Prepares the benchmark corpus for `cargo bench --bench remix`: the whole King James Bible from
# Debian's bible-kjv package, one verse per line, verse references ("Ge1:1 ") stripped.
# Usage: bash benches/kjv.sh [OUT]   (default: target/kjv/kjv.txt, where the benchmark looks)
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-target/kjv/kjv.txt}"
if ! command -v bible >/dev/null 2>&1; then
  apt-get install -y bible-kjv || { apt-get update && apt-get install -y bible-kjv; }
fi
mkdir -p "$(dirname "$out")"
bible -f "Gen1:1-Rev22:21" | sed -E 's/^[^ ]+ //' >"$out.tmp"
mv "$out.tmp" "$out"
echo "$out: $(wc -l <"$out") verses, $(wc -w <"$out") words, $(wc -m <"$out") characters (newlines included)"
