#!/usr/bin/env bash
# Size of index.html and the time until its interactive share chart is
# drawn by ECharts in headless Chromium, at two sizes:
#   demo-45x48: 45 themes over 48 months (synthetic, --granularity month)
#   200x1500:   200 themes over 1,500 days (synthetic, --granularity day)
# Each archive is a CSV table (date,title,text) of made-up subjects, each
# with its own words, written under ${TMPDIR:-/tmp}. The load time is the
# page's own performance.now() when the chart is drawn (the data-drawn-ms
# attribute of #tt-chart), median of 3 loads from disk. "embedded" is the
# period of the counts the page holds (days unless they pass its 2 MB
# bound) and "data" the bytes of its embedded JSON (counts and posts).
#
#   benches/page_size.sh            # both sizes
#   SIZES="45:48:month" benches/page_size.sh
set -euo pipefail
source "$(dirname "$0")/_common.sh"
ensure_binary
CHROMIUM="${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}"
[ -n "$CHROMIUM" ] || { echo "SKIP: no chromium (set CHROMIUM)"; exit 0; }
WORK="$BENCH_TMP/theme-trends-page-bench"
mkdir -p "$WORK"
SIZES="${SIZES:-45:48:month 200:1500:day}"
machine_info 2>/dev/null || true

gen() { # subjects periods granularity posts_per_period out.csv
    python3 - "$@" <<'PY'
import csv, datetime as dt, random, sys
k, periods, gran, per, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), sys.argv[5]
rng = random.Random(7)
chars = [chr(c) for c in range(0x4e00, 0x9fa5)]
common = ["".join(rng.sample(chars, 2)) for _ in range(40)]
subjects = [["".join(rng.sample(chars, 2)) for _ in range(14)] for _ in range(k)]
start = dt.date(2020, 1, 1)
with open(out, "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f)
    w.writerow(["date", "title", "text"])
    for p in range(periods):
        if gran == "month":
            y, m = divmod(p, 12)
            base = dt.date(2020 + y, m + 1, 1)
            span = 28
        else:
            base, span = start + dt.timedelta(days=p), 1
        for i in range(per):
            s = rng.randrange(k)
            words = [rng.choice(subjects[s]) for _ in range(rng.randint(30, 60))]
            words += [rng.choice(common) for _ in range(8)]
            rng.shuffle(words)
            date = base + dt.timedelta(days=rng.randrange(span))
            title = "".join(words[:6]) + f" {p}-{i}"
            text = "，".join("".join(words[j:j + 6]) for j in range(0, len(words), 6)) + "。"
            w.writerow([date.isoformat(), title, text])
PY
}

printf "%-12s %8s %9s %14s %12s %12s %10s\n" size themes periods embedded page_bytes data_bytes load_ms
for spec in $SIZES; do
    IFS=: read -r k periods gran <<<"$spec"
    [ "$gran" = month ] && per=900 || per=24
    csv="$WORK/archive_${k}x${periods}.csv"
    [ -s "$csv" ] || gen "$k" "$periods" "$gran" "$per" "$csv"
    out="$WORK/report_${k}x${periods}"
    rm -rf "$out"
    "$BIN" run --input "$csv" --out "$out" --k "$k" --granularity "$gran" --quiet >&2
    page="$out/index.html"
    bytes=$(stat -c %s "$page")
    read -r embedded data < <(python3 -c "import json,re,sys;s=open(sys.argv[1],encoding='utf-8').read();j=re.search(r'id=\"tt-data\">(.*?)</script>',s,re.S).group(1);d=json.loads(j);print(f\"{d['n']}/{d['base']} {len(j.encode())}\")" "$page")
    times=()
    for run in 1 2 3; do
        prof="$WORK/profile_$run"; rm -rf "$prof"
        ms=$("$CHROMIUM" --headless --no-sandbox --disable-gpu --no-first-run \
            --disable-background-networking --user-data-dir="$prof" \
            --dump-dom "file://$page" 2>/dev/null | grep -o 'data-drawn-ms="[0-9]*"' | grep -o '[0-9]*')
        times+=("$ms")
    done
    load=$(printf "%s\n" "${times[@]}" | sort -n | sed -n 2p)
    printf "%-12s %8s %9s %14s %12s %12s %10s\n" "${k}x${periods}" "$k" "$periods" "$embedded" "$bytes" "$data" "$load"
done
