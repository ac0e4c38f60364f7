#!/usr/bin/env bash
# Do two builds write the same reports? Runs BIN_A and BIN_B on the demo
# archive, on ../shared/corpus/xwlb and on ../shared/corpus/flash, with 1
# and with 2 threads, by `run` and by the four stages by hand, and compares
# every file written byte for byte; run.json is compared without the keys
# that change from run to run (run_at, seconds, the model's fitted_at,
# the cache and out paths). A refactoring must print "same" for all.
#
#   benches/same_reports.sh BIN_A BIN_B [WORK_DIR]
#
# Exit 0 when every report is the same, 1 otherwise.
set -euo pipefail
A="$1"; B="$2"; WORK="${3:-/tmp/same-reports}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
CORPUS="$ROOT/../shared/corpus"
NOW="2026-12-01 09:00"
rm -rf "$WORK"; mkdir -p "$WORK"

inputs=("demo:$ROOT/data/demo/_posts:--k 4")
[ -d "$CORPUS/xwlb/_posts" ] && inputs+=("xwlb:$CORPUS/xwlb/_posts:--k 20")
[ -f "$CORPUS/flash/flash-2026-05-06.tsv" ] && inputs+=("flash:$CORPUS/flash/flash-2026-05-06.tsv:--k 20 --granularity week --facet input_source")

strip_json() {
  python3 - "$1" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d.pop("run_at", None); d.pop("seconds", None)
if isinstance(d.get("model"), dict): d["model"].pop("fitted_at", None)
p = d.get("parameters", {})
for k in ("out", "cache", "input"): p.pop(k, None)
print(json.dumps(d, sort_keys=True, ensure_ascii=False, indent=1))
PY
}

same=0; differ=0
compare() { # dir_a dir_b label
  local a="$1" b="$2" label="$3" bad=0
  while IFS= read -r f; do
    if [ ! -f "$b/$f" ]; then echo "  $label: $f only in A"; bad=1; continue; fi
    case "$f" in
      run.json) cmp -s <(strip_json "$a/$f") <(strip_json "$b/$f") || { echo "  $label: run.json differs"; diff <(strip_json "$a/$f") <(strip_json "$b/$f") | head -10; bad=1; } ;;
      index.html|*/index.html|events/*.html) cmp -s <(sed -E 's/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]+Z//g; s#/tmp/same-reports/[^"<]*##g' "$a/$f") <(sed -E 's/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]+Z//g; s#/tmp/same-reports/[^"<]*##g' "$b/$f") || { echo "  $label: $f differs"; bad=1; } ;;
      themes_history.csv) ;;
      .theme-state.json) cmp -s <(sed -E 's/"run_at":"[^"]*"//' "$a/$f") <(sed -E 's/"run_at":"[^"]*"//' "$b/$f") || { echo "  $label: $f differs"; bad=1; } ;;
      *) cmp -s "$a/$f" "$b/$f" || { echo "  $label: $f differs"; bad=1; } ;;
    esac
  done < <(cd "$a" && find . -type f ! -path './.cache/*' ! -name '.theme-trends-manifest' | sed 's#^\./##' | sort)
  while IFS= read -r f; do [ -f "$a/$f" ] || { echo "  $label: $f only in B"; bad=1; }; done \
    < <(cd "$b" && find . -type f ! -path './.cache/*' ! -name '.theme-trends-manifest' | sed 's#^\./##' | sort)
  if [ $bad = 0 ]; then echo "same: $label"; same=$((same+1)); else echo "DIFFER: $label"; differ=$((differ+1)); fi
}

for spec in "${inputs[@]}"; do
  IFS=: read -r name input flags <<<"$spec"
  for threads in 1 2; do
    for bin in A B; do
      exe=$([ $bin = A ] && echo "$A" || echo "$B")
      out="$WORK/$name-t$threads-$bin"
      # shellcheck disable=SC2086
      "$exe" run --input "$input" --out "$out/run" --no-cache --threads $threads --now "$NOW" -q $flags
      # The four stages by hand, prepare and assign in two parts.
      cache="$out/cache"
      for p in 1/2 2/2; do "$exe" prepare --input "$input" --cache "$cache" --part $p --threads $threads --now "$NOW" -q $flags; done
      "$exe" fit --cache "$cache" --threads $threads --now "$NOW" -q $flags
      for p in 1/2 2/2; do "$exe" assign --cache "$cache" --part $p --threads $threads --now "$NOW" -q $flags; done
      "$exe" report --cache "$cache" --out "$out/stages" --threads $threads --now "$NOW" -q $flags
    done
    compare "$WORK/$name-t$threads-A/run" "$WORK/$name-t$threads-B/run" "$name run, $threads threads"
    compare "$WORK/$name-t$threads-A/stages" "$WORK/$name-t$threads-B/stages" "$name stages, $threads threads"
  done
done
echo "$same same, $differ differ"
[ $differ = 0 ]
