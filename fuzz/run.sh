#!/usr/bin/env bash
# Fuzzes the post parser (fuzz target `parse_post`) for a while, then
# minimises every crash / timeout / out-of-memory input found and copies it
# into tests/fuzz_regressions/, where `cargo test --test fuzz_regressions`
# replays it. Not run by CI: run it by hand.
#
#   fuzz/run.sh [DURATION_SECONDS]        (default 600)
#
# Environment (all optional):
#   FUZZ_SANITIZER   none (default; the project has no unsafe code) | address
#   FUZZ_JOBS        parallel fuzzing processes (default 1)
#   FUZZ_MAX_LEN     largest input in bytes (default 65536)
#   FUZZ_TIMEOUT     seconds one input may take before it is a hang (default 5)
#   FUZZ_RSS_MB      memory limit in MB (default 2048)
#   FUZZ_TMIN_SECS   time allowed to minimise one artifact (default 300)
#   CARGO_BUILD_JOBS compile jobs (default 1: the machine is small)
#
# Needs `cargo install cargo-fuzz`. cargo-fuzz passes nightly-only flags to
# rustc; on a stable toolchain RUSTC_BOOTSTRAP=1 makes rustc accept them.
set -euo pipefail

DURATION="${1:-600}"
SANITIZER="${FUZZ_SANITIZER:-none}"
JOBS="${FUZZ_JOBS:-1}"
MAX_LEN="${FUZZ_MAX_LEN:-65536}"
TIMEOUT="${FUZZ_TIMEOUT:-5}"
RSS_MB="${FUZZ_RSS_MB:-2048}"
TMIN_SECS="${FUZZ_TMIN_SECS:-300}"
TARGET=parse_post

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
FUZZ="$ROOT/fuzz"
SEEDS="$FUZZ/corpus/$TARGET"            # hand-written seeds, kept in git
WORK="$FUZZ/work/corpus/$TARGET"        # what libFuzzer grows (git-ignored)
ARTIFACTS="$FUZZ/artifacts/$TARGET"     # raw crashers (git-ignored)
REGRESSIONS="$ROOT/tests/fuzz_regressions"
LOG="$FUZZ/work/fuzz-$(date +%Y%m%d-%H%M%S).log"

export RUSTC_BOOTSTRAP=1
export CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-1}"

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "cargo-fuzz is missing: cargo install cargo-fuzz" >&2
    exit 2
fi

mkdir -p "$WORK" "$ARTIFACTS" "$REGRESSIONS"
cd "$ROOT"
FLAGS=(--sanitizer "$SANITIZER" --debug-assertions)

echo "== building $TARGET (sanitizer: $SANITIZER, debug assertions on)"
cargo fuzz build "${FLAGS[@]}" "$TARGET"

echo "== fuzzing for ${DURATION}s; log: $LOG"
status=0
# -fork: a crash or hang is recorded and fuzzing goes on, so one run can find
# several; -ignore_* keep the workers alive after each find.
cargo fuzz run "${FLAGS[@]}" "$TARGET" "$WORK" "$SEEDS" -- \
    -max_total_time="$DURATION" \
    -max_len="$MAX_LEN" \
    -timeout="$TIMEOUT" \
    -rss_limit_mb="$RSS_MB" \
    -dict="$FUZZ/$TARGET.dict" \
    -fork="$JOBS" -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
    -print_final_stats=1 \
    -artifact_prefix="$ARTIFACTS/" \
    2>&1 | tee "$LOG" || status=$?
echo "== libFuzzer exited with $status"

shopt -s nullglob
found=("$ARTIFACTS"/crash-* "$ARTIFACTS"/timeout-* "$ARTIFACTS"/oom-* "$ARTIFACTS"/leak-*)
if [ ${#found[@]} -eq 0 ]; then
    echo "== no crash, hang or broken invariant found"
    exit 0
fi

echo "== ${#found[@]} artifact(s); minimising; one per failure site saved to $REGRESSIONS"
BIN="$FUZZ/target/x86_64-unknown-linux-gnu/release/$TARGET"
declare -A seen=()
for artifact in "${found[@]}"; do
    name="$(basename "$artifact")"
    minimised="$ARTIFACTS/min/$name"
    mkdir -p "$ARTIFACTS/min"
    if [ ! -e "$minimised" ]; then
        # Keeps the smallest input that still fails (any failure kind); a
        # hang or out-of-memory input is slow to minimise, hence the bound.
        timeout --kill-after=10 "$TMIN_SECS" \
            cargo fuzz tmin "${FLAGS[@]}" -r 2000 "$TARGET" "$artifact" -- \
            -timeout="$TIMEOUT" -rss_limit_mb="$RSS_MB" \
            -exact_artifact_path="$minimised" >"$minimised.log" 2>&1 || true
        [ -s "$minimised" ] || cp "$artifact" "$minimised"
    fi
    # What the input does now: the panic location is the failure's signature
    # (the fuzz-target checks each have their own line in fuzz/src/check.rs).
    report="$("$BIN" -timeout="$TIMEOUT" -rss_limit_mb="$RSS_MB" "$minimised" 2>&1 || true)"
    site="$(grep -m1 -o 'panicked at [^ ]*' <<<"$report" || true)"
    [ -n "$site" ] || site="${name%%-*}"
    if [ -n "${seen[$site]:-}" ]; then
        echo "-- $name: same failure as ${seen[$site]} ($site), not saved"
        continue
    fi
    seen[$site]="$name"
    cp "$minimised" "$REGRESSIONS/$name"
    echo "-- saved $REGRESSIONS/$name ($(wc -c <"$minimised") bytes): $site"
    grep -A3 -m1 'panicked at' <<<"$report" | sed 's/^/   /' || true
done
echo "== replay them with: cargo test --test fuzz_regressions"
exit 1
