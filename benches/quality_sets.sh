#!/usr/bin/env bash
# Theme quality on two labelled sets, beside the peer's recipe in the same
# run: THUCNews dev (../shared/corpus/thucnews/dev.tsv, 500 articles) whole
# and cut to 150 and 60 characters, and 10,000 THUCNews titles
# (benches/fetch_titles.sh). Seeds 1-5, --k 10 (benches/quality.sh), peer
# benches/peer/peer_labels.py. Prints one Markdown row per set and length:
# mean NMI / ARI of ours and the peer's, and the NMI margin.
#
# Usage: benches/quality_sets.sh [extra flags for theme-trends run]
#   VECTORS=DIR_OR_MODEL  adds --vectors-from (word vectors of another run,
#                         e.g. OUT/.cache of a run on the flash corpus)
#   SETS="dev-whole dev-150 dev-60 titles"  (default: all four)
#   PEER=0                skips the peer (its column is then empty)
set -euo pipefail
cd "$(dirname "$0")/.."
source benches/_common.sh
ensure_binary
dev=${DEV:-../shared/corpus/thucnews/dev.tsv}
sets=${SETS:-dev-whole dev-150 dev-60 titles}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
extra=("$@")
[[ -n ${VECTORS:-} ]] && extra+=(--vectors-from "$VECTORS")
cut_tsv() { # FILE CHARS OUT
    python3 - "$1" "$2" "$3" <<'PY'
import sys
src, n, dst = sys.argv[1], int(sys.argv[2]), sys.argv[3]
with open(src, encoding="utf-8") as f, open(dst, "w", encoding="utf-8") as o:
    o.write(f.readline())
    for line in f:
        label, _, text = line.rstrip("\n").partition("\t")
        o.write(label + "\t" + (text[:n] if n else text) + "\n")
PY
}
mean() { grep '^mean' | sed -E 's/.*NMI ([0-9.]+) +ARI ([0-9.]+).*/\1 \2/'; }
if [[ ${PEER:-1} != 0 ]]; then ensure_venv; fi
echo "| set | text | ours NMI / ARI | peer NMI / ARI | margin |"
echo "| --- | --- | ---: | ---: | ---: |"
for s in $sets; do
    case $s in
        dev-whole) src=$dev; n=0; name="THUCNews dev"; text=whole ;;
        dev-150) src=$dev; n=150; name="THUCNews dev"; text="150 chars" ;;
        dev-60) src=$dev; n=60; name="THUCNews dev"; text="60 chars" ;;
        titles) src=$(benches/fetch_titles.sh); n=0; name="THUCNews titles"; text="titles (7-30 chars)" ;;
        *) echo "unknown set $s" >&2; exit 2 ;;
    esac
    if [[ ! -f $src ]]; then echo "SKIPPED: $src is absent" >&2; continue; fi
    cut_tsv "$src" "$n" "$work/$s.tsv"
    read -r on oa < <(TSV="$work/$s.tsv" BIN="$BIN" benches/quality.sh "${extra[@]}" | mean)
    pn="" pa="" margin=""
    if [[ ${PEER:-1} != 0 ]]; then
        read -r pn pa < <("$PY" benches/peer/peer_labels.py "$work/$s.tsv" | mean)
        margin=$(python3 -c "print('%+.3f' % ($on - $pn))")
    fi
    echo "| $name | $text | $on / $oa | ${pn:-–} / ${pa:-–} | ${margin:-–} |"
done
