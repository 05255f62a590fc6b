#!/usr/bin/env bash
# Renders the bundled scenarios' HTML report in headless Chromium and checks that the page shows
# something: the screenshot is not blank and has the charts' colours, and the DOM Chromium built
# has one chi-square chart per chi-square check and one profile chart per sample with remix
# statistics (counted from the JSON report of the same run). Run from .ci/run; installs Chromium
# (Debian's package) when it is missing. Leaves its files in $HTML_CHECK_DIR (default: a temp dir).
set -euo pipefail
cd "$(dirname "$0")/../.."

# Chromium, `coinflip` and $dir.
source tests/html/common.sh
profile="$(mktemp -d)"
trap 'rm -rf "$profile"' EXIT

browser() {
  # No sandbox (CI runs as root); no background networking: the machine has no network.
  timeout 180 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$profile" "$@" 2> "$dir/chromium.log" \
    || { echo "FAIL: chromium $*"; cat "$dir/chromium.log"; exit 1; }
}

# The whole batch, as HTML and JSON from one run; one chi-square scenario alone.
coinflip run scenarios/ --format html,json --out "$dir/all" --quiet
coinflip run scenarios/viewing-a-single.toml --format html \
  --out "$dir/chi.html" --quiet

browser --window-size=1280,2000 --screenshot="$dir/all.png" "file://$dir/all/report.html"
browser --window-size=1280,1000 --screenshot="$dir/chi.png" "file://$dir/chi.html"
browser --dump-dom "file://$dir/all/report.html" > "$dir/dom.html"

python3 - "$dir" <<'PY'
import json, re, subprocess, sys
d = sys.argv[1]
fails = []

def stats(png, *colours):
    out = subprocess.run([sys.executable, "tests/html/png_stats.py", png, *colours],
                         check=True, capture_output=True, text=True).stdout
    return {k: v for k, v in (line.split(" ", 1) for line in out.splitlines())}

# The screenshots: not blank, and the charts drawn (observed blue, expected vermillion).
for png, need in [("all.png", ["#0072b2"]), ("chi.png", ["#0072b2", "#d55e00"])]:
    s = stats(f"{d}/{png}", *need)
    print(f"{png}: {s}")
    if int(s["colours"]) < 50 or int(s["non_white_permille"]) < 20:
        fails.append(f"{png} looks blank: {s}")
    for c in need:
        if int(s["pixels_" + c[1:]]) < 500:
            fails.append(f"{png}: fewer than 500 pixels of {c}: the charts were not drawn")

# Self-contained: no script, no element or style that loads anything (quotes in texts are
# escaped in the file, so ` src="` can only be markup).
html = open(f"{d}/all/report.html", encoding="utf-8").read()
style = "".join(re.findall(r"<style>(.*?)</style>", html, re.S))
bad = re.findall(r'<(?:script|link|img|iframe|object|embed)\b| (?:src|href)="(?!#)[^"]*"', html)
bad += re.findall(r"url\(|@import", style)
if bad:
    fails.append(f"the report is not self-contained: {sorted(set(bad))}")

# The DOM: the charts and sections the JSON report says there should be.
report = json.load(open(f"{d}/all/report.json"))
dom = open(f"{d}/dom.html", encoding="utf-8").read()
want = {
    "scenario sections": (len(report["scenarios"]), r'<section class="scenario '),
    "chi-square charts": (
        sum(c["kind"] == "chi_square" for s in report["scenarios"] for c in s["checks"]),
        r'<svg class="chart chi-square-chart"'),
    "profile charts": (
        sum(bool(x["remix"] and x["remix"]["longest_match"])
            for s in report["scenarios"] for x in s["samples"]),
        r'<svg class="chart profile-chart"'),
    "samples": (sum(len(s["samples"]) for s in report["scenarios"]), r'<figure class="sample"'),
}
for what, (n, pattern) in want.items():
    found = len(re.findall(pattern, dom))
    print(f"{what}: {found} in the DOM, {n} expected")
    if found != n or n == 0:
        fails.append(f"{what}: {found} in the DOM, expected {n}")
if fails:
    print("FAIL:\n  " + "\n  ".join(fails))
    sys.exit(1)
print("html report renders in headless Chromium")
PY
