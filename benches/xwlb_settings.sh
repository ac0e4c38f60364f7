#!/usr/bin/env bash
# The xwlb side of docs/quality.md's tables: theme-trends on
# ../shared/corpus/xwlb/_posts with --k $K (default 20) --no-cache under
# several settings (flags separated by ';'; by default the k-means settings).
# Per setting it prints the k-means objective (mean cosine of each post to
# its theme centre, the `score` of assignments.csv), the NPMI coherence of
# the themes (themes.csv; plain mean and size-weighted), the adjusted Rand
# index of the assignments against the first setting, and the seconds of
# the cluster stage (run.json). THUCNews scores come from quality.sh.
#
#   benches/xwlb_settings.sh
#   K=35 SETTINGS="--dims 50 --max-df 0.3;--dims 100 --max-df 0.5" benches/xwlb_settings.sh
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/_common.sh"
CORPUS="${CORPUS:-$ROOT/../shared/corpus/xwlb/_posts}"
if [ ! -d "$CORPUS" ]; then echo "SKIP: corpus folder $CORPUS is absent"; exit 0; fi
K="${K:-20}"
SETTINGS="${SETTINGS:---kmeans-runs 4 --kmeans-iters 100 --kmeans-sample 50000;--kmeans-runs 4 --kmeans-iters 30 --kmeans-sample 50000;--kmeans-runs 2 --kmeans-iters 100 --kmeans-sample 50000;--kmeans-runs 4 --kmeans-iters 30;--kmeans-runs 3 --kmeans-iters 30;--kmeans-runs 4 --kmeans-iters 100 --kmeans-sample 50000 --seed 1;--kmeans-runs 4 --kmeans-iters 100 --kmeans-sample 50000 --seed 2}"
ensure_venv
ensure_binary
machine_info
WORK="$(mktemp -d "$BENCH_TMP/theme-trends-kmeans.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
IFS=';' read -ra runs <<< "$SETTINGS"
for i in "${!runs[@]}"; do
    # shellcheck disable=SC2086
    "$BIN" run --input "$CORPUS" --out "$WORK/$i" --k "$K" --no-cache --no-charts -q ${runs[$i]} \
        || { echo "error: run failed: ${runs[$i]}"; exit 1; }
done
"$PY" - "$WORK" "${runs[@]}" <<'PY'
import json, sys
import pandas as pd
from sklearn.metrics import adjusted_rand_score
work, settings = sys.argv[1], sys.argv[2:]
ref = pd.read_csv(f"{work}/0/assignments.csv").theme_id
print(f"{'setting':<62} {'mean cos':>8} {'coh mean':>8} {'coh wtd':>7} {'ARI vs 1st':>10} {'cluster s':>9}")
for i, s in enumerate(settings):
    a = pd.read_csv(f"{work}/{i}/assignments.csv")
    t = pd.read_csv(f"{work}/{i}/themes.csv")
    coh = (t.coherence * t["size"]).sum() / t["size"].sum()
    secs = json.load(open(f"{work}/{i}/run.json"))["seconds"]["cluster"]
    print(f"{s:<62} {a.score.mean():8.4f} {t.coherence.mean():8.3f} {coh:7.3f} {adjusted_rand_score(ref, a.theme_id):10.2f} {secs:9.2f}")
PY
