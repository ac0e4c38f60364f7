#!/usr/bin/env bash
# Scale benchmark: theme-trends on synthetic Parquet archives of flashes
# (date,title,text,categories; about 200 characters each; spread over four
# and a half years), made by `cargo bench --bench gen_archive -- --parquet`
# from the sentences of ../shared/corpus/xwlb/_posts, generated at bench
# time outside the repository and reused on later runs.
#
#   benches/scale.sh                          # 1M, 3M and 10M posts
#   SIZES="1000000 3000000" benches/scale.sh
#   TT_FLAGS="--k 20" benches/scale.sh
#   SCALE_DIR=/big/disk TIMEOUT=3600 benches/scale.sh
#
# Targets (issue "Ten million posts in bounded memory"): 10,000,000 posts in
# at most 1,200 s with peak RSS at most 8 GB (10^9 bytes), time(10M) /
# time(1M) <= 12, and peak memory that does not grow with the archive
# beyond the fixed sample (compare the RSS column across sizes). Prints
# PASS/FAIL per target and exits 0 anyway (it is a report); exits 1 only
# when it cannot run at all.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/_common.sh"

SIZES="${SIZES:-1000000 3000000 10000000}"
TT_FLAGS="${TT_FLAGS:-}"
SCALE_DIR="${SCALE_DIR:-$BENCH_TMP/theme-trends-scale}"
TIMEOUT="${TIMEOUT:-3600}"          # seconds per run before it is stopped
SEED="${SEED:-42}"
DAYS="${DAYS:-1643}"                # four and a half years
CORPUS="${CORPUS:-$ROOT/../shared/corpus/xwlb/_posts}"

case "$(cd "$(dirname "$SCALE_DIR")" 2>/dev/null && pwd)/" in
    "$ROOT"/*) echo "error: SCALE_DIR must be outside the repository"; exit 1 ;;
esac
mkdir -p "$SCALE_DIR" || exit 1
ensure_binary

echo "== theme-trends scale benchmark =="
machine_info
echo "data:    $SCALE_DIR (flashes-N.parquet, seed $SEED, $DAYS days from 2022-01-01)"
echo "command: $BIN run --input FILE.parquet --out TMP --no-charts $TT_FLAGS"
echo

RESULTS="$SCALE_DIR/results"
rm -rf "$RESULTS"; mkdir -p "$RESULTS"

for n in $SIZES; do
    file="$SCALE_DIR/flashes-$n.parquet"
    if [ ! -f "$file" ]; then
        if [ ! -d "$CORPUS" ]; then
            echo "SKIP: corpus folder $CORPUS is absent and $file does not exist"; exit 0
        fi
        echo "# generating $file" >&2
        (cd "$ROOT" && cargo bench --quiet --bench gen_archive -- --parquet "$file" \
            --posts "$n" --days "$DAYS" --first 2022-01-01 --seed "$SEED" --corpus "$CORPUS") >&2 \
            || { echo "error: generating $file failed"; exit 1; }
    fi
    out="$SCALE_DIR/out-$n"
    rm -rf "$out"
    echo "# running $n posts ($(du -h --apparent-size "$file" | cut -f1) Parquet)" >&2
    # shellcheck disable=SC2086
    /usr/bin/time -v -o "$RESULTS/$n.time" timeout "$TIMEOUT" \
        "$BIN" run --input "$file" --out "$out" --no-charts $TT_FLAGS \
        >"$RESULTS/$n.log" 2>&1
    rc=$?
    echo "$rc" >"$RESULTS/$n.rc"
    [ -f "$out/run.json" ] && cp "$out/run.json" "$RESULTS/$n.run.json"
    du -sb "$out/.cache" 2>/dev/null | cut -f1 >"$RESULTS/$n.cache" || true
    if [ "$rc" -ne 0 ]; then
        [ "$rc" -eq 124 ] && echo "$n posts: stopped after TIMEOUT=$TIMEOUT s" \
                          || echo "$n posts: FAILED (exit $rc); last lines of its output:"
        tail -15 "$RESULTS/$n.log" | sed 's/^/    /'
    fi
    rm -rf "$out"
done
echo

python3 - "$RESULTS" "$SIZES" <<'PYEOF'
import json, re, sys
from pathlib import Path

res, sizes = Path(sys.argv[1]), [int(s) for s in sys.argv[2].split()]

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
    c = res / f"{n}.cache"
    cache = int(c.read_text().strip() or 0) / 1e9 if c.exists() and c.read_text().strip() else 0
    rows[n] = dict(rc=rc, wall=wall(text), rss=rss_gb, cpu=cpu, run=run, cache=cache)

print(f"{'posts':>10} {'exit':>4} {'wall s':>8} {'CPU %':>6} {'peak RSS GB':>11} {'GB/M posts':>10} {'store GB':>8} {'assigned':>10} {'copies':>8} {'themes':>6}")
for n, r in rows.items():
    c = r["run"].get("counts", {})
    print(f"{n:>10} {r['rc']:>4} {r['wall']:>8.1f} {r['cpu']:>6} {r['rss']:>11.2f} {r['rss'] / (n / 1e6):>10.2f} {r['cache']:>8.2f} "
          f"{c.get('assigned', '-'):>10} {c.get('duplicates', '-'):>8} {c.get('themes', '-'):>6}")
print()
for n, r in rows.items():
    sec = r["run"].get("seconds")
    if sec:
        print(f"{n:>10} run.json seconds: " + ", ".join(f"{k} {v:.1f}" for k, v in sec.items()))
print()

def verdict(ok):
    return "PASS" if ok else "FAIL"

big, small = rows.get(10_000_000), rows.get(1_000_000)
if big is None:
    print("10M wall <= 1200 s:        N/A (10,000,000 not run)")
    print("10M peak RSS <= 8 GB:      N/A (10,000,000 not run)")
else:
    ok = big["rc"] == 0
    note = "" if ok else f" (run exited {big['rc']})"
    print(f"10M wall <= 1200 s:        {verdict(ok and big['wall'] <= 1200)}  {big['wall']:.1f} s{note}")
    print(f"10M peak RSS <= 8 GB:      {verdict(ok and big['rss'] <= 8)}  {big['rss']:.2f} GB{note}")
if big is None or small is None:
    print("time(10M)/time(1M) <= 12:  N/A (needs both sizes)")
else:
    ratio = big["wall"] / small["wall"]
    ok = big["rc"] == 0 and small["rc"] == 0
    print(f"time(10M)/time(1M) <= 12:  {verdict(ok and ratio <= 12)}  {ratio:.2f}")
    print(f"peak RSS 10M / 1M:         {big['rss'] / small['rss']:.2f} (memory beyond the fixed sample should not grow with the archive)")
PYEOF
echo
echo "logs, /usr/bin/time -v output and run.json of each size: $RESULTS"
exit 0
