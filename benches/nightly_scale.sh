#!/usr/bin/env bash
# Nightly re-run at scale: a folder of FILES post files (default 1,000,000
# flashes over 333 days, about 3,000 a day, made by
# `cargo bench --bench gen_archive` from the sentences of
# ../shared/corpus/xwlb/_posts), a cold run, then one new day of about
# 3,000 posts and a re-run. The re-run decides what changed from size, mtime
# and inode (as git's index does), reads only the new files and keeps the
# themes (the archive grew by well under 10%), so it costs the new posts and
# the writing of the reports.
#
#   benches/nightly_scale.sh
#   FILES=200000 DAYS=66 RUNS=3 benches/nightly_scale.sh
#   OLD_BIN=/path/to/older/theme-trends benches/nightly_scale.sh
#
# With OLD_BIN, each re-run of BIN is paired with one of OLD_BIN from the
# same copy of the cold output (the two builds must read each other's
# cache), the two taking turns going first, and both medians and those of
# their prepare and events stages are printed: a ratio within one run, on a
# machine whose speed drifts.
#
# Target (issue "Ten million posts in bounded memory"): the re-run takes at
# most 10% of the cold run (medians of RUNS re-runs, each from a copy of the
# cold run's output). Also shown: a re-run with --refit (themes refined) and
# one with --verify (every file hashed). Exits 0 (a report).
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/_common.sh"

FILES="${FILES:-1000000}"
DAYS="${DAYS:-333}"
RUNS="${RUNS:-3}"
SEED="${SEED:-42}"
WORK="${WORK:-$BENCH_TMP/theme-trends-nightly-$FILES}"
CORPUS="${CORPUS:-$ROOT/../shared/corpus/xwlb/_posts}"
[ -d "$CORPUS" ] || { echo "SKIP: $CORPUS is absent"; exit 0; }
ensure_binary

echo "== theme-trends nightly re-run at scale =="
machine_info
gen() { (cd "$ROOT" && cargo bench --quiet --bench gen_archive -- "$@" --corpus "$CORPUS") >&2; }
if [ ! -f "$WORK/.complete" ]; then
    rm -rf "$WORK"; mkdir -p "$WORK"
    echo "# generating $FILES post files in $WORK/archive" >&2
    gen "$WORK/archive" --posts "$FILES" --days "$DAYS" --first 2025-01-01 --seed "$SEED" || exit 1
    touch "$WORK/.complete"
fi
per_day=$(( FILES / DAYS ))
echo "archive: $(find "$WORK/archive/_posts" -type f | wc -l) post files, about $per_day a day"

OLD_BIN="${OLD_BIN:-}"
seconds() { # seconds of one run: [RUN_BIN=bin] seconds OUT [flags]
    local out=$1; shift
    local t0 t1
    t0=$(date +%s.%N)
    "${RUN_BIN:-$BIN}" run --input "$WORK/archive/_posts" --out "$out" -q "$@" >/dev/null
    t1=$(date +%s.%N)
    echo "$t1 - $t0" | bc
}

stages() { # BUILD: the build's name and the stages of the last run's run.json
    python3 -c "import json,sys; r=json.load(open(sys.argv[1]))['seconds']; print(sys.argv[2], r['prepare'], r['events'])" "$WORK/out/run.json" "$1"
}

rm -rf "$WORK/cold" "$WORK/new-day"
cold=$(seconds "$WORK/cold")
echo "cold run: $cold s"
cp "$WORK/cold/run.json" "$WORK/cold.run.json"

# One new day, after the last one.
gen "$WORK/new-day" --posts "$per_day" --days 1 --first "$(date -d "2025-01-01 + $DAYS days" +%F)" --seed $((SEED + 1)) || exit 1
cp "$WORK"/new-day/_posts/*.md "$WORK/archive/_posts/"
rm -f "$WORK/.complete"   # the archive now holds the new day
echo "added one day: $per_day posts"

: >"$WORK/rerun.txt"; : >"$WORK/refit.txt"; : >"$WORK/verify.txt"; : >"$WORK/old.txt"; : >"$WORK/prepare.txt"
rerun_new() {
    rm -rf "$WORK/out"; cp -a "$WORK/cold" "$WORK/out"
    seconds "$WORK/out" >>"$WORK/rerun.txt"
    stages new >>"$WORK/prepare.txt"
    cp "$WORK/out/run.json" "$WORK/rerun.run.json"
}
rerun_old() {
    rm -rf "$WORK/out"; cp -a "$WORK/cold" "$WORK/out"
    RUN_BIN="$OLD_BIN" seconds "$WORK/out" >>"$WORK/old.txt"
    stages old >>"$WORK/prepare.txt"
}
# With OLD_BIN the builds take turns going first, so that a machine
# speeding up or slowing down through the bench favours neither.
for i in $(seq "$RUNS"); do
    if [ -z "$OLD_BIN" ]; then rerun_new
    elif [ $((i % 2)) -eq 1 ]; then rerun_new; rerun_old
    else rerun_old; rerun_new
    fi
done
rm -rf "$WORK/out"; cp -a "$WORK/cold" "$WORK/out"
seconds "$WORK/out" --refit >>"$WORK/refit.txt"
rm -rf "$WORK/out"; cp -a "$WORK/cold" "$WORK/out"
seconds "$WORK/out" --verify >>"$WORK/verify.txt"

python3 - "$WORK" "$cold" <<'PY'
import json, statistics, sys
work, cold = sys.argv[1], float(sys.argv[2])
read = lambda f: [float(x) for x in open(f"{work}/{f}")]
rerun, refit, verify = read("rerun.txt"), read("refit.txt"), read("verify.txt")
m = statistics.median(rerun)
run = json.load(open(f"{work}/rerun.run.json"))
c = run["counts"]
print(f"re-runs: {', '.join(f'{x:.2f}' for x in rerun)} s; median {m:.2f} s = {100 * m / cold:.1f}% of the cold run "
      f"({'PASS' if m <= 0.10 * cold else 'FAIL'}: target <= 10%)")
print(f"re-run read anew: {c['new_or_changed']} of {c['posts']} post files; model {run['model']['source']}; stages: {run['seconds']}")
print(f"re-run with --refit: {refit[0]:.2f} s = {100 * refit[0] / cold:.1f}% of the cold run")
print(f"re-run with --verify: {verify[0]:.2f} s = {100 * verify[0] / cold:.1f}% of the cold run")
old = read("old.txt")
if old:
    mo = statistics.median(old)
    prep = [l.split() for l in open(f"{work}/prepare.txt")]
    med = lambda build, i: statistics.median(float(p[i]) for p in prep if p[0] == build)
    print(f"OLD_BIN re-runs (alternating): {', '.join(f'{x:.2f}' for x in old)} s; median {mo:.2f} s; "
          f"new/old {m / mo:.3f}; prepare median new {med('new', 1):.2f} s, old {med('old', 1):.2f} s; "
          f"events median new {med('new', 2):.2f} s, old {med('old', 2):.2f} s")
cold_run = json.load(open(f"{work}/cold.run.json"))
print(f"cold run stages: {cold_run['seconds']}")
PY
exit 0
