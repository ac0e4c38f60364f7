#!/usr/bin/env bash
# Default run on the xwlb archive and `terms` on its report: the figures of
# the README's performance table. RUNS runs each (default 3); prints every
# run and the median. Not run by CI.
#   benches/xwlb_terms.sh
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/_common.sh"
RUNS="${RUNS:-3}"
corpus="$ROOT/../shared/corpus/xwlb/_posts"
[ -d "$corpus" ] || { echo "SKIP: $corpus is absent"; exit 0; }
ensure_binary
machine_info
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

echo "# run --no-cache (defaults, k auto), $RUNS runs: wall s, peak RSS MB"
for i in $(seq "$RUNS"); do
    /usr/bin/time -f "%e %M" -o "$work/t" "$BIN" run --input "$corpus" --out "$work/nc" --no-cache --no-charts -q
    read -r s kb <"$work/t"; echo "$s $((kb / 1024))"
done | tee "$work/runs"
echo "median wall $(cut -d' ' -f1 "$work/runs" | median) s, peak $(cut -d' ' -f2 "$work/runs" | sort -n | tail -1) MB"

"$BIN" run --input "$corpus" --out "$work/report" --no-charts -q
for what in "three words:加沙 人民币 供应链" "one substring:新质生产力"; do
    label=${what%%:*}; read -r -a words <<<"${what#*:}"
    for i in $(seq "$RUNS"); do
        /usr/bin/time -f "%e" -o "$work/t" "$BIN" terms --out "$work/report" "${words[@]}" >/dev/null 2>&1
        cat "$work/t"
    done >"$work/terms"
    echo "terms, $label: $(tr '\n' ' ' <"$work/terms")s; median $(median <"$work/terms") s"
done
