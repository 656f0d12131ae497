#!/usr/bin/env bash
# Runs every fuzz harness (or those named) under libFuzzer for SECONDS each, starting from the
# committed corpus in Fuzz/Corpus, and prints executions and coverage per harness
# (docs/fuzzing.md, docs/design/0028-fuzzing.md).
#
#   scripts/fuzz.sh [SECONDS-PER-HARNESS] [HARNESS...]     (default 60 s, every harness)
#
# Environment: FUZZ_SEED (libFuzzer -seed, default 1), FUZZ_RUNS (-runs bound, default none),
# FUZZ_SCRATCH (build directory, default .build-fuzz), FUZZ_SANITIZERS (default fuzzer,address),
# FUZZ_SKIP_BUILD=1 (run the binary already built).
# Inputs the fuzzer finds go to $FUZZ_SCRATCH/corpus/<harness> (not committed); a crash or hang is
# written to $FUZZ_SCRATCH/crashes/<harness>/ and makes the script exit 1 after all harnesses ran.
# A crash becomes a regression: fix the parser, then copy the input to
# Fuzz/Corpus/<harness>/regression-<what> so the replay tests run it for ever.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-60}
shift || true
seed=${FUZZ_SEED:-1}
scratch=${FUZZ_SCRATCH:-.build-fuzz}
sanitizers=${FUZZ_SANITIZERS:-fuzzer,address}

# The harness binary exists only with LVS_FUZZ=1 (Package.swift); its own scratch path keeps the
# sanitizer flags away from every other build. -parse-as-library: no module has top-level code.
# FUZZ_SKIP_BUILD=1 reuses the binary (for several runs of this script side by side).
if [[ ${FUZZ_SKIP_BUILD:-0} != 1 ]]; then
    LVS_FUZZ=1 LVS_ONLY=lvs-fuzz swift build -c release --scratch-path "$scratch" --product lvs-fuzz \
        -Xswiftc "-sanitize=$sanitizers" -Xswiftc -parse-as-library
fi
binary="$scratch/release/lvs-fuzz"

if [[ $# -gt 0 ]]; then
    harnesses=("$@")
else
    mapfile -t harnesses < <(find Fuzz/Corpus -mindepth 1 -maxdepth 1 -type d -printf '%f\n' | sort)
fi

runs=()
if [[ -n ${FUZZ_RUNS:-} ]]; then runs=("-runs=$FUZZ_RUNS"); fi

# Leak checking stays on; the Swift runtime's metadata caches are not reported as leaks because
# they stay reachable from globals.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:symbolize=1}

failed=()
printf '%-18s %12s %8s %6s %7s %7s  %s\n' harness executions exec/s cov ft corpus result
for harness in "${harnesses[@]}"; do
    work="$scratch/corpus/$harness"
    crashes="$scratch/crashes/$harness"
    log="$scratch/logs/$harness.log"
    mkdir -p "$work" "$crashes" "$(dirname "$log")"
    status=0
    # The first directory receives new inputs; the committed corpus is only read. Input length is
    # capped (4 KiB covers a frame sequence and a keepalived.conf with includes); a single input
    # running over 10 s is reported as a hang.
    LVS_FUZZ_HARNESS=$harness timeout --kill-after=30 $((seconds + 120)) "$binary" "$work" "Fuzz/Corpus/$harness" \
        -seed="$seed" -max_total_time="$seconds" "${runs[@]}" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix="$crashes/" -print_final_stats=1 >"$log" 2>&1 </dev/null || status=$?
    executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    coverage=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
    features=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
    corpus=$(grep -o 'corp: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
    result=ok
    if [[ $status -ne 0 ]]; then
        result="FAILED (exit $status; $log, $crashes)"
        failed+=("$harness")
    fi
    printf '%-18s %12s %8s %6s %7s %7s  %s\n' "$harness" "${executions:-?}" "${speed:-?}" "${coverage:-?}" \
        "${features:-?}" "${corpus:-?}" "$result"
done

if [[ ${#failed[@]} -gt 0 ]]; then
    echo "fuzz: crashes or hangs in: ${failed[*]}" >&2
    exit 1
fi
