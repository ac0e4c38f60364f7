#!/usr/bin/env bash
# Scale benchmark: theme-trends on synthetic Parquet archives of 100,000 and
# 1,000,000 posts (benches/gen_synthetic.py: the xwlb corpus replicated with
# shifted dates and lightly varied text), generated at bench time outside the
# repository and reused on later runs.
#
#   benches/scale.sh                              # both sizes
#   SIZES=100000 benches/scale.sh                 # one size only
#   TT_FLAGS=--keep-near-duplicates benches/scale.sh
#   SCALE_DIR=/big/disk TIMEOUT=3600 benches/scale.sh
#
# Targets (from the issue): 1,000,000 posts in at most 300 s, peak RSS at most
# 6 GB (10^9 bytes), and time(1M) / time(100k) <= 12. Prints PASS/FAIL per target and exits
# 0 anyway (it is a report); exits 1 only when it cannot run at all.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/_common.sh"

SIZES="${SIZES:-100000 1000000}"
TT_FLAGS="${TT_FLAGS:-}"
SCALE_DIR="${SCALE_DIR:-$BENCH_TMP/theme-trends-scale}"
TIMEOUT="${TIMEOUT:-1800}"          # seconds per run before it is stopped
SEED="${SEED:-42}"
CORPUS="${CORPUS:-$ROOT/../shared/corpus/xwlb/_posts}"
MAX_SECONDS=300
MAX_RSS_GB=6
MAX_RATIO=12

case "$(cd "$(dirname "$SCALE_DIR")" 2>/dev/null && pwd)/" in
    "$ROOT"/*) echo "error: SCALE_DIR must be outside the repository"; exit 1 ;;
esac
mkdir -p "$SCALE_DIR" || exit 1
ensure_venv
ensure_binary

echo "== theme-trends scale benchmark =="
machine_info
echo "data:    $SCALE_DIR (synthetic-N.parquet, seed $SEED)"
echo "command: $BIN run --input FILE.parquet --out TMP --k 20 --granularity month $TT_FLAGS"
echo

RESULTS="$SCALE_DIR/results"
rm -rf "$RESULTS"; mkdir -p "$RESULTS"

for n in $SIZES; do
    file="$SCALE_DIR/synthetic-$n.parquet"
    if [ ! -f "$file" ]; then
        if [ ! -d "$CORPUS" ]; then
            echo "SKIP: corpus folder $CORPUS is absent and $file does not exist"; exit 0
        fi
        echo "# generating $file" >&2
        "$PY" "$ROOT/benches/gen_synthetic.py" "$n" "$file" --corpus "$CORPUS" --seed "$SEED" \
            || { echo "error: generating $file failed"; exit 1; }
    fi
    out="$SCALE_DIR/out-$n"
    rm -rf "$out"
    echo "# running $n posts ($(du -h --apparent-size "$file" | cut -f1) Parquet)" >&2
    # shellcheck disable=SC2086
    /usr/bin/time -v -o "$RESULTS/$n.time" timeout "$TIMEOUT" \
        "$BIN" run --input "$file" --out "$out" --k 20 --granularity month $TT_FLAGS \
        >"$RESULTS/$n.log" 2>&1
    rc=$?
    echo "$rc" >"$RESULTS/$n.rc"
    [ -f "$out/run.json" ] && cp "$out/run.json" "$RESULTS/$n.run.json"
    if [ "$rc" -ne 0 ]; then
        [ "$rc" -eq 124 ] && echo "$n posts: stopped after TIMEOUT=$TIMEOUT s" \
                          || echo "$n posts: FAILED (exit $rc); last lines of its output:"
        tail -15 "$RESULTS/$n.log" | sed 's/^/    /'
    fi
    rm -rf "$out"
done
echo

"$PY" - "$RESULTS" "$SIZES" "$MAX_SECONDS" "$MAX_RSS_GB" "$MAX_RATIO" "$TIMEOUT" <<'PYEOF'
import json, re, sys
from pathlib import Path

res, sizes = Path(sys.argv[1]), [int(s) for s in sys.argv[2].split()]
max_s, max_gb, max_ratio, timeout = (float(x) for x in sys.argv[3:7])

def wall(text):
    m = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", text)
    h, mnt, s = m.groups()
    return int(h or 0) * 3600 + int(mnt) * 60 + float(s)

rows = {}
for n in sizes:
    t = res / f"{n}.time"
    if not t.exists():
        continue
    text = t.read_text()
    rc = int((res / f"{n}.rc").read_text())
    rss_gb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", text).group(1)) * 1024 / 1e9
    cpu = re.search(r"Percent of CPU this job got: (\d+)%", text).group(1)
    j = res / f"{n}.run.json"
    run = json.loads(j.read_text()) if j.exists() else {}
    rows[n] = dict(rc=rc, wall=wall(text), rss=rss_gb, cpu=cpu, run=run)

print(f"{'posts':>9} {'exit':>4} {'wall s':>8} {'CPU %':>6} {'peak RSS GB':>11} {'accepted':>9} {'dupl.':>8} {'rejected':>8}")
for n, r in rows.items():
    c = r["run"].get("counts", {})
    print(f"{n:>9} {r['rc']:>4} {r['wall']:>8.1f} {r['cpu']:>6} {r['rss']:>11.2f} {c.get('accepted', '-'):>9} "
          f"{c.get('duplicates', '-'):>8} {c.get('rejected', '-'):>8}")
print()
for n, r in rows.items():
    sec = r["run"].get("seconds")
    if sec:
        print(f"{n:>9} run.json seconds: " + ", ".join(f"{k} {v:.1f}" for k, v in sec.items()))
    c = r["run"].get("counts", {})
    if c.get("themes") not in (None, 20):
        print(f"{'':>9} WARNING: {c['themes']} themes made though --k 20 was passed")
    if c.get("posts") and c.get("accepted", 0) < 0.9 * c["posts"]:
        print(f"{'':>9} note: only {c['accepted']} of {c['posts']} posts were clustered "
              f"({c.get('duplicates')} dropped as duplicates); "
              "TT_FLAGS=--keep-near-duplicates clusters the varied copies too")
print()

def verdict(ok):
    return "PASS" if ok else "FAIL"

big, small = rows.get(1_000_000), rows.get(100_000)
ok_big = big is not None and big["rc"] == 0
if big is None:
    print(f"1M wall <= {max_s:.0f} s:       N/A (1,000,000 not run)")
    print(f"1M peak RSS <= {max_gb:.0f} GB:     N/A (1,000,000 not run)")
else:
    note = "" if ok_big else f" (run exited {big['rc']})"
    print(f"1M wall <= {max_s:.0f} s:       {verdict(ok_big and big['wall'] <= max_s)}  "
          f"{big['wall']:.1f} s{note}")
    print(f"1M peak RSS <= {max_gb:.0f} GB:     {verdict(ok_big and big['rss'] <= max_gb)}  "
          f"{big['rss']:.2f} GB{note}")
if big is None or small is None:
    print(f"time(1M)/time(100k) <= {max_ratio:.0f}: N/A (needs both sizes)")
else:
    ratio = big["wall"] / small["wall"]
    ok = ok_big and small["rc"] == 0
    print(f"time(1M)/time(100k) <= {max_ratio:.0f}: {verdict(ok and ratio <= max_ratio)}  "
          f"{ratio:.2f}{'' if ok else ' (a run failed)'}")
for n, r in rows.items():
    if n not in (100_000, 1_000_000):
        print(f"{n} posts: {r['wall']:.1f} s, {r['rss']:.2f} GB (no target)")
PYEOF
echo
echo "logs, /usr/bin/time -v output and run.json of each size: $RESULTS"
exit 0
