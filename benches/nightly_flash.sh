#!/usr/bin/env bash
# Real nights replayed on the flash feed (issue 21, "a night that crosses
# the refit threshold keeps >= 90% of the posts' theme ids").
#
# ../shared/corpus/flash (58,006 real flashes, 2026-05-14..06-30, a table;
# read its README) is made into a Jekyll post folder in a temporary
# directory: one file per flash, `YYYY-MM-DD-<outlet>-<row>.md`, with the
# front matter of the user's archive (../shared/corpus/seed/README: layout,
# double-quoted title, date with +0800, the outlet as categories and tags)
# and the text as one HTML paragraph. Nothing from the corpus is written
# into the repository.
#
# A cold run on the days up to COLD_UNTIL (default 2026-06-07: 25 days,
# 29,608 flashes, three and a half weeks), then NIGHTS nights (default 10):
# each adds the next day that has posts and re-runs into the previous
# night's output folder, as a cron job does. A night whose archive grew by
# 10% or more since the themes were fitted crosses the refit threshold.
# For each night: wall seconds, share of the cold run, how the model came
# about (run.json model.source: kept / refined / fitted), themes, new
# themes (ids the previous night did not have), the themes' coherence
# (size-weighted mean NPMI of their top words, themes.csv), and the share
# of the posts present before and after that kept their theme_id, post by
# post (assignments.csv, by path). With COMPARE=1 (the default) each night
# that did not keep the model is run a second time, fitted anew as before
# issue 21 (`--no-cache` into a copy of the previous night's reports: no
# model to start from, theme ids still matched to the previous run's), and
# the same figures printed for it.
#
# Usage: [COLD_UNTIL=YYYY-MM-DD] [NIGHTS=N] [COMPARE=0|1] [KEEP=DIR] benches/nightly_flash.sh [extra flags]
# Extra flags go to every run (e.g. --threads 1, --k 20). KEEP=DIR keeps
# every night's assignments.csv and run.json there.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/_common.sh"

TSV="${TSV:-$ROOT/../shared/corpus/flash/flash-2026-05-06.tsv}"
[ -f "$TSV" ] || { echo "SKIP: $TSV is absent"; exit 0; }
COLD_UNTIL="${COLD_UNTIL:-2026-06-07}"
NIGHTS="${NIGHTS:-10}"
ensure_binary
work=$(mktemp -d "$BENCH_TMP/theme-trends-nightly-flash.XXXXXX")
case "$work" in "$ROOT"/*) echo "error: $work is inside the repository" >&2; exit 1 ;; esac
trap 'rm -rf "$work"' EXIT
flags=("$@")

echo "== theme-trends: real nights replayed on the flash feed =="
machine_info
echo "flags: ${flags[*]:-(defaults)}"

# The table as post files, one folder per day.
python3 - "$TSV" "$work/days" <<'PY'
import html, os, sys
tsv, out = sys.argv[1], sys.argv[2]
slug = {"财联社": "cls", "东方财富": "eastmoney", "同花顺": "ths"}
with open(tsv, encoding="utf-8") as f:
    header = f.readline().rstrip("\n").split("\t")
    assert header == ["date", "title", "text", "source"], header
    for row, line in enumerate(f):
        date, title, text, source = line.rstrip("\n").split("\t")
        day = date[:10]
        d = os.path.join(out, day)
        os.makedirs(d, exist_ok=True)
        t = title.replace("\\", "\\\\").replace('"', '\\"')
        name = f"{day}-{slug.get(source, 'other')}-{row:06d}.md"
        with open(os.path.join(d, name), "w", encoding="utf-8") as p:
            p.write(f'---\nlayout: post\ntitle: "{t}"\ndate: {date} +0800\n'
                    f"categories: {slug.get(source, 'other')}\ntags: {source}\n---\n"
                    f"<p>{html.escape(text, quote=False)}</p>\n")
PY
days=($(ls "$work/days"))
mkdir -p "$work/archive/_posts"
nights=()
for d in "${days[@]}"; do
    if [[ ! $d > $COLD_UNTIL ]]; then
        cp "$work/days/$d"/*.md "$work/archive/_posts/"
    elif (( ${#nights[@]} < NIGHTS )); then
        nights+=("$d")
    fi
done
echo "cold archive: days up to $COLD_UNTIL, $(ls "$work/archive/_posts" | wc -l) post files; nights: ${nights[*]}"

# What a night's run gives: measure BEFORE.csv OUT SECONDS COLD_SECONDS LABEL
cat >"$work/measure.py" <<'PY'
import csv, json, sys
before, out, secs, cold, label = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
def ids(f):
    return {r["path"]: r["theme_id"] for r in csv.DictReader(open(f, encoding="utf-8"))}
a, b = ids(before), ids(f"{out}/assignments.csv")
both = [p for p in a if p in b]
kept = sum(a[p] == b[p] for p in both)
run = json.load(open(f"{out}/run.json"))
themes = list(csv.DictReader(open(f"{out}/themes.csv", encoding="utf-8")))
size = sum(int(t["size"]) for t in themes)
coherence = sum(int(t["size"]) * float(t["coherence"]) for t in themes) / size
new = len({t["theme_id"] for t in themes} - set(a.values()))
print(f"| {label} | {run['counts']['posts']} | {secs:.2f} | {100 * secs / cold:.0f}% | "
      f"{run['model']['source']} | {len(themes)} | {new} | {coherence:.4f} | "
      f"{100 * kept / max(len(both), 1):.1f}% of {len(both)} |")
PY

# One run into OUT, the moment of the run the night after DAY: prints seconds.
run() { # run OUT DAY [flags]
    local out=$1 day=$2 t0 t1 next
    shift 2
    next=$(date -d "$day + 1 day" +%F)
    t0=$(date +%s.%N)
    "$BIN" run --input "$work/archive/_posts" --out "$out" --now "$next 02:30" -q "${flags[@]}" "$@" \
        2>"$work/log.txt" || { cat "$work/log.txt" >&2; exit 1; }
    t1=$(date +%s.%N)
    echo "$t1 - $t0" | bc
}
cold=$(run "$work/out" "$COLD_UNTIL")
cp "$work/out/assignments.csv" "$work/before.csv"
[ -n "${KEEP:-}" ] && { mkdir -p "$KEEP"; cp "$work/out/assignments.csv" "$KEEP/0-assignments.csv"; cp "$work/out/run.json" "$KEEP/0-run.json"; }
echo
echo "| night | posts | seconds | % of cold | model | themes | new | coherence | kept theme_id |"
echo "| --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: |"
python3 "$work/measure.py" "$work/before.csv" "$work/out" "$cold" "$cold" "cold ..$COLD_UNTIL"
compare=()
for d in "${nights[@]}"; do
    cp "$work/days/$d"/*.md "$work/archive/_posts/"
    if [ "${COMPARE:-1}" = 1 ]; then rm -rf "$work/prev"; cp -a "$work/out" "$work/prev"; fi
    secs=$(run "$work/out" "$d")
    [ -n "${KEEP:-}" ] && { cp "$work/out/assignments.csv" "$KEEP/$d-assignments.csv"; cp "$work/out/run.json" "$KEEP/$d-run.json"; }
    python3 "$work/measure.py" "$work/before.csv" "$work/out" "$secs" "$cold" "$d +$(ls "$work/days/$d" | wc -l)"
    source=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["model"]["source"])' "$work/out/run.json")
    if [ "${COMPARE:-1}" = 1 ] && [ "$source" != kept ]; then
        # The same night fitted anew, as the old rule did: --no-cache into a
        # copy of the previous night's reports (no model to start from; the
        # theme ids still matched to the previous run's).
        rm -rf "$work/anew"; cp -a "$work/prev" "$work/anew"
        s2=$(run "$work/anew" "$d" --no-cache)
        compare+=("$(python3 "$work/measure.py" "$work/before.csv" "$work/anew" "$s2" "$cold" "$d fitted anew")")
    fi
    cp "$work/out/assignments.csv" "$work/before.csv"
done
if (( ${#compare[@]} > 0 )); then
    echo
    echo "The nights that refined, fitted anew instead (the rule before issue 21):"
    echo
    echo "| night | posts | seconds | % of cold | model | themes | new | coherence | kept theme_id |"
    echo "| --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: |"
    printf '%s\n' "${compare[@]}"
fi
echo
echo "coherence: mean NPMI of each theme's top 10 words over the fitting sample (themes.csv), weighted by theme size."
echo "kept theme_id: posts in both this night's and the previous night's assignments.csv with the same theme_id."
