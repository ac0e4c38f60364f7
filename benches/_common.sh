# Shared helpers of the bench scripts (sourced, not run).
# Sets ROOT, VENV, PY, BIN and defines ensure_venv, ensure_binary, machine_info.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BENCH_TMP="${TMPDIR:-/tmp}"
VENV="${TT_BENCH_VENV:-$BENCH_TMP/theme-trends-bench-venv}"
PY="$VENV/bin/python"
BIN="${TT_BIN:-${CARGO_TARGET_DIR:-$ROOT/target}/release/theme-trends}"

# Creates the venv (reused if present) and installs the packages it misses.
ensure_venv() {
    if [ ! -x "$PY" ]; then
        echo "# creating venv $VENV" >&2
        python3 -m venv "$VENV" || { echo "error: cannot create venv $VENV" >&2; exit 1; }
        "$PY" -m pip install -q --upgrade pip >&2
    fi
    if ! "$PY" -c "import jieba, sklearn, pandas, matplotlib, pyarrow" 2>/dev/null; then
        echo "# pip install jieba scikit-learn pandas matplotlib pyarrow into $VENV" >&2
        "$PY" -m pip install -q jieba scikit-learn pandas matplotlib pyarrow >&2 \
            || { echo "error: pip install failed" >&2; exit 1; }
    fi
}

# Builds the release binary when it is missing.
ensure_binary() {
    if [ ! -x "$BIN" ]; then
        echo "# $BIN missing: cargo build --release" >&2
        (cd "$ROOT" && cargo build --release) >&2 || { echo "error: cargo build failed" >&2; exit 1; }
    fi
}

machine_info() {
    echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(free -g | awk '/^Mem:/{print $2}') GiB RAM"
    echo "date:    $(date -u '+%Y-%m-%d %H:%M:%S UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine skews every figure)"
    echo "rust:    $BIN ($("$BIN" --version 2>/dev/null || echo '?'), commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?'), built $(date -u -r "$BIN" '+%Y-%m-%d %H:%M UTC'))"
}
