#!/usr/bin/env bash
# The cost of choosing k: a default run (--k auto) against a --k 20 run on
# the same archive, both --no-cache --no-charts, alternating, RUNS times
# each (default 3). Prints each run, the medians and their ratio (target of
# issue "Fast again": auto <= 2 x k 20), the k chosen and the k search's
# seconds (k_selection.csv).
#
#   benches/k_auto.sh
#   CORPUS=/path/to/_posts RUNS=5 benches/k_auto.sh
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/_common.sh"
CORPUS="${CORPUS:-$ROOT/../shared/corpus/xwlb/_posts}"
if [ ! -e "$CORPUS" ]; then echo "SKIP: $CORPUS is absent"; exit 0; fi
RUNS="${RUNS:-3}"
ensure_binary
machine_info
WORK="$(mktemp -d "$BENCH_TMP/theme-trends-kauto.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
one() { # one KIND I FLAGS...
    local kind=$1 i=$2; shift 2
    local t0 t1
    t0=$(date +%s.%N)
    "$BIN" run --input "$CORPUS" --out "$WORK/$kind-$i" --no-cache --no-charts -q "$@" >/dev/null 2>&1 \
        || { echo "error: $kind run $i failed"; exit 1; }
    t1=$(date +%s.%N)
    echo "$kind $(echo "$t1 - $t0" | bc)" >> "$WORK/times"
    cp "$WORK/$kind-$i/run.json" "$WORK/$kind-$i.json"
    [ -f "$WORK/$kind-$i/k_selection.csv" ] && cp "$WORK/$kind-$i/k_selection.csv" "$WORK/$kind-$i.ksel"
    rm -rf "${WORK:?}/$kind-$i"
}
for i in $(seq 1 "$RUNS"); do
    if [ $((i % 2)) -eq 1 ]; then one k20 "$i" --k 20; one auto "$i"
    else one auto "$i"; one k20 "$i" --k 20; fi
done
python3 - "$WORK" <<'PY'
import csv, json, statistics, sys
from pathlib import Path
w = Path(sys.argv[1])
t = {"k20": [], "auto": []}
for line in (w / "times").read_text().split("\n"):
    if line:
        kind, s = line.split()
        t[kind].append(float(s))
med = statistics.median
for kind, xs in t.items():
    print(f"{kind:5} wall s: " + ", ".join(f"{x:.2f}" for x in xs) + f"  median {med(xs):.2f}")
print(f"auto / k 20 (medians): {med(t['auto']) / med(t['k20']):.2f}")
for j in sorted(w.glob("auto-*.json")):
    d = json.loads(j.read_text())
    ks = list(csv.DictReader(open(j.with_suffix(".ksel"))))
    search = sum(float(r["seconds"]) for r in ks)
    print(f"{j.stem}: k = {d['counts']['themes']} of {len(ks)} candidates, search {search:.2f} s, cluster {d['seconds']['cluster']:.2f} s")
PY
