#!/usr/bin/env bash
# End-to-end comparison of theme-trends with the Python peer pipeline
# (benches/peer/peer.py) on ../shared/corpus/xwlb/_posts.
#
#   benches/compare.sh                 # 3 runs of each, alternating
#   RUNS=1 benches/compare.sh
#   TT_FLAGS="--threads 2" benches/compare.sh   # extra flags for the Rust run
#   CORPUS=/path/to/_posts benches/compare.sh
#
# Prints median wall time and peak RSS of each, the ratio python/rust, and
# the Rust wall time against the read + segment floor (benches/floor.rs:
# walk, read, strip front matter and tags, segment with jieba-rs on all
# cores), run alternately with the others. Nothing is written into the
# repository.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/_common.sh"

RUNS="${RUNS:-3}"
TT_FLAGS="${TT_FLAGS:-}"
CORPUS="${CORPUS:-$ROOT/../shared/corpus/xwlb/_posts}"

if [ ! -d "$CORPUS" ]; then
    echo "SKIP: corpus folder $CORPUS is absent (set CORPUS=... to use another)"
    exit 0
fi
CORPUS="$(cd "$CORPUS" && pwd)"

ensure_venv
ensure_binary
(cd "$ROOT" && cargo bench --quiet --offline --bench floor --no-run) >&2 || { echo "error: cannot build benches/floor.rs" >&2; exit 1; }

WORK="$(mktemp -d "$BENCH_TMP/theme-trends-compare.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

echo "== theme-trends vs Python peer =="
machine_info
echo "python:  $("$PY" -c 'import sys, jieba, sklearn, pandas, matplotlib, numpy; print("Python", sys.version.split()[0], "jieba", jieba.__version__, "scikit-learn", sklearn.__version__, "pandas", pandas.__version__, "numpy", numpy.__version__)')"
echo "corpus:  $CORPUS ($(find "$CORPUS" -name '*.md' | wc -l) posts, $(du -sh --apparent-size "$CORPUS" | cut -f1))"
echo "rust:    $BIN run --input CORPUS --out TMP --k 20 --granularity month $TT_FLAGS"
echo "python:  $PY benches/peer/peer.py CORPUS TMP (OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE unset)"
echo "runs:    $RUNS each, alternating"
echo

run_rust() {
    local i=$1 out="$WORK/rust-$1"
    rm -rf "$out"
    # shellcheck disable=SC2086
    /usr/bin/time -f "%e %M" -o "$WORK/rust-$i.time" \
        "$BIN" run --input "$CORPUS" --out "$out" --k 20 --granularity month -q $TT_FLAGS \
        >"$WORK/rust-$i.log" 2>&1
    local rc=$?
    if [ $rc -ne 0 ] || [ ! -f "$out/run.json" ]; then
        echo "rust run $i FAILED (exit $rc):"; tail -20 "$WORK/rust-$i.log"; return 1
    fi
    cp "$out/run.json" "$WORK/rust-$i.json"
    rm -rf "$out"
    echo "rust   run $i: $(tail -1 "$WORK/rust-$i.time" | awk '{printf "%.2f s, %.0f MB", $1, $2/1024}')"
}

run_floor() {
    local i=$1
    (cd "$ROOT" && cargo bench --quiet --offline --bench floor -- "$CORPUS" 1) \
        >"$WORK/floor-$i.json" 2>"$WORK/floor-$i.log" || { echo "floor run $i FAILED"; tail -5 "$WORK/floor-$i.log"; return 1; }
    echo "floor  run $i: $(tail -1 "$WORK/floor-$i.log")"
}

run_python() {
    local i=$1 out="$WORK/python-$1"
    rm -rf "$out"
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/time -f "%e %M" -o "$WORK/python-$i.time" \
        "$PY" "$ROOT/benches/peer/peer.py" "$CORPUS" "$out" >"$WORK/python-$i.log" 2>&1
    local rc=$?
    if [ $rc -ne 0 ]; then
        echo "python run $i FAILED (exit $rc):"; tail -20 "$WORK/python-$i.log"; return 1
    fi
    grep '^{' "$WORK/python-$i.log" | tail -1 >"$WORK/python-$i.json"
    rm -rf "$out"
    echo "python run $i: $(tail -1 "$WORK/python-$i.time" | awk '{printf "%.2f s, %.0f MB", $1, $2/1024}')"
}

for i in $(seq 1 "$RUNS"); do
    # Alternate which goes first, so neither always gets the warm page cache.
    if [ $((i % 2)) -eq 1 ]; then run_rust "$i"; run_floor "$i"; run_python "$i"
    else run_python "$i"; run_floor "$i"; run_rust "$i"; fi
done
echo "load average after the runs: $(cut -d" " -f1-3 /proc/loadavg)"; echo

"$PY" - "$WORK" "$RUNS" <<'PYEOF'
import json, statistics, sys
from pathlib import Path

work, runs = Path(sys.argv[1]), int(sys.argv[2])

def load(kind):
    wall, rss, stages = [], [], []
    for i in range(1, runs + 1):
        t, j = work / f"{kind}-{i}.time", work / f"{kind}-{i}.json"
        if not (t.exists() and j.exists()):
            continue
        w, m = t.read_text().split()[-2:]
        wall.append(float(w)); rss.append(int(m) / 1024)
        d = json.loads(j.read_text())
        stages.append(d.get("seconds", d))
    return wall, rss, stages

med = statistics.median
rw, rr, rs = load("rust")
pw, pr, ps = load("python")
if not rw or not pw:
    print("no complete run of", "rust" if not rw else "python", "- no comparison")
    sys.exit(1)

def stage_medians(stages):
    keys = [k for k in stages[0] if isinstance(stages[0][k], (int, float))]
    return {k: med([s.get(k, 0.0) for s in stages]) for k in keys}

rsm, psm = stage_medians(rs), stage_medians(ps)
floors = [json.loads((work / f"floor-{i}.json").read_text().strip().splitlines()[-1])["floor_seconds"]
          for i in range(1, runs + 1) if (work / f"floor-{i}.json").exists()]
floor = med(floors) if floors else float("nan")
py_floor = med([s.get("read", 0.0) + s.get("segment", 0.0) for s in ps])

print(f"{'':10} {'median wall s':>14} {'min':>8} {'max':>8} {'peak RSS MB':>12} {'runs':>5}")
for name, w, r in (("rust", rw, rr), ("python", pw, pr)):
    print(f"{name:10} {med(w):14.2f} {min(w):8.2f} {max(w):8.2f} {med(r):12.0f} {len(w):5}")
print()
print(f"ratio python/rust (median wall):            {med(pw) / med(rw):6.2f}x")
print(f"read+segment floor (benches/floor.rs):       {floor:6.2f} s")
print(f"rust wall / floor (median):                  {med(rw) / floor:6.2f}"
      f"   (run.json total / floor: {rsm.get('total', float('nan')) / floor:.2f})")
print(f"python read+segment:                        {py_floor:6.2f} s"
      f"   (python total / its read+segment: {psm['total'] / py_floor:.2f})")
print()
print("rust run.json seconds (median):   " + ", ".join(f"{k} {v:.2f}" for k, v in rsm.items()))
print("python stage seconds (median):    " + ", ".join(f"{k} {v:.2f}" for k, v in psm.items()
                                                     if k not in ("posts", "vocabulary")))
counts = json.loads((work / "rust-1.json").read_text()).get("counts", {}) if (work / "rust-1.json").exists() else {}
if counts:
    print("rust counts (run 1):              " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    if counts.get("themes") not in (None, 20):
        print(f"WARNING: the Rust run made {counts['themes']} themes though --k 20 was passed: "
              "the comparison is not like for like")
p1 = ps[0]
print(f"python counts (run 1):            posts {p1.get('posts')}, vocabulary {p1.get('vocabulary')}")
PYEOF
