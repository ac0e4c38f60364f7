#!/usr/bin/env bash
# The known stories of the flash feed (benches/flash_stories.tsv), found in
# each outlet's feed alone: a check of the events stage on feeds it was not
# tuned on (one source, a third of the posts, several stories of only a
# handful of posts), beside the whole feed.
#
#   benches/flash_by_outlet.sh [BINARY...]     (default: the release build)
#
# The table ../shared/corpus/flash/flash-2026-05-06.tsv is split by its
# `source` column into temporary tables (nothing is written into the
# repository); each binary runs on each with --k 20 (the themes do not
# matter to the events) and benches/flash_stories.py scores its reports.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/_common.sh"
TABLE="${TABLE:-$ROOT/../shared/corpus/flash/flash-2026-05-06.tsv}"
if [ ! -e "$TABLE" ]; then echo "SKIP: $TABLE is absent"; exit 0; fi
[ $# -ge 1 ] || { ensure_binary; set -- "$BIN"; }
for bin in "$@"; do
    [ -x "$bin" ] || { echo "error: $bin is no executable"; exit 1; }
    BIN=$bin machine_info
done
WORK="$(mktemp -d "$BENCH_TMP/theme-trends-outlets.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
python3 - "$TABLE" "$WORK" <<'PY'
import sys
table, work = sys.argv[1], sys.argv[2]
with open(table, encoding="utf-8") as f:
    header = f.readline()
    si = header.rstrip("\n").split("\t").index("source")
    outs = {}
    for line in f:
        cols = line.rstrip("\n").split("\t")
        s = cols[si] if si < len(cols) else ""
        if s not in outs:
            outs[s] = open(f"{work}/outlet-{len(outs)}.tsv", "w", encoding="utf-8")
            outs[s].write(header)
        outs[s].write(line)
for s, o in outs.items():
    print(f"{o.name.rsplit('/', 1)[1]}: {s}")
    o.close()
PY
[ $? -eq 0 ] || { echo "error: cannot split $TABLE by its source column"; exit 1; }
shopt -s nullglob
parts=("$WORK"/outlet-*.tsv)
[ ${#parts[@]} -gt 0 ] || { echo "error: $TABLE has no rows"; exit 1; }
for t in "$TABLE" "${parts[@]}"; do
    for bin in "$@"; do
        "$bin" run --input "$t" --out "$WORK/out" --no-cache -q --k 20 >/dev/null 2>&1 \
            || { echo "error: $bin failed on $t"; exit 1; }
        score=$(python3 "$ROOT/benches/flash_stories.py" "$WORK/out" --table "$t") \
            || { echo "error: flash_stories.py failed on $bin's run on $t"; exit 1; }
        echo "$(basename "$t") $bin: $(echo "$score" | tail -2 | tr '\n' ' ')"
        rm -rf "$WORK/out"
    done
done
