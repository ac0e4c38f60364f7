#!/usr/bin/env bash
# Two builds of theme-trends on one archive, alternating, RUNS times each
# (default 3): wall and user CPU seconds per run, the medians, and the
# median of each run.json stage. For a change's before/after figures.
#
#   benches/ab.sh OLD_BINARY NEW_BINARY [extra flags]
#   CORPUS=/path/to/_posts RUNS=5 benches/ab.sh /tmp/tt-old target/release/theme-trends --k 20
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/_common.sh"
[ $# -ge 2 ] || { echo "usage: benches/ab.sh OLD_BINARY NEW_BINARY [flags]"; exit 2; }
A=$1; B=$2; shift 2
CORPUS="${CORPUS:-$ROOT/../shared/corpus/xwlb/_posts}"
if [ ! -e "$CORPUS" ]; then echo "SKIP: $CORPUS is absent"; exit 0; fi
RUNS="${RUNS:-3}"
machine_info
echo "flags: --no-cache -q $*"
WORK="$(mktemp -d "$BENCH_TMP/theme-trends-ab.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
for i in $(seq 1 "$RUNS"); do
    for side in a b; do
        bin=$A; [ $side = b ] && bin=$B
        /usr/bin/time -f "%e %U" -o "$WORK/$side-$i.time" "$bin" run --input "$CORPUS" --out "$WORK/out" --no-cache -q "$@" >/dev/null 2>&1 \
            || { echo "error: $bin failed"; exit 1; }
        cp "$WORK/out/run.json" "$WORK/$side-$i.json"; rm -rf "$WORK/out"
    done
done
python3 - "$WORK" "$RUNS" "$A" "$B" <<'PY'
import json, statistics, sys
from pathlib import Path
w, runs, names = Path(sys.argv[1]), int(sys.argv[2]), {"a": sys.argv[3], "b": sys.argv[4]}
med = statistics.median
for side in "ab":
    t = [tuple(map(float, (w / f"{side}-{i}.time").read_text().split()[-2:])) for i in range(1, runs + 1)]
    st = [json.loads((w / f"{side}-{i}.json").read_text())["seconds"] for i in range(1, runs + 1)]
    keys = [k for k in st[0] if isinstance(st[0][k], (int, float))]
    print(f"{side} {names[side]}: wall " + ", ".join(f"{x[0]:.2f}" for x in t)
          + f"  median {med(x[0] for x in t):.2f} s, user CPU median {med(x[1] for x in t):.2f} s")
    print("   stages (median): " + ", ".join(f"{k} {med(s.get(k, 0) for s in st):.3f}" for k in keys))
PY
