#!/usr/bin/env bash
# The `coinflip flip` page in headless Chromium: clicking Flip, "flip 10" and reset draws in the
# browser exactly the flips `coinflip flip --format json` prints (flip k in the browser is flip
# k of the command line), the page's JavaScript ChaCha20 gives the stream of the independent
# reference docs/scripts/chacha_reference.py (the test vectors of docs/sampling.md and more), and
# the page loads nothing from outside the file. Run from .ci/run; installs Chromium (Debian's
# package) when it is missing. Leaves its files in $HTML_CHECK_DIR (default: a temp dir).
set -euo pipefail
cd "$(dirname "$0")/../.."

# Chromium, `coinflip` and $dir.
source tests/html/common.sh
profiles="$(mktemp -d)"
trap 'rm -rf "$profiles"' EXIT

# The demo coin, from no flips and from three; a model's coin after a context, with temperature
# (weights that do not sum to exactly 1) and a seed above 2^53 (the key needs all 64 bits).
demo=scenarios/viewing-a-single.toml
model=scenarios/chi-square-model.toml
big=18446744073709551557
coinflip flip "$demo" --count 0 --format html > "$dir/demo0.html"
coinflip flip "$demo" --count 3 --format html > "$dir/demo3.html"
coinflip flip "$demo" --count 40 --format json > "$dir/demo.json"
coinflip flip "$model" --context "The coin" --seed "$big" --count 0 --format html > "$dir/model.html"
coinflip flip "$model" --context "The coin" --seed "$big" --count 40 --format json > "$dir/model.json"

# Self-contained: no address, no element that loads anything.
for page in "$dir"/demo0.html "$dir"/demo3.html "$dir"/model.html; do
  if grep -n -E -i 'https?:|<(link|img|iframe|object|embed)\b|<script[^>]* src=| (src|href)=|url\(|@import' "$page"; then
    echo "FAIL: $page is not self-contained (above)"
    exit 1
  fi
done

# The reference stream values (80 draws cross the first 4-block buffer of rand_chacha).
vectors="$(python3 - "$big" <<'PY'
import json, subprocess, sys
out = []
for seed, domain, index, n in [(0, 0, 0, 3), (42, 0, 1, 3), (7, 4, 0, 80), (int(sys.argv[1]), 4, 0, 20),
                               (99, 1, 5, 5)]:
    lines = subprocess.run([sys.executable, "docs/scripts/chacha_reference.py", str(seed),
                            str(domain), str(index), str(n)], check=True, capture_output=True,
                           text=True).stdout.split("\n")
    out.append([str(seed), domain, index, [int(l.split()[0]) for l in lines if l]])
print(json.dumps(out))
PY
)"

run() {
  local page="$1" case="$2" profile
  profile="$(mktemp -d -p "$profiles")"
  timeout 300 python3 tests/html/flip_cdp.py chromium "$profile" "$page" "$case" \
    || { echo "FAIL: $page"; cat "$profile/chromium.log" 2>/dev/null | tail -20; exit 1; }
}
run "$dir/demo0.html" "{\"json\": \"$dir/demo.json\", \"start\": 0, \"vectors\": $vectors,
  \"clicks\": [[\"flip-1\", 5], [\"flip-10\", 2], [\"reset\", 1], [\"flip-10\", 1], [\"flip-1\", 3]]}"
run "$dir/demo3.html" "{\"json\": \"$dir/demo.json\", \"start\": 3, \"clicks\": [[\"flip-1\", 2], [\"flip-10\", 3]]}"
run "$dir/model.html" "{\"json\": \"$dir/model.json\", \"start\": 0, \"clicks\": [[\"flip-10\", 3], [\"flip-1\", 4]]}"
echo "flip page flips in headless Chromium as coinflip does"
