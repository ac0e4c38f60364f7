#!/usr/bin/env bash
# The stages on a cluster engine (Dask, local mode): see engine_dask.py.
#   benches/engine_dask.sh [INPUT] [--parts N] [--workers N]
# Without INPUT, a Parquet table of 200,000 flashes is generated from the
# shared corpus (outside the repository). Installs dask into the bench venv.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/_common.sh"
ensure_binary
DASK_VENV="${DASK_VENV:-$BENCH_TMP/theme-trends-dask-venv}"
if [ ! -x "$DASK_VENV/bin/python" ]; then
    python3 -m venv "$DASK_VENV" || exit 1
fi
"$DASK_VENV/bin/python" -c "import dask" 2>/dev/null || "$DASK_VENV/bin/python" -m pip install -q dask >&2 || exit 1
input="${1:-}"
if [ -z "$input" ] || [[ "$input" == --* ]]; then
    corpus="$ROOT/../shared/corpus/xwlb/_posts"
    [ -d "$corpus" ] || { echo "SKIP: $corpus is absent"; exit 0; }
    input="$BENCH_TMP/theme-trends-dask-flashes.parquet"
    if [ ! -f "$input" ]; then
        (cd "$ROOT" && cargo bench --quiet --bench gen_archive -- --parquet "$input" --posts 200000 \
            --days 365 --first 2024-01-01 --seed 42 --corpus "$corpus") >&2 || exit 1
    fi
else
    shift
fi
machine_info
exec "$DASK_VENV/bin/python" "$ROOT/benches/engine_dask.py" "$input" --bin "$BIN" "$@"
