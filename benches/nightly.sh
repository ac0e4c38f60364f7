#!/usr/bin/env bash
# Nightly re-run cost and theme-id stability (issue "Nightly operation").
#
# Archive = ../shared/corpus/xwlb/_posts up to 2025-06-30, copied into a
# temporary folder (plain files, as a scraper writes them). A cold run into a fresh DIR; then the posts of
# 2025-07-01..03 are added and the job re-runs into a copy of that DIR with
# the same flags. Both are repeated RUNS times (default 5; every re-run starts
# from the same cold DIR) and the medians are compared: the re-run's share of
# the cold run's wall time (target <= 20%), and the share of posts present in
# both runs that kept their theme_id (target >= 90%).
# Usage: [RUNS=N] benches/nightly.sh [extra flags for theme-trends run]
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=${CORPUS:-../shared/corpus/xwlb/_posts}
if [[ ! -d $corpus ]]; then echo "SKIP: $corpus is absent"; exit 0; fi
runs=${RUNS:-5}
bin=${TT_BIN:-target/release/theme-trends}
[[ -x $bin ]] || cargo build --release --quiet
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/archive/_posts"
corpus_abs=$(cd "$corpus" && pwd)
for f in "$corpus_abs"/*.md; do
  b=$(basename "$f")
  [[ $b < 2025-07-01 ]] && cp "$f" "$work/archive/_posts/$b"
done
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%F)"
echo "archive up to 2025-06-30: $(ls "$work/archive/_posts" | wc -l) posts; $runs runs of each"
wall() { # wall seconds of one run: wall OUT_DIR
  local t0 t1
  t0=$(date +%s.%N)
  "$bin" run --input "$work/archive/_posts" --out "$1" -q "${flags[@]}"
  t1=$(date +%s.%N)
  echo "$t1 - $t0" | bc
}
flags=("$@")
: > "$work/cold.txt"
for i in $(seq "$runs"); do
  rm -rf "$work/cold"
  wall "$work/cold" >> "$work/cold.txt"
done
cp "$work/cold/assignments.csv" "$work/first.csv"
cp "$corpus_abs"/2025-07-0[123]-*.md "$work/archive/_posts/"
echo "added 2025-07-01..03: now $(ls "$work/archive/_posts" | wc -l) posts"
: > "$work/warm.txt"
for i in $(seq "$runs"); do
  rm -rf "$work/out"; cp -a "$work/cold" "$work/out"
  wall "$work/out" >> "$work/warm.txt"
done
python3 - "$work" <<'PY'
import csv, json, statistics, sys
work = sys.argv[1]
cold = [float(x) for x in open(f"{work}/cold.txt")]
warm = [float(x) for x in open(f"{work}/warm.txt")]
c, w = statistics.median(cold), statistics.median(warm)
a = {r["path"]: r["theme_id"] for r in csv.DictReader(open(f"{work}/first.csv"))}
b = {r["path"]: r["theme_id"] for r in csv.DictReader(open(f"{work}/out/assignments.csv"))}
common = [p for p in a if p in b]
kept = sum(a[p] == b[p] for p in common)
run = json.load(open(f"{work}/out/run.json"))
print("cold runs: " + ", ".join(f"{x:.2f}" for x in cold) + " s; re-runs: " + ", ".join(f"{x:.2f}" for x in warm) + " s")
print(f"median cold run: {c:.2f} s; median re-run: {w:.2f} s = {100 * w / c:.0f}% of cold (target <= 20%)")
print(f"re-run read anew: {run['counts']['new_or_changed']} posts; stages of the last: {run['seconds']}")
print(f"theme_id kept: {kept} of {len(common)} posts in both runs = {100 * kept / len(common):.1f}% (target >= 90%)")
PY
