#!/usr/bin/env bash
# Nightly re-run cost and theme-id stability (issue "Nightly operation").
#
# Archive = ../shared/corpus/xwlb/_posts up to 2025-06-30 (symbolic links in
# a temporary folder). Cold run into a fresh DIR, then the posts of
# 2025-07-01..03 are added and the job re-runs into the same DIR with the
# same flags. Prints both wall times, their ratio (target <= 20%), and the
# share of posts present in both runs that kept their theme_id (target >= 90%).
# Usage: benches/nightly.sh [extra flags for theme-trends run]
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=${CORPUS:-../shared/corpus/xwlb/_posts}
if [[ ! -d $corpus ]]; then echo "SKIP: $corpus is absent"; exit 0; fi
bin=${TT_BIN:-target/release/theme-trends}
[[ -x $bin ]] || cargo build --release --quiet
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/archive/_posts"
corpus_abs=$(cd "$corpus" && pwd)
for f in "$corpus_abs"/*.md; do
  b=$(basename "$f")
  [[ $b < 2025-07-01 ]] && ln -s "$f" "$work/archive/_posts/$b"
done
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%F)"
echo "archive up to 2025-06-30: $(ls "$work/archive/_posts" | wc -l) posts"
t0=$(date +%s.%N)
"$bin" run --input "$work/archive/_posts" --out "$work/out" -q "$@"
t1=$(date +%s.%N)
cp "$work/out/assignments.csv" "$work/first.csv"
for f in "$corpus_abs"/2025-07-0[123]-*.md; do ln -s "$f" "$work/archive/_posts/$(basename "$f")"; done
echo "added 2025-07-01..03: now $(ls "$work/archive/_posts" | wc -l) posts"
t2=$(date +%s.%N)
"$bin" run --input "$work/archive/_posts" --out "$work/out" -q "$@"
t3=$(date +%s.%N)
python3 - "$work" "$t0" "$t1" "$t2" "$t3" <<'PY'
import csv, json, sys
work, t0, t1, t2, t3 = sys.argv[1], *map(float, sys.argv[2:])
cold, warm = t1 - t0, t3 - t2
a = {r["path"]: r["theme_id"] for r in csv.DictReader(open(f"{work}/first.csv"))}
b = {r["path"]: r["theme_id"] for r in csv.DictReader(open(f"{work}/out/assignments.csv"))}
common = [p for p in a if p in b]
kept = sum(a[p] == b[p] for p in common)
run = json.load(open(f"{work}/out/run.json"))
print(f"cold run: {cold:.2f} s; re-run: {warm:.2f} s = {100 * warm / cold:.0f}% of cold (target <= 20%)")
print(f"re-run read anew: {run['counts']['new_or_changed']} posts; stages: {run['seconds']}")
print(f"theme_id kept: {kept} of {len(common)} posts in both runs = {100 * kept / len(common):.1f}% (target >= 90%)")
PY
