#!/usr/bin/env bash
# Theme quality against the THUCNews labels: mean NMI / ARI over seeds 1-5
# with --k 10 (the issue's target: NMI >= 0.85, ARI >= 0.75).
# Usage: [SEEDS=N] [TSV=file] [BIN=binary] benches/quality.sh [extra flags for theme-trends run]
# (SEEDS: seeds 1..N, default 5)
set -euo pipefail
cd "$(dirname "$0")/.."
tsv=${TSV:-../shared/corpus/thucnews/dev.tsv}
if [[ ! -f $tsv ]]; then echo "SKIPPED: $tsv is absent"; exit 0; fi
bin=${BIN:-target/release/theme-trends}
[[ -x $bin ]] || cargo build --release --quiet
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for seed in $(seq 1 "${SEEDS:-5}"); do
  "$bin" run --input "$tsv" --out "$out/$seed" --k 10 --seed "$seed" --no-charts --quiet "$@"
  python3 -c 'import json,sys; e=json.load(open(sys.argv[1]))["evaluation"]; print(sys.argv[2], "%.4f %.4f %.4f" % (e["nmi"], e["ari"], e["purity"]))' \
    "$out/$seed/run.json" "$seed"
done | awk '{print "seed " $1 ": NMI " $2 "  ARI " $3 "  purity " $4; n+=$2; a+=$3; p+=$4; c++}
  END {printf "mean over %d seeds: NMI %.4f  ARI %.4f  purity %.4f\n", c, n/c, a/c, p/c}'
