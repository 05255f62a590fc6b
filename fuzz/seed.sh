#!/usr/bin/env bash
# Fills fuzz/corpus/<target>/ with starting inputs taken from the repository's own files
# (scenarios, fixtures, quizzes, answer files, ARPA models). Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
c=fuzz/corpus
mkdir -p "$c"/{scenario,scenario_run,quiz_key,answers,tokenize,arpa}
for f in scenarios/*.toml tests/fixtures/bad/*.toml tests/fixtures/mixed/*.toml; do
  cp "$f" "$c/scenario/$(basename "$f")"
  cp "$f" "$c/scenario_run/$(basename "$f")"
done
for f in quizzes/*.toml tests/fixtures/quiz/*.toml; do
  cp "$f" "$c/quiz_key/$(basename "$f")"
done
# quiz + NUL + one answer file
printf '\0' | cat quizzes/ch06-sampling-lab.toml - tests/fixtures/quiz/class/s001.toml > "$c/quiz_key/with-answer"
# answers: first byte 0 = TOML, 1 = JSON, 2 = CSV
i=0
for f in $(find tests/fixtures/quiz -type f \( -name '*.toml' -o -name '*.json' -o -name '*.csv' \)); do
  case "$f" in
    *.toml) sel='\000' ;;
    *.json) sel='\001' ;;
    *.csv) sel='\002' ;;
  esac
  { printf "$sel"; cat "$f"; } > "$c/answers/seed-$i"
  i=$((i + 1))
done
# tokenize: every selector byte 0..31 on a few texts
j=0
for f in tests/fixtures/bad/latin1.txt scenarios/corpora/*; do
  [ -f "$f" ] || continue
  for s in 0 1 2 4 5 6 9 17; do
    { printf "\\$(printf '%03o' "$s")"; head -c 2000 "$f"; } > "$c/tokenize/seed-$j"
    j=$((j + 1))
  done
done
printf '\001推理:从模型 生成 "don'"'"'t" (x), y.' > "$c/tokenize/cjk"
for f in $(find tests/fixtures/kenlm -name '*.arpa' -size -200k); do
  cp "$f" "$c/arpa/$(basename "$f")"
done
# scenario_run only runs scenarios with inline text: inline the bundled scenarios' corpora.
python3 - "$c/scenario_run" <<'PY'
import pathlib, re, sys
out = pathlib.Path(sys.argv[1])
for f in sorted(pathlib.Path("scenarios").glob("*.toml")):
    src = f.read_text()
    def inline(m):
        text = (f.parent / m.group(1)).read_text()[:1500].replace("'''", "")
        return "text = '''\n" + text + "'''"
    new = re.sub(r'^path\s*=\s*"([^"]+)"', inline, src, flags=re.M)
    if new != src:
        (out / ("inline-" + f.name)).write_text(new)
PY
echo "seeded: $(find "$c" -type f | wc -l) files"
